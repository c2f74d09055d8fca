"""Field work: crews' jobs (published visits), the actions crews send, their photos and GPS pings.

Every record a device creates carries the device's ``client_id`` under a unique constraint, so a
resent action, photo or ping is stored once however often it arrives.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dispatch_api.persistence.base import Base, utcnow

JOB_STATUSES = (
    "assigned",
    "accepted",
    "declined",
    "en_route",
    "on_site",
    "paused",
    "done",
    "cannot_complete",
)


class CrewJob(Base):
    """One visit of a published plan: a ticket for a crew at a place in its route."""

    __tablename__ = "crew_jobs"
    __table_args__ = (Index("ix_crew_jobs_crew_day", "crew_id", "service_date", "sequence"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    plan_id: Mapped[str | None] = mapped_column(ForeignKey("plans.id"), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    crew_id: Mapped[str] = mapped_column(ForeignKey("crews.id"))
    service_date: Mapped[date] = mapped_column(Date)
    sequence: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="assigned")
    paused_from: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    eta: Mapped[datetime | None] = mapped_column()
    service_minutes: Mapped[int] = mapped_column(Integer)
    travel_s: Mapped[int] = mapped_column(Integer, default=0)
    route: Mapped[list[list[float]] | None] = mapped_column(JSON)
    last_action_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class JobAction(Base):
    """An action a crew sent (or a state filled in because a later action arrived first)."""

    __tablename__ = "job_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("crew_jobs.id"), index=True)
    crew_id: Mapped[str] = mapped_column(ForeignKey("crews.id"))
    action: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column()
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    filled: Mapped[bool] = mapped_column(Boolean, default=False)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    materials: Mapped[list[Any] | dict[str, Any] | None] = mapped_column(JSON)


class JobPhoto(Base):
    """A before/after photo; the served file has no EXIF, the evidence columns are for staff."""

    __tablename__ = "job_photos"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("crew_jobs.id"), index=True)
    crew_id: Mapped[str] = mapped_column(ForeignKey("crews.id"))
    kind: Mapped[str] = mapped_column(String(10))
    storage_key: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(Integer)
    source_format: Mapped[str] = mapped_column(String(10))
    taken_at_device: Mapped[str | None] = mapped_column(String(32))
    gps_lon: Mapped[float | None] = mapped_column(Float)
    gps_lat: Mapped[float | None] = mapped_column(Float)
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class CrewPosition(Base):
    """A GPS ping from a crew's device."""

    __tablename__ = "crew_positions"
    __table_args__ = (Index("ix_crew_positions_crew_at", "crew_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    crew_id: Mapped[str] = mapped_column(ForeignKey("crews.id"))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    at: Mapped[datetime] = mapped_column()
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
