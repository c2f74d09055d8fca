"""Conditions: snow slows residential streets far more than arterials, plowing restores, closures cut."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from geo.conditions import SNOW_FACTORS, Conditions, edge_factors, edge_travel_s
from geo.graph import RoadGraph
from geo.io import read_vector
from geo.match import edges_along
from geo.matrix import UNREACHABLE, node_matrix, route, travel_matrix
from geo.speeds import class_code

from .conftest import node


def _node(graph: RoadGraph, lonlat: tuple[float, float]) -> int:
    return int(np.argmin(np.hypot(graph.lon - lonlat[0], graph.lat - lonlat[1])))


def test_free_flow_is_length_over_speed(tiny_graph: RoadGraph) -> None:
    seconds = edge_travel_s(tiny_graph)
    assert np.allclose(seconds, tiny_graph.length_m / (tiny_graph.speed_kph / 3.6))


def test_snow_slows_residential_more_than_arterial_and_plowing_restores(sample_graph: RoadGraph) -> None:
    free = edge_travel_s(sample_graph)
    res = np.flatnonzero(sample_graph.road_class == class_code("residential"))[0]
    art = np.flatnonzero(sample_graph.road_class == class_code("arterial"))[0]
    for level in (1, 2, 3):
        snowy = edge_travel_s(sample_graph, Conditions.make(snow_level=level))
        slow_res, slow_art = snowy[res] / free[res], snowy[art] / free[art]
        assert slow_res > slow_art > 1.0
    heavy = Conditions.make(snow_level=3)
    plowed = Conditions.make(snow_level=3, plowed_edge_ids=[int(sample_graph.edge_id[res])])
    assert edge_travel_s(sample_graph, plowed)[res] == pytest.approx(free[res])
    assert edge_travel_s(sample_graph, plowed)[art] == pytest.approx(edge_travel_s(sample_graph, heavy)[art])


def test_snow_and_plowing_on_a_whole_trip(sample_graph: RoadGraph) -> None:
    rng = np.random.default_rng(7)
    nodes = rng.choice(sample_graph.n_nodes, 30, replace=False)
    free = node_matrix(sample_graph, nodes).travel_s.astype(np.int64)
    snowy = node_matrix(sample_graph, nodes, conditions=Conditions.make(snow_level=2)).travel_s
    off_diag = ~np.eye(30, dtype=bool)
    ratio = snowy[off_diag] / free[off_diag]
    assert ratio.min() >= 1.29 and ratio.max() <= 2.61
    everything = Conditions.make(snow_level=2, plowed_edge_ids=np.unique(sample_graph.edge_id).tolist())
    plowed = node_matrix(sample_graph, nodes, conditions=everything).travel_s
    assert np.array_equal(plowed, free)


def test_factor_overrides_per_class_and_street(tiny_graph: RoadGraph) -> None:
    cond = Conditions.make(snow_level=1, class_factors={"arterial": 3.0}, street_factors={70: 5.0})
    factors = edge_factors(tiny_graph, cond)
    street_70 = tiny_graph.street_id == 70
    assert np.allclose(factors[street_70], 5.0)
    other_art = (tiny_graph.road_class == class_code("arterial")) & ~street_70
    assert np.allclose(factors[other_art], 3.0)
    res = tiny_graph.road_class == class_code("residential")
    assert np.allclose(factors[res], SNOW_FACTORS[1][class_code("residential")])
    with pytest.raises(ValueError, match="snow_level must be 0–3"):
        Conditions.make(snow_level=4)
    assert cond.key() == Conditions.make(snow_level=1, street_factors={70: 5.0},
                                         class_factors={"arterial": 3.0}).key()


def test_bridge_closure_lengthens_the_river_crossing(tiny_graph: RoadGraph) -> None:
    north, south = _node(tiny_graph, node("N", 1)), _node(tiny_graph, node("S", 1))
    open_m = node_matrix(tiny_graph, [north], [south])
    closed = Conditions.make(closed_edge_ids=[7])  # the bridge N1–S1
    detour = node_matrix(tiny_graph, [north], [south], conditions=closed)
    assert int(open_m.dist_m[0, 0]) == pytest.approx(222, abs=2)
    # round by the other bridge: 2 blocks east, across, 2 blocks back west
    assert int(detour.dist_m[0, 0]) == pytest.approx(4 * 97 + 222, abs=4)
    both = Conditions.make(closed_edge_ids=[7, 8])
    # the ford road N0–S0 is still open, but N1→N0 is against the one-way: no way south;
    # northwards S1→S0→N0→N1 still works
    cut = node_matrix(tiny_graph, [north, south], conditions=both)
    assert cut.dist_m[0, 1] == UNREACHABLE
    assert int(cut.dist_m[1, 0]) == pytest.approx(97 + 222 + 97, abs=3)
    found = route(tiny_graph, (52.5010, 29.5995), (52.5010, 29.5985), closed)
    assert 8 in found.edge_ids and 7 not in found.edge_ids


def test_bridge_closure_lengthens_crossings_in_the_sample_city(sample_graph: RoadGraph) -> None:
    bridges = np.flatnonzero(sample_graph.bridge & sample_graph.forward)
    assert bridges.size >= 2
    for arc in bridges:
        a, b = int(sample_graph.u[arc]), int(sample_graph.v[arc])
        edge = int(sample_graph.edge_id[arc])
        before = node_matrix(sample_graph, [a], [b])
        after = node_matrix(sample_graph, [a], [b], conditions=Conditions.make(closed_edge_ids=[edge]))
        assert before.dist_m[0, 0] == pytest.approx(sample_graph.length_m[arc], abs=1)
        assert before.dist_m[0, 0] < after.dist_m[0, 0] < UNREACHABLE
        assert after.travel_s[0, 0] > before.travel_s[0, 0]


def test_closing_every_way_out_makes_a_point_unreachable(tiny_graph: RoadGraph) -> None:
    pts = [(52.5015, 29.6001), (52.5015, 29.5979)]  # north bank, south bank
    cut = Conditions.make(closed_edge_ids=[7, 8, 9])
    m = travel_matrix(tiny_graph, pts, cut)
    assert m.travel_s[0, 1] == UNREACHABLE and m.dist_m[1, 0] == UNREACHABLE
    assert m.travel_s[0, 0] == 0


def test_plowing_cambridge_snow_routes_speeds_trips_along_them(shared_dir: Path,
                                                               cambridge_graph: RoadGraph) -> None:
    routes = read_vector(shared_dir / "geodata/cambridge_ma/DPW_SnowEmergencyTowRoutes.geojson")
    primary = routes[routes["type"] == "primary"]
    edges = edges_along(cambridge_graph, list(primary.geometry))
    matched_km = cambridge_graph.seg_length_m[np.isin(cambridge_graph.seg_edge_id, edges)].sum() / 1000
    drawn_km = primary.to_crs(cambridge_graph.crs).length.sum() / 1000
    assert matched_km == pytest.approx(drawn_km, rel=0.1)
    # a trip from one end of the longest primary route to the other
    longest = primary.geometry.iloc[int(np.argmax(primary.to_crs(cambridge_graph.crs).length))]
    ends = [longest.coords[0][:2], longest.coords[-1][:2]]
    snowy = Conditions.make(snow_level=3)
    plowed = Conditions.make(snow_level=3, plowed_edge_ids=edges.tolist())
    free = travel_matrix(cambridge_graph, ends).travel_s
    before = travel_matrix(cambridge_graph, ends, snowy).travel_s
    after = travel_matrix(cambridge_graph, ends, plowed).travel_s
    assert (after[~np.eye(2, dtype=bool)] < before[~np.eye(2, dtype=bool)]).all()
    assert (after >= free).all()
    # plowing every route of the city restores no more than the streets along them
    assert len(edges) < len(np.unique(cambridge_graph.seg_edge_id)) / 5
