"""Which kind of export a file is when it holds a household's columns beside
another kind's; the same file as another kind; ticket and receipt numbers
used again; a corrected file whose keys changed."""
from __future__ import annotations

import pytest

from made_files import xlsx
from pipelines.batches import undo_batch
from pipelines.errors import PipelineError
from pipelines.load import load_file
from pipelines.mapping import detect

ROSTER_HEADER = ["户号", "分公司", "供热站", "供热面积"]
ROSTER_ROWS = [["0101001", "张店分公司", "华光路换热站", 55.92],
               ["0101002", "张店分公司", "华光路换热站", 79.36],
               ["0101003", "张店分公司", "华光路换热站", 90.00]]
BILLS_WITH_PLACE = ["户号", "分公司", "供热站", "收费面积", "供暖季", "单价(元/㎡)", "减免金额",
                    "应收金额", "供热状态"]
BILLS_ROWS = [["0101001", "张店分公司", "华光站", 56, "2026-2027", 23, 0, 1288, "供热"],
              ["0101002", "张店分公司", "华光站", 80, "2026-2027", 23, 0, 1840, "供热"]]
TEMP_HEADER = ["户号", "测温时间", "室内温度", "室外温度", "用户签字", "测温人"]
TICKET_HEADER = ["工单编号", "受理时间", "工单类型", "户号", "反映内容"]
PAY_HEADER = ["收据号", "户号", "供暖季", "缴费日期", "实收金额"]


# --- detection -----------------------------------------------------------------

@pytest.mark.parametrize("labels, dataset", [
    (BILLS_WITH_PLACE, "fee_bills"),
    (["户号", "分公司", "供热站", "供热面积", "测温时间", "室内温度", "用户签字"],
     "temperature_readings"),
    (["工单编号", "受理时间", "工单类型", "户号", "分公司", "供热站", "供热面积", "反映内容"],
     "tickets"),
    (["收据号", "户号", "户名", "分公司", "供热站", "面积", "供暖季", "缴费日期", "实收金额"],
     "fee_payments"),
    (ROSTER_HEADER, "households"),
    # 供暖季 and 备注 belong to no other kind only: still a roster.
    (ROSTER_HEADER + ["供暖季", "备注"], "households"),
])
def test_the_columns_of_one_kind_only_decide(labels, dataset):
    assert detect(labels).dataset == dataset


def test_a_roster_beside_columns_of_one_other_kind_is_unclear():
    # 应收金额 but no 供暖季: neither a complete bills ledger nor a roster.
    labels = ROSTER_HEADER + ["应收金额"]
    with pytest.raises(PipelineError) as info:
        detect(labels)
    assert info.value.code == "kind_unclear_roster"
    zh, en = info.value.message("zh"), info.value.message("en")
    assert "应收金额" in zh and "供暖季" in zh and "--kind fees" in zh and "收费数据" in zh
    assert "应收金额" in en and "Season" in en and "--kind fees" in en and "Fee records" in en
    # A kind chosen decides.
    assert detect(labels, "households").dataset == "households"
    assert detect(labels, "fees").missing == ["season"]


def test_a_file_fitting_two_kinds_asks_which():
    labels = ["户号", "测温时间", "室内温度", "用户签字", "工单编号", "受理时间", "工单类型"]
    with pytest.raises(PipelineError) as info:
        detect(labels)
    assert info.value.code == "kind_unclear"
    for lang in ("zh", "en"):
        words = info.value.message(lang)
        assert "--kind temperature" in words and "--kind tickets" in words
        assert "测温时间" in words and "工单编号" in words
    assert "测温记录" in info.value.message("zh") and "客服工单" in info.value.message("zh")
    assert detect(labels, "tickets").dataset == "tickets"
    assert detect(labels, "temperature").dataset == "temperature_readings"


