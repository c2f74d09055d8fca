"""How long a district's snow routes take to clear, given which units work there and when they arrive.

A unit clears `rate_m_per_h` lane-metres per hour from its arrival on. With units arriving at
a_1 ≤ a_2 ≤ …, the work done by time T is Σ rate_i · max(0, T − a_i) / 3600, a piecewise-linear,
non-decreasing function; the clear time is where it first reaches the district's work.
"""

from __future__ import annotations

import math
from collections.abc import Iterable


def clear_time_s(work_m: int, crews: Iterable[tuple[int, int]]) -> int | None:
    """Seconds until `work_m` lane-metres are done by units given as (arrival_s, rate_m_per_h).

    Returns 0 when there is no work and None when there is work but no unit with a positive rate.
    """
    if work_m < 0:
        raise ValueError(f"work {work_m} m must not be negative")
    if work_m == 0:
        return 0
    arrivals = sorted((a, r) for a, r in crews if r > 0)
    if not arrivals:
        return None
    done_m_s = 0.0  # lane-metre-seconds per hour: metres done × 3600
    rate = 0  # combined m/h of the units already working
    target = work_m * 3600.0
    for i, (arrival, unit_rate) in enumerate(arrivals):
        if arrival < 0:
            raise ValueError(f"arrival {arrival} s must not be negative")
        rate += unit_rate
        next_arrival = arrivals[i + 1][0] if i + 1 < len(arrivals) else math.inf
        finish = arrival + (target - done_m_s) / rate
        if finish <= next_arrival:
            return math.ceil(finish)
        done_m_s += rate * (next_arrival - arrival)
    raise AssertionError("unreachable: the last unit always finishes the work")
