"""Warm re-solve: locked steps stay, and the stability weight keeps visits with their crews."""

from __future__ import annotations

import dataclasses

from engine import Job
from engine.solve import SolveOptions, resolve, solve
from tests.engine.checker import check_plan
from tests.engine.problems import crew, problem

OPTS = SolveOptions(time_limit_s=1.0, solution_limit=100)


def _swapped_depots() -> tuple[object, object]:
    p = problem(
        [Job("a", 1), Job("b", 2), Job("y", 8), Job("z", 9)],
        [crew("west", start_location=0, end_location=0), crew("east", start_location=10, end_location=10)],
    )
    plan = solve(p, OPTS)
    assert plan.assignment() == {"a": "west", "b": "west", "y": "east", "z": "east"}
    # the crews swap yards: without stability every visit would change hands
    west, east = p.crews
    moved = p.replace(
        crews=(
            dataclasses.replace(west, start_location=10, end_location=10),
            dataclasses.replace(east, start_location=0, end_location=0),
        )
    )
    return moved, plan


def test_without_stability_the_cheaper_swap_wins() -> None:
    moved, plan = _swapped_depots()
    again = resolve(moved, plan, OPTS, stability=0)  # type: ignore[arg-type]
    check_plan(moved, again)  # type: ignore[arg-type]
    assert again.assignment() == {"a": "east", "b": "east", "y": "west", "z": "west"}
    assert again.cost.stability == 0


def test_stability_weight_keeps_visits_with_their_crews() -> None:
    moved, plan = _swapped_depots()
    again = resolve(moved, plan, OPTS, stability=100_000)  # type: ignore[arg-type]
    check_plan(moved, again)  # type: ignore[arg-type]
    assert again.assignment() == plan.assignment()  # type: ignore[attr-defined]


def test_locked_steps_survive_a_warm_resolve() -> None:
    p = problem([Job("a", 1), Job("b", 5), Job("c", 9)], [crew("c1"), crew("c2")])
    plan = solve(p, OPTS)
    owner = plan.assignment()["c"]
    locked = p.replace(
        crews=tuple(dataclasses.replace(c, locked=("c",)) if c.id == owner else c for c in p.crews)
    )
    again = resolve(locked, plan, OPTS, stability=10)
    check_plan(locked, again)
    assert again.route_of(owner).job_ids[0] == "c"  # type: ignore[union-attr]
