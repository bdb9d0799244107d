"""Loading: every format and layout, upserts, lineage, undo, and all-or-nothing."""
from __future__ import annotations

from pathlib import Path

import pytest

import pipelines.load as load_module
from pipelines.batches import list_batches, undo_batch, undo_preview
from pipelines.errors import PipelineError
from pipelines.load import load_file, plan_file
from pipelines.warehouse import DATA_TABLES, data_version, row_counts

FILES = Path(__file__).parent / "data" / "pipelines"


@pytest.mark.parametrize("name, dataset, header_row, read, inserted, rejected", [
    ("temperature_good.xlsx", "temperature_readings", "3", 5, 5, 0),
    ("tickets_small.xlsx", "tickets", "3", 5, 2, 3),
    ("households_two_row.xlsx", "households", "3-4", 2, 2, 0),
    ("bills.xls", "fee_bills", "2", 3, 2, 1),
    ("payments_gbk.csv", "fee_payments", "2", 3, 2, 1),
    ("payments_bom.csv", "fee_payments", "2", 3, 2, 1),
    ("tickets.ods", "tickets", "2", 2, 2, 0),
])
def test_each_format_and_layout_loads(con, name, dataset, header_row, read, inserted, rejected):
    report = load_file(con, FILES / name)
    assert report.status == "loaded", report.error
    assert (report.dataset, report.header_row) == (dataset, header_row)
    assert (report.rows_read, report.rows_inserted, report.rows_rejected) == \
        (read, inserted, rejected)
    assert report.rows_read == (report.rows_inserted + report.rows_updated
                                + report.rows_unchanged + report.rows_rejected)
    assert con.execute(f"SELECT count(*) FROM {dataset}").fetchone()[0] == inserted


def test_values_are_cast_exactly(con):
    load_file(con, FILES / "temperature_good.xlsx")
    rows = con.execute("SELECT household_id, strftime(measured_at, '%Y-%m-%d %H:%M'), indoor_c,"
                       " outdoor_c, signed, source_row FROM temperature_readings"
                       " ORDER BY household_id").fetchall()
    assert rows == [
        # Excel serial 45977.3416 = 2025-11-16 08:11:54; ids keep their leading zero.
        ("01020310901", "2025-11-16 08:11", 19.5, 3.0, True, 4),
        ("01020310902", "2025-11-16 08:05", 17.5, 2.5, True, 5),   # "17.5℃", "√"
        ("01020310903", "2025-11-17 09:30", 21.0, -8.0, True, 6),  # "已签字"
        ("01020310904", "2025-11-18 00:00", 18.0, 1.0, False, 7),  # empty signature
        ("01020310905", "2025-11-19 10:00", 22.4, 0.5, True, 8),   # a real Excel date cell
    ]


def test_two_row_header_and_enums(con):
    load_file(con, FILES / "households_two_row.xlsx")
    assert con.execute("SELECT household_id, building, unit, room, zone, customer_type,"
                       " heated_area_m2, heating_status FROM households ORDER BY 1").fetchall() == [
        ("01020310901", "3号楼", "1", "501", "低区", "居民", 95.5, "供热"),
        ("01020310902", "3号楼", "2", "1801", "高区", "非居民", 120.0, "停热"),
    ]


def test_csv_lines_and_amounts(con):
    report = load_file(con, FILES / "payments_gbk.csv")
    # Line 4 of the file is blank; the bad amount is on line 5, as an editor shows.
    assert [(r.row, r.column, r.value) for r in report.rejects] == [(5, "amount", "二百元")]
    assert con.execute("SELECT receipt_no, amount, season, invoice_no, source_row FROM fee_payments"
                       " ORDER BY 1").fetchall() == [
        ("SF20251103000001", 2196.5, "2025-2026", "FP001", 3),
        ("SF20251103000003", 800.0, "2025-2026", "FP003", 6),
    ]


def test_season_written_with_a_dash_variant(con):
    load_file(con, FILES / "bills.xls")
    assert con.execute("SELECT season FROM fee_bills WHERE household_id = '01020310902'"
                       ).fetchone() == ("2025-2026",)


