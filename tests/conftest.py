"""Shared test configuration: where the repository and ../shared live."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("CREWLINE_SHARED", REPO.parent / "shared")).resolve()
SAMPLE_CITY = REPO / "fixtures" / "sample_city"
ARTIFACTS = REPO / "artifacts"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"../shared is missing at {SHARED}; CI must have it beside the repository")
        pytest.skip(f"shared data not found at {SHARED} (set CREWLINE_SHARED)")
    return SHARED


@pytest.fixture(scope="session")
def sample_city_dir() -> Path:
    return SAMPLE_CITY


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
