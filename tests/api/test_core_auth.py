"""Sign-in, sessions, CSRF, roles and what each role may see."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.conftest import Api, Store, make_api


def test_staff_login_me_and_logout_with_bearer(api: Api) -> None:
    headers = api.login("dispatcher", "dispatcher-137")
    me = api.client.get("/api/auth/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["user"]["role"] == "dispatcher"
    assert api.client.post("/api/auth/logout", headers=headers).status_code == 200
    again = api.client.get("/api/auth/me", headers=headers)
    assert again.status_code == 401
    assert again.headers["content-type"].startswith("application/problem+json")


def test_wrong_password_is_401_problem(api: Api) -> None:
    r = api.client.post("/api/auth/login", json={"username": "operator", "password": "nope-nope"})
    assert r.status_code == 401
    body = r.json()
    assert body["status"] == 401 and "username or password" in body["detail"]


def test_crew_login_with_phone_and_pin_lasts_the_shift(api: Api) -> None:
    headers = api.crew_headers("crew-01")
    me = api.client.get("/api/auth/me", headers=headers).json()
    assert me["user"]["role"] == "crew" and me["user"]["crew_id"] == "crew-01"
    r = api.client.post("/api/auth/crew-login", json={"phone": "09172223321", "pin": "0000"})
    assert r.status_code == 401


def test_cookie_session_needs_csrf_on_unsafe_methods(api: Api) -> None:
    client = api.client
    r = client.post("/api/auth/login", json={"username": "operator", "password": "operator-137"})
    assert r.status_code == 200
    assert "crewline_session" in r.cookies or client.cookies.get("crewline_session")
    me = client.get("/api/auth/me")
    assert me.status_code == 200
    csrf = me.json()["csrf_token"]
    assert csrf
    body = {"category": "asphalt_pothole", "lon": 52.53, "lat": 29.62}
    refused = client.post("/api/tickets", json=body)
    assert refused.status_code == 403
    assert "x-csrftoken" in refused.json()["detail"]
    accepted = client.post(
        "/api/tickets", json=body, headers={"x-csrftoken": client.cookies.get("csrftoken")}
    )
    assert accepted.status_code == 201, accepted.text
    client.post("/api/auth/logout", headers={"x-csrftoken": client.cookies.get("csrftoken")})
    client.cookies.clear()


def test_crew_token_cannot_read_tickets_or_reporter_phones(api: Api, sample_ticket) -> None:
    ticket = sample_ticket(reporter_phone="09351112233")
    crew = api.crew_headers("crew-02")
    assert api.client.get(f"/api/tickets/{ticket['id']}", headers=crew).status_code == 403
    assert api.client.get("/api/tickets", headers=crew).status_code == 403
    # Roles outside operator/dispatcher/admin read tickets without the reporter's phone.
    for role in ("coordinator",):
        body = api.client.get(f"/api/tickets/{ticket['id']}", headers=api.headers(role)).json()
        assert "reporter_phone" not in body
        assert all("reporter_phone" not in c for c in body["repeat_calls"])
    for role in ("operator", "dispatcher", "admin"):
        body = api.client.get(f"/api/tickets/{ticket['id']}", headers=api.headers(role)).json()
        assert body["reporter_phone"] == "09351112233"


def test_contractor_manager_sees_only_own_crews_and_districts(api: Api) -> None:
    manager = api.headers("contractor_manager")
    me = api.client.get("/api/auth/me", headers=manager).json()["user"]
    own, districts = me["contractor_id"], set(me["districts"])
    crews = api.client.get("/api/crews?per_page=200", headers=manager).json()
    assert crews["total"] > 0
    assert {c["contractor_id"] for c in crews["items"]} == {own}
    everyone = api.client.get("/api/crews?per_page=200", headers=api.headers("dispatcher")).json()
    other = next(c for c in everyone["items"] if c["contractor_id"] != own)
    assert api.client.get(f"/api/crews/{other['id']}", headers=manager).status_code == 404
    tickets = api.client.get("/api/tickets?per_page=200", headers=manager).json()
    assert tickets["total"] > 0
    assert {t["district"] for t in tickets["items"]} <= districts
    contractors = api.client.get("/api/contractors", headers=manager).json()
    assert [c["id"] for c in contractors["items"]] == [own]
    dispatcher = api.headers("dispatcher")
    all_tickets = api.client.get("/api/tickets?per_page=500", headers=dispatcher).json()["items"]
    elsewhere = next(t for t in all_tickets if t["district"] is not None and t["district"] not in districts)
    assert api.client.get(f"/api/tickets/{elsewhere['id']}", headers=manager).status_code == 404
    assert api.client.get(f"/api/tickets/{elsewhere['id']}/events", headers=manager).status_code == 404


@pytest.fixture
def strict_api(seeded_store: Store, tmp_path: Path) -> Iterator[Api]:
    yield from make_api(seeded_store, tmp_path, login_max_failures=3, login_window_s=300)


def test_sign_in_rate_limit_per_account(strict_api: Api) -> None:
    client = strict_api.client
    for _ in range(3):
        r = client.post("/api/auth/login", json={"username": "coordinator", "password": "wrong-one"})
        assert r.status_code == 401
    blocked = client.post("/api/auth/login", json={"username": "coordinator", "password": "coordinator-137"})
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    assert "wait" in blocked.json()["detail"]
    # Another account from the same address still signs in.
    assert (
        client.post("/api/auth/login", json={"username": "operator", "password": "operator-137"}).status_code
        == 200
    )


def test_sign_in_rate_limit_for_crew_phones(strict_api: Api) -> None:
    client = strict_api.client
    for _ in range(3):
        assert (
            client.post("/api/auth/crew-login", json={"phone": "09172223321", "pin": "9999"}).status_code
            == 401
        )
    assert (
        client.post("/api/auth/crew-login", json={"phone": "09172223321", "pin": "1064"}).status_code == 429
    )


def test_sign_in_rate_limit_per_address(seeded_store: Store, tmp_path: Path) -> None:
    for api in make_api(seeded_store, tmp_path, login_max_failures=5, login_max_failures_per_ip=4):
        client = api.client
        for name in ("ghost-1", "ghost-2", "ghost-3", "ghost-4"):
            assert (
                client.post("/api/auth/login", json={"username": name, "password": "x" * 8}).status_code
                == 401
            )
        r = client.post("/api/auth/login", json={"username": "admin", "password": "admin-137"})
        assert r.status_code == 429
        assert "this address" in r.json()["detail"]


def test_admin_creates_accounts_with_roles(api: Api) -> None:
    admin = api.headers("admin")
    body = {
        "username": "operator-2",
        "password": "long-enough-1",
        "role": "operator",
        "name": "Second Operator",
    }
    assert api.client.post("/api/users", json=body, headers=api.headers("dispatcher")).status_code == 403
    r = api.client.post("/api/users", json=body, headers=admin)
    assert r.status_code == 201 and r.json()["role"] == "operator"
    assert api.client.post("/api/users", json=body, headers=admin).status_code == 409
    weak = api.client.post(
        "/api/users",
        json={**body, "username": "x", "password": "short", "role": "contractor_manager"},
        headers=admin,
    )
    assert weak.status_code == 422
    assert {e["field"] for e in weak.json()["errors"]} == {"password", "contractor_id"}
    listed = api.client.get("/api/users?role=operator", headers=admin).json()
    assert {u["username"] for u in listed["items"]} >= {"operator", "operator-2"}
    assert "password_hash" not in listed["items"][0]
    assert api.login("operator-2", "long-enough-1")


def test_a_successful_sign_in_clears_the_account_failures(strict_api: Api) -> None:
    def attempt(password: str) -> int:
        body = {"username": "admin", "password": password}
        return strict_api.client.post("/api/auth/login", json=body).status_code

    assert [attempt("not-it-1"), attempt("not-it-1"), attempt("admin-137")] == [401, 401, 200]
    # Four failures in the window, but never three since the last success.
    assert [attempt("not-it-1"), attempt("not-it-1"), attempt("admin-137")] == [401, 401, 200]
