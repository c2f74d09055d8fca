"""A real Crewline server on a free loopback port and Debian's Chromium driven by Playwright.

The server runs `create_app` under uvicorn in its own process against a temporary SQLite database
seeded with the sample city the way `crewline demo` seeds it; a dispatcher then plans and publishes
the day through the real API, so crews have jobs. Screenshots go to `artifacts/screenshots/`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}


@dataclass
class LiveServer:
    url: str
    data_dir: Path
    log_path: Path

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=60)

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


@dataclass(frozen=True)
class CrewLogin:
    crew_id: str
    phone: str
    pin: str


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _seed(env: dict[str, str]) -> None:
    """Load the sample city and the demo accounts the way `crewline demo` does."""
    from dispatch_api.citydata import load_city
    from dispatch_api.persistence.db import Database
    from dispatch_api.services import seed

    async def run() -> None:
        database = Database(env["CREWLINE_DATABASE_URL"])
        try:
            await database.upgrade()
            data = load_city(Path(env["CREWLINE_CITY_DIR"]))
            async with database.sessionmaker() as session:
                await seed.seed_city(session, data)
        finally:
            await database.dispose()

    # In a thread of its own: Playwright's sync API keeps an event loop running in this one while a
    # browser from another test module is still open, and asyncio.run refuses to nest.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, run()).result()


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited early:\n{log_path.read_text(errors='replace')[-4000:]}")
        try:
            if httpx.get(f"{url}/crew/login", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(
        f"the server did not answer within 90 s:\n{log_path.read_text(errors='replace')[-4000:]}"
    )


@contextmanager
def run_live_server(data_dir: Path, city_dir: Path, secret: str) -> Iterator[LiveServer]:
    """Seed a fresh SQLite store with the sample city the way `crewline demo` does, serve it with
    uvicorn on a free loopback port, and stop it with its solver workers when done."""
    env = {
        **os.environ,
        "CREWLINE_DATA_DIR": str(data_dir),
        "CREWLINE_DATABASE_URL": f"sqlite+aiosqlite:///{data_dir / 'crewline.db'}",
        "CREWLINE_CITY_DIR": str(city_dir),
        "CREWLINE_SECRET_KEY": secret,
        "CREWLINE_REDIS_URL": "",
    }
    _seed(env)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = data_dir / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "uvicorn", "--factory", "dispatch_api.app:create_app",
                "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so the solver workers go with it
        )  # fmt: skip
    try:
        _wait_until_up(url, process, log_path)
        yield LiveServer(url=url, data_dir=data_dir, log_path=log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # workers a killed server could not stop


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, sample_city_dir: Path) -> Iterator[LiveServer]:
    with run_live_server(
        tmp_path_factory.mktemp("crewline-browser"), sample_city_dir, "browser-tests-secret"
    ) as server:
        yield server


@contextmanager
def bearer_client(server: LiveServer, path: str, body: dict[str, str]) -> Iterator[httpx.Client]:
    """An API client signed in through `path` with a bearer token (machine clients skip CSRF)."""
    with server.client() as client:
        response = client.post(path, json=body)
        assert response.status_code in (200, 201), (
            f"{path}: {response.status_code} {response.text}\nserver log:\n{server.log_tail()}"
        )
        client.headers["Authorization"] = f"Bearer {response.json()['token']}"
        client.cookies.clear()
        yield client


def dispatcher_client(server: LiveServer) -> AbstractContextManager[httpx.Client]:
    return bearer_client(server, "/api/auth/login", {"username": "dispatcher", "password": "dispatcher-137"})


def crew_client(server: LiveServer, crew: CrewLogin) -> AbstractContextManager[httpx.Client]:
    return bearer_client(server, "/api/auth/crew-login", {"phone": crew.phone, "pin": crew.pin})


def city_today(sample_city_dir: Path) -> dt.date:
    info = json.loads((sample_city_dir / "city.json").read_text(encoding="utf-8"))
    return dt.datetime.now(ZoneInfo(info["timezone"])).date()


def _plan_and_publish(server: LiveServer, day: dt.date, crew_ids: list[str]) -> dict[str, Any]:
    with dispatcher_client(server) as client:
        # Whatever the hour the tests run, every crew works today (a dispatcher's shift change).
        for crew_id in crew_ids:
            shift = client.put(
                f"/api/crews/{crew_id}/shifts/{day.isoformat()}",
                json={"start": "00:00", "end": "23:59", "reason": "browser tests run at any hour"},
            )
            assert shift.status_code in (200, 201), shift.text
        created = client.post("/api/plans", json={"date": day.isoformat(), "time_limit_s": 5})
        assert created.status_code == 202, created.text
        plan = created.json()
        deadline = time.monotonic() + 240
        while plan["status"] in ("queued", "running"):
            assert time.monotonic() < deadline, f"the plan did not finish: {plan}"
            time.sleep(1)
            plan = client.get(f"/api/plans/{plan['id']}").json()
        assert plan["status"] == "done", plan
        published = client.post(f"/api/plans/{plan['id']}/publish")
        assert published.status_code == 200, published.text
        result: dict[str, Any] = published.json()
        return result


@pytest.fixture(scope="session")
def crews(sample_city_dir: Path) -> dict[str, CrewLogin]:
    rows = json.loads((sample_city_dir / "crews.json").read_text(encoding="utf-8"))
    return {row["id"]: CrewLogin(row["id"], row["phone"], row["pin"]) for row in rows}


@pytest.fixture(scope="session")
def published_plan(
    live_server: LiveServer, sample_city_dir: Path, crews: dict[str, CrewLogin]
) -> dict[str, Any]:
    return _plan_and_publish(live_server, city_today(sample_city_dir), sorted(crews))


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; install Debian's chromium (scripts/system-deps.sh browser)")
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def phone_context(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """A fresh phone-sized browser profile (its own storage, service worker and caches)."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="fa-IR",
        timezone_id="Asia/Tehran",
        geolocation={"latitude": 29.62, "longitude": 52.53, "accuracy": 15},
        permissions=["geolocation"],
    )
    context.set_default_timeout(20_000)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture(scope="session")
def screenshots_dir(artifacts_dir: Path) -> Path:
    folder = artifacts_dir / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def crews_with_jobs(
    live_server: LiveServer, published_plan: dict[str, Any], crews: dict[str, CrewLogin]
) -> list[CrewLogin]:
    """Crews that have at least two jobs today after the plan was published, most jobs first."""
    found: list[tuple[int, CrewLogin]] = []
    for crew in crews.values():
        with crew_client(live_server, crew) as client:
            items = client.get("/api/crew/jobs").json()["items"]
        if len(items) >= 2:
            found.append((len(items), crew))
    assert len(found) >= 3, f"the published plan gave fewer than three crews two jobs: {published_plan}"
    return [crew for _, crew in sorted(found, key=lambda pair: -pair[0])]
