"""Matching lines drawn on a map (snow routes, works zones) to the road graph's street segments."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

from geo.crs import to_metric
from geo.graph import RoadGraph
from geo.snap import segment_lines

IntArray = npt.NDArray[np.int64]


def edges_along(graph: RoadGraph, lines: Sequence[BaseGeometry], *, tolerance_m: float = 12.0,
                min_share: float = 0.6) -> IntArray:
    """Edge ids of the street segments that run along ``lines`` (lon/lat geometries).

    A segment matches when at least ``min_share`` of its length lies within ``tolerance_m`` of a
    line, so cross streets that merely touch a route are not included.
    """
    if not 0 < min_share <= 1:
        raise ValueError("min_share must be in (0, 1]")
    if not lines:
        return np.zeros(0, dtype=np.int64)
    metric = [shapely.transform(g, lambda x, y: to_metric(graph.crs, x, y), interleaved=False)
              for g in lines]
    zones = shapely.buffer(np.array(metric, dtype=object), tolerance_m)
    seg_idx = np.arange(graph.n_segments, dtype=np.int64)
    seg_geoms = segment_lines(graph, seg_idx)
    tree = shapely.STRtree(seg_geoms)
    zone_i, seg_i = tree.query(zones, predicate="intersects")
    if seg_i.size == 0:
        return np.zeros(0, dtype=np.int64)
    inside = shapely.length(shapely.intersection(seg_geoms[seg_i], zones[zone_i]))
    share = inside / np.maximum(shapely.length(seg_geoms[seg_i]), 1e-9)
    # a segment may be covered by several touching route pieces: add their shares up
    total = np.zeros(graph.n_segments)
    np.add.at(total, seg_i, share)
    return np.unique(graph.seg_edge_id[total >= min_share - 1e-9])
