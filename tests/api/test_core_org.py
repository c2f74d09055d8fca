"""Crews, contractors, depots, equipment and availability through HTTP."""

from __future__ import annotations

from tests.api.conftest import Api


def test_crews_list_pages_and_filters(api: Api) -> None:
    headers = api.headers("dispatcher")
    page = api.client.get("/api/crews?per_page=10", headers=headers).json()
    assert page["total"] >= 40 and len(page["items"]) == 10 and page["pages"] >= 4
    crew = page["items"][0]
    assert crew["id"] == "crew-01" and crew["shift"] == {"start": "07:00", "end": "15:00"}
    assert crew["break"] == {"start": "11:30", "end": "12:00", "minutes": 30}
    in_3 = api.client.get("/api/crews?district=3&per_page=100", headers=headers).json()["items"]
    assert in_3 and all(3 in c["districts"] for c in in_3)
    pruners = api.client.get("/api/crews?skill=pruning&per_page=100", headers=headers).json()["items"]
    assert pruners and all("pruning" in c["skills"] for c in pruners)


def test_crew_detail_has_equipment_and_crew_sees_only_itself(api: Api) -> None:
    detail = api.client.get("/api/crews/crew-01", headers=api.headers("coordinator")).json()
    assert {e["type"] for e in detail["equipment"]} == {"truck", "loader"}
    own = api.client.get("/api/crews/crew-01", headers=api.crew_headers("crew-01"))
    assert own.status_code == 200
    other = api.client.get("/api/crews/crew-02", headers=api.crew_headers("crew-01"))
    assert other.status_code == 404
    assert api.client.get("/api/crews", headers=api.crew_headers("crew-01")).status_code == 403


def test_create_crew_with_phone_login(api: Api) -> None:
    body = {
        "id": "crew-new",
        "name_fa": "اکیپ تازه",
        "name_en": "New Crew",
        "contractor_id": "ctr-1",
        "depot_id": "dep-01",
        "phone": "09170000001",
        "pin": "4321",
        "districts": [1, 2],
        "skills": ["asphalt"],
        "shift_start": "07:00",
        "shift_end": "15:00",
        "members": [{"name": "Reza", "role": "lead"}],
    }
    r = api.client.post("/api/crews", json=body, headers=api.headers("dispatcher"))
    assert r.status_code == 201, r.text
    assert r.json()["members"][0]["name"] == "Reza"
    login = api.client.post("/api/auth/crew-login", json={"phone": "09170000001", "pin": "4321"})
    assert login.status_code == 200 and login.json()["user"]["crew_id"] == "crew-new"
    again = api.client.post("/api/crews", json=body, headers=api.headers("dispatcher"))
    assert again.status_code == 409
    bad = {**body, "id": "crew-bad", "phone": "12345", "shift_start": "7am", "districts": [1, 9]}
    r = api.client.post("/api/crews", json=bad, headers=api.headers("dispatcher"))
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"phone", "shift_start"}


def test_contractor_manager_cannot_add_crews_to_another_contractor(api: Api) -> None:
    manager = api.headers("contractor_manager")
    own = api.client.get("/api/auth/me", headers=manager).json()["user"]["contractor_id"]
    other = next(
        c["id"]
        for c in api.client.get("/api/contractors", headers=api.headers("dispatcher")).json()["items"]
        if c["id"] != own
    )
    body = {
        "id": "crew-sneaky",
        "name_fa": "x",
        "name_en": "x",
        "contractor_id": other,
        "depot_id": "dep-01",
        "phone": "09170000002",
        "pin": "1111",
        "districts": [4],
        "skills": [],
        "shift_start": "07:00",
        "shift_end": "15:00",
    }
    r = api.client.post("/api/crews", json=body, headers=manager)
    assert r.status_code == 403


