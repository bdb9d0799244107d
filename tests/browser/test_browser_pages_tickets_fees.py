"""The tickets and fees pages in a real browser, in both languages: change the
week and the station, open the rows behind a number, download a table, and save
a screenshot of each page; the browser console stays free of errors."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

import helpers
from helpers import DOCS, main, pick, pick_week, settled, shoot, sidebar, watch_console
from pipelines.warehouse import connect

STATION, OTHER_STATION = "华光路换热站", "人民路换热站"
WORDS = {
    "zh": {"home": "总览", "tickets": "工单", "fees": "收费", "period_week": "按周",
           "week": "周次", "week_option": "2025年第50周 12/8–12/14", "station": "供热站",
           "drill": "查看数字背后的明细行", "receipt_no": "收据号", "ticket_no": "工单编号",
           "household": "户号", "kpi_tickets": "受理工单量", "kpi_fees": "收缴率(金额)",
           "curve": "累计收缴率:本季与上季", "funnel": "回访与满意度", "p90": "90分位",
           "satisfied": "满意及基本满意"},
    "en": {"home": "Overview", "tickets": "Tickets", "fees": "Fees", "period_week": "Week",
           "week": "ISO week", "week_option": "2025-W50 · 8 Dec – 14 Dec", "station": "Station",
           "drill": "Show the rows behind a number", "receipt_no": "Receipt number",
           "ticket_no": "Ticket number", "household": "Household ID",
           "kpi_tickets": "Tickets received", "kpi_fees": "Collection rate by amount",
           "curve": "Cumulative collection rate: this season and last",
           "funnel": "Follow-up and satisfaction", "p90": "P90",
           "satisfied": "Satisfied"},
}


def nav(page: Page, name: str) -> None:
    page.get_by_test_id("stSidebarNavItems").get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible(timeout=60_000)
    settled(page)


def download(page: Page, key: str, folder: Path, name: str) -> list:
    """Click the .xlsx download of table `key`; the rows of the file."""
    rows = list(helpers.download(page, key, folder, name).active.iter_rows(values_only=True))
    assert len(rows) > 1, name
    return rows


def rows_behind(page: Page, w: dict, first_column: str) -> None:
    """Open the rows behind the first KPI (each with its source file and row;
    the grid draws only the columns in view, so the first one is checked)."""
    main(page).get_by_text(w["drill"], exact=True).first.click()
    settled(page)
    expect(main(page).get_by_text(re.compile(r"(共 [\d,]+ 行,每行注明来源文件|"
                                             r"[\d,]+ rows, each with its source file)")).first) \
        .to_be_visible()
    grid = main(page).get_by_test_id("stDataFrame").first
    expect(grid).to_contain_text(first_column)
    main(page).get_by_text(w["drill"], exact=True).first.click()   # closed again
    settled(page)


def fits_at_1366(page: Page, header: str) -> None:
    """The table with column `header` shows all its columns in a 1366-px
    window (the resolution table's ran past the grid's right edge)."""
    size = page.viewport_size
    page.set_viewport_size({"width": 1366, "height": size["height"]})
    settled(page)
    grid = main(page).get_by_test_id("stDataFrame").filter(has_text=header)
    expect(grid).to_have_count(1)
    page.wait_for_timeout(500)    # the grid lays its columns out again
    scroll, width = grid.evaluate("e => { const s = e.querySelector('.dvn-scroller');"
                                  " return [s.scrollWidth, s.clientWidth]; }")
    assert scroll <= width, (header, scroll, width)
    page.set_viewport_size(size)


def anonymous_phones(db: Path) -> set[str]:
    """Phones recorded on anonymous tickets and on no other ticket."""
    con = connect(db, read_only=True)
    try:
        rows = con.execute("SELECT phone, coalesce(anonymous, false) FROM tickets "
                           "WHERE phone IS NOT NULL").fetchall()
    finally:
        con.close()
    return {p for p, a in rows if a} - {p for p, a in rows if not a}


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_tickets_and_fees_pages(demo_app, demo_db, page, output_dir, lang):
    w = WORDS[lang]
    errors = watch_console(page)
    # The root URL: a deep link makes Streamlit probe <page>/_stcore/health
    # first, which the server answers 404 (a console error that is not ours).
    page.goto(demo_app)
    expect(page.get_by_role("heading", name="总览")).to_be_visible(timeout=60_000)
    if lang == "en":
        sidebar(page).get_by_role("radio", name="English").click()
        expect(page.get_by_role("heading", name=w["home"])).to_be_visible()

    # --- tickets: a week of the season
    nav(page, w["tickets"])
    pick_week(page, w["period_week"], w["week"], w["week_option"], "2025-W50")
    expect(main(page).get_by_test_id("stMetricLabel").filter(has_text=w["kpi_tickets"]).first) \
        .to_be_visible()
    expect(main(page).get_by_text(w["funnel"], exact=True)).to_be_visible()
    if lang == "zh":
        shoot(page, DOCS / "tickets.png")
    fits_at_1366(page, w["p90"])
    fits_at_1366(page, w["satisfied"])   # the follow-up table beside its chart

    # --- fees: the week comes along; then one station
    nav(page, w["fees"])
    assert "week=2025-W50" in page.url
    expect(main(page).get_by_test_id("stMetricLabel").filter(has_text=w["kpi_fees"]).first) \
        .to_be_visible()
    expect(main(page).get_by_text(w["curve"], exact=True)).to_be_visible()
    if lang == "zh":
        shoot(page, DOCS / "fees.png")
    pick(sidebar(page), w["station"], STATION, page, multi=True)
    expect(page).to_have_url(re.compile("station="))
    rows_behind(page, w, w["receipt_no"])
    header, *rows = download(page, "debtors", output_dir, f"debtors_{lang}.xlsx")
    assert w["household"] in header
    assert {r[header.index(w["station"])] for r in rows} == {STATION}
    shoot(page, output_dir / f"fees_{lang}.png")

    # --- tickets again: the station comes along; add a second one
    nav(page, w["tickets"])
    assert "week=2025-W50" in page.url and "station=" in page.url
    pick(sidebar(page), w["station"], OTHER_STATION, page, multi=True)
    expect(page).to_have_url(re.compile("station=.*station="))
    rows_behind(page, w, w["ticket_no"])
    header, *rows = download(page, "unanswered", output_dir, f"unanswered_{lang}.xlsx")
    assert w["ticket_no"] in header
    assert {r[header.index(w["station"])] for r in rows} <= {STATION, OTHER_STATION}
    phones = anonymous_phones(demo_db)
    assert phones and not phones & {str(v) for r in rows for v in r}
    shoot(page, output_dir / f"tickets_{lang}.png")

    assert not errors, errors


def grid_cells(grid, rows: int = 3) -> list[list[str]]:
    """The header row and the first `rows` rows the grid shows (its
    accessible table: the grid draws on a canvas), the columns in view."""
    return grid.evaluate("(e, n) => Array.from(e.querySelectorAll('table tr')).slice(0, n + 1)"
                         ".map(r => Array.from(r.children).map(c => c.textContent))", rows)


def shows(page: Page, grid, wanted) -> list[list[str]]:
    """Wait (a rerun redraws the grid) until `wanted(cells)` holds; the cells."""
    cells = []
    for _ in range(40):
        grid.scroll_into_view_if_needed()
        cells = grid_cells(grid)
        if wanted(cells):
            break
        page.wait_for_timeout(250)
    return cells


@pytest.mark.browser
def test_a_sorted_list_stays_sorted_when_the_language_changes(demo_app, page):
    """A manager sorts the unanswered tickets by clicking a header, then
    switches 中文/English: the list stays sorted (its headers came in the
    other language under other column names, and the grid dropped a sort
    by a column it no longer had)."""
    page.goto(f"{demo_app}/tickets?season=2025-2026&period=week&week=2025-W50")
    expect(page.get_by_role("heading", name="工单", exact=True)).to_be_visible(timeout=60_000)
    settled(page)
    listed = main(page).get_by_test_id("stDataFrame").filter(has_text="工单编号") \
        .filter(has_text="超期未办结")
    expect(listed).to_have_count(1)
    # by position from here: its headers and values change language
    grids = main(page).get_by_test_id("stDataFrame")
    grid = grids.nth(grids.evaluate_all("(all, one) => all.indexOf(one)", listed.element_handle()))
    grid.scroll_into_view_if_needed()
    first = shows(page, grid, lambda c: len(c) > 3)
    assert first[0][0] == "工单编号"
    box = grid.bounding_box()
    for _ in range(2):   # ascending, then descending: not the order it came in
        page.mouse.click(box["x"] + 40, box["y"] + 18)
        page.wait_for_timeout(500)
    ranked = shows(page, grid, lambda c: c[0][0] == "↓ 工单编号")
    assert ranked[0][0] == "↓ 工单编号", ranked[0]
    order = [r[0] for r in ranked[1:]]
    assert order == sorted(order, reverse=True) and order != [r[0] for r in first[1:]]

    for language, heading, header in (("English", "Tickets", "Ticket number"),
                                      ("中文", "工单", "工单编号")):
        sidebar(page).get_by_role("radio", name=language).click()
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        settled(page)
        now = shows(page, grid, lambda c, h=header: c[0][0].endswith(h))
        assert now[0][0] == f"↓ {header}", (language, now[0])
        assert [r[0] for r in now[1:]] == order, language
