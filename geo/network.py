"""A source-neutral table of street segments: what every reader produces and ``build_graph`` consumes.

A *segment* is one piece of street between two nodes, with its digitised shape. ``oneway`` says
which way it may be driven: 0 both ways, 1 along the digitising (u→v), -1 against it (v→u).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from geo.errors import GeoDataError
from geo.speeds import ROAD_CLASSES

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
Int8Array = npt.NDArray[np.int8]


@dataclass(frozen=True, eq=False)
class LineNetwork:
    """Street segments with node keys and shapes (lon/lat), ready for :func:`geo.graph.build_graph`.

    ``shape_offsets[i]:shape_offsets[i+1]`` slices ``shape_lon``/``shape_lat`` for segment ``i``;
    the first and last shape points are the positions of nodes ``u_key[i]`` and ``v_key[i]``.
    ``speed_kph`` is NaN where the class default applies. ``street_id`` is -1 where unknown.
    ``notes`` lists rows the reader left out or repaired, each with the reason.
    """

    source: str
    node_key: IntArray
    node_lon: FloatArray
    node_lat: FloatArray
    edge_id: IntArray
    u_key: IntArray
    v_key: IntArray
    road_class: Int8Array
    oneway: Int8Array
    speed_kph: FloatArray
    street_id: IntArray
    bridge: BoolArray
    shape_offsets: IntArray
    shape_lon: FloatArray
    shape_lat: FloatArray
    notes: tuple[str, ...] = ()

    @property
    def n_segments(self) -> int:
        return int(self.edge_id.size)

    def validate(self) -> None:
        """Check array shapes and references; raise :class:`GeoDataError` naming the bad row."""
        n = self.n_segments
        for name in ("u_key", "v_key", "road_class", "oneway", "speed_kph", "street_id", "bridge"):
            if getattr(self, name).shape != (n,):
                raise GeoDataError(self.source, f"column {name} has {getattr(self, name).size} "
                                   f"values for {n} segments")
        if self.shape_offsets.shape != (n + 1,) or self.shape_lon.shape != self.shape_lat.shape:
            raise GeoDataError(self.source, "segment shapes are inconsistent with the segment count")
        if self.node_key.size != np.unique(self.node_key).size:
            raise GeoDataError(self.source, "node ids are not unique")
        bad_class = np.flatnonzero((self.road_class < 0) | (self.road_class >= len(ROAD_CLASSES)))
        if bad_class.size:
            raise GeoDataError(self.source, "road class code out of range",
                               feature=f"edge {self.edge_id[bad_class[0]]}")
        bad_oneway = np.flatnonzero(~np.isin(self.oneway, (-1, 0, 1)))
        if bad_oneway.size:
            raise GeoDataError(self.source, "oneway must be -1, 0 or 1",
                               feature=f"edge {self.edge_id[bad_oneway[0]]}")
        known = np.isin(self.u_key, self.node_key) & np.isin(self.v_key, self.node_key)
        if not known.all():
            i = int(np.flatnonzero(~known)[0])
            raise GeoDataError(self.source, f"refers to a node not in the node table "
                               f"(u={self.u_key[i]}, v={self.v_key[i]})",
                               feature=f"edge {self.edge_id[i]}")
        if np.any(np.diff(self.shape_offsets) < 2):
            i = int(np.flatnonzero(np.diff(self.shape_offsets) < 2)[0])
            raise GeoDataError(self.source, "segment shape has fewer than 2 points",
                               feature=f"edge {self.edge_id[i]}")


@dataclass(frozen=True, eq=False)
class StreetTables:
    """The sample city's street tables as read from ``street_nodes.csv``, ``street_edges.csv`` and
    ``streets.csv`` (column arrays, already type-checked by :func:`geo.io.read_city_streets`)."""

    folder: str
    node_id: IntArray
    node_lon: FloatArray
    node_lat: FloatArray
    edge_id: IntArray
    edge_u: IntArray
    edge_v: IntArray
    edge_street_id: IntArray
    edge_road_class: Int8Array
    edge_oneway: BoolArray
    edge_bridge: BoolArray
    street_id: IntArray
    street_name_fa: tuple[str, ...]
    street_name_en: tuple[str, ...]
    street_road_class: Int8Array

    def street_names(self) -> dict[int, tuple[str, str]]:
        """``street_id -> (name_fa, name_en)`` for address search and route labels."""
        return {
            int(sid): (fa, en)
            for sid, fa, en in zip(self.street_id, self.street_name_fa, self.street_name_en, strict=True)
        }

    def to_network(self) -> LineNetwork:
        """Straight segments between the node positions; one-way edges run u→v."""
        source = f"{self.folder}/street_edges.csv"
        order = np.argsort(self.node_id, kind="stable")
        sorted_ids = self.node_id[order]
        for name, keys in (("u", self.edge_u), ("v", self.edge_v)):
            pos = np.searchsorted(sorted_ids, keys)
            pos = np.clip(pos, 0, max(sorted_ids.size - 1, 0))
            missing = np.flatnonzero(sorted_ids[pos] != keys) if sorted_ids.size else np.arange(keys.size)
            if missing.size:
                i = int(missing[0])
                raise GeoDataError(source, f"column {name} refers to node {keys[i]} which is not in "
                                   "street_nodes.csv", feature=f"edge id {self.edge_id[i]}")
        iu = order[np.searchsorted(sorted_ids, self.edge_u)]
        iv = order[np.searchsorted(sorted_ids, self.edge_v)]
        n = self.edge_id.size
        shape_lon = np.empty(2 * n, dtype=np.float64)
        shape_lat = np.empty(2 * n, dtype=np.float64)
        shape_lon[0::2], shape_lon[1::2] = self.node_lon[iu], self.node_lon[iv]
        shape_lat[0::2], shape_lat[1::2] = self.node_lat[iu], self.node_lat[iv]
        return LineNetwork(
            source=source,
            node_key=self.node_id.astype(np.int64),
            node_lon=self.node_lon.astype(np.float64),
            node_lat=self.node_lat.astype(np.float64),
            edge_id=self.edge_id.astype(np.int64),
            u_key=self.edge_u.astype(np.int64),
            v_key=self.edge_v.astype(np.int64),
            road_class=self.edge_road_class.astype(np.int8),
            oneway=self.edge_oneway.astype(np.int8),
            speed_kph=np.full(n, np.nan),
            street_id=self.edge_street_id.astype(np.int64),
            bridge=self.edge_bridge.astype(np.bool_),
            shape_offsets=np.arange(0, 2 * n + 1, 2, dtype=np.int64),
            shape_lon=shape_lon,
            shape_lat=shape_lat,
        )


@dataclass(frozen=True)
class LineRecord:
    """One street line as a reader hands it to :func:`network_from_lines`."""

    row: int
    coords: tuple[tuple[float, float], ...]
    road_class: int
    oneway: int
    speed_kph: float = float("nan")
    street_id: int = -1
    bridge: bool = False
    edge_id: int | None = None
    u_key: int | None = None
    v_key: int | None = None


_JOIN_DEG = 5e-5  # about 5 m
_MAX_END_GAP_M = 25.0
_JOIN_M = 5.0


class _NodeFinder:
    """Nearest node id to a lon/lat position, among nodes placed so far (KD-tree, metres)."""

    def __init__(self, positions: dict[int, tuple[float, float]]) -> None:
        self._keys = np.fromiter(positions.keys(), dtype=np.int64, count=len(positions))
        xy = np.array(list(positions.values()), dtype=np.float64).reshape(-1, 2)
        self._lat0 = float(np.radians(xy[:, 1].mean())) if xy.size else 0.0
        self._tree = cKDTree(self._scale(xy)) if xy.size else None

    def _scale(self, xy: FloatArray) -> FloatArray:
        return np.column_stack((xy[:, 0] * 111_320.0 * np.cos(self._lat0), xy[:, 1] * 110_540.0))

    def near(self, point: tuple[float, float], within_m: float) -> int | None:
        if self._tree is None:
            return None
        dist, idx = self._tree.query(self._scale(np.array([point], dtype=np.float64)))
        return int(self._keys[int(idx[0])]) if float(dist[0]) <= within_m else None


def _gap_m(p: tuple[float, float], q: tuple[float, float]) -> float:
    """Approximate ground distance in metres between two nearby lon/lat positions."""
    mid_lat = np.radians((p[1] + q[1]) / 2.0)
    return float(np.hypot((p[0] - q[0]) * 111_320.0 * np.cos(mid_lat), (p[1] - q[1]) * 110_540.0))


def _coord_key(lon: float, lat: float) -> tuple[int, int]:
    # 1e-7 degrees is about a centimetre: endpoints closer than that are the same node.
    return (round(lon * 1e7), round(lat * 1e7))


def network_from_lines(source: str, lines: list[LineRecord], *, notes: tuple[str, ...] = ()
                       ) -> LineNetwork:
    """Assemble a :class:`LineNetwork` from line records.

    Records with ``u_key``/``v_key`` use those node ids: a line digitised against its ids (its ends
    meet the neighbours' ends the other way round) is turned round, ``oneway`` staying relative to
    u→v; a node sits where most line ends naming it are; ends within about 5 m are moved onto it.
    An end more than 25 m from the node it names is joined to the node that is there instead, or
    the line is left out; both are reported in ``notes``.
    Records without ids are joined where their end points coincide (to about a centimetre).
    Edge ids default to the row.
    """
    for rec in lines:
        if len(rec.coords) < 2:
            raise GeoDataError(source, "line has fewer than 2 points", feature=f"feature #{rec.row}")
    # Orient each id-keyed line by its neighbours: a line's start should be where the other lines
    # naming its u node end or start (its own ends count equally both ways and cancel out).
    ends: dict[int, Counter[tuple[int, int]]] = {}
    for rec in lines:
        if rec.u_key is not None and rec.v_key is not None:
            for key in (rec.u_key, rec.v_key):
                tally = ends.setdefault(key, Counter())
                tally[_coord_key(*rec.coords[0])] += 1
                tally[_coord_key(*rec.coords[-1])] += 1
    oriented: list[list[tuple[float, float]]] = []
    for rec in lines:
        coords = list(rec.coords)
        if rec.u_key is not None and rec.v_key is not None:
            first, last = _coord_key(*coords[0]), _coord_key(*coords[-1])
            tu, tv = ends[rec.u_key], ends[rec.v_key]
            if tu[last] + tv[first] > tu[first] + tv[last]:
                coords.reverse()
        oriented.append(coords)
    # A node sits where most of the (oriented) line ends naming it are.
    tallies: dict[int, Counter[tuple[int, int]]] = {}
    exact: dict[tuple[int, int], tuple[float, float]] = {}
    for rec, coords in zip(lines, oriented, strict=True):
        if rec.u_key is not None and rec.v_key is not None:
            for key, end in ((rec.u_key, coords[0]), (rec.v_key, coords[-1])):
                ck = _coord_key(*end)
                exact.setdefault(ck, end)
                tallies.setdefault(key, Counter())[ck] += 1
    id_pos = {key: exact[tally.most_common(1)[0][0]] for key, tally in tallies.items()}
    # Lines whose ends are far from the node they name contradict the node table: join such an end
    # to the node that does sit there (within _JOIN_M), or leave the line out.
    notes_out = list(notes)
    kept: list[tuple[LineRecord, list[tuple[float, float]]]] = []
    finder = _NodeFinder(id_pos)
    for rec, coords in zip(lines, oriented, strict=True):
        if rec.u_key is not None and rec.v_key is not None:
            keys = [rec.u_key, rec.v_key]
            problem = None
            for side, end in ((0, coords[0]), (1, coords[-1])):
                metres = _gap_m(end, id_pos[keys[side]])
                if metres <= _MAX_END_GAP_M:
                    continue
                there = finder.near(end, _JOIN_M)
                if there is None:
                    problem = (f"feature #{rec.row}: its end lies {metres:,.0f} m from node {keys[side]}, "
                               "which it names, and no other node is there; left out (fix the node ids "
                               "or the geometry)")
                    break
                notes_out.append(f"feature #{rec.row}: its end lies {metres:,.0f} m from node {keys[side]}, "
                             f"which it names; joined to node {there}, which is at that end")
                keys[side] = there
            if problem:
                notes_out.append(problem)
                continue
            rec = replace(rec, u_key=keys[0], v_key=keys[1])
        kept.append((rec, coords))
    lines = [rec for rec, _ in kept]
    oriented = [coords for _, coords in kept]
    node_pos: dict[int, tuple[float, float]] = {}
    for rec in lines:
        if rec.u_key is not None and rec.v_key is not None:
            node_pos[rec.u_key] = id_pos[rec.u_key]
            node_pos[rec.v_key] = id_pos[rec.v_key]
    by_coord: dict[tuple[int, int], int] = {}
    next_key = 1 + max(node_pos, default=0)

    def key_at(lon: float, lat: float) -> int:
        nonlocal next_key
        ck = _coord_key(lon, lat)
        found = by_coord.get(ck)
        if found is None:
            found = next_key
            next_key += 1
            by_coord[ck] = found
            node_pos[found] = (lon, lat)
        return found

    def gap(p: tuple[float, float], q: tuple[float, float]) -> float:
        return float(np.hypot(p[0] - q[0], p[1] - q[1]))

    n = len(lines)
    u_key = np.empty(n, dtype=np.int64)
    v_key = np.empty(n, dtype=np.int64)
    offsets = np.zeros(n + 1, dtype=np.int64)
    lon_parts: list[float] = []
    lat_parts: list[float] = []
    for i, (rec, coords) in enumerate(zip(lines, oriented, strict=True)):
        if rec.u_key is not None and rec.v_key is not None:
            u, v = rec.u_key, rec.v_key
            # line ends within _JOIN_DEG of their node are moved onto it so shapes join up
            if gap(coords[0], node_pos[u]) < _JOIN_DEG:
                coords[0] = node_pos[u]
            if gap(coords[-1], node_pos[v]) < _JOIN_DEG:
                coords[-1] = node_pos[v]
        else:
            u, v = key_at(*coords[0]), key_at(*coords[-1])
            coords[0], coords[-1] = node_pos[u], node_pos[v]
        u_key[i], v_key[i] = u, v
        for lon, lat in coords:
            lon_parts.append(lon)
            lat_parts.append(lat)
        offsets[i + 1] = len(lon_parts)
    node_keys = np.fromiter(node_pos.keys(), dtype=np.int64, count=len(node_pos))
    pos = np.array(list(node_pos.values()), dtype=np.float64).reshape(-1, 2)
    net = LineNetwork(
        source=source,
        node_key=node_keys,
        node_lon=pos[:, 0].copy(),
        node_lat=pos[:, 1].copy(),
        edge_id=np.array([rec.row if rec.edge_id is None else rec.edge_id for rec in lines],
                         dtype=np.int64),
        u_key=u_key,
        v_key=v_key,
        road_class=np.array([rec.road_class for rec in lines], dtype=np.int8),
        oneway=np.array([rec.oneway for rec in lines], dtype=np.int8),
        speed_kph=np.array([rec.speed_kph for rec in lines], dtype=np.float64),
        street_id=np.array([rec.street_id for rec in lines], dtype=np.int64),
        bridge=np.array([rec.bridge for rec in lines], dtype=np.bool_),
        shape_offsets=offsets,
        shape_lon=np.array(lon_parts, dtype=np.float64),
        shape_lat=np.array(lat_parts, dtype=np.float64),
        notes=tuple(notes_out),
    )
    if np.unique(net.edge_id).size != n:
        raise GeoDataError(source, "edge ids are not unique")
    return net
