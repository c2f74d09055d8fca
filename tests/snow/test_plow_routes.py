from __future__ import annotations

import itertools
import random
from collections import Counter

import numpy as np
import pytest

from engine.snow import (
    Plow,
    PlowPlan,
    PlowRouteProblem,
    nearest_neighbour,
    plan_plow_routes,
    repeat_passes,
    tier_order_ok,
)
from tests.snow.grid import grid_arcs, grid_problem

N = 5
ONEWAY_ROWS = {1, 3}


def _random_tiers(seed: int) -> dict[tuple[int, int], int]:
    rng = random.Random(seed)
    tiers: dict[tuple[int, int], int] = {}
    for u, v in grid_arcs(N, ONEWAY_ROWS):
        if (v, u) not in tiers and rng.random() < 0.7:
            tiers[(u, v)] = rng.choice([1, 2, 3])
    return tiers


def _check_plan(problem: PlowRouteProblem, plan: PlowPlan, *, strict: bool) -> None:
    arcs = set(grid_arcs(N, ONEWAY_ROWS))
    served = Counter(step.segment_id for r in plan.routes for step in r.steps)
    assert plan.unserved == ()
    assert set(served) == {s.id for s in problem.segments}
    assert all(count == 1 for count in served.values())
    for route in plan.routes:
        assert tier_order_ok(route, strict=strict)
        seen3 = False
        here = route.depot
        for step in route.steps:
            # direction of travel: each plowed segment is a street the grid lets you drive that way
            assert (step.start, step.end) in arcs
            assert step.deadhead_s == problem.travel_s[here, step.start]
            seen3 = seen3 or step.tier == 3
            assert not (seen3 and step.tier == 1)
            here = step.end
        assert route.return_s == problem.travel_s[here, route.depot]
    assert plan.makespan_s >= plan.lower_bound_s


@pytest.mark.parametrize("seed", range(3))
def test_routes_cover_tier_one_first_and_respect_one_way_streets(seed: int) -> None:
    problem = grid_problem(N, _random_tiers(seed), depots=[0, N * N - 1], oneway_rows=ONEWAY_ROWS)
    plan = plan_plow_routes(problem)
    _check_plan(problem, plan, strict=True)
    baseline = nearest_neighbour(problem)
    _check_plan(problem, baseline, strict=True)


def test_relaxed_order_only_keeps_tier_one_before_tier_three() -> None:
    problem = grid_problem(N, _random_tiers(7), depots=[12], oneway_rows=ONEWAY_ROWS, strict=False)
    plan = plan_plow_routes(problem)
    _check_plan(problem, plan, strict=False)


def test_one_way_segment_is_plowed_along_its_direction() -> None:
    # row 1 (nodes 5..9) is one-way eastwards: its segments can only be plowed west to east
    tiers = {(5, 6): 1, (6, 7): 1, (7, 8): 1, (8, 9): 1}
    problem = grid_problem(N, tiers, depots=[9], oneway_rows=ONEWAY_ROWS)
    plan = plan_plow_routes(problem)
    steps = plan.routes[0].steps
    assert [(s.start, s.end) for s in steps] == [(5, 6), (6, 7), (7, 8), (8, 9)]
    assert all(len(s.ways) == 1 for s in problem.segments)


