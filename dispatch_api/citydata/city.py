"""`load_city`: a whole city data folder, every file validated and every reference between files
checked, as one `CityData`."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from shapely.geometry import LineString, Point, Polygon

from dispatch_api.citydata.errors import CityDataError
from dispatch_api.citydata.folder import default_city_dir
from dispatch_api.citydata.loaders import (
    District,
    SnowRoute,
    load_boundary,
    load_categories,
    load_city_meta,
    load_contractors,
    load_crews,
    load_depots,
    load_districts,
    load_equipment,
    load_facilities,
    load_river,
    load_snow_routes,
    load_snowstorm,
    load_street_edges,
    load_street_nodes,
    load_streets,
    load_tickets_day,
)
from dispatch_api.citydata.reading import check
from dispatch_api.citydata.records import (
    Category,
    City,
    Contractor,
    Crew,
    Depot,
    Equipment,
    Facility,
    Snowstorm,
    Street,
    StreetEdge,
    StreetNode,
    Ticket,
)

# A depot or facility may sit this far (degrees, ~1 m) outside its district polygon: on the border.
ON_BORDER_DEG = 1e-5


@dataclass(frozen=True)
class CityData:
    """Everything in a city data folder, validated. Lists keep the files' order."""

    folder: Path
    city: City
    districts: list[District]
    boundary: Polygon | None
    river: LineString | None
    nodes: list[StreetNode]
    edges: list[StreetEdge]
    streets: list[Street]
    depots: list[Depot]
    facilities: list[Facility]
    contractors: list[Contractor]
    categories: list[Category]
    crews: list[Crew]
    equipment: list[Equipment]
    tickets_day: list[Ticket]
    snowstorm: Snowstorm
    snow_routes: list[SnowRoute]

    @cached_property
    def district_by_code(self) -> dict[int, District]:
        return {d.code: d for d in self.districts}

    @cached_property
    def category_by_code(self) -> dict[str, Category]:
        return {c.code: c for c in self.categories}

    @cached_property
    def depot_by_id(self) -> dict[str, Depot]:
        return {d.id: d for d in self.depots}

    @cached_property
    def contractor_by_id(self) -> dict[str, Contractor]:
        return {c.id: c for c in self.contractors}

    @cached_property
    def crew_by_id(self) -> dict[str, Crew]:
        return {c.id: c for c in self.crews}

    @cached_property
    def equipment_by_id(self) -> dict[str, Equipment]:
        return {e.id: e for e in self.equipment}

    @cached_property
    def street_by_id(self) -> dict[int, Street]:
        return {s.street_id: s for s in self.streets}

    @cached_property
    def skills(self) -> set[str]:
        """Every skill some in-remit category needs."""
        return {c.skill for c in self.categories if c.skill}


def load_city(folder: Path | str | None = None) -> CityData:
    """Load and validate a city data folder (default: `default_city_dir()`)."""
    root = Path(folder) if folder is not None else default_city_dir()
    if not root.is_dir():
        raise CityDataError(
            str(root),
            "city data folder does not exist",
            hint="pass a folder written by `python -m fixtures.generate --out DIR`",
        )
    city = load_city_meta(root)
    boundary = load_boundary(root)
    data = CityData(
        folder=root,
        city=city,
        districts=load_districts(root, city, boundary),
        boundary=boundary,
        river=load_river(root),
        nodes=load_street_nodes(root, city),
        edges=load_street_edges(root),
        streets=load_streets(root),
        depots=load_depots(root, city),
        facilities=load_facilities(root, city),
        contractors=load_contractors(root),
        categories=load_categories(root),
        crews=load_crews(root),
        equipment=load_equipment(root),
        tickets_day=load_tickets_day(root, city),
        snowstorm=load_snowstorm(root, city),
        snow_routes=load_snow_routes(root, city),
    )
    check_references(data)
    return data


def _district(
    file: str, codes: set[int], code: int, index: int | None, record_id: object, field: str
) -> None:
    check(
        code in codes,
        file,
        f"district {code} is not in districts.geojson (codes {min(codes)}..{max(codes)})",
        index=index,
        record_id=record_id,
        field=field,
    )


def _on_district(
    file: str, data: CityData, code: int, lon: float, lat: float, index: int, record_id: object
) -> None:
    poly = data.district_by_code[code].polygon
    check(
        poly.distance(Point(lon, lat)) <= ON_BORDER_DEG,
        file,
        f"point ({lon}, {lat}) is not inside district {code}",
        index=index,
        record_id=record_id,
        field="district",
    )


