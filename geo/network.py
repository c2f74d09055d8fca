"""A source-neutral table of street segments: what every reader produces and ``build_graph`` consumes.

A *segment* is one piece of street between two nodes, with its digitised shape. ``oneway`` says
which way it may be driven: 0 both ways, 1 along the digitising (u→v), -1 against it (v→u).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

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
    ``dropped`` lists rows the reader had to leave out, each with the reason.
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
    dropped: tuple[str, ...] = ()

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


def _coord_key(lon: float, lat: float) -> tuple[int, int]:
    # 1e-7 degrees is about a centimetre: endpoints closer than that are the same node.
    return (round(lon * 1e7), round(lat * 1e7))


def network_from_lines(source: str, lines: list[LineRecord], *, dropped: tuple[str, ...] = ()
                       ) -> LineNetwork:
    """Assemble a :class:`LineNetwork` from line records.

    Records with ``u_key``/``v_key`` use those node ids (the node position is the line's end);
    records without them are joined where their end points coincide. Edge ids default to the row.
    """
    node_pos: dict[int, tuple[float, float]] = {}
    by_coord: dict[tuple[int, int], int] = {}
    next_key = 1 + max(
        [k for rec in lines for k in (rec.u_key, rec.v_key) if k is not None], default=0
    )

    def key_for(given: int | None, lon: float, lat: float) -> int:
        nonlocal next_key
        if given is not None:
            node_pos.setdefault(given, (lon, lat))
            return given
        ck = _coord_key(lon, lat)
        found = by_coord.get(ck)
        if found is None:
            found = next_key
            next_key += 1
            by_coord[ck] = found
            node_pos[found] = (lon, lat)
        return found

    n = len(lines)
    u_key = np.empty(n, dtype=np.int64)
    v_key = np.empty(n, dtype=np.int64)
    offsets = np.zeros(n + 1, dtype=np.int64)
    lon_parts: list[float] = []
    lat_parts: list[float] = []
    for i, rec in enumerate(lines):
        if len(rec.coords) < 2:
            raise GeoDataError(source, "line has fewer than 2 points", feature=f"feature #{rec.row}")
        u_key[i] = key_for(rec.u_key, *rec.coords[0])
        v_key[i] = key_for(rec.v_key, *rec.coords[-1])
        for lon, lat in rec.coords:
            lon_parts.append(lon)
            lat_parts.append(lat)
        offsets[i + 1] = len(lon_parts)
    keys = np.fromiter(node_pos.keys(), dtype=np.int64, count=len(node_pos))
    pos = np.array(list(node_pos.values()), dtype=np.float64).reshape(-1, 2)
    net = LineNetwork(
        source=source,
        node_key=keys,
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
        dropped=dropped,
    )
    if np.unique(net.edge_id).size != n:
        raise GeoDataError(source, "edge ids are not unique")
    return net
