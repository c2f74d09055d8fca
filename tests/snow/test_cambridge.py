"""Cambridge MA's real snow emergency routes, matched onto its street centrelines and plowed."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from dispatch_api.services.snow import cambridge_snow_network, district_routing
from engine.snow import nearest_neighbour, plan_plow_routes, tier_order_ok
from tests.snow.checks import assert_routes_drive_legally

DPW_YARD = (-71.0946, 42.3699)  # Cambridge DPW, Hampshire Street


@pytest.fixture(scope="module")
def cambridge(shared_dir: Path):  # type: ignore[no-untyped-def]
    return cambridge_snow_network(shared_dir / "geodata" / "cambridge_ma")


def test_snow_routes_load_and_match_the_centreline_graph(cambridge) -> None:  # type: ignore[no-untyped-def]
    graph, network = cambridge
    # 97 route lines; a handful may run along streets the centreline layer does not have
    assert len(network.unmatched) <= 5, network.unmatched
    tiers = Counter(s.tier for s in network.segments)
    assert set(tiers) == {1, 2, 3}
    assert tiers[1] > 100  # Massachusetts Ave, Broadway, Cambridge St… are long primary routes
    assert len({s.edge_id for s in network.segments}) == len(network.segments)
    km = sum(s.length_m for s in network.segments) / 1000
    assert 30 < km < 90  # a share of the city's 250 km of streets
    # the primary routes (Massachusetts Ave, Broadway, Cambridge St, …) are the longest tier
    length = network.tier_length_m(1)
    assert length[1] > max(length[2], length[3])
    assert all(0 <= s.segment < graph.n_segments for s in network.segments)


@pytest.mark.slow
def test_cambridge_gets_plow_routes_tier_one_first(cambridge) -> None:  # type: ignore[no-untyped-def]
    graph, network = cambridge
    plows = [(f"plow-{i}", *DPW_YARD) for i in range(3)]
    routing = district_routing(graph, network, 1, plows, level=3, time_limit_s=3)
    plan = plan_plow_routes(routing.problem)
    baseline = nearest_neighbour(routing.problem)
    for p in (plan, baseline):
        assert p.unserved == ()
        assert all(tier_order_ok(r, strict=True) for r in p.routes)
        assert_routes_drive_legally(graph, routing, p)
        assert p.makespan_s >= p.lower_bound_s
        assert p.length_m is not None and p.length_m >= p.service_length_m
    # every matched edge is plowed by some run
    plowed = {int(graph.edge_id[a]) for r in routing.runs for a in r.arcs}
    assert plowed == {s.edge_id for s in network.segments}
    # the optimised routes cost no more than the nearest-neighbour routes they start from
    cost = lambda p: p.total_s + 10 * p.makespan_s  # noqa: E731
    assert cost(plan) <= cost(baseline)
