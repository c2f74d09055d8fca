"""A cheap pass after the search that puts left-out work back, most important first.

1. Insertion: every job left out although some crew could do it alone is inserted at its cheapest
   exact position (`engine.insert`) when that costs less than its drop penalty.
2. Ejection, for urgent and high-priority jobs still out: in each crew's route that holds unlocked
   work of lower priority, the lowest-priority visit nearest to the job is taken out and the job is
   inserted into the plan wherever it is cheapest; the best exchange is kept when it lowers the total
   cost (the penalties make an urgent job worth far more than a normal one). The visits taken out are
   then offered to step 1 again.

Locked steps are never touched. The plan is re-timed and its reasons rewritten at the end.
"""

from __future__ import annotations

import dataclasses

from engine.insert import insert_job
from engine.model import Priority, Problem
from engine.plan import Plan, Unassigned, UnassignedReason
from engine.schedule import route_breaks_feasible


def _insert_all(problem: Problem, plan: Plan, job_ids: list[str]) -> tuple[Plan, bool]:
    jobs = {j.id: j for j in problem.jobs}
    changed = False
    for jid in sorted(job_ids, key=lambda j: (jobs[j].priority.rank, j)):
        result = insert_job(problem, plan, jid, explain_failure=False)
        if result.crew_id is not None and result.cost_delta < problem.weights.drop_penalty(
            jobs[jid].priority
        ):
            plan = result.plan
            changed = True
    return plan, changed


def _eject_for(problem: Problem, plan: Plan, jid: str) -> Plan | None:
    """The best plan with ``jid`` in and one lower-priority visit out, or None when none pays."""
    jobs = {j.id: j for j in problem.jobs}
    crews = {c.id: c for c in problem.crews}
    idx = problem.job_index()
    previous = dict(problem.previous)
    job = jobs[jid]
    T = problem.travel_s.array
    w = problem.weights
    best: tuple[int, Plan] | None = None
    for route in plan.routes:
        crew = crews[route.crew_id]
        if not job.skills <= crew.skills or not (crew.may_cross_districts or crew.works_in(job.district)):
            continue
        victims = [
            v for v in route.job_ids if v not in crew.locked and jobs[v].priority.rank > job.priority.rank
        ]
        if not victims:
            continue
        victim = min(victims, key=lambda v: (-jobs[v].priority.rank, int(T[job.location, jobs[v].location])))
        seq = [idx[v] for v in route.job_ids if v != victim]
        shorter = route_breaks_feasible(problem, crew, seq, previous) if seq else None
        routes = tuple(r for r in plan.routes if r.crew_id != crew.id) + ((shorter,) if shorter else ())
        out = Unassigned(victim, UnassignedReason.DROPPED_FOR_PRIORITY, "")
        trial = dataclasses.replace(plan, routes=routes, unassigned=(*plan.unassigned, out))
        result = insert_job(problem, trial, jid, explain_failure=False)
        if result.crew_id is None:
            continue
        saved = route.cost - (shorter.cost if shorter else 0)
        gain = (
            w.drop_penalty(job.priority) - w.drop_penalty(jobs[victim].priority) + saved - result.cost_delta
        )
        if gain > 0 and (best is None or gain > best[0]):
            best = (gain, result.plan)
    return best[1] if best else None


def repair(problem: Problem, plan: Plan) -> Plan:
    """Put left-out work back (see module docstring); the plan can only get cheaper."""
    from engine.solve import build_plan

    feasible_out = [u.job_id for u in plan.unassigned if u.reason is UnassignedReason.DROPPED_FOR_PRIORITY]
    plan, changed = _insert_all(problem, plan, feasible_out)
    jobs = {j.id: j for j in problem.jobs}
    important = [
        u.job_id
        for u in plan.unassigned
        if u.reason is UnassignedReason.DROPPED_FOR_PRIORITY
        and jobs[u.job_id].priority in (Priority.URGENT, Priority.HIGH)
    ]
    for jid in sorted(important, key=lambda j: (jobs[j].priority.rank, j)):
        if jid in plan.assignment():
            continue
        better = _eject_for(problem, plan, jid)
        if better is not None:
            routed = set(better.assignment())
            ejected = [j for j in plan.assignment() if j not in routed]
            plan = dataclasses.replace(
                better, unassigned=tuple(u for u in better.unassigned if u.job_id != jid)
            )
            plan, _ = _insert_all(problem, plan, ejected)
            changed = True
    if not changed:
        return plan
    # re-time, re-cost and re-explain from the final sequences
    index = problem.job_index()
    routes_of = {r.crew_id: [index[j] for j in r.job_ids] for r in plan.routes}
    sequences = [routes_of.get(c.id, []) for c in problem.crews]
    return build_plan(problem, sequences, plan.solver, plan.solutions)
