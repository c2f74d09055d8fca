"""Live-update events: what is announced, on which channel, in which shape.

Services announce changes through an ``EventPublisher``; the web layer supplies one backed by
Litestar Channels (memory or Redis) and streams the channels out as server-sent events. Every
message on a channel is one JSON object ``{"event": <name>, "data": <object>}``.

Channels:
- ``crew.<crew id>``: ``job.created``, ``job.updated``, ``job.removed`` (data = the crew's Job JSON);
- ``plans``: ``plan.updated`` (plan id, status, progress) and ``plan.published``;
- ``tickets``: ``ticket.updated`` (ticket id, status, assigned crew);
- ``positions``: ``crew.position`` (crew id, lon, lat, accuracy, time);
- ``snow``: ``snow.updated`` (emergency or proposal changed) and ``snow.plowed`` (edge ids plowed).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import msgspec

PLANS_CHANNEL = "plans"
TICKETS_CHANNEL = "tickets"
POSITIONS_CHANNEL = "positions"
SNOW_CHANNEL = "snow"
STAFF_CHANNELS = (PLANS_CHANNEL, TICKETS_CHANNEL, POSITIONS_CHANNEL, SNOW_CHANNEL)

JOB_CREATED = "job.created"
JOB_UPDATED = "job.updated"
JOB_REMOVED = "job.removed"
PLAN_UPDATED = "plan.updated"
PLAN_PUBLISHED = "plan.published"
TICKET_UPDATED = "ticket.updated"
CREW_POSITION = "crew.position"
SNOW_UPDATED = "snow.updated"
SNOW_PLOWED = "snow.plowed"


def crew_channel(crew_id: str) -> str:
    return f"crew.{crew_id}"


def is_crew_channel(name: str) -> bool:
    return name.startswith("crew.") and len(name) > len("crew.")


class EventPublisher(Protocol):
    """Something that delivers an encoded event to the subscribers of a channel."""

    def publish(self, data: bytes, channels: list[str]) -> None: ...


class Event(msgspec.Struct, frozen=True):
    event: str
    data: dict[str, Any]


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Event)


def encode_event(event: str, data: Mapping[str, Any]) -> bytes:
    return _encoder.encode(Event(event=event, data=dict(data)))


def decode_event(raw: bytes | str) -> Event:
    return _decoder.decode(raw.encode() if isinstance(raw, str) else raw)


class Announcer:
    """Typed helpers over a publisher; a ``None`` publisher makes every call a no-op."""

    def __init__(self, publisher: EventPublisher | None) -> None:
        self._publisher = publisher

    def _send(self, channel: str, event: str, data: Mapping[str, Any]) -> None:
        if self._publisher is not None:
            self._publisher.publish(encode_event(event, data), [channel])

    def job(self, crew_id: str, event: str, job: Mapping[str, Any]) -> None:
        if event not in (JOB_CREATED, JOB_UPDATED, JOB_REMOVED):
            raise ValueError(f"unknown job event {event!r}")
        self._send(crew_channel(crew_id), event, job)

    def plan(self, event: str, plan: Mapping[str, Any]) -> None:
        self._send(PLANS_CHANNEL, event, plan)

    def ticket(self, ticket: Mapping[str, Any]) -> None:
        self._send(TICKETS_CHANNEL, TICKET_UPDATED, ticket)

    def position(self, position: Mapping[str, Any]) -> None:
        self._send(POSITIONS_CHANNEL, CREW_POSITION, position)

    def snow(self, event: str, data: Mapping[str, Any]) -> None:
        if event not in (SNOW_UPDATED, SNOW_PLOWED):
            raise ValueError(f"unknown snow event {event!r}")
        self._send(SNOW_CHANNEL, event, data)