def test_lineage_and_batch_record(con):
    report = load_file(con, FILES / "tickets_small.xlsx", user="王丽")
    batch = list_batches(con).iloc[0]
    assert batch.batch_id == report.batch_id
    assert (batch.kind, batch.dataset, batch.file_name, batch.uploaded_by, batch.status) == \
        ("tickets", "tickets", "tickets_small.xlsx", "王丽", "loaded")
    assert len(batch.sha256) == 64
    assert (batch.rows_read, batch.rows_inserted, batch.rows_rejected) == (5, 2, 3)
    lineage = con.execute("SELECT DISTINCT batch_id FROM tickets").fetchall()
    assert lineage == [(report.batch_id,)]
    assert con.execute("SELECT count(*) FROM rejects WHERE batch_id = ?",
                       [report.batch_id]).fetchone()[0] == 3


def test_undo_restores_the_earlier_version(con):
    first = load_file(con, FILES / "temperature_good.xlsx")
    second = load_file(con, FILES / "temperature_overlap.xlsx")
    preview = undo_preview(con, second.batch_id)
    # Keys only the second batch delivered go; of the three the first had
    # too, the one the second changed comes back (the other two are the same
    # rows in both files: nothing to restore).
    assert (preview.rows_removed, preview.rows_restored) == (2, 1)
    v = data_version(con)
    done = undo_batch(con, second.batch_id, user="admin")
    assert (done.rows_removed, done.rows_restored) == (2, 1)
    assert data_version(con) == v + 1
    assert con.execute("SELECT count(*) FROM temperature_readings").fetchone()[0] == 5
    assert con.execute("SELECT indoor_c, batch_id FROM temperature_readings "
                       "WHERE household_id = '01020310903'").fetchone() == (21.0, first.batch_id)
    assert list_batches(con).set_index("batch_id").loc[second.batch_id, "status"] == "undone"
    # The undone file can be loaded again.
    assert load_file(con, FILES / "temperature_overlap.xlsx").status == "loaded"


def test_undo_the_older_batch_keeps_the_newer_rows(con):
    first = load_file(con, FILES / "temperature_good.xlsx")
    load_file(con, FILES / "temperature_overlap.xlsx")
    undo_batch(con, first.batch_id)
    # Keys 901-903 and 906-907 came from the overlap; 904 and 905 only from the first.
    ids = [r[0][-3:] for r in con.execute(
        "SELECT household_id FROM temperature_readings ORDER BY 1").fetchall()]
    assert ids == ["901", "902", "903", "906", "907"]


def test_undo_errors(con):
    with pytest.raises(PipelineError) as err:
        undo_batch(con, 99)
    assert err.value.message() == "没有编号为 99 的导入批次。"
    report = load_file(con, FILES / "temperature_good.xlsx")
    undo_batch(con, report.batch_id)
    with pytest.raises(PipelineError) as err:
        undo_batch(con, report.batch_id)
    assert err.value.code == "batch_already_undone"


def test_failure_mid_load_rolls_everything_back(con, monkeypatch):
    load_file(con, FILES / "temperature_good.xlsx")
    before = row_counts(con), con.execute("SELECT count(*) FROM batches").fetchone()

    def explode(cur):
        raise RuntimeError("power cut")

    monkeypatch.setattr(load_module, "bump_data_version", explode)
    report = load_file(con, FILES / "temperature_overlap.xlsx")
    assert (report.status, report.error_code, report.batch_id) == ("failed", "internal", None)
    assert "power cut" in report.error
    assert (row_counts(con), con.execute("SELECT count(*) FROM batches").fetchone()) == before
    assert con.execute("SELECT count(*) FROM rejects").fetchone()[0] == 0
    versions = con.execute("SELECT count(*) FROM temperature_readings_versions").fetchone()[0]
    assert versions == 5


def test_keys_stay_unique_after_many_loads(con):
    for name in ["temperature_good.xlsx", "temperature_overlap.xlsx", "temperature_bad.xlsx"]:
        load_file(con, FILES / name)
    for table, key in [("temperature_readings", "household_id, measured_at")]:
        dupes = con.execute(f"SELECT count(*) FROM (SELECT {key} FROM {table} GROUP BY ALL "
                            "HAVING count(*) > 1)").fetchone()[0]
        assert dupes == 0


