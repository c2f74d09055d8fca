"""Snow emergency use cases: city data and the road graph turned into the snow engine's inputs.

- Snow routes: street segments with a tier (1 arterials/bridges/access, 2 collectors/bus routes,
  3 residential) and a plowed state, read from the sample city's `snow_routes.geojson` (by edge id)
  or matched geometrically onto the road graph (Cambridge MA's snow emergency routes).
- Reallocation: plow work per district from tiered route length, the declared level and snowfall;
  units with their move times to every district under snow conditions (`engine.snow.reallocate`).
- Plow routes: a district's tiered segments joined into runs along their street, the depots and
  the shortest paths between run ends (`engine.snow.plan_plow_routes`, and the nearest-neighbour
  baseline beside it).

Everything here takes plain inputs and returns typed results; nothing depends on the web layer.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from engine.snow import (
    UNREACHABLE,
    DistrictNeed,
    PassSchedule,
    Plow,
    PlowPlan,
    PlowRouteProblem,
    ReallocationPlan,
    ReallocationProblem,
    RequiredSegment,
    Traversal,
    Unit,
    active_tiers,
    district_work,
    nearest_neighbour,
    passes_for_snowfall,
    plan_plow_routes,
    reallocate,
    repeat_passes,
    replow_interval_s,
)
from geo.conditions import Conditions
from geo.crs import to_metric
from geo.graph import RoadGraph, build_graph
from geo.io import CAMBRIDGE_CENTERLINES, read_centerlines_geojson, read_city_streets, read_vector
from geo.matrix import UNREACHABLE as GEO_UNREACHABLE
from geo.matrix import node_matrix, travel_matrix
from geo.snap import segment_lines, snap

# Lane-metres an hour one unit treats while working its district's snow routes.
WORK_RATE_M_PER_H: Mapping[str, int] = {"plow": 12_000, "salt_spreader": 20_000}
# Plowing speed per road class (km/h): slower than driving, slowest on narrow streets.
PLOW_KPH: Mapping[str, float] = {"arterial": 20.0, "collector": 15.0, "residential": 12.0}
# A run (consecutive segments of one street plowed in one go) is cut at this length so the work
# of a long street can still be shared between plows.
MAX_RUN_M = 1500.0
SIDE_MARK = "/"  # required-segment id of one side of a two-way run: "<run id>/a" or "<run id>/b"
CAMBRIDGE_TIERS: Mapping[str, int] = {"primary": 1, "secondary": 2, "tertiary": 3}


class SnowDataError(ValueError):
    """Snow data that cannot be used; the message names the file, record and field."""


# --------------------------------------------------------------------------------------------------
# snow routes on the road graph


@dataclass(frozen=True, slots=True)
class SnowSegment:
    segment: int  # index into the graph's segment arrays
    edge_id: int
    street_id: int
    tier: int
    district: int
    length_m: float
    two_way: bool = True  # drivable both ways (one-way streets are plowed along their direction)
    name_en: str = ""


@dataclass(frozen=True)
class SnowNetwork:
    """Tiered street segments on a road graph, and the plowed state of each (by edge id)."""

    source: str
    segments: tuple[SnowSegment, ...]
    unmatched: tuple[str, ...] = ()
    plowed_edge_ids: frozenset[int] = frozenset()

    def tier_length_m(self, district: int) -> dict[int, float]:
        out: dict[int, float] = defaultdict(float)
        for s in self.segments:
            if s.district == district:
                out[s.tier] += s.length_m
        return dict(out)

    def districts(self) -> tuple[int, ...]:
        return tuple(sorted({s.district for s in self.segments}))

    def with_plowed(self, edge_ids: Iterable[int]) -> SnowNetwork:
        """The same routes with `edge_ids` marked plowed as well."""
        return replace(self, plowed_edge_ids=self.plowed_edge_ids | {int(e) for e in edge_ids})

    def conditions(self, level: int) -> Conditions:
        """Travel conditions at a snow level with this network's plowed streets back to free flow."""
        return Conditions.make(snow_level=level, plowed_edge_ids=self.plowed_edge_ids)


def _int_prop(props: Mapping[str, Any], key: str, source: str, row: int) -> int:
    value = props.get(key)
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise SnowDataError(
            f"{source}: feature #{row}: property {key!r} is {value!r}, expected an integer"
        ) from None


