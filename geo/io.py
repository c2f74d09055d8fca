"""Every file the geo package reads goes through this module.

Readers check what they read and turn any malformed file into :class:`GeoDataError` naming the file,
the feature (or CSV line) and the field, so the person holding the file knows what to fix.
"""

from __future__ import annotations

import gzip
import json
import math
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from shapely.geometry import LineString, MultiLineString
from shapely.geometry.base import BaseGeometry

from geo.errors import GeoDataError
from geo.network import LineNetwork, LineRecord, StreetTables, network_from_lines
from geo.speeds import OSM_HIGHWAY_CLASSES, ROAD_CLASSES, class_code

PathLike = str | Path

CAMBRIDGE_CENTERLINES: Final[Mapping[str, Any]] = {
    "class_field": "MajorRoad",
    "class_map": {1: "arterial", 2: "collector", 0: "residential"},
    "oneway_field": "Direction",
    "street_id_field": "Street_ID",
    "from_node_field": "FromNode",
    "to_node_field": "ToNode",
}
"""Keyword arguments of :func:`read_centerlines_geojson` for Cambridge MA's TRANS_Centerlines."""

_GEOMETRY_DEPTH: Final[Mapping[str, int]] = {
    "Point": 1, "MultiPoint": 2, "LineString": 2, "MultiLineString": 3, "Polygon": 3, "MultiPolygon": 4,
}


# --------------------------------------------------------------------------------------------------
# generic vector files


def _feature_name(index: int, feature: Mapping[str, Any]) -> str:
    props = feature.get("properties") or {}
    for key in ("id", "code", "ID", "@id", "name"):
        value = feature.get(key) if key == "id" else props.get(key)
        if value not in (None, ""):
            return f"feature #{index} ({key}={value})"
    return f"feature #{index}"


def _check_positions(coords: Any, depth: int, gtype: str) -> str | None:
    """Return what is wrong with a GeoJSON coordinates array, or None."""
    if depth == 1:
        if (not isinstance(coords, list) or len(coords) < 2
                or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in coords)):
            return f"position {coords!r} is not a [lon, lat] pair of numbers"
        lon, lat = float(coords[0]), float(coords[1])
        if not (math.isfinite(lon) and math.isfinite(lat)) or abs(lon) > 180 or abs(lat) > 90:
            return f"position [{lon}, {lat}] is outside lon/lat range"
        return None
    if not isinstance(coords, list):
        return f"coordinates of a {gtype} must be nested arrays"
    for part in coords:
        problem = _check_positions(part, depth - 1, gtype)
        if problem:
            return problem
    if depth == 2 and gtype in ("LineString", "MultiLineString") and len(coords) < 2:
        return "a line needs at least 2 positions"
    if depth == 2 and gtype in ("Polygon", "MultiPolygon"):
        if len(coords) < 4:
            return "a polygon ring needs at least 4 positions"
        if coords[0][:2] != coords[-1][:2]:
            return "a polygon ring is not closed (first and last positions differ)"
    return None


def _check_geometry(geometry: Any) -> str | None:
    if geometry is None:
        return "has no geometry (null)"
    if not isinstance(geometry, dict):
        return "geometry is not an object"
    gtype = geometry.get("type")
    if gtype == "GeometryCollection":
        for part in geometry.get("geometries") or []:
            problem = _check_geometry(part)
            if problem:
                return problem
        return None
    if gtype not in _GEOMETRY_DEPTH:
        return f"geometry type {gtype!r} is not a GeoJSON geometry type"
    problem = _check_positions(geometry.get("coordinates"), _GEOMETRY_DEPTH[str(gtype)], str(gtype))
    return f"{gtype} geometry: {problem}" if problem else None


