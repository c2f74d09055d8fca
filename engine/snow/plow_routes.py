"""Plow routes over a district's tiered snow routes (see `engine.snow.arcs` for the model)."""

from __future__ import annotations

from engine.snow.arcs import PlowPlan, PlowRouteProblem, evaluate, validate


def plan_plow_routes(problem: PlowRouteProblem) -> PlowPlan:
    """Optimised routes: every required segment plowed once, in an allowed direction, tier 1 first,
    each plow leaving from and returning to its depot; segments no plow can reach are unserved."""
    validate(problem)
    if not problem.segments:
        return evaluate(problem, "or-tools", [[] for _ in problem.plows])
    from engine.snow._ortools.arc_routing import solve_orders

    orders, _status = solve_orders(problem)
    return evaluate(problem, "or-tools", orders)
