"""Plow routes over a district's tiered snow routes (see `engine.snow.arcs` for the model)."""

from __future__ import annotations

from engine.snow.arcs import PlowPlan, PlowRouteProblem, evaluate, validate
from engine.snow.baseline import nearest_neighbour


def plan_plow_routes(problem: PlowRouteProblem) -> PlowPlan:
    """Optimised routes: every required segment plowed once, in an allowed direction, tier 1 first,
    each plow leaving from and returning to its depot; segments no plow can reach are unserved.

    The nearest-neighbour routes seed OR-Tools' guided local search, which then improves them
    (objective: total route time plus a weight on the longest route) until the time limit."""
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
    return evaluate(problem, "or-tools", orders)


def _way(problem: PlowRouteProblem, seg: int, start: int, end: int) -> int:
    for w, way in enumerate(problem.segments[seg].ways):
        if way.start == start and way.end == end:
            return w
    raise AssertionError(f"segment {problem.segments[seg].id!r} has no way {start}→{end}")
