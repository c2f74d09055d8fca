"""Helpers for the plan and crew-job API tests: a loopback uvicorn server and published test jobs."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import uvicorn
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

REPO = Path(__file__).resolve().parents[2]
SAMPLE_CITY = REPO / "fixtures" / "sample_city"
CREWS: dict[str, dict[str, Any]] = {
    c["id"]: c for c in json.loads((SAMPLE_CITY / "crews.json").read_text(encoding="utf-8"))
}
SERVICE_DATE = date.fromisoformat(
    json.loads((SAMPLE_CITY / "city.json").read_text(encoding="utf-8"))["service_date"]
)


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Run an ASGI app under uvicorn on a free loopback port (streams need a real server)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)


async def create_job(
    session: AsyncSession, crew_id: str, sequence: int = 1, day: date = SERVICE_DATE
) -> tuple[str, int]:
    """Publish a job for ``crew_id`` on an open ticket of its skills: ``(job id, ticket id)``."""
    from dispatch_api.persistence.models import Category, Ticket
    from dispatch_api.persistence.models.field import CrewJob
    from dispatch_api.services import tickets as ticket_service

    crew = CREWS[crew_id]
    ticket = await session.scalar(
        select(Ticket)
        .join(Category, Category.code == Ticket.category_code)
        .where(
            Ticket.status == "triaged",
            Category.skill.in_(crew["skills"]),
            Ticket.id.not_in(select(CrewJob.ticket_id)),
        )
        .order_by(Ticket.id)
        .limit(1)
    )
    assert ticket is not None, f"no open ticket left for {crew_id}"
    await ticket_service.transition(session, ticket.id, "assigned", None, None, commit=False)
    job = CrewJob(
        id=uuid.uuid4().hex,
        ticket_id=ticket.id,
        crew_id=crew_id,
        service_date=day,
        sequence=sequence,
        status="assigned",
        active=True,
        eta=datetime(2026, 1, 13, 5, 0, tzinfo=UTC),
        service_minutes=30,
        route=[[52.5, 29.6], [52.51, 29.61]],
    )
    session.add(job)
    await session.commit()
    return job.id, ticket.id
