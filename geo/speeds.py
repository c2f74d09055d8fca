"""Road classes and free-flow speeds per class, with overrides."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

ROAD_CLASSES: Final[tuple[str, ...]] = ("arterial", "collector", "residential")
"""The product's road classes, fastest first. Every graph edge carries one of them."""

DEFAULT_SPEEDS_KPH: Final[Mapping[str, float]] = MappingProxyType(
    {"arterial": 50.0, "collector": 35.0, "residential": 25.0}
)
"""Urban free-flow speeds (km/h) for service vehicles, per road class."""

OSM_HIGHWAY_CLASSES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "motorway": "arterial",
        "motorway_link": "arterial",
        "trunk": "arterial",
        "trunk_link": "arterial",
        "primary": "arterial",
        "primary_link": "arterial",
        "secondary": "arterial",
        "secondary_link": "arterial",
        "tertiary": "collector",
        "tertiary_link": "collector",
        "unclassified": "residential",
        "residential": "residential",
        "living_street": "residential",
        "service": "residential",
        "road": "residential",
    }
)
"""Drivable OSM ``highway`` values and the road class each maps to; others are not drivable."""


def class_code(road_class: str) -> int:
    """Index of ``road_class`` in :data:`ROAD_CLASSES` (raises ``ValueError`` naming the choices)."""
    try:
        return ROAD_CLASSES.index(road_class)
    except ValueError:
        raise ValueError(
            f"unknown road class {road_class!r}; expected one of {', '.join(ROAD_CLASSES)}"
        ) from None


@dataclass(frozen=True)
class SpeedProfile:
    """Free-flow speed per road class (km/h); ``overrides`` replace single classes' defaults."""

    overrides: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, kph in self.overrides.items():
            class_code(name)
            if not kph > 0:
                raise ValueError(f"speed for {name!r} must be positive km/h, got {kph}")

    def kph(self, road_class: str) -> float:
        class_code(road_class)
        return float(self.overrides.get(road_class, DEFAULT_SPEEDS_KPH[road_class]))

    def by_code(self) -> tuple[float, ...]:
        """Speeds in :data:`ROAD_CLASSES` order."""
        return tuple(self.kph(name) for name in ROAD_CLASSES)
