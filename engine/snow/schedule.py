"""Repeating plow routes while snow falls: each tier's part of a route is plowed again once its
re-plow interval has passed, lowest tier first, until the snow stops.

A route's tier-k loop is its tier-k steps in route order; running it again starts with the deadhead
from wherever the plow stands. The plow works segment by segment: before each segment
it takes the most important tier that is due (a tier falls due when a pass started now would just
finish one interval after its last pass finished; a pass under way stays due until it is done), so
a tier-1 pass interrupts a long tier-3 pass, which resumes where it stopped. A plow with nothing
due waits where it is; once the snow stops, passes under way are finished and no new one starts.

The schedule reports, per tier, the longest a street of that tier waits for a pass (from the start
of the storm to the first pass, then between the ends of consecutive passes) against the tier's
interval, so an interval the fleet cannot keep is visible.
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
        return self.passes > 0 and (self.interval_s is None or self.worst_wait_s <= self.interval_s)


@dataclass(frozen=True, slots=True)
class PassSchedule:
    storm_s: int
    passes: tuple[Pass, ...]
    tiers: tuple[TierService, ...]


class _Loop:
    """One tier's steps of a route, with the fixed part of a pass's time precomputed."""

    def __init__(self, problem: PlowRouteProblem, steps: list[PlowStep]) -> None:
        self.steps = steps
        t = problem.travel_s
        inner = 0
        for a, b in itertools.pairwise(steps):
            dead = int(t[a.end, b.start])
            if dead == UNREACHABLE:
                raise ValueError(f"segment {b.segment_id!r} cannot be reached from {a.segment_id!r}")
            inner += dead
        self.inner_s = inner + sum(s.done_s - s.begin_s for s in steps)
        self.first = steps[0].start

    def run_s(self, problem: PlowRouteProblem, here: int) -> int:
        """Time of a whole pass started from place `here`."""
        return int(problem.travel_s[here, self.first]) + self.inner_s


def _step_s(problem: PlowRouteProblem, here: int, step: PlowStep) -> int:
    return int(problem.travel_s[here, step.start]) + max(1, step.done_s - step.begin_s)


def _route_passes(
    problem: PlowRouteProblem, route: PlowRoute, storm_s: int, interval_s: Mapping[int, int | None]
) -> list[Pass]:
    by_tier: dict[int, list[PlowStep]] = {}
    for step in route.steps:
        by_tier.setdefault(step.tier, []).append(step)
    loops = {k: _Loop(problem, steps) for k, steps in by_tier.items()}
    here = route.depot
    clock = 0
    last_done: dict[int, int] = {}
    position: dict[int, int] = {}  # tier → next step of the pass in progress
    began: dict[int, int] = {}
    count: dict[int, int] = {}
    passes: list[Pass] = []
    while True:
        latest: dict[int, float] = {}
        for k, loop in loops.items():
            iv = interval_s.get(k)
            if k in position:
                latest[k] = -math.inf  # a pass in progress is always due
            elif k not in last_done:
                latest[k] = -math.inf
            elif iv is None:
                latest[k] = math.inf
            else:
                latest[k] = last_done[k] + iv - loop.run_s(problem, here)
        if clock >= storm_s:
            # the snow has stopped: finish the passes under way, start no new one
            latest = {k: v for k, v in latest.items() if k in position}
        due = sorted(k for k, v in latest.items() if v <= clock)
        if not due:
            upcoming = min(latest.values(), default=math.inf)
            if upcoming >= storm_s:
                break
            clock = max(clock + 1, math.ceil(upcoming))
            continue
        tier = due[0]
        nxt = loops[tier].steps[position.get(tier, 0)]
        after = clock + _step_s(problem, here, nxt)
        sooner = [
            k
            for k in loops
            if k < tier
            and k in latest
            and k in last_done
            and (iv := interval_s.get(k)) is not None
            and last_done[k] + iv - loops[k].run_s(problem, nxt.end) < after
        ]
        if sooner:
            # the next segment of this tier would make a more important tier late: start it now
            tier = min(sooner)
        loop = loops[tier]
        i = position.get(tier, 0)
        if i == 0:
            began[tier] = clock
        step = loop.steps[i]
        clock += _step_s(problem, here, step)
        here = step.end
        if i + 1 < len(loop.steps):
            position[tier] = i + 1
        else:
            position.pop(tier, None)
            last_done[tier] = clock
            count[tier] = count.get(tier, 0) + 1
            passes.append(Pass(route.plow_id, tier, count[tier], began[tier], clock))
    return passes


def repeat_passes(
    problem: PlowRouteProblem, plan: PlowPlan, storm_s: int, interval_s: Mapping[int, int | None]
) -> PassSchedule:
    """Passes of every plow over its route's tiers from the start of the storm until `storm_s`."""
    if storm_s <= 0:
        raise ValueError(f"storm duration {storm_s} s must be positive")
    passes = [p for route in plan.routes for p in _route_passes(problem, route, storm_s, interval_s)]
    tiers = sorted({s.tier for r in plan.routes for s in r.steps})
    services: list[TierService] = []
    for tier in tiers:
        worst = 0
        for route in plan.routes:
            if not any(s.tier == tier for s in route.steps):
                continue
            done = sorted(p.done_s for p in passes if p.plow_id == route.plow_id and p.tier == tier)
            if not done:
                worst = max(worst, storm_s)  # not reached before the snow stopped
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
