"""Staff accounts (admin only): list and create. Crews get their logins with their crew."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Response, get, post
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_api.persistence.models import User
from dispatch_api.services import accounts
from dispatch_api.web.deps import PageQuery, page_body
from dispatch_api.web.security import require_roles

ADMIN = require_roles("admin")


class UserIn(msgspec.Struct, forbid_unknown_fields=True):
    username: str
    password: str
    role: str
    name: str
    contractor_id: str | None = None


def account_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "role": user.role,
        "name": user.name,
        "crew_id": user.crew_id,
        "contractor_id": user.contractor_id,
        "active": user.active,
        "created_at": user.created_at.isoformat(),
    }


@get("/api/users", guards=[ADMIN], tags=["auth"], summary="Accounts (admin)")
async def list_users(db_session: AsyncSession, paging: PageQuery, role: str | None = None) -> dict[str, Any]:
    query = select(User)
    if role:
        query = query.where(User.role == role)
    total = await db_session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = (
        await db_session.scalars(query.order_by(User.id).offset(paging.offset).limit(paging.per_page))
    ).all()
    return page_body([account_json(u) for u in rows], int(total), paging)


@post("/api/users", guards=[ADMIN], tags=["auth"], summary="Create a staff account (admin)")
async def create_user(data: UserIn, db_session: AsyncSession) -> Response[Any]:
    user = await accounts.create_user(
        db_session,
        username=data.username,
        password=data.password,
        role=data.role,
        name=data.name,
        contractor_id=data.contractor_id,
    )
    await db_session.commit()
    return Response(account_json(user), status_code=201)


def route_handlers() -> list[Any]:
    return [list_users, create_user]
