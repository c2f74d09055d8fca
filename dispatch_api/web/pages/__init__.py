"""HTML screens, static files, vendor libraries and the service worker, mounted by the app factory.

`page_handlers()` gives the route handlers and routers; `template_config()` gives the Jinja2
configuration (templates in `pwa/templates`, with Babel translations following each page's
language). Other screens (dispatcher console, snow, intake, citizen pages) add their handlers here
and extend `pwa/templates/base.html`.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template import TemplateConfig

from dispatch_api.web.pages import i18n, screens
from dispatch_api.web.pages.assets import TEMPLATE_DIR, asset_routers, manifest, service_worker
from dispatch_api.web.pages.citizen import CITIZEN_PAGES
from dispatch_api.web.pages.console import CONSOLE_PAGES
from dispatch_api.web.pages.crew import CREW_PAGES
from dispatch_api.web.pages.figures import FIGURES_PAGES
from dispatch_api.web.pages.intake import INTAKE_PAGES
from dispatch_api.web.pages.snow import SNOW_PAGES

__all__ = ["page_handlers", "template_config"]


def page_handlers() -> list[Any]:
    """Every HTML page, `/sw.js`, `/manifest.webmanifest`, `/static/...` and `/vendor/...`."""
    staff_and_citizen = [*CONSOLE_PAGES, *INTAKE_PAGES, *CITIZEN_PAGES, *FIGURES_PAGES, *SNOW_PAGES]
    return [*CREW_PAGES, *staff_and_citizen, service_worker, manifest, *asset_routers()]


def jinja_environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(["html", "xml"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    i18n.install(environment)
    screens.install(environment)
    environment.filters["digits"] = lambda value, lang: i18n.localize_digits(value, lang)
    return environment


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(jinja_environment()))
