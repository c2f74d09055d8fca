"""Staff sign-in and the dispatcher's console (map, inbox, plan, timeline, live updates)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.datastructures import CacheControlHeader
from litestar.response import Redirect, Template

from dispatch_api.web.pages.screens import principal_of, render

_NO_STORE = CacheControlHeader(no_cache=True)
CONSOLE_ROLES = ("dispatcher", "coordinator")
# Where each role starts after signing in.
HOME_OF_ROLE = {
    "operator": "/intake",
    "dispatcher": "/console",
    "coordinator": "/console",
    "contractor_manager": "/figures",
    "admin": "/console",
    "crew": "/crew",
}


def _safe_next(value: str | None) -> str | None:
    if value and value.startswith("/") and not value.startswith("//"):
        return value
    return None


@get("/signin", include_in_schema=False, cache_control=_NO_STORE)
async def signin(request: Request[Any, Any, Any]) -> Template | Redirect:
    """Staff sign-in (operators, dispatchers, coordinators, managers)."""
    target = _safe_next(request.query_params.get("next"))
    principal = principal_of(request)
    if principal is not None and target is None:
        return Redirect(HOME_OF_ROLE.get(principal.role, "/console"))
    return render(request, "console/signin.html", "signin", next_url=target or "", homes=HOME_OF_ROLE)


@get("/console", include_in_schema=False, cache_control=_NO_STORE)
async def console(request: Request[Any, Any, Any]) -> Template | Redirect:
    return render(request, "console/console.html", "console", roles=CONSOLE_ROLES)


CONSOLE_PAGES = [signin, console]
