"""The citizen's one-question survey: offered when a ticket is closed, answered once by its link."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_api.persistence.base import utcnow
from dispatch_api.persistence.models import Ticket
from dispatch_api.persistence.models.surveys import Survey
from dispatch_api.services.errors import Conflict, FieldError, NotFound

# A ticket the city finished (not referred, rejected or cancelled) gets a survey.
SURVEYED_STATES = frozenset({"done", "closed"})
MAX_COMMENT = 1000


@dataclass(frozen=True)
class SurveyView:
    token: str
    tracking_code: str
    category: str
    answered: bool
    rating: int | None
    answered_at: str | None


def _view(survey: Survey, ticket: Ticket) -> SurveyView:
    return SurveyView(
        token=survey.token,
        tracking_code=ticket.tracking_code,
        category=ticket.category_code,
        answered=survey.answered_at is not None,
        rating=survey.rating,
        answered_at=survey.answered_at.isoformat().replace("+00:00", "Z") if survey.answered_at else None,
    )


async def invitation(session: AsyncSession, ticket: Ticket) -> Survey | None:
    """The ticket's survey (made on first need) when the ticket is finished; else None."""
    if ticket.status not in SURVEYED_STATES:
        return None
    existing = await session.scalar(select(Survey).where(Survey.ticket_id == ticket.id))
    if existing is not None:
        return existing
    survey = Survey(ticket_id=ticket.id, token=secrets.token_urlsafe(24), created_at=utcnow())
    session.add(survey)
    try:
        await session.commit()
    except IntegrityError:  # made at the same moment by another request
        await session.rollback()
        again = await session.scalar(select(Survey).where(Survey.ticket_id == ticket.id))
        if again is None:
            raise
        return again
    return survey


async def by_token(session: AsyncSession, token: str) -> tuple[Survey, Ticket]:
    survey = await session.scalar(select(Survey).where(Survey.token == token))
    if survey is None:
        raise NotFound("survey", token)
    ticket = await session.get(Ticket, survey.ticket_id)
    if ticket is None:
        raise NotFound("survey", token)
    return survey, ticket


async def read(session: AsyncSession, token: str) -> SurveyView:
    survey, ticket = await by_token(session, token)
    return _view(survey, ticket)


def validate_answer(rating: object, comment: object) -> tuple[int, str | None]:
    errors: list[tuple[str, str]] = []
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        errors.append(("rating", "choose a whole number from 1 (very unhappy) to 5 (very happy)"))
    text = comment.strip() if isinstance(comment, str) else None
    if comment is not None and not isinstance(comment, str):
        errors.append(("comment", "write the comment as text"))
    elif text is not None and len(text) > MAX_COMMENT:
        errors.append(("comment", f"keep the comment under {MAX_COMMENT} characters (it has {len(text)})"))
    if errors:
        raise FieldError(errors)
    assert isinstance(rating, int)
    return rating, text or None


async def answer(
    session: AsyncSession, token: str, rating: object, comment: object, lang: str | None = None
) -> SurveyView:
    """Record the answer once; a second answer through the same link is refused (409)."""
    value, text = validate_answer(rating, comment)
    survey, ticket = await by_token(session, token)
    # One conditional UPDATE: of two answers sent at the same moment, exactly one is stored.
    stored = await session.execute(
        update(Survey)
        .where(Survey.id == survey.id, Survey.answered_at.is_(None))
        .values(
            rating=value,
            comment=text,
            lang=lang if lang in ("fa", "en") else None,
            answered_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    if getattr(stored, "rowcount", 0) != 1:
        await session.rollback()
        raise Conflict("this survey was already answered; each link works once")
    await session.commit()
    await session.refresh(survey)
    return _view(survey, ticket)
