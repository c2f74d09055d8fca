"""Server-sent events over Litestar Channels (memory backend, or Redis to share across processes)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Iterable

import msgspec
from litestar.channels import ChannelsPlugin
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.response import ServerSentEvent, ServerSentEventMessage

from dispatch_api.services.events import decode_event

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
