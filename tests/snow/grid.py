"""Hand-built street grids for the snow engine tests: places, segments and shortest-path matrices."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import shortest_path

from engine.snow import UNREACHABLE, Plow, PlowRouteProblem, RequiredSegment, Traversal

BLOCK_M = 100
SPEED_M_S = 10  # deadheading
PLOW_M_S = 5  # plowing


def grid_arcs(n: int, oneway_rows: frozenset[int] | set[int] = frozenset()) -> list[tuple[int, int]]:
    """Directed arcs of an n×n grid (node = row * n + col). Rows in `oneway_rows` run east only."""
    arcs: list[tuple[int, int]] = []
    for r in range(n):
        for c in range(n):
            a = r * n + c
            if c + 1 < n:
                arcs.append((a, a + 1))
                if r not in oneway_rows:
                    arcs.append((a + 1, a))
            if r + 1 < n:
                arcs.append((a, a + n))
                arcs.append((a + n, a))
    return arcs


def travel_matrix(n_nodes: int, arcs: list[tuple[int, int]]) -> npt.NDArray[np.int64]:
    rows = [u for u, _ in arcs]
    cols = [v for _, v in arcs]
    graph = csr_matrix(([BLOCK_M / SPEED_M_S] * len(arcs), (rows, cols)), shape=(n_nodes, n_nodes))
    dist = shortest_path(graph, directed=True)
    out = np.where(np.isinf(dist), UNREACHABLE, np.rint(dist)).astype(np.int64)
    return out


def segment(seg_id: str, tier: int, u: int, v: int, *, oneway: bool) -> RequiredSegment:
    service = BLOCK_M // PLOW_M_S
    ways = [Traversal(u, v, service, BLOCK_M)]
    if not oneway:
        ways.append(Traversal(v, u, service, BLOCK_M))
    return RequiredSegment(seg_id, tier, tuple(ways))


def grid_problem(
    n: int,
    tiers: dict[tuple[int, int], int],
    depots: list[int],
    oneway_rows: set[int] | None = None,
    *,
    strict: bool = True,
    time_limit_s: float = 1.0,
) -> PlowRouteProblem:
    """Required segments: the grid arcs listed in `tiers` (u, v) → tier, one per street."""
    oneway_rows = oneway_rows or set()
    arcs = grid_arcs(n, oneway_rows)
    arc_set = set(arcs)
    segments = tuple(
        segment(f"{u}-{v}", tier, u, v, oneway=(v, u) not in arc_set)
        for (u, v), tier in sorted(tiers.items())
    )
    for u, v in tiers:
        assert (u, v) in arc_set, f"({u}, {v}) is not a street of the grid"
    return PlowRouteProblem(
        travel_s=travel_matrix(n * n, arcs),
        segments=segments,
        plows=tuple(Plow(f"plow-{i}", d) for i, d in enumerate(depots)),
        strict_tier_order=strict,
        time_limit_s=time_limit_s,
    )
