"""What every screen's template gets: language, direction, translated JS strings, city, today."""

from __future__ import annotations

import datetime as dt
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jdatetime
from litestar import Request
from litestar.datastructures import Cookie

from dispatch_api.web.pages.assets import shell_version
from dispatch_api.web.pages.i18n import (
    LANG_COOKIE,
    LANGUAGES,
    gettext,
    localize_digits,
    resolve_lang,
)
from dispatch_api.web.pages.js_strings import js_strings

REPO_CITY_DIR = Path(__file__).resolve().parents[3] / "fixtures" / "sample_city"

_JALALI_MONTHS_FA = (
    "فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
    "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند",
)  # fmt: skip
_WEEKDAYS_FA = ("دوشنبه", "سه‌شنبه", "چهارشنبه", "پنجشنبه", "جمعه", "شنبه", "یکشنبه")


def _settings(request: Request[Any, Any, Any]) -> Any:
    """The app's settings (put in `app.state` by the app factory), or None in a bare app."""
    return getattr(request.app.state, "settings", None)


def city_dir(request: Request[Any, Any, Any]) -> Path:
    configured = getattr(_settings(request), "city_dir", None) or os.environ.get("CREWLINE_CITY_DIR")
    return Path(configured) if configured else REPO_CITY_DIR


def tile_url(request: Request[Any, Any, Any]) -> str:
    value = getattr(_settings(request), "tile_url", None) or os.environ.get("CREWLINE_TILE_URL") or ""
    return str(value)


@lru_cache(maxsize=4)
def _city(folder: Path) -> dict[str, Any]:
    path = folder / "city.json"
    if not path.is_file():
        return {"code": "city", "name": {"fa": "", "en": ""}, "timezone": "Asia/Tehran"}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def city(request: Request[Any, Any, Any]) -> dict[str, Any]:
    return _city(city_dir(request))


def long_date(day: dt.date, lang: str) -> str:
    """The date as a person reads it: Jalali with Persian digits, or Gregorian in English."""
    if lang == "fa":
        jalali = jdatetime.date.fromgregorian(date=day)
        month = _JALALI_MONTHS_FA[jalali.month - 1]
        text = f"{_WEEKDAYS_FA[day.weekday()]} {jalali.day} {month} {jalali.year}"
        return localize_digits(text, "fa")
    return day.strftime("%a %-d %b %Y")


def page_lang(request: Request[Any, Any, Any]) -> str:
    return resolve_lang(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE))


def lang_cookies(request: Request[Any, Any, Any], lang: str) -> list[Cookie]:
    """Remember an explicit language choice for a year."""
    if request.query_params.get("lang") in LANGUAGES and request.cookies.get(LANG_COOKIE) != lang:
        return [Cookie(key=LANG_COOKIE, value=lang, max_age=365 * 86400, path="/", samesite="lax")]
    return []


def base_context(request: Request[Any, Any, Any], lang: str, **extra: Any) -> dict[str, Any]:
    info = city(request)
    zone = ZoneInfo(str(info.get("timezone") or "Asia/Tehran"))
    today = dt.datetime.now(tz=zone).date()
    language = LANGUAGES[lang]
    other = "en" if lang == "fa" else "fa"
    name = info.get("name") or {}
    context: dict[str, Any] = {
        "lang": lang,
        "dir": language.direction,
        "intl_locale": language.intl_locale,
        "other_lang": LANGUAGES[other],
        "city_name": name.get(lang) or name.get("en") or "",
        "city_timezone": str(zone),
        "today_label": long_date(today, lang),
        "today_iso": today.isoformat(),
        "tomorrow_iso": (today + dt.timedelta(days=1)).isoformat(),
        "js_strings": js_strings(lang),
        "shell_version": shell_version(),
        "tile_url": tile_url(request),
        "path": request.url.path,
        "app_name": gettext(lang, "Crewline"),
    }
    context.update(extra)
    return context
