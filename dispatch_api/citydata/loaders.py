"""One loader per file of a city data folder. Each checks what a file can say about itself: types,
ranges, formats, unique ids, coordinates inside the city's bbox. References between files are
checked by `dispatch_api.citydata.city.load_city`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec
import shapely
from shapely.geometry import LineString, Polygon, shape

from dispatch_api.citydata.errors import CityDataError
from dispatch_api.citydata.reading import (
    CLOCK,
    check,
    convert_list,
    convert_record,
    parse_flag,
    parse_float,
    parse_int,
    parse_optional_float,
    parse_text,
    read_csv,
    read_json,
    unique_ids,
)
from dispatch_api.citydata.records import (
    ROAD_CLASSES,
    Category,
    City,
    Contractor,
    Crew,
    Depot,
    Equipment,
    EquipmentPosition,
    Facility,
    Snowstorm,
    Street,
    StreetEdge,
    StreetNode,
    Ticket,
)

PHONE = re.compile(r"^09\d{9}$")
PIN = re.compile(r"^\d{4}$")
CODE = re.compile(r"^[a-z][a-z0-9_]*$")
# Two districts may share a border but not area: overlaps above this share of the city are errors.
OVERLAP_TOLERANCE = 1e-7
COVER_TOLERANCE = 1e-6


@dataclass(frozen=True)
class District:
    code: int
    name_fa: str
    name_en: str
    polygon: Polygon


class SnowRoute(msgspec.Struct, frozen=True):
    edge_id: int
    street_id: int
    tier: int
    name_fa: str
    name_en: str
    district: int
    coordinates: list[tuple[float, float]]


def _check_lonlat(
    file: str,
    city: City | None,
    index: int,
    record_id: object,
    lon: float,
    lat: float,
    field_prefix: str = "",
) -> None:
    if city is None:
        return
    if not city.contains(lon, lat):
        field = f"{field_prefix}lon" if not (city.bbox[0] <= lon <= city.bbox[2]) else f"{field_prefix}lat"
        raise CityDataError(
            file,
            f"point ({lon}, {lat}) lies outside the city's bbox {list(city.bbox)} from city.json",
            index=index,
            record_id=record_id,
            field=field,
        )


def _check_names(file: str, index: int, record_id: object, record: Any) -> None:
    for field in ("name_fa", "name_en"):
        check(
            bool(getattr(record, field).strip()),
            file,
            "name must not be empty",
            index=index,
            record_id=record_id,
            field=field,
        )


def load_city_meta(folder: Path) -> City:
    file = "city.json"
    raw = read_json(folder, file)
    if not isinstance(raw, dict):
        raise CityDataError(file, "must be a JSON object")
    city = convert_record(file, None, raw, City)
    check(
        bool(CODE.match(city.code)),
        file,
        f"code {city.code!r} must be lower-case letters, digits, _",
        field="code",
    )
    try:
        ZoneInfo(city.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise CityDataError(
            file, f"{city.timezone!r} is not an IANA time zone such as 'Asia/Tehran'", field="timezone"
        ) from None
    check(
        bool(re.match(r"^EPSG:\d+$", city.crs)),
        file,
        f"{city.crs!r} must look like 'EPSG:32639'",
        field="crs",
    )
    minlon, minlat, maxlon, maxlat = city.bbox
    check(
        -180 <= minlon < maxlon <= 180 and -90 <= minlat < maxlat <= 90,
        file,
        "bbox must be [minlon, minlat, maxlon, maxlat] with min < max",
        field="bbox",
    )
    check(city.contains(*city.center), file, "center must lie inside bbox", field="center")
    for span in ("start", "end"):
        value = getattr(city.working_hours, span)
        check(bool(CLOCK.match(value)), file, f"{value!r} must be HH:MM", field=f"working_hours.{span}")
    check(len(set(city.holidays)) == len(city.holidays), file, "a holiday is listed twice", field="holidays")
    return city


def _features(file: str, raw: Any) -> list[dict[str, Any]]:
    if (
        not isinstance(raw, dict)
        or raw.get("type") != "FeatureCollection"
        or not isinstance(raw.get("features"), list)
    ):
        raise CityDataError(file, "must be a GeoJSON FeatureCollection with a 'features' array")
    out = []
    for index, feature in enumerate(raw["features"]):
        if (
            not isinstance(feature, dict)
            or not isinstance(feature.get("properties"), dict)
            or not isinstance(feature.get("geometry"), dict)
        ):
            raise CityDataError(
                file, "must be a GeoJSON Feature with 'geometry' and 'properties' objects", index=index
            )
        out.append(feature)
    return out


def _geometry(file: str, index: int, record_id: object, feature: dict[str, Any], kind: str) -> Any:
    geometry = feature["geometry"]
    check(
        geometry.get("type") == kind,
        file,
        f"geometry must be a {kind}, got {geometry.get('type')!r}",
        index=index,
        record_id=record_id,
        field="geometry.type",
    )
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.GEOSException) as exc:
        raise CityDataError(
            file,
            f"geometry has bad coordinates ({exc})",
            index=index,
            record_id=record_id,
            field="geometry.coordinates",
        ) from None
    if kind == "Polygon" and not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        raise CityDataError(
            file,
            f"polygon is not valid ({reason})",
            index=index,
            record_id=record_id,
            field="geometry.coordinates",
        )
    return geom


class _DistrictProps(msgspec.Struct, frozen=True):
    code: int
    name_fa: str
    name_en: str


def load_districts(folder: Path, city: City | None = None, boundary: Polygon | None = None) -> list[District]:
    """District polygons; codes must be 1..n and the polygons must tile the city (no overlaps, and no
    gaps against the boundary when one is given)."""
    file = "districts.geojson"
    features = _features(file, read_json(folder, file))
    check(bool(features), file, "has no districts")
    districts: list[District] = []
    for index, feature in enumerate(features):
        props = convert_record(
            file, index, feature["properties"], _DistrictProps, id_field="code", prefix="properties"
        )
        _check_names(file, index, props.code, props)
        poly = _geometry(file, index, props.code, feature, "Polygon")
        if city is not None:
            minx, miny, maxx, maxy = poly.bounds
            check(
                city.contains(minx, miny) and city.contains(maxx, maxy),
                file,
                "polygon reaches outside the city's bbox from city.json",
                index=index,
                record_id=props.code,
                field="geometry.coordinates",
            )
        districts.append(District(props.code, props.name_fa, props.name_en, poly))
    unique_ids(file, districts, "code")
    codes = sorted(d.code for d in districts)
    check(
        codes == list(range(1, len(codes) + 1)),
        file,
        f"district codes must be 1..{len(codes)} without gaps, got {codes}",
        field="properties.code",
    )
    total = sum(d.polygon.area for d in districts)
    tree = shapely.STRtree([d.polygon for d in districts])
    for i, d in enumerate(districts):
        for j in tree.query(d.polygon):
            if j <= i:
                continue
            other = districts[int(j)]
            shared = d.polygon.intersection(other.polygon).area
            check(
                shared <= OVERLAP_TOLERANCE * total,
                file,
                f"district {d.code} overlaps district {other.code} ({shared / total:.2e} of the city); "
                "districts must tile the city",
                index=i,
                record_id=d.code,
                field="geometry",
            )
    if boundary is not None:
        union = shapely.union_all([d.polygon for d in districts])
        gap = union.symmetric_difference(boundary).area
        check(
            gap <= COVER_TOLERANCE * boundary.area,
            file,
            f"districts do not cover boundary.geojson exactly ({gap / boundary.area:.2e} of it differs); "
            "they must tile the city without gaps",
        )
    return districts


def load_boundary(folder: Path) -> Polygon | None:
    """The city limit from boundary.geojson (optional file)."""
    file = "boundary.geojson"
    if not (folder / file).is_file():
        return None
    features = _features(file, read_json(folder, file))
    check(len(features) == 1, file, f"must hold exactly one feature, got {len(features)}")
    poly: Polygon = _geometry(file, 0, None, features[0], "Polygon")
    return poly


def load_river(folder: Path) -> LineString | None:
    """The river's centre line from river.geojson (optional file)."""
    file = "river.geojson"
    if not (folder / file).is_file():
        return None
    features = _features(file, read_json(folder, file))
    check(len(features) == 1, file, f"must hold exactly one feature, got {len(features)}")
    line: LineString = _geometry(file, 0, None, features[0], "LineString")
    return line


