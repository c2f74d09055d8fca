"""Numbers no record can have are the client's mistake (4xx with a message), never a server error."""

from __future__ import annotations

from tests.api.conftest import Api


def test_an_id_beyond_any_key_is_not_found(api: Api) -> None:
    staff = api.headers("dispatcher")
    for path in ("/api/tickets/9223372036854775808", "/api/tickets/2147483648/events", "/api/tickets/0"):
        r = api.client.get(path, headers=staff)
        assert r.status_code == 404, (path, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert "does not exist" in r.json()["detail"]


def test_a_filter_no_column_can_hold_is_refused_with_a_reason(api: Api) -> None:
    r = api.client.get("/api/equipment?district=9223372036854775808", headers=api.headers("dispatcher"))
    assert r.status_code == 422, r.text
    assert "out of range" in r.json()["detail"]
    assert api.client.get("/health").status_code == 200
