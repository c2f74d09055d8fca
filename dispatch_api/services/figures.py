"""The city's performance figures for managers, per district, contractor, category and crew.

The figures are computed by pure functions over `TicketFact` records (one per ticket, with the
times that matter already read from its audit trail), so they can be checked by hand; `load_facts`
reads those records from the store.

Definitions, for a period [start, end) and a moment `as_of` (the period's end, or now if sooner):
- tickets in: tickets created in the period; calls: tickets in + repeat calls made in the period;
- closed: tickets the city finished (first `done`, else `closed`) in the period;
- response time: creation → the crew's first arrival on site (or completion when no arrival was
  recorded), over tickets first reached in the period;
- resolution time: creation → finished, over tickets closed in the period; within SLA: finished
  at or before the SLA due time;
- percentiles interpolate linearly between ranks (numpy's default, as spreadsheets' PERCENTILE);
- repeat-call rate: (repeat calls + tickets marked duplicate) in the period ÷ calls;
- backlog: tickets created before `as_of` and not yet finished (or referred, duplicate, rejected,
  cancelled) at `as_of`, with their ages at `as_of`;
- referrals: tickets referred to an outside agency in the period; resolved ones; follow-ups
  overdue (follow-up date passed, the agency has neither resolved nor declined it);
- satisfaction: the mean rating of surveys answered for tickets closed in the period; response
  rate = answered ÷ tickets closed in the period.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

DIMENSIONS = ("district", "contractor", "category", "crew")
NONE_KEY = "none"
FOLLOWED_UP = frozenset({"resolved", "declined"})
# Statuses that end a ticket for the backlog (the city finished it, or it left the city's hands).
ENDING_STATES = frozenset({"done", "closed", "referred", "duplicate", "rejected", "cancelled"})


@dataclass(frozen=True)
class TicketFact:
    """One ticket, reduced to what the figures need (times are UTC-aware)."""

    id: int
    category: str
    district: int | None
    created_at: datetime
    sla_due_at: datetime
    contractor: str | None = None
    crew: str | None = None
    responded_at: datetime | None = None
    resolved_at: datetime | None = None
    ended_at: datetime | None = None
    duplicate: bool = False
    referred_at: datetime | None = None
    referral_status: str | None = None
    referral_follow_up_on: date | None = None
    repeat_calls: tuple[datetime, ...] = ()
    survey_rating: int | None = None


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime
    as_of: datetime

    def __contains__(self, moment: object) -> bool:
        return isinstance(moment, datetime) and self.start <= moment < self.end


@dataclass
class Figures:
    """The figures of one group (a district, a contractor, a category, a crew, or the whole city)."""

    tickets_in: int = 0
    calls: int = 0
    closed: int = 0
    response_median_h: float | None = None
    response_p90_h: float | None = None
    resolution_median_h: float | None = None
    resolution_p90_h: float | None = None
    sla_target_median_h: float | None = None
    within_sla: int = 0
    within_sla_share: float | None = None
    repeat_calls: int = 0
    repeat_rate: float | None = None
    backlog: int = 0
    backlog_median_age_h: float | None = None
    backlog_max_age_h: float | None = None
    referrals: int = 0
    referrals_resolved: int = 0
    referrals_overdue: int = 0
    surveys_answered: int = 0
    satisfaction_avg: float | None = None
    survey_response_rate: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


COLUMNS: tuple[str, ...] = tuple(Figures().as_dict())


def hours(later: datetime, earlier: datetime) -> float:
    return (later - earlier).total_seconds() / 3600.0


def percentile(values: Sequence[float], pct: float) -> float | None:
    """The `pct`-th percentile with linear interpolation between ranks; None for no values."""
    if not values:
        return None
    return float(np.percentile(np.asarray(values, dtype=float), pct))


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def compute(facts: Iterable[TicketFact], period: Period) -> Figures:
    """All the figures of one group of tickets for a period."""
    out = Figures()
    responses: list[float] = []
    resolutions: list[float] = []
    targets: list[float] = []
    backlog_ages: list[float] = []
    ratings: list[int] = []
    duplicates = 0
    for fact in facts:
        if fact.created_at in period:
            out.tickets_in += 1
            if fact.duplicate:
                duplicates += 1
        out.repeat_calls += sum(1 for at in fact.repeat_calls if at in period)
        if fact.responded_at is not None and fact.responded_at in period:
            responses.append(hours(fact.responded_at, fact.created_at))
        if fact.resolved_at is not None and fact.resolved_at in period:
            out.closed += 1
            resolutions.append(hours(fact.resolved_at, fact.created_at))
            targets.append(hours(fact.sla_due_at, fact.created_at))
            if fact.resolved_at <= fact.sla_due_at:
                out.within_sla += 1
            if fact.survey_rating is not None:
                ratings.append(fact.survey_rating)
        if fact.created_at < period.as_of and (fact.ended_at is None or fact.ended_at >= period.as_of):
            backlog_ages.append(hours(period.as_of, fact.created_at))
        if fact.referred_at is not None and fact.referred_at in period:
            out.referrals += 1
            if fact.referral_status == "resolved":
                out.referrals_resolved += 1
            if (
                fact.referral_status not in FOLLOWED_UP
                and fact.referral_follow_up_on is not None
                and fact.referral_follow_up_on < period.as_of.date()
            ):
                out.referrals_overdue += 1
    out.calls = out.tickets_in + out.repeat_calls
    out.response_median_h = _round(percentile(responses, 50))
    out.response_p90_h = _round(percentile(responses, 90))
    out.resolution_median_h = _round(percentile(resolutions, 50))
    out.resolution_p90_h = _round(percentile(resolutions, 90))
    out.sla_target_median_h = _round(percentile(targets, 50))
    out.within_sla_share = _round(_share(out.within_sla, out.closed), 4)
    out.repeat_rate = _round(_share(out.repeat_calls + duplicates, out.calls), 4)
    out.backlog = len(backlog_ages)
    out.backlog_median_age_h = _round(percentile(backlog_ages, 50))
    out.backlog_max_age_h = _round(max(backlog_ages), 2) if backlog_ages else None
    out.surveys_answered = len(ratings)
    out.satisfaction_avg = _round(sum(ratings) / len(ratings)) if ratings else None
    out.survey_response_rate = _round(_share(len(ratings), out.closed), 4)
    return out


KEYS: dict[str, Callable[[TicketFact], str]] = {
    "district": lambda f: str(f.district) if f.district is not None else NONE_KEY,
    "contractor": lambda f: f.contractor or NONE_KEY,
    "category": lambda f: f.category,
    "crew": lambda f: f.crew or NONE_KEY,
}


def by_dimension(facts: Sequence[TicketFact], dimension: str, period: Period) -> dict[str, Figures]:
    """The figures of each group of `dimension` (tickets without one are under "none")."""
    if dimension not in KEYS:
        raise ValueError(f"unknown dimension {dimension!r}; one of {', '.join(DIMENSIONS)}")
    groups: dict[str, list[TicketFact]] = defaultdict(list)
    for fact in facts:
        groups[KEYS[dimension](fact)].append(fact)
    return {
        key: compute(rows, period) for key, rows in sorted(groups.items(), key=lambda kv: _sort_key(kv[0]))
    }


def _sort_key(key: str) -> tuple[int, int, str]:
    if key == NONE_KEY:
        return (2, 0, key)
    if key.isdigit():
        return (0, int(key), key)
    return (1, 0, key)


def report(facts: Sequence[TicketFact], period: Period) -> dict[str, Any]:
    """The whole report: the city's figures and every dimension's groups."""
    return {
        "city": compute(facts, period).as_dict(),
        "dimensions": {
            dim: {key: figures.as_dict() for key, figures in by_dimension(facts, dim, period).items()}
            for dim in DIMENSIONS
        },
    }


def to_csv(body: dict[str, Any], names: dict[str, dict[str, dict[str, str]]], lang: str = "en") -> str:
    """One row per group (the city first), with its dimension, key and name, then every figure."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["dimension", "key", "name", *COLUMNS])

    def cell(value: Any) -> Any:
        return "" if value is None else value

    writer.writerow(["city", "all", "", *(cell(body["city"][c]) for c in COLUMNS)])
    for dim in DIMENSIONS:
        for key, figures in body["dimensions"][dim].items():
            name = names.get(dim, {}).get(key, {})
            writer.writerow(
                [dim, key, name.get(lang) or name.get("en", ""), *(cell(figures[c]) for c in COLUMNS)]
            )
    return buffer.getvalue()


