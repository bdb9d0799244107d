"""The text parsers (SQL macros), header finding and column mapping, alone."""
from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow as pa
import pytest

from pipelines.errors import PipelineError
from pipelines.fields import DATASETS, normalize_label
from pipelines.header import find_header
from pipelines.mapping import detect, map_columns
from pipelines.read import RawSheet, decode_text
from pipelines.stage import install_macros


@pytest.fixture(scope="module")
def sql():
    con = duckdb.connect()
    install_macros(con)
    yield lambda expr, value: con.execute(f"SELECT {expr}(?)", [value]).fetchone()[0]
    con.close()


@pytest.mark.parametrize("text, expected", [
    ("45977.3416", dt.datetime(2025, 11, 16, 8, 11, 54)),   # Excel serial
    ("45977", dt.datetime(2025, 11, 16)),
    ("2025/11/16 8:05", dt.datetime(2025, 11, 16, 8, 5)),
    ("2025-11-16 08:05:00", dt.datetime(2025, 11, 16, 8, 5)),
    ("2025-1-6 8:05", dt.datetime(2025, 1, 6, 8, 5)),
    ("2025年11月16日", dt.datetime(2025, 11, 16)),
    ("2025年11月16日 8时05分", dt.datetime(2025, 11, 16, 8, 5)),
    ("2025.11.16", dt.datetime(2025, 11, 16)),
    ("20251116", dt.datetime(2025, 11, 16)),
    (" 2025-11-16  08:05 ", dt.datetime(2025, 11, 16, 8, 5)),
    ("2025-13-45", None),
    ("2025/02/30 9:00", None),
    ("明天", None),
    ("", None),
])
def test_timestamps(sql, text, expected):
    assert sql("heat_ts", text) == expected


@pytest.mark.parametrize("text, expected", [
    ("18", 18.0), ("17.5℃", 17.5), ("18°C", 18.0), ("−8.2", -8.2), ("-7.4", -7.4),
    ("–8.2", -8.2), ("—8.2", None),
    ("1,234.50", 1234.5), ("¥1,234.50", 1234.5), ("￥800元", 800.0), ("95.5㎡", 95.5),
    ("1，200", 1200.0), ("二百元", None), ("nan", None), ("inf", None), ("", None), ("待测", None),
    # a unit in words or in brackets, money in words around the number
    ("18.5摄氏度", 18.5), ("18.5(℃)", 18.5), ("18.5（℃）", 18.5), ("人民币1234.50元", 1234.5),
    ("1234.50元整", 1234.5), ("(℃)", None), ("整", None),
    # DuckDB's digit grouping: 1_8 read as 18 and 18_5 as 185
    ("1_8", None), ("18_5", None), ("1_000.50元", None),
])
def test_numbers(sql, text, expected):
    assert sql("heat_num", text) == expected


@pytest.mark.parametrize("text, expected", [
    ("2025-2026", "2025-2026"), ("2025—2026", "2025-2026"), ("2025~26", "2025-2026"),
    ("2025年-2026年", "2025-2026"), ("2025/2026采暖季", "2025-2026"), ("2025至2026年度", "2025-2026"),
    ("2025", None), ("2025-2027", None), ("二零二五", None),
])
def test_seasons(sql, text, expected):
    assert sql("heat_season", text) == expected


def _sheet(rows: list[list]) -> RawSheet:
    width = max(len(r) for r in rows)
    cols = {f"c{i}": pa.array([r[i] if i < len(r) else None for r in rows], pa.string())
            for i in range(width)}
    cols["_row"] = pa.array(range(1, len(rows) + 1), pa.int64())
    return RawSheet("s", pa.table(cols))


def test_header_below_title_rows():
    h = find_header(_sheet([["淄博开创热力有限公司 测温记录"], ["导出时间:2026-03-16"], [],
                            ["户号", "测温时间", "室温", "签字"], ["001", "2025-11-16", "18", "√"]]))
    assert (h.first_row, h.last_row, h.labels) == (4, 4, ["户号", "测温时间", "室温", "签字"])


def test_two_row_header_group_label_above():
    h = find_header(_sheet([["户号", "房屋信息", None, "供热面积"],
                            [None, "楼号", "单元", None],
                            ["001", "3号楼", "1", "90"]]))
    assert (h.first_row, h.last_row) == (1, 2)
    assert h.labels == ["户号", "楼号", "单元", "供热面积"]


def test_two_row_header_found_from_the_lower_row():
    h = find_header(_sheet([["基本信息", None, None, "测温信息", None, None],
                            ["户号", "小区", "楼号", "测温时间", "室温", "签字"],
                            ["001", "华光", "3", "2025-11-16", "18", "√"]]))
    assert (h.first_row, h.last_row) == (2, 2)