def test_an_unclear_file_fails_its_load_and_changes_nothing(con, tmp_path):
    load_file(con, xlsx(tmp_path / "档案.xlsx", ROSTER_HEADER, ROSTER_ROWS))
    report = load_file(con, xlsx(tmp_path / "混合.xlsx", ROSTER_HEADER + ["应收金额"],
                                 [["0101001", "张店分公司", "华光站", 56, 1288]]), lang="en")
    assert report.status == "failed" and report.error_code == "kind_unclear_roster"
    assert "--kind households" in report.error
    assert con.execute("SELECT station, heated_area_m2 FROM households "
                       "WHERE household_id = '0101001'").fetchone() == ("华光路换热站", 55.92)


# --- a bills ledger with the household's columns -------------------------------

def test_bills_with_the_households_place_load_as_bills(con, tmp_path):
    load_file(con, xlsx(tmp_path / "档案.xlsx", ROSTER_HEADER, ROSTER_ROWS))
    report = load_file(con, xlsx(tmp_path / "台账.xlsx", BILLS_WITH_PLACE, BILLS_ROWS))
    assert (report.status, report.dataset, report.rows_inserted) == ("loaded", "fee_bills", 2)
    assert con.execute("SELECT household_id, season, amount_due FROM fee_bills ORDER BY 1"
                       ).fetchall() == [("0101001", "2026-2027", 1288.0),
                                        ("0101002", "2026-2027", 1840.0)]
    # The roster's stations and areas are as the roster said.
    assert con.execute("SELECT station, heated_area_m2 FROM households ORDER BY household_id"
                       ).fetchall() == [("华光路换热站", 55.92), ("华光路换热站", 79.36),
                                        ("华光路换热站", 90.0)]


def test_a_roster_load_names_the_columns_of_another_kind_it_dropped(con, tmp_path):
    path = xlsx(tmp_path / "台账.xlsx", BILLS_WITH_PLACE, BILLS_ROWS)
    zh = load_file(con, path, kind="households")
    assert zh.status == "loaded" and zh.dataset == "households"
    [words] = [w for w in zh.warnings if "应收金额" in w]
    assert "「供暖季」" in words and "「减免金额」" in words and "收费数据" in words
    assert f"批次 {zh.batch_id}" in words and "「分公司」" not in words
    undo_batch(con, zh.batch_id)
    en = load_file(con, path, kind="households", lang="en")
    [words] = [w for w in en.warnings if "应收金额" in w]
    assert "household roster" in words and "Fee records" in words and f"batch {en.batch_id}" in words
    # A roster without such columns says nothing of the kind.
    plain = load_file(con, xlsx(tmp_path / "档案.xlsx", ROSTER_HEADER + ["备注"],
                                [r + ["x"] for r in ROSTER_ROWS]))
    assert plain.status == "loaded" and plain.warnings == []


# --- the same file as another kind --------------------------------------------

def test_the_same_file_loads_again_as_another_kind(con, tmp_path):
    path = xlsx(tmp_path / "台账.xlsx", BILLS_WITH_PLACE, BILLS_ROWS)
    wrong = load_file(con, path, kind="households")
    assert wrong.status == "loaded"
    right = load_file(con, path, kind="fees")
    assert (right.status, right.dataset, right.rows_inserted) == ("loaded", "fee_bills", 2)
    assert right.batch_id != wrong.batch_id
    # Same kind, same content: already loaded, as that kind's batch.
    for kind in ("fees", None):
        again = load_file(con, path, kind=kind)
        assert (again.status, again.batch_id, again.kind) == \
            ("already_loaded", right.batch_id, "fees")
    again = load_file(con, path, kind="households")
    assert (again.status, again.batch_id) == ("already_loaded", wrong.batch_id)


def test_a_file_once_taken_for_a_roster_loads_as_what_it_is(con, tmp_path):
    path = xlsx(tmp_path / "台账.xlsx", BILLS_WITH_PLACE, BILLS_ROWS)
    wrong = load_file(con, path, kind="households")
    detected = load_file(con, path)
    assert (detected.status, detected.dataset) == ("loaded", "fee_bills")
    assert detected.batch_id != wrong.batch_id
    assert load_file(con, path).status == "already_loaded"


