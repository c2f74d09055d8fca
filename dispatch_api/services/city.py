"""The city as the use cases see it: its calendar, categories, districts and point → district lookup."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_api.persistence.models import Category, District, Holiday
from dispatch_api.services.sla import WorkingCalendar

Locator = Callable[[float, float], int | None]


@dataclass(frozen=True)
class CategoryInfo:
    code: str
    name_fa: str
    name_en: str
    skill: str | None
    default_priority: str
    sla_hours: float
    service_minutes: int
    remit: str
    calendar: str
    deferrable: bool
    repeat_radius_m: int

    @classmethod
    def of(cls, row: Category) -> CategoryInfo:
        return cls(
            code=row.code,
            name_fa=row.name_fa,
            name_en=row.name_en,
            skill=row.skill,
            default_priority=row.default_priority,
            sla_hours=row.sla_hours,
            service_minutes=row.service_minutes,
            remit=row.remit,
            calendar=row.calendar,
            deferrable=row.deferrable,
            repeat_radius_m=row.repeat_radius_m,
        )


def read_city_info(folder: Path) -> dict[str, Any]:
    """`city.json` of a city folder, validated by the city-data loader, as plain JSON values."""
    import msgspec

    from dispatch_api.citydata import load_city_meta

    info: dict[str, Any] = msgspec.to_builtins(load_city_meta(folder))
    return info


def build_locator(districts: list[District], crs: str) -> Locator:
    """Point (lon, lat) → district code through geo's district index.

    A point inside a district gets that district; one just outside the city's edge (within the
    index's tolerance, e.g. on a boundary road) gets the nearest district; anything else None.
    """
    from shapely.geometry import shape

    from geo.districts import DistrictIndex

    index = DistrictIndex.from_polygons({d.code: shape(d.geometry) for d in districts}, crs=crs)

    def locate(lon: float, lat: float) -> int | None:
        hit = index.locate(lon, lat)
        found = hit.code if hit.status == "inside" else hit.nearest_code
        return None if found is None else int(found)

    return locate


@dataclass
class CityContext:
    info: dict[str, Any]
    calendar: WorkingCalendar
    categories: dict[str, CategoryInfo]
    district_names: dict[int, tuple[str, str]]
    locate: Locator
    crs: str

    @classmethod
    async def load(cls, session: AsyncSession, folder: Path) -> CityContext:
        info = read_city_info(folder)
        holidays = {h.day for h in (await session.scalars(select(Holiday))).all()}
        holidays |= {date.fromisoformat(d) for d in info.get("holidays", [])}
        hours = info.get("working_hours", {"start": "07:00", "end": "15:00"})
        calendar = WorkingCalendar.build(
            info["timezone"], info.get("weekend", ["friday"]), holidays, hours["start"], hours["end"]
        )
        categories = {c.code: CategoryInfo.of(c) for c in (await session.scalars(select(Category))).all()}
        districts = list((await session.scalars(select(District).order_by(District.code))).all())
        crs = str(info.get("crs", "EPSG:32639"))
        return cls(
            info=info,
            calendar=calendar,
            categories=categories,
            district_names={d.code: (d.name_fa, d.name_en) for d in districts},
            locate=build_locator(districts, crs) if districts else (lambda lon, lat: None),
            crs=crs,
        )

    def metric(self, lons: list[float], lats: list[float]) -> tuple[np.ndarray, np.ndarray]:
        from geo.crs import to_metric

        xs, ys = to_metric(self.crs, np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
        return xs, ys

    def category(self, code: str) -> CategoryInfo | None:
        return self.categories.get(code)

    def public(self) -> dict[str, Any]:
        keep = ("code", "name", "timezone", "crs", "center", "bbox", "locale", "weekend", "working_hours")
        out = {k: self.info[k] for k in keep if k in self.info}
        out["holidays"] = sorted(d.isoformat() for d in self.calendar.holidays)
        if "service_date" in self.info:
            out["service_date"] = self.info["service_date"]
        return out
