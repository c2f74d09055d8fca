"""Every string of the snow screen (its template and its JavaScript) has a Persian translation."""

from __future__ import annotations

import re
from pathlib import Path

from dispatch_api.web.pages import snow

TEMPLATE = Path(__file__).resolve().parents[2] / "pwa" / "templates" / "snow" / "snow.html"


def _template_strings() -> set[str]:
    text = TEMPLATE.read_text(encoding="utf-8")
    return set(re.findall(r'\bs\("([^"]+)"', text)) | set(re.findall(r"\bs\('([^']+)'", text))


def test_every_snow_screen_string_is_in_persian() -> None:
    strings = _template_strings() | set(snow.JS.values()) | set(snow.TEMPLATE_CHOICES)
    assert len(strings) > 60
    untranslated = sorted(m for m in strings if snow.s("fa", m) == m)
    assert untranslated == []
    # placeholders survive translation
    for message in snow.JS.values():
        assert set(re.findall(r"\{\w+\}", snow.s("fa", message))) == set(re.findall(r"\{\w+\}", message)), (
            message
        )


def test_english_reads_the_message_ids() -> None:
    assert snow.s("en", "Declare the emergency") == "Declare the emergency"
    assert snow.js_strings("en")["snow.need.districts"] == "Choose at least one district"
