"""`crewline bench snow`: the sample city's snowstorm end to end, and Cambridge MA's real routes.

Figures printed: time to plan the equipment reallocation; hours until tier 1 is clear in each
declared district with the units where the storm finds them, with every unit sent back to its home
district, and after the reallocation (the model's estimate, and what the routed plows achieve);
per district, plow-route makespan and length from OR-Tools against the lower bound (service time
over plows; plowed length) and against the nearest-neighbour baseline, solved in the same run.
With ``--write BENCHMARKS.md`` the figures replace the ``## Snow`` section of that file.
"""

from __future__ import annotations

import os
import platform
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import click
from rich.console import Console
from rich.table import Table

from engine.snow import PassSchedule, PlowPlan

T = TypeVar("T")
REPO = Path(__file__).resolve().parents[2]
CAMBRIDGE_YARD = (-71.0946, 42.3699)  # Cambridge DPW, Hampshire Street


@dataclass
class Timing:
    wall_s: float
    cpu_s: float

    def __str__(self) -> str:
        # CPU time too: on a shared machine wall time also counts waiting for a core
        return f"{self.wall_s:.1f} s (CPU {self.cpu_s:.1f} s)"


def _timed(fn: Callable[[], T]) -> tuple[T, Timing]:
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, Timing(time.perf_counter() - wall, time.process_time() - cpu)


def _h(seconds: float | None) -> str:
    return "never" if seconds is None else f"{seconds / 3600:.2f}"


def _km(metres: float | None) -> str:
    return "–" if metres is None else f"{metres / 1000:.1f}"


def _pct(value: float, bound: float) -> str:
    return f"{value / bound:.2f}×" if bound else "–"