def _check_geojson(path: Path) -> None:
    """Structural check of a GeoJSON file, so errors can name the feature (GDAL's rarely do)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise GeoDataError(str(path), f"is not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except json.JSONDecodeError as exc:
        raise GeoDataError(str(path), f"is not valid JSON: {exc.msg} at line {exc.lineno} "
                           f"column {exc.colno}") from exc
    if not isinstance(data, dict) or "type" not in data:
        raise GeoDataError(str(path), "is not a GeoJSON object (no top-level \"type\")")
    if data["type"] == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list):
            raise GeoDataError(str(path), "FeatureCollection has no \"features\" array")
    elif data["type"] == "Feature":
        features = [data]
    else:
        features = [{"type": "Feature", "geometry": data, "properties": {}}]
    for index, feature in enumerate(features):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise GeoDataError(str(path), "is not a GeoJSON Feature", feature=f"feature #{index}")
        problem = _check_geometry(feature.get("geometry"))
        if problem:
            raise GeoDataError(str(path), problem + "; fix or remove this feature",
                               feature=_feature_name(index, feature))


def read_vector(path: PathLike, layer: str | int | None = None) -> gpd.GeoDataFrame:
    """Read any vector format pyogrio understands into a GeoDataFrame in EPSG:4326.

    GeoJSON files are checked feature by feature first; every feature must have a geometry.
    """
    p = Path(path)
    if not p.is_file():
        raise GeoDataError(str(p), "file not found")
    if p.suffix.lower() in (".geojson", ".json"):
        _check_geojson(p)
    try:
        frame = gpd.read_file(p, layer=layer, engine="pyogrio")
    except Exception as exc:
        raise GeoDataError(str(p), f"cannot be read as vector data: {exc}") from exc
    if frame.crs is None:
        raise GeoDataError(str(p), "has no coordinate reference system; save it with one "
                           "(GeoJSON is always EPSG:4326)")
    missing = np.flatnonzero(frame.geometry.isna().to_numpy() | frame.geometry.is_empty.to_numpy())
    if missing.size:
        raise GeoDataError(str(p), "has no geometry; fix or remove this feature",
                           feature=f"feature #{int(missing[0])}")
    if frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(4326)
    frame.attrs["source"] = str(p)
    return frame


# --------------------------------------------------------------------------------------------------
# districts


def _lookup(frame: pd.DataFrame, field: str, source: str) -> pd.Series:
    """A column by name, or ``parent.key`` inside a dict/JSON column (e.g. ``tags.name:en``)."""
    if field in frame.columns:
        return frame[field]
    parent, _, key = field.partition(".")
    if key and parent in frame.columns:
        def pick(value: Any) -> Any:
            if isinstance(value, str):
                try:
                    value = json.loads(value)
                except json.JSONDecodeError:
                    return None
            return value.get(key) if isinstance(value, dict) else None

        return frame[parent].map(pick)
    fields = ", ".join(str(c) for c in frame.columns if c != "geometry")
    raise GeoDataError(source, f"has no field {field!r}; fields are: {fields}")


def _normalise_codes(values: list[Any]) -> list[int | str]:
    def as_int(v: Any) -> int | None:
        if isinstance(v, bool):
            return None
        if isinstance(v, int | np.integer):
            return int(v)
        if isinstance(v, float | np.floating) and float(v).is_integer():
            return int(v)
        if isinstance(v, str) and v.strip().lstrip("-").isdigit():
            return int(v.strip())
        return None

    ints = [as_int(v) for v in values]
    if all(i is not None for i in ints):
        return [int(i) for i in ints if i is not None]
    return [str(v) for v in values]


def districts_frame(frame: gpd.GeoDataFrame, *, code_field: str,
                    name_fields: Mapping[str, str] | None = None, dissolve: bool = True,
                    source: str | None = None) -> gpd.GeoDataFrame:
    """Turn polygon features into a districts frame: ``code``, ``name_<lang>``…, ``geometry``.

    Non-polygon features are left out (their count is in ``attrs["skipped"]``); with ``dissolve``
    the features sharing a code (e.g. precincts of one ward) are merged into one district.
    """
    src = source or str(frame.attrs.get("source", "<districts>"))
    polygonal = frame.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    skipped = int((~polygonal).sum())
    frame = frame[polygonal]
    if frame.empty:
        raise GeoDataError(src, "has no Polygon or MultiPolygon features to use as districts")
    raw_codes = _lookup(frame, code_field, src)
    empty = [i for i, v in zip(frame.index, raw_codes, strict=True)
             if v is None or (isinstance(v, float) and math.isnan(v)) or v == ""]
    if empty:
        raise GeoDataError(src, f"district code field {code_field!r} is empty",
                           feature=f"feature #{empty[0]}")
    columns: dict[str, Any] = {"code": _normalise_codes(list(raw_codes))}
    for lang, field in (name_fields or {}).items():
        columns[f"name_{lang}"] = [None if v is None or (isinstance(v, float) and math.isnan(v))
                                   else str(v) for v in _lookup(frame, field, src)]
    out = gpd.GeoDataFrame(columns, geometry=list(frame.geometry), crs=frame.crs)
    if dissolve and out["code"].duplicated().any():
        groups = []
        for code, group in out.groupby("code", sort=False):
            row: dict[str, Any] = {"code": code}
            for col in out.columns:
                if col.startswith("name_"):
                    names = [n for n in group[col] if n]
                    row[col] = names[0] if names else None
            row["geometry"] = shapely.union_all(shapely.make_valid(np.asarray(group.geometry)))
            groups.append(row)
        out = gpd.GeoDataFrame(groups, geometry="geometry", crs=frame.crs)
    out.attrs["source"] = src
    out.attrs["skipped"] = skipped
    return out


def read_districts(path: PathLike, *, code_field: str, name_fields: Mapping[str, str] | None = None,
                   layer: str | int | None = None, dissolve: bool = True) -> gpd.GeoDataFrame:
    """Read district polygons from any vector file into the frame :class:`geo.districts.DistrictIndex`
    is built from (``code``, ``name_<lang>`` columns, geometry in EPSG:4326).

    ``code_field``/``name_fields`` may reach into a dict property with a dot (``tags.name:en``).
    """
    return districts_frame(read_vector(path, layer), code_field=code_field, name_fields=name_fields,
                           dissolve=dissolve, source=str(path))


# --------------------------------------------------------------------------------------------------
# the sample city's street tables


def _read_csv(path: Path, required: Sequence[str]) -> pd.DataFrame:
    if not path.is_file():
        raise GeoDataError(str(path), "file not found")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise GeoDataError(str(path), "is not UTF-8 text") from exc
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise GeoDataError(str(path), f"is not a readable CSV file: {exc}") from exc
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise GeoDataError(str(path), f"is missing column(s) {', '.join(missing)}; "
                           f"expected {', '.join(required)}")
    return frame


def _int_column(frame: pd.DataFrame, column: str, path: Path,
                allowed: Sequence[int] | None = None) -> npt.NDArray[np.int64]:
    values = pd.to_numeric(frame[column].str.strip(), errors="coerce")
    bad = values.isna() | (values != values.round())
    if allowed is not None:
        bad |= ~values.isin(allowed)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        expected = f"one of {', '.join(map(str, allowed))}" if allowed is not None else "an integer"
        raise GeoDataError(str(path), f"column {column} is {frame[column].iloc[i]!r}, expected "
                           f"{expected}", feature=f"line {i + 2}")
    out: npt.NDArray[np.int64] = values.to_numpy(dtype=np.int64)
    return out


def _coord_columns(frame: pd.DataFrame, path: Path) -> tuple[npt.NDArray[np.float64],
                                                            npt.NDArray[np.float64]]:
    lon = pd.to_numeric(frame["lon"].str.strip(), errors="coerce").to_numpy(dtype=np.float64)
    lat = pd.to_numeric(frame["lat"].str.strip(), errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(lon) | ~np.isfinite(lat) | (np.abs(lon) > 180) | (np.abs(lat) > 90)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise GeoDataError(str(path), f"lon/lat {frame['lon'].iloc[i]!r}, {frame['lat'].iloc[i]!r} "
                           "is not a WGS84 position", feature=f"line {i + 2}")
    return lon, lat


def _unique(ids: npt.NDArray[np.int64], path: Path, column: str) -> None:
    _, first, counts = np.unique(ids, return_index=True, return_counts=True)
    if (counts > 1).any():
        dup = ids[first[counts > 1][0]]
        line = int(np.flatnonzero(ids == dup)[1]) + 2
        raise GeoDataError(str(path), f"{column} {dup} appears more than once", feature=f"line {line}")


def _class_column(frame: pd.DataFrame, column: str, path: Path) -> npt.NDArray[np.int8]:
    values = frame[column].str.strip()
    bad = ~values.isin(ROAD_CLASSES)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise GeoDataError(str(path), f"{column} is {values.iloc[i]!r}, expected one of "
                           f"{', '.join(ROAD_CLASSES)}", feature=f"line {i + 2}")
    out: npt.NDArray[np.int8] = values.map(class_code).to_numpy(dtype=np.int8)
    return out


def read_city_streets(folder: PathLike) -> StreetTables:
    """Read and check the sample city's ``street_nodes.csv``, ``street_edges.csv``, ``streets.csv``."""
    root = Path(folder)
    nodes_path, edges_path, streets_path = (root / "street_nodes.csv", root / "street_edges.csv",
                                            root / "streets.csv")
    nodes = _read_csv(nodes_path, ("id", "lon", "lat"))
    edges = _read_csv(edges_path, ("id", "u", "v", "street_id", "road_class", "oneway", "bridge"))
    streets = _read_csv(streets_path, ("street_id", "name_fa", "name_en", "road_class"))
    node_id = _int_column(nodes, "id", nodes_path)
    _unique(node_id, nodes_path, "id")
    lon, lat = _coord_columns(nodes, nodes_path)
    edge_id = _int_column(edges, "id", edges_path)
    _unique(edge_id, edges_path, "id")
    street_id = _int_column(streets, "street_id", streets_path)
    _unique(street_id, streets_path, "street_id")
    edge_street = _int_column(edges, "street_id", edges_path)
    unknown = ~np.isin(edge_street, street_id)
    if unknown.any():
        i = int(np.flatnonzero(unknown)[0])
        raise GeoDataError(str(edges_path), f"street_id {edge_street[i]} is not in streets.csv",
                           feature=f"line {i + 2}")
    tables = StreetTables(
        folder=str(root),
        node_id=node_id,
        node_lon=lon,
        node_lat=lat,
        edge_id=edge_id,
        edge_u=_int_column(edges, "u", edges_path),
        edge_v=_int_column(edges, "v", edges_path),
        edge_street_id=edge_street,
        edge_road_class=_class_column(edges, "road_class", edges_path),
        edge_oneway=_int_column(edges, "oneway", edges_path, (0, 1)).astype(np.bool_),
        edge_bridge=_int_column(edges, "bridge", edges_path, (0, 1)).astype(np.bool_),
        street_id=street_id,
        street_name_fa=tuple(streets["name_fa"]),
        street_name_en=tuple(streets["name_en"]),
        street_road_class=_class_column(streets, "road_class", streets_path),
    )
    tables.to_network().validate()
    return tables


