"""Plan endpoints: start (202), progress and result, publish, re-plan, urgent insertion, hand moves."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_api.services import planning
from dispatch_api.services.city import CityContext
from dispatch_api.settings import Settings
from dispatch_api.web.deps import PageQuery, page_body
from dispatch_api.web.events import announcer
from dispatch_api.web.security import current, require_roles

PLANNERS = require_roles("dispatcher", "coordinator")
READERS = require_roles("dispatcher", "coordinator", "contractor_manager", "operator")


class PlanIn(msgspec.Struct, forbid_unknown_fields=True):
    date: date | None = None
    districts: list[int] = msgspec.field(default_factory=list)
    time_limit_s: Annotated[float, msgspec.Meta(ge=0.5, le=planning.MAX_TIME_LIMIT_S)] = 10.0
    snow_level: Annotated[int, msgspec.Meta(ge=0, le=3)] | None = None


class ReplanIn(msgspec.Struct, forbid_unknown_fields=True):
    time_limit_s: Annotated[float, msgspec.Meta(ge=0.5, le=planning.MAX_TIME_LIMIT_S)] | None = None


TicketId = Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]


class InsertIn(msgspec.Struct, forbid_unknown_fields=True):
    ticket_id: TicketId


class MoveIn(msgspec.Struct, forbid_unknown_fields=True):
    ticket_id: TicketId
    crew_id: str
    position: Annotated[int, msgspec.Meta(ge=1)]


def plan_context(
    request: Request[Any, Any, Any], settings: Settings, city: CityContext
) -> planning.PlanContext:
    return planning.PlanContext(
        sessionmaker=request.app.state.db.sessionmaker,
        city_dir=settings.city_dir,
        crs=city.crs,
        timezone=str(city.info.get("timezone", "Asia/Tehran")),
        announcer=announcer(request),
    )


def _accepted(row: Any) -> Response[dict[str, Any]]:
    body = planning.plan_json(row, with_result=False)
    body["url"] = f"/api/plans/{row.id}"
    return Response(body, status_code=202, headers={"Location": body["url"]})


@post("/api/plans", guards=[PLANNERS], tags=["plans"], summary="Start a plan for a day and districts (202)")
async def start_plan(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    settings: Settings,
    city: CityContext,
    data: PlanIn,
) -> Response[dict[str, Any]]:
    ctx = plan_context(request, settings, city)
    req = planning.PlanRequest(data.date, tuple(data.districts), data.time_limit_s, data.snow_level)
    return _accepted(await planning.start(db_session, ctx, req, current(request)))


@get("/api/plans", guards=[READERS], tags=["plans"], summary="Plans, newest first")
async def list_plans(
    db_session: AsyncSession,
    paging: PageQuery,
    service_date: date | None = Parameter(query="date", default=None, description="only plans of this day"),
) -> dict[str, Any]:
    items, total = await planning.list_plans(db_session, paging.offset, paging.per_page, service_date)
    return page_body(items, total, paging)


@get("/api/plans/{plan_id:str}", guards=[READERS], tags=["plans"], summary="A plan's progress and result")
async def get_plan(db_session: AsyncSession, plan_id: str) -> dict[str, Any]:
    return planning.plan_json(await planning.get_plan(db_session, plan_id))


@post(
    "/api/plans/{plan_id:str}/publish",
    guards=[PLANNERS],
    tags=["plans"],
    summary="Publish: visits become crews' jobs",
    status_code=200,
)
async def publish_plan(
    request: Request[Any, Any, Any], db_session: AsyncSession, plan_id: str
) -> dict[str, Any]:
    return await planning.publish(db_session, plan_id, current(request), announcer(request))


@post("/api/plans/{plan_id:str}/replan", guards=[PLANNERS], tags=["plans"], summary="Re-plan warm (202)")
async def replan(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    settings: Settings,
    city: CityContext,
    plan_id: str,
    data: ReplanIn | None = None,
) -> Response[dict[str, Any]]:
    ctx = plan_context(request, settings, city)
    limit = data.time_limit_s if data is not None else None
    return _accepted(await planning.replan(db_session, ctx, plan_id, current(request), limit))


@post(
    "/api/plans/{plan_id:str}/insert",
    guards=[PLANNERS],
    tags=["plans"],
    summary="Insert an urgent ticket now",
    status_code=200,
)
async def insert_ticket(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    settings: Settings,
    city: CityContext,
    plan_id: str,
    data: InsertIn,
) -> dict[str, Any]:
    ctx = plan_context(request, settings, city)
    return await planning.insert(db_session, ctx, plan_id, data.ticket_id, current(request))


@post(
    "/api/plans/{plan_id:str}/moves",
    guards=[PLANNERS],
    tags=["plans"],
    summary="Move a ticket to a crew at a position",
    status_code=200,
)
async def move_ticket(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    settings: Settings,
    city: CityContext,
    plan_id: str,
    data: MoveIn,
) -> dict[str, Any]:
    ctx = plan_context(request, settings, city)
    return await planning.move(
        db_session, ctx, plan_id, data.ticket_id, data.crew_id, data.position, current(request)
    )


def route_handlers() -> list[Any]:
    return [start_plan, list_plans, get_plan, publish_plan, replan, insert_ticket, move_ticket]
