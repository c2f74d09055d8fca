"""The engine's answer: a plan (immutable, picklable).

- `StepKind`: ``start`` / ``job`` / ``break`` / ``end``.
- `Step`: one step of a route. ``ref`` is the job or break id (None for start/end); ``location`` is the
  matrix index (None for a break, which is taken wherever the crew is between two visits).
  ``travel_s``/``dist_m`` lead from the previous located step to this one. Times are seconds from the
  horizon start: ``arrival_s`` (ready to work, after travel and any break in between), ``start_s``
  (start of service), ``waiting_s = start_s - arrival_s``, ``service_s``,
  ``departure_s = start_s + service_s``; ``lateness_s`` past the job's SLA due time; ``locked``.
- `Route`: ``crew_id``, ``steps`` (start … end), totals ``travel_s``, ``dist_m``, ``service_s``,
  ``waiting_s``, ``duration_s``, ``load`` and the route's ``cost``; `Route.job_ids`.
- `UnassignedReason` and `Unassigned(job_id, reason, detail)`: why a job has no crew, found by an
  independent feasibility analysis (`engine.feasibility`), with a sentence a dispatcher can act on.
- `Cost`: ``travel``, ``fixed``, ``lateness``, ``cross_district``, ``stability``, ``dropped`` and ``total``.
- `Plan`: ``routes`` (only crews with work), ``unassigned``, ``cost``, ``solver`` (which search found
  it), ``solutions`` (how many improving solutions the search saw); `Plan.route_of`, `Plan.assignment`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class StepKind(StrEnum):
    START = "start"
    JOB = "job"
    BREAK = "break"
    END = "end"


@dataclass(frozen=True, slots=True)
class Step:
    kind: StepKind
    ref: str | None
    location: int | None
    arrival_s: int
    start_s: int
    waiting_s: int
    service_s: int
    departure_s: int
    travel_s: int = 0
    dist_m: int = 0
    lateness_s: int = 0
    locked: bool = False


@dataclass(frozen=True, slots=True)
class Route:
    crew_id: str
    steps: tuple[Step, ...]
    travel_s: int
    dist_m: int
    service_s: int
    waiting_s: int
    duration_s: int
    load: int
    cost: int

    @property
    def job_ids(self) -> tuple[str, ...]:
        return tuple(s.ref for s in self.steps if s.kind is StepKind.JOB and s.ref is not None)


class UnassignedReason(StrEnum):
    NO_SKILL = "no_skill"
    OUTSIDE_DISTRICTS = "outside_districts"
    CAPACITY = "capacity"
    WINDOW_UNREACHABLE = "window_unreachable"
    DROPPED_FOR_PRIORITY = "dropped_for_priority"


@dataclass(frozen=True, slots=True)
class Unassigned:
    job_id: str
    reason: UnassignedReason
    detail: str


@dataclass(frozen=True, slots=True)
class Cost:
    travel: int = 0
    fixed: int = 0
    lateness: int = 0
    cross_district: int = 0
    stability: int = 0
    dropped: int = 0

    @property
    def total(self) -> int:
        return self.travel + self.fixed + self.lateness + self.cross_district + self.stability + self.dropped


@dataclass(frozen=True, slots=True)
class Plan:
    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...]
    cost: Cost
    solver: str = ""
    solutions: int = 0

    def route_of(self, crew_id: str) -> Route | None:
        for r in self.routes:
            if r.crew_id == crew_id:
                return r
        return None

    def assignment(self) -> dict[str, str]:
        """job id → crew id for every routed job."""
        return {jid: r.crew_id for r in self.routes for jid in r.job_ids}
