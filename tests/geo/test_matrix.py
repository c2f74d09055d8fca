"""Travel matrices: integer seconds/metres, zero diagonal, triangle inequality, cache, route geometry."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import shapely
from pyproj import Geod

from geo.conditions import Conditions
from geo.errors import NoRouteError, SnapError
from geo.graph import RoadGraph
from geo.matrix import (
    UNREACHABLE,
    cache_info,
    node_matrix,
    route,
    route_geojson,
    route_geometry,
    travel_matrix,
)

from .conftest import node

GEOD = Geod(ellps="WGS84")


def _random_points(graph: RoadGraph, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    nodes = rng.choice(graph.n_nodes, n, replace=False)
    jitter = rng.normal(0.0, 1.5e-4, (n, 2))
    return np.column_stack((graph.lon[nodes], graph.lat[nodes])) + jitter


def _triangle_violations(m: np.ndarray, rng: np.random.Generator, tries: int = 5000) -> int:
    a, b, c = rng.integers(0, m.shape[0], (3, tries))
    direct = m[a, c].astype(np.int64)
    via = m[a, b].astype(np.int64) + m[b, c].astype(np.int64)
    return int(np.sum(direct > via + 1))  # +1: each cell is rounded to a whole unit


def test_sample_city_matrix_shape_types_diagonal_triangle(sample_graph: RoadGraph) -> None:
    pts = _random_points(sample_graph, 200, seed=11)
    m = travel_matrix(sample_graph, pts)
    assert m.shape == (200, 200)
    assert m.travel_s.dtype == np.int32 and m.dist_m.dtype == np.int32
    assert (np.diag(m.travel_s) == 0).all() and (np.diag(m.dist_m) == 0).all()
    off = ~np.eye(200, dtype=bool)
    assert (m.travel_s[off] > 0).all() and (m.travel_s < UNREACHABLE).all()
    assert _triangle_violations(m.travel_s, np.random.default_rng(1)) == 0
    # a road trip is never shorter than the straight line between the snapped positions
    i, j = np.nonzero(off)
    _, _, crow = GEOD.inv(m.origins.lon[i], m.origins.lat[i], m.origins.lon[j], m.origins.lat[j])
    assert (m.dist_m[i, j] >= np.floor(crow) - 1).all()
    # asymmetric: one-way streets make some A→B differ from B→A
    assert (m.travel_s != m.travel_s.T).any()


def test_cambridge_matrix_triangle_and_route_agree(cambridge_graph: RoadGraph) -> None:
    pts = _random_points(cambridge_graph, 120, seed=5)
    m = travel_matrix(cambridge_graph, pts)
    assert (np.diag(m.travel_s) == 0).all()
    assert _triangle_violations(m.travel_s, np.random.default_rng(2)) == 0
    assert _triangle_violations(m.dist_m, np.random.default_rng(3)) < 5000 * 0.05  # fastest ≠ shortest
    for i, j in ((0, 1), (5, 77), (100, 3)):
        found = route(cambridge_graph, tuple(pts[i]), tuple(pts[j]))
        assert found.travel_s == m.travel_s[i, j]
        assert found.dist_m == m.dist_m[i, j]
        # a few Cambridge line ends sit 5–25 m off their node: the drawn line bridges those gaps
        length = GEOD.geometry_length(found.geometry)
        assert length == pytest.approx(m.dist_m[i, j], rel=0.03, abs=2)


def test_rectangular_matrix_matches_square(cambridge_graph: RoadGraph) -> None:
    pts = _random_points(cambridge_graph, 30, seed=9)
    square = travel_matrix(cambridge_graph, pts)
    rect = travel_matrix(cambridge_graph, pts[:10], destinations=pts[10:])
    assert rect.shape == (10, 20)
    assert np.array_equal(rect.travel_s, square.travel_s[:10, 10:])
    assert np.array_equal(rect.dist_m, square.dist_m[:10, 10:])


def test_points_on_the_same_one_way_block(tiny_graph: RoadGraph) -> None:
    # two points on the one-way N0→N1 block, 30 % and 70 % along it
    west, east = (52.5003, 29.6000), (52.5007, 29.6000)
    m = travel_matrix(tiny_graph, [west, east])
    assert int(m.dist_m[0, 1]) == pytest.approx(0.4 * 97, abs=2)
    # going back west means leaving by N1, crossing, the south bank and the ford, then 30 % of the block
    assert int(m.dist_m[1, 0]) == pytest.approx(0.3 * 97 + 222 + 97 + 222 + 0.3 * 97, abs=4)


def test_node_matrix_agrees_with_points_at_nodes(tiny_graph: RoadGraph) -> None:
    names = [("N", 0), ("N", 2), ("S", 3)]
    idx = [int(np.argmin(np.hypot(tiny_graph.lon - node(*n)[0], tiny_graph.lat - node(*n)[1])))
           for n in names]
    by_node = node_matrix(tiny_graph, idx)
    by_point = travel_matrix(tiny_graph, [node(*n) for n in names])
    assert np.array_equal(by_node.travel_s, by_point.travel_s)
    assert np.array_equal(by_node.dist_m, by_point.dist_m)
    with pytest.raises(IndexError, match="node positions"):
        node_matrix(tiny_graph, [tiny_graph.n_nodes])


def test_cache_by_content_hash(tiny_graph: RoadGraph) -> None:
    pts = [(52.5012, 29.6001), (52.5025, 29.5979), (52.5001, 29.5990)]
    first = travel_matrix(tiny_graph, pts)
    assert travel_matrix(tiny_graph, np.array(pts)) is first  # same content, same answer object
    assert cache_info()["entries"] >= 1
    snowy = travel_matrix(tiny_graph, pts, Conditions.make(snow_level=3))
    assert snowy is not first and (snowy.travel_s >= first.travel_s).all()
    assert travel_matrix(tiny_graph, pts, Conditions.make(snow_level=3)) is snowy
    assert not first.travel_s.flags.writeable
    clone = pickle.loads(pickle.dumps(first))
    assert np.array_equal(clone.travel_s, first.travel_s)


def test_route_geometry_and_geojson(sample_graph: RoadGraph) -> None:
    pts = _random_points(sample_graph, 2, seed=21)
    a, b = (float(pts[0, 0]), float(pts[0, 1])), (float(pts[1, 0]), float(pts[1, 1]))
    line = route_geometry(sample_graph, a, b)
    assert line.geom_type == "LineString" and len(line.coords) >= 2
    assert shapely.distance(shapely.Point(line.coords[0]), shapely.Point(a)) < 0.003
    assert shapely.distance(shapely.Point(line.coords[-1]), shapely.Point(b)) < 0.003
    minx, miny, maxx, maxy = line.bounds
    assert 52.3 < minx < maxx < 52.7 and 29.5 < miny < maxy < 29.8  # lon/lat, not metres
    length = GEOD.geometry_length(line)
    assert length == pytest.approx(travel_matrix(sample_graph, [a, b]).dist_m[0, 1], rel=0.005, abs=2)
    feature = route_geojson(sample_graph, a, b)
    assert feature["type"] == "Feature" and feature["geometry"]["type"] == "LineString"
    assert feature["properties"]["dist_m"] == travel_matrix(sample_graph, [a, b]).dist_m[0, 1]
    same = route(sample_graph, a, a)
    assert same.travel_s == 0 and same.dist_m == 0


def test_slower_conditions_never_shorten_a_trip(sample_graph: RoadGraph) -> None:
    # every edge is at least as slow under snow, so no cell may come out faster (exact arithmetic)
    pts = _random_points(sample_graph, 60, seed=31)
    free = travel_matrix(sample_graph, pts).travel_s
    for level in (1, 2, 3):
        snowy = travel_matrix(sample_graph, pts, Conditions.make(snow_level=level)).travel_s
        assert (snowy >= free).all()
    half = np.unique(sample_graph.edge_id)[::2].tolist()
    partly = travel_matrix(sample_graph, pts, Conditions.make(snow_level=3, plowed_edge_ids=half)).travel_s
    assert (partly >= free).all() and (partly <= snowy).all()


def test_errors_name_destinations_and_missing_routes(tiny_graph: RoadGraph) -> None:
    good = [(52.5015, 29.60018)]
    with pytest.raises(SnapError, match=r"^destinations: 1 of 2 points are farther than 100 m") as info:
        travel_matrix(tiny_graph, good, destinations=[(52.5015, 29.5979), (52.60, 29.70)], max_snap_m=100)
    assert info.value.indices == (1,)
    cut = Conditions.make(closed_edge_ids=[7, 8, 9])  # both bridges and the ford road
    with pytest.raises(NoRouteError, match=r"no route from .* closed streets cut one off"):
        route(tiny_graph, (52.5015, 29.6001), (52.5015, 29.5979), cut)


def test_empty_point_lists_give_empty_matrices(tiny_graph: RoadGraph) -> None:
    assert travel_matrix(tiny_graph, []).shape == (0, 0)
    assert travel_matrix(tiny_graph, [(52.5015, 29.6001)], destinations=[]).shape == (1, 0)
    assert node_matrix(tiny_graph, []).shape == (0, 0)
    with pytest.raises(ValueError, match=r"points must be \(lon, lat\) pairs"):
        travel_matrix(tiny_graph, [(52.5, 29.6, 0.0)])
