"""The repair pass after the search: left-out jobs go back in, urgent work displaces lower priority."""

from __future__ import annotations

from engine import Job, Priority, UnassignedReason
from engine.repair import repair
from engine.solve import build_plan
from tests.engine.checker import check_plan
from tests.engine.problems import crew, problem


def test_a_job_that_fits_is_inserted() -> None:
    p = problem([Job("a", 2), Job("b", 4)], [crew()])
    plan = build_plan(p, [[0]])
    assert [u.job_id for u in plan.unassigned] == ["b"]
    fixed = repair(p, plan)
    check_plan(p, fixed)
    assert sorted(fixed.assignment()) == ["a", "b"]
    assert fixed.cost.dropped == 0 and fixed.cost.total < plan.cost.total


def test_urgent_job_displaces_lower_priority_work() -> None:
    p = problem(
        [
            Job("routine", 3, demand=1, priority=Priority.LOW),
            Job("urgent", 7, demand=1, priority=Priority.URGENT),
        ],
        [crew(capacity=1)],
    )
    plan = build_plan(p, [[0]])
    fixed = repair(p, plan)
    check_plan(p, fixed)
    assert fixed.assignment() == {"urgent": "c1"}
    (u,) = fixed.unassigned
    assert u.job_id == "routine" and u.reason is UnassignedReason.DROPPED_FOR_PRIORITY and u.detail
    assert fixed.cost.total < plan.cost.total


def test_locked_work_is_never_displaced() -> None:
    p = problem(
        [
            Job("accepted", 3, demand=1, priority=Priority.LOW),
            Job("urgent", 7, demand=1, priority=Priority.URGENT),
        ],
        [crew(capacity=1, locked=("accepted",))],
    )
    plan = build_plan(p, [[0]])
    fixed = repair(p, plan)
    check_plan(p, fixed)
    assert fixed.assignment() == {"accepted": "c1"}
