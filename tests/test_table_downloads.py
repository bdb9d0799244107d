"""What a table's .xlsx download holds beside its rows: each number under the
number format of what the screen shows (93.3%, ¥1,653.19, 14.28), its full
value kept in the cell; a sheet named within Excel's 31 characters without
cutting a word (or a day) in two; a file name without the colon a browser
turns into "_ ". Through AppTest on a copy of the demo warehouse, and
ui/xlsx's and ui/tables' functions on small frames."""
from __future__ import annotations

import io
import numbers
import re
from functools import partial

import openpyxl
import pandas as pd
import pytest
import streamlit as st

from page_testing import demo_copy, open_page, served_files  # noqa: F401
from ui import fmt, tables
from ui.xlsx import excel_format, excel_format_like, sheet_name, workbook_bytes

WEEK = {"season": "2025-2026", "period": "week", "week": "2025-W50"}
PERIOD = r"(\d{4}-W\d{2}|\d{4}-\d{4}|\d{8}-\d{8})"     # a week, a season, a range of days
BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


@pytest.fixture
def files(monkeypatch):
    """`files(at)`: each download button's file of the last run, by the
    button's key: (the file's name, the workbook as openpyxl reads it). The
    workbook is built as the server builds it on the click."""
    fetch = served_files(monkeypatch)
    return lambda at: {key.removesuffix("_xlsx"): (name, openpyxl.load_workbook(io.BytesIO(data)))
                       for key, _, name, data in fetch(at)}


def column_cells(book: openpyxl.Workbook, header: str) -> list:
    """The non-empty cells under `header` on the first sheet."""
    ws = book.worksheets[0]
    heads = [c.value for c in ws[1]]
    assert header in heads, heads
    col = heads.index(header) + 1
    return [r[0] for r in ws.iter_rows(min_row=2, min_col=col, max_col=col)
            if r[0].value is not None]


def number_format(book: openpyxl.Workbook, header: str) -> str:
    """The one number format of the cells under `header`."""
    found = {c.number_format for c in column_cells(book, header)}
    assert len(found) == 1, (header, found)
    return found.pop()


# --- 1. numbers as the screen shows them ------------------------------------------------

@pytest.mark.parametrize("page,params", [
    ("pages/overview.py", {}),
    ("pages/tickets.py", WEEK),
    ("pages/fees.py", WEEK),
    ("pages/temperature.py", {}),
])
def test_every_number_of_every_download_has_the_format_of_its_column(demo_copy, files,
                                                                      page, params):
    at = open_page(page, "en", **params)
    got = files(at)
    assert len(got) >= 3
    for key, (_, book) in got.items():
        for ws in book.worksheets:
            heads = [c.value for c in ws[1]]
            for row in ws.iter_rows(min_row=2):
                for head, cell in zip(heads, row):
                    if isinstance(cell.value, numbers.Number) and \
                            not isinstance(cell.value, bool):
                        assert cell.number_format != "General", (key, head, cell.value)


def test_fee_downloads_show_rates_money_and_points_as_the_page(demo_copy, files):
    at = open_page("pages/fees.py", "en", **WEEK)
    got = files(at)
    _, by = got["collection_by"]
    # st.column_config "percent": one decimal, as the dashboard writes rates
    assert number_format(by, "Collection rate (amount)") == "0.0%"
    # the full value stays in the cell, to compute with
    rates = [c.value for c in column_cells(by, "Collection rate (amount)")]
    assert any(round(r, 3) != r for r in rates)
    # money as in every table: grouped, two decimals, a negative with its sign
    assert number_format(by, "Paid (yuan)") == "#,##0.00"
    # a change in points, written by fmt.points on screen: signed, one decimal, "pp"
    assert number_format(by, "Change vs last season (amount, pp)") == \
        '"+"0.0" pp";"-"0.0" pp";0.0" pp"'
    assert number_format(by, "Households billed") == "#,##0"
    # a whole list (long_lists, built on the click) carries the page's formats too
    _, debtors = got["debtors"]
    assert number_format(debtors, "Arrears (yuan)") == "#,##0.00"


