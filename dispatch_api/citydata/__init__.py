"""A city's data folder (districts, streets, depots, crews, categories, tickets, snow scenario) read
into typed, validated records. The file formats are documented in docs/city-data.md.

    from dispatch_api.citydata import load_city
    data = load_city()          # $CREWLINE_CITY_DIR, else fixtures/sample_city
"""

from __future__ import annotations

from dispatch_api.citydata.city import CityData, check_references, load_city
from dispatch_api.citydata.errors import CityDataError
from dispatch_api.citydata.folder import ENV_VAR, SAMPLE_CITY_DIR, default_city_dir
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
from dispatch_api.citydata.records import (
    Category,
    City,
    Contractor,
    Crew,
    CrewBreak,
    Depot,
    Equipment,
    EquipmentPosition,
    Facility,
    HoursSpan,
    LocalName,
    Snowstorm,
    Street,
    StreetEdge,
    StreetNode,
    Ticket,
)

__all__ = [
    "ENV_VAR",
    "SAMPLE_CITY_DIR",
    "Category",
    "City",
    "CityData",
    "CityDataError",
    "Contractor",
    "Crew",
    "CrewBreak",
    "Depot",
    "District",
    "Equipment",
    "EquipmentPosition",
    "Facility",
    "HoursSpan",
    "LocalName",
    "SnowRoute",
    "Snowstorm",
    "Street",
    "StreetEdge",
    "StreetNode",
    "Ticket",
    "check_references",
    "default_city_dir",
    "load_boundary",
    "load_categories",
    "load_city",
    "load_city_meta",
    "load_contractors",
    "load_crews",
    "load_depots",
    "load_districts",
    "load_equipment",
    "load_facilities",
    "load_river",
    "load_snow_routes",
    "load_snowstorm",
    "load_street_edges",
    "load_street_nodes",
    "load_streets",
    "load_tickets_day",
]
