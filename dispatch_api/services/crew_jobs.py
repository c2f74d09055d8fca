"""A crew's day: its jobs in route order, and the actions it sends about them, each applied once.

Every action carries the device's ``client_id``; the ``job_actions.client_id`` unique constraint
makes a resent action a no-op (``applied`` false) even when two copies race. Actions may arrive out
of order (an offline device syncs its outbox later): a forward step that skips states (``complete``
while the job is only ``accepted``) fills the skipped states in the audit, stamped with the device
time ``at``; an older step arriving after a newer one was applied is recorded as late and changes
nothing. The ticket's status follows the job's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from dispatch_api.persistence.base import utcnow
from dispatch_api.persistence.models import Category, Crew, Depot, Ticket
from dispatch_api.persistence.models.field import CrewJob, JobAction, JobPhoto
from dispatch_api.services import tickets as ticket_service
from dispatch_api.services.errors import Conflict, FieldError, IllegalTransition, NotFound, StaleVersion
from dispatch_api.services.events import JOB_UPDATED, Announcer
from dispatch_api.services.principal import Principal

ACTIONS = ("accept", "decline", "start_travel", "arrive", "pause", "resume", "complete", "cannot_complete")
MAIN_PATH = ("assigned", "accepted", "en_route", "on_site", "done")
_RANK = {s: i for i, s in enumerate(MAIN_PATH)}
_FORWARD = {"accept": "accepted", "start_travel": "en_route", "arrive": "on_site", "complete": "done"}
_NAMES = {v: k for k, v in _FORWARD.items()}
FINAL = frozenset({"done", "declined", "cannot_complete"})
# Where the ticket goes when the job reaches a state (paused leaves the ticket where it is).
_TICKET_FOLLOWS = {
    "accepted": "accepted",
    "en_route": "en_route",
    "on_site": "on_site",
    "done": "done",
    "declined": "triaged",
    "cannot_complete": "triaged",
}
_NEEDS_REASON = frozenset({"decline", "cannot_complete"})
MAX_TEXT = 2000


@dataclass(frozen=True)
class ActionCommand:
    client_id: str
    action: str
    at: datetime
    reason: str | None = None
    note: str | None = None
    materials: list[Any] | dict[str, Any] | None = None


def allowed_actions(status: str) -> list[str]:
    """Actions that may be applied to a job in ``status`` right now."""
    if status in FINAL:
        return []
    if status == "paused":
        return ["resume", "complete", "cannot_complete"]
    out: list[str] = []
    rank = _RANK[status]
    out += [_NAMES[s] for s in MAIN_PATH[rank + 1 :]]
    if status == "assigned":
        out.append("decline")
    if status in ("en_route", "on_site"):
        out.append("pause")
    if status != "assigned":
        out.append("cannot_complete")
    return out


# ------------------------------------------------------------------ reading


def _category_name(category: Category) -> dict[str, str]:
    return {"fa": category.name_fa, "en": category.name_en}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def job_json(job: CrewJob, ticket: Ticket, category: Category, photos: Sequence[JobPhoto]) -> dict[str, Any]:
    """The Job shape of the crew API contract."""
    return {
        "id": job.id,
        "ticket_id": ticket.id,
        "tracking_code": ticket.tracking_code,
        "sequence": job.sequence,
        "status": job.status,
        "eta": _iso(job.eta),
        "category": category.code,
        "category_name": _category_name(category),
        "priority": ticket.priority,
        "address": ticket.address,
        "lon": ticket.lon,
        "lat": ticket.lat,
        "sla_due_at": _iso(ticket.sla_due_at),
        "description": ticket.description,
        "service_minutes": job.service_minutes,
        "version": job.version,
        "photos": [{"id": p.id, "kind": p.kind, "url": photo_url(p.id)} for p in photos],
    }


def photo_url(photo_id: str) -> str:
    return f"/api/crew/photos/{photo_id}"


async def _photos_by_job(session: AsyncSession, job_ids: Sequence[str]) -> dict[str, list[JobPhoto]]:
    out: dict[str, list[JobPhoto]] = {j: [] for j in job_ids}
    if not job_ids:
        return out
    rows = await session.scalars(
        select(JobPhoto).where(JobPhoto.job_id.in_(job_ids)).order_by(JobPhoto.uploaded_at)
    )
    for photo in rows:
        out[photo.job_id].append(photo)
    return out


async def _crew(session: AsyncSession, crew_id: str) -> Crew:
    crew = await session.get(Crew, crew_id)
    if crew is None:
        raise NotFound("crew", crew_id)
    return crew


def city_today(timezone: str, now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(ZoneInfo(timezone)).date()


async def list_jobs(session: AsyncSession, crew_id: str, day: date) -> dict[str, Any]:
    """The crew's jobs of ``day`` in route order, with the crew's name and shift."""
    crew = (
        await session.execute(
            select(Crew.id, Crew.name_fa, Crew.name_en, Crew.shift_start, Crew.shift_end).where(
                Crew.id == crew_id
            )
        )
    ).first()
    if crew is None:
        raise NotFound("crew", crew_id)
    rows = (
        await session.execute(
            select(CrewJob, Ticket, Category)
            .join(Ticket, Ticket.id == CrewJob.ticket_id)
            .join(Category, Category.code == Ticket.category_code)
            .where(CrewJob.crew_id == crew_id, CrewJob.service_date == day, CrewJob.active.is_(True))
            .order_by(CrewJob.sequence)
        )
    ).all()
    photos = await _photos_by_job(session, [job.id for job, _, _ in rows])
    return {
        "crew": {
            "id": crew.id,
            "name_fa": crew.name_fa,
            "name_en": crew.name_en,
            "shift": {"start": crew.shift_start, "end": crew.shift_end},
        },
        "date": day.isoformat(),
        "items": [job_json(job, ticket, category, photos[job.id]) for job, ticket, category in rows],
    }


async def _load(session: AsyncSession, crew_id: str, job_id: str) -> tuple[CrewJob, Ticket, Category]:
    row = (
        await session.execute(
            select(CrewJob, Ticket, Category)
            .join(Ticket, Ticket.id == CrewJob.ticket_id)
            .join(Category, Category.code == Ticket.category_code)
            .where(CrewJob.id == job_id)
        )
    ).first()
    # Another crew's job is answered exactly like a missing one: its existence is not disclosed.
    if row is None or row[0].crew_id != crew_id:
        raise NotFound("job", job_id)
    return row[0], row[1], row[2]


async def job_payload(
    session: AsyncSession, job: CrewJob, ticket: Ticket, category: Category
) -> dict[str, Any]:
    photos = await _photos_by_job(session, [job.id])
    return job_json(job, ticket, category, photos[job.id])


async def get_job(session: AsyncSession, crew_id: str, job_id: str) -> dict[str, Any]:
    """One job with its route line from the previous stop (or the depot) and the crew's depot."""
    job, ticket, category = await _load(session, crew_id, job_id)
    body = await job_payload(session, job, ticket, category)
    crew = await _crew(session, crew_id)
    depot = await session.get(Depot, crew.depot_id)
    coords = job.route or []
    body["route"] = {"type": "LineString", "coordinates": coords}
    body["depot"] = {"lon": depot.lon, "lat": depot.lat} if depot is not None else None
    return body


