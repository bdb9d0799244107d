"""The weekly workbook as printed: money with its ¥, figures that agree
between the whole company's row and the branches' in a week without
tickets, columns sized per language from the week's text, headings kept
with their tables, and the chart data left out of the printed pages."""
from __future__ import annotations

import io
import re

import openpyxl
import pytest
from openpyxl.utils import column_index_from_string

from metrics import get
from pipelines.warehouse import connect
from reports import build_weekly, gather
from reports.actions import COLUMNS, PRINTED, action_rows
from reports.cells import (A4_SHORT_SIDE_IN, LINE_HEIGHT, Styles, SheetWriter, display_width,
                           longest_word, shown_width, wrapped_lines)
from reports.todo import SECOND_PART, column_widths

WEEK = "2025-W50"          # in the demo season: every sheet has rows
SUMMER = "2025-W30"        # no heating day: no ticket received, old ones still unanswered


@pytest.fixture(scope="module")
def demo(demo_db):
    c = connect(demo_db, read_only=True)
    yield c
    c.close()


@pytest.fixture(scope="module")
def books(demo) -> dict[tuple[str, str], openpyxl.Workbook]:
    return {(week, lang): openpyxl.load_workbook(io.BytesIO(build_weekly(demo, week, lang=lang)))
            for week in (WEEK, SUMMER) for lang in ("zh", "en")}


def _header_row(ws, first: str) -> int:
    return next(r for r in range(1, 30) if ws.cell(r, 1).value == first)


# --- money ---------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["zh", "en"])
def test_money_reads_in_yuan(books, lang):
    # Amounts of money were plain numbers (7,804,169.54) beside counts and
    # areas: every money cell has ¥ in its format, in either language, and
    # nothing else has.
    book = books[WEEK, lang]
    summary = book.worksheets[0]
    header = _header_row(summary, "指标" if lang == "zh" else "KPI")
    rows = {summary.cell(r, 1).value: r for r in range(header + 1, header + 18)}
    for kpi_id in ("fee_arrears_amount", "refund_exposure_amount"):
        r = rows[get(kpi_id).text(lang)[0]]
        for c in (2, 3, 5, 9):      # this week, last week, last season, numerator
            assert "¥" in summary.cell(r, c).number_format, (kpi_id, c)
        for c in (4, 6):            # changes: signed, with ¥
            fmt = summary.cell(r, c).number_format
            assert "¥" in fmt and fmt.startswith("+"), (kpi_id, c, fmt)
    collected = rows[get("fee_collection_rate_amount").text(lang)[0]]
    assert "¥" in summary.cell(collected, 9).number_format          # paid
    assert "¥" in summary.cell(collected, 10).number_format         # due
    assert "¥" not in summary.cell(collected, 2).number_format      # a rate
    area = rows[get("complaints_per_10k_m2").text(lang)[0]]
    assert "¥" not in summary.cell(area, 10).number_format          # an area, not money
    received = rows[get("tickets_received").text(lang)[0]]
    assert "¥" not in summary.cell(received, 2).number_format

    fees = book.worksheets[3]
    total = 6
    header = [fees.cell(5, c).value or fees.cell(4, c).value for c in range(1, fees.max_column + 1)]
    money = {get("fee_arrears_amount").text(lang)[0], get("fee_collected_amount").text(lang)[0]}
    columns = [i + 1 for i, h in enumerate(header) if h in money]
    assert len(columns) == 2
    for c in columns + [8, 9]:      # + numerator (paid) and denominator (due)
        assert "¥" in fees.cell(total, c).number_format, c
    temperature = book.worksheets[1]
    header = [temperature.cell(4, c).value for c in range(1, temperature.max_column + 1)]
    refund = header.index(get("refund_exposure_amount").text(lang)[0]) + 1
    assert "¥" in temperature.cell(total, refund).number_format

    actions = book.worksheets[4]
    amount = COLUMNS.index("amount_yuan") + 1
    amounts = [actions.cell(r, amount) for r in range(5, actions.max_row + 1)
               if isinstance(actions.cell(r, amount).value, float)]
    assert amounts and all("¥" in c.number_format for c in amounts)


def test_a_money_cell_is_as_wide_as_its_yuan():
    # the ¥ and the separators count in a column's width
    # "¥7,804,169.54": 13 characters, 3 separators half a digit wide
    assert shown_width(7804169.54, '"¥"#,##0.00') == pytest.approx(13 - 1.5)
    assert shown_width(-1249556.87, '+"¥"#,##0.00;-"¥"#,##0.00;"¥"0.00') == \
        pytest.approx(14 - 1.5)
    assert shown_width(0.938, "0.0%") == pytest.approx(5 - 0.5)
    assert shown_width(7.8, '0.0" 小时"') == pytest.approx(8 - 0.5)


