"""Nearest-neighbour plow routes: the simple baseline the optimised routes are measured against.

The plow whose clock is earliest takes the nearest unplowed segment (by deadhead time from where it
stands, in whichever direction is allowed) among the lowest tier still open, so every route plows
tier 1 first and its tiers never decrease; a plow stops when nothing it can reach fits its shift.
"""

from __future__ import annotations

from engine.snow.arcs import UNREACHABLE, PlowPlan, PlowRouteProblem, evaluate, validate


def nearest_neighbour(problem: PlowRouteProblem) -> PlowPlan:
    validate(problem)
    t = problem.travel_s
    open_segs = set(range(len(problem.segments)))
    here = [p.depot for p in problem.plows]
    clock = [0] * len(problem.plows)
    orders: list[list[tuple[int, int]]] = [[] for _ in problem.plows]
    blocked: set[int] = set()  # plows that can take nothing more of the current tier
    tier = 0
    while open_segs:
        lowest = min(problem.segments[s].tier for s in open_segs)
        if lowest != tier:
            tier, blocked = lowest, set()
        free = [i for i in range(len(problem.plows)) if i not in blocked]
        if not free:
            # no plow can reach (within its shift) what is left of this tier: it stays unplowed
            open_segs -= {s for s in open_segs if problem.segments[s].tier == lowest}
            continue
        v = min(free, key=lambda i: (clock[i], i))
        best = _nearest(
            problem, v, here[v], clock[v], {s for s in open_segs if problem.segments[s].tier == lowest}
        )
        if best is None:
            blocked.add(v)
            continue
        s, w = best
        way = problem.segments[s].ways[w]
        clock[v] += int(t[here[v], way.start]) + way.service_s
        here[v] = way.end
        orders[v].append((s, w))
        open_segs.discard(s)
    return evaluate(problem, "nearest-neighbour", orders)


def _nearest(
    problem: PlowRouteProblem, v: int, here: int, clock: int, candidates: set[int]
) -> tuple[int, int] | None:
    t = problem.travel_s
    plow = problem.plows[v]
    best: tuple[int, int, int] | None = None  # (deadhead, segment, way)
    for s in candidates:
        for w, way in enumerate(problem.segments[s].ways):
            dead = int(t[here, way.start])
            back = int(t[way.end, plow.depot])
            if dead == UNREACHABLE or back == UNREACHABLE:
                continue
            limit = plow.max_duration_s
            if limit is not None and clock + dead + way.service_s + back > limit:
                continue
            if best is None or (dead, s, w) < best:
                best = (dead, s, w)
    return None if best is None else (best[1], best[2])
