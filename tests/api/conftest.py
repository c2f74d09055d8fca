"""API test fixtures: the sample city seeded into each store kind, an app per test module.

`api` is parametrized over SQLite (a temporary file) and PostgreSQL (a fresh database per test
session, named `crewline_test_<random>` and dropped at the end). PostgreSQL is skipped only when it
cannot be reached and `CI` is unset; in CI it must run. The seeded store is built once per session
and copied for every test module, so modules never see each other's changes.

    def test_something(api: Api) -> None:
        r = api.client.get("/api/tickets", headers=api.headers("dispatcher"))
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from litestar.testing import TestClient
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_api.app import create_app
from dispatch_api.persistence.db import Database
from dispatch_api.services import accounts
from dispatch_api.settings import Settings

REPO = Path(__file__).resolve().parents[2]
SAMPLE_CITY = REPO / "fixtures" / "sample_city"
PG_ADMIN = os.environ.get("CREWLINE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
BACKENDS = ("sqlite", "postgres")
T = TypeVar("T")

# Cheap argon2 for the suite's own accounts; real deployments keep the library's default cost.
accounts.set_hash_cost(time_cost=1, memory_kib=8192)


def _seed(url: str) -> None:
    from dispatch_api.citydata import load_city
    from dispatch_api.services.seed import seed_city

    async def run() -> None:
        db = Database(url)
        try:
            await db.upgrade()
            async with db.sessionmaker() as session:
                report = await seed_city(session, load_city(SAMPLE_CITY))
                assert not report.skipped, report.skipped
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


def _pg_url(name: str) -> str:
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{base}/{name}"


@dataclass
class Store:
    """A seeded store to copy from."""

    backend: str
    template: str  # SQLite file path or PostgreSQL database name
    copies: list[str] = field(default_factory=list)


@pytest.fixture(scope="session")
def seeded_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    backend: str = request.param
    if backend == "sqlite":
        path = tmp_path_factory.mktemp("core-template") / "seeded.db"
        _seed(f"sqlite+aiosqlite:///{path}")
        yield Store(backend, str(path))
        return
    try:
        asyncio.run(_pg_exec("SELECT 1"))
    except Exception as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL at {PG_ADMIN} is required in CI and does not answer: {exc}")
        pytest.skip(f"PostgreSQL at {PG_ADMIN} is not reachable ({type(exc).__name__})")
    name = f"crewline_test_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_exec(f'CREATE DATABASE "{name}"'))
    store = Store(backend, name)
    try:
        _seed(_pg_url(name))
        yield store
    finally:
        drops = [f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)' for n in [*store.copies, name]]
        asyncio.run(_pg_exec(*drops))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "seeded_store" in metafunc.fixturenames:
        metafunc.parametrize("seeded_store", BACKENDS, indirect=True, scope="session")


def fresh_database_url(store: Store, tmp_dir: Path) -> str:
    """A private copy of the seeded store."""
    if store.backend == "sqlite":
        target = tmp_dir / "crewline.db"
        shutil.copyfile(store.template, target)
        return f"sqlite+aiosqlite:///{target}"
    name = f"{store.template}_{uuid.uuid4().hex[:6]}"
    asyncio.run(_pg_exec(f'CREATE DATABASE "{name}" TEMPLATE "{store.template}"'))
    store.copies.append(name)
    return _pg_url(name)


@dataclass
class Api:
    """A running app over a private copy of the seeded sample city."""

    backend: str
    settings: Settings
    client: TestClient[Any]
    _tokens: dict[str, str] = field(default_factory=dict)

    def login(self, username: str, password: str) -> dict[str, str]:
        r = self.client.post("/api/auth/login", json={"username": username, "password": password})
        assert r.status_code == 200, r.text
        self.client.cookies.clear()  # bearer only: keep the shared client anonymous
        return {"Authorization": f"Bearer {r.json()['token']}"}

    def headers(self, role: str) -> dict[str, str]:
        """Bearer headers of the demo account for `role` (signed in once per module)."""
        if role not in self._tokens:
            from dispatch_api.services.seed import demo_password

            self._tokens[role] = self.login(role, demo_password(role))["Authorization"]
        return {"Authorization": self._tokens[role]}

    def crew_headers(self, crew_id: str) -> dict[str, str]:
        key = f"crew:{crew_id}"
        if key not in self._tokens:
            from dispatch_api.citydata import load_crews

            crew = next(c for c in load_crews(SAMPLE_CITY) if c.id == crew_id)
            r = self.client.post("/api/auth/crew-login", json={"phone": crew.phone, "pin": crew.pin})
            assert r.status_code == 200, r.text
            self.client.cookies.clear()
            self._tokens[key] = f"Bearer {r.json()['token']}"
        return {"Authorization": self._tokens[key]}

    def db(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Run `work(session)` on the app's own loop and store (for set-up and checks)."""
        database: Database = self.client.app.state.db

        async def run() -> T:
            async with database.sessionmaker() as session:
                return await work(session)

        return self.client.blocking_portal.call(run)


def make_api(store: Store, tmp_dir: Path, **settings: Any) -> Iterator[Api]:
    url = fresh_database_url(store, tmp_dir)
    config = Settings(
        data_dir=tmp_dir, database_url=url, city_dir=SAMPLE_CITY, secret_key="test-secret", **settings
    )
    with TestClient(create_app(config), base_url="http://testserver.local") as client:
        yield Api(store.backend, config, client)


@pytest.fixture(scope="module")
def api(seeded_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """The app over a private copy of the seeded sample city, for one test module and store kind."""
    yield from make_api(seeded_store, tmp_path_factory.mktemp("api"))


@pytest.fixture
def sample_ticket(api: Api) -> Callable[..., dict[str, Any]]:
    """File a fresh ticket through intake (as the operator) and return its JSON."""

    def make(**fields: Any) -> dict[str, Any]:
        body = {
            "category": "asphalt_pothole",
            "lon": 52.5300,
            "lat": 29.6200,
            "address": "test address",
            "description": "pothole in the right lane",
            "reporter_name": "Test Caller",
            "reporter_phone": "09120000000",
            **fields,
        }
        r = api.client.post("/api/tickets", json=body, headers=api.headers("operator"))
        assert r.status_code in (200, 201), r.text
        return dict(r.json()["ticket"])

    return make
