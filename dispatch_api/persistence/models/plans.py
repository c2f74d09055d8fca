"""Plans: one engine run for a service day and a set of districts, its inputs and its result.

A plan keeps what it was solved from (``inputs``: the tickets, crews and points, and the travel
matrices in ``matrices``) so manual moves and urgent insertions can re-time it without recomputing
street travel times, and the result (``result``: routes with ETAs and lines, unassigned tickets with
the engine's reason, the cost breakdown) the dispatcher reviews and publishes.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dispatch_api.persistence.base import Base, utcnow

PLAN_STATUSES = ("queued", "running", "done", "failed")


class Plan(Base):
    __tablename__ = "plans"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    stage: Mapped[str] = mapped_column(String(40), default="queued")
    stage_at: Mapped[datetime | None] = mapped_column()
    service_date: Mapped[date] = mapped_column(Date, index=True)
    districts: Mapped[list[int]] = mapped_column(JSON)
    horizon_start: Mapped[datetime] = mapped_column()
    horizon_end: Mapped[datetime] = mapped_column()
    time_limit_s: Mapped[float] = mapped_column(Float, default=10.0)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("plans.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(Text)
    inputs: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    matrices: Mapped[bytes | None] = mapped_column(LargeBinary)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    published_at: Mapped[datetime | None] = mapped_column()
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
