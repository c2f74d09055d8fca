"""Contractors and their crews: members, skills, districts, shifts and equipment."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch_api.persistence.base import Base


class Contractor(Base):
    __tablename__ = "contractors"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_fa: Mapped[str] = mapped_column(String(160))
    name_en: Mapped[str] = mapped_column(String(160))
    districts: Mapped[list[ContractorDistrict]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ContractorDistrict.district_code"
    )


class ContractorDistrict(Base):
    """A district whose service contract the contractor holds."""

    __tablename__ = "contractor_districts"

    contractor_id: Mapped[str] = mapped_column(ForeignKey("contractors.id"), primary_key=True)
    district_code: Mapped[int] = mapped_column(ForeignKey("districts.code"), primary_key=True)


class Crew(Base):
    __tablename__ = "crews"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_fa: Mapped[str] = mapped_column(String(160))
    name_en: Mapped[str] = mapped_column(String(160))
    contractor_id: Mapped[str] = mapped_column(ForeignKey("contractors.id"), index=True)
    depot_id: Mapped[str] = mapped_column(ForeignKey("depots.id"), index=True)
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    capacity: Mapped[int] = mapped_column(Integer)
    shift_start: Mapped[str] = mapped_column(String(5))
    shift_end: Mapped[str] = mapped_column(String(5))
    break_start: Mapped[str | None] = mapped_column(String(5))
    break_end: Mapped[str | None] = mapped_column(String(5))
    break_minutes: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    districts: Mapped[list[CrewDistrict]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="CrewDistrict.district_code"
    )
    skills: Mapped[list[CrewSkill]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="CrewSkill.skill"
    )
    members: Mapped[list[CrewMember]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="CrewMember.id"
    )


class CrewDistrict(Base):
    __tablename__ = "crew_districts"

    crew_id: Mapped[str] = mapped_column(ForeignKey("crews.id"), primary_key=True)
    district_code: Mapped[int] = mapped_column(ForeignKey("districts.code"), primary_key=True)


class CrewSkill(Base):
    __tablename__ = "crew_skills"

    crew_id: Mapped[str] = mapped_column(ForeignKey("crews.id"), primary_key=True)
    skill: Mapped[str] = mapped_column(String(40), primary_key=True)


class CrewMember(Base):
    __tablename__ = "crew_members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    crew_id: Mapped[str] = mapped_column(ForeignKey("crews.id"), index=True)
    name: Mapped[str] = mapped_column(String(160))
    role: Mapped[str] = mapped_column(String(40), default="worker")
    phone: Mapped[str | None] = mapped_column(String(20))


class CrewShift(Base):
    """A day on which a crew works other hours than its standard shift, or is off (`off` true)."""

    __tablename__ = "crew_shifts"
    __table_args__ = (UniqueConstraint("crew_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    crew_id: Mapped[str] = mapped_column(ForeignKey("crews.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    start: Mapped[str | None] = mapped_column(String(5))
    end: Mapped[str | None] = mapped_column(String(5))
    off: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str | None] = mapped_column(String(240))


class Equipment(Base):
    __tablename__ = "equipment"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    type: Mapped[str] = mapped_column(String(20), index=True)
    home_district: Mapped[int] = mapped_column(ForeignKey("districts.code"))
    current_district: Mapped[int] = mapped_column(ForeignKey("districts.code"))
    depot_id: Mapped[str] = mapped_column(ForeignKey("depots.id"))
    crew_id: Mapped[str | None] = mapped_column(ForeignKey("crews.id"), index=True)
