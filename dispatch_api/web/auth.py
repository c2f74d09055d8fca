"""Sign-in endpoints: staff username/password, crew phone/PIN, sign-out and `me`."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.middleware.csrf import generate_csrf_token
from litestar.utils.scope.state import ScopeState
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_api.persistence.base import utcnow
from dispatch_api.services import accounts
from dispatch_api.services.principal import Principal
from dispatch_api.settings import Settings
from dispatch_api.web.security import SESSION_COOKIE, current, signed_in

CSRF_COOKIE = "csrftoken"


class LoginBody(msgspec.Struct):
    username: str
    password: str


class CrewLoginBody(msgspec.Struct):
    phone: str
    pin: str


def _policy(settings: Settings) -> accounts.LoginPolicy:
    return accounts.LoginPolicy(
        max_failures=settings.login_max_failures,
        ip_max_failures=settings.login_max_failures_per_ip,
        window_s=settings.login_window_s,
        session_hours=settings.session_hours,
        crew_session_hours=settings.crew_session_hours,
    )


def user_json(principal: Principal) -> dict[str, Any]:
    return {
        "id": principal.user_id,
        "role": principal.role,
        "name": principal.name,
        "crew_id": principal.crew_id,
        "contractor_id": principal.contractor_id,
        "districts": sorted(principal.districts),
    }


def _csrf(request: Request[Any, Any, Any]) -> str | None:
    token = ScopeState.from_scope(request.scope).csrf_token
    if isinstance(token, str):
        return token
    return request.cookies.get(CSRF_COOKIE)


def _client_ip(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


def _signed_in(
    request: Request[Any, Any, Any], sign_in: accounts.SignIn, settings: Settings
) -> Response[Any]:
    cookies: list[Cookie] = []
    csrf = _csrf(request)
    if csrf is None:
        # Sign-in is exempt from CSRF, so hand the page its CSRF cookie here.
        csrf = generate_csrf_token(settings.resolved_secret())
        cookies.append(Cookie(key=CSRF_COOKIE, value=csrf, path="/", samesite="lax", httponly=False))
    body = {
        "user": user_json(sign_in.principal),
        "token": sign_in.token,
        "token_type": "bearer",
        "expires_at": sign_in.expires_at.isoformat(),
        "csrf_token": csrf,
    }
    cookie = Cookie(
        key=SESSION_COOKIE,
        value=sign_in.token,
        httponly=True,
        samesite="lax",
        secure=not settings.debug and request.url.scheme == "https",
        max_age=int((sign_in.expires_at - utcnow()).total_seconds()),
        path="/",
    )
    return Response(body, cookies=[cookie, *cookies])


@post("/api/auth/login", tags=["auth"], summary="Staff sign-in", status_code=200)
async def login(
    request: Request[Any, Any, Any], data: LoginBody, db_session: AsyncSession, settings: Settings
) -> Response[Any]:
    sign_in = await accounts.login(
        db_session, _policy(settings), data.username, data.password, _client_ip(request)
    )
    return _signed_in(request, sign_in, settings)


@post(
    "/api/auth/crew-login",
    tags=["auth"],
    summary="Crew sign-in with phone and PIN (lasts the shift)",
    status_code=200,
)
async def crew_login(
    request: Request[Any, Any, Any], data: CrewLoginBody, db_session: AsyncSession, settings: Settings
) -> Response[Any]:
    sign_in = await accounts.crew_login(
        db_session, _policy(settings), data.phone, data.pin, _client_ip(request)
    )
    return _signed_in(request, sign_in, settings)


@post("/api/auth/logout", tags=["auth"], guards=[signed_in], status_code=200)
async def logout(request: Request[Any, Any, Any], db_session: AsyncSession) -> Response[Any]:
    token = request.scope.get("auth")
    if isinstance(token, str):
        await accounts.logout(db_session, token)
    response: Response[Any] = Response({"signed_out": True})
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@get("/api/auth/me", tags=["auth"], guards=[signed_in])
async def me(request: Request[Any, Any, Any]) -> dict[str, Any]:
    return {"user": user_json(current(request)), "csrf_token": _csrf(request)}


def route_handlers() -> list[Any]:
    return [login, crew_login, logout, me]
