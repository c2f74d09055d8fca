"""Citizens' pages: a request's status by tracking code, and the one-answer survey."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.datastructures import CacheControlHeader
from litestar.response import Redirect, Template

from dispatch_api.web.pages.screens import render

_NO_STORE = CacheControlHeader(no_cache=True)


@get("/track", include_in_schema=False, cache_control=_NO_STORE)
async def track_form(request: Request[Any, Any, Any]) -> Template | Redirect:
    code = (request.query_params.get("code") or "").strip()
    if code:
        return Redirect(f"/track/{code}")
    return render(request, "citizen/track.html", "track", code="")


@get("/track/{code:str}", include_in_schema=False, cache_control=_NO_STORE)
async def track_status(request: Request[Any, Any, Any], code: str) -> Template | Redirect:
    return render(request, "citizen/track.html", "track", code=code)


@get("/survey/{token:str}", include_in_schema=False, cache_control=_NO_STORE)
async def survey(request: Request[Any, Any, Any], token: str) -> Template | Redirect:
    return render(request, "citizen/survey.html", "survey", token=token)


CITIZEN_PAGES = [track_form, track_status, survey]
