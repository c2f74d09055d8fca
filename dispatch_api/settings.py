"""Crewline settings, read from environment variables prefixed `CREWLINE_` (see docs/configuration.md)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

_REPO = Path(__file__).resolve().parent.parent
PREFIX = "CREWLINE_"


def _env(name: str, default: str) -> str:
    return os.environ.get(PREFIX + name, default)


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(PREFIX + name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"environment variable {PREFIX}{name}={raw!r} must be a whole number") from exc


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(PREFIX + name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """Everything the app needs to start. Build with `Settings.from_env()` or pass fields directly."""

    data_dir: Path = field(default_factory=lambda: Path("data").resolve())
    database_url: str = ""
    redis_url: str = ""
    city_dir: Path = _REPO / "fixtures" / "sample_city"
    tile_url: str = ""
    secret_key: str = ""
    debug: bool = False
    session_hours: int = 12
    crew_session_hours: int = 14
    login_max_failures: int = 5
    login_window_s: int = 300
    repeat_reopen_days: int = 7
    referral_follow_up_days: int = 3
    max_page_size: int = 200
    migrate_on_start: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "data_dir", Path(self.data_dir).resolve())
        object.__setattr__(self, "city_dir", Path(self.city_dir).resolve())
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite+aiosqlite:///{self.data_dir / 'crewline.db'}")

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        values: dict[str, object] = {
            "data_dir": Path(_env("DATA_DIR", "data")),
            "database_url": _env("DATABASE_URL", ""),
            "redis_url": _env("REDIS_URL", ""),
            "city_dir": Path(_env("CITY_DIR", str(_REPO / "fixtures" / "sample_city"))),
            "tile_url": _env("TILE_URL", ""),
            "secret_key": _env("SECRET_KEY", ""),
            "debug": _env_bool("DEBUG", False),
            "session_hours": _env_int("SESSION_HOURS", 12),
            "crew_session_hours": _env_int("CREW_SESSION_HOURS", 14),
            "login_max_failures": _env_int("LOGIN_MAX_FAILURES", 5),
            "login_window_s": _env_int("LOGIN_WINDOW_S", 300),
            "repeat_reopen_days": _env_int("REPEAT_REOPEN_DAYS", 7),
            "referral_follow_up_days": _env_int("REFERRAL_FOLLOW_UP_DAYS", 3),
            "migrate_on_start": _env_bool("MIGRATE_ON_START", True),
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def resolved_secret(self) -> str:
        """The signing secret: the configured one, else one kept in `<data dir>/secret.key`."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret.key"
        if path.exists():
            return path.read_text(encoding="utf-8").strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        value = secrets.token_urlsafe(32)
        path.write_text(value, encoding="utf-8")
        path.chmod(0o600)
        return value
