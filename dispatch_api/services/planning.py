"""Plans: build the day's routing problem from the store, solve it in a worker, review, publish.

- ``start``: a plan for a service day and districts; the solve runs in the background through the
  solver pool (``services.solver_worker``), never in the web process. ``replan`` does the same warm,
  from an earlier plan. Progress moves through the stages queued → inputs → matrices → solving → done.
- ``gather_inputs``: the day's available crews (shift and day-off overrides, break, skills,
  districts, depot, capacity) and open tickets (new/triaged/reopened in the city's remit, not
  duplicates, plus tickets whose published job is not yet accepted), each ticket once. Jobs a crew
  has accepted or started are locked: they stay first in that crew's route, in order.
- ``publish``: every visit becomes (or updates) the crew's job, tickets become ``assigned``, crews
  are told by SSE; visits taken off a crew are removed from its list. Publishing again applies the
  difference, so moves and urgent insertions into a published plan reach the crews the same way.
- ``move``: put a ticket on a crew at a position by hand (re-timed by the engine);
  ``insert``: add an urgent ticket now with the engine's insertion.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatch_api.persistence.base import utcnow
from dispatch_api.persistence.models import Category, Crew, CrewShift, Depot, District, Ticket
from dispatch_api.persistence.models.field import CrewJob
from dispatch_api.persistence.models.plans import Plan as PlanRow
from dispatch_api.services import emergency
from dispatch_api.services import solver_worker as worker
from dispatch_api.services import tickets as ticket_service
from dispatch_api.services.crew_jobs import job_payload
from dispatch_api.services.errors import Conflict, FieldError, NotFound
from dispatch_api.services.events import (
    JOB_CREATED,
    JOB_REMOVED,
    JOB_UPDATED,
    PLAN_PUBLISHED,
    PLAN_UPDATED,
    Announcer,
)
from dispatch_api.services.principal import Principal

log = logging.getLogger("crewline.planning")

OPEN_FOR_PLANNING = frozenset({"new", "triaged", "reopened"})
LOCKED_JOB_STATES = frozenset({"accepted", "en_route", "on_site", "paused"})
MAX_TIME_LIMIT_S = 300.0
_TASKS: set[asyncio.Task[None]] = set()


@dataclass(frozen=True)
class PlanRequest:
    service_date: date | None = None
    districts: tuple[int, ...] = ()
    time_limit_s: float = 10.0
    snow_level: int | None = None
    """Road conditions for travel times (0 clear … 3 heavy snow); None: the context's default."""


@dataclass(frozen=True)
class PlanContext:
    """What a plan run needs besides the store: the city, its time zone and the solver pool."""

    sessionmaker: async_sessionmaker[AsyncSession]
    city_dir: Path
    crs: str
    timezone: str
    announcer: Announcer
    snow_level: int = 0

    @property
    def pool(self) -> worker.SolverPool:
        return worker.pool_for(self.city_dir, self.crs)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def _clock_s(text: str) -> int:
    t = time.fromisoformat(text)
    return t.hour * 3600 + t.minute * 60


# ------------------------------------------------------------------ reading a plan


def plan_json(row: PlanRow, *, with_result: bool = True) -> dict[str, Any]:
    progress = row.progress
    if row.status == "running" and row.stage == "solving" and row.stage_at is not None:
        elapsed = (utcnow() - row.stage_at).total_seconds()
        progress = max(progress, min(90, 30 + int(60 * elapsed / max(row.time_limit_s, 0.1))))
    body: dict[str, Any] = {
        "id": row.id,
        "status": row.status,
        "progress": progress,
        "stage": row.stage,
        "service_date": row.service_date.isoformat(),
        "districts": row.districts,
        "horizon_start": _iso(row.horizon_start),
        "horizon_end": _iso(row.horizon_end),
        "time_limit_s": row.time_limit_s,
        "parent_id": row.parent_id,
        "created_at": _iso(row.created_at),
        "started_at": _iso(row.started_at),
        "finished_at": _iso(row.finished_at),
        "published_at": _iso(row.published_at),
        "error": row.error,
        "version": row.version,
        "snow_level": int((row.inputs or {}).get("snow_level", 0)),
    }
    result = row.result or {}
    body["summary"] = result.get("summary")
    body["cost"] = result.get("cost")
    body["solver"] = result.get("solver")
    if with_result:
        body["routes"] = result.get("routes", [])
        body["unassigned"] = result.get("unassigned", [])
    return body


