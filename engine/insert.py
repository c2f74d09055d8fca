"""Insert one new job into a live plan without re-solving: the cheapest feasible position.

`insert_job(problem, plan, job_id, verify=5) -> Insertion`. ``problem`` holds the new job (and the jobs of
``plan``); ``plan`` is the live plan. Every crew and every position after its locked prefix is scored at
once with numpy (crews × positions): the job's skills, districts and capacity; its arrival inside its
time window; the push it gives the rest of the route checked against each stop's latest feasible start
(a backward pass over windows and the shift end, breaks counted as extra time in their gap). Cost is
the detour (the crew's arc costs), the crossing penalty, the job's own lateness and the fixed cost of a
crew not yet used. The ``verify`` cheapest candidates are then timed exactly (`engine.schedule`, with
a split gap's breaks tried on either side of the new job) and the cheapest exact one is kept. Locked
steps and every other route stay untouched.

When no position is feasible, the plan comes back with the job unassigned and a reason from
`engine.feasibility`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from engine.feasibility import explain
from engine.model import Crew, Problem
from engine.plan import Cost, Plan, Route, StepKind, Unassigned
from engine.schedule import cross_penalty, route_components, schedule_route

BIG = np.int64(2**60)


@dataclass(frozen=True, slots=True)
class Insertion:
    plan: Plan
    crew_id: str | None
    position: int | None
    """Index of the new job among the crew's jobs, or None when it could not be inserted."""
    cost_delta: int
    unassigned: Unassigned | None = None


def _break_gaps(route: Route) -> list[int]:
    gaps: list[int] = []
    jobs_seen = 0
    for s in route.steps:
        if s.kind is StepKind.JOB:
            jobs_seen += 1
        elif s.kind is StepKind.BREAK:
            gaps.append(jobs_seen)
    return gaps


