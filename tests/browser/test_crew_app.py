"""The crew PWA in Chromium at phone size against a real server with a published plan."""

from __future__ import annotations

import re
import sqlite3
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import CrewLogin, LiveServer, crew_client, dispatcher_client
from tests.browser.helpers import (
    go_offline,
    outbox_waiting,
    photo_file,
    shoot,
    sign_in,
    unnamed_controls,
    wait_controlled,
    wait_details_cached,
    wait_outbox_empty,
    wait_ready,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PERSIAN_DIGIT = re.compile("[۰-۹]")


def _server_jobs(server: LiveServer, crew: CrewLogin) -> list[dict[str, Any]]:
    with crew_client(server, crew) as client:
        response = client.get("/api/crew/jobs")
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items


def _server_job(server: LiveServer, crew: CrewLogin, job_id: str) -> dict[str, Any]:
    with crew_client(server, crew) as client:
        response = client.get(f"/api/crew/jobs/{job_id}")
        assert response.status_code == 200, response.text
        job: dict[str, Any] = response.json()
        return job


def _client_actions(server: LiveServer, job_id: str) -> list[tuple[str, str]]:
    """(client_id, action) of every action the server recorded from the device for a job."""
    with sqlite3.connect(server.data_dir / "crewline.db") as db:
        rows = db.execute(
            "SELECT client_id, action FROM job_actions"
            " WHERE job_id = ? AND client_id IS NOT NULL ORDER BY id",
            (job_id,),
        ).fetchall()
    return [(str(r[0]), str(r[1])) for r in rows]


def _ready_on_an_assigned_job(
    phone_context: Any, live_server: LiveServer, crew: CrewLogin, *, cached: bool
) -> tuple[Any, list[dict[str, Any]], dict[str, Any]]:
    """Sign `crew` in on a new page, wait for the service worker (and, with `cached`, for every
    job's details on the device); return the page, the crew's jobs and one still assigned."""
    jobs = _server_jobs(live_server, crew)
    job = next(j for j in jobs if j["status"] == "assigned")
    page = phone_context.new_page()
    sign_in(page, crew)
    wait_controlled(page)
    if cached:
        wait_details_cached(page, len(jobs))
    return page, jobs, job


def test_sign_in_today_in_route_order_and_job_map(
    phone_context: Any, live_server: LiveServer, crews_with_jobs: list[CrewLogin], screenshots_dir: Path
) -> None:
    crew = crews_with_jobs[0]
    expected = _server_jobs(live_server, crew)
    page = phone_context.new_page()
    page.goto("/crew/login")
    assert page.locator("html").get_attribute("dir") == "rtl"
    shoot(page, screenshots_dir / "crew-login-fa.png")
    sign_in(page, crew)

    cards = page.locator("#job-list .job-item")
    cards.first.wait_for()
    assert cards.count() == len(expected)
    shown = [cards.nth(i).get_attribute("data-job-id") for i in range(cards.count())]
    in_route_order = [str(j["id"]) for j in sorted(expected, key=lambda j: j["sequence"])]
    assert shown == in_route_order
    first = cards.first
    assert expected[0]["category_name"]["fa"] in first.inner_text()
    assert PERSIAN_DIGIT.search(first.locator(".job-eta").inner_text()), "ETA should use Persian digits"
    assert first.locator(".sla").inner_text().strip() not in ("", "—")
    assert expected[0]["address"] in first.inner_text()
    shoot(page, screenshots_dir / "crew-today-fa.png")

    first.locator("a").click()
    page.wait_for_url(re.compile(r"#/jobs/"))
    assert page.locator("#job-title").inner_text() == expected[0]["category_name"]["fa"]
    route = page.locator("#map path.route-line")
    route.wait_for()
    assert len(route.get_attribute("d") or "") > 20, "the route line should be drawn on the map"
    page.locator("#map path.job-marker").wait_for()
    navigate = page.get_by_role("link", name=re.compile("مسیریابی"))
    href = navigate.get_attribute("href") or ""
    assert href.startswith(("geo:", "https://www.openstreetmap.org/directions"))
    assert f"{expected[0]['lat']}" in (navigate.get_attribute("data-geo") or "")
    assert page.get_by_role("button", name="پذیرفتن").is_visible()
    assert unnamed_controls(page) == []
    page.wait_for_timeout(500)
    shoot(page, screenshots_dir / "crew-job-fa.png")


def test_offline_work_is_kept_and_sent_once(
    phone_context: Any,
    live_server: LiveServer,
    crews_with_jobs: list[CrewLogin],
    screenshots_dir: Path,
    tmp_path: Path,
) -> None:
    crew = crews_with_jobs[1]
    page, jobs, job = _ready_on_an_assigned_job(phone_context, live_server, crew, cached=True)

    go_offline(phone_context, page)
    page.reload()
    wait_ready(page)
    cards = page.locator("#job-list .job-item")
    assert cards.count() == len(jobs), "the jobs should open with no network"
    assert "offline" in (page.locator("body").get_attribute("class") or "")

    page.locator(f".job-item[data-job-id='{job['id']}'] a").click()
    page.get_by_role("button", name="پذیرفتن").click()
    page.get_by_role("button", name="رسیدم").click()
    before = photo_file(tmp_path, "before.jpg", (3000, 2250), (120, 90, 60))
    after = photo_file(tmp_path, "after.jpg", (1600, 1200), (60, 140, 90))
    page.locator("#photo-before").set_input_files(str(before))
    page.locator(".photo-pending").first.wait_for()
    page.locator("#photo-after").set_input_files(str(after))
    page.wait_for_function("document.querySelectorAll('.photo-pending').length === 2")
    page.get_by_role("button", name="پایان کار").click()
    page.locator("#reason-text").fill("آسفالت ترمیم شد")
    page.get_by_role("button", name="ذخیره").click()

    expect(page.locator("#job-status")).to_have_text("انجام شد")
    expect(page.locator("#outbox-status")).to_have_attribute("data-waiting", "5")
    assert outbox_waiting(page) == 5
    assert PERSIAN_DIGIT.search(page.locator("#outbox-status").inner_text())
    # The resized photos in the outbox are JPEGs of at most 2048 px.
    sizes = page.evaluate(
        """() => new Promise((resolve) => {
            const open = indexedDB.open('crewline');
            open.onsuccess = () => {
                const req = open.result.transaction('outbox').objectStore('outbox').getAll();
                req.onsuccess = async () => {
                    const photos = req.result.filter((e) => e.type === 'photo');
                    const out = [];
                    for (const p of photos) {
                        const bitmap = await createImageBitmap(p.blob);
                        out.push([p.blob.type, bitmap.width, bitmap.height]);
                    }
                    resolve(out);
                };
            };
        })"""
    )
    assert sorted(sizes) == [["image/jpeg", 1600, 1200], ["image/jpeg", 2048, 1536]]
    expect(page.locator("#notice")).to_be_hidden(timeout=10_000)
    shoot(page, screenshots_dir / "crew-job-offline-fa.png")
    assert _server_job(live_server, crew, str(job["id"]))["status"] == "assigned"

    phone_context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_function("document.querySelector('#outbox-status').dataset.waiting === '0'", timeout=60_000)

    server_job = _server_job(live_server, crew, str(job["id"]))
    assert server_job["status"] == "done"
    assert sorted(p["kind"] for p in server_job["photos"]) == ["after", "before"]
    assert [a for _, a in _client_actions(live_server, str(job["id"]))] == ["accept", "arrive", "complete"]
    page.wait_for_function("document.querySelectorAll('.photo-pending').length === 0")
    assert page.locator("#photo-grid img").count() == 2


def test_the_same_outbox_entry_sent_twice_is_applied_once(
    phone_context: Any, live_server: LiveServer, crews_with_jobs: list[CrewLogin]
) -> None:
    crew = crews_with_jobs[2]
    page, _, job = _ready_on_an_assigned_job(phone_context, live_server, crew, cached=False)

    go_offline(phone_context, page)
    page.goto(f"/crew#/jobs/{job['id']}")
    wait_ready(page)
    page.get_by_role("button", name="پذیرفتن").click()
    page.wait_for_function("document.querySelector('#outbox-status').dataset.waiting === '1'")
    entry = page.evaluate(
        """() => new Promise((resolve) => {
            const open = indexedDB.open('crewline');
            open.onsuccess = () => {
                const req = open.result.transaction('outbox').objectStore('outbox').getAll();
                req.onsuccess = () => resolve(req.result[0]);
            };
        })"""
    )
    assert entry["type"] == "action" and entry["action"] == "accept"

    # Send the stored entry twice, as a lost answer would make the phone do.
    with crew_client(live_server, crew) as client:
        url = f"/api/crew/jobs/{entry['job_id']}/actions"
        first = client.post(url, json=entry["body"])
        second = client.post(url, json=entry["body"])
    assert first.status_code == 200, first.text
    assert second.status_code == 200, second.text
    assert first.json()["applied"] is True and second.json()["applied"] is False
    assert first.json()["job"]["version"] == second.json()["job"]["version"]
    phone_context.set_offline(False)
    # The outbox then replays it a third time: still applied once, and the entry is gone.
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_function("document.querySelector('#outbox-status').dataset.waiting === '0'", timeout=60_000)
    assert _client_actions(live_server, str(job["id"])) == [(entry["client_id"], "accept")]
    assert _server_job(live_server, crew, str(job["id"]))["status"] == "accepted"


def test_english_flips_direction_dates_and_every_control_is_named(
    phone_context: Any, live_server: LiveServer, crews_with_jobs: list[CrewLogin], screenshots_dir: Path
) -> None:
    crew = crews_with_jobs[0]
    jobs = _server_jobs(live_server, crew)
    page = phone_context.new_page()
    sign_in(page, crew)
    assert unnamed_controls(page) == []
    persian_date = page.locator("#today-label").inner_text()
    assert PERSIAN_DIGIT.search(persian_date)

    page.get_by_role("link", name=re.compile("English")).click()
    page.wait_for_url(re.compile(r"lang=en"))
    wait_ready(page)
    assert page.locator("html").get_attribute("dir") == "ltr"
    assert page.locator("html").get_attribute("lang") == "en"
    english_date = page.locator("#today-label").inner_text()
    assert re.search(r"\b20\d\d\b", english_date) and not PERSIAN_DIGIT.search(english_date)
    assert re.search(r"Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec", english_date)
    eta = page.locator("#job-list .job-eta").first.inner_text()
    assert re.search(r"\d\d:\d\d", eta) and not PERSIAN_DIGIT.search(eta)
    assert page.get_by_role("heading", name="Today's jobs").is_visible()
    assert unnamed_controls(page) == []
    shoot(page, screenshots_dir / "crew-today-en.png")

    page.locator("#job-list .job-item a").first.click()
    page.locator("#map path.route-line").wait_for()
    assert page.locator("#job-title").inner_text() == jobs[0]["category_name"]["en"]
    assert unnamed_controls(page) == []
    for button in page.locator("#job-actions button, .photo-pick, #navigate").all():
        box = button.bounding_box()
        assert box and box["height"] >= 48, "touch targets must be at least 48 px high"
    page.wait_for_timeout(500)
    shoot(page, screenshots_dir / "crew-job-en.png")

    page.goto("/crew")
    wait_ready(page)
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("dialog", name="Sign out?").get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/crew/login")
    assert page.locator("html").get_attribute("dir") == "ltr"
    assert page.get_by_role("heading", name="Crew sign-in").is_visible()
    assert unnamed_controls(page) == []
    shoot(page, screenshots_dir / "crew-login-en.png")
    page.goto("/offline")
    assert page.get_by_role("heading", name="You are offline").is_visible()
    assert unnamed_controls(page) == []
    shoot(page, screenshots_dir / "crew-offline-en.png")
    page.goto("/offline?lang=fa")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.get_by_role("heading", name="آفلاین هستید").is_visible()
    shoot(page, screenshots_dir / "crew-offline-fa.png")


def test_sign_out_wipes_the_device(
    phone_context: Any, live_server: LiveServer, crews_with_jobs: list[CrewLogin]
) -> None:
    crew = crews_with_jobs[0]
    jobs = _server_jobs(live_server, crew)
    page = phone_context.new_page()
    sign_in(page, crew)
    wait_controlled(page)
    wait_details_cached(page, len(jobs))
    assert page.evaluate("caches.has('crewline-data')")

    page.get_by_role("button", name="خروج").first.click()
    dialog = page.get_by_role("dialog", name="خروج از حساب؟")
    dialog.wait_for()
    dialog.get_by_role("button", name="خروج").click()
    page.wait_for_url("**/crew/login")
    stored = page.evaluate(
        """() => new Promise((resolve) => {
            const open = indexedDB.open('crewline');
            open.onupgradeneeded = () => resolve('empty');
            open.onsuccess = () => {
                const db = open.result;
                if (!db.objectStoreNames.contains('jobs')) { resolve('empty'); return; }
                const req = db.transaction('jobs').objectStore('jobs').count();
                req.onsuccess = () => resolve(req.result);
            };
        })"""
    )
    assert stored in ("empty", 0)
    assert page.evaluate("caches.has('crewline-data')") is False
    assert page.evaluate("fetch('/api/auth/me').then((r) => r.status)") == 401
    page.goto("/crew")
    page.wait_for_url("**/crew/login")


def test_a_job_published_while_the_app_is_open_appears_without_reload(
    phone_context: Any,
    live_server: LiveServer,
    crews_with_jobs: list[CrewLogin],
    published_plan: dict[str, Any],
    screenshots_dir: Path,
) -> None:
    crew = crews_with_jobs[-1]  # the crew with the fewest jobs has room for one more
    jobs = _server_jobs(live_server, crew)
    anchor = jobs[-1]
    page = phone_context.new_page()
    sign_in(page, crew)
    cards = page.locator("#job-list .job-item")
    assert cards.count() == len(jobs)
    page.evaluate("window.__sameDocument = true")

    plan_id = (published_plan.get("plan") or published_plan)["id"]
    with dispatcher_client(live_server) as client:
        created = client.post(
            "/api/tickets",
            json={
                "category": anchor["category"],
                "lon": anchor["lon"] + 0.002,
                "lat": anchor["lat"] + 0.003,
                "address": "بلوار نمونه، روبروی پارک لاله",
                "description": "تماس فوری شهروند",
                "priority": "urgent",
                "priority_reason": "blocking the road",
            },
        )
        assert created.status_code == 201 and created.json()["created"], created.text
        ticket_id = created.json()["ticket"]["id"]
        inserted = client.post(f"/api/plans/{plan_id}/insert", json={"ticket_id": ticket_id})
        assert inserted.status_code == 200, inserted.text
        if ticket_id not in {j["ticket_id"] for j in _server_jobs(live_server, crew)}:
            moved = client.post(
                f"/api/plans/{plan_id}/moves",
                json={"ticket_id": ticket_id, "crew_id": crew.crew_id, "position": 1},
            )
            assert moved.status_code == 200, moved.text

    new_card = page.locator(f"#job-list .job-item[data-ticket-id='{ticket_id}']")
    new_card.wait_for(timeout=30_000)
    assert page.evaluate("window.__sameDocument === true"), "the page must not reload"
    notice = page.locator("#notice")
    assert notice.is_visible()
    assert "کار جدید" in notice.inner_text() or "کار تغییر کرد" in notice.inner_text()
    assert "بلوار نمونه" in new_card.inner_text()
    assert cards.count() == len(_server_jobs(live_server, crew))
    shoot(page, screenshots_dir / "crew-today-live-fa.png", full_page=False)


def test_a_refused_action_is_shown_not_retried(
    phone_context: Any, live_server: LiveServer, crews_with_jobs: list[CrewLogin], screenshots_dir: Path
) -> None:
    crew = crews_with_jobs[2]
    page, _, job = _ready_on_an_assigned_job(phone_context, live_server, crew, cached=False)

    go_offline(phone_context, page)
    page.goto(f"/crew#/jobs/{job['id']}")
    wait_ready(page)
    page.get_by_role("button", name="رد کردن").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name="ذخیره").click()
    expect(dialog.locator("#reason-error")).to_be_visible()  # a reason is required
    dialog.get_by_role("textbox").fill("خودرو خراب است")
    dialog.get_by_role("button", name="ذخیره").click()
    expect(page.locator("#job-status")).to_have_text("رد شده")
    expect(page.locator("#outbox-status")).to_have_attribute("data-waiting", "1")

    # Meanwhile the job was accepted from another device: declining is no longer allowed.
    with crew_client(live_server, crew) as client:
        accepted = client.post(
            f"/api/crew/jobs/{job['id']}/actions",
            json={"client_id": str(uuid.uuid4()), "action": "accept", "at": "2026-01-01T08:00:00Z"},
        )
        assert accepted.status_code == 200, accepted.text

    phone_context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("#outbox-status")).to_have_attribute("data-failed", "1", timeout=30_000)
    expect(page.locator("#outbox-status")).to_have_attribute("data-waiting", "0")
    expect(page.locator("#job-status")).to_have_text("پذیرفته شده")
    page.locator("#outbox-status").click()
    failed = page.locator("#outbox-list .outbox-failed")
    expect(failed).to_have_count(1)
    assert "رد کردن" in failed.inner_text()
    assert unnamed_controls(page) == []
    shoot(page, screenshots_dir / "crew-outbox-refused-fa.png", full_page=False)
    attempts_before = _client_actions(live_server, str(job["id"]))
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_timeout(1500)
    assert _client_actions(live_server, str(job["id"])) == attempts_before, "a refused entry is not resent"
    failed.get_by_role("button", name="کنار گذاشتن").click()
    expect(page.locator("#outbox-status")).to_have_attribute("data-failed", "0")


