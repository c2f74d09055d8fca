"""Crew API over HTTP on SQLite and PostgreSQL: job list, exactly-once actions, out-of-order sync,
isolation between crews, photos and GPS pings."""

from __future__ import annotations

import io
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_api.persistence.models import Ticket, TicketEvent
from dispatch_api.persistence.models.field import CrewJob, CrewPosition, JobAction, JobPhoto
from tests.api.conftest import Api
from tests.api.ops_helpers import SERVICE_DATE, create_job

T0 = datetime(2026, 1, 13, 5, 0, tzinfo=UTC)
JOB_KEYS = {
    "id",
    "ticket_id",
    "tracking_code",
    "sequence",
    "status",
    "eta",
    "category",
    "category_name",
    "priority",
    "address",
    "lon",
    "lat",
    "sla_due_at",
    "description",
    "service_minutes",
    "version",
    "photos",
}


def _action(action: str, at: datetime, **extra: object) -> dict[str, object]:
    return {"client_id": str(uuid.uuid4()), "action": action, "at": at.isoformat(), **extra}


def make_job(api: Api, crew_id: str, sequence: int = 1) -> tuple[str, int]:
    return api.db(lambda session: create_job(session, crew_id, sequence))


def _ticket_status(api: Api, ticket_id: int) -> str:
    async def work(session: AsyncSession) -> str:
        ticket = await session.get(Ticket, ticket_id)
        assert ticket is not None
        return ticket.status

    return api.db(work)


def _count(api: Api, query: Any) -> int:
    async def work(session: AsyncSession) -> int:
        return int(await session.scalar(query) or 0)

    return api.db(work)


def test_job_list_is_in_route_order_with_the_contract_shape(api: Api) -> None:
    made = [make_job(api, "crew-03", s) for s in (2, 1, 3)]
    auth = api.crew_headers("crew-03")
    reply = api.client.get(f"/api/crew/jobs?date={SERVICE_DATE}", headers=auth)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["crew"]["id"] == "crew-03" and set(body["crew"]["shift"]) == {"start", "end"}
    assert [j["sequence"] for j in body["items"]] == [1, 2, 3]
    assert [j["id"] for j in body["items"]] == [made[1][0], made[0][0], made[2][0]]
    first = body["items"][0]
    assert set(first) >= JOB_KEYS
    assert first["status"] == "assigned" and first["category_name"]["fa"] and first["tracking_code"]
    detail = api.client.get(f"/api/crew/jobs/{first['id']}", headers=auth)
    assert detail.status_code == 200
    assert detail.json()["route"]["type"] == "LineString"
    assert set(detail.json()["depot"]) == {"lon", "lat"}
    other_day = api.client.get("/api/crew/jobs?date=2020-01-01", headers=auth)
    assert other_day.json()["items"] == []
    today = api.client.get("/api/crew/jobs", headers=auth)
    assert today.json()["date"] == datetime.now(ZoneInfo("Asia/Tehran")).date().isoformat()


def test_resending_an_action_ten_times_applies_it_once(api: Api) -> None:
    job_id, ticket_id = make_job(api, "crew-04")
    auth = api.crew_headers("crew-04")
    body = _action("accept", T0)
    sequential = [
        api.client.post(f"/api/crew/jobs/{job_id}/actions", json=body, headers=auth) for _ in range(5)
    ]
    with ThreadPoolExecutor(5) as pool:
        concurrent = list(
            pool.map(
                lambda _: api.client.post(f"/api/crew/jobs/{job_id}/actions", json=body, headers=auth),
                range(5),
            )
        )
    replies = sequential + list(concurrent)
    assert all(r.status_code == 200 for r in replies), [r.text for r in replies]
    assert sum(r.json()["applied"] for r in replies) == 1
    assert {r.json()["job"]["status"] for r in replies} == {"accepted"}
    count = _count(
        api, select(func.count()).select_from(JobAction).where(JobAction.client_id == body["client_id"])
    )
    accepted = _count(
        api,
        select(func.count())
        .select_from(TicketEvent)
        .where(TicketEvent.ticket_id == ticket_id, TicketEvent.to_value == "accepted"),
    )
    assert count == 1 and accepted == 1
    assert _ticket_status(api, ticket_id) == "accepted"


def test_a_crew_cannot_see_or_change_another_crews_job(api: Api) -> None:
    job_id, _ = make_job(api, "crew-05")
    intruder = api.crew_headers("crew-06")
    assert (api.client.get(f"/api/crew/jobs/{job_id}", headers=intruder)).status_code == 404
    reply = api.client.post(f"/api/crew/jobs/{job_id}/actions", json=_action("accept", T0), headers=intruder)
    assert reply.status_code == 404
    assert reply.headers["content-type"].startswith("application/problem+json")
    listing = api.client.get(f"/api/crew/jobs?date={SERVICE_DATE}", headers=intruder)
    assert job_id not in {j["id"] for j in listing.json()["items"]}
    staff = api.headers("dispatcher")
    assert (api.client.get("/api/crew/jobs", headers=staff)).status_code == 403
    assert (api.client.get("/api/crew/jobs")).status_code == 401


