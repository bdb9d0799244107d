"""What the page tests do in a browser: wait for a rerun, pick from a select
box, download a table, take a whole-page screenshot. A slow machine (CI runs
two cores) can rerun the app while a menu is open or a button is being
clicked; these helpers wait for the rerun and try the gesture again instead
of failing on timing."""
from __future__ import annotations

import io
import re
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
        # The page disables every widget while its connection to the server
        # is being re-established (a loaded machine can miss a heartbeat).
        expect(button).to_be_enabled(timeout=90_000)
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
