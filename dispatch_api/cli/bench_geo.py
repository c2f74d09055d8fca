"""`crewline bench geo`: district lookup, road-graph build and travel-time matrices on real data.

Figures printed: locating N points in the sample city's districts (and Tehran's 22), building the
sample city's graph from its CSV files (seconds and peak Python memory), and an N×N travel-time
matrix on the sample city, Cambridge MA (official centrelines) and Andorra (OSM XML) graphs.
With ``--write BENCHMARKS.md`` the figures replace the ``## Geo`` section of that file.
"""

from __future__ import annotations

import os
import platform
import re
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click
import numpy as np
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

T = TypeVar("T")
REPO = Path(__file__).resolve().parents[2]


@dataclass
class Figure:
    what: str
    value: str
    target: str = ""
    detail: str = ""


@dataclass
class Timing:
    wall_s: float
    cpu_s: float

    def __str__(self) -> str:
        # CPU time is shown too: on a shared machine wall time also counts waiting for a core
        return f"{self.wall_s:.2f} s (CPU {self.cpu_s:.2f} s)"


def _timed(fn: Callable[[], T]) -> tuple[T, Timing]:
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, Timing(time.perf_counter() - wall, time.process_time() - cpu)


def _random_points(lon: np.ndarray, lat: np.ndarray, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, lon.size, n)
    return np.column_stack((lon[pick], lat[pick])) + rng.normal(0.0, 1.5e-4, (n, 2))


def _matrix_figure(name: str, graph: Any, n: int, target: str) -> Figure:
    from geo import matrix

    points = _random_points(graph.lon, graph.lat, n, seed=7)
    matrix.clear_cache()
    result, seconds = _timed(lambda: matrix.travel_matrix(graph, points))
    reachable = result.travel_s[result.travel_s < matrix.UNREACHABLE]
    return Figure(
        what=f"{n:,}×{n:,} travel matrix, {name}",
        value=str(seconds),
        target=target,
        detail=(f"{graph.n_nodes:,} nodes, {graph.n_edges:,} directed edges; "
                f"median trip {int(np.median(reachable)):,} s"),
    )


