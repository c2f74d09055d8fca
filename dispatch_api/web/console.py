"""Operator and dispatcher actions of the intake form and the console that announce live updates:
filing a call, address search over street names, and triage (category, priority, reject, refer,
duplicate) in one request."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_api.services import intake_photos, photos, tickets, triage
from dispatch_api.services.addresses import street_index
from dispatch_api.services.city import CityContext
from dispatch_api.services.errors import FieldError, StaleVersion
from dispatch_api.settings import Settings
from dispatch_api.web.security import current, require_roles
from dispatch_api.web.tickets import TicketIn, announce_ticket, file_call
from dispatch_api.web.views import ticket_json

OPERATORS = require_roles("operator", "dispatcher")
READERS = require_roles("operator", "dispatcher", "coordinator", "contractor_manager")
DISPATCHERS = require_roles("dispatcher", "coordinator")
TRIAGE_ACTIONS = ("keep", "reject", "refer", "duplicate")


class TriageIn(msgspec.Struct, forbid_unknown_fields=True):
    version: int
    action: str = "keep"
    category: str | None = None
    category_reason: str | None = None
    priority: str | None = None
    priority_reason: str | None = None
    reason: str | None = None
    agency: str | None = None
    duplicate_of: int | None = None


@post("/api/intake", guards=[OPERATORS], tags=["tickets"], summary="File a call from the intake form (live)")
async def intake_call(
    request: Request[Any, Any, Any],
    data: TicketIn,
    db_session: AsyncSession,
    city: CityContext,
    settings: Settings,
) -> Response[Any]:
    return await file_call(request, data, db_session, city, settings)


@get(
    "/api/addresses",
    guards=[OPERATORS],
    tags=["city"],
    summary="Streets whose name matches (Persian/English)",
)
async def search_addresses(
    settings: Settings,
    q: str = Parameter(min_length=1, max_length=80, description="part of a street name"),
    limit: int = Parameter(default=8, ge=1, le=20),
) -> dict[str, Any]:
    hits = street_index(settings.city_dir.resolve()).search(q, limit)
    return {
        "items": [
            {
                "street_id": h.street_id,
                "name": {"fa": h.name_fa, "en": h.name_en},
                "road_class": h.road_class,
                "lon": h.lon,
                "lat": h.lat,
            }
            for h in hits
        ]
    }


@post(
    "/api/tickets/{ticket_id:int}/triage",
    guards=[DISPATCHERS],
    tags=["tickets"],
    status_code=200,
    summary="Triage: category, priority with reason, and keep, reject, refer or mark duplicate",
)
async def triage_ticket(
    request: Request[Any, Any, Any],
    ticket_id: int,
    data: TriageIn,
    db_session: AsyncSession,
    city: CityContext,
    settings: Settings,
) -> dict[str, Any]:
    principal = current(request)
    if data.action not in TRIAGE_ACTIONS:
        raise FieldError([("action", f"one of {', '.join(TRIAGE_ACTIONS)}")])
    ticket = await tickets.get_ticket(db_session, ticket_id, principal)
    if data.version != ticket.version:
        raise StaleVersion(f"ticket {ticket.id}", data.version, ticket.version)
    version = data.version
    if data.category and data.category != ticket.category_code:
        ticket = await triage.change_category(
            db_session,
            city,
            ticket_id,
            version,
            data.category,
            data.category_reason,
            principal,
            follow_up_days=settings.referral_follow_up_days,
        )
        version = ticket.version
    if data.priority and data.priority != ticket.priority:
        ticket = await tickets.update_ticket(
            db_session,
            ticket_id,
            version,
            tickets.TicketChanges(
                priority=data.priority, priority_reason=data.priority_reason, fields_set={"priority"}
            ),
            principal,
        )
        version = ticket.version
    if data.action == "keep" and ticket.status == "new":
        ticket = await tickets.transition(
            db_session, ticket_id, "triaged", version, principal, reason=data.reason
        )
    elif data.action != "keep":
        target = {"reject": "rejected", "refer": "referred", "duplicate": "duplicate"}[data.action]
        ticket = await tickets.transition(
            db_session,
            ticket_id,
            target,
            version,
            principal,
            reason=data.reason,
            agency=data.agency,
            duplicate_of=data.duplicate_of,
            follow_up_days=settings.referral_follow_up_days,
        )
    await db_session.refresh(ticket, ["referral"])
    announce_ticket(request, ticket)
    return ticket_json(ticket, city, principal)


def _storage(settings: Settings) -> photos.LocalPhotoStorage:
    return photos.LocalPhotoStorage(settings.data_dir / "photos")


@post(
    "/api/tickets/{ticket_id:int}/intake-photos",
    guards=[OPERATORS],
    tags=["tickets"],
    summary="Attach a citizen's photo to a ticket (JPEG, PNG or WebP, at most 10 MB), once per client_id",
    request_max_body_size=photos.MAX_UPLOAD_BYTES + 1024 * 1024,
)
async def post_intake_photo(
    request: Request[Any, Any, Any],
    ticket_id: int,
    db_session: AsyncSession,
    settings: Settings,
    data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
) -> Response[dict[str, Any]]:
    upload = data.get("file")
    if not isinstance(upload, UploadFile):
        raise FieldError([("file", "attach the photo as the multipart field 'file'")])
    applied, body = await intake_photos.upload(
        db_session,
        _storage(settings),
        ticket_id,
        str(data.get("client_id") or ""),
        await upload.read(),
        current(request),
    )
    return Response({**body, "applied": applied}, status_code=201 if applied else 200)


@get(
    "/api/tickets/{ticket_id:int}/intake-photos",
    guards=[READERS],
    tags=["tickets"],
    summary="A call's photos",
)
async def list_intake_photos(
    request: Request[Any, Any, Any], ticket_id: int, db_session: AsyncSession
) -> dict[str, Any]:
    await tickets.get_ticket(db_session, ticket_id, current(request))
    return {"items": await intake_photos.listing(db_session, ticket_id)}


@get("/api/tickets/{ticket_id:int}/intake-photos/{photo_id:str}", guards=[READERS], tags=["tickets"])
async def get_intake_photo(
    request: Request[Any, Any, Any],
    ticket_id: int,
    photo_id: str,
    db_session: AsyncSession,
    settings: Settings,
) -> Response[bytes]:
    data, content_type = await intake_photos.read(
        db_session, _storage(settings), ticket_id, photo_id, current(request)
    )
    return Response(data, media_type=content_type, headers={"Cache-Control": "private, max-age=86400"})


def route_handlers() -> list[Any]:
    return [
        intake_call,
        search_addresses,
        triage_ticket,
        post_intake_photo,
        list_intake_photos,
        get_intake_photo,
    ]
