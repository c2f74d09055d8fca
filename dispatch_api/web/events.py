"""Server-sent events over Litestar Channels (memory backend, or Redis to share across processes)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Iterable
from typing import Any

import msgspec
from litestar import Request, get
from litestar.channels import ChannelsPlugin
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.exceptions import ServiceUnavailableException as ServiceUnavailable
from litestar.params import Parameter
from litestar.response import ServerSentEvent, ServerSentEventMessage

from dispatch_api.services.errors import FieldError, Forbidden
from dispatch_api.services.events import STAFF_CHANNELS, Announcer, crew_channel, decode_event
from dispatch_api.services.principal import STAFF_ROLES
from dispatch_api.web.security import current, require_roles

HEARTBEAT_S = 15.0


def make_channels_plugin(redis_url: str | None = None) -> ChannelsPlugin:
    """The app's channels: in memory by default, on Redis pub/sub when ``redis_url`` is given."""
    if redis_url:
        from litestar.channels.backends.redis import RedisChannelsPubSubBackend
        from redis.asyncio import Redis

        backend: object = RedisChannelsPubSubBackend(
            redis=Redis.from_url(redis_url), key_prefix="CREWLINE_CHANNELS"
        )
    else:
        backend = MemoryChannelsBackend()
    return ChannelsPlugin(
        backend=backend,  # type: ignore[arg-type]
        arbitrary_channels_allowed=True,
        subscriber_max_backlog=1000,
        subscriber_backlog_strategy="dropleft",
    )


async def event_messages(
    plugin: ChannelsPlugin, channels: Iterable[str], *, heartbeat_s: float = HEARTBEAT_S
) -> AsyncGenerator[ServerSentEventMessage, None]:
    """Each event on ``channels`` as an SSE message; a comment line when nothing happened for a while.

    The first message is a ``ready`` comment, sent once the subscription is live, so a client
    knows that events published from then on will reach it.
    """
    queue: asyncio.Queue[bytes] = asyncio.Queue()

    async def forward(raw: bytes) -> None:
        await queue.put(raw)

    async with (
        plugin.start_subscription(list(channels)) as subscriber,
        subscriber.run_in_background(forward, join=False),
    ):
        yield ServerSentEventMessage(comment="ready")
        while True:
            try:
                raw = await asyncio.wait_for(queue.get(), timeout=heartbeat_s)
            except TimeoutError:
                yield ServerSentEventMessage(comment="keep-alive")
                continue
            event = decode_event(raw)
            yield ServerSentEventMessage(event=event.event, data=msgspec.json.encode(event.data).decode())


def event_stream(plugin: ChannelsPlugin, channels: Iterable[str]) -> ServerSentEvent:
    return ServerSentEvent(event_messages(plugin, channels), headers={"Cache-Control": "no-store"})


def announcer(request: Request[Any, Any, Any]) -> Announcer:
    """Announcements through the app's channels plugin (no-ops when the app has none)."""
    try:
        plugin = request.app.plugins.get(ChannelsPlugin)
    except KeyError:
        return Announcer(None)
    return Announcer(plugin)


def _plugin(request: Request[Any, Any, Any]) -> ChannelsPlugin:
    try:
        return request.app.plugins.get(ChannelsPlugin)
    except KeyError:
        raise ServiceUnavailable("live updates are not configured on this server") from None


@get("/api/crew/events", guards=[require_roles("crew")], tags=["crew"], summary="Live job changes (SSE)")
async def crew_events(request: Request[Any, Any, Any]) -> ServerSentEvent:
    principal = current(request)
    if principal.crew_id is None:
        raise Forbidden("this stream is for crews; sign in with the crew's phone and PIN")
    return event_stream(_plugin(request), [crew_channel(principal.crew_id)])


@get(
    "/api/events",
    guards=[require_roles(*STAFF_ROLES)],
    tags=["events"],
    summary="Live plan, ticket and crew-position changes (SSE)",
)
async def staff_events(
    request: Request[Any, Any, Any],
    wanted_channels: str | None = Parameter(
        query="channels", default=None, description="comma-separated: plans, tickets, positions (default all)"
    ),
) -> ServerSentEvent:
    wanted = [c.strip() for c in (wanted_channels or ",".join(STAFF_CHANNELS)).split(",") if c.strip()]
    unknown = [c for c in wanted if c not in STAFF_CHANNELS]
    if unknown or not wanted:
        raise FieldError([("channels", f"choose from {', '.join(STAFF_CHANNELS)}; got {', '.join(unknown)}")])
    return event_stream(_plugin(request), wanted)


def route_handlers() -> list[Any]:
    return [crew_events, staff_events]