def test_an_unclear_file_loaded_as_a_chosen_kind_is_already_loaded_unchosen(con, tmp_path):
    path = xlsx(tmp_path / "混合.xlsx", ROSTER_HEADER + ["应收金额"],
                [["0101001", "张店分公司", "华光站", 56, 1288]])
    first = load_file(con, path, kind="households")
    again = load_file(con, path)
    assert (again.status, again.batch_id) == ("already_loaded", first.batch_id)


# --- ticket and receipt numbers used again --------------------------------------

def test_a_receipt_number_used_again_next_season_is_named(con, tmp_path):
    load_file(con, xlsx(tmp_path / "收费2024.xlsx", PAY_HEADER, [
        ["000001", "0101001", "2024-2025", "2024-10-01", 1286.16],
        ["000002", "0101002", "2024-2025", "2024-10-01", 1825.28],
        ["000003", "0101003", "2024-2025", "2024-10-01", 900]]))
    report = load_file(con, xlsx(tmp_path / "收费2025.xlsx", PAY_HEADER, [
        ["000001", "0101004", "2025-2026", "2025-10-01", 100],
        ["000002", "0101005", "2025-2026", "2025-10-01", 100],
        # The same payment with its amount corrected: no other record.
        ["000003", "0101003", "2024-2025", "2024-10-01 15:00", 950]]))
    assert report.rows_updated == 3
    [zh] = [w for w in report.warnings if "收据号" in w]
    assert zh.startswith("2 个收据号") and "「000001」" in zh and "「000002」" in zh
    assert "000003" not in zh and "户号" in zh and "供暖季" in zh
    assert f"批次 {report.batch_id}" in zh
    undo_batch(con, report.batch_id)
    en = load_file(con, tmp_path / "收费2025.xlsx", lang="en")
    [words] = [w for w in en.warnings if "000001" in w]
    assert words.startswith("2 record(s) whose “Receipt number” is already in the warehouse") and "reuses numbers" in words


def test_a_ticket_number_used_again_is_named_and_a_correction_is_not(con, tmp_path):
    load_file(con, xlsx(tmp_path / "工单1.xlsx", TICKET_HEADER, [
        ["1", "2024-11-25 10:00", "投诉", "0101001", "不热"],
        ["2", "2024-11-25 11:00", "报修", "0101002", "漏水"]]))
    report = load_file(con, xlsx(tmp_path / "工单2.xlsx", TICKET_HEADER, [
        ["1", "2025-11-25 10:00", "咨询", "0101003", "问价"],
        # Same ticket, its time corrected by hours: a correction.
        ["2", "2024-11-25 18:00", "报修", "0101002", "漏水,已修"]]))
    assert report.rows_updated == 2
    [words] = [w for w in report.warnings if "工单" in w]
    assert words.startswith("1 个工单") and "「1」" in words and "「2」" not in words
    assert "受理时间" in words


def test_updates_of_the_same_records_say_nothing(con, tmp_path):
    load_file(con, xlsx(tmp_path / "工单.xlsx", TICKET_HEADER, [
        ["T1", "2025-11-25 10:00", "投诉", "0101001", "不热"]]))
    report = load_file(con, xlsx(tmp_path / "工单.xlsx", TICKET_HEADER, [
        ["T1", "2025-11-25 10:00", "投诉", "0101001", "不热,已处理"]]))
    assert report.rows_updated == 1 and report.warnings == []


# --- a corrected file whose keys changed ------------------------------------------