# --------------------------------------------------------------------------------------------------
# street centrelines (GeoJSON or any vector format)

_TWO_WAY = {"0", "no", "false", "b", "both", ""}
_ALONG = {"1", "yes", "true", "ft", "forward"}
_AGAINST = {"-1", "reverse", "tf", "backward"}


def _is_null(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def _oneway_value(value: Any) -> int | None:
    if _is_null(value):
        return 0
    text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    text = text.strip().lower()
    if text in _TWO_WAY:
        return 0
    if text in _ALONG:
        return 1
    if text in _AGAINST:
        return -1
    return None


def _lines_of(geometry: BaseGeometry) -> list[LineString]:
    if isinstance(geometry, LineString):
        return [geometry]
    if isinstance(geometry, MultiLineString):
        merged = shapely.line_merge(geometry)
        if isinstance(merged, LineString):
            return [merged]
        return list(merged.geoms)
    return []


def read_centerlines_geojson(
    path: PathLike,
    *,
    class_field: str | None = None,
    class_map: Mapping[Any, str] | None = None,
    default_class: str = "residential",
    oneway_field: str | None = None,
    speed_field: str | None = None,
    street_id_field: str | None = None,
    bridge_field: str | None = None,
    from_node_field: str | None = None,
    to_node_field: str | None = None,
    id_field: str | None = None,
    layer: str | int | None = None,
) -> LineNetwork:
    """Read street centrelines (LineStrings) into a :class:`LineNetwork`.

    ``class_field`` values go through ``class_map`` (values already named like a road class are taken
    as they are; empty values get ``default_class``). ``oneway_field``: empty/0/no two-way, 1/yes
    along the digitising, -1/reverse against it. ``speed_field`` in km/h (empty: class default).
    With ``from_node_field``/``to_node_field`` lines join at those node ids (rows without them are
    left out and reported); otherwise lines join where their end points coincide.
    Use ``**CAMBRIDGE_CENTERLINES`` for Cambridge MA's TRANS_Centerlines.
    """
    source = str(path)
    frame = read_vector(path, layer)
    class_code(default_class)
    mapping = dict(class_map or {})

    def column(field: str | None) -> list[Any]:
        return [None] * len(frame) if field is None else list(_lookup(frame, field, source))

    classes, oneways, speeds = column(class_field), column(oneway_field), column(speed_field)
    street_ids, bridges = column(street_id_field), column(bridge_field)
    from_nodes, to_nodes, ids = column(from_node_field), column(to_node_field), column(id_field)
    use_nodes = from_node_field is not None and to_node_field is not None
    records: list[LineRecord] = []
    notes: list[str] = []
    extra_parts = 0
    for row, geometry in enumerate(frame.geometry):
        feature = f"feature #{row}" + (f" ({id_field}={ids[row]})" if id_field else "")
        raw_class = classes[row]
        if _is_null(raw_class):
            name = default_class
        elif raw_class in mapping:
            name = mapping[raw_class]
        elif str(raw_class) in ROAD_CLASSES:
            name = str(raw_class)
        else:
            raise GeoDataError(source, f"{class_field} value {raw_class!r} is not a road class; "
                               "pass class_map to say which class it is", feature=feature)
        oneway = _oneway_value(oneways[row])
        if oneway is None:
            raise GeoDataError(source, f"{oneway_field} value {oneways[row]!r} is not a one-way flag "
                               "(use 0/1/-1 or no/yes/reverse)", feature=feature)
        speed = float("nan")
        if not _is_null(speeds[row]):
            try:
                speed = float(speeds[row])
            except (TypeError, ValueError):
                speed = float("nan")
            if not speed > 0:
                raise GeoDataError(source, f"{speed_field} value {speeds[row]!r} is not a positive "
                                   "speed in km/h", feature=feature)
        street = -1
        if not _is_null(street_ids[row]):
            try:
                street = int(float(street_ids[row]))
            except (TypeError, ValueError):
                raise GeoDataError(source, f"{street_id_field} value {street_ids[row]!r} is not an "
                                   "integer", feature=feature) from None
        bridge = not _is_null(bridges[row]) and str(bridges[row]).strip().lower() not in (
            "0", "no", "false", "f", "n", "")
        parts = _lines_of(geometry)
        if not parts:
            raise GeoDataError(source, f"geometry is a {geometry.geom_type}, expected a LineString",
                               feature=feature)
        u_key = v_key = None
        if use_nodes:
            if _is_null(from_nodes[row]) or _is_null(to_nodes[row]):
                notes.append(f"{feature}: no {from_node_field}/{to_node_field}; left out")
                continue
            if len(parts) > 1:
                notes.append(f"{feature}: {len(parts)} disconnected parts; left out")
                continue
            u_key, v_key = int(float(from_nodes[row])), int(float(to_nodes[row]))
        edge_id = None
        if id_field is not None and not _is_null(ids[row]):
            try:
                edge_id = int(float(ids[row]))
            except (TypeError, ValueError):
                edge_id = None
        for k, part in enumerate(parts):
            part_row = row
            if k > 0:
                # further parts of a multi-part line get ids after the last feature's row
                part_row = len(frame) + extra_parts
                extra_parts += 1
                notes.append(f"{feature}: part {k + 1} of {len(parts)} is segment {part_row}")
            records.append(LineRecord(
                row=part_row,
                coords=tuple((float(x), float(y)) for x, y, *_ in part.coords),
                road_class=class_code(name), oneway=oneway, speed_kph=speed, street_id=street,
                bridge=bridge, edge_id=edge_id if k == 0 else None, u_key=u_key, v_key=v_key,
            ))
    net = network_from_lines(source, records, notes=tuple(notes))
    net.validate()
    return net


# --------------------------------------------------------------------------------------------------
# OpenStreetMap XML (needs the optional osmnx dependency)


@contextmanager
def _plain_osm(path: Path) -> Iterator[Path]:
    """osmnx reads .osm and .osm.bz2; a .gz file is decompressed to a temporary .osm first."""
    if path.suffix.lower() != ".gz":
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="crewline-osm-") as tmp:
        plain = Path(tmp) / path.with_suffix("").name
        try:
            with gzip.open(path, "rb") as src, plain.open("wb") as dst:
                shutil.copyfileobj(src, dst)
        except (OSError, EOFError) as exc:
            raise GeoDataError(str(path), f"is not a readable gzip file: {exc}") from exc
        yield plain


