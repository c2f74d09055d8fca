"""Crewline settings, read from environment variables prefixed `CREWLINE_` (see docs/configuration.md)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

_REPO = Path(__file__).resolve().parent.parent
_SAMPLE_CITY = str(_REPO / "fixtures" / "sample_city")
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
    """Everything the app needs to start; each field not given is read from `CREWLINE_<FIELD>`."""

    data_dir: Path = field(default_factory=lambda: Path(_env("DATA_DIR", "data")))
    database_url: str = field(default_factory=lambda: _env("DATABASE_URL", ""))
    redis_url: str = field(default_factory=lambda: _env("REDIS_URL", ""))
    city_dir: Path = field(default_factory=lambda: Path(_env("CITY_DIR", _SAMPLE_CITY)))
    tile_url: str = field(default_factory=lambda: _env("TILE_URL", ""))
    secret_key: str = field(default_factory=lambda: _env("SECRET_KEY", ""))
    debug: bool = field(default_factory=lambda: _env_bool("DEBUG", False))
    session_hours: int = field(default_factory=lambda: _env_int("SESSION_HOURS", 12))
    crew_session_hours: int = field(default_factory=lambda: _env_int("CREW_SESSION_HOURS", 14))
    login_max_failures: int = field(default_factory=lambda: _env_int("LOGIN_MAX_FAILURES", 5))
    login_max_failures_per_ip: int = field(default_factory=lambda: _env_int("LOGIN_MAX_FAILURES_PER_IP", 20))
    login_window_s: int = field(default_factory=lambda: _env_int("LOGIN_WINDOW_S", 300))
    repeat_reopen_days: int = field(default_factory=lambda: _env_int("REPEAT_REOPEN_DAYS", 7))
    referral_follow_up_days: int = field(default_factory=lambda: _env_int("REFERRAL_FOLLOW_UP_DAYS", 3))
    max_page_size: int = field(default_factory=lambda: _env_int("MAX_PAGE_SIZE", 200))
    migrate_on_start: bool = field(default_factory=lambda: _env_bool("MIGRATE_ON_START", True))

    def __post_init__(self) -> None:
        object.__setattr__(self, "data_dir", Path(self.data_dir).resolve())
        object.__setattr__(self, "city_dir", Path(self.city_dir).resolve())
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite+aiosqlite:///{self.data_dir / 'crewline.db'}")

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Settings from `CREWLINE_*` environment variables; keyword arguments take precedence."""
        return cls(**overrides)  # type: ignore[arg-type]

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
