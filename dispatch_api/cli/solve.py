"""`crewline solve problem.json`: solve a VROOM-format problem file and write VROOM's solution JSON.

Crewline's additions (districts, SLA due times, locked steps, reasons for unassigned jobs) travel under
``crewline`` keys; see docs/engine-format.md.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click


@click.command()
@click.argument("problem_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--time-limit",
    "time_limit",
    type=float,
    default=5.0,
    show_default=True,
    help="Seconds the search may run.",
)
@click.option(
    "--solution-limit",
    type=int,
    default=None,
    help="Stop after this many improving solutions (makes the result repeatable).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the search.")
@click.option(
    "--workers",
    type=int,
    default=1,
    show_default=True,
    help="Diversified searches run in parallel processes; the cheapest plan is kept.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the solution here instead of standard output.",
)
def solve(
    problem_file: Path,
    time_limit: float,
    solution_limit: int | None,
    seed: int,
    workers: int,
    output: Path | None,
) -> None:
    """Solve PROBLEM_FILE (VROOM's input JSON) and print VROOM's solution JSON."""
    from engine.errors import EngineError
    from engine.solve import SolveOptions
    from engine.solve import solve as run
    from engine.wire import from_vroom, to_vroom

    try:
        doc = json.loads(problem_file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise click.ClickException(f"{problem_file}: not valid JSON (line {exc.lineno}: {exc.msg})") from exc
    try:
        problem, ids = from_vroom(doc)
        t0 = time.perf_counter()
        plan = run(problem, SolveOptions(time_limit, solution_limit, seed, workers))
        elapsed_ms = int((time.perf_counter() - t0) * 1000)
    except EngineError as exc:
        raise click.ClickException(f"{problem_file}: {exc}") from exc
    text = json.dumps(to_vroom(problem, plan, ids, elapsed_ms), ensure_ascii=False, indent=2)
    if output is None:
        sys.stdout.write(text + "\n")
    else:
        output.write_text(text + "\n", encoding="utf-8")
        click.echo(f"wrote {output}: {len(plan.routes)} routes, {len(plan.unassigned)} unassigned", err=True)
