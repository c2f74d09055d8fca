"""GPS pings from crews' devices: stored once per ``client_id`` and announced to the staff screens."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_api.persistence.base import utcnow
from dispatch_api.persistence.models.field import CrewPosition
from dispatch_api.services.errors import FieldError
from dispatch_api.services.events import Announcer


@dataclass(frozen=True)
class Ping:
    client_id: str
    lon: float
    lat: float
    accuracy_m: float | None
    at: datetime


def _validate(ping: Ping) -> None:
    errors: list[tuple[str, str]] = []
    if not ping.client_id or len(ping.client_id) > 64:
        errors.append(("client_id", "send the id the device made for this ping (1 to 64 characters)"))
    if not (math.isfinite(ping.lon) and -180 <= ping.lon <= 180):
        errors.append(("lon", "must be a longitude between -180 and 180"))
    if not (math.isfinite(ping.lat) and -90 <= ping.lat <= 90):
        errors.append(("lat", "must be a latitude between -90 and 90"))
    if ping.accuracy_m is not None and not (math.isfinite(ping.accuracy_m) and ping.accuracy_m >= 0):
        errors.append(("accuracy_m", "must be a distance in metres, 0 or more"))
    if ping.at.tzinfo is None:
        errors.append(("at", "give the device time with its offset, e.g. 2026-11-22T09:15:00+03:30"))
    elif ping.at.astimezone(UTC) > utcnow() + timedelta(hours=1):
        errors.append(("at", "is more than an hour in the future; check the device clock"))
    if errors:
        raise FieldError(errors)


async def record(session: AsyncSession, crew_id: str, ping: Ping, announcer: Announcer) -> bool:
    """Store a ping; False when this ``client_id`` was already stored (nothing changes)."""
    _validate(ping)
    row = CrewPosition(
        client_id=ping.client_id,
        crew_id=crew_id,
        lon=ping.lon,
        lat=ping.lat,
        accuracy_m=ping.accuracy_m,
        at=ping.at.astimezone(UTC),
    )
    session.add(row)
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        return False
    announcer.position(
        {
            "crew_id": crew_id,
            "lon": ping.lon,
            "lat": ping.lat,
            "accuracy_m": ping.accuracy_m,
            "at": row.at.isoformat().replace("+00:00", "Z"),
        }
    )
    return True


async def latest(session: AsyncSession) -> list[dict[str, Any]]:
    """Each crew's newest position (for the dispatcher's map when it opens)."""
    newest = (
        select(CrewPosition.crew_id, func.max(CrewPosition.at).label("at"))
        .group_by(CrewPosition.crew_id)
        .subquery()
    )
    rows = await session.scalars(
        select(CrewPosition)
        .join(newest, (newest.c.crew_id == CrewPosition.crew_id) & (newest.c.at == CrewPosition.at))
        .order_by(CrewPosition.crew_id)
    )
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    for p in rows:
        if p.crew_id in seen:
            continue
        seen.add(p.crew_id)
        out.append(
            {
                "crew_id": p.crew_id,
                "lon": p.lon,
                "lat": p.lat,
                "accuracy_m": p.accuracy_m,
                "at": p.at.isoformat().replace("+00:00", "Z"),
            }
        )
    return out
