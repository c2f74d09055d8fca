"""Languages of the screens: Babel catalogs under `pwa/locale`, chosen per request.

Catalogs are kept as `.po` sources in the repository and compiled in memory when first needed, so
a fresh checkout serves translated screens without a build step. Persian is the city's default.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import pass_context
from jinja2.runtime import Context

import pwa

LOCALE_DIR = Path(pwa.__file__).resolve().parent / "locale"
DOMAIN = "messages"
DEFAULT_LANG = "fa"
LANG_COOKIE = "crewline_lang"


@dataclass(frozen=True, slots=True)
class Language:
    code: str
    direction: str
    intl_locale: str
    native_name: str


LANGUAGES: dict[str, Language] = {
    "fa": Language("fa", "rtl", "fa-IR-u-ca-persian-nu-arabext", "فارسی"),
    "en": Language("en", "ltr", "en-GB", "English"),
}


def N_(message: str) -> str:
    """Mark a string for extraction without translating it here (translated when rendered)."""
    return message


@cache
def translations(lang: str, domain: str = DOMAIN) -> Translations:
    """The compiled catalog of `domain` for `lang`, compiled in memory from its .po file; a
    language without one (English) falls back to the message ids themselves."""
    po_path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.po"
    if not po_path.is_file():
        return Translations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=lang, domain=domain)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer, domain=domain)


def resolve_lang(query_lang: str | None, cookie_lang: str | None) -> str:
    """The language for a request: an explicit `?lang=` wins, then the saved choice, then Persian."""
    for candidate in (query_lang, cookie_lang):
        if candidate in LANGUAGES:
            return candidate
    return DEFAULT_LANG


def gettext(lang: str, message: str) -> str:
    return str(translations(lang).gettext(message))


def ngettext(lang: str, singular: str, plural: str, n: int) -> str:
    return str(translations(lang).ngettext(singular, plural, n))


@pass_context
def _jinja_gettext(context: Context, message: str) -> str:
    return gettext(str(context.get("lang", DEFAULT_LANG)), message)


@pass_context
def _jinja_ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return ngettext(str(context.get("lang", DEFAULT_LANG)), singular, plural, n)


def install(environment: Any) -> None:
    """Give a Jinja environment `_`, `gettext` and `ngettext` that follow the page's `lang`."""
    environment.add_extension("jinja2.ext.i18n")
    environment.install_gettext_callables(_jinja_gettext, _jinja_ngettext, newstyle=True)


_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def localize_digits(text: object, lang: str) -> str:
    """Write digits the way the language reads them (Persian digits on Persian screens)."""
    value = str(text)
    return value.translate(_PERSIAN_DIGITS) if lang == "fa" else value
