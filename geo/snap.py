"""Snapping lon/lat points onto the road graph's street segments."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

from geo.crs import to_lonlat, to_metric
from geo.errors import SnapError
from geo.graph import RoadGraph

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

DEFAULT_MAX_SNAP_M = 500.0

_TREES: OrderedDict[tuple[str, frozenset[int]], tuple[shapely.STRtree, IntArray,
                                                       npt.NDArray[np.object_]]] = OrderedDict()
_TREE_CACHE_SIZE = 8
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Snapped:
    """Where each point meets the street network.

    ``segment`` indexes the graph's segment arrays, ``edge_id`` is its id, ``fraction`` is the position
    along the segment's digitising (0 at ``seg_u``, 1 at ``seg_v``, by length), ``node`` the nearer
    end node, ``distance_m`` the straight-line distance from the point, and ``lon``/``lat`` the
    snapped position on the street.
    """

    segment: IntArray
    edge_id: IntArray
    fraction: FloatArray
    node: IntArray
    distance_m: FloatArray
    lon: FloatArray
    lat: FloatArray

    def __len__(self) -> int:
        return int(self.segment.size)


def segment_lines(graph: RoadGraph, keep: IntArray) -> npt.NDArray[np.object_]:
    """Metric LineStrings of the segments at positions ``keep``."""
    counts = np.diff(graph.shape_offsets)[keep]
    starts = graph.shape_offsets[:-1][keep]
    take = np.repeat(starts - np.concatenate(([0], np.cumsum(counts)[:-1])), counts) + np.arange(
        int(counts.sum()))
    coords = np.column_stack((graph.shape_x[take], graph.shape_y[take]))
    lines = shapely.linestrings(coords, indices=np.repeat(np.arange(keep.size), counts))
    return np.asarray(lines, dtype=object)


def _tree(graph: RoadGraph, exclude: frozenset[int]) -> tuple[shapely.STRtree, IntArray,
                                                                npt.NDArray[np.object_]]:
    key = (graph.fingerprint, exclude)
    with _LOCK:
        hit = _TREES.get(key)
        if hit is not None:
            _TREES.move_to_end(key)
            return hit
    keep = np.arange(graph.n_segments, dtype=np.int64)
    if exclude:
        keep = keep[~np.isin(graph.seg_edge_id, np.fromiter(exclude, dtype=np.int64))]
    lines = segment_lines(graph, keep)
    entry = (shapely.STRtree(lines), keep, lines)
    with _LOCK:
        _TREES[key] = entry
        while len(_TREES) > _TREE_CACHE_SIZE:
            _TREES.popitem(last=False)
    return entry


def snap(graph: RoadGraph, lons: npt.ArrayLike, lats: npt.ArrayLike,
         max_distance_m: float = DEFAULT_MAX_SNAP_M, *, exclude_edge_ids: Iterable[int] = ()
         ) -> Snapped:
    """Snap each point to the nearest street segment (ignoring ``exclude_edge_ids``, e.g. closures).

    Raises :class:`SnapError` listing the points farther than ``max_distance_m`` from every street.
    """
    x_lon = np.atleast_1d(np.asarray(lons, dtype=np.float64))
    y_lat = np.atleast_1d(np.asarray(lats, dtype=np.float64))
    if x_lon.shape != y_lat.shape:
        raise ValueError(f"{x_lon.size} longitudes for {y_lat.size} latitudes")
    n = x_lon.size
    bad = np.flatnonzero(~np.isfinite(x_lon) | ~np.isfinite(y_lat))
    if bad.size:
        raise SnapError(f"point #{bad[0]} has no valid lon/lat ({x_lon[bad[0]]}, {y_lat[bad[0]]})",
                        indices=tuple(int(i) for i in bad))
    tree, keep, lines = _tree(graph, frozenset(int(i) for i in exclude_edge_ids))
    if keep.size == 0:
        raise SnapError("every street segment is excluded; nothing to snap to")
    px, py = to_metric(graph.crs, x_lon, y_lat)
    points = shapely.points(px, py)
    (qi, ti), dist = tree.query_nearest(points, max_distance=max_distance_m, return_distance=True)
    # ties: the first segment in graph order
    order = np.lexsort((ti, qi))
    qi, ti, dist = qi[order], ti[order], dist[order]
    first = np.unique(qi, return_index=True)[1]
    qi, ti, dist = qi[first], ti[first], dist[first]
    if qi.size < n:
        missing = np.setdiff1d(np.arange(n), qi)
        far_tree = tree.query_nearest(points[missing], return_distance=True)
        far_idx, far_dist = far_tree[0][0], far_tree[1]
        nearest = np.full(missing.size, np.inf)
        np.minimum.at(nearest, far_idx, far_dist)
        shown = ", ".join(
            f"#{int(i)} ({x_lon[i]:.6f}, {y_lat[i]:.6f}) is {d:,.0f} m away"
            for i, d in zip(missing[:5], nearest[:5], strict=True))
        more = f" and {missing.size - 5} more" if missing.size > 5 else ""
        raise SnapError(
            f"{missing.size} of {n} points are farther than {max_distance_m:,.0f} m from any street "
            f"of the road graph: {shown}{more}. Check the coordinates (lon/lat order, city) or raise "
            "max_distance_m.", indices=tuple(int(i) for i in missing))
    seg = keep[ti]
    seg_lines = lines[ti]
    fraction = np.clip(shapely.line_locate_point(seg_lines, points, normalized=True), 0.0, 1.0)
    on_line = shapely.line_interpolate_point(seg_lines, fraction, normalized=True)
    sx, sy = shapely.get_x(on_line), shapely.get_y(on_line)
    lon, lat = to_lonlat(graph.crs, sx, sy)
    node = np.where(fraction < 0.5, graph.seg_u[seg], graph.seg_v[seg]).astype(np.int64)
    return Snapped(segment=seg.astype(np.int64), edge_id=graph.seg_edge_id[seg].copy(),
                   fraction=fraction.astype(np.float64), node=node, distance_m=dist.astype(np.float64),
                   lon=lon, lat=lat)
