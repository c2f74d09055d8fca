"""Plow routes over a district's tiered snow routes (see `engine.snow.arcs` for the model)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from engine.snow.arcs import UNREACHABLE, PlowPlan, PlowRouteProblem, evaluate, validate
from engine.snow.baseline import nearest_neighbour


def plan_plow_routes(problem: PlowRouteProblem) -> PlowPlan:
    """Optimised routes: every required segment plowed once, in an allowed direction, tier 1 first,
    each plow leaving from and returning to its depot; segments no plow can reach are unserved.

    The nearest-neighbour routes seed OR-Tools' guided local search, which then improves them
    (objective: total route time plus a weight on the longest route) until the time limit; last,
    each route's two-way segments are turned to the direction that suits the order best."""
    validate(problem)
    if not problem.segments:
        return evaluate(problem, "or-tools", [[] for _ in problem.plows])
    from engine.snow._ortools.arc_routing import solve_orders

    seed = nearest_neighbour(problem)
    index = {s.id: i for i, s in enumerate(problem.segments)}
    initial = [
        [
            (index[step.segment_id], _way(problem, index[step.segment_id], step.start, step.end))
            for step in r.steps
        ]
        for r in seed.routes
    ]
    orders, _status = solve_orders(problem, initial)
    return evaluate(
        problem,
        "or-tools",
        [orient(problem, plow.depot, order) for plow, order in zip(problem.plows, orders, strict=True)],
    )


def orient(problem: PlowRouteProblem, depot: int, order: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The same visiting order with each segment's way (direction) chosen to minimise the route's
    time: a shortest path over (position, way) states, exact for the given order."""
    if not order:
        return []
    t = problem.travel_s
    big = np.iinfo(np.int64).max // 4

    def hop(a: int, b: int) -> int:
        v = int(t[a, b])
        return big if v == UNREACHABLE else v

    ways = [problem.segments[s].ways for s, _ in order]
    cost = [hop(depot, w.start) + w.service_s for w in ways[0]]
    back: list[list[int]] = []
    for prev, cur in itertools.pairwise(ways):
        row, arg = [], []
        for w in cur:
            options = [cost[i] + hop(p.end, w.start) for i, p in enumerate(prev)]
            best = min(range(len(options)), key=options.__getitem__)
            row.append(options[best] + w.service_s)
            arg.append(best)
        cost, back = row, [*back, arg]
    final = [c + hop(w.end, depot) for c, w in zip(cost, ways[-1], strict=True)]
    choice = min(range(len(final)), key=final.__getitem__)
    if final[choice] >= big:
        return list(order)  # keep the solver's ways when a choice would break reachability
    picked = [choice]
    for arg in reversed(back):
        picked.append(arg[picked[-1]])
    picked.reverse()
    return [(s, w) for (s, _), w in zip(order, picked, strict=True)]


def _way(problem: PlowRouteProblem, seg: int, start: int, end: int) -> int:
    for w, way in enumerate(problem.segments[seg].ways):
        if way.start == start and way.end == end:
            return w
    raise AssertionError(f"segment {problem.segments[seg].id!r} has no way {start}→{end}")
