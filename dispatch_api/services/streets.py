"""The street layer for maps: edges of the city's street tables as GeoJSON, cut to a box and classes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from dispatch_api.services.errors import FieldError

MAX_FEATURES = 60_000


@dataclass(frozen=True)
class StreetLayer:
    edge_id: npt.NDArray[np.int64]
    street_id: npt.NDArray[np.int64]
    road_class: npt.NDArray[np.int8]
    oneway: npt.NDArray[np.bool_]
    bridge: npt.NDArray[np.bool_]
    lon0: npt.NDArray[np.float64]
    lat0: npt.NDArray[np.float64]
    lon1: npt.NDArray[np.float64]
    lat1: npt.NDArray[np.float64]
    names: dict[int, tuple[str, str]]
    classes: tuple[str, ...]

    def features(self, bbox: Sequence[float] | None, classes: Sequence[str]) -> dict[str, Any]:
        mask = np.ones(len(self.edge_id), dtype=bool)
        if classes:
            unknown = [c for c in classes if c not in self.classes]
            if unknown:
                raise FieldError(
                    [("classes", f"unknown road class(es) {unknown}; one of {', '.join(self.classes)}")]
                )
            codes = [self.classes.index(c) for c in classes]
            mask &= np.isin(self.road_class, codes)
        if bbox is not None:
            minlon, minlat, maxlon, maxlat = bbox
            lo_lon, hi_lon = np.minimum(self.lon0, self.lon1), np.maximum(self.lon0, self.lon1)
            lo_lat, hi_lat = np.minimum(self.lat0, self.lat1), np.maximum(self.lat0, self.lat1)
            mask &= (hi_lon >= minlon) & (lo_lon <= maxlon) & (hi_lat >= minlat) & (lo_lat <= maxlat)
        picked = np.flatnonzero(mask)
        if len(picked) > MAX_FEATURES:
            raise FieldError(
                [
                    (
                        "bbox",
                        f"{len(picked)} street segments in this box (limit {MAX_FEATURES}); "
                        "zoom in or pick classes",
                    )
                ]
            )
        features = []
        for i in picked:
            sid = int(self.street_id[i])
            fa, en = self.names.get(sid, ("", ""))
            features.append(
                {
                    "type": "Feature",
                    "id": int(self.edge_id[i]),
                    "geometry": {
                        "type": "LineString",
                        "coordinates": [
                            [round(float(self.lon0[i]), 6), round(float(self.lat0[i]), 6)],
                            [round(float(self.lon1[i]), 6), round(float(self.lat1[i]), 6)],
                        ],
                    },
                    "properties": {
                        "edge_id": int(self.edge_id[i]),
                        "street_id": sid,
                        "road_class": self.classes[int(self.road_class[i])],
                        "oneway": bool(self.oneway[i]),
                        "bridge": bool(self.bridge[i]),
                        "name_fa": fa,
                        "name_en": en,
                    },
                }
            )
        return {"type": "FeatureCollection", "features": features}


@lru_cache(maxsize=2)
def street_layer(folder: Path) -> StreetLayer:
    """Read the city's street tables once per folder (geo does the reading and checking)."""
    from geo.io import read_city_streets
    from geo.speeds import ROAD_CLASSES

    tables = read_city_streets(folder)
    order = np.argsort(tables.node_id, kind="stable")
    sorted_ids = tables.node_id[order]

    def position(ids: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        return order[np.searchsorted(sorted_ids, ids)]

    u, v = position(tables.edge_u), position(tables.edge_v)
    return StreetLayer(
        edge_id=tables.edge_id,
        street_id=tables.edge_street_id,
        road_class=tables.edge_road_class,
        oneway=tables.edge_oneway,
        bridge=tables.edge_bridge,
        lon0=tables.node_lon[u],
        lat0=tables.node_lat[u],
        lon1=tables.node_lon[v],
        lat1=tables.node_lat[v],
        names=tables.street_names(),
        classes=tuple(ROAD_CLASSES),
    )


@lru_cache(maxsize=64)
def encoded_streets(folder: Path, bbox: tuple[float, ...] | None, classes: tuple[str, ...]) -> bytes:
    """The GeoJSON bytes for a box and classes, kept for repeated map requests (the city is fixed)."""
    import msgspec

    return msgspec.json.encode(street_layer(folder).features(bbox, classes))