def test_plan_preview_uses_canonical_fields():
    plan = plan_file(FILES / "tickets_small.xlsx")
    assert plan.mapping.dataset == "tickets" and plan.mapping.complete
    first = plan.preview(1)[0]
    assert first["ticket_no"] == "GD2025111600001"
    assert first["received_at"] == "2025/11/16 8:05"
    # The 合计 row under the data is no data row: the preview leaves it out.
    rows = plan_file(FILES / "temperature_good.xlsx").preview(10)
    assert [r["household_id"] for r in rows] == [f"0102031090{i}" for i in range(1, 6)]


def test_user_mapping_overrides_fill_a_missing_column(con):
    plan = plan_file(FILES / "temperature_no_signature.xlsx")
    assert plan.mapping.missing == ["signed"]
    # The user says the 测温人 column (index 5) holds the signature.
    report = load_file(con, FILES / "temperature_no_signature.xlsx", overrides={"signed": 5})
    assert report.status == "loaded" and report.rows_inserted == 1


def test_all_tables_exist_with_the_canonical_columns(con):
    from pipelines.fields import DATASETS
    for name, ds in DATASETS.items():
        cols = [r[0] for r in con.execute(f"DESCRIBE {name}").fetchall()]
        assert cols == ds.columns + ["batch_id", "source_row", "row_hash"]
        vcols = [r[0] for r in con.execute(f"DESCRIBE {name}_versions").fetchall()]
        assert vcols == cols
    assert set(DATA_TABLES) == set(DATASETS)


ROSTER_HEADER = ["户号", "户名", "分公司", "供热站", "小区", "供热面积", "联系电话", "用户类型",
                 "供热状态"]
ROSTER_ROWS = [["0101001", "张三", "张店分公司", "一站", "华光小区", 85.3, "13800000001", "居民",
                "供热"],
               ["0101002", "李四", "张店分公司", "一站", "华光小区", 90.0, "13800000002", "居民",
                "供热"]]


def test_a_file_without_some_columns_keeps_what_loaded_rows_hold(con, tmp_path):
    # A roster of 户号, 分公司, 供热站 and 面积 only (an area correction) blanked
    # every household's name, phone, customer type and heating status.
    from made_files import xlsx
    load_file(con, xlsx(tmp_path / "户籍.xlsx", ROSTER_HEADER, ROSTER_ROWS))
    fix = load_file(con, xlsx(tmp_path / "面积更正.xlsx", ["户号", "分公司", "供热站", "供热面积"],
                              [["0101001", "张店分公司", "一站", 86.0],
                               ["0101002", "张店分公司", "一站", 90.0],
                               ["0101009", "张店分公司", "一站", 70.0]]))
    assert (fix.rows_updated, fix.rows_unchanged, fix.rows_inserted) == (1, 1, 1)
    rows = con.execute("SELECT household_id, name, phone, customer_type, heating_status, "
                       "heated_area_m2 FROM households ORDER BY 1").fetchall()
    assert rows == [("0101001", "张三", "13800000001", "居民", "供热", 86.0),
                    ("0101002", "李四", "13800000002", "居民", "供热", 90.0),
                    ("0101009", None, None, None, None, 70.0)]
    # A blank cell of a column the file has is a blank: the file says so.
    load_file(con, xlsx(tmp_path / "电话.xlsx", ["户号", "分公司", "供热站", "供热面积", "联系电话"],
                        [["0101002", "张店分公司", "一站", 90.0, None]]))
    assert con.execute("SELECT name, phone FROM households WHERE household_id = '0101002'"
                       ).fetchone() == ("李四", None)
    # Undoing the correction brings the earlier row back whole.
    undo_batch(con, fix.batch_id)
    assert con.execute("SELECT name, heated_area_m2 FROM households "
                       "WHERE household_id = '0101001'").fetchone() == ("张三", 85.3)


def test_a_second_inspection_file_without_outdoor_temperatures_keeps_them(con, tmp_path):
    # Without 室外温度 the second file cleared the −9 °C readings' outdoor
    # temperature: exempt readings became counted ones.
    from made_files import xlsx
    header = ["户号", "测温时间", "室内温度", "室外温度", "用户签字"]
    load_file(con, xlsx(tmp_path / "测温.xlsx", header,
                        [["0101001", "2025-12-01 09:00", 15.0, -9.0, "√"]]))
    again = load_file(con, xlsx(tmp_path / "测温补签.xlsx", ["户号", "测温时间", "室内温度", "用户签字"],
                                [["0101001", "2025-12-01 09:00", 15.0, "√"]]))
    assert again.rows_unchanged == 1
    assert con.execute("SELECT outdoor_c FROM temperature_readings").fetchone() == (-9.0,)


