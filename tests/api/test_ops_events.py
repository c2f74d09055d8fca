"""Live updates through Litestar Channels: memory backend, and Redis shared by two app instances."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from litestar import Litestar, get, post
from litestar.channels import ChannelsPlugin
from litestar.response import ServerSentEvent

from dispatch_api.app import create_app
from dispatch_api.persistence.db import Database
from dispatch_api.services.events import (
    JOB_UPDATED,
    Announcer,
    crew_channel,
    decode_event,
    encode_event,
)
from dispatch_api.settings import Settings
from dispatch_api.web.events import event_stream, make_channels_plugin
from tests.api.conftest import Store, fresh_database_url
from tests.api.ops_helpers import CREWS, SAMPLE_CITY, create_job, serve

REDIS_URL = "redis://127.0.0.1:6379/0"


def _app(plugin: ChannelsPlugin) -> Litestar:
    @get("/stream/{crew_id:str}", sync_to_thread=False)
    def stream(crew_id: str, channels: ChannelsPlugin) -> ServerSentEvent:
        return event_stream(channels, [crew_channel(crew_id)])

    @post("/announce/{crew_id:str}", sync_to_thread=False, status_code=202)
    def announce(crew_id: str, data: dict[str, str], channels: ChannelsPlugin) -> None:
        Announcer(channels).job(crew_id, JOB_UPDATED, data)

    return Litestar([stream, announce], plugins=[plugin])


def _read_events(lines: Iterator[str], count: int) -> list[tuple[str, dict[str, str]]]:
    events: list[tuple[str, dict[str, str]]] = []
    name = ""
    for line in lines:
        if line.startswith("event:"):
            name = line.split(":", 1)[1].strip()
        elif line.startswith("data:") and line[5:].strip():
            events.append((name, json.loads(line.split(":", 1)[1])))
            if len(events) == count:
                return events
    return events


def _wait_ready(lines: Iterator[str]) -> None:
    for line in lines:
        if line.startswith(": ready"):
            return
    raise AssertionError("stream ended before it was ready")


def test_event_round_trip_encoding() -> None:
    raw = encode_event("job.updated", {"id": "7", "status": "accepted"})
    event = decode_event(raw)
    assert event.event == "job.updated" and event.data == {"id": "7", "status": "accepted"}
    with pytest.raises(ValueError):
        Announcer(None).job("c1", "job.exploded", {})
    Announcer(None).job("c1", JOB_UPDATED, {})  # no publisher: nothing to do, no error


def _exchange(publisher_app: Litestar, subscriber_app: Litestar) -> list[tuple[str, dict[str, str]]]:
    with serve(subscriber_app) as sub_url, httpx.Client(timeout=10) as client:
        if publisher_app is subscriber_app:
            return _exchange_at(client, sub_url, sub_url)
        with serve(publisher_app) as pub_url:
            return _exchange_at(client, sub_url, pub_url)


def _exchange_at(client: httpx.Client, sub_url: str, pub_url: str) -> list[tuple[str, dict[str, str]]]:
    with client.stream("GET", f"{sub_url}/stream/crew-a") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = response.iter_lines()
        _wait_ready(lines)
        assert client.post(f"{pub_url}/announce/crew-b", json={"id": "other"}).status_code == 202
        reply = client.post(f"{pub_url}/announce/crew-a", json={"id": "j1", "status": "accepted"})
        assert reply.status_code == 202
        return _read_events(lines, 1)


def test_memory_backend_delivers_only_the_crews_own_events() -> None:
    app = _app(make_channels_plugin(None))
    assert _exchange(app, app) == [("job.updated", {"id": "j1", "status": "accepted"})]


@pytest.mark.redis
def test_redis_backend_shares_events_between_two_app_instances() -> None:
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running at 127.0.0.1:6379")
    publisher = _app(make_channels_plugin(REDIS_URL))
    subscriber = _app(make_channels_plugin(REDIS_URL))
    events = _exchange(publisher, subscriber)
    assert events == [("job.updated", {"id": "j1", "status": "accepted"})]


def test_the_app_streams_job_changes_to_their_crew_and_positions_to_staff(
    seeded_store: Store, tmp_path: Path
) -> None:
    url = fresh_database_url(seeded_store, tmp_path)
    settings = Settings(data_dir=tmp_path, database_url=url, city_dir=SAMPLE_CITY, secret_key="sse-test")
    crews = CREWS

    async def make() -> tuple[str, int]:
        db = Database(url)
        try:
            async with db.sessionmaker() as session:
                return await create_job(session, "crew-01")
        finally:
            await db.dispose()

    job_id, _ = asyncio.run(make())
    with serve(create_app(settings)) as base, httpx.Client(base_url=base, timeout=15) as client:

        def token(path: str, body: dict[str, str]) -> dict[str, str]:
            reply = client.post(path, json=body)
            assert reply.status_code in (200, 201), reply.text
            client.cookies.clear()
            return {"Authorization": f"Bearer {reply.json()['token']}"}

        crew = token(
            "/api/auth/crew-login", {"phone": crews["crew-01"]["phone"], "pin": crews["crew-01"]["pin"]}
        )
        other = token(
            "/api/auth/crew-login", {"phone": crews["crew-02"]["phone"], "pin": crews["crew-02"]["pin"]}
        )
        staff = token("/api/auth/login", {"username": "dispatcher", "password": "dispatcher-137"})
        assert client.get("/api/crew/events", headers=staff).status_code == 403

        with (
            client.stream("GET", "/api/crew/events", headers=crew) as mine,
            client.stream("GET", "/api/crew/events", headers=other) as theirs,
        ):
            mine_lines, their_lines = mine.iter_lines(), theirs.iter_lines()
            _wait_ready(mine_lines)
            _wait_ready(their_lines)
            action = {"client_id": str(uuid.uuid4()), "action": "accept", "at": datetime.now(UTC).isoformat()}
            assert (
                client.post(f"/api/crew/jobs/{job_id}/actions", json=action, headers=crew).status_code == 200
            )
            [(name, data)] = _read_events(mine_lines, 1)
            assert name == "job.updated" and data["id"] == job_id and data["status"] == "accepted"
            # the other crew's stream carries nothing but its keep-alive comments
            theirs.close()

        with client.stream("GET", "/api/events?channels=positions", headers=staff) as feed:
            lines = feed.iter_lines()
            _wait_ready(lines)
            ping = {
                "client_id": str(uuid.uuid4()),
                "lon": 52.5,
                "lat": 29.6,
                "at": datetime.now(UTC).isoformat(),
            }
            assert client.post("/api/crew/positions", json=ping, headers=crew).status_code == 202
            [(name, data)] = _read_events(lines, 1)
            assert name == "crew.position" and data["crew_id"] == "crew-01" and data["lon"] == 52.5
        bad = client.get("/api/events?channels=secrets", headers=staff)
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "channels"
