"""Open311 GeoReport v2: services from categories, requests from tickets, API keys for clients."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_api.persistence.base import utcnow
from dispatch_api.persistence.models import ApiKey, Ticket
from dispatch_api.services import ticket_states
from dispatch_api.services.city import CategoryInfo, CityContext
from dispatch_api.services.errors import FieldError, Forbidden, NotFound
from dispatch_api.services.tickets import AGENCIES, STATUS_TEXT, IntakeData, intake
from dispatch_api.services.tracking import normalise

MAX_REQUESTS = 1000
DEFAULT_DAYS = 90


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


async def create_api_key(session: AsyncSession, name: str, key: str | None = None) -> str:
    """Register a client; returns the key (only its digest is stored)."""
    value = key or secrets.token_urlsafe(24)
    session.add(ApiKey(key_hash=key_digest(value), name=name, created_at=utcnow()))
    await session.flush()
    return value


async def check_api_key(session: AsyncSession, key: str | None) -> ApiKey:
    if not key:
        raise Forbidden("api_key is required to submit a request; ask the city for one")
    row = await session.scalar(
        select(ApiKey).where(ApiKey.key_hash == key_digest(key), ApiKey.active.is_(True))
    )
    if row is None:
        raise Forbidden("api_key is not valid; check it or ask the city for a new one")
    return row


def service_json(c: CategoryInfo, lang: str) -> dict[str, Any]:
    name = c.name_fa if lang == "fa" else c.name_en
    agency = AGENCIES.get(c.remit, AGENCIES["city"])
    return {
        "service_code": c.code,
        "service_name": name,
        "description": f"{name} — {agency['fa' if lang == 'fa' else 'en']}",
        "metadata": False,
        "type": "realtime" if c.remit == "city" else "batch",
        "keywords": ", ".join(k for k in (c.code, c.skill or "", c.remit) if k),
        "group": c.remit,
    }


def service_definition(c: CategoryInfo) -> dict[str, Any]:
    return {"service_code": c.code, "attributes": []}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def request_json(ticket: Ticket, city: CityContext, lang: str = "en") -> dict[str, Any]:
    info = city.category(ticket.category_code)
    name = (info.name_fa if lang == "fa" else info.name_en) if info else ticket.category_code
    text = STATUS_TEXT.get(ticket.status, {"en": ticket.status, "fa": ticket.status})
    notes = f"{ticket.status}: {text['fa' if lang == 'fa' else 'en']}"
    if ticket.status_reason and ticket.status in {"rejected", "cancelled", "referred", "duplicate"}:
        notes += f" — {ticket.status_reason}"
    agency_key = ticket.referral.agency if ticket.referral is not None else "city"
    agency = AGENCIES.get(agency_key, AGENCIES["city"])
    return {
        "service_request_id": ticket.tracking_code,
        "status": "open" if ticket.status in ticket_states.OPEN_STATES else "closed",
        "status_notes": notes,
        "service_name": name,
        "service_code": ticket.category_code,
        "description": ticket.description,
        "agency_responsible": agency["fa" if lang == "fa" else "en"],
        "service_notice": None,
        "requested_datetime": _iso(ticket.created_at),
        "updated_datetime": _iso(ticket.updated_at),
        "expected_datetime": _iso(ticket.sla_due_at),
        "address": ticket.address,
        "address_id": None,
        "zipcode": None,
        "lat": ticket.lat,
        "long": ticket.lon,
        "media_url": None,
    }


def _float(form: dict[str, str], name: str) -> float | None:
    raw = form.get(name)
    if raw in (None, ""):
        return None
    try:
        return float(raw)
    except ValueError:
        raise FieldError([(name, f"{raw!r} is not a decimal number")]) from None


async def submit(
    session: AsyncSession, city: CityContext, form: dict[str, str], *, follow_up_days: int
) -> Ticket:
    key = await check_api_key(session, form.get("api_key"))
    code = form.get("service_code") or ""
    if city.category(code) is None:
        raise FieldError([("service_code", f"unknown service_code {code!r}; GET services.json lists them")])
    lat, lon = _float(form, "lat"), _float(form, "long")
    if lat is None or lon is None:
        raise FieldError([("lat", "lat and long are required (this server does not geocode address_string)")])
    name = " ".join(p for p in (form.get("first_name", ""), form.get("last_name", "")) if p).strip()
    result = await intake(
        session,
        city,
        IntakeData(
            category=code,
            lon=lon,
            lat=lat,
            address=form.get("address_string", ""),
            description=form.get("description", ""),
            reporter_name=name,
            reporter_phone="".join(ch for ch in form.get("phone", "") if ch.isdigit() or ch == "+"),
            source="open311",
            external_ref=form.get("device_id") or None,
        ),
        None,
        follow_up_days=follow_up_days,
        actor_name=f"open311:{key.name}",
    )
    return result.ticket


async def find(
    session: AsyncSession,
    *,
    ids: list[str],
    service_codes: list[str],
    status: str | None,
    start: datetime | None,
    end: datetime | None,
) -> list[Ticket]:
    query = select(Ticket)
    if ids:
        codes = [c for c in (normalise(i) for i in ids) if c]
        query = query.where(Ticket.tracking_code.in_(codes))
    else:
        # The spec's default window: the last 90 days, at most 1000 requests.
        if start is None and end is None:
            start = utcnow() - timedelta(days=DEFAULT_DAYS)
        if start is not None:
            query = query.where(Ticket.created_at >= start)
        if end is not None:
            query = query.where(Ticket.created_at <= end)
    if service_codes:
        query = query.where(Ticket.category_code.in_(service_codes))
    if status == "open":
        query = query.where(Ticket.status.in_(sorted(ticket_states.OPEN_STATES)))
    elif status == "closed":
        query = query.where(Ticket.status.not_in(sorted(ticket_states.OPEN_STATES)))
    elif status:
        raise FieldError([("status", "must be open or closed")])
    query = query.order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(MAX_REQUESTS)
    return list((await session.scalars(query)).all())


async def one(session: AsyncSession, request_id: str) -> Ticket:
    code = normalise(request_id)
    ticket = await session.scalar(select(Ticket).where(Ticket.tracking_code == code)) if code else None
    if ticket is None:
        raise NotFound("service request", request_id)
    return ticket


async def count_keys(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(ApiKey)) or 0)
