"""Cells and rows as staff write them: times with 点/时/分/秒, a weekday or a
UTC offset; numbers whose comma and point cannot be told apart; the signature
and print lines under an export's last row."""
from __future__ import annotations

import datetime as dt
from pathlib import Path


from made_files import xlsx
from pipelines.load import load_file, plan_file
from pipelines.warehouse import connect

TEMPERATURE = ["户号", "测温时间", "室内温度", "用户签字"]
PAYMENTS = ["收据号", "户号", "供暖季", "缴费日期", "实收金额"]
TICKETS = ["工单编号", "受理时间", "工单类型", "反映内容"]


# --- times written with 点/时/分/秒, a weekday, a UTC offset -------------------------

READABLE_TIMES = [
    ("2025年12月1日 8点05分", dt.datetime(2025, 12, 1, 8, 5)),
    ("2025年12月1日 8时05分", dt.datetime(2025, 12, 1, 8, 5)),
    ("2025年12月1日 8点", dt.datetime(2025, 12, 1, 8, 0)),
    ("2025年12月1日 8点05分30秒", dt.datetime(2025, 12, 1, 8, 5, 30)),
    ("2025年12月1日8时5分7秒", dt.datetime(2025, 12, 1, 8, 5, 7)),
    ("2025年12月1日 下午2点05分", dt.datetime(2025, 12, 1, 14, 5)),
    ("2025年12月1日 8点半", dt.datetime(2025, 12, 1, 8, 30)),
    ("2025年12月1日 下午2时半", dt.datetime(2025, 12, 1, 14, 30)),
    ("2025年12月1日 8点05", dt.datetime(2025, 12, 1, 8, 5)),
    ("2025/12/01 周一 14点30", dt.datetime(2025, 12, 1, 14, 30)),
    ("2025/12/01 星期一", dt.datetime(2025, 12, 1)),
    ("2025/12/01 周一 8:05", dt.datetime(2025, 12, 1, 8, 5)),
    ("2025年12月7日（星期日）", dt.datetime(2025, 12, 7)),
    ("2025-12-07 礼拜天 9:00", dt.datetime(2025, 12, 7, 9, 0)),
    ("2025-12-01T08:05:00+08:00", dt.datetime(2025, 12, 1, 8, 5)),
    ("2025-12-01T08:05+0800", dt.datetime(2025, 12, 1, 8, 5)),
    ("2025-12-01T00:05:00Z", dt.datetime(2025, 12, 1, 8, 5)),
    ("2025-12-01T08:05:00+01:00", dt.datetime(2025, 12, 1, 15, 5)),
    ("2025-12-01 08:05:00.250-05:00", dt.datetime(2025, 12, 1, 21, 5, 0, 250000)),
    ("2025-11-30T23:30:00+00:00", dt.datetime(2025, 12, 1, 7, 30)),   # the next day here
    ("2025-12-01T08:30:00.000", dt.datetime(2025, 12, 1, 8, 30)),
    ("2025/12/01 08:30:00.0", dt.datetime(2025, 12, 1, 8, 30)),
    ("2025年12月1号 8:30", dt.datetime(2025, 12, 1, 8, 30)),
]
UNREADABLE_TIMES = [  # (cell, the reject's code)
    ("12/01/2025", "date_year_last"),   # December 1st or January 12th: not guessed
    ("2025/12/01 星期三", "bad_date"),   # 1 December 2025 is a Monday: which one is wrong?
    ("2025年12月1日 25点", "bad_date"),
    ("2025年12月1日 8点61分", "bad_date"),
    ("2025年12月1日 8点5", "bad_date"),   # 8:05 or 8:50: not guessed
    ("2025-12-01T08:05:00+25:00", "bad_date"),
]


def test_times_with_chinese_clock_words_weekdays_and_offsets_load(con, tmp_path):
    rows = [[f"{i:03d}", text, 18.5, "√"] for i, (text, _) in enumerate(READABLE_TIMES)]
    rows += [[f"9{i:02d}", text, 18.5, "√"] for i, (text, _) in enumerate(UNREADABLE_TIMES)]
    report = load_file(con, xlsx(tmp_path / "测温.xlsx", TEMPERATURE, rows))
    assert report.status == "loaded", report.error
    got = dict(con.execute("SELECT household_id, measured_at FROM temperature_readings"
                           ).fetchall())
    assert [got.get(f"{i:03d}") for i in range(len(READABLE_TIMES))] == \
        [moment for _, moment in READABLE_TIMES]
    assert [(r.value, r.code) for r in report.rejects] == UNREADABLE_TIMES


