"""Road graph: the three sources, speeds, one-way streets, strongly connected component, snapping."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from geo.errors import SnapError
from geo.graph import RoadGraph, build_graph
from geo.io import CAMBRIDGE_CENTERLINES, read_centerlines_geojson, read_city_streets, read_osm_xml
from geo.matrix import node_matrix, travel_matrix
from geo.network import LineRecord
from geo.snap import snap
from geo.speeds import DEFAULT_SPEEDS_KPH, SpeedProfile, class_code

from .conftest import node, tiny_network


def _node(graph: RoadGraph, lonlat: tuple[float, float]) -> int:
    d = np.hypot(graph.lon - lonlat[0], graph.lat - lonlat[1])
    return int(np.argmin(d))


def test_tiny_graph_shape_and_csr(tiny_graph: RoadGraph) -> None:
    # 8 two-way segments + 1 one-way segment
    assert tiny_graph.n_nodes == 8 and tiny_graph.n_segments == 9 and tiny_graph.n_edges == 17
    assert tiny_graph.indptr[-1] == tiny_graph.n_edges
    for n in range(tiny_graph.n_nodes):
        out = slice(tiny_graph.indptr[n], tiny_graph.indptr[n + 1])
        assert (tiny_graph.u[out] == n).all()
    assert int(tiny_graph.bridge.sum()) == 4  # two bridges, both directions
    # ≈ 97 m between neighbouring nodes on a bank
    first = tiny_graph.length_m[tiny_graph.edge_id == 2][0]
    assert first == pytest.approx(96.8, abs=0.5)


def test_one_way_makes_a_to_b_differ_from_b_to_a(tiny_graph: RoadGraph) -> None:
    n0, n1 = _node(tiny_graph, node("N", 0)), _node(tiny_graph, node("N", 1))
    m = node_matrix(tiny_graph, [n0, n1])
    ahead, back = int(m.dist_m[0, 1]), int(m.dist_m[1, 0])
    assert ahead == pytest.approx(97, abs=1)
    # N1→N0 must cross the bridge, go west along the south bank and take the ford road back
    assert back == pytest.approx(222 + 97 + 222, abs=3)
    assert m.travel_s[1, 0] > m.travel_s[0, 1]


def test_only_largest_strongly_connected_component_is_kept() -> None:
    res = class_code("residential")
    dead_end = [
        # a one-way spur leaving the town: reachable, but nothing comes back
        LineRecord(row=20, coords=(node("N", 3), (52.505, 29.600)), road_class=res, oneway=1),
        LineRecord(row=21, coords=((52.505, 29.600), (52.506, 29.600)), road_class=res, oneway=0),
    ]
    graph, report = build_graph(tiny_network(extra=dead_end), crs="EPSG:32639")
    assert report.nodes_read == 10 and report.nodes == 8
    assert report.components == 2  # the town, and the two-way street at the end of the spur
    assert report.dropped_nodes == 2 and report.dropped_segments == 2
    assert set(report.dropped_edge_ids) == {20, 21}
    assert 20 not in set(graph.edge_id.tolist())
    assert "dropped 2 nodes and 2 segments" in report.summary()


def test_speed_per_class_with_overrides() -> None:
    net = tiny_network()
    graph, report = build_graph(net, crs="EPSG:32639")
    arterial = graph.road_class == class_code("arterial")
    assert np.allclose(graph.speed_kph[arterial], DEFAULT_SPEEDS_KPH["arterial"])
    assert np.allclose(graph.speed_kph[~arterial], DEFAULT_SPEEDS_KPH["residential"])
    slow, _ = build_graph(net, speeds={"residential": 10.0}, crs="EPSG:32639")
    assert np.allclose(slow.speed_kph[~arterial], 10.0)
    assert np.allclose(slow.free_flow_s()[~arterial], graph.free_flow_s()[~arterial] * 2.5)
    with pytest.raises(ValueError, match="unknown road class 'highway'"):
        SpeedProfile({"highway": 80.0})
    assert report.speeds_kph["collector"] == DEFAULT_SPEEDS_KPH["collector"]


def test_segment_speed_overrides_class(tmp_path: Path) -> None:
    res = class_code("residential")
    fast = LineRecord(row=30, coords=(node("S", 3), (52.5035, 29.5975)), road_class=res, oneway=0,
                      speed_kph=60.0)
    graph, _ = build_graph(tiny_network(extra=[fast]), crs="EPSG:32639")
    assert np.allclose(graph.speed_kph[graph.edge_id == 30], 60.0)


def test_graph_pickles_and_keeps_its_fingerprint(tiny_graph: RoadGraph) -> None:
    clone = pickle.loads(pickle.dumps(tiny_graph))
    assert clone.fingerprint == tiny_graph.fingerprint
    assert np.array_equal(clone.u, tiny_graph.u)
    again, _ = build_graph(tiny_network(), crs="EPSG:32639")
    assert again.fingerprint == tiny_graph.fingerprint
    slower, _ = build_graph(tiny_network(), speeds={"arterial": 20.0}, crs="EPSG:32639")
    assert slower.fingerprint != tiny_graph.fingerprint


def test_snap_within_maximum_and_clear_error_beyond(tiny_graph: RoadGraph) -> None:
    # 20 m north of the middle of N1–N2
    snapped = snap(tiny_graph, [52.5015], [29.60018], max_distance_m=50)
    assert int(snapped.edge_id[0]) == 2
    assert snapped.fraction[0] == pytest.approx(0.5, abs=0.01)
    assert snapped.distance_m[0] == pytest.approx(20, abs=1)
    with pytest.raises(SnapError, match=r"1 of 2 points are farther than 50 m .*#1 .* is 1[0-9]{2} m away"):
        snap(tiny_graph, [52.5015, 52.5015], [29.60018, 29.6015], max_distance_m=50)
    with pytest.raises(SnapError) as info:
        travel_matrix(tiny_graph, [(52.5015, 29.60018), (52.60, 29.70)], max_snap_m=100)
    assert info.value.indices == (1,)


def test_sample_city_graph(sample_city_dir: Path, sample_graph: RoadGraph) -> None:
    tables = read_city_streets(sample_city_dir)
    _, report = build_graph(tables, crs="EPSG:32639")
    edges_csv = sum(1 for _ in (sample_city_dir / "street_edges.csv").open(encoding="utf-8")) - 1
    nodes_csv = sum(1 for _ in (sample_city_dir / "street_nodes.csv").open(encoding="utf-8")) - 1
    assert report.segments_read == edges_csv and report.nodes_read == nodes_csv
    assert report.kept_share > 0.99
    assert int(sample_graph.bridge.sum()) > 0
    oneway = ~np.isin(sample_graph.seg_forward_arc, -1) & (sample_graph.seg_backward_arc == -1)
    assert oneway.any()  # the city has one-way streets
    assert set(np.unique(sample_graph.road_class).tolist()) == {0, 1, 2}
    names = tables.street_names()
    assert all(names[int(s)][0] for s in sample_graph.street_id[:50])


def test_cambridge_centerlines_graph(shared_dir: Path) -> None:
    net = read_centerlines_geojson(shared_dir / "geodata/cambridge_ma/TRANS_Centerlines.geojson",
                                   **CAMBRIDGE_CENTERLINES)
    graph, report = build_graph(net)
    # SOURCE.md: 1,872 nodes; largest SCC 1,850 nodes; 17 SCCs; 1 segment without node ids
    assert report.nodes_read == 1872 and report.nodes == 1850 and report.components == 17
    # 2,643 features: one has no node ids, seven name nodes that lie elsewhere and are left out
    assert report.segments_read == 2635
    assert sum("left out" in note for note in report.reader_notes) == 8
    assert "feature #2474: no FromNode/ToNode; left out" in report.reader_notes
    # some recent segments name a node id that sits kilometres away: joined to the node at their end
    assert any("feature #2596: its end lies 3,915 m from node 1226" in n for n in report.reader_notes)
    # SOURCE.md counts 4,333 directed node pairs; parallel segments add arcs, left-out ones remove
    assert report.edges_read == 4334
    pairs = np.unique(np.stack((graph.u, graph.v)), axis=1).shape[1]
    assert pairs < graph.n_edges
    assert report.crs == "EPSG:32619"
    assert report.length_km == pytest.approx(248.1, abs=1.0)


def test_cambridge_one_way_street(cambridge_graph: RoadGraph) -> None:
    g = cambridge_graph
    one_way = np.flatnonzero((g.seg_forward_arc >= 0) != (g.seg_backward_arc >= 0))
    assert one_way.size > 400
    seg = int(one_way[0])
    arc = int(max(cambridge_graph.seg_forward_arc[seg], cambridge_graph.seg_backward_arc[seg]))
    a, b = int(cambridge_graph.u[arc]), int(cambridge_graph.v[arc])
    m = node_matrix(cambridge_graph, [a, b])
    assert m.dist_m[0, 1] == round(cambridge_graph.length_m[arc])
    assert m.dist_m[1, 0] > m.dist_m[0, 1]


@pytest.mark.slow
def test_andorra_osm_graph(shared_dir: Path) -> None:
    net = read_osm_xml(shared_dir / "geodata/andorra/andorra.osm.gz")
    graph, report = build_graph(net)
    # SOURCE.md: drivable subgraph 1,508 nodes, 3,133 directed edges; largest SCC 1,489; 17 SCCs
    assert report.nodes_read == 1508 and report.edges_read == 3133
    assert report.nodes == 1489 and report.components == 17
    assert report.crs == "EPSG:32631"
    assert graph.lon.min() == pytest.approx(1.41935, abs=1e-5)
    assert graph.lon.max() == pytest.approx(1.73383, abs=1e-5)
    assert graph.lat.min() == pytest.approx(42.43566, abs=1e-5)
    assert graph.lat.max() == pytest.approx(42.63282, abs=1e-5)
    assert (graph.speed_kph >= 20).all() and (graph.speed_kph == 90).any()  # maxspeed tags used
    assert graph.bridge.any()