@pytest.mark.parametrize("group, below, labels", [
    # a time over its day and time of day: the time column keeps the field's
    # label, the day column is named for it, and the two are paired
    (["户号", "测温时间", None, "室温"], [None, "日期", "时间", None],
     ["户号", "测温日期", "测温时间", "室温"]),
    (["户号", "测温", None, "室温"], [None, "日期", "时间", None],
     ["户号", "测温日期", "测温时间", "室温"]),
    (["工单号", "受理时间", None, "类型"], [None, "日期", "时刻", None],
     ["工单号", "受理日期", "受理时间", "类型"]),
    (["户号", "测温时间", None, "室温"], [None, "日期(年-月-日)", "时间(时:分)", None],
     ["户号", "测温日期", "测温时间", "室温"]),
    (["Household ID", "Measured at", None, "Indoor"], [None, "Date", "Time", None],
     ["Household ID", "Measured at (Date)", "Measured at", "Indoor"]),
])
def test_two_row_header_with_a_day_and_a_time_below_one_label(group, below, labels):
    h = find_header(_sheet([group, below, ["001", "2025-11-16", "8:05", "18"]]))
    assert (h.first_row, h.last_row, h.labels, h.halves) == (1, 2, labels, {1: 2, 2: 1})


@pytest.mark.parametrize("below", [
    [None, "日期", None, None],             # a day alone: no pair of halves
    [None, "日期", "时间", "18"],           # something else in the row
    ["日期", "时间", None, None],           # a half under no label of its own
    [None, "日期", "日期", None],           # no time of day
])
def test_a_row_below_the_header_that_is_not_a_day_and_a_time_is_not_joined(below):
    h = find_header(_sheet([["户号", "测温时间", None, "室温"], below]))
    assert (h.first_row, h.last_row, h.halves) == (1, 1, {})


def test_no_header():
    assert find_header(_sheet([["项目", "预算"], ["差旅", "100"]])) is None


def test_label_normalisation():
    assert normalize_label(" 室内温度（℃） ") == "室内温度"
    assert normalize_label("Household_ID") == "householdid"


def test_detect_each_dataset_from_its_headers():
    assert detect(["收据号", "户号", "供暖季", "缴费日期", "实收金额"]).dataset == "fee_payments"
    assert detect(["户号", "供暖季", "应收金额", "收费面积"]).dataset == "fee_bills"
    assert detect(["用户编号", "检测时间", "测温值", "是否签字"]).dataset == "temperature_readings"
    assert detect(["服务单号", "来电时间", "诉求类型"]).dataset == "tickets"
    assert detect(["户号", "分公司", "换热站", "采暖面积"]).dataset == "households"
    assert detect(["Ticket No", "Received at", "Category"]).dataset == "tickets"


def test_detect_refuses_an_unrelated_sheet():
    with pytest.raises(PipelineError) as err:
        detect(["项目", "预算", "备注"])
    assert err.value.code == "unknown_kind"


def test_a_column_serves_one_field():
    m = map_columns(["户号", "联系电话", "电话"], "households")
    assert m.columns["phone"] == 1


def test_no_synonym_means_two_fields_in_one_dataset():
    for ds in DATASETS.values():
        seen: dict[str, str] = {}
        for f in ds.fields:
            for syn in f.synonyms:
                key = normalize_label(syn)
                assert seen.setdefault(key, f.name) == f.name, (ds.name, syn)


@pytest.mark.parametrize("data, text", [
    ("户号,室温\r\n".encode("utf-8"), "户号,室温\r\n"),
    (b"\xef\xbb\xbf" + "户号".encode("utf-8"), "户号"),
    ("户号,室温".encode("gbk"), "户号,室温"),
    ("户号".encode("utf-16"), "户号"),
    # a UTF-8 BOM over GBK text: its headers read as "����"
    (b"\xef\xbb\xbf" + "户号,室温".encode("gbk"), "户号,室温"),
])
def test_csv_encodings(data, text):
    assert decode_text(data) == text


@pytest.mark.parametrize("text, marked", [
    # Ordinary times: read as before, without the clock-word, weekday and
    # offset readings.
    ("2025-12-01 08:05", False), ("2025/12/1 9:05:30", False), ("2025年12月1日 10:05", False),
    ("2025.12.01", False), ("2025-12-01 下午2:05", False), ("46000.25", False),
    ("2025-12-01 08:05:00.250", False), ("20251201", False),
    # A clock in words, a weekday, an ISO offset.
    ("2025年12月1日 8点05分", True), ("2025年12月1日 8时", True), ("2025/12/01 星期一", True),
    ("2025/12/01 周一 8:05", True), ("2025-12-07 礼拜天", True), ("2025-12-01T08:05", True),
    ("2025-12-01 08:05Z", True), ("2025-12-01 08:05+0800", True),
    ("2025-12-01 08:05 -05:00", True), ("2025-12-01 08:05:00.250-05", True),
])
def test_only_times_written_in_words_or_with_an_offset_take_the_slower_reading(sql, text, marked):
    assert sql("heat_ts_marked", text) is marked


