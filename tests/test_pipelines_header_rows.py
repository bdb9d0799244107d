"""Rows under the header that belong to it: a row of units, and names under a
label merged over several columns (one field measured at several points)."""
from __future__ import annotations

import pyarrow as pa
import pytest

from pipelines.header import find_header
from pipelines.mapping import detect
from pipelines.read import RawSheet


def _sheet(rows: list[list]) -> RawSheet:
    width = max(len(r) for r in rows)
    cols = {f"c{i}": pa.array([r[i] if i < len(r) else None for r in rows], pa.string())
            for i in range(width)}
    cols["_row"] = pa.array(range(1, len(rows) + 1), pa.int64())
    return RawSheet("s", pa.table(cols))


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
    assert (h.first_row, h.last_row, h.labels) == (1, 2, HEADER)


def test_names_under_a_merged_label_ask_which_column_is_the_field():
    # 室内温度 merged over 客厅 | 卧室: the first column was loaded as the
    # indoor temperature unsaid, and the row of names rejected as data.
    header = ["户号", "测温时间", "室内温度(℃)", None, "用户签字"]
    below = [None, None, "客厅", "卧室", None]
    h = find_header(_sheet([header, below, ["01010110101", "2025-11-28 09:00", "17", "19.5",
                                             "张三"]]))
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
