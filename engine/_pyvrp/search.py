"""A PyVRP (hybrid genetic search) run over a `Problem` that uses none of Crewline's own rules.

`supports(problem, candidates, allowed)` is true only when PyVRP can model the problem completely:
no breaks, no locked steps, no stability or lateness cost, at most one time window per job, every
candidate job open to every crew without crossing penalties, and one arc-cost class for all crews.
Then jobs are PyVRP clients with their drop penalty as prize (optional), crews are vehicle types
grouped by depot, shift, capacity and fixed cost, and the arc-cost matrix is PyVRP's distance.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from engine._ortools.routing import RawSolution
from engine.model import Problem
from engine.schedule import cross_penalty

_INF = 2**62


def supports(problem: Problem, candidates: Sequence[int], allowed: npt.NDArray[np.bool_]) -> bool:
    crews = problem.crews
    w = problem.weights
    if not crews or not candidates or not allowed.all():
        return False
    if any(c.breaks or c.locked for c in crews):
        return False
    if w.stability and problem.previous:
        return False
    if len({(c.costs.per_hour, c.costs.per_km) for c in crews}) != 1:
        return False
    for j in candidates:
        job = problem.jobs[j]
        if len(job.time_windows) > 1 or (job.due_s is not None and w.lateness_per_s):
            return False
        if any(cross_penalty(problem, c, job) for c in crews):
            return False
    return True


def _embedding(d: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    """2-D coordinates whose distances approximate ``d`` (classical scaling), for PyVRP's geometry."""
    n = d.shape[0]
    if n > 1500:
        return np.zeros((n, 2))
    sym = (d + d.T).astype(np.float64) / 2
    j = np.eye(n) - 1.0 / n
    b = -0.5 * j @ (sym**2) @ j
    vals, vecs = np.linalg.eigh(b)
    top = np.argsort(vals)[::-1][:2]
    out: npt.NDArray[np.float64] = vecs[:, top] * np.sqrt(np.maximum(vals[top], 0))
    return out


def search(
    problem: Problem,
    candidates: Sequence[int],
    time_limit_s: float,
    seed: int,
    iterations: int | None = None,
    deadline: float | None = None,
) -> RawSolution | None:
    import pyvrp
    from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria, StoppingCriterion

    crews = problem.crews
    ph, pk = crews[0].costs.per_hour, crews[0].costs.per_km
    depot_locs = sorted({c.start_location for c in crews} | {c.end_location for c in crews})
    job_locs = [problem.jobs[j].location for j in candidates]
    locs = np.array(depot_locs + job_locs, dtype=np.int64)
    T = problem.travel_s.array[np.ix_(locs, locs)]
    D = problem.dist_m.array[np.ix_(locs, locs)]
    cost = (ph * T + (3600 * pk * D) // 1000 + 1800) // 3600
    xy = _embedding(cost)
    locations = [pyvrp.Location(float(x), float(y)) for x, y in xy]
    depot_of = {loc: k for k, loc in enumerate(depot_locs)}
    depots = [pyvrp.Depot(location=k) for k in range(len(depot_locs))]
    has_load = any(problem.jobs[j].demand for j in candidates) and any(c.capacity is not None for c in crews)
    total = sum(problem.jobs[j].demand for j in candidates) + 1
    clients = []
    for k, j in enumerate(candidates):
        job = problem.jobs[j]
        w = job.time_windows[0] if job.time_windows else None
        clients.append(
            pyvrp.Client(
                location=len(depot_locs) + k,
                delivery=[job.demand] if has_load else [],
                service_duration=job.service_s,
                tw_early=w.start_s if w else 0,
                tw_late=w.end_s if w else _INF,
                prize=problem.weights.drop_penalty(job.priority),
                required=False,
            )
        )
    groups: dict[tuple[int, int, int, int, int, int], list[int]] = {}
    for v, c in enumerate(crews):
        cap = c.capacity if c.capacity is not None else total
        key = (
            depot_of[c.start_location],
            depot_of[c.end_location],
            cap,
            c.shift.start_s,
            c.shift.end_s,
            c.costs.fixed,
        )
        groups.setdefault(key, []).append(v)
    vehicle_types = [
        pyvrp.VehicleType(
            num_available=len(members),
            capacity=[key[2]] if has_load else [],
            start_depot=key[0],
            end_depot=key[1],
            fixed_cost=key[5],
            tw_early=key[3],
            tw_late=key[4],
            unit_distance_cost=1,
            unit_duration_cost=0,
        )
        for key, members in groups.items()
    ]
    data = pyvrp.ProblemData(
        locations=locations,
        clients=clients,
        depots=depots,
        vehicle_types=vehicle_types,
        distance_matrices=[np.asarray(cost, dtype=np.int64)],  # type: ignore[list-item]
        duration_matrices=[np.asarray(T, dtype=np.int64)],  # type: ignore[list-item]
    )
    if deadline is not None:
        time_limit_s = min(time_limit_s, deadline - time.time())
    stop: StoppingCriterion = MaxRuntime(max(0.05, time_limit_s))
    if iterations is not None:
        stop = MultipleCriteria([stop, MaxIterations(iterations)])
    result = pyvrp.Model.from_data(data).solve(stop=stop, seed=seed, display=False, collect_stats=False)
    if not result.is_feasible():
        return None
    members_left = [list(m) for m in groups.values()]
    routes: list[list[int]] = [[] for _ in crews]
    for route in result.best.routes():
        crew = members_left[route.vehicle_type()].pop(0)
        routes[crew] = [candidates[int(a.idx)] for a in route if a.is_client()]
    return RawSolution(
        tuple(tuple(r) for r in routes), int(result.cost()), int(result.num_iterations), "pyvrp"
    )
