"""Checks shared by the snow service tests: routes follow the road graph's allowed directions."""

from __future__ import annotations

import itertools

from dispatch_api.services.snow import DistrictRouting
from engine.snow import PlowPlan
from geo.graph import RoadGraph


def assert_routes_drive_legally(graph: RoadGraph, routing: DistrictRouting, plan: PlowPlan) -> None:
    """Every plowed run is driven along arcs the graph has, end to end, in the direction taken."""
    for route in plan.routes:
        for step in route.steps:
            run = routing.run_of(step.segment_id)
            start, end = routing.place_node[step.start], routing.place_node[step.end]
            if (start, end) == (run.start, run.end):
                arcs = run.arcs
            else:
                assert run.two_way, f"one-way run {run.id} plowed against its direction"
                assert (start, end) == (run.end, run.start)
                arcs = run.reverse_arcs
            assert int(graph.u[arcs[0]]) == start and int(graph.v[arcs[-1]]) == end
            for a, b in itertools.pairwise(arcs):
                assert int(graph.v[a]) == int(graph.u[b]), f"run {run.id} is not continuous"
            for a in arcs:
                seg = int(graph.segment[a])
                one_way = int(graph.seg_forward_arc[seg]) < 0 or int(graph.seg_backward_arc[seg]) < 0
                assert not (one_way and run.two_way), f"run {run.id} mixes one-way segment {seg}"
