"""Each planning rule pinned on a tiny problem whose answer can be worked out by hand."""

from __future__ import annotations

import pickle

import pytest

from engine import Break, Job, Matrix, ModelError, Priority, Problem, TimeWindow, UnassignedReason, Weights
from engine.plan import StepKind
from engine.solve import SolveOptions, solve
from tests.engine.checker import check_plan
from tests.engine.problems import crew, line, problem

FAST = SolveOptions(time_limit_s=1.0, solution_limit=200)


def run(p: Problem) -> object:
    plan = solve(p, FAST)
    check_plan(p, plan)
    return plan


def test_skills_send_the_job_to_the_crew_that_has_them() -> None:
    p = problem(
        [
            Job("pothole", 5, service_s=600, skills=frozenset({"asphalt"})),
            Job("dog", 3, skills=frozenset({"vet"})),
        ],
        [crew("paver", skills=frozenset({"asphalt"})), crew("plain")],
    )
    plan = solve(p, FAST)
    check_plan(p, plan)
    assert plan.assignment() == {"pothole": "paver"}
    (u,) = plan.unassigned
    assert (u.job_id, u.reason) == ("dog", UnassignedReason.NO_SKILL)
    assert "vet" in u.detail


def test_forbidden_district_leaves_job_with_district_reason() -> None:
    p = problem(
        [Job("a", 2, district=1), Job("b", 3, district=2)],
        [crew("d1", districts=frozenset({1}), may_cross_districts=False)],
    )
    plan = solve(p, FAST)
    check_plan(p, plan)
    assert plan.assignment() == {"a": "d1"}
    assert [(u.job_id, u.reason) for u in plan.unassigned] == [("b", UnassignedReason.OUTSIDE_DISTRICTS)]


def test_crossing_costs_the_penalty_and_home_crew_is_preferred() -> None:
    jobs = [Job("a", 4, district=2)]
    crews = [
        crew("away", districts=frozenset({1})),
        crew("home", districts=frozenset({2}), start_location=1, end_location=1),
    ]
    # "away" is 2 minutes closer in total, but crossing costs 600
    plan = solve(problem(jobs, crews, weights=Weights(cross_district_penalty=600)), FAST)
    assert plan.assignment() == {"a": "home"}
    assert plan.cost.cross_district == 0
    only_away = problem(jobs, crews[:1], weights=Weights(cross_district_penalty=600))
    plan2 = solve(only_away, FAST)
    assert plan2.assignment() == {"a": "away"}
    assert plan2.cost.cross_district == 600
    assert plan2.cost.travel == 8 * 60


def test_waiting_for_a_window_and_exact_times() -> None:
    p = problem([Job("a", 5, service_s=120, time_windows=(TimeWindow(1000, 2000),))], [crew()])
    plan = solve(p, FAST)
    (route,) = plan.routes
    a = route.steps[1]
    assert (a.arrival_s, a.start_s, a.waiting_s, a.departure_s) == (300, 1000, 700, 1120)
    assert route.steps[-1].arrival_s == 1420
    assert (route.travel_s, route.dist_m) == (600, 1000)


def test_unreachable_window_is_explained() -> None:
    p = problem([Job("early", 10, time_windows=(TimeWindow(0, 100),))], [crew()])
    plan = solve(p, FAST)
    assert plan.routes == ()
    assert plan.unassigned[0].reason is UnassignedReason.WINDOW_UNREACHABLE


def test_shift_end_limits_the_route() -> None:
    p = problem([Job("far", 10, service_s=600)], [crew(shift=TimeWindow(0, 1500))])
    plan = solve(p, FAST)
    assert plan.unassigned[0].reason is UnassignedReason.WINDOW_UNREACHABLE
    ok = solve(problem([Job("far", 10, service_s=600)], [crew(shift=TimeWindow(0, 1800))]), FAST)
    assert ok.assignment() == {"far": "c1"}


def test_break_is_taken_inside_its_window_and_delays_the_next_visit() -> None:
    lunch = Break("lunch", TimeWindow(600, 900), 1800)
    p = problem(
        [Job("a", 5, service_s=600), Job("b", 6, service_s=600, time_windows=(TimeWindow(0, 5000),))],
        [crew(breaks=(lunch,))],
    )
    plan = run(p)
    (route,) = plan.routes
    kinds = [s.kind for s in route.steps]
    assert kinds.count(StepKind.BREAK) == 1
    brk = next(s for s in route.steps if s.kind is StepKind.BREAK)
    assert 600 <= brk.start_s <= 900
    # a: arrive 300, serve 300–900; the break starts at 900 and ends at 2700; b starts at 2760
    assert brk.start_s == 900
    b = next(s for s in route.steps if s.ref == "b")
    assert b.start_s == 2760