def test_undo_takes_each_column_from_the_newest_file_that_had_it(con, tmp_path):
    # 1: the roster with names; 2: areas only (names kept from 1); 3: the roster
    # again with a name corrected.
    from made_files import xlsx
    first = load_file(con, xlsx(tmp_path / "户籍.xlsx", ROSTER_HEADER, ROSTER_ROWS))
    load_file(con, xlsx(tmp_path / "面积.xlsx", ["户号", "分公司", "供热站", "供热面积"],
                        [["0101001", "张店分公司", "一站", 86.0]]))
    fixed = [row[:] for row in ROSTER_ROWS]
    fixed[0][1], fixed[0][5] = "张叁", 86.0
    third = load_file(con, xlsx(tmp_path / "户籍更正.xlsx", ROSTER_HEADER, fixed))

    def row():
        return con.execute("SELECT name, phone, heated_area_m2 FROM households "
                           "WHERE household_id = '0101001'").fetchone()

    assert row() == ("张叁", "13800000001", 86.0)
    # Undo the correction: the name from 1, the area from 2 (its file had areas).
    undo_batch(con, third.batch_id)
    assert row() == ("张三", "13800000001", 86.0)
    # Undo the first roster too: what only it said goes; 2 said the area.
    undo_batch(con, first.batch_id)
    assert row() == (None, None, 86.0)
    # A restored row reads as unchanged when its values come again (0101002
    # went with the two rosters: it is new again).
    again = load_file(con, xlsx(tmp_path / "面积2.xlsx", ["户号", "分公司", "供热站", "供热面积"],
                                [["0101001", "张店分公司", "一站", 86.0],
                                 ["0101002", "张店分公司", "一站", 90.0]]))
    assert (again.rows_unchanged, again.rows_updated, again.rows_inserted) == (1, 0, 1)


def test_a_blank_anonymous_cell_never_names_an_anonymous_caller(con, tmp_path):
    # A later export leaving 是否匿名 blank made an anonymous ticket named:
    # from then on its caller's name and phone showed to the admin.
    from made_files import xlsx
    header = ["工单编号", "受理时间", "工单类型", "来电人", "联系电话", "是否匿名", "办结时间"]
    load_file(con, xlsx(tmp_path / "工单_1208.xlsx", header, [
        ["T1", "2025-12-08 09:00", "投诉", "张红梅", "18768891793", "是", None],
        ["T2", "2025-12-08 10:00", "投诉", "李四", "13700000000", "否", None]]))
    later = load_file(con, xlsx(tmp_path / "工单_1209.xlsx", header, [
        ["T1", "2025-12-08 09:00", "投诉", "张红梅", "18768891793", None, "2025-12-09 08:00"],
        ["T2", "2025-12-08 10:00", "投诉", "李四", "13700000000", "是", None]]))
    assert later.rows_updated == 2
    assert con.execute("SELECT ticket_no, anonymous, resolved_at IS NOT NULL FROM tickets "
                       "ORDER BY 1").fetchall() == [("T1", True, True), ("T2", True, False)]
    # the same file again changes nothing
    again = load_file(con, xlsx(tmp_path / "工单_1209b.xlsx", header, [
        ["T1", "2025-12-08 09:00", "投诉", "张红梅", "18768891793", None, "2025-12-09 08:00"]]))
    assert (again.rows_updated, again.rows_unchanged) == (0, 1)
    # nor does an undo: the versions left still hold the blank of 工单_1209
    # (undo took each column from the newest version, a blank one too)
    undo_batch(con, again.batch_id)
    assert con.execute("SELECT anonymous FROM tickets WHERE ticket_no = 'T1'").fetchone() == \
        (True,)


