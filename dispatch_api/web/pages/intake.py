"""The operator's intake form for 137 calls."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.datastructures import CacheControlHeader
from litestar.response import Redirect, Template

from dispatch_api.web.pages.screens import render

INTAKE_ROLES = ("operator", "dispatcher")


@get("/intake", include_in_schema=False, cache_control=CacheControlHeader(no_cache=True))
async def intake(request: Request[Any, Any, Any]) -> Template | Redirect:
    return render(request, "intake/intake.html", "intake", roles=INTAKE_ROLES)


INTAKE_PAGES = [intake]