def test_completion_before_arrival_fills_the_skipped_states(api: Api) -> None:
    job_id, ticket_id = make_job(api, "crew-07")
    auth = api.crew_headers("crew-07")
    url = f"/api/crew/jobs/{job_id}/actions"
    assert (api.client.post(url, json=_action("accept", T0), headers=auth)).json()["applied"]
    done = api.client.post(
        url,
        json=_action(
            "complete",
            T0 + timedelta(hours=2),
            note="filled the pothole",
            materials=[{"item": "asphalt", "kg": 40}],
        ),
        headers=auth,
    )
    assert done.status_code == 200 and done.json()["job"]["status"] == "done"
    late = api.client.post(url, json=_action("arrive", T0 + timedelta(hours=1)), headers=auth)
    assert late.status_code == 200 and late.json()["applied"] is True
    assert late.json()["job"]["status"] == "done"

    async def audit(session: AsyncSession) -> tuple[list[JobAction], list[str | None]]:
        actions = await session.scalars(
            select(JobAction).where(JobAction.job_id == job_id).order_by(JobAction.id)
        )
        statuses = await session.scalars(
            select(TicketEvent.to_value)
            .where(TicketEvent.ticket_id == ticket_id, TicketEvent.kind == "status")
            .order_by(TicketEvent.id)
        )
        return list(actions.all()), list(statuses.all())

    actions, statuses = api.db(audit)
    assert [(a.action, a.to_status, a.filled, a.late) for a in actions] == [
        ("accept", "accepted", False, False),
        ("start_travel", "en_route", True, False),
        ("arrive", "on_site", True, False),
        ("complete", "done", False, False),
        ("arrive", "done", False, True),
    ]
    assert all(a.at == T0 + timedelta(hours=2) for a in actions[1:4])
    assert actions[3].note == "filled the pothole" and actions[3].materials == [{"item": "asphalt", "kg": 40}]
    assert statuses[-4:] == ["accepted", "en_route", "on_site", "done"]
    assert _ticket_status(api, ticket_id) == "done"


def test_illegal_and_invalid_actions_are_refused_clearly(api: Api) -> None:
    job_id, ticket_id = make_job(api, "crew-08")
    auth = api.crew_headers("crew-08")
    url = f"/api/crew/jobs/{job_id}/actions"
    no_reason = api.client.post(url, json=_action("decline", T0), headers=auth)
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"][0]["field"] == "reason"
    bogus = api.client.post(url, json=_action("teleport", T0), headers=auth)
    assert bogus.status_code == 422 and bogus.json()["errors"][0]["field"] == "action"
    assert (api.client.post(url, json=_action("start_travel", T0), headers=auth)).status_code == 200
    later = T0 + timedelta(minutes=30)
    refused = api.client.post(url, json=_action("decline", later, reason="truck broke"), headers=auth)
    assert refused.status_code == 409
    assert set(refused.json()["allowed"]) == {"arrive", "complete", "pause", "cannot_complete"}
    paused = api.client.post(url, json=_action("pause", later), headers=auth)
    assert paused.json()["job"]["status"] == "paused"
    resumed = api.client.post(url, json=_action("resume", later + timedelta(minutes=5)), headers=auth)
    assert resumed.json()["job"]["status"] == "en_route"
    gave_up = api.client.post(
        url,
        json=_action("cannot_complete", later + timedelta(minutes=20), reason="street closed"),
        headers=auth,
    )
    assert gave_up.json()["job"]["status"] == "cannot_complete"
    assert _ticket_status(api, ticket_id) == "triaged"


