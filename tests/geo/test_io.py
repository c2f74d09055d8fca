"""Readers: malformed files give a message naming the file and the feature; real datasets load."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from geo.districts import DistrictIndex
from geo.errors import GeoDataError
from geo.io import (
    CAMBRIDGE_CENTERLINES,
    read_centerlines_geojson,
    read_city_streets,
    read_districts,
    read_osm_boundaries,
    read_osm_xml,
    read_points_csv,
    read_vector,
)


def _fc(*features: dict[str, object]) -> dict[str, object]:
    return {"type": "FeatureCollection", "features": list(features)}


def _square(code: int) -> dict[str, object]:
    x = 52.50 + 0.01 * code
    ring = [[x, 29.60], [x + 0.01, 29.60], [x + 0.01, 29.61], [x, 29.61], [x, 29.60]]
    return {"type": "Feature", "properties": {"code": code, "name_en": f"D{code}"},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def _write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_broken_json_names_file_and_position(tmp_path: Path) -> None:
    path = tmp_path / "districts.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    with pytest.raises(GeoDataError, match=r"districts\.geojson: is not valid JSON: .* line 1"):
        read_vector(path)


def test_feature_without_geometry_is_named(tmp_path: Path) -> None:
    bad = _square(2)
    bad["geometry"] = None
    path = _write(tmp_path / "d.geojson", _fc(_square(1), bad))
    with pytest.raises(GeoDataError) as info:
        read_districts(path, code_field="code")
    assert str(info.value).startswith(f"{path}: feature #1 (code=2): has no geometry")
    assert info.value.feature == "feature #1 (code=2)"


def test_unclosed_ring_and_bad_position_are_named(tmp_path: Path) -> None:
    open_ring = _square(3)
    open_ring["geometry"]["coordinates"][0].pop()  # type: ignore[index]
    path = _write(tmp_path / "open.geojson", _fc(_square(1), open_ring))
    with pytest.raises(GeoDataError, match=r"feature #1 \(code=3\): Polygon geometry: a polygon ring is not"):
        read_vector(path)
    swapped = _square(4)
    swapped["geometry"]["coordinates"][0][1] = [52.5, 129.6]  # type: ignore[index]
    path = _write(tmp_path / "swapped.geojson", _fc(swapped))
    with pytest.raises(GeoDataError, match=r"feature #0 \(code=4\).*outside lon/lat range"):
        read_vector(path)
    text = _square(5)
    text["geometry"]["coordinates"][0][2] = ["52.5", "29.6"]  # type: ignore[index]
    path = _write(tmp_path / "text.geojson", _fc(text))
    with pytest.raises(GeoDataError, match=r"feature #0 \(code=5\).*not a \[lon, lat\] pair"):
        read_vector(path)


def test_missing_code_field_and_empty_code(tmp_path: Path) -> None:
    path = _write(tmp_path / "d.geojson", _fc(_square(1), _square(2)))
    with pytest.raises(GeoDataError, match=r"has no field 'district'; fields are: code, name_en"):
        read_districts(path, code_field="district")
    blank = _square(3)
    blank["properties"] = {"code": None}
    path = _write(tmp_path / "blank.geojson", _fc(_square(1), blank))
    with pytest.raises(GeoDataError,
                       match=r"blank\.geojson: feature #1: district code field 'code' is empty"):
        read_districts(path, code_field="code")


def test_missing_file_and_unreadable_format(tmp_path: Path) -> None:
    with pytest.raises(GeoDataError, match=r"nowhere\.gpkg: file not found"):
        read_vector(tmp_path / "nowhere.gpkg")
    junk = tmp_path / "junk.gpkg"
    junk.write_bytes(b"not a geopackage")
    with pytest.raises(GeoDataError, match=r"junk\.gpkg: cannot be read as vector data"):
        read_vector(junk)


def test_geopackage_round_trip(tmp_path: Path) -> None:
    frame = read_vector(_write(tmp_path / "d.geojson", _fc(_square(1), _square(2))))
    gpkg = tmp_path / "d.gpkg"
    frame.to_crs(32639).to_file(gpkg, layer="districts")  # any pyogrio format, any CRS
    again = read_districts(gpkg, code_field="code", layer="districts")
    assert again.crs.to_epsg() == 4326 and list(again["code"]) == [1, 2]
    assert DistrictIndex.from_frame(again).locate(52.515, 29.605).code == 1


def _copy_city(sample_city_dir: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "city"
    folder.mkdir(parents=True)
    for name in ("street_nodes.csv", "street_edges.csv", "streets.csv"):
        shutil.copy(sample_city_dir / name, folder / name)
    return folder


def _edit_line(path: Path, line_no: int, old: str, new: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert old in lines[line_no - 1]
    lines[line_no - 1] = lines[line_no - 1].replace(old, new, 1)
    path.write_text("".join(lines), encoding="utf-8")


def test_street_tables_errors_name_file_line_and_field(sample_city_dir: Path, tmp_path: Path) -> None:
    folder = _copy_city(sample_city_dir, tmp_path)
    edges = folder / "street_edges.csv"
    header = edges.read_text(encoding="utf-8").splitlines()[0]
    third = edges.read_text(encoding="utf-8").splitlines()[2].split(",")
    cls = third[header.split(",").index("road_class")]
    _edit_line(edges, 3, f",{cls},", ",motorway,")
    with pytest.raises(GeoDataError, match=r"street_edges\.csv: line 3: road_class is 'motorway', "
                       r"expected one of arterial, collector, residential"):
        read_city_streets(folder)

    folder = _copy_city(sample_city_dir, tmp_path / "b")
    nodes = folder / "street_nodes.csv"
    first_node = nodes.read_text(encoding="utf-8").splitlines()[1].split(",")
    _edit_line(nodes, 2, f",{first_node[1]},", ",east,")
    with pytest.raises(GeoDataError, match=r"street_nodes\.csv: line 2: lon/lat 'east'"):
        read_city_streets(folder)

    folder = _copy_city(sample_city_dir, tmp_path / "c")
    edges = folder / "street_edges.csv"
    rows = edges.read_text(encoding="utf-8").splitlines()
    cols = rows[4].split(",")
    cols[1] = "99999999"
    rows[4] = ",".join(cols)
    edges.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(GeoDataError, match=rf"street_edges\.csv: edge id {cols[0]}: column u refers to "
                       r"node 99999999 which is not in street_nodes\.csv"):
        read_city_streets(folder)

    folder = _copy_city(sample_city_dir, tmp_path / "d")
    streets = folder / "streets.csv"
    text = streets.read_text(encoding="utf-8").splitlines()
    streets.write_text("\n".join([text[0].replace("name_en", "english"), *text[1:]]) + "\n",
                       encoding="utf-8")
    with pytest.raises(GeoDataError, match=r"streets\.csv: is missing column\(s\) name_en"):
        read_city_streets(folder)


def test_centerline_values_are_checked(tmp_path: Path) -> None:
    line = {"type": "Feature", "properties": {"cls": "motorway", "dir": 0, "ID": "Main_1"},
            "geometry": {"type": "LineString", "coordinates": [[52.5, 29.6], [52.51, 29.6]]}}
    path = _write(tmp_path / "lines.geojson", _fc(line))
    with pytest.raises(GeoDataError, match=r"feature #0 \(ID=Main_1\): cls value 'motorway' is not a road "
                       "class; pass class_map"):
        read_centerlines_geojson(path, class_field="cls", id_field="ID")
    net = read_centerlines_geojson(path, class_field="cls", class_map={"motorway": "arterial"},
                                   oneway_field="dir")
    assert net.n_segments == 1 and int(net.oneway[0]) == 0
    line["properties"] = {"cls": "residential", "dir": "sideways"}
    path = _write(tmp_path / "lines2.geojson", _fc(line))
    with pytest.raises(GeoDataError, match=r"feature #0: dir value 'sideways' is not a one-way flag"):
        read_centerlines_geojson(path, class_field="cls", oneway_field="dir")


def test_cambridge_snow_routes_parking_and_police_regions_load(shared_dir: Path) -> None:
    folder = shared_dir / "geodata/cambridge_ma"
    routes = read_vector(folder / "DPW_SnowEmergencyTowRoutes.geojson")
    assert len(routes) == 97
    assert routes["type"].value_counts().to_dict() == {"tertiary": 50, "secondary": 25, "primary": 22}
    assert (routes.geom_type == "LineString").all()
    parking = read_vector(folder / "TRAFFIC_SnowEmergencyParking.geojson")
    assert len(parking) == 5
    police = read_districts(folder / "PUBLICSAFETY_PoliceNeighborhoodRegions.geojson", code_field="NBHD")
    assert len(police) == 13
    net = read_centerlines_geojson(folder / "TRANS_Centerlines.geojson", **CAMBRIDGE_CENTERLINES)
    assert net.n_segments == 2635


@pytest.mark.slow
def test_andorra_parishes(shared_dir: Path) -> None:
    frame = read_osm_boundaries(shared_dir / "geodata/andorra/andorra.osm.gz", admin_level=7)
    assert sorted(frame["code"]) == ["Andorra la Vella", "Encamp", "Escaldes-Engordany", "La Massana",
                                     "Ordino", "Sant Julià de Lòria"]
    index = DistrictIndex.from_frame(frame)
    assert index.crs == "EPSG:32631"
    assert index.locate(1.5218, 42.5063).code == "Andorra la Vella"
    assert index.locate(1.5983, 42.5342).code == "Encamp"
    assert index.locate(1.45, 42.36).status == "outside"  # La Seu d'Urgell, Spain
    # Canillo's relation is incomplete in this extract, so its village is in no parish here
    assert index.locate(1.5975, 42.5670).code is None


@pytest.mark.parametrize(
    ("path", "lon_field", "lat_field", "rows", "valid", "bbox"),
    [
        ("boston_311/boston311-100.csv", "longitude", "latitude", 100, 100,
         (-71.1626, 42.2553, -71.0298, 42.3806)),
        ("boston_311/311.csv", "longitude", "latitude", 2424, 2422, (-71.1727, 42.2347, -70.9977, 42.3937)),
        ("nyc_311/mzuber88_TwoSixDgraphDemo/311_Service_Requests.csv", "Longitude", "Latitude", 1000, 893,
         (-74.2304, 40.5191, -73.7194, 40.9103)),
        ("nyc_311/kexinjiao_4501-final-project/311_Service_Requests.csv", "longitude", "latitude", 500, 432,
         (-74.2152, 40.5490, -73.7316, 40.9064)),
        ("sf_311/311_service_requests.csv", "longitude", "latitude", 10000, 5736,
         (-122.5113, 37.7081, -122.3665, 37.8297)),
    ],
)
def test_311_points_load_inside_their_city(shared_dir: Path, path: str, lon_field: str, lat_field: str,
                                           rows: int, valid: int, bbox: tuple[float, float, float, float]
                                           ) -> None:
    points = read_points_csv(shared_dir / "geodata" / path, lon_field=lon_field, lat_field=lat_field)
    assert points.rows == rows
    assert points.lon.size == valid and points.rows_without_position == rows - valid
    assert points.lon.min() == pytest.approx(bbox[0], abs=1e-4)
    assert points.lat.min() == pytest.approx(bbox[1], abs=1e-4)
    assert points.lon.max() == pytest.approx(bbox[2], abs=1e-4)
    assert points.lat.max() == pytest.approx(bbox[3], abs=1e-4)
    assert np.isfinite(points.lon).all()


def test_points_csv_missing_column(shared_dir: Path) -> None:
    with pytest.raises(GeoDataError, match=r"boston311-100\.csv: has no column 'lng'"):
        read_points_csv(shared_dir / "geodata/boston_311/boston311-100.csv", lon_field="lng",
                        lat_field="latitude")


def test_malformed_osm_files(tmp_path: Path) -> None:
    broken = tmp_path / "city.osm"
    broken.write_text("<osm version='0.6'><node id='1' lat='42.5' lon='1.5'>", encoding="utf-8")
    with pytest.raises(GeoDataError, match=r"city\.osm: cannot be read as OSM XML"):
        read_osm_xml(broken)
    not_gzip = tmp_path / "city.osm.gz"
    not_gzip.write_bytes(b"plain text, not gzip")
    with pytest.raises(GeoDataError, match=r"city\.osm\.gz: is not a readable gzip file"):
        read_osm_xml(not_gzip)
    no_roads = tmp_path / "paths.osm"
    no_roads.write_text(
        "<osm version='0.6'><node id='1' lat='42.5' lon='1.5'/><node id='2' lat='42.501' lon='1.5'/>"
        "<way id='9'><nd ref='1'/><nd ref='2'/><tag k='highway' v='footway'/></way></osm>",
        encoding="utf-8")
    with pytest.raises(GeoDataError, match=r"paths\.osm: has no drivable highway ways"):
        read_osm_xml(no_roads)


def test_multi_part_centerline_becomes_separate_segments(tmp_path: Path) -> None:
    parts = {"type": "Feature", "properties": {"dir": 1},
             "geometry": {"type": "MultiLineString", "coordinates": [
                 [[52.50, 29.60], [52.51, 29.60]], [[52.52, 29.60], [52.53, 29.60]]]}}
    joined = {"type": "Feature", "properties": {"dir": 0},
              "geometry": {"type": "LineString", "coordinates": [[52.51, 29.60], [52.52, 29.60]]}}
    net = read_centerlines_geojson(_write(tmp_path / "l.geojson", _fc(parts, joined)), oneway_field="dir")
    assert net.n_segments == 3
    assert sorted(net.edge_id.tolist()) == [0, 1, 2]
    assert net.node_key.size == 4  # the three pieces share their end points
    assert "feature #0: part 2 of 2 is segment 2" in net.notes
