"""Contractors, crews, depots, equipment and crew availability."""

from __future__ import annotations

from datetime import date
from typing import Any

import msgspec
from litestar import Request, Response, get, post, put
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_api.persistence.base import utcnow
from dispatch_api.persistence.models import Contractor, Crew, CrewMember, CrewShift, Depot, Equipment
from dispatch_api.services import org
from dispatch_api.services.city import CityContext
from dispatch_api.web.deps import PageQuery, page_body
from dispatch_api.web.security import current, require_roles

STAFF = require_roles("operator", "dispatcher", "coordinator", "contractor_manager")
MANAGERS = require_roles("dispatcher", "contractor_manager")


class ContractorIn(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    name_fa: str
    name_en: str
    districts: list[int]


class MemberIn(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    role: str = "worker"
    phone: str | None = None


class CrewIn(msgspec.Struct, forbid_unknown_fields=True):
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
    members: list[MemberIn] = []
    equipment_ids: list[str] = []


class DepotIn(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    name_fa: str
    name_en: str
    district: int
    lon: float
    lat: float


class EquipmentIn(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    type: str
    home_district: int
    depot_id: str
    crew_id: str | None = None


class ShiftIn(msgspec.Struct, forbid_unknown_fields=True):
    start: str | None = None
    end: str | None = None
    off: bool = False
    reason: str | None = None


def contractor_json(c: Contractor) -> dict[str, Any]:
    return {
        "id": c.id,
        "name_fa": c.name_fa,
        "name_en": c.name_en,
        "districts": [d.district_code for d in c.districts],
    }


def member_json(m: CrewMember) -> dict[str, Any]:
    return {"id": m.id, "name": m.name, "role": m.role}


def equipment_json(e: Equipment) -> dict[str, Any]:
    return {
        "id": e.id,
        "type": e.type,
        "home_district": e.home_district,
        "current_district": e.current_district,
        "depot_id": e.depot_id,
        "crew_id": e.crew_id,
    }


def crew_json(c: Crew, equipment: list[Equipment] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": c.id,
        "name_fa": c.name_fa,
        "name_en": c.name_en,
        "contractor_id": c.contractor_id,
        "depot_id": c.depot_id,
        "phone": c.phone,
        "districts": [d.district_code for d in c.districts],
        "skills": [s.skill for s in c.skills],
        "capacity": c.capacity,
        "shift": {"start": c.shift_start, "end": c.shift_end},
        "break": (
            {"start": c.break_start, "end": c.break_end, "minutes": c.break_minutes}
            if c.break_start
            else None
        ),
        "active": c.active,
        "members": [member_json(m) for m in c.members],
    }
    if equipment is not None:
        body["equipment"] = [equipment_json(e) for e in equipment]
    return body


def depot_json(d: Depot) -> dict[str, Any]:
    return {
        "id": d.id,
        "name_fa": d.name_fa,
        "name_en": d.name_en,
        "district": d.district_code,
        "lon": d.lon,
        "lat": d.lat,
    }


def shift_json(s: CrewShift) -> dict[str, Any]:
    return {
        "crew_id": s.crew_id,
        "date": s.day.isoformat(),
        "start": s.start,
        "end": s.end,
        "off": s.off,
        "reason": s.reason,
    }


@get("/api/contractors", guards=[STAFF], tags=["crews"])
async def list_contractors(
    request: Request[Any, Any, Any], db_session: AsyncSession, paging: PageQuery
) -> dict[str, Any]:
    rows, total = await org.list_contractors(db_session, current(request), paging.offset, paging.per_page)
    return page_body([contractor_json(c) for c in rows], total, paging)


@get("/api/contractors/{contractor_id:str}", guards=[STAFF], tags=["crews"])
async def read_contractor(
    request: Request[Any, Any, Any], contractor_id: str, db_session: AsyncSession
) -> dict[str, Any]:
    return contractor_json(await org.get_contractor(db_session, contractor_id, current(request)))


@post("/api/contractors", guards=[require_roles("admin")], tags=["crews"])
async def create_contractor(data: ContractorIn, db_session: AsyncSession) -> dict[str, Any]:
    contractor = await org.create_contractor(db_session, data.id, data.name_fa, data.name_en, data.districts)
    return contractor_json(contractor)


@get("/api/crews", guards=[STAFF], tags=["crews"])
async def list_crews(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    paging: PageQuery,
    district: int | None = None,
    contractor: str | None = None,
    skill: str | None = None,
) -> dict[str, Any]:
    rows, total = await org.list_crews(
        db_session,
        current(request),
        paging.offset,
        paging.per_page,
        district=district,
        contractor_id=contractor,
        skill=skill,
    )
    return page_body([crew_json(c) for c in rows], total, paging)


@get("/api/crews/availability", guards=[STAFF], tags=["crews"], summary="Which crews work on a day, and when")
async def crew_availability(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    city: CityContext,
    paging: PageQuery,
    day: date | None = Parameter(
        query="date", default=None, description="YYYY-MM-DD; default today in the city"
    ),
    district: int | None = None,
) -> dict[str, Any]:
    when = day or city.calendar.local_date(utcnow())
    rows, total = await org.availability(
        db_session, city, when, current(request), paging.offset, paging.per_page, district=district
    )
    items = [
        {
            "crew_id": a.crew.id,
            "name_fa": a.crew.name_fa,
            "name_en": a.crew.name_en,
            "districts": [d.district_code for d in a.crew.districts],
            "available": a.available,
            "start": a.start,
            "end": a.end,
            "break": {"start": a.crew.break_start, "end": a.crew.break_end, "minutes": a.crew.break_minutes}
            if a.available and a.crew.break_start
            else None,
            "reason": a.reason,
        }
        for a in rows
    ]
    return {
        **page_body(items, total, paging),
        "date": when.isoformat(),
        "working_day": city.calendar.is_working_day(when),
    }


@get(
    "/api/crews/{crew_id:str}",
    guards=[require_roles("operator", "dispatcher", "coordinator", "contractor_manager", "crew")],
    tags=["crews"],
)
async def read_crew(
    request: Request[Any, Any, Any], crew_id: str, db_session: AsyncSession
) -> dict[str, Any]:
    crew = await org.get_crew(db_session, crew_id, current(request))
    return crew_json(crew, await org.crew_equipment(db_session, crew.id))


@post("/api/crews", guards=[MANAGERS], tags=["crews"], summary="Create a crew with its phone login")
async def create_crew(
    request: Request[Any, Any, Any], data: CrewIn, db_session: AsyncSession
) -> Response[Any]:
    fields = msgspec.structs.asdict(data)
    fields["members"] = [msgspec.structs.asdict(m) for m in data.members]
    crew = await org.create_crew(db_session, org.CrewData(**fields), current(request))
    await db_session.refresh(crew, ["members", "skills", "districts"])
    return Response(crew_json(crew, await org.crew_equipment(db_session, crew.id)), status_code=201)


@post("/api/crews/{crew_id:str}/members", guards=[MANAGERS], tags=["crews"])
async def add_member(
    request: Request[Any, Any, Any], crew_id: str, data: MemberIn, db_session: AsyncSession
) -> dict[str, Any]:
    member = await org.add_member(db_session, crew_id, current(request), data.name, data.role, data.phone)
    return member_json(member)


@put(
    "/api/crews/{crew_id:str}/shifts/{day:date}",
    guards=[MANAGERS],
    tags=["crews"],
    summary="Change a crew's hours on a day",
)
async def set_shift(
    request: Request[Any, Any, Any], crew_id: str, day: date, data: ShiftIn, db_session: AsyncSession
) -> dict[str, Any]:
    row = await org.set_shift(
        db_session,
        crew_id,
        day,
        current(request),
        start=data.start,
        end=data.end,
        off=data.off,
        reason=data.reason,
    )
    return shift_json(row)


@get("/api/depots", guards=[STAFF], tags=["crews"])
async def list_depots(db_session: AsyncSession, paging: PageQuery) -> dict[str, Any]:
    rows, total = await org.list_depots(db_session, paging.offset, paging.per_page)
    return page_body([depot_json(d) for d in rows], total, paging)


@get("/api/equipment", guards=[STAFF], tags=["crews"])
async def list_equipment(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    paging: PageQuery,
    type_: str | None = Parameter(query="type", default=None),
    district: int | None = None,
) -> dict[str, Any]:
    rows, total = await org.list_equipment(
        db_session, current(request), paging.offset, paging.per_page, type_=type_, district=district
    )
    return page_body([equipment_json(e) for e in rows], total, paging)


@post("/api/depots", guards=[require_roles("admin")], tags=["crews"])
async def create_depot(data: DepotIn, db_session: AsyncSession, city: CityContext) -> dict[str, Any]:
    depot = await org.create_depot(
        db_session, city, data.id, data.name_fa, data.name_en, data.district, data.lon, data.lat
    )
    return depot_json(depot)


@post("/api/equipment", guards=[require_roles("dispatcher", "coordinator")], tags=["crews"])
async def create_equipment(data: EquipmentIn, db_session: AsyncSession) -> dict[str, Any]:
    unit = await org.create_equipment(
        db_session, data.id, data.type, data.home_district, data.depot_id, data.crew_id
    )
    return equipment_json(unit)


def route_handlers() -> list[Any]:
    return [
        list_contractors,
        read_contractor,
        create_contractor,
        list_crews,
        crew_availability,
        read_crew,
        create_crew,
        add_member,
        set_shift,
        list_depots,
        create_depot,
        list_equipment,
        create_equipment,
    ]
