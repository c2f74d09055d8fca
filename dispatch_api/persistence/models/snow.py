"""Snow emergencies: the declaration, what it changed on tickets, the proposed reallocation of
equipment, the plow runs given to crews, and the plowed state of each snow-route segment.

- ``SnowEmergency``: level 1–3, districts, start and expected end, who declared and ended it.
- ``SnowTicketChange``: a ticket the emergency raised to urgent or held back from planning, with
  what it was before, so ending the emergency restores exactly that (``restored_at``).
- ``SnowProposal``: one reallocation solve (queued → running → done/failed) and its result; the
  coordinator may change the target district of units by hand (``overrides``) before approving.
- ``SnowPlowRun``: one plow's route of an approved proposal, given to a crew as an ordinary job.
- ``SnowSegmentState``: when a snow-route segment (the city's street ``edge_id``) was last plowed,
  by whom and from what (a completed plow job or a GPS ping along it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dispatch_api.persistence.base import Base, utcnow

EMERGENCY_STATUSES = ("active", "ended")
PROPOSAL_STATUSES = ("queued", "running", "done", "failed", "approved")


class SnowEmergency(Base):
    __tablename__ = "snow_emergencies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    level: Mapped[int] = mapped_column(Integer)
    districts: Mapped[list[int]] = mapped_column(JSON)
    start_at: Mapped[datetime] = mapped_column()
    expected_end_at: Mapped[datetime] = mapped_column()
    status: Mapped[str] = mapped_column(String(10), default="active", index=True)
    note: Mapped[str | None] = mapped_column(Text)
    declared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    declared_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ended_at: Mapped[datetime | None] = mapped_column()
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class SnowTicketChange(Base):
    """A ticket an emergency raised (``kind`` 'raised') or held back from planning ('held')."""

    __tablename__ = "snow_ticket_changes"
    __table_args__ = (Index("ix_snow_ticket_changes_open", "ticket_id", "restored_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    emergency_id: Mapped[int] = mapped_column(ForeignKey("snow_emergencies.id"), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    kind: Mapped[str] = mapped_column(String(10))
    original_priority: Mapped[str] = mapped_column(String(10))
    original_priority_reason: Mapped[str | None] = mapped_column(String(400))
    original_status: Mapped[str] = mapped_column(String(20))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    restored_at: Mapped[datetime | None] = mapped_column()


class SnowProposal(Base):
    __tablename__ = "snow_proposals"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    emergency_id: Mapped[int] = mapped_column(ForeignKey("snow_emergencies.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    time_limit_s: Mapped[float] = mapped_column(Float, default=5.0)
    units: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    overrides: Mapped[dict[str, int] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column()
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class SnowPlowRun(Base):
    __tablename__ = "snow_plow_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[str] = mapped_column(ForeignKey("snow_proposals.id"), index=True)
    equipment_id: Mapped[str] = mapped_column(ForeignKey("equipment.id"))
    crew_id: Mapped[str] = mapped_column(ForeignKey("crews.id"))
    district: Mapped[int] = mapped_column(Integer)
    job_id: Mapped[str] = mapped_column(ForeignKey("crew_jobs.id"), unique=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    edge_ids: Mapped[list[int]] = mapped_column(JSON)
    length_m: Mapped[int] = mapped_column(Integer)
    duration_s: Mapped[int] = mapped_column(Integer)
    completed_at: Mapped[datetime | None] = mapped_column()


class SnowSegmentState(Base):
    __tablename__ = "snow_segment_states"

    edge_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_plowed_at: Mapped[datetime] = mapped_column()
    crew_id: Mapped[str | None] = mapped_column(ForeignKey("crews.id"))
    source: Mapped[str] = mapped_column(String(10))
    passes: Mapped[int] = mapped_column(Integer, default=1)
