"""The OR-Tools routing model of a `Problem` and one search over it.

Nodes: the candidate jobs (in an order shuffled by the seed, which diversifies the search), then one
node per distinct depot location. Every cost and transit is a registered matrix or vector, so the
search never calls back into Python.

- time dimension: transit ``service(i) + travel(i, j)``, waiting as slack, job windows (several
  windows become removed intervals), shift as the start/end range, breaks as vehicle break
  intervals, SLA due times as soft upper bounds costing ``lateness_per_s``;
- arc costs per cost class (``per_hour``/``per_km``), fixed cost per used crew;
- a ``penalty`` dimension with a per-crew unary transit holding cross-district penalties and the
  stability cost (a visit that had another crew in the plan being re-solved), span cost 1;
- a ``load`` dimension for capacities; allowed crews per job (skills, districts, capacity, timing);
- drop penalties by priority; locked jobs are mandatory and fixed as route prefixes (ApplyLocks).
"""

from __future__ import annotations

import random
import time as clock
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from engine.model import Problem
from engine.schedule import cross_penalty

_FIRST = {
    "parallel_cheapest_insertion": routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION,
    "local_cheapest_insertion": routing_enums_pb2.FirstSolutionStrategy.LOCAL_CHEAPEST_INSERTION,
    "savings": routing_enums_pb2.FirstSolutionStrategy.SAVINGS,
    "path_cheapest_arc": routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC,
    "christofides": routing_enums_pb2.FirstSolutionStrategy.CHRISTOFIDES,
    "sequential_cheapest_insertion": routing_enums_pb2.FirstSolutionStrategy.SEQUENTIAL_CHEAPEST_INSERTION,
}
_META = {
    "guided_local_search": routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH,
    "simulated_annealing": routing_enums_pb2.LocalSearchMetaheuristic.SIMULATED_ANNEALING,
    "tabu_search": routing_enums_pb2.LocalSearchMetaheuristic.TABU_SEARCH,
}


_ARC_CELLS = 30_000_000  # matrix cells OR-Tools may hold for per-crew arc costs
_BOOL_TRUE = 3  # operations_research.OptionalBoolean.BOOL_TRUE


@dataclass(frozen=True, slots=True)
class SearchConfig:
    first_solution: str = "parallel_cheapest_insertion"
    metaheuristic: str = "guided_local_search"
    time_limit_s: float = 5.0
    solution_limit: int | None = None
    seed: int = 0
    gls_lambda: float = 0.1
    deadline: float | None = None
    """Wall-clock end (``time.time()``): the search gets what is left of it once the model is built."""
    extra_operators: tuple[str, ...] = ()
    """Local-search operators switched on beyond OR-Tools' defaults (e.g. ``relocate_and_make_active``)."""


@dataclass(frozen=True, slots=True)
class RawSolution:
    routes: tuple[tuple[int, ...], ...]
    """Per crew, the job indices (into ``problem.jobs``) in visiting order."""
    objective: int
    solutions: int
    label: str


def _int_lists(a: npt.NDArray[np.int64]) -> list[list[int]]:
    out: list[list[int]] = a.tolist()
    return out


