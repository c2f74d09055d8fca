"""Who is calling (session cookie or bearer token → `request.user`), role guards and CSRF."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar.config.csrf import CSRFConfig
from litestar.connection import ASGIConnection
from litestar.datastructures import Headers
from litestar.enums import ScopeType
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.csrf import CSRFMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from dispatch_api.services import accounts
from dispatch_api.services.errors import Forbidden, Unauthorized
from dispatch_api.services.principal import Principal

SESSION_COOKIE = "crewline_session"
# Sign-in, health and Open311 (which authenticates with its api_key) are exempt from CSRF.
# Static files never need to know the caller: skip the session lookup for them.
PUBLIC_ASSETS = ("/static/", "/vendor/")
CSRF_EXEMPT = ["/api/auth/login", "/api/auth/crew-login", "/health", "/open311"]


def bearer_token(headers: Headers) -> str | None:
    value = headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def _cookie(headers: Headers, name: str) -> str | None:
    for part in headers.get("cookie", "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name and value:
            return value
    return None


class AuthMiddleware:
    """Resolve the caller once per request; handlers read `request.user` and guards enforce roles."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in (ScopeType.HTTP, ScopeType.WEBSOCKET):
            await self.app(scope, receive, send)
            return
        headers = Headers.from_scope(scope)
        token = None
        if not scope["path"].startswith(PUBLIC_ASSETS):
            token = bearer_token(headers) or _cookie(headers, SESSION_COOKIE)
        principal: Principal | None = None
        if token:
            db = scope["litestar_app"].state.db
            async with db.sessionmaker() as session:
                principal = await accounts.resolve_token(session, token)
        scope["user"] = principal
        scope["auth"] = token if principal is not None else None
        await self.app(scope, receive, send)


class BearerAwareCSRFMiddleware(CSRFMiddleware):
    """Litestar's CSRF check for cookie sessions; requests carrying a bearer token skip it
    (a browser never attaches an Authorization header to a cross-site request by itself)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP and bearer_token(Headers.from_scope(scope)):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def csrf_config(secret: str) -> CSRFConfig:
    return CSRFConfig(secret=secret, exclude=CSRF_EXEMPT)


def current(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    user = connection.scope.get("user")
    if not isinstance(user, Principal):
        raise Unauthorized(
            "sign in first: POST /api/auth/login (staff) or /api/auth/crew-login (crews), "
            "then send the session cookie or 'Authorization: Bearer <token>'"
        )
    return user


def require_roles(*roles: str) -> Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], None]:
    """A guard letting in the given roles (and admin, who may do everything)."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        principal = current(connection)
        if principal.role != "admin" and principal.role not in roles:
            raise Forbidden(
                f"your role '{principal.role}' may not do this; it needs one of: {', '.join(roles)}"
            )

    guard.__name__ = f"require_{'_'.join(roles) or 'admin'}"
    return guard


def signed_in(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    current(connection)


def provide_principal(request: Any) -> Principal:
    """Dependency: the signed-in caller (401 when nobody is)."""
    return current(request)