def _osmnx() -> Any:
    try:
        import osmnx
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise GeoDataError("osmnx", "reading OSM XML needs the optional dependency osmnx: "
                           "pip install 'crewline[osm]'") from exc
    return osmnx


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    return [] if _is_null(value) else [value]


def _osm_speed(value: Any) -> float:
    speeds = []
    for item in _as_list(value):
        text = str(item).strip().lower()
        factor = 1.609344 if text.endswith("mph") else 1.0
        number = text.removesuffix("mph").removesuffix("km/h").strip()
        try:
            speeds.append(float(number) * factor)
        except ValueError:
            continue
    return min(speeds) if speeds else float("nan")


def read_osm_xml(path: PathLike) -> LineNetwork:
    """The drivable streets of an OSM XML file (``.osm``, ``.osm.bz2`` or ``.osm.gz``) via osmnx.

    Ways whose ``highway`` tag (any of them, after osmnx's simplification) is in
    :data:`geo.speeds.OSM_HIGHWAY_CLASSES` are kept; ``maxspeed`` becomes the speed override,
    ``bridge`` the bridge flag and the OSM way id the street id.
    """
    p = Path(path)
    if not p.is_file():
        raise GeoDataError(str(p), "file not found")
    ox = _osmnx()
    with _plain_osm(p) as plain:
        try:
            graph = ox.graph_from_xml(plain, simplify=True, retain_all=True)
        except Exception as exc:
            raise GeoDataError(str(p), f"cannot be read as OSM XML: {exc}") from exc
    records: list[LineRecord] = []
    pending: dict[tuple[int, int, str, int], int] = {}
    for u, v, _key, data in graph.edges(keys=True, data=True):
        highways = [h for h in _as_list(data.get("highway")) if h in OSM_HIGHWAY_CLASSES]
        if not highways:
            continue
        name = min((OSM_HIGHWAY_CLASSES[h] for h in highways), key=class_code)
        geometry = data.get("geometry")
        coords: tuple[tuple[float, float], ...]
        if geometry is None:
            coords = ((graph.nodes[u]["x"], graph.nodes[u]["y"]), (graph.nodes[v]["x"], graph.nodes[v]["y"]))
        else:
            coords = tuple((float(x), float(y)) for x, y, *_ in geometry.coords)
        way_ids = _as_list(data.get("osmid"))
        # A two-way street appears as two opposite directed edges: fold them into one segment.
        pair = (min(u, v), max(u, v), repr(sorted(way_ids)), round(float(data.get("length", 0.0)) * 10))
        if pair in pending:
            index = pending.pop(pair)
            previous = records[index]
            records[index] = LineRecord(
                row=previous.row, coords=previous.coords, road_class=previous.road_class, oneway=0,
                speed_kph=previous.speed_kph, street_id=previous.street_id, bridge=previous.bridge,
                u_key=previous.u_key, v_key=previous.v_key,
            )
            continue
        bridge = any(str(b).lower() not in ("no", "nan") for b in _as_list(data.get("bridge")))
        pending[pair] = len(records)
        records.append(LineRecord(
            row=len(records), coords=coords, road_class=class_code(name), oneway=1,
            speed_kph=_osm_speed(data.get("maxspeed")),
            street_id=int(way_ids[0]) if way_ids else -1, bridge=bridge, u_key=int(u), v_key=int(v),
        ))
    if not records:
        raise GeoDataError(str(p), "has no drivable highway ways")
    net = network_from_lines(str(p), records)
    net.validate()
    return net


