"""Managers' figures: JSON for the charts and CSV for spreadsheets, for a chosen period."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Request, Response, get
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_api.persistence.base import utcnow
from dispatch_api.services import figures
from dispatch_api.services.city import CityContext
from dispatch_api.services.errors import FieldError
from dispatch_api.web.security import current, require_roles

VIEWERS = require_roles("dispatcher", "coordinator", "contractor_manager")
MAX_DAYS = 366


def period_of(city: CityContext, first: date | None, last: date | None) -> tuple[figures.Period, date, date]:
    """Whole days [first, last] in the city's time zone (default: the last 7 days up to today)."""
    zone = ZoneInfo(str(city.info.get("timezone", "Asia/Tehran")))
    today = utcnow().astimezone(zone).date()
    last = last or today
    first = first or last - timedelta(days=6)
    if first > last:
        raise FieldError([("from", f"the period starts ({first}) after it ends ({last}); swap the dates")])
    if (last - first).days + 1 > MAX_DAYS:
        raise FieldError([("from", f"choose at most {MAX_DAYS} days")])
    start = datetime.combine(first, time(0), zone).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), zone).astimezone(UTC)
    return figures.Period(start=start, end=end, as_of=min(end, utcnow())), first, last


async def _report(
    request: Request[Any, Any, Any],
    session: AsyncSession,
    city: CityContext,
    first: date | None,
    last: date | None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    principal = current(request)
    period, first, last = period_of(city, first, last)
    facts = await figures.load_facts(session, period.start, period.end)
    if principal.role == "contractor_manager":
        facts = [f for f in facts if f.district in principal.districts]
    body = figures.report(facts, period)
    names = await figures.group_names(session)
    body["period"] = {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "start": period.start.isoformat().replace("+00:00", "Z"),
        "end": period.end.isoformat().replace("+00:00", "Z"),
        "as_of": period.as_of.isoformat().replace("+00:00", "Z"),
    }
    return body, names


@get("/api/figures", guards=[VIEWERS], tags=["figures"], summary="The city's figures for a period")
async def get_figures(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    city: CityContext,
    first: date | None = Parameter(
        query="from", default=None, description="first day (city time), YYYY-MM-DD"
    ),
    last: date | None = Parameter(query="to", default=None, description="last day (city time), YYYY-MM-DD"),
) -> dict[str, Any]:
    body, names = await _report(request, db_session, city, first, last)
    body["names"] = names
    return body


@get("/api/figures.csv", guards=[VIEWERS], tags=["figures"], summary="The same figures as CSV")
async def get_figures_csv(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    city: CityContext,
    first: date | None = Parameter(query="from", default=None),
    last: date | None = Parameter(query="to", default=None),
    lang: str = Parameter(query="lang", default="en", pattern="^(fa|en)$"),
) -> Response[str]:
    body, names = await _report(request, db_session, city, first, last)
    text = figures.to_csv(body, names, lang)
    filename = f"crewline-figures-{body['period']['from']}-{body['period']['to']}.csv"
    return Response(
        "\ufeff" + text,  # a byte-order mark, so spreadsheet programs read Persian names as UTF-8
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def route_handlers() -> list[Any]:
    return [get_figures, get_figures_csv]
