"""Plans end to end on the sample city, over HTTP, on SQLite and PostgreSQL: start → poll → routes
with real street travel times → publish → the crews' job lists; then locks, re-plan, urgent
insertion and hand moves."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_api.persistence.models import Category, Ticket
from tests.api.conftest import Api
from tests.api.ops_helpers import SAMPLE_CITY, SERVICE_DATE

pytestmark = pytest.mark.slow

DISTRICTS = [1, 2]
REASONS = {"no_skill", "outside_districts", "capacity", "window_unreachable", "dropped_for_priority"}


def _finished(api: Api, plan_id: str, timeout_s: float = 180.0) -> dict[str, Any]:
    staff = api.headers("dispatcher")
    deadline = time.monotonic() + timeout_s
    seen: list[int] = []
    while True:
        reply = api.client.get(f"/api/plans/{plan_id}", headers=staff)
        assert reply.status_code == 200, reply.text
        body: dict[str, Any] = reply.json()
        seen.append(body["progress"])
        if body["status"] in ("done", "failed"):
            assert body["status"] == "done", body["error"]
            assert body["progress"] == 100
            assert seen == sorted(seen), f"progress went backwards: {seen}"
            return body
        assert time.monotonic() < deadline, f"plan still {body['status']} after {timeout_s} s"
        time.sleep(0.25)


@pytest.fixture(scope="module")
def graph() -> Any:
    from geo.graph import build_graph
    from geo.io import read_city_streets

    city = json.loads((SAMPLE_CITY / "city.json").read_text(encoding="utf-8"))
    return build_graph(read_city_streets(SAMPLE_CITY), crs=city["crs"])[0]


@pytest.fixture(scope="module")
def published(api: Api) -> dict[str, Any]:
    return {}


def test_plan_runs_end_to_end_and_reaches_the_crews(api: Api, graph: Any, published: dict[str, Any]) -> None:
    staff = api.headers("dispatcher")
    started = api.client.post(
        "/api/plans",
        json={"date": SERVICE_DATE.isoformat(), "districts": DISTRICTS, "time_limit_s": 2},
        headers=staff,
    )
    assert started.status_code == 202, started.text
    assert started.json()["status"] in ("queued", "running")
    assert started.headers["location"] == f"/api/plans/{started.json()['id']}"
    plan = _finished(api, started.json()["id"])
    from dispatch_api.services import solver_worker

    assert solver_worker._GRAPH is None, "the road graph and the solve live in worker processes only"

    summary = plan["summary"]
    assert summary["tickets"] > 20 and summary["assigned"] > 10
    planned = [s["ticket_id"] for r in plan["routes"] for s in r["stops"]] + [
        u["ticket_id"] for u in plan["unassigned"]
    ]
    assert len(planned) == len(set(planned)), "every ticket is planned once"

    async def dispatchable(session: AsyncSession) -> set[int]:
        rows = await session.scalars(
            select(Ticket.id)
            .join(Category, Category.code == Ticket.category_code)
            .where(
                Ticket.status.in_(("new", "triaged", "reopened")),
                Ticket.district_code.in_(DISTRICTS),
                Ticket.duplicate_of_id.is_(None),
                Category.remit == "city",
                Category.skill.is_not(None),
            )
        )
        return set(rows.all())

    expected = api.db(dispatchable)
    assert set(planned) == expected, "the open, dispatchable tickets of the districts, no referrals"
    assert summary["assigned"] + summary["unassigned"] == summary["tickets"]
    assert plan["cost"]["total"] == sum(v for k, v in plan["cost"].items() if k != "total")
    assert all(u["reason"] in REASONS and u["detail"] for u in plan["unassigned"])
    from geo.matrix import travel_matrix

    for route in plan["routes"]:
        previous = [route["depot"]["lon"], route["depot"]["lat"]]
        assert route["line"]["coordinates"][0] == pytest.approx(previous, abs=2e-3)
        for stop in route["stops"]:
            here = [stop["lon"], stop["lat"]]
            # the ETA comes from real street travel times: recompute this leg on the road graph
            expected = travel_matrix(graph, np.array([previous, here]))
            assert stop["travel_s"] == int(expected.travel_s[0, 1])
            assert stop["dist_m"] == int(expected.dist_m[0, 1])
            assert len(stop["line"]) >= 2
            previous = here
        etas = [datetime.fromisoformat(s["eta"]) for s in route["stops"]]
        assert etas == sorted(etas)
        assert [s["sequence"] for s in route["stops"]] == list(range(1, len(route["stops"]) + 1))

    reply = api.client.post(f"/api/plans/{plan['id']}/publish", headers=staff)
    assert reply.status_code == 200, reply.text
    assert reply.json()["publication"]["created"] == summary["assigned"]
    assert reply.json()["plan"]["published_at"]

    for route in plan["routes"]:
        crew = api.crew_headers(route["crew_id"])
        jobs = api.client.get(f"/api/crew/jobs?date={SERVICE_DATE}", headers=crew)
        items = jobs.json()["items"]
        assert [j["ticket_id"] for j in items] == [s["ticket_id"] for s in route["stops"]]
        assert [j["eta"] for j in items] == [s["eta"] for s in route["stops"]]
        assert {j["status"] for j in items} == {"assigned"}
    first_route = max(plan["routes"], key=lambda r: len(r["stops"]))
    crew = api.crew_headers(first_route["crew_id"])
    first_job = (api.client.get(f"/api/crew/jobs?date={SERVICE_DATE}", headers=crew)).json()["items"][0]
    detail = (api.client.get(f"/api/crew/jobs/{first_job['id']}", headers=crew)).json()
    assert detail["route"]["coordinates"] == first_route["stops"][0]["line"]
    ticket = (api.client.get(f"/api/tickets/{first_job['ticket_id']}", headers=staff)).json()
    assert (ticket.get("ticket") or ticket)["status"] == "assigned"
    published.update(plan=plan, crew_id=first_route["crew_id"], job=first_job)


def test_replan_keeps_accepted_work_first_and_in_place(api: Api, published: dict[str, Any]) -> None:
    if not published:
        pytest.skip("needs the published plan of the end-to-end test")
    staff = api.headers("dispatcher")
    crew_id, job = published["crew_id"], published["job"]
    crew = api.crew_headers(crew_id)
    accept = {"client_id": str(uuid.uuid4()), "action": "accept", "at": datetime.now(UTC).isoformat()}
    assert (
        api.client.post(f"/api/crew/jobs/{job['id']}/actions", json=accept, headers=crew)
    ).status_code == 200
    before = api.client.get(f"/api/crew/jobs?date={SERVICE_DATE}", headers=crew).json()["items"]
    assert len(before) >= 2
    declined = before[1]
    decline = {
        "client_id": str(uuid.uuid4()),
        "action": "decline",
        "at": datetime.now(UTC).isoformat(),
        "reason": "the loader is in the workshop",
    }
    reply = api.client.post(f"/api/crew/jobs/{declined['id']}/actions", json=decline, headers=crew)
    assert reply.json()["job"]["status"] == "declined"

    started = api.client.post(
        f"/api/plans/{published['plan']['id']}/replan", json={"time_limit_s": 2}, headers=staff
    )
    assert started.status_code == 202
    replanned = _finished(api, started.json()["id"])
    assert replanned["parent_id"] == published["plan"]["id"]
    route = next(r for r in replanned["routes"] if r["crew_id"] == crew_id)
    assert route["stops"][0]["ticket_id"] == job["ticket_id"] and route["stops"][0]["locked"] is True

    moved = api.client.post(
        f"/api/plans/{replanned['id']}/moves",
        json={"ticket_id": job["ticket_id"], "crew_id": crew_id, "position": 2},
        headers=staff,
    )
    assert moved.status_code == 409 and "locked" in moved.json()["detail"]

    assert (api.client.post(f"/api/plans/{replanned['id']}/publish", headers=staff)).status_code == 200
    items = (api.client.get(f"/api/crew/jobs?date={SERVICE_DATE}", headers=crew)).json()["items"]
    assert items[0]["id"] == job["id"] and items[0]["status"] == "accepted"
    assert declined["id"] not in [j["id"] for j in items], "a declined job leaves the list once re-planned"
    holders = [
        r["crew_id"]
        for r in replanned["routes"]
        if declined["ticket_id"] in [s["ticket_id"] for s in r["stops"]]
    ]
    left_out = [u for u in replanned["unassigned"] if u["ticket_id"] == declined["ticket_id"]]
    assert len(holders) + len(left_out) == 1, "the declined ticket is planned again"
    if holders:
        theirs = api.client.get(f"/api/crew/jobs?date={SERVICE_DATE}", headers=api.crew_headers(holders[0]))
        again = [j for j in theirs.json()["items"] if j["ticket_id"] == declined["ticket_id"]]
        assert len(again) == 1 and again[0]["status"] == "assigned" and again[0]["id"] != declined["id"]
    published["replanned"] = replanned


def test_moves_and_urgent_insertion(api: Api, published: dict[str, Any]) -> None:
    if "replanned" not in published:
        pytest.skip("needs the re-plan of the previous test")
    staff = api.headers("dispatcher")
    plan = published["replanned"]
    routes = {r["crew_id"]: r for r in plan["routes"]}
    asphalt = [c for c in ("crew-01", "crew-03") if c in routes]
    assert asphalt, "expected an asphalt crew in districts 1-2"
    source = routes[asphalt[0]]
    ticket_id = source["stops"][-1]["ticket_id"]
    target = "crew-03" if asphalt[0] == "crew-01" else "crew-01"
    moved = api.client.post(
        f"/api/plans/{plan['id']}/moves",
        json={"ticket_id": ticket_id, "crew_id": target, "position": 1},
        headers=staff,
    )
    assert moved.status_code == 200, moved.text
    after = {r["crew_id"]: r for r in moved.json()["routes"]}
    assert after[target]["stops"][0]["ticket_id"] == ticket_id
    assert ticket_id not in [s["ticket_id"] for s in after.get(asphalt[0], {"stops": []})["stops"]]
    wrong_skill = api.client.post(
        f"/api/plans/{plan['id']}/moves",
        json={"ticket_id": ticket_id, "crew_id": "crew-02", "position": 1},
        headers=staff,
    )
    assert wrong_skill.status_code == 422 and wrong_skill.json()["errors"][0]["field"] == "crew_id"
    target_crew = api.crew_headers(target)
    items = (api.client.get(f"/api/crew/jobs?date={SERVICE_DATE}", headers=target_crew)).json()["items"]
    assert ticket_id in [j["ticket_id"] for j in items], "a move in a published plan reaches the crew"

    depot = next(
        d for d in json.loads((SAMPLE_CITY / "depots.json").read_text(encoding="utf-8")) if d["district"] == 1
    )
    operator = api.headers("operator")
    call = api.client.post(
        "/api/tickets",
        json={
            "category": "fallen_tree",
            "lon": depot["lon"] + 0.002,
            "lat": depot["lat"] + 0.001,
            "address": "Depot road",
            "description": "a tree fell across the road",
        },
        headers=operator,
    )
    assert call.status_code == 201, call.text
    new_id = call.json()["ticket"]["id"]
    inserted = api.client.post(f"/api/plans/{plan['id']}/insert", json={"ticket_id": new_id}, headers=staff)
    assert inserted.status_code == 200, inserted.text
    body = inserted.json()
    placed = [r["crew_id"] for r in body["routes"] if new_id in [s["ticket_id"] for s in r["stops"]]]
    reasons = [u for u in body["unassigned"] if u["ticket_id"] == new_id]
    assert placed or reasons
    if placed:
        crew = api.crew_headers(placed[0])
        items = (api.client.get(f"/api/crew/jobs?date={SERVICE_DATE}", headers=crew)).json()["items"]
        assert new_id in [j["ticket_id"] for j in items]
    again = api.client.post(f"/api/plans/{plan['id']}/insert", json={"ticket_id": new_id}, headers=staff)
    assert again.status_code == 409


def test_plan_requests_are_validated(api: Api) -> None:
    staff = api.headers("dispatcher")
    bad = api.client.post("/api/plans", json={"districts": [99], "time_limit_s": 2}, headers=staff)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "districts"
    crew = api.crew_headers("crew-01")
    assert (api.client.post("/api/plans", json={}, headers=crew)).status_code == 403
    missing = api.client.get("/api/plans/nope", headers=staff)
    assert missing.status_code == 404
    listing = api.client.get("/api/plans?per_page=5", headers=staff)
    assert listing.status_code == 200 and "items" in listing.json()


def test_snow_slows_the_plans_travel_times(api: Api, graph: Any) -> None:
    from geo.conditions import Conditions
    from geo.matrix import travel_matrix

    staff = api.headers("dispatcher")
    started = api.client.post(
        "/api/plans",
        json={"date": SERVICE_DATE.isoformat(), "districts": [1], "time_limit_s": 1, "snow_level": 3},
        headers=staff,
    )
    assert started.status_code == 202, started.text
    plan = _finished(api, started.json()["id"])
    assert plan["snow_level"] == 3
    legs = [
        (previous, [s["lon"], s["lat"]], s["travel_s"])
        for r in plan["routes"]
        for previous, s in zip(
            [[r["depot"]["lon"], r["depot"]["lat"]]] + [[x["lon"], x["lat"]] for x in r["stops"]],
            r["stops"],
            strict=False,
        )
    ]
    assert legs, "expected routed visits in district 1"
    snow = Conditions.make(snow_level=3)
    for a, b, travel_s in legs:
        points = np.array([a, b])
        assert travel_s == int(travel_matrix(graph, points, snow).travel_s[0, 1])
        if travel_s > 0:
            assert travel_s > int(travel_matrix(graph, points).travel_s[0, 1])
    bad = api.client.post("/api/plans", json={"snow_level": 7}, headers=staff)
    assert bad.status_code in (400, 422) and "snow_level" in bad.text
