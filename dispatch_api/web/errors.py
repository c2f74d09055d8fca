"""Every error as problem-details JSON (RFC 9457); Open311 paths get the GeoReport error list instead."""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from sqlalchemy.exc import DBAPIError

from dispatch_api.services.errors import (
    DomainError,
    FieldError,
    IllegalTransition,
    NotFound,
    RateLimited,
    StaleVersion,
)

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("crewline.errors")

_TITLES = {
    400: "Bad request",
    401: "Sign-in required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}

_AT = re.compile(r"\s*-\s*at\s*`\$\.?([^`]*)`")
_MISSING = re.compile(r"missing required field `([^`]+)`")


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def _is_open311(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith("/open311/")


def _problem(
    request: Request[Any, Any, Any],
    status: int,
    title: str,
    detail: str,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[Any]:
    if _is_open311(request):
        return Response(
            [{"code": status, "description": detail}],
            status_code=status,
            media_type=MediaType.JSON,
            headers=headers,
        )
    body: dict[str, Any] = {
        "type": f"urn:crewline:problem:{_slug(title)}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    if extra:
        body.update(extra)
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _validation_errors(exc: ValidationException) -> list[dict[str, str]]:
    errors: list[dict[str, str]] = []
    extra = exc.extra if isinstance(exc.extra, list) else ([exc.extra] if exc.extra else [])
    for item in extra:
        if not isinstance(item, dict):
            errors.append({"field": "", "message": str(item)})
            continue
        message = str(item.get("message", "invalid value"))
        field = str(item.get("key") or "")
        match = _AT.search(message)
        if match:
            field = match.group(1) or field or "body"
            message = _AT.sub("", message)
        missing = _MISSING.search(message)
        if missing and field in {"", "data", "body"}:
            field = missing.group(1)
        source = item.get("source")
        if not field and source:
            field = str(source)
        errors.append({"field": field or "body", "message": message})
    return errors


def handle_validation(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    errors = _validation_errors(exc)
    named = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or str(exc.detail)
    status = exc.status_code
    return _problem(
        request, status, _TITLES.get(status, "Invalid input"), f"invalid request: {named}", {"errors": errors}
    )


def handle_http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    detail = str(exc.detail)
    if status == 404 and detail in {"Not Found", ""}:
        detail = f"no such address {request.method} {request.url.path}; see /schema for the API"
    elif status == 405:
        detail = f"{request.method} is not allowed on {request.url.path}; see /schema for the methods"
    elif status == 403 and "CSRF" in detail:
        detail = (
            "CSRF token missing or wrong: send the value of the 'csrftoken' cookie in the 'x-csrftoken' "
            "header, or use an 'Authorization: Bearer' token"
        )
    headers = dict(exc.headers) if exc.headers else None
    return _problem(request, status, _TITLES.get(status, "Error"), detail, headers=headers)


def handle_domain(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    extra: dict[str, Any] = {}
    headers: dict[str, str] | None = None
    if isinstance(exc, FieldError):
        extra["errors"] = [{"field": f, "message": m} for f, m in exc.errors]
    if isinstance(exc, IllegalTransition):
        extra.update({"current": exc.current, "requested": exc.target, "allowed": exc.allowed})
    if isinstance(exc, StaleVersion):
        extra.update({"your_version": exc.given, "current_version": exc.current})
    if isinstance(exc, RateLimited):
        headers = {"Retry-After": str(exc.retry_after_s)}
    return _problem(request, exc.status, exc.title, exc.detail, extra, headers)


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _problem(
        request,
        HTTP_500_INTERNAL_SERVER_ERROR,
        "Internal server error",
        "the server failed on this request; it has been logged. Try again, and report it if it persists",
    )


RECORD_ID_MAX = 2**31 - 1  # every table's key is a 32-bit integer on both stores


async def reject_impossible_ids(request: Request[Any, Any, Any]) -> None:
    """An integer path parameter beyond any stored key is a 404 before it reaches the database
    (which would otherwise fail on the overflow rather than answer "no such record")."""
    for name, value in request.path_params.items():
        if isinstance(value, int) and not isinstance(value, bool) and not 0 < value <= RECORD_ID_MAX:
            raise NotFound(name.removesuffix("_id").replace("_", " "), value)


_OUT_OF_RANGE = re.compile(r"out of (int\d* )?range|too large to convert", re.IGNORECASE)


def handle_store_refusal(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A number in the request that no column can hold (a filter of 2**63, say) is the client's
    mistake: 422, not a server error. Any other database failure stays a logged 500."""
    if _OUT_OF_RANGE.search(str(exc)):
        return _problem(
            request,
            422,
            "Invalid input",
            "a number in this request is out of range (ids and codes are below 2147483648); check the "
            "query and body values",
        )
    return handle_unexpected(request, exc)


EXCEPTION_HANDLERS: dict[Any, Any] = {
    OverflowError: handle_store_refusal,
    DBAPIError: handle_store_refusal,
    ValidationException: handle_validation,
    HTTPException: handle_http,
    DomainError: handle_domain,
    Exception: handle_unexpected,
}