@pytest.mark.parametrize("text, expected", [
    ("2025-12-01 08:05 -05:00", dt.datetime(2025, 12, 1, 21, 5)),
    ("2025-12-01 08:05:00.250-05", dt.datetime(2025, 12, 1, 21, 5, 0, 250000)),
    ("2025-12-01 08:05 Z", dt.datetime(2025, 12, 1, 16, 5)),
    ("2025-12-01T08:05", dt.datetime(2025, 12, 1, 8, 5)),
    ("2025-12-01 下午2:05", dt.datetime(2025, 12, 1, 14, 5)),
])
def test_times_with_an_offset_after_a_space_or_a_fraction_are_read(sql, text, expected):
    assert sql("heat_ts", text) == expected


# heat_ts_fast reads the common forms cheaply; the loader reads what it leaves
# (NULL) with heat_ts. It must never read a cell otherwise than heat_ts does.
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_MOMENTS = st.datetimes(min_value=dt.datetime(1899, 1, 1), max_value=dt.datetime(2101, 1, 1))
_FORMS = st.sampled_from([
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
    "%Y/%m/%d", "%Y/%-m/%-d %-H:%M", "%Y-%m-%dT%H:%M:%S", "%Y.%m.%d %H:%M", "%Y年%m月%d日 %H:%M",
    "%Y-%m-%d %H:%M:%S.%f", "%Y%m%d", "%m/%d/%Y", "%Y-%m-%d  %H:%M", " %Y-%m-%d", "%Y-%m-%d 下午%I:%M",
])
_CELLS = st.one_of(
    st.builds(lambda m, f: m.strftime(f), _MOMENTS, _FORMS),
    st.floats(min_value=-10, max_value=3_000_000, allow_nan=False).map(lambda x: f"{x:.6f}"),
    st.integers(min_value=0, max_value=3_000_000).map(str),
    st.text(alphabet="0123456789-/:. T年月日时分点", max_size=20),
)


@pytest.fixture(scope="module")
def both():
    con = duckdb.connect()
    install_macros(con)
    yield lambda s: con.execute(
        "SELECT heat_ts_fast(?, TIMESTAMP '1899-12-30'), heat_ts(?)", [s, s]).fetchone()
    con.close()


@settings(max_examples=400, deadline=None)
@given(_CELLS)
def test_the_fast_reading_of_a_time_is_none_or_the_full_reading(both, cell):
    fast, full = both(cell)
    assert fast is None or fast == full, (cell, fast, full)


def test_the_fast_reading_reads_the_common_forms(both):
    for cell in ("45977.3416", "2025-11-16 08:05:00", "2025/11/16 8:05", "2025-11-16"):
        fast, full = both(cell)
        assert fast is not None and fast == full, cell


# Staging reads most cells by a cheap test of their first and last character
# and runs the regular expressions (or trim() with a set of characters) only on
# the others. Those shortcuts must never read a cell otherwise.
_EDGES = st.text(alphabet=list("0123456789.eE+-/\\—–―─'=\"#: 号楼户张") + [
    " ", "\t", "\n", "\r", "\x0b", "\x01", "\x7f", "\u3000", "\u00a0", "\u200b", "\u2060",
    "\ufeff", "\u2028", "\u00ad", "\u2005", "\u1680", "\u0085"], max_size=8)


@pytest.fixture(scope="module")
def shortcut():
    from pipelines.stage import BLANK_CHARS, QUOTED_ID, _blank, _id, _Sql, _text
    con = duckdb.connect()
    install_macros(con)
    q = _Sql()
    quick = f"SELECT heat_cell($s), {_text(q, '$s')}, {_id(q, '$s')}, {_blank('$s')}"
    full = (f"SELECT heat_blank(heat_clean($s)), NULLIF(trim($s, $blank), ''), "
            f"NULLIF(regexp_replace(regexp_replace($s, $quoted, '\\1\\2'), '\\.0$', ''), ''), "
            f"NULLIF(trim($s), '') IS NULL")
    yield lambda s: (con.execute(quick, {"s": s, **q.params}).fetchone(),
                     con.execute(full, {"s": s, "blank": BLANK_CHARS,
                                        "quoted": QUOTED_ID}).fetchone())
    con.close()


@settings(max_examples=500, deadline=None)
@given(_EDGES)
def test_the_shortcuts_of_staging_read_a_cell_as_the_full_expressions_do(shortcut, cell):
    quick, full = shortcut(cell)
    assert quick == full, (cell, quick, full)


@pytest.mark.parametrize("cell", ["", "-", "—", "/", "-5.3", " 18 ", "\u3000张三\u200b", "'0101",
                                  "\u3000", "\u00a0 ", "\t",
                                  '="0101"', "0101.0", "1.0.0", "张三", None])
def test_the_shortcuts_of_staging_on_chosen_cells(shortcut, cell):
    quick, full = shortcut(cell)
    assert quick == full
