"""What the page tests do in a browser: wait for a rerun, pick from a select
box, download a table, take a whole-page screenshot. A slow machine (CI runs
two cores) can rerun the app while a menu is open or a button is being
clicked; these helpers wait for the rerun and try the gesture again instead
of failing on timing."""
from __future__ import annotations

import io
import re
import urllib.request
import warnings
from pathlib import Path

import openpyxl
from playwright.sync_api import Page, expect

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "screenshots"
# Tall enough for a whole page: Streamlit scrolls inside its own container, so
# a full-page screenshot of a short window would show only the top.
TALL = {"width": 1400, "height": 6400}


def watch_console(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def settled(page: Page) -> None:
    """Wait until the app has finished its rerun."""
    page.wait_for_timeout(300)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=60_000)


def sidebar(page: Page):
    return page.get_by_test_id("stSidebar")


def main(page: Page):
    return page.get_by_test_id("stMain")


def pick(scope, label: str, option: str, page: Page, multi: bool = False,
         attempts: int = 4) -> None:
    """Open a select box and choose `option`. A rerun still drawing the page
    can close the menu just opened: close it and open it again."""
    for attempt in range(attempts):
        settled(page)
        scope.get_by_role("combobox", name=label, exact=True).click()
        page.keyboard.type(option)  # the list is virtual: filter it to the option
        wanted = page.get_by_role("option", name=option, exact=True)
        try:
            expect(wanted).to_be_visible(timeout=10_000)
            wanted.click(timeout=10_000)
            break
        except AssertionError:
            if attempt == attempts - 1:
                raise
            page.keyboard.press("Escape")
    if multi:
        page.keyboard.press("Escape")  # a multiselect commits when its menu closes
    settled(page)


def pick_week(page: Page, period_label: str, week_label: str, option: str,
              iso_week: str) -> None:
    """Switch the sidebar's period to one ISO week and choose it; the URL
    then names that week."""
    sidebar(page).get_by_text(period_label, exact=True).click()
    settled(page)
    pick(sidebar(page), week_label, option, page)
    expect(page).to_have_url(re.compile(f"week={iso_week}"))


def download(page: Page, key: str, folder: Path, name: str,
             attempts: int = 3) -> openpyxl.Workbook:
    """Click the .xlsx download of table `key` (ui.tables.show) and open the
    file. The workbook is built on the click; a click that landed on a button
    a rerun was replacing starts no download, so it is clicked again."""
    button = page.locator(f".st-key-{key}_xlsx button")
    for attempt in range(attempts):
        settled(page)
        button.scroll_into_view_if_needed()
        enabled(page, button)
        try:
            with page.expect_download(timeout=40_000) as info:
                button.click()
            download = info.value
            break
        except Exception:  # playwright's TimeoutError
            if attempt == attempts - 1:
                raise
    path = folder / name
    download.save_as(path)
    data = path.read_bytes()
    assert data[:2] == b"PK", name                      # an .xlsx is a zip
    return openpyxl.load_workbook(io.BytesIO(data), read_only=True)


def enabled(page: Page, button, wait_ms: int = 60_000) -> None:
    """Wait for `button` to take a click. The page disables every widget while
    its connection to the server is down (a loaded machine can miss a
    heartbeat; the page reconnects by itself). Still disconnected after
    `wait_ms` while the server answers: the page is reloaded, as a user would
    (the URL carries the filters), with a warning in the test report. A
    button disabled on a connected page (a download spinning on a file
    request that got no answer) or a server that stopped answering fails the
    test, saying which."""
    try:
        expect(button).to_be_enabled(timeout=wait_ms)
        return
    except AssertionError:
        status = page.get_by_test_id("stConnectionStatus")
        if not status.count():
            raise AssertionError(f"the button stayed disabled for {wait_ms // 1000} s on a "
                                 "connected page (a download waiting for its file?)") from None
        shown = status.first.inner_text()
    origin = re.match(r"https?://[^/]+", page.url).group(0)
    assert healthy(origin), f"the server at {origin} stopped answering (page: {shown})"
    warnings.warn(f"the page stayed disconnected for {wait_ms // 1000} s ({shown}) while the "
                  f"server answered: reloaded {page.url}")
    page.reload()
    settled(page)
    assert button.count(), "after the reload the page no longer shows this button " \
                           "(what led to it was not in the URL)"
    button.scroll_into_view_if_needed()
    expect(button).to_be_enabled()


def healthy(origin: str, timeout: float = 5) -> bool:
    """Whether the app at `origin` answers its health check."""
    try:
        with urllib.request.urlopen(f"{origin}/_stcore/health", timeout=timeout) as r:
            return r.read().strip() == b"ok"
    except OSError:
        return False


def shoot(page: Page, path: Path) -> None:
    """The whole page, down to the end of its content."""
    size = page.viewport_size
    page.set_viewport_size(TALL)
    settled(page)
    page.wait_for_timeout(2000)  # Plotly draws after the rerun
    page.evaluate("document.activeElement && document.activeElement.blur()")
    box = page.get_by_test_id("stMainBlockContainer").bounding_box()
    height = min(TALL["height"], int(box["y"] + box["height"]) + 24)
    page.screenshot(path=path, clip={"x": 0, "y": 0, "width": TALL["width"], "height": height})
    page.set_viewport_size(size)
    assert path.stat().st_size > 50_000
