"""Where the city data folder is: `CREWLINE_CITY_DIR`, or the sample city in the repository."""

from __future__ import annotations

import os
from pathlib import Path

from dispatch_api.citydata.errors import CityDataError

ENV_VAR = "CREWLINE_CITY_DIR"
SAMPLE_CITY_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "sample_city"


def default_city_dir() -> Path:
    """The folder to load the city from: `$CREWLINE_CITY_DIR` when set, else `fixtures/sample_city`."""
    configured = os.environ.get(ENV_VAR)
    folder = Path(configured).expanduser() if configured else SAMPLE_CITY_DIR
    if not folder.is_dir():
        source = f"${ENV_VAR}" if configured else "the repository's sample city"
        raise CityDataError(
            str(folder),
            f"city data folder from {source} does not exist",
            hint=f"set {ENV_VAR} to a folder written by `python -m fixtures.generate --out DIR`",
        )
    return folder
