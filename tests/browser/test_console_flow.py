"""The city's day through the staff and citizen screens, in Debian's Chromium on the sample city.

An operator files a call and sees the repeat-call suggestion for a nearby ticket, then links a
second call; a dispatcher triages the new ticket, runs a plan, sees the routes, moves a visit to
another crew by hand and publishes; the crew finishes the job (through the crew API); the citizen
follows the request by its tracking code, sees the before/after photos (without EXIF) and answers
the survey once; the figures page shows the new numbers. Every screen is photographed in Persian
and English into `artifacts/screenshots/`.

The steps share one server of their own (seeded like `crewline demo`), so the numbers they check
are not disturbed by other browser tests.
"""

from __future__ import annotations

import io
import json
import re
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest
from PIL import Image

from tests.browser.conftest import (
    CrewLogin,
    LiveServer,
    bearer_client,
    crew_client,
    dispatcher_client,
    run_live_server,
)
from tests.browser.helpers import unnamed_controls

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, sample_city_dir: Path) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("crewline-screens")
    with run_live_server(data_dir, sample_city_dir, "screens-tests-secret") as live:
        yield live


@pytest.fixture(scope="module")
def flow() -> dict[str, Any]:
    """What one step leaves for the next (ticket ids, codes, the plan)."""
    return {}


@pytest.fixture(scope="module")
def crew_logins(sample_city_dir: Path) -> dict[str, CrewLogin]:
    rows = json.loads((sample_city_dir / "crews.json").read_text(encoding="utf-8"))
    return {row["id"]: CrewLogin(row["id"], row["phone"], row["pin"]) for row in rows}


def _page(browser: Any, server: LiveServer, viewport: dict[str, int], lang: str = "fa") -> Any:
    context = browser.new_context(
        base_url=server.url,
        viewport=viewport,
        locale="fa-IR" if lang == "fa" else "en-GB",
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


def _switch(page: Any, lang: str) -> None:
    url = page.url.split("?")[0]
    page.goto(f"{url}?lang={lang}")
    page.wait_for_selector("body[data-ready='true']")


def _shoot(page: Any, folder: Path, name: str, *, full_page: bool = False) -> None:
    page.wait_for_timeout(300)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=full_page)


def _assert_named(page: Any) -> None:
    assert unnamed_controls(page) == [], "every control needs an accessible name"


