"""The engine's bench commands run end to end on small inputs and print their figures."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from dispatch_api.cli import main
from dispatch_api.cli.bench_engine import vrptw_problem


def test_solomon_instance_reads_in_the_dimacs_convention(shared_dir: Path) -> None:
    problem, _ = vrptw_problem(shared_dir / "benchmarks" / "solomon" / "C101.vrp")
    assert len(problem.jobs) == 100 and len(problem.crews) == 25
    # depot (40, 50) to customer 1 (45, 68): floor(10 * sqrt(25 + 324)) = 186
    assert problem.dist_m[0, 1] == 186
    assert problem.jobs[0].service_s == 900


def test_bench_solomon_prints_gaps(shared_dir: Path) -> None:
    result = CliRunner().invoke(
        main, ["bench", "solomon", "--instances", "C101", "--time-limit", "1", "--no-peers", "--workers", "1"]
    )
    assert result.exit_code == 0, result.output
    assert "C101" in result.output and "%" in result.output


def test_bench_insert_prints_percentiles() -> None:
    result = CliRunner().invoke(main, ["bench", "insert", "--crews", "6", "--visits", "4", "--samples", "10"])
    assert result.exit_code == 0, result.output
    assert "p95" in result.output and "inserted" in result.output
