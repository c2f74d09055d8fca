"""Inserting one urgent job into a live plan: cheapest feasible position, locked work untouched."""

from __future__ import annotations

import dataclasses

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import Job, Priority, Problem, TimeWindow, UnassignedReason
from engine.insert import insert_job
from engine.plan import StepKind
from engine.schedule import schedule_route
from engine.solve import SolveOptions, solve
from tests.engine.checker import check_plan
from tests.engine.problems import crew, problem
from tests.engine.test_properties import problems

FAST = SolveOptions(time_limit_s=1.0, solution_limit=100)


def with_job(p: Problem, job: Job) -> Problem:
    return p.replace(jobs=(*p.jobs, job))


def test_new_job_goes_where_the_detour_is_smallest() -> None:
    p = problem(
        [Job("a", 2, service_s=60), Job("b", 6, service_s=60)],
        [crew("c1"), crew("c2", start_location=10, end_location=10)],
    )
    plan = solve(p, FAST)
    assert plan.assignment() == {"a": "c1", "b": "c1"} or plan.assignment() == {"a": "c1", "b": "c2"}
    new = with_job(p, Job("u", 4, service_s=60, priority=Priority.URGENT))
    result = insert_job(new, plan, "u")
    check_plan(new, result.plan)
    route = result.plan.route_of(result.crew_id or "")
    assert route is not None and "u" in route.job_ids
    # on a line, a stop between two visits of the same crew costs no detour at all
    if plan.assignment()["b"] == "c1":
        assert result.cost_delta == 0 and route.job_ids == ("a", "u", "b")
    assert result.plan.cost.total == plan.cost.total + result.cost_delta


def test_locked_prefix_is_never_entered() -> None:
    p = problem([Job("far", 8, service_s=60)], [crew("c1", locked=("far",))])
    plan = solve(p, FAST)
    new = with_job(p, Job("near", 1, priority=Priority.URGENT))
    result = insert_job(new, plan, "near")
    check_plan(new, result.plan)
    assert result.plan.route_of("c1").job_ids == ("far", "near")  # type: ignore[union-attr]
    old_first = plan.routes[0].steps[1]
    assert result.plan.route_of("c1").steps[1] == old_first  # type: ignore[union-attr]


def test_no_feasible_position_gives_a_reason() -> None:
    p = problem([Job("a", 3)], [crew("c1")])
    plan = solve(p, FAST)
    new = with_job(p, Job("late", 9, time_windows=(TimeWindow(0, 10),), priority=Priority.URGENT))
    result = insert_job(new, plan, "late")
    assert result.crew_id is None
    assert result.unassigned is not None and result.unassigned.reason is UnassignedReason.WINDOW_UNREACHABLE
    check_plan(new, result.plan)


def test_other_routes_are_left_alone() -> None:
    p = problem([Job(f"j{k}", k, service_s=120) for k in range(1, 10)], [crew("c1"), crew("c2")])
    plan = solve(p, FAST)
    new = with_job(p, Job("u", 5, priority=Priority.URGENT))
    result = insert_job(new, plan, "u")
    for r in plan.routes:
        if r.crew_id != result.crew_id:
            assert result.plan.route_of(r.crew_id) == r


def _brute_force(p: Problem, plan: object, job_id: str) -> int | None:
    idx = p.job_index()
    best: int | None = None
    for c in p.crews:
        old = plan.route_of(c.id)  # type: ignore[attr-defined]
        seq = [idx[j] for j in old.job_ids] if old else []
        for i in range(len(c.locked), len(seq) + 1):
            trial = [*seq[:i], idx[job_id], *seq[i:]]
            r = schedule_route(p, c, trial, ())
            if r is not None:
                delta = r.cost - (old.cost if old else 0)
                best = delta if best is None else min(best, delta)
    return best


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.integers(0, 40), st.integers(0, 40), st.integers(0, 900))
def test_insertion_is_feasible_and_as_cheap_as_exhaustive_search(
    p: Problem, x: int, y: int, svc: int
) -> None:
    from engine.errors import NoSolutionError

    p = p.replace(crews=tuple(dataclasses.replace(c, breaks=()) for c in p.crews))
    try:
        plan = solve(p, SolveOptions(time_limit_s=1.0, solution_limit=30))
    except NoSolutionError:
        return
    # a new location for the urgent job: extend the matrices by one row and column
    import numpy as np

    from engine.model import Matrix

    n = p.travel_s.size
    t = np.zeros((n + 1, n + 1), dtype=np.int64)
    t[:n, :n] = p.travel_s.array
    t[n, :n] = t[:n, n] = (np.abs(np.arange(n) - x) + y) * 30
    d = np.zeros((n + 1, n + 1), dtype=np.int64)
    d[:n, :n] = p.dist_m.array
    d[n, :n] = d[:n, n] = (np.abs(np.arange(n) - x) + y) * 100
    new = Problem(
        (*p.jobs, Job("new", n, service_s=svc, priority=Priority.URGENT)),
        p.crews,
        Matrix(t),
        Matrix(d),
        p.weights,
    )
    plan_on_new = dataclasses.replace(plan)
    result = insert_job(new, plan_on_new, "new", verify=10_000)
    check_plan(new, result.plan)
    expected = _brute_force(new, plan_on_new, "new")
    if expected is None:
        assert result.crew_id is None and result.unassigned is not None
    else:
        assert result.crew_id is not None
        assert result.cost_delta == expected
        jobs_kept = [s for r in plan.routes for s in r.steps if s.kind is StepKind.JOB and s.locked]
        for s in jobs_kept:
            assert any(s in r.steps for r in result.plan.routes)
