"""Load a city data folder into the store: reference data, crews with their phone logins, demo
accounts and an Open311 key, and the day's tickets through the same intake as a call."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from shapely.geometry import mapping
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_api.citydata import CityData
from dispatch_api.persistence.models import (
    Category,
    Contractor,
    ContractorDistrict,
    Crew,
    CrewDistrict,
    CrewSkill,
    Depot,
    District,
    Equipment,
    Holiday,
    Ticket,
    User,
)
from dispatch_api.services import accounts
from dispatch_api.services.city import CityContext
from dispatch_api.services.errors import DomainError
from dispatch_api.services.open311 import create_api_key
from dispatch_api.services.tickets import IntakeData, intake

DEMO_ROLES = ("operator", "dispatcher", "coordinator", "contractor_manager", "admin")
OPEN311_DEMO_KEY = "golshahr-open311-demo"
Progress = Callable[[str, int, int], None]


def demo_password(role: str) -> str:
    return f"{role}-137"


@dataclass
class SeedReport:
    loaded_reference: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    tickets_created: int = 0
    repeat_calls: int = 0
    skipped: list[str] = field(default_factory=list)
    open311_key: str | None = None
    first_plan: dict[str, int] | None = None  # crews and visits of the plan `crewline demo` published


def _noop(_stage: str, _done: int, _total: int) -> None:
    return None


async def is_loaded(session: AsyncSession) -> bool:
    return bool(await session.scalar(select(func.count()).select_from(District)))


async def load_reference(session: AsyncSession, data: CityData, progress: Progress = _noop) -> dict[str, int]:
    """Districts, holidays, categories, depots, contractors, crews (with logins) and equipment."""
    for d in data.districts:
        session.add(
            District(code=d.code, name_fa=d.name_fa, name_en=d.name_en, geometry=dict(mapping(d.polygon)))
        )
    for day in data.city.holidays:
        session.add(Holiday(day=day))
    for c in data.categories:
        session.add(
            Category(
                code=c.code,
                name_fa=c.name_fa,
                name_en=c.name_en,
                skill=c.skill,
                default_priority=c.default_priority,
                sla_hours=float(c.sla_hours),
                service_minutes=c.service_minutes,
                remit=c.remit,
                calendar=c.calendar,
                deferrable=c.deferrable,
                repeat_radius_m=c.repeat_radius_m,
            )
        )
    await session.flush()
    for dep in data.depots:
        session.add(
            Depot(
                id=dep.id,
                name_fa=dep.name_fa,
                name_en=dep.name_en,
                district_code=dep.district,
                lon=dep.lon,
                lat=dep.lat,
            )
        )
    for con in data.contractors:
        session.add(
            Contractor(
                id=con.id,
                name_fa=con.name_fa,
                name_en=con.name_en,
                districts=[ContractorDistrict(district_code=code) for code in sorted(set(con.districts))],
            )
        )
    await session.flush()
    progress("crews", 0, len(data.crews))
    # argon2 is slow on purpose: hash every PIN in worker threads at once.
    hashed = 0

    async def hash_pin(pin: str) -> str:
        nonlocal hashed
        value = await accounts.hash_secret_async(pin)
        hashed += 1
        progress("crews", hashed, len(data.crews))
        return value

    pin_hashes = await asyncio.gather(*(hash_pin(crew.pin) for crew in data.crews))
    for crew, pin_hash in zip(data.crews, pin_hashes, strict=True):
        row = Crew(
            id=crew.id,
            name_fa=crew.name_fa,
            name_en=crew.name_en,
            contractor_id=crew.contractor_id,
            depot_id=crew.depot_id,
            phone=crew.phone,
            capacity=crew.capacity,
            shift_start=crew.shift.start,
            shift_end=crew.shift.end,
            break_start=crew.break_.start if crew.break_ else None,
            break_end=crew.break_.end if crew.break_ else None,
            break_minutes=crew.break_.minutes if crew.break_ else None,
            districts=[CrewDistrict(district_code=code) for code in sorted(set(crew.districts))],
            skills=[CrewSkill(skill=skill) for skill in sorted(set(crew.skills))],
        )
        session.add(row)
        await session.flush()
        await accounts.set_crew_login(session, row, crew.pin, pin_hash)
    for unit in data.equipment:
        session.add(
            Equipment(
                id=unit.id,
                type=unit.type,
                home_district=unit.home_district,
                current_district=unit.home_district,
                depot_id=unit.depot_id,
                crew_id=unit.crew_id,
            )
        )
    await session.flush()
    return {
        "districts": len(data.districts),
        "categories": len(data.categories),
        "depots": len(data.depots),
        "contractors": len(data.contractors),
        "crews": len(data.crews),
        "equipment": len(data.equipment),
        "holidays": len(data.city.holidays),
    }


async def seed_demo_accounts(session: AsyncSession, data: CityData) -> list[tuple[str, str]]:
    """One account per staff role (username = role, password = `<role>-137`)."""
    made: list[tuple[str, str]] = []
    manager_of = data.contractors[0].id if data.contractors else None
    for role in DEMO_ROLES:
        if await session.scalar(select(User.id).where(User.username == role)) is not None:
            continue
        await accounts.create_user(
            session,
            username=role,
            password=demo_password(role),
            role=role,
            name=role.replace("_", " ").title(),
            contractor_id=manager_of if role == "contractor_manager" else None,
        )
        made.append((role, demo_password(role)))
    return made


def replay_shift(created: Sequence[datetime], timezone: str, now: datetime) -> timedelta:
    """Whole days that move a recorded day of calls to the latest local day on which every call
    has already come in by `now`, so a demo's tickets are today's (or yesterday's) rather than
    months overdue. Times of day are kept."""
    if not created:
        return timedelta(0)
    tz = ZoneInfo(timezone)
    first_day = min(created).astimezone(tz).date()
    shift = timedelta(days=(now.astimezone(tz).date() - first_day).days)
    while max(created) + shift > now:
        shift -= timedelta(days=1)
    return shift


async def load_day_tickets(
    session: AsyncSession,
    city: CityContext,
    data: CityData,
    report: SeedReport,
    progress: Progress = _noop,
    shift: timedelta = timedelta(0),
) -> None:
    """The day's calls in time order through intake; a call with `repeat_of` links to its ticket.
    `shift` moves every call by the same amount (see `replay_shift`)."""
    by_ref: dict[str, int] = {}
    calls = sorted(data.tickets_day, key=lambda t: t.created_at)
    progress("tickets", 0, len(calls))
    for i, t in enumerate(calls, start=1):
        repeat_of = by_ref.get(t.repeat_of) if t.repeat_of else None
        if t.repeat_of and repeat_of is None:
            report.skipped.append(
                f"tickets_day.json {t.id}: repeat_of {t.repeat_of} is not an earlier ticket"
            )
        try:
            result = await intake(
                session,
                city,
                IntakeData(
                    category=t.category,
                    lon=t.lon,
                    lat=t.lat,
                    address=t.address,
                    description=t.description,
                    reporter_name=t.reporter_name,
                    reporter_phone=t.reporter_phone,
                    repeat_of=repeat_of,
                    source="phone",
                    external_ref=t.id,
                    created_at=t.created_at + shift,
                ),
                None,
                reopen_days=3650,
                actor_name="import:tickets_day.json",
                commit=False,
            )
        except DomainError as exc:
            report.skipped.append(f"tickets_day.json {t.id}: {exc.detail}")
            continue
        by_ref[t.id] = result.ticket.id
        if result.created:
            report.tickets_created += 1
        else:
            report.repeat_calls += 1
        progress("tickets", i, len(calls))
    await session.commit()


async def seed_city(
    session: AsyncSession,
    data: CityData,
    *,
    tickets: bool = True,
    progress: Progress = _noop,
    open311_key: str = OPEN311_DEMO_KEY,
    replay_at: datetime | None = None,
) -> SeedReport:
    """Load everything once; a store that already has the city is left as it is.

    With `replay_at` (the demo passes the current time) the recorded day of calls is replayed on the
    latest day that ends before it; without it the calls keep their recorded dates (tests)."""
    report = SeedReport()
    if await is_loaded(session):
        report.counts = {"tickets": int(await session.scalar(select(func.count()).select_from(Ticket)) or 0)}
        return report
    report.counts = await load_reference(session, data, progress)
    await seed_demo_accounts(session, data)
    report.open311_key = await create_api_key(session, "demo client", open311_key)
    await session.commit()
    report.loaded_reference = True
    if tickets:
        city = await CityContext.load(session, data.folder)
        shift = timedelta(0)
        if replay_at is not None:
            shift = replay_shift([t.created_at for t in data.tickets_day], data.city.timezone, replay_at)
        await load_day_tickets(session, city, data, report, progress, shift)
    return report


def summary(report: SeedReport) -> dict[str, Any]:
    return {
        "loaded": report.loaded_reference,
        **report.counts,
        "tickets_created": report.tickets_created,
        "repeat_calls": report.repeat_calls,
        "skipped": report.skipped,
    }
