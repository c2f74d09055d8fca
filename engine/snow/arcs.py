"""Plow-route problem and plan: required street segments with tiers, plows with depots, and the
routes that plow them.

Places are indices into the travel-time matrix (graph nodes the caller chose: segment ends and
depots). A required segment is plowed by traversing it once in one of its `ways`: a one-way street
(or one side of a divided street) has one way, a two-way street plowed in one pass has two, and the
route picks either direction. Moving between segments (deadheading) costs the shortest-path time
from one segment's end to the next one's start, as given by the matrix.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from engine.snow.policy import TIERS, check_tier

UNREACHABLE = -1


@dataclass(frozen=True, slots=True)
class Traversal:
    start: int
    end: int
    service_s: int
    length_m: int


@dataclass(frozen=True, slots=True)
class RequiredSegment:
    id: str
    tier: int
    ways: tuple[Traversal, ...]


@dataclass(frozen=True, slots=True)
class Plow:
    id: str
    depot: int
    max_duration_s: int | None = None


@dataclass(frozen=True, eq=False)
class PlowRouteProblem:
    """`travel_s[i, j]`: shortest travel time from place i to place j (UNREACHABLE when there is
    no path); `dist_m` the matching path lengths, or None to report time only."""

    travel_s: npt.NDArray[np.int64]
    segments: tuple[RequiredSegment, ...]
    plows: tuple[Plow, ...]
    dist_m: npt.NDArray[np.int64] | None = None
    strict_tier_order: bool = True
    time_limit_s: float = 10.0

    def __post_init__(self) -> None:
        # read-only int64 views: the engine never writes into the caller's matrices
        for name in ("travel_s", "dist_m"):
            value = getattr(self, name)
            if value is not None:
                view = np.asarray(value, dtype=np.int64).view()
                view.setflags(write=False)
                object.__setattr__(self, name, view)

    @property
    def n_places(self) -> int:
        return int(self.travel_s.shape[0])


@dataclass(frozen=True, slots=True)
class PlowStep:
    segment_id: str
    tier: int
    start: int
    end: int
    deadhead_s: int  # travel from the previous place to `start`
    deadhead_m: int
    begin_s: int  # plowing starts, seconds after the route starts
    done_s: int


@dataclass(frozen=True, slots=True)
class PlowRoute:
    plow_id: str
    depot: int
    steps: tuple[PlowStep, ...]
    return_s: int  # deadhead back to the depot after the last segment
    return_m: int

    @property
    def duration_s(self) -> int:
        return (self.steps[-1].done_s if self.steps else 0) + self.return_s

    @property
    def service_s(self) -> int:
        return sum(s.done_s - s.begin_s for s in self.steps)

    @property
    def deadhead_s(self) -> int:
        return sum(s.deadhead_s for s in self.steps) + self.return_s

    def tier_done_s(self, tier: int) -> int | None:
        done = [s.done_s for s in self.steps if s.tier == tier]
        return max(done) if done else None


@dataclass(frozen=True, slots=True)
class PlowPlan:
    method: str
    routes: tuple[PlowRoute, ...]
    unserved: tuple[str, ...]
    lower_bound_s: int  # Σ least service time over all segments ÷ number of plows
    service_length_m: int  # Σ least plowed length over all segments: no route set is shorter
    length_m: int | None  # plowed + deadhead metres of all routes (None without `dist_m`)

    @property
    def makespan_s(self) -> int:
        return max((r.duration_s for r in self.routes), default=0)

    @property
    def total_s(self) -> int:
        return sum(r.duration_s for r in self.routes)

    def tier_clear_s(self, tier: int) -> int | None:
        """When the last segment of `tier` is plowed (None when the tier has no served segment)."""
        done = [t for r in self.routes if (t := r.tier_done_s(tier)) is not None]
        return max(done) if done else None


class PlowRouteError(ValueError):
    """The plow-route problem is malformed; the message names the segment, plow or place."""


def validate(problem: PlowRouteProblem) -> None:
    t = problem.travel_s
    if t.ndim != 2 or t.shape[0] != t.shape[1]:
        raise PlowRouteError(f"travel_s must be a square matrix, got shape {t.shape}")
    if problem.dist_m is not None and problem.dist_m.shape != t.shape:
        raise PlowRouteError(f"dist_m has shape {problem.dist_m.shape}, travel_s {t.shape}")
    if bool((t < UNREACHABLE).any()):
        raise PlowRouteError("travel_s holds a negative time other than UNREACHABLE (-1)")
    n = problem.n_places
    if not problem.plows:
        raise PlowRouteError("no plow to route; assign at least one plow to the district")
    ids: set[str] = set()
    for seg in problem.segments:
        if seg.id in ids:
            raise PlowRouteError(f"segment {seg.id!r} is listed twice")
        ids.add(seg.id)
        check_tier(seg.tier)
        if not seg.ways:
            raise PlowRouteError(f"segment {seg.id!r} has no way to traverse it")
        for way in seg.ways:
            if not (0 <= way.start < n and 0 <= way.end < n):
                raise PlowRouteError(f"segment {seg.id!r}: place outside 0..{n - 1}")
            if way.service_s < 0 or way.length_m < 0:
                raise PlowRouteError(f"segment {seg.id!r}: negative service time or length")
    for plow in problem.plows:
        if not 0 <= plow.depot < n:
            raise PlowRouteError(f"plow {plow.id!r}: depot place {plow.depot} outside 0..{n - 1}")


def lower_bound_s(problem: PlowRouteProblem) -> int:
    total = sum(min(w.service_s for w in s.ways) for s in problem.segments)
    return math.ceil(total / len(problem.plows)) if problem.plows else 0


def evaluate(problem: PlowRouteProblem, method: str, orders: Sequence[Sequence[tuple[int, int]]]) -> PlowPlan:
    """Turn each plow's ordered (segment index, way index) list into timed routes."""
    t = problem.travel_s
    dist = problem.dist_m
    routes: list[PlowRoute] = []
    served: set[int] = set()
    total_m = 0
    for plow, order in zip(problem.plows, orders, strict=True):
        here = plow.depot
        clock = 0
        steps: list[PlowStep] = []
        for seg_i, way_i in order:
            seg = problem.segments[seg_i]
            way = seg.ways[way_i]
            dead = int(t[here, way.start])
            if dead == UNREACHABLE:
                raise PlowRouteError(f"plow {plow.id!r} cannot reach segment {seg.id!r}")
            dead_m = int(dist[here, way.start]) if dist is not None else 0
            begin = clock + dead
            clock = begin + way.service_s
            steps.append(PlowStep(seg.id, seg.tier, way.start, way.end, dead, dead_m, begin, clock))
            total_m += dead_m + way.length_m
            here = way.end
            served.add(seg_i)
        back = int(t[here, plow.depot])
        if back == UNREACHABLE:
            raise PlowRouteError(f"plow {plow.id!r} cannot return to its depot from place {here}")
        back_m = int(dist[here, plow.depot]) if dist is not None else 0
        total_m += back_m
        routes.append(PlowRoute(plow.id, plow.depot, tuple(steps), back, back_m))
    return PlowPlan(
        method=method,
        routes=tuple(routes),
        unserved=tuple(s.id for i, s in enumerate(problem.segments) if i not in served),
        lower_bound_s=lower_bound_s(problem),
        service_length_m=sum(min(w.length_m for w in s.ways) for s in problem.segments),
        length_m=total_m if dist is not None else None,
    )


def tier_order_ok(route: PlowRoute, *, strict: bool) -> bool:
    """True when no tier-1 segment follows a tier-3 one (strict: tiers never decrease)."""
    seen_max = 0
    for step in route.steps:
        if strict and step.tier < seen_max:
            return False
        if not strict and step.tier == 1 and seen_max == max(TIERS):
            return False
        seen_max = max(seen_max, step.tier)
    return True
