"""`crewline bench solomon | dispatch | insert`: the engine's figures, with VROOM and PyVRP side by side.

- ``solomon``: Solomon (or ``--set gh200``) VRPTW instances from ``../shared/benchmarks``, DIMACS
  convention (coordinates ×10, every edge truncated; travel time = distance), fleet up to the
  instance's vehicle count, a fixed time limit per instance; gap to the best-known solution per
  instance, per class and overall for Crewline, VROOM (pyvroom) and PyVRP in the same run.
- ``dispatch``: problems built from the sample city (crews, skills, districts, shifts, breaks and
  street travel times from ``geo``) at several ticket counts: solve time, cost, dropped urgent jobs,
  and VROOM on the same problem file, its routes costed by Crewline's cost function.
- ``insert``: p50/p95 time to insert one urgent job into a live plan of 60 crews × ~20 visits.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
import numpy as np

from engine import Break, Crew, CrewCosts, Job, Matrix, Priority, Problem, TimeWindow, Weights

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("CREWLINE_SHARED", REPO.parent / "shared"))


@contextmanager
def _progress(total: int, label: str) -> Iterator[Callable[[str], None]]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[now]}"),
    ) as progress:
        task = progress.add_task(label, total=total, now="")

        def step(now: str) -> None:
            progress.update(task, advance=1, now=now)

        yield step


# ------------------------------------------------------------------ Solomon / Gehring–Homberger


def vrptw_problem(path: Path) -> tuple[Problem, dict[str, Any]]:
    """A VRPLIB VRPTW instance as an engine problem in the DIMACS convention (×10, truncated)."""
    import vrplib

    inst = vrplib.read_instance(str(path))
    coords = np.asarray(inst["node_coord"], dtype=np.float64)
    diff = coords[:, None, :] - coords[None, :, :]
    dist = np.floor(10 * np.sqrt((diff**2).sum(axis=2)) + 1e-9).astype(np.int64)
    tw = (np.asarray(inst["time_window"]) * 10).astype(np.int64)
    service = np.broadcast_to(np.asarray(inst["service_time"]) * 10, (len(coords),)).astype(np.int64)
    demand = np.asarray(inst["demand"], dtype=np.int64)
    depot = int(np.asarray(inst["depot"]).ravel()[0])
    n_vehicles = int(inst.get("vehicles", len(coords)))
    matrix = Matrix(dist)
    jobs = tuple(
        Job(
            id=str(i),
            location=i,
            service_s=int(service[i]),
            time_windows=(TimeWindow(int(tw[i, 0]), int(tw[i, 1])),),
            priority=Priority.URGENT,
            demand=int(demand[i]),
        )
        for i in range(len(coords))
        if i != depot
    )
    crews = tuple(
        Crew(
            id=f"v{k}",
            start_location=depot,
            end_location=depot,
            shift=TimeWindow(int(tw[depot, 0]), int(tw[depot, 1])),
            capacity=int(inst["capacity"]),
            costs=CrewCosts(per_hour=0, per_km=1000),
        )
        for k in range(n_vehicles)
    )
    return Problem(jobs, crews, matrix, matrix, Weights()), inst


def _bks(folder: Path) -> dict[str, float]:
    import csv

    with (folder / "bks.csv").open(encoding="utf-8") as fh:
        return {row["instance"]: float(row["distance"]) for row in csv.DictReader(fh)}


def _vroom_vrptw(problem: Problem, time_limit_s: float) -> tuple[int | None, float, int]:
    import vroom

    inp = vroom.Input()
    inp.set_durations_matrix("car", problem.travel_s.array.tolist())
    for k, c in enumerate(problem.crews):
        inp.add_vehicle(
            vroom.Vehicle(
                id=k + 1,
                start=c.start_location,
                end=c.end_location,
                capacity=vroom.Amount([c.capacity or 0]),
                time_window=vroom.TimeWindow(c.shift.start_s, c.shift.end_s),
            )
        )
    for j in problem.jobs:
        w = j.time_windows[0]
        inp.add_job(
            vroom.Job(
                id=int(j.id),
                location=j.location,
                default_service=j.service_s,
                delivery=vroom.Amount([j.demand]),
                time_windows=[vroom.TimeWindow(w.start_s, w.end_s)],
            )
        )
    t0 = time.perf_counter()
    sol = inp.solve(exploration_level=5, nb_threads=1)
    wall = time.perf_counter() - t0
    unassigned = len(sol.unassigned) if hasattr(sol, "unassigned") else 0
    cost = int(sol.summary.cost)
    return (cost if unassigned == 0 else None), wall, unassigned


def _pyvrp_vrptw(path: Path, time_limit_s: float, seed: int) -> tuple[int | None, float]:
    from pyvrp import Model, read
    from pyvrp.stop import MaxRuntime

    data = read(str(path), round_func="dimacs")
    t0 = time.perf_counter()
    res = Model.from_data(data).solve(stop=MaxRuntime(time_limit_s), seed=seed, display=False)
    wall = time.perf_counter() - t0
    return (round(res.cost()) if res.is_feasible() else None), wall


def _gap(cost: int | None, bks: float) -> float | None:
    return None if cost is None else 100.0 * (cost / 10.0 - bks) / bks


def _fmt(g: float | None) -> str:
    return "infeasible" if g is None else f"{g:.2f}%"


@click.command()
@click.option("--set", "which", type=click.Choice(["solomon", "gh200"]), default="solomon", show_default=True)
@click.option("--time-limit", type=float, default=10.0, show_default=True, help="Seconds per instance.")
@click.option("--instances", default="", help="Comma-separated subset, e.g. C101,R101.")
@click.option("--workers", type=int, default=2, show_default=True, help="Parallel diversified searches.")
@click.option("--peers/--no-peers", default=True, show_default=True, help="Also run VROOM and PyVRP.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--ortools-only", is_flag=True, help="Never let PyVRP run as the second search.")
@click.option(
    "--json",
    "json_out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the per-instance figures here.",
)
def solomon(
    which: str,
    time_limit: float,
    instances: str,
    workers: int,
    peers: bool,
    seed: int,
    ortools_only: bool,
    json_out: Path | None,
) -> None:
    """Gap to best-known solutions on Solomon / Gehring–Homberger VRPTW, beside VROOM and PyVRP."""
    from rich.console import Console
    from rich.table import Table

    from engine.solve import SolveOptions, solve

    folder = SHARED / "benchmarks" / which
    if not folder.is_dir():
        raise click.ClickException(f"{folder} is missing: put ../shared beside the repository")
    bks = _bks(folder)
    names = sorted(bks)
    if instances:
        wanted = [s.strip() for s in instances.split(",") if s.strip()]
        unknown = [w for w in wanted if w not in bks]
        if unknown:
            raise click.ClickException(f"unknown instances {unknown}; known: {', '.join(names[:8])}, …")
        names = wanted
    rows: list[dict[str, Any]] = []
    with _progress(len(names), f"{which} @ {time_limit:g} s") as step:
        for name in names:
            path = folder / f"{name}.vrp"
            problem, _ = vrptw_problem(path)
            t0 = time.perf_counter()
            options = SolveOptions(
                time_limit_s=time_limit, seed=seed, workers=workers, use_pyvrp=not ortools_only
            )
            plan = solve(problem, options)
            wall = time.perf_counter() - t0
            cost = plan.cost.travel if not plan.unassigned else None
            row: dict[str, Any] = {
                "instance": name,
                "bks": bks[name],
                "crewline": cost,
                "crewline_gap": _gap(cost, bks[name]),
                "crewline_s": round(wall, 2),
                "crewline_routes": len(plan.routes),
                "crewline_solver": plan.solver.split(":")[0],
            }
            if peers:
                v_cost, v_wall, _ = _vroom_vrptw(problem, time_limit)
                p_cost, p_wall = _pyvrp_vrptw(path, time_limit, seed)
                row.update(
                    vroom=v_cost,
                    vroom_gap=_gap(v_cost, bks[name]),
                    vroom_s=round(v_wall, 2),
                    pyvrp=p_cost,
                    pyvrp_gap=_gap(p_cost, bks[name]),
                    pyvrp_s=round(p_wall, 2),
                )
            rows.append(row)
            step(f"{name} {_fmt(row['crewline_gap'])}")
    solvers = ["crewline", "vroom", "pyvrp"] if peers else ["crewline"]
    table = Table(title=f"{which}: gap to best-known distance, {time_limit:g} s per instance")
    table.add_column("instance")
    table.add_column("BKS", justify="right")
    for s in solvers:
        table.add_column(f"{s} gap", justify="right")
        table.add_column(f"{s} s", justify="right")
    table.add_column("Crewline's best search")
    for r in rows:
        table.add_row(
            r["instance"],
            f"{r['bks']:.1f}",
            *[x for s in solvers for x in (_fmt(r[f"{s}_gap"]), f"{r[f'{s}_s']:.1f}")],
            r["crewline_solver"],
        )
    console = Console(width=220)
    console.print(table)
    by_class: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        # C101 → C1, RC208 → RC2 (Solomon); C1_2_1 → C1 (Gehring–Homberger)
        cls = r["instance"][:-2] if which == "solomon" else r["instance"].split("_")[0]
        by_class[cls].append(r)
    summary = Table(title="mean gap per class (feasible instances) and infeasible count")
    summary.add_column("class")
    summary.add_column("n", justify="right")
    for s in solvers:
        summary.add_column(f"{s} gap", justify="right")
        summary.add_column(f"{s} infeasible", justify="right")
        summary.add_column(f"{s} mean s", justify="right")
    for cls, group in [*sorted(by_class.items()), ("all", rows)]:
        cells = []
        for s in solvers:
            gaps = [r[f"{s}_gap"] for r in group if r[f"{s}_gap"] is not None]
            cells += [
                f"{statistics.fmean(gaps):.2f}%" if gaps else "-",
                str(sum(1 for r in group if r[f"{s}_gap"] is None)),
                f"{statistics.fmean(r[f'{s}_s'] for r in group):.1f}",
            ]
        summary.add_row(cls, str(len(group)), *cells)
    console.print(summary)
    if json_out is not None:
        json_out.write_text(json.dumps(rows, indent=1), encoding="utf-8")


# ------------------------------------------------------------------ dispatch (sample city)


def _hhmm(value: str) -> int:
    h, m = value.split(":")
    return int(h) * 3600 + int(m) * 60


def city_problem(city_dir: Path, n_tickets: int, seed: int = 0) -> tuple[Problem, list[tuple[float, float]]]:
    """A day's dispatch problem from the sample city: its crews and ``n_tickets`` tickets.

    The day's tickets are used first; more are drawn around them (same categories, jittered by up to
    ~1.5 km) to reach larger sizes. Travel times and distances come from ``geo`` over the streets.
    """
    from geo.districts import DistrictIndex
    from geo.graph import build_graph
    from geo.io import read_city_streets, read_districts
    from geo.matrix import travel_matrix

    city = json.loads((city_dir / "city.json").read_text(encoding="utf-8"))
    crews_raw = json.loads((city_dir / "crews.json").read_text(encoding="utf-8"))
    depots = {d["id"]: d for d in json.loads((city_dir / "depots.json").read_text(encoding="utf-8"))}
    cats = {c["code"]: c for c in json.loads((city_dir / "categories.json").read_text(encoding="utf-8"))}
    tickets = json.loads((city_dir / "tickets_day.json").read_text(encoding="utf-8"))
    tickets = [t for t in tickets if cats[t["category"]]["remit"] == "city" and t.get("repeat_of") is None]
    rng = np.random.default_rng(seed)
    pool = list(tickets)
    while len(pool) < n_tickets:
        base = tickets[int(rng.integers(len(tickets)))]
        dlon, dlat = rng.normal(0, 0.008, size=2)
        pool.append(
            {**base, "id": f"{base['id']}-{len(pool)}", "lon": base["lon"] + dlon, "lat": base["lat"] + dlat}
        )
    pool = pool[:n_tickets]
    graph, _ = build_graph(read_city_streets(city_dir), crs=city["crs"])
    districts = DistrictIndex.from_frame(
        read_districts(city_dir / "districts.geojson", code_field="code"), crs=city["crs"]
    )
    depot_ids = sorted(depots)
    pts = [(depots[d]["lon"], depots[d]["lat"]) for d in depot_ids] + [(t["lon"], t["lat"]) for t in pool]
    found = travel_matrix(graph, np.asarray(pts, dtype=np.float64), max_snap_m=3000.0)
    travel = Matrix(np.asarray(found.travel_s).round().astype(np.int64))
    dist = Matrix(np.asarray(found.dist_m).round().astype(np.int64))
    hits = districts.locate_many(
        np.asarray([p[0] for p in pts[len(depot_ids) :]]), np.asarray([p[1] for p in pts[len(depot_ids) :]])
    )
    codes = [None if c is None else int(c) for c in hits.codes_array()]
    from datetime import datetime
    from datetime import time as dtime
    from zoneinfo import ZoneInfo

    day_start = _hhmm(city["working_hours"]["start"]) - 3600  # horizon starts an hour before work
    local_day = datetime.fromisoformat(city["service_date"]).date()
    horizon = datetime.combine(
        local_day, dtime(day_start // 3600, day_start % 3600 // 60), ZoneInfo(city["timezone"])
    )
    jobs = []
    for k, t in enumerate(pool):
        cat = cats[t["category"]]
        prio = Priority(cat["default_priority"])
        jobs.append(
            Job(
                id=str(t["id"]),
                location=len(depot_ids) + k,
                service_s=int(cat["service_minutes"]) * 60,
                skills=frozenset({cat["skill"]}) if cat["skill"] else frozenset(),
                priority=prio,
                district=codes[k],
                due_s=max(
                    0,
                    int(
                        (
                            datetime.fromisoformat(t["created_at"].replace("Z", "+00:00")) - horizon
                        ).total_seconds()
                    )
                    + int(cat["sla_hours"]) * 3600,
                ),
                demand=1,
            )
        )
    crews = []
    loc_of = {d: i for i, d in enumerate(depot_ids)}
    for c in crews_raw:
        start, end = _hhmm(c["shift"]["start"]) - day_start, _hhmm(c["shift"]["end"]) - day_start
        if end <= start:
            end += 24 * 3600
        brk = c.get("break")
        breaks: tuple[Break, ...] = ()
        if brk:
            bs, be = _hhmm(brk["start"]) - day_start, _hhmm(brk["end"]) - day_start
            if bs < start:  # a night shift's break falls after midnight
                bs += 24 * 3600
            if be < bs:
                be += 24 * 3600
            minutes = int(brk["minutes"]) * 60
            breaks = (Break("break", TimeWindow(bs, max(bs, be - minutes)), minutes),)
        crews.append(
            Crew(
                id=str(c["id"]),
                start_location=loc_of[c["depot_id"]],
                end_location=loc_of[c["depot_id"]],
                shift=TimeWindow(max(0, start), end),
                breaks=breaks,
                skills=frozenset(c["skills"]),
                capacity=int(c["capacity"]),
                districts=frozenset(int(d) for d in c["districts"]),
                may_cross_districts=True,
            )
        )
    return Problem(tuple(jobs), tuple(crews), travel, dist, Weights()), pts


def _vroom_on_file(problem: Problem, doc: dict[str, Any], time_limit_s: float) -> tuple[Any, float]:
    import vroom

    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(doc, fh)
        name = fh.name
    try:
        inp = vroom.Input.from_json(Path(name))
        t0 = time.perf_counter()
        sol = inp.solve(exploration_level=5, nb_threads=2, timeout=_td(time_limit_s))
        return sol, time.perf_counter() - t0
    finally:
        os.unlink(name)


def _td(seconds: float) -> Any:
    from datetime import timedelta

    return timedelta(seconds=seconds)


def _vroom_routes(problem: Problem, doc: dict[str, Any], sol: Any) -> list[list[int]]:
    """VROOM's routes as engine job-index sequences per crew (in the problem's crew order)."""
    job_of = {k + 1: k for k in range(len(problem.jobs))}
    routes: list[list[int]] = [[] for _ in problem.crews]
    frame = sol.routes
    for _, row in frame.iterrows():
        if row["type"] == "job":
            routes[int(row["vehicle_id"]) - 1].append(job_of[int(row["id"])])
    return routes


@click.command()
@click.option("--sizes", default="200,1000,2000", show_default=True, help="Ticket counts.")
@click.option("--time-limit", type=float, default=30.0, show_default=True)
@click.option("--workers", type=int, default=2, show_default=True)
@click.option("--peers/--no-peers", default=True, show_default=True, help="Also run VROOM on the same file.")
@click.option(
    "--city",
    "city_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=REPO / "fixtures" / "sample_city",
    show_default=True,
)
@click.option(
    "--keep",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Keep the problem files (VROOM format) in this folder.",
)
def dispatch(
    sizes: str, time_limit: float, workers: int, peers: bool, city_dir: Path, keep: Path | None
) -> None:
    """Sample-city dispatch problems: solve time, cost, dropped urgent jobs, VROOM on the same file."""
    from rich.console import Console
    from rich.table import Table

    from engine.solve import SolveOptions, build_plan, solve
    from engine.wire import problem_to_vroom

    counts = [int(s) for s in sizes.split(",") if s.strip()]
    rows = []
    with _progress(len(counts), "dispatch") as step:
        for n in counts:
            t0 = time.perf_counter()
            problem, _ = city_problem(city_dir, n)
            build_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            plan = solve(problem, SolveOptions(time_limit_s=time_limit, workers=workers))
            solve_s = time.perf_counter() - t0
            urgent = {j.id for j in problem.jobs if j.priority is Priority.URGENT}
            row: dict[str, Any] = {
                "tickets": n,
                "crews": len(problem.crews),
                "matrix_s": round(build_s, 1),
                "solve_s": round(solve_s, 1),
                "cost": plan.cost.total - plan.cost.dropped,
                "total": plan.cost.total,
                "solver": plan.solver.split(":")[0],
                "travel_h": round(sum(r.travel_s for r in plan.routes) / 3600, 1),
                "assigned": sum(len(r.job_ids) for r in plan.routes),
                "urgent_dropped": sum(1 for u in plan.unassigned if u.job_id in urgent),
                "urgent": len(urgent),
            }
            doc = problem_to_vroom(problem)
            if keep is not None:
                keep.mkdir(parents=True, exist_ok=True)
                (keep / f"dispatch-{n}.json").write_text(json.dumps(doc), encoding="utf-8")
            if peers:
                sol, v_s = _vroom_on_file(problem, doc, time_limit)
                vplan = build_plan(problem, _vroom_routes(problem, doc, sol), "vroom")
                row.update(
                    vroom_s=round(v_s, 1),
                    vroom_cost=vplan.cost.total - vplan.cost.dropped,
                    vroom_total=vplan.cost.total,
                    vroom_assigned=sum(len(r.job_ids) for r in vplan.routes),
                    vroom_urgent_dropped=sum(1 for u in vplan.unassigned if u.job_id in urgent),
                )
            rows.append(row)
            step(f"{n} tickets: {row['assigned']} assigned")
    table = Table(title=f"sample-city dispatch, {time_limit:g} s limit, {workers} worker(s)")
    keys = list(rows[0]) if rows else []
    for k in keys:
        table.add_column(k, justify="right")
    for r in rows:
        table.add_row(*[str(r.get(k, "")) for k in keys])
    Console(width=220).print(table)
    click.echo(
        "cost = travel + lateness + cross-district; total adds the drop penalties; VROOM's routes are "
        "re-timed and costed by Crewline's cost function"
    )


# ------------------------------------------------------------------ insert


def live_plan(n_crews: int = 60, visits: int = 20, seed: int = 0) -> tuple[Problem, Any]:
    """A synthetic live plan: ``n_crews`` crews in a 16 km city with ~``visits`` visits each."""
    from engine.insert import insert_job
    from engine.plan import Cost, Plan

    rng = np.random.default_rng(seed)
    n_jobs = n_crews * visits
    depots = rng.uniform(0, 16_000, size=(6, 2))
    pts = np.vstack([depots, rng.uniform(0, 16_000, size=(n_jobs + 400, 2))])
    d = np.sqrt(((pts[:, None, :] - pts[None, :, :]) ** 2).sum(axis=2)) * 1.3
    dist = Matrix(d.astype(np.int64))
    travel = Matrix((d / 8.3).astype(np.int64))  # 30 km/h
    skills = ["asphalt", "waste", "pruning"]
    jobs = tuple(
        Job(
            id=f"j{k}",
            location=6 + k,
            service_s=int(rng.integers(5, 16)) * 60,
            skills=frozenset({skills[k % 3]}),
            priority=Priority.NORMAL,
            district=int(k % 11) + 1,
            due_s=int(rng.integers(4, 12)) * 3600,
            demand=1,
        )
        for k in range(n_jobs + 400)
    )
    crews = tuple(
        Crew(
            id=f"c{c}",
            start_location=c % 6,
            end_location=c % 6,
            shift=TimeWindow(0, 10 * 3600),
            breaks=(Break("lunch", TimeWindow(4 * 3600, 6 * 3600), 1800),),
            skills=frozenset({skills[c % 3], skills[(c + 1) % 3]}),
            capacity=visits,  # spreads the day over every crew, as a dispatcher would
            districts=frozenset({c % 11 + 1, (c + 3) % 11 + 1}),
        )
        for c in range(n_crews)
    )
    problem = Problem(jobs, crews, travel, dist, Weights())
    plan = Plan((), (), Cost())
    for k in range(n_jobs):
        plan = insert_job(problem, plan, f"j{k}").plan
    return problem, plan


@click.command()
@click.option("--crews", "n_crews", type=int, default=60, show_default=True)
@click.option("--visits", type=int, default=20, show_default=True, help="Visits per crew in the live plan.")
@click.option(
    "--samples", type=int, default=300, show_default=True, help="Urgent jobs inserted (one at a time)."
)
@click.option("--seed", type=int, default=0, show_default=True)
def insert(n_crews: int, visits: int, samples: int, seed: int) -> None:
    """p50/p95 time to insert one urgent job into a live plan (target p95 ≤ 100 ms)."""
    import dataclasses

    from engine.insert import insert_job

    click.echo(f"building a live plan of {n_crews} crews × ~{visits} visits …")
    problem, plan = live_plan(n_crews, visits, seed)
    routed = sum(len(r.job_ids) for r in plan.routes)
    click.echo(f"live plan: {len(plan.routes)} routes, {routed} visits, {len(plan.unassigned)} unassigned")
    extra = [
        j
        for j in problem.jobs
        if j.id not in plan.assignment() and j.id not in {u.job_id for u in plan.unassigned}
    ]
    rng = np.random.default_rng(seed + 1)
    times: list[float] = []
    with_build: list[float] = []
    inserted = 0
    with _progress(samples, "insert") as step:
        for k in range(samples):
            job = extra[int(rng.integers(len(extra)))]
            urgent = dataclasses.replace(job, priority=Priority.URGENT, id=f"urgent-{k}", demand=0)
            t_build = time.perf_counter()
            p = problem.replace(jobs=(*problem.jobs, urgent))  # validated again, as a caller would
            t0 = time.perf_counter()
            result = insert_job(p, plan, urgent.id)
            t1 = time.perf_counter()
            times.append((t1 - t0) * 1000)
            with_build.append((t1 - t_build) * 1000)
            inserted += result.crew_id is not None
            step(f"{times[-1]:.1f} ms")
    times.sort()
    with_build.sort()
    p50 = times[len(times) // 2]
    p95 = times[min(len(times) - 1, math.ceil(0.95 * len(times)) - 1)]
    b95 = with_build[min(len(times) - 1, math.ceil(0.95 * len(times)) - 1)]
    click.echo(
        f"with building and validating the {len(problem.jobs) + 1}-job problem first: "
        f"p50 {with_build[len(times) // 2]:.1f} ms, p95 {b95:.1f} ms"
    )
    click.echo(
        f"insert: {samples} urgent jobs into {len(plan.routes)} crews × "
        f"{routed / max(1, len(plan.routes)):.1f} visits: p50 {p50:.1f} ms, p95 {p95:.1f} ms, "
        f"max {times[-1]:.1f} ms; {inserted} inserted, "
        f"{samples - inserted} with no feasible position (target p95 ≤ 100 ms)"
    )
