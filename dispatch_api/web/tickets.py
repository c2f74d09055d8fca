"""Ticket endpoints: intake, search, read, change, transitions, audit, repeat calls, import, tracking."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import msgspec
from litestar import Request, Response, get, patch, post
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_api.persistence.models import Ticket
from dispatch_api.services import ticket_import, tickets
from dispatch_api.services.city import CityContext
from dispatch_api.services.errors import FieldError
from dispatch_api.settings import Settings
from dispatch_api.web.deps import PageQuery, page_body
from dispatch_api.web.events import announcer
from dispatch_api.web.security import current, require_roles
from dispatch_api.web.views import citizen_json, event_json, repeat_call_json, ticket_json

READERS = require_roles("operator", "dispatcher", "coordinator", "contractor_manager")
WRITERS = require_roles("operator", "dispatcher")
MOVERS = require_roles("operator", "dispatcher", "coordinator")


class TicketIn(msgspec.Struct, forbid_unknown_fields=True):
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


class TicketPatch(msgspec.Struct, forbid_unknown_fields=True):
    version: int
    priority: str | msgspec.UnsetType = msgspec.UNSET
    priority_reason: str | msgspec.UnsetType = msgspec.UNSET
    address: str | msgspec.UnsetType = msgspec.UNSET
    description: str | msgspec.UnsetType = msgspec.UNSET


class TransitionIn(msgspec.Struct, forbid_unknown_fields=True):
    to: str
    version: int
    reason: str | None = None
    duplicate_of: int | None = None
    agency: str | None = None


class ReferralPatch(msgspec.Struct, forbid_unknown_fields=True):
    agency_reference: str | msgspec.UnsetType | None = msgspec.UNSET
    status: str | msgspec.UnsetType = msgspec.UNSET
    follow_up_on: date | msgspec.UnsetType | None = msgspec.UNSET
    note: str | msgspec.UnsetType | None = msgspec.UNSET


def announce_ticket(request: Request[Any, Any, Any], ticket: Ticket) -> None:
    """Tell live screens (the dispatcher console) that this ticket changed."""
    announcer(request).ticket({"id": ticket.id, "status": ticket.status, "priority": ticket.priority})


def _patched(data: msgspec.Struct) -> tuple[dict[str, Any], set[str]]:
    """A PATCH body's fields (None where absent) and the names it actually carries (an explicit
    null included), so a service can tell "leave as is" from "clear"."""
    names = [name for name in data.__struct_fields__ if name != "version"]
    given = {name for name in names if getattr(data, name) is not msgspec.UNSET}
    return {name: getattr(data, name) if name in given else None for name in names}, given


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _ints(value: str | None, field: str) -> list[int]:
    try:
        return [int(v) for v in _split(value)]
    except ValueError:
        raise FieldError([(field, "comma-separated whole numbers, e.g. 1,3,7")]) from None


async def file_call(
    request: Request[Any, Any, Any],
    data: TicketIn,
    db_session: AsyncSession,
    city: CityContext,
    settings: Settings,
) -> Response[Any]:
    """File a call through intake (a new ticket, or a repeat call linked to one) and tell the
    live screens; 201 for a new ticket, 200 for a repeat call."""
    principal = current(request)
    result = await tickets.intake(
        db_session,
        city,
        tickets.IntakeData(**msgspec.structs.asdict(data)),
        principal,
        reopen_days=settings.repeat_reopen_days,
        follow_up_days=settings.referral_follow_up_days,
    )
    announce_ticket(request, result.ticket)
    body: dict[str, Any] = {"ticket": ticket_json(result.ticket, city, principal), "created": result.created}
    if result.repeat_call is not None:
        body["repeat_call"] = repeat_call_json(result.repeat_call, principal)
        body["reopened"] = result.reopened
    return Response(body, status_code=201 if result.created else 200)


@post("/api/tickets", guards=[WRITERS], tags=["tickets"], summary="File a call (new ticket or repeat call)")
async def create_ticket(
    request: Request[Any, Any, Any],
    data: TicketIn,
    db_session: AsyncSession,
    city: CityContext,
    settings: Settings,
) -> Response[Any]:
    return await file_call(request, data, db_session, city, settings)


@get("/api/tickets", guards=[READERS], tags=["tickets"], summary="Search, filter and page tickets")
async def list_tickets(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    city: CityContext,
    paging: PageQuery,
    status: str | None = Parameter(default=None, description="comma-separated statuses"),
    district: str | None = Parameter(default=None, description="comma-separated district codes"),
    category: str | None = Parameter(default=None, description="comma-separated category codes"),
    priority: str | None = Parameter(default=None, description="comma-separated priorities"),
    q: str | None = Parameter(
        default=None, description="text in address, description, name or tracking code"
    ),
    min_age_h: float | None = Parameter(
        default=None, ge=0, description="created at least this many hours ago"
    ),
    max_age_h: float | None = Parameter(
        default=None, ge=0, description="created at most this many hours ago"
    ),
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    overdue: bool | None = None,
    is_open: bool | None = Parameter(query="open", default=None),
    follow_up_due: bool | None = Parameter(default=None, description="referrals due for a follow-up call"),
    sort: str = "-created_at",
) -> dict[str, Any]:
    principal = current(request)
    flt = tickets.TicketFilter(
        status=_split(status),
        district=_ints(district, "district"),
        category=_split(category),
        priority=_split(priority),
        text=q,
        min_age_hours=min_age_h,
        max_age_hours=max_age_h,
        created_from=created_from,
        created_to=created_to,
        overdue=overdue,
        open=is_open,
        follow_up_due=follow_up_due,
        sort=sort,
    )
    rows, total = await tickets.search(db_session, flt, principal, paging.offset, paging.per_page)
    return page_body([ticket_json(t, city, principal) for t in rows], total, paging)


@get("/api/tickets/nearby", guards=[WRITERS], tags=["tickets"], summary="Tickets a new call may repeat")
async def nearby_tickets(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    city: CityContext,
    settings: Settings,
    category: str,
    lon: float = Parameter(ge=-180, le=180),
    lat: float = Parameter(ge=-90, le=90),
) -> dict[str, Any]:
    principal = current(request)
    found = await tickets.nearby(
        db_session, city, category, lon, lat, principal, reopen_days=settings.repeat_reopen_days
    )
    info = city.category(category)
    return {
        "radius_m": info.repeat_radius_m if info else None,
        "items": [{**ticket_json(t, city, principal), "distance_m": round(d, 1)} for t, d in found],
    }


@get("/api/tickets/{ticket_id:int}", guards=[READERS], tags=["tickets"])
async def read_ticket(
    request: Request[Any, Any, Any], ticket_id: int, db_session: AsyncSession, city: CityContext
) -> dict[str, Any]:
    principal = current(request)
    ticket = await tickets.get_ticket(db_session, ticket_id, principal)
    calls = await tickets.repeat_calls(db_session, ticket.id)
    return {
        **ticket_json(ticket, city, principal),
        "repeat_calls": [repeat_call_json(c, principal) for c in calls],
    }


@patch(
    "/api/tickets/{ticket_id:int}",
    guards=[WRITERS],
    tags=["tickets"],
    summary="Change a ticket (needs version)",
)
async def change_ticket(
    request: Request[Any, Any, Any],
    ticket_id: int,
    data: TicketPatch,
    db_session: AsyncSession,
    city: CityContext,
) -> dict[str, Any]:
    principal = current(request)
    values, given = _patched(data)
    changes = tickets.TicketChanges(**values, fields_set=given)
    ticket = await tickets.update_ticket(db_session, ticket_id, data.version, changes, principal)
    announce_ticket(request, ticket)
    return ticket_json(ticket, city, principal)


@post(
    "/api/tickets/{ticket_id:int}/transitions",
    guards=[MOVERS],
    tags=["tickets"],
    status_code=200,
    summary="Move a ticket to another state (409 with `allowed` when illegal)",
)
async def transition_ticket(
    request: Request[Any, Any, Any],
    ticket_id: int,
    data: TransitionIn,
    db_session: AsyncSession,
    city: CityContext,
    settings: Settings,
) -> dict[str, Any]:
    principal = current(request)
    ticket = await tickets.transition(
        db_session,
        ticket_id,
        data.to,
        data.version,
        principal,
        reason=data.reason,
        duplicate_of=data.duplicate_of,
        agency=data.agency,
        follow_up_days=settings.referral_follow_up_days,
    )
    announce_ticket(request, ticket)
    return ticket_json(ticket, city, principal)


@get("/api/tickets/{ticket_id:int}/events", guards=[READERS], tags=["tickets"], summary="Audit trail")
async def ticket_events(
    request: Request[Any, Any, Any], ticket_id: int, db_session: AsyncSession, paging: PageQuery
) -> dict[str, Any]:
    await tickets.get_ticket(db_session, ticket_id, current(request))
    rows, total = await tickets.events(db_session, ticket_id, paging.offset, paging.per_page)
    return page_body([event_json(e) for e in rows], total, paging)


@patch(
    "/api/tickets/{ticket_id:int}/referral",
    guards=[WRITERS],
    tags=["tickets"],
    summary="Follow up a referral",
)
async def change_referral(
    request: Request[Any, Any, Any],
    ticket_id: int,
    data: ReferralPatch,
    db_session: AsyncSession,
    city: CityContext,
) -> dict[str, Any]:
    principal = current(request)
    values, given = _patched(data)
    await tickets.update_referral(db_session, ticket_id, principal, **values, fields_set=given)
    ticket = await tickets.get_ticket(db_session, ticket_id, principal)
    await db_session.refresh(ticket, ["referral"])
    return ticket_json(ticket, city, principal)


@post("/api/tickets/import", guards=[WRITERS], tags=["tickets"], summary="Bulk CSV import (all rows or none)")
async def import_tickets(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    city: CityContext,
    settings: Settings,
) -> Response[Any]:
    """Send the CSV as the body (`Content-Type: text/csv`) or as the multipart field `file`."""
    principal = current(request)
    if request.content_type[0].startswith("multipart/"):
        form = await request.form()
        upload = form.get("file")
        if upload is None or not hasattr(upload, "read"):
            raise FieldError([("file", "attach the CSV as the multipart field 'file'")])
        raw = await upload.read()
    else:
        raw = await request.body()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise FieldError([("file", "the CSV must be UTF-8 encoded")]) from None
    result = await ticket_import.import_csv(
        db_session, city, text, principal, follow_up_days=settings.referral_follow_up_days
    )
    return Response({"created": len(result.created), "ids": result.created}, status_code=201)


@get("/api/track/{code:str}", tags=["citizens"], summary="A citizen's view of their request by tracking code")
async def track(code: str, db_session: AsyncSession, city: CityContext) -> dict[str, Any]:
    ticket = await tickets.by_tracking_code(db_session, code)
    return citizen_json(ticket, city)


def route_handlers() -> list[Any]:
    return [
        create_ticket,
        list_tickets,
        nearby_tickets,
        read_ticket,
        change_ticket,
        transition_ticket,
        ticket_events,
        change_referral,
        import_tickets,
        track,
    ]
