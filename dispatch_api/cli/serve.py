"""`crewline serve` (an existing store, migrated first) and `crewline demo` (load the sample city, serve)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from rich.progress import TaskID

    from dispatch_api.citydata import CityData
    from dispatch_api.persistence.db import Database
    from dispatch_api.services.seed import SeedReport
    from dispatch_api.settings import Settings

SCREENS = (
    ("crew", "/crew", "crew app (phone)"),
    ("console", "/console", "dispatcher console"),
    ("intake", "/intake", "operator intake"),
    ("track", "/track", "citizen tracking"),
    ("figures", "/figures", "figures"),
    ("snow", "/snow", "snow emergency"),
    ("schema", "/schema", "API (OpenAPI)"),
)


def _settings(data_dir: Path | None, city_dir: Path | None) -> Settings:
    from dispatch_api.settings import Settings

    overrides: dict[str, object] = {}
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    if city_dir is not None:
        overrides["city_dir"] = city_dir
    return Settings.from_env(**overrides)


def _run(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from dispatch_api.app import create_app

    app = create_app(settings)
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False)


async def _migrate(url: str) -> None:
    from dispatch_api.persistence.db import Database

    db = Database(url)
    try:
        await db.upgrade()
    finally:
        await db.dispose()


async def _load(settings: Settings, plan: bool = False) -> SeedReport:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from dispatch_api.citydata import load_city
    from dispatch_api.persistence.db import Database
    from dispatch_api.services import seed

    db = Database(settings.database_url)
    try:
        await db.upgrade()
        with Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()
        ) as bar:
            read = bar.add_task("reading the city folder", total=1)
            data = load_city(settings.city_dir)
            bar.update(read, completed=1)
            tasks: dict[str, TaskID] = {}

            def progress(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    label = {"crews": "crews and their phone logins", "tickets": "the day's tickets (intake)"}
                    tasks[stage] = bar.add_task(label.get(stage, stage), total=total)
                bar.update(tasks[stage], completed=done, total=total)

            async with db.sessionmaker() as session:
                report = await seed.seed_city(
                    session, data, progress=progress, replay_at=datetime.now(UTC)
                )
            if plan and report.loaded_reference:
                planning = bar.add_task("today's first plan (solve and publish)", total=1)
                report.first_plan = await _first_plan(db, settings, data)
                bar.update(planning, completed=1)
        return report
    finally:
        await db.dispose()


async def _first_plan(db: Database, settings: Settings, data: CityData) -> dict[str, int]:
    """Solve today's plan for every district with the real engine and publish it, so the crews'
    phones show routes from the start. Runs in the solver pool's worker process, as in the app."""
    from dispatch_api.services import planning
    from dispatch_api.services.events import Announcer
    from dispatch_api.services.solver_worker import shutdown_pools

    quiet = Announcer(None)
    ctx = planning.PlanContext(
        sessionmaker=db.sessionmaker,
        city_dir=settings.city_dir,
        crs=data.city.crs,
        timezone=data.city.timezone,
        announcer=quiet,
    )
    try:
        async with db.sessionmaker() as session:
            row = await planning.start(session, ctx, planning.PlanRequest(time_limit_s=10.0), None)
        await planning.wait_for_background()
        async with db.sessionmaker() as session:
            row = await planning.get_plan(session, row.id)
            if row.status != "done":
                return {}
            await planning.publish(session, row.id, None, quiet)
            routes = planning.plan_json(row)["routes"]
    finally:
        shutdown_pools()
    return {"crews": sum(1 for r in routes if r["stops"]), "visits": sum(len(r["stops"]) for r in routes)}


def _banner(host: str, port: int, report: SeedReport | None, serving: bool = True) -> None:
    from dispatch_api.services import seed

    base = f"http://{host}:{port}"
    click.echo("")
    click.secho(f"Crewline {'is running' if serving else 'will run'} on {base}", bold=True)
    for _key, path, label in SCREENS:
        click.echo(f"  {label:<20} {base}{path}")
    click.echo("")
    click.echo("Sign-ins (username / password):")
    for role in seed.DEMO_ROLES:
        click.echo(f"  {role:<20} {role} / {seed.demo_password(role)}")
    click.echo("  crews                phone and PIN from fixtures/sample_city/crews.json")
    click.echo(f"  Open311 api_key      {seed.OPEN311_DEMO_KEY}   ({base}/open311/v2/services.json)")
    if report is not None and report.loaded_reference:
        click.echo(
            f"Loaded {report.counts.get('crews', 0)} crews, {report.tickets_created} tickets and "
            f"{report.repeat_calls} repeat calls."
        )
        plan = report.first_plan
        if plan:
            click.echo(
                f"Published today's first plan: {plan['visits']} visits for {plan['crews']} crews "
                "(the crews see them on /crew)."
            )
        elif plan is not None:
            click.secho("Today's first plan found no work to publish; run one from /console.", fg="yellow")
        for line in report.skipped:
            click.secho(f"  skipped: {line}", fg="yellow")
    click.echo("")


@click.command()
@click.option("--data-dir", type=click.Path(path_type=Path), default=None, help="folder of the SQLite store")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(data_dir: Path | None, host: str, port: int) -> None:
    """Serve an existing store (migrating it to the newest schema first)."""
    settings = _settings(data_dir, None)
    asyncio.run(_migrate(settings.database_url))
    _banner(host, port, None)
    _run(settings, host, port)


@click.command()
@click.option("--data-dir", type=click.Path(path_type=Path), default=None, help="folder of the SQLite store")
@click.option("--city-dir", type=click.Path(path_type=Path, exists=True, file_okay=False), default=None)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="load the city and stop")
@click.option("--no-plan", is_flag=True, help="do not solve and publish today's first plan on loading")
def demo(
    data_dir: Path | None, city_dir: Path | None, host: str, port: int, no_serve: bool, no_plan: bool
) -> None:
    """Load the sample city into the store (once), publish today's first plan, then serve it."""
    settings = _settings(data_dir, city_dir)
    report = asyncio.run(_load(settings, plan=not no_plan))
    _banner(host, port, report, serving=not no_serve)
    if not no_serve:
        _run(settings, host, port)