def _table(title: str, header: list[str], rows: list[list[str]]) -> tuple[Table, list[str]]:
    table = Table(title=title)
    for h in header:
        table.add_column(h)
    for r in rows:
        table.add_row(*r)
    md = [f"**{title}**", "", "| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    md += ["| " + " | ".join(r) + " |" for r in rows]
    return table, [*md, ""]


def _route_rows(plans: list[tuple[str, int, PlowPlan, PlowPlan, Timing]]) -> list[list[str]]:
    rows = []
    for name, n_plows, opt, nn, spent in plans:
        rows.append(
            [
                name,
                str(n_plows),
                str(spent),
                f"{_h(opt.makespan_s)} ({_pct(opt.makespan_s, opt.lower_bound_s)})",
                f"{_h(nn.makespan_s)} ({_pct(nn.makespan_s, nn.lower_bound_s)})",
                _h(opt.lower_bound_s),
                f"{_km(opt.length_m)} ({_pct(opt.length_m or 0, opt.service_length_m)})",
                f"{_km(nn.length_m)} ({_pct(nn.length_m or 0, nn.service_length_m)})",
                _km(opt.service_length_m),
                f"{_h(opt.tier_clear_s(1))} / {_h(nn.tier_clear_s(1))}",
                str(len(opt.unserved)),
            ]
        )
    return rows


ROUTE_HEADER = [
    "district",
    "plows",
    "time to plan (OR-Tools)",
    "makespan h, OR-Tools (× bound)",
    "makespan h, nearest neighbour",
    "bound h (service ÷ plows)",
    "length km, OR-Tools (× plowed)",
    "length km, nearest neighbour",
    "plowed km (bound)",
    "tier 1 done h, OR-Tools / NN",
    "unserved",
]


@click.command()
@click.option(
    "--city",
    "city_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=REPO / "fixtures" / "sample_city",
    show_default=True,
    help="Sample-city folder.",
)
@click.option(
    "--shared",
    "shared_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=REPO.parent / "shared",
    show_default=True,
    help="The shared real-data folder.",
)
@click.option("--realloc-time", default=10.0, show_default=True, help="Reallocation time limit, s.")
@click.option("--route-time", default=20.0, show_default=True, help="Plow-route time limit per district, s.")
@click.option("--cambridge-plows", default=4, show_default=True, help="Plows for Cambridge's routes.")
@click.option(
    "--write",
    "write_to",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Replace the '## Snow' section of this Markdown file (e.g. BENCHMARKS.md).",
)
def snow(
    city_dir: Path,
    shared_dir: Path,
    realloc_time: float,
    route_time: float,
    cambridge_plows: int,
    write_to: Path | None,
) -> None:
    """Snowstorm reallocation and plow routes on the sample city, and Cambridge MA's snow routes."""
    from dispatch_api.services import snow as svc
    from engine.snow import nearest_neighbour, plan_plow_routes, reallocate, repeat_passes, replow_interval_s
    from engine.snow.reallocation import clearance

    console = Console()
    md: list[str] = []

    (graph, network), load_t = _timed(
        lambda: (
            g := svc.load_city_graph(city_dir),
            svc.city_snow_routes(g, city_dir / "snow_routes.geojson"),
        )
    )
    storm = svc.read_storm(city_dir)
    depots = svc.read_depots(city_dir)
    units = svc.read_storm_fleet(city_dir, depots)
    console.print(f"sample city: graph and {len(network.segments):,} snow-route segments loaded in {load_t}")

    problem, build_t = _timed(
        lambda: svc.reallocation_problem(graph, network, storm, units, depots, time_limit_s=realloc_time)
    )
    plan, solve_t = _timed(lambda: reallocate(problem))
    home = clearance(problem, {u.id: u.home_district for u in units})
    eta = {m.unit_id: m.eta_s for m in plan.moves}

    routed: dict[int, tuple[PlowPlan, PlowPlan, Timing, list[tuple[str, float, float]]]] = {}
    schedules: dict[int, PassSchedule] = {}
    for d in storm.districts:
        plows = svc.plows_after(plan, units, depots, d, kinds=("plow",))
        if not plows:
            continue
        console.print(f"district {d}: routing {len(plows)} plows ({route_time:g} s)…")
        routing = svc.district_routing(
            graph,
            network,
            d,
            plows,
            level=storm.level,
            snowfall_cm=storm.snowfall_cm.get(d, 0.0),
            time_limit_s=route_time,
        )
        opt, spent = _timed(lambda r=routing: plan_plow_routes(r.problem))  # type: ignore[misc]
        routed[d] = (opt, nearest_neighbour(routing.problem), spent, plows)
        schedules[d] = repeat_passes(
            routing.problem, opt, storm.duration_s, {t: replow_interval_s(storm.level, t) for t in (1, 2, 3)}
        )

    n_plows = sum(1 for u in units if u.type == "plow")
    home_times = [home[d][0] for d in storm.districts]
    home_worst = None if None in home_times else max(t for t in home_times if t is not None)
    summary = [
        ["level", str(storm.level)],
        ["declared districts", ", ".join(str(d) for d in storm.districts)],
        ["storm length h", _h(storm.duration_s)],
        ["plows / spreaders", f"{n_plows} / {len(units) - n_plows}"],
        ["reallocation: build (move-time matrix)", str(build_t)],
        ["reallocation: time to plan", f"{solve_t} ({plan.status})"],
        ["moves", str(len(plan.moves))],
        [
            "latest tier-1 clear h: as found → units sent home → reallocated",
            f"{_h(plan.worst_s(1, after=False))} → {_h(home_worst)} → {_h(plan.worst_s(1))}",
        ],
    ]
    t, lines = _table("Snowstorm on the sample city", ["what", "figure"], summary)
    console.print(t)
    md += lines

    by_d = {c.district: c for c in plan.districts}
    rows = []
    for d in storm.districts:
        c = by_d[d]
        route_clear = "–"
        if d in routed:
            opt = routed[d][0]
            done = [eta.get(r.plow_id, 0) + t1 for r in opt.routes if (t1 := r.tier_done_s(1)) is not None]
            route_clear = _h(max(done)) if done else "–"
        rows.append(
            [
                str(d),
                f"{storm.snowfall_cm.get(d, 0):g}",
                str(c.units_before),
                _h(c.before_s[0]),
                _h(home[d][0]),
                str(c.units_after),
                _h(c.after_s[0]),
                route_clear,
                _h(c.after_s[1]),
            ]
        )
    t, lines = _table(
        "Hours until tier 1 is clear per declared district",
        [
            "district",
            "snow cm",
            "units as found",
            "tier 1 h as found",
            "tier 1 h if units go home",
            "units after",
            "tier 1 h reallocated (model)",
            "tier 1 h reallocated (routed plows)",
            "tiers 1–2 h reallocated (model)",
        ],
        rows,
    )
    console.print(t)
    md += lines

    route_plans = [(str(d), len(v[3]), v[0], v[1], v[2]) for d, v in routed.items()]
    interval = replow_interval_s(storm.level, 1)

    pass_rows = []
    for d, sched in schedules.items():
        cells = [str(d)]
        for tier in (1, 2, 3):
            svc_t = next((x for x in sched.tiers if x.tier == tier), None)
            if svc_t is None:
                cells.append("–")
                continue
            target = "once" if svc_t.interval_s is None else f"every {_h(svc_t.interval_s)}"
            mark = "" if svc_t.meets_interval else " (late)"
            cells.append(f"{svc_t.passes} passes, longest wait {_h(svc_t.worst_wait_s)} h ({target}){mark}")
        pass_rows.append(cells)
    t, lines = _table(
        f"Passes while snow falls ({_h(storm.duration_s)} h), reallocated plows on the OR-Tools routes",
        ["district", "tier 1", "tier 2", "tier 3"],
        pass_rows,
    )
    console.print(t)
    md += lines

    # Cambridge MA: real snow emergency routes on the official centrelines
    cam_dir = shared_dir / "geodata" / "cambridge_ma"
    cam_note = ""
    if cam_dir.is_dir():
        (cam_graph, cam_net), cam_load = _timed(lambda: svc.cambridge_snow_network(cam_dir))
        plows = [(f"plow-{i}", *CAMBRIDGE_YARD) for i in range(cambridge_plows)]
        routing = svc.district_routing(cam_graph, cam_net, 1, plows, level=3, time_limit_s=route_time)
        cam_opt, cam_spent = _timed(lambda: plan_plow_routes(routing.problem))
        route_plans.append(
            ("Cambridge MA", cambridge_plows, cam_opt, nearest_neighbour(routing.problem), cam_spent)
        )
        cam_note = (
            f"Cambridge MA: {len(cam_net.segments)} centreline segments matched from "
            f"{97 - len(cam_net.unmatched)} of 97 snow-route lines in {cam_load} "
            f"({len(routing.runs)} runs, all three tiers, plows from the DPW yard)."
        )
        console.print(cam_note)
    t, lines = _table(
        "Plow routes: OR-Tools against the lower bound and nearest neighbour",
        ROUTE_HEADER,
        _route_rows(route_plans),
    )
    console.print(t)
    md += lines
    if cam_note:
        md += [cam_note, ""]
    md += [
        f"Tier-1 re-plow interval at level {storm.level}: {_h(interval)} h. Makespan is the longest "
        "route (all tiers once); the bound is the total plowing time over the plows, so the "
        "gap is deadheading and imbalance.",
        "",
    ]
    if write_to is not None:
        command = (
            f"nice crewline bench snow --realloc-time {realloc_time:g} --route-time {route_time:g} "
            f"--write {write_to.name}"
        )
        _write_section(write_to, command, md)
        console.print(f"wrote the Snow section of {write_to}")


def _write_section(path: Path, command: str, body: list[str]) -> None:
    lines = [
        "## Snow",
        "",
        f"Measured with `{command}` on {platform.machine()}, {os.cpu_count()} cores shared, "
        f"Python {platform.python_version()} ({time.strftime('%Y-%m-%d', time.gmtime())}), "
        f"load average {os.getloadavg()[0]:.1f} at the end. Times read `wall (CPU)`.",
        "",
        *body,
    ]
    section = "\n".join(lines)
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n\n"
    pattern = re.compile(r"^## Snow\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _m: section + "\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")
