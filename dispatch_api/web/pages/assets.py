"""Static files, vendor libraries from node_modules, the web app manifest and the service worker.

Third-party code and fonts are served straight from the repository's `node_modules` (installed by
`npm ci`), never copied into `pwa/static`. The service worker's cache name carries a version that
is a hash of everything the app shell is made of, so any change to a template, script, style or
catalog installs a new worker and clears the old caches.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import CacheControlHeader
from litestar.response import Template
from litestar.router import Router
from litestar.static_files import create_static_files_router

import pwa
from dispatch_api.web.pages.i18n import LANG_COOKIE, gettext, resolve_lang

PWA_DIR = Path(pwa.__file__).resolve().parent
STATIC_DIR = PWA_DIR / "static"
TEMPLATE_DIR = PWA_DIR / "templates"
LOCALE_DIR = PWA_DIR / "locale"
NODE_MODULES = PWA_DIR.parent / "node_modules"


@dataclass(frozen=True, slots=True)
class VendorMount:
    """One folder of an npm package served under `/vendor/<name>`."""

    name: str
    directory: Path
    precache: tuple[str, ...]


VENDOR: tuple[VendorMount, ...] = (
    VendorMount(
        "leaflet",
        NODE_MODULES / "leaflet" / "dist",
        ("leaflet.js", "leaflet.css", "images/marker-icon.png", "images/marker-shadow.png"),
    ),
    VendorMount(
        "vazirmatn",
        NODE_MODULES / "vazirmatn" / "fonts" / "webfonts",
        ("Vazirmatn[wght].woff2",),
    ),
    VendorMount("chart.js", NODE_MODULES / "chart.js" / "dist", ()),
)

# Screens the service worker keeps for offline use (their HTML is the app shell).
SHELL_PAGES: tuple[str, ...] = ("/crew", "/crew/login", "/offline")
# Static folders the crew app needs offline; other screens' files are cached when first used.
SHELL_STATIC: tuple[str, ...] = ("css", "icons", "js/lib", "js/crew")


def _static_files() -> list[Path]:
    return sorted(p for p in STATIC_DIR.rglob("*") if p.is_file() and not p.name.startswith("."))


def precache_urls() -> list[str]:
    """Every URL the service worker stores when it installs."""
    urls = list(SHELL_PAGES)
    for path in _static_files():
        relative = path.relative_to(STATIC_DIR).as_posix()
        if any(relative.startswith(folder + "/") for folder in SHELL_STATIC):
            urls.append("/static/" + relative)
    for mount in VENDOR:
        present = [name for name in mount.precache if (mount.directory / name).is_file()]
        urls += [f"/vendor/{mount.name}/{name}" for name in present]
    return urls


def _shell_files() -> Iterable[Path]:
    yield from _static_files()
    for folder in (TEMPLATE_DIR, LOCALE_DIR):
        yield from sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in {".html", ".js", ".po"})


@lru_cache(maxsize=1)
def shell_version() -> str:
    """A short hash of the app shell's files: the service worker's cache version."""
    digest = hashlib.sha256()
    for path in _shell_files():
        digest.update(path.relative_to(PWA_DIR).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@get("/sw.js", include_in_schema=False, cache_control=CacheControlHeader(no_cache=True))
async def service_worker() -> Template:
    return Template(
        "sw.js",
        context={"version": shell_version(), "precache": precache_urls(), "shell_pages": list(SHELL_PAGES)},
        media_type="text/javascript",
        headers={"Service-Worker-Allowed": "/"},
    )


@get("/manifest.webmanifest", include_in_schema=False, cache_control=CacheControlHeader(no_cache=True))
async def manifest(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    lang = resolve_lang(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE))
    body = {
        "id": "/crew",
        "name": gettext(lang, "Crewline — crew jobs"),
        "short_name": gettext(lang, "Crewline"),
        "description": gettext(lang, "Today's jobs, navigation, photos and closing for field crews"),
        "lang": lang,
        "dir": "rtl" if lang == "fa" else "ltr",
        "start_url": "/crew",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#0b4f6c",
        "icons": [
            {"src": "/static/icons/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": "/static/icons/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {
                "src": "/static/icons/maskable-512.png",
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
            {"src": "/static/icons/icon.svg", "sizes": "any", "type": "image/svg+xml", "purpose": "any"},
        ],
    }
    return Response(body, media_type="application/manifest+json")


def asset_routers() -> list[Router]:
    """`/static/...` from `pwa/static` and `/vendor/<package>/...` from node_modules."""
    routers = [
        create_static_files_router(
            path="/static",
            directories=[STATIC_DIR],
            name="static",
            cache_control=CacheControlHeader(no_cache=True),
        )
    ]
    for mount in VENDOR:
        if mount.directory.is_dir():
            routers.append(
                create_static_files_router(
                    path=f"/vendor/{mount.name}",
                    directories=[mount.directory],
                    name=f"vendor-{mount.name}",
                    cache_control=CacheControlHeader(max_age=86400),
                )
            )
    return routers
