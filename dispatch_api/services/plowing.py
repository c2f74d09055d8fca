"""Snow response during a declared emergency: the reallocation proposal, approving it into plow
jobs for crews, and the plowed state of every snow-route segment.

- ``propose``: a reallocation of the plows and salt spreaders, solved in the planning solver pool
  (``plowing_worker.reallocation_task``), stored as a proposal (queued → running → done/failed).
- ``move_unit``: the coordinator sends a unit to another district by hand before approving.
- ``approve``: units move (``Equipment.current_district``), plow routes are solved for the declared
  districts (``plowing_worker.plow_routes_task``), and each plow's route becomes an ordinary crew
  job (with a ticket of the snow-clearing category and the route line), announced by SSE.
- Plowed state: a completed plow job marks its streets plowed (``job_done``); a GPS ping of a crew
  with a plow run marks the snow-route segment it is driving along (``position``): the nearest
  segment within ``MATCH_M`` whose direction agrees with the direction of travel.
- ``routes_geojson``, ``demand``: what the coordinator's map and bars show.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import shapely
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatch_api.persistence.base import utcnow
from dispatch_api.persistence.models import Category, Crew, Depot, District, Equipment, Ticket, TicketEvent
from dispatch_api.persistence.models.field import CrewJob, CrewPosition
from dispatch_api.persistence.models.snow import (
    SnowEmergency,
    SnowPlowRun,
    SnowProposal,
    SnowSegmentState,
)
from dispatch_api.services import emergency as emergencies
from dispatch_api.services import plowing_worker
from dispatch_api.services import solver_worker as worker
from dispatch_api.services.errors import Conflict, FieldError, NotFound
from dispatch_api.services.events import JOB_CREATED, JOB_REMOVED, SNOW_PLOWED, SNOW_UPDATED, Announcer
from dispatch_api.services.principal import Principal
from dispatch_api.services.tracking import new_code
from engine.snow import replow_interval_s
from geo.crs import to_metric

log = logging.getLogger("crewline.snow")

SNOW_TYPES = ("plow", "salt_spreader")
PLOW_CATEGORY = "snow_clearing"
SNOW_SKILL = "snow"
MATCH_M = 20.0  # a ping this close to a snow-route segment may be plowing it
MAX_HEADING_DEG = 45.0  # direction of travel and the segment's direction agree within this
MIN_MOVE_M = 5.0  # a smaller move gives no direction of travel
MAX_PING_GAP_S = 300  # the previous ping must be this recent to give a direction
MAX_TIME_LIMIT_S = 120.0
_TASKS: set[asyncio.Task[None]] = set()


@dataclass(frozen=True)
class SnowContext:
    sessionmaker: async_sessionmaker[AsyncSession]
    city_dir: Path
    crs: str
    timezone: str
    announcer: Announcer

    @property
    def pool(self) -> worker.SolverPool:
        return worker.pool_for(self.city_dir, self.crs)


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value is not None else None


# ------------------------------------------------------------------ the city's snow routes


@dataclass(frozen=True)
class RouteIndex:
    """The city's snow-route segments (from ``snow_routes.geojson``) in the metric CRS."""

    features: tuple[dict[str, Any], ...]
    edge_ids: np.ndarray[Any, np.dtype[np.int64]]
    tiers: np.ndarray[Any, np.dtype[np.int64]]
    districts: np.ndarray[Any, np.dtype[np.int64]]
    oneway: np.ndarray[Any, np.dtype[np.bool_]]
    lengths_m: np.ndarray[Any, np.dtype[np.float64]]
    lines: np.ndarray[Any, np.dtype[np.object_]]
    tree: shapely.STRtree

    def position_of(self, edge_id: int) -> int | None:
        found = np.flatnonzero(self.edge_ids == edge_id)
        return int(found[0]) if found.size else None


