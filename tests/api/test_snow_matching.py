"""GPS pings matched onto the sample city's snow routes: the nearest segment within reach whose
direction agrees with the direction of travel; one-way streets only along their direction."""

from __future__ import annotations

import csv
import json
from typing import Any

import numpy as np
import pytest

from dispatch_api.services.plowing import MATCH_M, match_ping, route_index
from geo.crs import to_lonlat, to_metric
from tests.api.conftest import SAMPLE_CITY

CRS = json.loads((SAMPLE_CITY / "city.json").read_text(encoding="utf-8"))["crs"]


@pytest.fixture(scope="module")
def index() -> Any:
    return route_index(str(SAMPLE_CITY), CRS)


def _oneway() -> dict[int, bool]:
    with (SAMPLE_CITY / "street_edges.csv").open(encoding="utf-8") as handle:
        return {int(row["id"]): row["oneway"] == "1" for row in csv.DictReader(handle)}


def _segment(index: Any, oneway: bool) -> tuple[int, np.ndarray, np.ndarray]:
    """A long straight segment (edge id, start and end in metres) with the given one-way-ness."""
    flags = _oneway()
    for pos in np.argsort(-index.lengths_m).tolist():
        edge = int(index.edge_ids[pos])
        if flags[edge] == oneway and index.lengths_m[pos] > 120:
            coords = np.asarray(index.features[pos]["geometry"]["coordinates"], dtype=np.float64)
            x, y = to_metric(CRS, coords[:, 0], coords[:, 1])
            return edge, np.array([x[0], y[0]]), np.array([x[-1], y[-1]])
    raise AssertionError("the sample city has no such segment")


def _lonlat(point: np.ndarray) -> tuple[float, float]:
    lon, lat = to_lonlat(CRS, np.array([point[0]]), np.array([point[1]]))
    return float(lon[0]), float(lat[0])


def _drive(index: Any, a: np.ndarray, b: np.ndarray) -> int | None:
    return match_ping(index, CRS, _lonlat(a), _lonlat(b))


def test_a_two_way_street_is_matched_driven_either_way(index: Any) -> None:
    edge, u, v = _segment(index, oneway=False)
    along = v - u
    assert _drive(index, u + 0.3 * along, u + 0.6 * along) == edge
    assert _drive(index, u + 0.7 * along, u + 0.4 * along) == edge


def test_a_one_way_street_only_in_its_direction(index: Any) -> None:
    edge, u, v = _segment(index, oneway=True)
    along = v - u
    assert _drive(index, u + 0.3 * along, u + 0.6 * along) == edge
    assert _drive(index, u + 0.7 * along, u + 0.4 * along) != edge


def test_crossing_a_street_or_standing_still_marks_nothing_of_it(index: Any) -> None:
    edge, u, v = _segment(index, oneway=False)
    along = v - u
    normal = np.array([-along[1], along[0]]) / np.linalg.norm(along)
    middle = u + 0.5 * along
    assert _drive(index, middle - 15 * normal, middle + 5 * normal) != edge
    assert _drive(index, middle, middle + 0.01 * along / np.linalg.norm(along)) is None


def test_a_ping_out_of_reach_matches_nothing(index: Any) -> None:
    _edge, u, v = _segment(index, oneway=False)
    along = (v - u) / np.linalg.norm(v - u)
    normal = np.array([-along[1], along[0]])
    middle = (u + v) / 2
    beside = middle + (MATCH_M - 5) * normal  # driving parallel, just within reach
    assert _drive(index, beside - 30 * along, beside) is not None
    city = json.loads((SAMPLE_CITY / "city.json").read_text(encoding="utf-8"))
    x, y = to_metric(CRS, np.array([city["bbox"][0] - 0.03]), np.array([city["center"][1]]))
    outside = np.array([x[0], y[0]])
    assert _drive(index, outside - 30 * along, outside) is None
