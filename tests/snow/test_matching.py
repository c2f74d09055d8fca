"""Matching snow-route lines onto road-graph segments by geometry."""

from __future__ import annotations

import itertools

from shapely.geometry import LineString

from dispatch_api.services.snow import match_route_lines
from geo.graph import build_graph
from geo.network import LineRecord, network_from_lines

# a small cross of streets near Golshahr: an east-west avenue of three blocks and a north-south
# street crossing it in the middle block (≈ 100 m per 0.001° of longitude at 29.6° N)
LAT = 29.62
AVENUE = [(52.500, LAT), (52.501, LAT), (52.502, LAT), (52.503, LAT)]
CROSS = [(52.5015, LAT - 0.001), (52.5015, LAT), (52.5015, LAT + 0.001)]


def _graph():  # type: ignore[no-untyped-def]
    lines = [
        LineRecord(row=i, coords=(a, b), road_class=0, oneway=0, street_id=1)
        for i, (a, b) in enumerate(itertools.pairwise(AVENUE))
    ]
    lines += [
        LineRecord(row=10 + i, coords=(a, b), road_class=2, oneway=0, street_id=2)
        for i, (a, b) in enumerate(itertools.pairwise(CROSS))
    ]
    # the crossing street must meet the avenue at a node: split the middle block there
    middle = lines[1]
    split = (52.5015, LAT)
    lines[1] = LineRecord(row=1, coords=(middle.coords[0], split), road_class=0, oneway=0, street_id=1)
    lines.append(LineRecord(row=5, coords=(split, middle.coords[1]), road_class=0, oneway=0, street_id=1))
    graph, _ = build_graph(network_from_lines("test", lines))
    return graph


def test_route_along_the_avenue_matches_its_blocks_not_the_crossing_street() -> None:
    graph = _graph()
    # the route is drawn 4 m north of the centreline and stops short of the last block
    offset = 0.000036
    route = LineString([(52.5001, LAT + offset), (52.5021, LAT + offset)])
    network = match_route_lines(graph, [route], [1], labels=["avenue"])
    matched = {int(graph.seg_edge_id[s.segment]) for s in network.segments}
    assert matched == {0, 1, 5}  # the first two blocks (the middle one in two pieces)
    assert all(s.tier == 1 and s.two_way for s in network.segments)
    assert network.unmatched == ()


def test_lower_tier_wins_and_far_lines_are_reported() -> None:
    graph = _graph()
    avenue = LineString(AVENUE)
    far = LineString([(52.600, LAT + 0.05), (52.601, LAT + 0.05)])
    network = match_route_lines(graph, [avenue, avenue, far], [3, 2, 1], labels=["a3", "a2", "far"])
    assert {s.tier for s in network.segments} == {2}
    assert len(network.segments) == 4
    assert network.unmatched == ("far: no street within 12 m",)
