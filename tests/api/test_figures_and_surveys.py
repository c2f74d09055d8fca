"""The screens' API on the seeded sample city: live intake with photos, address search, triage,
the citizen's view (no personal data), the one-answer survey, and the figures as JSON and CSV."""

from __future__ import annotations

import asyncio
import io
import threading
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from PIL import Image

from dispatch_api.app import create_app
from dispatch_api.settings import Settings

REPO = Path(__file__).resolve().parents[2]
SAMPLE_CITY = REPO / "fixtures" / "sample_city"
# Two places in district 1 ("Old Town"), 3 m apart, and one in district 2.
HERE = (52.5235, 29.6230)
NEAR = (52.52353, 29.62302)


def _seed(settings: Settings) -> None:
    from dispatch_api.citydata import load_city
    from dispatch_api.persistence.db import Database
    from dispatch_api.services import seed

    async def run() -> None:
        database = Database(settings.database_url)
        try:
            await database.upgrade()
            async with database.sessionmaker() as session:
                await seed.seed_city(session, load_city(SAMPLE_CITY), tickets=False)
        finally:
            await database.dispose()

    worker = threading.Thread(target=lambda: asyncio.run(run()))
    worker.start()
    worker.join()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Litestar:
    folder = tmp_path_factory.mktemp("screens-api")
    settings = Settings(
        data_dir=folder,
        database_url=f"sqlite+aiosqlite:///{folder / 'crewline.db'}",
        city_dir=SAMPLE_CITY,
        secret_key="screens-api-tests",
    )
    _seed(settings)
    return create_app(settings)


@pytest.fixture(scope="module")
def client(app: Litestar) -> Iterator[TestClient[Litestar]]:
    with TestClient(app) as test_client:
        yield test_client


def _token(client: TestClient[Litestar], role: str) -> dict[str, str]:
    answer = client.post("/api/auth/login", json={"username": role, "password": f"{role}-137"})
    assert answer.status_code == 200, answer.text
    client.cookies.clear()
    return {"Authorization": f"Bearer {answer.json()['token']}"}


@pytest.fixture(scope="module")
def operator(client: TestClient[Litestar]) -> dict[str, str]:
    return _token(client, "operator")


@pytest.fixture(scope="module")
def dispatcher(client: TestClient[Litestar]) -> dict[str, str]:
    return _token(client, "dispatcher")


@pytest.fixture(scope="module")
def state() -> dict[str, Any]:
    return {}