async def get_plan(session: AsyncSession, plan_id: str) -> PlanRow:
    row = await session.get(PlanRow, plan_id)
    if row is None:
        raise NotFound("plan", plan_id)
    return row


async def list_plans(
    session: AsyncSession, offset: int, limit: int, service_date: date | None = None
) -> tuple[list[dict[str, Any]], int]:
    query = select(PlanRow)
    count = select(func.count()).select_from(PlanRow)
    if service_date is not None:
        query = query.where(PlanRow.service_date == service_date)
        count = count.where(PlanRow.service_date == service_date)
    rows = await session.scalars(query.order_by(PlanRow.created_at.desc()).offset(offset).limit(limit))
    total = int(await session.scalar(count) or 0)
    return [plan_json(r, with_result=False) for r in rows], total


# ------------------------------------------------------------------ starting


def _horizon(day: date, timezone: str) -> datetime:
    return datetime.combine(day, time(0, 0), ZoneInfo(timezone)).astimezone(UTC)


async def _validate(session: AsyncSession, request: PlanRequest, timezone: str) -> tuple[date, list[int]]:
    errors: list[tuple[str, str]] = []
    day = request.service_date or utcnow().astimezone(ZoneInfo(timezone)).date()
    known = set((await session.scalars(select(District.code))).all())
    districts = sorted(set(request.districts)) or sorted(known)
    unknown = [d for d in districts if d not in known]
    if unknown:
        errors.append(("districts", f"unknown district codes {unknown}; the city has {sorted(known)}"))
    if request.snow_level is not None and request.snow_level not in (0, 1, 2, 3):
        errors.append(("snow_level", "must be 0 (clear roads) to 3 (heavy snow)"))
    if not 0.5 <= request.time_limit_s <= MAX_TIME_LIMIT_S:
        errors.append(("time_limit_s", f"must be between 0.5 and {MAX_TIME_LIMIT_S:g} seconds"))
    if errors:
        raise FieldError(errors)
    return day, districts


async def start(
    session: AsyncSession,
    ctx: PlanContext,
    request: PlanRequest,
    principal: Principal | None,
    parent_id: str | None = None,
) -> PlanRow:
    """Record a queued plan and start solving it in the background."""
    day, districts = await _validate(session, request, ctx.timezone)
    start_at = _horizon(day, ctx.timezone)
    # A declared snow emergency raises snow work, holds deferrable work and slows travel.
    await emergency.sweep(session, principal)
    snow_level = request.snow_level
    if snow_level is None:
        snow_level = await emergency.active_level(session) or ctx.snow_level
    row = PlanRow(
        id=uuid.uuid4().hex,
        status="queued",
        progress=0,
        stage="queued",
        stage_at=utcnow(),
        service_date=day,
        districts=districts,
        horizon_start=start_at,
        horizon_end=start_at + timedelta(days=1, hours=12),
        time_limit_s=float(request.time_limit_s),
        parent_id=parent_id,
        created_by_id=principal.user_id if principal else None,
        inputs={"snow_level": snow_level},
    )
    session.add(row)
    await session.commit()
    _spawn(run_plan(ctx, row.id))
    return row


async def replan(
    session: AsyncSession,
    ctx: PlanContext,
    plan_id: str,
    principal: Principal | None,
    time_limit_s: float | None = None,
) -> PlanRow:
    """A new plan for the same day and districts, warm-started from ``plan_id``'s routes."""
    parent = await get_plan(session, plan_id)
    if parent.status != "done":
        raise Conflict(f"plan {plan_id} is '{parent.status}'; only a finished plan can seed a re-plan")
    request = PlanRequest(
        parent.service_date,
        tuple(parent.districts),
        time_limit_s or parent.time_limit_s,
        int((parent.inputs or {}).get("snow_level", 0)),
    )
    return await start(session, ctx, request, principal, parent_id=parent.id)


def _spawn(coro: Awaitable[None]) -> None:
    task = asyncio.ensure_future(coro)
    _TASKS.add(task)
    task.add_done_callback(_TASKS.discard)


async def wait_for_background() -> None:
    """Wait until every running plan task has finished (used at shutdown and by tests)."""
    while _TASKS:
        await asyncio.gather(*list(_TASKS), return_exceptions=True)


async def _stage(ctx: PlanContext, plan_id: str, stage: str, progress: int, **fields: Any) -> None:
    async with ctx.sessionmaker() as session:
        row = await get_plan(session, plan_id)
        row.stage, row.progress, row.stage_at = stage, progress, utcnow()
        for key, value in fields.items():
            setattr(row, key, value)
        await session.commit()
        ctx.announcer.plan(PLAN_UPDATED, plan_json(row, with_result=False))