@cache
def route_index(city_dir: str, crs: str) -> RouteIndex:
    folder = Path(city_dir)
    path = folder / "snow_routes.geojson"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise FieldError(
            [("snow_routes", f"{path}: cannot be read ({exc}); regenerate the city data")]
        ) from None
    oneway_of: dict[int, bool] = {}
    edges_path = folder / "street_edges.csv"
    with edges_path.open(encoding="utf-8") as handle:
        header = handle.readline().strip().split(",")
        i_id, i_one = header.index("id"), header.index("oneway")
        for line in handle:
            parts = line.rstrip("\n").split(",")
            oneway_of[int(parts[i_id])] = parts[i_one] == "1"
    features = tuple(data["features"])
    lines = []
    for f in features:
        coords = np.asarray(f["geometry"]["coordinates"], dtype=np.float64)
        x, y = to_metric(crs, coords[:, 0], coords[:, 1])
        lines.append(shapely.linestrings(np.column_stack((x, y))))
    line_arr = np.asarray(lines, dtype=object)
    edge_ids = np.array([int(f["properties"]["edge_id"]) for f in features], dtype=np.int64)
    return RouteIndex(
        features=features,
        edge_ids=edge_ids,
        tiers=np.array([int(f["properties"]["tier"]) for f in features], dtype=np.int64),
        districts=np.array([int(f["properties"]["district"]) for f in features], dtype=np.int64),
        oneway=np.array([oneway_of.get(int(e), False) for e in edge_ids.tolist()], dtype=np.bool_),
        lengths_m=np.asarray(shapely.length(line_arr), dtype=np.float64),
        lines=line_arr,
        tree=shapely.STRtree(line_arr),
    )


async def _route_index(city_dir: Path, crs: str) -> RouteIndex:
    """The cached index; built off the event loop the first time (it reads and projects the file)."""
    return await asyncio.to_thread(route_index, str(city_dir), crs)


async def _plowed(session: AsyncSession) -> dict[int, SnowSegmentState]:
    return {s.edge_id: s for s in (await session.scalars(select(SnowSegmentState))).all()}


async def routes_geojson(
    session: AsyncSession, city_dir: Path, crs: str, districts: list[int] | None = None
) -> dict[str, Any]:
    """The snow routes (of ``districts``, default all) with when each segment was last plowed."""
    index = await _route_index(city_dir, crs)
    states = await _plowed(session)
    wanted = set(districts or [])
    out = []
    for f in index.features:
        props = f["properties"]
        if wanted and int(props["district"]) not in wanted:
            continue
        state = states.get(int(props["edge_id"]))
        out.append(
            {
                "type": "Feature",
                "geometry": f["geometry"],
                "properties": {
                    "edge_id": props["edge_id"],
                    "tier": props["tier"],
                    "district": props["district"],
                    "name_fa": props.get("name_fa"),
                    "name_en": props.get("name_en"),
                    "last_plowed_at": _iso(state.last_plowed_at) if state else None,
                },
            }
        )
    return {"type": "FeatureCollection", "features": out}


# ------------------------------------------------------------------ demand per district


async def _units(session: AsyncSession) -> list[Equipment]:
    rows = await session.scalars(
        select(Equipment).where(Equipment.type.in_(SNOW_TYPES)).order_by(Equipment.id)
    )
    return list(rows.all())


async def demand(session: AsyncSession, city_dir: Path, crs: str) -> dict[str, Any]:
    """Per district: snow-route km per tier, how much of it is plowed, and units of each type now."""
    index = await _route_index(city_dir, crs)
    row = await emergencies.active(session)
    states = await _plowed(session)
    since = row.start_at if row is not None else None
    units = await _units(session)
    proposal = await latest_proposal(session, row.id) if row is not None else None
    # units after the moves, while a finished proposal waits for approval
    pending = proposal is not None and proposal.status == "done" and proposal.result
    assignment = effective_assignment(proposal) if pending and proposal is not None else {}
    codes = (await session.scalars(select(District).order_by(District.code))).all()
    out = []
    for d in codes:
        mask = index.districts == d.code
        km = {
            str(t): round(float(index.lengths_m[mask & (index.tiers == t)].sum()) / 1000, 1)
            for t in (1, 2, 3)
        }
        plowed_km = {"1": 0.0, "2": 0.0, "3": 0.0}
        if since is not None:
            for pos in np.flatnonzero(mask).tolist():
                state = states.get(int(index.edge_ids[pos]))
                if state is not None and state.last_plowed_at >= since:
                    plowed_km[str(int(index.tiers[pos]))] += float(index.lengths_m[pos]) / 1000
        now_units = {
            k: sum(1 for u in units if u.current_district == d.code and u.type == k) for k in SNOW_TYPES
        }
        proposed = {
            k: sum(1 for u in units if assignment.get(u.id, u.current_district) == d.code and u.type == k)
            for k in SNOW_TYPES
        }
        out.append(
            {
                "district": d.code,
                "name": {"fa": d.name_fa, "en": d.name_en},
                "declared": row is not None and d.code in row.districts,
                "route_km": km,
                "plowed_km": {k: round(v, 1) for k, v in plowed_km.items()},
                "units": now_units,
                "proposed_units": proposed if assignment else None,
            }
        )
    return {"items": out}


