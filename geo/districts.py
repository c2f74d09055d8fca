"""District polygons: validation, and which district a point is in (one at a time or in bulk).

A point on a shared boundary belongs to the first district of the index (districts are kept in the
order they were given). A point in no district is *outside*; when a district lies within the index's
tolerance it is reported as ``near`` with that district's code and the distance, otherwise as
``outside``: an explicit answer, never a silent ``None``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from geo.crs import check_metric, metric_crs_for, to_lonlat, to_metric
from geo.errors import DistrictError

Code = int | str
Status = Literal["inside", "near", "outside"]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

STATUS_INSIDE, STATUS_NEAR, STATUS_OUTSIDE = 0, 1, 2
_STATUS_NAMES: tuple[Status, Status, Status] = ("inside", "near", "outside")


@dataclass(frozen=True)
class DistrictHit:
    """Where one point falls. ``code`` is set only when the point is inside a district;
    ``nearest_code``/``distance_m`` name the closest district when it is within the tolerance."""

    status: Status
    code: Code | None
    nearest_code: Code | None
    distance_m: float

    @property
    def inside(self) -> bool:
        return self.status == "inside"


@dataclass(frozen=True)
class DistrictHits:
    """Vectorised answer of :meth:`DistrictIndex.locate_many` (positions into ``index.codes``;
    -1 where none). ``status`` holds 0 inside, 1 near, 2 outside."""

    index: IntArray
    nearest: IntArray
    distance_m: FloatArray
    status: npt.NDArray[np.int8]
    codes: tuple[Code, ...]

    def __len__(self) -> int:
        return int(self.index.size)

    def code_at(self, i: int) -> Code | None:
        j = int(self.index[i])
        return None if j < 0 else self.codes[j]

    def hit(self, i: int) -> DistrictHit:
        j, k = int(self.index[i]), int(self.nearest[i])
        return DistrictHit(
            status=_STATUS_NAMES[int(self.status[i])],
            code=None if j < 0 else self.codes[j],
            nearest_code=None if k < 0 else self.codes[k],
            distance_m=float(self.distance_m[i]),
        )

    def codes_array(self) -> npt.NDArray[Any]:
        """District code per point (``None`` when not inside), as an object array."""
        table = np.array([*self.codes, None], dtype=object)
        return table[self.index]  # -1 picks the trailing None

    def counts(self) -> dict[Code, int]:
        inside = self.index[self.index >= 0]
        values, counts = np.unique(inside, return_counts=True)
        return {self.codes[int(v)]: int(c) for v, c in zip(values, counts, strict=True)}


@dataclass(frozen=True)
class Overlap:
    a: Code
    b: Code
    area_m2: float


@dataclass(frozen=True)
class Gap:
    area_m2: float
    lon: float
    lat: float


@dataclass(frozen=True)
class DistrictReport:
    """What validation found: repaired rings, overlapping pairs and gaps inside the city."""

    repaired: tuple[tuple[Code, str], ...] = ()
    overlaps: tuple[Overlap, ...] = ()
    gaps: tuple[Gap, ...] = ()
    skipped_features: int = 0

    @property
    def clean(self) -> bool:
        return not (self.repaired or self.overlaps or self.gaps)

    def messages(self) -> list[str]:
        out = [f"district {code}: invalid polygon repaired ({why})" for code, why in self.repaired]
        out += [f"districts {o.a} and {o.b} overlap by {o.area_m2:,.0f} m²" for o in self.overlaps]
        out += [f"gap of {g.area_m2:,.0f} m² between districts near lon {g.lon:.5f}, lat {g.lat:.5f}"
                for g in self.gaps]
        return out


def _polygonal(geometry: BaseGeometry) -> BaseGeometry:
    parts = [p for p in shapely.get_parts(geometry) if isinstance(p, Polygon) and not p.is_empty]
    nested = [q for p in shapely.get_parts(geometry) if isinstance(p, MultiPolygon) for q in p.geoms]
    parts += nested
    if not parts:
        return Polygon()
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


class DistrictIndex:
    """Immutable index over district polygons.

    Build with :meth:`from_frame` (a frame from :func:`geo.io.read_districts`) or
    :meth:`from_polygons`. Invalid polygons are repaired with ``shapely.make_valid`` (or rejected
    when ``repair=False``); overlaps and gaps are reported in :attr:`report`, not fatal.
    Picklable; spatial structures are rebuilt lazily after unpickling.
    """

    def __init__(self, codes: Sequence[Code], polygons: Sequence[BaseGeometry], *,
                 names: Mapping[str, Sequence[str | None]] | None = None, crs: str | None = None,
                 tolerance_m: float = 250.0, repair: bool = True, min_area_m2: float = 10.0,
                 boundary: BaseGeometry | None = None, skipped_features: int = 0) -> None:
        if len(codes) != len(polygons):
            raise DistrictError(f"{len(codes)} codes for {len(polygons)} polygons")
        if not codes:
            raise DistrictError("no districts given")
        if len(set(codes)) != len(codes):
            dup = next(c for c in codes if list(codes).count(c) > 1)
            raise DistrictError(f"district code {dup!r} is used by more than one polygon; "
                                "merge them (dissolve) or give each its own code")
        if tolerance_m < 0:
            raise ValueError("tolerance_m must be >= 0")
        repaired: list[tuple[Code, str]] = []
        fixed: list[BaseGeometry] = []
        for code, poly in zip(codes, polygons, strict=True):
            if poly is None or poly.is_empty or poly.geom_type not in ("Polygon", "MultiPolygon"):
                kind = "nothing" if poly is None else poly.geom_type
                raise DistrictError(f"district {code}: geometry is {kind}, expected a polygon")
            if not poly.is_valid:
                reason = shapely.is_valid_reason(poly)
                if not repair:
                    raise DistrictError(f"district {code}: polygon is invalid ({reason}); fix the "
                                        "ring or load with repair=True")
                poly = _polygonal(shapely.make_valid(poly))
                if poly.is_empty:
                    raise DistrictError(f"district {code}: polygon is invalid ({reason}) and has no "
                                        "area left after repair; redraw it")
                repaired.append((code, reason))
            fixed.append(poly)
        self._codes: tuple[Code, ...] = tuple(codes)
        self._names = {lang: tuple(values) for lang, values in (names or {}).items()}
        self._lonlat = np.array(fixed, dtype=object)
        bounds = shapely.bounds(self._lonlat)
        self._crs = check_metric(crs) if crs else metric_crs_for(
            np.array([bounds[:, 0].min(), bounds[:, 2].max()]),
            np.array([bounds[:, 1].min(), bounds[:, 3].max()]))
        self._metric = np.array([shapely.transform(p, self._project, interleaved=False)
                                 for p in fixed], dtype=object)
        self._bounds = bounds
        self.tolerance_m = float(tolerance_m)
        self._tree: shapely.STRtree | None = None
        self.report = DistrictReport(
            repaired=tuple(repaired),
            overlaps=self._find_overlaps(min_area_m2),
            gaps=self._find_gaps(min_area_m2, boundary),
            skipped_features=skipped_features,
        )

    # -- construction helpers ---------------------------------------------------------------------

    def _project(self, x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
        return to_metric(self._crs, x, y)

    @classmethod
    def from_frame(cls, frame: Any, *, crs: str | None = None, tolerance_m: float = 250.0,
                   repair: bool = True, min_area_m2: float = 10.0,
                   boundary: BaseGeometry | None = None) -> DistrictIndex:
        """From a districts frame (``code``, optional ``name_<lang>`` columns, EPSG:4326 geometry).
        With the city ``boundary`` polygon (lon/lat), gaps are checked against it."""
        if frame.crs is not None and frame.crs.to_epsg() != 4326:
            frame = frame.to_crs(4326)
        names = {col.removeprefix("name_"): list(frame[col]) for col in frame.columns
                 if isinstance(col, str) and col.startswith("name_")}
        return cls(list(frame["code"]), list(frame.geometry), names=names, crs=crs,
                   tolerance_m=tolerance_m, repair=repair, min_area_m2=min_area_m2,
                   boundary=boundary, skipped_features=int(frame.attrs.get("skipped", 0)))

    @classmethod
    def from_polygons(cls, polygons: Mapping[Code, BaseGeometry], **kwargs: Any) -> DistrictIndex:
        return cls(list(polygons), list(polygons.values()), **kwargs)

    def _find_overlaps(self, min_area_m2: float) -> tuple[Overlap, ...]:
        tree = shapely.STRtree(self._metric)
        left, right = tree.query(self._metric, predicate="intersects")
        found = []
        for i, j in zip(left, right, strict=True):
            if i < j:
                area = float(shapely.area(shapely.intersection(self._metric[i], self._metric[j])))
                if area > min_area_m2:
                    found.append(Overlap(self._codes[i], self._codes[j], area))
        return tuple(found)

    def _find_gaps(self, min_area_m2: float, boundary: BaseGeometry | None) -> tuple[Gap, ...]:
        """Holes inside the districts' union; with a city ``boundary`` (lon/lat), every part of the
        city that no district covers."""
        union = shapely.union_all(self._metric)
        if boundary is not None:
            city = shapely.transform(shapely.make_valid(boundary), self._project, interleaved=False)
            pieces = [p for p in shapely.get_parts(shapely.difference(city, union))
                      if isinstance(p, Polygon)]
        else:
            pieces = [Polygon(ring) for part in shapely.get_parts(union) if isinstance(part, Polygon)
                      for ring in part.interiors]
        gaps = []
        for hole in pieces:
            if hole.area > min_area_m2:
                point = hole.representative_point()
                lon, lat = to_lonlat(self._crs, np.array([point.x]), np.array([point.y]))
                gaps.append(Gap(float(hole.area), float(lon[0]), float(lat[0])))
        return tuple(sorted(gaps, key=lambda g: -g.area_m2))

    # -- pickling: drop the lazily built tree -----------------------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_tree"] = None
        return state

    # -- queries ----------------------------------------------------------------------------------

    @property
    def codes(self) -> tuple[Code, ...]:
        return self._codes

    @property
    def crs(self) -> str:
        return self._crs

    def names(self, lang: str) -> tuple[str | None, ...]:
        return self._names.get(lang, tuple(None for _ in self._codes))

    def polygon(self, code: Code) -> BaseGeometry:
        """The district polygon in lon/lat."""
        geometry: BaseGeometry = self._lonlat[self._codes.index(code)]
        return geometry

    def area_m2(self, code: Code) -> float:
        return float(shapely.area(self._metric[self._codes.index(code)]))

    def __len__(self) -> int:
        return len(self._codes)

    def locate(self, lon: float, lat: float) -> DistrictHit:
        """The district containing (lon, lat); see the module notes for boundaries and outside."""
        return self.locate_many(np.array([lon]), np.array([lat])).hit(0)

    def locate_many(self, lons: npt.ArrayLike, lats: npt.ArrayLike) -> DistrictHits:
        """Vectorised :meth:`locate` over arrays of lon/lat (prepared polygons, bounding-box filter,
        then an STRtree nearest query in metres for the points that are in no district)."""
        x = np.asarray(lons, dtype=np.float64).ravel()
        y = np.asarray(lats, dtype=np.float64).ravel()
        if x.shape != y.shape:
            raise ValueError(f"{x.size} longitudes for {y.size} latitudes")
        n = x.size
        index = np.full(n, -1, dtype=np.int64)
        for i, poly in enumerate(self._lonlat):
            minx, miny, maxx, maxy = self._bounds[i]
            todo = np.flatnonzero((index < 0) & (x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy))
            if todo.size == 0:
                continue
            shapely.prepare(poly)
            inside = shapely.intersects_xy(poly, x[todo], y[todo])
            index[todo[inside]] = i
        nearest = index.copy()
        distance = np.zeros(n, dtype=np.float64)
        status = np.zeros(n, dtype=np.int8)
        missing = np.flatnonzero(index < 0)
        if missing.size:
            valid = np.isfinite(x[missing]) & np.isfinite(y[missing])
            status[missing] = STATUS_OUTSIDE
            distance[missing] = np.inf
            usable = missing[valid]
            if usable.size:
                mx, my = to_metric(self._crs, x[usable], y[usable])
                points = shapely.points(mx, my)
                if self._tree is None:
                    self._tree = shapely.STRtree(self._metric)
                qi, ti = self._tree.query(points, predicate="dwithin", distance=self.tolerance_m)
                if qi.size:
                    dist = shapely.distance(points[qi], self._metric[ti])
                    # closest district per point; ties go to the first district in index order
                    order = np.lexsort((ti, dist, qi))
                    qi, ti, dist = qi[order], ti[order], dist[order]
                    first = np.unique(qi, return_index=True)[1]
                    rows = usable[qi[first]]
                    distance[rows] = dist[first]
                    nearest[rows] = ti[first]
                    status[rows] = STATUS_NEAR
        return DistrictHits(index=index, nearest=nearest, distance_m=distance, status=status,
                            codes=self._codes)
