"""CP-SAT model of equipment reallocation (see `engine.snow.reallocation` for the problem).

x[u, d] ∈ {0, 1}: unit u works in district d (exactly one district per unit). A unit may stay where
it is, or move to a district with work for its type (or one short of its minimum of that type);
moving anywhere else could only cost.

For a fixed deadline Z, what unit u does in district d by then is a constant,
rate_u · max(0, Z − arrival[u, d]), so "tiers 1..k of every district are clear by Z" is a linear
covering constraint Σ_u x[u, d] · done[u, d](Z) ≥ work[d, k] per district and type. The solve is
lexicographic, each step a small exact CP-SAT model:

0. cover as many (district, type) pairs with work as possible (a pair no unit can reach, or one
   left without a unit when there are fewer units than districts, is reported as never clear);
1. binary-search the least Z₁ (whole minutes) with tier 1 clear everywhere by Z₁; then Z₂ for
   tiers 1–2 with Z₁ kept; then Z₃;
2. with those deadlines kept, minimise the sum of the districts' own tier-1 clear times (on a grid
   of Z₁/24: y[d, L] = "d clear by L" is again a linear covering constraint), so spare units go
   where they help, and then the total travel time of the moves (one weighted solve).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from engine.snow.policy import TIERS

if TYPE_CHECKING:
    from engine.snow.reallocation import ReallocationProblem, Unit

_GRID_STEPS = 24  # stage 2 measures each district's tier-1 time on this many steps


@dataclass(frozen=True)
class _Pair:
    district: int
    kind: str
    work_m: tuple[int, int, int]  # cumulative: tiers 1, 1–2, 1–3


def _arrival_s(unit: Unit, district: int) -> int:
    return 0 if unit.district == district else unit.move_s[district]


def solve_assignment(problem: ReallocationProblem) -> tuple[dict[str, int], str]:
    """Return unit id → district for the units the model places, and "optimal" or "feasible"."""
    from engine.snow.reallocation import ReallocationError

    deadline = time.monotonic() + problem.time_limit_s
    dset = {n.district for n in problem.districts}
    wanted: dict[str, set[int]] = {}
    pairs: list[_Pair] = []
    for n in problem.districts:
        for kind, work in n.work_m.items():
            if sum(work) > 0:
                wanted.setdefault(kind, set()).add(n.district)
                pairs.append(_Pair(n.district, kind, (work[0], work[0] + work[1], sum(work))))
        for kind, least in n.min_units.items():
            present = sum(1 for u in problem.units if u.type == kind and u.district == n.district)
            if least > present:
                wanted.setdefault(kind, set()).add(n.district)
    kinds = set(wanted) | {k for n in problem.districts for k, c in n.min_units.items() if c > 0}
    units = [u for u in problem.units if u.type in kinds]
    reach: dict[str, list[int]] = {}
    for u in units:
        targets = {d for d in u.move_s if d in wanted.get(u.type, set())}
        reach[u.id] = sorted(targets | ({u.district} & dset))
    units = [u for u in units if reach[u.id]]
    if not units:
        return {}, "optimal"
    by_id = {u.id: u for u in units}
    max_arrival = max(_arrival_s(u, d) for u in units for d in reach[u.id])
    min_rate = min(u.rate_m_per_h for u in units)
    max_work = max((p.work_m[2] for p in pairs), default=0)
    horizon_min = math.ceil((max_arrival + max_work * 3600 / min_rate) / 60) + 1

    def base() -> tuple[cp_model.CpModel, dict[tuple[str, int], cp_model.IntVar]]:
        m = cp_model.CpModel()
        x: dict[tuple[str, int], cp_model.IntVar] = {}
        for u in units:
            for d in reach[u.id]:
                x[u.id, d] = m.new_bool_var(f"x_{u.id}_{d}")
            m.add_exactly_one(x[u.id, d] for d in reach[u.id])
        for n in problem.districts:
            for kind, least in n.min_units.items():
                if least > 0:
                    m.add(
                        sum(x[u.id, n.district] for u in units if u.type == kind and (u.id, n.district) in x)
                        >= least
                    )
        return m, x

    def here(p: _Pair, x: dict[tuple[str, int], cp_model.IntVar]) -> list[Unit]:
        return [u for u in units if u.type == p.kind and (u.id, p.district) in x]

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    status_name = "optimal"

    def run(
        m: cp_model.CpModel, x: dict[tuple[str, int], cp_model.IntVar], share: float = 1.0
    ) -> dict[str, int] | None:
        nonlocal status_name
        solver.parameters.max_time_in_seconds = max(0.05, share * (deadline - time.monotonic()))
        status = solver.solve(m)
        if status == cp_model.FEASIBLE:
            status_name = "feasible"
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            if status == cp_model.UNKNOWN:
                status_name = "feasible"
            return None
        return {uid: d for (uid, d), var in x.items() if solver.boolean_value(var)}

    def hint(m: cp_model.CpModel, x: dict[tuple[str, int], cp_model.IntVar], sol: dict[str, int]) -> None:
        for (uid, d), var in x.items():
            m.add_hint(var, 1 if sol[uid] == d else 0)

    # 0. coverage
    m, x = base()
    cover = []
    for p in pairs:
        units_p = here(p, x)
        if not units_p:
            continue
        c = m.new_bool_var(f"cov_{p.district}_{p.kind}")
        m.add(sum(x[u.id, p.district] for u in units_p) >= 1).only_enforce_if(c)
        cover.append((p, c))
    m.maximize(sum(c for _, c in cover))
    best = run(m, x)
    if best is None:
        raise ReallocationError(
            f"no reallocation meets the districts' minimums within {problem.time_limit_s} s; "
            "check the minimums or raise the time limit"
        )
    covered = [p for p, _ in cover if any(best[u.id] == p.district for u in here(p, x))]

    def constrained(
        limits: dict[int, int],
    ) -> tuple[cp_model.CpModel, dict[tuple[str, int], cp_model.IntVar]]:
        m, x = base()
        for p in covered:
            units_p = here(p, x)
            m.add(sum(x[u.id, p.district] for u in units_p) >= 1)
            for tier, z_min in limits.items():
                need = p.work_m[tier - 1] * 3600
                if need == 0:
                    continue
                terms = [
                    (x[u.id, p.district], u.rate_m_per_h * max(0, z_min * 60 - _arrival_s(u, p.district)))
                    for u in units_p
                ]
                m.add(sum(coef * var for var, coef in terms if coef > 0) >= need)
        return m, x

    # 1. deadlines, tier by tier
    limits: dict[int, int] = {}
    for tier in TIERS:
        if not any(p.work_m[tier - 1] > 0 for p in covered):
            continue
        lo, hi = 0, horizon_min
        limits[tier] = hi
        while lo < hi and time.monotonic() < deadline:
            mid = (lo + hi) // 2
            limits[tier] = mid
            m, x = constrained(limits)
            hint(m, x, best)
            found = run(m, x)
            if found is None:
                lo = mid + 1
            else:
                hi, best = mid, found
        if lo < hi:
            status_name = "feasible"
        limits[tier] = hi

    # 2. spare units where they bring districts' own tier-1 times down most, then the least travel
    if 1 in limits and time.monotonic() < deadline:
        m, x = constrained(limits)
        step = max(1, math.ceil(limits[1] / _GRID_STEPS))
        late = []
        for p in covered:
            if p.work_m[0] == 0:
                continue
            units_p = here(p, x)
            previous = None
            for level_min in range(step, limits[1], step):
                clear = m.new_bool_var(f"clear_{p.district}_{p.kind}_{level_min}")
                terms = [
                    (x[u.id, p.district], u.rate_m_per_h * max(0, level_min * 60 - _arrival_s(u, p.district)))
                    for u in units_p
                ]
                m.add(
                    sum(coef * var for var, coef in terms if coef > 0) >= p.work_m[0] * 3600
                ).only_enforce_if(clear)
                if previous is not None:
                    m.add_implication(previous, clear)
                previous = clear
                late.append(clear.Not())
        travel = sum(by_id[uid].move_s[d] * var for (uid, d), var in x.items() if d != by_id[uid].district)
        # lexicographic in one solve: a grid step of tier-1 time outweighs any amount of travel
        weight = 1 + sum(max(by_id[uid].move_s.get(d, 0) for d in reach[uid]) for uid in by_id)
        m.minimize(weight * sum(late) + travel)
        hint(m, x, best)
        solver.parameters.num_workers = 2
        found = run(m, x)
        if found is not None:
            best = found
    return best, status_name