def test_a_date_with_its_weekday_gives_a_time_of_day_its_date(con, tmp_path):
    header = ["户号", "测温日期", "测温时间", "室内温度", "用户签字"]
    rows = [["001", "2025/12/01 星期一", "8:05", 19, "√"],
            ["002", "2025年12月2日 周二", "9:10", 19, "√"]]
    report = load_file(con, xlsx(tmp_path / "测温.xlsx", header, rows))
    assert (report.rows_inserted, report.rows_rejected) == (2, 0), report.rejects
    assert con.execute("SELECT measured_at FROM temperature_readings ORDER BY 1").fetchall() == [
        (dt.datetime(2025, 12, 1, 8, 5),), (dt.datetime(2025, 12, 2, 9, 10),)]


# --- numbers whose comma and point cannot be told apart ----------------------------

def test_a_european_number_is_rejected_saying_how_to_write_it(con, tmp_path):
    rows = [["SF1", "001", "2025-2026", "2025-11-03", "1.234,50"],    # European: 1234.5
            ["SF2", "002", "2025-2026", "2025-11-03", "12,5"],        # 12.5 or 125?
            ["SF3", "003", "2025-2026", "2025-11-03", "¥(1.234,50)"],
            ["SF4", "004", "2025-2026", "2025-11-03", "1,2345"],
            ["SF5", "005", "2025-2026", "2025-11-03", "1,234.50"],    # as before
            ["SF6", "006", "2025-2026", "2025-11-03", "¥123,456.00"],
            ["SF7", "007", "2025-2026", "2025-11-03", "1.5万"],
            ["SF8", "008", "2025-2026", "2025-11-03", "1，200"]]
    path = xlsx(tmp_path / "收费明细.xlsx", PAYMENTS, rows)
    report = load_file(con, path)
    assert report.status == "loaded", report.error
    assert [(r.row, r.value, r.code) for r in report.rejects] == [
        (2, "1.234,50", "number_comma"), (3, "12,5", "number_comma"),
        (4, "¥(1.234,50)", "number_comma"), (5, "1,2345", "number_comma")]
    assert "1.234,50" in report.rejects[0].reason and "实收金额" in report.rejects[0].reason
    assert con.execute("SELECT receipt_no, amount FROM fee_payments ORDER BY 1").fetchall() == [
        ("SF5", 1234.5), ("SF6", 123456.0), ("SF7", 15000.0), ("SF8", 1200.0)]
    fresh = connect(":memory:")
    en = load_file(fresh, path, lang="en")
    fresh.close()
    assert "comma" in en.rejects[0].reason
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in
                   en.rejects[0].reason.replace("1.234,50", ""))


# --- signature and print lines under the last row ----------------------------------

FOOTERS = [["制表人：张三  审核人：李四"], ["制表日期：2025年12月8日"],
           ["打印时间：2025-12-08 10:15:00"],
           ["制表人:张三", None, "审核:李四", None],       # one per cell
           [None, "打印日期：2025-12-08"],
           ["负责人：", None, None, "复核人：王五"]]


def test_signature_and_print_lines_under_the_data_are_left_out(con, tmp_path):
    rows = [["GD1", "2025-12-08 08:05", "报修", "暖气不热"],
            ["GD2", "2025-12-08 09:05", "投诉", "审核人：李四 说明已处理"],  # data: loads
            ["合计", None, None, None]] + FOOTERS
    path = xlsx(tmp_path / "工单.xlsx", TICKETS, rows, title="客服工单")
    report = load_file(con, path)
    assert (report.status, report.rows_read, report.rows_inserted, report.rows_rejected) == \
        ("loaded", 2, 2, 0), report.rejects
    assert [r["ticket_no"] for r in plan_file(path).preview()] == ["GD1", "GD2"]


def test_a_footer_like_row_with_data_in_a_required_column_is_still_a_reject(con, tmp_path):
    rows = [["GD1", "2025-12-08 08:05", "报修", None],
            ["GD2", None, "投诉", "制表人：张三"],         # a ticket without its time
            ["GD3", "2025-12-08 09:05", None, "审核人：李四"]]
    report = load_file(con, xlsx(tmp_path / "工单.xlsx", TICKETS, rows))
    assert (report.rows_read, report.rows_inserted) == (3, 1)
    assert [(r.row, r.column, r.code) for r in report.rejects] == [
        (3, "received_at", "missing_required"), (4, "category", "missing_required")]