def test_capacity_splits_work_and_explains_oversize_job() -> None:
    p = problem(
        [Job("a", 2, demand=2), Job("b", 3, demand=2), Job("huge", 4, demand=9)],
        [crew("c1", capacity=3), crew("c2", capacity=3)],
    )
    plan = run(p)
    assignment = plan.assignment()
    assert {assignment["a"], assignment["b"]} == {"c1", "c2"}
    assert [(u.job_id, u.reason) for u in plan.unassigned] == [("huge", UnassignedReason.CAPACITY)]


def test_locked_steps_stay_first_and_in_order_even_when_worse() -> None:
    p = problem(
        [Job("near", 1), Job("far", 9), Job("mid", 5)],
        [crew(locked=("far", "near"))],
    )
    plan = run(p)
    assert plan.routes[0].job_ids[:2] == ("far", "near")
    assert [s.locked for s in plan.routes[0].steps if s.kind is StepKind.JOB][:2] == [True, True]


def test_urgent_work_is_never_dropped_for_lower_priority() -> None:
    # both need the only crew at the same moment: one must go
    w = (TimeWindow(600, 600),)
    p = problem(
        [
            Job("low", 1, time_windows=w, priority=Priority.LOW),
            Job("urgent", 9, time_windows=w, priority=Priority.URGENT),
        ],
        [crew()],
    )
    plan = run(p)
    assert plan.assignment() == {"urgent": "c1"}
    (u,) = plan.unassigned
    assert u.reason is UnassignedReason.DROPPED_FOR_PRIORITY
    assert "c1" in u.detail and "1 visits of higher" in u.detail
    assert plan.cost.dropped == Weights().drop_low


def test_sla_lateness_is_costed_and_drives_the_order() -> None:
    # "due" at location 1 is due at 60 s; going to 9 first would make it 16 minutes late
    p = problem([Job("later", 9), Job("due", 1, due_s=60)], [crew()], weights=Weights(lateness_per_s=10))
    plan = run(p)
    assert plan.routes[0].job_ids == ("due", "later")
    assert plan.cost.lateness == 0
    tight = problem([Job("due", 5, due_s=100)], [crew()], weights=Weights(lateness_per_s=3))
    plan2 = solve(tight, FAST)
    assert plan2.routes[0].steps[1].lateness_s == 200
    assert plan2.cost.lateness == 600


def test_same_seed_and_solution_limit_give_the_same_plan() -> None:
    jobs = [
        Job(f"j{k}", k, service_s=60 * k, time_windows=(TimeWindow(0, 4000 + 100 * k),)) for k in range(1, 11)
    ]
    p = problem(jobs, [crew("c1"), crew("c2", start_location=10, end_location=10)])
    opts = SolveOptions(time_limit_s=30, solution_limit=50, seed=7)
    a, b = solve(p, opts), solve(p, opts)
    assert a.routes == b.routes and a.cost == b.cost


def test_problem_and_plan_pickle() -> None:
    p = problem([Job("a", 3)], [crew()])
    plan = solve(p, FAST)
    assert pickle.loads(pickle.dumps(p)) == p
    assert pickle.loads(pickle.dumps(plan)) == plan


def test_two_workers_keep_the_cheaper_plan() -> None:
    jobs = [Job(f"j{k}", k % 10 + 1, service_s=60) for k in range(12)]
    p = problem(jobs, [crew("c1"), crew("c2")])
    plan = solve(p, SolveOptions(time_limit_s=1.0, solution_limit=100, workers=2))
    check_plan(p, plan)
    assert not plan.unassigned


@pytest.mark.parametrize(
    ("build", "record", "field"),
    [
        (lambda: Problem((), (), Matrix([[0, 1]]), Matrix([[0, 1]])), "matrix", "shape"),
        (lambda: Problem((), (), *line(3)[:1], Matrix([[0]])), "matrix", "shape"),
        (lambda: problem([Job("a", 1, time_windows=(TimeWindow(50, 10),))], []), "job", "time_windows[0]"),
        (lambda: problem([Job("a", 1, service_s=-5)], []), "job", "service_s"),
        (lambda: problem([Job("a", 99)], []), "job", "location"),
        (lambda: problem([], [crew(shift=TimeWindow(10, 0))]), "crew", "shift"),
        (lambda: problem([Job("a", 1), Job("a", 2)], []), "job", "id"),
        (lambda: problem([], [crew(locked=("ghost",))]), "crew", "locked"),
    ],
)
def test_invalid_input_names_record_and_field(build: object, record: str, field: str) -> None:
    with pytest.raises(ModelError) as info:
        build()  # type: ignore[operator]
    assert info.value.record == record
    assert info.value.field == field
    assert field in str(info.value)


def test_unknown_skill_is_rejected_against_the_catalogue() -> None:
    travel, dist = line(3)
    with pytest.raises(ModelError, match="unknown skill 'pruning'") as info:
        Problem(
            (Job("t1", 1, skills=frozenset({"pruning"})),), (), travel, dist, skills=frozenset({"asphalt"})
        )
    assert info.value.record_id == "t1"
