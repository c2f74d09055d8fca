"""Repeating plow routes while snow falls: each tier's part of a route is plowed again once its
re-plow interval has passed, lowest tier first, until the snow stops.

A route's tier-k loop is its tier-k steps in route order; running it again starts with the deadhead
from wherever the plow stands. A tier falls due when a pass started now would just finish one
interval after its last pass finished; a pass over a less important tier that would make a more
important one late is replaced by an early pass over the latter, and a plow with nothing due waits
where it is. The schedule reports, per tier, the longest a street of that tier waits for a pass (from the
start of the storm to the first pass, then between the ends of consecutive passes) against the
tier's interval, so an interval the fleet cannot keep is visible.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass

from engine.snow.arcs import UNREACHABLE, PlowPlan, PlowRoute, PlowRouteProblem, PlowStep


@dataclass(frozen=True, slots=True)
class Pass:
    plow_id: str
    tier: int
    number: int  # 1 for the first pass of this plow over this tier
    begin_s: int
    done_s: int


@dataclass(frozen=True, slots=True)
class TierService:
    tier: int
    interval_s: int | None
    passes: int
    worst_wait_s: int

    @property
    def meets_interval(self) -> bool:
        return self.interval_s is None or self.worst_wait_s <= self.interval_s


@dataclass(frozen=True, slots=True)
class PassSchedule:
    storm_s: int
    passes: tuple[Pass, ...]
    tiers: tuple[TierService, ...]


def _loop_s(problem: PlowRouteProblem, here: int, steps: list[PlowStep]) -> tuple[int, int]:
    """Duration of running `steps` from place `here`, and the place where the loop ends."""
    t = problem.travel_s
    clock = 0
    for step in steps:
        dead = int(t[here, step.start])
        if dead == UNREACHABLE:
            raise ValueError(f"place {step.start} of segment {step.segment_id!r} cannot be reached")
        clock += dead + (step.done_s - step.begin_s)
        here = step.end
    return clock, here


def _latest_start(
    tier: int, run_s: int, last_done: Mapping[int, int], interval_s: Mapping[int, int | None]
) -> float:
    """The latest start of a pass that still ends within the tier's interval of its last pass."""
    if tier not in last_done:
        return -math.inf
    iv = interval_s.get(tier)
    return math.inf if iv is None else last_done[tier] + iv - run_s


def _route_passes(
    problem: PlowRouteProblem, route: PlowRoute, storm_s: int, interval_s: Mapping[int, int | None]
) -> list[Pass]:
    loops: dict[int, list[PlowStep]] = {}
    for step in route.steps:
        loops.setdefault(step.tier, []).append(step)
    here = route.depot
    clock = 0
    last_done: dict[int, int] = {}
    count: dict[int, int] = {}
    passes: list[Pass] = []
    while clock < storm_s:
        runs = {k: _loop_s(problem, here, steps) for k, steps in loops.items()}
        latest = {k: _latest_start(k, runs[k][0], last_done, interval_s) for k in loops}

        due = [k for k in sorted(loops) if latest[k] <= clock]
        if not due:
            upcoming = min(latest[k] for k in loops)
            if upcoming >= storm_s:
                break
            clock = math.ceil(upcoming)
            continue
        tier = due[0]
        lower = [k for k in loops if k < tier]
        if lower and any(clock + runs[tier][0] > latest[k] for k in lower):
            # this pass would make a more important tier wait too long: run that one early instead
            tier = min(lower, key=lambda k: (latest[k], k))
        duration, here = runs[tier]
        duration = max(duration, 1)
        count[tier] = count.get(tier, 0) + 1
        passes.append(Pass(route.plow_id, tier, count[tier], clock, clock + duration))
        clock += duration
        last_done[tier] = clock
    return passes


def repeat_passes(
    problem: PlowRouteProblem, plan: PlowPlan, storm_s: int, interval_s: Mapping[int, int | None]
) -> PassSchedule:
    """Passes of every plow over its route's tiers from the start of the storm until `storm_s`."""
    if storm_s <= 0:
        raise ValueError(f"storm duration {storm_s} s must be positive")
    passes = [p for route in plan.routes for p in _route_passes(problem, route, storm_s, interval_s)]
    tiers = sorted({p.tier for p in passes})
    services: list[TierService] = []
    for tier in tiers:
        worst = 0
        for route in plan.routes:
            done = sorted(p.done_s for p in passes if p.plow_id == route.plow_id and p.tier == tier)
            if not done:
                continue
            waits = [done[0]] + [b - a for a, b in itertools.pairwise(done)]
            if interval_s.get(tier) is not None and done[-1] < storm_s:
                waits.append(storm_s - done[-1])
            worst = max(worst, *waits)
        services.append(
            TierService(
                tier=tier,
                interval_s=interval_s.get(tier),
                passes=sum(1 for p in passes if p.tier == tier),
                worst_wait_s=worst,
            )
        )
    return PassSchedule(
        storm_s=storm_s,
        passes=tuple(sorted(passes, key=lambda p: (p.begin_s, p.plow_id))),
        tiers=tuple(services),
    )
