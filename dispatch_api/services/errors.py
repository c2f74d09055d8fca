"""Errors the use cases raise; the web layer turns each into a problem-details response."""

from __future__ import annotations

from collections.abc import Sequence


class DomainError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(DomainError):
    status = 404
    title = "Not found"

    def __init__(self, record: str, key: object) -> None:
        super().__init__(f"{record} {key!s} does not exist; check the id or list the {record}s first")
        self.record = record
        self.key = key


class FieldError(DomainError):
    """Input that names a field: 422 with `errors: [{field, message}]`."""

    status = 422
    title = "Invalid input"

    def __init__(self, errors: Sequence[tuple[str, str]]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(f"{field}: {message}" for field, message in self.errors))


class IllegalTransition(DomainError):
    status = 409
    title = "Illegal state transition"

    def __init__(self, record: str, current: str, target: str, allowed: Sequence[str]) -> None:
        self.current = current
        self.target = target
        self.allowed = list(allowed)
        nexts = ", ".join(self.allowed) if self.allowed else "none (final state)"
        super().__init__(f"{record} is '{current}' and cannot become '{target}'; allowed next: {nexts}")


class StaleVersion(DomainError):
    status = 409
    title = "Stale version"

    def __init__(self, record: str, given: int, current: int) -> None:
        self.given = given
        self.current = current
        super().__init__(
            f"{record} was changed by someone else (you sent version {given}, it is now {current}); "
            "reload it and apply your change again"
        )


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class Unauthorized(DomainError):
    status = 401
    title = "Sign-in required"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"


class RateLimited(DomainError):
    status = 429
    title = "Too many attempts"

    def __init__(self, detail: str, retry_after_s: int) -> None:
        super().__init__(detail)
        self.retry_after_s = retry_after_s
