"""Bad input: each case gives its exact message and leaves the warehouse as it was."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from i18n import t
from made_files import tiny_png, xlsx
from pipelines.batches import undo_batch
from pipelines.errors import PipelineError
from pipelines.load import load_file, plan_file
from pipelines.warehouse import row_counts

FILES = __import__("pathlib").Path(__file__).parent / "data" / "pipelines"


def _loaded(con):
    report = load_file(con, FILES / "temperature_good.xlsx")
    assert report.status == "loaded"
    return row_counts(con), con.execute("SELECT count(*) FROM batches").fetchone()[0]


@pytest.mark.parametrize("name, kind, code, zh_part, en_part", [
    ("empty.csv", None, "empty_file", "文件是空的", "The file is empty"),
    ("blank_sheet.xlsx", None, "empty_file", "文件是空的", "The file is empty"),
    ("unrelated.xlsx", None, "unknown_kind", "文件中的列:项目、预算、备注", "项目, 预算, 备注"),
    ("tickets_small.xlsx", "temperature", "wrong_kind", "「客服工单」", "“Service tickets”"),
    ("temperature_no_signature.xlsx", None, "missing_columns", "缺少必需的列:用户签字",
     "Required columns are missing: Resident signature (用户签字)"),
    ("truncated.xlsx", None, "corrupt_file", "文件已损坏或不完整", "damaged or incomplete"),
    ("not_excel.xlsx", None, "unsupported_format", "文件名是 .xlsx,但文件内容不是可读取的电子表格",
     "its content is not a spreadsheet"),
    ("protected.xlsx", None, "password_protected", "工作簿设置了打开密码", "password-protected"),
    ("temperature_header_only.xlsx", None, "no_rows", "表头下面没有数据行", "no data rows"),
])
def test_bad_file_fails_with_message_and_changes_nothing(con, name, kind, code, zh_part, en_part):
    before = _loaded(con)
    version = con.execute("SELECT value FROM meta").fetchone()
    report = load_file(con, FILES / name, kind=kind)
    assert report.status == "failed"
    assert report.error_code == code
    assert zh_part in report.error
    assert report.rows_read == 0 and report.batch_id is None
    english = load_file(con, FILES / name, kind=kind, lang="en")
    assert en_part in english.error
    assert (row_counts(con), con.execute("SELECT count(*) FROM batches").fetchone()[0]) == before
    assert con.execute("SELECT value FROM meta").fetchone() == version


def test_missing_column_message_lists_columns_found(con):
    report = load_file(con, FILES / "temperature_no_signature.xlsx")
    assert report.error == t("error.missing_columns", "zh", missing_fields="用户签字",
                             columns="户号、小区、测温时间、室内温度(℃)、室外温度(℃)、测温人、备注")


def test_wrong_kind_names_both_kinds_exactly(con):
    report = load_file(con, FILES / "tickets_small.xlsx", kind="temperature")
    assert report.error == ("选择的类型是「测温记录」,但这个文件看起来是「客服工单」的导出。"
                            "请改选正确的类型或换一个文件。")


def test_text_numbers_impossible_dates_and_temperatures_are_rejected_with_reasons(con):
    report = load_file(con, FILES / "temperature_bad.xlsx")
    assert report.status == "loaded"
    got = [(r.row, r.column, r.value, r.reason) for r in report.rejects]
    assert got == [
        (4, "indoor_c", "偏低", "室内温度(℃)不是数字"),
        (5, "measured_at", "2025-13-45 08:00", t("reject.bad_date", field="测温时间")),
        (6, "indoor_c", "185", "室内温度(℃)超出合理范围 0 ~ 35,疑为录入错误"),
        (7, "outdoor_c", "55", "室外温度(℃)超出合理范围 -40 ~ 45,疑为录入错误"),
        (8, "household_id", None, "户号为空,这是必填项"),
        (9, "measured_at", "2025-11-16 08:00", "与同一文件第 10 行的测温时间重复,已以第 10 行为准"),
        (11, "measured_at", "2025/02/30 9:00",
         "测温时间「2025/02/30 9:00」不是有效日期:2025年2月没有30日,此行未导入。"
         "请核对日期,在业务系统中改正后重新导出,或在 Excel 中改正后再上传。"),
    ]
    assert (report.rows_read, report.rows_inserted, report.rows_rejected) == (9, 2, 7)
    # The duplicate's later row won: 19.5, not 19.
    assert con.execute("SELECT indoor_c, source_row FROM temperature_readings "
                       "WHERE household_id = '01020310905'").fetchall() == [(19.5, 10)]
    stored = con.execute("SELECT source_row, column_name, code FROM rejects ORDER BY 1").fetchall()
    assert [r[2] for r in stored] == ["bad_number", "bad_date", "out_of_range", "out_of_range",
                                      "missing_required", "duplicate", "date_not_exist"]


def test_duplicate_keys_in_one_file_last_row_wins(con):
    report = load_file(con, FILES / "tickets_small.xlsx")
    dup = [r for r in report.rejects if r.column == "ticket_no"]
    assert [(r.row, r.reason) for r in dup] == [
        (4, "与同一文件第 8 行的工单编号重复,已以第 8 行为准")]
    assert con.execute("SELECT satisfaction, source_row FROM tickets WHERE ticket_no = ?",
                       ["GD2025111600001"]).fetchall() == [("基本满意", 8)]


def test_a_ticket_twice_in_one_file_keeps_the_row_furthest_on(con, tmp_path):
    """A newest-first export lists a ticket's resolved state above its
    received-only row: the row that says the most wins wherever it stands;
    rows saying as much keep the last (a correction)."""
    header = ["工单编号", "受理时间", "工单类型", "办结时间", "回访时间", "回访满意度"]
    report = load_file(con, xlsx(tmp_path / "tickets.xlsx", header, [
        ["GD1", "2025-12-08 08:05", "报修", "2025-12-08 13:05", "2025-12-09 10:00", "满意"],
        ["GD2", "2025-12-08 09:00", "报修", "", "", ""],
        ["GD1", "2025-12-08 08:05", "报修", "", "", ""],
        ["GD2", "2025-12-08 09:00", "投诉", "", "", ""],
        ["GD3", "2025-12-08 09:30", "报修", "2025-12-08 12:00", "", ""],
        ["GD3", "2025-12-08 09:30", "报修", "2025-12-08 11:00", "", ""]]))
    dup = sorted((r.row, r.reason) for r in report.rejects)
    # Rows 2-7 under the header row 1: GD1's resolved and rated row (2) over
    # row 4, GD2's last row (5) over row 3, GD3's last row (7) over row 6.
    assert dup == [(3, "与同一文件第 5 行的工单编号重复,已以第 5 行为准"),
                   (4, "与同一文件第 2 行的工单编号重复,已以第 2 行为准"),
                   (6, "与同一文件第 7 行的工单编号重复,已以第 7 行为准")]
    assert con.execute("SELECT ticket_no, category, resolved_at, satisfaction, source_row "
                       "FROM tickets ORDER BY 1").fetchall() == [
        ("GD1", "报修", dt.datetime(2025, 12, 8, 13, 5), "满意", 2),
        ("GD2", "投诉", None, None, 5),
        ("GD3", "报修", dt.datetime(2025, 12, 8, 11, 0), None, 7)]


PAYMENTS = ["收据号", "户号", "供暖季", "缴费日期", "实收金额", "状态"]


def test_one_receipt_paying_two_seasons_loads_both(con, tmp_path):
    """One receipt paying last season's arrears with this season's fee, a
    row per season: the second row was rejected as a duplicate (last
    season's payment lost). The latest season keeps the number."""
    report = load_file(con, xlsx(tmp_path / "two.xlsx", PAYMENTS, [
        ["R100", "001", "2024-2025", "2025-12-08", "800", "正常"],
        ["R100", "001", "2025-2026", "2025-12-08", "1840", "正常"],
        ["R101", "002", "2025-2026", "2025-12-08", "1200", "正常"],
        ["R101", "002", "2025-2026", "2025-12-08", "1200", "正常"]]))   # a duplicate as ever
    assert (report.rows_inserted, report.rows_rejected) == (3, 1), report.rejects
    assert dict(report.notes)["receipt_two_seasons"] == {"n": 1, "examples": ["R100"]}
    assert any("最新供暖季的一行用原收据号" in w for w in report.warnings)
    rows = con.execute("SELECT receipt_no, season, amount FROM fee_payments ORDER BY 1").fetchall()
    assert rows == [("R100", "2025-2026", 1840.0), ("R100（2024-2025）", "2024-2025", 800.0),
                    ("R101", "2025-2026", 1200.0)]
    # An export holding the latest season's row only is the same payment.
    again = load_file(con, xlsx(tmp_path / "one.xlsx", PAYMENTS, [
        ["R100", "001", "2025-2026", "2025-12-08", "1840", "正常"]]))
    assert (again.rows_inserted, again.rows_updated, again.rows_unchanged) == (0, 0, 1)


def test_a_reversal_under_its_receipts_number_nets_to_nothing(con, tmp_path):
    """A 冲红 reusing the receipt number of the payment it reverses replaced
    that payment (in a later file: paid fell by twice the amount) or was its
    duplicate (in one file: only the reversal loaded). Both rows now load."""
    report = load_file(con, xlsx(tmp_path / "dec.xlsx", PAYMENTS, [
        ["RV1", "001", "2025-2026", "2025-12-08", "1825.28", "正常"],
        ["RV2", "002", "2025-2026", "2025-12-08", "1286.16", "正常"],
        ["RV2", "002", "2025-2026", "2025-12-09", "-1286.16", "冲红"],
        ["CH9", "003", "2025-2026", "2025-12-09", "(100.00)", "冲红"],
        ["ZF1", "005", "2025-2026", "2025-12-09", "300", "已作废"]]))
    assert report.rows_rejected == 0, report.rejects
    assert [c for c, _ in report.notes].count("reversal_same_receipt") == 1
    # The 状态 column: the reversals count as such; only the voided receipt,
    # which counts as paid, is said.
    assert dict(report.notes)["status_marks"] == {"column": "状态", "n": 1, "values": ["已作废"]}
    assert any("与同一户同一供暖季的原收据同号(如 RV2)" in w for w in report.warnings)
    report = load_file(con, xlsx(tmp_path / "jan.xlsx", PAYMENTS, [
        ["RV1", "001", "2025-2026", "2026-01-05", "-1825.28", "冲红"]]))
    assert (report.rows_inserted, report.rows_updated) == (1, 0)
    assert dict(report.notes)["reversal_same_receipt"]["examples"] == ["RV1"]
    assert con.execute("SELECT receipt_no, amount FROM fee_payments ORDER BY 1").fetchall() == [
        ("CH9", -100.0),                      # a reversal of its own number: as it was
        ("RV1", 1825.28), ("RV1（冲红）", -1825.28),
        ("RV2", 1286.16), ("RV2（冲红）", -1286.16), ("ZF1", 300.0)]
    # A negative amount under a number another household or season used is
    # no reversal of it: loaded under its own number (replacing, as numbers
    # do, and said as a number reused).
    other = load_file(con, xlsx(tmp_path / "other.xlsx", PAYMENTS, [
        ["RV2", "009", "2025-2026", "2026-01-06", "-10", "冲红"]]))
    assert "reversal_same_receipt" not in dict(other.notes) and "key_reused" in dict(other.notes)
    assert con.execute("SELECT count(*) FROM fee_payments WHERE receipt_no = 'RV2（冲红）'"
                       ).fetchone()[0] == 1
    undo_batch(con, other.batch_id)
    # The same file again, or an export overlapping it: nothing more.
    again = load_file(con, xlsx(tmp_path / "jan2.xlsx", PAYMENTS, [
        ["RV1", "001", "2025-2026", "2026-01-05", "-1825.28", "冲红"],
        ["RV3", "004", "2025-2026", "2026-01-06", "50", "正常"]]))
    assert (again.rows_inserted, again.rows_updated, again.rows_unchanged) == (1, 0, 1)
    assert con.execute("SELECT sum(amount) FROM fee_payments").fetchone()[0] == \
        pytest.approx(-100.0 + 300 + 50)


def test_readings_without_a_time_of_day_are_said_and_so_is_a_reading_they_replace(
        con, tmp_path):
    """Date-only readings share a household-day's key: a re-measurement loaded
    later replaced the failed reading before it without a word."""
    header = ["户号", "测温时间", "室内温度", "用户签字"]
    first = load_file(con, xlsx(tmp_path / "a.xlsx", header, [
        ["001", "2025-12-08", "16.5", "张三"], ["002", "2025-12-08 09:30", "19", "李四"]]))
    assert [(c, p["n"], p["examples"]) for c, p in first.notes] == [
        ("readings_date_only", 1, ["001"])]
    again = load_file(con, xlsx(tmp_path / "b.xlsx", header, [
        ["001", "2025-12-08", "19.0", "张三"], ["003", "2025-12-08", "18.5", "王五"]]))
    assert again.rows_updated == 1
    assert [(c, p["n"], p["examples"]) for c, p in again.notes] == [
        ("readings_date_only", 2, ["001", "003"]),
        ("readings_same_day_replaced", 1, ["001 2025-12-08"])]
    assert "其中 1 条替换了已导入的同一户同一天、温度不同的记录(如 001 2025-12-08)" in \
        again.warnings[1]


def test_a_station_named_otherwise_than_in_the_roster(con, tmp_path):
    """A ticket of no roster household counts under its 责任单位's branch: a
    name the roster does not have (华光路站, 华光路 换热站) leaves it in no
    branch, said with the names. A roster household's ticket takes its
    household's branch whatever unit handled it (客服中心): not said."""
    load_file(con, xlsx(tmp_path / "roster.xlsx", ["户号", "分公司", "供热站", "供热面积"],
                        [["001", "张店分公司", "华光路换热站", "80"]]))
    report = load_file(con, xlsx(tmp_path / "tickets.xlsx", ["工单编号", "受理时间", "工单类型",
                                                             "责任单位", "户号"], [
        ["GD1", "2025-12-08 08:00", "投诉", "华光路 换热站", None],
        ["GD2", "2025-12-08 08:00", "投诉", "华光路站", "999"],
        ["GD3", "2025-12-08 08:00", "投诉", "华光路换热站", None],
        ["GD4", "2025-12-08 08:00", "投诉", "华光路站", None],
        ["GD5", "2025-12-08 08:00", "投诉", "客服中心", "001"]]))
    notes = [(p["n"], p["keys"]) for c, p in report.notes if c == "station_not_in_roster"]
    assert notes == [(3, ["华光路 换热站", "华光路站"])]
    said = next(w for w in report.warnings if w.startswith("3 张工单"))
    assert said.startswith("3 张工单没有用户档案中的户号,「责任单位」也不是用户档案中的供热站"
                           "(如「华光路 换热站」、「华光路站」)"), said


def test_a_roster_moving_a_household_to_another_branch_says_so(con, tmp_path):
    """Every reading, ticket and bill of a household counts under its branch:
    a roster moving one (two branches' systems numbering alike) moved them
    all without a word. A new owner or area alone is a correction, unsaid."""
    header = ["户号", "分公司", "供热站", "供热面积", "户主姓名"]
    load_file(con, xlsx(tmp_path / "r1.xlsx", header, [
        ["001", "张店分公司", "华光路换热站", "80", "张三"],
        ["002", "张店分公司", "华光路换热站", "90", "李四"]]))
    report = load_file(con, xlsx(tmp_path / "r2.xlsx", header, [
        ["001", "淄川分公司", "松龄路换热站", "120.5", "刘备"],
        ["002", "张店分公司", "华光路换热站", "95", "王五"]]))
    assert report.rows_updated == 2
    assert [(c, p["n"], p["keys"], p["changed_fields"]) for c, p in report.notes] == [
        ("key_reused", 1, ["001"], ["branch"])]
    assert report.warnings[0].startswith(
        "1 个户号在数据仓库中已有记录,但本文件中它们的分公司不同(如「001」)")


def test_a_printed_export_s_page_lines_and_cashier_lines_are_no_rows(con, tmp_path):
    """A fee system's printed export: under each page, the cashier's line
    (收费员:王丽娟 审核:) and a heading with the page number inside it
    (收费日期:2025-12-08 第2页 共3页), then the header again. Each was a
    rejected row ("收据号为空"), burying the real rejects."""
    header = ["收据号", "户号", "供暖季", "缴费日期", "实收金额"]
    report = load_file(con, xlsx(tmp_path / "printed.xlsx", header, [
        ["R1", "001", "2025-2026", "2025-12-08", "100"],
        ["R2", "002", "2025-2026", "2025-12-08", "200"],
        ["收费员:王丽娟  审核:", None, None, None, None],
        ["收费日期:2025-12-08  第2页 共3页", None, None, None, None],
        header,
        ["R3", "003", "2025-2026", "2025-12-08", "300"],
        [None, None, None, "收费员:王丽娟", None],
        ["第3页", None, None, None, None],
        ["R4", "004", "2025-2026", "2025-12-08", "见第2页"]], title="收费明细"))
    assert [(r.row, r.column) for r in report.rejects] == [(11, "amount")]
    assert con.execute("SELECT list(receipt_no ORDER BY 1) FROM fee_payments").fetchone()[0] == \
        ["R1", "R2", "R3"]


def test_a_free_text_under_two_names_reads_the_second_where_the_first_is_blank(con, tmp_path):
    header = ["工单编号", "受理时间", "工单类型", "处理情况", "答复内容", "联系电话", "手机号"]
    report = load_file(con, xlsx(tmp_path / "t.xlsx", header, [
        ["GD1", "2025-12-08 08:00", "咨询", None, "已答复用户", None, "13800001111"],
        ["GD2", "2025-12-08 09:00", "咨询", "已处理", "已答复", "0533-1234567", "13800002222"],
        ["GD3", "2025-12-08 10:00", "咨询", " ", None, None, None]]))
    assert report.rows_rejected == 0, report.rejects
    assert con.execute("SELECT ticket_no, result, phone FROM tickets ORDER BY 1").fetchall() == [
        ("GD1", "已答复用户", "13800001111"), ("GD2", "已处理", "0533-1234567"),
        ("GD3", None, None)]
    assert sorted(p["field"] for c, p in report.notes if c == "columns_also_text") == \
        ["phone", "result"]


def test_a_reading_twice_in_one_file_keeps_the_last_row_whatever_it_says(con, tmp_path):
    """Only a ticket's row that says the most wins over a later one: a
    re-measurement listed after a reading with a note replaces it."""
    header = ["户号", "测温时间", "室内温度", "室外温度", "用户签字", "备注"]
    report = load_file(con, xlsx(tmp_path / "r.xlsx", header, [
        ["001", "2025-12-08 09:00", "16.5", "-2", "张三", "偏低"],
        ["001", "2025-12-08 09:00", "19.0", None, "张三", None]]))
    assert [(r.row, r.reason) for r in report.rejects] == [
        (2, "与同一文件第 3 行的测温时间重复,已以第 3 行为准")]
    assert con.execute("SELECT indoor_c, source_row FROM temperature_readings").fetchall() == \
        [(19.0, 3)]


def test_a_refund_or_a_payment_method_under_other_names_is_read_or_said(con, tmp_path):
    """收款方式 was dropped (日清日结 showed no method); a refund written as a
    positive amount under 状态 已退费, or 交易类型 退费, counted as money
    collected without a word."""
    header = ["收据号", "户号", "供暖季", "缴费日期", "实收金额", "收款方式", "交易类型"]
    report = load_file(con, xlsx(tmp_path / "p.xlsx", header, [
        ["R1", "001", "2025-2026", "2025-12-08", "1840", "微信", "缴费"],
        ["R2", "001", "2025-2026", "2025-12-09", "460", "微信", "退费"]]))
    assert con.execute("SELECT list(method ORDER BY receipt_no) FROM fee_payments"
                       ).fetchone()[0] == ["微信", "微信"]
    assert dict(report.notes)["status_marks"] == {"column": "交易类型", "n": 1, "values": ["退费"]}
    report = load_file(con, xlsx(tmp_path / "q.xlsx", ["收据号", "户号", "供暖季", "缴费日期",
                                                       "实收金额", "状态"], [
        ["R3", "002", "2025-2026", "2025-12-08", "460", "已退费"]]))
    assert dict(report.notes)["status_marks"]["values"] == ["已退费"]


def test_a_monthly_bills_ledger_is_refused_saying_why(con, tmp_path):
    """A row per household and month replaced one another: one month's due
    stood for the season's, and the collection rate read 1,043%."""
    header = ["户号", "供暖季", "账期", "供热面积", "单价", "应收金额"]
    rows = [[h, "2025-2026", month, "100", "5.75", "575"]
            for month in ("2025-11", "2025-12") for h in ("001", "002")]
    path = xlsx(tmp_path / "monthly.xlsx", header, rows)
    report = load_file(con, path)
    assert (report.status, report.error_code) == ("failed", "bills_monthly")
    assert report.error.startswith("这是按月的收费台账:「账期」列有多个月份(如 2025-11、2025-12)")
    assert con.execute("SELECT count(*) FROM fee_bills").fetchone()[0] == 0
    with pytest.raises(PipelineError) as exc:       # refused at the upload page's check too
        plan_file(path).check()
    assert exc.value.code == "bills_monthly"
    # One month in the column: loads, saying a later month's would replace it.
    one = load_file(con, xlsx(tmp_path / "one.xlsx", header, rows[:2]))
    assert (one.status, one.rows_inserted) == ("loaded", 2)
    assert dict(one.notes)["bills_one_month"] == {"column": "账期", "month": "2025-11"}
    # A ledger of two seasons whose 账期 names them: no monthly ledger.
    seasons = load_file(con, xlsx(tmp_path / "seasons.xlsx", header, [
        ["003", "2024-2025", "2024-2025采暖季", "100", "23", "2300"],
        ["003", "2025-2026", "2025-2026采暖季", "100", "23", "2300"]]))
    assert (seasons.status, seasons.rows_inserted) == ("loaded", 2), seasons.error


def test_an_unreadable_optional_cell_of_a_bill_or_receipt_loads_it_empty(con, tmp_path):
    """A bill's "低保减免500" or "23元/平方米·采暖期", a receipt's 20-digit e-invoice
    number stored as a number: the whole bill or receipt was rejected, its
    amount due or money lost from every rate. It loads with that cell empty."""
    bills = load_file(con, xlsx(tmp_path / "b.xlsx", ["户号", "供暖季", "供热面积", "单价",
                                                     "减免金额", "应收金额"], [
        ["001", "2025-2026", "100", "23", "低保减免500", "1800"],
        ["002", "2025-2026", "100", "23元/平方米·采暖期", "0", "2300"],
        ["003", "2025-2026", "100", "23", "0", "2300"]]))
    assert (bills.rows_inserted, bills.rows_rejected) == (3, 0), bills.rejects
    assert con.execute("SELECT household_id, unit_price, exemption, amount_due FROM fee_bills "
                       "ORDER BY 1").fetchall() == [
        ("001", 23.0, None, 1800.0), ("002", None, 0.0, 2300.0), ("003", 23.0, 0.0, 2300.0)]
    assert [(p["field"], p["n"], p["values"]) for c, p in bills.notes
            if c == "unreadable_left_empty"] == [
        ("unit_price", 1, ["23元/平方米·采暖期"]), ("exemption", 1, ["低保减免500"])]
    paid = load_file(con, xlsx(tmp_path / "p.xlsx", ["收据号", "户号", "供暖季", "缴费日期",
                                                    "实收金额", "发票号码"], [
        ["R1", "001", "2025-2026", "2025-12-08", "1800", 25370000000012345678],
        ["R2", "002", "2025-2026", "2025-12-08", "2300", "INV2"]]))
    assert (paid.rows_inserted, paid.rows_rejected) == (2, 0), paid.rejects
    assert con.execute("SELECT receipt_no, invoice_no FROM fee_payments ORDER BY 1").fetchall() \
        == [("R1", None), ("R2", "INV2")]
    assert "unreadable_left_empty" in dict(paid.notes)


def test_a_price_per_month_is_said(con, tmp_path):
    header = ["户号", "供暖季", "供热面积", "单价(元/㎡/月)", "应收金额"]
    report = load_file(con, xlsx(tmp_path / "b.xlsx", header, [
        ["001", "2025-2026", "100", "5.75", "2300"]]))
    assert dict(report.notes)["price_per_month"] == {"column": "单价(元/㎡/月)"}
    season = load_file(con, xlsx(tmp_path / "s.xlsx", ["户号", "供暖季", "供热面积", "单价(元/㎡)",
                                                       "应收金额"], [
        ["002", "2025-2026", "100", "23", "2300"]]))
    assert "price_per_month" not in dict(season.notes)


def test_receipts_for_other_fees_and_a_building_area_are_said(con, tmp_path):
    """A 收费项目 column (滞纳金, 开口费) was dropped as unknown: the late fee
    counted as heating fee paid. A roster with 建筑面积 alone read it as the
    heated area without a word."""
    paid = load_file(con, xlsx(tmp_path / "p.xlsx", ["收据号", "户号", "供暖季", "缴费日期",
                                                    "实收金额", "收费项目"], [
        ["R1", "001", "2025-2026", "2025-12-08", "1840", "采暖费"],
        ["R2", "001", "2025-2026", "2025-12-08", "50", "滞纳金"],
        ["R3", "002", "2025-2026", "2025-12-08", "3000", "开口费"],
        ["R4", "002", "2025-2026", "2025-12-08", "1840", ""]]))
    assert dict(paid.notes)["other_fee_items"] == {"column": "收费项目", "n": 2,
                                                   "values": ["滞纳金", "开口费"]}
    # A bare 项目 naming the housing project is no fee item; naming fees, it is.
    project = load_file(con, xlsx(tmp_path / "q.xlsx", ["收据号", "户号", "供暖季", "缴费日期",
                                                       "实收金额", "项目"], [
        ["R5", "003", "2025-2026", "2025-12-08", "1840", "华光小区"],
        ["R6", "004", "2025-2026", "2025-12-08", "1840", "世纪花园"]]))
    assert "other_fee_items" not in dict(project.notes)
    items = load_file(con, xlsx(tmp_path / "q2.xlsx", ["收据号", "户号", "供暖季", "缴费日期",
                                                      "实收金额", "项目"], [
        ["R7", "003", "2025-2026", "2025-12-08", "1840", "采暖费"],
        ["R8", "004", "2025-2026", "2025-12-08", "60", "维修费"]]))
    assert dict(items.notes)["other_fee_items"] == {"column": "项目", "n": 1, "values": ["维修费"]}
    roster = load_file(con, xlsx(tmp_path / "r.xlsx", ["户号", "分公司", "供热站", "建筑面积"], [
        ["001", "张店分公司", "华光路换热站", "95.5"]]))
    assert dict(roster.notes)["area_is_building"] == {"column": "建筑面积"}
    both = load_file(con, xlsx(tmp_path / "r2.xlsx", ["户号", "分公司", "供热站", "建筑面积",
                                                     "供热面积"], [
        ["002", "张店分公司", "华光路换热站", "95.5", "80"]]))
    assert "area_is_building" not in dict(both.notes)


def test_same_file_twice_is_already_loaded_and_adds_nothing(con):
    first = load_file(con, FILES / "temperature_good.xlsx")
    counts = row_counts(con)
    again = load_file(con, FILES / "temperature_good.xlsx", file_name="renamed copy.xlsx")
    assert again.status == "already_loaded"
    assert again.batch_id == first.batch_id
    assert (again.rows_read, again.rows_inserted) == (0, 0)
    assert row_counts(con) == counts
    assert con.execute("SELECT count(*) FROM batches").fetchone()[0] == 1


def test_overlapping_export_counts_only_new_and_changed_rows(con):
    load_file(con, FILES / "temperature_good.xlsx")
    report = load_file(con, FILES / "temperature_overlap.xlsx")
    assert (report.rows_read, report.rows_inserted, report.rows_updated,
            report.rows_unchanged, report.rows_rejected) == (5, 2, 1, 2, 0)
    assert con.execute("SELECT count(*) FROM temperature_readings").fetchone()[0] == 7
    assert con.execute("SELECT indoor_c, batch_id FROM temperature_readings "
                       "WHERE household_id = '01020310903'").fetchone() == (20.5, report.batch_id)


# --- files whose content does not match their name ------------------------------

def test_text_renamed_xlsx_is_called_not_a_real_excel_file(con, tmp_path):
    path = tmp_path / "测温记录.xlsx"
    path.write_text("这不是一个Excel文件\n只是一些文字\n", encoding="utf-8")
    zh, en = load_file(con, path), load_file(con, path, lang="en")
    assert (zh.status, zh.error_code) == ("failed", "misnamed_excel")
    assert "不是真正的 Excel 文件" in zh.error and "重新导出" in zh.error
    assert "文件中的列" not in zh.error and "这不是一个Excel文件" not in zh.error
    assert "not a real Excel file" in en.error and "Export it again" in en.error
    # A real CSV export named .xlsx still loads: the bytes decide.
    csv = tmp_path / "payments.xlsx"
    csv.write_bytes((FILES / "payments_gbk.csv").read_bytes())
    assert load_file(con, csv).status == "loaded"


def test_corrupt_workbook_message_is_all_in_the_users_language(con):
    import re
    zh = load_file(con, FILES / "truncated.xlsx")
    en = load_file(con, FILES / "truncated.xlsx", lang="en")
    assert zh.error_code == "corrupt_file"
    assert "文件已损坏或不完整" in zh.error and "zip" not in zh.error.lower()
    assert not re.search(r"[A-Za-z]{3,}", zh.error.replace("Excel", "").replace("xlsx", ""))
    assert "damaged or incomplete" in en.error and "zip" not in en.error.lower()


def test_image_renamed_xlsx_says_its_content_is_no_spreadsheet(con, tmp_path):
    path = tmp_path / "photo.xlsx"
    path.write_bytes(tiny_png())
    zh, en = load_file(con, path), load_file(con, path, lang="en")
    assert zh.error_code == "unsupported_format"
    assert "文件名是 .xlsx" in zh.error and "内容不是可读取的电子表格" in zh.error
    assert "无法识别此文件格式" not in zh.error and "重新导出" in zh.error
    assert "named .xlsx" in en.error and "not a spreadsheet" in en.error


def test_signature_column_declared_absent_loads_every_reading_unsigned(con):
    from pipelines.mapping import ABSENT, detect
    from pipelines.load import plan_file
    path = FILES / "temperature_no_signature.xlsx"
    plan = plan_file(path)
    assert plan.mapping.missing == ["signed"]
    mapping = detect(plan.header.labels, "temperature", {"signed": ABSENT})
    assert mapping.complete and mapping.absent == ["signed"] and "signed" not in mapping.columns
    report = load_file(con, path, overrides={"signed": ABSENT})
    assert report.status == "loaded" and report.rows_inserted > 0
    assert con.execute("SELECT count(*) FROM temperature_readings "
                       "WHERE coalesce(signed, false)").fetchone() == (0,)
    import datetime as dt
    from metrics.kpi_query import query
    season = (dt.date(2025, 11, 15), dt.date(2026, 3, 15))
    unsigned = query(con, "temp_unsigned_readings", season).iloc[0]
    assert unsigned.numerator == unsigned.denominator == report.rows_inserted
    assert query(con, "temp_compliance_rate", season).iloc[0].denominator == 0


def test_required_key_columns_cannot_be_declared_absent(con):
    from pipelines.mapping import ABSENT, detect
    from pipelines.load import plan_file
    plan = plan_file(Path(__file__).parent / "data" / "ui" / "temperature_odd_header.xlsx")
    assert plan.mapping.missing == ["measured_at"]
    mapping = detect(plan.header.labels, "temperature", {"measured_at": ABSENT})
    assert mapping.missing == ["measured_at"] and not mapping.absent
    report = load_file(con, Path(__file__).parent / "data" / "ui" / "temperature_odd_header.xlsx",
                       overrides={"measured_at": ABSENT, "household_id": ABSENT})
    assert report.error_code == "missing_columns"


@pytest.mark.parametrize("header, zh, en", [
    # A column every export has: no "household ID not found" beside 户号 in the
    # file's columns; what each export needs instead.
    ("户号,温度,时间", "每种导出至少要有这些列——用户档案:户号、分公司、供热站、供热面积(㎡);"
                     "测温记录:户号、测温时间、室内温度(℃)、用户签字;",
     "Each export needs at least these columns — Household roster: Household ID, Branch, "),
    # One export's own column: that export and what it lacks.
    ("工单编号,甲,乙", "最接近的是「客服工单」,但缺少这些必需的列:受理时间、工单类型。",
     "The closest is “Service tickets”, but it lacks these required columns: Received at "
     "(受理时间), Category (工单类型)."),
])
def test_an_unrecognised_file_says_what_it_lacks_never_what_it_has(con, tmp_path, header, zh, en):
    path = tmp_path / "x.csv"
    path.write_text(header + "\n1,2,3\n", encoding="utf-8")
    report = load_file(con, path)
    assert report.status == "failed" and zh in report.error, report.error
    assert "没有找到户号" not in report.error
    assert en in load_file(con, path, lang="en").error


def test_a_signature_declared_absent_leaves_readings_loaded_before_as_they_were(con, tmp_path):
    # The upload form says so: the file's new readings are unsigned; a reading
    # loaded before from a file with signatures keeps its signature.
    import datetime as dt
    from pipelines.mapping import ABSENT
    signed = xlsx(tmp_path / "签字.xlsx", ["户号", "测温时间", "室内温度", "用户签字"],
                  [["0100001", "2025-12-01 08:00", 19, "张三"]])
    assert load_file(con, signed).rows_inserted == 1
    bare = xlsx(tmp_path / "无签字.xlsx", ["户号", "测温时间", "室内温度"],
                [["0100001", "2025-12-01 08:00", 19], ["0100002", "2025-12-01 09:00", 19]])
    report = load_file(con, bare, overrides={"signed": ABSENT})
    assert (report.status, report.rows_inserted) == ("loaded", 1)
    assert con.execute("SELECT household_id, coalesce(signed, false) FROM temperature_readings "
                       "ORDER BY 1").fetchall() == [("0100001", True), ("0100002", False)]
    assert con.execute("SELECT measured_at FROM temperature_readings WHERE household_id = "
                       "'0100002'").fetchone() == (dt.datetime(2025, 12, 1, 9),)