async def run_plan(ctx: PlanContext, plan_id: str) -> None:
    """The background run of one plan: inputs → matrices (worker) → solve (worker) → stored result."""
    try:
        await _stage(ctx, plan_id, "inputs", 5, status="running", started_at=utcnow())
        async with ctx.sessionmaker() as session:
            row = await get_plan(session, plan_id)
            inputs = await gather_inputs(session, row, ctx)
            parent = await session.get(PlanRow, row.parent_id) if row.parent_id else None
            previous = parent.result if parent is not None else None
            time_limit = row.time_limit_s
        await _stage(ctx, plan_id, "matrices", 10, inputs=inputs)
        blob = await ctx.pool.run(worker.matrices, inputs["points"], inputs["snow_level"])
        await _stage(ctx, plan_id, "solving", 30, matrices=blob)
        task = {"inputs": inputs, "matrices": blob, "time_limit_s": time_limit, "previous": previous}
        result = await ctx.pool.run(worker.solve_task, task)
        await _stage(ctx, plan_id, "done", 100, status="done", result=result, finished_at=utcnow())
    except asyncio.CancelledError:
        # The server is stopping: say so on the plan instead of leaving it 'running' for ever.
        try:
            await _stage(
                ctx,
                plan_id,
                "failed",
                100,
                status="failed",
                finished_at=utcnow(),
                error="the server stopped during this plan; start it again",
            )
        finally:
            raise
    except Exception as exc:
        log.exception("plan %s failed", plan_id)
        try:
            await _stage(
                ctx,
                plan_id,
                "failed",
                100,
                status="failed",
                finished_at=utcnow(),
                error=f"{type(exc).__name__}: {exc}",
            )
        except Exception:
            log.exception("could not record the failure of plan %s", plan_id)


# ------------------------------------------------------------------ building the problem inputs


