"""Typed records of a city data folder, one Struct per record kind (see docs/city-data.md).

Unknown extra fields are ignored, so a folder may carry additions the product does not use yet.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Literal

import msgspec

Priority = Literal["urgent", "high", "normal", "low"]
Remit = Literal["city", "water_sewage", "power", "gas", "police", "traffic"]
CalendarKind = Literal["working", "24x7"]
RoadClass = Literal["arterial", "collector", "residential"]
EquipmentType = Literal["plow", "salt_spreader", "loader", "truck"]
FacilityType = Literal["hospital", "fire_station", "school"]
Weekday = Literal["saturday", "sunday", "monday", "tuesday", "wednesday", "thursday", "friday"]

ROAD_CLASSES: tuple[str, ...] = ("arterial", "collector", "residential")
PRIORITIES: tuple[str, ...] = ("urgent", "high", "normal", "low")


def clock(text: str) -> time:
    """'HH:MM' as a time of day (the caller has validated the format)."""
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


class LocalName(msgspec.Struct, frozen=True):
    fa: str
    en: str


class HoursSpan(msgspec.Struct, frozen=True):
    """A span of local clock time, 'HH:MM'; an end before the start runs past midnight."""

    start: str
    end: str

    @property
    def start_time(self) -> time:
        return clock(self.start)

    @property
    def end_time(self) -> time:
        return clock(self.end)

    @property
    def crosses_midnight(self) -> bool:
        return clock(self.end) <= clock(self.start)

    @property
    def minutes(self) -> int:
        s, e = clock(self.start), clock(self.end)
        span = (e.hour * 60 + e.minute) - (s.hour * 60 + s.minute)
        return span if span > 0 else span + 24 * 60


class City(msgspec.Struct, frozen=True):
    code: str
    name: LocalName
    timezone: str
    crs: str
    center: tuple[float, float]
    bbox: tuple[float, float, float, float]
    locale: str
    weekend: list[Weekday]
    holidays: list[date]
    working_hours: HoursSpan
    service_date: date
    snow_date: date | None = None

    def contains(self, lon: float, lat: float) -> bool:
        minlon, minlat, maxlon, maxlat = self.bbox
        return minlon <= lon <= maxlon and minlat <= lat <= maxlat


class StreetNode(msgspec.Struct, frozen=True):
    id: int
    lon: float
    lat: float
    elev_m: float | None = None


class StreetEdge(msgspec.Struct, frozen=True):
    id: int
    u: int
    v: int
    street_id: int
    road_class: RoadClass
    oneway: bool
    bridge: bool


class Street(msgspec.Struct, frozen=True):
    street_id: int
    name_fa: str
    name_en: str
    road_class: RoadClass


class Depot(msgspec.Struct, frozen=True):
    id: str
    name_fa: str
    name_en: str
    district: int
    lon: float
    lat: float
    node_id: int | None = None


class Facility(msgspec.Struct, frozen=True):
    id: str
    type: FacilityType
    name_fa: str
    name_en: str
    district: int
    lon: float
    lat: float
    node_id: int | None = None


class Contractor(msgspec.Struct, frozen=True):
    id: str
    name_fa: str
    name_en: str
    districts: list[int]


class Category(msgspec.Struct, frozen=True):
    code: str
    name_fa: str
    name_en: str
    skill: str | None
    default_priority: Priority
    sla_hours: int
    service_minutes: int
    remit: Remit
    calendar: CalendarKind
    deferrable: bool
    repeat_radius_m: int

    @property
    def referred(self) -> bool:
        return self.remit != "city"


class CrewBreak(msgspec.Struct, frozen=True):
    start: str
    end: str
    minutes: int


class Crew(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    name_fa: str
    name_en: str
    contractor_id: str
    depot_id: str
    districts: list[int]
    skills: list[str]
    equipment: list[EquipmentType]
    shift: HoursSpan
    break_: CrewBreak | None = msgspec.field(name="break")
    capacity: int
    phone: str
    pin: str


class Equipment(msgspec.Struct, frozen=True):
    id: str
    type: EquipmentType
    home_district: int
    depot_id: str
    crew_id: str | None


class Ticket(msgspec.Struct, frozen=True):
    id: str
    category: str
    lon: float
    lat: float
    address: str
    description: str
    reporter_name: str
    reporter_phone: str
    created_at: datetime
    repeat_of: str | None
    address_en: str | None = None


class EquipmentPosition(msgspec.Struct, frozen=True):
    equipment_id: str
    district: int
    lon: float
    lat: float


class Snowstorm(msgspec.Struct, frozen=True):
    level: int
    start: datetime
    expected_end: datetime
    snowfall_cm: dict[str, float]  # district code (as JSON object keys are text) -> expected cm
    districts: list[int]
    tickets: list[Ticket]
    equipment_positions: list[EquipmentPosition]

    @property
    def snowfall_by_district(self) -> dict[int, float]:
        return {int(code): cm for code, cm in self.snowfall_cm.items()}
