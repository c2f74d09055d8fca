"""Solve a `Problem` into a `Plan`, and re-solve a live plan warm.

- `SolveOptions(time_limit_s, solution_limit, seed, workers)`: a time limit always applies; with a
  ``solution_limit`` the result depends only on the problem, the seed and the limit (deterministic).
  ``workers`` > 1 runs diversified searches (different construction, seed-shuffled node order) in
  separate processes and keeps the cheapest plan; worker 0 runs in the calling process.
- `solve(problem, options, initial=None)`: jobs no crew could do alone are not searched at all; the
  others go to OR-Tools; the plan is re-timed by `engine.schedule` and every unassigned job gets its
  reason from `engine.feasibility`.
- `resolve(problem, plan, options, stability=None)`: warm start from ``plan`` (locked steps kept as
  fixed prefixes) with a stability cost per visit moved to another crew (``Weights.stability``).
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from engine._ortools import RawSolution, SearchConfig, search
from engine.errors import NoSolutionError
from engine.feasibility import eligible_crews, explain
from engine.model import Problem
from engine.plan import Cost, Plan, Route
from engine.schedule import route_breaks_feasible, route_components

PORTFOLIO: tuple[tuple[str, str], ...] = (
    ("parallel_cheapest_insertion", "guided_local_search"),
    ("local_cheapest_insertion", "guided_local_search"),
    ("savings", "guided_local_search"),
    ("sequential_cheapest_insertion", "guided_local_search"),
)


_MARGIN_S = 0.3  # seconds left for timing the plan and explaining unassigned jobs, plus 2 ms a job


@dataclass(frozen=True, slots=True)
class SolveOptions:
    time_limit_s: float = 5.0
    solution_limit: int | None = None
    seed: int = 0
    workers: int = 1
    use_pyvrp: bool = True
    """Let PyVRP be the second search when the problem uses none of Crewline's own rules."""


def _configs(options: SolveOptions, deadline: float) -> list[SearchConfig]:
    out = []
    for k in range(max(1, options.workers)):
        first, meta = PORTFOLIO[k % len(PORTFOLIO)]
        out.append(
            SearchConfig(
                first_solution=first,
                metaheuristic=meta,
                time_limit_s=options.time_limit_s,
                solution_limit=options.solution_limit,
                seed=options.seed + k,
                deadline=deadline,
            )
        )
    return out


def _run(
    problem: Problem,
    candidates: list[int],
    allowed: npt.NDArray[np.bool_],
    config: SearchConfig,
    initial: list[list[int]] | None,
    use_pyvrp: bool = False,
) -> RawSolution | None:
    if use_pyvrp:
        from engine import _pyvrp

        return _pyvrp.search(
            problem, candidates, config.time_limit_s, config.seed, config.solution_limit, config.deadline
        )
    return search(problem, candidates, allowed, config, initial)


def build_plan(
    problem: Problem, routes: Sequence[Sequence[int]], solver: str = "", solutions: int = 0
) -> Plan:
    """Time every crew's sequence, explain every job left out and add up the cost."""
    previous = dict(problem.previous)
    out: list[Route] = []
    routed: set[int] = set()
    locked_ids = {jid for c in problem.crews for jid in c.locked}
    for crew, seq in zip(problem.crews, routes, strict=True):
        if not seq:
            continue
        kept = list(seq)
        route = route_breaks_feasible(problem, crew, kept, previous)
        while route is None and kept:
            # the search's timing model allows nothing this one forbids; shed unlocked work if it does
            drop = max(k for k, j in enumerate(kept) if problem.jobs[j].id not in locked_ids)
            kept.pop(drop)
            route = route_breaks_feasible(problem, crew, kept, previous) if kept else None
        if route is not None:
            out.append(route)
            routed.update(kept)
    draft = Plan(tuple(out), (), Cost(), solver, solutions)
    missing = [j for j in range(len(problem.jobs)) if j not in routed]
    unassigned = tuple(explain(problem, j, draft) for j in missing)
    parts = [route_components(problem, r) for r in out]
    cost = Cost(
        travel=sum(p[0] for p in parts),
        fixed=sum(p[1] for p in parts),
        lateness=sum(p[2] for p in parts),
        cross_district=sum(p[3] for p in parts),
        stability=sum(p[4] for p in parts),
        dropped=sum(problem.weights.drop_penalty(problem.jobs[j].priority) for j in missing),
    )
    return Plan(tuple(out), unassigned, cost, solver, solutions)


