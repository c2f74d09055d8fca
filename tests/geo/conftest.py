"""Graphs and district indexes shared by the geo tests (built once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.graph import RoadGraph, build_graph
from geo.io import CAMBRIDGE_CENTERLINES, read_centerlines_geojson, read_city_streets
from geo.network import LineNetwork, LineRecord, network_from_lines
from geo.speeds import class_code

# A tiny town on two banks of a river (lat ≈ 29.600 north bank, 29.598 south bank).
# North bank nodes N0..N3 and south bank nodes S0..S3, 0.001° lon (≈97 m) apart.
# Bridges: N1–S1 and N3–S3. N0→N1 is one-way; S0–N0 is a two-way ford road.
LON0, LAT_N, LAT_S = 52.500, 29.600, 29.598


def node(bank: str, i: int) -> tuple[float, float]:
    return (LON0 + 0.001 * i, LAT_N if bank == "N" else LAT_S)


def tiny_network(*, extra: list[LineRecord] | None = None) -> LineNetwork:
    res, art = class_code("residential"), class_code("arterial")
    lines = [
        LineRecord(row=1, coords=(node("N", 0), node("N", 1)), road_class=res, oneway=1),
        LineRecord(row=2, coords=(node("N", 1), node("N", 2)), road_class=res, oneway=0),
        LineRecord(row=3, coords=(node("N", 2), node("N", 3)), road_class=res, oneway=0),
        LineRecord(row=4, coords=(node("S", 0), node("S", 1)), road_class=res, oneway=0),
        LineRecord(row=5, coords=(node("S", 1), node("S", 2)), road_class=res, oneway=0),
        LineRecord(row=6, coords=(node("S", 2), node("S", 3)), road_class=res, oneway=0),
        LineRecord(row=7, coords=(node("N", 1), node("S", 1)), road_class=art, oneway=0, bridge=True,
                   street_id=70),
        LineRecord(row=8, coords=(node("N", 3), node("S", 3)), road_class=art, oneway=0, bridge=True,
                   street_id=80),
        LineRecord(row=9, coords=(node("S", 0), node("N", 0)), road_class=res, oneway=0),
    ]
    return network_from_lines("tiny-town", lines + (extra or []))


@pytest.fixture(scope="session")
def tiny_graph() -> RoadGraph:
    graph, _ = build_graph(tiny_network(), crs="EPSG:32639")
    return graph


@pytest.fixture(scope="session")
def sample_graph(sample_city_dir: Path) -> RoadGraph:
    if not (sample_city_dir / "street_edges.csv").is_file():
        pytest.skip("the sample city's street tables are not generated yet")
    graph, _ = build_graph(read_city_streets(sample_city_dir), crs="EPSG:32639")
    return graph


@pytest.fixture(scope="session")
def cambridge_graph(shared_dir: Path) -> RoadGraph:
    net = read_centerlines_geojson(shared_dir / "geodata/cambridge_ma/TRANS_Centerlines.geojson",
                                   **CAMBRIDGE_CENTERLINES)
    graph, _ = build_graph(net)
    return graph
