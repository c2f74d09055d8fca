"""Equipment reallocation in a snow emergency: which units move to which district.

Problem: districts with plow work per tier and equipment type, units (plows, salt spreaders…) with a
current district, a working rate and the travel time of a move to every district, and a minimum
number of units of each type that must stay in each district. Answer: the moves with their ETAs and
every district's time to clear each tier before and after the moves.

The optimisation (CP-SAT, in `engine.snow._ortools`) is lexicographic: first the latest tier-1 clear
time over all districts, then the latest tier-2 time, then tier 3, then the sum of all clear times,
and last the total travel time of the moves, so no unit moves without a reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from engine.snow.clearing import clear_time_s
from engine.snow.policy import TIERS


@dataclass(frozen=True, slots=True)
class Unit:
    """An equipment unit. `move_s[d]` is the travel time from where it stands to district d; a unit
    already in d has `move_s[d] == 0`. A district missing from `move_s` is out of its reach."""

    id: str
    type: str
    district: int
    rate_m_per_h: int
    move_s: Mapping[int, int]


@dataclass(frozen=True, slots=True)
class DistrictNeed:
    """Plow work of a district per equipment type, lane-metres per tier (tiers 1, 2, 3), and the
    least number of units of each type that must stay in (or come to) the district."""

    district: int
    work_m: Mapping[str, tuple[int, int, int]]
    min_units: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ReallocationProblem:
    districts: tuple[DistrictNeed, ...]
    units: tuple[Unit, ...]
    time_limit_s: float = 10.0


@dataclass(frozen=True, slots=True)
class Move:
    unit_id: str
    type: str
    from_district: int
    to_district: int
    eta_s: int  # seconds after the declaration when the unit arrives


@dataclass(frozen=True, slots=True)
class DistrictClearance:
    """Seconds from the declaration until tier 1, tiers 1–2 and tiers 1–3 are clear (None: never,
    no unit of a needed type works there)."""

    district: int
    before_s: tuple[int | None, int | None, int | None]
    after_s: tuple[int | None, int | None, int | None]
    units_before: int
    units_after: int


@dataclass(frozen=True, slots=True)
class ReallocationPlan:
    moves: tuple[Move, ...]
    districts: tuple[DistrictClearance, ...]
    assignment: Mapping[str, int]  # unit id → district after the moves
    status: str  # "optimal" or "feasible"

    def worst_s(self, tier: int, *, after: bool = True) -> int | None:
        """Latest clear time of `tier` over all districts (None when some district never clears)."""
        values = [(d.after_s if after else d.before_s)[tier - 1] for d in self.districts]
        if any(v is None for v in values):
            return None
        return max((v for v in values if v is not None), default=0)


class ReallocationError(ValueError):
    """The problem cannot be solved as stated; the message says which record is at fault."""


def validate(problem: ReallocationProblem) -> None:
    seen: set[int] = set()
    for need in problem.districts:
        if need.district in seen:
            raise ReallocationError(f"district {need.district} is listed twice")
        seen.add(need.district)
        for kind, work in need.work_m.items():
            if len(work) != len(TIERS) or any(w < 0 for w in work):
                raise ReallocationError(
                    f"district {need.district}: work for {kind!r} must be three non-negative "
                    f"lane-metre figures (tiers 1, 2, 3), got {work!r}"
                )
        for kind, count in need.min_units.items():
            if count < 0:
                raise ReallocationError(f"district {need.district}: minimum {kind!r} units {count} < 0")
    ids: set[str] = set()
    for unit in problem.units:
        if unit.id in ids:
            raise ReallocationError(f"unit {unit.id!r} is listed twice")
        ids.add(unit.id)
        if unit.rate_m_per_h <= 0:
            raise ReallocationError(f"unit {unit.id!r}: rate {unit.rate_m_per_h} m/h must be positive")
        if any(s < 0 for s in unit.move_s.values()):
            raise ReallocationError(f"unit {unit.id!r}: a move time is negative")
        if unit.district in seen and unit.move_s.get(unit.district, 0) != 0:
            raise ReallocationError(f"unit {unit.id!r}: move time to its own district must be 0")
    kinds = {u.type for u in problem.units}
    for kind in kinds | {k for n in problem.districts for k in n.min_units}:
        have = sum(1 for u in problem.units if u.type == kind)
        asked = sum(n.min_units.get(kind, 0) for n in problem.districts)
        if asked > have:
            raise ReallocationError(
                f"the districts' minimums ask for {asked} {kind!r} units but only {have} exist; "
                "lower the minimums or add units"
            )
        for n in problem.districts:
            if n.min_units.get(kind, 0) > 0:
                reach = sum(1 for u in problem.units if u.type == kind and n.district in _reach(u, seen))
                if reach < n.min_units[kind]:
                    raise ReallocationError(
                        f"district {n.district} needs at least {n.min_units[kind]} {kind!r} units "
                        f"but only {reach} can reach it"
                    )


def _reach(unit: Unit, districts: set[int]) -> set[int]:
    reach = {d for d in unit.move_s if d in districts}
    if unit.district in districts:
        reach.add(unit.district)
    return reach


def clearance(
    problem: ReallocationProblem, assignment: Mapping[str, int]
) -> dict[int, tuple[int | None, int | None, int | None]]:
    """Each district's exact clear time per tier when units work where `assignment` puts them."""
    units = {u.id: u for u in problem.units}
    result: dict[int, tuple[int | None, int | None, int | None]] = {}
    for need in problem.districts:
        d = need.district
        here = [units[uid] for uid, dist in assignment.items() if dist == d]
        times: list[int | None] = []
        for tier in TIERS:
            worst: int | None = 0
            for kind, work in need.work_m.items():
                cumulative = sum(work[:tier])
                crews = [
                    (0 if u.district == d else u.move_s[d], u.rate_m_per_h) for u in here if u.type == kind
                ]
                t = clear_time_s(cumulative, crews)
                worst = None if t is None or worst is None else max(worst, t)
            times.append(worst)
        result[d] = (times[0], times[1], times[2])
    return result


def reallocate(problem: ReallocationProblem) -> ReallocationPlan:
    """Move units between districts to clear tier 1 everywhere as early as possible, then tier 2,
    then tier 3, never leaving a district below its minimum."""
    validate(problem)
    from engine.snow._ortools.reallocation_cp import solve_assignment

    districts = {n.district for n in problem.districts}
    before = {u.id: u.district for u in problem.units}
    after, status = solve_assignment(problem)
    for unit in problem.units:
        after.setdefault(unit.id, unit.district)
    t_before = clearance(problem, {k: v for k, v in before.items() if v in districts})
    t_after = clearance(problem, after)
    moves = tuple(
        Move(
            unit_id=u.id,
            type=u.type,
            from_district=u.district,
            to_district=after[u.id],
            eta_s=u.move_s[after[u.id]],
        )
        for u in problem.units
        if after[u.id] != u.district
    )
    rows = tuple(
        DistrictClearance(
            district=n.district,
            before_s=t_before[n.district],
            after_s=t_after[n.district],
            units_before=sum(1 for v in before.values() if v == n.district),
            units_after=sum(1 for v in after.values() if v == n.district),
        )
        for n in problem.districts
    )
    return ReallocationPlan(
        moves=tuple(sorted(moves, key=lambda m: (m.eta_s, m.unit_id))),
        districts=rows,
        assignment=after,
        status=status,
    )
