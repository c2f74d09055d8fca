"""Crew API: the signed-in crew's jobs, its actions, photos and GPS pings (see the shared contract)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_api.services import crew_jobs, photos, plowing, positions
from dispatch_api.services.city import CityContext
from dispatch_api.services.errors import FieldError, Forbidden
from dispatch_api.services.principal import STAFF_ROLES, Principal
from dispatch_api.settings import Settings
from dispatch_api.web.events import announcer
from dispatch_api.web.security import current, require_roles

CREW = require_roles("crew")
STAFF = require_roles(*STAFF_ROLES)
PHOTO_BODY_LIMIT = photos.MAX_UPLOAD_BYTES + 1024 * 1024


class ActionIn(msgspec.Struct, forbid_unknown_fields=True):
    client_id: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    action: str
    at: datetime
    reason: str | None = None
    note: str | None = None
    materials: list[Any] | dict[str, Any] | None = None


class PositionIn(msgspec.Struct, forbid_unknown_fields=True):
    client_id: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    lon: float
    lat: float
    at: datetime
    accuracy_m: float | None = None


def _crew_of(request: Request[Any, Any, Any]) -> Principal:
    principal = current(request)
    if principal.crew_id is None:
        raise Forbidden("this is the crew app's API; sign in with the crew's phone and PIN")
    return principal


def photo_storage(settings: Settings) -> photos.LocalPhotoStorage:
    return photos.LocalPhotoStorage(settings.data_dir / "photos")


@get(
    "/api/crew/jobs",
    guards=[CREW],
    tags=["crew"],
    summary="The signed-in crew's jobs of a day, in route order",
)
async def list_jobs(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    city: CityContext,
    day: date | None = Parameter(
        query="date", default=None, description="service day YYYY-MM-DD (default: today in the city)"
    ),
) -> dict[str, Any]:
    principal = _crew_of(request)
    assert principal.crew_id is not None
    day = day or crew_jobs.city_today(str(city.info.get("timezone", "Asia/Tehran")))
    return await crew_jobs.list_jobs(db_session, principal.crew_id, day)


@get("/api/crew/jobs/{job_id:str}", guards=[CREW], tags=["crew"], summary="One job with its route line")
async def get_job(request: Request[Any, Any, Any], db_session: AsyncSession, job_id: str) -> dict[str, Any]:
    principal = _crew_of(request)
    assert principal.crew_id is not None
    return await crew_jobs.get_job(db_session, principal.crew_id, job_id)


@post(
    "/api/crew/jobs/{job_id:str}/actions",
    guards=[CREW],
    tags=["crew"],
    summary="Apply an action to a job, once per client_id",
    status_code=200,
)
async def post_action(
    request: Request[Any, Any, Any], db_session: AsyncSession, job_id: str, data: ActionIn
) -> dict[str, Any]:
    principal = _crew_of(request)
    command = crew_jobs.ActionCommand(**msgspec.structs.asdict(data))
    applied, job = await crew_jobs.apply_action(db_session, principal, job_id, command, announcer(request))
    return {"applied": applied, "job": job}


@post(
    "/api/crew/jobs/{job_id:str}/photos",
    guards=[CREW],
    tags=["crew"],
    summary="Upload a before/after photo (JPEG, PNG or WebP, at most 10 MB), once per client_id",
    request_max_body_size=PHOTO_BODY_LIMIT,
)
async def post_photo(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    settings: Settings,
    job_id: str,
    data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
) -> Response[dict[str, Any]]:
    principal = _crew_of(request)
    assert principal.crew_id is not None
    upload = data.get("file")
    if not isinstance(upload, UploadFile):
        raise FieldError([("file", "attach the photo as the multipart field 'file'")])
    raw = await upload.read()
    applied, body = await photos.upload(
        db_session,
        photo_storage(settings),
        principal.crew_id,
        job_id,
        str(data.get("client_id") or ""),
        str(data.get("kind") or ""),
        raw,
    )
    if applied:
        return Response({**body, "applied": True}, status_code=201)
    return Response({**body, "applied": False}, status_code=200)


@get("/api/crew/photos/{photo_id:str}", tags=["crew"], summary="A job photo (no EXIF); crews see their own")
async def get_photo(
    request: Request[Any, Any, Any], db_session: AsyncSession, settings: Settings, photo_id: str
) -> Response[bytes]:
    principal = current(request)
    crew_id = principal.crew_id if principal.role == "crew" else None
    data, content_type = await photos.photo_file(db_session, photo_storage(settings), photo_id, crew_id)
    return Response(data, media_type=content_type, headers={"Cache-Control": "private, max-age=86400"})


@get(
    "/api/photos/{photo_id:str}/evidence",
    guards=[STAFF],
    tags=["crew"],
    summary="Capture time and GPS a photo's device recorded (staff only)",
)
async def photo_evidence(db_session: AsyncSession, photo_id: str) -> dict[str, Any]:
    return await photos.photo_evidence(db_session, photo_id)


@post(
    "/api/crew/positions",
    guards=[CREW],
    tags=["crew"],
    summary="A GPS ping from the crew's device",
    status_code=202,
)
async def post_position(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    settings: Settings,
    city: CityContext,
    data: PositionIn,
) -> dict[str, Any]:
    principal = _crew_of(request)
    assert principal.crew_id is not None
    ping = positions.Ping(data.client_id, data.lon, data.lat, data.accuracy_m, data.at)
    applied = await positions.record(db_session, principal.crew_id, ping, announcer(request))
    if applied:  # a plow crew's ping marks the snow-route segment it drives along
        await plowing.position(
            db_session,
            settings.city_dir,
            city.crs,
            principal.crew_id,
            data.lon,
            data.lat,
            data.at,
            announcer(request),
        )
    return {"applied": applied}


@get("/api/positions", guards=[STAFF], tags=["crew"], summary="Each crew's newest GPS position")
async def latest_positions(db_session: AsyncSession) -> dict[str, Any]:
    return {"items": await positions.latest(db_session)}


def route_handlers() -> list[Any]:
    return [
        list_jobs,
        get_job,
        post_action,
        post_photo,
        get_photo,
        photo_evidence,
        post_position,
        latest_positions,
    ]
