"""The demo replays the sample day of calls on a recent day instead of its recorded date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dispatch_api.services.seed import replay_shift

TEHRAN = "Asia/Tehran"


def _calls() -> list[datetime]:
    # 06:30 to 21:00 Tehran time (UTC+03:30) on 2026-01-13
    return [datetime(2026, 1, 13, 3, 0, tzinfo=UTC), datetime(2026, 1, 13, 17, 30, tzinfo=UTC)]


def test_late_evening_replays_the_day_on_today() -> None:
    now = datetime(2026, 11, 22, 19, 0, tzinfo=UTC)  # 22:30 in Tehran, after the last call
    shift = replay_shift(_calls(), TEHRAN, now)
    assert shift == timedelta(days=313)
    assert max(_calls()) + shift <= now
    assert (min(_calls()) + shift).date() == now.date()


def test_morning_replays_the_day_on_yesterday_so_no_call_is_in_the_future() -> None:
    now = datetime(2026, 11, 22, 5, 0, tzinfo=UTC)  # 08:30 in Tehran, most calls not yet made today
    shift = replay_shift(_calls(), TEHRAN, now)
    assert shift == timedelta(days=312)
    assert all(c + shift <= now for c in _calls())


def test_times_of_day_are_kept_and_no_calls_means_no_shift() -> None:
    shift = replay_shift(_calls(), TEHRAN, datetime(2027, 3, 1, 23, 0, tzinfo=UTC))
    assert shift.seconds == 0 and shift.microseconds == 0
    assert replay_shift([], TEHRAN, datetime(2026, 1, 1, tzinfo=UTC)) == timedelta(0)
