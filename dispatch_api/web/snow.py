"""Snow emergency API: declare and end an emergency, the reallocation proposal (change by hand,
approve into plow jobs), the snow routes with their plowed state, and demand per district.

Declaring, ending, proposing, changing and approving are for coordinators (and admins); every
staff member may read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_api.persistence.base import utcnow
from dispatch_api.services import emergency, plowing
from dispatch_api.services.city import CityContext
from dispatch_api.services.errors import FieldError
from dispatch_api.services.events import SNOW_UPDATED
from dispatch_api.services.principal import STAFF_ROLES
from dispatch_api.settings import Settings
from dispatch_api.web.events import announcer
from dispatch_api.web.security import current, require_roles
from engine.snow import replow_interval_s

COORDINATORS = require_roles("coordinator")
READERS = require_roles(*STAFF_ROLES)
TimeLimit = Annotated[float, msgspec.Meta(ge=0.5, le=plowing.MAX_TIME_LIMIT_S)]


class DeclareIn(msgspec.Struct, forbid_unknown_fields=True):
    level: int
    districts: list[int]
    expected_end_at: datetime
    start_at: datetime | None = None
    note: str | None = None
    propose: bool = True
    time_limit_s: TimeLimit = 5.0


class EndIn(msgspec.Struct, forbid_unknown_fields=True):
    version: int | None = None


class ProposeIn(msgspec.Struct, forbid_unknown_fields=True):
    time_limit_s: TimeLimit = 5.0


class MoveIn(msgspec.Struct, forbid_unknown_fields=True):
    unit_id: str
    district: int
    version: int | None = None


class ApproveIn(msgspec.Struct, forbid_unknown_fields=True):
    route_time_limit_s: TimeLimit = 5.0
    version: int | None = None


def snow_context(
    request: Request[Any, Any, Any], settings: Settings, city: CityContext
) -> plowing.SnowContext:
    return plowing.SnowContext(
        sessionmaker=request.app.state.db.sessionmaker,
        city_dir=settings.city_dir,
        crs=city.crs,
        timezone=str(city.info.get("timezone", "Asia/Tehran")),
        announcer=announcer(request),
    )


def _intervals() -> dict[str, dict[str, int | None]]:
    return {str(level): {str(t): replow_interval_s(level, t) for t in (1, 2, 3)} for level in (1, 2, 3)}


async def _state(db_session: AsyncSession) -> dict[str, Any]:
    row = await emergency.active(db_session)
    if row is None:
        return {"emergency": None, "proposal": None, "runs": [], "intervals": _intervals()}
    proposal = await plowing.latest_proposal(db_session, row.id)
    return {
        "emergency": emergency.emergency_json(row, await emergency.counts(db_session, row.id)),
        "proposal": plowing.proposal_json(proposal) if proposal is not None else None,
        "runs": await plowing.runs_of(db_session, proposal.id) if proposal is not None else [],
        "intervals": _intervals(),
    }


@get("/api/snow", guards=[READERS], tags=["snow"], summary="The active emergency, its proposal and plow runs")
async def snow_state(db_session: AsyncSession) -> dict[str, Any]:
    return await _state(db_session)


@post(
    "/api/snow/emergencies",
    guards=[COORDINATORS],
    tags=["snow"],
    summary="Declare a snow emergency (raises snow work, holds deferrable work, proposes moves)",
    status_code=201,
)
async def declare(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    settings: Settings,
    city: CityContext,
    data: DeclareIn,
) -> dict[str, Any]:
    principal = current(request)
    declaration = emergency.Declaration(
        level=data.level,
        districts=tuple(data.districts),
        start_at=data.start_at or utcnow(),
        expected_end_at=data.expected_end_at,
        note=data.note,
    )
    row = await emergency.declare(db_session, declaration, principal, announcer(request))
    announcer(request).snow(SNOW_UPDATED, {"emergency_id": row.id, "status": row.status})
    if data.propose:
        ctx = snow_context(request, settings, city)
        await plowing.propose(db_session, ctx, row.id, principal, data.time_limit_s)
    return await _state(db_session)


@post(
    "/api/snow/emergencies/{emergency_id:int}/end",
    guards=[COORDINATORS],
    tags=["snow"],
    summary="End the emergency: tickets restored, plow runs nobody accepted withdrawn",
    status_code=200,
)
async def end(
    request: Request[Any, Any, Any], db_session: AsyncSession, emergency_id: int, data: EndIn | None = None
) -> dict[str, Any]:
    row = await plowing.end(
        db_session, emergency_id, current(request), announcer(request), data.version if data else None
    )
    return {"emergency": emergency.emergency_json(row)}


@post(
    "/api/snow/emergencies/{emergency_id:int}/proposals",
    guards=[COORDINATORS],
    tags=["snow"],
    summary="Propose a reallocation of plows and spreaders (202; solved in a worker)",
)
async def propose(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    settings: Settings,
    city: CityContext,
    emergency_id: int,
    data: ProposeIn | None = None,
) -> Response[dict[str, Any]]:
    ctx = snow_context(request, settings, city)
    limit = data.time_limit_s if data is not None else 5.0
    row = await plowing.propose(db_session, ctx, emergency_id, current(request), limit)
    body = plowing.proposal_json(row)
    body["url"] = f"/api/snow/proposals/{row.id}"
    return Response(body, status_code=202, headers={"Location": body["url"]})


@get(
    "/api/snow/proposals/{proposal_id:str}",
    guards=[READERS],
    tags=["snow"],
    summary="A reallocation proposal",
)
async def get_proposal(db_session: AsyncSession, proposal_id: str) -> dict[str, Any]:
    row = await plowing.get_proposal(db_session, proposal_id)
    body = plowing.proposal_json(row)
    body["runs"] = await plowing.runs_of(db_session, row.id)
    return body


@post(
    "/api/snow/proposals/{proposal_id:str}/moves",
    guards=[COORDINATORS],
    tags=["snow"],
    summary="Send a unit to another district by hand before approving",
    status_code=200,
)
async def move_unit(
    request: Request[Any, Any, Any], db_session: AsyncSession, proposal_id: str, data: MoveIn
) -> dict[str, Any]:
    row = await plowing.move_unit(db_session, proposal_id, data.unit_id, data.district, data.version)
    announcer(request).snow(SNOW_UPDATED, {"emergency_id": row.emergency_id, "proposal_id": row.id})
    return plowing.proposal_json(row)


@post(
    "/api/snow/proposals/{proposal_id:str}/approve",
    guards=[COORDINATORS],
    tags=["snow"],
    summary="Approve: units move, plow routes go to crews as jobs",
    status_code=200,
)
async def approve(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    settings: Settings,
    city: CityContext,
    proposal_id: str,
    data: ApproveIn | None = None,
) -> dict[str, Any]:
    ctx = snow_context(request, settings, city)
    data = data or ApproveIn()
    return await plowing.approve(
        db_session, ctx, proposal_id, current(request), data.route_time_limit_s, data.version
    )


def _district_list(text: str | None) -> list[int] | None:
    if not text:
        return None
    try:
        return [int(p) for p in text.split(",") if p.strip()]
    except ValueError:
        raise FieldError(
            [("districts", f"{text!r}: give district codes separated by commas, e.g. 3,4")]
        ) from None


@get(
    "/api/snow/routes.geojson",
    guards=[READERS],
    tags=["snow"],
    summary="Snow routes with tier and when each segment was last plowed",
    media_type="application/geo+json",
)
async def routes(
    db_session: AsyncSession,
    settings: Settings,
    city: CityContext,
    districts: str | None = Parameter(query="districts", default=None, description="e.g. 3,4 (default all)"),
) -> dict[str, Any]:
    return await plowing.routes_geojson(db_session, settings.city_dir, city.crs, _district_list(districts))


@get(
    "/api/snow/demand",
    guards=[READERS],
    tags=["snow"],
    summary="Per district: snow-route km by tier, km plowed, plows and spreaders now and proposed",
)
async def demand(db_session: AsyncSession, settings: Settings, city: CityContext) -> dict[str, Any]:
    return await plowing.demand(db_session, settings.city_dir, city.crs)


def route_handlers() -> list[Any]:
    return [snow_state, declare, end, propose, get_proposal, move_unit, approve, routes, demand]
