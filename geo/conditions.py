"""Travel conditions on the road graph: snow level, plowed and closed streets, factor overrides.

A condition never copies the graph: :func:`edge_travel_s` derives per-edge seconds from the graph's
free-flow times and the condition's factors. Factors multiply travel time (2.0 = twice as slow).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

import numpy as np
import numpy.typing as npt

from geo.graph import RoadGraph
from geo.speeds import ROAD_CLASSES, class_code

SNOW_FACTORS: Final[Mapping[int, tuple[float, float, float]]] = MappingProxyType({
    0: (1.0, 1.0, 1.0),
    1: (1.15, 1.35, 1.7),
    2: (1.3, 1.8, 2.6),
    3: (1.6, 2.5, 4.0),
})
"""Travel-time factor per snow level for (arterial, collector, residential): unplowed side streets
suffer far more than arterials, which are treated first and carry traffic that packs the snow."""


@dataclass(frozen=True)
class Conditions:
    """Road conditions for one matrix or route.

    ``snow_level`` 0–3 picks :data:`SNOW_FACTORS`; ``plowed_edge_ids`` are restored to
    ``plowed_factor`` (1.0 = free flow); ``closed_edge_ids`` cannot be driven at all.
    ``class_factors`` replace the snow factor of whole road classes and ``street_factors`` the factor
    of single streets (by ``street_id``; they win over everything but closures).
    Build with :meth:`make` from ordinary collections.
    """

    snow_level: int = 0
    plowed_edge_ids: frozenset[int] = frozenset()
    closed_edge_ids: frozenset[int] = frozenset()
    class_factors: tuple[tuple[str, float], ...] = ()
    street_factors: tuple[tuple[int, float], ...] = ()
    plowed_factor: float = 1.0

    def __post_init__(self) -> None:
        if self.snow_level not in SNOW_FACTORS:
            raise ValueError(f"snow_level must be 0–3, got {self.snow_level}")
        for name, factor in self.class_factors:
            class_code(name)
            if not factor > 0:
                raise ValueError(f"factor for class {name!r} must be positive, got {factor}")
        for street, factor in self.street_factors:
            if not factor > 0:
                raise ValueError(f"factor for street {street} must be positive, got {factor}")
        if not self.plowed_factor > 0:
            raise ValueError("plowed_factor must be positive")

    @classmethod
    def make(cls, *, snow_level: int = 0, plowed_edge_ids: Iterable[int] = (),
             closed_edge_ids: Iterable[int] = (), class_factors: Mapping[str, float] | None = None,
             street_factors: Mapping[int, float] | None = None, plowed_factor: float = 1.0
             ) -> Conditions:
        return cls(
            snow_level=int(snow_level),
            plowed_edge_ids=frozenset(int(i) for i in plowed_edge_ids),
            closed_edge_ids=frozenset(int(i) for i in closed_edge_ids),
            class_factors=tuple(sorted((str(k), float(f)) for k, f in (class_factors or {}).items())),
            street_factors=tuple(sorted((int(k), float(f)) for k, f in (street_factors or {}).items())),
            plowed_factor=float(plowed_factor),
        )

    @property
    def is_free_flow(self) -> bool:
        return (self.snow_level == 0 and not self.closed_edge_ids and not self.class_factors
                and not self.street_factors)

    def key(self) -> str:
        """Stable content hash (same conditions ⇒ same key across processes)."""
        text = repr((self.snow_level, sorted(self.plowed_edge_ids), sorted(self.closed_edge_ids),
                     self.class_factors, self.street_factors, self.plowed_factor))
        return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


FREE_FLOW: Final = Conditions()


def edge_factors(graph: RoadGraph, conditions: Conditions | None = None) -> npt.NDArray[np.float64]:
    """Travel-time factor per graph edge (``inf`` for closed edges)."""
    cond = conditions or FREE_FLOW
    per_class = np.array(SNOW_FACTORS[cond.snow_level], dtype=np.float64)
    for name, factor in cond.class_factors:
        per_class[ROAD_CLASSES.index(name)] = factor
    factors = per_class[graph.road_class]
    if cond.plowed_edge_ids:
        factors = np.where(graph.edges_of(list(cond.plowed_edge_ids)), cond.plowed_factor, factors)
    for street, factor in cond.street_factors:
        factors = np.where(graph.street_id == street, factor, factors)
    if cond.closed_edge_ids:
        factors = np.where(graph.edges_of(list(cond.closed_edge_ids)), np.inf, factors)
    return factors


def edge_travel_s(graph: RoadGraph, conditions: Conditions | None = None) -> npt.NDArray[np.float64]:
    """Seconds to drive each graph edge under ``conditions`` (float; ``inf`` where closed)."""
    return graph.free_flow_s() * edge_factors(graph, conditions)
