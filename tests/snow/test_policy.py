from __future__ import annotations

import pytest

from engine.snow import active_tiers, clear_time_s, district_work, passes_for_snowfall, replow_interval_s


def test_levels_activate_tiers_and_intervals_shorten_with_level() -> None:
    assert active_tiers(1) == (1, 2)
    assert active_tiers(3) == (1, 2, 3)
    assert replow_interval_s(1, 3) is None
    assert replow_interval_s(3, 1) == 2 * 3600
    for level in (1, 2):
        for tier in active_tiers(level):
            shorter = replow_interval_s(level + 1, tier)
            longer = replow_interval_s(level, tier)
            assert shorter is not None and longer is not None and shorter < longer


def test_bad_level_is_named() -> None:
    with pytest.raises(ValueError, match="level 4"):
        active_tiers(4)


def test_deep_snow_needs_a_pass_per_side_of_two_way_streets() -> None:
    assert passes_for_snowfall(0, two_way=True) == 0
    assert passes_for_snowfall(3, two_way=True) == 1
    assert passes_for_snowfall(10, two_way=True) == 1
    assert passes_for_snowfall(25, two_way=True) == 2
    assert passes_for_snowfall(25, two_way=False) == 1


def test_district_work_counts_passes_and_skips_inactive_tiers() -> None:
    segments = [(1, 1000.0, True), (1, 500.0, False), (2, 2000.0, True), (3, 5000.0, True)]
    work = district_work(4, segments, snowfall_cm=25, level=1)
    assert work.work_m == (2500, 4000, 0)
    assert work.cumulative_m(2) == 6500
    assert district_work(4, segments, snowfall_cm=5, level=3).work_m == (1500, 2000, 5000)


def test_clear_time_single_and_staggered_units() -> None:
    assert clear_time_s(0, []) == 0
    assert clear_time_s(100, []) is None
    # 10 km at 10 km/h: one hour
    assert clear_time_s(10_000, [(0, 10_000)]) == 3600
    # second unit arrives after 30 min: 5 km done, remaining 5 km at 20 km/h = 15 min
    assert clear_time_s(10_000, [(0, 10_000), (1800, 10_000)]) == 1800 + 900
    # a unit arriving after the work is done changes nothing
    assert clear_time_s(10_000, [(0, 10_000), (7200, 10_000)]) == 3600
