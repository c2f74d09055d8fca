"""`crewline bench api`: throughput and latency of the HTTP API on loopback, SQLite and PostgreSQL.

For each store the benchmark makes a fresh database, loads the sample city, adds crews until there
are ``--crews`` of them (each with a phone login and a day of published jobs), starts a real uvicorn
server on 127.0.0.1 in its own process, signs every crew in, and then sends a bounded number of
requests per scenario from ``--concurrency`` concurrent clients:

- ticket intake: ``POST /api/tickets`` as the operator (calls near the day's real calls);
- crew job list: ``GET /api/crew/jobs?date=…``, each request as one of the crews;
- GPS pings: ``POST /api/crew/positions``, each request as one of the crews.

Printed per scenario: requests per second (completed requests / wall time), p50 and p99 latency and
the count of answers that were not 2xx. With ``--write BENCHMARKS.md`` the figures replace the
``## API`` section of that file.
"""

from __future__ import annotations

import asyncio
import os
import platform
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import click
import httpx

REPO = Path(__file__).resolve().parents[2]
SAMPLE_CITY = REPO / "fixtures" / "sample_city"
BENCH_PIN = "2468"
JOBS_PER_CREW = 8


@dataclass
class Result:
    store: str
    scenario: str
    requests: int
    wall_s: float
    latencies_ms: list[float]
    failures: int

    @property
    def rps(self) -> float:
        return self.requests / self.wall_s if self.wall_s else 0.0

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# ------------------------------------------------------------------ store preparation


async def _prepare_store(url: str, n_crews: int) -> dict[str, Any]:
    """Migrate, load the sample city, add crews up to ``n_crews`` and give each a day of jobs."""
    from sqlalchemy import select

    from dispatch_api.citydata import load_city
    from dispatch_api.persistence.db import Database
    from dispatch_api.persistence.models import Crew, CrewDistrict, CrewSkill, Ticket
    from dispatch_api.persistence.models.field import CrewJob
    from dispatch_api.services import accounts
    from dispatch_api.services.seed import seed_city

    data = load_city(SAMPLE_CITY)
    db = Database(url)
    try:
        await db.upgrade()
        async with db.sessionmaker() as session:
            await seed_city(session, data)
        day = date.fromisoformat(str(data.city.service_date))
        async with db.sessionmaker() as session:
            crews = list((await session.scalars(select(Crew).order_by(Crew.id))).all())
            pin_hash = await accounts.hash_secret_async(BENCH_PIN)
            logins: list[dict[str, str]] = [
                {"phone": c.phone, "pin": c.pin} for c in data.crews if any(k.id == c.id for k in crews)
            ]
            templates = list(crews)
            k = 0
            while len(logins) < n_crews:
                base = templates[k % len(templates)]
                k += 1
                crew = Crew(
                    id=f"bench-{k:04d}",
                    name_fa=f"{base.name_fa} {k}",
                    name_en=f"{base.name_en} {k}",
                    contractor_id=base.contractor_id,
                    depot_id=base.depot_id,
                    phone=f"0935{k:07d}",
                    capacity=base.capacity,
                    shift_start=base.shift_start,
                    shift_end=base.shift_end,
                    break_start=base.break_start,
                    break_end=base.break_end,
                    break_minutes=base.break_minutes,
                    active=True,
                )
                crew.districts = [CrewDistrict(district_code=d.district_code) for d in base.districts]
                crew.skills = [CrewSkill(skill=s.skill) for s in base.skills]
                session.add(crew)
                await session.flush()
                await accounts.set_crew_login(session, crew, BENCH_PIN, pin_hash)
                logins.append({"phone": crew.phone, "pin": BENCH_PIN})
            await session.commit()
            all_crews = list((await session.scalars(select(Crew.id).order_by(Crew.id))).all())
            tickets = list((await session.scalars(select(Ticket).order_by(Ticket.id))).all())
            for c_index, crew_id in enumerate(all_crews[:n_crews]):
                for seq in range(1, JOBS_PER_CREW + 1):
                    ticket = tickets[(c_index * JOBS_PER_CREW + seq) % len(tickets)]
                    session.add(
                        CrewJob(
                            id=uuid.uuid4().hex,
                            ticket_id=ticket.id,
                            crew_id=crew_id,
                            service_date=day,
                            sequence=seq,
                            status="assigned",
                            active=True,
                            eta=datetime.combine(day, datetime.min.time(), UTC)
                            + timedelta(hours=4, minutes=40 * seq),
                            service_minutes=30,
                            route=[[ticket.lon, ticket.lat], [ticket.lon + 0.001, ticket.lat]],
                        )
                    )
            await session.commit()
            calls = [(t.category_code, t.lon, t.lat) for t in tickets if t.status == "triaged"]
        return {"logins": logins[:n_crews], "day": day.isoformat(), "calls": calls}
    finally:
        await db.dispose()


