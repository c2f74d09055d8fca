"""The staff and citizen screens' server side: their catalog, languages and sign-in redirects."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from babel.messages.pofile import read_po
from litestar import Litestar
from litestar.testing import TestClient

from dispatch_api.web.pages import page_handlers, template_config
from dispatch_api.web.pages.assets import LOCALE_DIR
from dispatch_api.web.pages.screens import JS, js_strings, t


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient[Litestar]]:
    app = Litestar(route_handlers=page_handlers(), template_config=template_config())
    with TestClient(app) as test_client:
        yield test_client


def test_persian_screens_catalog_translates_every_message() -> None:
    with (LOCALE_DIR / "screens.pot").open("rb") as handle:
        wanted = {m.id for m in read_po(handle) if m.id}
    with (LOCALE_DIR / "fa" / "LC_MESSAGES" / "screens.po").open("rb") as handle:
        catalog = read_po(handle)
    translated = {m.id for m in catalog if m.id and m.string}
    assert wanted - translated == set(), "run pybabel extract/update (see pwa/locale/screens.cfg)"
    assert set(JS.values()) <= wanted


def test_placeholders_survive_translation() -> None:
    persian = js_strings("fa")
    for key, english in JS.items():
        assert set(re.findall(r"\{\w+\}", english)) == set(re.findall(r"\{\w+\}", persian[key])), key
    assert t("fa", "Switch language to %(name)s", name="English") == "تغییر زبان به English"


def test_citizen_pages_render_in_both_languages(client: TestClient[Litestar]) -> None:
    persian = client.get("/track/ABCD-EFGH?lang=fa")
    assert persian.status_code == 200
    assert '<html lang="fa" dir="rtl">' in persian.text
    assert "پیگیری درخواست ۱۳۷" in persian.text
    strings = json.loads(re.search(r'id="screen-strings">(.*?)</script>', persian.text, re.S).group(1))  # type: ignore[union-attr]
    assert strings["status.done"] == "انجام شد"
    english = client.get("/survey/some-token?lang=en")
    assert '<html lang="en" dir="ltr">' in english.text and "How did we do?" in english.text
    assert (
        client.get("/track?code=abcd-efgh", follow_redirects=False).headers["location"] == "/track/abcd-efgh"
    )


@pytest.mark.parametrize("path", ["/console", "/intake", "/figures"])
def test_staff_screens_need_a_signed_in_role(client: TestClient[Litestar], path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code in (302, 303, 307)
    assert response.headers["location"] == f"/signin?next={path}"
    assert "ورود کارکنان" in client.get("/signin?lang=fa").text