def read_osm_boundaries(path: PathLike, *, admin_level: str | int,
                        name_tags: Mapping[str, str] | None = None) -> gpd.GeoDataFrame:
    """Administrative boundary polygons of one ``admin_level`` in an OSM XML file, as a districts
    frame (``code`` = the OSM ``name``; ``name_tags`` maps languages to tags, default en→name:en)."""
    p = Path(path)
    if not p.is_file():
        raise GeoDataError(str(p), "file not found")
    ox = _osmnx()
    with _plain_osm(p) as plain:
        try:
            features = ox.features_from_xml(plain, tags={"boundary": "administrative"})
        except Exception as exc:
            raise GeoDataError(str(p), f"cannot be read as OSM XML: {exc}") from exc
    if "admin_level" not in features.columns:
        raise GeoDataError(str(p), "has no administrative boundaries with an admin_level tag")
    level = features[features["admin_level"].astype(str) == str(admin_level)]
    level = level[level.geom_type.isin(["Polygon", "MultiPolygon"])].reset_index(drop=True)
    if level.empty:
        raise GeoDataError(str(p), f"has no complete polygons at admin_level={admin_level}")
    tags = dict(name_tags or {"en": "name:en"})
    frame = gpd.GeoDataFrame(level, geometry="geometry", crs=level.crs or "EPSG:4326")
    for field in tags.values():
        if field not in frame.columns:
            frame[field] = frame["name"]
        frame[field] = frame[field].fillna(frame["name"])
    return districts_frame(frame, code_field="name", name_fields=tags, source=str(p))


