"""Dependencies shared by the controllers: a database session, the city, settings, paging."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Any

from litestar.datastructures import State
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_api.services.city import CityContext
from dispatch_api.settings import Settings


async def provide_db_session(state: State) -> AsyncGenerator[AsyncSession, None]:
    async with state.db.sessionmaker() as session:
        yield session


async def provide_city(state: State, db_session: AsyncSession) -> CityContext:
    city: CityContext | None = state.get("city")
    # Built once per process; an empty store (city not loaded yet) is looked at again next time.
    if city is None or not city.categories:
        city = await CityContext.load(db_session, state.settings.city_dir)
        state.city = city
    return city


def provide_settings(state: State) -> Settings:
    settings: Settings = state.settings
    return settings


@dataclass(frozen=True)
class PageQuery:
    page: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def provide_paging(
    state: State,
    page: int = Parameter(query="page", ge=1, default=1, description="page number, from 1"),
    per_page: int = Parameter(query="per_page", ge=1, le=1000, default=50, description="items per page"),
) -> PageQuery:
    limit = state.settings.max_page_size
    return PageQuery(page=page, per_page=min(per_page, limit))


def page_body(items: list[Any], total: int, paging: PageQuery) -> dict[str, Any]:
    """The shape every list answers with: items plus page, per_page, total and pages."""
    pages = (total + paging.per_page - 1) // paging.per_page if total else 0
    return {"items": items, "page": paging.page, "per_page": paging.per_page, "total": total, "pages": pages}