def load_street_nodes(folder: Path, city: City | None = None) -> list[StreetNode]:
    file = "street_nodes.csv"
    nodes: list[StreetNode] = []
    for index, row in read_csv(
        folder,
        file,
        {"id": parse_int, "lon": parse_float, "lat": parse_float, "elev_m": parse_optional_float},
        optional=("elev_m",),
    ):
        _check_lonlat(file, city, index, row["id"], row["lon"], row["lat"])
        nodes.append(StreetNode(row["id"], row["lon"], row["lat"], row["elev_m"]))
    check(bool(nodes), file, "has no nodes")
    unique_ids(file, nodes)
    return nodes


def _road_class(text: str) -> str:
    if text not in ROAD_CLASSES:
        raise ValueError(text)
    return text


def load_street_edges(folder: Path) -> list[StreetEdge]:
    file = "street_edges.csv"
    edges: list[StreetEdge] = []
    columns = {
        "id": parse_int,
        "u": parse_int,
        "v": parse_int,
        "street_id": parse_int,
        "road_class": _road_class,
        "oneway": parse_flag,
        "bridge": parse_flag,
    }
    try:
        for index, row in read_csv(folder, file, columns):
            check(
                row["u"] != row["v"],
                file,
                f"edge starts and ends at node {row['u']}",
                index=index,
                record_id=row["id"],
                field="v",
            )
            edges.append(StreetEdge(**row))
    except CityDataError as exc:
        if exc.field == "road_class" and "is not valid" in exc.problem:
            raise CityDataError(
                file,
                exc.problem.replace("is not valid", "is not one of " + ", ".join(ROAD_CLASSES)),
                index=exc.index,
                record_id=exc.record_id,
                field=exc.field,
            ) from None
        raise
    check(bool(edges), file, "has no edges")
    unique_ids(file, edges)
    return edges


