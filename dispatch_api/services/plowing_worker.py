"""Snow solves in the planning solver pool's worker processes (never the web process).

The pool's workers already hold the city's road graph (``solver_worker._init``); each worker adds
the city's snow routes on that graph once. Two tasks, plain dicts in and out:

- ``reallocation_task``: where the storm's plows and spreaders should go (``services.snow``'s
  ``plan_reallocation``);
- ``plow_routes_task``: each declared district's plow routes for the units working it after the
  approved moves (``services.snow.plan_district_plows``), with the line each plow drives.
"""

from __future__ import annotations

import itertools
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse.csgraph import dijkstra

from dispatch_api.services import snow
from dispatch_api.services import solver_worker as worker
from engine.snow import plan_plow_routes

_NETWORK: snow.SnowNetwork | None = None
_LOCK = threading.Lock()
# Snowfall assumed per level when the declaration gives none (cm): it decides one or two passes.
DEFAULT_SNOWFALL_CM = {1: 5.0, 2: 15.0, 3: 30.0}


def _network() -> snow.SnowNetwork:
    global _NETWORK
    with _LOCK:
        if _NETWORK is None:
            city_dir = worker._GRAPH_DIR
            if city_dir is None:
                raise RuntimeError("the solver worker has no city; it must be started by SolverPool")
            _NETWORK = snow.city_snow_routes(worker._graph(), Path(city_dir) / "snow_routes.geojson")
        return _NETWORK


def _storm(task: dict[str, Any]) -> snow.Storm:
    level = int(task["level"])
    default = DEFAULT_SNOWFALL_CM[level]
    given = {int(k): float(v) for k, v in (task.get("snowfall_cm") or {}).items()}
    districts = tuple(int(d) for d in task["districts"])
    return snow.Storm(
        level=level,
        start=datetime.fromisoformat(task["start"]),
        expected_end=datetime.fromisoformat(task["expected_end"]),
        snowfall_cm={d: given.get(d, default) for d in districts},
        districts=districts,
    )


def _depots(task: dict[str, Any]) -> tuple[snow.Depot, ...]:
    return tuple(
        snow.Depot(d["id"], int(d["district"]), float(d["lon"]), float(d["lat"])) for d in task["depots"]
    )


def _units(task: dict[str, Any]) -> tuple[snow.EquipmentUnit, ...]:
    return tuple(
        snow.EquipmentUnit(
            id=u["id"],
            type=u["type"],
            home_district=int(u["home_district"]),
            depot_id=u["depot_id"],
            district=int(u["district"]),
            lon=float(u["lon"]),
            lat=float(u["lat"]),
        )
        for u in task["units"]
    )


def reallocation_task(task: dict[str, Any]) -> dict[str, Any]:
    """The proposed moves and every district's clear times before and after them."""
    graph = worker._graph()
    network = _network().with_plowed(task.get("plowed_edge_ids") or ())
    plan = snow.plan_reallocation(
        graph,
        network,
        _storm(task),
        _units(task),
        _depots(task),
        time_limit_s=float(task.get("time_limit_s", 5.0)),
    )
    return {
        "status": plan.status,
        "moves": [
            {
                "unit_id": m.unit_id,
                "type": m.type,
                "from_district": m.from_district,
                "to_district": m.to_district,
                "eta_s": m.eta_s,
            }
            for m in plan.moves
        ],
        "assignment": {k: int(v) for k, v in plan.assignment.items()},
        "districts": [
            {
                "district": d.district,
                "before_s": list(d.before_s),
                "after_s": list(d.after_s),
                "units_before": d.units_before,
                "units_after": d.units_after,
            }
            for d in plan.districts
        ],
    }


def _node_lonlat(graph: Any, node: int) -> tuple[float, float]:
    return float(graph.lon[node]), float(graph.lat[node])


def _arc_coords(graph: Any, arc: int) -> list[list[float]]:
    coords = graph.segment_coords(int(graph.segment[arc]))
    if not bool(graph.forward[arc]):
        coords = coords[::-1]
    return [[round(float(x), 6), round(float(y), 6)] for x, y in coords]


