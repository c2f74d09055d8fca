"""The Litestar application: JSON API, Open311, pages and service worker, one factory.

Controllers of other areas are mounted from their modules when present: each of
`dispatch_api.web.plans`, `dispatch_api.web.crew` and `dispatch_api.web.events` exposes
`route_handlers() -> list`; the channels plugin for live updates comes from
`dispatch_api.web.events.make_channels_plugin(redis_url)`.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin

from dispatch_api.persistence.db import Database
from dispatch_api.settings import Settings
from dispatch_api.web import auth, city, health, open311, org, tickets, users
from dispatch_api.web.deps import provide_city, provide_db_session, provide_paging, provide_settings
from dispatch_api.web.errors import EXCEPTION_HANDLERS, reject_impossible_ids
from dispatch_api.web.security import AuthMiddleware, BearerAwareCSRFMiddleware, csrf_config

log = logging.getLogger("crewline")

OPTIONAL_CONTROLLERS = (
    "dispatch_api.web.plans",
    "dispatch_api.web.crew",
    "dispatch_api.web.events",
    "dispatch_api.web.console",
    "dispatch_api.web.citizen",
    "dispatch_api.web.figures",
    "dispatch_api.web.snow",
)


def _optional_module(name: str) -> Any | None:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return None
        raise


def _optional_handlers() -> list[Any]:
    handlers: list[Any] = []
    for name in OPTIONAL_CONTROLLERS:
        module = _optional_module(name)
        if module is not None and hasattr(module, "route_handlers"):
            handlers.extend(module.route_handlers())
    return handlers


def _plugins(settings: Settings) -> list[Any]:
    events = _optional_module("dispatch_api.web.events")
    if events is not None and hasattr(events, "make_channels_plugin"):
        return [events.make_channels_plugin(settings.redis_url or None)]
    return []


def _pages() -> tuple[list[Any], Any]:
    pages = _optional_module("dispatch_api.web.pages")
    if pages is None:
        return [], None
    return list(pages.page_handlers()), pages.template_config()


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    database = Database(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncGenerator[None, None]:
        if settings.migrate_on_start:
            await database.upgrade()
        try:
            yield
        finally:
            await database.dispose()

    page_handlers, template_config = _pages()
    return Litestar(
        route_handlers=[
            *auth.route_handlers(),
            *users.route_handlers(),
            *tickets.route_handlers(),
            *org.route_handlers(),
            *city.route_handlers(),
            *open311.route_handlers(),
            *health.route_handlers(),
            *_optional_handlers(),
            *page_handlers,
        ],
        template_config=template_config,
        dependencies={
            "db_session": Provide(provide_db_session),
            "city": Provide(provide_city),
            "settings": Provide(provide_settings, sync_to_thread=False),
            "paging": Provide(provide_paging, sync_to_thread=False),
        },
        middleware=[
            AuthMiddleware,
            DefineMiddleware(BearerAwareCSRFMiddleware, config=csrf_config(settings.resolved_secret())),
        ],
        plugins=_plugins(settings),
        exception_handlers=EXCEPTION_HANDLERS,
        before_request=reject_impossible_ids,
        lifespan=[lifespan],
        state=State({"settings": settings, "db": database, "city": None}),
        openapi_config=OpenAPIConfig(
            title="Crewline API",
            version="0.1.0",
            description="Tickets, crews, plans and crew jobs for a city's 137 urban-services hotline.",
            path="/schema",
            render_plugins=[ScalarRenderPlugin(), SwaggerRenderPlugin(path="/swagger")],
        ),
        debug=settings.debug,
    )
