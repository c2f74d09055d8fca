"""Snow emergency policy: which tiers a level activates, how often each tier is re-plowed, and how
much plow work a district's snow routes represent for a given snowfall.

Tiers (see the architecture's domain words): 1 arterials, bridges and access to hospitals, fire
stations and schools; 2 bus routes, collectors and hills; 3 residential streets.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

TIERS: tuple[int, ...] = (1, 2, 3)
LEVELS: tuple[int, ...] = (1, 2, 3)

# Re-plow interval in minutes per (level, tier); a tier missing from a level is not plowed at it.
_INTERVAL_MIN: dict[int, dict[int, int]] = {
    1: {1: 360, 2: 720},
    2: {1: 240, 2: 480, 3: 960},
    3: {1: 120, 2: 240, 3: 480},
}

# Depth of snow one plow pass clears on a lane; deeper snow needs more passes.
PASS_DEPTH_CM = 10


def check_level(level: int) -> None:
    if level not in LEVELS:
        raise ValueError(f"snow emergency level {level!r} is not one of {LEVELS}; declare level 1, 2 or 3")


def check_tier(tier: int) -> None:
    if tier not in TIERS:
        raise ValueError(f"snow-route tier {tier!r} is not one of {TIERS}")


def active_tiers(level: int) -> tuple[int, ...]:
    """Tiers plowed at this level, most important first."""
    check_level(level)
    return tuple(sorted(_INTERVAL_MIN[level]))


def replow_interval_s(level: int, tier: int) -> int | None:
    """Seconds between two passes over a tier's streets while snow falls, or None when the level
    does not plow that tier."""
    check_level(level)
    check_tier(tier)
    minutes = _INTERVAL_MIN[level].get(tier)
    return None if minutes is None else minutes * 60


def passes_for_snowfall(snowfall_cm: float) -> int:
    """Plow passes a lane needs to clear `snowfall_cm` of snow (at least one once snow is falling)."""
    if snowfall_cm < 0 or math.isnan(snowfall_cm):
        raise ValueError(f"snowfall {snowfall_cm!r} cm must be a non-negative number")
    if snowfall_cm == 0:
        return 0
    return max(1, math.ceil(snowfall_cm / PASS_DEPTH_CM))


@dataclass(frozen=True, slots=True)
class TierWork:
    """Plow work of one district, metres of lane to plow per tier (all passes included)."""

    district: int
    work_m: tuple[int, int, int]

    def cumulative_m(self, tier: int) -> int:
        """Work to finish every tier up to and including `tier`."""
        check_tier(tier)
        return sum(self.work_m[:tier])


def district_work(
    district: int, route_length_m: Mapping[int, float], snowfall_cm: float, level: int
) -> TierWork:
    """Work in lane-metres for one district: each active tier's route length times the passes the
    snowfall needs; inactive tiers count zero."""
    tiers = active_tiers(level)
    passes = passes_for_snowfall(snowfall_cm)
    for tier, length in route_length_m.items():
        check_tier(tier)
        if length < 0:
            raise ValueError(f"district {district}: tier {tier} route length {length} m is negative")
    work = tuple(round(route_length_m.get(tier, 0.0) * passes) if tier in tiers else 0 for tier in TIERS)
    return TierWork(district=district, work_m=(work[0], work[1], work[2]))
