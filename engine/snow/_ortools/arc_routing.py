"""Plow routes as a vehicle-routing problem over required segments (arc routing by node routing).

Each way of each required segment is one routing node; the ways of one segment form a disjunction
with a large drop penalty, so exactly one direction is plowed unless the segment cannot be reached.
Transit i → j = service of i + shortest-path time from i's end to j's start. A "tier" dimension with
zero transit and slack ≥ 0 is non-decreasing along every route; pinning each node's cumul to its
tier's range makes tier 1 come before tier 3 (or, strictly, tiers never decrease).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from engine.snow.arcs import UNREACHABLE

if TYPE_CHECKING:
    from engine.snow.arcs import PlowRouteProblem

_SPAN_COST = 10  # weight of the longest route beside the total time: balances the plows


def solve_orders(
    problem: PlowRouteProblem, initial: Sequence[Sequence[tuple[int, int]]] | None = None
) -> tuple[list[list[tuple[int, int]]], str]:
    """Each plow's ordered (segment index, way index) list, and the search status name.

    `initial` (e.g. the nearest-neighbour routes) seeds the local search; without it the first
    solution comes from cheapest insertion."""
    depots = sorted({p.depot for p in problem.plows})
    depot_node = {place: i for i, place in enumerate(depots)}
    node_seg: list[tuple[int, int]] = []  # routing node (after the depots) → (segment, way)
    for si, seg in enumerate(problem.segments):
        for wi in range(len(seg.ways)):
            node_seg.append((si, wi))
    n_nodes = len(depots) + len(node_seg)
    starts = np.array(depots + [problem.segments[s].ways[w].start for s, w in node_seg], dtype=np.int64)
    ends = np.array(depots + [problem.segments[s].ways[w].end for s, w in node_seg], dtype=np.int64)
    service = np.array(
        [0] * len(depots) + [problem.segments[s].ways[w].service_s for s, w in node_seg],
        dtype=np.int64,
    )
    travel = problem.travel_s[ends[:, None], starts[None, :]]
    reachable = travel != UNREACHABLE
    max_travel = int(travel[reachable].max()) if reachable.any() else 0
    capacity = int(service.sum() + (n_nodes + 1) * max(max_travel, 1))
    longest = max((p.max_duration_s or capacity) for p in problem.plows)
    capacity = max(capacity, longest)
    transit = np.where(reachable, travel + service[:, None], capacity + 1)
    np.fill_diagonal(transit, 0)

    manager = pywrapcp.RoutingIndexManager(
        n_nodes,
        len(problem.plows),
        [depot_node[p.depot] for p in problem.plows],
        [depot_node[p.depot] for p in problem.plows],
    )
    routing = pywrapcp.RoutingModel(manager)
    time_cb = routing.RegisterTransitMatrix(transit.tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(time_cb)
    routing.AddDimensionWithVehicleCapacity(
        time_cb,
        0,
        [min(p.max_duration_s or capacity, capacity) for p in problem.plows],
        True,
        "time",
    )
    routing.GetDimensionOrDie("time").SetGlobalSpanCostCoefficient(_SPAN_COST)

    zero_cb = routing.RegisterUnaryTransitVector([0] * n_nodes)
    routing.AddDimension(zero_cb, 2, 2, True, "tier")
    tier_dim = routing.GetDimensionOrDie("tier")
    for k, (si, _) in enumerate(node_seg):
        tier = problem.segments[si].tier
        lo, hi = (
            (tier - 1, tier - 1) if problem.strict_tier_order else {1: (0, 0), 2: (0, 1), 3: (1, 1)}[tier]
        )
        tier_dim.CumulVar(manager.NodeToIndex(len(depots) + k)).SetRange(lo, hi)

    penalty = 100 * capacity
    first = len(depots)
    k = 0
    for seg in problem.segments:
        nodes = [manager.NodeToIndex(first + k + w) for w in range(len(seg.ways))]
        routing.AddDisjunction(nodes, penalty, 1)
        k += len(seg.ways)

    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.LOCAL_CHEAPEST_INSERTION
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(max(100, int(problem.time_limit_s * 1000)))
    solution = None
    if initial is not None:
        node_of = {pair: first + k for k, pair in enumerate(node_seg)}
        routes = [[node_of[(s, w)] for s, w in order] for order in initial]
        start = routing.ReadAssignmentFromRoutes(routes, True)
        if start is not None:
            solution = routing.SolveFromAssignmentWithParameters(start, params)
    if solution is None:
        solution = routing.SolveWithParameters(params)
    status = routing.status()
    if solution is None:
        return [[] for _ in problem.plows], f"no solution (routing status {status})"
    orders: list[list[tuple[int, int]]] = []
    for v in range(len(problem.plows)):
        order: list[tuple[int, int]] = []
        index = solution.Value(routing.NextVar(routing.Start(v)))
        while not routing.IsEnd(index):
            node = manager.IndexToNode(index)
            order.append(node_seg[node - first])
            index = solution.Value(routing.NextVar(index))
        orders.append(order)
    return orders, "feasible"
