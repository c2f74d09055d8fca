"""The sample city's data through geo: tickets, depots and equipment in districts; snow routes on the
graph; a dispatch-sized matrix; plowing tier-1 routes in a storm."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from geo.conditions import Conditions
from geo.districts import DistrictIndex
from geo.graph import RoadGraph
from geo.io import read_districts, read_vector
from geo.matrix import UNREACHABLE, travel_matrix


@pytest.fixture(scope="module")
def districts(sample_city_dir: Path) -> DistrictIndex:
    frame = read_districts(sample_city_dir / "districts.geojson", code_field="code",
                           name_fields={"fa": "name_fa", "en": "name_en"})
    return DistrictIndex.from_frame(frame, crs="EPSG:32639")


def _load(sample_city_dir: Path, name: str) -> Any:
    return json.loads((sample_city_dir / name).read_text(encoding="utf-8"))


def test_tickets_depots_and_equipment_fall_in_their_districts(sample_city_dir: Path,
                                                             districts: DistrictIndex) -> None:
    tickets = _load(sample_city_dir, "tickets_day.json")
    hits = districts.locate_many([t["lon"] for t in tickets], [t["lat"] for t in tickets])
    assert (hits.status == 0).all()
    assert len(hits.counts()) >= 8  # an ordinary day touches most districts
    depots = _load(sample_city_dir, "depots.json")
    hits = districts.locate_many([d["lon"] for d in depots], [d["lat"] for d in depots])
    assert [hits.code_at(i) for i in range(len(depots))] == [d["district"] for d in depots]
    positions = _load(sample_city_dir, "snowstorm.json")["equipment_positions"]
    hits = districts.locate_many([p["lon"] for p in positions], [p["lat"] for p in positions])
    assert [hits.code_at(i) for i in range(len(positions))] == [p["district"] for p in positions]


def test_dispatch_matrix_for_a_day_of_tickets_and_depots(sample_city_dir: Path,
                                                        sample_graph: RoadGraph) -> None:
    tickets = _load(sample_city_dir, "tickets_day.json")
    depots = _load(sample_city_dir, "depots.json")
    points = [(d["lon"], d["lat"]) for d in depots] + [(t["lon"], t["lat"]) for t in tickets]
    m = travel_matrix(sample_graph, points, max_snap_m=150)
    assert m.shape == (len(points), len(points))
    assert (np.diag(m.travel_s) == 0).all() and (m.travel_s < UNREACHABLE).all()
    assert m.origins is not None and float(m.origins.distance_m.max()) <= 150
    # across the city in under an hour at free flow
    assert int(m.travel_s.max()) < 3600


def test_snow_routes_lie_on_the_graph_and_plowing_tier_one_restores_arterials(
        sample_city_dir: Path, sample_graph: RoadGraph, districts: DistrictIndex) -> None:
    routes = read_vector(sample_city_dir / "snow_routes.geojson")
    assert set(routes["tier"]) == {1, 2, 3}
    assert np.isin(routes["edge_id"].to_numpy(), sample_graph.edge_id).all()
    mids = routes.geometry.to_crs(32639).interpolate(0.5, normalized=True).to_crs(4326)
    hits = districts.locate_many(mids.x.to_numpy(), mids.y.to_numpy())
    assert (hits.codes_array() == routes["district"].to_numpy()).mean() > 0.95
    tier1 = routes.loc[routes["tier"] == 1, "edge_id"].astype(int).tolist()
    rng = np.random.default_rng(17)
    tier1_routes = routes[routes["tier"] == 1]
    picked = tier1_routes.iloc[rng.choice(len(tier1_routes), 20, replace=False)]
    middles = picked.geometry.to_crs(32639).interpolate(0.5, normalized=True).to_crs(4326)
    points = [(float(p.x), float(p.y)) for p in middles]
    free = travel_matrix(sample_graph, points).travel_s.astype(np.int64)
    storm = travel_matrix(sample_graph, points, Conditions.make(snow_level=3)).travel_s
    plowed = travel_matrix(sample_graph, points,
                           Conditions.make(snow_level=3, plowed_edge_ids=tier1)).travel_s
    off = ~np.eye(20, dtype=bool)
    assert (storm[off] > plowed[off]).all()
    assert (plowed[off] >= free[off]).all()
    # tier-1 routes connect these points, so plowing them gets most of the way back to free flow
    assert np.median(plowed[off] / free[off]) < np.median(storm[off] / free[off])
