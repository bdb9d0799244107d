"""Workbooks as staff keep them: which sheet of several is loaded (a summary
sheet before the details, a hidden sheet of old data, one sheet per branch)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from made_files import ods, xlsx
from pipelines.load import load_file
from pipelines.warehouse import connect

ROSTER = ["户号", "分公司", "供热站", "小区", "供热面积"]


def _roster_rows(prefix: str, n: int, branch: str) -> list[list]:
    return [[f"{prefix}{i:05d}", branch, f"{branch[:2]}一站", "华光小区", 80 + i]
            for i in range(1, n + 1)]


def _workbook(path: Path, sheets: list[tuple[str, list[list]]], hidden: tuple[str, ...] = (),
              active: int = 0) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets:
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
        if title in hidden:
            ws.sheet_state = "hidden"
    wb.active = active
    wb.save(path)
    return path


def _ids(con) -> list[str]:
    return [i for (i,) in con.execute("SELECT household_id FROM households ORDER BY 1").fetchall()]


def test_a_summary_sheet_before_the_details_is_passed_over(con, tmp_path):
    # 汇总 names 分公司, 供热站, 供热面积 but no 户号: no roster; 明细 is one.
    path = _workbook(tmp_path / "档案.xlsx", [
        ("汇总", [["分公司", "供热站", "户数", "供热面积"], ["张店分公司", "张店一站", 3, 246]]),
        ("明细", [ROSTER] + _roster_rows("01", 3, "张店分公司"))])
    report = load_file(con, path)
    assert (report.status, report.sheet, report.rows_inserted) == ("loaded", "明细", 3)
    assert _ids(con) == ["0100001", "0100002", "0100003"]


def test_a_sheet_of_the_asked_kind_is_found_after_one_of_another_kind(con, tmp_path):
    tickets = [["工单编号", "受理时间", "工单类型"], ["GD001", "2025-12-01 08:00", "投诉"]]
    path = _workbook(tmp_path / "导出.xlsx", [("档案", [ROSTER] + _roster_rows("01", 2, "张店分公司")),
                                            ("工单", tickets)])
    report = load_file(con, path, kind="tickets")
    assert (report.status, report.sheet, report.rows_inserted) == ("loaded", "工单", 1)


def test_a_hidden_sheet_is_not_loaded_over_the_visible_one(con, tmp_path):
    path = _workbook(tmp_path / "档案.xlsx", [
        ("旧数据", [ROSTER] + _roster_rows("09", 5, "旧分公司")),
        ("用户档案", [ROSTER] + _roster_rows("01", 3, "张店分公司"))],
        hidden=("旧数据",), active=1)
    report = load_file(con, path)
    assert (report.status, report.sheet, report.rows_inserted) == ("loaded", "用户档案", 3)
    assert _ids(con) == ["0100001", "0100002", "0100003"]
    assert not any("旧数据" in w for w in report.warnings)


def test_a_workbook_whose_only_export_is_hidden_still_loads(con, tmp_path):
    path = _workbook(tmp_path / "档案.xlsx", [
        ("说明", [["本表由系统导出"]]),
        ("数据", [ROSTER] + _roster_rows("01", 2, "张店分公司"))], hidden=("数据",))
    report = load_file(con, path)
    assert (report.status, report.sheet, report.rows_inserted) == ("loaded", "数据", 2)


def test_other_sheets_holding_exports_are_named_in_a_warning(con, tmp_path):
    path = _workbook(tmp_path / "档案.xlsx", [
        ("张店分公司", [ROSTER] + _roster_rows("01", 3, "张店分公司")),
        ("淄川分公司", [ROSTER] + _roster_rows("02", 4, "淄川分公司")),
        ("备注", [["说明"], ["无"]]),
        ("周村分公司", [ROSTER] + _roster_rows("03", 2, "周村分公司"))])
    report = load_file(con, path)
    assert (report.status, report.sheet, report.rows_inserted) == ("loaded", "张店分公司", 3)
    warned = [w for w in report.warnings if "淄川分公司" in w]
    assert len(warned) == 1
    assert "周村分公司" in warned[0] and "备注" not in warned[0]
    assert "另存" in warned[0]   # says what to do
    # The same workbook loaded in English into a warehouse that does not hold it.
    fresh = connect(":memory:")
    try:
        en = load_file(fresh, path, lang="en")
    finally:
        fresh.close()
    assert (en.status, en.sheet, en.rows_inserted) == ("loaded", "张店分公司", 3)
    assert en.warnings == [
        'Sheet(s) "淄川分公司", "周村分公司" of this workbook also hold data that can be '
        'loaded, but only sheet "张店分公司" was loaded. To load them, save each of those '
        'sheets as a file of its own and upload it.']


def test_the_sheets_warning_is_in_english_when_asked(con, tmp_path):
    path = _workbook(tmp_path / "roster.xlsx", [
        ("A", [ROSTER] + _roster_rows("01", 1, "张店分公司")),
        ("B", [ROSTER] + _roster_rows("02", 1, "淄川分公司"))])
    report = load_file(con, path, lang="en")
    assert report.status == "loaded"
    assert len(report.warnings) == 1
    assert '"B"' in report.warnings[0] and '"A"' in report.warnings[0]
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in report.warnings[0])


def test_an_id_stored_as_a_number_of_more_than_15_digits_is_rejected(con, tmp_path):
    # A 17-digit ticket number the export wrote as a number: a double holds
    # about 15-16 significant digits, so the last digits read are not the
    # ones written, and two tickets can even read as one.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["工单编号", "受理时间", "工单类型"])
    ws.append([20251201080012345, "2025-12-01 08:00", "投诉"])
    ws.append([20251201080012346, "2025-12-01 09:00", "报修"])
    ws.append(["20251201080012347", "2025-12-01 10:00", "咨询"])   # text: exact
    ws.append([202512010800123, "2025-12-01 11:00", "咨询"])        # 15 digits: exact
    wb.save(tmp_path / "工单.xlsx")
    report = load_file(con, tmp_path / "工单.xlsx")
    assert (report.status, report.rows_read, report.rows_inserted) == ("loaded", 4, 2)
    assert [(r.row, r.column, r.code) for r in report.rejects] == [
        (2, "ticket_no", "id_number_digits"), (3, "ticket_no", "id_number_digits")]
    assert "15" in report.rejects[0].reason and "文本" in report.rejects[0].reason
    loaded = [n for (n,) in con.execute("SELECT ticket_no FROM tickets ORDER BY 1").fetchall()]
    assert loaded == ["202512010800123", "20251201080012347"]


def test_an_xls_saved_with_the_1904_date_system_counts_serials_from_1904(con, tmp_path):
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    wb.dates_1904 = 1
    ws = wb.add_sheet("测温")
    for c, label in enumerate(["户号", "测温时间", "室内温度", "用户签字"]):
        ws.write(0, c, label)
    as_date = xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm")
    ws.write(1, 0, "0100001")
    ws.write(1, 1, dt.datetime(2025, 12, 1, 8, 5), as_date)    # a date cell
    ws.write(1, 2, 19.5)
    ws.write(1, 3, "张三")
    ws.write(2, 0, "0100002")
    ws.write(2, 1, 44538.25)   # a plain serial: 2025-12-09 06:00 counted from 1904-01-01
    ws.write(2, 2, 18)
    ws.write(2, 3, "李四")
    wb.save(str(tmp_path / "mac.xls"))
    report = load_file(con, tmp_path / "mac.xls")
    assert (report.status, report.rows_inserted) == ("loaded", 2)
    got = con.execute("SELECT household_id, measured_at FROM temperature_readings ORDER BY 1"
                      ).fetchall()
    assert got == [("0100001", dt.datetime(2025, 12, 1, 8, 5)),
                   ("0100002", dt.datetime(2025, 12, 9, 6, 0))]


def test_an_xls_of_the_1900_date_system_is_unchanged(con, tmp_path):
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("测温")
    for c, label in enumerate(["户号", "测温时间", "室内温度", "用户签字"]):
        ws.write(0, c, label)
    ws.write(1, 0, "0100002")
    ws.write(1, 1, 46000.25)
    ws.write(1, 2, 18)
    ws.write(1, 3, "李四")
    wb.save(str(tmp_path / "pc.xls"))
    load_file(con, tmp_path / "pc.xls")
    assert con.execute("SELECT measured_at FROM temperature_readings").fetchall() == [
        (dt.datetime(2025, 12, 9, 6, 0),)]


def test_the_readable_report_shows_an_empty_cell_as_empty(con, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "测温"
    ws.append(["户号", "测温时间", "室内温度", "用户签字"])
    ws.append(["0100001", "2025-12-01 08:05", None, "张三"])
    ws.append(["0100002", "2025-12-01 09:05", 19, "李四"])
    wb.save(tmp_path / "测温.xlsx")
    report = load_file(con, tmp_path / "测温.xlsx")
    assert [(r.row, r.column, r.value) for r in report.rejects] == [(2, "indoor_c", None)]
    line = str(report).splitlines()[1]
    assert line.startswith("  测温!2 室内温度 «»: ") and "None" not in line


def test_the_readable_report_names_each_column_as_the_file_does(con, tmp_path):
    # The header the user's file has (a synonym, 测量时间 for 测温时间), not the
    # internal field name; a reject about a whole CSV line says so in words.
    (tmp_path / "测温.csv").write_text(
        "户号,测量时间,室温,用户签字\n"
        "0100001,明天,19,张三\n"
        "0100002,2025-12-01 08:05,19,李四,多出的一格\n", encoding="utf-8")
    report = load_file(con, tmp_path / "测温.csv")
    assert [(r.row, r.column) for r in report.rejects] == [(2, "measured_at"), (3, "whole_row")]
    lines = str(report).splitlines()[1:]
    assert lines[0].startswith("  测温!2 测量时间 «明天»: ")
    assert lines[1].startswith("  测温!3 整行 «")
    assert not any(r.column in line for r in report.rejects for line in lines)
    english = report.text("en").splitlines()[1:]
    assert english[0].startswith("  测温!2 测量时间 «明天»: ")
    assert english[1].startswith("  测温!3 Whole row «")


def test_a_date_and_a_time_in_two_columns_make_one_time(con, tmp_path):
    # Inspection forms keep 测温日期 and 测温时间 apart; read alone, the time
    # column has no day and every reading failed.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["户号", "测温日期", "测温时间", "室内温度", "用户签字"])
    ws.append(["0100001", dt.date(2025, 12, 1), dt.time(8, 5), 19.5, "张三"])   # Excel cells
    ws.append(["0100002", "2025/12/2", "9:30", 17.5, "李四"])                    # text
    ws.append(["0100003", None, dt.time(10, 15), 20, "王五"])                    # no date
    ws["B2"].number_format = "yyyy-mm-dd"
    ws["C2"].number_format = "h:mm"
    ws["C4"].number_format = "h:mm"
    wb.save(tmp_path / "测温.xlsx")
    report = load_file(con, tmp_path / "测温.xlsx")
    assert (report.status, report.rows_inserted) == ("loaded", 2)
    assert [(r.row, r.column, r.code) for r in report.rejects] == [(4, "measured_at", "time_no_date")]
    got = con.execute("SELECT household_id, measured_at FROM temperature_readings ORDER BY 1"
                      ).fetchall()
    assert got == [("0100001", dt.datetime(2025, 12, 1, 8, 5)),
                   ("0100002", dt.datetime(2025, 12, 2, 9, 30))]


@pytest.mark.parametrize("date_label, time_label", [
    ("测温日期", "时间"),      # the time column said only 时间: ignored, readings at 00:00
    ("日期", "测温时间"),      # the date column said only 日期: every row rejected
])
def test_a_date_and_a_time_under_plain_headers_make_one_time(con, tmp_path, date_label,
                                                               time_label):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["户号", date_label, time_label, "室内温度", "用户签字"])
    ws.append(["0100001", dt.date(2025, 12, 1), dt.time(8, 30), 17, "张三"])   # Excel cells
    ws.append(["0100001", "2025-12-01", "19:30", 16, "张三"])                 # text
    ws["B2"].number_format = "yyyy-mm-dd"
    ws["C2"].number_format = "h:mm"
    wb.save(tmp_path / "测温.xlsx")
    report = load_file(con, tmp_path / "测温.xlsx")
    # The evening reading is a second reading of the day, not a duplicate.
    assert (report.status, report.rows_inserted, report.rows_rejected) == ("loaded", 2, 0)
    assert con.execute("SELECT measured_at FROM temperature_readings ORDER BY 1").fetchall() == [
        (dt.datetime(2025, 12, 1, 8, 30),), (dt.datetime(2025, 12, 1, 19, 30),)]


def test_a_tickets_date_and_time_of_receipt_in_two_columns_make_one_time(con, tmp_path):
    # 受理日期 beside 受理时间 (8:30 alone): every ticket was rejected.
    report = load_file(con, xlsx(tmp_path / "工单.xlsx",
                                 ["工单编号", "受理日期", "受理时间", "工单类型", "办结时间"],
                                 [["T1", "2025-12-01", "08:30", "报修", "2025-12-01 15:00"]]))
    assert (report.status, report.rows_inserted) == ("loaded", 1)
    assert con.execute("SELECT received_at, resolved_at FROM tickets").fetchone() == (
        dt.datetime(2025, 12, 1, 8, 30), dt.datetime(2025, 12, 1, 15, 0))


def test_a_full_time_whose_date_contradicts_the_date_column_is_rejected(con, tmp_path):
    # 测温日期 says the 5th, 测温时间 the 1st: which one is wrong is not guessed.
    # A full time agreeing with its date column, or beside an empty one, loads.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["户号", "测温日期", "测温时间", "室内温度", "用户签字"])
    ws.append(["0100001", "2025-12-05", "2025-12-01 08:05", 19.5, "张三"])
    ws.append(["0100002", "2025/12/2", "2025-12-02 09:30", 18, "李四"])
    ws.append(["0100003", None, "2025-12-03 10:15", 20, "王五"])
    ws.append(["0100004", dt.date(2025, 12, 4), "2025-12-08 10:15", 20, "赵六"])
    ws["B5"].number_format = "yyyy-mm-dd"
    wb.save(tmp_path / "测温.xlsx")
    report = load_file(con, tmp_path / "测温.xlsx")
    assert (report.status, report.rows_inserted, report.rows_rejected) == ("loaded", 2, 2)
    assert [(r.row, r.column, r.value, r.code) for r in report.rejects] == [
        (2, "measured_at", "2025-12-01 08:05", "date_conflict"),
        (5, "measured_at", "2025-12-08 10:15", "date_conflict")]
    reason = report.rejects[0].reason
    assert "2025-12-01 08:05" in reason and "2025-12-05" in reason and "测温日期" in reason
    assert "2025-12-04" in report.rejects[1].reason
    assert con.execute("SELECT household_id, measured_at FROM temperature_readings ORDER BY 1"
                       ).fetchall() == [("0100002", dt.datetime(2025, 12, 2, 9, 30)),
                                        ("0100003", dt.datetime(2025, 12, 3, 10, 15))]
    fresh = connect(":memory:")
    try:
        english = load_file(fresh, tmp_path / "测温.xlsx", lang="en").rejects[0].reason
    finally:
        fresh.close()
    assert "2025-12-01 08:05" in english and "2025-12-05" in english and "测温日期" in english
    assert english.startswith("The date of")


# This week's readings under a header the export names its own way (检测时刻:
# the mapping form asks what it is), beside a hidden sheet of old readings
# under the standard headers.
THIS_WEEK = ["户号", "检测时刻", "室内温度", "用户签字"]
STANDARD = ["户号", "测温时间", "室内温度", "用户签字"]


def _week_and_old(path: Path, hidden_first: bool) -> Path:
    week = ("本周测温", [THIS_WEEK, ["0100001", "2025-12-08 08:05", 19.5, "张三"],
                        ["0100002", "2025-12-08 09:10", 18, "李四"]])
    old = ("旧数据", [STANDARD, ["0900001", "2024-12-01 08:00", 17, "王五"],
                     ["0900002", "2024-12-01 09:00", 16, "赵六"],
                     ["0900003", "2024-12-01 10:00", 15, "钱七"]])
    sheets = [old, week] if hidden_first else [week, old]
    return _workbook(path, sheets, hidden=("旧数据",), active=1 if hidden_first else 0)


def _readings(con) -> list[str]:
    return [i for (i,) in con.execute(
        "SELECT household_id FROM temperature_readings ORDER BY 1").fetchall()]


def test_a_visible_sheet_needing_a_mapping_wins_over_a_hidden_complete_one(con, tmp_path):
    from pipelines.load import plan_file

    for hidden_first in (False, True):
        path = _week_and_old(tmp_path / f"测温{int(hidden_first)}.xlsx", hidden_first)
        plan = plan_file(path)
        assert plan.sheet.name == "本周测温"
        assert (plan.mapping.dataset, plan.mapping.missing) == ("temperature_readings",
                                                                 ["measured_at"])
        assert not plan.warnings
        report = load_file(con, path)   # the user is asked for the column, not given old rows
        assert (report.status, report.error_code) == ("failed", "missing_columns")
        assert "检测时刻" in report.error
        assert _readings(con) == []
    chosen = load_file(con, path, overrides={"measured_at": 1})
    assert (chosen.status, chosen.sheet, chosen.rows_inserted) == ("loaded", "本周测温", 2)
    assert _readings(con) == ["0100001", "0100002"]


def test_a_remembered_mapping_applies_to_the_visible_sheet_the_user_was_shown(con, tmp_path):
    from pipelines.mappings import plan_remembered, remember

    path = _week_and_old(tmp_path / "测温.xlsx", hidden_first=False)
    shown, saved = plan_remembered(con, path)
    assert (shown.sheet.name, saved) == ("本周测温", None)
    remember(con, shown.header.labels, "temperature_readings", {"measured_at": 1}, "clerk")
    again = _week_and_old(tmp_path / "测温下周.xlsx", hidden_first=True)
    plan, saved = plan_remembered(con, again)
    assert saved is not None and plan.sheet.name == "本周测温"
    assert plan.mapping.complete and plan.mapping.columns["measured_at"] == 1
    assert [r["household_id"] for r in plan.preview()] == ["0100001", "0100002"]
    report = load_file(con, again, overrides=saved.overrides)
    assert (report.status, report.sheet, report.rows_inserted) == ("loaded", "本周测温", 2)
    assert _readings(con) == ["0100001", "0100002"]


def test_a_hidden_sheet_loads_when_no_visible_sheet_maps_at_all(con, tmp_path):
    path = _workbook(tmp_path / "测温.xlsx", [
        ("说明", [["备注", "填写人"], ["本周无", "张三"]]),
        ("数据", [STANDARD, ["0100001", "2025-12-08 08:05", 19.5, "张三"]])], hidden=("数据",))
    report = load_file(con, path)
    assert (report.status, report.sheet, report.rows_inserted) == ("loaded", "数据", 1)


def test_a_time_column_in_words_beside_a_date_column_is_read_or_rejected(con, tmp_path):
    # 8点半, 下午2:30 and 8:05 PM under 时间 beside 测温日期 loaded as 00:00 of
    # the day, with no word; two such readings of a day then collided.
    header = ["户号", "测温日期", "时间", "室内温度", "用户签字"]
    report = load_file(con, xlsx(tmp_path / "测温.xlsx", header, [
        ["0100001", "2025-12-01", "8点半", 17, "张三"],
        ["0100001", "2025-12-01", "下午2:30", 16, "张三"],
        ["0100001", "2025-12-01", "8:05 PM", 16.5, "张三"],
        ["0100001", "2025-12-02", "早饭后", 18, "张三"]]))
    assert (report.rows_inserted, report.rows_rejected) == (3, 1)
    assert [(r.row, r.column, r.code) for r in report.rejects] == [(5, "measured_at", "bad_date")]
    assert con.execute("SELECT measured_at FROM temperature_readings ORDER BY 1").fetchall() == [
        (dt.datetime(2025, 12, 1, 8, 30),), (dt.datetime(2025, 12, 1, 14, 30),),
        (dt.datetime(2025, 12, 1, 20, 5),)]


@pytest.mark.parametrize("time_label, day_word, time_word", [
    ("测温时间", "日期", "时间"),
    ("测温时间", "日期(年-月-日)", "时刻"),
    ("Measured at", "Date", "Time"),
])
def test_a_time_header_merged_over_a_date_and_a_time_column_makes_one_time(
        con, tmp_path, time_label, day_word, time_word):
    # 测温时间 merged over 日期 | 时间 in the row below: the lower row was taken
    # for a data row (rejected), the 时间 column had no header and was left
    # out, and every reading was read at 00:00 (the evening one a duplicate).
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["户号", time_label, None, "室内温度", "用户签字"])
    ws.append([None, day_word, time_word, None, None])
    for cells in ("B1:C1", "A1:A2", "D1:D2", "E1:E2"):
        ws.merge_cells(cells)
    ws.append(["0100001", dt.date(2025, 12, 1), dt.time(8, 30), 17, "张三"])
    ws.append(["0100001", "2025-12-01", "19:30", 16, "张三"])
    ws["B3"].number_format = "yyyy-mm-dd"
    ws["C3"].number_format = "h:mm"
    wb.save(tmp_path / "测温.xlsx")
    report = load_file(con, tmp_path / "测温.xlsx")
    assert (report.status, report.header_row, report.rows_inserted, report.rows_rejected) == (
        "loaded", "1-2", 2, 0), report.error
    assert con.execute("SELECT measured_at FROM temperature_readings ORDER BY 1").fetchall() == [
        (dt.datetime(2025, 12, 1, 8, 30),), (dt.datetime(2025, 12, 1, 19, 30),)]


@pytest.mark.parametrize("time_word", ["时间", "时刻"])
def test_a_tickets_time_of_receipt_merged_over_its_date_and_time_makes_one_time(con, tmp_path,
                                                                              time_word):
    # 受理时间 over 日期 | 时间: the columns 受理日期 and 受理时间, one time.
    path = tmp_path / "工单.ods"
    ods(path, [["工单编号", "受理时间", None, "工单类型", "办结时间"],
               [None, "日期", time_word, None, None],
               ["T1", "2025-12-01", "08:30", "报修", "2025-12-01 15:00"]],
        merges=("B1:C1", "A1:A2", "D1:D2", "E1:E2"))
    report = load_file(con, path)
    assert (report.status, report.rows_inserted, report.rows_rejected) == ("loaded", 1, 0)
    assert con.execute("SELECT received_at, resolved_at FROM tickets").fetchone() == (
        dt.datetime(2025, 12, 1, 8, 30), dt.datetime(2025, 12, 1, 15, 0))