async def job_for_crew(session: AsyncSession, crew_id: str, job_id: str) -> CrewJob:
    job, _, _ = await _load(session, crew_id, job_id)
    return job


# ------------------------------------------------------------------ actions


def _clean(text: str | None, field: str) -> str | None:
    if text is None:
        return None
    text = text.strip()
    if len(text) > MAX_TEXT:
        raise FieldError([(field, f"is {len(text)} characters long; keep it under {MAX_TEXT}")])
    return text or None


def validate(cmd: ActionCommand) -> ActionCommand:
    errors: list[tuple[str, str]] = []
    if not cmd.client_id or len(cmd.client_id) > 64:
        errors.append(("client_id", "send the id the device made for this action (1 to 64 characters)"))
    if cmd.action not in ACTIONS:
        errors.append(("action", f"unknown action {cmd.action!r}; one of {', '.join(ACTIONS)}"))
    if cmd.at.tzinfo is None:
        errors.append(("at", "give the device time with its offset, e.g. 2026-11-22T09:15:00+03:30"))
    reason = _clean(cmd.reason, "reason")
    if cmd.action in _NEEDS_REASON and not reason:
        errors.append(("reason", f"'{cmd.action}' needs a reason"))
    note = _clean(cmd.note, "note")
    if errors:
        raise FieldError(errors)
    return ActionCommand(cmd.client_id, cmd.action, cmd.at, reason, note, cmd.materials)


@dataclass(frozen=True)
class _Step:
    to_status: str
    filled: bool


def _plan_steps(job: CrewJob, action: str) -> list[_Step] | None:
    """The states the job passes through for ``action``, or None when it cannot apply now."""
    status = job.status
    if action not in allowed_actions(status):
        return None
    if action == "resume":
        return [_Step(job.paused_from or "on_site", False)]
    if action == "pause":
        return [_Step("paused", False)]
    if action in ("decline", "cannot_complete"):
        return [_Step("declined" if action == "decline" else "cannot_complete", False)]
    target = _FORWARD[action]
    base = job.paused_from if status == "paused" and job.paused_from else status
    path = MAIN_PATH[_RANK[base] + 1 : _RANK[target] + 1]
    return [_Step(s, s != target) for s in path]


