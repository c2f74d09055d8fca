"""Accounts and sign-in: argon2 passwords and PINs, sessions, and sign-in rate limits."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_api.persistence.base import utcnow
from dispatch_api.persistence.models import AuthSession, Contractor, Crew, LoginFailure, User
from dispatch_api.persistence.models.users import ROLES
from dispatch_api.services.errors import Conflict, FieldError, NotFound, RateLimited, Unauthorized
from dispatch_api.services.principal import Principal

_hasher = PasswordHasher()
# A real hash to verify against when the account does not exist, so timing does not tell.
_DUMMY_HASH = _hasher.hash("crewline-no-such-account")


def set_hash_cost(time_cost: int, memory_kib: int) -> None:
    """Change argon2's cost for new hashes (existing hashes keep the cost they were made with)."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1)
    _DUMMY_HASH = _hasher.hash("crewline-no-such-account")


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def verify_secret(stored_hash: str, secret: str) -> bool:
    try:
        return _hasher.verify(stored_hash, secret)
    except (VerificationError, InvalidHashError):
        return False


async def hash_secret_async(secret: str) -> str:
    """Hash off the event loop: argon2 is deliberately slow."""
    return await asyncio.to_thread(hash_secret, secret)


async def verify_secret_async(stored_hash: str, secret: str) -> bool:
    return await asyncio.to_thread(verify_secret, stored_hash, secret)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SignIn:
    token: str
    expires_at: datetime
    principal: Principal


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int = 5
    # One address may serve a whole call centre, so it gets a larger allowance than one account.
    ip_max_failures: int = 20
    window_s: int = 300
    session_hours: int = 12
    crew_session_hours: int = 14


async def _check_rate(session: AsyncSession, policy: LoginPolicy, account: str, ip: str) -> None:
    since = utcnow() - timedelta(seconds=policy.window_s)
    checks = (
        (LoginFailure.account, account, "this account", policy.max_failures),
        (LoginFailure.ip, ip, "this address", policy.ip_max_failures),
    )
    for column, value, what, limit in checks:
        recent = (column == value) & (LoginFailure.at >= since)
        count = await session.scalar(select(func.count()).select_from(LoginFailure).where(recent))
        if (count or 0) >= limit:
            oldest = await session.scalar(select(func.min(LoginFailure.at)).where(recent))
            wait = policy.window_s
            if oldest is not None:
                left = oldest + timedelta(seconds=policy.window_s) - utcnow()
                wait = max(1, int(left.total_seconds()) + 1)
            raise RateLimited(
                f"too many failed sign-ins for {what}; wait {wait} seconds and try again", retry_after_s=wait
            )


async def _fail(session: AsyncSession, account: str, ip: str, message: str) -> Unauthorized:
    session.add(LoginFailure(account=account, ip=ip, at=utcnow()))
    await session.commit()
    return Unauthorized(message)


async def principal_for(session: AsyncSession, user: User) -> Principal:
    districts: frozenset[int] = frozenset()
    if user.contractor_id is not None:
        contractor = await session.get(Contractor, user.contractor_id)
        if contractor is not None:
            districts = frozenset(d.district_code for d in contractor.districts)
    return Principal(
        user_id=user.id,
        role=user.role,
        name=user.name,
        crew_id=user.crew_id,
        contractor_id=user.contractor_id,
        districts=districts,
    )


async def _open_session(
    session: AsyncSession, policy: LoginPolicy, account: str, user: User, hours: int
) -> SignIn:
    """A new session; a success forgets the account's failures, and stale rows are swept."""
    now = utcnow()
    await session.execute(delete(LoginFailure).where(LoginFailure.account == account))
    await session.execute(
        delete(LoginFailure).where(LoginFailure.at < now - timedelta(seconds=policy.window_s))
    )
    await session.execute(delete(AuthSession).where(AuthSession.expires_at <= now))
    token = secrets.token_urlsafe(32)
    expires = now + timedelta(hours=hours)
    session.add(AuthSession(token_hash=token_digest(token), user_id=user.id, expires_at=expires))
    principal = await principal_for(session, user)
    await session.commit()
    return SignIn(token=token, expires_at=expires, principal=principal)