def load_streets(folder: Path) -> list[Street]:
    file = "streets.csv"
    streets = [
        Street(**row)
        for _, row in read_csv(
            folder,
            file,
            {"street_id": parse_int, "name_fa": parse_text, "name_en": parse_text, "road_class": _road_class},
            id_column="street_id",
        )
    ]
    unique_ids(file, streets, "street_id")
    return streets


def load_depots(folder: Path, city: City | None = None) -> list[Depot]:
    file = "depots.json"
    depots = convert_list(file, read_json(folder, file), Depot)
    for index, depot in enumerate(depots):
        _check_names(file, index, depot.id, depot)
        _check_lonlat(file, city, index, depot.id, depot.lon, depot.lat)
    unique_ids(file, depots)
    return depots


def load_facilities(folder: Path, city: City | None = None) -> list[Facility]:
    """Hospitals, fire stations and schools from facilities.json (optional file)."""
    file = "facilities.json"
    if not (folder / file).is_file():
        return []
    facilities = convert_list(file, read_json(folder, file), Facility)
    for index, facility in enumerate(facilities):
        _check_names(file, index, facility.id, facility)
        _check_lonlat(file, city, index, facility.id, facility.lon, facility.lat)
    unique_ids(file, facilities)
    return facilities


def load_contractors(folder: Path) -> list[Contractor]:
    file = "contractors.json"
    contractors = convert_list(file, read_json(folder, file), Contractor)
    for index, contractor in enumerate(contractors):
        _check_names(file, index, contractor.id, contractor)
        check(
            bool(contractor.districts),
            file,
            "a contractor must hold at least one district",
            index=index,
            record_id=contractor.id,
            field="districts",
        )
    unique_ids(file, contractors)
    return contractors


