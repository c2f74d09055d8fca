"""The city's reference data: districts, service categories, depots and official holidays."""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from dispatch_api.persistence.base import Base


class District(Base):
    __tablename__ = "districts"

    code: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name_fa: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    # GeoJSON geometry (lon/lat) of the district polygon.
    geometry: Mapped[dict[str, object]] = mapped_column(JSON)


class Category(Base):
    __tablename__ = "categories"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_fa: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    skill: Mapped[str | None] = mapped_column(String(40))
    default_priority: Mapped[str] = mapped_column(String(10))
    sla_hours: Mapped[float] = mapped_column(Float)
    service_minutes: Mapped[int] = mapped_column(Integer)
    remit: Mapped[str] = mapped_column(String(20))
    calendar: Mapped[str] = mapped_column(String(10))
    deferrable: Mapped[bool] = mapped_column(Boolean, default=False)
    repeat_radius_m: Mapped[int] = mapped_column(Integer, default=250)


class Depot(Base):
    __tablename__ = "depots"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_fa: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    district_code: Mapped[int] = mapped_column(ForeignKey("districts.code"), index=True)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)


class Holiday(Base):
    __tablename__ = "holidays"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(120))
