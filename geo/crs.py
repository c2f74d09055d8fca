"""Coordinate reference systems: picking a metric CRS and projecting lon/lat arrays into it."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import numpy.typing as npt
from pyproj import CRS, Transformer
from pyproj.aoi import AreaOfInterest
from pyproj.database import query_utm_crs_info

WGS84 = "EPSG:4326"

FloatArray = npt.NDArray[np.float64]


def utm_crs_for(lon: float, lat: float) -> str:
    """The WGS84 UTM zone CRS (e.g. ``EPSG:32639`` for Shiraz) that contains the point."""
    infos = query_utm_crs_info(
        datum_name="WGS 84",
        area_of_interest=AreaOfInterest(lon, lat, lon, lat),
    )
    if not infos:
        raise ValueError(f"no UTM zone found for lon={lon}, lat={lat}")
    return f"{infos[0].auth_name}:{infos[0].code}"


def metric_crs_for(lons: FloatArray, lats: FloatArray) -> str:
    """A metric CRS for data spread over ``lons``/``lats``: the UTM zone of their centre."""
    if lons.size == 0:
        raise ValueError("cannot choose a metric CRS for an empty set of coordinates")
    lon = float((np.nanmin(lons) + np.nanmax(lons)) / 2.0)
    lat = float((np.nanmin(lats) + np.nanmax(lats)) / 2.0)
    return utm_crs_for(lon, lat)


def check_metric(crs: str) -> str:
    """Return ``crs`` if its axes are in metres; raise ``ValueError`` otherwise."""
    parsed = CRS.from_user_input(crs)
    if not parsed.is_projected:
        raise ValueError(f"{crs} is not a projected (metric) CRS; use e.g. the city's UTM zone")
    unit = parsed.axis_info[0].unit_name if parsed.axis_info else ""
    if unit not in ("metre", "meter"):
        raise ValueError(f"{crs} has axes in {unit!r}, not metres")
    return crs


@lru_cache(maxsize=32)
def _transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def to_metric(crs: str, lons: FloatArray, lats: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Project WGS84 lon/lat arrays into ``crs`` (x, y in metres)."""
    x, y = _transformer(WGS84, crs).transform(np.asarray(lons, dtype=np.float64),
                                              np.asarray(lats, dtype=np.float64))
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)


def to_lonlat(crs: str, xs: FloatArray, ys: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Project metric ``crs`` coordinates back to WGS84 lon/lat."""
    lon, lat = _transformer(crs, WGS84).transform(np.asarray(xs, dtype=np.float64),
                                                  np.asarray(ys, dtype=np.float64))
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
