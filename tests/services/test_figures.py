"""The managers' figures on a small hand-made set of tickets whose answers are worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from dispatch_api.services.figures import (
    COLUMNS,
    NONE_KEY,
    Period,
    TicketFact,
    by_dimension,
    compute,
    percentile,
    report,
    to_csv,
)

T0 = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)  # 07:30 in Golshahr


def at(h: float) -> datetime:
    return T0 + timedelta(hours=h)


PERIOD = Period(start=T0, end=at(24), as_of=at(24))

FACTS = [
    # 1: asphalt in district 1, crew A (contractor X): on site after 2 h, done after 4 h (SLA 8 h), rated 5.
    TicketFact(1, "asphalt", 1, at(0), at(8), "X", "A", at(2), at(4), at(4), survey_rating=5),
    # 2: asphalt in district 1, crew A: on site after 6 h, done after 10 h (SLA 8 h: late), rated 2,
    #    with two repeat calls in the period.
    TicketFact(
        2, "asphalt", 1, at(1), at(9), "X", "A", at(7), at(11), at(11),
        repeat_calls=(at(3), at(5)), survey_rating=2,
    ),
    # 3: waste in district 2, crew B (contractor Y): on site after 1 h, done after 2 h (SLA 3 h), no survey.
    TicketFact(3, "waste", 2, at(2), at(5), "Y", "B", at(3), at(4), at(4)),
    # 4: waste in district 2, no crew yet: open, created at 12 h -> backlog age 12 h.
    TicketFact(4, "waste", 2, at(12), at(15), "Y", None),
    # 5: created before the period (at -10 h), still open -> backlog age 34 h; not counted as "in".
    TicketFact(5, "asphalt", 1, at(-10), at(-2), "X", None),
    # 6: water leak referred at 0.5 h, follow-up date before as_of and agency silent -> overdue.
    TicketFact(
        6, "water_leak", 2, at(0), at(24), "Y", None, ended_at=at(0.5), referred_at=at(0.5),
        referral_status="sent", referral_follow_up_on=date(2026, 11, 21),
    ),
    # 7: a duplicate of 3 marked at 3 h.
    TicketFact(7, "waste", 2, at(2.5), at(5.5), "Y", None, ended_at=at(3), duplicate=True),
]  # fmt: skip


def test_percentile_interpolates_between_ranks() -> None:
    assert percentile([], 50) is None
    assert percentile([7.0], 90) == 7.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([1.0, 2.0, 3.0, 4.0], 90) == pytest.approx(3.7)


def test_city_figures_worked_out_by_hand() -> None:
    city = compute(FACTS, PERIOD)
    assert city.tickets_in == 6  # 1, 2, 3, 4, 6, 7 (5 was created before the period)
    assert city.repeat_calls == 2
    assert city.calls == 8
    assert city.closed == 3  # 1, 2, 3
    # response hours: 2, 6, 1 -> median 2, p90 = 2 + 0.8 * (6 - 2) = 5.2
    assert city.response_median_h == 2.0
    assert city.response_p90_h == pytest.approx(5.2)
    # resolution hours: 4, 10, 2 -> median 4, p90 = 4 + 0.8 * 6 = 8.8
    assert city.resolution_median_h == 4.0
    assert city.resolution_p90_h == pytest.approx(8.8)
    # SLA targets 8, 8, 3 -> median 8
    assert city.sla_target_median_h == 8.0
    assert city.within_sla == 2  # 2 was late
    assert city.within_sla_share == pytest.approx(0.6667)
    # (2 repeat calls + 1 duplicate) / 8 calls
    assert city.repeat_rate == pytest.approx(0.375)
    # open at as_of: 4 (12 h old) and 5 (34 h old)
    assert city.backlog == 2
    assert city.backlog_median_age_h == 23.0
    assert city.backlog_max_age_h == 34.0
    assert (city.referrals, city.referrals_resolved, city.referrals_overdue) == (1, 0, 1)
    # ratings 5 and 2 of 3 closed tickets
    assert city.surveys_answered == 2
    assert city.satisfaction_avg == 3.5
    assert city.survey_response_rate == pytest.approx(0.6667)


def test_per_district_and_crew() -> None:
    districts = by_dimension(FACTS, "district", PERIOD)
    assert list(districts) == ["1", "2"]
    one, two = districts["1"], districts["2"]
    assert (one.tickets_in, one.closed, one.backlog, one.repeat_calls) == (2, 2, 1, 2)
    assert one.resolution_median_h == 7.0  # 4 and 10
    assert one.within_sla_share == 0.5
    assert (two.tickets_in, two.closed, two.backlog, two.referrals) == (4, 1, 1, 1)
    assert two.repeat_rate == 0.25  # one duplicate of four calls
    crews = by_dimension(FACTS, "crew", PERIOD)
    assert list(crews) == ["A", "B", NONE_KEY]
    assert crews["A"].satisfaction_avg == 3.5
    assert crews["B"].surveys_answered == 0 and crews["B"].survey_response_rate == 0.0
    assert crews[NONE_KEY].closed == 0 and crews[NONE_KEY].backlog == 2


def test_a_period_that_misses_everything_is_empty_not_wrong() -> None:
    later = Period(start=at(100), end=at(124), as_of=at(124))
    quiet = compute([f for f in FACTS if f.id in (1, 3)], later)
    assert (quiet.tickets_in, quiet.closed, quiet.backlog) == (0, 0, 0)
    assert quiet.response_median_h is None and quiet.within_sla_share is None
    assert quiet.satisfaction_avg is None and quiet.repeat_rate is None


def test_reopened_ticket_counts_in_the_backlog_until_it_ends_again() -> None:
    # Ended at 2 h but as_of falls before the end: open at as_of.
    fact = TicketFact(9, "waste", 3, at(0), at(3), ended_at=at(30))
    assert compute([fact], PERIOD).backlog == 1
    assert compute([fact], Period(T0, at(48), at(48))).backlog == 0


def test_report_and_csv() -> None:
    body = report(FACTS, PERIOD)
    assert body["city"]["tickets_in"] == 6
    assert set(body["dimensions"]) == {"district", "contractor", "category", "crew"}
    assert body["dimensions"]["contractor"]["X"]["tickets_in"] == 2
    names = {"district": {"1": {"fa": "منطقه ۱", "en": "District 1"}}}
    text = to_csv(body, names, "en")
    lines = text.strip().splitlines()
    assert lines[0].split(",")[:3] == ["dimension", "key", "name"]
    assert lines[0].split(",")[3:] == list(COLUMNS)
    assert lines[1].startswith("city,all,,6,8,3,")
    assert any(line.startswith("district,1,District 1,2,4,2,") for line in lines)
    persian = to_csv(body, names, "fa")
    assert "district,1,منطقه ۱," in persian
