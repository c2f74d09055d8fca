"""Citizens' pages API: a request's status by tracking code (no personal data), its before/after
photos (the EXIF-free copies only), and the one-answer satisfaction survey."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get, post
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_api.persistence.models import Contractor, Crew, Ticket
from dispatch_api.persistence.models.field import CrewJob, JobPhoto
from dispatch_api.services import photos, surveys, tickets
from dispatch_api.services.city import CityContext
from dispatch_api.services.errors import NotFound
from dispatch_api.settings import Settings
from dispatch_api.web.pages.i18n import resolve_lang
from dispatch_api.web.views import citizen_json


class SurveyIn(msgspec.Struct, forbid_unknown_fields=True):
    rating: Any = None
    comment: Any = None
    lang: str | None = None


def _iso(value: Any) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


async def _job(session: AsyncSession, ticket: Ticket) -> CrewJob | None:
    query = (
        select(CrewJob)
        .where(CrewJob.ticket_id == ticket.id)
        .order_by(CrewJob.active.desc(), CrewJob.updated_at.desc())
        .limit(1)
    )
    return await session.scalar(query)


async def citizen_view(session: AsyncSession, city: CityContext, ticket: Ticket) -> dict[str, Any]:
    """What a citizen may see: status, who handles it (the contractor and crew, never a person),
    the expected time, the photos' public URLs and, once finished, the survey link."""
    body = citizen_json(ticket, city)
    job = await _job(session, ticket)
    handler: dict[str, Any] | None = None
    expected = ticket.sla_due_at
    photo_list: list[dict[str, str]] = []
    if job is not None:
        crew = await session.get(Crew, job.crew_id)
        contractor = await session.get(Contractor, crew.contractor_id) if crew is not None else None
        handler = {
            "crew": {"fa": crew.name_fa, "en": crew.name_en} if crew else None,
            "contractor": {"fa": contractor.name_fa, "en": contractor.name_en} if contractor else None,
        }
        if job.active and job.eta is not None and ticket.status in {"assigned", "accepted", "en_route"}:
            expected = job.eta
        rows = await session.scalars(
            select(JobPhoto)
            .join(CrewJob, CrewJob.id == JobPhoto.job_id)
            .where(CrewJob.ticket_id == ticket.id)
            .order_by(JobPhoto.kind.desc(), JobPhoto.uploaded_at)
        )
        photo_list = [
            {"kind": p.kind, "url": f"/api/citizen/{ticket.tracking_code}/photos/{p.id}"} for p in rows
        ]
    body["handler"] = handler
    body["expected_at"] = _iso(expected) if body["open"] else None
    body["photos"] = photo_list
    survey = await surveys.invitation(session, ticket)
    body["survey"] = (
        {"url": f"/survey/{survey.token}", "answered": survey.answered_at is not None} if survey else None
    )
    return body


@get("/api/citizen/{code:str}", tags=["citizens"], summary="A request's status for the citizen who made it")
async def citizen_status(code: str, db_session: AsyncSession, city: CityContext) -> dict[str, Any]:
    ticket = await tickets.by_tracking_code(db_session, code)
    return await citizen_view(db_session, city, ticket)


@get(
    "/api/citizen/{code:str}/photos/{photo_id:str}",
    tags=["citizens"],
    summary="A before/after photo of the request (EXIF-free copy)",
)
async def citizen_photo(
    code: str, photo_id: str, db_session: AsyncSession, settings: Settings
) -> Response[bytes]:
    ticket = await tickets.by_tracking_code(db_session, code)
    row = await db_session.get(JobPhoto, photo_id)
    job = await db_session.get(CrewJob, row.job_id) if row is not None else None
    if row is None or job is None or job.ticket_id != ticket.id:
        raise NotFound("photo of this request", photo_id)
    storage = photos.LocalPhotoStorage(settings.data_dir / "photos")
    data, content_type = await photos.photo_file(db_session, storage, photo_id, None)
    return Response(data, media_type=content_type, headers={"Cache-Control": "private, max-age=3600"})


def _survey_json(view: surveys.SurveyView, city: CityContext) -> dict[str, Any]:
    info = city.category(view.category)
    return {
        "tracking_code": view.tracking_code,
        "category_name": {"fa": info.name_fa, "en": info.name_en} if info else None,
        "answered": view.answered,
        "rating": view.rating,
        "answered_at": view.answered_at,
    }


@get("/api/surveys/{token:str}", tags=["citizens"], summary="A survey link's state")
async def read_survey(token: str, db_session: AsyncSession, city: CityContext) -> dict[str, Any]:
    return _survey_json(await surveys.read(db_session, token), city)


@post(
    "/api/surveys/{token:str}",
    tags=["citizens"],
    status_code=200,
    summary="Answer the survey (1–5 and a comment); a second answer is refused with 409",
)
async def answer_survey(
    request: Request[Any, Any, Any], token: str, data: SurveyIn, db_session: AsyncSession, city: CityContext
) -> dict[str, Any]:
    lang = resolve_lang(data.lang, None)
    view = await surveys.answer(db_session, token, data.rating, data.comment, lang)
    return _survey_json(view, city)


def route_handlers() -> list[Any]:
    return [citizen_status, citizen_photo, read_survey, answer_survey]