# ------------------------------------------------------------------ proposals


def effective_assignment(proposal: SnowProposal) -> dict[str, int]:
    """Unit id → district after the proposal's moves and the coordinator's changes."""
    result = proposal.result or {}
    base = {str(k): int(v) for k, v in (result.get("assignment") or {}).items()}
    base.update({str(k): int(v) for k, v in (proposal.overrides or {}).items()})
    return base


def proposal_json(row: SnowProposal) -> dict[str, Any]:
    assignment = effective_assignment(row) if row.result else {}
    units = row.units or []
    moves = [
        {
            "unit_id": u["id"],
            "type": u["type"],
            "from_district": u["district"],
            "to_district": assignment[u["id"]],
            "by_hand": u["id"] in (row.overrides or {}),
            "eta_s": next(
                (
                    m["eta_s"]
                    for m in (row.result or {}).get("moves", [])
                    if m["unit_id"] == u["id"] and m["to_district"] == assignment[u["id"]]
                ),
                None,
            ),
        }
        for u in units
        if u["id"] in assignment and assignment[u["id"]] != u["district"]
    ]
    return {
        "id": row.id,
        "emergency_id": row.emergency_id,
        "status": row.status,
        "error": row.error,
        "units": units,
        "moves": moves,
        "districts": (row.result or {}).get("districts", []),
        "solver_status": (row.result or {}).get("status"),
        "approved_at": _iso(row.approved_at),
        "created_at": _iso(row.created_at),
        "version": row.version,
    }


async def latest_proposal(session: AsyncSession, emergency_id: int) -> SnowProposal | None:
    found: SnowProposal | None = await session.scalar(
        select(SnowProposal)
        .where(SnowProposal.emergency_id == emergency_id)
        .order_by(SnowProposal.created_at.desc(), SnowProposal.id)
        .limit(1)
    )
    return found


async def get_proposal(session: AsyncSession, proposal_id: str) -> SnowProposal:
    row = await session.get(SnowProposal, proposal_id)
    if row is None:
        raise NotFound("snow proposal", proposal_id)
    return row


async def _active_or_conflict(session: AsyncSession, emergency_id: int) -> SnowEmergency:
    row = await emergencies.get(session, emergency_id)
    if row.status != "active":
        raise Conflict(f"snow emergency #{row.id} has ended; declare a new one to move equipment")
    return row


async def _unit_snapshot(session: AsyncSession) -> list[dict[str, Any]]:
    """Each plow and spreader where it stands: its own depot when that is in its current district,
    otherwise the current district's yard (its first depot)."""
    depots = list((await session.scalars(select(Depot).order_by(Depot.id))).all())
    by_id = {d.id: d for d in depots}
    yards: dict[int, Depot] = {}
    for d in depots:
        yards.setdefault(d.district_code, d)
    out = []
    for u in await _units(session):
        own = by_id.get(u.depot_id)
        place = (
            own
            if own is not None and own.district_code == u.current_district
            else yards.get(u.current_district)
        )
        if place is None:
            continue
        out.append(
            {
                "id": u.id,
                "type": u.type,
                "home_district": u.home_district,
                "depot_id": u.depot_id,
                "district": u.current_district,
                "lon": place.lon,
                "lat": place.lat,
            }
        )
    return out


async def _depots(session: AsyncSession) -> list[dict[str, Any]]:
    rows = (await session.scalars(select(Depot).order_by(Depot.id))).all()
    return [{"id": d.id, "district": d.district_code, "lon": d.lon, "lat": d.lat} for d in rows]


def _storm_task(row: SnowEmergency) -> dict[str, Any]:
    return {
        "level": row.level,
        "districts": list(row.districts),
        "start": row.start_at.astimezone(UTC).isoformat(),
        "expected_end": row.expected_end_at.astimezone(UTC).isoformat(),
    }


def _check_time(name: str, value: float) -> None:
    if not 0.5 <= value <= MAX_TIME_LIMIT_S:
        raise FieldError([(name, f"must be between 0.5 and {MAX_TIME_LIMIT_S:g} seconds")])


