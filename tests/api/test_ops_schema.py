"""A bounded, authenticated schemathesis run over the whole API (`/schema`): no request may end in a
server error. Staff paths are called as the admin, crew paths as a crew, on a real uvicorn server."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from dispatch_api.app import create_app
from dispatch_api.settings import Settings
from tests.api.conftest import Store, fresh_database_url
from tests.api.ops_helpers import CREWS, SAMPLE_CITY, serve

MAX_EXAMPLES = 5
pytestmark = pytest.mark.slow
# Signing out would end the run's own session; starting or re-planning a solve is covered end to end
# in test_ops_plans and test_snow (a fuzzed time limit would keep a worker busy for minutes); event
# streams never end, so they are tested as streams in test_ops_events.
SKIPPED = {
    ("POST", "/api/auth/logout"),
    ("POST", "/api/plans"),
    ("POST", "/api/plans/{plan_id}/replan"),
    ("POST", "/api/snow/emergencies"),
    ("POST", "/api/snow/emergencies/{emergency_id}/proposals"),
    ("POST", "/api/snow/proposals/{proposal_id}/approve"),
    ("GET", "/api/crew/events"),
    ("GET", "/api/events"),
}


@dataclass(frozen=True)
class Server:
    url: str
    staff: dict[str, str]
    crew: dict[str, str]


def _token(client: httpx.Client, path: str, body: dict[str, str]) -> dict[str, str]:
    reply = client.post(path, json=body)
    assert reply.status_code in (200, 201), reply.text
    return {"Authorization": f"Bearer {reply.json()['token']}"}


@pytest.fixture(scope="module")
def api_server(seeded_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("schema-run")
    app_settings = Settings(
        data_dir=folder,
        database_url=fresh_database_url(seeded_store, folder),
        city_dir=SAMPLE_CITY,
        secret_key="schema-run",
        login_max_failures=10_000,
    )
    crew = CREWS["crew-01"]
    with serve(create_app(app_settings)) as url, httpx.Client(base_url=url, timeout=30) as client:
        staff = _token(client, "/api/auth/login", {"username": "admin", "password": "admin-137"})
        crew_auth = _token(client, "/api/auth/crew-login", {"phone": crew["phone"], "pin": crew["pin"]})
        yield Server(url, staff, crew_auth)


@pytest.fixture(scope="module")
def api_schema(api_server: Server) -> Any:
    return schemathesis.openapi.from_url(f"{api_server.url}/schema/openapi.json")


def _skipped(ctx: Any) -> bool:
    return (ctx.operation.method.upper(), ctx.operation.path) in SKIPPED


schema = schemathesis.pytest.from_fixture("api_schema").exclude(func=_skipped)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors(case: Any, api_server: Server) -> None:
    path = case.operation.path
    headers = api_server.crew if path.startswith("/api/crew/") else api_server.staff
    response = case.call(base_url=api_server.url, headers=headers, timeout=60)
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text[:500]}"
    if response.status_code >= 400 and path.startswith("/api/"):
        content_type = response.headers.get("content-type") or [""]
        assert content_type[0].startswith("application/problem+json"), response.text