def city_snow_routes(graph: RoadGraph, path: Path) -> SnowNetwork:
    """The sample city's `snow_routes.geojson`: each feature names its street edge by `edge_id`.
    Edges the road graph left out (outside its connected core) are listed in `unmatched`."""
    frame = read_vector(path)
    source = str(path)
    position = {int(e): i for i, e in enumerate(graph.seg_edge_id)}
    segments: list[SnowSegment] = []
    unmatched: list[str] = []
    for row, props in enumerate(frame.drop(columns="geometry").to_dict("records")):
        edge_id = _int_prop(props, "edge_id", source, row)
        tier = _int_prop(props, "tier", source, row)
        if tier not in (1, 2, 3):
            raise SnowDataError(f"{source}: feature #{row} (edge {edge_id}): tier {tier} is not 1, 2 or 3")
        seg = position.get(edge_id)
        if seg is None:
            unmatched.append(f"edge {edge_id}: not in the road graph")
            continue
        segments.append(
            SnowSegment(
                segment=seg,
                edge_id=edge_id,
                street_id=_int_prop(props, "street_id", source, row),
                tier=tier,
                district=_int_prop(props, "district", source, row),
                length_m=float(graph.seg_length_m[seg]),
                two_way=_two_way(graph, seg),
                name_en=str(props.get("name_en") or ""),
            )
        )
    return SnowNetwork(source, tuple(segments), tuple(unmatched))


def match_route_lines(
    graph: RoadGraph,
    lines: Sequence[Any],
    tiers: Sequence[int],
    *,
    districts: Sequence[int] | None = None,
    labels: Sequence[str] | None = None,
    source: str = "snow routes",
    tolerance_m: float = 12.0,
    min_share: float = 0.6,
) -> SnowNetwork:
    """Match snow-route lines (lon/lat shapely lines) onto graph segments: a segment belongs to a
    route when at least `min_share` of its length lies within `tolerance_m` of the route line.
    A segment on several routes takes the most important (lowest) tier."""
    if len(lines) != len(tiers):
        raise ValueError(f"{len(lines)} route lines for {len(tiers)} tiers")
    seg_lines = segment_lines(graph, np.arange(graph.n_segments, dtype=np.int64))
    tree = shapely.STRtree(seg_lines)
    best: dict[int, tuple[int, int]] = {}  # segment → (tier, district)
    unmatched: list[str] = []
    for i, line in enumerate(lines):
        label = labels[i] if labels is not None else f"feature #{i}"
        coords = np.asarray(shapely.get_coordinates(line))
        if coords.shape[0] < 2:
            unmatched.append(f"{label}: no line geometry")
            continue
        x, y = to_metric(graph.crs, coords[:, 0], coords[:, 1])
        metric_line = shapely.linestrings(np.column_stack((x, y)))
        zone = shapely.buffer(metric_line, tolerance_m, cap_style="flat")
        candidates = tree.query(zone, predicate="intersects")
        if candidates.size == 0:
            unmatched.append(f"{label}: no street within {tolerance_m:g} m")
            continue
        inside = shapely.length(shapely.intersection(seg_lines[candidates], zone))
        share = inside / np.maximum(graph.seg_length_m[candidates], 0.01)
        hits = candidates[share >= min_share]
        if hits.size == 0:
            unmatched.append(f"{label}: no street runs along it")
            continue
        district = districts[i] if districts is not None else 1
        for seg in hits.tolist():
            tier = int(tiers[i])
            if seg not in best or tier < best[seg][0]:
                best[seg] = (tier, district)
    segments = tuple(
        SnowSegment(
            segment=seg,
            edge_id=int(graph.seg_edge_id[seg]),
            street_id=int(graph.street_id[_arc_of(graph, seg)]),
            tier=tier,
            district=district,
            length_m=float(graph.seg_length_m[seg]),
            two_way=_two_way(graph, seg),
        )
        for seg, (tier, district) in sorted(best.items())
    )
    return SnowNetwork(source, segments, tuple(unmatched))


def _two_way(graph: RoadGraph, seg: int) -> bool:
    return int(graph.seg_forward_arc[seg]) >= 0 and int(graph.seg_backward_arc[seg]) >= 0


def _arc_of(graph: RoadGraph, seg: int) -> int:
    arc = int(graph.seg_forward_arc[seg])
    return arc if arc >= 0 else int(graph.seg_backward_arc[seg])


