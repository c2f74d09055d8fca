"""Every error as problem-details JSON (RFC 9457); Open311 paths get the GeoReport error list instead."""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from dispatch_api.services.errors import DomainError, FieldError, IllegalTransition, RateLimited, StaleVersion

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


EXCEPTION_HANDLERS: dict[Any, Any] = {
    ValidationException: handle_validation,
    HTTPException: handle_http,
    DomainError: handle_domain,
    Exception: handle_unexpected,
}