def test_an_older_ticket_export_after_a_newer_one_says_what_it_reopened(con, tmp_path):
    # Today's export loaded, then yesterday's (catching up on files in any
    # order): "更新 50" and no word, while 20 closed tickets became open
    # again (漏件, overdue) and 46 lost their follow-up.
    from made_files import xlsx
    header = ["工单编号", "受理时间", "工单类型", "办结时间", "回访时间"]
    today = load_file(con, xlsx(tmp_path / "客服工单_1209.xlsx", header, [
        ["T1", "2025-12-08 09:00", "投诉", "2025-12-08 15:00", "2025-12-09 10:00"],
        ["T2", "2025-12-08 10:00", "报修", "2025-12-08 12:00", None],
        ["T3", "2025-12-09 08:00", "咨询", None, None]]))
    assert today.notes == []
    older = load_file(con, xlsx(tmp_path / "客服工单_1208.xlsx", header, [
        ["T1", "2025-12-08 09:00", "投诉", None, None],
        ["T2", "2025-12-08 10:00", "报修", "2025-12-08 12:00", None],
        ["T3", "2025-12-09 08:00", "咨询", "2025-12-09 09:00", None]]))
    # T3 gained a resolution: not a step back; T1 lost both
    assert older.rows_updated == 2
    assert [c for c, _ in older.notes] == ["went_back"]
    code, params = older.notes[0]
    assert params == {"n": 1, "unresolved": 1, "unfollowed": 1, "keys": ["T1"],
                      "old_batches": [today.batch_id], "batch": older.batch_id}
    zh = older.warnings_in("zh")[0]
    assert "1 张已办结的在本文件中未办结" in zh and f"请撤销本批次(批次 {older.batch_id})" in zh
    assert "undo this load" in older.warnings_in("en")[0]
    # loaded as the file says; undoing it gets the resolution back
    assert con.execute("SELECT resolved_at FROM tickets WHERE ticket_no = 'T1'").fetchone() == (None,)
    undo_batch(con, older.batch_id)
    assert con.execute("SELECT resolved_at IS NOT NULL, followup_at IS NOT NULL FROM tickets "
                       "WHERE ticket_no = 'T1'").fetchone() == (True, True)


def test_a_re_export_with_its_signature_column_empty_says_what_it_took_away(con, tmp_path):
    # A week re-uploaded with 用户签字 empty turned 1,427 signed readings
    # unsigned (the week's rate had no figure), and one with 室外温度 empty
    # took the exemption from the readings of a day below −7.4 °C: no word.
    from made_files import xlsx
    header = ["户号", "测温时间", "室内温度", "室外温度", "用户签字"]
    first = load_file(con, xlsx(tmp_path / "测温_1201.xlsx", header, [
        ["001", "2025-12-01 09:00", 18.5, -3, "张三"],
        ["002", "2025-12-01 10:00", 17.5, -8.1, "李四"],
        ["003", "2025-12-01 11:00", 19.0, None, None]]))
    again = load_file(con, xlsx(tmp_path / "测温_1201_重新导出.xlsx", header, [
        ["001", "2025-12-01 09:00", 18.5, -3, None],
        ["002", "2025-12-01 10:00", 17.5, None, None],
        ["003", "2025-12-01 11:00", 19.0, -2, "王五"]]))     # gained both: no step back
    assert again.rows_updated == 3
    codes = [c for c, _ in again.notes]
    assert "readings_went_back" in codes
    params = dict(again.notes)["readings_went_back"]
    assert params == {"n": 2, "unsigned": 2, "no_outdoor": 1,
                      "keys": ["001 2025-12-01 09:00", "002 2025-12-01 10:00"],
                      "old_batches": [first.batch_id], "batch": again.batch_id}
    zh = next(w for w in again.warnings_in("zh") if "测温记录比已导入的版本" in w)
    assert "2 条已签字的在本文件中没有签字,1 条有室外温度的在本文件中没有室外温度" in zh
    assert f"请撤销本批次(批次 {again.batch_id})" in zh
    # a part with none is not said ("0 条有室外温度的…")
    only_signatures = load_module.warning("readings_went_back", {**params, "no_outdoor": 0}, "en")
    assert "2 signed reading(s) are unsigned here (e.g." in only_signatures
    assert "outdoor temperature have" not in only_signatures
    undo_batch(con, again.batch_id)
    assert con.execute("SELECT household_id, signed, outdoor_c FROM temperature_readings "
                       "ORDER BY 1").fetchall() == [("001", True, -3), ("002", True, -8.1),
                                                    ("003", False, None)]


