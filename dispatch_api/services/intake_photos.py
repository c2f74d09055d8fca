"""Photos a citizen sent with a call: validated, EXIF-stripped, stored once per client id."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_api.persistence.models.intake import IntakePhoto
from dispatch_api.services import photos, tickets
from dispatch_api.services.errors import FieldError, NotFound
from dispatch_api.services.principal import Principal

MAX_PER_TICKET = 6


def photo_url(ticket_id: int, photo_id: str) -> str:
    return f"/api/tickets/{ticket_id}/intake-photos/{photo_id}"


async def upload(
    session: AsyncSession,
    storage: photos.PhotoStorage,
    ticket_id: int,
    client_id: str,
    raw: bytes,
    principal: Principal,
) -> tuple[bool, dict[str, Any]]:
    """Store the photo once per ``client_id``: ``(applied, {"id", "url"})``."""
    if not client_id or len(client_id) > 64:
        raise FieldError([("client_id", "send the id the device made for this photo (1 to 64 characters)")])
    ticket = await tickets.get_ticket(session, ticket_id, principal)
    existing = await session.scalar(select(IntakePhoto).where(IntakePhoto.client_id == client_id))
    if existing is not None:
        return False, {"id": existing.id, "url": photo_url(existing.ticket_id, existing.id)}
    count = len(
        (await session.scalars(select(IntakePhoto.id).where(IntakePhoto.ticket_id == ticket.id))).all()
    )
    if count >= MAX_PER_TICKET:
        raise FieldError(
            [("file", f"ticket {ticket.id} already has {MAX_PER_TICKET} photos; that is the limit")]
        )
    processed = await anyio.to_thread.run_sync(photos.process_photo, raw)
    photo_id = photos.new_photo_id()
    key = photos.photo_key(f"ticket-{ticket.id}", photo_id, processed.extension)
    await anyio.to_thread.run_sync(storage.save, key, processed.data)
    session.add(
        IntakePhoto(
            id=photo_id,
            client_id=client_id,
            ticket_id=ticket.id,
            storage_key=key,
            content_type=processed.content_type,
            width=processed.width,
            height=processed.height,
            size_bytes=len(processed.data),
            uploaded_by_id=principal.user_id,
        )
    )
    await session.commit()
    return True, {"id": photo_id, "url": photo_url(ticket.id, photo_id)}


async def listing(session: AsyncSession, ticket_id: int) -> list[dict[str, str]]:
    rows = await session.scalars(
        select(IntakePhoto).where(IntakePhoto.ticket_id == ticket_id).order_by(IntakePhoto.uploaded_at)
    )
    return [{"id": p.id, "url": photo_url(ticket_id, p.id)} for p in rows]


async def read(
    session: AsyncSession, storage: photos.PhotoStorage, ticket_id: int, photo_id: str, principal: Principal
) -> tuple[bytes, str]:
    await tickets.get_ticket(session, ticket_id, principal)
    row = await session.get(IntakePhoto, photo_id)
    if row is None or row.ticket_id != ticket_id:
        raise NotFound("photo of ticket", f"{ticket_id}/{photo_id}")
    data = await anyio.to_thread.run_sync(storage.read, row.storage_key)
    return data, row.content_type