def check_references(data: CityData) -> None:
    """Every id one file names must exist in the file it points to, and agree with it."""
    codes = set(data.district_by_code)
    node_ids = {n.id for n in data.nodes}

    file = "street_edges.csv"
    for index, edge in enumerate(data.edges):
        for field in ("u", "v"):
            node = getattr(edge, field)
            check(
                node in node_ids,
                file,
                f"node {node} is not in street_nodes.csv",
                index=index,
                record_id=edge.id,
                field=field,
            )
        street = data.street_by_id.get(edge.street_id)
        check(
            street is not None,
            file,
            f"street {edge.street_id} is not in streets.csv",
            index=index,
            record_id=edge.id,
            field="street_id",
        )
        assert street is not None
        check(
            street.road_class == edge.road_class,
            file,
            f"road_class {edge.road_class!r} differs from street {edge.street_id}'s {street.road_class!r} "
            "in streets.csv",
            index=index,
            record_id=edge.id,
            field="road_class",
        )

    file = "depots.json"
    for index, depot in enumerate(data.depots):
        _district(file, codes, depot.district, index, depot.id, "district")
        _on_district(file, data, depot.district, depot.lon, depot.lat, index, depot.id)
        if depot.node_id is not None:
            check(
                depot.node_id in node_ids,
                file,
                f"node {depot.node_id} is not in street_nodes.csv",
                index=index,
                record_id=depot.id,
                field="node_id",
            )
    with_depot = {d.district for d in data.depots}
    for code in sorted(codes - with_depot):
        raise CityDataError(
            file, f"district {code} has no depot; every district needs at least one", field="district"
        )

    file = "facilities.json"
    for index, facility in enumerate(data.facilities):
        _district(file, codes, facility.district, index, facility.id, "district")
        _on_district(file, data, facility.district, facility.lon, facility.lat, index, facility.id)
        if facility.node_id is not None:
            check(
                facility.node_id in node_ids,
                file,
                f"node {facility.node_id} is not in street_nodes.csv",
                index=index,
                record_id=facility.id,
                field="node_id",
            )

    file = "contractors.json"
    for index, contractor in enumerate(data.contractors):
        for k, code in enumerate(contractor.districts):
            _district(file, codes, code, index, contractor.id, f"districts[{k}]")
    held = {code for c in data.contractors for code in c.districts}
    for code in sorted(codes - held):
        raise CityDataError(file, f"no contractor holds district {code}", field="districts")

    file = "equipment.json"
    for index, unit in enumerate(data.equipment):
        _district(file, codes, unit.home_district, index, unit.id, "home_district")
        home = data.depot_by_id.get(unit.depot_id)
        check(
            home is not None,
            file,
            f"depot {unit.depot_id!r} is not in depots.json",
            index=index,
            record_id=unit.id,
            field="depot_id",
        )
        assert home is not None
        check(
            home.district == unit.home_district,
            file,
            f"depot {home.id!r} is in district {home.district}, not in home_district {unit.home_district}",
            index=index,
            record_id=unit.id,
            field="depot_id",
        )
        if unit.crew_id is not None:
            check(
                unit.crew_id in data.crew_by_id,
                file,
                f"crew {unit.crew_id!r} is not in crews.json",
                index=index,
                record_id=unit.id,
                field="crew_id",
            )

    file = "crews.json"
    kit: dict[str, Counter[str]] = {}
    for unit in data.equipment:
        if unit.crew_id is not None:
            kit.setdefault(unit.crew_id, Counter())[unit.type] += 1
    for index, crew in enumerate(data.crews):
        owner = data.contractor_by_id.get(crew.contractor_id)
        check(
            owner is not None,
            file,
            f"contractor {crew.contractor_id!r} is not in contractors.json",
            index=index,
            record_id=crew.id,
            field="contractor_id",
        )
        check(
            crew.depot_id in data.depot_by_id,
            file,
            f"depot {crew.depot_id!r} is not in depots.json",
            index=index,
            record_id=crew.id,
            field="depot_id",
        )
        assert owner is not None
        for k, code in enumerate(crew.districts):
            _district(file, codes, code, index, crew.id, f"districts[{k}]")
            check(
                code in owner.districts,
                file,
                f"district {code} is not held by its contractor {owner.id!r}",
                index=index,
                record_id=crew.id,
                field=f"districts[{k}]",
            )
        for k, skill in enumerate(crew.skills):
            check(
                skill in data.skills,
                file,
                f"skill {skill!r} is not the skill of any category in categories.json "
                f"({', '.join(sorted(data.skills))})",
                index=index,
                record_id=crew.id,
                field=f"skills[{k}]",
            )
        listed = set(crew.equipment)
        owned = set(kit.get(crew.id, Counter()))
        check(
            listed == owned,
            file,
            f"lists equipment {sorted(listed)} but equipment.json gives it {sorted(owned)}",
            index=index,
            record_id=crew.id,
            field="equipment",
        )

    _ticket_categories("tickets_day.json", data, data.tickets_day, "")

    file = "snowstorm.json"
    storm = data.snowstorm
    for k, code in enumerate(storm.districts):
        _district(file, codes, code, None, None, f"districts[{k}]")
    for code in storm.snowfall_by_district:
        _district(file, codes, code, None, None, f"snowfall_cm.{code}")
    _ticket_categories(file, data, storm.tickets, "tickets")
    for index, pos in enumerate(storm.equipment_positions):
        field = f"equipment_positions[{index}]"
        check(
            pos.equipment_id in data.equipment_by_id,
            file,
            f"equipment {pos.equipment_id!r} is not in equipment.json",
            index=index,
            record_id=pos.equipment_id,
            field=f"{field}.equipment_id",
        )
        _district(file, codes, pos.district, index, pos.equipment_id, f"{field}.district")

    file = "snow_routes.geojson"
    edge_street = {e.id: e.street_id for e in data.edges}
    for index, route in enumerate(data.snow_routes):
        check(
            route.edge_id in edge_street,
            file,
            f"edge {route.edge_id} is not in street_edges.csv",
            index=index,
            record_id=route.edge_id,
            field="properties.edge_id",
        )
        check(
            edge_street[route.edge_id] == route.street_id,
            file,
            f"street {route.street_id} differs from street {edge_street[route.edge_id]} of edge "
            f"{route.edge_id} in street_edges.csv",
            index=index,
            record_id=route.edge_id,
            field="properties.street_id",
        )
        _district(file, codes, route.district, index, route.edge_id, "properties.district")


def _ticket_categories(file: str, data: CityData, tickets: list[Ticket], key: str) -> None:
    for index, ticket in enumerate(tickets):
        field = f"{key}[{index}].category" if key else "category"
        check(
            ticket.category in data.category_by_code,
            file,
            f"category {ticket.category!r} is not in categories.json",
            index=index,
            record_id=ticket.id,
            field=field,
        )
