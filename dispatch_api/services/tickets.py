"""Ticket use cases: intake (with district, priority and SLA derived), search, updates with optimistic
locking, the state machine with its audit trail, repeat calls, referrals and citizen tracking."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from dispatch_api.persistence.base import utcnow
from dispatch_api.persistence.models import Referral, RepeatCall, Ticket, TicketEvent
from dispatch_api.services import ticket_states as states
from dispatch_api.services.city import CityContext
from dispatch_api.services.errors import FieldError, IllegalTransition, NotFound, StaleVersion
from dispatch_api.services.principal import Principal
from dispatch_api.services.sla import sla_due_at
from dispatch_api.services.tracking import new_code, normalise

PRIORITIES = ("urgent", "high", "normal", "low")
SOURCES = ("phone", "web", "open311", "import", "app")
REFERRAL_STATUSES = ("sent", "acknowledged", "in_progress", "resolved", "declined")
# Every second repeat call raises the priority one step, up to `high` (urgent stays a human call).
REPEATS_PER_RAISE = 2
RAISE_CEILING = "high"

AGENCIES: dict[str, dict[str, str]] = {
    "city": {"fa": "شهرداری", "en": "the municipality"},
    "water_sewage": {"fa": "شرکت آب و فاضلاب", "en": "the Water and Sewage Company"},
    "power": {"fa": "شرکت توزیع برق", "en": "the Power Distribution Company"},
    "gas": {"fa": "شرکت گاز", "en": "the Gas Company"},
    "police": {"fa": "پلیس", "en": "the Police"},
    "traffic": {"fa": "پلیس راهور", "en": "the Traffic Police"},
}

STATUS_TEXT: dict[str, dict[str, str]] = {
    "new": {"fa": "ثبت شد", "en": "Received"},
    "triaged": {"fa": "در صف رسیدگی", "en": "Waiting for a crew"},
    "planned": {"fa": "در برنامه کار", "en": "Scheduled"},
    "assigned": {"fa": "به اکیپ سپرده شد", "en": "Assigned to a crew"},
    "accepted": {"fa": "اکیپ پذیرفت", "en": "Accepted by the crew"},
    "en_route": {"fa": "اکیپ در راه است", "en": "Crew on the way"},
    "on_site": {"fa": "اکیپ در محل است", "en": "Crew on site"},
    "done": {"fa": "انجام شد", "en": "Done"},
    "closed": {"fa": "بسته شد", "en": "Closed"},
    "referred": {"fa": "به دستگاه مسئول ارجاع شد", "en": "Referred to the responsible agency"},
    "duplicate": {
        "fa": "تکراری؛ با درخواست قبلی پیگیری می‌شود",
        "en": "Duplicate; followed up with an earlier request",
    },
    "rejected": {"fa": "رد شد", "en": "Rejected"},
    "cancelled": {"fa": "لغو شد", "en": "Cancelled"},
    "reopened": {"fa": "دوباره باز شد", "en": "Reopened"},
}


def priority_rank(priority: str) -> int:
    return PRIORITIES.index(priority)


@dataclass
class IntakeData:
    category: str
    lon: float
    lat: float
    address: str = ""
    description: str = ""
    reporter_name: str = ""
    reporter_phone: str = ""
    priority: str | None = None
    priority_reason: str | None = None
    repeat_of: int | None = None
    source: str = "phone"
    external_ref: str | None = None
    created_at: datetime | None = None


@dataclass
class IntakeResult:
    ticket: Ticket
    created: bool
    repeat_call: RepeatCall | None = None
    reopened: bool = False


@dataclass
class TicketFilter:
    status: Sequence[str] = ()
    district: Sequence[int] = ()
    category: Sequence[str] = ()
    priority: Sequence[str] = ()
    text: str | None = None
    min_age_hours: float | None = None
    max_age_hours: float | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    overdue: bool | None = None
    open: bool | None = None
    # Referrals whose follow-up date has come and that the agency has not finished.
    follow_up_due: bool | None = None
    sort: str = "-created_at"


@dataclass
class Actor:
    """Who makes a change, for the audit trail."""

    user_id: int | None
    name: str

    @classmethod
    def of(cls, principal: Principal | None, fallback: str = "system") -> Actor:
        if principal is None:
            return cls(None, fallback)
        return cls(principal.user_id, principal.label)


@dataclass
class TicketChanges:
    priority: str | None = None
    priority_reason: str | None = None
    address: str | None = None
    description: str | None = None
    fields_set: set[str] = field(default_factory=set)


# ---------------------------------------------------------------- helpers


def _record(
    session: AsyncSession,
    ticket: Ticket,
    actor: Actor,
    kind: str,
    from_value: str | None,
    to_value: str | None,
    reason: str | None = None,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    session.add(
        TicketEvent(
            ticket_id=ticket.id,
            at=at or utcnow(),
            actor_id=actor.user_id,
            actor_name=actor.name,
            kind=kind,
            from_value=from_value,
            to_value=to_value,
            reason=reason,
            data=data,
        )
    )


def _check_version(ticket: Ticket, version: int | None) -> None:
    if version is not None and version != ticket.version:
        raise StaleVersion(f"ticket {ticket.id}", version, ticket.version)


async def _flush(session: AsyncSession, ticket: Ticket, given: int | None) -> None:
    """Write the changes; a concurrent writer that got there first turns into StaleVersion (409)."""
    ticket_id = ticket.id
    try:
        await session.flush()
    except StaleDataError:
        await session.rollback()
        current = await session.scalar(select(Ticket.version).where(Ticket.id == ticket_id))
        raise StaleVersion(f"ticket {ticket_id}", given if given is not None else -1, current or -1) from None


def _visible(principal: Principal | None, ticket: Ticket) -> bool:
    if principal is None or principal.role != "contractor_manager":
        return True
    return ticket.district_code in principal.districts


async def get_ticket(session: AsyncSession, ticket_id: int, principal: Principal | None = None) -> Ticket:
    ticket = await session.get(Ticket, ticket_id)
    if ticket is None or not _visible(principal, ticket):
        raise NotFound("ticket", ticket_id)
    return ticket


def _set_status(
    session: AsyncSession,
    ticket: Ticket,
    to: str,
    actor: Actor,
    reason: str | None,
    data: dict[str, Any] | None = None,
) -> None:
    allowed = states.allowed_next(ticket.status)
    if to not in allowed:
        raise IllegalTransition(f"ticket {ticket.id}", ticket.status, to, allowed)
    previous = ticket.status
    ticket.status = to
    if to in states.CLOSING_STATES:
        ticket.closed_at = ticket.closed_at or utcnow()
    elif to in states.OPEN_STATES:
        ticket.closed_at = None
    if to in {"rejected", "cancelled", "duplicate", "referred"} or reason:
        ticket.status_reason = reason
    _record(session, ticket, actor, "status", previous, to, reason, data)


# ---------------------------------------------------------------- intake


def validate_intake(city: CityContext, data: IntakeData) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = []
    if city.category(data.category) is None:
        known = ", ".join(sorted(city.categories)) or "none loaded"
        errors.append(("category", f"unknown category {data.category!r}; known: {known}"))
    if not (math.isfinite(data.lon) and -180 <= data.lon <= 180):
        errors.append(("lon", f"longitude {data.lon} is outside -180…180"))
    if not (math.isfinite(data.lat) and -90 <= data.lat <= 90):
        errors.append(("lat", f"latitude {data.lat} is outside -90…90"))
    if data.priority is not None:
        if data.priority not in PRIORITIES:
            errors.append(("priority", f"must be one of {', '.join(PRIORITIES)}"))
        elif not (data.priority_reason or "").strip():
            errors.append(("priority_reason", "say why the priority differs from the category's default"))
    phone = data.reporter_phone.strip()
    if phone and not (phone.lstrip("+").isdigit() and 5 <= len(phone.lstrip("+")) <= 15):
        errors.append(("reporter_phone", "digits only (5 to 15), e.g. 09121234567"))
    if data.source not in SOURCES:
        errors.append(("source", f"must be one of {', '.join(SOURCES)}"))
    if data.created_at is not None and data.created_at.tzinfo is None:
        errors.append(("created_at", "give a time zone, e.g. 2026-11-22T08:30:00Z"))
    return errors


async def _unique_code(session: AsyncSession) -> str:
    for _ in range(20):
        code = new_code()
        if await session.scalar(select(Ticket.id).where(Ticket.tracking_code == code)) is None:
            return code
    raise RuntimeError("could not draw a free tracking code in 20 tries")


async def intake(
    session: AsyncSession,
    city: CityContext,
    data: IntakeData,
    principal: Principal | None,
    *,
    reopen_days: int = 7,
    follow_up_days: int = 3,
    actor_name: str = "system",
    commit: bool = True,
) -> IntakeResult:
    """File a call: a new ticket, or (with `repeat_of`) a repeat call linked to an existing one."""
    errors = validate_intake(city, data)
    if errors:
        raise FieldError(errors)
    actor = Actor.of(principal, actor_name)
    if data.repeat_of is not None:
        result = await link_repeat_call(session, city, data, actor, reopen_days=reopen_days)
        if commit:
            await session.commit()
        return result
    category = city.categories[data.category]
    created = data.created_at or utcnow()
    district = city.locate(data.lon, data.lat)
    priority = data.priority or category.default_priority
    ticket = Ticket(
        tracking_code=await _unique_code(session),
        category_code=category.code,
        status="new",
        priority=priority,
        priority_reason=(data.priority_reason or None) if data.priority else None,
        district_code=district,
        lon=data.lon,
        lat=data.lat,
        address=data.address.strip(),
        description=data.description.strip(),
        reporter_name=data.reporter_name.strip(),
        reporter_phone=data.reporter_phone.strip(),
        source=data.source,
        external_ref=data.external_ref,
        created_at=created,
        updated_at=created,
        sla_due_at=sla_due_at(city.calendar, category.calendar, created, category.sla_hours),
        created_by_id=actor.user_id,
        referral=None,
    )
    session.add(ticket)
    await session.flush()
    derived = {
        "district": district,
        "priority": priority,
        "sla_due_at": ticket.sla_due_at.isoformat(),
        "calendar": category.calendar,
    }
    _record(session, ticket, actor, "created", None, "new", None, derived, at=created)
    if data.priority and data.priority != category.default_priority:
        _record(session, ticket, actor, "priority", category.default_priority, priority, data.priority_reason)
    system = Actor(None, "system")
    if category.remit != "city":
        await _refer(session, ticket, category.remit, system, follow_up_days)
    elif district is None:
        ticket.status_reason = "the location is outside every district; correct the location, then triage"
    else:
        _set_status(session, ticket, "triaged", system, f"district {district}, priority {priority}")
    await session.flush()
    if commit:
        await session.commit()
    return IntakeResult(ticket=ticket, created=True)


async def _refer(
    session: AsyncSession, ticket: Ticket, agency: str, actor: Actor, follow_up_days: int
) -> None:
    names = AGENCIES.get(agency, {"fa": agency, "en": agency})
    _set_status(session, ticket, "referred", actor, f"handled by {names['en']}", {"agency": agency})
    follow_up = (utcnow() + timedelta(days=follow_up_days)).date()
    existing = await session.scalar(select(Referral).where(Referral.ticket_id == ticket.id))
    if existing is None:
        ticket.referral = Referral(ticket_id=ticket.id, agency=agency, status="sent", follow_up_on=follow_up)
    else:
        existing.agency, existing.status, existing.follow_up_on = agency, "sent", follow_up


async def link_repeat_call(
    session: AsyncSession, city: CityContext, data: IntakeData, actor: Actor, *, reopen_days: int
) -> IntakeResult:
    assert data.repeat_of is not None
    ticket = await session.get(Ticket, data.repeat_of)
    if ticket is None:
        raise FieldError(
            [("repeat_of", f"ticket {data.repeat_of} does not exist; search nearby tickets first")]
        )
    seen = {ticket.id}
    while (
        ticket.status == "duplicate"
        and ticket.duplicate_of_id is not None
        and ticket.duplicate_of_id not in seen
    ):
        master = await session.get(Ticket, ticket.duplicate_of_id)
        if master is None:
            break
        ticket = master
        seen.add(ticket.id)
    if ticket.category_code != data.category:
        raise FieldError(
            [("repeat_of", f"ticket {ticket.id} is about {ticket.category_code!r}, not {data.category!r}")]
        )
    now = data.created_at or utcnow()
    reopen = False
    if ticket.status in {"done", "closed"}:
        closed = ticket.closed_at or ticket.updated_at
        if now - closed > timedelta(days=reopen_days):
            raise FieldError(
                [
                    (
                        "repeat_of",
                        f"ticket {ticket.id} was closed more than {reopen_days} days ago; file a new ticket",
                    )
                ]
            )
        reopen = True
    call = RepeatCall(
        ticket_id=ticket.id,
        at=now,
        lon=data.lon,
        lat=data.lat,
        description=data.description.strip(),
        reporter_name=data.reporter_name.strip(),
        reporter_phone=data.reporter_phone.strip(),
        source=data.source,
        created_by_id=actor.user_id,
    )
    session.add(call)
    ticket.repeat_count += 1
    _record(
        session,
        ticket,
        actor,
        "repeat_call",
        str(ticket.repeat_count - 1),
        str(ticket.repeat_count),
        data.description.strip() or None,
    )
    if ticket.repeat_count % REPEATS_PER_RAISE == 0 and priority_rank(ticket.priority) > priority_rank(
        RAISE_CEILING
    ):
        raised = PRIORITIES[priority_rank(ticket.priority) - 1]
        _record(
            session,
            ticket,
            actor,
            "priority",
            ticket.priority,
            raised,
            f"raised after {ticket.repeat_count} repeat calls",
        )
        ticket.priority = raised
    if reopen:
        _set_status(session, ticket, "reopened", actor, "the citizen called again about it")
    await _flush(session, ticket, None)
    return IntakeResult(ticket=ticket, created=False, repeat_call=call, reopened=reopen)


# ---------------------------------------------------------------- nearby (repeat-call suggestions)


async def nearby(
    session: AsyncSession,
    city: CityContext,
    category: str,
    lon: float,
    lat: float,
    principal: Principal | None = None,
    *,
    reopen_days: int = 7,
    radius_m: int | None = None,
) -> list[tuple[Ticket, float]]:
    """Open or recently closed tickets of this category within its repeat radius, nearest first."""
    info = city.category(category)
    if info is None:
        raise FieldError([("category", f"unknown category {category!r}")])
    radius = float(radius_m or info.repeat_radius_m or 250)
    # A generous lon/lat box first (cheap, indexed by status), then exact metric distances.
    dlat = radius / 111_000 * 1.5
    dlon = dlat / max(0.1, math.cos(math.radians(lat)))
    since = utcnow() - timedelta(days=reopen_days)
    query = select(Ticket).where(
        Ticket.category_code == category,
        Ticket.lon.between(lon - dlon, lon + dlon),
        Ticket.lat.between(lat - dlat, lat + dlat),
        or_(
            Ticket.status.in_(sorted(states.OPEN_STATES | {"referred"})),
            Ticket.status.in_(["done", "closed"]) & (Ticket.closed_at >= since),
        ),
    )
    rows = [t for t in (await session.scalars(query)).all() if _visible(principal, t)]
    if not rows:
        return []
    xs, ys = city.metric([lon, *(t.lon for t in rows)], [lat, *(t.lat for t in rows)])
    found = []
    for i, ticket in enumerate(rows, start=1):
        dist = float(math.hypot(xs[i] - xs[0], ys[i] - ys[0]))
        if dist <= radius:
            found.append((ticket, dist))
    found.sort(key=lambda pair: pair[1])
    return found


# ---------------------------------------------------------------- search


def _apply_filter(query: Select[Any], flt: TicketFilter, principal: Principal | None) -> Select[Any]:
    if principal is not None and principal.role == "contractor_manager":
        query = query.where(Ticket.district_code.in_(sorted(principal.districts)))
    if flt.status:
        query = query.where(Ticket.status.in_(list(flt.status)))
    if flt.open is True:
        query = query.where(Ticket.status.in_(sorted(states.OPEN_STATES)))
    elif flt.open is False:
        query = query.where(Ticket.status.not_in(sorted(states.OPEN_STATES)))
    if flt.district:
        query = query.where(Ticket.district_code.in_(list(flt.district)))
    if flt.category:
        query = query.where(Ticket.category_code.in_(list(flt.category)))
    if flt.priority:
        query = query.where(Ticket.priority.in_(list(flt.priority)))
    now = utcnow()
    if flt.min_age_hours is not None:
        query = query.where(Ticket.created_at <= now - timedelta(hours=flt.min_age_hours))
    if flt.max_age_hours is not None:
        query = query.where(Ticket.created_at >= now - timedelta(hours=flt.max_age_hours))
    if flt.created_from is not None:
        query = query.where(Ticket.created_at >= flt.created_from)
    if flt.created_to is not None:
        query = query.where(Ticket.created_at < flt.created_to)
    if flt.overdue is True:
        query = query.where(Ticket.sla_due_at < now, Ticket.status.in_(sorted(states.OPEN_STATES)))
    elif flt.overdue is False:
        query = query.where(or_(Ticket.sla_due_at >= now, Ticket.status.not_in(sorted(states.OPEN_STATES))))
    if flt.follow_up_due:
        due = select(Referral.ticket_id).where(
            Referral.follow_up_on <= now.date(), Referral.status.not_in(["resolved", "declined"])
        )
        query = query.where(Ticket.status == "referred", Ticket.id.in_(due))
    if flt.text:
        term = f"%{flt.text.strip().lower()}%"
        code = normalise(flt.text)
        conditions: list[ColumnElement[bool]] = [
            func.lower(Ticket.address).like(term),
            func.lower(Ticket.description).like(term),
            func.lower(Ticket.reporter_name).like(term),
            func.lower(Ticket.tracking_code).like(term),
        ]
        if code:
            conditions.append(Ticket.tracking_code == code)
        if flt.text.strip().isdigit():
            conditions.append(Ticket.id == int(flt.text.strip()))
        query = query.where(or_(*conditions))
    return query


_PRIORITY_ORDER = case({p: i for i, p in enumerate(PRIORITIES)}, value=Ticket.priority, else_=len(PRIORITIES))

SORTS = {
    "priority": (_PRIORITY_ORDER.asc(), Ticket.sla_due_at.asc(), Ticket.id.asc()),
    "created_at": (Ticket.created_at.asc(), Ticket.id.asc()),
    "-created_at": (Ticket.created_at.desc(), Ticket.id.desc()),
    "sla_due_at": (Ticket.sla_due_at.asc(), Ticket.id.asc()),
    "-sla_due_at": (Ticket.sla_due_at.desc(), Ticket.id.desc()),
    "id": (Ticket.id.asc(),),
    "-id": (Ticket.id.desc(),),
}


async def search(
    session: AsyncSession, flt: TicketFilter, principal: Principal | None, offset: int, limit: int
) -> tuple[list[Ticket], int]:
    errors: list[tuple[str, str]] = []
    if flt.sort not in SORTS:
        errors.append(("sort", f"must be one of {', '.join(SORTS)}"))
    unknown_states = sorted(set(flt.status) - set(states.STATES))
    if unknown_states:
        errors.append(("status", f"unknown {unknown_states}; one of {', '.join(states.STATES)}"))
    unknown_priorities = sorted(set(flt.priority) - set(PRIORITIES))
    if unknown_priorities:
        errors.append(("priority", f"unknown {unknown_priorities}; one of {', '.join(PRIORITIES)}"))
    if errors:
        raise FieldError(errors)
    base = _apply_filter(select(Ticket), flt, principal)
    total = await session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = (await session.scalars(base.order_by(*SORTS[flt.sort]).offset(offset).limit(limit))).all()
    return list(rows), int(total)


# ---------------------------------------------------------------- changes


async def update_ticket(
    session: AsyncSession, ticket_id: int, version: int, changes: TicketChanges, principal: Principal
) -> Ticket:
    ticket = await get_ticket(session, ticket_id, principal)
    _check_version(ticket, version)
    actor = Actor.of(principal)
    if "priority" in changes.fields_set and changes.priority is not None:
        if changes.priority not in PRIORITIES:
            raise FieldError([("priority", f"must be one of {', '.join(PRIORITIES)}")])
        reason = (changes.priority_reason or "").strip()
        if not reason:
            raise FieldError([("priority_reason", "say why the priority is changed")])
        if changes.priority != ticket.priority:
            _record(session, ticket, actor, "priority", ticket.priority, changes.priority, reason)
            ticket.priority = changes.priority
            ticket.priority_reason = reason
    for name in ("address", "description"):
        if name in changes.fields_set:
            value = (getattr(changes, name) or "").strip()
            if value != getattr(ticket, name):
                _record(session, ticket, actor, "update", None, None, None, {"field": name})
                setattr(ticket, name, value)
    ticket.updated_at = utcnow()
    await _flush(session, ticket, version)
    await session.commit()
    return ticket


async def transition(
    session: AsyncSession,
    ticket_id: int,
    to: str,
    version: int | None,
    principal: Principal | None,
    *,
    reason: str | None = None,
    duplicate_of: int | None = None,
    agency: str | None = None,
    follow_up_days: int = 3,
    actor_name: str = "system",
    commit: bool = True,
) -> Ticket:
    """Move a ticket to `to` if the state machine allows it; the change is audited.

    `version` (when given) must match the ticket's current version, else StaleVersion (409).
    Other areas (planning, crew jobs) call this with `commit=False` inside their own transaction.
    """
    if to not in states.STATES:
        raise FieldError([("status", f"unknown status {to!r}; one of {', '.join(states.STATES)}")])
    ticket = await get_ticket(session, ticket_id, principal)
    _check_version(ticket, version)
    actor = Actor.of(principal, actor_name)
    allowed = states.allowed_next(ticket.status)
    if to not in allowed:
        raise IllegalTransition(f"ticket {ticket.id}", ticket.status, to, allowed)
    reason = (reason or "").strip() or None
    if to in states.NEEDS_REASON and not reason:
        what = "a reason the citizen can read" if to == "rejected" else "a reason"
        raise FieldError([("reason", f"moving to '{to}' needs {what}")])
    if to == "duplicate":
        if duplicate_of is None:
            raise FieldError([("duplicate_of", "name the ticket this one duplicates")])
        if duplicate_of == ticket.id:
            raise FieldError([("duplicate_of", "a ticket cannot duplicate itself")])
        master = await session.get(Ticket, duplicate_of)
        if master is None:
            raise FieldError([("duplicate_of", f"ticket {duplicate_of} does not exist")])
        ticket.duplicate_of_id = master.id
        master.repeat_count += 1
        _record(
            session,
            master,
            actor,
            "repeat_call",
            str(master.repeat_count - 1),
            str(master.repeat_count),
            f"ticket {ticket.id} marked as its duplicate",
            {"duplicate": ticket.id},
        )
        _set_status(session, ticket, "duplicate", actor, reason, {"duplicate_of": master.id})
    elif to == "referred":
        category_remit = agency or await _category_remit(session, ticket)
        if category_remit not in AGENCIES or category_remit == "city":
            raise FieldError(
                [("agency", f"name the agency: one of {', '.join(a for a in AGENCIES if a != 'city')}")]
            )
        await _refer(session, ticket, category_remit, actor, follow_up_days)
        if reason:
            ticket.status_reason = reason
    else:
        if to == "reopened":
            ticket.duplicate_of_id = None
        _set_status(session, ticket, to, actor, reason)
    ticket.updated_at = utcnow()
    await _flush(session, ticket, version)
    if commit:
        await session.commit()
    return ticket


async def _category_remit(session: AsyncSession, ticket: Ticket) -> str:
    from dispatch_api.persistence.models import Category

    category = await session.get(Category, ticket.category_code)
    return category.remit if category is not None else "city"


async def update_referral(
    session: AsyncSession,
    ticket_id: int,
    principal: Principal,
    *,
    agency_reference: str | None,
    status: str | None,
    follow_up_on: Any,
    note: str | None,
    fields_set: set[str],
) -> Referral:
    ticket = await get_ticket(session, ticket_id, principal)
    referral = await session.scalar(select(Referral).where(Referral.ticket_id == ticket.id))
    if referral is None:
        raise NotFound("referral of ticket", ticket_id)
    if "status" in fields_set and status is not None and status not in REFERRAL_STATUSES:
        raise FieldError([("status", f"must be one of {', '.join(REFERRAL_STATUSES)}")])
    actor = Actor.of(principal)
    changed: dict[str, Any] = {}
    for name, value in (
        ("agency_reference", agency_reference),
        ("status", status),
        ("follow_up_on", follow_up_on),
        ("note", note),
    ):
        if name in fields_set and getattr(referral, name) != value:
            changed[name] = value.isoformat() if isinstance(value, date) else value
            setattr(referral, name, value)
    if changed:
        referral.updated_at = utcnow()
        _record(session, ticket, actor, "referral", None, referral.status, note, changed)
    await session.commit()
    return referral


async def events(
    session: AsyncSession, ticket_id: int, offset: int, limit: int
) -> tuple[list[TicketEvent], int]:
    query = select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = (
        await session.scalars(query.order_by(TicketEvent.at, TicketEvent.id).offset(offset).limit(limit))
    ).all()
    return list(rows), int(total)


async def repeat_calls(session: AsyncSession, ticket_id: int) -> list[RepeatCall]:
    query = select(RepeatCall).where(RepeatCall.ticket_id == ticket_id).order_by(RepeatCall.at, RepeatCall.id)
    return list((await session.scalars(query)).all())


async def by_tracking_code(session: AsyncSession, code: str) -> Ticket:
    canonical = normalise(code)
    if canonical is None:
        raise NotFound("tracking code", code)
    ticket = await session.scalar(select(Ticket).where(Ticket.tracking_code == canonical))
    if ticket is None:
        raise NotFound("tracking code", canonical)
    if ticket.status == "duplicate" and ticket.duplicate_of_id is not None:
        master = await session.get(Ticket, ticket.duplicate_of_id)
        if master is not None:
            return master
    return ticket
