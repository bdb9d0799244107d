"""What the cells of the dashboard's tables read, through AppTest on a copy of
the demo warehouse: an empty cell is empty (not the word "None") while the
.xlsx keeps it empty; an anonymous complaint's name and phone say so; list
values from the source systems in the user's language; numbers grouped by
thousands; overdue times in days; rate changes in percentage points; the
overview's lists downloaded whole."""
from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from i18n import t
from metrics.display import changes
from page_testing import (APP, cell_texts, column_settings, demo_copy,  # noqa: F401
                          downloads, open_page, shown_text, table)
from ui import db, fmt
from ui.tables import on_screen

WEEK = {"season": "2025-2026", "period": "week", "week": "2025-W50"}


def placeholders(at: AppTest) -> list[str]:
    """What each table of the page shows in an empty cell."""
    return [df.proto.placeholder for df in at.dataframe]


def sheet(data: bytes) -> list[tuple]:
    """The first sheet of an .xlsx: its header row, then its rows, as read."""
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return [tuple(r) for r in book.worksheets[0].iter_rows(values_only=True)]


def download_of(files: dict[str, bytes], key: str) -> list[tuple]:
    """The workbook of the download button whose key is `key`_xlsx."""
    found = [v for k, v in files.items() if k.split(":", 1)[0] == f"{key}_xlsx"]
    assert len(found) == 1, list(files)
    return sheet(found[0])


# --- 1. empty cells ---------------------------------------------------------------------

@pytest.mark.parametrize("page,params", [
    ("pages/overview.py", {}),
    ("pages/tickets.py", WEEK),
    ("pages/fees.py", WEEK),
    ("pages/temperature.py", {}),
])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_empty_cell_is_empty_on_every_dashboard_table(demo_copy, page, params, lang):
    at = open_page(page, lang, **params)
    shown = placeholders(at)
    assert shown and set(shown) == {fmt.EMPTY}, shown


def test_a_ticket_closed_without_result_has_no_overdue_time_but_an_empty_cell(demo_copy,
                                                                              downloads):
    at = open_page("pages/tickets.py", **WEEK)
    listed = table(at, "原因")
    no_result = listed[listed["原因"] == "已办结无处理结果"]
    assert len(no_result)
    overdue = [c for c in listed.columns if c.startswith("超期")]
    assert overdue and no_result[overdue[0]].isna().all()
    # the download holds a real empty cell there, not the placeholder
    rows = download_of(downloads(at), "unanswered")
    header, body = rows[0], rows[1:]
    col, reason = header.index(overdue[0]), header.index("原因")
    cells = [r[col] for r in body if r[reason] == "已办结无处理结果"]
    assert cells and all(c is None for c in cells)


def test_an_anonymous_complaints_empty_cells_say_so():
    df = pd.DataFrame({"ticket_no": ["T1", "T2", "T3"], "anonymous": [True, False, False],
                       "caller_name": [None, None, "张三"], "phone": [None, None, "138****1234"]})
    cols = ["ticket_no", "caller_name", "phone"]
    shown = df[cols].rename(columns={"caller_name": "来电人", "phone": "联系电话"})
    out = on_screen(shown, df, "zh", cols)
    # T2 named nobody: its cell stays empty (missing data, not anonymity)
    assert out["来电人"].tolist()[::2] == ["匿名", "张三"] and pd.isna(out["来电人"].iloc[1])
    assert on_screen(shown, df, "en", cols)["联系电话"].tolist()[::2] == ["Anonymous", "138****1234"]