def cambridge_snow_network(geodata_dir: Path) -> tuple[RoadGraph, SnowNetwork]:
    """Cambridge MA: the road graph from TRANS_Centerlines and the DPW snow emergency routes
    (type primary/secondary/tertiary → tiers 1/2/3) matched onto it, as one district (1)."""
    folder = Path(geodata_dir)
    graph, _report = build_graph(
        read_centerlines_geojson(folder / "TRANS_Centerlines.geojson", **CAMBRIDGE_CENTERLINES)
    )
    path = folder / "DPW_SnowEmergencyTowRoutes.geojson"
    frame = read_vector(path)
    tiers: list[int] = []
    labels: list[str] = []
    for row, props in enumerate(frame.drop(columns="geometry").to_dict("records")):
        kind = str(props.get("type") or "").strip().lower()
        if kind not in CAMBRIDGE_TIERS:
            raise SnowDataError(
                f"{path}: feature #{row}: type {props.get('type')!r} is not primary, secondary or tertiary"
            )
        tiers.append(CAMBRIDGE_TIERS[kind])
        labels.append(f"feature #{row} ({props.get('street')}, {kind})")
    network = match_route_lines(graph, list(frame.geometry), tiers, labels=labels, source=str(path))
    return graph, network


# --------------------------------------------------------------------------------------------------
# the sample city's storm, depots and equipment


@dataclass(frozen=True, slots=True)
class Storm:
    level: int
    start: datetime
    expected_end: datetime
    snowfall_cm: Mapping[int, float]
    districts: tuple[int, ...]

    @property
    def duration_s(self) -> int:
        return int((self.expected_end - self.start).total_seconds())


@dataclass(frozen=True, slots=True)
class Depot:
    id: str
    district: int
    lon: float
    lat: float


@dataclass(frozen=True, slots=True)
class EquipmentUnit:
    id: str
    type: str
    home_district: int
    depot_id: str
    district: int  # where it stands now
    lon: float
    lat: float


def _read_json(path: Path) -> Any:
    if not path.is_file():
        raise SnowDataError(f"{path}: file not found")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise SnowDataError(f"{path}: not valid JSON ({exc})") from None