def _write_section(path: Path, command: str, figures: list[Figure]) -> None:
    lines = [
        "## Geo",
        "",
        f"Measured with `{command}` on {platform.machine()}, {os.cpu_count()} cores shared, "
        f"Python {platform.python_version()} ({time.strftime('%Y-%m-%d', time.gmtime())}), "
        f"load average {os.getloadavg()[0]:.1f} at the end. Figures read `wall (CPU)`.",
        *([
            "",
            "The machine was busy with other work while this ran: wall times include waiting for a "
            "core; the CPU time is what the same work costs on an idle core.",
        ] if os.getloadavg()[0] > (os.cpu_count() or 1) else []),
        "",
        "| what | figure | target | detail |",
        "| --- | --- | --- | --- |",
        *[f"| {f.what} | {f.value} | {f.target} | {f.detail} |" for f in figures],
        "",
    ]
    section = "\n".join(lines)
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n\n"
    pattern = re.compile(r"^## Geo\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _m: section + "\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


@click.command()
@click.option("--points", "n_points", default=100_000, show_default=True,
              help="Points to locate in districts.")
@click.option("--matrix", "n_matrix", default=1_000, show_default=True,
              help="Points per side of each travel matrix.")
@click.option("--city", "city_dir", type=click.Path(path_type=Path, file_okay=False),
              default=REPO / "fixtures" / "sample_city", show_default=True, help="Sample-city folder.")
@click.option("--shared", "shared_dir", type=click.Path(path_type=Path, file_okay=False),
              default=REPO.parent / "shared", show_default=True, help="The shared real-data folder.")
@click.option("--no-osm", is_flag=True, help="Skip the Andorra OSM graph (needs osmnx).")
@click.option("--write", "write_to", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Replace the '## Geo' section of this Markdown file (e.g. BENCHMARKS.md).")
def geo(n_points: int, n_matrix: int, city_dir: Path, shared_dir: Path, no_osm: bool,
        write_to: Path | None) -> None:
    """Districts lookup, graph build and travel-matrix timings on the sample city and real data."""
    from geo.districts import DistrictIndex
    from geo.graph import build_graph
    from geo.io import (
        CAMBRIDGE_CENTERLINES,
        read_centerlines_geojson,
        read_city_streets,
        read_districts,
        read_osm_xml,
    )

    console = Console()
    figures: list[Figure] = []
    geodata = shared_dir / "geodata"
    steps = 6 if not no_osm else 5
    progress = Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                        console=console, transient=True)
    with progress:
        task = progress.add_task("sample city districts", total=steps)

        districts = DistrictIndex.from_frame(
            read_districts(city_dir / "districts.geojson", code_field="code",
                           name_fields={"fa": "name_fa", "en": "name_en"}))
        minx, miny, maxx, maxy = np.array([districts.polygon(c).bounds for c in districts.codes]).T
        rng = np.random.default_rng(3)
        lons = rng.uniform(minx.min() - 0.01, maxx.max() + 0.01, n_points)
        lats = rng.uniform(miny.min() - 0.01, maxy.max() + 0.01, n_points)
        hits, seconds = _timed(lambda: districts.locate_many(lons, lats))
        counts = np.bincount(hits.status, minlength=3)
        figures.append(Figure(
            f"locate {n_points:,} points, sample city ({len(districts)} districts)", str(seconds),
            "≤ 1 s", f"{counts[0]:,} inside, {counts[1]:,} near, {counts[2]:,} outside"))
        progress.advance(task)

        progress.update(task, description="Tehran districts")
        tehran = DistrictIndex.from_frame(read_districts(
            geodata / "tehran/tehran_regions.geojson", code_field="name:en",
            name_fields={"fa": "name", "en": "name:en"}))
        t_lons = rng.uniform(51.08, 51.61, n_points)
        t_lats = rng.uniform(35.56, 35.83, n_points)
        hits, seconds = _timed(lambda: tehran.locate_many(t_lons, t_lats))
        counts = np.bincount(hits.status, minlength=3)
        figures.append(Figure(
            f"locate {n_points:,} points, Tehran ({len(tehran)} districts)", str(seconds), "≤ 1 s",
            f"{counts[0]:,} inside, {counts[1]:,} near, {counts[2]:,} outside"))
        progress.advance(task)

        progress.update(task, description="sample city graph build")
        (graph, report), seconds = _timed(lambda: build_graph(read_city_streets(city_dir)))
        tracemalloc.start()  # a second build, traced: tracing slows Python down, so it is not timed
        build_graph(read_city_streets(city_dir))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        figures.append(Figure(
            "build sample-city graph from its CSV files", str(seconds),
            "", f"peak {peak / 2**20:.0f} MiB (tracemalloc); {report.nodes:,} nodes, "
                f"{report.edges:,} directed edges, {report.length_km:,.0f} km"))
        progress.advance(task)

        progress.update(task, description=f"sample city {n_matrix}×{n_matrix} matrix")
        figures.append(_matrix_figure("sample city", graph, n_matrix, "≤ 3 s"))
        progress.advance(task)

        progress.update(task, description=f"Cambridge {n_matrix}×{n_matrix} matrix")
        cambridge, _ = build_graph(read_centerlines_geojson(
            geodata / "cambridge_ma/TRANS_Centerlines.geojson", **CAMBRIDGE_CENTERLINES))
        figures.append(_matrix_figure("Cambridge MA centrelines", cambridge, n_matrix, ""))
        progress.advance(task)

        if not no_osm:
            progress.update(task, description="Andorra OSM graph")
            net, seconds = _timed(lambda: read_osm_xml(geodata / "andorra/andorra.osm.gz"))
            andorra, _ = build_graph(net)
            figures.append(Figure("read Andorra OSM XML via osmnx", str(seconds), "",
                                  f"{net.n_segments:,} drivable segments"))
            figures.append(_matrix_figure("Andorra OSM", andorra, n_matrix, ""))
            progress.advance(task)

    table = Table(title="crewline bench geo")
    for column in ("what", "figure", "target", "detail"):
        table.add_column(column)
    for f in figures:
        table.add_row(f.what, f.value, f.target, f.detail)
    console.print(table)
    if write_to is not None:
        command = "nice .venv/bin/crewline " + " ".join(sys.argv[1:])
        _write_section(write_to, command, figures)
        console.print(f"figures written to the '## Geo' section of {write_to}")
