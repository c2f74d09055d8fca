"""Solves run here, in worker processes, never in the web process.

OR-Tools holds the GIL for a whole search, so every engine or geo computation of a plan goes through
a ``ProcessPoolExecutor`` with the *spawn* context. Each worker reads the city's street tables and
builds the road graph once (``_init``), then answers three kinds of task:

- ``matrices(points, snow_level)``: street travel seconds and metres between lon/lat points (packed);
- ``solve(task)``: build the engine problem from plain inputs, solve (or warm re-solve), add the
  route lines, return the result as plain JSON-ready data;
- ``retime(task)`` / ``insert(task)``: re-time hand-edited routes, or insert one urgent ticket.

Tasks and results are plain dicts and numpy arrays, so nothing but data crosses the process border.
"""

from __future__ import annotations

import asyncio
import atexit
import io
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from engine import Break, Crew, CrewCosts, Job, Matrix, Priority, Problem, TimeWindow, Weights
from engine.feasibility import eligible_crews
from engine.plan import Plan, Route, StepKind
from engine.solve import SolveOptions, build_plan, resolve, solve

IntMatrix = npt.NDArray[np.int64]

# ------------------------------------------------------------------ worker-process state

_GRAPH: Any = None
_GRAPH_DIR: str | None = None


def _init(city_dir: str, crs: str) -> None:
    """Pool initializer: load the road graph of ``city_dir`` once for this worker."""
    global _GRAPH, _GRAPH_DIR
    from geo.graph import build_graph
    from geo.io import read_city_streets

    _GRAPH, _ = build_graph(read_city_streets(Path(city_dir)), crs=crs)
    _GRAPH_DIR = city_dir


def _graph() -> Any:
    if _GRAPH is None:
        raise RuntimeError("the solver worker has no road graph; it must be started by SolverPool")
    return _GRAPH


def _conditions(snow_level: int) -> Any:
    from geo.conditions import Conditions

    return Conditions.make(snow_level=snow_level) if snow_level else None


# ------------------------------------------------------------------ matrices


def matrices(points: list[list[float]], snow_level: int = 0) -> bytes:
    """Travel seconds and metres between lon/lat points along the streets, packed for storage."""
    from geo.matrix import travel_matrix

    found = travel_matrix(_graph(), np.asarray(points, dtype=np.float64), _conditions(snow_level))
    return pack_matrices(found.travel_s.astype(np.int64), found.dist_m.astype(np.int64))


def pack_matrices(travel_s: IntMatrix, dist_m: IntMatrix) -> bytes:
    out = io.BytesIO()
    np.savez_compressed(out, travel_s=travel_s.astype(np.int32), dist_m=dist_m.astype(np.int32))
    return out.getvalue()


def unpack_matrices(blob: bytes) -> tuple[IntMatrix, IntMatrix]:
    with np.load(io.BytesIO(blob), allow_pickle=False) as data:
        return data["travel_s"].astype(np.int64), data["dist_m"].astype(np.int64)


# ------------------------------------------------------------------ inputs → engine problem


def build_problem(inputs: dict[str, Any], travel_s: IntMatrix, dist_m: IntMatrix) -> Problem:
    """The engine problem described by a plan's stored inputs and its matrices."""
    jobs = tuple(
        Job(
            id=str(j["ticket_id"]),
            location=int(j["location"]),
            service_s=int(j["service_s"]),
            time_windows=(TimeWindow(*j["window"]),) if j.get("window") else (),
            skills=frozenset(j["skills"]),
            priority=Priority(j["priority"]),
            district=j.get("district"),
            due_s=j.get("due_s"),
            demand=1,
        )
        for j in inputs["jobs"]
    )
    crews = tuple(
        Crew(
            id=c["id"],
            start_location=int(c["location"]),
            end_location=int(c["location"]),
            shift=TimeWindow(*c["shift"]),
            breaks=tuple(
                Break(f"{c['id']}-break-{k}", TimeWindow(b[0], b[1]), int(b[2]))
                for k, b in enumerate(c["breaks"])
            ),
            skills=frozenset(c["skills"]),
            capacity=c.get("capacity"),
            districts=frozenset(c["districts"]),
            costs=CrewCosts(),
            locked=tuple(str(t) for t in c.get("locked", ())),
        )
        for c in inputs["crews"]
    )
    return Problem(jobs, crews, Matrix(travel_s), Matrix(dist_m), Weights())


