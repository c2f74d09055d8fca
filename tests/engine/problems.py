"""Tiny hand-checkable problems on a line: location k sits k minutes (60·k s, 100·k m) from the depot 0."""

from __future__ import annotations

from engine.model import Crew, Job, Matrix, Problem, TimeWindow, Weights

DAY = TimeWindow(0, 8 * 3600)


def line(n: int) -> tuple[Matrix, Matrix]:
    travel = Matrix([[60 * abs(i - j) for j in range(n)] for i in range(n)])
    dist = Matrix([[100 * abs(i - j) for j in range(n)] for i in range(n)])
    return travel, dist


def problem(jobs: list[Job], crews: list[Crew], n: int = 11, weights: Weights | None = None) -> Problem:
    travel, dist = line(n)
    return Problem(tuple(jobs), tuple(crews), travel, dist, weights or Weights())


def crew(cid: str = "c1", **kw: object) -> Crew:
    base: dict[str, object] = {"id": cid, "start_location": 0, "end_location": 0, "shift": DAY}
    base.update(kw)
    return Crew(**base)  # type: ignore[arg-type]