async def propose(
    session: AsyncSession,
    ctx: SnowContext,
    emergency_id: int,
    principal: Principal,
    time_limit_s: float = 5.0,
    *,
    background: bool = True,
) -> SnowProposal:
    """Record a queued reallocation of the emergency and solve it in the solver pool."""
    _check_time("time_limit_s", time_limit_s)
    await _active_or_conflict(session, emergency_id)
    units = await _unit_snapshot(session)
    if not units:
        raise Conflict("no plow or salt spreader is registered; add equipment of type plow or salt_spreader")
    row = SnowProposal(
        id=uuid.uuid4().hex,
        emergency_id=emergency_id,
        status="queued",
        time_limit_s=float(time_limit_s),
        units=units,
        overrides={},
        created_by_id=principal.user_id,
        created_at=utcnow(),
    )
    session.add(row)
    await session.commit()
    ctx.announcer.snow(
        SNOW_UPDATED, {"emergency_id": emergency_id, "proposal_id": row.id, "status": row.status}
    )
    if background:
        _spawn(run_proposal(ctx, row.id))
    else:
        await run_proposal(ctx, row.id)
    return row


def _spawn(coro: Any) -> None:
    task = asyncio.ensure_future(coro)
    _TASKS.add(task)
    task.add_done_callback(_TASKS.discard)


async def wait_for_background() -> None:
    while _TASKS:
        await asyncio.gather(*list(_TASKS), return_exceptions=True)


async def _plowed_edge_ids(session: AsyncSession, since: datetime) -> list[int]:
    rows = await session.scalars(
        select(SnowSegmentState.edge_id).where(SnowSegmentState.last_plowed_at >= since)
    )
    return list(rows.all())


async def run_proposal(ctx: SnowContext, proposal_id: str) -> None:
    try:
        async with ctx.sessionmaker() as session:
            row = await get_proposal(session, proposal_id)
            emergency = await emergencies.get(session, row.emergency_id)
            task = {
                **_storm_task(emergency),
                "units": row.units,
                "depots": await _depots(session),
                "time_limit_s": row.time_limit_s,
                "plowed_edge_ids": await _plowed_edge_ids(session, emergency.start_at),
            }
            row.status = "running"
            await session.commit()
        result = await ctx.pool.run(plowing_worker.reallocation_task, task)
        async with ctx.sessionmaker() as session:
            row = await get_proposal(session, proposal_id)
            row.status, row.result, row.finished_at = "done", result, utcnow()
            await session.commit()
            emergency_id = row.emergency_id
    except Exception as exc:
        log.exception("snow proposal %s failed", proposal_id)
        async with ctx.sessionmaker() as session:
            row = await get_proposal(session, proposal_id)
            row.status, row.error, row.finished_at = "failed", f"{type(exc).__name__}: {exc}", utcnow()
            await session.commit()
            emergency_id = row.emergency_id
    ctx.announcer.snow(SNOW_UPDATED, {"emergency_id": emergency_id, "proposal_id": proposal_id})


async def move_unit(
    session: AsyncSession, proposal_id: str, unit_id: str, district: int, version: int | None = None
) -> SnowProposal:
    """Send one unit of a finished proposal to ``district`` by hand (its own district keeps it)."""
    row = await get_proposal(session, proposal_id)
    if row.status != "done":
        raise Conflict(
            f"snow proposal {row.id} is '{row.status}'; only a finished, unapproved proposal can change"
        )
    if version is not None and version != row.version:
        raise Conflict(
            f"snow proposal {row.id} changed since you loaded it (version {row.version}); reload it"
        )
    unit = next((u for u in row.units or [] if u["id"] == unit_id), None)
    if unit is None:
        known = ", ".join(u["id"] for u in row.units or [])
        raise FieldError([("unit_id", f"{unit_id!r} is not a unit of this proposal; choose one of {known}")])
    codes = set((await session.scalars(select(District.code))).all())
    if district not in codes:
        raise FieldError([("district", f"unknown district {district}; the city has {sorted(codes)}")])
    overrides = dict(row.overrides or {})
    overrides[unit_id] = int(district)
    row.overrides = overrides
    await session.commit()
    return row


# ------------------------------------------------------------------ approval → plow jobs


async def _snow_crews(session: AsyncSession) -> list[Crew]:
    crews = (await session.scalars(select(Crew).where(Crew.active.is_(True)).order_by(Crew.id))).all()
    return [c for c in crews if any(s.skill == SNOW_SKILL for s in c.skills)]


