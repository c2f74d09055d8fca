"""Snow emergency policy: which tiers a level activates, how often each tier is re-plowed, and how
much plow work a district's snow routes represent for a given snowfall.

Tiers (see the architecture's domain words): 1 arterials, bridges and access to hospitals, fire
stations and schools; 2 bus routes, collectors and hills; 3 residential streets.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

TIERS: tuple[int, ...] = (1, 2, 3)
LEVELS: tuple[int, ...] = (1, 2, 3)

# Re-plow interval in minutes per (level, tier); a tier missing from a level is not plowed at it.
_INTERVAL_MIN: dict[int, dict[int, int]] = {
    1: {1: 360, 2: 720},
    2: {1: 240, 2: 480, 3: 960},
    3: {1: 120, 2: 240, 3: 480},
}

# Up to this depth one pass clears a two-way street (the plow pushes the snow to one kerb); deeper
# snow needs one pass per side, i.e. both directions.
DEEP_SNOW_CM = 10


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


def passes_for_snowfall(snowfall_cm: float, *, two_way: bool) -> int:
    """Plow passes a street needs: none without snow, one for a one-way street or light snow, and
    one per side (both directions) for a two-way street under more than DEEP_SNOW_CM."""
    if snowfall_cm < 0 or math.isnan(snowfall_cm):
        raise ValueError(f"snowfall {snowfall_cm!r} cm must be a non-negative number")
    if snowfall_cm == 0:
        return 0
    return 2 if two_way and snowfall_cm > DEEP_SNOW_CM else 1


@dataclass(frozen=True, slots=True)
class TierWork:
    """Plow work of one district, lane-metres to plow per tier (tiers 1, 2, 3)."""

    district: int
    work_m: tuple[int, int, int]

    def cumulative_m(self, tier: int) -> int:
        """Work to finish every tier up to and including `tier`."""
        check_tier(tier)
        return sum(self.work_m[:tier])


def district_work(
    district: int, segments: Iterable[tuple[int, float, bool]], snowfall_cm: float, level: int
) -> TierWork:
    """Work in lane-metres for one district from its snow-route segments given as
    (tier, length_m, two_way): each segment's length times its passes; inactive tiers count zero."""
    tiers = active_tiers(level)
    work = [0.0, 0.0, 0.0]
    for tier, length, two_way in segments:
        check_tier(tier)
        if length < 0:
            raise ValueError(f"district {district}: a tier-{tier} segment has negative length {length} m")
        if tier in tiers:
            work[tier - 1] += length * passes_for_snowfall(snowfall_cm, two_way=two_way)
    return TierWork(district=district, work_m=(round(work[0]), round(work[1]), round(work[2])))
