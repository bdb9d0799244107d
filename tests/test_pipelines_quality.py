"""Values that load wrong without a word: times not yet come, roster IDs whose
leading zeros Excel dropped, signature cells saying a signature is still to
come, choice words outside a column's list, ticket times out of order, and
digits with a space between them."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from i18n import t
from made_files import xlsx
from pipelines import stage as stage_module
from pipelines.load import load_file

NOW = dt.datetime(2025, 12, 10, 12, 0)
TEMPERATURE = ["户号", "测温时间", "室内温度", "室外温度", "用户签字"]
ROSTER = ["户号", "分公司", "供热站", "供热面积"]
TICKETS = ["工单编号", "受理时间", "工单类型", "户号", "派单时间", "到场时间", "办结时间",
           "处理结果", "回访时间", "回访满意度"]
PAYMENTS = ["收据号", "户号", "供暖季", "缴费日期", "实收金额"]


@pytest.fixture
def clock(monkeypatch):
    """The time of loading fixed at NOW (Asia/Shanghai wall clock)."""
    monkeypatch.setattr(stage_module, "local_now", lambda: NOW)
    return NOW


# --- 1. times not yet come ----------------------------------------------------------

def test_the_clock_is_the_companys_wall_clock():
    shanghai = dt.datetime.now(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)
    assert abs(stage_module.local_now() - shanghai) < dt.timedelta(minutes=1)


def test_a_reading_in_the_future_is_rejected_naming_its_time(con, tmp_path, clock):
    rows = [["0101", "2052-11-20 09:00", 19.5, 2, "张三"],     # 2052 typed for 2025
            ["0102", "2026-01-10 09:00", 19.5, 2, "张三"],     # next month
            ["0103", "2025-12-11 11:59", 19.5, 2, "张三"],     # within a day: clocks differ
            ["0104", "2025-12-11 12:01", 19.5, 2, "张三"],
            ["0105", "2025-12-10 08:00", 19.5, 2, "张三"]]
    path = xlsx(tmp_path / "测温.xlsx", TEMPERATURE, rows)
    report = load_file(con, path)
    assert [(r.row, r.column, r.code) for r in report.rejects] == [
        (2, "measured_at", "future_time"), (3, "measured_at", "future_time"),
        (5, "measured_at", "future_time")]
    assert report.rejects[0].reason == (
        "测温时间「2052-11-20 09:00」是将来的时间(比导入时晚一天以上),疑为年份或日期写错,"
        "此行未导入。请核对年份和日期,改正后再上传。")
    assert report.rejects[0].reason_in("en") == (
        'Measured at "2052-11-20 09:00" is in the future (more than a day after the time of '
        'loading): the year or date is most likely mistyped, so the row was not loaded. Check '
        'the year and date, correct them and upload again.'.replace(
            "Measured at", t("field.measured_at", "en")))
    assert con.execute("SELECT max(measured_at) FROM temperature_readings").fetchone()[0] == \
        dt.datetime(2025, 12, 11, 11, 59)


def test_tickets_and_payments_in_the_future_are_rejected(con, tmp_path, clock):
    tickets = load_file(con, xlsx(tmp_path / "工单.xlsx", TICKETS[:4], [
        ["T1", "2025-12-09 09:00", "投诉", "0101"], ["T2", "2026-12-09 09:00", "投诉", "0101"]]))
    assert [(r.value, r.code) for r in tickets.rejects] == [("2026-12-09 09:00", "future_time")]
    payments = load_file(con, xlsx(tmp_path / "收费.xlsx", PAYMENTS, [
        ["S1", "0101", "2025-2026", "2025-12-01", 100],
        ["S2", "0101", "2025-2026", "2052-12-01", 100]]))
    assert [(r.value, r.code) for r in payments.rejects] == [("2052-12-01", "future_time")]


def test_a_later_ticket_time_in_the_future_is_left_empty_with_a_warning(con, tmp_path, clock):
    report = load_file(con, xlsx(tmp_path / "工单.xlsx", TICKETS, [
        ["T1", "2025-12-09 09:00", "投诉", "0101", None, None, "2052-12-09 10:00", "已处理",
         None, None]]))
    assert (report.rows_inserted, report.rejects) == (1, [])
    assert report.warnings == [t("load.warning.time_future", column="办结时间", n=1,
                                 examples="T1 (2052-12-09 10:00)")]
    assert con.execute("SELECT resolved_at FROM tickets").fetchone() == (None,)


# --- 2. roster IDs whose leading zeros Excel dropped ---------------------------------

def _ids(con) -> list[str]:
    return [i for (i,) in con.execute("SELECT household_id FROM households ORDER BY 1").fetchall()]


def test_a_roster_of_number_ids_is_padded_to_the_rosters_width(con, tmp_path):
    load_file(con, xlsx(tmp_path / "档案.xlsx", ROSTER, [
        ["01010110101", "张店分公司", "一站", 80], ["01010110102", "张店分公司", "一站", 80]]))
    report = load_file(con, xlsx(tmp_path / "档案2.xlsx", ROSTER, [
        [1010110101, "张店分公司", "一站", 85], [1010110103, "张店分公司", "一站", 90]]))
    assert report.rows_rejected == 0
    assert report.warnings == [t("load.warning.roster_ids_padded", n=2, width=11,
                                 example="1010110101", padded="01010110101")]
    assert _ids(con) == [
        "01010110101", "01010110102", "01010110103"]
    # The roster is still of one width: a reading's number ID is padded too.
    readings = load_file(con, xlsx(tmp_path / "测温.xlsx", TEMPERATURE, [
        [1010110103, "2025-12-08 08:00", 19, 2, "张三"]]))
    assert readings.warnings[0].startswith("1 行的户号在文件中是数字格式")
    assert con.execute("SELECT household_id FROM temperature_readings").fetchone() == \
        ("01010110103",)


def test_a_first_roster_takes_the_width_of_its_text_ids(con, tmp_path):
    report = load_file(con, xlsx(tmp_path / "档案.xlsx", ROSTER, [
        ["0101001", "张店分公司", "一站", 80], [101002, "张店分公司", "一站", 80],
        ["0101003", "张店分公司", "一站", 80]]))
    assert report.warnings == [t("load.warning.roster_ids_padded", n=1, width=7,
                                 example="101002", padded="0101002")]
    assert _ids(con) == [
        "0101001", "0101002", "0101003"]


def test_ids_of_no_one_width_are_not_padded(con, tmp_path):
    # Text IDs of two widths: which width a number ID lost zeros from is unknown.
    report = load_file(con, xlsx(tmp_path / "档案.xlsx", ROSTER, [
        ["0101001", "张店分公司", "一站", 80], ["01010002", "张店分公司", "一站", 80],
        [101003, "张店分公司", "一站", 80]]))
    assert report.warnings == []
    assert "101003" in {i for (i,) in con.execute("SELECT household_id FROM households").fetchall()}


# --- 3. signature cells ---------------------------------------------------------------

SIGNATURES = [
    ("未补签", False), ("待补签", False), ("需补签", False), ("补签中", False), ("尚未补签", False),
    ("后补", False), ("暂无", False), ("空白", False), ("未知", False), ("N/A", False),
    ("null", False), ("?", False), ("？", False), ("电话确认", False), ("口头确认", False),
    ("已补签", True), ("无人签字后补签", True), ("张三", True), ("王后补", True),
    ("口头同意", False), ("微信已确认", False), ("NaN", False),
    # a phone or WeChat named beside a signature is no consent without one
    ("微信签名", True), ("短信验证码签字", True), ("张三 电话13812345678", True),
    ("李四(微信同意后签字)", True), ("家属代签(电话通知)", True), ("张电话", True),
]


def test_signatures_still_to_come_and_placeholders_are_unsigned(con, tmp_path):
    rows = [[f"{i:05d}", "2025-12-08 08:00", 18.5, -3, cell]
            for i, (cell, _) in enumerate(SIGNATURES)]
    report = load_file(con, xlsx(tmp_path / "签字.xlsx", TEMPERATURE, rows))
    assert report.rows_rejected == 0
    got = dict(con.execute("SELECT household_id, signed FROM temperature_readings").fetchall())
    assert {cell: got[f"{i:05d}"] for i, (cell, _) in enumerate(SIGNATURES)} == dict(SIGNATURES)


# --- 4. words outside an optional choice column's list --------------------------------

RATINGS = [("好评", "满意"), ("差评", "不满意"), ("较满意", "基本满意"), ("很满意", "满意"),
           ("一般", None), ("满意度一般", None), ("5分", None), ("★★★★★", None)]


def test_a_rating_outside_the_list_keeps_the_complaint_unrated(con, tmp_path):
    rows = [[f"R{i}", "2025-12-08 08:00", "投诉", "0101", None, None, "2025-12-08 12:00",
             "已处理", "2025-12-08 15:00", cell] for i, (cell, _) in enumerate(RATINGS)]
    report = load_file(con, xlsx(tmp_path / "工单.xlsx", TICKETS, rows))
    assert (report.rows_inserted, report.rejects) == (len(RATINGS), [])
    got = dict(con.execute("SELECT ticket_no, satisfaction FROM tickets").fetchall())
    assert {cell: got[f"R{i}"] for i, (cell, _) in enumerate(RATINGS)} == dict(RATINGS)
    assert report.warnings == [t("load.warning.unknown_values", column="回访满意度", n=4,
                                 values="一般、满意度一般、5分、★★★★★", field="回访满意度",
                                 allowed="满意、基本满意、不满意")]
    english = load_file(con, xlsx(tmp_path / "工单2.xlsx", TICKETS, [rows[0], rows[4]]), lang="en")
    assert english.warnings[0].startswith('Column "回访满意度": 1 row(s) hold values (一般)')


def test_a_household_with_an_unknown_zone_type_or_status_loads_without_it(con, tmp_path):
    report = load_file(con, xlsx(tmp_path / "档案.xlsx", ROSTER + ["用户类型", "供热状态", "高低区"], [
        ["0001", "张店分公司", "一站", 80, "居民", "供热", "低区"],
        ["0002", "张店分公司", "一站", 80, "商铺", "欠费停供", "中区"],
        ["0003", "张店分公司", "一站", 80, "学校", "供热", "高区"]]))
    assert (report.rows_inserted, report.rejects) == (3, [])
    assert [w.split(")")[0] for w in report.warnings] == [
        "「高低区」列有 1 行的值(中区", "「用户类型」列有 2 行的值(商铺、学校",
        "「供热状态」列有 1 行的值(欠费停供"]
    assert con.execute("SELECT household_id, customer_type, heating_status, zone FROM households "
                       "ORDER BY 1").fetchall() == [
        ("0001", "居民", "供热", "低区"), ("0002", None, None, None), ("0003", None, "供热", "高区")]


# --- 5. ticket times out of order -----------------------------------------------------

def test_times_before_the_ticket_was_received_are_left_empty_with_a_warning(con, tmp_path):
    rows = [
        # dispatched and arrived before received; followed up before received
        ["T1", "2025-11-25 10:00", "抢修", "0101", "2025-11-25 09:00", "2025-11-25 08:00",
         "2025-11-25 12:00", "已修", "2025-11-24 10:00", "满意"],
        # followed up before resolved
        ["T2", "2025-11-25 10:00", "报修", "0101", None, None, "2025-11-25 11:00", "已修",
         "2025-11-25 10:30", "满意"],
        # a follow-up dated the day of resolution, without a clock time: not before it
        ["T3", "2025-11-25 10:00", "报修", "0101", "2025-11-25 10:05", "2025-11-25 10:30",
         "2025-11-25 11:00", "已修", "2025-11-25", "满意"],
        # resolved before received: rejected, as before
        ["T4", "2025-11-25 10:00", "报修", "0101", None, None, "2025-11-25 09:00", "已修",
         None, None]]
    report = load_file(con, xlsx(tmp_path / "工单.xlsx", TICKETS, rows))
    assert [(r.value, r.code) for r in report.rejects] == [("2025-11-25 09:00", "before_received")]
    assert report.warnings == [
        t("load.warning.time_before_received", column="派单时间", n=1,
          examples="T1 (2025-11-25 09:00)"),
        t("load.warning.time_before_received", column="到场时间", n=1,
          examples="T1 (2025-11-25 08:00)"),
        t("load.warning.followup_too_early", column="回访时间", n=2,
          examples="T1 (2025-11-24 10:00)、T2 (2025-11-25 10:30)")]
    got = {r[0]: r[1:] for r in con.execute(
        "SELECT ticket_no, dispatched_at, arrived_at, followup_at, satisfaction FROM tickets"
    ).fetchall()}
    assert got["T1"] == (None, None, None, "满意")
    assert got["T2"] == (None, None, None, "满意")
    assert got["T3"][2] == dt.datetime(2025, 11, 25)


def test_a_resolution_dated_the_day_of_receipt_counts_as_resolved_that_day(con, tmp_path):
    # 办结时间 as a date only (the export's format), the day of receipt: it read
    # 00:00, before the receipt at 10:00, and the whole ticket was rejected,
    # missing from volume, closure and complaints. Resolved that day: loaded
    # at the receipt's time, said. A date-only resolution on a later day loads
    # as that day's 00:00 (as before); one dated the day before is rejected.
    rows = [["S1", "2025-11-25 10:00", "报修", "0101", None, None, "2025-11-25", "已修",
             None, None],
            ["S2", "2025-11-25 10:00", "报修", "0101", None, None,
             dt.datetime(2025, 11, 25), "已修", None, None],
            ["S3", "2025-11-25 10:00", "报修", "0101", None, None, "2025-11-26", "已修",
             None, None],
            ["S4", "2025-11-25 10:00", "报修", "0101", None, None, "2025-11-24", "已修",
             None, None],
            ["S5", "2025-11-25 10:00", "报修", "0101", None, None, "2025-11-25 09:00", "已修",
             None, None]]
    report = load_file(con, xlsx(tmp_path / "工单.xlsx", TICKETS, rows))
    assert [(r.value, r.code) for r in report.rejects] == [
        ("2025-11-24", "before_received"), ("2025-11-25 09:00", "before_received")]
    assert report.warnings == [t("load.warning.resolved_same_day", column="办结时间", n=2,
                                 examples="S1、S2")]
    assert dict(con.execute("SELECT ticket_no, resolved_at FROM tickets").fetchall()) == {
        "S1": dt.datetime(2025, 11, 25, 10), "S2": dt.datetime(2025, 11, 25, 10),
        "S3": dt.datetime(2025, 11, 26)}
    english = load_file(con, xlsx(tmp_path / "工单2.xlsx", TICKETS, rows[:1]), lang="en")
    assert english.warnings[0].startswith('Column "办结时间": 1 row(s) give only a date')


def test_a_received_time_without_a_clock_time_is_warned_of(con, tmp_path):
    rows = [["D1", "2025-11-25", "抢修", "0101", None, "2025-11-25 09:00", None, None, None, None],
            ["D2", dt.datetime(2025, 11, 25), "报修", "0101", None, None, None, None, None, None],
            ["D3", "2025-11-25 08:05", "报修", "0101", None, None, None, None, None, None]]
    report = load_file(con, xlsx(tmp_path / "工单.xlsx", TICKETS, rows))
    assert report.rows_inserted == 3
    assert report.warnings == [t("load.warning.date_only", column="受理时间", n=2,
                                 examples="D1、D2")]


# --- 6. digits with a space between them ----------------------------------------------

def test_a_space_between_digits_is_rejected_as_unclear(con, tmp_path):
    readings = load_file(con, xlsx(tmp_path / "测温.xlsx", TEMPERATURE, [
        ["0101", "2025-12-08 08:00", "18 5", 2, "张三"],
        ["0102", "2025-12-08 08:00", "18.5 ℃", 2, "张三"]]))
    assert [(r.value, r.code) for r in readings.rejects] == [("18 5", "number_space")]
    assert readings.rejects[0].reason == (
        "室内温度(℃)「18 5」的数字中间有空格,无法确定是哪个数(如 18 5 可能是 18.5 也可能是 185),"
        "为免读错,此行未导入。请去掉空格或写成 18.5 这样的数字后再上传。")
    payments = load_file(con, xlsx(tmp_path / "收费.xlsx", PAYMENTS, [
        ["S1", "0101", "2025-2026", "2025-12-01", "1 2"],
        ["S2", "0101", "2025-2026", "2025-12-01", "1 234.50"],
        # grouped in threes, also after ¥ and in accounting brackets
        ["S3", "0101", "2025-2026", "2025-12-01", "¥ 1 234.50"],
        ["S4", "0101", "2025-2026", "2025-12-01", "(1 234.50)"]]))
    assert [(r.value, r.code) for r in payments.rejects] == [("1 2", "number_space")]
    assert con.execute("SELECT receipt_no, amount FROM fee_payments ORDER BY 1").fetchall() == [
        ("S2", 1234.5), ("S3", 1234.5), ("S4", -1234.5)]
    roster = load_file(con, xlsx(tmp_path / "档案.xlsx", ["户号", "分公司", "供热站", "供热面积"], [
        ["0101", "张店分公司", "华光路换热站", "1 234.5"]]))   # an area grouped so
    assert roster.rows_rejected == 0
    assert con.execute("SELECT heated_area_m2 FROM households").fetchone() == (1234.5,)


@pytest.mark.parametrize("cell", [dt.time(8, 20), "8:20", "08：20：00"])
def test_a_time_of_day_without_a_date_says_so(con, tmp_path, cell):
    # An Excel time cell read «1899-12-31 08:20:00» and was "not a date".
    path = xlsx(tmp_path / "测温.xlsx", TEMPERATURE,
                [["01010110101", cell, 17, 1, "张三"],
                 ["01010110102", "2025-11-28 09:10", 19, 1, "李四"]])
    report = load_file(con, path)
    assert report.rows_inserted == 1
    [reject] = report.rejects
    assert reject.code == "time_no_date" and "只有时刻、没有日期" in reject.reason
    from pipelines.reasons import text
    assert "gives a time of day but no date" in text(reject.code, "measured_at", {}, "8:20", "en")


def test_a_future_time_of_a_date_and_a_time_column_names_the_two_together(con, tmp_path,
                                                                          clock):
    # 测温日期 2026-12-02 and an Excel time cell: the reject said
    # 测温时间「1899-12-31 09:00:00」是将来的时间.
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["户号", "测温日期", "测温时间", "室内温度", "用户签字"])
    ws.append(["0101", dt.date(2052, 12, 2), dt.time(9, 0), 19.5, "张三"])
    ws.append(["0102", dt.date(2025, 12, 2), dt.time(9, 0), 19.5, "李四"])
    ws["B2"].number_format = ws["B3"].number_format = "yyyy-mm-dd"
    ws["C2"].number_format = ws["C3"].number_format = "h:mm"
    wb.save(tmp_path / "测温.xlsx")
    report = load_file(con, tmp_path / "测温.xlsx")
    [reject] = report.rejects
    assert (reject.code, reject.value) == ("future_time", "2052-12-02 09:00")
    assert "「2052-12-02 09:00」是将来的时间" in reject.reason