def _pick_crew(crews: list[Crew], district: int, load: dict[str, int]) -> Crew | None:
    local = [c for c in crews if district in {d.district_code for d in c.districts}]
    pool = local or crews
    if not pool:
        return None
    return min(pool, key=lambda c: (load[c.id], c.id))


def _fa_digits(value: object) -> str:
    return str(value).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))


def _fa_tiers(tiers: list[int]) -> str:
    if not tiers:
        return "رده ۱"
    low, high = min(tiers), max(tiers)
    return f"رده {_fa_digits(low)}" if low == high else f"رده {_fa_digits(low)} تا {_fa_digits(high)}"


async def _tracking_code(session: AsyncSession) -> str:
    for _ in range(20):
        code = new_code()
        if await session.scalar(select(Ticket.id).where(Ticket.tracking_code == code)) is None:
            return code
    raise RuntimeError("could not draw a free tracking code in 20 tries")


async def approve(
    session: AsyncSession,
    ctx: SnowContext,
    proposal_id: str,
    principal: Principal,
    route_time_limit_s: float = 5.0,
    version: int | None = None,
) -> dict[str, Any]:
    """Move the units, solve the declared districts' plow routes in the solver pool and give each
    plow's route to a snow crew of its district as a job. Returns the proposal and the runs."""
    _check_time("route_time_limit_s", route_time_limit_s)
    row = await get_proposal(session, proposal_id)
    if row.status != "done":
        raise Conflict(
            f"snow proposal {row.id} is '{row.status}'; only a finished, unapproved proposal can be approved"
        )
    if version is not None and version != row.version:
        raise Conflict(
            f"snow proposal {row.id} changed since you loaded it (version {row.version}); reload it"
        )
    emergency = await _active_or_conflict(session, row.emergency_id)
    assignment = effective_assignment(row)
    units = {u["id"]: u for u in row.units or []}
    depots = await _depots(session)
    yards: dict[int, dict[str, Any]] = {}
    for d in depots:
        yards.setdefault(int(d["district"]), d)
    by_depot = {d["id"]: d for d in depots}
    districts_plows: dict[str, list[list[Any]]] = defaultdict(list)
    for uid, unit in units.items():
        target = assignment.get(uid, unit["district"])
        if unit["type"] != "plow" or target not in emergency.districts:
            continue
        own = by_depot.get(unit["depot_id"])
        start = own if own is not None and int(own["district"]) == target else yards.get(target)
        if start is not None:
            districts_plows[str(target)].append([uid, start["lon"], start["lat"]])
    task = {
        **_storm_task(emergency),
        "districts_plows": dict(districts_plows),
        "time_limit_s": route_time_limit_s,
        "plowed_edge_ids": await _plowed_edge_ids(session, emergency.start_at),
    }
    row.status = "approved"  # claims the proposal: a second approval meets a conflict
    row.approved_by_id, row.approved_at = principal.user_id, utcnow()
    await session.commit()
    try:
        solved = (
            await ctx.pool.run(plowing_worker.plow_routes_task, task) if districts_plows else {"routes": []}
        )
        withdrawn = await _withdraw_open_runs(
            session, emergency.id, principal, f"replaced by the plow routes of proposal {row.id}"
        )
        runs = await _give_runs(session, ctx, row.id, emergency, solved["routes"], principal)
        for uid, target in assignment.items():
            unit_row = await session.get(Equipment, uid)
            if unit_row is not None and unit_row.current_district != target:
                unit_row.current_district = target
        await session.commit()
    except Exception:
        # nothing was given out: the proposal may be approved again
        await session.rollback()
        row = await get_proposal(session, proposal_id)
        row.status, row.approved_at, row.approved_by_id = "done", None, None
        await session.commit()
        raise
    row = await get_proposal(session, proposal_id)
    for crew_id, payload in withdrawn:
        ctx.announcer.job(crew_id, JOB_REMOVED, payload)
    for crew_id, payload in runs["announce"]:
        ctx.announcer.job(crew_id, JOB_CREATED, payload)
    ctx.announcer.snow(
        SNOW_UPDATED, {"emergency_id": emergency.id, "proposal_id": row.id, "status": row.status}
    )
    return {"proposal": proposal_json(row), "runs": runs["runs"], "unserved": solved.get("unserved", {})}


