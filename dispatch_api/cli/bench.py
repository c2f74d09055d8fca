"""`crewline bench …`: benchmarks that print figures and compare Crewline with peers in one run.

Each benchmark lives in its own module; this group only names them.
"""

from __future__ import annotations

import click

from dispatch_api.cli import _LazyGroup

_BENCHES: dict[str, str] = {
    "solomon": "dispatch_api.cli.bench_engine:solomon",
    "dispatch": "dispatch_api.cli.bench_engine:dispatch",
    "insert": "dispatch_api.cli.bench_engine:insert",
    "geo": "dispatch_api.cli.bench_geo:geo",
    "api": "dispatch_api.cli.bench_api:api",
    "snow": "dispatch_api.cli.bench_snow:snow",
}


@click.group(cls=_LazyGroup, lazy=_BENCHES)
def bench() -> None:
    """Measure Crewline against its targets and its peers (figures go to BENCHMARKS.md)."""
