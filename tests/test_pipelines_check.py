"""The check before a load (Plan.check, through plan_remembered, as the upload
desk runs it): a file is refused up front exactly when its load refuses it for
no data rows, formula cells without a value or amounts of an unclear unit, in
the load's own words; and the preview staged by the loader (Plan.read_preview)
reads times as the load does."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from made_files import bills_with_formulas, saved_in_excel, xlsx
from pipelines.errors import PipelineError
from pipelines.load import load_file, plan_file
from pipelines.mappings import plan_remembered
from pipelines.warehouse import connect

DATA = Path(__file__).parent / "data"
HEADER = ["户号", "测温时间", "室内温度(℃)", "室外温度(℃)", "用户签字"]
CHECKED = ("no_rows", "uncomputed_formulas", "amount_unit_unclear")


def _temperature(path: Path, rows: list, header: list = HEADER) -> Path:
    return xlsx(path, header, rows)


def _bills(path: Path, cached=None, recalc: bool = True) -> Path:
    """Amounts due as formulas (without a stored result unless `cached`), a
    formula in a column not loaded, a 合计 row whose SUM has no stored result;
    with `recalc=False`, as saved in Excel."""
    made = bills_with_formulas(path, cached)
    return made if recalc else saved_in_excel(made, path.with_name("saved_" + path.name))


def _wan_yuan_title(path: Path) -> Path:
    """A title giving the amounts in 万元 over an amount header without a unit."""
    return xlsx(path, ["户号", "供暖季", "收费面积", "应收金额"], [["001", "2025-2026", 80, 0.184]],
                title="收费台账(金额单位:万元)")


def _files(tmp: Path) -> list[Path]:
    blanks = [[None] * 5] * 150
    return [
        *sorted((DATA / "pipelines").glob("temperature_*.xlsx")),
        DATA / "pipelines" / "tickets.ods", DATA / "pipelines" / "payments_gbk.csv",
        DATA / "ui" / "temperature_new.xlsx",
        _temperature(tmp / "formulas.xlsx", [["00101", "2025-11-16 08:00", "=18+1", 2, "√"],
                                             ["00102", "2025-11-16 09:00", 19.5, "=A1", "√"]]),
        # a formula without its value in free text only: loads (empty)
        _temperature(tmp / "note_formula.xlsx", [["00101", "2025-11-16 08:00", 19, 2, "√", "=A1"]],
                     HEADER + ["备注"]),
        _temperature(tmp / "late_row.xlsx", blanks + [["00101", "2025-11-16 08:00", 19, 2, "√"]]),
        _temperature(tmp / "totals_only.xlsx", [["合计", None, None, None, None],
                                                ["制表人：张三", None, None, None, None]]),
        _temperature(tmp / "blank_rows.xlsx", blanks),
        _bills(tmp / "bills.xlsx"),
        _wan_yuan_title(tmp / "wan.xlsx"),
        _bills(tmp / "computed.xlsx", cached=1840, recalc=False),
    ]


def test_the_check_refuses_exactly_what_the_load_refuses_for_it_in_its_words(tmp_path):
    con = connect(":memory:")
    try:
        for path in _files(tmp_path):
            for lang in ("zh", "en"):
                try:
                    plan_remembered(con, path)
                    refused = None
                except PipelineError as exc:
                    refused = (exc.code, exc.message(lang))
                report = load_file(connect(":memory:"), path, lang=lang)
                expected = (report.error_code, report.error) \
                    if report.error_code in CHECKED else None
                assert refused == expected, (path.name, lang, refused, report.error)
    finally:
        con.close()


def test_the_check_names_the_cells_as_the_load_does(tmp_path):
    path = _bills(tmp_path / "bills.xlsx")
    with pytest.raises(PipelineError) as caught:
        plan_remembered(connect(":memory:"), path)
    # E2-E4 only: not the unloaded 备注 column (F), not the 合计 row's SUM (C5)
    assert caught.value.params["cells"] == ["E2", "E3", "E4"]
    assert caught.value.params["n"] == 3


def test_the_preview_reads_times_as_the_load_does(tmp_path):
    path = _temperature(tmp_path / "times.xlsx", [
        ["00101", 45977.3416, 19, 2, "√"],                   # a serial number
        ["00102", dt.datetime(2025, 12, 1, 8, 5), 19, 2, "√"],   # a date cell
        ["00103", "2025年12月1日 8点05分", 19, 2, "√"],         # words
        ["00104", "12月8日 8:30", 19, 2, "√"],                 # no year: rejected
        ["00105", "45977.3416.1", 19, 2, "√"],                # no time at all
    ])
    con = connect(":memory:")
    shown = [r["measured_at"] for r in plan_file(path).read_preview(con, 10)]
    assert shown == [dt.datetime(2025, 11, 16, 8, 11, 54), dt.datetime(2025, 12, 1, 8, 5),
                     dt.datetime(2025, 12, 1, 8, 5), "12月8日 8:30", "45977.3416.1"]
    load_file(con, path)
    assert [r[0] for r in con.execute("SELECT measured_at FROM temperature_readings "
                                      "ORDER BY household_id").fetchall()] == shown[:3]


def test_the_preview_joins_a_date_and_a_time_of_day_in_two_columns(tmp_path):
    path = xlsx(tmp_path / "two.xlsx",
                ["户号", "测温日期", "测温时间", "室内温度(℃)", "室外温度(℃)", "用户签字"],
                [["00101", "2025/12/1", "8:05", 19, 2, "√"]])
    [row] = plan_file(path).read_preview(connect(":memory:"), 10)
    assert row["measured_at"] == dt.datetime(2025, 12, 1, 8, 5)
