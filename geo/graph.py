"""The road graph: an immutable, picklable set of numpy arrays with CSR adjacency.

Built by :func:`build_graph` from any :class:`~geo.network.LineNetwork` (the sample city's street
tables, GeoJSON centrelines, OSM XML). Each street *segment* keeps its shape; each direction it may
be driven in is a directed *edge* (arc). Only the largest strongly connected component is kept, so
every node can reach every other; what was dropped is in the :class:`BuildReport`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from geo.crs import check_metric, metric_crs_for, to_metric
from geo.errors import GeoDataError
from geo.network import LineNetwork, StreetTables
from geo.speeds import ROAD_CLASSES, SpeedProfile

IntArray = npt.NDArray[np.int64]
Int32Array = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
Int8Array = npt.NDArray[np.int8]


@dataclass(frozen=True, eq=False)
class RoadGraph:
    """Directed road graph. Edge (arc) ``i`` runs from node ``u[i]`` to ``v[i]``; arcs are sorted by
    ``u`` so the arcs leaving node ``n`` are ``indptr[n]:indptr[n+1]`` (CSR). ``edge_id`` is the source
    segment's id, shared by both directions of a two-way street. ``segment[i]`` points into the
    segment arrays (``seg_*``, shapes); ``forward[i]`` says whether the arc runs along the segment's
    digitising. Coordinates: ``lon``/``lat`` (WGS84) and ``x``/``y`` in the metric ``crs``.
    """

    crs: str
    node_id: IntArray
    lon: FloatArray
    lat: FloatArray
    x: FloatArray
    y: FloatArray
    u: Int32Array
    v: Int32Array
    indptr: IntArray
    segment: Int32Array
    forward: BoolArray
    edge_id: IntArray
    length_m: FloatArray
    road_class: Int8Array
    speed_kph: FloatArray
    street_id: IntArray
    bridge: BoolArray
    seg_edge_id: IntArray
    seg_u: Int32Array
    seg_v: Int32Array
    seg_length_m: FloatArray
    seg_forward_arc: IntArray
    seg_backward_arc: IntArray
    shape_offsets: IntArray
    shape_lon: FloatArray
    shape_lat: FloatArray
    shape_x: FloatArray
    shape_y: FloatArray
    class_names: tuple[str, ...] = ROAD_CLASSES
    fingerprint: str = field(default="")

    @property
    def n_nodes(self) -> int:
        return int(self.node_id.size)

    @property
    def n_edges(self) -> int:
        return int(self.u.size)

    @property
    def n_segments(self) -> int:
        return int(self.seg_edge_id.size)

    def free_flow_s(self) -> FloatArray:
        """Travel time of every edge at its free-flow speed, in seconds (float)."""
        return self.length_m / (self.speed_kph / 3.6)

    def node_index(self, node_ids: npt.ArrayLike) -> IntArray:
        """Positions of external node ids; raises ``KeyError`` naming an unknown id."""
        ids = np.asarray(node_ids, dtype=np.int64)
        order = np.argsort(self.node_id, kind="stable")
        pos = np.clip(np.searchsorted(self.node_id[order], ids), 0, self.n_nodes - 1)
        found = self.node_id[order][pos] == ids
        if not np.all(found):
            missing = ids[~found].ravel()[0]
            raise KeyError(f"node {missing} is not in the road graph (dropped or never read)")
        return order[pos].astype(np.int64)

    def edges_of(self, edge_ids: npt.ArrayLike) -> BoolArray:
        """Mask over edges (arcs) whose ``edge_id`` is one of ``edge_ids`` (both directions)."""
        return np.isin(self.edge_id, np.asarray(edge_ids, dtype=np.int64))

    def segment_coords(self, seg: int, *, metric: bool = False) -> FloatArray:
        """The (n, 2) shape of segment ``seg`` along its digitising, lon/lat or metric."""
        a, b = int(self.shape_offsets[seg]), int(self.shape_offsets[seg + 1])
        if metric:
            return np.column_stack((self.shape_x[a:b], self.shape_y[a:b]))
        return np.column_stack((self.shape_lon[a:b], self.shape_lat[a:b]))

    def adjacency(self, weights: FloatArray) -> csr_matrix:
        """CSR matrix of ``weights`` per edge; parallel edges keep their minimum, ``inf`` drops an edge."""
        keep = np.isfinite(weights)
        u, v, w = self.u[keep], self.v[keep], weights[keep]
        order = np.lexsort((w, v, u))
        u, v, w = u[order], v[order], w[order]
        first = np.ones(u.size, dtype=np.bool_)
        first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
        return csr_matrix((w[first], (u[first], v[first])), shape=(self.n_nodes, self.n_nodes))


@dataclass(frozen=True)
class BuildReport:
    """What :func:`build_graph` read, kept and dropped."""

    source: str
    crs: str
    nodes_read: int
    segments_read: int
    edges_read: int
    components: int
    nodes: int
    edges: int
    segments: int
    dropped_nodes: int
    dropped_segments: int
    dropped_edge_ids: tuple[int, ...]
    reader_notes: tuple[str, ...]
    length_km: float
    speeds_kph: Mapping[str, float]

    @property
    def kept_share(self) -> float:
        return self.nodes / self.nodes_read if self.nodes_read else 0.0

    def summary(self) -> str:
        lines = [
            f"{self.source}: {self.nodes:,} nodes, {self.edges:,} directed edges, "
            f"{self.segments:,} segments, {self.length_km:,.1f} km (CRS {self.crs})",
            f"largest strongly connected component kept: {self.nodes:,} of {self.nodes_read:,} nodes "
            f"({100 * self.kept_share:.1f} %), {self.components} components; dropped "
            f"{self.dropped_nodes:,} nodes and {self.dropped_segments:,} segments",
        ]
        lines += [f"reading: {reason}" for reason in self.reader_notes]
        return "\n".join(lines)


def _lookup(keys_sorted: IntArray, order: IntArray, wanted: IntArray) -> IntArray:
    pos = np.clip(np.searchsorted(keys_sorted, wanted), 0, keys_sorted.size - 1)
    return order[pos].astype(np.int64)


def _fingerprint(arrays: list[npt.NDArray[np.generic]], crs: str) -> str:
    digest = hashlib.blake2b(crs.encode(), digest_size=16)
    for arr in arrays:
        digest.update(str(arr.dtype).encode())
        digest.update(np.ascontiguousarray(arr).tobytes())
    return digest.hexdigest()


def build_graph(source: StreetTables | LineNetwork, *,
                speeds: SpeedProfile | Mapping[str, float] | None = None,
                crs: str | None = None) -> tuple[RoadGraph, BuildReport]:
    """Build the road graph from street tables or any :class:`LineNetwork`.

    ``speeds`` overrides the free-flow km/h of whole road classes; a segment's own speed (e.g. OSM
    ``maxspeed``) overrides its class. ``crs`` is the metric CRS for lengths and snapping (default:
    the UTM zone of the network's centre).
    """
    net = source.to_network() if isinstance(source, StreetTables) else source
    net.validate()
    profile = speeds if isinstance(speeds, SpeedProfile) else SpeedProfile(dict(speeds or {}))
    if net.n_segments == 0:
        raise GeoDataError(net.source, "has no street segments")
    metric = check_metric(crs) if crs else metric_crs_for(net.node_lon, net.node_lat)

    order = np.argsort(net.node_key, kind="stable")
    keys_sorted = net.node_key[order]
    seg_u = _lookup(keys_sorted, order, net.u_key)
    seg_v = _lookup(keys_sorted, order, net.v_key)

    shape_x, shape_y = to_metric(metric, net.shape_lon, net.shape_lat)
    step = np.hypot(np.diff(shape_x), np.diff(shape_y))
    offsets = net.shape_offsets
    # length of each segment = sum of its own steps (steps across segment boundaries excluded)
    cum = np.concatenate(([0.0], np.cumsum(step)))
    seg_length = cum[offsets[1:] - 1] - cum[offsets[:-1]]
    seg_length = np.maximum(seg_length, 0.01)

    class_speed = np.array(profile.by_code(), dtype=np.float64)[net.road_class]
    seg_speed = np.where(np.isfinite(net.speed_kph), net.speed_kph, class_speed)

    fwd = np.flatnonzero(net.oneway >= 0)
    bwd = np.flatnonzero(net.oneway <= 0)
    arc_seg = np.concatenate((fwd, bwd))
    arc_forward = np.concatenate((np.ones(fwd.size, np.bool_), np.zeros(bwd.size, np.bool_)))
    arc_u = np.where(arc_forward, seg_u[arc_seg], seg_v[arc_seg])
    arc_v = np.where(arc_forward, seg_v[arc_seg], seg_u[arc_seg])

    n_read = int(net.node_key.size)
    graph_all = csr_matrix((np.ones(arc_u.size), (arc_u, arc_v)), shape=(n_read, n_read))
    n_comp, labels = connected_components(graph_all, directed=True, connection="strong")
    largest = int(np.argmax(np.bincount(labels)))
    node_keep = labels == largest
    arc_keep = node_keep[arc_u] & node_keep[arc_v]
    seg_keep = np.zeros(net.n_segments, dtype=np.bool_)
    seg_keep[arc_seg[arc_keep]] = True

    new_node = np.full(n_read, -1, dtype=np.int64)
    new_node[node_keep] = np.arange(int(node_keep.sum()))
    new_seg = np.full(net.n_segments, -1, dtype=np.int64)
    new_seg[seg_keep] = np.arange(int(seg_keep.sum()))

    arc_seg, arc_forward = arc_seg[arc_keep], arc_forward[arc_keep]
    arc_u, arc_v = new_node[arc_u[arc_keep]], new_node[arc_v[arc_keep]]
    order_arcs = np.lexsort((arc_v, arc_u))
    arc_seg, arc_forward = arc_seg[order_arcs], arc_forward[order_arcs]
    arc_u, arc_v = arc_u[order_arcs], arc_v[order_arcs]
    n_nodes = int(node_keep.sum())
    indptr = np.searchsorted(arc_u, np.arange(n_nodes + 1)).astype(np.int64)

    kept_segs = np.flatnonzero(seg_keep)
    seg_fwd_arc = np.full(kept_segs.size, -1, dtype=np.int64)
    seg_bwd_arc = np.full(kept_segs.size, -1, dtype=np.int64)
    arc_index = np.arange(arc_seg.size, dtype=np.int64)
    seg_fwd_arc[new_seg[arc_seg[arc_forward]]] = arc_index[arc_forward]
    seg_bwd_arc[new_seg[arc_seg[~arc_forward]]] = arc_index[~arc_forward]

    counts = np.diff(offsets)[kept_segs]
    starts = offsets[:-1][kept_segs]
    take = np.repeat(starts - np.concatenate(([0], np.cumsum(counts)[:-1])), counts) + np.arange(
        int(counts.sum()))
    new_offsets = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)

    node_ids = net.node_key[node_keep]
    graph = RoadGraph(
        crs=metric,
        node_id=node_ids.astype(np.int64),
        lon=net.node_lon[node_keep],
        lat=net.node_lat[node_keep],
        x=to_metric(metric, net.node_lon[node_keep], net.node_lat[node_keep])[0],
        y=to_metric(metric, net.node_lon[node_keep], net.node_lat[node_keep])[1],
        u=arc_u.astype(np.int32),
        v=arc_v.astype(np.int32),
        indptr=indptr,
        segment=new_seg[arc_seg].astype(np.int32),
        forward=arc_forward,
        edge_id=net.edge_id[arc_seg],
        length_m=seg_length[arc_seg],
        road_class=net.road_class[arc_seg].astype(np.int8),
        speed_kph=seg_speed[arc_seg],
        street_id=net.street_id[arc_seg],
        bridge=net.bridge[arc_seg],
        seg_edge_id=net.edge_id[kept_segs],
        seg_u=new_node[seg_u[kept_segs]].astype(np.int32),
        seg_v=new_node[seg_v[kept_segs]].astype(np.int32),
        seg_length_m=seg_length[kept_segs],
        seg_forward_arc=seg_fwd_arc,
        seg_backward_arc=seg_bwd_arc,
        shape_offsets=new_offsets,
        shape_lon=net.shape_lon[take],
        shape_lat=net.shape_lat[take],
        shape_x=shape_x[take],
        shape_y=shape_y[take],
    )
    arrays: list[npt.NDArray[np.generic]] = [
        graph.node_id, graph.lon, graph.lat, graph.u, graph.v, graph.edge_id, graph.length_m,
        graph.road_class, graph.speed_kph, graph.street_id, graph.bridge, graph.segment,
        graph.shape_offsets, graph.shape_lon, graph.shape_lat,
    ]
    for arr in (*arrays, graph.x, graph.y, graph.indptr, graph.forward, graph.seg_edge_id, graph.seg_u,
                graph.seg_v, graph.seg_length_m, graph.seg_forward_arc, graph.seg_backward_arc,
                graph.shape_x, graph.shape_y):
        arr.setflags(write=False)
    object.__setattr__(graph, "fingerprint", _fingerprint(arrays, metric))
    dropped_ids = net.edge_id[~seg_keep]
    report = BuildReport(
        source=net.source,
        crs=metric,
        nodes_read=n_read,
        segments_read=net.n_segments,
        edges_read=int(fwd.size + bwd.size),
        components=int(n_comp),
        nodes=n_nodes,
        edges=int(arc_u.size),
        segments=int(kept_segs.size),
        dropped_nodes=n_read - n_nodes,
        dropped_segments=int(dropped_ids.size),
        dropped_edge_ids=tuple(int(i) for i in dropped_ids),
        reader_notes=net.notes,
        length_km=float(seg_length[kept_segs].sum() / 1000.0),
        speeds_kph={name: profile.kph(name) for name in ROAD_CLASSES},
    )
    return graph, report