def test_a_readings_file_signed_by_nobody_says_so(con, tmp_path):
    # An export whose 用户签字 column came out empty loaded every reading as
    # unsigned (so invalid: the file added nothing to the rate) without a word.
    from made_files import xlsx
    header = ["户号", "测温时间", "室内温度", "室外温度", "签字"]
    rows = [[f"{i:03d}", "2025-12-01 09:00", 18.5, -3, None] for i in range(10)]
    report = load_file(con, xlsx(tmp_path / "测温.xlsx", header, rows))
    assert report.notes == [("no_signature_at_all", {"n": 10, "column": "签字"})]
    assert report.warnings_in("zh")[0].startswith("「签字」列在本文件的 10 条测温记录中全都是空的")
    # one signed reading, or a few readings only: unsigned readings, nothing more
    rows[0][4] = "张三"
    assert load_file(con, xlsx(tmp_path / "测温2.xlsx", header, rows)).notes == []
    assert load_file(con, xlsx(tmp_path / "测温3.xlsx", header, [
        [f"1{i:02d}", "2025-12-01 09:00", 18.5, -3, None] for i in range(9)])).notes == []


def test_a_column_no_field_knows_is_named_by_the_load(con, tmp_path):
    # A payments export with 票据状态 (正常/作废): loaded "新增 2" without a
    # word, the voided receipt counted as money collected. The load names the
    # column; a row number (序号) and the roster's columns a reading carries
    # (小区) are not news.
    from made_files import xlsx
    paid = load_file(con, xlsx(tmp_path / "收费明细.xlsx",
                               ["序号", "收据号", "户号", "供暖季", "缴费日期", "实收金额", "票据状态"],
                               [[1, "R1", "0101001", "2025-2026", "2025-11-01", 1840, "正常"],
                                [2, "R2", "0101002", "2025-2026", "2025-11-02", 900, "作废"]]))
    assert ("columns_unknown", {"columns": ["票据状态"]}) in paid.notes
    assert any(w.startswith("文件中的列「票据状态」看板不认识,没有导入。")
               for w in paid.warnings_in("zh"))
    # 外温(℃) is the outdoor temperature: read, so the cold day's reading is exempt
    read = load_file(con, xlsx(tmp_path / "测温.xlsx",
                               ["户号", "小区", "测温时间", "室内温度", "外温(℃)", "用户签字"],
                               [["0101001", "华光小区", "2025-12-08 09:00", 16.5, -9.5, "张三"]]))
    assert not [n for n in read.notes if n[0] == "columns_unknown"]
    assert con.execute("SELECT outdoor_c FROM temperature_readings").fetchall() == [(-9.5,)]


def test_a_status_column_and_a_ledgers_payment_columns_are_named(con, tmp_path):
    # 状态 is the roster's heating status, so in a payments or tickets file
    # it was dropped without a word: receipts marked 作废 counted as paid,
    # tickets marked 已撤销 as received. A bills ledger's 实收金额 and 缴费日期
    # were dropped too: the user believed the collections loaded.
    from made_files import xlsx
    header = ["收据号", "户号", "供暖季", "缴费日期", "实收金额", "状态"]
    path = xlsx(tmp_path / "收费明细.xlsx", header,
                [["R1", "0101001", "2025-2026", "2025-11-01", 1840, "作废"],
                 ["R2", "0101002", "2025-2026", "2025-11-01", 900, "正常"],
                 ["R3", "0101003", "2025-2026", "2025-11-01", 900, "已冲红"]])
    said = ("status_marks", {"column": "状态", "n": 2, "values": ["作废", "已冲红"]})
    assert said in plan_file(path).warnings                     # before the load, too
    paid = load_file(con, path)
    assert said in paid.notes and paid.rows_inserted == 3
    assert "作废的收据、以正数记的退费都算作已收" in next(w for w in paid.warnings_in("zh") if "「状态」" in w)
    # 正常 on every row is no news
    quiet = plan_file(xlsx(tmp_path / "收费明细2.xlsx", header,
                           [["R4", "0101004", "2025-2026", "2025-11-01", 900, "正常"]]))
    assert not [w for w in quiet.warnings if w[0] in ("status_marks", "columns_unknown")]
    tickets = load_file(con, xlsx(tmp_path / "工单.xlsx", ["工单编号", "受理时间", "工单类型", "状态"],
                                  [["T1", "2025-12-08 09:00", "投诉", "已撤销"]]))
    assert ("status_marks", {"column": "状态", "n": 1, "values": ["已撤销"]}) in tickets.notes
    ledger = load_file(con, xlsx(tmp_path / "收费台账.xlsx",
                                 ["户号", "供暖季", "应收金额", "实收金额", "缴费日期", "状态"],
                                 [["0101001", "2025-2026", 2070, 1840, "2025-11-01", "正常供热"]]))
    assert ledger.notes == [("bills_payment_columns", {"columns": ["实收金额", "缴费日期"]})]
    assert "看板的实收金额和收缴率不包括它们" in ledger.warnings_in("zh")[0]
    assert con.execute("SELECT heating_status FROM fee_bills").fetchall() == [("供热",)]
    # payment columns with nothing in them drop nothing: not said
    empty = plan_file(xlsx(tmp_path / "收费台账2.xlsx", ["户号", "供暖季", "应收金额", "实收金额"],
                           [["0101002", "2025-2026", 2070, None]]))
    assert not [w for w in empty.warnings if w[0] == "bills_payment_columns"]