# --- a week without tickets ------------------------------------------------------------

@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_summer_week_reads_alike_for_the_company_and_its_branches(books, demo, lang):
    # In a summer week no ticket is received, but old tickets are still
    # unanswered in every branch: the company's row read 0 tickets received
    # (closure 0 of 0), the branches' rows "—". A count of nothing is 0 on
    # every row; a rate of nothing (its denominator 0) is "—" on every row,
    # without "0 of 0" beside it (as the cards, which show no parts under "—").
    ws = books[SUMMER, lang].worksheets[2]
    rows = []
    r = 6
    while ws.cell(r, 1).value:
        rows.append(r)
        r += 1
    assert len(rows) > 3
    header = {(ws.cell(5, c).value or ws.cell(4, c).value): c
              for c in range(1, ws.max_column + 1)}
    received = header[get("tickets_received").text(lang)[0]]
    on_time = header[get("ticket_on_time_rate").text(lang)[0]]
    unanswered = header[get("ticket_unanswered").text(lang)[0]]
    for r in rows:
        assert ws.cell(r, 3).value == "—", r                  # closure rate: no tickets
        assert ws.cell(r, 8).value == "—" and ws.cell(r, 9).value == "—", r   # not 0 of 0
        assert ws.cell(r, received).value == 0, r
        assert ws.cell(r, on_time).value == "—", r
        assert isinstance(ws.cell(r, unanswered).value, (int, float)), r
    # the whole company's row is the sum of its branches' where it counts
    data = gather(demo, SUMMER, trends=False)
    table = data.areas[1].table
    branches = table[table["level"] == 1]
    assert branches["ticket_unanswered"].sum() == table[table["level"] == 0][
        "ticket_unanswered"].iloc[0]


# --- the actions table ------------------------------------------------------------------

def _printed_text_widths(ws) -> dict[str, float]:
    """Each column's width as set (the file keeps it with XlsxWriter's 0.71
    of padding, its whole pixels)."""
    return {col: round(ws.column_dimensions[openpyxl.utils.get_column_letter(c + 1)].width
                       - 0.71, 1)
            for c, col in enumerate(COLUMNS)}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_actions_columns_are_sized_from_the_weeks_text(books, demo, lang):
    # The columns were sized for Chinese: English list names ("Unanswered
    # items · Past deadline, not resolved") wrapped to seven lines in a
    # column 14 wide, ~7 rows a page. Each text column is at least as wide
    # as its longest word, the most common list name fits on one line, and
    # each part fits a page at the sheet's scale.
    ws = books[WEEK, lang].worksheets[4]
    widths = _printed_text_widths(ws)
    rows = action_rows(gather(demo, WEEK, trends=False), lang)
    for col in ("list", "situation", "content"):
        words = max(longest_word(t) for t in rows[col].dropna() if isinstance(t, str))
        assert widths[col] >= words + 1, (col, widths[col])
    common = rows["list"].value_counts().index[0]
    assert wrapped_lines(common, widths["list"] - 0.8) == 1, (common, widths["list"])
    scale = ws.page_setup.scale / 100
    pixels = {col: round(w * 7) for col, w in widths.items()}
    room = (297 / 25.4 - ws.page_margins.left - ws.page_margins.right) * 96
    for part in (COLUMNS[:SECOND_PART], COLUMNS[SECOND_PART:PRINTED + 1]):
        assert sum(pixels[c] + 5 for c in part) * scale <= room, part
    # every row as tall as its most wrapped cell, and no taller
    for r in range(5, 5 + min(len(rows), 60)):
        cells = [(ws.cell(r, c + 1).value, widths[col]) for c, col in enumerate(COLUMNS)
                 if col in widths and isinstance(ws.cell(r, c + 1).value, str)]
        lines = max([1] + [wrapped_lines(text, width) for text, width in cells])
        # (a height is kept in whole pixels: 16 pt is 15.75)
        assert ws.row_dimensions[r].height == pytest.approx(LINE_HEIGHT * lines, abs=0.5), r


def test_english_actions_rows_are_at_most_two_lines(books):
    # Printed, the English table took 82 pages against 44 in Chinese: its
    # rows three to seven lines tall (the list's name in a column 14 wide).
    # No row of the week is taller than two lines now, and the English table
    # prints less than 1.7 times as long as the Chinese (it was 1.9 times).
    def height(ws):
        return sum(ws.row_dimensions[r].height or 15 for r in range(5, ws.max_row + 1)) \
            / (ws.page_setup.scale / 100)
    zh, en = books[WEEK, "zh"].worksheets[4], books[WEEK, "en"].worksheets[4]
    assert max(en.row_dimensions[r].height for r in range(5, en.max_row + 1)) <= \
        2 * LINE_HEIGHT + 0.5
    assert height(en) <= 1.7 * height(zh), (height(en), height(zh))