def test_plows_share_the_work_and_bound_is_reported() -> None:
    problem = grid_problem(N, _random_tiers(3), depots=[0, 0, 0])
    plan = plan_plow_routes(problem)
    assert sum(1 for r in plan.routes if r.steps) >= 2
    total_service = sum(min(w.service_s for w in s.ways) for s in problem.segments)
    assert plan.lower_bound_s == -(-total_service // 3)
    assert plan.length_m is None  # no distance matrix given


def test_unreachable_segment_is_reported_unserved() -> None:
    problem = grid_problem(N, {(0, 1): 1, (23, 24): 2}, depots=[0])
    travel = problem.travel_s.copy()
    travel[:, 24] = -1  # node 24 cut off from everything
    travel[24, :] = -1
    travel[24, 24] = 0
    cut = PlowRouteProblem(travel, problem.segments, problem.plows, time_limit_s=1)
    for plan in (plan_plow_routes(cut), nearest_neighbour(cut)):
        assert plan.unserved == ("23-24",)
        assert [s.segment_id for s in plan.routes[0].steps] == ["0-1"]


def test_shift_limit_is_respected() -> None:
    problem = grid_problem(N, _random_tiers(1), depots=[0, 24])
    limit = plan_plow_routes(problem).lower_bound_s - 20  # less than each plow's share of the work
    limited = PlowRouteProblem(
        problem.travel_s,
        problem.segments,
        tuple(Plow(p.id, p.depot, limit) for p in problem.plows),
        time_limit_s=1,
    )
    for plan in (plan_plow_routes(limited), nearest_neighbour(limited)):
        assert all(r.duration_s <= limit for r in plan.routes)
        assert plan.unserved


def test_distance_matrix_gives_route_length() -> None:
    problem = grid_problem(N, {(0, 1): 1, (3, 4): 1}, depots=[0])
    dist = problem.travel_s * 10  # 10 m/s deadheading in the grid
    with_dist = PlowRouteProblem(problem.travel_s, problem.segments, problem.plows, dist_m=dist)
    plan = plan_plow_routes(with_dist)
    assert plan.service_length_m == 200
    # 0→1 plowed, deadhead 1→3, 3→4 plowed, back 4→0: 100 + 200 + 100 + 400 metres
    assert plan.length_m == 800


def test_repeat_passes_follow_the_tier_interval() -> None:
    problem = grid_problem(N, _random_tiers(2), depots=[0, 24])
    plan = plan_plow_routes(problem)
    storm_s = 4 * 3600
    schedule = repeat_passes(problem, plan, storm_s, {1: 1800, 2: 3600, 3: None})
    by_tier = {t.tier: t for t in schedule.tiers}
    tier1 = [p for p in schedule.passes if p.tier == 1]
    assert by_tier[1].passes == len(tier1) > len(plan.routes)
    assert by_tier[3].passes == sum(1 for r in plan.routes if any(s.tier == 3 for s in r.steps))
    for route in plan.routes:
        for tier in (1, 2, 3):
            mine = sorted(
                (p.begin_s, p.done_s)
                for p in schedule.passes
                if p.plow_id == route.plow_id and p.tier == tier
            )
            assert all(a[1] <= b[0] for a, b in itertools.pairwise(mine))  # one pass of a tier at a time
            assert all(begin < storm_s for begin, _ in mine)
    assert by_tier[1].meets_interval
    assert by_tier[1].worst_wait_s <= 1800
    impossible = repeat_passes(problem, plan, storm_s, {1: 10, 2: 3600, 3: None})
    assert not impossible.tiers[0].meets_interval
    assert np.all(problem.travel_s >= -1)


def test_problems_and_plans_survive_a_worker_process_boundary() -> None:
    import pickle

    problem = grid_problem(N, _random_tiers(4), depots=[0])
    plan = plan_plow_routes(problem)
    again = pickle.loads(pickle.dumps(problem))
    assert np.array_equal(again.travel_s, problem.travel_s) and again.segments == problem.segments
    assert pickle.loads(pickle.dumps(plan)) == plan


def test_orient_turns_two_way_segments_to_suit_the_order() -> None:
    from engine.snow.arcs import evaluate
    from engine.snow.plow_routes import orient

    # two-way street 0-1-2 on row 0; plowed 0→1 then 1→2 from depot 0 there is no deadhead out
    problem = grid_problem(N, {(0, 1): 1, (1, 2): 1}, depots=[0])
    segs = {s.id: i for i, s in enumerate(problem.segments)}
    backwards = [(segs["0-1"], 1), (segs["1-2"], 1)]  # 1→0, then 2→1
    turned = orient(problem, 0, backwards)
    assert turned == [(segs["0-1"], 0), (segs["1-2"], 0)]
    worse, better = (evaluate(problem, "x", [o]) for o in (backwards, turned))
    assert better.routes[0].deadhead_s < worse.routes[0].deadhead_s
    assert better.routes[0].steps[0].deadhead_s == 0
