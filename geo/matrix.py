"""Many-to-many travel-time and distance matrices, and route geometry for maps.

Points are snapped onto their street segments and spliced into the graph as extra nodes, so a
point in the middle of a one-way block is reached the way a vehicle would reach it. Dijkstra
(``scipy.sparse.csgraph``) runs on a lexicographic weight — travel time first, then length — packed
exactly into one float64, so the distance matrix is the length of the *fastest* route in one pass.

Matrices are integers (seconds, metres); unreachable pairs hold :data:`UNREACHABLE`. Results are
cached by a content hash of graph + points + conditions.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import LineString
from shapely.ops import substring

from geo.conditions import FREE_FLOW, Conditions, edge_travel_s
from geo.crs import to_lonlat
from geo.errors import NoRouteError, SnapError
from geo.graph import RoadGraph
from geo.snap import DEFAULT_MAX_SNAP_M, Snapped, snap

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
MatrixArray = npt.NDArray[np.int32]

UNREACHABLE: Final[int] = int(np.iinfo(np.int32).max)
"""Value of a matrix cell whose target cannot be reached (e.g. cut off by closures)."""

_MAX_CELLS_PER_CHUNK = 4_000_000
_CACHE: OrderedDict[str, Matrices] = OrderedDict()
_CACHE_SIZE = 16
_LOCK = threading.Lock()  # caches are shared by the threads of one process


@dataclass(frozen=True)
class Matrices:
    """``travel_s[i, j]`` seconds and ``dist_m[i, j]`` metres from origin ``i`` to destination ``j``
    along the fastest route (int32; :data:`UNREACHABLE` where there is none)."""

    travel_s: MatrixArray
    dist_m: MatrixArray
    origins: Snapped | None = None
    destinations: Snapped | None = None

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.travel_s.shape[0]), int(self.travel_s.shape[1]))


@dataclass(frozen=True)
class Route:
    """A fastest route between two points: lon/lat geometry, seconds, metres, and the street
    segments (edge ids) it uses in order."""

    geometry: LineString
    travel_s: int
    dist_m: int
    edge_ids: tuple[int, ...]


# --------------------------------------------------------------------------------------------------
# exact lexicographic packing: (time, length) in one float64


@dataclass(frozen=True)
class _Packing:
    time_q: float
    len_q: float
    shift: float  # 2 ** length bits

    def pack(self, time_s: FloatArray, length_m: FloatArray) -> FloatArray:
        t = np.rint(time_s / self.time_q)
        ln = np.rint(length_m / self.len_q)
        return np.maximum(t * self.shift + ln, 1.0)

    def unpack(self, packed: FloatArray) -> tuple[MatrixArray, MatrixArray]:
        finite = np.isfinite(packed)
        safe = np.where(finite, packed, 0.0)
        t, ln = np.divmod(safe, self.shift)
        travel = np.where(finite, np.rint(t * self.time_q), UNREACHABLE)
        dist = np.where(finite, np.rint(ln * self.len_q), UNREACHABLE)
        return (np.minimum(travel, UNREACHABLE).astype(np.int32),
                np.minimum(dist, UNREACHABLE).astype(np.int32))


def _path_bounds(graph: RoadGraph, time_s: FloatArray) -> tuple[float, float]:
    """Upper bounds on the time and the length of any fastest route (spliced points included).

    For a strongly connected graph d(a, b) <= d(a, s) + d(s, b) for any node s, so one Dijkstra from
    s and one towards s bound every route; a fastest route's length is at most its time times the
    top speed. When closures break the graph apart, the sum over all edges is the (loose) bound.
    """
    finite = np.isfinite(time_s)
    top_arc_s = float(time_s[finite].max()) if finite.any() else 1.0
    total_s = float(time_s[finite].sum()) + 2 * top_arc_s
    speed = graph.length_m[finite] / np.maximum(time_s[finite], 1e-9)
    top_speed = float(speed.max()) if speed.size else 1.0
    total_m = float(graph.length_m.sum())
    forward = graph.adjacency(np.where(finite, np.maximum(time_s, 1e-6), np.inf))
    out_s = dijkstra(forward, directed=True, indices=0)
    in_s = dijkstra(forward.T.tocsr(), directed=True, indices=0)
    if not (np.isfinite(out_s).all() and np.isfinite(in_s).all()):
        return total_s, total_m
    bound_s = (float(out_s.max()) + float(in_s.max()) + 2 * top_arc_s) * 1.01 + 1.0
    return bound_s, min(total_m, bound_s * top_speed * 1.01 + 1.0)


def _packing(total_time_s: float, total_len_m: float) -> _Packing:
    len_q = 0.1
    time_q = 0.001
    for _ in range(12):
        len_bits = max(1, math.ceil(math.log2(total_len_m / len_q + 2)))
        time_bits = max(1, math.ceil(math.log2(total_time_s / time_q + 2)))
        if len_bits + time_bits <= 52:
            return _Packing(time_q, len_q, float(2**len_bits))
        if time_q < 1.0:
            time_q *= 10
        else:
            len_q *= 10
    raise ValueError("road graph too large for exact matrix packing")


# --------------------------------------------------------------------------------------------------
# graph with points spliced in


@dataclass(frozen=True)
class _Augmented:
    matrix: csr_matrix
    packing: _Packing
    point_node: IntArray  # node (graph node or virtual) of each input point
    # per CSR entry: what it came from; arc >= 0 is a graph edge, else a piece along a segment
    entry_arc: IntArray
    entry_seg: IntArray
    entry_f0: FloatArray
    entry_f1: FloatArray


@dataclass(frozen=True)
class _Base:
    """Per (graph, conditions): edge seconds, the packing, and the graph's edges as sorted CSR
    entries with parallel edges reduced to the fastest (``arc`` says which graph edge each is)."""

    time_s: FloatArray
    packing: _Packing
    u: IntArray
    v: IntArray
    weight: FloatArray
    arc: IntArray


_BASES: OrderedDict[tuple[str, str], _Base] = OrderedDict()
_BASE_CACHE_SIZE = 8


def _base(graph: RoadGraph, conditions: Conditions) -> _Base:
    key = (graph.fingerprint, conditions.key())
    with _LOCK:
        hit = _BASES.get(key)
        if hit is not None:
            _BASES.move_to_end(key)
            return hit
    time_s = edge_travel_s(graph, conditions)
    packing = _packing(*_path_bounds(graph, time_s))
    finite = np.flatnonzero(np.isfinite(time_s))
    weight = packing.pack(time_s[finite], graph.length_m[finite])
    u, v = graph.u[finite].astype(np.int64), graph.v[finite].astype(np.int64)
    order = np.lexsort((weight, v, u))
    u, v, weight, arc = u[order], v[order], weight[order], finite[order]
    first = np.ones(u.size, dtype=np.bool_)
    first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    entry = _Base(time_s, packing, u[first], v[first], weight[first], arc[first].astype(np.int64))
    for arr in (entry.time_s, entry.u, entry.v, entry.weight, entry.arc):
        arr.setflags(write=False)
    with _LOCK:
        _BASES[key] = entry
        while len(_BASES) > _BASE_CACHE_SIZE:
            _BASES.popitem(last=False)
    return entry


def _augment(graph: RoadGraph, conditions: Conditions, snapped: Snapped | None) -> _Augmented:
    """The graph's CSR with each snapped point spliced in as a node on its segment.

    A point splits its segment into pieces (one chain per driving direction); pieces never repeat a
    node pair of the graph or of each other, so they join the cached base entries without another
    reduction, and one stable sort by tail node gives the CSR.
    """
    n = graph.n_nodes
    base = _base(graph, conditions)
    time_s, packing = base.time_s, base.packing
    src: list[IntArray] = [base.u]
    dst: list[IntArray] = [base.v]
    w: list[FloatArray] = [base.weight]
    arc: list[IntArray] = [base.arc]
    seg_l: list[IntArray] = [graph.segment[base.arc].astype(np.int64)]
    fwd = graph.forward[base.arc]
    f0_l: list[FloatArray] = [np.where(fwd, 0.0, 1.0)]
    f1_l: list[FloatArray] = [np.where(fwd, 1.0, 0.0)]
    point_node = np.zeros(0, dtype=np.int64)
    n_total = n
    if snapped is not None and len(snapped):
        seg, frac = snapped.segment, snapped.fraction
        at_u, at_v = frac <= 0.0, frac >= 1.0
        point_node = np.where(at_u, graph.seg_u[seg], graph.seg_v[seg]).astype(np.int64)
        inner = np.flatnonzero(~at_u & ~at_v)
        if inner.size:
            key = np.stack((seg[inner], np.rint(frac[inner] * 1e9).astype(np.int64)))
            uniq, inverse = np.unique(key, axis=1, return_inverse=True)
            pos_seg, pos_frac = uniq[0], uniq[1].astype(np.float64) / 1e9  # sorted by (seg, frac)
            k = pos_seg.size
            point_node[inner] = n + inverse.ravel()
            vnode = n + np.arange(k, dtype=np.int64)
            first = np.ones(k, dtype=np.bool_)
            first[1:] = pos_seg[1:] != pos_seg[:-1]
            last = np.ones(k, dtype=np.bool_)
            last[:-1] = pos_seg[:-1] != pos_seg[1:]
            prev_node = np.where(first, graph.seg_u[pos_seg], np.roll(vnode, 1))
            prev_frac = np.where(first, 0.0, np.roll(pos_frac, 1))
            # pieces along the digitising: prev -> p, and for the last point p -> seg_v
            p_from = np.concatenate((prev_node, vnode[last]))
            p_to = np.concatenate((vnode, graph.seg_v[pos_seg[last]].astype(np.int64)))
            p_seg = np.concatenate((pos_seg, pos_seg[last]))
            p_f0 = np.concatenate((prev_frac, pos_frac[last]))
            p_f1 = np.concatenate((pos_frac, np.ones(int(last.sum()))))
            seg_len = graph.seg_length_m[p_seg]
            share = np.abs(p_f1 - p_f0)
            for arc_of_seg, forward in ((graph.seg_forward_arc, True), (graph.seg_backward_arc, False)):
                a = arc_of_seg[p_seg]
                usable = a >= 0
                t_arc = np.where(usable, time_s[np.where(usable, a, 0)], np.inf)
                ok = usable & np.isfinite(t_arc)
                packed = packing.pack(np.where(ok, t_arc, 0.0) * share, seg_len * share)
                src.append((p_from if forward else p_to)[ok])
                dst.append((p_to if forward else p_from)[ok])
                w.append(packed[ok])
                arc.append(np.full(int(ok.sum()), -1, dtype=np.int64))
                seg_l.append(p_seg[ok])
                f0_l.append((p_f0 if forward else p_f1)[ok])
                f1_l.append((p_f1 if forward else p_f0)[ok])
            n_total = n + k
    u = np.concatenate(src)
    order = np.argsort(u, kind="stable")
    u = u[order]
    indptr = np.searchsorted(u, np.arange(n_total + 1)).astype(np.int64)
    matrix = csr_matrix((np.concatenate(w)[order], np.concatenate(dst)[order].astype(np.int32), indptr),
                        shape=(n_total, n_total))
    return _Augmented(
        matrix=matrix, packing=packing, point_node=point_node,
        entry_arc=np.concatenate(arc)[order], entry_seg=np.concatenate(seg_l)[order],
        entry_f0=np.concatenate(f0_l)[order], entry_f1=np.concatenate(f1_l)[order],
    )


def _many_to_many(aug: _Augmented, sources: IntArray, targets: IntArray) -> tuple[MatrixArray,
                                                                                   MatrixArray]:
    uniq_src, src_inv = np.unique(sources, return_inverse=True)
    uniq_dst, dst_inv = np.unique(targets, return_inverse=True)
    n_total = aug.matrix.shape[0]
    chunk = max(1, _MAX_CELLS_PER_CHUNK // max(n_total, 1))
    packed = np.empty((uniq_src.size, uniq_dst.size), dtype=np.float64)
    for start in range(0, uniq_src.size, chunk):
        rows = uniq_src[start:start + chunk]
        full = dijkstra(aug.matrix, directed=True, indices=rows)
        packed[start:start + rows.size] = full[:, uniq_dst]
    travel, dist = aug.packing.unpack(packed)
    travel = travel[src_inv.ravel()][:, dst_inv.ravel()]
    dist = dist[src_inv.ravel()][:, dst_inv.ravel()]
    return np.ascontiguousarray(travel), np.ascontiguousarray(dist)


# --------------------------------------------------------------------------------------------------
# public API


def _points(points: npt.ArrayLike) -> FloatArray:
    arr = np.asarray(points, dtype=np.float64)
    if arr.size == 0:
        return np.zeros((0, 2), dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"points must be (lon, lat) pairs, got an array of shape {arr.shape}")
    return arr


def _cache_key(*parts: Any) -> str:
    digest = hashlib.blake2b(digest_size=20)
    for part in parts:
        if isinstance(part, np.ndarray):
            digest.update(str(part.dtype).encode() + str(part.shape).encode())
            digest.update(np.ascontiguousarray(part).tobytes())
        else:
            digest.update(repr(part).encode())
        digest.update(b"|")
    return digest.hexdigest()


def _cached(key: str) -> Matrices | None:
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None:
            _CACHE.move_to_end(key)
        return hit


def _store(key: str, result: Matrices) -> Matrices:
    result.travel_s.setflags(write=False)
    result.dist_m.setflags(write=False)
    with _LOCK:
        _CACHE[key] = result
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return result


def clear_cache() -> None:
    """Forget cached matrices and per-condition edge weights."""
    with _LOCK:
        _CACHE.clear()
        _BASES.clear()


def cache_info() -> dict[str, int]:
    return {"entries": len(_CACHE), "max_entries": _CACHE_SIZE}


def travel_matrix(graph: RoadGraph, points: npt.ArrayLike, conditions: Conditions | None = None, *,
                  destinations: npt.ArrayLike | None = None,
                  max_snap_m: float = DEFAULT_MAX_SNAP_M) -> Matrices:
    """Travel seconds and metres between lon/lat ``points`` (rows) and ``destinations`` (columns;
    default: the same points). Points are snapped to the nearest street that is not closed;
    :class:`~geo.errors.SnapError` names any point farther than ``max_snap_m``."""
    cond = conditions or FREE_FLOW
    origins = _points(points)
    targets = origins if destinations is None else _points(destinations)
    key = _cache_key("points", graph.fingerprint, cond.key(), max_snap_m, origins,
                     None if destinations is None else targets)
    hit = _cached(key)
    if hit is not None:
        return hit
    o_snap = _snap_named(graph, origins, max_snap_m, cond, "origin" if destinations is not None else "point")
    d_snap = o_snap if destinations is None else _snap_named(graph, targets, max_snap_m, cond,
                                                             "destination")
    both = o_snap if destinations is None else _concat(o_snap, d_snap)
    aug = _augment(graph, cond, both)
    n_o = origins.shape[0]
    src_nodes = aug.point_node[:n_o]
    dst_nodes = src_nodes if destinations is None else aug.point_node[n_o:]
    travel, dist = _many_to_many(aug, src_nodes, dst_nodes)
    return _store(key, Matrices(travel, dist, o_snap, d_snap))


def _snap_named(graph: RoadGraph, pts: FloatArray, max_snap_m: float, cond: Conditions,
                role: str) -> Snapped:
    try:
        return snap(graph, pts[:, 0], pts[:, 1], max_snap_m, exclude_edge_ids=cond.closed_edge_ids)
    except SnapError as exc:
        if role == "point":
            raise
        raise SnapError(f"{role}s: {exc}", indices=exc.indices) from exc


def _concat(a: Snapped, b: Snapped) -> Snapped:
    return Snapped(*(np.concatenate((getattr(a, f), getattr(b, f))) for f in (
        "segment", "edge_id", "fraction", "node", "distance_m", "lon", "lat")))


def node_matrix(graph: RoadGraph, sources: npt.ArrayLike, targets: npt.ArrayLike | None = None,
                conditions: Conditions | None = None) -> Matrices:
    """Travel seconds and metres between graph nodes (positions ``0..n_nodes-1``, not external ids;
    use :meth:`RoadGraph.node_index` to convert)."""
    cond = conditions or FREE_FLOW
    src = np.asarray(sources, dtype=np.int64).ravel()
    dst = src if targets is None else np.asarray(targets, dtype=np.int64).ravel()
    for name, arr in (("sources", src), ("targets", dst)):
        if arr.size and (arr.min() < 0 or arr.max() >= graph.n_nodes):
            raise IndexError(f"{name} must be node positions 0..{graph.n_nodes - 1}")
    key = _cache_key("nodes", graph.fingerprint, cond.key(), src, dst)
    hit = _cached(key)
    if hit is not None:
        return hit
    aug = _augment(graph, cond, None)
    travel, dist = _many_to_many(aug, src, dst)
    return _store(key, Matrices(travel, dist))


def route(graph: RoadGraph, a: tuple[float, float], b: tuple[float, float],
          conditions: Conditions | None = None, *, max_snap_m: float = DEFAULT_MAX_SNAP_M) -> Route:
    """The fastest route from lon/lat ``a`` to ``b`` with its geometry (lon/lat LineString)."""
    cond = conditions or FREE_FLOW
    pts = _points([a, b])
    snapped = snap(graph, pts[:, 0], pts[:, 1], max_snap_m, exclude_edge_ids=cond.closed_edge_ids)
    aug = _augment(graph, cond, snapped)
    start, end = int(aug.point_node[0]), int(aug.point_node[1])
    packed, pred = dijkstra(aug.matrix, directed=True, indices=start, return_predecessors=True)
    if not np.isfinite(packed[end]):
        raise NoRouteError(f"no route from {a} to {b} under the given conditions: closed streets cut "
                           "one off from the other")
    travel, dist = aug.packing.unpack(np.array([[packed[end]]]))
    nodes = [end]
    while nodes[-1] != start:
        nodes.append(int(pred[nodes[-1]]))
    nodes.reverse()
    indptr, indices = aug.matrix.indptr, aug.matrix.indices
    pieces: list[FloatArray] = []
    edge_ids: list[int] = []
    for x, y in itertools.pairwise(nodes):
        row = slice(int(indptr[x]), int(indptr[x + 1]))
        entry = int(indptr[x]) + int(np.flatnonzero(indices[row] == y)[0])
        seg = int(aug.entry_seg[entry])
        f0, f1 = float(aug.entry_f0[entry]), float(aug.entry_f1[entry])
        line = LineString(graph.segment_coords(seg, metric=True))
        part = substring(line, f0, f1, normalized=True)
        coords = np.asarray(shapely.get_coordinates(part), dtype=np.float64)
        if coords.shape[0] >= 1:
            pieces.append(coords)
        edge_id = int(graph.seg_edge_id[seg])
        if not edge_ids or edge_ids[-1] != edge_id:
            edge_ids.append(edge_id)
    if pieces:
        xy = np.vstack(pieces)
        keep = np.ones(xy.shape[0], dtype=np.bool_)
        keep[1:] = np.any(np.abs(np.diff(xy, axis=0)) > 1e-6, axis=1)
        xy = xy[keep]
    else:
        xy = np.empty((0, 2))
    lon, lat = to_lonlat(graph.crs, xy[:, 0], xy[:, 1]) if xy.size else (snapped.lon[:1], snapped.lat[:1])
    if lon.size == 1:
        lon, lat = np.repeat(lon, 2), np.repeat(lat, 2)
    return Route(geometry=LineString(np.column_stack((lon, lat))), travel_s=int(travel[0, 0]),
                 dist_m=int(dist[0, 0]), edge_ids=tuple(edge_ids))


def route_geometry(graph: RoadGraph, a: tuple[float, float], b: tuple[float, float],
                   conditions: Conditions | None = None, *,
                   max_snap_m: float = DEFAULT_MAX_SNAP_M) -> LineString:
    """The fastest route from ``a`` to ``b`` as a lon/lat LineString, for maps."""
    return route(graph, a, b, conditions, max_snap_m=max_snap_m).geometry


def route_geojson(graph: RoadGraph, a: tuple[float, float], b: tuple[float, float],
                  conditions: Conditions | None = None, *,
                  max_snap_m: float = DEFAULT_MAX_SNAP_M) -> dict[str, Any]:
    """The fastest route as a GeoJSON Feature with ``travel_s``, ``dist_m`` and ``edge_ids``."""
    found = route(graph, a, b, conditions, max_snap_m=max_snap_m)
    return {
        "type": "Feature",
        "geometry": shapely.geometry.mapping(found.geometry),
        "properties": {"travel_s": found.travel_s, "dist_m": found.dist_m,
                       "edge_ids": list(found.edge_ids)},
    }
