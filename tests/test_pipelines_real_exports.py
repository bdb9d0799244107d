"""Cells as real exports write them, found by loading hostile exports: refusals
in the signature column, tabs and full-width digits in IDs, IDs Excel turned
into scientific notation, amounts in 万元, CSV rows with a stray comma,
formulas never computed, numbers with units or a dash, times with 上午/下午."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from made_files import xlsx
from pipelines.load import load_file
from pipelines.warehouse import connect

TEMPERATURE = ["户号", "测温时间", "室内温度", "室外温度", "用户签字"]


def _load_fresh(path: Path, **kw):
    """Load into a warehouse of its own (e.g. the same file once more in English)."""
    con = connect(":memory:")
    try:
        return load_file(con, path, **kw)
    finally:
        con.close()


# --- 1. the signature column: words saying the resident did not sign -----------------

SIGNATURES = [
    # (cell, signed)
    ("拒签", False), ("未签名", False), ("用户未签", False), ("不签", False),
    ("家属拒签", False), ("用户拒绝签字", False), ("无签字", False), ("不在家", False),
    ("无人", False), ("空", False), ("✕", False), ("✗", False), ("否", False),
    ("未签", False), ("签字:无", False), ("", False),
    # a NULL as some systems export it, the label alone, the resident away or
    # disputing the reading: each counted as a signed, valid reading before
    ("（空）", False), ("(空)", False), ("用户签字：", False), ("签字:", False),
    ("用户外出", False), ("本人外出", False), ("用户不认可", False), ("对温度有异议", False),
    ("张三", True), ("已签", True), ("签字", True), ("√", True), ("已签字", True),
    # signed in the end, after a word that alone would say no
    ("不在家,家属已签", True), ("户主不在家由家属签字", True), ("无人签字后补签", True),
    ("张无忌", True), ("家属代签", True), ("本人外出,家属签字", True),
]


def test_signature_cells_saying_the_resident_did_not_sign_are_unsigned(con, tmp_path):
    rows = [[f"{i:05d}", "2025-12-08 08:00", 18.5, -3, cell]
            for i, (cell, _) in enumerate(SIGNATURES)]
    report = load_file(con, xlsx(tmp_path / "signatures.xlsx", TEMPERATURE, rows))
    assert (report.status, report.rows_rejected) == ("loaded", 0)
    got = dict(con.execute("SELECT household_id, signed FROM temperature_readings").fetchall())
    assert {cell: got[f"{i:05d}"] for i, (cell, _) in enumerate(SIGNATURES)} == dict(SIGNATURES)


# --- 2. IDs: tabs, CR/LF and full-width digits around and in them ---------------------

def test_ids_lose_tabs_and_line_breaks_and_full_width_digits(con, tmp_path):
    # Chinese fee systems put a tab before long numbers in CSV so Excel keeps them as text.
    lines = ["收据号,户号,供暖季,缴费日期,实收金额,发票号",
             "\tSF001,\t01010110101,2025-2026,2025-11-01,1840.00,\t03620001",
             '"\tSF002","\t01010110102",2025-2026,2025-11-01,2070.00,"\t03620002"',
             "SF003\t,01010110103\t,2025-2026,2025-11-01,2070.00,03620003\t",
             "ＳＦ００４,０１０１０１１０１０４,2025-2026,2025-11-01,100,０３６２０００４",
             "SF005,\t,2025-2026,2025-11-01,100,"]
    path = tmp_path / "payments.csv"
    path.write_bytes("\r\n".join(lines).encode("gbk"))
    report = load_file(con, path)
    assert (report.status, report.rows_inserted) == ("loaded", 4), report.rejects
    # A cell of only a tab is an empty household ID; the reject shows the cell as it was.
    assert [(r.row, r.column, r.value, r.code) for r in report.rejects] == \
        [(6, "household_id", "\t", "missing_required")]
    assert con.execute("SELECT receipt_no, household_id, invoice_no FROM fee_payments ORDER BY 1"
                       ).fetchall() == [("SF001", "01010110101", "03620001"),
                                        ("SF002", "01010110102", "03620002"),
                                        ("SF003", "01010110103", "03620003"),
                                        ("SF004", "01010110104", "03620004")]

    rows = [["01010110101", "2025-12-08 08:05", 18.5, -2, "√"],
            ["01010110101\t", "2025-12-08 09:05", 18.5, -2, "√"],
            ["\u200b01010110101\n", "2025-12-08 10:05", 18.5, -2, "√"],
            ["０１０１０１１０１０１\u3000", "2025-12-08 11:05", 18.5, -2, "√"]]
    report = load_file(con, xlsx(tmp_path / "readings.xlsx", TEMPERATURE, rows))
    assert (report.rows_inserted, report.rows_rejected) == (4, 0)
    assert con.execute("SELECT DISTINCT household_id FROM temperature_readings").fetchall() == \
        [("01010110101",)]


# --- 3. IDs Excel turned into scientific notation ----------------------------------

def test_an_id_in_scientific_notation_is_rejected_with_what_to_do(con, tmp_path):
    rows = [["01010110101", "2025-12-08 08:05", 18.5, -2, "√"],
            ["1.01011E+11", "2025-12-08 09:05", 18.5, -2, "张三"],
            ["1.01011e+11", "2025-12-08 10:05", 18.5, -2, "√"]]
    path = xlsx(tmp_path / "readings.xlsx", TEMPERATURE, rows)
    report = load_file(con, path)
    assert [(r.row, r.column, r.value, r.code) for r in report.rejects] == [
        (3, "household_id", "1.01011E+11", "id_scientific"),
        (4, "household_id", "1.01011e+11", "id_scientific")]
    assert "科学计数法" in report.rejects[0].reason and "文本" in report.rejects[0].reason
    english = _load_fresh(path, lang="en")
    assert "scientific notation by Excel" in english.rejects[0].reason
    assert "format this column as Text" in english.rejects[0].reason
    assert con.execute("SELECT DISTINCT household_id FROM temperature_readings").fetchall() == \
        [("01010110101",)]
    # Ticket and receipt numbers too; a number such as 2025E001 is no notation.
    lines = ["收据号,户号,供暖季,缴费日期,实收金额", "2.02511E+13,001,2025-2026,2025-11-01,100",
             "2025E001,002,2025-2026,2025-11-01,100"]
    (tmp_path / "payments.csv").write_text("\n".join(lines), encoding="utf-8")
    report = load_file(con, tmp_path / "payments.csv")
    assert [(r.row, r.column, r.code) for r in report.rejects] == \
        [(2, "receipt_no", "id_scientific")]
    assert report.rows_inserted == 1


# --- 4. amounts in 万元 -----------------------------------------------------------

BILLS_WAN = ["户号", "供暖季", "收费面积(㎡)", "单价(元/㎡)", "应收金额(万元)", "减免金额（万元）"]
PAYMENTS_WAN = ["收据号", "户号", "供暖季", "缴费日期", "实收金额（单位：万元）"]


def test_amounts_whose_header_says_wan_yuan_load_in_yuan(con, tmp_path):
    report = load_file(con, xlsx(tmp_path / "bills.xlsx", BILLS_WAN, [
        ["001", "2025-2026", 80, 23, 0.184, 0], ["002", "2025-2026", 90, 23, "0.2070", 0.01]],
        title="2025-2026采暖季收费台账(单位:万元)"))
    assert (report.status, report.rows_inserted) == ("loaded", 2), report.error
    assert con.execute("SELECT household_id, amount_due, exemption FROM fee_bills ORDER BY 1"
                       ).fetchall() == [("001", 1840.0, 0.0), ("002", 2070.0, 100.0)]

    report = load_file(con, xlsx(tmp_path / "payments.xlsx", PAYMENTS_WAN, [
        ["SF1", "001", "2025-2026", "2025-11-01", 0.184],
        ["SF2", "002", "2025-2026", "2025-11-01", 150]]))   # 1.5 million yuan: implausible
    assert con.execute("SELECT receipt_no, amount FROM fee_payments").fetchall() == \
        [("SF1", 1840.0)]
    # The reject shows the cell as it was, and says the range is in yuan.
    (reject,) = report.rejects
    assert (reject.row, reject.column, reject.value, reject.code) == \
        (3, "amount", "150", "out_of_range")
    assert reject.reason == ("实收金额(元)超出合理范围 -1,000,000 ~ 1,000,000,疑为录入错误"
                             "(这一列表头的单位是万元,已按 1 万元 = 10000 元换算成元后比较)")


def test_a_title_in_wan_yuan_over_amount_headers_without_a_unit_is_refused(con, tmp_path):
    header = ["户号", "供暖季", "收费面积", "应收金额"]
    path = xlsx(tmp_path / "bills.xlsx", header, [["001", "2025-2026", 80, 0.184]],
                 title="收费台账(金额单位:万元)")
    report = load_file(con, path)
    assert (report.status, report.error_code) == ("failed", "amount_unit_unclear")
    assert "「应收金额」" in report.error and "万元" in report.error
    assert "unclear whether they are in yuan" in _load_fresh(path, lang="en").error
    assert con.execute("SELECT count(*) FROM fee_bills").fetchone() == (0,)
    # With the unit in the header, the header decides.
    header[3] = "应收金额(元)"
    path = xlsx(tmp_path / "bills_yuan.xlsx", header, [["001", "2025-2026", 80, 1840]],
                 title="收费台账(金额单位:万元)")
    assert load_file(con, path).status == "loaded"
    assert con.execute("SELECT amount_due FROM fee_bills").fetchall() == [(1840.0,)]


# --- 5. a CSV row with more fields than its header -----------------------------------

TICKETS_CSV = "工单编号,受理时间,工单类型,办结时间,反映内容,处理结果"


def test_a_csv_row_with_more_fields_than_the_header_is_rejected_whole(con, tmp_path):
    lines = [TICKETS_CSV,
             "GD1,2025-12-08 08:05,投诉,2025-12-08 12:05,暖气不热,室温15度,已更换阀门",
             "",
             "GD2,2025-12-08 08:05,投诉,2025-12-08 12:05,暖气不热,",       # last field empty
             "GD3,2025-12-08 08:05,投诉,2025-12-08 12:05,暖气不热,室温15度,",  # shifted into it
             'GD4,2025-12-08 08:05,投诉,2025-12-08 12:05,"暖气不热,室温15度",已处理']
    path = tmp_path / "tickets.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    report = load_file(con, path)
    # Rows as the user sees them: line numbers, the blank line 3 counted.
    assert [(r.row, r.column, r.code) for r in report.rejects] == [
        (2, "whole_row", "extra_fields"), (5, "whole_row", "extra_fields")]
    assert report.rejects[0].value == lines[1]
    assert report.rejects[0].reason.startswith("这一行有 7 个字段,比表头的 6 个多")
    assert "没加引号的逗号" in report.rejects[0].reason
    english = _load_fresh(path, lang="en")
    assert english.rejects[1].reason.startswith("This line has 7 fields, more than the 6 of")
    assert con.execute("SELECT ticket_no, description, result FROM tickets ORDER BY 1"
                       ).fetchall() == [("GD2", "暖气不热", None),
                                        ("GD4", "暖气不热,室温15度", "已处理")]


def test_a_trailing_separator_on_every_data_line_is_no_shift(con, tmp_path):
    lines = [TICKETS_CSV] + [f"GD{i},2025-12-08 08:05,投诉,2025-12-08 12:05,暖气不热,已处理,"
                             for i in range(3)]
    (tmp_path / "tickets.csv").write_text("\n".join(lines), encoding="utf-8")
    report = load_file(con, tmp_path / "tickets.csv")
    assert (report.rows_inserted, report.rows_rejected) == (3, 0)


def test_a_shifted_row_far_down_a_long_csv_is_found(con, tmp_path):
    lines = [TICKETS_CSV] + [f"GD{i},2025-12-08 08:05,投诉,2025-12-08 12:05,暖气不热,已处理"
                             for i in range(3000)]
    lines[2500] = "GDX,2025-12-08 08:05,投诉,2025-12-08 12:05,暖气不热,室温15度,已处理"
    (tmp_path / "tickets.csv").write_text("\n".join(lines), encoding="utf-8")
    report = load_file(con, tmp_path / "tickets.csv")
    assert [(r.row, r.code) for r in report.rejects] == [(2501, "extra_fields")]
    assert report.rows_inserted == 2999


# --- 6. formulas (more in tests/hostile): a group's subtotal row is no data row ---------

def test_a_subtotal_row_named_for_its_group_is_left_out(con, tmp_path):
    header = ["户号", "分公司", "供热站", "供热面积"]
    rows = [["001", "张店分公司", "华光路换热站", 80.5], ["002", "张店分公司", "华光路换热站", 90],
            ["张店分公司 小计", None, None, "=SUM(D3:D4)"],   # openpyxl: no computed value
            ["003", "淄川分公司", "松龄路换热站", 70], ["淄川分公司合计:", None, None, "=D6"]]
    report = load_file(con, xlsx(tmp_path / "roster.xlsx", header, rows, title="用户档案"))
    assert (report.status, report.rows_read, report.rows_inserted) == ("loaded", 3, 3), \
        report.error


@pytest.mark.parametrize("label", ["华光路换热站汇总", "汇总", "共计", "累计", "Total", "Subtotal:",
                                   "张店分公司（小计）", "Branch total", "总计 2 户"])
def test_a_subtotal_row_in_any_usual_wording_is_left_out(con, tmp_path, label):
    # A bills ledger with "华光路换热站汇总" under each station's bills loaded
    # that row as one more household's bill: the company's 应收 doubled and
    # its collection rate halved, with only a not-in-roster warning.
    header = ["户号", "供暖季", "供热面积", "应收金额"]
    rows = [["001", "2025-2026", 80.5, 2012.50], ["002", "2025-2026", 90, 2250],
            [label, "2025-2026", 170.5, 4262.50]]
    report = load_file(con, xlsx(tmp_path / "bills.xlsx", header, rows, title="收费台账"))
    assert (report.status, report.rows_read, report.rows_inserted) == ("loaded", 2, 2), \
        report.error
    assert con.execute("SELECT sum(amount_due) FROM fee_bills").fetchone()[0] == 4262.50


# --- 7. numbers: full-width digits, units 度/平方米/平米, a dash for "none" -------------

def test_numbers_with_full_width_digits_units_and_dashes(con, tmp_path):
    rows = [["001", "2025-12-08 08:05", "１８．５", "－３．２", "√"],
            ["002", "2025-12-08 08:05", "18.5度", "—", "√"],
            ["003", "2025-12-08 08:05", "18.5 ℃", "/", "√"],
            ["004", "2025-12-08 08:05", 18.5, "-", "√"],
            ["005", "2025-12-08 08:05", "—", -3, "√"]]   # required: a dash is no reading
    report = load_file(con, xlsx(tmp_path / "readings.xlsx", TEMPERATURE, rows))
    assert [(r.row, r.column, r.value, r.code) for r in report.rejects] == \
        [(6, "indoor_c", "—", "missing_required")]
    assert con.execute("SELECT household_id, indoor_c, outdoor_c FROM temperature_readings "
                       "ORDER BY 1").fetchall() == [("001", 18.5, -3.2), ("002", 18.5, None),
                                                    ("003", 18.5, None), ("004", 18.5, None)]
    header = ["户号", "分公司", "供热站", "供热面积", "高低区"]
    rows = [["101", "张店分公司", "华光路换热站", "85.3平方米", "—"],
            ["102", "张店分公司", "华光路换热站", "85.3平米", "高区"],
            ["103", "张店分公司", "华光路换热站", "１００", "/"]]
    report = load_file(con, xlsx(tmp_path / "roster.xlsx", header, rows))
    assert report.rows_rejected == 0, report.rejects
    assert con.execute("SELECT household_id, heated_area_m2, zone FROM households ORDER BY 1"
                       ).fetchall() == [("101", 85.3, None), ("102", 85.3, "高区"),
                                        ("103", 100.0, None)]


# --- 8. times with 上午/下午, AM/PM, a no-break space --------------------------------

TIMES = [("2025-12-08 上午9:35", dt.datetime(2025, 12, 8, 9, 35)),
         ("2025-12-08 下午2:35", dt.datetime(2025, 12, 8, 14, 35)),
         ("2025-12-08 2:35 PM", dt.datetime(2025, 12, 8, 14, 35)),
         ("2025/12/8 9:05:20 am", dt.datetime(2025, 12, 8, 9, 5, 20)),
         ("2025-12-08 上午12:05", dt.datetime(2025, 12, 8, 0, 5)),     # just after midnight
         ("2025年12月8日下午3时10分", dt.datetime(2025, 12, 8, 15, 10)),
         ("2025-12-08 下午14:35", dt.datetime(2025, 12, 8, 14, 35)),   # a 24-hour time stands
         ("2025-12-08\u00a008:05", dt.datetime(2025, 12, 8, 8, 5)),    # no-break space
         ("2025-12-08 2:50\u202fPM", dt.datetime(2025, 12, 8, 14, 50)),  # narrow no-break space
         ("2025-12-08 晚上9:20", dt.datetime(2025, 12, 8, 21, 20))]


def test_a_night_time_past_midnight_is_not_guessed(con, tmp_path):
    # 晚上12:00 / 夜间1:30: this day's or the next? Read as PM they were noon and
    # 13:30 of the day written; now rejected as unreadable, the cell shown.
    rows = [["001", "2025-12-08 晚上12:00", 18.5, -2, "√"],
            ["002", "2025-12-08 夜间1:30", 18.5, -2, "√"],
            ["003", "2025-12-08 晚上11:30", 18.5, -2, "√"]]
    report = load_file(con, xlsx(tmp_path / "night.xlsx", TEMPERATURE, rows))
    assert [(r.column, r.value) for r in report.rejects] == [
        ("measured_at", "2025-12-08 晚上12:00"), ("measured_at", "2025-12-08 夜间1:30")]
    assert con.execute("SELECT measured_at FROM temperature_readings").fetchall() == [
        (dt.datetime(2025, 12, 8, 23, 30),)]


def test_times_with_morning_afternoon_and_no_break_spaces(con, tmp_path):
    rows = [[f"{i:03d}", text, 18.5, -2, "√"] for i, (text, _) in enumerate(TIMES)]
    report = load_file(con, xlsx(tmp_path / "readings.xlsx", TEMPERATURE, rows))
    assert (report.rows_inserted, report.rows_rejected) == (len(TIMES), 0), report.rejects
    got = dict(con.execute("SELECT household_id, measured_at FROM temperature_readings"
                           ).fetchall())
    assert [got[f"{i:03d}"] for i in range(len(TIMES))] == [moment for _, moment in TIMES]
    # An optional time that only says "none" is empty; the row loads.
    header = ["工单编号", "受理时间", "工单类型", "办结时间", "回访时间"]
    report = load_file(con, xlsx(tmp_path / "tickets.xlsx", header, [
        ["GD1", "2025-12-08 上午8:05", "报修", "2025-12-08 下午1:05", "/"],
        ["GD2", "2025-12-08 8:05 AM", "报修", "—", "—"]]))
    assert report.rows_rejected == 0, report.rejects
    assert con.execute("SELECT ticket_no, resolved_at, followup_at FROM tickets ORDER BY 1"
                       ).fetchall() == [("GD1", dt.datetime(2025, 12, 8, 13, 5), None),
                                        ("GD2", None, None)]


# --- 9. choice columns: the words hotline exports use -------------------------------

TICKETS = ["工单编号", "受理时间", "工单类型", "回访满意度", "是否匿名"]
CATEGORY_CELLS = [  # (cell, category)
    ("投诉类", "投诉"), ("供热投诉", "投诉"), ("室温投诉", "投诉"), ("报修（户内）", "报修"),
    ("热费咨询", "咨询"), ("举报", "举报"), ("紧急抢修", "抢修"), ("意见建议", "建议"),
    ("维修", "报修"),
]
RATING_CELLS = [  # (cell, rating; None: not rated)
    ("满意", "满意"), ("用户满意", "满意"), ("已回访,满意", "满意"), ("满意。", "满意"),
    ("非常满意", "满意"), ("基本满意", "基本满意"), ("不满意", "不满意"),
    ("非常不满意", "不满意"), ("很不满意", "不满意"), ("不太满意", "不满意"),
    ("不是很满意", "不满意"), ("没有很满意", "不满意"), ("未回访", None), ("无法联系", None),
    ("电话无人接听", None), ("无人接听", None), ("未接通", None), ("拒绝评价", None),
    ("—", None), ("", None),
]
ANONYMOUS_CELLS = [("实名", False), ("匿名", True), ("是", True), ("否", False), ("", None),
                   # each rejected the complaint before, out of every count
                   ("要求匿名", True), ("匿名（保密）", True), ("非实名", True), ("隐藏号码", True)]


def test_choice_cells_are_read_by_the_canonical_words_they_contain(con, tmp_path):
    rows = [[f"C{i}", "2025-12-08 08:05", cell, "满意", "否"]
            for i, (cell, _) in enumerate(CATEGORY_CELLS)]
    rows += [[f"R{i}", "2025-12-08 08:05", "投诉", cell, "否"]
             for i, (cell, _) in enumerate(RATING_CELLS)]
    rows += [[f"A{i}", "2025-12-08 08:05", "投诉", "满意", cell]
             for i, (cell, _) in enumerate(ANONYMOUS_CELLS)]
    report = load_file(con, xlsx(tmp_path / "tickets.xlsx", TICKETS, rows, title="工单导出"))
    assert (report.status, report.rows_rejected) == ("loaded", 0), report.rejects
    got = {no: (category, rating, anonymous) for no, category, rating, anonymous in con.execute(
        "SELECT ticket_no, category, satisfaction, anonymous FROM tickets").fetchall()}
    assert {cell: got[f"C{i}"][0] for i, (cell, _) in enumerate(CATEGORY_CELLS)} == \
        dict(CATEGORY_CELLS)
    assert {cell: got[f"R{i}"][1] for i, (cell, _) in enumerate(RATING_CELLS)} == \
        dict(RATING_CELLS)
    assert {cell: got[f"A{i}"][2] for i, (cell, _) in enumerate(ANONYMOUS_CELLS)} == \
        dict(ANONYMOUS_CELLS)
    # Complaints are counted: every 投诉 above is one.
    assert con.execute("SELECT count(*) FROM tickets WHERE category = '投诉'").fetchone()[0] == \
        3 + len(RATING_CELLS) + len(ANONYMOUS_CELLS)


def test_choice_cells_naming_no_or_two_values_are_still_rejected(con, tmp_path):
    rows = [["X1", "2025-12-08 08:05", "投诉咨询", "", ""],      # two categories
            ["X2", "2025-12-08 08:05", "其他", "", ""],          # none
            ["X3", "2025-12-08 08:05", "投诉", "一般", ""],       # no rating word
            ["X4", "2025-12-08 08:05", "投诉", "", "待查"],       # no yes/no word
            ["X5", "2025-12-08 08:05", "报修", "基本满意", "实名"],
            ["X6", "2025-12-08 08:05", "投诉", "满意度一般", ""],   # not 满意
            ["X7", "2025-12-08 08:05", "投诉", "一般满意", ""],
            ["X8", "2025-12-08 08:05", "举报", "", "保密"]]       # asked to stay unnamed
    report = load_file(con, xlsx(tmp_path / "tickets.xlsx", TICKETS, rows))
    assert report.rows_inserted == 5
    assert [(r.row, r.column, r.value) for r in report.rejects] == [
        (2, "category", "投诉咨询"), (3, "category", "其他"), (5, "anonymous", "待查")]
    assert con.execute("SELECT anonymous FROM tickets WHERE ticket_no = 'X8'").fetchone() == \
        (True,)
    # A rating that is no rating word (一般: satisfied or not is the company's
    # call) leaves the complaint loaded, unrated, and says so.
    assert report.warnings == [
        "「回访满意度」列有 3 行的值(一般、满意度一般、一般满意)不是回访满意度的可选值"
        "(满意、基本满意、不满意):这些行已照常导入,但回访满意度留空,按没有填写处理。"
        "请在业务系统中核对这些值;如果某个值应当算作某一可选值,请告诉系统管理员。"]
    assert con.execute("SELECT ticket_no, satisfaction FROM tickets ORDER BY 1").fetchall() == [
        ("X3", None), ("X5", "基本满意"), ("X6", None), ("X7", None), ("X8", None)]
    assert report.rejects[0].reason == \
        "工单类型的取值不在允许范围内(允许:咨询、报修、抢修、投诉、举报、建议)"
    # The words a yes/no column reads beside 是/否 (it said "允许:是/否" only).
    assert report.rejects[2].reason == \
        "是否匿名的取值不在允许范围内(允许:是/否、保密、要求匿名、不公开、实名、不匿名)"
    # 实名 is "not anonymous" in that column only; in a signature column a cell
    # holding anything but a refusal is still a signature.
    load_file(con, xlsx(tmp_path / "readings.xlsx", TEMPERATURE,
                         [["00001", "2025-12-08 08:00", 18.5, -3, "实名"]]))
    assert con.execute("SELECT signed FROM temperature_readings").fetchone() == (True,)


# --- 10. merged cells in the data body of an .xlsx --------------------------------------

def test_a_value_merged_over_rows_below_the_header_fills_every_row(con, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["用户档案"])                                   # a title merged over the columns
    ws.append(["户号", "分公司", "供热站", "供热面积"])
    ws.append(["0101", "张店分公司", "华光路换热站", 80])
    for i in range(2, 5):
        ws.append([f"010{i}", None, "华光路换热站", 80])
    ws.append(["0201", "淄川分公司", "松龄路换热站", 90])
    ws.append(["0202", None, None, 90])
    ws.merge_cells("A1:D1")
    ws.merge_cells("C7:C8")   # listed before the ranges in column B
    ws.merge_cells("B3:B6")
    ws.merge_cells("B7:B8")
    wb.save(tmp_path / "roster.xlsx")
    report = load_file(con, tmp_path / "roster.xlsx")
    assert (report.status, report.rows_inserted, report.rows_rejected) == ("loaded", 6, 0), \
        report.rejects
    assert con.execute("SELECT household_id, branch, station FROM households ORDER BY 1"
                       ).fetchall() == [
        ("0101", "张店分公司", "华光路换热站"), ("0102", "张店分公司", "华光路换热站"),
        ("0103", "张店分公司", "华光路换热站"), ("0104", "张店分公司", "华光路换热站"),
        ("0201", "淄川分公司", "松龄路换热站"), ("0202", "淄川分公司", "松龄路换热站")]


def test_a_merged_station_in_tickets_and_a_sheet_starting_in_column_b(con, tmp_path):
    # The table starts in column B: the reader's first column is B, the merge names D.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([None, "工单编号", "受理时间", "责任单位", "工单类型"])
    for i in range(4):
        ws.append([None, f"GD{i}", "2025-12-08 08:05", "华光路换热站" if i == 0 else None,
                   "投诉"])
    ws.append([None, "GD9", "2025-12-08 08:05", None, "咨询"])   # after the range: empty
    ws.merge_cells("D2:D5")
    wb.save(tmp_path / "tickets.xlsx")
    report = load_file(con, tmp_path / "tickets.xlsx")
    assert (report.rows_inserted, report.rows_rejected) == (5, 0), report.rejects
    assert con.execute("SELECT ticket_no, station FROM tickets ORDER BY 1").fetchall() == [
        ("GD0", "华光路换热站"), ("GD1", "华光路换热站"), ("GD2", "华光路换热站"),
        ("GD3", "华光路换热站"), ("GD9", None)]


def test_merges_in_a_two_row_header_are_not_spread_into_the_data(con, tmp_path):
    # 用户信息 merged over A1:B1 above 户号/分公司; 供热站 merged down A1's row pair (C1:C2).
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["用户信息", None, "供热站", "供热面积"])
    ws.append(["户号", "分公司", None, None])
    ws.append(["0101", "张店分公司", "华光路换热站", 80])
    ws.append(["0102", "张店分公司", None, 80])   # no station: still rejected
    ws.merge_cells("A1:B1")
    ws.merge_cells("C1:C2")
    ws.merge_cells("D1:D2")
    wb.save(tmp_path / "roster.xlsx")
    report = load_file(con, tmp_path / "roster.xlsx")
    assert report.rows_inserted == 1
    assert [(r.row, r.column, r.code) for r in report.rejects] == [
        (4, "station", "missing_required")]


MERGED_ROSTER = [
    ("0101", "张店分公司", "华光路换热站"), ("0102", "张店分公司", "华光路换热站"),
    ("0103", "张店分公司", "华光路换热站"), ("0104", "张店分公司", "华光路换热站"),
    ("0201", "淄川分公司", "松龄路换热站"), ("0202", "淄川分公司", "松龄路换热站")]


def test_merged_cells_below_the_header_of_an_xls_fill_every_row(con, tmp_path):
    import xlwt
    # Row 1 blank, the table from column B: 分公司 merged over C4:C7 and C8:C9,
    # 供热站 over D8:D9, the title over B2:E2.
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("用户档案")
    ws.write_merge(1, 1, 1, 4, "用户档案")
    for c, label in enumerate(["户号", "分公司", "供热站", "供热面积"], start=1):
        ws.write(2, c, label)
    for r, (hid, _, _) in enumerate(MERGED_ROSTER, start=3):
        ws.write(r, 1, hid)
        ws.write(r, 4, 80)
        if r < 7:
            ws.write(r, 3, "华光路换热站")
    ws.write_merge(3, 6, 2, 2, "张店分公司")
    ws.write_merge(7, 8, 2, 2, "淄川分公司")
    ws.write_merge(7, 8, 3, 3, "松龄路换热站")
    wb.save(str(tmp_path / "roster.xls"))
    report = load_file(con, tmp_path / "roster.xls")
    assert (report.rows_inserted, report.rows_rejected) == (6, 0), report.rejects
    assert con.execute("SELECT household_id, branch, station FROM households ORDER BY 1"
                       ).fetchall() == MERGED_ROSTER


def test_merged_cells_below_the_header_of_an_ods_fill_every_row(con, tmp_path):
    from made_files import ods
    rows = [[None, "用户档案"], [None, "户号", "分公司", "供热站", "供热面积"],
            [None, "0101", "张店分公司", "华光路换热站", 80]]
    rows += [[None, f"010{i}", None, "华光路换热站", 80] for i in range(2, 5)]
    rows += [[None, "0201", "淄川分公司", "松龄路换热站", 90], [None, "0202", None, None, 90]]
    path = ods(tmp_path / "roster.ods", rows, leading_blank_rows=2,
               merges=("B3:E3", "D9:D10", "C5:C8", "C9:C10"))
    report = load_file(con, path)
    assert (report.rows_inserted, report.rows_rejected) == (6, 0), report.rejects
    assert con.execute("SELECT household_id, branch, station FROM households ORDER BY 1"
                       ).fetchall() == MERGED_ROSTER
    # A merge in a two-row header stays there, as in an .xlsx.
    rows = [["用户信息", None, "供热站", "供热面积"], ["户号", "分公司", None, None],
            ["0301", "张店分公司", "华光路换热站", 80], ["0302", "张店分公司", None, 80]]
    report = load_file(con, ods(tmp_path / "two_row.ods", rows,
                                merges=("A1:B1", "C1:C2", "D1:D2")))
    assert [(r.row, r.column, r.code) for r in report.rejects] == [
        (4, "station", "missing_required")]


def test_merge_ranges_of_damaged_or_foreign_files_are_none(tmp_path):
    from pipelines.merges import ods_merges, xls_merges
    (tmp_path / "a.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\xff" * 600)
    (tmp_path / "b.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    assert xls_merges(tmp_path / "a.xls") == {} and xls_merges(tmp_path / "b.xls") == {}
    assert xls_merges(tmp_path / "none.xls") == {}
    assert ods_merges(tmp_path / "a.xls") == {}


# --- 11. temperatures written in Chinese, or with the unit between the digits ---------

TEMPERATURE_WORDS = [  # (cell, reading; None: rejected, never misread)
    ("十八度", 18.0), ("十八点五度", 18.5), ("十八", 18.0), ("二十三度", 23.0), ("十度", 10.0),
    ("18度5", 18.5), ("十八度五", 18.5), ("18点5度", 18.5),
    ("18°5", None), ("18℃5", None), ("18度50", None), ("一百度", None),
]
OUTDOOR_WORDS = [("零下3度", -3.0), ("零下三度", -3.0), ("零下三点五度", -3.5), ("负5", -5.0),
                 ("零下3度5", -3.5), ("三度", 3.0), ("零度", 0.0), ("3度5", 3.5),
                 ("零下零点五度", -0.5)]


def test_temperatures_in_chinese_numerals_are_read_exactly_or_rejected(con, tmp_path):
    rows = [[f"1{i:02d}", "2025-12-08 08:00", cell, -3, "√"]
            for i, (cell, _) in enumerate(TEMPERATURE_WORDS)]
    rows += [[f"2{i:02d}", "2025-12-08 08:00", 18, cell, "√"]
             for i, (cell, _) in enumerate(OUTDOOR_WORDS)]
    path = xlsx(tmp_path / "readings.xlsx", TEMPERATURE, rows)
    report = load_file(con, path)
    got = dict(con.execute("SELECT household_id, indoor_c FROM temperature_readings "
                           "WHERE household_id LIKE '1%'").fetchall())
    assert {cell: got.get(f"1{i:02d}") for i, (cell, _) in enumerate(TEMPERATURE_WORDS)} == \
        dict(TEMPERATURE_WORDS)
    got = dict(con.execute("SELECT household_id, outdoor_c FROM temperature_readings "
                           "WHERE household_id LIKE '2%'").fetchall())
    assert {cell: got.get(f"2{i:02d}") for i, (cell, _) in enumerate(OUTDOOR_WORDS)} == \
        dict(OUTDOOR_WORDS)
    # 18°5 and 18度50 were read as 185 and 1850 (3度5 outdoors as 35, which loaded).
    assert [(r.value, r.code) for r in report.rejects] == [
        ("18°5", "number_split"), ("18℃5", "number_split"), ("18度50", "number_split"),
        ("一百度", "bad_number")]
    assert report.rejects[0].reason.startswith("室内温度(℃)的数字中间夹着单位")
    english = _load_fresh(path, lang="en")
    assert "has a unit between its digits" in english.rejects[0].reason
    # Below zero indoors is out of range, as -3 is.
    report = load_file(con, xlsx(tmp_path / "cold.xlsx", TEMPERATURE,
                                  [["301", "2025-12-08 08:00", "零下三度", -3, "√"]]))
    assert [(r.value, r.code) for r in report.rejects] == [("零下三度", "out_of_range")]


# --- 12. amounts: 万 in a cell, accounting negatives in brackets --------------------------

BILLS = ["户号", "供暖季", "收费面积", "应收金额", "减免金额"]
PAYMENTS = ["收据号", "户号", "供暖季", "缴费日期", "实收金额"]


def test_amounts_with_wan_in_the_cell_and_accounting_negatives(con, tmp_path):
    lines = [",".join(PAYMENTS),
             "SF1,001,2025-2026,2025-11-01,1.2万",
             "SF2,001,2025-2026,2025-11-01,1.2万元",
             'SF3,001,2025-2026,2025-11-02,(500.00)',        # a reversal: -500
             'SF4,001,2025-2026,2025-11-02,"¥(1,234.50)"',
             "SF5,001,2025-2026,2025-11-02,（300）",          # full-width brackets
             "SF6,001,2025-2026,2025-11-02,(-300)",          # a bracket around a minus
             "SF7,001,2025-2026,2025-11-02,1万2"]            # 1万2千? not guessed
    path = tmp_path / "payments.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    report = load_file(con, path)
    assert con.execute("SELECT receipt_no, amount FROM fee_payments ORDER BY 1").fetchall() == [
        ("SF1", 12000.0), ("SF2", 12000.0), ("SF3", -500.0), ("SF4", -1234.5), ("SF5", -300.0)]
    assert [(r.row, r.value, r.code) for r in report.rejects] == [
        (7, "(-300)", "bad_number"), (8, "1万2", "bad_number")]

    # Due and exemptions cannot be negative: -500 and (500.00) are rejected alike.
    lines = [",".join(BILLS), "001,2025-2026,80,1.84万,0", "002,2025-2026,80,(1840.00),0",
             "003,2025-2026,80,-1840,0", "004,2025-2026,80,1840,(100)"]
    path = tmp_path / "bills.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    report = load_file(con, path)
    assert con.execute("SELECT household_id, amount_due FROM fee_bills").fetchall() == \
        [("001", 18400.0)]
    assert [(r.row, r.column, r.value, r.code) for r in report.rejects] == [
        (3, "amount_due", "(1840.00)", "negative_amount"),
        (4, "amount_due", "-1840", "negative_amount"),
        (5, "exemption", "(100)", "negative_amount")]
    assert "会计写法的负数" in report.rejects[0].reason
    assert "accounting negative" in _load_fresh(path, lang="en").rejects[0].reason


def test_a_cell_with_its_own_wan_in_a_wan_yuan_column_is_not_scaled_twice(con, tmp_path):
    report = load_file(con, xlsx(tmp_path / "bills.xlsx", BILLS_WAN, [
        ["001", "2025-2026", 80, 23, 0.184, 0], ["002", "2025-2026", 80, 230, "1.84万", 0],
        ["003", "2025-2026", 80, 230, "1.84万元", "(0.01)"]]))
    assert con.execute("SELECT household_id, amount_due FROM fee_bills ORDER BY 1").fetchall() \
        == [("001", 1840.0), ("002", 18400.0)]
    assert [(r.row, r.column, r.code) for r in report.rejects] == [
        (4, "exemption", "negative_amount")]


# --- 13. a date without its year is rejected, saying so -----------------------------

def test_a_date_without_a_year_is_rejected_saying_the_year_is_missing(con, tmp_path):
    rows = [["001", "12月8日 8:30", 18.5, -2, "√"], ["002", "12-08 8:30", 18.5, -2, "√"],
            ["003", "12/8", 18.5, -2, "√"], ["004", "12月08日 下午2:30", 18.5, -2, "√"],
            ["005", "2025-12-08 8:30", 18.5, -2, "√"],
            ["006", "8日 8:30", 18.5, -2, "√"]]        # no month either: unreadable
    path = xlsx(tmp_path / "readings.xlsx", TEMPERATURE, rows)
    report = load_file(con, path)
    assert report.rows_inserted == 1
    assert [(r.row, r.value, r.code) for r in report.rejects] == [
        (2, "12月8日 8:30", "date_no_year"), (3, "12-08 8:30", "date_no_year"),
        (4, "12/8", "date_no_year"), (5, "12月08日 下午2:30", "date_no_year"),
        (7, "8日 8:30", "bad_date")]
    assert "没有年份" in report.rejects[0].reason and "不会猜测年份" in report.rejects[0].reason
    assert "no year" in _load_fresh(path, lang="en").rejects[0].reason
    # In tickets too, in an optional time column.
    header = ["工单编号", "受理时间", "工单类型", "办结时间"]
    report = load_file(con, xlsx(tmp_path / "tickets.xlsx", header, [
        ["GD1", "2025-12-08 08:05", "报修", "12-08 13:05"]]))
    assert [(r.row, r.column, r.code) for r in report.rejects] == \
        [(2, "resolved_at", "date_no_year")]


def test_a_date_the_calendar_lacks_says_which_day_is_missing(con, tmp_path):
    # QA: 2026/11/31 9:00 was "not a recognisable date/time (use … 2025/11/16
    # 8:05 …)", the very form typed; 25/11/2026 10:00 got the same words.
    header = ["工单编号", "受理时间", "工单类型"]
    path = xlsx(tmp_path / "tickets.xlsx", header, [
        ["GD1", "2026/11/31 9:00", "报修"], ["GD2", "2025年2月29日 8:00", "报修"],
        ["GD3", "25/11/2026 10:00", "报修"], ["GD4", "05/11/2026 10:00", "报修"],
        ["GD5", "2025/11/30 9:00", "报修"], ["GD6", "2025/13/30 9:00", "报修"]])
    report = load_file(con, path)
    assert report.rows_inserted == 1
    assert [(r.row, r.code) for r in report.rejects] == [
        (2, "date_not_exist"), (3, "date_not_exist"), (4, "date_day_first"),
        (5, "date_year_last"), (7, "bad_date")]
    reasons = [r.reason for r in report.rejects]
    assert reasons[0].startswith("受理时间「2026/11/31 9:00」不是有效日期:2026年11月没有31日")
    assert "2025年2月没有29日" in reasons[1]
    assert reasons[2].startswith("受理时间「25/11/2026 10:00」是“日/月/年”的顺序")
    assert "应写作 2026-11-25" in reasons[2]
    assert "年份写在最后" in reasons[3] and "可用" not in reasons[3]
    en = [r.reason for r in _load_fresh(path, lang="en").rejects]
    assert "not a valid date: month 11 of 2026 has no day 31" in en[0]
    assert "written day/month/year" in en[2] and "this day is 2026-11-25" in en[2]


# --- 14. household IDs whose leading zeros Excel dropped ---------------------------

ROSTER = ["户号", "分公司", "供热站", "供热面积"]


def _roster(con, tmp_path, ids):
    report = load_file(con, xlsx(tmp_path / "roster.xlsx", ROSTER,
                                  [[i, "张店分公司", "华光路换热站", 80] for i in ids]))
    assert report.rows_inserted == len(ids)


def test_an_id_stored_as_a_number_takes_back_the_zeros_excel_dropped(con, tmp_path):
    _roster(con, tmp_path, ["0012345", "0012346", "0012347", "1234567"])
    rows = [[12345, "2025-12-08 08:00", 18, -3, "√"],      # a number cell: 0012345
            ["12346", "2025-12-08 08:00", 18, -3, "√"],    # text: left as written, named
            [99999, "2025-12-08 08:00", 18, -3, "√"],      # padded it matches nobody
            ["0012347", "2025-12-08 08:00", 18, -3, "√"],
            [1234567, "2025-12-08 08:00", 18, -3, "√"]]
    path = xlsx(tmp_path / "readings.xlsx", TEMPERATURE, rows)
    report = load_file(con, path)
    assert (report.rows_inserted, report.rows_rejected) == (5, 0)
    assert con.execute("SELECT household_id FROM temperature_readings ORDER BY 1").fetchall() == \
        [("0012345",), ("0012347",), ("1234567",), ("12346",), ("99999",)]
    assert report.warnings == [
        "1 行的户号在文件中是数字格式,Excel 去掉了它们的前导零(如 12345):用户档案的户号都是 7 位,"
        "这些户号补足前导零后(如 0012345)与档案中的户一致,已按补足后的户号导入。"
        "以后导出或编辑时,请把户号列设为「文本」格式。",
        "2 行(共 2 户)的户号在用户档案中找不到(如 12346、99999):这些行已导入,计入全公司的数字,"
        "但不计入任何分公司、供热站或小区的指标,也对不上档案中的户。请核对户号,或先导入包含这些户的用户档案。",
        "其中 1 行的户号补足前导零到 7 位后与档案中的户号一致:很可能是户号被存成了数字(或文件经 Excel "
        "打开另存),前导零丢了。请从业务系统重新导出,导入后撤销本批次:否则本批次中这些缺了前导零的行会留着,"
        "与重新导出的行重复计入。如果要在 Excel 中编辑,请先把户号列设为「文本」格式"
        "并补回前导零。"]
    assert "! 2 行(共 2 户)的户号在用户档案中找不到" in str(report)
    english = load_file(con, path, lang="en")   # already loaded: nothing said
    assert english.status == "already_loaded"
    english = _load_fresh(path, lang="en")      # no roster there: nothing to match
    assert english.warnings == []

    # A ticket's optional household ID, and a bill (keyed by household and season).
    header = ["工单编号", "受理时间", "工单类型", "户号"]
    report = load_file(con, xlsx(tmp_path / "tickets.xlsx", header, [
        ["GD1", "2025-12-08 08:05", "投诉", 12346], ["GD2", "2025-12-08 08:05", "咨询", None]]))
    assert con.execute("SELECT ticket_no, household_id FROM tickets ORDER BY 1").fetchall() == \
        [("GD1", "0012346"), ("GD2", None)]
    assert [w.split(":")[0] for w in report.warnings] == \
        ["1 行的户号在文件中是数字格式,Excel 去掉了它们的前导零(如 12346)"]
    report = load_file(con, xlsx(tmp_path / "bills.xlsx", ["户号", "供暖季", "应收金额"], [
        [12345, "2025-2026", 1840], ["0012345", "2025-2026", 1840]]), lang="en")
    # Padded, the first row has the second's key: the later row wins, as ever.
    assert [(r.row, r.code) for r in report.rejects] == [(2, "duplicate")]
    assert report.warnings[0].startswith("1 row(s) have a household ID stored as a number")
    assert con.execute("SELECT household_id FROM fee_bills").fetchall() == [("0012345",)]


def test_ids_in_a_csv_are_never_padded_but_the_load_says_they_match_no_household(con, tmp_path):
    _roster(con, tmp_path, ["0012345", "0012346"])
    lines = ["收据号,户号,供暖季,缴费日期,实收金额", "SF1,12345,2025-2026,2025-11-01,1840",
             "SF2,12345,2025-2026,2025-11-02,100", "SF3,0012346,2025-2026,2025-11-01,1840",
             "SF4,88,2025-2026,2025-11-01,1840"]
    path = tmp_path / "payments.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    report = load_file(con, path, lang="en")
    assert con.execute("SELECT household_id FROM fee_payments ORDER BY 1").fetchall() == \
        [("0012346",), ("12345",), ("12345",), ("88",)]
    assert report.warnings == [
        "3 row(s) (2 household(s)) name a household ID that is not in the roster (e.g. 12345, 88): "
        "they were loaded and count in the whole company's figures, but in no branch, station or "
        "community, and match no roster household. Check the IDs, or load a roster that has these households first.",
        "Of these, 2 row(s) match a roster ID once padded with leading zeros to 7 digits: the IDs "
        "were most likely stored as numbers (or the file was opened and saved in Excel), which "
        "drops leading zeros. Export the file again from the source system and, once it is "
        "loaded, undo this load: otherwise these rows without their zeros stay and count twice "
        "beside the new ones. To edit the file in Excel, format the household ID column as Text "
        "and restore the zeros."]


def test_a_roster_of_mixed_widths_pads_no_id(con, tmp_path):
    _roster(con, tmp_path, ["0012345", "12345678"])
    report = load_file(con, xlsx(tmp_path / "readings.xlsx", TEMPERATURE, [
        [12345, "2025-12-08 08:00", 18, -3, "√"]]))
    assert con.execute("SELECT household_id FROM temperature_readings").fetchall() == \
        [("12345",)]
    assert len(report.warnings) == 1 and "(如 12345)" in report.warnings[0]


def test_a_roster_csv_saved_from_excel_updates_its_households_not_adds_them(con, tmp_path):
    # A roster CSV that went through Excel came back without its leading
    # zeros: each of its rows loaded as a household of its own beside the one
    # it is (1010110101 beside 01010110101), growing every household count and
    # heated area, without a word.
    _roster(con, tmp_path, ["0012345", "0012346", "1234567"])
    path = tmp_path / "roster.csv"
    path.write_text("户号,分公司,供热站,供热面积\n12345,张店分公司,华光路换热站,90\n"
                    "12346,张店分公司,华光路换热站,80\n1234567,张店分公司,华光路换热站,80\n"
                    "88,张店分公司,华光路换热站,70\n", encoding="gbk")
    report = load_file(con, path)
    assert (report.rows_inserted, report.rows_updated, report.rows_unchanged) == (1, 1, 2)
    assert con.execute("SELECT household_id, heated_area_m2 FROM households ORDER BY 1"
                       ).fetchall() == [("0012345", 90), ("0012346", 80), ("1234567", 80),
                                        ("88", 70)]   # 88 padded is no household: a new one
    assert report.warnings[0].startswith(
        "2 行的户号比用户档案中的户号短,补足前导零到 7 位后(如 12345 → 0012345)正是档案中已有的户")


def test_a_blank_text_cell_loads_empty_whatever_blank_it_holds(con, tmp_path):
    # A hotline CSV's empty result cell may hold a tab, a line break, a
    # full-width or zero-width space: it loads as no result (NULL), and text
    # keeps no such characters around it.
    lines = ["工单编号,受理时间,工单类型,处理结果,办结时间",
             "GD1,2025-12-01 08:00,报修,\t,2025-12-01 10:00",
             'GD2,2025-12-01 08:00,报修,"\n",2025-12-01 10:00',
             "GD3,2025-12-01 08:00,报修,\u3000\u200b,2025-12-01 10:00",
             "GD4,2025-12-01 08:00,报修,\u3000已修 \u200b,2025-12-01 10:00"]
    path = tmp_path / "tickets.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    report = load_file(con, path)
    assert report.status == "loaded", report.error
    assert con.execute("SELECT ticket_no, result FROM tickets ORDER BY 1").fetchall() == \
        [("GD1", None), ("GD2", None), ("GD3", None), ("GD4", "已修")]


def test_a_csv_text_written_over_two_lines_loads_with_the_rows_after_it(con, tmp_path):
    # A description typed with Enter is quoted over a line break: the whole file
    # was refused as damaged ("CSV Error on Line: 2").
    lines = ["工单编号,受理时间,工单类型,反映内容", 'GD1,2025-12-01 08:00,报修,"暖气不热\n已报修两次"',
             'GD2,2025-12-01 09:00,咨询,"缴费时间\n\n(空一行)"', "", "GD3,2025-12-01 10:00,投诉,噪音"]
    path = tmp_path / "tickets.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    report = load_file(con, path)
    assert report.status == "loaded" and report.rows_inserted == 3, report.error_detail
    assert con.execute("SELECT ticket_no, description, source_row FROM tickets ORDER BY 1"
                       ).fetchall() == [("GD1", "暖气不热\n已报修两次", 2),
                                        ("GD2", "缴费时间\n\n(空一行)", 3), ("GD3", "噪音", 5)]
    # (an empty line inside a quoted text is the text's; one between rows is a
    # row of its own, as Excel numbers them)


# --- 15. a time column's words for "no time" -----------------------------------------------

NO_TIME_CELLS = ["NULL", "N/A", "无", "空", "（空）", "0", "0000-00-00 00:00:00", "1900-01-00",
                 "1900/1/0", "未办结", "处理中", "待回访", "未派单", "暂无"]


def test_a_ticket_whose_times_say_not_yet_loads_with_those_times_empty(con, tmp_path):
    # An export writing 未办结, NULL or a zero date in the times of its open
    # tickets had each such ticket rejected: 受理量 and 漏件 undercounted
    # exactly the unfinished tickets.
    header = ["工单编号", "受理时间", "工单类型", "派单时间", "办结时间", "回访时间"]
    rows = [[f"T{i}", "2025-12-08 08:05", "报修", cell, cell, cell]
            for i, cell in enumerate(NO_TIME_CELLS)]
    rows += [["T99", "2025-12-08 08:05", "报修", "处理中", "已办结", None],   # a time? not said
             ["T98", "NULL", "报修", None, None, None],                      # required: missing
             # none due: read as empty, it would count as not followed up
             ["T97", "2025-12-08 08:05", "报修", None, None, "无需回访"]]
    report = load_file(con, xlsx(tmp_path / "tickets.xlsx", header, rows))
    assert report.rows_inserted == len(NO_TIME_CELLS)
    assert [(r.row, r.column, r.code) for r in report.rejects] == [
        (len(NO_TIME_CELLS) + 2, "resolved_at", "bad_date"),
        (len(NO_TIME_CELLS) + 3, "received_at", "missing_required"),
        (len(NO_TIME_CELLS) + 4, "followup_at", "bad_date")]
    assert con.execute("SELECT count(*) FROM tickets WHERE dispatched_at IS NULL AND "
                       "resolved_at IS NULL AND followup_at IS NULL").fetchone() == \
        (len(NO_TIME_CELLS),)
    # A number column the same: 无 for the outdoor temperature is none measured.
    report = load_file(con, xlsx(tmp_path / "readings.xlsx", TEMPERATURE,
                                 [["00001", "2025-12-08 08:00", 18.5, "无", "√"],
                                  ["00002", "2025-12-08 08:00", "NULL", -3, "√"]]))
    assert [(r.row, r.column, r.code) for r in report.rejects] == \
        [(3, "indoor_c", "missing_required")]
    assert con.execute("SELECT outdoor_c FROM temperature_readings").fetchall() == [(None,)]


# --- 16. rows hidden in Excel ------------------------------------------------------------

def test_rows_hidden_in_excel_load_and_the_load_says_so(con, tmp_path):
    # A payments export filtered in Excel to hide its voided receipts, then
    # saved: the hidden rows loaded, counted as money collected, without a word.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["收据号", "户号", "供暖季", "缴费日期", "实收金额"])
    for i in range(1, 6):
        ws.append([f"R{i}", f"00{i}", "2025-2026", "2025-11-01", 100 * i])
    for row in (3, 5):                                  # R2, R4
        ws.row_dimensions[row].hidden = True
    wb.save(tmp_path / "缴费.xlsx")
    report = load_file(con, tmp_path / "缴费.xlsx")
    assert report.rows_inserted == 5
    assert report.notes == [("hidden_rows", {"n": 2, "rows": [3, 5]})]
    assert report.warnings_in("zh")[0].startswith(
        "文件中有 2 行在 Excel 中是隐藏的(被筛选掉或手动隐藏,如第 3、5 行),也已照常导入。")
