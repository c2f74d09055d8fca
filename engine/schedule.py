"""Earliest-start timing of one crew's route, and its cost.

Semantics (shared by the solver's plan builder, insertion and re-planning):

- the crew leaves its start depot at the start of its shift;
- between two located steps (depot or job) the crew travels; breaks assigned to that gap are taken in
  order, each as early as its window allows (they may overlap travel: the crew stops on the way or
  on arrival), so the next step is ready at ``max(departure + travel + Σ break durations, last break end)``;
- service starts at the earliest time inside a time window that is not over yet (waiting allowed);
  locked jobs keep only the lower bound of their first window (accepted work is done even when late);
- the route must be back at its end depot, with any break of the last gap finished, by the shift end;
- the load is the sum of the jobs' demands and must not exceed the crew's capacity.

`schedule_route` returns a `Route` (or None when a rule is broken), `route_breaks_feasible` finds a
gap for every break when the caller does not know one.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import product

from engine.model import Crew, Job, Problem
from engine.plan import Route, Step, StepKind


def service_start(job: Job, ready_s: int, locked: bool) -> int | None:
    """Earliest start of service at or after ``ready_s``; None when every window is over."""
    if not job.time_windows:
        return ready_s
    if locked:
        return max(ready_s, job.time_windows[0].start_s)
    for w in job.time_windows:
        if ready_s <= w.end_s:
            return max(ready_s, w.start_s)
    return None


def cross_penalty(problem: Problem, crew: Crew, job: Job) -> int:
    if crew.works_in(job.district):
        return 0
    if crew.cross_district_penalty is not None:
        return crew.cross_district_penalty
    return problem.weights.cross_district_penalty


def schedule_route(
    problem: Problem,
    crew: Crew,
    jobs: Sequence[int],
    break_gaps: Sequence[int] | None = None,
    previous: dict[str, str] | None = None,
) -> Route | None:
    """Time the route ``jobs`` (indices into ``problem.jobs``) for ``crew``.

    ``break_gaps[k]`` is the gap holding ``crew.breaks[k]``: gap g lies before the g-th job, gap
    ``len(jobs)`` before the end depot. When omitted, a feasible gap assignment is searched for.
    Returns None when the route breaks a rule (window, shift, break window, capacity).
    """
    if break_gaps is None:
        return route_breaks_feasible(problem, crew, jobs, previous)
    T = problem.travel_s.array
    D = problem.dist_m.array
    locked = set(crew.locked)
    by_gap: dict[int, list[int]] = {}
    for k, g in enumerate(break_gaps):
        by_gap.setdefault(g, []).append(k)
    load = 0
    steps: list[Step] = [
        Step(
            StepKind.START,
            None,
            crew.start_location,
            crew.shift.start_s,
            crew.shift.start_s,
            0,
            0,
            crew.shift.start_s,
        )
    ]
    t = crew.shift.start_s
    loc = crew.start_location
    travel_total = dist_total = service_total = wait_total = 0
    arc_cost = lateness_cost = cross_cost = stability_cost = 0
    w = problem.weights
    n = len(jobs)
    for g in range(n + 1):
        nxt = problem.jobs[jobs[g]].location if g < n else crew.end_location
        travel = int(T[loc, nxt])
        dist = int(D[loc, nxt])
        bt = t
        brk_total = 0
        for k in by_gap.get(g, ()):
            b = crew.breaks[k]
            bs = max(bt, b.window.start_s)
            if bs > b.window.end_s:
                return None
            steps.append(Step(StepKind.BREAK, b.id, None, bs, bs, 0, b.duration_s, bs + b.duration_s))
            bt = bs + b.duration_s
            brk_total += b.duration_s
        ready = max(t + travel + brk_total, bt)
        travel_total += travel
        dist_total += dist
        arc_cost += crew.costs.arc_cost(travel, dist)
        if g == n:
            if ready > crew.shift.end_s:
                return None
            steps.append(Step(StepKind.END, None, nxt, ready, ready, 0, 0, ready, travel, dist))
            break
        job = problem.jobs[jobs[g]]
        is_locked = job.id in locked
        start = service_start(job, ready, is_locked)
        if start is None:
            return None
        late = max(0, start - job.due_s) if job.due_s is not None else 0
        lateness_cost += late * w.lateness_per_s
        cross_cost += cross_penalty(problem, crew, job)
        if previous and w.stability and previous.get(job.id, crew.id) != crew.id:
            stability_cost += w.stability
        load += job.demand
        steps.append(
            Step(
                StepKind.JOB,
                job.id,
                nxt,
                ready,
                start,
                start - ready,
                job.service_s,
                start + job.service_s,
                travel,
                dist,
                late,
                is_locked,
            )
        )
        wait_total += start - ready
        service_total += job.service_s
        t = start + job.service_s
        loc = nxt
    if crew.capacity is not None and load > crew.capacity:
        return None
    end = steps[-1].arrival_s
    cost = arc_cost + lateness_cost + cross_cost + stability_cost + (crew.costs.fixed if n else 0)
    return Route(
        crew_id=crew.id,
        steps=tuple(steps),
        travel_s=travel_total,
        dist_m=dist_total,
        service_s=service_total,
        waiting_s=wait_total,
        duration_s=end - crew.shift.start_s,
        load=load,
        cost=cost,
    )


def route_breaks_feasible(
    problem: Problem, crew: Crew, jobs: Sequence[int], previous: dict[str, str] | None = None
) -> Route | None:
    """The cheapest feasible timing over every way to place the crew's breaks (in order) in gaps."""
    nb = len(crew.breaks)
    if nb == 0:
        return schedule_route(problem, crew, jobs, (), previous)
    best: Route | None = None
    gaps = range(len(jobs) + 1)
    for assignment in product(gaps, repeat=nb):
        if any(assignment[k] > assignment[k + 1] for k in range(nb - 1)):
            continue
        r = schedule_route(problem, crew, jobs, assignment, previous)
        if r is not None and (best is None or r.steps[-1].arrival_s < best.steps[-1].arrival_s):
            best = r
    return best


def route_components(problem: Problem, route: Route) -> tuple[int, int, int, int, int]:
    """(travel cost, fixed, lateness cost, cross-district cost, stability left to caller) of a route."""
    crew = problem.crews[problem.crew_index()[route.crew_id]]
    jobs = {j.id: j for j in problem.jobs}
    arc = sum(crew.costs.arc_cost(s.travel_s, s.dist_m) for s in route.steps)
    late = sum(s.lateness_s for s in route.steps) * problem.weights.lateness_per_s
    cross = sum(
        cross_penalty(problem, crew, jobs[s.ref]) for s in route.steps if s.kind is StepKind.JOB and s.ref
    )
    fixed = crew.costs.fixed if route.job_ids else 0
    return arc, fixed, late, cross, route.cost - arc - fixed - late - cross
