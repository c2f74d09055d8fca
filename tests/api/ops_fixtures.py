"""Fixtures for the plan and crew-job API tests: the sample city seeded once per store kind.

The seeded store is made once per session (SQLite: a template file; PostgreSQL: a template
database) and every test module gets its own copy, so modules never see each other's changes.
Import the fixtures into a test module with ``from tests.api.ops_fixtures import *``.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import uvicorn
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from dispatch_api.app import create_app
from dispatch_api.persistence.db import Database
from dispatch_api.settings import Settings

REPO = Path(__file__).resolve().parents[2]
SAMPLE_CITY = REPO / "fixtures" / "sample_city"
PG_ADMIN = os.environ.get("CREWLINE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")

__all__ = ["OpsEnv", "create_job", "ops_env", "ops_store", "ops_template_pg", "ops_template_sqlite"]


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


def _seed(url: str) -> None:
    from dispatch_api.citydata import load_city
    from dispatch_api.services.seed import seed_city

    async def run() -> None:
        db = Database(url)
        try:
            await db.upgrade()
            async with db.sessionmaker() as session:
                await seed_city(session, load_city(SAMPLE_CITY))
        finally:
            await db.dispose()

    asyncio.run(run())


async def _pg_exec(*statements: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN, timeout=5)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def _pg_available() -> bool:
    try:
        asyncio.run(_pg_exec("SELECT 1"))
    except Exception:
        return False
    return True


def _pg_url(name: str) -> str:
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{base}/{name}"


@pytest.fixture(scope="session")
def ops_template_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ops-template") / "seeded.db"
    _seed(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def ops_template_pg() -> Iterator[str]:
    if not _pg_available():
        pytest.skip(f"PostgreSQL is not reachable at {PG_ADMIN}")
    name = f"crewline_ops_tpl_{uuid.uuid4().hex[:8]}"
    asyncio.run(_pg_exec(f'CREATE DATABASE "{name}"'))
    try:
        _seed(_pg_url(name))
        yield name
    finally:
        asyncio.run(_pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def ops_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database URL holding a fresh copy of the seeded sample city."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("ops_template_sqlite")
        path = tmp_path_factory.mktemp("ops-store") / "crewline.db"
        shutil.copyfile(template, path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    template_name: str = request.getfixturevalue("ops_template_pg")
    name = f"crewline_ops_{uuid.uuid4().hex[:8]}"
    asyncio.run(_pg_exec(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"'))
    try:
        yield _pg_url(name)
    finally:
        asyncio.run(_pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@dataclass
class OpsEnv:
    client: AsyncTestClient[Any]
    settings: Settings
    crews: dict[str, dict[str, Any]]
    service_date: date
    db: Database
    """The test's own handle on the store (the app's engine belongs to the app's event loop)."""
    _tokens: dict[str, str]

    async def staff(self, role: str = "dispatcher") -> dict[str, str]:
        key = f"staff:{role}"
        if key not in self._tokens:
            reply = await self.client.post(
                "/api/auth/login", json={"username": role, "password": f"{role}-137"}
            )
            assert reply.status_code in (200, 201), reply.text
            self._tokens[key] = reply.json()["token"]
            self.client.cookies.clear()  # every request authenticates with its own bearer token
        return {"Authorization": f"Bearer {self._tokens[key]}"}

    async def crew(self, crew_id: str) -> dict[str, str]:
        key = f"crew:{crew_id}"
        if key not in self._tokens:
            crew = self.crews[crew_id]
            reply = await self.client.post(
                "/api/auth/crew-login", json={"phone": crew["phone"], "pin": crew["pin"]}
            )
            assert reply.status_code in (200, 201), reply.text
            self._tokens[key] = reply.json()["token"]
            self.client.cookies.clear()  # every request authenticates with its own bearer token
        return {"Authorization": f"Bearer {self._tokens[key]}"}

    async def make_job(self, crew_id: str, sequence: int = 1, day: date | None = None) -> tuple[str, int]:
        """Give ``crew_id`` a published job for an open ticket of its skills: ``(job id, ticket id)``."""
        return await create_job(self.db, self.crews[crew_id], sequence, day or self.service_date)


async def create_job(db: Database, crew: dict[str, Any], sequence: int, day: date) -> tuple[str, int]:
    """A published job for ``crew`` (a crews.json record) on an open ticket of its skills."""
    from dispatch_api.persistence.models import Category, Ticket
    from dispatch_api.persistence.models.field import CrewJob
    from dispatch_api.services import tickets as ticket_service

    async with db.sessionmaker() as session:
        taken = select(CrewJob.ticket_id)
        ticket = await session.scalar(
            select(Ticket)
            .join(Category, Category.code == Ticket.category_code)
            .where(
                Ticket.status == "triaged",
                Category.skill.in_(crew["skills"]),
                Ticket.id.not_in(taken),
            )
            .order_by(Ticket.id)
            .limit(1)
        )
        assert ticket is not None, f"no open ticket left for {crew['id']}"
        await ticket_service.transition(session, ticket.id, "assigned", None, None, commit=False)
        job = CrewJob(
            id=uuid.uuid4().hex,
            ticket_id=ticket.id,
            crew_id=crew["id"],
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


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def ops_env(ops_store: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[OpsEnv]:
    data_dir = tmp_path_factory.mktemp("ops-data")
    settings = Settings(
        data_dir=data_dir, database_url=ops_store, city_dir=SAMPLE_CITY, secret_key="ops-tests"
    )
    crews = {c["id"]: c for c in json.loads((SAMPLE_CITY / "crews.json").read_text(encoding="utf-8"))}
    city = json.loads((SAMPLE_CITY / "city.json").read_text(encoding="utf-8"))
    db = Database(ops_store)
    try:
        async with AsyncTestClient(create_app(settings), timeout=60) as client:
            yield OpsEnv(client, settings, crews, date.fromisoformat(city["service_date"]), db, {})
    finally:
        await db.dispose()
