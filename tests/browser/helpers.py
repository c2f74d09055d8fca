"""Steps the browser tests share: signing in, waiting for the app, reading the outbox, photos."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path
from typing import Any

from PIL import Image

from tests.browser.conftest import CrewLogin

# Roles whose elements must carry an accessible name.
NAMED_ROLES = ("button", "link", "textbox", "checkbox", "radio", "combobox", "dialog", "region", "img")


def sign_in(page: Any, crew: CrewLogin) -> None:
    page.goto("/crew/login")
    page.get_by_label(re.compile("شماره همراه|Mobile number")).fill(crew.phone)
    page.get_by_label(re.compile("^(رمز|PIN)$")).fill(crew.pin)
    page.get_by_role("button", name=re.compile("^(ورود|Sign in)$")).click()
    page.wait_for_url("**/crew")
    wait_ready(page)


def wait_ready(page: Any) -> None:
    page.wait_for_selector("body[data-ready='true']")


def wait_controlled(page: Any) -> None:
    """Until the service worker controls the page (so reloads work offline). Installing stores the
    whole app shell and the font, which on a loaded machine takes a while: allow a minute."""
    page.wait_for_function(
        "navigator.serviceWorker && navigator.serviceWorker.controller !== null", timeout=60_000
    )


def wait_details_cached(page: Any, count: int) -> None:
    """Until every job's details (route, depot) are stored on the device."""
    page.wait_for_function(
        """(count) => new Promise((resolve) => {
            const open = indexedDB.open('crewline');
            open.onsuccess = () => {
                const db = open.result;
                const req = db.transaction('jobs').objectStore('jobs').getAll();
                req.onsuccess = () => resolve(req.result.length >= count && req.result.every((j) => j.route));
                req.onerror = () => resolve(false);
            };
            open.onerror = () => resolve(false);
        })""",
        arg=count,
    )


def outbox_waiting(page: Any) -> int:
    return int(page.locator("#outbox-status").get_attribute("data-waiting") or "0")


def photo_file(tmp_path: Path, name: str, size: tuple[int, int], color: tuple[int, int, int]) -> Path:
    """A camera-sized JPEG made on the spot."""
    image = Image.new("RGB", size, color)
    for x in range(0, size[0], 97):
        for y in range(0, size[1], 89):
            image.putpixel((x, y), (255 - color[0], 255 - color[1], 255 - color[2]))
    path = tmp_path / name
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=90)
    path.write_bytes(buffer.getvalue())
    return path


def unnamed_controls(page: Any) -> list[str]:
    """Lines of the page's accessibility tree where an element of a named role has no name."""
    snapshot = page.locator("body").aria_snapshot()
    missing = []
    for line in snapshot.splitlines():
        match = re.match(r"\s*- (\w+)(.*)$", line)
        if not match or match.group(1) not in NAMED_ROLES:
            continue
        if not match.group(2).lstrip().startswith('"'):
            missing.append(line.strip())
    return missing


def shoot(page: Any, path: Path, *, full_page: bool = True) -> None:
    """A screenshot from the top of the page (the sticky bar stays where a person sees it)."""
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(300)
    page.screenshot(path=str(path), full_page=full_page)


def wait_outbox_empty(page: Any, timeout_ms: int = 30_000) -> None:
    """Until the device's outbox (IndexedDB) holds nothing waiting or refused."""
    page.wait_for_function(
        """() => new Promise((resolve) => {
            const open = indexedDB.open('crewline');
            open.onsuccess = () => {
                const req = open.result.transaction('outbox').objectStore('outbox').count();
                req.onsuccess = () => resolve(req.result === 0);
                req.onerror = () => resolve(false);
            };
            open.onerror = () => resolve(false);
        })""",
        timeout=timeout_ms,
    )


def go_offline(context: Any, page: Any) -> None:
    """Cut the network and wait until the page itself knows it is offline."""
    context.set_offline(True)
    page.wait_for_function("navigator.onLine === false")