def _jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (640, 480), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "CallerPhone"
    exif[0x8825] = {1: "N", 2: (29.0, 37.0, 22.0), 3: "E", 4: (52.0, 31.0, 25.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def _call(
    client: TestClient[Litestar], headers: dict[str, str], where: tuple[float, float], **extra: Any
) -> Any:
    body = {
        "category": "asphalt_pothole",
        "lon": where[0],
        "lat": where[1],
        "address": "خیابان زند، پلاک ۱۲",
        "description": "چاله بزرگ",
        "reporter_name": "Sara Karimi",
        "reporter_phone": "09171112233",
        **extra,
    }
    return client.post("/api/intake", json=body, headers=headers)


def test_intake_files_tickets_links_repeat_calls_and_keeps_photos_without_exif(
    client: TestClient[Litestar], operator: dict[str, str], state: dict[str, Any]
) -> None:
    first = _call(client, operator, HERE)
    assert first.status_code == 201, first.text
    ticket = first.json()["ticket"]
    assert ticket["status"] == "triaged" and ticket["district"] == 1
    assert ticket["reporter_phone"] == "09171112233"  # operators see phones
    second = _call(client, operator, HERE, category="road_paint")
    assert second.status_code == 201
    nearby = client.get(
        "/api/tickets/nearby",
        params={"category": "asphalt_pothole", "lon": NEAR[0], "lat": NEAR[1]},
        headers=operator,
    ).json()
    assert [t["id"] for t in nearby["items"]] == [ticket["id"]]
    linked = _call(client, operator, NEAR, repeat_of=ticket["id"])
    assert linked.status_code == 200 and linked.json()["created"] is False
    assert linked.json()["ticket"]["repeat_count"] == 1

    photo = {"file": ("hole.jpg", _jpeg_with_exif(), "image/jpeg")}
    client_id = str(uuid.uuid4())
    sent = client.post(
        f"/api/tickets/{ticket['id']}/intake-photos",
        data={"client_id": client_id},
        files=photo,
        headers=operator,
    )
    assert sent.status_code == 201, sent.text
    again = client.post(
        f"/api/tickets/{ticket['id']}/intake-photos",
        data={"client_id": client_id},
        files=photo,
        headers=operator,
    )
    assert again.status_code == 200 and again.json()["applied"] is False
    stored = client.get(sent.json()["url"], headers=operator).content
    assert len(Image.open(io.BytesIO(stored)).getexif()) == 0
    assert b"CallerPhone" not in stored
    refused = client.post(
        f"/api/tickets/{ticket['id']}/intake-photos",
        data={"client_id": str(uuid.uuid4())},
        files={"file": ("notes.pdf", b"%PDF-1.7", "application/pdf")},
        headers=operator,
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "file"
    state.update(pothole=ticket, paint=second.json()["ticket"])


def test_address_search_folds_letters_and_digits(
    client: TestClient[Litestar], operator: dict[str, str]
) -> None:
    persian = client.get("/api/addresses", params={"q": "مطهری"}, headers=operator).json()["items"]
    assert persian and all("مطهری" in item["name"]["fa"] for item in persian)
    arabic_yeh = client.get("/api/addresses", params={"q": "مطهري"}, headers=operator).json()["items"]
    assert [i["street_id"] for i in arabic_yeh] == [i["street_id"] for i in persian]
    # ASCII digits find Persian ones; the shortest matching name comes first.
    alley = client.get("/api/addresses", params={"q": "مطهری، کوچه 1"}, headers=operator).json()["items"]
    assert alley and alley[0]["name"]["fa"].endswith("کوچه ۱") and "Alley 1" in alley[0]["name"]["en"]
    assert client.get("/api/addresses", params={"q": "مطهری"}).status_code == 401


def test_triage_changes_priority_with_a_reason_and_refers_by_category(
    client: TestClient[Litestar], dispatcher: dict[str, str], state: dict[str, Any]
) -> None:
    paint = state["paint"]
    no_reason = client.post(
        f"/api/tickets/{paint['id']}/triage",
        json={"version": paint["version"], "priority": "high"},
        headers=dispatcher,
    )
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"][0]["field"] == "priority_reason"
    stale = client.post(
        f"/api/tickets/{paint['id']}/triage", json={"version": 0, "action": "keep"}, headers=dispatcher
    )
    assert stale.status_code == 409
    current = client.get(f"/api/tickets/{paint['id']}", headers=dispatcher).json()
    referred = client.post(
        f"/api/tickets/{paint['id']}/triage",
        json={
            "version": current["version"],
            "category": "traffic_signal_fault",
            "category_reason": "the caller meant the traffic light, not the road markings",
        },
        headers=dispatcher,
    )
    assert referred.status_code == 200, referred.text
    body = referred.json()
    assert body["category"] == "traffic_signal_fault"
    assert body["status"] == "referred" and body["referral"]["agency"] == "traffic"
    events = client.get(f"/api/tickets/{paint['id']}/events", headers=dispatcher).json()["items"]
    assert any(e["kind"] == "category" and e["from"] == "road_paint" for e in events)


def test_triage_marks_a_duplicate_and_rejects_with_a_reason(
    client: TestClient[Litestar], operator: dict[str, str], dispatcher: dict[str, str], state: dict[str, Any]
) -> None:
    copy = _call(client, operator, NEAR, category="asphalt_pothole", description="همان چاله").json()["ticket"]
    no_master = client.post(
        f"/api/tickets/{copy['id']}/triage",
        json={"version": copy["version"], "action": "duplicate", "reason": "same hole"},
        headers=dispatcher,
    )
    assert no_master.status_code == 422 and no_master.json()["errors"][0]["field"] == "duplicate_of"
    marked = client.post(
        f"/api/tickets/{copy['id']}/triage",
        json={
            "version": copy["version"],
            "action": "duplicate",
            "reason": "same hole, already filed",
            "duplicate_of": state["pothole"]["id"],
        },
        headers=dispatcher,
    )
    assert marked.status_code == 200, marked.text
    assert marked.json()["status"] == "duplicate" and marked.json()["duplicate_of"] == state["pothole"]["id"]
    # The citizen who filed the copy follows the original request.
    assert (
        client.get(f"/api/citizen/{copy['tracking_code']}").json()["tracking_code"]
        == (state["pothole"]["tracking_code"])
    )


def test_citizen_view_hides_personal_data_and_offers_the_survey_when_done(
    client: TestClient[Litestar], dispatcher: dict[str, str], state: dict[str, Any]
) -> None:
    ticket = state["pothole"]
    view = client.get(f"/api/citizen/{ticket['tracking_code'].lower()}")
    assert view.status_code == 200
    text = view.text
    assert "Sara Karimi" not in text and "09171112233" not in text
    assert view.json()["survey"] is None and view.json()["open"] is True
    version = client.get(f"/api/tickets/{ticket['id']}", headers=dispatcher).json()["version"]
    for target in ("assigned", "accepted", "on_site", "done"):
        moved = client.post(
            f"/api/tickets/{ticket['id']}/transitions",
            json={"to": target, "version": version},
            headers=dispatcher,
        )
        assert moved.status_code == 200, moved.text
        version = moved.json()["version"]
    done = client.get(f"/api/citizen/{ticket['tracking_code']}").json()
    assert done["status"] == "done" and done["open"] is False
    assert done["survey"]["answered"] is False and done["survey"]["url"].startswith("/survey/")
    assert client.get(f"/api/citizen/{ticket['tracking_code']}").json()["survey"] == done["survey"]
    assert client.get("/api/citizen/ZZZZ-ZZZZ").status_code == 404
    state["survey_token"] = done["survey"]["url"].rsplit("/", 1)[1]


def test_survey_is_answered_once(client: TestClient[Litestar], state: dict[str, Any]) -> None:
    token = state["survey_token"]
    page = client.get(f"/survey/{token}")  # the page hands the browser its CSRF cookie
    assert page.status_code == 200
    csrf = {"x-csrftoken": client.cookies.get("csrftoken") or ""}
    assert client.get(f"/api/surveys/{token}").json()["answered"] is False
    bad = client.post(f"/api/surveys/{token}", json={"rating": 6}, headers=csrf)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "rating"
    answered = client.post(f"/api/surveys/{token}", json={"rating": 4, "comment": " fast "}, headers=csrf)
    assert answered.status_code == 200, answered.text
    assert answered.json()["answered"] is True and answered.json()["rating"] == 4
    second = client.post(f"/api/surveys/{token}", json={"rating": 1}, headers=csrf)
    assert second.status_code == 409
    assert "once" in second.json()["detail"]
    assert client.get(f"/api/surveys/{token}").json()["rating"] == 4
    assert client.get("/api/surveys/not-a-token").status_code == 404


def test_figures_count_todays_work(
    client: TestClient[Litestar], dispatcher: dict[str, str], operator: dict[str, str]
) -> None:
    today = datetime.now(ZoneInfo("Asia/Tehran")).date().isoformat()
    answer = client.get("/api/figures", params={"from": today, "to": today}, headers=dispatcher)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    city = body["city"]
    # Three tickets (one a duplicate) and one linked repeat call: (1 + 1) / 4 are repeats.
    assert city["tickets_in"] == 3
    assert city["repeat_calls"] == 1 and city["calls"] == 4
    assert city["repeat_rate"] == 0.5
    assert city["closed"] == 1 and city["within_sla"] == 1 and city["within_sla_share"] == 1.0
    assert city["referrals"] == 1 and city["referrals_overdue"] == 0
    assert city["backlog"] == 0
    assert city["surveys_answered"] == 1 and city["satisfaction_avg"] == 4.0
    assert city["survey_response_rate"] == 1.0
    assert body["dimensions"]["district"]["1"]["tickets_in"] == 3
    assert body["dimensions"]["category"]["asphalt_pothole"]["closed"] == 1
    assert body["names"]["district"]["1"]["en"]
    csv_text = client.get("/api/figures.csv", params={"from": today, "to": today}, headers=dispatcher).text
    lines = csv_text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("dimension,key,name,tickets_in,calls,closed,")
    assert lines[1].startswith("city,all,,3,4,1,")
    assert client.get("/api/figures", headers=operator).status_code == 403
    backwards = client.get("/api/figures", params={"from": today, "to": "2020-01-01"}, headers=dispatcher)
    assert backwards.status_code in (400, 422)
    assert backwards.json()["errors"][0]["field"] == "from"
