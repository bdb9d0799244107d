"""Property tests: every parser, and the whole pipeline on random cell garbage,
never raise, and every row read is either loaded or rejected with a reason."""
from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.fields import NO_WORDS, YES_WORDS
from pipelines.header import find_header
from pipelines.load import load_file
from pipelines.read import RawSheet
from pipelines.stage import install_macros
from pipelines.warehouse import connect

FAST = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def sql():
    con = duckdb.connect()
    install_macros(con)
    yield lambda expr, *values: con.execute(f"SELECT {expr}", list(values)).fetchone()[0]
    con.close()


cell_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30)
moments = st.datetimes(min_value=dt.datetime(2000, 1, 2), max_value=dt.datetime(2099, 12, 30)
                       ).map(lambda d: d.replace(second=0, microsecond=0))
FORMATS = ["%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y年%m月%d日 %H:%M", "%Y-%m-%d %H:%M:%S",
           "%Y.%m.%d %H:%M", "%Y年%m月%d日 %H时%M分"]


@FAST
@given(moments, st.sampled_from(FORMATS), st.booleans())
def test_every_time_format_round_trips(sql, moment, fmt, strip_zeros):
    text = moment.strftime(fmt)
    if strip_zeros:  # exports write 2025/1/6 8:05 as often as 2025/01/06 08:05
        text = text.replace("/0", "/").replace(" 0", " ")
    assert sql("heat_ts(?)", text) == moment


@FAST
@given(moments)
def test_excel_serials_round_trip(sql, moment):
    serial = (moment - dt.datetime(1899, 12, 30)).total_seconds() / 86400
    assert sql("heat_ts(?)", repr(serial)) == moment


@FAST
@given(st.decimals(min_value=-99999, max_value=99999, places=2),
       st.sampled_from(["{}", "{}℃", "¥{}", "￥{}元", "{}㎡", " {} ", "{}°C"]),
       st.booleans())
def test_numbers_with_units_and_separators(sql, number, template, thousands):
    text = f"{number:,.2f}" if thousands else f"{number:.2f}"
    assert sql("heat_num(?)", template.format(text)) == pytest.approx(float(number))


DIGITS = "零一二三四五六七八九"


def _chinese(n: int) -> str:
    """0..99 as written in Chinese numerals: 十八, 二十三, 十, 七."""
    tens, units = divmod(n, 10)
    if not tens:
        return DIGITS[units]
    return (DIGITS[tens] if tens > 1 else "") + "十" + (DIGITS[units] if units else "")


@FAST
@given(st.integers(0, 99), st.one_of(st.none(), st.integers(0, 9)), st.booleans(),
       st.sampled_from(["{}", "{}度", "{}℃"]))
def test_chinese_numerals_are_read_exactly(sql, whole, tenth, below_zero, template):
    text = _chinese(whole) + ("" if tenth is None else "点" + DIGITS[tenth])
    value = whole + (tenth or 0) / 10
    if below_zero:
        text, value = "零下" + text, -value
    assert sql("heat_num(?)", template.format(text)) == pytest.approx(value)


@FAST
@given(st.decimals(min_value=0, max_value=99999, places=2), st.booleans(),
       st.sampled_from(["({})", "¥({})", "({})元", "( {} )"]))
def test_accounting_brackets_negate_an_amount(sql, number, thousands, template):
    # (Full-width brackets become these by NFKC before staging reads a cell.)
    text = f"{number:,.2f}" if thousands else f"{number:.2f}"
    assert sql("heat_amount(?)", template.format(text)) == pytest.approx(-float(number))
    assert sql("heat_num(?)", template.format(text)) is None   # not in other numbers


@FAST
@given(st.integers(2000, 2098), st.sampled_from(["-", "—", "~", "/", "至", "年-"]),
       st.booleans())
def test_seasons(sql, year, sep, short):
    end = str(year + 1)[2:] if short else str(year + 1)
    assert sql("heat_season(?)", f"{year}{sep}{end}") == f"{year}-{year + 1}"


@FAST
@given(cell_text)
def test_parsers_never_raise_on_garbage(sql, text):
    sql("heat_ts(?)", text)
    sql("heat_num(?)", text)
    sql("heat_season(?)", text)


@FAST
@given(st.lists(cell_text.filter(lambda s: s.strip() and "合计" not in s), min_size=0, max_size=4),
       st.permutations(["户号", "测温时间", "室内温度", "用户签字", "测温人", "备注"]))
def test_header_found_below_any_title_rows(titles, labels):
    rows = [[t] for t in titles] + [list(labels), ["001", "2025-11-16", "18", "√", "李", ""]]
    width = len(labels)
    cols = {f"c{i}": pa.array([r[i] if i < len(r) else None for r in rows], pa.string())
            for i in range(width)}
    cols["_row"] = pa.array(range(1, len(rows) + 1), pa.int64())
    header = find_header(RawSheet("s", pa.table(cols)))
    assert header is not None and header.last_row == len(titles) + 1
    assert header.labels == list(labels)


garbage_cell = st.one_of(
    cell_text, st.floats(allow_nan=True, allow_infinity=True).map(repr),
    moments.map(lambda d: d.strftime("%Y/%m/%d %H:%M")), st.sampled_from(YES_WORDS + NO_WORDS),
    st.just(""), st.sampled_from(["合计", "17.5℃", "185", "-45", "2025-13-45", "001"]))
garbage_rows = st.lists(st.lists(garbage_cell, min_size=5, max_size=5), min_size=1, max_size=25)
HEADER = ["户号", "测温时间", "室内温度", "室外温度", "用户签字"]


def _accounted(con, report) -> None:
    assert report.status in ("loaded", "failed")
    if report.status == "failed":
        assert report.error_code in ("no_rows",), report.error
        return
    assert report.rows_read == (report.rows_inserted + report.rows_updated
                                + report.rows_unchanged + report.rows_rejected)
    loaded = {r[0] for r in con.execute("SELECT source_row FROM temperature_readings").fetchall()}
    rejected = {r.row for r in report.rejects}
    assert not loaded & rejected
    assert len(loaded) + len(rejected) == report.rows_read
    assert all(r.reason for r in report.rejects)


@settings(max_examples=40, deadline=None)
@given(garbage_rows)
def test_pipeline_on_random_csv_garbage(rows):
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows([[c.replace("\n", " ").replace("\r", " ") for c in r] for r in rows])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "garbage.csv"
        path.write_text(text.getvalue(), encoding="utf-8")
        con = connect(":memory:")
        try:
            _accounted(con, load_file(con, path))
        finally:
            con.close()


@settings(max_examples=25, deadline=None)
@given(garbage_rows)
def test_pipeline_on_random_excel_garbage(rows):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "garbage.xlsx"
        wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False,
                                             "strings_to_formulas": False})
        ws = wb.add_worksheet()
        ws.write_row(0, 0, HEADER)
        for i, row in enumerate(rows, start=1):
            for j, cell in enumerate(row):
                ws.write_string(i, j, cell)
        wb.close()
        con = connect(":memory:")
        try:
            _accounted(con, load_file(con, path))
        finally:
            con.close()