def test_column_widths_give_long_text_the_room_the_page_has():
    records = [{c: None for c in COLUMNS} for _ in range(40)]
    for i, row in enumerate(records):
        row["list"] = "Households below target"
        row["situation"] = ("Latest 14.7 °C (target 18.0 °C); 1 of 1 counted readings "
                            f"below target, lowest 14.{i % 10} °C")
        row["branch"] = "张店分公司"
    labels = {c: c for c in COLUMNS}
    widths, scale = column_widths(records, labels, {})
    assert widths["situation"] >= display_width(records[0]["situation"]) + 1
    assert widths["list"] >= display_width("Households below target") + 1
    # a list of nothing keeps the default widths
    widths, _ = column_widths([], labels, {})
    assert widths["situation"] > 0


# --- headings kept with their tables -------------------------------------------------

def _pages(ws) -> dict[int, int]:
    """Row (1-based) -> the page it prints on, filled as an app fills a page:
    each row whole, a new page at each manual break."""
    top, bottom = 1, ws.max_row
    if ws.print_area:
        (_, first), (_, last) = re.findall(r"\$([A-Z]+)\$(\d+)", ws.print_area)
        top, bottom = int(first), int(last)
    scale = (ws.page_setup.scale or 100) / 100
    room = (A4_SHORT_SIDE_IN - ws.page_margins.top - ws.page_margins.bottom) * 72 / scale
    breaks = {b.id + 1 for b in ws.row_breaks.brk}      # 1-based rows starting a page
    default = ws.sheet_format.defaultRowHeight or 15
    page, used, out = 1, 0.0, {}
    for r in range(top, bottom + 1):
        h = ws.row_dimensions[r].height or default
        if used and (r in breaks or used + h > room):
            page, used = page + 1, 0.0
        used += h
        out[r] = page
    return out


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("week", [WEEK, SUMMER])
def test_no_heading_ends_a_page(books, lang, week):
    # 待办事项 printed alone at the foot of 摘要's first page, 数据新鲜度 at the
    # foot of 说明's: a section's heading prints with what it heads.
    book = books[week, lang]
    for ws in (book.worksheets[0], book.worksheets[5]):
        pages = _pages(ws)
        headings = [c.row for row in ws.iter_rows() for c in row
                    if c.font.sz == 12 and c.font.b and c.column == 1 and c.row in pages]
        assert len(headings) >= 3, ws.title
        for r in headings:
            assert pages.get(r + 1) == pages[r] and pages.get(r + 2) == pages[r], \
                (ws.title, ws.cell(r, 1).value, r)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_headline_table_prints_on_one_page(books, lang):
    ws = books[WEEK, lang].worksheets[0]
    pages = _pages(ws)
    header = _header_row(ws, "指标" if lang == "zh" else "KPI")
    table = [pages[r] for r in range(header - 1, header + 18)]
    assert len(set(table)) == 1, table
    assert max(pages.values()) == 2


def test_a_heading_at_a_pages_foot_starts_the_next_page():
    import xlsxwriter
    wb = xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True})
    w = SheetWriter(Styles(wb), wb.add_worksheet())
    for r in range(60):
        w.set_row(r, 15)
    room_rows = int(((A4_SHORT_SIDE_IN - 0.5 - 0.6) * 72) / 1.02 // 15)
    heading = room_rows - 1            # the last row of the first page
    breaks, pages = w.page_breaks(0, 59, 100, keep=[(heading, heading + 3)])
    assert breaks == [heading] and pages == 2
    breaks, _ = w.page_breaks(0, 59, 100, keep=[(5, 8)])
    assert breaks == []
    wb.close()


# --- the chart data ---------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_chart_data_stays_off_the_printed_pages(books, lang):
    # The chart data printed on pages of its own, under the table's repeated
    # header: it now lies below the charts, outside the print area.
    book = books[WEEK, lang]
    for ws in book.worksheets[1:4]:
        (_, top), (right, bottom) = re.findall(r"\$([A-Z]+)\$(\d+)", ws.print_area)
        section = next(c.row for row in ws.iter_rows() for c in row
                       if c.column == 1 and c.font.sz == 12 and c.font.b)
        assert section > int(bottom), (ws.title, section, ws.print_area)
        assert len(ws._charts) == 2
        for chart in ws._charts:
            assert chart.anchor.to.row + 1 <= int(bottom), ws.title
        assert column_index_from_string(right) >= 9