def load_categories(folder: Path) -> list[Category]:
    file = "categories.json"
    categories = convert_list(file, read_json(folder, file), Category, id_field="code")
    for index, cat in enumerate(categories):

        def ok(condition: bool, problem: str, field: str, index: int = index, cat: Category = cat) -> None:
            check(condition, file, problem, index=index, record_id=cat.code, field=field)

        ok(bool(CODE.match(cat.code)), f"{cat.code!r} must be lower-case letters, digits and _", "code")
        _check_names(file, index, cat.code, cat)
        ok(cat.sla_hours > 0, f"must be a positive number of hours, got {cat.sla_hours}", "sla_hours")
        ok(cat.service_minutes >= 0, f"must not be negative, got {cat.service_minutes}", "service_minutes")
        ok(cat.repeat_radius_m >= 0, f"must not be negative, got {cat.repeat_radius_m}", "repeat_radius_m")
        if cat.remit == "city":
            ok(bool(cat.skill), "a category in the city's remit needs the skill that serves it", "skill")
            ok(
                cat.service_minutes > 0,
                "a category in the city's remit needs service minutes > 0",
                "service_minutes",
            )
        else:
            ok(cat.skill is None, f"a category referred to {cat.remit} has no skill (use null)", "skill")
    unique_ids(file, categories, "code")
    return categories


def load_crews(folder: Path) -> list[Crew]:
    file = "crews.json"
    crews = convert_list(file, read_json(folder, file), Crew)
    for index, crew in enumerate(crews):

        def ok(condition: bool, problem: str, field: str, index: int = index, crew: Crew = crew) -> None:
            check(condition, file, problem, index=index, record_id=crew.id, field=field)

        _check_names(file, index, crew.id, crew)
        ok(bool(crew.districts), "a crew must serve at least one district", "districts")
        ok(bool(crew.skills), "a crew needs at least one skill", "skills")
        for span in ("start", "end"):
            value = getattr(crew.shift, span)
            ok(bool(CLOCK.match(value)), f"{value!r} must be HH:MM", f"shift.{span}")
        if crew.break_ is not None:
            for span in ("start", "end"):
                value = getattr(crew.break_, span)
                ok(bool(CLOCK.match(value)), f"{value!r} must be HH:MM", f"break.{span}")
            ok(
                0 < crew.break_.minutes < crew.shift.minutes,
                f"break of {crew.break_.minutes} min must be positive and shorter than the shift",
                "break.minutes",
            )
        ok(crew.capacity > 0, f"capacity must be positive, got {crew.capacity}", "capacity")
        ok(bool(PHONE.match(crew.phone)), f"{crew.phone!r} must be a mobile number 09xxxxxxxxx", "phone")
        ok(bool(PIN.match(crew.pin)), "pin must be 4 digits", "pin")
    unique_ids(file, crews)
    unique_ids(file, crews, "phone")
    return crews


def load_equipment(folder: Path) -> list[Equipment]:
    file = "equipment.json"
    units = convert_list(file, read_json(folder, file), Equipment)
    unique_ids(file, units)
    return units


def _check_tickets(file: str, tickets: list[Ticket], city: City | None, key: str = "") -> None:
    prefix = f"{key}[{{}}]." if key else ""
    seen: set[str] = set()
    for index, ticket in enumerate(tickets):

        def ok(
            condition: bool, problem: str, field: str, index: int = index, ticket: Ticket = ticket
        ) -> None:
            check(
                condition, file, problem, index=index, record_id=ticket.id, field=prefix.format(index) + field
            )

        _check_lonlat(file, city, index, ticket.id, ticket.lon, ticket.lat, prefix.format(index))
        offset = ticket.created_at.utcoffset()
        ok(
            offset is not None and offset.total_seconds() == 0,
            f"{ticket.created_at.isoformat()} must be a UTC time such as 2026-01-13T07:30:00Z",
            "created_at",
        )
        ok(
            bool(PHONE.match(ticket.reporter_phone)),
            f"{ticket.reporter_phone!r} must be 09xxxxxxxxx",
            "reporter_phone",
        )
        ok(bool(ticket.address.strip()), "address must not be empty", "address")
        if ticket.repeat_of is not None:
            ok(
                ticket.repeat_of in seen,
                f"repeat_of {ticket.repeat_of!r} must name an earlier ticket in this file",
                "repeat_of",
            )
        ok(ticket.id not in seen, f"id {ticket.id!r} is used again; ids must be unique", "id")
        seen.add(ticket.id)