# ------------------------------------------------------------------ reading facts from the store


@dataclass
class _Times:
    responded: datetime | None = None
    done: datetime | None = None
    closed: datetime | None = None
    ended: datetime | None = None
    referred: datetime | None = None
    statuses: list[tuple[datetime, str]] = field(default_factory=list)


async def load_facts(session: AsyncSession, start: datetime, end: datetime) -> list[TicketFact]:
    """Every ticket that can count in [start, end): created before `end`, and still open or changed
    since `start`; with its crew, contractor, status times, repeat calls, referral and survey."""
    from dispatch_api.persistence.models import (
        ContractorDistrict,
        Crew,
        Referral,
        RepeatCall,
        Ticket,
        TicketEvent,
    )
    from dispatch_api.persistence.models.field import CrewJob
    from dispatch_api.persistence.models.surveys import Survey
    from dispatch_api.services.ticket_states import OPEN_STATES

    tickets = list(
        (
            await session.scalars(
                select(Ticket).where(
                    Ticket.created_at < end,
                    or_(Ticket.updated_at >= start, Ticket.status.in_(sorted(OPEN_STATES | {"referred"}))),
                )
            )
        ).all()
    )
    if not tickets:
        return []
    ids = [t.id for t in tickets]
    times: dict[int, _Times] = defaultdict(_Times)
    events = await session.execute(
        select(TicketEvent.ticket_id, TicketEvent.at, TicketEvent.to_value)
        .where(TicketEvent.ticket_id.in_(ids), TicketEvent.kind == "status")
        .order_by(TicketEvent.at, TicketEvent.id)
    )
    for ticket_id, at, to in events.all():
        entry = times[ticket_id]
        if to == "reopened":
            entry.ended = None  # back in the backlog until it ends again
        if to == "on_site" and entry.responded is None:
            entry.responded = at
        if to == "done" and entry.done is None:
            entry.done = at
        if to == "closed" and entry.closed is None:
            entry.closed = at
        if to == "referred" and entry.referred is None:
            entry.referred = at
        if to in ENDING_STATES and entry.ended is None:
            entry.ended = at
    repeats: dict[int, list[datetime]] = defaultdict(list)
    for ticket_id, at in (
        await session.execute(
            select(RepeatCall.ticket_id, RepeatCall.at).where(RepeatCall.ticket_id.in_(ids))
        )
    ).all():
        repeats[ticket_id].append(at)
    referrals = {
        r.ticket_id: r
        for r in (await session.scalars(select(Referral).where(Referral.ticket_id.in_(ids)))).all()
    }
    ratings = {
        ticket_id: rating
        for ticket_id, rating in (
            await session.execute(
                select(Survey.ticket_id, Survey.rating).where(
                    Survey.ticket_id.in_(ids), Survey.answered_at.is_not(None)
                )
            )
        ).all()
    }
    crew_of: dict[int, str] = {}
    for ticket_id, crew_id in (
        await session.execute(
            select(CrewJob.ticket_id, CrewJob.crew_id)
            .where(CrewJob.ticket_id.in_(ids))
            .order_by(CrewJob.updated_at, CrewJob.created_at)
        )
    ).all():
        crew_of[ticket_id] = crew_id  # the newest job wins
    contractor_of_crew = dict((await session.execute(select(Crew.id, Crew.contractor_id))).all())
    contractor_of_district: dict[int, str] = {}
    for district, contractor in (
        await session.execute(
            select(ContractorDistrict.district_code, ContractorDistrict.contractor_id).order_by(
                ContractorDistrict.contractor_id
            )
        )
    ).all():
        contractor_of_district.setdefault(district, contractor)
    facts = []
    for t in tickets:
        entry = times.get(t.id, _Times())
        crew = crew_of.get(t.id)
        holder: str | None = contractor_of_crew.get(crew) if crew else None
        if holder is None and t.district_code is not None:
            holder = contractor_of_district.get(t.district_code)
        resolved = entry.done or entry.closed
        responded = entry.responded or entry.done
        referral = referrals.get(t.id)
        facts.append(
            TicketFact(
                id=t.id,
                category=t.category_code,
                district=t.district_code,
                created_at=t.created_at,
                sla_due_at=t.sla_due_at,
                contractor=holder,
                crew=crew,
                responded_at=responded,
                resolved_at=resolved,
                ended_at=entry.ended if t.status not in OPEN_STATES else None,
                duplicate=t.status == "duplicate",
                referred_at=entry.referred,
                referral_status=referral.status if referral else None,
                referral_follow_up_on=referral.follow_up_on if referral else None,
                repeat_calls=tuple(sorted(repeats.get(t.id, []))),
                survey_rating=ratings.get(t.id),
            )
        )
    return facts


async def group_names(session: AsyncSession) -> dict[str, dict[str, dict[str, str]]]:
    """Persian and English names of every district, contractor, category and crew, by key."""
    from dispatch_api.persistence.models import Category, Contractor, Crew, District

    names: dict[str, dict[str, dict[str, str]]] = {dim: {} for dim in DIMENSIONS}
    for code, fa, en in (
        await session.execute(select(District.code, District.name_fa, District.name_en))
    ).all():
        names["district"][str(code)] = {"fa": fa, "en": en}
    for key, fa, en in (
        await session.execute(select(Contractor.id, Contractor.name_fa, Contractor.name_en))
    ).all():
        names["contractor"][key] = {"fa": fa, "en": en}
    for key, fa, en in (
        await session.execute(select(Category.code, Category.name_fa, Category.name_en))
    ).all():
        names["category"][key] = {"fa": fa, "en": en}
    for key, fa, en in (await session.execute(select(Crew.id, Crew.name_fa, Crew.name_en))).all():
        names["crew"][key] = {"fa": fa, "en": en}
    none = {"fa": "بدون تخصیص", "en": "Not assigned"}
    for dim in DIMENSIONS:
        names[dim][NONE_KEY] = none
    return names