def test_temperature_and_hours_downloads_keep_the_screens_decimals(demo_copy, files):
    at = open_page("pages/temperature.py", "en")
    got = files(at)
    _, risk = got["t_risk"]
    # temperatures to the tenth, as the screen writes every one ("%.1f")
    assert number_format(risk, "Expected indoor at design (°C)") == "0.0"
    assert number_format(risk, "Mean indoor (°C)") == "0.0"
    assert number_format(risk, "Fit R²") == "0.00"                             # "%.2f"
    assert {c.number_format for c in column_cells(risk, "Lowest outdoor (°C)")} == {"0.0"}
    _, refund = got["t_refund"]
    assert number_format(refund, "Refund (yuan)") == "#,##0.00"                 # "%,.2f"
    _, zones = got["t_cold_zones"]
    assert number_format(zones, "Share below target") == "0.0%"

    at = open_page("pages/tickets.py", "zh", **WEEK)
    got = files(at)
    _, resolution = got["resolution"]
    heads = [c.value for c in resolution.worksheets[0][1]]
    median = next(h for h in heads if "中位" in h and "(小时)" in h)
    assert number_format(resolution, median) == "#,##0.0"                       # "%,.1f"
    _, unanswered = got["unanswered"]
    assert number_format(unanswered, "超期天数") == '#,##0.0" 天"'               # "%,.1f 天"


def test_a_table_cell_keeps_its_value_under_the_screens_format():
    """The formats come from what the page gives tables.show (its
    column_config, its texts), not from a list of column names."""
    df = pd.DataFrame({"rate": [0.9332564605478934], "change": [-1.599455709544728],
                       "refund": [1653.19], "temp": [14.28466129691626],
                       "hours": [4.216666666666667], "n": [16849], "mean": [17.24]})
    config = {"rate": st.column_config.NumberColumn(format="percent"),
              "refund": st.column_config.NumberColumn(format="¥%,.2f"),
              "temp": st.column_config.NumberColumn(format="%.2f"),
              "hours": st.column_config.NumberColumn(format="%,.1f"),
              "n": st.column_config.NumberColumn(format=tables.COUNT_FORMAT)}
    texts = {"change": partial(fmt.points, lang="en")}
    formats = tables.excel_formats(df, list(df.columns), config, texts)
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes({"t": df}, {"t": formats})))
    row = {c.value: v for c, v in zip(book.active[1], book.active[2])}
    assert {h: c.number_format for h, c in row.items()} == {
        "rate": "0.0%", "change": '"+"0.0" pp";"-"0.0" pp";0.0" pp"',
        "refund": '"¥"#,##0.00', "temp": "0.00", "hours": "#,##0.0", "n": "#,##0",
        "mean": "0.00"}     # no format on screen: the decimals its values have
    assert {h: c.value for h, c in row.items()} == df.iloc[0].to_dict()


@pytest.mark.parametrize("shown,excel", [
    ("percent", "0.0%"),
    ("accounting", "#,##0.00;(#,##0.00)"),
    ("¥%,.2f", '"¥"#,##0.00'),
    ("%,.2f", "#,##0.00"),
    ("%,d", "#,##0"),
    ("%d", "0"),
    ("%.1f", "0.0"),
    ("%,.1f d", '#,##0.0" d"'),
    ("%3d%%", '0"%"'),            # a literal % must not scale the number
    ("%+.1f", '"+"0.0;"-"0.0;"+"0.0'),
    (None, None),
    ("plain", None),
])
def test_a_grid_format_as_an_excel_format(shown, excel):
    assert excel_format(shown) == excel


def test_a_text_function_as_an_excel_format():
    assert excel_format_like(partial(fmt.points, lang="zh")) == \
        '"+"0.0" 个百分点";"-"0.0" 个百分点";0.0" 个百分点"'
    assert excel_format_like(lambda x: f"{x:,.2f}") == "#,##0.00"
    # a share written as a percent: Excel's percent format scales it the same
    assert excel_format_like(lambda x: f"{x * 100:.1f}%") == "0.0%"
    assert excel_format_like(partial(fmt.percent, lang="en")) == "0.0%"
    # scaled otherwise: not the value
    assert excel_format_like(lambda x: f"{x * 100:.1f}") is None
    assert excel_format_like(lambda x: f"{x * 1000:.1f}%") is None