def solve(problem: Problem, options: SolveOptions | None = None, initial: Plan | None = None) -> Plan:
    """The cheapest plan the searches find within the limits."""
    options = options or SolveOptions()
    started = time.time()
    if not problem.jobs or not problem.crews:
        return build_plan(problem, [() for _ in problem.crews], "trivial")
    allowed = eligible_crews(problem)
    candidates = [j for j in range(len(problem.jobs)) if allowed[j].any()]
    if not candidates:
        return build_plan(problem, [() for _ in problem.crews], "trivial")
    sub = allowed[candidates, :]
    init = _initial_routes(problem, initial) if initial is not None else None
    # leave time to time the plan, repair it and explain what is left out (grows with the jobs)
    margin = min(_MARGIN_S + 0.002 * len(problem.jobs), 0.4 * options.time_limit_s)
    configs = _configs(options, started + options.time_limit_s - margin)
    # a problem PyVRP models completely gets its hybrid genetic search as the second worker
    pyvrp_second = (
        options.use_pyvrp and len(configs) > 1 and init is None and _pyvrp_supports(problem, candidates, sub)
    )
    raws: list[RawSolution | None] = []
    if len(configs) > 1:
        # fork starts a search at once (no re-import); the calling process runs no search threads yet
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        ctx = multiprocessing.get_context(method)
        with ProcessPoolExecutor(max_workers=len(configs) - 1, mp_context=ctx) as pool:
            futures = [
                pool.submit(_run, problem, candidates, sub, cfg, init, pyvrp_second and k == 0)
                for k, cfg in enumerate(configs[1:])
            ]
            raws.append(_run(problem, candidates, sub, configs[0], init))
            raws.extend(f.result() for f in futures)
    else:
        raws.append(_run(problem, candidates, sub, configs[0], init))
    plans = [build_plan(problem, r.routes, r.label, r.solutions) for r in raws if r is not None]
    if not plans:
        idx = problem.job_index()
        stuck = [
            c.id
            for c in problem.crews
            if c.locked and route_breaks_feasible(problem, c, [idx[j] for j in c.locked]) is None
        ]
        if stuck:
            raise NoSolutionError(
                f"the search found no plan within {options.time_limit_s} s; the locked steps of crew(s) "
                f"{', '.join(stuck)} cannot be done within the shift: unlock them or extend the shift"
            )
        # the locked work alone is a plan: build the rest by exact insertion, most important first
        plans = [build_plan(problem, [[idx[j] for j in c.locked] for c in problem.crews], "insertion")]
    from engine.repair import repair

    return repair(problem, min(plans, key=lambda p: p.cost.total))


def _pyvrp_supports(problem: Problem, candidates: list[int], allowed: npt.NDArray[np.bool_]) -> bool:
    try:
        from engine import _pyvrp
    except ImportError:  # PyVRP is an optional extra
        return False
    return _pyvrp.supports(problem, candidates, allowed)


def _initial_routes(problem: Problem, plan: Plan) -> list[list[int]]:
    idx = problem.job_index()
    locked_ids = {jid for c in problem.crews for jid in c.locked}
    routes: list[list[int]] = []
    for crew in problem.crews:
        r = plan.route_of(crew.id)
        rest = [idx[j] for j in (r.job_ids if r else ()) if j in idx and j not in locked_ids]
        routes.append([idx[j] for j in crew.locked] + rest)
    return routes


def resolve(
    problem: Problem, plan: Plan, options: SolveOptions | None = None, stability: int | None = None
) -> Plan:
    """Warm re-solve from ``plan``: locked steps stay, moving a visit to another crew costs ``stability``."""
    weights = problem.weights
    if stability is not None:
        weights = dataclasses.replace(weights, stability=stability)
    known = problem.job_index()
    previous = tuple((jid, cid) for jid, cid in plan.assignment().items() if jid in known)
    warm = problem.replace(weights=weights, previous=previous)
    return solve(warm, options, initial=plan)
