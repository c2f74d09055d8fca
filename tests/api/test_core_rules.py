"""Pure rules behind the API: SLA clocks, tracking codes, the ticket state machine."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest

from dispatch_api.services import ticket_states
from dispatch_api.services.sla import WorkingCalendar, sla_due_at
from dispatch_api.services.tracking import ALPHABET, new_code, normalise

CAL = WorkingCalendar.build("Asia/Tehran", ["friday"], [date(2026, 1, 17)], "07:00", "15:00")


def _tehran(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=CAL.tz).astimezone(UTC)


def test_working_clock_skips_nights_weekend_and_holidays() -> None:
    start = _tehran(2026, 1, 14, 13)  # Wednesday
    assert sla_due_at(CAL, "working", start, 2) == _tehran(2026, 1, 14, 15)
    assert sla_due_at(CAL, "working", start, 3) == _tehran(2026, 1, 15, 8)  # overnight
    # Thu ends the week; Fri is the weekend and Sat 17th a holiday, so the clock resumes on Sunday.
    assert sla_due_at(CAL, "working", start, 10.5) == _tehran(2026, 1, 18, 7, 30)


def test_call_before_opening_or_after_closing() -> None:
    assert sla_due_at(CAL, "working", _tehran(2026, 1, 13, 5), 1) == _tehran(2026, 1, 13, 8)
    assert sla_due_at(CAL, "working", _tehran(2026, 1, 13, 22), 1) == _tehran(2026, 1, 14, 8)
    assert sla_due_at(CAL, "working", _tehran(2026, 1, 16, 10), 1) == _tehran(2026, 1, 18, 8)


def test_round_the_clock_ignores_the_calendar() -> None:
    start = _tehran(2026, 1, 16, 23)  # Friday night
    assert sla_due_at(CAL, "24x7", start, 4) == start + timedelta(hours=4)
    with pytest.raises(ValueError, match="calendar"):
        sla_due_at(CAL, "sometimes", start, 4)


def test_calendar_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="weekday"):
        WorkingCalendar.build("Asia/Tehran", ["fryday"], [], "07:00", "15:00")
    with pytest.raises(ValueError, match="after start"):
        WorkingCalendar.build("Asia/Tehran", ["friday"], [], "15:00", "07:00")


def test_tracking_codes_are_unambiguous_and_checked() -> None:
    codes = {new_code() for _ in range(500)}
    assert len(codes) == 500
    for code in codes:
        assert len(code) == 9 and code[4] == "-"
        assert all(ch in ALPHABET for ch in code.replace("-", ""))
        assert not set(code) & set("0O1IL2Z5S8B")
        assert normalise(code.lower().replace("-", " ")) == code
    code = next(iter(codes))
    body, check = code.replace("-", "")[:-1], code[-1]
    wrong = ALPHABET[(ALPHABET.index(check) + 1) % len(ALPHABET)]
    assert normalise(body + wrong) is None  # one mistyped character is caught
    assert normalise("HELLO") is None


def test_state_machine_is_closed_and_reachable() -> None:
    states = set(ticket_states.STATES)
    assert set(ticket_states.TRANSITIONS) == states
    for source, targets in ticket_states.TRANSITIONS.items():
        assert set(targets) <= states, source
        assert source not in targets
    reached, frontier = {"new"}, ["new"]
    while frontier:
        for target in ticket_states.allowed_next(frontier.pop()):
            if target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == states
    happy = ["new", "triaged", "planned", "assigned", "accepted", "en_route", "on_site", "done", "closed"]
    assert all(ticket_states.can_transition(a, b) for a, b in itertools.pairwise(happy))
    assert ticket_states.allowed_next("reopened")[0] == "triaged"