@pytest.mark.parametrize("lang,word", [("zh", "匿名"), ("en", "Anonymous")])
def test_an_anonymous_complainer_reads_as_anonymous(demo_copy, downloads, lang, word):
    at = open_page("pages/tickets.py", lang, **WEEK)
    caller, phone, number = (("来电人", "联系电话", "工单编号") if lang == "zh" else
                             ("Caller", "Phone", "Ticket number"))
    con = db.connection()
    anonymous = {r[0] for r in con.execute("SELECT ticket_no FROM tickets WHERE anonymous").fetchall()}
    listed = next(df.value for df in at.dataframe
                  if caller in df.value.columns and df.value[number].isin(anonymous).any())
    rows = listed[listed[number].isin(anonymous)]
    for col in (caller, phone):
        assert set(rows[col]) == {word}, set(rows[col])
    named = listed[~listed[number].isin(anonymous)]
    assert word not in set(named[caller]) | set(named[phone])
    # the file keeps the cells empty
    body = download_of(downloads(at), "unanswered")
    header, body = body[0], body[1:]
    no, name_col = header.index(number), header.index(caller)
    assert all(r[name_col] is None for r in body if r[no] in anonymous)
    # and says whether a ticket is anonymous in words (it read TRUE/FALSE)
    flag = header.index("是否匿名" if lang == "zh" else "Anonymous")
    yes, no_word = ("是", "否") if lang == "zh" else ("Yes", "No")
    assert {r[flag] for r in body if r[no] in anonymous} == {yes}
    assert {r[flag] for r in body if r[no] not in anonymous} == {no_word}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_load_history_and_the_audit_log_show_empty_cells(demo_copy, lang):
    at = open_page("pages/data.py", lang)
    assert placeholders(at) == [fmt.EMPTY] * 2     # the load history, the rejected rows
    at.switch_page("pages/audit.py").run()
    assert not at.exception
    assert placeholders(at) == [fmt.EMPTY]


# --- 5. the overview's lists download whole ---------------------------------------------

def test_the_overviews_lists_download_every_row(demo_copy, downloads):
    from metrics import action_list
    from page_testing import filters_of
    from ui import db

    at = open_page("pages/overview.py")
    period, filters = filters_of(at)
    con = db.connection()
    unanswered = action_list(con, "unanswered_tickets", period, filters)
    arrears = action_list(con, "arrears", period, filters)
    # the fee season's bills: what the 欠费金额 card beside the list sums
    arrears = arrears[arrears["season"] == period.fee_season]
    assert len(unanswered) > 5 and len(arrears) > 5
    assert len(table(at, "原因")) == 5                         # the screen: the first five
    files = downloads(at)
    rows = download_of(files, "o_unanswered")
    assert [r[0] for r in rows[1:]] == unanswered["ticket_no"].tolist()
    reasons = [r[rows[0].index("原因")] for r in rows[1:]]
    assert set(reasons) <= {"超期未办结", "已办结无处理结果", "超期未办结(往季遗留)",
                            "已办结无处理结果(往季遗留)"}
    # the carried-over ones marked, as many as the list holds
    assert sum(x.endswith("(往季遗留)") for x in reasons) == int(unanswered["carried_over"].sum())
    rows = download_of(files, "o_arrears")
    assert [r[0] for r in rows[1:]] == arrears["household_id"].tolist()
    # each button says how much it holds
    labels = {b.proto.id.rsplit("-", 1)[-1]: b.proto.label for b in at.get("download_button")}
    assert f"{len(unanswered):,}" in labels["o_unanswered_xlsx"]
    assert f"{len(arrears):,}" in labels["o_arrears_xlsx"]


def formats(at: AppTest, header: str, *also: str) -> str | None:
    """The number format the page gave the column `header` of its first table
    having it (and the columns `also`)."""
    for df in at.dataframe:
        if {header, *also} <= set(df.value.columns):
            return column_settings(df, header).get("type_config", {}).get("format")
    raise AssertionError(header)


# --- 3. a rate's change in percentage points --------------------------------------------

@pytest.mark.parametrize("lang,unit,columns", [
    ("zh", "个百分点", [("较上季同期(金额,百分点)", "收缴率(金额)", "上季同期收缴率(金额)"),
                      ("较上季同期(户数,百分点)", "收缴率(户数)", "上季同期收缴率(户数)")]),
    ("en", "pp", [("Change vs last season (amount, pp)", "Collection rate (amount)",
                   "Same point last season (amount)"),
                  ("Change vs last season (households, pp)", "Collection rate (households)",
                   "Same point last season (households)")])])
def test_a_stations_change_in_collection_rate_reads_in_points(demo_copy, lang, unit, columns):
    # Both rates, by amount and by households, beside the same point of last
    # season (DESIGN 2.3; the households rate had no comparison per station).
    at = open_page("pages/fees.py", lang, **WEEK)
    for header, rate, last in columns:
        shown = table(at, header)
        assert shown[header].notna().any()
        assert shown[header].tolist() == pytest.approx(
            (changes("percent", shown[rate], shown[last]) * 100).tolist(), nan_ok=True)
        # signed, in points (not "%"), a change that rounds to zero without a sign
        grid = next(d for d in at.dataframe if header in d.value.columns)
        for value, text in zip(shown[header], cell_texts(grid, header)):
            if pd.notna(value):
                size = f"{abs(value):.1f}"
                sign = "" if float(size) == 0 else "+" if value > 0 else "-"
                assert text == f"{sign}{size} {unit}", (value, text)