@pytest.mark.parametrize("name", sorted(p.name for p in (FILES.parent.parent.parent / "data" /
                                                         "sample").iterdir()))
def test_the_sample_exports_have_no_unknown_column(name):
    plan = plan_file(FILES.parent.parent.parent / "data" / "sample" / name)
    assert not [w for w in plan.warnings if w[0] == "columns_unknown"], plan.warnings


def test_an_undo_counts_as_restored_only_the_rows_it_changes(con, tmp_path):
    # Yesterday's tickets, then today's export of the same three with one
    # resolved since: undoing today's said "恢复 3 行" where one row changes;
    # undoing yesterday's said "恢复 3 行" where none does (today's versions
    # are current and stay).
    from made_files import xlsx
    header = ["工单编号", "受理时间", "工单类型", "办结时间"]
    rows = [["T1", "2025-12-08 09:00", "投诉", None],
            ["T2", "2025-12-08 10:00", "报修", "2025-12-08 12:00"],
            ["T3", "2025-12-08 11:00", "咨询", None]]
    first = load_file(con, xlsx(tmp_path / "工单_1208.xlsx", header, rows))
    today = [["T1", "2025-12-08 09:00", "投诉", "2025-12-09 08:00"], *rows[1:],
             ["T4", "2025-12-09 09:00", "投诉", None]]
    second = load_file(con, xlsx(tmp_path / "工单_1209.xlsx", header, today))
    later = undo_preview(con, second.batch_id)
    assert (later.rows_removed, later.rows_restored) == (1, 1)     # T4 goes, T1 reopens
    earlier = undo_preview(con, first.batch_id)
    assert (earlier.rows_removed, earlier.rows_restored) == (0, 0)  # nothing changes
    before = con.execute("SELECT * FROM tickets ORDER BY ticket_no").fetchall()
    undo_batch(con, first.batch_id)
    assert [r[:4] for r in con.execute("SELECT * FROM tickets ORDER BY ticket_no").fetchall()] \
        == [r[:4] for r in before]


def test_the_warehouse_file_is_readable_by_its_owner_only(tmp_path):
    # It was 0644: every account of the server could read each household's
    # name and phone, and anonymous callers', past the roles and the audit log.
    import os
    import stat

    from made_files import xlsx
    from pipelines.warehouse import connect
    old = os.umask(0o022)
    try:
        (tmp_path / "data").mkdir(mode=0o755)
        (tmp_path / "data").chmod(0o755)
        path = tmp_path / "data" / "wh.duckdb"
        con = connect(path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        # its folder too: DuckDB makes a new log after each checkpoint
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        load_file(con, xlsx(tmp_path / "档案.xlsx", ["户号", "分公司", "供热站", "供热面积"],
                            [["001", "张店分公司", "一站", 80]]))
        for part in (path, tmp_path / "data" / "wh.duckdb.wal"):
            if part.exists():
                assert stat.S_IMODE(part.stat().st_mode) == 0o600, part
        con.close()
        path.chmod(0o644)                  # a file from before: made so on opening
        connect(path).close()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    finally:
        os.umask(old)
