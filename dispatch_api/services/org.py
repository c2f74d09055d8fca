"""Contractors, crews (members, skills, districts, shifts), depots and equipment; crew availability."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_api.persistence.models import (
    Contractor,
    ContractorDistrict,
    Crew,
    CrewDistrict,
    CrewMember,
    CrewShift,
    CrewSkill,
    Depot,
    District,
    Equipment,
)
from dispatch_api.services.accounts import set_crew_login
from dispatch_api.services.city import CityContext
from dispatch_api.services.errors import Conflict, FieldError, Forbidden, NotFound
from dispatch_api.services.principal import Principal
from dispatch_api.services.sla import parse_hhmm

EQUIPMENT_TYPES = ("plow", "salt_spreader", "loader", "truck")


def _scope_contractor(principal: Principal | None) -> str | None:
    """The contractor a contractor manager is limited to (None: no limit)."""
    if principal is not None and principal.role == "contractor_manager":
        return principal.contractor_id or "-"
    return None


# ---------------------------------------------------------------- contractors


async def list_contractors(
    session: AsyncSession, principal: Principal | None, offset: int, limit: int
) -> tuple[list[Contractor], int]:
    query = select(Contractor)
    scope = _scope_contractor(principal)
    if scope is not None:
        query = query.where(Contractor.id == scope)
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = (await session.scalars(query.order_by(Contractor.id).offset(offset).limit(limit))).all()
    return list(rows), int(total)


async def get_contractor(
    session: AsyncSession, contractor_id: str, principal: Principal | None
) -> Contractor:
    scope = _scope_contractor(principal)
    contractor = await session.get(Contractor, contractor_id)
    if contractor is None or (scope is not None and scope != contractor_id):
        raise NotFound("contractor", contractor_id)
    return contractor


async def _check_districts(session: AsyncSession, codes: list[int], field_name: str) -> None:
    if not codes:
        raise FieldError([(field_name, "give at least one district code")])
    known = set((await session.scalars(select(District.code))).all())
    unknown = sorted(set(codes) - known)
    if unknown:
        raise FieldError([(field_name, f"unknown district(s) {unknown}; known: {sorted(known)}")])


async def create_contractor(
    session: AsyncSession,
    contractor_id: str,
    name_fa: str,
    name_en: str,
    districts: list[int],
    *,
    commit: bool = True,
) -> Contractor:
    if not contractor_id.strip():
        raise FieldError([("id", "must not be empty")])
    if await session.get(Contractor, contractor_id) is not None:
        raise Conflict(f"contractor {contractor_id!r} exists already; choose another id")
    await _check_districts(session, districts, "districts")
    contractor = Contractor(
        id=contractor_id,
        name_fa=name_fa,
        name_en=name_en,
        districts=[ContractorDistrict(district_code=d) for d in sorted(set(districts))],
    )
    session.add(contractor)
    await session.flush()
    if commit:
        await session.commit()
    return contractor


# ---------------------------------------------------------------- crews


@dataclass
class CrewData:
    id: str
    name_fa: str
    name_en: str
    contractor_id: str
    depot_id: str
    phone: str
    pin: str
    districts: list[int]
    skills: list[str]
    shift_start: str
    shift_end: str
    capacity: int = 20
    break_start: str | None = None
    break_end: str | None = None
    break_minutes: int | None = None
    members: list[dict[str, Any]] = field(default_factory=list)
    equipment_ids: list[str] = field(default_factory=list)


async def create_crew(
    session: AsyncSession, data: CrewData, principal: Principal | None, *, commit: bool = True
) -> Crew:
    errors: list[tuple[str, str]] = []
    scope = _scope_contractor(principal)
    if scope is not None and scope != data.contractor_id:
        raise Forbidden("a contractor manager may only add crews to their own contractor")
    if not data.id.strip():
        errors.append(("id", "must not be empty"))
    for name in ("shift_start", "shift_end"):
        try:
            parse_hhmm(getattr(data, name), what=name)
        except ValueError as exc:
            errors.append((name, str(exc)))
    if not (data.phone.isdigit() and len(data.phone) == 11 and data.phone.startswith("09")):
        errors.append(("phone", "an Iranian mobile number: 11 digits starting 09"))
    if data.capacity < 1:
        errors.append(("capacity", "must be at least 1"))
    if errors:
        raise FieldError(errors)
    if await session.get(Crew, data.id) is not None:
        raise Conflict(f"crew {data.id!r} exists already; choose another id")
    if await session.scalar(select(Crew.id).where(Crew.phone == data.phone)) is not None:
        raise Conflict(f"phone {data.phone} already signs in another crew; each crew needs its own phone")
    contractor = await session.get(Contractor, data.contractor_id)
    if contractor is None:
        raise FieldError([("contractor_id", f"contractor {data.contractor_id!r} does not exist")])
    if await session.get(Depot, data.depot_id) is None:
        raise FieldError([("depot_id", f"depot {data.depot_id!r} does not exist")])
    await _check_districts(session, data.districts, "districts")
    held = {d.district_code for d in contractor.districts}
    outside = sorted(set(data.districts) - held)
    if outside:
        raise FieldError([("districts", f"contractor {contractor.id} does not hold district(s) {outside}")])
    crew = Crew(
        id=data.id,
        name_fa=data.name_fa,
        name_en=data.name_en,
        contractor_id=data.contractor_id,
        depot_id=data.depot_id,
        phone=data.phone,
        capacity=data.capacity,
        shift_start=data.shift_start,
        shift_end=data.shift_end,
        break_start=data.break_start,
        break_end=data.break_end,
        break_minutes=data.break_minutes,
        districts=[CrewDistrict(district_code=d) for d in sorted(set(data.districts))],
        skills=[CrewSkill(skill=s) for s in sorted(set(data.skills))],
        members=[
            CrewMember(name=m["name"], role=m.get("role", "worker"), phone=m.get("phone"))
            for m in data.members
        ],
    )
    session.add(crew)
    await session.flush()
    for equipment_id in data.equipment_ids:
        unit = await session.get(Equipment, equipment_id)
        if unit is None:
            raise FieldError([("equipment_ids", f"equipment {equipment_id!r} does not exist")])
        unit.crew_id = crew.id
    await set_crew_login(session, crew, data.pin)
    if commit:
        await session.commit()
    return crew


async def list_crews(
    session: AsyncSession,
    principal: Principal | None,
    offset: int,
    limit: int,
    *,
    district: int | None = None,
    contractor_id: str | None = None,
    skill: str | None = None,
) -> tuple[list[Crew], int]:
    query = select(Crew)
    scope = _scope_contractor(principal)
    if scope is not None:
        query = query.where(Crew.contractor_id == scope)
    if contractor_id:
        query = query.where(Crew.contractor_id == contractor_id)
    if district is not None:
        query = query.where(
            Crew.id.in_(select(CrewDistrict.crew_id).where(CrewDistrict.district_code == district))
        )
    if skill:
        query = query.where(Crew.id.in_(select(CrewSkill.crew_id).where(CrewSkill.skill == skill)))
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = (await session.scalars(query.order_by(Crew.id).offset(offset).limit(limit))).all()
    return list(rows), int(total)


async def get_crew(session: AsyncSession, crew_id: str, principal: Principal | None) -> Crew:
    crew = await session.get(Crew, crew_id)
    scope = _scope_contractor(principal)
    if crew is None or (scope is not None and crew.contractor_id != scope):
        raise NotFound("crew", crew_id)
    if principal is not None and principal.role == "crew" and principal.crew_id != crew_id:
        raise NotFound("crew", crew_id)
    return crew


async def crew_equipment(session: AsyncSession, crew_id: str) -> list[Equipment]:
    return list(
        (
            await session.scalars(
                select(Equipment).where(Equipment.crew_id == crew_id).order_by(Equipment.id)
            )
        ).all()
    )


async def add_member(
    session: AsyncSession, crew_id: str, principal: Principal, name: str, role: str, phone: str | None
) -> CrewMember:
    crew = await get_crew(session, crew_id, principal)
    if not name.strip():
        raise FieldError([("name", "must not be empty")])
    member = CrewMember(crew_id=crew.id, name=name.strip(), role=role or "worker", phone=phone)
    session.add(member)
    await session.commit()
    return member


async def set_shift(
    session: AsyncSession,
    crew_id: str,
    day: date,
    principal: Principal,
    *,
    start: str | None,
    end: str | None,
    off: bool,
    reason: str | None,
) -> CrewShift:
    crew = await get_crew(session, crew_id, principal)
    if not off:
        errors = []
        for name, value in (("start", start), ("end", end)):
            if value is None:
                errors.append((name, "give HH:MM, or set off=true for a day off"))
                continue
            try:
                parse_hhmm(value, what=name)
            except ValueError as exc:
                errors.append((name, str(exc)))
        if errors:
            raise FieldError(errors)
    row = await session.scalar(select(CrewShift).where(CrewShift.crew_id == crew.id, CrewShift.day == day))
    if row is None:
        row = CrewShift(crew_id=crew.id, day=day)
        session.add(row)
    row.start, row.end, row.off, row.reason = (
        (None, None, True, reason) if off else (start, end, False, reason)
    )
    await session.commit()
    return row


@dataclass(frozen=True)
class Availability:
    crew: Crew
    day: date
    available: bool
    start: str | None
    end: str | None
    reason: str | None


def _works_round_the_clock(crew: Crew, city: CityContext) -> bool:
    """A crew stays on duty on rest days when every skill it has serves some 24x7 category
    (waste, cleaning, fallen trees); a road crew that also plows snow rests on Friday."""
    skills = {s.skill for s in crew.skills}
    round_the_clock = {c.skill for c in city.categories.values() if c.calendar == "24x7" and c.skill}
    return bool(skills) and skills <= round_the_clock


async def availability(
    session: AsyncSession,
    city: CityContext,
    day: date,
    principal: Principal | None,
    offset: int,
    limit: int,
    *,
    district: int | None = None,
) -> tuple[list[Availability], int]:
    """Each crew's hours on `day`: its own shift, a recorded change, or off (weekend or holiday for
    crews that only do working-calendar work)."""
    crews, total = await list_crews(session, principal, offset, limit, district=district)
    overrides = {
        s.crew_id: s
        for s in (
            await session.scalars(
                select(CrewShift).where(CrewShift.day == day, CrewShift.crew_id.in_([c.id for c in crews]))
            )
        ).all()
    }
    working_day = city.calendar.is_working_day(day)
    out: list[Availability] = []
    for crew in crews:
        override = overrides.get(crew.id)
        if not crew.active:
            out.append(Availability(crew, day, False, None, None, "crew inactive"))
        elif override is not None and override.off:
            out.append(Availability(crew, day, False, None, None, override.reason or "day off"))
        elif override is not None:
            out.append(
                Availability(
                    crew, day, True, override.start, override.end, override.reason or "changed shift"
                )
            )
        elif not working_day and not _works_round_the_clock(crew, city):
            why = "holiday" if day in city.calendar.holidays else "weekend"
            out.append(Availability(crew, day, False, None, None, why))
        else:
            out.append(Availability(crew, day, True, crew.shift_start, crew.shift_end, None))
    return out, total


# ---------------------------------------------------------------- depots and equipment


async def list_depots(session: AsyncSession, offset: int, limit: int) -> tuple[list[Depot], int]:
    total = await session.scalar(select(func.count()).select_from(Depot)) or 0
    rows = (await session.scalars(select(Depot).order_by(Depot.id).offset(offset).limit(limit))).all()
    return list(rows), int(total)


async def list_equipment(
    session: AsyncSession,
    principal: Principal | None,
    offset: int,
    limit: int,
    *,
    type_: str | None = None,
    district: int | None = None,
) -> tuple[list[Equipment], int]:
    query = select(Equipment)
    if type_:
        if type_ not in EQUIPMENT_TYPES:
            raise FieldError([("type", f"must be one of {', '.join(EQUIPMENT_TYPES)}")])
        query = query.where(Equipment.type == type_)
    if district is not None:
        query = query.where(Equipment.current_district == district)
    scope = _scope_contractor(principal)
    if scope is not None and principal is not None:
        query = query.where(Equipment.home_district.in_(sorted(principal.districts)))
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = (await session.scalars(query.order_by(Equipment.id).offset(offset).limit(limit))).all()
    return list(rows), int(total)


async def create_depot(
    session: AsyncSession,
    city: CityContext,
    depot_id: str,
    name_fa: str,
    name_en: str,
    district: int,
    lon: float,
    lat: float,
) -> Depot:
    if not depot_id.strip():
        raise FieldError([("id", "must not be empty")])
    if await session.get(Depot, depot_id) is not None:
        raise Conflict(f"depot {depot_id!r} exists already; choose another id")
    await _check_districts(session, [district], "district")
    found = city.locate(lon, lat)
    if found != district:
        where = f"district {found}" if found is not None else "outside the city"
        raise FieldError([("lon", f"the location lies in {where}, not district {district}; check lon/lat")])
    depot = Depot(id=depot_id, name_fa=name_fa, name_en=name_en, district_code=district, lon=lon, lat=lat)
    session.add(depot)
    await session.commit()
    return depot


async def create_equipment(
    session: AsyncSession, unit_id: str, type_: str, home_district: int, depot_id: str, crew_id: str | None
) -> Equipment:
    errors: list[tuple[str, str]] = []
    if not unit_id.strip():
        errors.append(("id", "must not be empty"))
    if type_ not in EQUIPMENT_TYPES:
        errors.append(("type", f"must be one of {', '.join(EQUIPMENT_TYPES)}"))
    if errors:
        raise FieldError(errors)
    if await session.get(Equipment, unit_id) is not None:
        raise Conflict(f"equipment {unit_id!r} exists already; choose another id")
    await _check_districts(session, [home_district], "home_district")
    if await session.get(Depot, depot_id) is None:
        raise FieldError([("depot_id", f"depot {depot_id!r} does not exist")])
    if crew_id is not None and await session.get(Crew, crew_id) is None:
        raise FieldError([("crew_id", f"crew {crew_id!r} does not exist")])
    unit = Equipment(
        id=unit_id,
        type=type_,
        home_district=home_district,
        current_district=home_district,
        depot_id=depot_id,
        crew_id=crew_id,
    )
    session.add(unit)
    await session.commit()
    return unit
