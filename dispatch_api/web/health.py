"""`/health`: is the database reachable?"""

from __future__ import annotations

from typing import Any

from litestar import Response, get
from litestar.datastructures import State

from dispatch_api.web.errors import PROBLEM_JSON


@get("/health", tags=["ops"], summary="Liveness and database check")
async def health(state: State) -> Response[Any]:
    try:
        await state.db.ping()
    except Exception as exc:
        return Response(
            {
                "type": "urn:crewline:problem:service-unavailable",
                "title": "Service unavailable",
                "status": 503,
                "detail": f"the database does not answer ({type(exc).__name__}); check CREWLINE_DATABASE_URL",
                "checks": {"database": "down"},
            },
            status_code=503,
            media_type=PROBLEM_JSON,
        )
    return Response({"status": "ok", "checks": {"database": "ok"}})


def route_handlers() -> list[Any]:
    return [health]
