"""Snow emergency through the HTTP API, on SQLite and PostgreSQL: declaring raises snow work and
holds deferrable work (planning skips it, travel slows), the reallocation proposal is changed by
hand and approved into plow jobs the crews see, GPS pings along a route segment in its direction
mark it plowed, a completed plow run marks its streets, and ending the emergency restores tickets.
Only coordinators and admins may declare or approve."""

from __future__ import annotations

import csv
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dispatch_api.services import emergency
from tests.api.conftest import SAMPLE_CITY, Api

DISTRICT = 3
DEPOT = (52.537294, 29.649891)  # dep-03, in district 3


def _at(offset_s: float = 0.0) -> str:
    return (datetime.now(UTC) + timedelta(seconds=offset_s)).isoformat()


def _problem(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers["content-type"]
    body: dict[str, Any] = r.json()
    assert body["status"] == status and body["detail"]
    return body


def _ticket(api: Api, ticket_id: int) -> dict[str, Any]:
    r = api.client.get(f"/api/tickets/{ticket_id}", headers=api.headers("dispatcher"))
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body.get("ticket", body)


def _events(api: Api, ticket_id: int) -> list[dict[str, Any]]:
    r = api.client.get(f"/api/tickets/{ticket_id}/events?per_page=100", headers=api.headers("dispatcher"))
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


def _file(api: Api, category: str, dx: float, dy: float) -> dict[str, Any]:
    body = {
        "category": category,
        "lon": DEPOT[0] + dx,
        "lat": DEPOT[1] + dy,
        "address": f"snow test {uuid.uuid4().hex[:6]}",
        "description": "test call",
        "reporter_name": "Test Caller",
        "reporter_phone": "09120000000",
    }
    r = api.client.post("/api/tickets", json=body, headers=api.headers("operator"))
    assert r.status_code in (200, 201), r.text
    ticket: dict[str, Any] = r.json()["ticket"]
    assert ticket["district"] == DISTRICT
    return ticket


def _wait_proposal(api: Api, timeout_s: float = 240.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        r = api.client.get("/api/snow", headers=api.headers("coordinator"))
        assert r.status_code == 200, r.text
        proposal: dict[str, Any] | None = r.json()["proposal"]
        assert proposal is not None
        if proposal["status"] in ("done", "failed"):
            assert proposal["status"] == "done", proposal["error"]
            return proposal
        assert time.monotonic() < deadline, f"proposal still {proposal['status']}"
        time.sleep(0.3)


def _wait_plan(api: Api, plan_id: str, timeout_s: float = 240.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        r = api.client.get(f"/api/plans/{plan_id}", headers=api.headers("dispatcher"))
        assert r.status_code == 200, r.text
        plan: dict[str, Any] = r.json()
        if plan["status"] in ("done", "failed"):
            assert plan["status"] == "done", plan.get("error")
            return plan
        assert time.monotonic() < deadline, f"plan still {plan['status']}"
        time.sleep(0.3)


def _planned_ids(plan: dict[str, Any]) -> set[int]:
    stops = {s["ticket_id"] for r in plan["routes"] for s in r["stops"]}
    return stops | {u["ticket_id"] for u in plan["unassigned"]}


def _oneway() -> dict[int, bool]:
    with (SAMPLE_CITY / "street_edges.csv").open(encoding="utf-8") as handle:
        return {int(row["id"]): row["oneway"] == "1" for row in csv.DictReader(handle)}


def _plowed(api: Api) -> dict[int, str]:
    r = api.client.get(f"/api/snow/routes.geojson?districts={DISTRICT}", headers=api.headers("coordinator"))
    assert r.status_code == 200, r.text
    return {
        f["properties"]["edge_id"]: f["properties"]["last_plowed_at"]
        for f in r.json()["features"]
        if f["properties"]["last_plowed_at"]
    }


def test_only_coordinators_and_admins_may_declare_or_approve(api: Api) -> None:
    body = {"level": 1, "districts": [DISTRICT], "expected_end_at": _at(3600), "propose": False}
    for role in ("dispatcher", "operator", "contractor_manager"):
        problem = _problem(
            api.client.post("/api/snow/emergencies", json=body, headers=api.headers(role)), 403
        )
        assert role in problem["detail"] and "coordinator" in problem["detail"]
    crew = api.crew_headers("crew-05")
    _problem(api.client.post("/api/snow/emergencies", json=body, headers=crew), 403)
    _problem(
        api.client.post("/api/snow/proposals/nothing/approve", json={}, headers=api.headers("dispatcher")),
        403,
    )
    _problem(api.client.post("/api/snow/emergencies/1/end", json={}, headers=api.headers("operator")), 403)
    # bad declarations name the field
    bad = {"level": 4, "districts": [99], "expected_end_at": _at(-60), "propose": False}
    problem = _problem(api.client.post("/api/snow/emergencies", json=bad, headers=api.headers("admin")), 422)
    assert {e["field"] for e in problem["errors"]} >= {"level", "districts"}
    assert api.client.get("/api/snow", headers=api.headers("coordinator")).json()["emergency"] is None


def test_emergency_reorders_holds_moves_plows_and_restores(api: Api) -> None:
    coordinator = api.headers("coordinator")
    salting = _file(api, "salting", 0.0031, 0.0012)
    pruning = _file(api, "tree_pruning", -0.0027, 0.0016)
    pothole = _file(api, "asphalt_pothole", 0.0011, -0.0024)
    assert salting["priority"] == "high" and pruning["priority"] == "low"

    declared = api.client.post(
        "/api/snow/emergencies",
        json={
            "level": 2,
            "districts": [DISTRICT],
            "expected_end_at": _at(10 * 3600),
            "note": "heavy snow in the north",
            "time_limit_s": 1,
        },
        headers=coordinator,
    )
    assert declared.status_code == 201, declared.text
    state = declared.json()
    em = state["emergency"]
    assert em["level"] == 2 and em["districts"] == [DISTRICT] and em["status"] == "active"
    assert em["tickets"]["raised"] >= 1 and em["tickets"]["held"] >= 1
    again = api.client.post(
        "/api/snow/emergencies",
        json={"level": 1, "districts": [1], "expected_end_at": _at(3600), "propose": False},
        headers=coordinator,
    )
    _problem(again, 409)

    # snow work jumps the queue, with the reason in the audit trail; other work keeps its priority
    assert _ticket(api, salting["id"])["priority"] == "urgent"
    raised = [e for e in _events(api, salting["id"]) if e["kind"] == "priority"]
    assert raised and raised[-1]["to"] == "urgent" and "snow emergency" in raised[-1]["reason"]
    assert _ticket(api, pothole["id"])["priority"] == pothole["priority"]
    held = [e for e in _events(api, pruning["id"]) if e["kind"] == "hold"]
    assert held and held[-1]["to"] == "held"
    assert _ticket(api, pruning["id"])["status"] == pruning["status"]  # held, never deleted

    # planning skips held work, keeps snow work, and drives at the emergency's snow level
    started = api.client.post(
        "/api/plans", json={"districts": [DISTRICT], "time_limit_s": 1}, headers=api.headers("dispatcher")
    )
    assert started.status_code == 202, started.text
    plan = _wait_plan(api, started.json()["id"])
    assert plan["snow_level"] == 2
    planned = _planned_ids(plan)
    assert salting["id"] in planned and pothole["id"] in planned
    assert pruning["id"] not in planned

    # the proposal: change one unit by hand, then approve
    proposal = _wait_proposal(api)
    units = {u["id"]: u for u in proposal["units"]}
    assert any(u["type"] == "plow" for u in units.values())
    d3 = next(d for d in proposal["districts"] if d["district"] == DISTRICT)
    assert d3["after_s"][0] is not None and (
        d3["before_s"][0] is None or d3["after_s"][0] <= d3["before_s"][0]
    )
    spare = next(u for u in units.values() if u["type"] == "plow" and u["district"] not in (DISTRICT, 1))
    moved = api.client.post(
        f"/api/snow/proposals/{proposal['id']}/moves",
        json={"unit_id": spare["id"], "district": DISTRICT},
        headers=coordinator,
    )
    assert moved.status_code == 200, moved.text
    hand = next(m for m in moved.json()["moves"] if m["unit_id"] == spare["id"])
    assert hand["to_district"] == DISTRICT and hand["by_hand"]
    bad_move = api.client.post(
        f"/api/snow/proposals/{proposal['id']}/moves",
        json={"unit_id": "plow-99", "district": 3},
        headers=coordinator,
    )
    assert _problem(bad_move, 422)["errors"][0]["field"] == "unit_id"

    approved = api.client.post(
        f"/api/snow/proposals/{proposal['id']}/approve", json={"route_time_limit_s": 1}, headers=coordinator
    )
    assert approved.status_code == 200, approved.text
    result = approved.json()
    assert result["proposal"]["status"] == "approved"
    runs = result["runs"]
    assert runs and all(r["district"] == DISTRICT and r["segments"] > 0 for r in runs)
    assert spare["id"] in {r["plow_id"] for r in runs}
    _problem(
        api.client.post(f"/api/snow/proposals/{proposal['id']}/approve", json={}, headers=coordinator), 409
    )
    demand = api.client.get("/api/snow/demand", headers=coordinator).json()["items"]
    d3_units = next(d for d in demand if d["district"] == DISTRICT)["units"]
    assert d3_units["plow"] >= len(runs)

    # planning leaves plow runs alone: a plan of the district neither takes nor moves them
    started = api.client.post(
        "/api/plans", json={"districts": [DISTRICT], "time_limit_s": 1}, headers=api.headers("dispatcher")
    )
    plan = _wait_plan(api, started.json()["id"])
    assert not {r["ticket_id"] for r in runs} & _planned_ids(plan)
    published = api.client.post(f"/api/plans/{plan['id']}/publish", headers=api.headers("dispatcher"))
    assert published.status_code == 200, published.text

    # the crew sees its plow run as an ordinary job with the route line
    run = runs[0]
    crew = api.crew_headers(run["crew_id"])
    jobs = api.client.get("/api/crew/jobs", headers=crew)
    assert jobs.status_code == 200, jobs.text
    job = next(j for j in jobs.json()["items"] if j["id"] == run["job_id"])
    assert job["category"] == "snow_clearing" and job["priority"] == "urgent" and job["status"] == "assigned"
    detail = api.client.get(f"/api/crew/jobs/{run['job_id']}", headers=crew).json()
    assert detail["route"]["type"] == "LineString" and len(detail["route"]["coordinates"]) > 10

    # GPS pings along a route segment, in its direction, mark it plowed; against a one-way street not
    routes = api.client.get(f"/api/snow/routes.geojson?districts={DISTRICT}", headers=coordinator).json()
    oneway = _oneway()
    assert not _plowed(api)
    features = [f for f in routes["features"] if _length_deg(f) > 0.0006]
    along = next(f for f in features if not oneway[f["properties"]["edge_id"]])
    against = next(f for f in features if oneway[f["properties"]["edge_id"]])

    def ping(lon: float, lat: float, offset_s: float) -> None:
        body = {"client_id": uuid.uuid4().hex, "lon": lon, "lat": lat, "accuracy_m": 5, "at": _at(offset_s)}
        assert api.client.post("/api/crew/positions", json=body, headers=crew).status_code == 202

    (a0, b0), (a1, b1) = against["geometry"]["coordinates"][:2]
    ping(a0 + 0.8 * (a1 - a0), b0 + 0.8 * (b1 - b0), -40)  # driving the wrong way down a one-way street
    ping(a0 + 0.2 * (a1 - a0), b0 + 0.2 * (b1 - b0), -30)
    assert against["properties"]["edge_id"] not in _plowed(api)
    (x0, y0), (x1, y1) = along["geometry"]["coordinates"][:2]
    ping(x0 + 0.2 * (x1 - x0), y0 + 0.2 * (y1 - y0), -20)
    ping(x0 + 0.8 * (x1 - x0), y0 + 0.8 * (y1 - y0), -10)
    assert along["properties"]["edge_id"] in _plowed(api)

    # completing the plow run marks all its streets
    for action in ("accept", "complete"):
        r = api.client.post(
            f"/api/crew/jobs/{run['job_id']}/actions",
            json={"client_id": uuid.uuid4().hex, "action": action, "at": _at()},
            headers=crew,
        )
        assert r.status_code == 200, r.text
    assert len(_plowed(api)) >= run["segments"]
    progress = next(
        d
        for d in api.client.get("/api/snow/demand", headers=coordinator).json()["items"]
        if d["district"] == DISTRICT
    )
    assert sum(progress["plowed_km"].values()) > 0

    # ending restores the priority and returns held work to planning, audited; plow runs nobody
    # accepted are taken back, finished ones stay
    others = [r for r in runs if r["crew_id"] != run["crew_id"]]
    ended = api.client.post(f"/api/snow/emergencies/{em['id']}/end", json={}, headers=coordinator)
    assert ended.status_code == 200, ended.text
    for other in others:
        listed = api.client.get("/api/crew/jobs", headers=api.crew_headers(other["crew_id"])).json()["items"]
        assert other["job_id"] not in {j["id"] for j in listed}
        assert _ticket(api, other["ticket_id"])["status"] == "cancelled"
    assert run["job_id"] in {j["id"] for j in api.client.get("/api/crew/jobs", headers=crew).json()["items"]}
    assert ended.json()["emergency"]["status"] == "ended"
    assert _ticket(api, salting["id"])["priority"] == "high"
    assert [e for e in _events(api, salting["id"]) if e["kind"] == "priority"][-1]["to"] == "high"
    released = [e for e in _events(api, pruning["id"]) if e["kind"] == "hold"]
    assert released[-1]["from"] == "held" and released[-1]["to"] == pruning["status"]
    assert api.db(emergency.held_ticket_ids) == set()
    assert api.client.get("/api/snow", headers=coordinator).json()["emergency"] is None
    _problem(api.client.post(f"/api/snow/emergencies/{em['id']}/end", json={}, headers=coordinator), 409)


def _length_deg(feature: dict[str, Any]) -> float:
    (x0, y0), (x1, y1) = feature["geometry"]["coordinates"][0], feature["geometry"]["coordinates"][-1]
    return float(((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5)


@pytest.fixture(autouse=True)
def _no_pending(api: Api) -> Any:
    yield
    from dispatch_api.services import planning, plowing

    api.client.blocking_portal.call(plowing.wait_for_background)
    api.client.blocking_portal.call(planning.wait_for_background)