class _Paths:
    """Shortest driving paths between graph nodes, for drawing the deadhead legs of plow routes
    (the engine has already timed them; this only finds the streets to draw)."""

    def __init__(self, graph: Any) -> None:
        weights = np.asarray(graph.length_m, dtype=np.float64) / np.maximum(graph.speed_kph / 3.6, 0.1)
        self.graph = graph
        self.matrix = graph.adjacency(weights)
        best: dict[tuple[int, int], tuple[float, int]] = {}
        for arc, (a, b, w) in enumerate(
            zip(graph.u.tolist(), graph.v.tolist(), weights.tolist(), strict=True)
        ):
            if (a, b) not in best or w < best[(a, b)][0]:
                best[(a, b)] = (w, arc)
        self.arc_of = {k: v[1] for k, v in best.items()}
        self.pred: dict[int, Any] = {}

    def prepare(self, sources: list[int]) -> None:
        todo = sorted({s for s in sources if s not in self.pred})
        if not todo:
            return
        _, pred = dijkstra(self.matrix, directed=True, indices=todo, return_predecessors=True)
        for i, s in enumerate(todo):
            self.pred[s] = pred[i]

    def line(self, a: int, b: int) -> list[list[float]]:
        if a == b:
            x, y = _node_lonlat(self.graph, a)
            return [[round(x, 6), round(y, 6)]]
        self.prepare([a])
        pred = self.pred[a]
        nodes = [b]
        while nodes[-1] != a:
            previous = int(pred[nodes[-1]])
            if previous < 0:  # unreachable: draw a straight jump rather than nothing
                return [list(map(lambda v: round(v, 6), _node_lonlat(self.graph, n))) for n in (a, b)]
            nodes.append(previous)
        nodes.reverse()
        out: list[list[float]] = []
        for x, y in itertools.pairwise(nodes):
            _extend(out, _arc_coords(self.graph, self.arc_of[(x, y)]))
        return out


_PATHS: _Paths | None = None


def _paths(graph: Any) -> _Paths:
    global _PATHS
    with _LOCK:
        if _PATHS is None or _PATHS.graph is not graph:
            _PATHS = _Paths(graph)
        return _PATHS


def _extend(line: list[list[float]], part: list[list[float]]) -> None:
    for point in part:
        if not line or line[-1] != point:
            line.append(point)


def plow_routes_task(task: dict[str, Any]) -> dict[str, Any]:
    """Plow routes of each district in ``task['districts_plows']`` ({district: [[id, lon, lat]]})."""
    graph = worker._graph()
    network = _network().with_plowed(task.get("plowed_edge_ids") or ())
    storm = _storm(task)
    paths = _paths(graph)
    routes: list[dict[str, Any]] = []
    unserved: dict[str, int] = {}
    for key, plows in sorted(task["districts_plows"].items(), key=lambda kv: int(kv[0])):
        district = int(key)
        routing = snow.district_routing(
            graph,
            network,
            district,
            [(str(p[0]), float(p[1]), float(p[2])) for p in plows],
            level=storm.level,
            snowfall_cm=storm.snowfall_cm.get(district, 0.0),
            time_limit_s=float(task.get("time_limit_s", 5.0)),
        )
        plan = plan_plow_routes(routing.problem)
        unserved[str(district)] = len(plan.unserved)
        for r in plan.routes:
            if not r.steps:
                continue
            depot_node = routing.place_node[r.depot]
            line: list[list[float]] = []
            at = depot_node
            edge_ids: list[int] = []
            tiers: set[int] = set()
            for step in r.steps:
                run = routing.run_of(step.segment_id)
                start_node, end_node = routing.place_node[step.start], routing.place_node[step.end]
                _extend(line, paths.line(at, start_node))
                arcs = run.arcs if start_node == run.start else (run.reverse_arcs or run.arcs)
                for arc in arcs:
                    _extend(line, _arc_coords(graph, arc))
                edge_ids.extend(e for e in routing.edge_ids(step.segment_id) if e not in edge_ids)
                tiers.add(step.tier)
                at = end_node
            _extend(line, paths.line(at, depot_node))
            first = routing.place_node[r.steps[0].start]
            routes.append(
                {
                    "plow_id": r.plow_id,
                    "district": district,
                    "duration_s": r.duration_s,
                    "length_m": int(
                        sum(graph.seg_length_m[graph.segment[a]] for a in _plowed_arcs(routing, r))
                    ),
                    "runs": len(r.steps),
                    "tiers": sorted(tiers),
                    "edge_ids": edge_ids,
                    "start": list(_node_lonlat(graph, first)),
                    "line": line if len(line) >= 2 else [*line, *line],
                }
            )
    return {"routes": routes, "unserved": unserved}


def _plowed_arcs(routing: snow.DistrictRouting, route: Any) -> list[int]:
    out: list[int] = []
    for step in route.steps:
        out.extend(routing.run_of(step.segment_id).arcs)
    return out