# --- 4. thousands grouped, money to the fen -----------------------------------------------

def test_counts_and_money_are_grouped_by_thousands(demo_copy):
    from metrics.display import column_label
    AMOUNT = column_label("amount")
    at = open_page("pages/overview.py")
    # money as in every table: under a header naming 元, without ¥ (the
    # overview's and the temperature page's had it, the fees page's not)
    assert formats(at, "欠费金额(元)") == "%,.2f"
    at = open_page("pages/temperature.py")
    # the drill-down's first level: readings per branch, in the thousands
    level = next(df.value for df in at.dataframe if {"分公司", "全部记录"} <= set(df.value.columns))
    assert level["全部记录"].max() >= 1000
    assert formats(at, "全部记录", "分公司") == "%,d"
    at = open_page("pages/fees.py", **WEEK)
    assert formats(at, AMOUNT) == "%,.2f"         # receipts without an invoice number
    assert formats(at, "收据号") is None            # identifiers as they are written
    assert formats(at, "来源行号") is None
    at = open_page("pages/data.py")
    assert formats(at, "读取") == "%,d"


# --- 2. source-system values in the user's language ------------------------------------------

CJK = __import__("re").compile(r"[\u4e00-\u9fff]")


def test_an_english_list_shows_categories_channels_and_types_in_english(demo_copy, downloads):
    at = open_page("pages/tickets.py", "en", **WEEK)
    listed = table(at, "Reason")
    assert len(listed)
    for col in ("Category", "Channel"):
        assert not [v for v in listed[col].dropna() if CJK.search(v)], col
    repeat = table(at, "Complaints within the window")
    assert "Complaint" in set(repeat["Category"])
    assert not [v for v in repeat["Channel"].dropna() if CJK.search(v)]
    # the download as well
    rows = download_of(downloads(at), "unanswered")
    col = rows[0].index("Category")
    assert {r[col] for r in rows[1:]} <= {t(f"page.tickets.category.{c}", "en")
                                          for c in ("咨询", "报修", "抢修", "投诉", "举报", "建议")}

    at = open_page("pages/fees.py", "en", **WEEK)
    debtors = table(at, "Customer type")
    assert set(debtors["Customer type"].dropna()) <= {"Residential", "Non-residential",
                                                      "Bungalow"}
    assert "Non-residential" in set(debtors["Customer type"])
    receipts = table(at, "Receipt number")
    assert len(receipts)
    assert not [v for v in receipts["Payment method"].dropna() if CJK.search(v)]


def test_a_chinese_list_keeps_the_source_values(demo_copy):
    at = open_page("pages/tickets.py", **WEEK)
    assert set(table(at, "原因")["工单类型"]) <= {"咨询", "报修", "抢修", "投诉", "举报", "建议"}


# --- 6. overdue in days ---------------------------------------------------------------------

@pytest.mark.parametrize("lang,header,unit", [("zh", "超期天数", "天"), ("en", "Days overdue", "d")])
def test_overdue_time_reads_in_days_and_sorts_by_it(demo_copy, downloads, lang, header, unit):
    from metrics import action_list
    from page_testing import filters_of
    from ui import db

    at = open_page("pages/tickets.py", lang, **WEEK)
    period, filters = filters_of(at)
    hours = action_list(db.connection(), "unanswered_tickets", period, filters)["hours_overdue"]
    assert hours.max() > 48
    listed = table(at, header)
    assert listed[header].tolist() == pytest.approx((hours / 24).round(1).tolist(), nan_ok=True)
    assert listed[header].dtype.kind == "f"          # a number: sorts by the real duration
    assert formats(at, header) == f"%,.1f {unit}"
    # the overview's list and both downloads too
    rows = download_of(downloads(at), "unanswered")
    col = rows[0].index(header)
    assert [r[col] for r in rows[1:]] == pytest.approx(
        [None if pd.isna(h) else round(h / 24, 1) for h in hours])
    at = open_page("pages/overview.py", lang)
    assert formats(at, header) == f"%,.1f {unit}"
    files = downloads(at)
    assert header in download_of(files, "o_unanswered")[0]


# --- 7. cards that fit a 1366-px laptop ----------------------------------------------------