def load_tickets_day(folder: Path, city: City | None = None) -> list[Ticket]:
    file = "tickets_day.json"
    tickets = convert_list(file, read_json(folder, file), Ticket)
    _check_tickets(file, tickets, city)
    return tickets


def load_snowstorm(folder: Path, city: City | None = None) -> Snowstorm:
    file = "snowstorm.json"
    raw = read_json(folder, file)
    if not isinstance(raw, dict):
        raise CityDataError(file, "must be a JSON object")
    # Records first, so a bad ticket or position is reported with its index and id.
    if isinstance(raw.get("tickets"), list):
        convert_list(file, raw["tickets"], Ticket, key="tickets")
    if isinstance(raw.get("equipment_positions"), list):
        convert_list(
            file,
            raw["equipment_positions"],
            EquipmentPosition,
            id_field="equipment_id",
            key="equipment_positions",
        )
    storm = convert_record(file, None, raw, Snowstorm)
    check(1 <= storm.level <= 3, file, f"level must be 1, 2 or 3, got {storm.level}", field="level")
    check(storm.start < storm.expected_end, file, "expected_end must come after start", field="expected_end")
    for field in ("start", "expected_end"):
        offset = getattr(storm, field).utcoffset()
        check(
            offset is not None and offset.total_seconds() == 0,
            file,
            "must be a UTC time ending in Z",
            field=field,
        )
    for district, cm in storm.snowfall_cm.items():
        check(
            district.isdigit(),
            file,
            f'key {district!r} must be a district code such as "3"',
            field=f"snowfall_cm.{district}",
        )
        check(cm >= 0, file, f"snowfall must not be negative, got {cm}", field=f"snowfall_cm.{district}")
    check(
        bool(storm.districts) and len(set(storm.districts)) == len(storm.districts),
        file,
        "districts must list each affected district once",
        field="districts",
    )
    _check_tickets(file, storm.tickets, city, "tickets")
    for index, pos in enumerate(storm.equipment_positions):
        _check_lonlat(file, city, index, pos.equipment_id, pos.lon, pos.lat, f"equipment_positions[{index}].")
    unique_ids(file, storm.equipment_positions, "equipment_id")
    return storm


class _RouteProps(msgspec.Struct, frozen=True):
    edge_id: int
    street_id: int
    tier: int
    name_fa: str
    name_en: str
    district: int


def load_snow_routes(folder: Path, city: City | None = None) -> list[SnowRoute]:
    file = "snow_routes.geojson"
    routes: list[SnowRoute] = []
    for index, feature in enumerate(_features(file, read_json(folder, file))):
        props = convert_record(
            file, index, feature["properties"], _RouteProps, id_field="edge_id", prefix="properties"
        )
        check(
            props.tier in (1, 2, 3),
            file,
            f"tier must be 1, 2 or 3, got {props.tier}",
            index=index,
            record_id=props.edge_id,
            field="properties.tier",
        )
        line = _geometry(file, index, props.edge_id, feature, "LineString")
        coords = [(float(x), float(y)) for x, y, *_ in line.coords]
        for lon, lat in (coords[0], coords[-1]):
            _check_lonlat(file, city, index, props.edge_id, lon, lat, "geometry.")
        routes.append(
            SnowRoute(
                props.edge_id,
                props.street_id,
                props.tier,
                props.name_fa,
                props.name_en,
                props.district,
                coords,
            )
        )
    unique_ids(file, routes, "edge_id")
    return routes
