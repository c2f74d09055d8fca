"""CP-SAT model of equipment reallocation (see `engine.snow.reallocation` for the problem).

Variables, times in minutes from the declaration:
- x[u, d] ∈ {0, 1}: unit u works in district d (exactly one district per unit);
- T[d, k]: time tiers 1..k of district d are clear;
- y[u, d, k] = max(0, T[d, k] − arrival[u, d]): how long u has worked in d by then;
- c[u, d, k] ≤ rate_u · y[u, d, k], and 0 unless x[u, d]: metres × 60 done by u in d by T[d, k].
Σ_u c[u, d, k] ≥ 60 · work up to tier k, for every type with work in d that some unit covers; a
district no unit of a needed type covers is pinned at the horizon, so the objective avoids it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from engine.snow.policy import TIERS

if TYPE_CHECKING:
    from engine.snow.reallocation import ReallocationProblem, Unit

_STAGES = 5


def _arrival_min(unit: Unit, district: int) -> int:
    if unit.district == district:
        return 0
    return math.ceil(unit.move_s[district] / 60)


def solve_assignment(problem: ReallocationProblem) -> tuple[dict[str, int], str]:
    """Return unit id → district for the units the model places, and "optimal" or "feasible"."""
    from engine.snow.reallocation import ReallocationError

    districts = [n.district for n in problem.districts]
    dset = set(districts)
    kinds_with_work = {
        kind for n in problem.districts for kind, work in n.work_m.items() if sum(work) > 0
    } | {kind for n in problem.districts for kind, c in n.min_units.items() if c > 0}
    units = [u for u in problem.units if u.type in kinds_with_work]
    reach: dict[str, list[int]] = {}
    for u in units:
        r = sorted({d for d in u.move_s if d in dset} | ({u.district} & dset))
        reach[u.id] = r
    units = [u for u in units if reach[u.id]]
    if not units:
        return {}, "optimal"

    max_arrival = max(_arrival_min(u, d) for u in units for d in reach[u.id])
    min_rate = min(u.rate_m_per_h for u in units)
    max_work = max((sum(w) for n in problem.districts for w in n.work_m.values()), default=0)
    horizon = max_arrival + math.ceil(max_work * 60 / min_rate) + 1

    m = cp_model.CpModel()
    x: dict[tuple[str, int], cp_model.IntVar] = {}
    for u in units:
        for d in reach[u.id]:
            x[u.id, d] = m.new_bool_var(f"x_{u.id}_{d}")
        m.add_exactly_one(x[u.id, d] for d in reach[u.id])
        if u.district in reach[u.id]:
            m.add_hint(x[u.id, u.district], 1)

    for need in problem.districts:
        for kind, least in need.min_units.items():
            if least > 0:
                m.add(
                    sum(
                        x[u.id, need.district] for u in units if u.type == kind and (u.id, need.district) in x
                    )
                    >= least
                )

    clear: dict[int, list[cp_model.IntVar]] = {k: [] for k in TIERS}
    for need in problem.districts:
        d = need.district
        for tier in TIERS:
            works = {kind: sum(w[:tier]) for kind, w in need.work_m.items() if sum(w[:tier]) > 0}
            if not works:
                continue
            t_dk = m.new_int_var(0, horizon, f"T_{d}_{tier}")
            clear[tier].append(t_dk)
            for kind, work in works.items():
                here = [u for u in units if u.type == kind and (u.id, d) in x]
                if not here:
                    m.add(t_dk == horizon)
                    continue
                covered = m.new_bool_var(f"cov_{d}_{kind}_{tier}")
                m.add_max_equality(covered, [x[u.id, d] for u in here])
                parts = []
                for u in here:
                    a = _arrival_min(u, d)
                    y = m.new_int_var(0, horizon, f"y_{u.id}_{d}_{tier}")
                    m.add_max_equality(y, [t_dk - a, 0])
                    c = m.new_int_var(0, u.rate_m_per_h * horizon, f"c_{u.id}_{d}_{tier}")
                    m.add(c <= u.rate_m_per_h * y)
                    m.add(c == 0).only_enforce_if(x[u.id, d].Not())
                    parts.append(c)
                m.add(sum(parts) >= work * 60).only_enforce_if(covered)
                m.add(t_dk == horizon).only_enforce_if(covered.Not())

    objectives: list[cp_model.LinearExprT] = []
    for tier in TIERS:
        if clear[tier]:
            z = m.new_int_var(0, horizon, f"Z_{tier}")
            m.add_max_equality(z, clear[tier])
            objectives.append(z)
    all_clear = [t for tier in TIERS for t in clear[tier]]
    if all_clear:
        objectives.append(sum(all_clear))
    objectives.append(sum(u.move_s[d] * x[u.id, d] for u in units for d in reach[u.id] if d != u.district))

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 2
    solver.parameters.max_time_in_seconds = max(0.5, problem.time_limit_s / len(objectives))
    status_name = "optimal"
    best: dict[str, int] | None = None
    for objective in objectives:
        m.minimize(objective)
        status = solver.solve(m)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            if best is None:
                raise ReallocationError(
                    f"no reallocation found within {problem.time_limit_s} s "
                    f"(solver status {solver.status_name(status)}); raise the time limit"
                )
            status_name = "feasible"
            break
        if status == cp_model.FEASIBLE:
            status_name = "feasible"
        best = {uid: d for (uid, d), var in x.items() if solver.boolean_value(var)}
        value = round(solver.objective_value)
        m.add(objective <= value)
        m.clear_hints()  # type: ignore[no-untyped-call]
        for key, var in x.items():
            m.add_hint(var, 1 if best[key[0]] == key[1] else 0)
    assert best is not None
    return best, status_name