def test_ids_a_csv_keeps_as_text_load_as_the_ids_themselves(con, tmp_path):
    # ="202512010001" (and '0101001) keep a CSV's leading zeros: they loaded
    # with the =" and ", so the same tickets from an .xlsx loaded again.
    csv = tmp_path / "工单.csv"
    csv.write_text('工单编号,受理时间,工单类型,户号\n'
                   '="202512010001",2025-12-01 08:30,投诉,="0101001"\n'
                   "'202512010002,2025-12-01 09:30,报修,'0101002\n", encoding="gbk")
    assert load_file(con, csv).status == "loaded"
    again = load_file(con, xlsx(tmp_path / "工单.xlsx", ["工单编号", "受理时间", "工单类型", "户号"],
                                [["202512010001", "2025-12-01 08:30", "投诉", "0101001"],
                                 ["202512010002", "2025-12-01 09:30", "报修", "0101002"]]))
    assert (again.rows_inserted, again.rows_unchanged) == (0, 2)
    assert con.execute("SELECT ticket_no, household_id FROM tickets ORDER BY 1").fetchall() == [
        ("202512010001", "0101001"), ("202512010002", "0101002")]


# --- a header naming a field of fixed values, over a column of something else -------

ROSTER = ["户号", "分公司", "供热站", "供热面积"]


def test_a_column_holding_none_of_a_fields_values_is_left_out_not_every_row(con, tmp_path):
    # 区域 is a name of 高低区; a roster's 区域 holding districts (张店区)
    # rejected every household: "高低区的取值不在允许范围内".
    report = load_file(con, xlsx(tmp_path / "户籍.xlsx", ROSTER + ["区域"],
                                 [["0101001", "张店分公司", "一站", 85.3, "张店区"],
                                  ["0101002", "张店分公司", "一站", 90.0, "淄川区"]]))
    assert (report.rows_inserted, report.rows_rejected) == (2, 0)
    assert report.warnings == ["「区域」列的内容(如「张店区」)不是高低区(高区、低区),此列没有导入,"
                               "各行的其余数据照常导入。如果它确实是高低区,请检查取值;否则无需处理。"]
    # A zone loaded before is kept: the column was not this file's zone.
    load_file(con, xlsx(tmp_path / "分区.xlsx", ROSTER + ["高低区"],
                        [["0101001", "张店分公司", "一站", 85.3, "高区"]]))
    load_file(con, xlsx(tmp_path / "户籍2.xlsx", ROSTER + ["区域"],
                        [["0101001", "张店分公司", "一站", 86.0, "张店区"]]))
    assert con.execute("SELECT zone, heated_area_m2 FROM households WHERE household_id = "
                       "'0101001'").fetchone() == ("高区", 86.0)
    # A column of zones with a typo is a zone column: the typo's household
    # loads without a zone, and the load says so.
    typo = load_file(con, xlsx(tmp_path / "分区2.xlsx", ROSTER + ["高低区"],
                               [["0101003", "张店分公司", "一站", 70.0, "低区"],
                                ["0101004", "张店分公司", "一站", 70.0, "中区"]]))
    assert (typo.rows_inserted, typo.rejects) == (2, [])
    assert typo.warnings[0].startswith("「高低区」列有 1 行的值(中区)不是高低区的可选值(高区、低区)")
    assert con.execute("SELECT household_id, zone FROM households WHERE household_id IN "
                       "('0101003', '0101004') ORDER BY 1").fetchall() == [
        ("0101003", "低区"), ("0101004", None)]


def test_a_bills_status_of_payment_and_a_price_with_its_unit(con, tmp_path):
    # 状态 (已缴清 / 欠费) is a name of 供热状态: every bill was rejected; and a
    # price written 25元/㎡ was "not a number", rejecting the bill again.
    report = load_file(con, xlsx(tmp_path / "账单.xlsx",
                                 ["户号", "供暖季", "收费标准", "应收金额", "状态"],
                                 [["0101001", "2025-2026", "25元/㎡", 2132.5, "已缴清"],
                                  ["0101002", "2025-2026", "25 元/平方米", 2250.0, "欠费"]]))
    assert (report.rows_inserted, report.rows_rejected) == (2, 0)
    assert len(report.warnings) == 1 and report.warnings[0].startswith("「状态」列的内容")
    assert con.execute("SELECT unit_price, heating_status FROM fee_bills ORDER BY 1"
                       ).fetchall() == [(25.0, None), (25.0, None)]


def test_a_follow_up_column_saying_whether_not_how_keeps_its_tickets(con, tmp_path):
    report = load_file(con, xlsx(tmp_path / "工单.xlsx", ["工单编号", "受理时间", "工单类型", "回访结果"],
                                 [["T1", "2025-12-01 08:30", "投诉", "无"],
                                  ["T2", "2025-12-01 09:30", "报修", "已回访"]]))
    assert (report.rows_inserted, report.rows_rejected) == (2, 0)
    en = load_file(con, xlsx(tmp_path / "工单2.xlsx", ["工单编号", "受理时间", "工单类型", "回访结果"],
                             [["T3", "2025-12-02 08:30", "投诉", "已回访"]]), lang="en")
    assert en.warnings == ['Column "回访结果" does not hold Satisfaction values (满意, 基本满意, '
                           '不满意; e.g. it has "已回访"), so it was not loaded; the rest of each '
                           'row loaded as usual. If it is meant to be Satisfaction, check its '
                           'values; otherwise nothing needs doing.']