def test_position_is_sent_on_shift_at_a_modest_rate(
    phone_context: Any, live_server: LiveServer, crews_with_jobs: list[CrewLogin]
) -> None:
    crew = crews_with_jobs[1]
    page = phone_context.new_page()
    sign_in(page, crew)
    page.goto("/offline")  # a page where the app's own reporter is not running
    shifts = page.evaluate(
        """async () => {
            const { onShift } = await import('/static/js/crew/gps.js');
            const day = { start: '07:00', end: '15:00' };
            const night = { start: '22:00', end: '06:00' };
            return [
                onShift(day, new Date('2026-11-22T05:00:00Z')),    // 08:30 in Tehran
                onShift(day, new Date('2026-11-22T12:00:00Z')),    // 15:30
                onShift(night, new Date('2026-11-22T20:00:00Z')),  // 23:30
                onShift(night, new Date('2026-11-22T04:00:00Z')),  // 07:30
                onShift(null, new Date('2026-11-22T05:00:00Z')),
            ];
        }"""
    )
    assert shifts == [True, False, True, False, False]

    def latest() -> dict[str, Any] | None:
        with dispatcher_client(live_server) as client:
            items = client.get("/api/positions").json()["items"]
        return next((p for p in items if p["crew_id"] == crew.crew_id), None)

    page.evaluate(
        """async () => {
            const { PositionReporter } = await import('/static/js/crew/gps.js');
            window.reporter = new PositionReporter({
                getShift: () => ({ start: '00:00', end: '23:59' }),
                onPosition: () => {}, onStatus: () => {},
            });
            await window.reporter.start();
        }"""
    )
    page.wait_for_function("window.reporter.lastSent !== null")
    deadline = time.monotonic() + 20
    while (first := latest()) is None and time.monotonic() < deadline:
        time.sleep(0.3)
    assert first is not None
    assert first["lat"] == pytest.approx(29.62) and first["lon"] == pytest.approx(52.53)

    phone_context.set_geolocation({"latitude": 29.62008, "longitude": 52.53, "accuracy": 15})  # ~9 m
    page.wait_for_function("window.reporter.latest && window.reporter.latest.lat > 29.62005")
    page.wait_for_timeout(1000)
    assert latest() == first, "a move of a few metres within a minute is not sent"

    phone_context.set_geolocation({"latitude": 29.6225, "longitude": 52.53, "accuracy": 15})  # ~280 m
    deadline = time.monotonic() + 20
    while (moved := latest()) == first and time.monotonic() < deadline:
        time.sleep(0.3)
    assert moved is not None and moved["lat"] == pytest.approx(29.6225)
    page.evaluate("window.reporter.stop()")