def test_availability_follows_weekend_holidays_and_shift_changes(api: Api) -> None:
    headers = api.headers("dispatcher")
    tuesday = api.client.get("/api/crews/availability?date=2026-01-13&per_page=100", headers=headers).json()
    assert tuesday["working_day"] is True and tuesday["total"] >= 40
    assert all(a["available"] for a in tuesday["items"])
    friday = api.client.get("/api/crews/availability?date=2026-01-16&per_page=100", headers=headers).json()
    assert friday["working_day"] is False
    by_id = {a["crew_id"]: a for a in friday["items"]}
    assert by_id["crew-01"]["available"] is False and by_id["crew-01"]["reason"] == "weekend"
    crews = {c["id"]: c for c in api.client.get("/api/crews?per_page=100", headers=headers).json()["items"]}
    waste = [cid for cid, c in crews.items() if "waste" in c["skills"]]
    assert waste and all(by_id[cid]["available"] for cid in waste)  # 24x7 work goes on
    holiday = api.client.get("/api/crews/availability?date=2026-01-17&per_page=100", headers=headers).json()
    assert {a["crew_id"]: a for a in holiday["items"]}["crew-01"]["reason"] == "holiday"
    r = api.client.put(
        "/api/crews/crew-01/shifts/2026-01-13", json={"off": True, "reason": "training"}, headers=headers
    )
    assert r.status_code == 200
    r = api.client.put(
        "/api/crews/crew-02/shifts/2026-01-13", json={"start": "09:00", "end": "13:00"}, headers=headers
    )
    assert r.status_code == 200
    after = api.client.get("/api/crews/availability?date=2026-01-13&per_page=100", headers=headers).json()
    by_id = {a["crew_id"]: a for a in after["items"]}
    assert by_id["crew-01"]["available"] is False and by_id["crew-01"]["reason"] == "training"
    assert (by_id["crew-02"]["start"], by_id["crew-02"]["end"]) == ("09:00", "13:00")
    bad = api.client.put("/api/crews/crew-02/shifts/2026-01-14", json={"start": "9"}, headers=headers)
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {"start", "end"}


def test_contractors_depots_and_equipment(api: Api) -> None:
    headers = api.headers("coordinator")
    contractors = api.client.get("/api/contractors", headers=headers).json()
    assert contractors["total"] == 6
    held = sorted(d for c in contractors["items"] for d in c["districts"])
    assert set(held) == set(range(1, 12))
    depots = api.client.get("/api/depots?per_page=100", headers=headers).json()
    assert depots["total"] >= 11 and {d["district"] for d in depots["items"]} == set(range(1, 12))
    plows = api.client.get("/api/equipment?type=plow&per_page=100", headers=headers).json()
    assert plows["total"] > 0 and all(e["type"] == "plow" for e in plows["items"])
    bad = api.client.get("/api/equipment?type=spaceship", headers=headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "type"


def test_admin_creates_contractor_others_cannot(api: Api) -> None:
    body = {"id": "ctr-new", "name_fa": "پیمانکار", "name_en": "New Co", "districts": [1]}
    assert (
        api.client.post("/api/contractors", json=body, headers=api.headers("dispatcher")).status_code == 403
    )
    r = api.client.post("/api/contractors", json=body, headers=api.headers("admin"))
    assert r.status_code == 201 and r.json()["districts"] == [1]
    bad = api.client.post(
        "/api/contractors", json={**body, "id": "ctr-x", "districts": [99]}, headers=api.headers("admin")
    )
    assert bad.status_code == 422 and "99" in bad.json()["errors"][0]["message"]


def test_depots_and_equipment_are_created_with_checks(api: Api) -> None:
    admin = api.headers("admin")
    depot = {
        "id": "dep-x",
        "name_fa": "پایگاه",
        "name_en": "Yard X",
        "district": 3,
        "lon": 52.54041846736299,
        "lat": 29.6584655,
    }
    assert api.client.post("/api/depots", json=depot, headers=api.headers("dispatcher")).status_code == 403
    r = api.client.post("/api/depots", json=depot, headers=admin)
    assert r.status_code == 201 and r.json()["district"] == 3
    misplaced = api.client.post("/api/depots", json={**depot, "id": "dep-y", "district": 1}, headers=admin)
    assert misplaced.status_code == 422 and "district 3" in misplaced.json()["errors"][0]["message"]
    unit = {"id": "plow-x", "type": "plow", "home_district": 3, "depot_id": "dep-x"}
    r = api.client.post("/api/equipment", json=unit, headers=api.headers("coordinator"))
    assert r.status_code == 201 and r.json()["current_district"] == 3
    plows = api.client.get("/api/equipment?type=plow&district=3&per_page=100", headers=admin).json()["items"]
    assert "plow-x" in [e["id"] for e in plows]
    bad = api.client.post(
        "/api/equipment", json={**unit, "id": "x2", "type": "tank", "depot_id": "nowhere"}, headers=admin
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "type"