def test_a_corrected_reading_file_names_the_rows_left_behind(con, tmp_path):
    first = load_file(con, xlsx(tmp_path / "测温_v1.xlsx", TEMP_HEADER, [
        ["0101001", "2025-11-27 08:00", 16.0, 2, "张三", "甲"],
        ["0101002", "2025-11-27 08:10", 19.0, 2, "李四", "甲"],
        ["0101003", "2025-11-27 08:20", 17.0, 2, "王五", "甲"]]))
    # The first time and the third household corrected.
    fixed = load_file(con, xlsx(tmp_path / "测温_v2.xlsx", TEMP_HEADER, [
        ["0101001", "2025-11-27 09:00", 16.0, 2, "张三", "甲"],
        ["0101002", "2025-11-27 08:10", 20.0, 2, "李四", "甲"],
        ["0101004", "2025-11-27 08:20", 17.0, 2, "王五", "甲"]]))
    [words] = [w for w in fixed.warnings if "更正" in w]
    assert words.startswith(f"批次 {first.batch_id}(测温_v1.xlsx)有 2 行不在本文件中")
    assert f"请撤销批次 {first.batch_id}" in words
    # Undoing the first load leaves exactly the corrected file's rows.
    undo_batch(con, first.batch_id)
    assert con.execute("SELECT household_id, strftime(measured_at, '%H:%M'), indoor_c "
                       "FROM temperature_readings ORDER BY 1").fetchall() == [
        ("0101001", "09:00", 16.0), ("0101002", "08:10", 20.0), ("0101004", "08:20", 17.0)]


def test_a_corrected_ticket_file_in_english(con, tmp_path):
    first = load_file(con, xlsx(tmp_path / "tickets.xlsx", TICKET_HEADER, [
        ["QA-T01", "2025-11-26 10:00", "投诉", "0101001", "不热"],
        ["QA-T02", "2025-11-26 11:00", "投诉", "0101002", "不热"]]))
    (tmp_path / "sub").mkdir()
    fixed = load_file(con, xlsx(tmp_path / "sub" / "tickets.xlsx", TICKET_HEADER, [
        ["QA-T01", "2025-11-26 10:00", "投诉", "0101001", "不热,已处理"],
        ["QA-T03", "2025-11-26 11:00", "投诉", "0101002", "不热"]]), lang="en")
    [words] = [w for w in fixed.warnings if "corrected" in w]
    assert words.startswith(f"Batch {first.batch_id} (tickets.xlsx) has 1 row(s)")
    assert f"undo batch {first.batch_id}" in words


def _tickets(n):
    return [[f"QA-T{i:02d}", f"2025-11-26 {8 + i % 12:02d}:00", "投诉", "0101001", "不热"]
            for i in range(1, n + 1)]


def test_a_third_version_names_every_batch_to_undo(con, tmp_path):
    # 工单X, then _v2 without its last 5 rows, then _v3 without its last 10:
    # the rows v3 lacks are in both earlier batches, so undoing only v2's
    # (as the warning once advised) removed none of them.
    (tmp_path / "1").mkdir(), (tmp_path / "2").mkdir()
    first = load_file(con, xlsx(tmp_path / "工单X.xlsx", TICKET_HEADER, _tickets(20)))
    second = load_file(con, xlsx(tmp_path / "1" / "工单X_v2.xlsx", TICKET_HEADER, _tickets(15)))
    third = load_file(con, xlsx(tmp_path / "2" / "工单X_v3.xlsx", TICKET_HEADER, _tickets(10)))
    [words] = [w for w in third.warnings if "更正" in w]
    both = f"{first.batch_id}、{second.batch_id}"
    assert words.startswith(f"批次 {both}(工单X.xlsx、工单X_v2.xlsx)共有 10 行不在本文件中")
    assert f"请把批次 {both} 都撤销:都撤销后那 10 行会删除" in words
    [en] = [w for w in third.warnings_in("en") if "corrected" in w]
    assert f"undo every one of batches {first.batch_id}, {second.batch_id}: then those 10" in en
    # Undoing both, as it says, leaves exactly v3's rows.
    undo_batch(con, second.batch_id)
    undo_batch(con, first.batch_id)
    assert con.execute("SELECT count(*) FROM tickets").fetchone() == (10,)


