"""The coordinator's snow emergency screen (`/snow`): declare and end an emergency, the map of
tiered snow routes coloured by time since last plowed, demand against equipment per district, the
proposed reallocation to change and approve, plow progress live.

Its strings live in their own Babel catalog (`pwa/locale/<lang>/LC_MESSAGES/snow.po`); the shared
header keeps the screens' catalog. Extract and update with:
    pybabel extract -F pwa/locale/snow.cfg -k s -k S_ --no-default-keywords --no-location \
        -o pwa/locale/snow.pot .
    pybabel update -D snow -i pwa/locale/snow.pot -d pwa/locale
"""

from __future__ import annotations

from typing import Any

from babel.support import Translations
from litestar import Request, get
from litestar.datastructures import CacheControlHeader
from litestar.response import Redirect, Template

from dispatch_api.web.pages.i18n import translations
from dispatch_api.web.pages.screens import render

DOMAIN = "snow"
SNOW_ROLES = ("coordinator",)


def S_(message: str) -> str:
    """Mark a string of the snow screen for extraction; translated when the page is rendered."""
    return message


def catalog(lang: str) -> Translations:
    return translations(lang, DOMAIN)


def s(lang: str, message: str, **params: Any) -> str:
    text = str(catalog(lang).gettext(message))
    return text % params if params else text


# Strings the screen's JavaScript shows, by key (English; Persian from the catalog).
JS: dict[str, str] = {
    "snow.none": S_("No snow emergency is declared."),
    "snow.active": S_("Level {level} emergency in districts {districts}, until {end}"),
    "snow.declared": S_("Emergency declared: snow work raised, deferrable work held"),
    "snow.ended": S_("Emergency ended: priorities restored, held work back in planning"),
    "snow.tickets": S_("{raised} snow tickets raised to urgent · {held} tickets held"),
    "snow.proposal.none": S_("No proposal yet"),
    "snow.proposal.running": S_("Working out where the units should go…"),
    "snow.proposal.failed": S_("The proposal failed: {detail}"),
    "snow.proposal.done": S_("{n} moves proposed"),
    "snow.proposal.approved": S_("Approved: {n} plow routes sent to crews"),
    "snow.proposal.stay": S_("Every unit stays where it is"),
    "snow.move": S_("{unit}: district {from} → {to}"),
    "snow.move.eta": S_("arrives in {min} min"),
    "snow.move.hand": S_("changed by hand"),
    "snow.moved": S_("{unit} goes to district {to}"),
    "snow.approving": S_("Working out the plow routes…"),
    "snow.run": S_("{unit} · district {district} · {crew}: {km} km, {h} h"),
    "snow.run.done": S_("done"),
    "snow.job.paused": S_("Paused"),
    "snow.job.declined": S_("Declined"),
    "snow.job.cannot_complete": S_("Could not be done"),
    "snow.runs.none": S_("No plow routes yet"),
    "snow.district": S_("District {n}"),
    "snow.bar.km": S_("{km} km of routes, {plowed} km plowed"),
    "snow.bar.units": S_("plows {plows} · spreaders {spreaders}"),
    "snow.bar.proposed": S_("after the moves: plows {plows} · spreaders {spreaders}"),
    "snow.clear": S_("tier 1 clear: {before} as found, {after} with the moves"),
    "snow.clear.never": S_("never"),
    "snow.clear.hours": S_("in {h} h"),
    "snow.plowed": S_("{n} street segments plowed just now"),
    "snow.never": S_("not plowed yet"),
    "snow.ago": S_("plowed {age}"),
    "snow.tier": S_("tier {n}"),
    "snow.interval": S_("re-plowed every {h} h at this level"),
    "snow.interval.none": S_("not plowed at this level"),
    "snow.need.districts": S_("Choose at least one district"),
    "snow.need.end": S_("Set the expected end"),
    "snow.confirm.end": S_("End the emergency? Priorities go back and held work returns to planning."),
    "snow.unit.plow": S_("plow"),
    "snow.unit.salt_spreader": S_("salt spreader"),
}

TEMPLATE_CHOICES = (S_("Level 1: light"), S_("Level 2: heavy"), S_("Level 3: severe"))


def js_strings(lang: str) -> dict[str, str]:
    return {key: s(lang, message) for key, message in JS.items()}


@get("/snow", include_in_schema=False, cache_control=CacheControlHeader(no_cache=True))
async def snow_screen(request: Request[Any, Any, Any]) -> Template | Redirect:
    result = render(request, "snow/snow.html", "snow", roles=SNOW_ROLES)
    if isinstance(result, Template) and isinstance(result.context, dict):
        page_lang = str(result.context.get("lang", "fa"))
        result.context["s"] = lambda message, **params: s(page_lang, message, **params)
        result.context["snow_strings"] = js_strings(page_lang)
    return result


SNOW_PAGES = [snow_screen]
