"""Districts: validation, one-at-a-time and bulk location, outside as an explicit answer."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, Polygon, box

from geo.districts import DistrictIndex
from geo.errors import DistrictError
from geo.io import read_districts, read_vector

# Two squares sharing the edge lon=52.51, and a third one east of a 0.002° wide gap.
WEST = box(52.50, 29.60, 52.51, 29.61)
MIDDLE = box(52.51, 29.60, 52.52, 29.61)
EAST = box(52.522, 29.60, 52.53, 29.61)


@pytest.fixture()
def three() -> DistrictIndex:
    return DistrictIndex.from_polygons({1: WEST, 2: MIDDLE, 3: EAST}, crs="EPSG:32639",
                                       tolerance_m=150.0)


def test_point_inside_is_its_district(three: DistrictIndex) -> None:
    hit = three.locate(52.505, 29.605)
    assert hit.status == "inside" and hit.code == 1 and hit.distance_m == 0.0
    assert three.locate(52.525, 29.605).code == 3


def test_point_on_shared_boundary_goes_to_first_district(three: DistrictIndex) -> None:
    hit = three.locate(52.51, 29.605)
    assert hit.inside and hit.code == 1
    # a corner of the city polygon itself is inside too
    assert three.locate(52.50, 29.60).code == 1


def test_point_in_gap_is_near_with_nearest_district_and_distance(three: DistrictIndex) -> None:
    hit = three.locate(52.5205, 29.605)  # 0.0005° ≈ 48 m east of MIDDLE, 145 m west of EAST
    assert hit.status == "near" and hit.code is None
    assert hit.nearest_code == 2
    assert 40 < hit.distance_m < 60


def test_point_far_outside_is_explicitly_outside(three: DistrictIndex) -> None:
    hit = three.locate(52.60, 29.70)
    assert hit.status == "outside" and hit.code is None and hit.nearest_code is None
    assert hit.distance_m == float("inf")
    near_south = three.locate(52.505, 29.5995)  # ≈ 55 m south of WEST
    assert near_south.status == "near" and near_south.nearest_code == 1


def test_gap_is_reported() -> None:
    ring = box(52.50, 29.60, 52.53, 29.63)
    hole = box(52.51, 29.61, 52.52, 29.62)
    left = ring.difference(hole).intersection(box(52.50, 29.60, 52.515, 29.63))
    right = ring.difference(hole).intersection(box(52.515, 29.60, 52.53, 29.63))
    index = DistrictIndex.from_polygons({"a": left, "b": right}, crs="EPSG:32639")
    assert len(index.report.gaps) == 1
    assert index.report.gaps[0].area_m2 == pytest.approx(hole.area / (0.001**2) * 96.8 * 111.0, rel=0.05)
    assert index.locate(52.515, 29.615).status == "outside"  # middle of the gap, ≈ 480 m from both
    assert index.locate(52.5105, 29.615).nearest_code == "a"


def test_overlap_is_reported() -> None:
    index = DistrictIndex.from_polygons({1: box(0.0, 0.0, 0.01, 0.01), 2: box(0.005, 0.0, 0.015, 0.01)})
    assert [(o.a, o.b) for o in index.report.overlaps] == [(1, 2)]
    assert index.report.overlaps[0].area_m2 > 500_000


def test_invalid_ring_is_repaired_or_rejected() -> None:
    bowtie = Polygon([(52.50, 29.60), (52.51, 29.61), (52.51, 29.60), (52.50, 29.61), (52.50, 29.60)])
    assert not bowtie.is_valid
    index = DistrictIndex.from_polygons({7: bowtie}, crs="EPSG:32639")
    assert index.report.repaired and index.report.repaired[0][0] == 7
    assert "Self-intersection" in index.report.messages()[0]
    assert index.locate(52.5015, 29.605).code == 7
    with pytest.raises(DistrictError, match="district 7: polygon is invalid"):
        DistrictIndex.from_polygons({7: bowtie}, crs="EPSG:32639", repair=False)


def test_duplicate_codes_are_rejected() -> None:
    with pytest.raises(DistrictError, match="code 1 is used by more than one polygon"):
        DistrictIndex([1, 1], [WEST, MIDDLE])


def test_locate_many_agrees_with_locate_and_pickles(three: DistrictIndex) -> None:
    rng = np.random.default_rng(4)
    lons = rng.uniform(52.49, 52.54, 500)
    lats = rng.uniform(29.59, 29.62, 500)
    hits = three.locate_many(lons, lats)
    for i in range(0, 500, 25):
        assert hits.hit(i) == three.locate(float(lons[i]), float(lats[i]))
    clone = pickle.loads(pickle.dumps(three))
    again = clone.locate_many(lons, lats)
    assert np.array_equal(again.index, hits.index) and np.array_equal(again.status, hits.status)
    assert sum(hits.counts().values()) == int((hits.index >= 0).sum())


@pytest.fixture(scope="module")
def sample_city_index(sample_city_dir: Path) -> DistrictIndex:
    frame = read_districts(sample_city_dir / "districts.geojson", code_field="code",
                           name_fields={"fa": "name_fa", "en": "name_en"})
    return DistrictIndex.from_frame(frame, crs="EPSG:32639")


def test_sample_city_districts_tile_the_city(sample_city_dir: Path,
                                             sample_city_index: DistrictIndex) -> None:
    index = sample_city_index
    boundary = read_vector(sample_city_dir / "boundary.geojson").geometry.iloc[0]
    within_city = DistrictIndex.from_frame(
        read_districts(sample_city_dir / "districts.geojson", code_field="code"), crs="EPSG:32639",
        boundary=boundary)
    assert within_city.report.clean, within_city.report.messages()
    assert index.codes == tuple(range(1, 12))
    assert index.report.clean, index.report.messages()
    assert all(name for name in index.names("fa"))
    for code in index.codes:
        point = index.polygon(code).representative_point()
        assert index.locate(point.x, point.y).code == code


def _points_inside(index: DistrictIndex, per_district: int, seed: int) -> tuple[np.ndarray, np.ndarray,
                                                                               list[object]]:
    rng = np.random.default_rng(seed)
    lons, lats, codes = [], [], []
    for code in index.codes:
        poly = index.polygon(code)
        minx, miny, maxx, maxy = poly.bounds
        found = 0
        while found < per_district:
            x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if poly.buffer(-1e-5).contains(Polygon.from_bounds(x, y, x, y).centroid):
                lons.append(x)
                lats.append(y)
                codes.append(code)
                found += 1
    return np.array(lons), np.array(lats), codes


def test_tehran_22_districts_locate_points_generated_inside(shared_dir: Path) -> None:
    frame = read_districts(shared_dir / "geodata/tehran/tehran_regions.geojson", code_field="name:en",
                           name_fields={"fa": "name", "en": "name:en"})
    assert frame.attrs["skipped"] == 244  # label points and boundary ways are not districts
    index = DistrictIndex.from_frame(frame)
    assert index.crs == "EPSG:32639"
    assert sorted(index.codes, key=lambda c: int(str(c).split()[-1])) == [
        f"District {i}" for i in range(1, 23)]
    assert not index.report.overlaps
    total_km2 = sum(index.area_m2(c) for c in index.codes) / 1e6
    assert total_km2 == pytest.approx(630.2, abs=1.0)
    lons, lats, codes = _points_inside(index, 5, seed=1)
    hits = index.locate_many(lons, lats)
    assert list(hits.codes_array()) == codes


def test_cambridge_wards_sweeping_districts_neighbourhoods_boundary(shared_dir: Path) -> None:
    folder = shared_dir / "geodata/cambridge_ma"
    wards = DistrictIndex.from_frame(read_districts(folder / "ELECTIONS_WardsPrecincts.geojson",
                                                    code_field="Ward"))
    assert sorted(wards.codes) == list(range(1, 12))  # 33 precincts dissolved into 11 wards
    precincts = read_districts(folder / "ELECTIONS_WardsPrecincts.geojson", code_field="WardPrecinct",
                               dissolve=False)
    assert len(precincts) == 33
    sweeping = read_districts(folder / "DPW_StreetSweepingDistricts.geojson", code_field="District")
    assert len(sweeping) == 10
    assert len(read_districts(folder / "DPW_StreetSweepingDistricts.geojson", code_field="District",
                              dissolve=False)) == 14
    hoods = read_districts(folder / "BOUNDARY_CDDNeighborhoods.geojson", code_field="N_HOOD",
                           name_fields={"en": "NAME"})
    assert len(hoods) == 13
    boundary = read_districts(folder / "BOUNDARY_CityBoundary.geojson", code_field="GlobalID")
    assert len(boundary) == 1
    lons, lats, codes = _points_inside(wards, 4, seed=2)
    assert list(wards.locate_many(lons, lats).codes_array()) == codes
    # against the city boundary, the sweeping districts leave out large areas (Fresh Pond and the
    # like), while the neighbourhoods tile it up to slivers
    outline = boundary.geometry.iloc[0]
    sweep_gaps = DistrictIndex.from_frame(sweeping, boundary=outline).report.gaps
    assert sum(g.area_m2 for g in sweep_gaps) > 1_000_000
    hood_report = DistrictIndex.from_frame(hoods, boundary=outline).report
    assert sum(g.area_m2 for g in hood_report.gaps) < 1_000
    city = DistrictIndex.from_frame(boundary)
    assert (city.locate_many(lons, lats).status == 0).all()
    assert city.locate(-71.0589, 42.3601).status == "outside"  # Boston City Hall


@pytest.mark.parametrize(
    ("name", "counties", "target"),
    [("IR-04", 20, "Urumia County"), ("IR-05", 14, "Kermanshah County"), ("IR-07", 37, "Shiraz County"),
     ("IR-23", 16, "Tehran County"), ("IR-25", 3, "Qom County"), ("IR-26", 6, "Qazvin County")],
)
def test_iran_counties_load(shared_dir: Path, name: str, counties: int, target: str) -> None:
    frame = read_districts(shared_dir / f"geodata/iran_counties/{name}.all.min.geojson", code_field="id",
                           name_fields={"fa": "tags.name", "en": "tags.name:en"})
    assert len(frame) == counties
    assert target in set(frame["name_en"])


def test_shiraz_county_contains_the_sample_city(shared_dir: Path, sample_city_dir: Path) -> None:
    frame = read_districts(shared_dir / "geodata/iran_counties/IR-07.all.min.geojson", code_field="id",
                           name_fields={"en": "tags.name:en"})
    index = DistrictIndex.from_frame(frame)
    hit = index.locate(52.53, 29.62)  # Golshahr's centre, laid out like Shiraz
    assert hit.inside
    assert "Shiraz" in str(index.names("en")[index.codes.index(hit.code)])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(52.43, 52.62), st.floats(29.56, 29.69)), min_size=1, max_size=60))
def test_locate_many_matches_brute_force_covers(sample_city_index: DistrictIndex,
                                                points: list[tuple[float, float]]) -> None:
    lons = np.array([p[0] for p in points])
    lats = np.array([p[1] for p in points])
    hits = sample_city_index.locate_many(lons, lats)
    for i, (lon, lat) in enumerate(points):
        covering = [c for c in sample_city_index.codes
                    if sample_city_index.polygon(c).covers(Point(lon, lat))]
        assert hits.code_at(i) == (covering[0] if covering else None)
        if not covering:
            assert hits.hit(i).status in ("near", "outside")


def test_invalid_coordinates_are_outside(three: DistrictIndex) -> None:
    hits = three.locate_many([np.nan, 52.505], [29.605, np.inf])
    assert list(hits.status) == [2, 2]
