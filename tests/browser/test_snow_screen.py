"""The coordinator's snow screen in Debian's Chromium on the sample city: declare an emergency,
change the proposed reallocation by hand, approve it, see the tiered routes on the map and a plow
crew's GPS pings colour a street live; end the emergency. Screenshots in Persian and English go to
`artifacts/screenshots/`. The screen runs on a server of its own (seeded like `crewline demo`), so
the emergency does not disturb other browser tests."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.browser.conftest import (
    CrewLogin,
    LiveServer,
    bearer_client,
    crew_client,
    run_live_server,
)
from tests.browser.helpers import sign_in, unnamed_controls

DESKTOP = {"width": 1440, "height": 900}
DISTRICTS = (3, 4)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, sample_city_dir: Path) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("crewline-snow")
    with run_live_server(data_dir, sample_city_dir, "snow-tests-secret") as live:
        yield live


def _page(browser: Any, server: LiveServer) -> Any:
    context = browser.new_context(
        base_url=server.url,
        viewport=DESKTOP,
        locale="fa-IR",
        timezone_id="Asia/Tehran",
        service_workers="block",
    )
    context.set_default_timeout(30_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors  # type: ignore[attr-defined]
    return page


def _sign_in(page: Any, username: str, target: str) -> None:
    page.goto(f"/signin?next={target}")
    page.get_by_label(re.compile("^(نام کاربری|Username)$")).fill(username)
    page.get_by_label(re.compile("^(گذرواژه|Password)$")).fill(f"{username}-137")
    page.get_by_role("button", name=re.compile("^(ورود|Sign in)$")).click()
    page.wait_for_url(lambda url: urlparse(url).path == target)
    page.wait_for_selector("body[data-ready='true']")


def _shoot(page: Any, folder: Path, name: str) -> None:
    """A screenshot once passing notices have gone (they float over the panels on purpose)."""
    if page.locator("#screen-notice").count():
        page.locator("#screen-notice").wait_for(state="hidden", timeout=15_000)
    page.wait_for_timeout(400)
    page.screenshot(path=str(folder / f"{name}.png"))


def _assert_named(page: Any) -> None:
    assert unnamed_controls(page) == [], "every control needs an accessible name"


def _no_overflow(page: Any) -> None:
    """Nothing sticks out of the window sideways, and the side panel's cards keep their text inside."""
    wide = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert wide <= 0, f"the page is {wide}px wider than the window"
    spill = page.evaluate(
        """() => [...document.querySelectorAll('.snow-card *, .demand-row *')]
            .filter((el) => el.offsetParent !== null && el.scrollWidth > el.clientWidth + 1
                    && getComputedStyle(el).overflow === 'visible' && el.children.length === 0
                    && !['INPUT', 'SELECT', 'B', 'I'].includes(el.tagName))
            .map((el) => el.className || el.tagName)"""
    )
    assert spill == [], f"text spills out of: {spill}"


def _coordinator(server: LiveServer) -> Any:
    return bearer_client(
        server, "/api/auth/login", {"username": "coordinator", "password": "coordinator-137"}
    )


def _crew(sample_city_dir: Path, crew_id: str) -> CrewLogin:
    rows = json.loads((sample_city_dir / "crews.json").read_text(encoding="utf-8"))
    row = next(r for r in rows if r["id"] == crew_id)
    return CrewLogin(row["id"], row["phone"], row["pin"])