def test_every_share_is_written_as_a_percent_with_one_decimal():
    # By its name in the KPI layer, on screen as on the cards; the grid's
    # own percent format wrote 85%, 85.1% and 85.12% in one column.
    from ui.tables import cell_texts, excel_formats, is_share
    assert all(map(is_share, ["rate", "compliance_rate", "failed_share", "rate_amount",
                              "rate_households_last_season", "share_of_previous"]))
    assert not any(map(is_share, ["share", "rated", "readings", "separate", "tier"]))
    shown = pd.DataFrame({"站": ["S1", "S2", "S3"], "达标率": [0.85, 0.8512, 0.851],
                          "户数": [3, 4, 5], "是否": [True, False, True]})
    names = ["station", "compliance_rate", "households", "failed_share"]
    texts = cell_texts(shown, "zh", names)
    assert list(texts) == ["达标率"]     # not a text column, nor yes/no
    assert [texts["达标率"](v) for v in shown["达标率"]] == ["85.0%", "85.1%", "85.1%"]
    assert excel_formats(shown, names, {}, texts)["达标率"] == "0.0%"
    # a page's own text function wins
    assert cell_texts(shown, "zh", names, {"达标率": str})["达标率"] is str


# --- 2. sheet names -----------------------------------------------------------------------

@pytest.mark.parametrize("title,sheet", [
    ("Stopped or exempt households charged in full", "Stopped or exempt households…"),
    ("Bills that differ from the tariff", "Bills that differ from the…"),
    ("Weekly compliance and outdoor temperature", "Weekly compliance and outdoor…"),
    # the file's name carries the day, the season
    ("fees_daily_settlement_2026-03-18", "fees_daily_settlement"),
    ("Largest arrears of the 2025-2026 season", "Largest arrears of the season"),
    # a title's part before its colon says what the table is
    ("Cold-day risk: expected indoor temperature at the design temperature", "Cold-day risk"),
    ("低温风险:设计温度下的预计室温", "低温风险-设计温度下的预计室温"),
    ("收费_日清日结_2026-03-18", "收费_日清日结_2026-03-18"),     # fits: kept whole
    ("Receipts without invoice number", "Receipts without invoice number"),
    ("a/b [c]*?", "a-b (c)"),
    ("", "Sheet1"),
    ("超" * 40, "超" * 30 + "…"),
])
def test_a_sheet_name_fits_without_cutting_a_word(title, sheet):
    assert sheet_name(title) == sheet
    assert len(sheet) <= 31 and not BAD_SHEET_CHARS.search(sheet)


def test_sheet_names_stay_unique_in_a_workbook():
    frame = pd.DataFrame({"a": [1]})
    titles = ["Stopped or exempt households charged in full",
              "Stopped or exempt households charged in part", "Sheet", "sheet"]
    data = workbook_bytes({t: frame for t in titles})
    names = openpyxl.load_workbook(io.BytesIO(data)).sheetnames
    assert names == ["Stopped or exempt households…", "Stopped or exempt… (2)", "Sheet",
                     "sheet (2)"]
    assert all(len(n) <= 31 and not BAD_SHEET_CHARS.search(n) for n in names)


def test_page_downloads_have_whole_word_sheet_names(demo_copy, files):
    got = files(open_page("pages/fees.py", "en", **WEEK))
    titles = {k: book.sheetnames[0] for k, (_, book) in got.items()}
    assert titles["leak_charged_in_full"] == "Stopped or exempt households…"
    assert titles["leak_bill_mismatches"] == "Bills that differ from the…"
    assert titles["settlement"] == "fees_daily_settlement"
    got = files(open_page("pages/temperature.py", "en"))
    assert got["t_risk"][1].sheetnames == ["Cold-day risk", "About"]   # the title, not the file name


# --- 3. file names ------------------------------------------------------------------------

DASHBOARDS = [("pages/overview.py", {}), ("pages/tickets.py", WEEK), ("pages/fees.py", WEEK),
              ("pages/temperature.py", {})]