# ------------------------------------------------------------------ engine plan → result JSON


def _iso(horizon_start: datetime, seconds: int) -> str:
    return (horizon_start + timedelta(seconds=int(seconds))).isoformat().replace("+00:00", "Z")


def _line(a: list[float], b: list[float], snow_level: int) -> list[list[float]]:
    from geo.matrix import route_geometry

    if a == b:
        return [a, b]
    try:
        geometry = route_geometry(_graph(), (a[0], a[1]), (b[0], b[1]), _conditions(snow_level))
    except ValueError:
        return [a, b]
    return [[round(x, 6), round(y, 6)] for x, y in geometry.coords]


def _route_json(
    inputs: dict[str, Any], jobs: dict[str, dict[str, Any]], route: Route, horizon_start: datetime
) -> dict[str, Any]:
    points = inputs["points"]
    crew = next(c for c in inputs["crews"] if c["id"] == route.crew_id)
    snow = int(inputs.get("snow_level", 0))
    stops: list[dict[str, Any]] = []
    breaks: list[dict[str, Any]] = []
    line: list[list[float]] = []
    previous = points[crew["location"]]
    start_at = end_at = None
    for step in route.steps:
        if step.kind is StepKind.START:
            start_at = _iso(horizon_start, step.departure_s)
        elif step.kind is StepKind.BREAK:
            breaks.append(
                {
                    "start_at": _iso(horizon_start, step.start_s),
                    "end_at": _iso(horizon_start, step.departure_s),
                }
            )
        elif step.kind is StepKind.JOB and step.ref is not None:
            job = jobs[step.ref]
            here = points[job["location"]]
            leg = _line(previous, here, snow)
            line.extend(leg if not line else leg[1:])
            stops.append(
                {
                    "ticket_id": int(step.ref),
                    "sequence": len(stops) + 1,
                    "eta": _iso(horizon_start, step.arrival_s),
                    "start_at": _iso(horizon_start, step.start_s),
                    "departure_at": _iso(horizon_start, step.departure_s),
                    "travel_s": step.travel_s,
                    "dist_m": step.dist_m,
                    "waiting_s": step.waiting_s,
                    "service_s": step.service_s,
                    "lateness_s": step.lateness_s,
                    "locked": step.locked,
                    "lon": here[0],
                    "lat": here[1],
                    "line": leg,
                }
            )
            previous = here
        elif step.kind is StepKind.END:
            leg = _line(previous, points[crew["location"]], snow)
            line.extend(leg if not line else leg[1:])
            end_at = _iso(horizon_start, step.arrival_s)
    return {
        "crew_id": route.crew_id,
        "crew_name": {"fa": crew["name_fa"], "en": crew["name_en"]},
        "depot": {"lon": points[crew["location"]][0], "lat": points[crew["location"]][1]},
        "start_at": start_at,
        "end_at": end_at,
        "travel_s": route.travel_s,
        "dist_m": route.dist_m,
        "service_s": route.service_s,
        "waiting_s": route.waiting_s,
        "duration_s": route.duration_s,
        "load": route.load,
        "cost": route.cost,
        "stops": stops,
        "breaks": breaks,
        "line": {"type": "LineString", "coordinates": line},
    }


def plan_json(inputs: dict[str, Any], plan: Plan) -> dict[str, Any]:
    """A plan as the API shows it: routes with ETAs and lines, unassigned tickets with reasons, cost."""
    horizon_start = datetime.fromisoformat(inputs["horizon_start"])
    jobs = {str(j["ticket_id"]): j for j in inputs["jobs"]}
    routes = [_route_json(inputs, jobs, r, horizon_start) for r in plan.routes]
    cost = plan.cost
    return {
        "solver": plan.solver,
        "routes": routes,
        "unassigned": [
            {"ticket_id": int(u.job_id), "reason": str(u.reason), "detail": u.detail} for u in plan.unassigned
        ],
        "cost": {
            "travel": cost.travel,
            "fixed": cost.fixed,
            "lateness": cost.lateness,
            "cross_district": cost.cross_district,
            "stability": cost.stability,
            "dropped": cost.dropped,
            "total": cost.total,
        },
        "summary": {
            "tickets": len(inputs["jobs"]),
            "assigned": sum(len(r["stops"]) for r in routes),
            "unassigned": len(plan.unassigned),
            "crews_available": len(inputs["crews"]),
            "crews_used": len(routes),
            "travel_s": sum(r["travel_s"] for r in routes),
            "dist_m": sum(r["dist_m"] for r in routes),
        },
    }