def _field(record: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in record:
        raise SnowDataError(f"{where}: field {key!r} is missing")
    return record[key]


def _when(value: Any, where: str) -> datetime:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise SnowDataError(f"{where}: {value!r} is not an ISO 8601 time") from None


def read_storm(city_dir: Path) -> Storm:
    path = Path(city_dir) / "snowstorm.json"
    data = _read_json(path)
    where = str(path)
    level = int(_field(data, "level", where))
    active_tiers(level)
    start = _when(_field(data, "start", where), f"{where}: start")
    end = _when(_field(data, "expected_end", where), f"{where}: expected_end")
    if end <= start:
        raise SnowDataError(f"{where}: expected_end {end.isoformat()} is not after start {start.isoformat()}")
    snowfall = {int(k): float(v) for k, v in _field(data, "snowfall_cm", where).items()}
    districts = tuple(int(d) for d in _field(data, "districts", where))
    return Storm(level, start, end, snowfall, districts)


def read_depots(city_dir: Path) -> tuple[Depot, ...]:
    path = Path(city_dir) / "depots.json"
    out = []
    for i, rec in enumerate(_read_json(path)):
        where = f"{path}: depot #{i}"
        out.append(
            Depot(
                str(_field(rec, "id", where)),
                int(_field(rec, "district", where)),
                float(_field(rec, "lon", where)),
                float(_field(rec, "lat", where)),
            )
        )
    return tuple(out)


def read_storm_fleet(city_dir: Path, depots: Sequence[Depot]) -> tuple[EquipmentUnit, ...]:
    """Plows and spreaders (every type with a work rate) where `snowstorm.json` says they stand;
    a unit without a position there stands at its home depot."""
    folder = Path(city_dir)
    storm_path = folder / "snowstorm.json"
    positions = {
        str(_field(p, "equipment_id", f"{storm_path}: equipment_positions")): p
        for p in _field(_read_json(storm_path), "equipment_positions", str(storm_path))
    }
    by_id = {d.id: d for d in depots}
    path = folder / "equipment.json"
    out = []
    for i, rec in enumerate(_read_json(path)):
        where = f"{path}: equipment #{i}"
        kind = str(_field(rec, "type", where))
        if kind not in WORK_RATE_M_PER_H:
            continue
        uid = str(_field(rec, "id", where))
        depot_id = str(_field(rec, "depot_id", where))
        if depot_id not in by_id:
            raise SnowDataError(f"{where} ({uid}): depot_id {depot_id!r} is not in depots.json")
        pos = positions.get(uid)
        home = by_id[depot_id]
        out.append(
            EquipmentUnit(
                id=uid,
                type=kind,
                home_district=int(_field(rec, "home_district", where)),
                depot_id=depot_id,
                district=int(pos["district"]) if pos else home.district,
                lon=float(pos["lon"]) if pos else home.lon,
                lat=float(pos["lat"]) if pos else home.lat,
            )
        )
    return tuple(out)


def load_city_graph(city_dir: Path) -> RoadGraph:
    info = _read_json(Path(city_dir) / "city.json")
    graph, _report = build_graph(read_city_streets(city_dir), crs=str(info.get("crs") or "") or None)
    return graph


# --------------------------------------------------------------------------------------------------
# reallocation


def district_depots(depots: Sequence[Depot]) -> dict[int, Depot]:
    """The yard each district's incoming units report to: its first depot."""
    out: dict[int, Depot] = {}
    for d in depots:
        out.setdefault(d.district, d)
    return out


def storm_needs(
    network: SnowNetwork,
    storm: Storm,
    districts: Iterable[int],
    *,
    keep_per_district: int = 1,
    units: Sequence[EquipmentUnit] = (),
) -> tuple[DistrictNeed, ...]:
    """Work per district and type over the level's active tiers: plows pass once over each street,
    twice (once per side) over two-way streets in deep snow; spreaders once over each street.
    Only declared districts have work. Every district keeps at least `keep_per_district` units
    of each type it holds now."""
    needs = []
    for d in sorted(set(districts)):
        work: dict[str, tuple[int, int, int]] = {}
        if d in storm.districts:
            snowfall = storm.snowfall_cm.get(d, 0.0)
            mine = [s for s in network.segments if s.district == d]
            plow = district_work(d, [(s.tier, s.length_m, s.two_way) for s in mine], snowfall, storm.level)
            salt = district_work(d, [(s.tier, s.length_m, False) for s in mine], snowfall, storm.level)
            work = {"plow": plow.work_m, "salt_spreader": salt.work_m}
        keep = {
            kind: min(keep_per_district, sum(1 for u in units if u.district == d and u.type == kind))
            for kind in WORK_RATE_M_PER_H
        }
        needs.append(DistrictNeed(d, work, {k: v for k, v in keep.items() if v > 0}))
    return tuple(needs)


def reallocation_problem(
    graph: RoadGraph,
    network: SnowNetwork,
    storm: Storm,
    units: Sequence[EquipmentUnit],
    depots: Sequence[Depot],
    *,
    keep_per_district: int = 1,
    time_limit_s: float = 10.0,
) -> ReallocationProblem:
    """Units' move times to each district's yard under the storm's snow conditions."""
    yards = district_depots(depots)
    districts = sorted(yards)
    needs = storm_needs(network, storm, districts, keep_per_district=keep_per_district, units=units)
    origins = np.array([[u.lon, u.lat] for u in units], dtype=np.float64)
    targets = np.array([[yards[d].lon, yards[d].lat] for d in districts], dtype=np.float64)
    matrices = travel_matrix(graph, origins, network.conditions(storm.level), destinations=targets)
    engine_units = []
    for i, u in enumerate(units):
        moves = {
            d: (0 if d == u.district else int(matrices.travel_s[i, j]))
            for j, d in enumerate(districts)
            if d == u.district or int(matrices.travel_s[i, j]) != GEO_UNREACHABLE
        }
        engine_units.append(Unit(u.id, u.type, u.district, WORK_RATE_M_PER_H[u.type], moves))
    return ReallocationProblem(needs, tuple(engine_units), time_limit_s=time_limit_s)


def plan_reallocation(
    graph: RoadGraph,
    network: SnowNetwork,
    storm: Storm,
    units: Sequence[EquipmentUnit],
    depots: Sequence[Depot],
    *,
    keep_per_district: int = 1,
    time_limit_s: float = 10.0,
) -> ReallocationPlan:
    problem = reallocation_problem(
        graph, network, storm, units, depots, keep_per_district=keep_per_district, time_limit_s=time_limit_s
    )
    return reallocate(problem)


# --------------------------------------------------------------------------------------------------
# plow routes


@dataclass(frozen=True)
class Run:
    """Consecutive segments of one street and tier plowed in one go, from `start` to `end` node
    (graph positions) along `arcs`; `two_way` runs may be plowed the other way as well."""

    id: str
    tier: int
    street_id: int
    arcs: tuple[int, ...]
    start: int
    end: int
    two_way: bool
    length_m: float
    service_s: int
    reverse_arcs: tuple[int, ...] = ()


@dataclass(frozen=True)
class DistrictRouting:
    district: int
    problem: PlowRouteProblem
    runs: tuple[Run, ...]
    place_node: tuple[int, ...]  # place index → graph node position
    run_edges: Mapping[str, tuple[int, ...]] = field(default_factory=dict)

    def run_of(self, segment_id: str) -> Run:
        """The run a required segment (a plan step's `segment_id`) belongs to."""
        run_id = segment_id.split(SIDE_MARK)[0]
        return next(r for r in self.runs if r.id == run_id)

    def edge_ids(self, segment_id: str) -> tuple[int, ...]:
        """Street edge ids (the city's `edge_id`) plowed by a plan step, in driving order."""
        return tuple(int(e) for e in self.run_edges[self.run_of(segment_id).id])


def _plow_s(graph: RoadGraph, arcs: Sequence[int]) -> int:
    total = 0.0
    for a in arcs:
        kph = PLOW_KPH.get(graph.class_names[int(graph.road_class[a])], 12.0)
        total += float(graph.length_m[a]) / (kph / 3.6)
    return max(1, round(total))


def build_runs(
    graph: RoadGraph, segments: Sequence[SnowSegment], *, max_run_m: float = MAX_RUN_M
) -> list[Run]:
    """Join a district's required segments into runs along their street (same tier, same street,
    same one-way-ness), through nodes where that street simply continues."""
    groups: dict[tuple[int, int, bool], list[tuple[int, int, int, SnowSegment]]] = defaultdict(list)
    for s in segments:
        fwd, bwd = int(graph.seg_forward_arc[s.segment]), int(graph.seg_backward_arc[s.segment])
        two_way = fwd >= 0 and bwd >= 0
        arc = fwd if fwd >= 0 else bwd
        street = s.street_id if s.street_id >= 0 else -1 - s.segment  # unnamed: never joined
        groups[(s.tier, street, two_way)].append((arc, int(graph.u[arc]), int(graph.v[arc]), s))
    runs: list[Run] = []
    for (tier, street, two_way), members in sorted(groups.items(), key=lambda kv: kv[0]):
        for chain in _chains(members, two_way):
            for piece in _cut(graph, chain, max_run_m):
                # a two-way street walked against its stored arc uses the arc's twin
                arcs = tuple(a if int(graph.u[a]) == p else _twin(graph, a) for a, p, _ in piece)
                start, end = piece[0][1], piece[-1][2]
                reverse: tuple[int, ...] = ()
                if two_way:
                    reverse = tuple(_twin(graph, a) for a in reversed(arcs))
                runs.append(
                    Run(
                        id=f"t{tier}-s{street}-{len(runs)}",
                        tier=tier,
                        street_id=street,
                        arcs=arcs,
                        start=start,
                        end=end,
                        two_way=two_way,
                        length_m=float(sum(graph.length_m[a] for a in arcs)),
                        service_s=_plow_s(graph, arcs),
                        reverse_arcs=reverse,
                    )
                )
    return runs


def _twin(graph: RoadGraph, arc: int) -> int:
    seg = int(graph.segment[arc])
    fwd, bwd = int(graph.seg_forward_arc[seg]), int(graph.seg_backward_arc[seg])
    return bwd if arc == fwd else fwd


def _chains(
    members: list[tuple[int, int, int, SnowSegment]], two_way: bool
) -> list[list[tuple[int, int, int]]]:
    """Chains of (arc, from node, to node) in driving order."""
    if not two_way:
        out_of: dict[int, list[int]] = defaultdict(list)
        into: dict[int, list[int]] = defaultdict(list)
        for i, (_, u, v, _) in enumerate(members):
            out_of[u].append(i)
            into[v].append(i)

        def nxt(i: int) -> int | None:
            v = members[i][2]
            return out_of[v][0] if len(out_of[v]) == 1 and len(into[v]) == 1 else None

        has_pred = {j for i in range(len(members)) if (j := nxt(i)) is not None}
        chains: list[list[tuple[int, int, int]]] = []
        used: set[int] = set()
        for first in [i for i in range(len(members)) if i not in has_pred] + list(range(len(members))):
            chain: list[tuple[int, int, int]] = []
            at: int | None = first
            while at is not None and at not in used:
                used.add(at)
                chain.append(members[at][:3])
                at = nxt(at)
            if chain:
                chains.append(chain)
        return chains
    incident: dict[int, list[int]] = defaultdict(list)
    for i, (_, u, v, _) in enumerate(members):
        incident[u].append(i)
        incident[v].append(i)
    used2: set[int] = set()
    chains2: list[list[tuple[int, int, int]]] = []
    ends = [i for i, (_, u, v, _) in enumerate(members) if len(incident[u]) != 2 or len(incident[v]) != 2]
    for first in ends + list(range(len(members))):
        if first in used2:
            continue
        _, u, v, _ = members[first]
        # walk away from an end node where the street does not continue
        node = u if len(incident[u]) != 2 else v
        chain = []
        i2: int | None = first
        while i2 is not None and i2 not in used2:
            used2.add(i2)
            a, p, q, _ = members[i2]
            if p == node:
                chain.append((a, p, q))
                node = q
            else:
                chain.append((a, q, p))
                node = p
            following = [j for j in incident[node] if j not in used2]
            i2 = following[0] if len(incident[node]) == 2 and following else None
        chains2.append(chain)
    return chains2


def _cut(
    graph: RoadGraph, chain: list[tuple[int, int, int]], max_run_m: float
) -> list[list[tuple[int, int, int]]]:
    pieces: list[list[tuple[int, int, int]]] = [[]]
    length = 0.0
    for step in chain:
        seg_len = float(graph.length_m[step[0]])
        if pieces[-1] and length + seg_len > max_run_m:
            pieces.append([])
            length = 0.0
        pieces[-1].append(step)
        length += seg_len
    return pieces


def district_routing(
    graph: RoadGraph,
    network: SnowNetwork,
    district: int,
    plows: Sequence[tuple[str, float, float]],
    *,
    level: int,
    snowfall_cm: float = 0.0,
    tiers: Iterable[int] | None = None,
    skip_plowed: bool = True,
    strict_tier_order: bool = True,
    max_duration_s: int | None = None,
    time_limit_s: float = 10.0,
    max_run_m: float = MAX_RUN_M,
) -> DistrictRouting:
    """The plow-route problem of one district: its snow segments of `tiers` (default: the level's
    active tiers) as runs, `plows` as (id, depot lon, depot lat), deadhead times under the storm.
    A two-way run is one required visit in either direction, or, in snow deeper than one pass
    clears, two visits, one per side (direction)."""
    wanted = set(active_tiers(level) if tiers is None else tiers)
    segs = [
        s
        for s in network.segments
        if s.district == district
        and s.tier in wanted
        and not (skip_plowed and s.edge_id in network.plowed_edge_ids)
    ]
    if not plows:
        raise SnowDataError(f"district {district}: no plow to route; move or assign one first")
    runs = build_runs(graph, segs, max_run_m=max_run_m)
    depot_nodes = snap(graph, [p[1] for p in plows], [p[2] for p in plows]).node
    nodes = sorted({r.start for r in runs} | {r.end for r in runs} | {int(n) for n in depot_nodes})
    place = {n: i for i, n in enumerate(nodes)}
    matrices = node_matrix(graph, nodes, conditions=network.conditions(level))
    travel = matrices.travel_s.astype(np.int64)
    dist = matrices.dist_m.astype(np.int64)
    travel[travel == GEO_UNREACHABLE] = UNREACHABLE
    dist[dist == GEO_UNREACHABLE] = UNREACHABLE
    per_side = passes_for_snowfall(snowfall_cm, two_way=True) == 2
    required = []
    for r in runs:
        along = Traversal(place[r.start], place[r.end], r.service_s, round(r.length_m))
        if not r.two_way:
            required.append(RequiredSegment(r.id, r.tier, (along,)))
            continue
        back = Traversal(place[r.end], place[r.start], _plow_s(graph, r.reverse_arcs), round(r.length_m))
        if per_side:
            required.append(RequiredSegment(f"{r.id}{SIDE_MARK}a", r.tier, (along,)))
            required.append(RequiredSegment(f"{r.id}{SIDE_MARK}b", r.tier, (back,)))
        else:
            required.append(RequiredSegment(r.id, r.tier, (along, back)))
    problem = PlowRouteProblem(
        travel_s=travel,
        segments=tuple(required),
        plows=tuple(
            Plow(pid, place[int(n)], max_duration_s)
            for (pid, _, _), n in zip(plows, depot_nodes, strict=True)
        ),
        dist_m=dist,
        strict_tier_order=strict_tier_order,
        time_limit_s=time_limit_s,
    )
    run_edges = {r.id: tuple(int(graph.edge_id[a]) for a in r.arcs) for r in runs}
    return DistrictRouting(district, problem, tuple(runs), tuple(nodes), run_edges)


@dataclass(frozen=True)
class DistrictPlowPlan:
    district: int
    routing: DistrictRouting
    plan: PlowPlan
    baseline: PlowPlan
    schedule: PassSchedule


def plan_district_plows(
    graph: RoadGraph,
    network: SnowNetwork,
    district: int,
    plows: Sequence[tuple[str, float, float]],
    *,
    level: int,
    storm_s: int,
    snowfall_cm: float = 0.0,
    time_limit_s: float = 10.0,
    strict_tier_order: bool = True,
) -> DistrictPlowPlan:
    """Optimised plow routes of one district, the nearest-neighbour baseline on the same problem,
    and the passes repeated at each tier's interval until the snow stops."""
    routing = district_routing(
        graph,
        network,
        district,
        plows,
        level=level,
        snowfall_cm=snowfall_cm,
        time_limit_s=time_limit_s,
        strict_tier_order=strict_tier_order,
    )
    plan = plan_plow_routes(routing.problem)
    baseline = nearest_neighbour(routing.problem)
    intervals = {t: replow_interval_s(level, t) for t in (1, 2, 3)}
    schedule = repeat_passes(routing.problem, plan, max(storm_s, 1), intervals)
    return DistrictPlowPlan(district, routing, plan, baseline, schedule)


def plows_after(
    plan: ReallocationPlan,
    units: Sequence[EquipmentUnit],
    depots: Sequence[Depot],
    district: int,
    kinds: Iterable[str] = ("plow", "salt_spreader"),
) -> list[tuple[str, float, float]]:
    """(id, depot lon, depot lat) of the units working `district` after the moves: a unit keeps its
    own depot when that is in the district, otherwise it reports to the district's yard."""
    by_depot = {d.id: d for d in depots}
    yard = district_depots(depots)[district]
    wanted = set(kinds)
    out = []
    for u in units:
        if u.type in wanted and plan.assignment.get(u.id, u.district) == district:
            own = by_depot.get(u.depot_id)
            depot = own if own is not None and own.district == district else yard
            out.append((u.id, depot.lon, depot.lat))
    return out


@dataclass(frozen=True)
class StormPlan:
    storm: Storm
    reallocation: ReallocationPlan
    districts: tuple[DistrictPlowPlan, ...] = field(default_factory=tuple)


def plan_storm(
    city_dir: Path,
    *,
    realloc_time_s: float = 10.0,
    route_time_s: float = 10.0,
    districts: Iterable[int] | None = None,
    progress: Callable[[str], None] | None = None,
) -> StormPlan:
    """The sample city's storm end to end: reallocation, then plow routes in each declared district."""
    graph = load_city_graph(city_dir)
    network = city_snow_routes(graph, Path(city_dir) / "snow_routes.geojson")
    storm = read_storm(city_dir)
    depots = read_depots(city_dir)
    units = read_storm_fleet(city_dir, depots)
    realloc = plan_reallocation(graph, network, storm, units, depots, time_limit_s=realloc_time_s)
    plans = []
    for d in sorted(set(storm.districts if districts is None else districts)):
        plows = plows_after(realloc, units, depots, d, kinds=("plow",))
        if not plows:
            continue
        if progress:
            progress(f"district {d}: routing {len(plows)} plows")
        plans.append(
            plan_district_plows(
                graph,
                network,
                d,
                plows,
                level=storm.level,
                storm_s=storm.duration_s,
                snowfall_cm=storm.snowfall_cm.get(d, 0.0),
                time_limit_s=route_time_s,
            )
        )
    return StormPlan(storm, realloc, tuple(plans))