@pytest.mark.parametrize("page,params", DASHBOARDS)
def test_every_download_is_named_subject_then_table(demo_copy, files, page, params):
    # The temperature and overview pages named their files by the table's
    # title ("Cold-day risk - expected indoor temperature at the design
    # temperature_20251201.xlsx"), the tickets and fees pages by subject and
    # table (tickets_unanswered_20251201.xlsx): a folder of a meeting's
    # downloads sorted into no order. Each is now <subject>_<table>_<period>:
    # the week, season or days it covers (a forwarded file said only the day
    # it was downloaded), and the places chosen.
    subjects = {"en": ("temperature_", "tickets_", "fees_", "overview_"),
                "zh": ("室温_", "工单_", "收费_", "总览_")}
    for lang in ("en", "zh"):
        names = [name for name, _ in files(open_page(page, lang, **params)).values()]
        assert names, page
        for name in names:
            assert name.startswith(subjects[lang]), name
            assert re.fullmatch(rf"[^ ]+_{PERIOD}\.xlsx", name), name
            if lang == "en":
                assert re.fullmatch(rf"[a-z0-9_\-]+_{PERIOD}\.xlsx", name), name
            if params == WEEK:
                assert name.endswith("_2025-W50.xlsx"), name


def test_a_drill_down_file_names_its_level(demo_copy, files):
    got = files(open_page("pages/fees.py", "en", **WEEK))
    assert re.fullmatch(r"fees_by_station_2025-W50\.xlsx", got["collection_by"][0])
    got = files(open_page("pages/temperature.py", "zh"))
    assert re.fullmatch(rf"室温_下钻_按分公司_{PERIOD}\.xlsx", got["t_drill"][0])
    assert re.fullmatch(rf"室温_低温风险_{PERIOD}\.xlsx", got["t_risk"][0])


@pytest.mark.parametrize("title,stem", [
    ("Cold-day risk: expected indoor temperature at the design temperature",
     "Cold-day risk - expected indoor temperature at the design temperature"),
    ("低温风险:设计温度下的预计室温", "低温风险-设计温度下的预计室温"),
    ("Zone (high/low) <all>?", "Zone (high-low) all"),
    ("fees_daily_settlement_2026-03-18", "fees_daily_settlement_2026-03-18"),
    ("word " * 30, ("word " * 16).strip()),       # cut after a word, at 80 characters
])
def test_a_file_name_holds_no_character_a_disk_refuses(title, stem):
    assert tables.file_stem(title) == stem
    assert len(stem) <= tables.FILE_NAME_MAX


@pytest.mark.parametrize("lang, name, sheet", [
    ("en", r"fees_collection_rate_by_amount_numerator_2025-W50\.xlsx",
     "Collection rate by amount_Nume…"),
    ("zh", r"收费_收缴率\(金额\)_分子_2025-W50\.xlsx", "收缴率(金额)_分子"),
])
def test_the_rows_behind_a_number_are_named_as_every_download(demo_copy, files, lang, name,
                                                              sheet):
    # "Tickets received_Numerator_20261201.xlsx", "收缴率(金额)_分子_….xlsx":
    # no subject, spaces and capitals, unlike every other download.
    at = open_page("pages/fees.py", lang, **WEEK)
    at.toggle(key="fees_drill").set_value(True).run()
    got = files(at)
    file_name, book = got["fees_drill_rows"]
    assert re.fullmatch(name, file_name), file_name
    assert book.sheetnames[0].startswith(sheet.rstrip("…")[:20])


def test_a_download_says_what_it_covers(demo_copy, files):
    # A forwarded 收费_欠费最多用户_20261201.xlsx read as arrears on the day
    # it was downloaded, of the whole company or not: the name carries the
    # week and the places chosen, and a 说明 sheet says the period (to the
    # minute, for a period not over), the places and when it was made.
    at = open_page("pages/tickets.py", "zh", **WEEK, branch="张店分公司")
    got = files(at)
    name, book = got["unanswered"]
    assert name == "工单_漏件清单_2025-W50_张店分公司.xlsx", name
    assert book.sheetnames[-1] == "说明"
    about = dict(book["说明"].iter_rows(min_row=2, values_only=True))
    assert about["期间"] == "2025年12月8日 – 2025年12月14日"
    assert about["范围"] == "张店分公司" and about["表格"]
    en = files(open_page("pages/tickets.py", "en", **WEEK))["unanswered"]
    about = dict(en[1]["About"].iter_rows(min_row=2, values_only=True))
    assert about["Covers"] == "The whole company" and about["Period"] == "8 Dec 2025 – 14 Dec 2025"