async def _give_runs(
    session: AsyncSession,
    ctx: SnowContext,
    proposal_id: str,
    emergency: SnowEmergency,
    routes: list[dict[str, Any]],
    principal: Principal,
) -> dict[str, Any]:
    from dispatch_api.services.crew_jobs import job_payload  # crew_jobs calls back into this module

    category = await session.get(Category, PLOW_CATEGORY)
    if category is None:
        raise Conflict(f"category {PLOW_CATEGORY!r} is missing; load the city's categories.json first")
    crews = await _snow_crews(session)
    if not crews and routes:
        raise Conflict("no active crew has the 'snow' skill; give a crew that skill to drive the plows")
    tz = ZoneInfo(ctx.timezone)
    now = utcnow()
    day = now.astimezone(tz).date()
    load: dict[str, int] = defaultdict(int)
    sequence: dict[str, int] = {}
    interval = replow_interval_s(emergency.level, 1) or 4 * 3600
    out: list[dict[str, Any]] = []
    created: list[tuple[str, CrewJob, Ticket]] = []
    for route in routes:
        district = int(route["district"])
        crew = _pick_crew(crews, district, load)
        assert crew is not None
        load[crew.id] += 1
        if crew.id not in sequence:
            last = await session.scalar(
                select(func.max(CrewJob.sequence)).where(
                    CrewJob.crew_id == crew.id, CrewJob.service_date == day
                )
            )
            sequence[crew.id] = int(last or 0)
        sequence[crew.id] += 1
        km = route["length_m"] / 1000
        tiers = (
            "–".join(str(t) for t in (min(route["tiers"]), max(route["tiers"]))) if route["tiers"] else "1"
        )
        ticket = Ticket(
            tracking_code=await _tracking_code(session),
            category_code=PLOW_CATEGORY,
            status="assigned",
            priority="urgent",
            priority_reason=f"plow route of snow emergency #{emergency.id}",
            district_code=district,
            lon=float(route["start"][0]),
            lat=float(route["start"][1]),
            # the city's language (Persian digits), like the addresses callers give
            address=f"مسیر برف‌روبی منطقه {_fa_digits(district)}، {_fa_tiers(route['tiers'])}",
            description=(
                f"{route['plow_id']}: {route['runs']} street runs, {km:.1f} km of snow routes, "
                f"tiers {tiers}; "
                f"about {math.ceil(route['duration_s'] / 60)} min. Follow the line on the map."
            ),
            source="snow",
            created_at=now,
            sla_due_at=now + timedelta(seconds=interval),
            created_by_id=principal.user_id,
        )
        session.add(ticket)
        await session.flush()
        session.add(
            TicketEvent(
                ticket_id=ticket.id,
                at=now,
                actor_id=principal.user_id,
                actor_name=principal.label,
                kind="created",
                from_value=None,
                to_value="assigned",
                reason=f"plow route of snow emergency #{emergency.id} for {route['plow_id']}, crew {crew.id}",
                data={"snow_proposal": proposal_id},
            )
        )
        job = CrewJob(
            id=uuid.uuid4().hex,
            plan_id=None,
            ticket_id=ticket.id,
            crew_id=crew.id,
            service_date=day,
            sequence=sequence[crew.id],
            status="assigned",
            active=True,
            eta=now,
            service_minutes=max(1, math.ceil(route["duration_s"] / 60)),
            travel_s=0,
            route=route["line"],
        )
        session.add(job)
        await session.flush()
        session.add(
            SnowPlowRun(
                proposal_id=proposal_id,
                equipment_id=route["plow_id"],
                crew_id=crew.id,
                district=district,
                job_id=job.id,
                ticket_id=ticket.id,
                edge_ids=[int(e) for e in route["edge_ids"]],
                length_m=int(route["length_m"]),
                duration_s=int(route["duration_s"]),
            )
        )
        unit_row = await session.get(Equipment, route["plow_id"])
        if unit_row is not None:
            unit_row.crew_id = crew.id
        created.append((crew.id, job, ticket))
        out.append(
            {
                "plow_id": route["plow_id"],
                "district": district,
                "crew_id": crew.id,
                "job_id": job.id,
                "ticket_id": ticket.id,
                "segments": len(route["edge_ids"]),
                "length_m": int(route["length_m"]),
                "duration_s": int(route["duration_s"]),
            }
        )
    await session.flush()
    announce = [
        (crew_id, await job_payload(session, job, ticket, category)) for crew_id, job, ticket in created
    ]
    return {"runs": out, "announce": announce}