def test_rows_another_file_also_holds_are_said_to_stay(con, tmp_path):
    (tmp_path / "1").mkdir()
    first = load_file(con, xlsx(tmp_path / "工单X.xlsx", TICKET_HEADER, _tickets(20)))
    other = load_file(con, xlsx(tmp_path / "投诉汇总.xlsx", TICKET_HEADER, _tickets(20)[17:]))
    fixed = load_file(con, xlsx(tmp_path / "1" / "工单X_v2.xlsx", TICKET_HEADER, _tickets(15)))
    corrected, kept = fixed.warnings
    assert corrected.startswith(f"批次 {first.batch_id}(工单X.xlsx)有 2 行不在本文件中")
    assert "那 2 行会删除" in corrected
    assert kept.startswith(f"另有 3 行不在本文件中,但批次 {other.batch_id}(另一个文件)也导入过")
    assert undo_batch(con, first.batch_id).rows_removed == 2


def test_other_exports_beside_an_earlier_one_say_nothing(con, tmp_path):
    def rows(day, households):
        return [[h, f"2025-12-{day:02d} 09:00", 19.0, 1, "√", "甲"] for h in households]

    # Next month's export under the same name: no key in common.
    load_file(con, xlsx(tmp_path / "测温.xlsx", TEMP_HEADER, rows(1, ["0101001", "0101002"])))
    (tmp_path / "b").mkdir()
    other = load_file(con, xlsx(tmp_path / "b" / "测温.xlsx", TEMP_HEADER,
                                rows(2, ["0101001", "0101002"])))
    assert other.status == "loaded" and other.warnings == []
    # A cumulative export holding all of an earlier one, and more.
    more = load_file(con, xlsx(tmp_path / "测温汇总.xlsx", TEMP_HEADER,
                               rows(1, ["0101001", "0101002"]) + rows(2, ["0101001", "0101002"])
                               + rows(3, ["0101003"])))
    assert more.status == "loaded" and more.warnings == []
    # A small file sharing a few of a bigger one's keys, under another name.
    part = load_file(con, xlsx(tmp_path / "补测.xlsx", TEMP_HEADER,
                               rows(3, ["0101003"]) + rows(4, ["0101004"])))
    assert part.status == "loaded" and part.warnings == []


def test_an_overlapping_export_under_another_name_says_nothing(con, tmp_path):
    # "The last three weeks" after "the three weeks before": most keys shared,
    # yet no corrected version; undoing the earlier one as advised would have
    # dropped the week only it holds.
    def rows(days):
        return [["0101001", f"2025-12-{d:02d} 09:00", 19.0, 1, "√", "甲"] for d in days]

    load_file(con, xlsx(tmp_path / "测温_12月1日至21日.xlsx", TEMP_HEADER, rows(range(1, 22))))
    later = load_file(con, xlsx(tmp_path / "测温_12月8日至28日.xlsx", TEMP_HEADER,
                                rows(range(8, 29))))
    assert later.status == "loaded" and later.warnings == []


@pytest.mark.parametrize("extra", [["登记时间"], ["单号"], ["应收"], ["供暖季", "单价"]])
def test_a_roster_with_columns_other_exports_also_name_is_a_roster(con, tmp_path, extra):
    # 登记时间 (a ticket's received time by another name), 单号: names a roster
    # uses for its own columns too; they made plain rosters "unclear".
    rows = [r + ["x"] * len(extra) for r in ROSTER_ROWS]
    report = load_file(con, xlsx(tmp_path / "用户档案.xlsx", ROSTER_HEADER + extra, rows))
    assert (report.status, report.kind) == ("loaded", "households"), report.error
    assert not any("按用户档案导入" in w for w in report.warnings)   # no roster_ignored