async def login(session: AsyncSession, policy: LoginPolicy, username: str, password: str, ip: str) -> SignIn:
    account = f"user:{username.strip().lower()}"
    await _check_rate(session, policy, account, ip)
    user = await session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))
    ok = await verify_secret_async(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not ok or not user.active or user.role == "crew":
        raise await _fail(session, account, ip, "wrong username or password; check both and try again")
    return await _open_session(session, policy, account, user, policy.session_hours)


async def crew_login(session: AsyncSession, policy: LoginPolicy, phone: str, pin: str, ip: str) -> SignIn:
    account = f"crew:{phone.strip()}"
    await _check_rate(session, policy, account, ip)
    user = await session.scalar(
        select(User).join(Crew, User.crew_id == Crew.id).where(Crew.phone == phone.strip())
    )
    ok = await verify_secret_async(user.password_hash if user else _DUMMY_HASH, pin)
    if user is None or not ok or not user.active:
        raise await _fail(session, account, ip, "wrong phone number or PIN; check both and try again")
    return await _open_session(session, policy, account, user, policy.crew_session_hours)


async def resolve_token(session: AsyncSession, token: str) -> Principal | None:
    """The principal of a live session token, or None when unknown or expired."""
    row = await session.get(AuthSession, token_digest(token))
    if row is None or row.expires_at <= utcnow():
        return None
    user = await session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    return await principal_for(session, user)


async def logout(session: AsyncSession, token: str) -> None:
    await session.execute(delete(AuthSession).where(AuthSession.token_hash == token_digest(token)))
    await session.commit()


async def create_user(
    session: AsyncSession,
    *,
    username: str,
    password: str,
    role: str,
    name: str,
    contractor_id: str | None = None,
) -> User:
    errors: list[tuple[str, str]] = []
    if role not in ROLES or role == "crew":
        errors.append(("role", f"must be one of {', '.join(r for r in ROLES if r != 'crew')}"))
    if len(password) < 8:
        errors.append(("password", "must be at least 8 characters"))
    if not username.strip():
        errors.append(("username", "must not be empty"))
    if role == "contractor_manager" and not contractor_id:
        errors.append(("contractor_id", "a contractor manager needs the contractor they manage"))
    if errors:
        raise FieldError(errors)
    if contractor_id is not None and await session.get(Contractor, contractor_id) is None:
        raise NotFound("contractor", contractor_id)
    exists = await session.scalar(select(User.id).where(or_(func.lower(User.username) == username.lower())))
    if exists is not None:
        raise Conflict(f"username {username!r} is taken; choose another")
    user = User(
        username=username.strip(),
        password_hash=await hash_secret_async(password),
        role=role,
        name=name,
        contractor_id=contractor_id,
        created_at=utcnow(),
    )
    session.add(user)
    await session.flush()
    return user


async def set_crew_login(session: AsyncSession, crew: Crew, pin: str, pin_hash: str | None = None) -> User:
    """Create or update the account a crew signs in with (its phone and PIN)."""
    if not (pin.isdigit() and 4 <= len(pin) <= 8):
        raise FieldError([("pin", "must be 4 to 8 digits")])
    pin_hash = pin_hash or await hash_secret_async(pin)
    user = await session.scalar(select(User).where(User.crew_id == crew.id))
    if user is None:
        user = User(
            username=None,
            password_hash=pin_hash,
            role="crew",
            name=crew.name_en,
            crew_id=crew.id,
            contractor_id=crew.contractor_id,
            created_at=utcnow(),
        )
        session.add(user)
    else:
        user.password_hash = pin_hash
    await session.flush()
    return user
