"""The screens' server side: languages, catalogs, manifest, icons and the service worker's shell."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from io import BytesIO

import pytest
from babel.messages.pofile import read_po
from litestar import Litestar
from litestar.testing import TestClient
from PIL import Image

from dispatch_api.web.pages import page_handlers, template_config
from dispatch_api.web.pages.assets import LOCALE_DIR, precache_urls, shell_version
from dispatch_api.web.pages.context import long_date
from dispatch_api.web.pages.js_strings import JS_STRINGS, js_strings


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient[Litestar]]:
    app = Litestar(route_handlers=page_handlers(), template_config=template_config())
    with TestClient(app) as test_client:
        yield test_client


def _page_config(html: str) -> dict[str, object]:
    match = re.search(r'<script type="application/json" id="page-config">(.*?)</script>', html, re.S)
    assert match, "page-config script missing"
    data: dict[str, object] = json.loads(match.group(1))
    return data


def test_persian_is_the_default_right_to_left(client: TestClient[Litestar]) -> None:
    response = client.get("/crew/login")
    assert response.status_code == 200
    html = response.text
    assert '<html lang="fa" dir="rtl">' in html
    assert "ورود اکیپ" in html  # "Crew sign-in"
    config = _page_config(html)
    assert config["lang"] == "fa"
    assert "persian" in str(config["intlLocale"])
    strings = config["strings"]
    assert isinstance(strings, dict)
    assert strings["action.accept"] == "پذیرفتن"


def test_english_switch_is_remembered(client: TestClient[Litestar]) -> None:
    response = client.get("/crew/login?lang=en")
    assert '<html lang="en" dir="ltr">' in response.text
    assert "Crew sign-in" in response.text
    assert response.cookies.get("crewline_lang") == "en"
    again = client.get("/crew/login")  # the client keeps the cookie
    assert '<html lang="en" dir="ltr">' in again.text
    back = client.get("/crew/login?lang=fa")
    assert '<html lang="fa" dir="rtl">' in back.text


def test_unknown_language_falls_back_to_persian(client: TestClient[Litestar]) -> None:
    client.cookies.clear()
    assert '<html lang="fa" dir="rtl">' in client.get("/crew?lang=xx").text


def test_jalali_dates_with_persian_digits() -> None:
    nowruz_1403 = dt.date(2024, 3, 20)
    assert long_date(nowruz_1403, "fa") == "چهارشنبه ۱ فروردین ۱۴۰۳"
    assert long_date(nowruz_1403, "en") == "Wed 20 Mar 2024"


def test_persian_catalog_translates_every_message() -> None:
    with (LOCALE_DIR / "fa" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    untranslated = [m.id for m in catalog if m.id and not m.string]
    assert untranslated == []
    with (LOCALE_DIR / "messages.pot").open("rb") as handle:
        template_ids = {m.id for m in read_po(handle) if m.id}
    assert template_ids <= {m.id for m in catalog if m.id}, "run pybabel update (see babel.cfg)"
    persian = js_strings("fa")
    assert set(persian) == set(JS_STRINGS)
    assert all(persian[key] != JS_STRINGS[key] for key in JS_STRINGS)


def test_manifest_is_installable(client: TestClient[Litestar]) -> None:
    response = client.get("/manifest.webmanifest")
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "/crew"
    purposes = {icon["purpose"] for icon in manifest["icons"]}
    assert {"any", "maskable"} <= purposes
    for icon in manifest["icons"]:
        body = client.get(icon["src"])
        assert body.status_code == 200, icon["src"]
        if icon["type"] == "image/png":
            width, height = Image.open(BytesIO(body.content)).size
            assert f"{width}x{height}" == icon["sizes"]


def test_service_worker_precaches_a_versioned_shell(client: TestClient[Litestar]) -> None:
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert "javascript" in response.headers["content-type"]
    assert "no-cache" in response.headers["cache-control"]
    body = response.text
    assert f'const VERSION = "{shell_version()}";' in body
    urls = precache_urls()
    assert {"/crew", "/offline", "/static/js/crew/app.js", "/vendor/leaflet/leaflet.js"} <= set(urls)
    assert any(url.endswith(".woff2") for url in urls)
    assert not any(url.startswith("/static/js/console/") for url in urls), "staff screens are not precached"
    for url in urls:
        assert client.get(url).status_code == 200, f"{url} is precached but not served"


def test_vendor_files_come_from_node_modules(client: TestClient[Litestar]) -> None:
    assert client.get("/vendor/leaflet/leaflet.css").status_code == 200
    assert client.get("/vendor/chart.js/chart.umd.min.js").status_code == 200
    assert client.get("/vendor/leaflet/../../package.json").status_code in (400, 404)