def test_headers_with_a_bare_unit_or_a_required_mark_are_recognised(con, tmp_path):
    # 室内温度℃, 供热面积㎡ and *户号 (a required column's mark) were not
    # recognised, and the message asked for 室内温度(℃), which the file seemed to have.
    roster = load_file(con, xlsx(tmp_path / "户籍.xlsx", ["*户号", "分公司", "供热站", "供热面积㎡"],
                                 [["0101001", "张店分公司", "一站", 85.3]]))
    assert roster.status == "loaded", roster.error
    readings = load_file(con, xlsx(tmp_path / "测温.xlsx",
                                   ["*户号", "测温时间", "室内温度℃", "室外温度/℃", "用户签字"],
                                   [["0101001", "2025-12-01 08:30", 17.5, -3, "√"]]))
    assert readings.status == "loaded", readings.error
    assert con.execute("SELECT indoor_c, outdoor_c FROM temperature_readings").fetchone() == \
        (17.5, -3.0)


def test_a_report_printed_page_by_page_loads_without_its_page_lines(con, tmp_path):
    # Its header repeated on each page and "第1页 共2页" under each became rejects.
    report = load_file(con, xlsx(tmp_path / "测温.xlsx", TEMPERATURE, [
        ["0101001", "2025-12-01 08:30", 17.5, "√"],
        ["第1页 共2页", None, None, None],
        TEMPERATURE,
        ["0101002", "2025-12-01 09:30", 18.5, "√"],
        [None, None, "第 2 页，共 2 页", None],
        ["Page 2 of 2", None, None, None],
    ]))
    assert (report.status, report.rows_inserted, report.rows_rejected) == ("loaded", 2, 0)


def test_an_id_that_is_only_quotes_is_a_missing_id(con, tmp_path):
    # ' and ="" hold no ID: they loaded as a NULL key, and with a repeated key
    # in the same file the load failed with an internal error.
    csv = tmp_path / "工单.csv"
    csv.write_text('工单编号,受理时间,工单类型\n'
                   'A1,2025-12-01 08:30,投诉\nA1,2025-12-01 09:30,投诉\n'
                   "',2025-12-01 10:30,报修\n"
                   '="",2025-12-01 11:30,报修\nA3,2025-12-01 12:30,报修\n', encoding="utf-8")
    report = load_file(con, csv)
    assert report.status == "loaded", report.error
    assert (report.rows_inserted, report.rows_rejected) == (2, 3)
    assert sorted((r.row, r.code) for r in report.rejects) == [
        (2, "duplicate"), (4, "missing_required"), (5, "missing_required")]
    assert con.execute("SELECT count(*) FROM tickets WHERE ticket_no IS NULL").fetchone()[0] == 0


def test_excel_error_values_reject_their_row_saying_so(con, tmp_path):
    # A #N/A outdoor temperature (a failed lookup) read as empty: the reading
    # was no longer exempt and counted. In a CSV, #N/A under 用户签字 counted
    # as signed.
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["户号", "测温时间", "室内温度", "室外温度", "用户签字", "备注"])
    ws.append(["0101001", "2025-12-01 08:30", 15.0, -9.0, "√", None])
    ws.append(["0101002", "2025-12-01 09:30", 15.0, None, "√", None])
    ws.append(["0101003", "2025-12-01 10:30", 17.0, -1.0, "√", None])
    ws["D3"].value, ws["D3"].data_type = "#N/A", "e"
    ws["F4"].value, ws["F4"].data_type = "#REF!", "e"     # free text: loads empty
    wb.save(tmp_path / "测温.xlsx")
    report = load_file(con, tmp_path / "测温.xlsx")
    assert (report.rows_inserted, report.rows_rejected) == (2, 1)
    assert [(r.row, r.column, r.code) for r in report.rejects] == [(3, "outdoor_c", "excel_error")]
    assert report.rejects[0].reason.startswith("室外温度(℃)是 Excel 的错误值")
    csv = tmp_path / "测温.csv"
    csv.write_text("户号,测温时间,室内温度,用户签字\n0101004,2025-12-01 08:30,17,#N/A\n"
                   "0101005,2025-12-01 08:30,#VALUE!,√\n0101006,2025-12-01 08:30,18,√\n",
                   encoding="utf-8")
    text = load_file(con, csv)
    assert sorted((r.row, r.column, r.code) for r in text.rejects) == [
        (2, "signed", "excel_error"), (3, "indoor_c", "excel_error")]
    assert text.rows_inserted == 1