def card_rows(at: AppTest) -> list[int]:
    """How many columns each row of KPI cards has."""
    rows = []

    def walk(node) -> None:
        kids = list(getattr(node, "children", {}).values())
        if kids and all(getattr(k, "type", "") == "column" for k in kids) and any(
                _has_metric(k) for k in kids):
            rows.append(len(kids))
            return
        for k in kids:
            walk(k)

    walk(at._tree)
    return rows


def _has_metric(node) -> bool:
    if getattr(node, "type", "") == "metric":
        return True
    return any(_has_metric(k) for k in getattr(node, "children", {}).values())


@pytest.mark.parametrize("page,most", [("pages/tickets.py", 3), ("pages/fees.py", 2)])
def test_kpi_cards_come_few_enough_a_row_to_fit_a_laptop(demo_copy, page, most):
    at = open_page(page, "en", **WEEK)
    rows = card_rows(at)
    assert rows and max(rows) <= most, rows
    assert len(at.metric) in (11, 4)   # every headline card is drawn


# --- 8. a reading's source file and row in sight ----------------------------------------------

def test_a_readings_source_file_and_row_come_right_after_its_time(demo_copy):
    at = open_page("pages/temperature.py", season="2025-2026", period="week", week="2026-W03",
                   station="般阳路换热站", d_branch="淄川分公司", d_station="般阳路换热站",
                   d_community="昆仑小区", d_building="16号楼")
    homes = next(df.value for df in at.dataframe if {"户号", "计入达标率的记录"} <= set(df.value.columns))
    at.selectbox(key="t_drill_household").set_value(homes.iloc[0]["户号"]).run()
    assert not at.exception
    rows = table(at, "来源文件")
    assert len(rows) and list(rows.columns[:3]) == ["测温时间", "来源文件", "来源行号"]


# --- 9. times as they were recorded ----------------------------------------------------------

def test_a_date_without_a_time_of_day_reads_as_a_date(demo_copy):
    # Receipts are exported with their date only (stored at 00:00): the page
    # header said "收费数据 · 数据截至 2026年3月15日 00:00", as if nothing of
    # the 15th were loaded, and the receipts "2025年11月15日 00:00".
    at = open_page("pages/fees.py", **WEEK)
    paid = next(df for df in at.dataframe if "缴费日期" in df.value.columns)
    config = column_settings(paid, "缴费日期")
    assert config["type_config"]["format"] == "YYYY年M月D日", config
    shown = shown_text(at)
    assert "数据截至 2026年3月15日" in shown and "2026年3月15日 00:00" not in shown
    # a reading's time keeps its time of day, in a column wide enough for it
    # (the grid cut "2025年11月25日 16:05" to "… 16:0")
    at = open_page("pages/temperature.py", season="2025-2026", period="week", week="2026-W03",
                   station="般阳路换热站", d_branch="淄川分公司", d_station="般阳路换热站",
                   d_community="昆仑小区", d_building="16号楼")
    homes = next(df.value for df in at.dataframe if {"户号", "计入达标率的记录"} <= set(df.value.columns))
    at.selectbox(key="t_drill_household").set_value(homes.iloc[0]["户号"]).run()
    rows = next(df for df in at.dataframe if "来源文件" in df.value.columns)
    config = column_settings(rows, "测温时间")
    assert config["type_config"]["format"] == "YYYY年M月D日 HH:mm"
    assert config["width"] >= 8 * len("2025年11月25日 16:05") + 8 * 3 + 32


@pytest.mark.parametrize("lang, text", [("zh", "2026年3月15日"), ("en", "15 Mar 2026")])
def test_event_time_leaves_out_a_midnight_only(lang, text):
    import datetime as dt
    assert fmt.event_time(dt.datetime(2026, 3, 15), lang) == text
    assert fmt.event_time(dt.datetime(2026, 3, 15, 0, 1), lang) == fmt.datetime(
        dt.datetime(2026, 3, 15, 0, 1), lang)
    assert fmt.event_time(None, lang) == fmt.EMPTY


def test_a_list_of_seasons_is_written_as_the_language_lists():
    # The fees page's 欠费户 table and its download said "2024-2025、2025-2026"
    # in English.
    from metrics.display import translate_values
    df = pd.DataFrame({"seasons": ["2024-2025、2025-2026", "2025-2026"]})
    assert translate_values(df, "en")["seasons"].tolist() == ["2024-2025, 2025-2026", "2025-2026"]
    assert translate_values(df, "zh")["seasons"].tolist() == df["seasons"].tolist()
