"""Open311 GeoReport v2 at `/open311/v2` (JSON): services, service definitions, requests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Request, get, post
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_api.services import open311
from dispatch_api.services.city import CityContext
from dispatch_api.services.errors import FieldError, NotFound
from dispatch_api.settings import Settings
from dispatch_api.web.events import announcer

BASE = "/open311/v2"


def _lang(request: Request[Any, Any, Any], jurisdiction_id: str | None) -> str:
    wanted = str(request.query_params.get("locale") or request.headers.get("accept-language") or "en")
    return "fa" if wanted.lower().startswith("fa") else "en"


@get(f"{BASE}/discovery.json", tags=["open311"])
async def discovery(request: Request[Any, Any, Any]) -> dict[str, Any]:
    base = str(request.base_url).rstrip("/") + BASE
    return {
        "changeset": "2026-01-01T00:00:00Z",
        "contact": "the city's 137 centre",
        "key_service": "ask the city for an api_key",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base,
                "formats": ["application/json"],
            }
        ],
    }


@get(f"{BASE}/services.json", tags=["open311"])
async def services(
    request: Request[Any, Any, Any], city: CityContext, jurisdiction_id: str | None = None
) -> list[dict[str, Any]]:
    lang = _lang(request, jurisdiction_id)
    return [open311.service_json(c, lang) for c in sorted(city.categories.values(), key=lambda c: c.code)]


def _strip_format(name: str, what: str) -> str:
    """`<id>.json` → `<id>` (Litestar path parameters cannot carry the suffix themselves)."""
    if not name.endswith(".json"):
        raise NotFound(f"{what} (only the .json format is served)", name)
    return name.removesuffix(".json")


@get(f"{BASE}/services/{{name:str}}", tags=["open311"], summary="Service definition: /services/<code>.json")
async def service_definition(name: str, city: CityContext) -> dict[str, Any]:
    service_code = _strip_format(name, "service_code")
    info = city.category(service_code)
    if info is None:
        raise NotFound("service_code", service_code)
    return open311.service_definition(info)


async def _form(request: Request[Any, Any, Any]) -> dict[str, str]:
    content_type = request.content_type[0]
    if content_type == "application/json":
        body = await request.json()
        if not isinstance(body, dict):
            raise FieldError([("body", "send an object of request fields")])
        return {str(k): "" if v is None else str(v) for k, v in body.items()}
    form = await request.form()
    return {str(k): str(v) for k, v in form.items()}


@post(f"{BASE}/requests.json", tags=["open311"], status_code=201)
async def create_request(
    request: Request[Any, Any, Any], db_session: AsyncSession, city: CityContext, settings: Settings
) -> list[dict[str, Any]]:
    form = await _form(request)
    ticket = await open311.submit(db_session, city, form, follow_up_days=settings.referral_follow_up_days)
    announcer(request).ticket({"id": ticket.id, "status": ticket.status, "priority": ticket.priority})
    return [{"service_request_id": ticket.tracking_code, "service_notice": None, "account_id": None}]


def _dt(raw: str | None, name: str) -> datetime | None:
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise FieldError([(name, "must be W3C/ISO 8601, e.g. 2026-11-22T08:00:00Z")]) from None
    if value.tzinfo is None:
        raise FieldError([(name, "give a time zone, e.g. 2026-11-22T08:00:00Z")])
    return value


@get(f"{BASE}/requests.json", tags=["open311"])
async def list_requests(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    city: CityContext,
    service_request_id: str | None = None,
    service_code: str | None = None,
    start_date: str | None = None,
    end_date: str | None = None,
    status: str | None = None,
    jurisdiction_id: str | None = None,
) -> list[dict[str, Any]]:
    rows = await open311.find(
        db_session,
        ids=[v for v in (service_request_id or "").split(",") if v.strip()],
        service_codes=[v for v in (service_code or "").split(",") if v.strip()],
        status=status,
        start=_dt(start_date, "start_date"),
        end=_dt(end_date, "end_date"),
    )
    lang = _lang(request, jurisdiction_id)
    return [open311.request_json(t, city, lang) for t in rows]


@get(f"{BASE}/requests/{{name:str}}", tags=["open311"], summary="One request: /requests/<id>.json")
async def read_request(
    request: Request[Any, Any, Any],
    name: str,
    db_session: AsyncSession,
    city: CityContext,
    jurisdiction_id: str | None = Parameter(default=None),
) -> list[dict[str, Any]]:
    ticket = await open311.one(db_session, _strip_format(name, "service request"))
    return [open311.request_json(ticket, city, _lang(request, jurisdiction_id))]


def route_handlers() -> list[Any]:
    return [discovery, services, service_definition, create_request, list_requests, read_request]