def _jpeg_with_gps(color: tuple[int, int, int]) -> bytes:
    image = Image.new("RGB", (800, 600), color)
    exif = Image.Exif()
    exif[0x010F] = "CitizenPhone"
    exif[0x8825] = {1: "N", 2: (29.0, 37.0, 12.0), 3: "E", 4: (52.0, 31.0, 48.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


# ---------------------------------------------------------------------------------- sign-in


def test_staff_sign_in_screen(browser: Any, server: LiveServer, screenshots_dir: Path) -> None:
    page = _page(browser, server, PHONE)
    page.goto("/signin?next=/console")
    page.wait_for_selector("body[data-ready='true']")
    _assert_named(page)
    page.get_by_label("نام کاربری").fill("dispatcher")
    page.get_by_label("گذرواژه").fill("wrong-password")
    page.get_by_role("button", name="ورود").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "درست نیست" in alert.inner_text()
    _shoot(page, screenshots_dir, "signin-fa-refused")
    page.goto("/signin?next=/console&lang=en")
    page.wait_for_selector("body[data-ready='true']")
    assert page.get_by_role("heading", name="Staff sign-in").is_visible()
    _shoot(page, screenshots_dir, "signin-en")
    page.context.close()


# ---------------------------------------------------------------------------------- intake


def test_intake_offers_a_repeat_call_and_files_a_ticket(
    browser: Any, server: LiveServer, screenshots_dir: Path, flow: dict[str, Any]
) -> None:
    with dispatcher_client(server) as api:
        seeded = api.get(
            "/api/tickets", params={"status": "triaged", "category": "asphalt_pothole", "per_page": 1}
        ).json()["items"][0]
    flow["seeded"] = seeded
    page = _page(browser, server, DESKTOP)
    _sign_in(page, "operator", "/intake")
    _assert_named(page)
    _shoot(page, screenshots_dir, "intake-fa-empty")

    category = page.get_by_role("combobox", name=re.compile("موضوع"))
    category.fill("آسفالت")
    page.get_by_role("option", name=re.compile("آسفالت و چاله معابر")).wait_for()
    category.press("Enter")
    assert "72" in page.locator("#category-info").inner_text().translate(
        str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")
    )

    street = page.get_by_role("combobox", name=re.compile("نشانی"))
    street.fill("مطهری")
    page.get_by_role("option", name=re.compile("مطهری")).first.wait_for()
    street.press("Enter")
    assert page.locator("#pin-info").inner_text() != ""
    street.type("نزدیک ایستگاه")

    # The caller shares a location about 10 m from the seeded pothole ticket.
    lat, lon = seeded["lat"] + 0.00009, seeded["lon"]
    page.get_by_label(re.compile("موقعیت تماس‌گیرنده")).fill(f"{lat:.6f}, {lon:.6f}")
    page.get_by_label(re.compile("موقعیت تماس‌گیرنده")).press("Tab")
    suggestion = page.locator(f"#repeat-list li[data-ticket-id='{seeded['id']}']")
    suggestion.wait_for()
    assert seeded["tracking_code"] in suggestion.inner_text()
    page.get_by_label(re.compile("^شرح$")).fill("چاله عمیق کنار ایستگاه اتوبوس")
    page.get_by_label(re.compile("نام تماس‌گیرنده")).fill("مریم احمدی")
    page.get_by_label(re.compile("تلفن تماس‌گیرنده")).fill("۰۹۱۲۱۲۳۴۵۶۷")
    _shoot(page, screenshots_dir, "intake-fa-repeat-suggestion")

    # Not the same hole: file it as a new ticket, with the citizen's photo.
    page.get_by_label(re.compile("عکس‌های شهروند")).set_input_files(
        files=[{"name": "hole.jpg", "mimeType": "image/jpeg", "buffer": _jpeg_with_gps((90, 90, 90))}]
    )
    page.get_by_role("button", name="ثبت تماس").click()
    page.locator("#intake-result").wait_for()
    code = page.locator("#tracking-code").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}", code)
    ticket_id = int(page.locator("#intake-form").get_attribute("data-last-ticket") or "0")
    _shoot(page, screenshots_dir, "intake-fa-filed")

    # A second caller about the new ticket: the suggestion links the call instead.
    page.get_by_role("button", name="پاک کردن").click()
    category.fill("pothole")
    page.get_by_role("option", name=re.compile("Asphalt and potholes")).wait_for()
    category.press("Enter")
    page.get_by_label(re.compile("موقعیت تماس‌گیرنده")).fill(f"{lat + 0.00005:.6f}, {lon:.6f}")
    page.get_by_label(re.compile("موقعیت تماس‌گیرنده")).press("Tab")
    page.locator(f"#repeat-list li[data-ticket-id='{ticket_id}'] button").click()
    page.get_by_role("button", name="ثبت تماس").click()
    page.locator("#intake-result").wait_for()
    assert code in page.locator("#intake-result-text").inner_text()
    assert page.errors == []  # type: ignore[attr-defined]

    with dispatcher_client(server) as api:
        ticket = api.get(f"/api/tickets/{ticket_id}").json()
        photos = api.get(f"/api/tickets/{ticket_id}/intake-photos").json()["items"]
        stored = api.get(photos[0]["url"]).content
    assert ticket["tracking_code"] == code and ticket["repeat_count"] == 1
    assert ticket["reporter_phone"] == "09121234567"
    assert len(ticket["repeat_calls"]) == 1
    assert len(Image.open(io.BytesIO(stored)).getexif()) == 0, "the stored photo keeps no EXIF"
    flow.update(ticket_id=ticket_id, code=code)

    _switch(page, "en")
    page.get_by_role("combobox", name="Category").fill("dogs")
    page.get_by_role("option", name=re.compile("Stray dogs")).wait_for()
    page.get_by_role("combobox", name="Category").press("Enter")
    page.get_by_role("combobox", name="Category").fill("gas")
    page.get_by_role("option", name=re.compile("Gas smell")).wait_for()
    page.get_by_role("combobox", name="Category").press("Enter")
    assert "Gas Company" in page.locator("#category-info").inner_text()
    _assert_named(page)
    _shoot(page, screenshots_dir, "intake-en-referral")
    page.context.close()

    phone = _page(browser, server, PHONE)
    _sign_in(phone, "operator", "/intake")
    phone.get_by_role("combobox", name=re.compile("موضوع")).fill("پسماند")
    phone.get_by_role("option", name=re.compile("پسماند")).first.wait_for()
    _shoot(phone, screenshots_dir, "intake-fa-phone")
    phone.context.close()


# ---------------------------------------------------------------------------------- console


def test_console_triages_the_new_ticket(
    browser: Any, server: LiveServer, screenshots_dir: Path, flow: dict[str, Any]
) -> None:
    page = _page(browser, server, DESKTOP)
    _sign_in(page, "dispatcher", "/console")
    page.get_by_label(re.compile("پالایش صندوق")).fill(flow["code"])
    page.locator(f"#inbox-list button[data-ticket-id='{flow['ticket_id']}']").click()
    triage = page.get_by_role("form", name=re.compile(flow["code"]))
    triage.wait_for()
    page.get_by_label("اولویت", exact=True).select_option("urgent")
    page.get_by_label(re.compile("دلیل تغییر")).fill("کنار ایستگاه اتوبوس مدرسه")
    _assert_named(page)
    _shoot(page, screenshots_dir, "console-fa-triage")
    page.get_by_role("button", name="ثبت بررسی").click()
    page.locator(f"#inbox-list button.priority-urgent[data-ticket-id='{flow['ticket_id']}']").wait_for()

    # A second seeded call is rejected with a reason the citizen can read.
    with dispatcher_client(server) as api:
        other = api.get(
            "/api/tickets", params={"status": "triaged", "category": "road_paint", "per_page": 1}
        ).json()["items"][0]
    page.get_by_label(re.compile("پالایش صندوق")).fill(other["tracking_code"])
    page.locator(f"#inbox-list button[data-ticket-id='{other['id']}']").click()
    page.get_by_label("رد", exact=True).check()
    page.get_by_label(re.compile("دلیلی که شهروند می‌خواند")).fill("خط‌کشی این معبر هفته گذشته انجام شده است")
    page.get_by_role("button", name="ثبت بررسی").click()
    page.locator(f"#inbox-list button[data-ticket-id='{other['id']}']").wait_for(state="detached")
    assert page.errors == []  # type: ignore[attr-defined]

    with dispatcher_client(server) as api:
        ticket = api.get(f"/api/tickets/{flow['ticket_id']}").json()
        events = api.get(f"/api/tickets/{flow['ticket_id']}/events").json()["items"]
        rejected = api.get(f"/api/tickets/{other['id']}").json()
    assert ticket["priority"] == "urgent"
    assert ticket["priority_reason"] == "کنار ایستگاه اتوبوس مدرسه"
    assert any(e["kind"] == "priority" and e["to"] == "urgent" for e in events)
    assert rejected["status"] == "rejected"
    assert rejected["status_reason"] == "خط‌کشی این معبر هفته گذشته انجام شده است"
    flow["rejected_code"] = rejected["tracking_code"]
    page.context.close()


def _move_candidates(api: httpx.Client, plan: dict[str, Any]) -> list[tuple[int, str, str]]:
    """Visits (ticket, its crew) and other crews with the skill and the district, crews of the
    plan first (a crew off shift at this hour is refused by the planner, and the next one is tried)."""
    crews = {c["id"]: c for c in api.get("/api/crews", params={"per_page": 200}).json()["items"]}
    skills = {
        c["code"]: c["skill"] for c in api.get("/api/categories", params={"per_page": 200}).json()["items"]
    }
    load = {r["crew_id"]: len(r["stops"]) for r in plan["routes"]}
    found: list[tuple[int, str, str]] = []
    for route in sorted(plan["routes"], key=lambda r: -len(r["stops"])):
        for stop in route["stops"]:
            ticket = api.get(f"/api/tickets/{stop['ticket_id']}").json()
            skill = skills[ticket["category"]]
            others = sorted(set(crews) - {route["crew_id"]}, key=lambda c: (c not in load, load.get(c, 0), c))
            for crew_id in others:
                crew = crews[crew_id]
                if skill in crew["skills"] and ticket["district"] in crew["districts"]:
                    found.append((stop["ticket_id"], route["crew_id"], crew_id))
    assert found, "no visit in the plan has another crew with its skill in its district"
    return found


def test_console_plans_moves_a_visit_and_publishes(
    browser: Any,
    server: LiveServer,
    screenshots_dir: Path,
    flow: dict[str, Any],
    crew_logins: dict[str, CrewLogin],
) -> None:
    page = _page(browser, server, DESKTOP)
    _sign_in(page, "dispatcher", "/console")
    page.get_by_role("tab", name="برنامه").click()
    # tomorrow: every crew's whole shift is ahead, whatever the hour the test runs at
    page.get_by_label("برنامه برای").select_option(label="فردا")
    page.get_by_label("زمان حل").select_option("5")
    page.get_by_role("button", name="اجرای برنامه‌ریزی").click()
    page.wait_for_selector("body[data-plan-status='done']", timeout=240_000)
    assert int(page.locator("body").get_attribute("data-routes-drawn") or "0") > 0
    assert page.locator(".timeline-row").count() > 0
    assert page.locator(".visit").count() > 0
    assert page.locator("#plan-progress").get_attribute("value") == "100"
    _assert_named(page)
    _shoot(page, screenshots_dir, "console-fa-plan")

    with dispatcher_client(server) as api:
        plan_id = api.get("/api/plans", params={"per_page": 1}).json()["items"][0]["id"]
        plan = api.get(f"/api/plans/{plan_id}").json()
        candidates = _move_candidates(api, plan)
        unassigned = plan["unassigned"]
    if unassigned:
        assert (
            page.locator(f"#unassigned-list li[data-ticket-id='{unassigned[0]['ticket_id']}']").count() == 1
        )
    for candidate in candidates[:8]:
        ticket_id, from_crew, to_crew = candidate
        page.locator(f".visit[data-ticket-id='{ticket_id}']").focus()
        page.keyboard.press("Enter")
        page.get_by_label("به اکیپ").select_option(to_crew)
        page.get_by_label("به‌عنوان مأموریت شماره").fill("1")
        page.get_by_role("button", name="جابه‌جا کن").click()
        page.wait_for_selector(
            f"body[data-last-move='{ticket_id}:{to_crew}'], #screen-notice[data-kind='error']:not([hidden])"
        )
        if page.locator("body").get_attribute("data-last-move") == f"{ticket_id}:{to_crew}":
            break
        page.evaluate("document.getElementById('screen-notice').hidden = true")
    else:
        raise AssertionError(f"the planner refused every hand move tried: {candidates[:8]}")
    page.locator(f".timeline-row[data-crew-id='{to_crew}'] .visit[data-ticket-id='{ticket_id}']").wait_for()
    _shoot(page, screenshots_dir, "console-fa-moved")

    page.get_by_role("button", name="انتشار").click()
    page.wait_for_selector("body[data-plan-published='true']")
    assert page.errors == []  # type: ignore[attr-defined]
    with dispatcher_client(server) as api:
        plan = api.get(f"/api/plans/{plan_id}").json()
        moved_to = {s["ticket_id"]: r["crew_id"] for r in plan["routes"] for s in r["stops"]}
        assert plan["published_at"] is not None
        assert moved_to[ticket_id] == to_crew and from_crew != to_crew
        flow["plan"] = plan
        flow["moved"] = ticket_id

    # Live, without reloading: a crew's GPS ping moves its marker; a new urgent call reaches the
    # inbox and is inserted into the published plan from there.
    route = min(plan["routes"], key=lambda r: (len(r["stops"]), r["crew_id"]))
    stop = route["stops"][-1]
    with crew_client(server, crew_logins[route["crew_id"]]) as crew_api:
        ping = {
            "client_id": str(uuid.uuid4()),
            "lon": stop["lon"],
            "lat": stop["lat"],
            "accuracy_m": 8,
            "at": datetime.now(UTC).isoformat(),
        }
        assert crew_api.post("/api/crew/positions", json=ping).status_code == 202
    page.locator(".crew-marker").first.wait_for()
    with dispatcher_client(server) as api:
        crew = api.get(f"/api/crews/{route['crew_id']}").json()
        categories = api.get("/api/categories", params={"per_page": 200}).json()["items"]
    # A call this crew can take, next to its last stop, raised to urgent by the operator.
    category = next(c for c in categories if c["remit"] == "city" and c["skill"] in crew["skills"])
    with bearer_client(server, "/api/auth/login", {"username": "operator", "password": "operator-137"}) as op:
        filed = op.post(
            "/api/intake",
            json={
                "category": category["code"],
                "lon": stop["lon"] + 0.0002,
                "lat": stop["lat"],
                "address": "کنار پارک",
                "description": "راه عبور بسته شده است",
                "priority": "urgent",
                "priority_reason": "مسیر آمبولانس بسته است",
            },
        )
        assert filed.status_code == 201, filed.text
        urgent = filed.json()["ticket"]
    page.get_by_role("tab", name=re.compile("صندوق")).click()
    page.get_by_label(re.compile("پالایش صندوق")).fill(urgent["tracking_code"])
    page.locator(f"#inbox-list button.priority-urgent[data-ticket-id='{urgent['id']}']").click()
    page.get_by_role("button", name="افزودن فوری به برنامه جاری").click()
    page.wait_for_selector(
        f".visit[data-ticket-id='{urgent['id']}'], #screen-notice[data-kind='error']:not([hidden])"
    )
    assert page.locator(f".visit[data-ticket-id='{urgent['id']}']").count() == 1, page.locator(
        "#screen-notice"
    ).inner_text()
    _shoot(page, screenshots_dir, "console-fa-urgent-inserted")
    with dispatcher_client(server) as api:
        flow["plan"] = api.get(f"/api/plans/{plan_id}").json()
        assert urgent["id"] in {s["ticket_id"] for r in flow["plan"]["routes"] for s in r["stops"]}

    _switch(page, "en")
    page.get_by_role("tab", name="Plan").click()
    page.wait_for_selector("body[data-plan-status='done']")
    _assert_named(page)
    _shoot(page, screenshots_dir, "console-en-plan")
    page.get_by_role("tab", name=re.compile("Inbox")).click()
    page.locator("#inbox-list button").first.click()
    _shoot(page, screenshots_dir, "console-en-inbox")
    page.context.close()


# ---------------------------------------------------------------------------------- citizen


def _finish_job(server: LiveServer, crew: CrewLogin, ticket_id: int, day: str) -> None:
    with crew_client(server, crew) as client:
        jobs = client.get("/api/crew/jobs", params={"date": day}).json()["items"]
        job = next(j for j in jobs if j["ticket_id"] == ticket_id)
        for kind, color in (("before", (120, 60, 40)), ("after", (40, 140, 60))):
            sent = client.post(
                f"/api/crew/jobs/{job['id']}/photos",
                data={"client_id": str(uuid.uuid4()), "kind": kind},
                files={"file": (f"{kind}.jpg", _jpeg_with_gps(color), "image/jpeg")},
            )
            assert sent.status_code == 201, sent.text
        for action in ("accept", "start_travel", "arrive", "complete"):
            done = client.post(
                f"/api/crew/jobs/{job['id']}/actions",
                json={"client_id": str(uuid.uuid4()), "action": action, "at": datetime.now(UTC).isoformat()},
            )
            assert done.status_code == 200, done.text


def test_citizen_follows_the_request_and_answers_the_survey_once(
    browser: Any,
    server: LiveServer,
    screenshots_dir: Path,
    flow: dict[str, Any],
    crew_logins: dict[str, CrewLogin],
) -> None:
    routes = {s["ticket_id"]: r["crew_id"] for r in flow["plan"]["routes"] for s in r["stops"]}
    ticket_id = flow["ticket_id"] if flow["ticket_id"] in routes else flow["moved"]
    with dispatcher_client(server) as api:
        ticket = api.get(f"/api/tickets/{ticket_id}").json()
    _finish_job(server, crew_logins[routes[ticket_id]], ticket_id, flow["plan"]["service_date"])
    flow["closed_id"] = ticket_id

    page = _page(browser, server, PHONE)
    page.goto("/track")
    page.get_by_label("کد پیگیری").fill(ticket["tracking_code"].lower().replace("-", ""))
    page.get_by_role("button", name="نمایش").click()
    page.wait_for_selector("body[data-ready='true']")
    page.locator("#track-status").wait_for()
    assert page.locator("#status-pill").inner_text() == "انجام شد"
    images = page.get_by_role("img", name=re.compile("عکس"))
    assert images.count() == 2
    text = page.locator("main").inner_text()
    assert ticket["reporter_name"] not in text or not ticket["reporter_name"]
    assert ticket["reporter_phone"] not in text.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))
    _assert_named(page)
    _shoot(page, screenshots_dir, "citizen-fa-status", full_page=True)
    for url in page.locator("#photo-list img").evaluate_all("(els) => els.map((e) => e.getAttribute('src'))"):
        served = httpx.get(server.url + url).content
        assert len(Image.open(io.BytesIO(served)).getexif()) == 0, "citizens get the EXIF-free copy"
        assert b"CitizenPhone" not in served

    survey_url = page.get_by_role("link", name="پاسخ به یک پرسش").get_attribute("href")
    assert survey_url and survey_url.startswith("/survey/")
    page.get_by_role("link", name="پاسخ به یک پرسش").click()
    page.wait_for_selector("body[data-ready='true']")
    _assert_named(page)
    _shoot(page, screenshots_dir, "survey-fa", full_page=True)
    page.get_by_role("radio", name=re.compile("خیلی راضی")).check(force=True)
    page.get_by_label(re.compile("نکته‌ای دارید")).fill("سریع و تمیز انجام شد")
    page.get_by_role("button", name="ارسال پاسخ").click()
    assert page.get_by_role("status").filter(has_text="سپاس").inner_text().startswith("سپاس")
    _shoot(page, screenshots_dir, "survey-fa-thanks", full_page=True)

    # The link works once: the page says so, and the API refuses a second answer.
    page.goto(survey_url + "?lang=en")
    page.wait_for_selector("body[data-ready='true']")
    assert "already answered" in page.locator("#survey-done").inner_text()
    _shoot(page, screenshots_dir, "survey-en-already", full_page=True)
    again = httpx.post(
        server.url + "/api/surveys/" + survey_url.rsplit("/", 1)[1], json={"rating": 1}, cookies={}
    )
    assert again.status_code in (403, 409)  # no CSRF cookie (403) or, with one, already answered (409)
    with httpx.Client(base_url=server.url) as citizen:
        citizen.get(survey_url)
        token = citizen.cookies.get("csrftoken") or ""
        second = citizen.post(
            "/api/surveys/" + survey_url.rsplit("/", 1)[1], json={"rating": 1}, headers={"x-csrftoken": token}
        )
    assert second.status_code == 409, second.text
    assert second.json()["status"] == 409

    page.goto(f"/track/{ticket['tracking_code']}")
    page.wait_for_selector("body[data-ready='true']")
    assert page.locator("#survey-link").is_hidden()
    _shoot(page, screenshots_dir, "citizen-en-status", full_page=True)

    page.goto(f"/track/{flow['rejected_code']}?lang=fa")
    page.wait_for_selector("body[data-ready='true']")
    assert "خط‌کشی این معبر هفته گذشته انجام شده است" in page.locator("#status-text").inner_text()
    _shoot(page, screenshots_dir, "citizen-fa-rejected", full_page=True)
    assert page.errors == []  # type: ignore[attr-defined]
    page.context.close()


