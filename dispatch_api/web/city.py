"""City layers for maps: the city's essentials, districts, streets, and the service categories."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

import msgspec
from litestar import Request, Response, get
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_api.persistence.models import Category, District
from dispatch_api.services.city import CityContext
from dispatch_api.services.errors import FieldError
from dispatch_api.services.streets import encoded_streets
from dispatch_api.settings import Settings
from dispatch_api.web.deps import PageQuery, page_body

GEOJSON = "application/geo+json"
_CACHE = "public, max-age=3600"


def _cached(request: Request[Any, Any, Any], body: bytes, media_type: str) -> Response[Any]:
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": _CACHE}
    if request.headers.get("if-none-match") == etag:
        return Response(b"", status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


@get("/api/city", tags=["city"], summary="Name, centre, bounds, time zone and calendar of the city")
async def city_info(city: CityContext) -> dict[str, Any]:
    return city.public()


@get("/api/city/districts.geojson", tags=["city"], summary="District polygons")
async def districts(request: Request[Any, Any, Any], db_session: AsyncSession) -> Response[Any]:
    rows = (await db_session.scalars(select(District).order_by(District.code))).all()
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": d.code,
                "geometry": d.geometry,
                "properties": {"code": d.code, "name_fa": d.name_fa, "name_en": d.name_en},
            }
            for d in rows
        ],
    }
    return _cached(request, msgspec.json.encode(collection), GEOJSON)


def _bbox(raw: str | None) -> list[float] | None:
    if not raw:
        return None
    try:
        values = [float(v) for v in raw.split(",")]
    except ValueError:
        values = []
    if len(values) != 4 or values[0] > values[2] or values[1] > values[3]:
        raise FieldError([("bbox", "give minlon,minlat,maxlon,maxlat, e.g. 52.50,29.58,52.55,29.62")])
    return values


@get("/api/city/streets.geojson", tags=["city"], summary="Street segments as LineStrings, by box and class")
async def streets(
    request: Request[Any, Any, Any], settings: Settings, bbox: str | None = None, classes: str | None = None
) -> Response[Any]:
    box = _bbox(bbox)
    wanted = tuple(sorted({c.strip() for c in (classes or "").split(",") if c.strip()}))
    key = tuple(round(v, 5) for v in box) if box is not None else None
    # Reading the street tables and encoding a large box take a while: keep it off the event loop.
    body = await asyncio.to_thread(encoded_streets, settings.city_dir, key, wanted)
    return _cached(request, body, GEOJSON)


def category_json(c: Category) -> dict[str, Any]:
    return {
        "code": c.code,
        "name": {"fa": c.name_fa, "en": c.name_en},
        "name_fa": c.name_fa,
        "name_en": c.name_en,
        "skill": c.skill,
        "default_priority": c.default_priority,
        "sla_hours": c.sla_hours,
        "service_minutes": c.service_minutes,
        "remit": c.remit,
        "calendar": c.calendar,
        "deferrable": c.deferrable,
        "repeat_radius_m": c.repeat_radius_m,
    }


@get("/api/categories", tags=["city"], summary="Service categories")
async def categories(db_session: AsyncSession, paging: PageQuery) -> dict[str, Any]:
    total = await db_session.scalar(select(func.count()).select_from(Category)) or 0
    query = select(Category).order_by(Category.code).offset(paging.offset).limit(paging.per_page)
    rows = (await db_session.scalars(query)).all()
    return page_body([category_json(c) for c in rows], int(total), paging)


def route_handlers() -> list[Any]:
    return [city_info, districts, streets, categories]
