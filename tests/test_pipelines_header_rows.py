"""Rows under the header that belong to it: a row of units, and names under a
label merged over several columns (one field measured at several points)."""
from __future__ import annotations

import pyarrow as pa
import pytest

from pipelines.header import find_header
from pipelines.mapping import detect
from pipelines.fields import normalize_label
from pipelines.read import RawSheet


def _sheet(rows: list[list], merges: list | None = None) -> RawSheet:
    """Rows from Excel row 1; `merges` as the reader gives them (first row,
    first column c<i>, last row, last column)."""
    width = max(len(r) for r in rows)
    cols = {f"c{i}": pa.array([r[i] if i < len(r) else None for r in rows], pa.string())
            for i in range(width)}
    cols["_row"] = pa.array(range(1, len(rows) + 1), pa.int64())
    return RawSheet("s", pa.table(cols), merges=merges or [])


HEADER = ["户号", "测温时间", "室内温度", "室外温度", "用户签字"]
DATA = ["01010110101", "2025-11-28 09:00", "17", "1", "张三"]


@pytest.mark.parametrize("units", [
    [None, None, "(℃)", "(℃)", None],
    [None, None, "℃", "°C", None],
    [None, None, "单位:℃", "（℃）", None],
])
def test_a_row_of_units_is_part_of_the_header(units):
    # It was read as the first row of data: rejected (户号为空), said nowhere why.
    h = find_header(_sheet([HEADER, units, DATA]))
    assert (h.first_row, h.last_row) == (1, 2)
    assert h.labels[:2] + h.labels[4:] == HEADER[:2] + HEADER[4:]
    assert [normalize_label(x) for x in h.labels] == [normalize_label(x) for x in HEADER]
    assert detect(h.labels, "temperature").complete


def test_a_unit_row_of_wan_yuan_scales_the_amounts_as_its_header_would(con, tmp_path):
    # (万元) under 应收金额: joined to the header and dropped, 0.2133 loaded as
    # ¥0.2133 instead of ¥2,133.
    from made_files import xlsx
    from pipelines.load import load_file
    path = xlsx(tmp_path / "收费台账.xlsx", ["户号", "供暖季", "供热面积", "应收金额"],
                [[None, None, "(㎡)", "(万元)"], ["01010110101", "2025-2026", 92.7, 0.2133]])
    report = load_file(con, path)
    assert (report.status, report.rows_inserted, report.rows_rejected) == ("loaded", 1, 0)
    assert con.execute("SELECT amount_due FROM fee_bills").fetchone()[0] == pytest.approx(2133)


def test_names_under_a_merged_label_ask_which_column_is_the_field():
    # 室内温度 merged over 客厅 | 卧室: the first column was loaded as the
    # indoor temperature unsaid, and the row of names rejected as data.
    header = ["户号", "测温时间", "室内温度(℃)", None, "用户签字"]
    below = [None, None, "客厅", "卧室", None]
    h = find_header(_sheet([header, below, ["01010110101", "2025-11-28 09:00", "17", "19.5",
                                             "张三"]], merges=[(1, 2, 1, 3)]))
    assert (h.first_row, h.last_row) == (1, 2)
    assert h.labels == ["户号", "测温时间", "室内温度(℃)·客厅", "室内温度(℃)·卧室", "用户签字"]
    mapping = detect(h.labels, "temperature")
    assert not mapping.complete   # the user picks the column (mapping form / message)


@pytest.mark.parametrize("below", [
    DATA,                                                     # a row of data
    ["01010110101", None, None, None, None],                  # a sparse row of data
    [None, None, "17", "1", None],                            # numbers, no unit
    [None, None, "客厅", None, None],                          # a name under one column
])
def test_other_rows_below_are_data(below):
    h = find_header(_sheet([HEADER, below, DATA]))
    assert (h.first_row, h.last_row, h.labels) == (1, 1, HEADER)


def test_a_data_row_beside_an_unnamed_column_is_not_taken_for_names():
    # Text under a labelled column and the unlabelled one beside it, but also
    # under columns of their own: data, not names under a merged label.
    header = ["户号", "姓名", None, "测温时间", "室内温度"]
    row = ["0101", "张三", "备注", "2025-11-28 09:00", "17"]
    h = find_header(_sheet([header, row]))
    assert (h.last_row, h.labels) == (1, header)


def test_names_under_a_label_that_is_not_merged_are_data():
    header = ["户号", "测温时间", "室内温度(℃)", None, "用户签字"]
    h = find_header(_sheet([header, [None, None, "客厅", "卧室", None]]))
    assert (h.last_row, h.labels) == (1, header)


def test_a_first_row_of_text_under_a_merged_address_is_data():
    # 地址 merged over 小区 | 楼号 | 房号 values: the first row (its ID missing)
    # was taken into the header, read by no one, loaded and rejected by none.
    header = ["户号", "分公司", "供热站", "供热面积", "地址", None, None]
    h = find_header(_sheet([header, [None, None, None, None, "华光小区", "3号楼", "101"]],
                           merges=[(1, 4, 1, 6)]))
    assert (h.last_row, h.labels) == (1, header)
