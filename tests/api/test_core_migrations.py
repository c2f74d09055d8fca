"""The Alembic history: one head, models and migrations agree, and it downgrades cleanly."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory

from dispatch_api.persistence.db import alembic_config


def test_one_head_and_no_drift_between_models_and_migrations(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
    cfg = alembic_config(url)
    heads = ScriptDirectory.from_config(cfg).get_heads()
    assert len(heads) == 1, f"Alembic has several heads {heads}; make the newest revision revise the other"
    command.upgrade(cfg, "head")
    command.check(cfg)  # raises when a model has changes no migration makes
    command.downgrade(cfg, "base")
    command.upgrade(cfg, "head")