def sequences_of(problem: Problem, result: dict[str, Any] | None) -> list[list[int]]:
    """Each crew's job indices (problem order) in a stored result."""
    index = problem.job_index()
    by_crew = {
        r["crew_id"]: [index[str(s["ticket_id"])] for s in r["stops"] if str(s["ticket_id"]) in index]
        for r in (result or {}).get("routes", [])
    }
    return [by_crew.get(c.id, []) for c in problem.crews]


def _plan_from_result(problem: Problem, result: dict[str, Any]) -> Plan:
    return build_plan(problem, sequences_of(problem, result), "previous")


# ------------------------------------------------------------------ tasks


def solve_task(task: dict[str, Any]) -> dict[str, Any]:
    """Solve (or warm re-solve from ``task['previous']``) and describe the plan."""
    travel_s, dist_m = unpack_matrices(task["matrices"])
    problem = build_problem(task["inputs"], travel_s, dist_m)
    options = SolveOptions(time_limit_s=float(task["time_limit_s"]), seed=int(task.get("seed", 0)))
    previous = task.get("previous")
    if previous:
        plan = resolve(problem, _plan_from_result(problem, previous), options, stability=600)
    else:
        plan = solve(problem, options)
    return plan_json(task["inputs"], plan)


def retime_task(task: dict[str, Any]) -> dict[str, Any]:
    """Re-time hand-edited routes: ``task['routes']`` maps crew id → ticket ids in order."""
    travel_s, dist_m = unpack_matrices(task["matrices"])
    problem = build_problem(task["inputs"], travel_s, dist_m)
    index = problem.job_index()
    wanted: dict[str, list[str]] = task["routes"]
    allowed = eligible_crews(problem)
    # A visit the crew may not do (skill, district, shift) is left out and explained, never routed.
    sequences = [
        [index[t] for t in wanted.get(c.id, []) if allowed[index[t], k]] for k, c in enumerate(problem.crews)
    ]
    return plan_json(task["inputs"], build_plan(problem, sequences, "manual"))


def insert_task(task: dict[str, Any]) -> dict[str, Any]:
    """Insert the ticket ``task['ticket_id']`` into the stored plan with the engine's insertion."""
    from engine.insert import insert_job

    travel_s, dist_m = unpack_matrices(task["matrices"])
    problem = build_problem(task["inputs"], travel_s, dist_m)
    current = _plan_from_result(problem, task["previous"])
    return plan_json(task["inputs"], insert_job(problem, current, str(task["ticket_id"])).plan)


# ------------------------------------------------------------------ the pool


@dataclass
class SolverPool:
    """A spawn-context process pool whose workers hold one city's road graph."""

    city_dir: Path
    crs: str
    workers: int = 1

    def __post_init__(self) -> None:
        self._executor = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init,
            initargs=(str(self.city_dir), self.crs),
        )

    async def run(self, fn: Any, *args: Any) -> Any:
        return await asyncio.wrap_future(self._executor.submit(fn, *args))

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)


_POOLS: dict[tuple[str, str], SolverPool] = {}
_POOLS_LOCK = threading.Lock()


def pool_for(city_dir: Path, crs: str, workers: int = 1) -> SolverPool:
    """The process-wide solver pool of a city (started on first use, stopped at exit)."""
    key = (str(Path(city_dir).resolve()), crs)
    with _POOLS_LOCK:
        pool = _POOLS.get(key)
        if pool is None:
            pool = _POOLS[key] = SolverPool(Path(key[0]), crs, workers)
        return pool


@atexit.register
def shutdown_pools() -> None:
    with _POOLS_LOCK:
        for pool in _POOLS.values():
            pool.shutdown()
        _POOLS.clear()