async def _existing(session: AsyncSession, client_id: str) -> JobAction | None:
    found: JobAction | None = await session.scalar(select(JobAction).where(JobAction.client_id == client_id))
    return found


async def _follow_ticket(
    session: AsyncSession, ticket: Ticket, to_status: str, principal: Principal, reason: str | None
) -> None:
    target = _TICKET_FOLLOWS.get(to_status)
    if target is None or ticket.status == target:
        return
    await ticket_service.transition(session, ticket.id, target, None, principal, reason=reason, commit=False)


async def apply_action(
    session: AsyncSession,
    principal: Principal,
    job_id: str,
    cmd: ActionCommand,
    announcer: Announcer,
) -> tuple[bool, dict[str, Any]]:
    """Apply a crew's action once; ``(applied, job)``. Raises IllegalTransition with the allowed list."""
    if principal.crew_id is None:
        raise NotFound("job", job_id)
    cmd = validate(cmd)
    for attempt in range(3):
        try:
            return await _apply_once(session, principal, job_id, cmd, announcer)
        except (StaleDataError, StaleVersion):
            await session.rollback()
            if attempt == 2:
                raise Conflict(
                    f"job {job_id} kept changing while this action was applied; send the action again"
                ) from None
        except IntegrityError:
            await session.rollback()
            if await _existing(session, cmd.client_id) is None:
                raise
            break
    return False, await _current(session, principal.crew_id, job_id)


async def _current(session: AsyncSession, crew_id: str, job_id: str) -> dict[str, Any]:
    job, ticket, category = await _load(session, crew_id, job_id)
    return await job_payload(session, job, ticket, category)


async def _apply_once(
    session: AsyncSession, principal: Principal, job_id: str, cmd: ActionCommand, announcer: Announcer
) -> tuple[bool, dict[str, Any]]:
    crew_id = principal.crew_id
    assert crew_id is not None
    previous = await _existing(session, cmd.client_id)
    if previous is not None:
        if previous.job_id != job_id:
            raise Conflict(
                f"client_id {cmd.client_id} was already used for job {previous.job_id}; "
                "make a new id for every action"
            )
        return False, await _current(session, crew_id, job_id)
    job, ticket, category = await _load(session, crew_id, job_id)
    if not job.active:
        raise Conflict(
            f"job {job.id} was taken off your list by a new plan, so '{cmd.action}' was not applied; "
            "reload your jobs"
        )
    at = cmd.at.astimezone(UTC)
    steps = _plan_steps(job, cmd.action)
    base = dict(job_id=job.id, crew_id=crew_id, action=cmd.action, at=at, reason=cmd.reason, note=cmd.note)
    if steps is None:
        if job.last_action_at is not None and at <= job.last_action_at:
            # An older action that reached the server after newer ones: keep it in the audit only.
            session.add(
                JobAction(
                    client_id=cmd.client_id,
                    from_status=job.status,
                    to_status=job.status,
                    late=True,
                    materials=cmd.materials,
                    **base,
                )
            )
            await session.commit()
            return True, await job_payload(session, job, ticket, category)
        raise IllegalTransition(
            f"job {job.id}",
            job.status,
            _FORWARD.get(cmd.action, cmd.action),
            allowed_actions(job.status),
        )
    status = last_from = job.status
    for step in steps:
        reason = cmd.reason
        if step.filled:
            reason = f"filled in: '{cmd.action}' arrived before this step was reported"
            session.add(
                JobAction(
                    client_id=None,
                    from_status=status,
                    to_status=step.to_status,
                    filled=True,
                    **{
                        **base,
                        "action": _NAMES.get(step.to_status, cmd.action),
                        "reason": reason,
                        "note": None,
                    },
                )
            )
        await _follow_ticket(session, ticket, step.to_status, principal, reason)
        last_from, status = status, step.to_status
    session.add(
        JobAction(
            client_id=cmd.client_id, from_status=last_from, to_status=status, materials=cmd.materials, **base
        )
    )
    if status == "paused":
        job.paused_from = job.status
    elif job.status == "paused":
        job.paused_from = None
    job.status = status
    job.last_action_at = max(at, job.last_action_at) if job.last_action_at else at
    job.updated_at = utcnow()
    await session.flush()
    await session.commit()
    payload = await job_payload(session, job, ticket, category)
    announcer.job(crew_id, JOB_UPDATED, payload)
    announcer.ticket({"id": ticket.id, "status": ticket.status, "crew_id": crew_id, "job_id": job.id})
    if status == "done":  # a completed plow run marks its streets plowed
        from dispatch_api.services import plowing

        await plowing.job_done(session, job.id, at, announcer)
    return True, payload
