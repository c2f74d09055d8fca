"""The sample city's snowstorm: snow routes, reallocation and a district's plow routes."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from dispatch_api.services.snow import (
    SnowDataError,
    city_snow_routes,
    district_depots,
    district_routing,
    load_city_graph,
    plan_district_plows,
    plan_reallocation,
    plows_after,
    read_depots,
    read_storm,
    read_storm_fleet,
    storm_needs,
)
from engine.snow import tier_order_ok
from tests.snow.checks import assert_routes_drive_legally


@pytest.fixture(scope="module")
def city(sample_city_dir: Path):  # type: ignore[no-untyped-def]
    if not (sample_city_dir / "snowstorm.json").is_file():
        pytest.skip("the sample city has not been generated")
    graph = load_city_graph(sample_city_dir)
    network = city_snow_routes(graph, sample_city_dir / "snow_routes.geojson")
    storm = read_storm(sample_city_dir)
    depots = read_depots(sample_city_dir)
    units = read_storm_fleet(sample_city_dir, depots)
    return graph, network, storm, depots, units


def test_snow_routes_and_storm_load(city) -> None:  # type: ignore[no-untyped-def]
    _graph, network, storm, depots, units = city
    assert network.segments and not network.unmatched
    assert {s.tier for s in network.segments} == {1, 2, 3}
    assert set(network.districts()) == {d.district for d in depots}
    assert storm.districts and storm.duration_s > 0
    assert Counter(u.type for u in units).keys() <= {"plow", "salt_spreader"}
    needs = {n.district: n for n in storm_needs(network, storm, network.districts(), units=units)}
    for d, need in needs.items():
        # only declared districts have work; deeper snow means more plow passes than spreading
        assert bool(need.work_m) == (d in storm.districts)
        if need.work_m and storm.snowfall_cm[d] > 10:
            assert need.work_m["plow"][0] > need.work_m["salt_spreader"][0]


def test_reallocation_moves_units_into_the_storm_and_keeps_minimums(city) -> None:  # type: ignore[no-untyped-def]
    graph, network, storm, depots, units = city
    plan = plan_reallocation(graph, network, storm, units, depots, time_limit_s=5)
    for m in plan.moves:
        assert m.to_district in storm.districts
        assert m.eta_s > 0
    for d in {u.district for u in units}:
        for kind in ("plow", "salt_spreader"):
            if any(u.district == d and u.type == kind for u in units):
                assert any(plan.assignment[u.id] == d and u.type == kind for u in units), (d, kind)
    after = plan.worst_s(1)
    assert after is not None  # every declared district gets plows and spreaders
    before = plan.worst_s(1, after=False)
    assert before is None or after <= before
    for d in storm.districts:
        assert plows_after(plan, units, depots, d, kinds=("plow",))


def test_district_plow_routes_cover_tier_one_first(city) -> None:  # type: ignore[no-untyped-def]
    graph, network, storm, depots, _units = city
    district = storm.districts[0]
    yard = district_depots(depots)[district]
    plows = [("plow-a", yard.lon, yard.lat), ("plow-b", yard.lon, yard.lat)]
    routing = district_routing(
        graph, network, district, plows, level=storm.level, tiers=(1, 3), time_limit_s=2
    )
    required = {s.edge_id for s in network.segments if s.district == district and s.tier in (1, 3)}
    assert {int(graph.edge_id[a]) for r in routing.runs for a in r.arcs} == required
    result = plan_district_plows(
        graph, network, district, plows, level=storm.level, storm_s=storm.duration_s, time_limit_s=2
    )
    for plan in (result.plan, result.baseline):
        assert plan.unserved == ()
        assert all(tier_order_ok(r, strict=True) for r in plan.routes)
        assert_routes_drive_legally(graph, result.routing, plan)
    assert result.schedule.passes
    assert {t.tier for t in result.schedule.tiers} == {1, 2, 3}


def test_plowed_streets_drop_out_of_the_routes(city) -> None:  # type: ignore[no-untyped-def]
    graph, network, storm, depots, _ = city
    district = storm.districts[0]
    yard = district_depots(depots)[district]
    tier1 = [s.edge_id for s in network.segments if s.district == district and s.tier == 1]
    plowed = network.with_plowed(tier1)
    routing = district_routing(
        graph, plowed, district, [("p", yard.lon, yard.lat)], level=storm.level, tiers=(1,)
    )
    assert routing.runs == ()
    assert plowed.conditions(storm.level).plowed_edge_ids == frozenset(tier1)


def test_bad_storm_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "snowstorm.json").write_text('{"level": 2, "start": "2026-01-26T00:00:00Z"}')
    with pytest.raises(SnowDataError, match=r"snowstorm.json: field 'expected_end' is missing"):
        read_storm(tmp_path)


@pytest.mark.slow
def test_plan_storm_end_to_end(sample_city_dir: Path) -> None:
    from dispatch_api.services.snow import plan_storm

    if not (sample_city_dir / "snowstorm.json").is_file():
        pytest.skip("the sample city has not been generated")
    storm_plan = plan_storm(sample_city_dir, realloc_time_s=3, route_time_s=1, districts=[3])
    assert [p.district for p in storm_plan.districts] == [3]
    result = storm_plan.districts[0]
    assert result.plan.unserved == ()
    moved_in = {m.unit_id for m in storm_plan.reallocation.moves if m.to_district == 3}
    assert {r.plow_id for r in result.plan.routes} <= moved_in | {
        uid for uid, d in storm_plan.reallocation.assignment.items() if d == 3
    }
    # deep snow in district 3: each two-way run is plowed once per side
    assert storm_plan.storm.snowfall_cm[3] > 10
    sides = [s.segment_id for r in result.plan.routes for s in r.steps if "/" in s.segment_id]
    assert sides and len(sides) % 2 == 0
