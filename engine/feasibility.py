"""Which crews could do each job on their own, and why a job has no crew.

This analysis is independent of the search: it looks at every (job, crew) pair alone and classifies
the first rule that fails, in the order a dispatcher would fix them:

1. skills (the crew lacks a skill the job needs),
2. districts (the job lies outside the crew's districts and the crew may not cross),
3. capacity (the job's demand, on top of the crew's locked work, exceeds the crew's capacity),
4. time (the crew cannot reach the job inside a time window, after its locked work, and be back by
   the end of its shift, breaks included).

A job that at least one crew could do alone but that is still unassigned was left out for other work:
`UnassignedReason.DROPPED_FOR_PRIORITY`, with the crews that could have done it named.

`eligible_crews` is the fast vectorised pre-filter the solver uses to restrict each job's crews (a
superset of the pairs that pass rule 4, since it ignores breaks and locked work).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from engine.model import Crew, Priority, Problem
from engine.plan import Plan, Unassigned, UnassignedReason
from engine.schedule import route_breaks_feasible


def rule_mask(problem: Problem) -> npt.NDArray[np.bool_]:
    """jobs × crews: skills, district and capacity rules (no timing)."""
    nj, nc = len(problem.jobs), len(problem.crews)
    ok = np.ones((nj, nc), dtype=bool)
    locked_load = _locked_load(problem)
    for c, crew in enumerate(problem.crews):
        for j, job in enumerate(problem.jobs):
            skills_ok = job.skills <= crew.skills
            district_ok = crew.may_cross_districts or crew.works_in(job.district)
            capacity_ok = crew.capacity is None or job.demand + locked_load[c] <= crew.capacity
            ok[j, c] = skills_ok and district_ok and capacity_ok
    # a locked job belongs to its crew, whatever the rules say
    idx = problem.job_index()
    for c, crew in enumerate(problem.crews):
        for jid in crew.locked:
            j = idx[jid]
            ok[j, :] = False
            ok[j, c] = True
    return ok


def eligible_crews(problem: Problem) -> npt.NDArray[np.bool_]:
    """jobs × crews: the rules plus a quick timing test (depot → job → depot inside shift and window)."""
    ok = rule_mask(problem)
    if not problem.jobs or not problem.crews:
        return ok
    T = problem.travel_s.array
    locs = np.array([j.location for j in problem.jobs], dtype=np.int64)
    service = np.array([j.service_s for j in problem.jobs], dtype=np.int64)
    tw_start = np.array([j.time_windows[0].start_s if j.time_windows else 0 for j in problem.jobs])
    tw_end = np.array([j.time_windows[-1].end_s if j.time_windows else 2**60 for j in problem.jobs])
    locked = {jid for c in problem.crews for jid in c.locked}
    is_locked = np.array([j.id in locked for j in problem.jobs])
    for c, crew in enumerate(problem.crews):
        ready = crew.shift.start_s + T[crew.start_location, locs]
        start = np.maximum(ready, tw_start)
        back = start + service + T[locs, crew.end_location]
        time_ok = ((start <= tw_end) | is_locked) & (back <= crew.shift.end_s)
        ok[:, c] &= time_ok | is_locked
    return ok


def _locked_load(problem: Problem) -> list[int]:
    idx = problem.job_index()
    return [sum(problem.jobs[idx[jid]].demand for jid in c.locked) if c.locked else 0 for c in problem.crews]


def _solo_feasible(problem: Problem, crew: Crew, j: int) -> bool:
    idx = problem.job_index()
    seq = [idx[jid] for jid in crew.locked if idx[jid] != j] + [j]
    return route_breaks_feasible(problem, crew, seq) is not None


def explain(problem: Problem, job_index: int, plan: Plan | None = None) -> Unassigned:
    """Why job ``job_index`` cannot be (or was not) routed, checked rule by rule over all crews."""
    job = problem.jobs[job_index]
    crews = problem.crews
    skilled = [c for c in crews if job.skills <= c.skills]
    if not skilled:
        need = ", ".join(sorted(job.skills)) or "(none)"
        return Unassigned(
            job.id,
            UnassignedReason.NO_SKILL,
            f"no crew has every skill this job needs ({need}); give a crew the skill or refer the job",
        )
    in_district = [c for c in skilled if c.may_cross_districts or c.works_in(job.district)]
    if not in_district:
        return Unassigned(
            job.id,
            UnassignedReason.OUTSIDE_DISTRICTS,
            f"district {job.district} is outside the districts of every crew with the skills "
            f"({_names(skilled)}), and none may cross; allow one to cross or add a crew there",
        )
    locked_load = dict(zip([c.id for c in crews], _locked_load(problem), strict=True))
    fits = [c for c in in_district if c.capacity is None or job.demand + locked_load[c.id] <= c.capacity]
    if not fits:
        return Unassigned(
            job.id,
            UnassignedReason.CAPACITY,
            f"its demand ({job.demand}) exceeds the free capacity of every eligible crew "
            f"({_names(in_district)}); split the job or send a larger vehicle",
        )
    timely = [c for c in fits if _solo_feasible(problem, c, job_index)]
    if not timely:
        return Unassigned(
            job.id,
            UnassignedReason.WINDOW_UNREACHABLE,
            "no eligible crew can reach it inside its time window and be back by the end of its shift "
            f"({_names(fits)}); widen the window or extend a shift",
        )
    detail = f"crews {_names(timely)} could do it alone but their shifts are full with other work"
    if plan is not None:
        jobs = {j.id: j for j in problem.jobs}
        ranks = [
            jobs[jid].priority.rank
            for r in plan.routes
            if r.crew_id in {c.id for c in timely}
            for jid in r.job_ids
        ]
        higher = sum(1 for rk in ranks if rk < job.priority.rank)
        same = sum(1 for rk in ranks if rk == job.priority.rank)
        top = min(ranks) if ranks else job.priority.rank
        detail += (
            f" ({higher} visits of higher and {same} of equal priority, the most urgent being "
            f"{list(Priority)[top].value})"
        )
    detail += "; add a crew or defer lower-priority work"
    return Unassigned(job.id, UnassignedReason.DROPPED_FOR_PRIORITY, detail)


def explain_all(problem: Problem, job_indices: list[int], plan: Plan | None = None) -> tuple[Unassigned, ...]:
    return tuple(explain(problem, j, plan) for j in job_indices)


def _names(crews: list[Crew]) -> str:
    names = [c.id for c in crews]
    return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")


__all__ = ["eligible_crews", "explain", "explain_all", "rule_mask"]