def _jpeg(size: tuple[int, int] = (2600, 1300)) -> bytes:
    exif = Image.Exif()
    exif[0x0132] = "2026:01:13 10:00:00"
    exif[0x8825] = {1: "N", 2: (29.0, 37.0, 0.0), 3: "E", 4: (52.0, 32.0, 0.0)}
    out = io.BytesIO()
    Image.new("RGB", size, (90, 90, 90)).save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def _stored_files(api: Api) -> list[str]:
    root = api.settings.data_dir / "photos"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_photo_upload_is_stored_once_without_exif(api: Api) -> None:
    job_id, _ = make_job(api, "crew-09")
    auth = api.crew_headers("crew-09")
    form = {"client_id": str(uuid.uuid4()), "kind": "before"}
    files = {"file": ("before.jpg", _jpeg(), "image/jpeg")}
    first = api.client.post(f"/api/crew/jobs/{job_id}/photos", data=form, files=files, headers=auth)
    assert first.status_code == 201, first.text
    assert first.json()["applied"] is True
    again = api.client.post(f"/api/crew/jobs/{job_id}/photos", data=form, files=files, headers=auth)
    assert again.status_code == 200 and again.json()["applied"] is False
    served = api.client.get(first.json()["url"], headers=auth)
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    image = Image.open(io.BytesIO(served.content))
    assert image.size == (2048, 1024) and len(image.getexif()) == 0
    job = (api.client.get(f"/api/crew/jobs/{job_id}", headers=auth)).json()
    assert [p["kind"] for p in job["photos"]] == ["before"]
    evidence = api.client.get(f"/api/photos/{first.json()['id']}/evidence", headers=api.headers("dispatcher"))
    assert evidence.status_code == 200
    assert evidence.json()["gps"]["lat"] == pytest.approx(29 + 37 / 60)
    assert evidence.json()["taken_at_device"] == "2026-01-13T10:00:00"
    crew_peek = api.client.get(f"/api/photos/{first.json()['id']}/evidence", headers=auth)
    assert crew_peek.status_code == 403
    other = api.crew_headers("crew-10")
    assert (api.client.get(first.json()["url"], headers=other)).status_code == 404


def test_refused_uploads_store_nothing(api: Api) -> None:
    job_id, _ = make_job(api, "crew-11")
    auth = api.crew_headers("crew-11")
    before = _stored_files(api)
    url = f"/api/crew/jobs/{job_id}/photos"
    not_image = api.client.post(
        url,
        data={"client_id": str(uuid.uuid4()), "kind": "after"},
        files={"file": ("notes.jpg", b"this is not a photo", "image/jpeg")},
        headers=auth,
    )
    assert not_image.status_code == 422
    assert not_image.json()["errors"][0]["field"] == "file"
    assert "JPEG, PNG or WebP" in not_image.json()["errors"][0]["message"]
    huge = api.client.post(
        url,
        data={"client_id": str(uuid.uuid4()), "kind": "after"},
        files={"file": ("big.jpg", b"\xff\xd8" + b"\0" * (10 * 1024 * 1024 + 10), "image/jpeg")},
        headers=auth,
    )
    assert huge.status_code == 413
    assert "10 MB" in huge.json()["detail"]
    wrong_kind = api.client.post(
        url,
        data={"client_id": str(uuid.uuid4()), "kind": "selfie"},
        files={"file": ("a.jpg", _jpeg((20, 20)), "image/jpeg")},
        headers=auth,
    )
    assert wrong_kind.status_code == 422 and wrong_kind.json()["errors"][0]["field"] == "kind"
    assert _stored_files(api) == before
    assert _count(api, select(func.count()).select_from(JobPhoto).where(JobPhoto.job_id == job_id)) == 0


def test_gps_pings_are_stored_once_and_shown_to_staff(api: Api) -> None:
    auth = api.crew_headers("crew-12")
    ping = {
        "client_id": str(uuid.uuid4()),
        "lon": 52.53,
        "lat": 29.61,
        "accuracy_m": 8.5,
        "at": datetime.now(UTC).isoformat(),
    }
    first = api.client.post("/api/crew/positions", json=ping, headers=auth)
    again = api.client.post("/api/crew/positions", json=ping, headers=auth)
    assert (first.status_code, again.status_code) == (202, 202)
    assert (first.json()["applied"], again.json()["applied"]) == (True, False)
    bad = api.client.post("/api/crew/positions", json={**ping, "client_id": "x2", "lat": 123.0}, headers=auth)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "lat"
    query = select(func.count()).select_from(CrewPosition).where(CrewPosition.client_id == ping["client_id"])
    assert _count(api, query) == 1
    latest = api.client.get("/api/positions", headers=api.headers("dispatcher"))
    mine = [p for p in latest.json()["items"] if p["crew_id"] == "crew-12"]
    assert mine and mine[0]["lon"] == pytest.approx(52.53)


def test_an_action_on_a_job_taken_off_the_list_changes_nothing(api: Api) -> None:
    job_id, ticket_id = make_job(api, "crew-13")

    async def take_off(session: AsyncSession) -> None:
        job = await session.get(CrewJob, job_id)
        assert job is not None
        job.active = False
        await session.commit()

    api.db(take_off)
    auth = api.crew_headers("crew-13")
    reply = api.client.post(f"/api/crew/jobs/{job_id}/actions", json=_action("accept", T0), headers=auth)
    assert reply.status_code == 409 and "taken off your list" in reply.json()["detail"]
    assert _ticket_status(api, ticket_id) == "assigned"
    listing = api.client.get(f"/api/crew/jobs?date={SERVICE_DATE}", headers=auth).json()["items"]
    assert job_id not in [j["id"] for j in listing]