def test_a_loads_warnings_are_kept_with_its_batch_and_worded_in_any_language(con, tmp_path):
    from pipelines.batches import batch_warnings, warned_batches
    load_file(con, xlsx(tmp_path / "收费1.xlsx", PAY_HEADER,
                        [["000001", "0101001", "2024-2025", "2024-10-01", 1286.16]]))
    again = load_file(con, xlsx(tmp_path / "收费2.xlsx", PAY_HEADER,
                                [["000001", "0101002", "2025-2026", "2025-10-01", 900]]))
    assert again.warnings == again.warnings_in("zh") and "已有记录" in again.warnings[0]
    assert "already in the warehouse" in again.warnings_in("en")[0]
    assert warned_batches(con) == {again.batch_id: len(again.warnings)}
    assert batch_warnings(con, again.batch_id, "en") == again.warnings_in("en")
    undo_batch(con, again.batch_id)   # kept with the batch's history
    assert batch_warnings(con, again.batch_id, "zh") == again.warnings


@pytest.mark.parametrize("name", ["工单X（更正）.xlsx", "工单X(更正).xlsx", "工单X-修改后.xlsx",
                                  "工单X 更正后.xlsx", "工单X_修订.xlsx", "工单X【更正版】.xlsx",
                                  "工单X最新.xlsx", "工单X(1).xlsx"])
def test_a_corrected_version_is_known_by_the_marks_people_write(con, tmp_path, name):
    # (更正), -修改后, _修订 were not taken for versions: the corrected file's
    # left-behind rows stayed without a word; 最新 left the stem 工单X最.
    (tmp_path / "1").mkdir()
    first = load_file(con, xlsx(tmp_path / "工单X.xlsx", TICKET_HEADER, _tickets(20)))
    fixed = load_file(con, xlsx(tmp_path / "1" / name, TICKET_HEADER, _tickets(15)))
    [words] = [w for w in fixed.warnings if "更正" in w]
    assert words.startswith(f"批次 {first.batch_id}(工单X.xlsx)有 5 行不在本文件中"), words


def test_a_rolling_export_does_not_leave_the_days_it_no_longer_covers(con, tmp_path):
    # 客服工单.xlsx (the last days to 8 December), then the next day's export of
    # the same name, numbered by the browser 客服工单(1).xlsx (2-9 December):
    # "批次 1 有 33 行不在本文件中…请撤销批次 1" for the tickets of 1 December.
    def tickets(first_day, last_day):
        return [[f"QA-{d:02d}-{h}", f"2025-12-{d:02d} {8 + h}:00", "投诉", "0101001", "不热"]
                for d in range(first_day, last_day + 1) for h in range(3)]
    (tmp_path / "1").mkdir()
    load_file(con, xlsx(tmp_path / "客服工单.xlsx", TICKET_HEADER, tickets(1, 8)))
    next_day = load_file(con, xlsx(tmp_path / "1" / "客服工单(1).xlsx", TICKET_HEADER,
                                   tickets(2, 9)))
    assert not [w for w in next_day.warnings if "不在本文件中" in w], next_day.warnings
    # a ticket of its own days that it lacks is still named
    (tmp_path / "2").mkdir()
    fixed = load_file(con, xlsx(tmp_path / "2" / "客服工单(2).xlsx", TICKET_HEADER,
                                tickets(2, 9)[1:]))
    [words] = [w for w in fixed.warnings if "不在本文件中" in w]
    assert "有 1 行不在本文件中" in words, words


def test_a_correction_of_a_few_rows_does_not_advise_undoing_the_whole_file(con, tmp_path):
    # 工单X_更正.xlsx with the 3 tickets that were wrong: "请撤销批次 1:那 17
    # 行会删除" — following it takes the rest of the export away.
    (tmp_path / "1").mkdir()
    load_file(con, xlsx(tmp_path / "工单X.xlsx", TICKET_HEADER, _tickets(20)))
    fix = [row[:4] + ["不热,已更正"] for row in _tickets(3)]
    fixed = load_file(con, xlsx(tmp_path / "1" / "工单X_更正.xlsx", TICKET_HEADER, fix))
    assert fixed.rows_updated == 3
    assert not [w for w in fixed.warnings if "撤销" in w], fixed.warnings