async def gather_inputs(session: AsyncSession, row: PlanRow, ctx: PlanContext) -> dict[str, Any]:
    """The crews, tickets and points of ``row``'s day and districts, as plain data for the worker."""
    tz = ZoneInfo(ctx.timezone)
    day = row.service_date
    horizon_start = row.horizon_start
    now_s = int((utcnow() - horizon_start).total_seconds())
    is_today = utcnow().astimezone(tz).date() == day
    wanted = set(row.districts)

    overrides = {
        s.crew_id: s for s in (await session.scalars(select(CrewShift).where(CrewShift.day == day))).all()
    }
    depots = {d.id: d for d in (await session.scalars(select(Depot))).all()}
    points: list[list[float]] = []
    depot_index: dict[str, int] = {}
    crews: list[dict[str, Any]] = []
    for crew in (await session.scalars(select(Crew).where(Crew.active.is_(True)).order_by(Crew.id))).all():
        districts = [d.district_code for d in crew.districts]
        if not wanted.intersection(districts):
            continue
        override = overrides.get(crew.id)
        if override is not None and override.off:
            continue
        start_txt = override.start if override and override.start else crew.shift_start
        end_txt = override.end if override and override.end else crew.shift_end
        start_s, end_s = _clock_s(start_txt), _clock_s(end_txt)
        if end_s <= start_s:
            end_s += 86400
        if is_today:
            if now_s >= end_s:
                continue
            start_s = max(start_s, now_s)
        breaks: list[list[int]] = []
        if crew.break_start and crew.break_end and crew.break_minutes:
            b0, b1 = _clock_s(crew.break_start), _clock_s(crew.break_end)
            if b0 < _clock_s(start_txt):
                b0, b1 = b0 + 86400, b1 + 86400
            duration = crew.break_minutes * 60
            if b1 - duration >= start_s and b0 <= end_s - duration:
                breaks.append([max(b0, start_s), max(b1 - duration, start_s), duration])
        depot = depots.get(crew.depot_id)
        if depot is None:
            continue
        if crew.depot_id not in depot_index:
            depot_index[crew.depot_id] = len(points)
            points.append([depot.lon, depot.lat])
        crews.append(
            {
                "id": crew.id,
                "name_fa": crew.name_fa,
                "name_en": crew.name_en,
                "depot_id": crew.depot_id,
                "location": depot_index[crew.depot_id],
                "shift": [start_s, end_s],
                "breaks": breaks,
                "skills": sorted(s.skill for s in crew.skills),
                "capacity": crew.capacity,
                "districts": districts,
                "locked": [],
            }
        )
    crew_ids = {c["id"] for c in crews}

    # Published jobs of the day: accepted/started ones are locked to their crew, assigned ones re-planned.
    active_jobs = (
        await session.scalars(
            select(CrewJob)
            .where(CrewJob.service_date == day, CrewJob.active.is_(True))
            .order_by(CrewJob.crew_id, CrewJob.sequence)
        )
    ).all()
    locked_by_crew: dict[str, list[int]] = {}
    replannable: set[int] = set()
    # Plow runs of a snow emergency are routed over the streets by the snow service, not here.
    plow_runs = await emergency.plow_run_ticket_ids(session, [j.ticket_id for j in active_jobs])
    for job in active_jobs:
        if job.ticket_id in plow_runs:
            continue
        if job.status in LOCKED_JOB_STATES and job.crew_id in crew_ids:
            locked_by_crew.setdefault(job.crew_id, []).append(job.ticket_id)
        elif job.status == "assigned":
            replannable.add(job.ticket_id)
    locked_tickets = {t for ts in locked_by_crew.values() for t in ts}
    held = await emergency.held_ticket_ids(session)

    rows = (
        await session.execute(
            select(Ticket, Category)
            .join(Category, Category.code == Ticket.category_code)
            .where(
                (Ticket.status.in_(OPEN_FOR_PLANNING) & (Ticket.district_code.in_(wanted)))
                | Ticket.id.in_(replannable | locked_tickets)
            )
            .order_by(Ticket.id)
        )
    ).all()
    jobs: list[dict[str, Any]] = []
    for ticket, category in rows:
        locked = ticket.id in locked_tickets
        if not locked:
            if category.remit != "city" or category.skill is None or ticket.duplicate_of_id is not None:
                continue
            if ticket.district_code not in wanted or ticket.id in held:
                continue
        jobs.append(
            {
                "ticket_id": ticket.id,
                "location": len(points),
                "service_s": int(category.service_minutes) * 60,
                "skills": [category.skill] if category.skill else [],
                "priority": ticket.priority,
                "district": ticket.district_code,
                "due_s": max(0, int((ticket.sla_due_at - horizon_start).total_seconds())),
                "window": None,
                "lon": ticket.lon,
                "lat": ticket.lat,
            }
        )
        points.append([ticket.lon, ticket.lat])
    for entry in crews:
        entry["locked"] = locked_by_crew.get(entry["id"], [])
    return {
        "horizon_start": _iso(horizon_start),
        "service_date": day.isoformat(),
        "points": points,
        "crews": crews,
        "jobs": jobs,
        "snow_level": int((row.inputs or {}).get("snow_level", ctx.snow_level)),
    }


# ------------------------------------------------------------------ publishing


