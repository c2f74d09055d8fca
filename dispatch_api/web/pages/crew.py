"""The crew app's screens: sign-in, today's jobs and a job (one offline app shell), offline page."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.datastructures import CacheControlHeader
from litestar.response import Redirect, Template

from dispatch_api.web.pages.context import base_context, lang_cookies, page_lang

_NO_STORE = CacheControlHeader(no_cache=True)


def _page(request: Request[Any, Any, Any], template: str, **extra: Any) -> Template:
    lang = page_lang(request)
    context = base_context(request, lang, **extra)
    return Template(template, context=context, cookies=lang_cookies(request, lang))


@get("/", include_in_schema=False)
async def home() -> Redirect:
    return Redirect("/crew")


@get("/crew", include_in_schema=False, cache_control=_NO_STORE)
async def crew_app(request: Request[Any, Any, Any]) -> Template:
    """Today's jobs and the job screen: one page, so it opens offline from the service worker."""
    return _page(request, "crew/app.html", screen="app")


@get("/crew/login", include_in_schema=False, cache_control=_NO_STORE)
async def crew_login(request: Request[Any, Any, Any]) -> Template:
    return _page(request, "crew/login.html", screen="login")


@get("/offline", include_in_schema=False, cache_control=_NO_STORE)
async def offline(request: Request[Any, Any, Any]) -> Template:
    return _page(request, "offline.html", screen="offline")


CREW_PAGES = [home, crew_app, crew_login, offline]
