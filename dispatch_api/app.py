"""The Litestar application: JSON API, Open311, pages and service worker, one factory.

Each controller module exposes `route_handlers() -> list`; live updates come from
`dispatch_api.web.events.make_channels_plugin(redis_url)` (memory channels, or Redis when
`CREWLINE_REDIS_URL` is set); HTML pages, static files and the service worker from
`dispatch_api.web.pages`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin

from dispatch_api.persistence.db import Database
from dispatch_api.settings import Settings
from dispatch_api.web import (
    auth,
    citizen,
    city,
    console,
    crew,
    events,
    figures,
    health,
    open311,
    org,
    pages,
    plans,
    snow,
    tickets,
    users,
)
from dispatch_api.web.deps import provide_city, provide_db_session, provide_paging, provide_settings
from dispatch_api.web.errors import EXCEPTION_HANDLERS, reject_impossible_ids
from dispatch_api.web.security import AuthMiddleware, BearerAwareCSRFMiddleware, csrf_config

log = logging.getLogger("crewline")

CONTROLLERS = (
    auth,
    users,
    tickets,
    org,
    city,
    open311,
    health,
    plans,
    crew,
    events,
    console,
    citizen,
    figures,
    snow,
)


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    database = Database(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncGenerator[None, None]:
        if settings.migrate_on_start:
            await database.upgrade()
        try:
            yield
        finally:
            await database.dispose()

    return Litestar(
        route_handlers=[
            *(handler for module in CONTROLLERS for handler in module.route_handlers()),
            *pages.page_handlers(),
        ],
        template_config=pages.template_config(),
        dependencies={
            "db_session": Provide(provide_db_session),
            "city": Provide(provide_city),
            "settings": Provide(provide_settings, sync_to_thread=False),
            "paging": Provide(provide_paging, sync_to_thread=False),
        },
        middleware=[
            AuthMiddleware,
            DefineMiddleware(BearerAwareCSRFMiddleware, config=csrf_config(settings.resolved_secret())),
        ],
        plugins=[events.make_channels_plugin(settings.redis_url or None)],
        exception_handlers=EXCEPTION_HANDLERS,
        before_request=reject_impossible_ids,
        lifespan=[lifespan],
        state=State({"settings": settings, "db": database, "city": None}),
        openapi_config=OpenAPIConfig(
            title="Crewline API",
            version="0.1.0",
            description="Tickets, crews, plans and crew jobs for a city's 137 urban-services hotline.",
            path="/schema",
            render_plugins=[ScalarRenderPlugin(), SwaggerRenderPlugin(path="/swagger")],
        ),
        debug=settings.debug,
    )
