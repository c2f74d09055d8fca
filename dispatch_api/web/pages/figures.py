"""Managers' figures: charts and tables per district, contractor, category and crew."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.datastructures import CacheControlHeader
from litestar.response import Redirect, Template

from dispatch_api.web.pages.screens import render

FIGURES_ROLES = ("dispatcher", "coordinator", "contractor_manager")


@get("/figures", include_in_schema=False, cache_control=CacheControlHeader(no_cache=True))
async def figures(request: Request[Any, Any, Any]) -> Template | Redirect:
    return render(request, "figures/figures.html", "figures", roles=FIGURES_ROLES)


FIGURES_PAGES = [figures]