def search(
    problem: Problem,
    candidates: Sequence[int],
    allowed: npt.NDArray[np.bool_],
    config: SearchConfig,
    initial: Sequence[Sequence[int]] | None = None,
) -> RawSolution | None:
    """One OR-Tools search over the jobs ``candidates`` (``allowed``: candidates × crews)."""
    rng = random.Random(config.seed)
    order = list(range(len(candidates)))
    if config.seed:
        rng.shuffle(order)
    jobs_in = [candidates[k] for k in order]
    allowed_in = allowed[order, :] if len(order) else allowed
    crews = problem.crews
    nv = len(crews)
    depot_locs = sorted({c.start_location for c in crews} | {c.end_location for c in crews})
    nj = len(jobs_in)
    depot_node = {loc: nj + k for k, loc in enumerate(depot_locs)}
    node_loc = np.array([problem.jobs[j].location for j in jobs_in] + depot_locs, dtype=np.int64)
    n_nodes = len(node_loc)
    service = np.zeros(n_nodes, dtype=np.int64)
    service[:nj] = [problem.jobs[j].service_s for j in jobs_in]
    T = problem.travel_s.array[np.ix_(node_loc, node_loc)]
    D = problem.dist_m.array[np.ix_(node_loc, node_loc)]

    manager = pywrapcp.RoutingIndexManager(
        n_nodes,
        nv,
        [depot_node[c.start_location] for c in crews],
        [depot_node[c.end_location] for c in crews],
    )
    routing = pywrapcp.RoutingModel(manager)

    # cross-district and stability penalties per crew, charged on arrival at a job
    weights = problem.weights
    previous = dict(problem.previous)
    pen = np.zeros((nv, n_nodes), dtype=np.int64)
    for v, c in enumerate(crews):
        for node, j in enumerate(jobs_in):
            job = problem.jobs[j]
            p = cross_penalty(problem, c, job)
            if weights.stability and previous.get(job.id, c.id) != c.id:
                p += weights.stability
            pen[v, node] = p
    cost_keys = [(c.costs.per_hour, c.costs.per_km) for c in crews]
    distinct = {(cost_keys[v], pen[v].tobytes()) for v in range(nv)}
    # small enough: fold the penalties into per-crew arc costs; otherwise a penalty dimension
    in_arcs = bool(pen.any()) and len(distinct) * n_nodes * n_nodes <= _ARC_CELLS

    # arc costs per cost class
    by_class: dict[tuple[tuple[int, int], bytes], int] = {}
    for v, c in enumerate(crews):
        key = (cost_keys[v], pen[v].tobytes() if in_arcs else b"")
        if key not in by_class:
            ph, pk = cost_keys[v]
            cost = (ph * T + (3600 * pk * D) // 1000 + 1800) // 3600
            if in_arcs:
                cost = cost + pen[v][None, :]
            by_class[key] = routing.RegisterTransitMatrix(_int_lists(cost))
        routing.SetArcCostEvaluatorOfVehicle(by_class[key], v)
        if c.costs.fixed:
            routing.SetFixedCostOfVehicle(c.costs.fixed, v)

    # time
    horizon = int(max([c.shift.end_s for c in crews] + [0]))
    for j in jobs_in:
        for tw in problem.jobs[j].time_windows:
            horizon = max(horizon, tw.end_s)
    time_cb = routing.RegisterTransitMatrix(_int_lists(T + service[:, None]))
    routing.AddDimension(time_cb, horizon, horizon, False, "time")
    time_dim = routing.GetDimensionOrDie("time")
    locked_ids = {jid for c in crews for jid in c.locked}
    for node, j in enumerate(jobs_in):
        job = problem.jobs[j]
        idx = manager.NodeToIndex(node)
        cumul = time_dim.CumulVar(idx)
        if job.time_windows:
            if job.id in locked_ids:
                cumul.SetMin(job.time_windows[0].start_s)
            else:
                cumul.SetRange(job.time_windows[0].start_s, job.time_windows[-1].end_s)
                for a, b in zip(job.time_windows, job.time_windows[1:], strict=False):
                    if b.start_s - 1 >= a.end_s + 1:
                        cumul.RemoveInterval(a.end_s + 1, b.start_s - 1)
        if job.due_s is not None and weights.lateness_per_s:
            time_dim.SetCumulVarSoftUpperBound(idx, job.due_s, weights.lateness_per_s)
    solver = routing.solver()
    node_visit_transits = [int(x) for x in service]
    for v, c in enumerate(crews):
        time_dim.CumulVar(routing.Start(v)).SetRange(c.shift.start_s, c.shift.end_s)
        time_dim.CumulVar(routing.End(v)).SetRange(c.shift.start_s, c.shift.end_s)
        routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.End(v)))
        if c.breaks:
            intervals = [
                solver.FixedDurationIntervalVar(
                    max(b.window.start_s, c.shift.start_s),
                    min(b.window.end_s, c.shift.end_s - b.duration_s),
                    b.duration_s,
                    False,
                    f"{c.id}:{b.id}",
                )
                for b in c.breaks
            ]
            time_dim.SetBreakIntervalsOfVehicle(intervals, v, node_visit_transits)

    if pen.any() and not in_arcs:
        vectors: dict[bytes, int] = {}
        evaluators: list[int] = []
        for v in range(nv):
            vkey = pen[v].tobytes()
            if vkey not in vectors:
                vectors[vkey] = routing.RegisterUnaryTransitVector([int(x) for x in pen[v]])
            evaluators.append(vectors[vkey])
        big = int(pen.max(initial=0)) * max(nj, 1) + 1
        routing.AddDimensionWithVehicleTransits(evaluators, 0, big, True, "penalty")
        routing.GetDimensionOrDie("penalty").SetSpanCostCoefficientForAllVehicles(1)

    # capacity
    demand = [problem.jobs[j].demand for j in jobs_in] + [0] * len(depot_locs)
    if any(demand) and any(c.capacity is not None for c in crews):
        total = sum(demand) + 1
        caps = [c.capacity if c.capacity is not None else total for c in crews]
        load_cb = routing.RegisterUnaryTransitVector(demand)
        routing.AddDimensionWithVehicleCapacity(load_cb, 0, caps, True, "load")

    # allowed crews and drop penalties
    for node, j in enumerate(jobs_in):
        job = problem.jobs[j]
        idx = manager.NodeToIndex(node)
        row = allowed_in[node]
        if not row.all():
            routing.VehicleVar(idx).SetValues([-1, *(int(v) for v in np.flatnonzero(row))])
        if job.id not in locked_ids:
            routing.AddDisjunction([idx], weights.drop_penalty(job.priority))

    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = _FIRST[config.first_solution]
    params.local_search_metaheuristic = _META[config.metaheuristic]
    params.guided_local_search_lambda_coefficient = config.gls_lambda
    for op in config.extra_operators:
        setattr(params.local_search_operators, f"use_{op}", _BOOL_TRUE)
    limit_s = config.time_limit_s
    if config.deadline is not None:
        limit_s = min(limit_s, max(0.05, config.deadline - clock.time()))
    params.time_limit.FromMilliseconds(max(1, int(limit_s * 1000)))
    if config.solution_limit is not None:
        params.solution_limit = config.solution_limit
    routing.CloseModelWithParameters(params)

    node_of_job = {j: node for node, j in enumerate(jobs_in)}
    job_pos = problem.job_index()
    locks_nodes = [[node_of_job[job_pos[jid]] for jid in c.locked] for c in crews]
    locks = [[manager.NodeToIndex(node) for node in lk] for lk in locks_nodes]
    if any(locks):
        routing.ApplyLocksToAllVehicles(locks, False)

    count = [0]

    def _on_solution() -> None:
        count[0] += 1

    routing.AddAtSolutionCallback(_on_solution)
    if initial is not None:
        init_routes = [[node_of_job[j] for j in r if j in node_of_job] for r in initial]
        start = routing.ReadAssignmentFromRoutes(init_routes, True)
        solution = (
            routing.SolveFromAssignmentWithParameters(start, params)
            if start is not None
            else routing.SolveWithParameters(params)
        )
    else:
        solution = routing.SolveWithParameters(params)
    if solution is None:
        # construction can fail on tight breaks; every job is optional, so start from the locked
        # prefixes alone (always a solution when the locks can be kept) and improve from there
        start = routing.ReadAssignmentFromRoutes([list(lk) for lk in locks_nodes], True)
        if start is None:
            return None
        solution = routing.SolveFromAssignmentWithParameters(start, params)
    if solution is None:
        return None
    routes: list[tuple[int, ...]] = []
    for v in range(nv):
        idx = routing.Start(v)
        seq: list[int] = []
        idx = solution.Value(routing.NextVar(idx))
        while not routing.IsEnd(idx):
            seq.append(jobs_in[manager.IndexToNode(idx)])
            idx = solution.Value(routing.NextVar(idx))
        routes.append(tuple(seq))
    label = f"ortools:{config.first_solution}+{config.metaheuristic}"
    return RawSolution(tuple(routes), int(solution.ObjectiveValue()), count[0], label)
