"""An independent plan checker: re-derives every rule from the problem, shares no code with the engine."""

from __future__ import annotations

from engine.model import Problem
from engine.plan import Plan, StepKind, UnassignedReason


def check_plan(problem: Problem, plan: Plan) -> None:
    jobs = {j.id: j for j in problem.jobs}
    crews = {c.id: c for c in problem.crews}
    T = problem.travel_s.array
    routed: list[str] = []
    seen_crews: set[str] = set()
    for route in plan.routes:
        crew = crews[route.crew_id]
        assert crew.id not in seen_crews, f"crew {crew.id} has two routes"
        seen_crews.add(crew.id)
        steps = route.steps
        assert steps[0].kind is StepKind.START and steps[0].location == crew.start_location
        assert steps[-1].kind is StepKind.END and steps[-1].location == crew.end_location
        assert steps[0].departure_s >= crew.shift.start_s
        assert steps[-1].arrival_s <= crew.shift.end_s, f"{crew.id} back after shift end"
        ids = [s.ref for s in steps if s.kind is StepKind.JOB]
        assert ids, "empty routes are not listed"
        assert list(crew.locked) == ids[: len(crew.locked)], f"{crew.id}: locked prefix changed"
        load = 0
        breaks_seen: list[str] = []
        prev = steps[0]
        pending_breaks = 0
        last_break_end = prev.departure_s
        for s in steps[1:]:
            if s.kind is StepKind.BREAK:
                brk = next(b for b in crew.breaks if b.id == s.ref)
                assert brk.window.start_s <= s.start_s <= brk.window.end_s, f"break {brk.id} outside window"
                assert s.start_s >= last_break_end, "break overlaps previous work"
                assert s.departure_s == s.start_s + brk.duration_s
                pending_breaks += brk.duration_s
                last_break_end = s.departure_s
                breaks_seen.append(brk.id)
                continue
            assert s.location is not None and prev.location is not None
            travel = int(T[prev.location, s.location])
            assert s.start_s >= prev.departure_s + travel + pending_breaks, (
                f"{s.ref}: not enough time to get there"
            )
            assert s.start_s >= last_break_end, f"{s.ref}: service overlaps a break"
            if s.kind is StepKind.JOB:
                assert s.ref is not None
                job = jobs[s.ref]
                routed.append(job.id)
                assert job.skills <= crew.skills, f"{job.id}: crew {crew.id} lacks a skill"
                if not crew.may_cross_districts and crew.districts and job.district is not None:
                    assert job.district in crew.districts, f"{job.id}: outside {crew.id}'s districts"
                if job.time_windows:
                    if job.id in crew.locked:
                        assert s.start_s >= job.time_windows[0].start_s
                    else:
                        assert any(w.start_s <= s.start_s <= w.end_s for w in job.time_windows), (
                            f"{job.id}: service at {s.start_s} outside its windows"
                        )
                assert s.departure_s == s.start_s + job.service_s
                load += job.demand
            prev = s
            pending_breaks = 0
            last_break_end = s.departure_s
        assert sorted(breaks_seen) == sorted(b.id for b in crew.breaks), f"{crew.id}: breaks missing"
        if crew.capacity is not None:
            assert load <= crew.capacity, f"{crew.id}: load {load} > capacity {crew.capacity}"
    assert len(routed) == len(set(routed)), "a job is routed twice"
    unassigned = [u.job_id for u in plan.unassigned]
    assert not set(routed) & set(unassigned), "a job is both routed and unassigned"
    assert sorted(routed + unassigned) == sorted(jobs), "every job must be routed or unassigned"
    for crew in problem.crews:
        if crew.locked:
            assert crew.id in seen_crews, f"locked work of {crew.id} vanished"
    for u in plan.unassigned:
        job = jobs[u.job_id]
        assert u.detail
        skilled = [c for c in problem.crews if job.skills <= c.skills]
        if u.reason is UnassignedReason.NO_SKILL:
            assert not skilled
        else:
            assert skilled
        if u.reason is UnassignedReason.OUTSIDE_DISTRICTS:
            assert all(
                not c.may_cross_districts and not _works_in(c.districts, job.district) for c in skilled
            )
    dropped = sum(problem.weights.drop_penalty(jobs[u].priority) for u in unassigned)
    assert plan.cost.dropped == dropped


def _works_in(districts: frozenset[int], district: int | None) -> bool:
    return not districts or district is None or district in districts