# --------------------------------------------------------------------------------------------------
# point tables (311 samples and the like)


@dataclass(frozen=True)
class PointTable:
    """Valid WGS84 points from a CSV, with how many rows had no usable position."""

    source: str
    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    rows: int
    rows_without_position: int


def read_points_csv(path: PathLike, *, lon_field: str, lat_field: str) -> PointTable:
    """Read lon/lat columns of a CSV; rows with empty, non-numeric or 0/0 positions are counted and
    left out."""
    p = Path(path)
    if not p.is_file():
        raise GeoDataError(str(p), "file not found")
    try:
        frame = pd.read_csv(p, usecols=lambda c: c in (lon_field, lat_field), low_memory=False)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise GeoDataError(str(p), f"is not a readable CSV file: {exc}") from exc
    for field in (lon_field, lat_field):
        if field not in frame.columns:
            raise GeoDataError(str(p), f"has no column {field!r}")
    lon = pd.to_numeric(frame[lon_field], errors="coerce").to_numpy(dtype=np.float64)
    lat = pd.to_numeric(frame[lat_field], errors="coerce").to_numpy(dtype=np.float64)
    ok = (np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90)
          & ((np.abs(lon) > 1e-9) | (np.abs(lat) > 1e-9)) & (np.abs(lat) > 1))
    return PointTable(source=str(p), lon=lon[ok], lat=lat[ok], rows=int(lon.size),
                      rows_without_position=int((~ok).sum()))