def _result_routes(result: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    return {r["crew_id"]: r["stops"] for r in result.get("routes", [])}


async def publish(
    session: AsyncSession, plan_id: str, principal: Principal | None, announcer: Announcer
) -> dict[str, Any]:
    """Make the plan's visits the crews' jobs (applying only the difference when published before)."""
    row = await get_plan(session, plan_id)
    if row.status != "done" or row.result is None:
        raise Conflict(f"plan {plan_id} is '{row.status}'; wait until it is done, then publish it")
    day = row.service_date
    planned: dict[int, tuple[str, dict[str, Any]]] = {}
    for crew_id, stops in _result_routes(row.result).items():
        for stop in stops:
            planned[int(stop["ticket_id"])] = (crew_id, stop)
    in_plan = {int(j["ticket_id"]) for j in (row.inputs or {}).get("jobs", [])}
    existing = {
        j.ticket_id: j
        for j in (
            await session.scalars(
                select(CrewJob).where(
                    CrewJob.service_date == day, CrewJob.active.is_(True), CrewJob.ticket_id.in_(in_plan)
                )
            )
        ).all()
    }
    events: list[tuple[str, str, CrewJob]] = []
    created = updated = removed = 0
    skipped: list[dict[str, Any]] = []
    tickets = {t.id: t for t in (await session.scalars(select(Ticket).where(Ticket.id.in_(in_plan)))).all()}
    for ticket_id in sorted(in_plan):
        ticket = tickets.get(ticket_id)
        if ticket is None:
            continue
        job = existing.get(ticket_id)
        target = planned.get(ticket_id)
        if job is not None and job.status in LOCKED_JOB_STATES | {"done"}:
            # accepted or started work stays with its crew; only its place and ETA may change
            if target is not None and target[0] == job.crew_id and job.status != "done":
                _place(job, target[1], row)
                events.append((job.crew_id, JOB_UPDATED, job))
            continue
        if job is not None and job.status in ("declined", "cannot_complete"):
            if target is None:
                continue
            # the ticket went back to planning: its old job leaves the list, a new one is made below
            job.active = False
            events.append((job.crew_id, JOB_REMOVED, job))
            removed += 1
            job = None
        if target is None:
            if job is not None:
                job.active = False
                events.append((job.crew_id, JOB_REMOVED, job))
                removed += 1
                if ticket.status == "assigned":
                    await ticket_service.transition(
                        session,
                        ticket.id,
                        "triaged",
                        None,
                        principal,
                        reason=f"taken off crew {job.crew_id} by plan {row.id}",
                        commit=False,
                    )
            continue
        crew_id, stop = target
        if job is not None and job.crew_id == crew_id:
            _place(job, stop, row)
            events.append((crew_id, JOB_UPDATED, job))
            updated += 1
            continue
        if job is None and ticket.status not in OPEN_FOR_PLANNING:
            skipped.append(
                {
                    "ticket_id": ticket.id,
                    "status": ticket.status,
                    "detail": f"ticket is '{ticket.status}' now; re-plan to include its change",
                }
            )
            continue
        if job is not None:
            job.active = False
            events.append((job.crew_id, JOB_REMOVED, job))
            removed += 1
        new = CrewJob(
            id=uuid.uuid4().hex,
            ticket_id=ticket.id,
            crew_id=crew_id,
            service_date=day,
            status="assigned",
            active=True,
            sequence=0,
            service_minutes=int(stop["service_s"]) // 60,
        )
        _place(new, stop, row)
        session.add(new)
        events.append((crew_id, JOB_CREATED, new))
        created += 1
        if ticket.status in ("new", "reopened"):
            await ticket_service.transition(
                session,
                ticket.id,
                "triaged",
                None,
                principal,
                reason=f"planned by plan {row.id}",
                commit=False,
            )
        if ticket.status != "assigned":
            await ticket_service.transition(
                session,
                ticket.id,
                "assigned",
                None,
                principal,
                reason=f"assigned to crew {crew_id} by plan {row.id}",
                commit=False,
            )
    row.published_at = utcnow()
    row.published_by_id = principal.user_id if principal else None
    await session.commit()
    for crew_id, kind, job in events:
        ticket = await session.get(Ticket, job.ticket_id)
        category = await session.get(Category, ticket.category_code) if ticket else None
        if ticket is None or category is None:
            continue
        announcer.job(crew_id, kind, await job_payload(session, job, ticket, category))
        announcer.ticket({"id": ticket.id, "status": ticket.status, "crew_id": crew_id, "job_id": job.id})
    summary = {"created": created, "updated": updated, "removed": removed, "skipped": skipped}
    announcer.plan(PLAN_PUBLISHED, {**plan_json(row, with_result=False), "publication": summary})
    return {"plan": plan_json(row), "publication": summary}


def _place(job: CrewJob, stop: dict[str, Any], row: PlanRow) -> None:
    job.plan_id = row.id
    job.sequence = int(stop["sequence"])
    job.eta = datetime.fromisoformat(stop["eta"].replace("Z", "+00:00"))
    job.travel_s = int(stop["travel_s"])
    job.route = stop["line"]
    job.updated_at = utcnow()


# ------------------------------------------------------------------ hand moves and urgent insertion


def _locked_prefix(inputs: dict[str, Any], crew_id: str) -> list[int]:
    crew = next((c for c in inputs["crews"] if c["id"] == crew_id), None)
    return [int(t) for t in crew["locked"]] if crew else []


async def _finish_edit(
    session: AsyncSession,
    row: PlanRow,
    result: dict[str, Any],
    announcer: Announcer,
    principal: Principal | None,
    **fields: Any,
) -> dict[str, Any]:
    row.result = result
    for key, value in fields.items():
        setattr(row, key, value)
    await session.commit()
    announcer.plan(PLAN_UPDATED, plan_json(row, with_result=False))
    if row.published_at is not None:
        published: dict[str, Any] = (await publish(session, row.id, principal, announcer))["plan"]
        return published
    return plan_json(row)


def _editable(row: PlanRow) -> dict[str, Any]:
    if row.status != "done" or row.result is None or row.inputs is None or row.matrices is None:
        raise Conflict(f"plan {row.id} is '{row.status}'; only a finished plan can be edited")
    return row.result


async def move(
    session: AsyncSession,
    ctx: PlanContext,
    plan_id: str,
    ticket_id: int,
    crew_id: str,
    position: int,
    principal: Principal | None,
) -> dict[str, Any]:
    """Put ``ticket_id`` on ``crew_id`` as its ``position``-th visit (1-based) and re-time the plan."""
    row = await get_plan(session, plan_id)
    result = _editable(row)
    inputs = row.inputs or {}
    if ticket_id not in {int(j["ticket_id"]) for j in inputs["jobs"]}:
        raise FieldError([("ticket_id", f"ticket {ticket_id} is not in plan {plan_id}; insert it first")])
    if crew_id not in {c["id"] for c in inputs["crews"]}:
        raise FieldError([("crew_id", f"crew {crew_id} is not available in plan {plan_id}")])
    for crew in inputs["crews"]:
        if ticket_id in crew["locked"]:
            raise Conflict(
                f"ticket {ticket_id} is locked to crew {crew['id']}, who has accepted or started it"
            )
    routes = {cid: [str(s["ticket_id"]) for s in stops] for cid, stops in _result_routes(result).items()}
    for seq in routes.values():
        if str(ticket_id) in seq:
            seq.remove(str(ticket_id))
    target = routes.setdefault(crew_id, [])
    first_free = len(_locked_prefix(inputs, crew_id))
    if position < 1:
        raise FieldError([("position", "is 1 for the first visit, 2 for the second, …")])
    index = min(max(position - 1, first_free), len(target))
    target.insert(index, str(ticket_id))
    task = {"inputs": inputs, "matrices": row.matrices, "routes": routes}
    edited = await ctx.pool.run(worker.retime_task, task)
    left_out = next((u for u in edited["unassigned"] if u["ticket_id"] == ticket_id), None)
    if left_out is not None:
        raise FieldError(
            [("crew_id", f"crew {crew_id} cannot take ticket {ticket_id}: {left_out['detail']}")]
        )
    return await _finish_edit(session, row, edited, ctx.announcer, principal)


async def insert(
    session: AsyncSession, ctx: PlanContext, plan_id: str, ticket_id: int, principal: Principal | None
) -> dict[str, Any]:
    """Insert an urgent ticket into a finished (possibly published) plan with the engine's insertion."""
    row = await get_plan(session, plan_id)
    result = _editable(row)
    inputs = dict(row.inputs or {})
    if ticket_id in {int(j["ticket_id"]) for j in inputs["jobs"]}:
        raise Conflict(f"ticket {ticket_id} is already in plan {plan_id}; move it instead")
    found = (
        await session.execute(
            select(Ticket, Category)
            .join(Category, Category.code == Ticket.category_code)
            .where(Ticket.id == ticket_id)
        )
    ).first()
    if found is None:
        raise FieldError([("ticket_id", f"ticket {ticket_id} does not exist")])
    ticket, category = found
    if ticket.status not in OPEN_FOR_PLANNING:
        raise FieldError(
            [("ticket_id", f"ticket {ticket_id} is '{ticket.status}'; only open tickets can be planned")]
        )
    if category.remit != "city" or category.skill is None:
        raise FieldError([("ticket_id", f"ticket {ticket_id} is for {category.remit}; refer it instead")])
    points = [*inputs["points"], [ticket.lon, ticket.lat]]
    job = {
        "ticket_id": ticket.id,
        "location": len(inputs["points"]),
        "service_s": int(category.service_minutes) * 60,
        "skills": [category.skill],
        "priority": ticket.priority,
        "district": ticket.district_code,
        "due_s": max(0, int((ticket.sla_due_at - row.horizon_start).total_seconds())),
        "window": None,
        "lon": ticket.lon,
        "lat": ticket.lat,
    }
    now_s = int((utcnow() - row.horizon_start).total_seconds())
    if 0 < now_s < 86400 * 2:
        job["window"] = [
            now_s,
            max(now_s, max(c["shift"][1] for c in inputs["crews"]) if inputs["crews"] else now_s),
        ]
    inputs = {**inputs, "points": points, "jobs": [*inputs["jobs"], job]}
    blob = await ctx.pool.run(worker.matrices, points, inputs["snow_level"])
    task = {"inputs": inputs, "matrices": blob, "previous": result, "ticket_id": ticket.id}
    edited = await ctx.pool.run(worker.insert_task, task)
    return await _finish_edit(session, row, edited, ctx.announcer, principal, inputs=inputs, matrices=blob)