def test_coordinator_declares_approves_and_watches_the_plows(
    browser: Any, server: LiveServer, screenshots_dir: Path, sample_city_dir: Path
) -> None:
    page = _page(browser, server)
    _sign_in(page, "coordinator", "/snow")
    assert page.get_by_role("link", name="برف").get_attribute("aria-current") == "page"
    page.get_by_role("heading", name="اعلام وضعیت اضطراری برف").wait_for()
    _assert_named(page)
    assert int(page.locator("#snow-map").get_attribute("data-routes") or "0") > 100  # city-wide tier 1
    _shoot(page, screenshots_dir, "snow-fa-before")

    # declare: level 2 over two districts
    page.get_by_label("سطح", exact=True).select_option("2")
    for code in DISTRICTS:
        page.locator(f"#declare-districts input[value='{code}']").check()
    page.get_by_role("button", name="اعلام وضعیت اضطراری").click()
    page.locator("#active-box").wait_for(state="visible")
    assert "۳" in page.locator("#active-line").inner_text()
    approve = page.get_by_role("button", name="تأیید و فرستادن مسیرهای برف‌روبی")
    page.wait_for_function("!document.getElementById('approve-button').disabled", timeout=180_000)
    page.wait_for_function("Number(document.getElementById('snow-map').dataset.routes) > 500")

    # change the proposal by hand: a plow from a calm district goes to district 3
    with _coordinator(server) as api:
        proposal = api.get("/api/snow").json()["proposal"]
    calm = next(
        u for u in proposal["units"]
        if u["type"] == "plow" and u["district"] not in DISTRICTS
        and all(m["unit_id"] != u["id"] for m in proposal["moves"])
    )  # fmt: skip
    page.get_by_label("دستگاه", exact=True).select_option(calm["id"])
    page.get_by_label("به منطقه", exact=True).select_option("3")
    page.get_by_role("button", name="جابه‌جا کن").click()
    page.locator("#move-list li.by-hand").filter(has_text=calm["id"]).wait_for()
    page.locator(".demand-after.is-changed").first.wait_for()
    _assert_named(page)
    _no_overflow(page)
    _shoot(page, screenshots_dir, "snow-fa-proposal")

    # approve: the plow routes go to crews as jobs
    approve.click()
    page.locator("#run-list li").first.wait_for(timeout=300_000)
    runs = page.locator("#run-list li").count()
    assert runs >= 2
    assert calm["id"] in page.locator("#run-list").inner_text()
    with _coordinator(server) as api:
        state = api.get("/api/snow").json()
        routes = api.get("/api/snow/routes.geojson?districts=3").json()["features"]
    run = next(r for r in state["runs"] if r["district"] == 3)

    # the crew's own app lists the plow run like any other job (no change to the crew app)
    crew = _crew(sample_city_dir, run["crew_id"])
    phone = browser.new_context(
        base_url=server.url,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        locale="fa-IR",
        timezone_id="Asia/Tehran",
    )
    phone.set_default_timeout(30_000)
    crew_page = phone.new_page()
    sign_in(crew_page, crew)
    crew_page.get_by_text("مسیر برف‌روبی منطقه").first.wait_for()
    assert unnamed_controls(crew_page) == []
    crew_page.screenshot(path=str(screenshots_dir / "snow-crew-fa-plow-job.png"))
    phone.close()

    # the crew of that run drives along a route segment: the map colours it live
    with crew_client(server, crew) as client:
        jobs = client.get("/api/crew/jobs").json()["items"]
        assert any(j["id"] == run["job_id"] and j["category"] == "snow_clearing" for j in jobs)
        segment = next(f for f in routes if _length(f) > 0.0006)
        (x0, y0), (x1, y1) = segment["geometry"]["coordinates"][:2]
        now = datetime.now(UTC)
        for k, share in enumerate((0.2, 0.8)):
            ping = {
                "client_id": uuid.uuid4().hex,
                "lon": x0 + share * (x1 - x0),
                "lat": y0 + share * (y1 - y0),
                "accuracy_m": 5,
                "at": (now - timedelta(seconds=20 - 10 * k)).isoformat(),
            }
            assert client.post("/api/crew/positions", json=ping).status_code == 202
    page.wait_for_function("Number(document.getElementById('snow-map').dataset.plowed) >= 1")
    assert "برف‌روبی شد" in page.locator("#screen-notice").inner_text()
    # the crew finishes its plow run: every street of it turns green on the map
    with crew_client(server, crew) as client:
        for action in ("accept", "complete"):
            sent = {"client_id": uuid.uuid4().hex, "action": action, "at": datetime.now(UTC).isoformat()}
            assert client.post(f"/api/crew/jobs/{run['job_id']}/actions", json=sent).status_code == 200
    page.wait_for_function(
        "(n) => Number(document.getElementById('snow-map').dataset.plowed) >= n", arg=run["segments"]
    )
    page.locator("#run-list li.status-done").first.wait_for()
    page.locator("#active-box").scroll_into_view_if_needed()
    _assert_named(page)
    _no_overflow(page)
    _shoot(page, screenshots_dir, "snow-fa-routes")

    # the same screen in English
    page.goto("/snow?lang=en")
    page.wait_for_selector("body[data-ready='true']")
    page.get_by_role("heading", name="Snow emergency in force").wait_for()
    assert page.get_by_role("button", name="End the emergency").is_visible()
    assert int(page.locator("#snow-map").get_attribute("data-plowed") or "0") >= 1
    _assert_named(page)
    _no_overflow(page)
    _shoot(page, screenshots_dir, "snow-en-routes")

    # ending it brings the declaration form back
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="End the emergency").click()
    page.get_by_role("heading", name="Declare a snow emergency").wait_for()
    assert page.errors == []  # type: ignore[attr-defined]
    page.context.close()


def _length(feature: dict[str, Any]) -> float:
    (x0, y0), (x1, y1) = feature["geometry"]["coordinates"][0], feature["geometry"]["coordinates"][-1]
    return float(((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5)
