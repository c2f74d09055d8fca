"""Settings from the environment, and `crewline demo` loading the sample city once."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from dispatch_api.cli import main
from dispatch_api.settings import Settings


def test_settings_come_from_prefixed_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CREWLINE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CREWLINE_REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("CREWLINE_LOGIN_MAX_FAILURES", "7")
    settings = Settings.from_env()
    assert settings.data_dir == tmp_path
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'crewline.db'}"
    assert settings.redis_url == "redis://127.0.0.1:6379/0" and settings.login_max_failures == 7
    monkeypatch.setenv("CREWLINE_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1/x")
    assert not Settings().is_sqlite
    monkeypatch.setenv("CREWLINE_LOGIN_MAX_FAILURES", "many")
    with pytest.raises(ValueError, match="CREWLINE_LOGIN_MAX_FAILURES"):
        Settings()
    monkeypatch.delenv("CREWLINE_LOGIN_MAX_FAILURES")
    secret = Settings(data_dir=tmp_path, secret_key="").resolved_secret()
    assert secret == Settings(data_dir=tmp_path, secret_key="").resolved_secret()  # kept in the data folder


def test_demo_loads_the_sample_city_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CREWLINE_DATABASE_URL", "CREWLINE_CITY_DIR"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()
    first = runner.invoke(main, ["demo", "--data-dir", str(tmp_path), "--no-serve", "--port", "8123"])
    assert first.exit_code == 0, first.output
    assert "http://127.0.0.1:8123/console" in first.output and "dispatcher / dispatcher-137" in first.output
    assert "Loaded 40 crews, 186 tickets and 14 repeat calls." in first.output
    published = re.search(r"Published today's first plan: (\d+) visits for (\d+) crews", first.output)
    assert published, first.output
    with sqlite3.connect(tmp_path / "crewline.db") as db:
        assert db.execute("SELECT count(*) FROM tickets").fetchone() == (186,)
        # the engine's plan became the crews' jobs, in route order per crew
        assert db.execute("SELECT count(*) FROM crew_jobs").fetchone() == (int(published[1]),)
        assert db.execute("SELECT count(DISTINCT crew_id) FROM crew_jobs").fetchone() == (int(published[2]),)
        assert db.execute("SELECT count(*) FROM users WHERE role = 'crew'").fetchone() == (40,)
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    again = runner.invoke(main, ["demo", "--data-dir", str(tmp_path), "--no-serve"])
    assert again.exit_code == 0 and "Loaded" not in again.output
    with sqlite3.connect(tmp_path / "crewline.db") as db:
        assert db.execute("SELECT count(*) FROM tickets").fetchone() == (186,)


def test_health_reports_an_unreachable_database(tmp_path: Path) -> None:
    from litestar.testing import TestClient

    from dispatch_api.app import create_app

    settings = Settings(
        data_dir=tmp_path,
        database_url="postgresql+asyncpg://postgres@127.0.0.1:1/nowhere",
        migrate_on_start=False,
        secret_key="x",
    )
    with TestClient(create_app(settings)) as client:
        r = client.get("/health")
    assert r.status_code == 503
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["checks"] == {"database": "down"} and "CREWLINE_DATABASE_URL" in r.json()["detail"]