async def _pg(admin_url: str, statement: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin_url, timeout=10)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


# ------------------------------------------------------------------ server


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start_server(url: str, data_dir: Path, port: int, log: Any) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CREWLINE_DATABASE_URL": url,
        "CREWLINE_DATA_DIR": str(data_dir),
        "CREWLINE_CITY_DIR": str(SAMPLE_CITY),
        "CREWLINE_SECRET_KEY": "bench-api",
        "CREWLINE_LOGIN_MAX_FAILURES": "100000",
        "CREWLINE_REDIS_URL": "",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "dispatch_api.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
        cwd=str(REPO),
        stdout=subprocess.DEVNULL,
        stderr=log,
    )


def _wait_ready(base: str, proc: subprocess.Popen[bytes], timeout_s: float = 90.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise click.ClickException("the API server exited while starting; its log is printed above")
        try:
            if httpx.get(f"{base}/api/categories", timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise click.ClickException(f"the API server did not answer at {base} within {timeout_s:.0f} s")


# ------------------------------------------------------------------ load


async def _run(
    client: httpx.AsyncClient, n: int, concurrency: int, make: Callable[[int], Awaitable[httpx.Response]]
) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    failures = 0
    counter = iter(range(n))

    async def worker() -> None:
        nonlocal failures
        for i in counter:
            t0 = time.perf_counter()
            try:
                reply = await make(i)
                ok = 200 <= reply.status_code < 300
            except httpx.HTTPError:
                ok = False
            latencies.append((time.perf_counter() - t0) * 1000)
            failures += 0 if ok else 1

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - t0, latencies, failures


async def _bench_server(
    base: str, store: str, prepared: dict[str, Any], n: int, concurrency: int
) -> list[Result]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        staff = await client.post(
            "/api/auth/login", json={"username": "operator", "password": "operator-137"}
        )
        staff.raise_for_status()
        operator = {"Authorization": f"Bearer {staff.json()['token']}"}
        # Sign-ins are set-up, not measured: one after the other.
        crews = []
        for login in prepared["logins"]:
            reply = await client.post("/api/auth/crew-login", json=login)
            reply.raise_for_status()
            crews.append({"Authorization": f"Bearer {reply.json()['token']}"})
        client.cookies.clear()
        rng = random.Random(137)
        calls = prepared["calls"]
        day = prepared["day"]

        def intake(i: int) -> Awaitable[httpx.Response]:
            category, lon, lat = calls[i % len(calls)]
            body = {
                "category": category,
                "lon": lon + rng.uniform(-0.003, 0.003),
                "lat": lat + rng.uniform(-0.003, 0.003),
                "address": f"bench call {i}",
                "description": "load test call",
                "reporter_name": "Bench",
                "reporter_phone": "09120000000",
            }
            return client.post("/api/tickets", json=body, headers=operator)

        def job_list(i: int) -> Awaitable[httpx.Response]:
            return client.get(f"/api/crew/jobs?date={day}", headers=crews[i % len(crews)])

        def ping(i: int) -> Awaitable[httpx.Response]:
            body = {
                "client_id": uuid.uuid4().hex,
                "lon": 52.52 + rng.uniform(-0.05, 0.05),
                "lat": 29.62 + rng.uniform(-0.04, 0.04),
                "accuracy_m": 10.0,
                "at": datetime.now(UTC).isoformat(),
            }
            return client.post("/api/crew/positions", json=body, headers=crews[i % len(crews)])

        results = []
        for name, make in (("ticket intake", intake), ("crew job list", job_list), ("GPS ping", ping)):
            await _run(client, min(50, n), concurrency, make)  # warm-up, not counted
            wall, latencies, failures = await _run(client, n, concurrency, make)
            results.append(Result(store, name, n, wall, latencies, failures))
        return results


def _bench_store(store: str, url: str, n_crews: int, n: int, concurrency: int, console: Any) -> list[Result]:
    work = Path(tempfile.mkdtemp(prefix="crewline-bench-api-"))
    try:
        console.print(f"[bold]{store}[/]: loading the sample city and {n_crews} crews …")
        prepared = asyncio.run(_prepare_store(url, n_crews))
        port = _free_port()
        log_path = work / "server.log"
        with log_path.open("wb") as log:
            proc = _start_server(url, work, port, log)
            base = f"http://127.0.0.1:{port}"
            try:
                _wait_ready(base, proc)
                console.print(
                    f"[bold]{store}[/]: {n} requests per scenario, {concurrency} concurrent clients …"
                )
                return asyncio.run(_bench_server(base, store, prepared, n, concurrency))
            except BaseException:
                console.print(
                    f"[red]server log ({store}):[/]\n" + log_path.read_text(errors="replace")[-3000:]
                )
                raise
            finally:
                proc.terminate()
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
    finally:
        shutil.rmtree(work, ignore_errors=True)


# ------------------------------------------------------------------ output


def _rows(results: list[Result]) -> list[list[str]]:
    return [
        [
            r.store,
            r.scenario,
            f"{r.requests:,}",
            f"{r.rps:,.0f}",
            f"{r.pct(0.50):.1f}",
            f"{r.pct(0.99):.1f}",
            str(r.failures),
        ]
        for r in results
    ]


HEADERS = ["store", "scenario", "requests", "req/s", "p50 ms", "p99 ms", "non-2xx"]


def _write_section(path: Path, command: str, results: list[Result], crews: int, concurrency: int) -> None:
    load = os.getloadavg()[0]
    lines = [
        "## API",
        "",
        f"Measured with `{command}` on {platform.machine()}, {os.cpu_count()} cores shared, "
        f"Python {platform.python_version()} ({time.strftime('%Y-%m-%d', time.gmtime())}), load average "
        f"{load:.1f} at the end. One uvicorn process on 127.0.0.1 (client and server share the machine); "
        f"{crews} crews signed in, each with {JOBS_PER_CREW} jobs; {concurrency} concurrent clients.",
        *(
            [
                "",
                "The machine was busy with other work while this ran (load above its core count): the load "
                "generator, the server and the database all waited for a core, so these are lower bounds.",
            ]
            if load > (os.cpu_count() or 1)
            else []
        ),
        "",
        "| " + " | ".join(HEADERS) + " |",
        "| " + " | ".join("---" for _ in HEADERS) + " |",
        *["| " + " | ".join(row) + " |" for row in _rows(results)],
        "",
    ]
    section = "\n".join(lines)
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n\n"
    pattern = re.compile(r"^## API\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _m: section + "\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


@click.command()
@click.option(
    "--store",
    "stores",
    type=click.Choice(["sqlite", "postgres"]),
    multiple=True,
    help="Stores to measure (default: both).",
)
@click.option("--crews", "n_crews", default=200, show_default=True, help="Simulated crews (signed in).")
@click.option("--requests", "n_requests", default=2000, show_default=True, help="Requests per scenario.")
@click.option("--concurrency", default=32, show_default=True, help="Concurrent clients.")
@click.option(
    "--pg-admin-url",
    default="postgresql://postgres@127.0.0.1:5432/test",
    show_default=True,
    help="PostgreSQL server where a scratch database is made (and dropped).",
)
@click.option(
    "--write",
    "write_to",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Replace the '## API' section of this Markdown file (e.g. BENCHMARKS.md).",
)
def api(
    stores: tuple[str, ...],
    n_crews: int,
    n_requests: int,
    concurrency: int,
    pg_admin_url: str,
    write_to: Path | None,
) -> None:
    """Requests per second and p50/p99 latency: ticket intake, crew job list, GPS pings."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if n_crews < 1 or n_requests < 1 or concurrency < 1:
        raise click.BadParameter("--crews, --requests and --concurrency must be at least 1")
    results: list[Result] = []
    for store in stores or ("sqlite", "postgres"):
        if store == "sqlite":
            folder = Path(tempfile.mkdtemp(prefix="crewline-bench-db-"))
            try:
                results += _bench_store(
                    store,
                    f"sqlite+aiosqlite:///{folder / 'bench.db'}",
                    n_crews,
                    n_requests,
                    concurrency,
                    console,
                )
            finally:
                shutil.rmtree(folder, ignore_errors=True)
        else:
            name = f"crewline_bench_{uuid.uuid4().hex[:8]}"
            try:
                asyncio.run(_pg(pg_admin_url, f'CREATE DATABASE "{name}"'))
            except Exception as exc:
                raise click.ClickException(
                    f"cannot make a scratch database on {pg_admin_url}: {exc}"
                ) from exc
            base = pg_admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
            try:
                results += _bench_store(store, f"{base}/{name}", n_crews, n_requests, concurrency, console)
            finally:
                asyncio.run(_pg(pg_admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    table = Table(title="Crewline API on loopback")
    for header in HEADERS:
        table.add_column(header, justify="left" if header in ("store", "scenario") else "right")
    for row in _rows(results):
        table.add_row(*row)
    console.print(table)
    if any(r.failures for r in results):
        console.print("[yellow]some requests were not answered with 2xx; see the non-2xx column[/]")
    if write_to is not None:
        command = "nice .venv/bin/crewline bench api " + " ".join(sys.argv[3:])
        _write_section(write_to, command.strip(), results, n_crews, concurrency)
        console.print(f"figures written to {write_to}")
