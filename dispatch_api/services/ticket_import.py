"""Bulk CSV import of tickets: every row goes through the same intake as a call; all or nothing."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_api.services.city import CityContext
from dispatch_api.services.errors import FieldError
from dispatch_api.services.principal import Principal
from dispatch_api.services.tickets import IntakeData, intake, validate_intake

REQUIRED = ("category", "lon", "lat")
OPTIONAL = (
    "address",
    "description",
    "reporter_name",
    "reporter_phone",
    "priority",
    "priority_reason",
    "created_at",
    "external_ref",
)
MAX_ROWS = 20_000


@dataclass
class ImportResult:
    created: list[int]


def _parse(text: str) -> tuple[list[IntakeData], list[int], list[tuple[str, str]]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = reader.fieldnames or []
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise FieldError(
            [("header", f"CSV header lacks column(s) {', '.join(missing)}; need {', '.join(REQUIRED)}")]
        )
    unknown = [c for c in header if c not in REQUIRED and c not in OPTIONAL]
    if unknown:
        raise FieldError(
            [("header", f"unknown column(s) {', '.join(unknown)}; allowed: {', '.join(REQUIRED + OPTIONAL)}")]
        )
    rows: list[IntakeData] = []
    lines: list[int] = []
    errors: list[tuple[str, str]] = []
    for line, row in enumerate(reader, start=2):
        if len(rows) >= MAX_ROWS:
            raise FieldError([("file", f"more than {MAX_ROWS} rows; split the file")])
        try:
            lon, lat = float(row["lon"]), float(row["lat"])
        except (TypeError, ValueError):
            errors.append((f"row {line}.lon/lat", "must be decimal degrees, e.g. 52.53 and 29.61"))
            continue
        created = None
        if row.get("created_at"):
            try:
                created = datetime.fromisoformat(row["created_at"].replace("Z", "+00:00"))
            except ValueError:
                errors.append((f"row {line}.created_at", "must be ISO 8601 with a time zone"))
                continue
        rows.append(
            IntakeData(
                category=(row.get("category") or "").strip(),
                lon=lon,
                lat=lat,
                address=row.get("address") or "",
                description=row.get("description") or "",
                reporter_name=row.get("reporter_name") or "",
                reporter_phone=row.get("reporter_phone") or "",
                priority=(row.get("priority") or "").strip() or None,
                priority_reason=row.get("priority_reason") or None,
                source="import",
                external_ref=row.get("external_ref") or None,
                created_at=created,
            )
        )
        lines.append(line)
    return rows, lines, errors


async def import_csv(
    session: AsyncSession,
    city: CityContext,
    text: str,
    principal: Principal,
    *,
    follow_up_days: int = 3,
) -> ImportResult:
    rows, lines, errors = _parse(text)
    for data, line in zip(rows, lines, strict=True):
        errors.extend((f"row {line}.{f}", m) for f, m in validate_intake(city, data))
    if errors:
        raise FieldError(errors)
    if not rows:
        raise FieldError([("file", "the CSV has a header but no rows")])
    created: list[int] = []
    try:
        for data in rows:
            result = await intake(session, city, data, principal, follow_up_days=follow_up_days, commit=False)
            created.append(result.ticket.id)
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    return ImportResult(created=created)