# ---------------------------------------------------------------------------------- figures


def _digits(text: str) -> str:
    return text.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹٫", "0123456789."))


def test_figures_show_the_new_numbers(
    browser: Any, server: LiveServer, screenshots_dir: Path, flow: dict[str, Any]
) -> None:
    page = _page(browser, server, DESKTOP)
    _sign_in(page, "dispatcher", "/figures")
    page.get_by_label("بازه").select_option("1")
    page.wait_for_function("document.body.dataset.ticketsIn !== undefined")
    time.sleep(0.3)
    kpi = lambda key: _digits(page.locator(f".kpi[data-kpi='{key}'] .kpi-value").inner_text())  # noqa: E731
    # Today: the new ticket (plus its linked repeat call) and the urgent fallen tree, one job
    # finished, one answer of 5.
    assert kpi("tickets_in") == "2"
    assert kpi("closed") == "1"
    assert kpi("satisfaction_avg") == "5.00"
    assert "3" in _digits(page.locator(".kpi[data-kpi='tickets_in'] .kpi-sub").inner_text())
    row = page.locator("#figures-table tbody tr[data-key='city']")
    assert _digits(row.locator("td[data-field='closed']").inner_text()) == "1"
    _assert_named(page)
    _shoot(page, screenshots_dir, "figures-fa-today", full_page=True)

    page.get_by_label("به تفکیک").select_option("crew")
    page.wait_for_timeout(300)
    _shoot(page, screenshots_dir, "figures-fa-crews", full_page=True)
    csv_url = page.locator("#figures-csv").get_attribute("href")
    assert csv_url
    with dispatcher_client(server) as api:
        body = api.get(
            "/api/figures",
            params={"from": csv_url.split("from=")[1][:10], "to": csv_url.split("to=")[1][:10]},
        )
        assert body.json()["city"]["surveys_answered"] == 1
        csv_text = api.get(csv_url).text
    assert csv_text.lstrip("\ufeff").startswith("dimension,key,name,tickets_in")
    assert "\ncity,all,,2,3,1," in csv_text

    _switch(page, "en")
    page.get_by_label("Period").select_option("365")
    page.wait_for_timeout(500)
    assert int(_digits(page.locator(".kpi[data-kpi='tickets_in'] .kpi-value").inner_text())) > 100
    _assert_named(page)
    _shoot(page, screenshots_dir, "figures-en-year", full_page=True)
    assert page.errors == []  # type: ignore[attr-defined]
    page.context.close()


def test_staff_screens_send_visitors_to_sign_in(server: LiveServer) -> None:
    with httpx.Client(base_url=server.url, follow_redirects=False) as client:
        for path in ("/console", "/intake", "/figures"):
            response = client.get(path)
            assert response.status_code in (302, 303, 307), path
            assert response.headers["location"].startswith("/signin?next=")
    with bearer_client(server, "/api/auth/login", {"username": "operator", "password": "operator-137"}) as op:
        assert op.get("/api/figures").status_code == 403