def test_sign_in_explains_what_is_wrong(
    phone_context: Any, live_server: LiveServer, crews: dict[str, CrewLogin]
) -> None:
    crew = next(iter(crews.values()))
    page = phone_context.new_page()
    page.goto("/crew/login")
    phone = page.get_by_label("شماره همراه")
    pin = page.get_by_label("رمز", exact=True)
    phone.fill("۰۹۱۲")  # too short, typed with Persian digits
    pin.fill("1234")
    page.get_by_role("button", name="ورود").click()
    expect(page.locator("#phone-error")).to_contain_text("۱۱ رقمی")
    assert phone.get_attribute("aria-invalid") == "true"

    # The right number typed with Persian digits, a wrong PIN.
    phone.fill(crew.phone.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")))
    pin.fill("0000" if crew.pin != "0000" else "1111")
    page.get_by_role("button", name="ورود").click()
    expect(page.get_by_role("alert")).to_have_text(
        "شماره تلفن یا رمز اشتباه است. آن‌ها را بررسی کنید و دوباره تلاش کنید."
    )
    assert page.url.endswith("/crew/login")
    assert unnamed_controls(page) == []

    pin.fill(crew.pin)
    page.get_by_role("button", name="ورود").click()
    page.wait_for_url("**/crew")
    wait_ready(page)


def test_the_service_worker_sends_the_outbox_with_no_page_open(
    phone_context: Any, live_server: LiveServer, crews_with_jobs: list[CrewLogin]
) -> None:
    crew = crews_with_jobs[1]
    page, _, job = _ready_on_an_assigned_job(phone_context, live_server, crew, cached=True)

    go_offline(phone_context, page)
    page.goto(f"/crew#/jobs/{job['id']}")
    wait_ready(page)
    page.get_by_role("button", name="پذیرفتن").click()
    expect(page.locator("#outbox-status")).to_have_attribute("data-waiting", "1")
    page.goto("/offline")  # the app's own page (and its replay) is gone
    assert page.evaluate("typeof window.reporter === 'undefined' && !document.querySelector('#job-list')")

    phone_context.set_offline(False)
    page.evaluate("navigator.serviceWorker.controller.postMessage({ type: 'replay' })")
    deadline = time.monotonic() + 30
    while _server_job(live_server, crew, str(job["id"]))["status"] != "accepted":
        assert time.monotonic() < deadline, "the service worker did not send the outbox"
        time.sleep(0.5)
    assert [a for _, a in _client_actions(live_server, str(job["id"]))] == ["accept"]
    wait_outbox_empty(page)


def test_travel_pause_resume_and_cannot_complete_online(
    phone_context: Any, live_server: LiveServer, crews_with_jobs: list[CrewLogin]
) -> None:
    crew = crews_with_jobs[1]
    job = next(j for j in _server_jobs(live_server, crew) if j["status"] == "assigned")
    page = phone_context.new_page()
    sign_in(page, crew)
    page.goto(f"/crew#/jobs/{job['id']}")
    wait_ready(page)
    status = page.locator("#job-status")
    for button, shown in (
        ("پذیرفتن", "پذیرفته شده"),
        ("شروع حرکت", "در راه"),
        ("توقف", "متوقف"),
        ("ادامه", "در راه"),  # resuming returns to where the job was paused
    ):
        page.get_by_role("button", name=button).click()
        expect(status).to_have_text(shown)
        wait_outbox_empty(page)
    assert _server_job(live_server, crew, str(job["id"]))["status"] == "en_route"

    page.get_by_role("button", name="انجام‌پذیر نیست").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("textbox").fill("محل بسته است")
    dialog.get_by_role("button", name="ذخیره").click()
    expect(status).to_have_text("انجام نشد")
    wait_outbox_empty(page)
    expect(page.locator("#job-finished")).to_be_visible()
    assert _server_job(live_server, crew, str(job["id"]))["status"] == "cannot_complete"
    actions = [a for _, a in _client_actions(live_server, str(job["id"]))]
    assert actions == ["accept", "start_travel", "pause", "resume", "cannot_complete"]
    with sqlite3.connect(live_server.data_dir / "crewline.db") as db:
        reason = db.execute(
            "SELECT reason FROM job_actions WHERE job_id = ? AND action = 'cannot_complete'",
            (str(job["id"]),),
        ).fetchone()
    assert reason == ("محل بسته است",)