def insert_job(
    problem: Problem, plan: Plan, job_id: str, verify: int = 5, explain_failure: bool = True
) -> Insertion:
    """The cheapest feasible insertion of ``job_id`` into ``plan`` (see module docstring).

    With ``explain_failure=False`` a job that fits nowhere comes back with the plan unchanged and no
    reason (for callers that try many jobs and explain at the end).
    """
    jidx = problem.job_index()
    k = jidx[job_id]
    job = problem.jobs[k]
    crews = problem.crews
    nc = len(crews)
    routes = {r.crew_id: r for r in plan.routes}
    T = problem.travel_s.array
    D = problem.dist_m.array
    jobs_by_id = {j.id: j for j in problem.jobs}

    # padded arrays of located stops: 0 = start depot, 1..n = jobs, n + 1 = end depot
    lengths = [len(routes[c.id].job_ids) + 2 if c.id in routes else 2 for c in crews]
    width = max(lengths)
    loc = np.zeros((nc, width), dtype=np.int64)
    dep = np.zeros((nc, width), dtype=np.int64)
    win_end = np.full((nc, width), BIG, dtype=np.int64)
    service = np.zeros((nc, width), dtype=np.int64)
    brk = np.zeros((nc, width), dtype=np.int64)  # break time in the gap before stop i
    first_pos = np.zeros(nc, dtype=np.int64)  # first stop the job may follow (after locked work)
    load = np.zeros(nc, dtype=np.int64)
    for c, crew in enumerate(crews):
        loc[c, :] = crew.end_location
        route = routes.get(crew.id)
        if route is None:
            loc[c, 0] = crew.start_location
            dep[c, 0] = crew.shift.start_s
            win_end[c, 1] = crew.shift.end_s
            continue
        i = 0
        pending = 0
        for s in route.steps:
            if s.kind is StepKind.BREAK:
                pending += s.service_s
                continue
            loc[c, i] = s.location if s.location is not None else crew.end_location
            dep[c, i] = s.departure_s
            service[c, i] = s.service_s
            brk[c, i] = pending
            pending = 0
            if s.kind is StepKind.JOB and s.ref is not None:
                j = jobs_by_id[s.ref]
                if s.locked:
                    first_pos[c] = i
                elif j.time_windows:
                    win_end[c, i] = next((w.end_s for w in j.time_windows if w.end_s >= s.start_s), s.start_s)
            elif s.kind is StepKind.END:
                win_end[c, i] = crew.shift.end_s
            i += 1
        load[c] = route.load

    # latest feasible start of every stop (backward pass); padding after the end depot is ignored
    n_stops = np.array(lengths, dtype=np.int64)
    latest = win_end.copy()
    for i in range(width - 2, -1, -1):
        nxt = latest[:, i + 1]
        travel = T[loc[:, i], loc[:, i + 1]]
        bound = nxt - travel - brk[:, i + 1] - service[:, i]
        inside = i + 1 < n_stops
        latest[:, i] = np.where(inside, np.minimum(latest[:, i], bound), latest[:, i])

    # candidates: insert after stop i (i = 0 … n), before stop i + 1
    pos = np.arange(width - 1)
    after = loc[:, :-1]
    before = loc[:, 1:]
    valid = (pos[None, :] >= first_pos[:, None]) & (pos[None, :] < (n_stops - 1)[:, None])
    eligible = np.array(
        [job.skills <= c.skills and (c.may_cross_districts or c.works_in(job.district)) for c in crews],
        dtype=bool,
    )
    caps = np.array([c.capacity if c.capacity is not None else 2**40 for c in crews], dtype=np.int64)
    eligible &= load + job.demand <= caps
    valid &= eligible[:, None]

    to_k = T[after, job.location]
    from_k = T[job.location, before]
    ready = dep[:, :-1] + to_k
    windows = job.time_windows or ()
    start = np.full(ready.shape, BIG, dtype=np.int64)
    if windows:
        for w in reversed(windows):
            s_w = np.maximum(ready, w.start_s)
            start = np.where(ready <= w.end_s, s_w, start)
    else:
        start = ready
    ok = valid & (start < BIG)
    ready_next = start + job.service_s + from_k + brk[:, 1:]
    ok &= ready_next <= latest[:, 1:]
    if not ok.any():
        if not explain_failure:
            return Insertion(plan, None, None, 0)
        reason = explain(problem, k, plan)
        new_plan = replace(
            plan,
            unassigned=(*plan.unassigned, reason),
            cost=replace(plan.cost, dropped=plan.cost.dropped + problem.weights.drop_penalty(job.priority)),
        )
        return Insertion(new_plan, None, None, 0, reason)

    # detour cost per crew cost class
    delta = np.zeros(ready.shape, dtype=np.int64)
    for c, crew in enumerate(crews):
        ph, pk = crew.costs.per_hour, crew.costs.per_km
        a, b = after[c], before[c]
        delta[c] = (
            _arc(ph, pk, T[a, job.location], D[a, job.location])
            + _arc(ph, pk, T[job.location, b], D[job.location, b])
            - _arc(ph, pk, T[a, b], D[a, b])
            + cross_penalty(problem, crew, job)
            + (crew.costs.fixed if crew.id not in routes else 0)
        )
    if job.due_s is not None:
        delta += np.maximum(0, start - job.due_s) * problem.weights.lateness_per_s
    delta = np.where(ok, delta, BIG)
    order = np.argsort(delta, axis=None, kind="stable")[: max(1, verify) * 3]

    best: tuple[int, Crew, int, Route] | None = None
    checked = 0
    for flat in order:
        c, i = divmod(int(flat), delta.shape[1])
        if delta[c, i] >= BIG or checked >= verify:
            break
        crew = crews[c]
        old = routes.get(crew.id)
        seq = [jidx[j] for j in old.job_ids] if old else []
        seq.insert(i, k)
        gaps = _break_gaps(old) if old else [0] * len(crew.breaks)
        route = _time_with_split(problem, crew, seq, gaps, i)
        checked += 1
        if route is None:
            continue
        exact = route.cost - (old.cost if old else 0)
        if best is None or exact < best[0]:
            best = (exact, crew, i, route)
    if best is None:
        if not explain_failure:
            return Insertion(plan, None, None, 0)
        # the quick bounds let through only positions the exact timing refuses: say why
        reason = explain(problem, k, plan)
        new_plan = replace(
            plan,
            unassigned=(*plan.unassigned, reason),
            cost=replace(plan.cost, dropped=plan.cost.dropped + problem.weights.drop_penalty(job.priority)),
        )
        return Insertion(new_plan, None, None, 0, reason)
    exact, crew, i, route = best
    old = routes.get(crew.id)
    new_routes = tuple(route if r.crew_id == crew.id else r for r in plan.routes)
    if old is None:
        new_routes = (*plan.routes, route)
    cost = _adjust_cost(problem, plan.cost, old, route)
    if any(u.job_id == job_id for u in plan.unassigned):
        cost = replace(cost, dropped=cost.dropped - problem.weights.drop_penalty(job.priority))
    unassigned = tuple(u for u in plan.unassigned if u.job_id != job_id)
    return Insertion(replace(plan, routes=new_routes, unassigned=unassigned, cost=cost), crew.id, i, exact)


def _arc(ph: int, pk: int, t: npt.NDArray[np.int64], d: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    out: npt.NDArray[np.int64] = (ph * t + (3600 * pk * d) // 1000 + 1800) // 3600
    return out


def _time_with_split(problem: Problem, crew: Crew, seq: list[int], gaps: list[int], i: int) -> Route | None:
    """Exact timing with the new job at index ``i``; breaks of the split gap go before or after it."""
    split = [b for b, g in enumerate(gaps) if g == i]
    base = [g + 1 if g > i else g for g in gaps]
    best: Route | None = None
    for variant in range(len(split) + 1):
        trial = list(base)
        for n, b in enumerate(split):
            trial[b] = i if n < len(split) - variant else i + 1
        r = schedule_route(problem, crew, seq, trial)
        if r is not None and (best is None or r.cost < best.cost):
            best = r
    return best


def _adjust_cost(problem: Problem, cost: Cost, old: Route | None, new: Route) -> Cost:
    a = route_components(problem, new)
    b = route_components(problem, old) if old is not None else (0, 0, 0, 0, 0)
    return Cost(
        travel=cost.travel + a[0] - b[0],
        fixed=cost.fixed + a[1] - b[1],
        lateness=cost.lateness + a[2] - b[2],
        cross_district=cost.cross_district + a[3] - b[3],
        stability=cost.stability + a[4] - b[4],
        dropped=cost.dropped,
    )
