"""JSON shapes of tickets, their events and the citizen's view, shared by the controllers."""

from __future__ import annotations

from typing import Any

from dispatch_api.persistence.base import utcnow
from dispatch_api.persistence.models import Referral, RepeatCall, Ticket, TicketEvent
from dispatch_api.services import ticket_states
from dispatch_api.services.city import CityContext
from dispatch_api.services.principal import Principal
from dispatch_api.services.tickets import AGENCIES, STATUS_TEXT


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def referral_json(referral: Referral | None) -> dict[str, Any] | None:
    if referral is None:
        return None
    names = AGENCIES.get(referral.agency, {"fa": referral.agency, "en": referral.agency})
    return {
        "agency": referral.agency,
        "agency_name": names,
        "agency_reference": referral.agency_reference,
        "status": referral.status,
        "follow_up_on": _iso(referral.follow_up_on),
        "note": referral.note,
        "updated_at": _iso(referral.updated_at),
    }


def category_name(city: CityContext, code: str) -> dict[str, str]:
    info = city.category(code)
    return {"fa": info.name_fa, "en": info.name_en} if info else {"fa": code, "en": code}


def district_name(city: CityContext, code: int | None) -> dict[str, str] | None:
    if code is None or code not in city.district_names:
        return None
    fa, en = city.district_names[code]
    return {"fa": fa, "en": en}


def ticket_json(ticket: Ticket, city: CityContext, principal: Principal | None) -> dict[str, Any]:
    open_ = ticket.status in ticket_states.OPEN_STATES
    body: dict[str, Any] = {
        "id": ticket.id,
        "tracking_code": ticket.tracking_code,
        "category": ticket.category_code,
        "category_name": category_name(city, ticket.category_code),
        "status": ticket.status,
        "allowed_next": list(ticket_states.allowed_next(ticket.status)),
        "priority": ticket.priority,
        "priority_reason": ticket.priority_reason,
        "district": ticket.district_code,
        "district_name": district_name(city, ticket.district_code),
        "lon": ticket.lon,
        "lat": ticket.lat,
        "address": ticket.address,
        "description": ticket.description,
        "reporter_name": ticket.reporter_name,
        "source": ticket.source,
        "external_ref": ticket.external_ref,
        "created_at": _iso(ticket.created_at),
        "updated_at": _iso(ticket.updated_at),
        "sla_due_at": _iso(ticket.sla_due_at),
        "overdue": open_ and ticket.sla_due_at < utcnow(),
        "closed_at": _iso(ticket.closed_at),
        "repeat_count": ticket.repeat_count,
        "duplicate_of": ticket.duplicate_of_id,
        "status_reason": ticket.status_reason,
        "referral": referral_json(ticket.referral),
        "version": ticket.version,
    }
    if principal is not None and principal.sees_phones:
        body["reporter_phone"] = ticket.reporter_phone
    return body


def event_json(event: TicketEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "at": _iso(event.at),
        "actor": event.actor_name,
        "actor_id": event.actor_id,
        "kind": event.kind,
        "from": event.from_value,
        "to": event.to_value,
        "reason": event.reason,
        "data": event.data,
    }


def repeat_call_json(call: RepeatCall, principal: Principal | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": call.id,
        "ticket_id": call.ticket_id,
        "at": _iso(call.at),
        "lon": call.lon,
        "lat": call.lat,
        "description": call.description,
        "reporter_name": call.reporter_name,
        "source": call.source,
    }
    if principal is not None and principal.sees_phones:
        body["reporter_phone"] = call.reporter_phone
    return body


def citizen_text(ticket: Ticket) -> dict[str, str]:
    """What the citizen reads about their request, in Persian and English."""
    text = dict(STATUS_TEXT.get(ticket.status, {"fa": ticket.status, "en": ticket.status}))
    if ticket.status == "referred" and ticket.referral is not None:
        names = AGENCIES.get(
            ticket.referral.agency, {"fa": ticket.referral.agency, "en": ticket.referral.agency}
        )
        ref_fa = (
            f" (شماره پیگیری {ticket.referral.agency_reference})" if ticket.referral.agency_reference else ""
        )
        ref_en = (
            f" (their reference {ticket.referral.agency_reference})"
            if ticket.referral.agency_reference
            else ""
        )
        text = {
            "fa": f"این درخواست در حوزه {names['fa']} است و به آن ارجاع شد{ref_fa}.",
            "en": f"This request is handled by {names['en']} and has been referred to them{ref_en}.",
        }
    elif ticket.status == "rejected" and ticket.status_reason:
        text = {"fa": f"رد شد: {ticket.status_reason}", "en": f"Rejected: {ticket.status_reason}"}
    return text


def citizen_json(ticket: Ticket, city: CityContext) -> dict[str, Any]:
    return {
        "tracking_code": ticket.tracking_code,
        "category": ticket.category_code,
        "category_name": category_name(city, ticket.category_code),
        "status": ticket.status,
        "status_text": citizen_text(ticket),
        "open": ticket.status in ticket_states.OPEN_STATES,
        "district": ticket.district_code,
        "district_name": district_name(city, ticket.district_code),
        "address": ticket.address,
        "created_at": _iso(ticket.created_at),
        "sla_due_at": _iso(ticket.sla_due_at),
        "closed_at": _iso(ticket.closed_at),
        "repeat_count": ticket.repeat_count,
        "reason": ticket.status_reason if ticket.status in {"rejected", "cancelled", "referred"} else None,
        "referral": referral_json(ticket.referral),
    }
