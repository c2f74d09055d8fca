"""Declaring and ending a snow emergency, and what it does to the tickets while it lasts.

While an emergency is active, in its districts:

- open snow tickets (categories whose skill is ``snow``: snow clearing, salting) jump the queue:
  their priority is raised to ``urgent`` with the reason in the ticket's audit trail;
- open tickets of deferrable categories (pruning, irrigation, road paint, dredging…) that are
  still waiting for planning are *held*: never deleted, only left out of planning
  (``held_ticket_ids``), each hold recorded in the audit trail;
- plans use the emergency's snow level for travel times (``active_level``).

Tickets that arrive during the emergency are caught by ``sweep`` (planning calls it before each
plan). Ending the emergency restores what it changed: a raised ticket gets its own priority back
(unless someone changed it since), a held ticket returns to planning; both are audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_api.persistence.base import utcnow
from dispatch_api.persistence.models import Category, District, Ticket, TicketEvent
from dispatch_api.persistence.models.snow import SnowEmergency, SnowPlowRun, SnowTicketChange
from dispatch_api.services.errors import Conflict, FieldError, NotFound
from dispatch_api.services.events import Announcer
from dispatch_api.services.principal import Principal
from dispatch_api.services.ticket_states import OPEN_STATES

SNOW_SKILL = "snow"
LEVELS = (1, 2, 3)
# Deferrable work is held only while nobody has it yet; work already with a crew is left alone.
HOLDABLE_STATES = frozenset({"new", "triaged", "reopened"})
RAISED, HELD = "raised", "held"


@dataclass(frozen=True)
class Declaration:
    level: int
    districts: tuple[int, ...]
    start_at: datetime
    expected_end_at: datetime
    note: str | None = None


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value is not None else None


def emergency_json(row: SnowEmergency, counts: dict[str, int] | None = None) -> dict[str, Any]:
    return {
        "id": row.id,
        "level": row.level,
        "districts": list(row.districts),
        "start_at": _iso(row.start_at),
        "expected_end_at": _iso(row.expected_end_at),
        "status": row.status,
        "note": row.note,
        "declared_at": _iso(row.declared_at),
        "ended_at": _iso(row.ended_at),
        "version": row.version,
        "tickets": counts or {},
    }


async def active(session: AsyncSession) -> SnowEmergency | None:
    found: SnowEmergency | None = await session.scalar(
        select(SnowEmergency)
        .where(SnowEmergency.status == "active")
        .order_by(SnowEmergency.id.desc())
        .limit(1)
    )
    return found


async def active_level(session: AsyncSession) -> int | None:
    """The snow level plans should use for travel times now, or None when no emergency is on."""
    row = await active(session)
    return row.level if row is not None else None


async def get(session: AsyncSession, emergency_id: int) -> SnowEmergency:
    row = await session.get(SnowEmergency, emergency_id)
    if row is None:
        raise NotFound("snow emergency", emergency_id)
    return row


async def counts(session: AsyncSession, emergency_id: int) -> dict[str, int]:
    """How many tickets the emergency has raised and holds now."""
    rows = (
        await session.scalars(
            select(SnowTicketChange.kind).where(
                SnowTicketChange.emergency_id == emergency_id, SnowTicketChange.restored_at.is_(None)
            )
        )
    ).all()
    return {RAISED: sum(1 for k in rows if k == RAISED), HELD: sum(1 for k in rows if k == HELD)}


async def held_ticket_ids(session: AsyncSession) -> set[int]:
    """Tickets held back from planning by an active emergency."""
    rows = await session.scalars(
        select(SnowTicketChange.ticket_id).where(
            SnowTicketChange.kind == HELD, SnowTicketChange.restored_at.is_(None)
        )
    )
    return set(rows.all())


async def plow_run_ticket_ids(session: AsyncSession, ticket_ids: Sequence[int]) -> set[int]:
    """Which of ``ticket_ids`` are plow runs given to crews (planning leaves them alone)."""
    if not ticket_ids:
        return set()
    rows = await session.scalars(
        select(SnowPlowRun.ticket_id).where(SnowPlowRun.ticket_id.in_(list(ticket_ids)))
    )
    return set(rows.all())


async def _validate(session: AsyncSession, data: Declaration) -> None:
    errors: list[tuple[str, str]] = []
    if data.level not in LEVELS:
        errors.append(("level", "must be 1 (light), 2 (heavy) or 3 (severe)"))
    known = set((await session.scalars(select(District.code))).all())
    if not data.districts:
        errors.append(("districts", f"choose at least one district; the city has {sorted(known)}"))
    unknown = sorted(set(data.districts) - known)
    if unknown:
        errors.append(("districts", f"unknown district codes {unknown}; the city has {sorted(known)}"))
    for name, value in (("start_at", data.start_at), ("expected_end_at", data.expected_end_at)):
        if value.tzinfo is None:
            errors.append((name, "give the time with its offset, e.g. 2026-01-26T03:30:00+03:30"))
    if not errors and data.expected_end_at <= data.start_at:
        errors.append(("expected_end_at", "must be after start_at"))
    if data.note is not None and len(data.note) > 2000:
        errors.append(("note", "keep the note under 2000 characters"))
    if errors:
        raise FieldError(errors)


def _event(
    ticket: Ticket, actor: Principal | None, kind: str, old: str, new: str, reason: str
) -> TicketEvent:
    return TicketEvent(
        ticket_id=ticket.id,
        at=utcnow(),
        actor_id=actor.user_id if actor else None,
        actor_name=actor.label if actor else "system",
        kind=kind,
        from_value=old,
        to_value=new,
        reason=reason,
        data={"snow_emergency": True},
    )


async def apply(session: AsyncSession, emergency: SnowEmergency, actor: Principal | None) -> list[Ticket]:
    """Raise the open snow tickets and hold the waiting deferrable ones of the emergency's districts
    that it has not touched yet. Returns the tickets changed (not committed)."""
    touched = set(
        (
            await session.scalars(
                select(SnowTicketChange.ticket_id).where(SnowTicketChange.emergency_id == emergency.id)
            )
        ).all()
    )
    rows = (
        await session.execute(
            select(Ticket, Category)
            .join(Category, Category.code == Ticket.category_code)
            .where(
                Ticket.district_code.in_(list(emergency.districts)),
                Ticket.status.in_(sorted(OPEN_STATES)),
                Ticket.duplicate_of_id.is_(None),
                (Category.skill == SNOW_SKILL) | Category.deferrable.is_(True),
            )
            .order_by(Ticket.id)
        )
    ).all()
    changed: list[Ticket] = []
    label = f"snow emergency #{emergency.id} (level {emergency.level})"
    for ticket, category in rows:
        if ticket.id in touched:
            continue
        if category.skill == SNOW_SKILL:
            if ticket.priority == "urgent":
                continue
            reason = f"{label}: snow and salting work goes first"
            session.add(_change(emergency, ticket, RAISED))
            session.add(_event(ticket, actor, "priority", ticket.priority, "urgent", reason))
            ticket.priority = "urgent"
            ticket.priority_reason = reason
            changed.append(ticket)
        elif category.deferrable and ticket.status in HOLDABLE_STATES:
            reason = f"{label}: deferrable work is held until the emergency ends"
            session.add(_change(emergency, ticket, HELD))
            session.add(_event(ticket, actor, "hold", ticket.status, HELD, reason))
            changed.append(ticket)
    return changed


def _change(emergency: SnowEmergency, ticket: Ticket, kind: str) -> SnowTicketChange:
    return SnowTicketChange(
        emergency_id=emergency.id,
        ticket_id=ticket.id,
        kind=kind,
        original_priority=ticket.priority,
        original_priority_reason=ticket.priority_reason,
        original_status=ticket.status,
        changed_at=utcnow(),
    )


def _announce(announcer: Announcer | None, tickets: Sequence[Ticket]) -> None:
    if announcer is None:
        return
    for t in tickets:
        announcer.ticket({"id": t.id, "status": t.status, "priority": t.priority})


async def declare(
    session: AsyncSession, data: Declaration, principal: Principal, announcer: Announcer | None = None
) -> SnowEmergency:
    """Declare an emergency (one at a time) and apply it to the open tickets."""
    await _validate(session, data)
    current = await active(session)
    if current is not None:
        raise Conflict(
            f"snow emergency #{current.id} (level {current.level}) is active; "
            "change or end it before declaring another"
        )
    row = SnowEmergency(
        level=data.level,
        districts=sorted(set(data.districts)),
        start_at=data.start_at.astimezone(UTC),
        expected_end_at=data.expected_end_at.astimezone(UTC),
        status="active",
        note=(data.note or "").strip() or None,
        declared_by_id=principal.user_id,
        declared_at=utcnow(),
    )
    session.add(row)
    await session.flush()
    changed = await apply(session, row, principal)
    await session.commit()
    _announce(announcer, changed)
    return row


async def sweep(session: AsyncSession, principal: Principal | None = None) -> int:
    """Apply the active emergency to tickets that arrived since it was declared; committed.
    Returns how many tickets changed."""
    row = await active(session)
    if row is None:
        return 0
    changed = await apply(session, row, principal)
    if changed:
        await session.commit()
    return len(changed)


async def end(
    session: AsyncSession,
    emergency_id: int,
    principal: Principal,
    announcer: Announcer | None = None,
    version: int | None = None,
) -> SnowEmergency:
    """End the emergency: raised tickets get their own priority back, held tickets return to planning."""
    row = await get(session, emergency_id)
    if row.status != "active":
        raise Conflict(f"snow emergency #{row.id} already ended at {_iso(row.ended_at)}")
    if version is not None and version != row.version:
        raise Conflict(
            f"snow emergency #{row.id} changed since you loaded it (version {row.version}); reload"
        )
    changes = (
        await session.scalars(
            select(SnowTicketChange)
            .where(SnowTicketChange.emergency_id == row.id, SnowTicketChange.restored_at.is_(None))
            .order_by(SnowTicketChange.id)
        )
    ).all()
    now = utcnow()
    label = f"snow emergency #{row.id} ended"
    restored: list[Ticket] = []
    for change in changes:
        ticket = await session.get(Ticket, change.ticket_id)
        change.restored_at = now
        if ticket is None:
            continue
        if change.kind == RAISED:
            # Someone who changed the priority by hand since has the last word.
            if ticket.priority == "urgent" and ticket.priority != change.original_priority:
                session.add(
                    _event(
                        ticket,
                        principal,
                        "priority",
                        "urgent",
                        change.original_priority,
                        f"{label}: priority back to what it was",
                    )
                )
                ticket.priority = change.original_priority
                ticket.priority_reason = change.original_priority_reason
                restored.append(ticket)
        else:
            session.add(_event(ticket, principal, "hold", HELD, ticket.status, f"{label}: back to planning"))
            restored.append(ticket)
    row.status = "ended"
    row.ended_at = now
    row.ended_by_id = principal.user_id
    await session.commit()
    _announce(announcer, restored)
    return row
