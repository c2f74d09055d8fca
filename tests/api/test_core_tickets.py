"""Tickets through HTTP: intake derivations, SLA calendars, the state machine, optimistic locking,
audit trail, search and paging, repeat calls, referrals, tracking codes and CSV import."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.api.conftest import Api

DISTRICT_3_POINT = (52.54041846736299, 29.6584655)  # representative point of district 3


def _ticket(api: Api, ticket_id: int, role: str = "dispatcher") -> dict[str, Any]:
    r = api.client.get(f"/api/tickets/{ticket_id}", headers=api.headers(role))
    assert r.status_code == 200, r.text
    return dict(r.json())


def _move(api: Api, ticket: dict[str, Any], to: str, **extra: Any) -> Any:
    body = {"to": to, "version": ticket["version"], **extra}
    return api.client.post(
        f"/api/tickets/{ticket['id']}/transitions", json=body, headers=api.headers("dispatcher")
    )


def test_intake_derives_district_priority_sla_and_triages(api: Api, sample_ticket) -> None:
    lon, lat = DISTRICT_3_POINT
    t = sample_ticket(category="stray_dogs", lon=lon, lat=lat)
    assert t["district"] == 3
    assert t["priority"] == "high"  # the category's default
    assert t["status"] == "triaged"
    assert t["sla_due_at"] > t["created_at"]
    assert len(t["tracking_code"]) == 9 and t["tracking_code"][4] == "-"
    events = api.client.get(f"/api/tickets/{t['id']}/events", headers=api.headers("dispatcher")).json()
    kinds = [(e["kind"], e["from"], e["to"]) for e in events["items"]]
    assert kinds[0] == ("created", None, "new")
    assert ("status", "new", "triaged") in kinds


def test_outside_the_city_stays_new_with_a_reason(api: Api, sample_ticket) -> None:
    t = sample_ticket(lon=51.40, lat=35.70)  # Tehran, far outside Golshahr
    assert t["district"] is None
    assert t["status"] == "new"
    assert "outside" in t["status_reason"]


def test_sla_follows_the_working_calendar_or_runs_around_the_clock(api: Api) -> None:
    # Wed 2026-01-14 13:00 Tehran (09:30Z). stray_dogs: 24 working hours; Friday is the weekend and
    # Saturday 2026-01-17 a holiday in city.json: Wed 2 h + Thu 8 h + Sun 8 h + Mon 6 h → Mon 13:00.
    city = api.client.get("/api/city").json()
    assert "2026-01-17" in city["holidays"] and city["working_hours"] == {"start": "07:00", "end": "15:00"}
    csv_text = (
        "category,lon,lat,address,created_at\n"
        "stray_dogs,52.53,29.62,calendar test,2026-01-14T09:30:00Z\n"
        "waste_collection,52.53,29.62,calendar test,2026-01-14T09:30:00Z\n"
    )
    r = api.client.post(
        "/api/tickets/import",
        content=csv_text.encode(),
        headers={**api.headers("operator"), "content-type": "text/csv"},
    )
    assert r.status_code == 201, r.text
    working, round_the_clock = (_ticket(api, i) for i in r.json()["ids"])
    assert working["sla_due_at"] == "2026-01-19T09:30:00+00:00"
    assert round_the_clock["sla_due_at"] == "2026-01-14T21:30:00+00:00"  # 12 h later, whatever the day


def test_priority_override_needs_a_reason_and_is_audited(api: Api, sample_ticket) -> None:
    r = api.client.post(
        "/api/tickets",
        json={"category": "tree_pruning", "lon": 52.53, "lat": 29.62, "priority": "urgent"},
        headers=api.headers("operator"),
    )
    assert r.status_code == 422
    assert r.json()["errors"] == [{"field": "priority_reason", "message": r.json()["errors"][0]["message"]}]
    t = sample_ticket(category="tree_pruning", priority="urgent", priority_reason="branch over a school gate")
    assert t["priority"] == "urgent" and t["priority_reason"] == "branch over a school gate"
    events = api.client.get(f"/api/tickets/{t['id']}/events", headers=api.headers("dispatcher")).json()[
        "items"
    ]
    assert any(e["kind"] == "priority" and e["from"] == "low" and e["to"] == "urgent" for e in events)


def test_validation_errors_name_the_field(api: Api) -> None:
    headers = api.headers("operator")
    missing = api.client.post("/api/tickets", json={"lon": 52.5, "lat": 29.6}, headers=headers)
    assert missing.status_code == 400
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert missing.json()["errors"][0]["field"] == "category"
    wrong_type = api.client.post(
        "/api/tickets", json={"category": "x", "lon": "east", "lat": 29.6}, headers=headers
    )
    assert wrong_type.json()["errors"][0]["field"] == "lon"
    unknown = api.client.post(
        "/api/tickets", json={"category": "nope", "lon": 52.5, "lat": 99}, headers=headers
    )
    assert unknown.status_code == 422
    fields = {e["field"] for e in unknown.json()["errors"]}
    assert fields == {"category", "lat"}
    assert "asphalt_pothole" in unknown.json()["detail"]  # names what would be valid


def test_illegal_transition_is_409_with_allowed_states(api: Api, sample_ticket) -> None:
    t = sample_ticket()
    r = _move(api, t, "done")
    assert r.status_code == 409
    body = r.json()
    assert body["allowed"] == ["planned", "assigned", "referred", "duplicate", "rejected", "cancelled"]
    assert body["current"] == "triaged" and body["requested"] == "done"
    unknown = _move(api, t, "teleported")
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "status"


def test_full_life_cycle_and_reopen(api: Api, sample_ticket) -> None:
    t = sample_ticket()
    for state in ("planned", "assigned", "accepted", "en_route", "on_site", "done", "closed"):
        r = _move(api, t, state)
        assert r.status_code == 200, r.text
        t = r.json()
        assert t["status"] == state
    assert t["closed_at"] is not None
    no_reason = _move(api, t, "reopened")
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    t = _move(api, t, "reopened", reason="the pothole opened again").json()
    assert t["status"] == "reopened" and t["closed_at"] is None
    t = _move(api, t, "triaged").json()
    assert t["status"] == "triaged"
    events = api.client.get(
        f"/api/tickets/{t['id']}/events?per_page=100", headers=api.headers("coordinator")
    ).json()
    moves = [(e["from"], e["to"]) for e in events["items"] if e["kind"] == "status"]
    assert moves[-3:] == [("done", "closed"), ("closed", "reopened"), ("reopened", "triaged")]
    assert all(e["actor"] for e in events["items"]) and all(e["at"] for e in events["items"])


def test_stale_version_is_409_never_a_silent_overwrite(api: Api, sample_ticket) -> None:
    t = sample_ticket()
    first = api.client.patch(
        f"/api/tickets/{t['id']}",
        json={"version": t["version"], "address": "corrected address"},
        headers=api.headers("operator"),
    )
    assert first.status_code == 200 and first.json()["version"] == t["version"] + 1
    stale = api.client.patch(
        f"/api/tickets/{t['id']}",
        json={"version": t["version"], "address": "older idea"},
        headers=api.headers("dispatcher"),
    )
    assert stale.status_code == 409
    assert stale.json()["current_version"] == t["version"] + 1
    assert _ticket(api, t["id"])["address"] == "corrected address"


def test_two_concurrent_updates_leave_one_409(api: Api, sample_ticket) -> None:
    for _ in range(3):
        t = sample_ticket()

        def change(value: str, ticket: dict[str, Any] = t) -> int:
            r = api.client.patch(
                f"/api/tickets/{ticket['id']}",
                json={"version": ticket["version"], "description": value},
                headers=api.headers("operator"),
            )
            return r.status_code

        with ThreadPoolExecutor(max_workers=2) as pool:
            codes = sorted(pool.map(change, ["first writer", "second writer"]))
        assert codes == [200, 409]
        final = _ticket(api, t["id"])
        assert final["version"] == t["version"] + 1
        assert final["description"] in {"first writer", "second writer"}


def test_rejected_reason_reaches_the_citizen(api: Api, sample_ticket) -> None:
    t = sample_ticket()
    assert _move(api, t, "rejected").status_code == 422
    t = _move(api, t, "rejected", reason="this street belongs to the ring-road authority").json()
    code = t["tracking_code"]
    track = api.client.get(f"/api/track/{code.lower().replace('-', '')}")
    assert track.status_code == 200
    body = track.json()
    assert body["status"] == "rejected" and body["reason"] == "this street belongs to the ring-road authority"
    assert "ring-road" in body["status_text"]["en"]
    assert "reporter_phone" not in body and "reporter_name" not in body


def test_tracking_code_typos_and_unknown_codes(api: Api) -> None:
    r = api.client.get("/api/track/AAAA-AAAA")
    assert r.status_code == 404
    assert "tracking code" in r.json()["detail"]


def test_search_filters_and_pages(api: Api, sample_ticket) -> None:
    headers = api.headers("dispatcher")
    marker = "zz-search-marker"
    made = [sample_ticket(description=f"{marker} {i}", category="irrigation") for i in range(5)]
    page1 = api.client.get(f"/api/tickets?q={marker}&per_page=2&sort=id", headers=headers).json()
    assert page1["total"] == 5 and page1["pages"] == 3 and len(page1["items"]) == 2
    page3 = api.client.get(f"/api/tickets?q={marker}&per_page=2&page=3&sort=id", headers=headers).json()
    assert [t["id"] for t in page3["items"]] == [made[-1]["id"]]
    by_code = api.client.get(f"/api/tickets?q={made[0]['tracking_code']}", headers=headers).json()
    assert [t["id"] for t in by_code["items"]] == [made[0]["id"]]

    everything = api.client.get("/api/tickets?per_page=500", headers=headers).json()
    assert everything["total"] >= 186 + 5
    d3 = api.client.get("/api/tickets?district=3&per_page=500", headers=headers).json()
    assert d3["total"] > 0 and {t["district"] for t in d3["items"]} == {3}
    referred = api.client.get("/api/tickets?status=referred&per_page=500", headers=headers).json()
    assert referred["total"] > 0 and {t["status"] for t in referred["items"]} == {"referred"}
    combo = api.client.get(
        "/api/tickets?category=waste_collection,stray_dogs&priority=high", headers=headers
    ).json()
    assert all(
        t["category"] in {"waste_collection", "stray_dogs"} and t["priority"] == "high"
        for t in combo["items"]
    )
    # The sample day is in the past: everything from it is older than a day, the new ones are not.
    old = api.client.get("/api/tickets?min_age_h=24&per_page=1", headers=headers).json()["total"]
    fresh = api.client.get("/api/tickets?max_age_h=1&per_page=1", headers=headers).json()["total"]
    assert old >= 186 and fresh >= 5 and old + fresh <= everything["total"]
    by_priority = api.client.get("/api/tickets?sort=priority&per_page=500", headers=headers).json()["items"]
    ranks = [["urgent", "high", "normal", "low"].index(t["priority"]) for t in by_priority]
    assert ranks == sorted(ranks) and ranks[0] == 0
    typo = api.client.get("/api/tickets?status=triaged,trashed&priority=hot", headers=headers)
    assert typo.status_code == 422 and {e["field"] for e in typo.json()["errors"]} == {"status", "priority"}
    bad = api.client.get("/api/tickets?district=north", headers=headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "district"


def test_nearby_suggests_same_category_within_metric_radius(api: Api, sample_ticket) -> None:
    base = sample_ticket(category="rodent_control", lon=52.5000, lat=29.6000)  # radius 80 m
    headers = api.headers("operator")
    # ~50 m east (at 29.6°N one degree of longitude is ~96.8 km): inside the radius.
    near = api.client.get(
        "/api/tickets/nearby?category=rodent_control&lon=52.50052&lat=29.6", headers=headers
    ).json()
    assert near["radius_m"] == 80
    assert [t["id"] for t in near["items"]] == [base["id"]]
    assert 40 < near["items"][0]["distance_m"] < 60
    # ~120 m east: outside; another category at the same spot: not suggested.
    far = api.client.get(
        "/api/tickets/nearby?category=rodent_control&lon=52.50124&lat=29.6", headers=headers
    ).json()
    assert far["items"] == []
    other = api.client.get(
        "/api/tickets/nearby?category=road_paint&lon=52.5&lat=29.6", headers=headers
    ).json()
    assert base["id"] not in [t["id"] for t in other["items"]]


def test_repeat_calls_count_raise_priority_and_never_dispatch_twice(api: Api, sample_ticket) -> None:
    headers = api.headers("operator")
    base = sample_ticket(category="road_paint", lon=52.49, lat=29.59)  # default priority: low
    total_before = api.client.get("/api/tickets?per_page=1", headers=headers).json()["total"]
    call = {
        "category": "road_paint",
        "lon": 52.4901,
        "lat": 29.59,
        "repeat_of": base["id"],
        "reporter_phone": "09111",
    }
    first = api.client.post("/api/tickets", json=call, headers=headers)
    assert first.status_code == 200 and first.json()["created"] is False
    assert first.json()["ticket"]["repeat_count"] == 1 and first.json()["ticket"]["priority"] == "low"
    second = api.client.post("/api/tickets", json=call, headers=headers).json()
    assert second["ticket"]["repeat_count"] == 2 and second["ticket"]["priority"] == "normal"
    total_after = api.client.get("/api/tickets?per_page=1", headers=headers).json()["total"]
    assert total_after == total_before  # linked, not a second ticket to dispatch
    detail = _ticket(api, base["id"], "operator")
    assert len(detail["repeat_calls"]) == 2 and detail["repeat_calls"][0]["reporter_phone"] == "09111"
    wrong = api.client.post("/api/tickets", json={**call, "category": "rodent_control"}, headers=headers)
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "repeat_of"


def test_repeat_call_reopens_a_recently_closed_ticket(api: Api, sample_ticket) -> None:
    t = sample_ticket(category="patching_repair", lon=52.5237, lat=29.6221)
    for state in ("assigned", "accepted", "on_site", "done", "closed"):
        t = _move(api, t, state).json()
    call = {"category": "patching_repair", "lon": 52.5237, "lat": 29.6221, "repeat_of": t["id"]}
    r = api.client.post("/api/tickets", json=call, headers=api.headers("operator")).json()
    assert r["reopened"] is True
    assert r["ticket"]["status"] == "reopened" and r["ticket"]["closed_at"] is None


def test_duplicate_links_to_the_master_ticket(api: Api, sample_ticket) -> None:
    master = sample_ticket(category="sidewalk_obstruction")
    dup = sample_ticket(category="sidewalk_obstruction")
    r = _move(api, dup, "duplicate", reason="same obstruction", duplicate_of=master["id"])
    assert r.status_code == 200 and r.json()["duplicate_of"] == master["id"]
    assert _ticket(api, master["id"])["repeat_count"] == 1
    # The citizen of the duplicate follows the master ticket.
    assert (
        api.client.get(f"/api/track/{dup['tracking_code']}").json()["tracking_code"]
        == master["tracking_code"]
    )


def test_out_of_remit_categories_are_referred_with_follow_up(api: Api, sample_ticket) -> None:
    t = sample_ticket(category="gas_smell")
    assert t["status"] == "referred"
    assert t["referral"]["agency"] == "gas" and t["referral"]["status"] == "sent"
    assert t["referral"]["follow_up_on"] is not None
    text = api.client.get(f"/api/track/{t['tracking_code']}").json()["status_text"]
    assert "Gas Company" in text["en"] and "گاز" in text["fa"]
    r = api.client.patch(
        f"/api/tickets/{t['id']}/referral",
        json={"agency_reference": "GAS-4471", "status": "acknowledged", "follow_up_on": "2030-01-05"},
        headers=api.headers("operator"),
    )
    assert r.status_code == 200, r.text
    assert r.json()["referral"] | {"agency_name": None} == r.json()["referral"] | {"agency_name": None}
    assert r.json()["referral"]["agency_reference"] == "GAS-4471"
    assert r.json()["referral"]["follow_up_on"] == "2030-01-05"
    text = api.client.get(f"/api/track/{t['tracking_code']}").json()["status_text"]["en"]
    assert "GAS-4471" in text
    bad = api.client.patch(
        f"/api/tickets/{t['id']}/referral", json={"status": "lost"}, headers=api.headers("operator")
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "status"
    operator = api.headers("operator")
    due = api.client.get("/api/tickets?follow_up_due=true&per_page=500", headers=operator).json()
    assert t["id"] not in [x["id"] for x in due["items"]]  # follow-up set to 2030
    api.client.patch(
        f"/api/tickets/{t['id']}/referral", json={"follow_up_on": "2020-01-01"}, headers=operator
    )
    due = api.client.get("/api/tickets?follow_up_due=true&per_page=500", headers=operator).json()
    assert t["id"] in [x["id"] for x in due["items"]] and {x["status"] for x in due["items"]} == {"referred"}
    closed = _move(api, r.json(), "closed", reason="the gas company fixed the leak")
    assert closed.status_code == 200


def test_csv_import_is_all_or_nothing_and_names_rows(api: Api) -> None:
    headers = {**api.headers("operator"), "content-type": "text/csv"}
    total = api.client.get("/api/tickets?per_page=1", headers=api.headers("operator")).json()["total"]
    bad = "category,lon,lat\nirrigation,52.5,29.6\nunknown_thing,52.5,29.6\nirrigation,east,29.6\n"
    r = api.client.post("/api/tickets/import", content=bad.encode(), headers=headers)
    assert r.status_code == 422
    fields = [e["field"] for e in r.json()["errors"]]
    assert fields == ["row 4.lon/lat", "row 3.category"]
    assert api.client.get("/api/tickets?per_page=1", headers=api.headers("operator")).json()["total"] == total
    good = "category,lon,lat,description\nirrigation,52.5,29.6,sprinkler broken\n"
    files = {"file": ("calls.csv", good.encode(), "text/csv")}
    r = api.client.post("/api/tickets/import", files=files, headers=api.headers("operator"))
    assert r.status_code == 201 and r.json()["created"] == 1
    imported = _ticket(api, r.json()["ids"][0])
    assert imported["source"] == "import" and imported["status"] == "triaged"


def test_day_tickets_were_loaded_through_intake(api: Api) -> None:
    headers = api.headers("dispatcher")
    r = api.client.get("/api/tickets?q=T260113-&per_page=1", headers=headers)
    assert r.status_code == 200
    sample = api.client.get("/api/tickets?per_page=500&sort=id", headers=headers).json()["items"]
    day = [t for t in sample if (t["external_ref"] or "").startswith("T260113-")]
    assert len(day) == 186
    assert all(t["district"] is not None for t in day)
    assert sum(t["repeat_count"] for t in day) == 14
    assert {t["status"] for t in day} <= {"triaged", "referred"}


def test_changes_are_announced_to_live_screens(api: Api, sample_ticket) -> None:
    import asyncio
    import json

    from litestar.channels import ChannelsPlugin

    plugin = api.client.app.plugins.get(ChannelsPlugin)
    portal = api.client.blocking_portal
    subscriber = portal.call(plugin.subscribe, ["tickets"])

    async def next_event() -> dict[str, Any]:
        async def first() -> bytes:
            async for raw in subscriber.iter_events():
                return raw
            raise AssertionError("the subscription ended")

        return dict(json.loads(await asyncio.wait_for(first(), timeout=10)))

    try:
        t = sample_ticket()
        event = portal.call(next_event)
        assert event["event"] == "ticket.updated"
        assert event["data"] == {"id": t["id"], "status": "triaged", "priority": "high"}
        _move(api, t, "planned")
        assert portal.call(next_event)["data"]["status"] == "planned"
    finally:
        portal.call(plugin.unsubscribe, subscriber)