async def _withdraw_open_runs(
    session: AsyncSession, emergency_id: int, principal: Principal, reason: str
) -> list[tuple[str, dict[str, Any]]]:
    """Take back the emergency's plow runs no crew has accepted yet: the job leaves the crew's list,
    its ticket is cancelled with ``reason`` (audited). Not committed; returns (crew, job) to announce."""
    from dispatch_api.services.crew_jobs import job_payload  # crew_jobs calls back into this module

    rows = (
        await session.execute(
            select(SnowPlowRun, CrewJob, Ticket, Category)
            .join(SnowProposal, SnowProposal.id == SnowPlowRun.proposal_id)
            .join(CrewJob, CrewJob.id == SnowPlowRun.job_id)
            .join(Ticket, Ticket.id == SnowPlowRun.ticket_id)
            .join(Category, Category.code == Ticket.category_code)
            .where(
                SnowProposal.emergency_id == emergency_id,
                CrewJob.active.is_(True),
                CrewJob.status == "assigned",
                SnowPlowRun.completed_at.is_(None),
            )
        )
    ).all()
    now = utcnow()
    out: list[tuple[str, dict[str, Any]]] = []
    for _run, job, ticket, category in rows:
        job.active = False
        session.add(
            TicketEvent(
                ticket_id=ticket.id,
                at=now,
                actor_id=principal.user_id,
                actor_name=principal.label,
                kind="status",
                from_value=ticket.status,
                to_value="cancelled",
                reason=reason,
            )
        )
        ticket.status, ticket.status_reason, ticket.closed_at = "cancelled", reason, now
        out.append((job.crew_id, await job_payload(session, job, ticket, category)))
    return out


async def end(
    session: AsyncSession,
    emergency_id: int,
    principal: Principal,
    announcer: Announcer,
    version: int | None = None,
) -> SnowEmergency:
    """End the emergency (tickets restored) and take back plow runs no crew has accepted."""
    row = await emergencies.end(session, emergency_id, principal, announcer, version)
    withdrawn = await _withdraw_open_runs(session, row.id, principal, f"snow emergency #{row.id} ended")
    await session.commit()
    for crew_id, payload in withdrawn:
        announcer.job(crew_id, JOB_REMOVED, payload)
    announcer.snow(SNOW_UPDATED, {"emergency_id": row.id, "status": row.status})
    return row


async def runs_of(session: AsyncSession, proposal_id: str) -> list[dict[str, Any]]:
    rows = (
        await session.execute(
            select(SnowPlowRun, CrewJob.status, Crew.name_fa, Crew.name_en)
            .join(CrewJob, CrewJob.id == SnowPlowRun.job_id)
            .join(Crew, Crew.id == SnowPlowRun.crew_id)
            .where(SnowPlowRun.proposal_id == proposal_id)
            .order_by(SnowPlowRun.district, SnowPlowRun.equipment_id)
        )
    ).all()
    return [
        {
            "plow_id": r.equipment_id,
            "district": r.district,
            "crew_id": r.crew_id,
            "crew_name": {"fa": name_fa, "en": name_en},
            "job_id": r.job_id,
            "ticket_id": r.ticket_id,
            "segments": len(r.edge_ids),
            "length_m": r.length_m,
            "duration_s": r.duration_s,
            "status": status,
            "completed_at": _iso(r.completed_at),
        }
        for r, status, name_fa, name_en in rows
    ]


# ------------------------------------------------------------------ plowed state


async def mark_plowed(
    session: AsyncSession, edge_ids: list[int], at: datetime, crew_id: str | None, source: str
) -> list[int]:
    """Record ``edge_ids`` plowed at ``at`` (a later pass only moves the time forward). Not committed."""
    wanted = sorted({int(e) for e in edge_ids})
    if not wanted:
        return []
    existing = {
        s.edge_id: s
        for s in (
            await session.scalars(select(SnowSegmentState).where(SnowSegmentState.edge_id.in_(wanted)))
        ).all()
    }
    for edge_id in wanted:
        state = existing.get(edge_id)
        if state is None:
            session.add(
                SnowSegmentState(edge_id=edge_id, last_plowed_at=at, crew_id=crew_id, source=source, passes=1)
            )
        else:
            state.passes += 1
            if at > state.last_plowed_at:
                state.last_plowed_at, state.crew_id, state.source = at, crew_id, source
    return wanted


def _plowed_event(
    announcer: Announcer | None, edge_ids: list[int], at: datetime, crew_id: str, source: str
) -> None:
    if announcer is not None and edge_ids:
        announcer.snow(
            SNOW_PLOWED, {"edge_ids": edge_ids, "at": _iso(at), "crew_id": crew_id, "source": source}
        )


async def job_done(
    session: AsyncSession, job_id: str, at: datetime, announcer: Announcer | None
) -> list[int]:
    """A crew completed a job: when it is a plow run, its streets are plowed. Committed."""
    run = await session.scalar(select(SnowPlowRun).where(SnowPlowRun.job_id == job_id))
    if run is None or run.completed_at is not None:
        return []
    run.completed_at = at
    marked = await mark_plowed(session, list(run.edge_ids), at, run.crew_id, "job")
    await session.commit()
    _plowed_event(announcer, marked, at, run.crew_id, "job")
    return marked


def _bearing_deg(dx: float, dy: float) -> float:
    return math.degrees(math.atan2(dx, dy)) % 360.0


def _angle_between(a: float, b: float) -> float:
    d = abs(a - b) % 360.0
    return min(d, 360.0 - d)


def match_ping(
    index: RouteIndex, crs: str, previous: tuple[float, float], current: tuple[float, float]
) -> int | None:
    """The snow-route edge a vehicle moving from ``previous`` to ``current`` (lon, lat) is driving
    along: within ``MATCH_M`` of ``current``, heading within ``MAX_HEADING_DEG`` of the segment's
    direction (either way on a two-way street, only along it on a one-way street); the nearest."""
    xs, ys = to_metric(crs, np.array([previous[0], current[0]]), np.array([previous[1], current[1]]))
    dx, dy = float(xs[1] - xs[0]), float(ys[1] - ys[0])
    if math.hypot(dx, dy) < MIN_MOVE_M:
        return None
    heading = _bearing_deg(dx, dy)
    here = shapely.Point(float(xs[1]), float(ys[1]))
    candidates = index.tree.query(here, predicate="dwithin", distance=MATCH_M)
    best: tuple[float, int] | None = None
    for pos in candidates.tolist():
        coords = shapely.get_coordinates(index.lines[pos])
        sx, sy = coords[-1] - coords[0]
        along = _bearing_deg(float(sx), float(sy))
        agrees = _angle_between(heading, along) <= MAX_HEADING_DEG
        if not index.oneway[pos]:
            agrees = agrees or _angle_between(heading, (along + 180.0) % 360.0) <= MAX_HEADING_DEG
        if not agrees:
            continue
        dist = float(shapely.distance(index.lines[pos], here))
        if best is None or dist < best[0]:
            best = (dist, pos)
    return int(index.edge_ids[best[1]]) if best is not None else None


async def position(
    session: AsyncSession,
    city_dir: Path,
    crs: str,
    crew_id: str,
    lon: float,
    lat: float,
    at: datetime,
    announcer: Announcer | None,
) -> int | None:
    """A GPS ping of a crew: when the crew drives a plow run of an active emergency, the snow-route
    segment it is plowing is marked. Returns the edge id marked, if any. Committed."""
    if await emergencies.active(session) is None:
        return None
    open_run = await session.scalar(
        select(SnowPlowRun.id)
        .join(CrewJob, CrewJob.id == SnowPlowRun.job_id)
        .where(
            SnowPlowRun.crew_id == crew_id,
            SnowPlowRun.completed_at.is_(None),
            CrewJob.active.is_(True),
            CrewJob.status.in_(("assigned", "accepted", "en_route", "on_site", "paused")),
        )
        .limit(1)
    )
    if open_run is None:
        return None
    at = at.astimezone(UTC)
    previous = (
        await session.execute(
            select(CrewPosition.lon, CrewPosition.lat)
            .where(
                CrewPosition.crew_id == crew_id,
                CrewPosition.at < at,
                CrewPosition.at >= at - timedelta(seconds=MAX_PING_GAP_S),
            )
            .order_by(CrewPosition.at.desc())
            .limit(1)
        )
    ).first()
    if previous is None:
        return None
    edge_id = match_ping(await _route_index(city_dir, crs), crs, (previous[0], previous[1]), (lon, lat))
    if edge_id is None:
        return None
    marked = await mark_plowed(session, [edge_id], at, crew_id, "gps")
    await session.commit()
    _plowed_event(announcer, marked, at, crew_id, "gps")
    return edge_id
