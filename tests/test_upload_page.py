"""The upload page (数据上传) through AppTest, and the remembered column mappings
it relies on."""
from __future__ import annotations

import io
import shutil
from pathlib import Path

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from made_files import tiny_png, xlsx
from pipelines.errors import PipelineError
from pipelines.load import load_file, plan_file
from pipelines.mapping import detect as plan_detect
from pipelines.mappings import layout_signature, lookup, plan_remembered, remember
from pipelines.warehouse import connect, data_version, row_counts
from ui import fmt
from ui.xlsx import rejected_rows, workbook_bytes

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
UI = Path(__file__).parent / "data" / "ui"


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """The three-household roster (batch 1), built once: loads are not free."""
    path = tmp_path_factory.mktemp("upload") / "template.duckdb"
    con = connect(path)
    assert load_file(con, UI / "roster_small.xlsx").status == "loaded"
    con.close()
    return path


@pytest.fixture
def warehouse(template, tmp_path, monkeypatch) -> Path:
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(template, path)
    monkeypatch.setenv("HEATKPI_DB", str(path))
    return path


def snapshot(path: Path) -> tuple:
    """What a load or an undo changes: data version, rows, batches."""
    con = connect(path)
    try:
        return (data_version(con), row_counts(con),
                con.execute("SELECT count(*) FROM batches").fetchone()[0])
    finally:
        con.close()


def open_page(lang: str = "zh") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    if lang != "zh":
        at.query_params["lang"] = lang
    at.run()
    at.switch_page("pages/upload.py").run()
    assert not at.exception
    return at


def upload(at: AppTest, *names: str) -> AppTest:
    files = [(n, (UI / n).read_bytes(), "application/octet-stream") for n in names]
    at.file_uploader(key="upload_files").set_value(files).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(elements) -> list[str]:
    return [e.value for e in elements]


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_good_file_preview_load_and_report(warehouse):
    at = upload(open_page(), "temperature_new.xlsx")
    assert "识别为:测温记录 · 工作表「Sheet1」· 表头在第 3 行" in texts(at.caption)
    preview = at.dataframe[0].value
    assert at.dataframe[0].proto.placeholder == fmt.EMPTY
    assert list(preview.columns) == ["户号", "测温时间", "室内温度(℃)", "室外温度(℃)",
                                     "用户签字", "测温人", "备注"]
    assert preview["户号"].tolist()[:4] == ["09010110101", "09010110102", "09020110101",
                                           "09010110101"]
    before = snapshot(warehouse)

    at.button(key="upload_load").click().run()
    assert not at.exception
    assert texts(at.success)[0].startswith("已导入为测温记录(批次 2")
    assert metrics(at) == {"读取行数": "4", "新增": "3", "更新": "0", "未变": "0", "拒收": "1"}
    # an empty cell reads as empty, not the word None
    assert at.dataframe[0].proto.placeholder == fmt.EMPTY
    rejects = at.dataframe[0].value
    assert rejects.to_dict("records") == [{
        # the file's header says the field's name: shown once, not "室内温度(℃) · 室内温度(℃)"
        "行号(Excel)": 7, "列": "室内温度(℃)", "值": "偏低",
        "原因": "室内温度(℃)不是数字"}]
    assert [b.label for b in at.get("download_button")] == ["下载拒收行(Excel,改正后可重新上传)"]
    after = snapshot(warehouse)
    assert after[0] == before[0] + 1
    assert after[1]["temperature_readings"] == 3 and after[2] == 2


def test_rejected_rows_download_can_be_fixed_and_uploaded_again(warehouse, tmp_path):
    at = upload(open_page(), "temperature_new.xlsx")
    at.button(key="upload_load").click().run()
    up = next(iter(at.session_state["upload_desk"].values()))
    frame = rejected_rows(up.plan, up.report.rejects, "zh")
    assert list(frame.columns)[-2:] == ["原文件行号", "拒收原因"]
    data = workbook_bytes({"Sheet1": frame})
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    header = [c.value for c in ws[1]]
    assert header[:4] == ["户号", "小区", "测温时间", "室内温度(℃)"]
    row = {h: c for h, c in zip(header, ws[2])}
    assert row["户号"].value == "09010110101"          # leading zero kept
    assert row["室内温度(℃)"].value == "偏低"
    assert row["原文件行号"].value == 7
    assert row["拒收原因"].value == "室内温度(℃)不是数字"
    # The note looks like a formula: stored as text, quote-prefixed, unchanged.
    note = row["备注"]
    assert note.data_type == "s" and note.quotePrefix
    assert note.value == '=HYPERLINK("http://example.invalid","x")'

    row["室内温度(℃)"].value = 18.6
    fixed = tmp_path / "fixed.xlsx"
    ws.parent.save(fixed)
    con = connect(warehouse)
    try:
        report = load_file(con, fixed)
    finally:
        con.close()
    assert (report.status, report.rows_read, report.rows_inserted, report.rows_rejected) == \
        ("loaded", 1, 1, 0)


def test_corrupt_file_says_what_to_do_and_changes_nothing(warehouse):
    before = snapshot(warehouse)
    at = upload(open_page(), "corrupt.xlsx")
    assert texts(at.error) == ["文件已损坏或不完整,无法读取。请在 Excel 中打开确认后另存为 .xlsx"
                               " 再上传;如果 Excel 也打不开,请从业务系统重新导出。"]
    assert at.button(key="upload_load").disabled
    assert snapshot(warehouse) == before


def test_bad_file_among_good_ones_only_the_good_load(warehouse):
    before = snapshot(warehouse)
    at = upload(open_page("en"), "corrupt.xlsx", "tickets_new.xlsx")
    assert texts(at.error)[0].startswith("The file is damaged or incomplete")
    assert at.button(key="upload_load").label == "Load 1 file"
    at.button(key="upload_load").click().run()
    assert metrics(at)["Inserted"] == "2"
    after = snapshot(warehouse)
    assert after[1]["tickets"] == 2 and after[2] == before[2] + 1
    # The damaged file is left: no disabled "Load 0 file(s)", but words.
    assert "upload_load" not in [b.key for b in at.button]
    assert "Nothing left to load. To load the other files, first do what is said above " \
           "about each." in texts(at.caption)


def test_wrong_kind_is_explained_in_the_users_language(warehouse):
    at = upload(open_page("en"), "temperature_new.xlsx")
    at.selectbox(key=next(s.key for s in at.selectbox if s.key.startswith("kind_"))) \
        .set_value("tickets").run()
    assert texts(at.error) == ["You chose “Service tickets”, but this file looks like a "
                               "“Temperature readings” export. Choose the right kind or "
                               "another file."]
    assert at.button(key="upload_load").disabled


def test_file_already_loaded_says_so_and_changes_nothing(warehouse):
    at = upload(open_page(), "roster_small.xlsx")
    assert "这个文件已经导入过(批次 1),再次导入不会有任何改动。" in texts(at.info)
    before = snapshot(warehouse)
    at.button(key="upload_load").click().run()
    assert texts(at.info) == ["这个文件已经导入过(批次 1),没有任何改动。"]
    assert snapshot(warehouse) == before


def test_mapping_form_fills_a_missing_column_and_is_remembered(warehouse):
    at = upload(open_page(), "temperature_odd_header.xlsx")
    assert texts(at.warning) == ["没有找到必需的列:测温时间。请在下面指定它们在文件中对应哪一列。"]
    assert at.button(key="upload_load").disabled
    pick = next(s for s in at.selectbox if s.label == "测温时间")
    # the columns no field was found in first; 户号, read as the household, last
    assert pick.options[1:3] == ["小区", "检测时刻"] and pick.options[-1] != "小区"
    assert "户号" in pick.options[3:]
    pick.set_value(2)
    at.button(key=next(b.key for b in at.button if b.label == "应用并记住")).click().run()
    assert not at.warning
    assert "已按之前为相同表头保存的列对应关系处理。" in texts(at.caption)
    at.button(key="upload_load").click().run()
    assert metrics(at)["新增"] == "2"

    # Another session, same header layout: mapped without asking.
    con = connect(warehouse)
    try:
        saved = lookup(con, plan_file(UI / "temperature_odd_header.xlsx").header.labels)
    finally:
        con.close()
    assert (saved.dataset, saved.overrides, saved.saved_by) == \
        ("temperature_readings", {"measured_at": 2}, "local")
    again = upload(open_page(), "temperature_odd_header.xlsx")
    assert not again.warning and not again.button(key="upload_load").disabled

    # A wrong pick is not for ever: "choose the columns again" forgets it and
    # the form asks again (here and for every later file of these headers).
    [forget] = [b for b in again.button if b.label == "重新选择列对应"]
    forget.click().run()
    assert texts(again.warning) == ["没有找到必需的列:测温时间。请在下面指定它们在文件中对应哪一列。"]
    assert again.button(key="upload_load").disabled
    con = connect(warehouse)
    try:
        assert lookup(con, plan_file(UI / "temperature_odd_header.xlsx").header.labels) is None
    finally:
        con.close()


def test_mapping_form_refuses_a_half_filled_choice(warehouse):
    at = upload(open_page("en"), "temperature_odd_header.xlsx")
    at.button(key=next(b.key for b in at.button if b.label == "Apply and remember")).click() \
        .run()
    assert texts(at.error) == ["Pick a different column for each required item."]
    con = connect(warehouse)
    try:
        assert con.execute("SELECT count(*) FROM column_mappings").fetchone()[0] == 0
    finally:
        con.close()


def test_english_report(warehouse):
    at = upload(open_page("en"), "tickets_new.xlsx")
    assert "Recognised as: Service tickets · sheet “Sheet1” · header on row 3" in \
        texts(at.caption)
    assert list(at.dataframe[0].value.columns)[:3] == ["Ticket number", "Received at",
                                                       "Category"]
    at.button(key="upload_load").click().run()
    assert texts(at.success)[0].startswith("Loaded as Service tickets (batch 2")
    assert metrics(at) == {"Rows read": "2", "Inserted": "2", "Updated": "0",
                           "Unchanged": "0", "Rejected": "0"}


# --- remembered mappings (pipelines/mappings.py) ----------------------------------

def test_layout_signature_ignores_spacing_case_and_trailing_blanks():
    assert layout_signature(["户号", " 测温 时间", "Indoor"]) == \
        layout_signature(["户号", "测温时间", "indoor", None, ""])
    assert layout_signature(["a,b"]) != layout_signature(["a", "b"])
    assert layout_signature(["户号", "测温时间"]) != layout_signature(["测温时间", "户号"])


def test_remember_replaces_and_lookup_finds(con):
    labels = ["户号", "检测时刻", "室温", "签字"]
    assert lookup(con, labels) is None
    remember(con, labels, "temperature_readings", {"measured_at": 1}, "amy")
    remember(con, labels, "temperature_readings", {"measured_at": 1, "bogus": 0,
                                                   "indoor_c": 9}, "bob")
    saved = lookup(con, labels)
    assert (saved.overrides, saved.saved_by) == ({"measured_at": 1}, "bob")
    assert con.execute("SELECT count(*) FROM column_mappings").fetchone()[0] == 1
    with pytest.raises(PipelineError):
        remember(con, labels, "no_such_table", {}, "amy")


def test_plan_remembered_applies_only_a_mapping_of_the_asked_kind(con):
    path = UI / "temperature_odd_header.xlsx"
    plan, saved = plan_remembered(con, path)
    assert plan.mapping.missing == ["measured_at"] and saved is None
    remember(con, plan.header.labels, "temperature_readings", {"measured_at": 2}, "amy")
    plan, saved = plan_remembered(con, path)
    assert plan.mapping.complete and plan.mapping.columns["measured_at"] == 2
    assert saved.overrides == {"measured_at": 2}
    plan, saved = plan_remembered(con, path, kind="temperature")
    assert saved is not None
    with pytest.raises(PipelineError) as err:
        plan_remembered(con, path, kind="tickets")
    assert err.value.code in ("wrong_kind", "unknown_kind", "unknown_kind_closest")


# --- bad files and the uploader's own words -----------------------------------------

PIPELINE_FILES = Path(__file__).parent / "data" / "pipelines"


def upload_bytes(at: AppTest, *files: tuple[str, bytes]) -> AppTest:
    at.file_uploader(key="upload_files").set_value(
        [(n, data, "application/octet-stream") for n, data in files]).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("lang, words, wrong", [
    ("zh", ["不是真正的 Excel 文件", "重新导出为 .xlsx、.xls 或 .csv"], "文件中的列"),
    ("en", ["not a real Excel file", "Export it again", ".xlsx, .xls or .csv"], "Columns in"),
])
def test_text_renamed_xlsx_is_not_reported_as_a_column_problem(warehouse, lang, words, wrong):
    before = snapshot(warehouse)
    at = upload_bytes(open_page(lang), ("测温.xlsx", "这不是一个Excel文件\n".encode()))
    [error] = texts(at.error)
    assert all(w in error for w in words) and wrong not in error, error
    assert "这不是一个Excel文件" not in error
    assert at.button(key="upload_load").disabled and snapshot(warehouse) == before


@pytest.mark.parametrize("lang, words", [
    ("zh", ["文件名是 .xlsx", "内容不是可读取的电子表格", "重新导出"]),
    ("en", ["named .xlsx", "not a spreadsheet", "Export the data again"]),
])
def test_image_renamed_xlsx_says_its_content_is_no_spreadsheet(warehouse, lang, words):
    at = upload_bytes(open_page(lang), ("photo.xlsx", tiny_png()))
    [error] = texts(at.error)
    assert all(w in error for w in words), error
    assert "无法识别此文件格式" not in error and "not supported" not in error


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_corrupt_file_message_holds_no_reader_english(warehouse, lang):
    at = upload(open_page(lang), "corrupt.xlsx")
    [error] = texts(at.error)
    assert "zip" not in error.lower()
    if lang == "zh":
        assert error.startswith("文件已损坏或不完整,无法读取。")
    # The reader's own words only in a collapsed expander, for an administrator.
    [details] = [e for e in at.expander if e.label == tr_of(lang, "upload.error_detail")]
    assert "File is not a zip file" in [c.value for c in details.code]


def tr_of(lang: str, key: str, **params) -> str:
    from i18n import t
    return t(key, lang, **params)


@pytest.mark.parametrize("lang, empty", [("zh", "文件是空的"), ("en", "The file is empty")])
def test_empty_file_shows_zero_bytes_and_is_refused(warehouse, lang, empty):
    at = upload_bytes(open_page(lang), ("空.xlsx", b""), ("tiny.csv", b"a,b\n"))
    names = [m.value for m in at.markdown if m.value.startswith("**")]
    assert names == ["**空.xlsx** · 0 B", "**tiny.csv** · 4 B"]
    assert texts(at.error)[0].startswith(empty)
    assert at.button(key="upload_load").disabled


def test_file_sizes_in_bytes_kb_and_mb():
    from ui import fmt
    assert [fmt.file_size(n) for n in (0, 1, 512, 1023, 1024, 5300, 3 * 1048576)] == \
        ["0 B", "1 B", "512 B", "1.0 KB", "1.0 KB", "5.2 KB", "3.0 MB"]


def test_a_file_size_is_the_one_the_upload_chip_shows():
    # QA: the chip said 5.7KB, the card 5.6 KB, for one file of 5,725 bytes:
    # Streamlit's chip counts 1000 bytes a kilobyte (1024 on Windows) and
    # takes the next unit once over half of it.
    from ui import fmt
    assert fmt.file_size(5725, kilo=1000) == "5.7 KB"
    assert fmt.file_size(5725, kilo=1024) == "5.6 KB"
    assert [fmt.file_size(n, kilo=1000) for n in (500, 600, 700_000, 2_500_000)] == \
        ["500 B", "0.6 KB", "0.7 MB", "2.5 MB"]


def test_a_two_row_header_is_on_rows_3_to_4(warehouse):
    # QA, English: "header on row 3-4".
    two_rows = ("档案.xlsx", (PIPELINE_FILES / "households_two_row.xlsx").read_bytes())
    at = upload_bytes(open_page("en"), two_rows)
    assert any(c.endswith("header on rows 3–4") for c in texts(at.caption)), texts(at.caption)
    at = upload_bytes(open_page(), two_rows)
    assert any(c.endswith("表头在第 3–4 行") for c in texts(at.caption)), texts(at.caption)


def test_missing_columns_in_english_name_the_chinese_header_too(warehouse):
    # The files are Chinese whatever the reader's language: "Resident
    # signature" alone is not what to look for in the file.
    at = upload_bytes(open_page("en"), ("测温.xlsx",
                                        (PIPELINE_FILES / "temperature_no_signature.xlsx")
                                        .read_bytes()))
    assert texts(at.warning)[0].startswith(
        "Required columns not found: Resident signature (用户签字).")
    at = upload_bytes(open_page(), ("测温.xlsx",
                                    (PIPELINE_FILES / "temperature_no_signature.xlsx")
                                    .read_bytes()))
    assert texts(at.warning)[0].startswith("没有找到必需的列:用户签字。")


def test_signature_may_be_declared_absent_and_every_reading_is_then_unsigned(warehouse):
    at = upload_bytes(open_page(), ("测温.xlsx",
                                    (PIPELINE_FILES / "temperature_no_signature.xlsx").read_bytes()))
    assert texts(at.warning)[0].startswith("没有找到必需的列:用户签字")
    pick = next(s for s in at.selectbox if s.label == "用户签字")
    assert pick.options[:2] == ["请选择…", "文件中没有这一列"]
    assert "测温人" in pick.options
    # Before applying, the form says what the choice means.
    note = " ".join(texts(at.warning) + texts(at.info))
    assert "文件中没有这一列" in note and "未签字" in note and "无效" in note
    pick.set_value(-1)
    at.button(key=next(b.key for b in at.button if b.label == "应用并记住")).click().run()
    assert not at.exception and not at.button(key="upload_load").disabled
    assert any("新的测温记录" in w and "未签字" in w and "保留原来的签字" in w
               for w in texts(at.warning)), texts(at.warning)
    at.button(key="upload_load").click().run()
    assert texts(at.success)[0].startswith("已导入为测温记录")
    con = connect(warehouse)
    try:
        assert con.execute("SELECT count(*), count(signed) FROM temperature_readings"
                           ).fetchone() == (1, 0)
        saved = lookup(con, plan_file(PIPELINE_FILES / "temperature_no_signature.xlsx")
                       .header.labels)
    finally:
        con.close()
    assert saved.overrides == {"signed": -1}


def test_required_key_columns_offer_no_not_in_file_choice(warehouse):
    at = upload(open_page("en"), "temperature_odd_header.xlsx")
    # named with the Chinese header too: the export's columns are Chinese
    pick = next(s for s in at.selectbox if s.label == "Measured at (测温时间)")
    assert "Not in this file" not in pick.options


@pytest.mark.parametrize("lang, words", [
    ("zh", ["支持的文件:.csv、.ods、.xls、.xlsb、.xlsm、.xlsx", "200 MB"]),
    ("en", ["Accepted files: .csv, .ods, .xls, .xlsb, .xlsm, .xlsx", "200 MB"]),
])
def test_uploader_accepts_what_the_pipeline_reads_and_says_so(warehouse, lang, words):
    at = open_page(lang)
    widget = at.file_uploader(key="upload_files")
    assert list(widget.proto.type) == [".csv", ".ods", ".xls", ".xlsb", ".xlsm", ".xlsx"]
    assert any(all(w in c for w in words) for c in texts(at.caption)), texts(at.caption)
    # Streamlit's own hint ("200MB per file • CSV, …") is English only: hidden.
    css = " ".join(h.proto.body for h in at.get("html"))
    assert ".st-key-upload_files [data-testid=\"stFileUploaderDropzoneInstructions\"]" in css


@pytest.mark.parametrize("lang, words", [
    ("zh", ["2 行(共 2 户)的户号在用户档案中找不到(如 77777、88888)"]),
    ("en", ["2 row(s) (2 household(s)) name a household ID that is not in the roster"]),
])
def test_a_load_naming_households_not_in_the_roster_says_so(warehouse, lang, words):
    # Loaded (the rows count under no branch or station): the report says so
    # beside its counts, as the command line does.
    data = ("收据号,户号,供暖季,缴费日期,实收金额\n"
            "SF1,77777,2025-2026,2025-11-01,1840\nSF2,88888,2025-2026,2025-11-02,100\n")
    at = upload_bytes(open_page(lang), ("payments.csv", data.encode("utf-8")))
    at.button(key="upload_load").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.success) == 1
    shown = texts(at.warning)
    assert len(shown) == 1 and all(w in shown[0] for w in words), shown


def test_a_csv_is_recognised_without_a_sheet_name(warehouse):
    # A CSV has no sheets: the caption named the upload's temporary file
    # (识别为:收费明细(实收) · 工作表「eb71b9c4-…」).
    data = "收据号,户号,供暖季,缴费日期,实收金额\nSF1,77777,2025-2026,2025-11-01,1840\n"
    at = upload_bytes(open_page(), ("payments.csv", data.encode("utf-8")))
    captions = [c for c in texts(at.caption) if c.startswith("识别为")]
    assert captions == ["识别为:收费明细(实收) · 文本文件(CSV)· 表头在第 1 行"], captions


def _desk_paths(at: AppTest) -> list[Path]:
    return [up.path for up in at.session_state["upload_desk"].values()]


def test_an_uploaded_file_is_its_owners_only_and_goes_when_taken_off(warehouse):
    # A file checked but not loaded stayed in /tmp/heatkpi-upload-*, 0644, for good.
    import stat
    at = upload(open_page(), "temperature_new.xlsx", "roster_small.xlsx")
    paths = _desk_paths(at)
    folder = paths[0].parent
    assert folder.name.startswith("heatkpi-upload-") and all(p.parent == folder for p in paths)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert [stat.S_IMODE(p.stat().st_mode) for p in paths] == [0o600, 0o600]
    files = [("roster_small.xlsx", (UI / "roster_small.xlsx").read_bytes(),
              "application/octet-stream")]
    at.file_uploader(key="upload_files").set_value(files).run()
    [kept] = _desk_paths(at)
    assert not any(p.exists() for p in paths if p != kept) and kept.exists()
    at.file_uploader(key="upload_files").set_value([]).run()
    assert not at.exception
    assert not kept.exists() and not kept.parent.exists()   # the last file took its folder


def test_a_loaded_file_leaves_nothing_on_disk(warehouse):
    at = upload(open_page(), "temperature_new.xlsx")
    [path] = _desk_paths(at)
    at.button(key="upload_load").click().run()
    assert not at.exception
    assert not path.exists() and not path.parent.exists()


def test_a_sessions_folder_goes_with_the_session():
    import gc

    from ui.uploads import _Folder
    folder = _Folder()
    (folder.path / "x.xlsx").write_bytes(b"personal data")
    path = folder.path
    del folder                 # Streamlit drops an ended session's state
    gc.collect()
    assert not path.exists()


def test_old_upload_folders_are_swept_at_start_only_ours(tmp_path):
    import os
    import time

    from ui.uploads import STALE_S, sweep
    now = time.time()
    old = now - STALE_S - 60

    def folder(name: str, age: float) -> Path:
        path = tmp_path / name
        path.mkdir()
        (path / "f.xlsx").write_bytes(b"x")
        os.utime(path, (age, age))
        return path

    stale = folder("heatkpi-upload-old", old)
    fresh = folder("heatkpi-upload-new", now - 60)
    other = folder("other-upload-old", old)
    target = folder("keep", old)
    link = tmp_path / "heatkpi-upload-link"
    link.symlink_to(target)
    os.utime(link, (old, old), follow_symlinks=False)
    assert sweep(tmp_path, now) == 1
    assert not stale.exists()
    assert fresh.exists() and other.exists() and (target / "f.xlsx").exists()
    assert link.is_symlink()


# --- a file that is no export -------------------------------------------------------

UNRELATED = "姓名,电话,金额\n张三,13812341234,100\n李四,13900001111,200\n".encode("gbk")


@pytest.mark.parametrize("lang, words, kinds", [
    ("zh", "无法识别这是哪种导出文件", "客服工单、测温记录、收费或用户档案"),
    ("en", "Cannot tell which export this is", "ticket, temperature, fee or roster")])
def test_an_unrelated_file_is_no_export_until_its_kind_is_picked(warehouse, lang, words,
                                                                   kinds):
    # 姓名 and 电话 are roster columns, but none that a roster needs: it was
    # "recognised" as a roster with a form to map 姓名 to 户号.
    at = upload_bytes(open_page(lang), ("名单.csv", UNRELATED))
    [error] = texts(at.error)
    assert error.startswith(words) and kinds in error
    assert "姓名" in error and "电话" in error and "金额" in error
    assert not at.get("form") and not at.warning
    assert not [c for c in texts(at.caption) if c.startswith(("识别为", "Recognised"))]
    assert at.button(key="upload_load").disabled
    assert any(c.startswith(("如果它是其中一种导出", "If it is one of these exports"))
               for c in texts(at.caption))

    # Picked deliberately: the columns may be mapped.
    kind = next(s.key for s in at.selectbox if s.key.startswith("kind_"))
    at.selectbox(key=kind).set_value("households").run()
    assert not at.error and at.get("form")
    assert texts(at.warning)[0].startswith("没有找到必需的列" if lang == "zh"
                                           else "Required columns not found")
    assert at.button(key="upload_load").disabled


def test_a_file_with_some_required_columns_still_offers_the_form(warehouse):
    at = upload(open_page(), "temperature_odd_header.xlsx")
    assert at.get("form") and not at.error


def test_detect_names_no_kind_for_a_file_without_any_required_column():
    with pytest.raises(PipelineError) as caught:
        plan_detect(["姓名", "电话", "金额"])
    assert caught.value.code == "unknown_kind"
    mapping = plan_detect(["姓名", "电话", "金额"], "households")
    assert mapping.kind == "households" and not mapping.complete


def test_the_kind_shown_follows_a_change_of_language(warehouse):
    at = upload(open_page(), "temperature_new.xlsx")
    at.segmented_control(key="lang_switch").set_value("en").run()
    kind = next(s for s in at.selectbox if s.key.startswith("kind_"))
    assert kind.proto.set_value and kind.proto.raw_value == "Detect automatically"


# --- the check step: what the preview shows, what it refuses (QA of 数据上传) ---------

def _column_texts(at: AppTest, header: str) -> list[str]:
    """The preview's cells in column `header`, as the grid shows them."""
    from page_testing import cell_texts
    grid = next(g for g in at.dataframe if header in g.value.columns)
    return cell_texts(grid, header)


@pytest.mark.parametrize("lang, header, shown", [
    ("zh", "测温时间", "2025年11月16日 08:11"),
    ("en", "Measured at", "16 Nov 2025 08:11"),
])
def test_preview_shows_an_excel_serial_time_as_the_time_the_load_reads(warehouse, lang, header,
                                                                        shown):
    at = upload_bytes(open_page(lang), ("测温.xlsx",
                                        (PIPELINE_FILES / "temperature_no_signature.xlsx")
                                        .read_bytes()))
    cells = _column_texts(at, header)
    assert cells == [shown], cells
    assert not any("45977" in c for c in cells)


READINGS = ["户号", "测温时间", "室内温度(℃)", "室外温度(℃)", "用户签字"]


def _times_workbook(path: Path) -> Path:
    return xlsx(path, READINGS, [
        ["00101", 46001.5, 19, 2, "√"],               # a serial: 2025-12-10 12:00
        ["00102", "2025/12/1 8:05", 19, 2, "√"],      # text the loader reads
        ["00103", "12月8日 8:30", 19, 2, "√"],        # no year: the load rejects it
        ["00104", "明天上午", 19, 2, "√"]])            # no time at all


def test_preview_shows_times_the_load_rejects_as_written_not_fixed(warehouse, tmp_path):
    path = _times_workbook(tmp_path / "times.xlsx")
    at = upload_bytes(open_page(), ("times.xlsx", path.read_bytes()))
    assert _column_texts(at, "测温时间") == ["2025年12月10日 12:00", "2025年12月1日 08:05",
                                         "12月8日 8:30", "明天上午"]
    # What the load then reads is what the preview said.
    at.button(key="upload_load").click().run()
    con = connect(warehouse)
    try:
        assert con.execute("SELECT strftime(measured_at, '%Y-%m-%d %H:%M') FROM "
                           "temperature_readings ORDER BY household_id").fetchall() == [
            ("2025-12-10 12:00",), ("2025-12-01 08:05",)]
    finally:
        con.close()


def _formulas_workbook(path: Path) -> Path:
    """As tests/hostile builds formulas.xlsx: openpyxl stores no cached value."""
    return xlsx(path, READINGS, [["00101", "2025-11-16 08:00", "=18+1", 2, "√"],
                                 ["00102", "2025-11-16 09:00", 19.5, 3, "√"]])


def previews(at: AppTest, lang: str) -> list:
    """The preview grids drawn (the column-mapping tables aside)."""
    return [g for g in at.dataframe if tr_of(lang, "field.household_id") in g.value.columns]


def _refused_up_front(path: Path, lang: str, tmp_path: Path) -> tuple[AppTest, str]:
    """`path` uploaded beside a good file: refused at the check with its
    load's own message (returned), not counted as ready, no preview grid for
    it and no English word of an empty grid."""
    con = connect(tmp_path / "other.duckdb")
    try:
        message = load_file(con, path, lang=lang).error   # the load's own words
    finally:
        con.close()
    at = upload_bytes(open_page(lang), (path.name, path.read_bytes()),
                      ("temperature_new.xlsx", (UI / "temperature_new.xlsx").read_bytes()))
    assert message in texts(at.error), texts(at.error)
    button = at.button(key="upload_load")
    assert button.label == tr_of(lang, "upload.load_one")
    assert not any("empty" == str(x).strip().lower() for x in texts(at.caption))
    assert len(previews(at, lang)) == 1    # only the good file's preview is drawn
    return at, message


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_formula_cells_without_values_are_refused_at_the_check(warehouse, tmp_path, lang):
    at, expected = _refused_up_front(_formulas_workbook(tmp_path / "formulas.xlsx"), lang,
                                     tmp_path)
    assert "C2" in expected
    before = snapshot(warehouse)
    at.button(key="upload_load").click().run()
    assert not at.exception
    after = snapshot(warehouse)
    assert after[2] == before[2] + 1      # one batch: the good file only


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_header_without_data_rows_is_refused_at_the_check(warehouse, tmp_path, lang):
    _, expected = _refused_up_front(PIPELINE_FILES / "temperature_header_only.xlsx", lang,
                                    tmp_path)
    assert expected == tr_of(lang, "error.no_rows")


def test_plan_check_finds_data_rows_below_many_blank_and_total_rows(tmp_path):
    """The check reads past the preview's window before saying "no data rows"."""
    from pipelines.mappings import plan_remembered
    xlsx(tmp_path / "late.xlsx", READINGS,
         [[None] * 5] * 120 + [["00101", "2025-11-16 08:00", 19, 2, "√"]])
    con = connect(tmp_path / "w.duckdb")
    try:
        plan, _ = plan_remembered(con, tmp_path / "late.xlsx")
        assert plan.mapping.complete
    finally:
        con.close()


def _bad_dates_workbook(path: Path) -> Path:
    return xlsx(path, READINGS, [["00101", "下周", 19, 2, "√"],
                                 ["00102", "2025-11-16 09:00", 19.5, 3, "√"]])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_reject_table_shows_its_row_header_and_every_reason_in_full(warehouse, tmp_path, lang):
    from page_testing import column_settings
    from ui.tables import CELL_PADDING_PX, CHAR_PX
    path = _bad_dates_workbook(tmp_path / "dates.xlsx")
    at = upload_bytes(open_page(lang), ("dates.xlsx", path.read_bytes()))
    at.button(key="upload_load").click().run()
    assert not at.exception
    row_header = tr_of(lang, "ui.rejects.row")
    grid = next(g for g in at.dataframe if row_header in g.value.columns)
    [reason] = grid.value[tr_of(lang, "ui.rejects.reason")].tolist()
    units = sum(2 if ord(ch) > 0x2E80 else 1 for ch in row_header)
    width = column_settings(grid, row_header).get("width")
    assert isinstance(width, int) and width >= CHAR_PX * units + CELL_PADDING_PX, width
    # The reason is there to read whole, beside the grid (the grid cuts a long one).
    shown = [m.value for m in at.markdown] + texts(at.caption)
    assert any(reason in s for s in shown), (reason, shown)


@pytest.mark.parametrize("lang, one, two, none", [
    ("zh", "导入 1 个文件", "导入 2 个文件", "没有可导入的文件"),
    ("en", "Load 1 file", "Load 2 files", "No file ready to load"),
])
def test_the_load_button_counts_files_in_words(warehouse, lang, one, two, none):
    # QA: "Load 1 file(s)", and a disabled "Load 0 file(s)" left after loading.
    at = upload(open_page(lang), "tickets_new.xlsx", "temperature_new.xlsx")
    assert at.button(key="upload_load").label == two
    at = upload(open_page(lang), "tickets_new.xlsx")
    assert at.button(key="upload_load").label == one
    at.button(key="upload_load").click().run()
    assert not at.exception and len(at.success) == 1
    assert "upload_load" not in [b.key for b in at.button]   # all loaded: nothing to say
    at = upload(open_page(lang), "corrupt.xlsx")
    button = at.button(key="upload_load")
    assert button.label == none and button.disabled


TICKETS_CSV = ("工单编号,受理时间,工单类型,户号\n"
               "T1,2025-12-01 08:00,闲聊,09010110101\n"
               "T2,2025-12-01 09:00,投诉,09010110101\n")


def test_a_csv_upload_names_its_sheet_after_the_file_not_the_upload(warehouse):
    # QA: the batch and its rejects stored the upload's file id as a CSV's
    # sheet (d7d59ac2-…, the temporary file's name), and 数据管理 showed it.
    at = upload_bytes(open_page(), ("工单导出.csv", TICKETS_CSV.encode("utf-8")))
    [up] = at.session_state["upload_desk"].values()
    assert up.path.stem == up.file_id            # the temporary file is named by the id
    at.button(key="upload_load").click().run()
    assert not at.exception and len(at.success) == 1
    assert up.report.sheet == "工单导出"
    con = connect(warehouse)
    try:
        assert con.execute("SELECT sheet FROM batches WHERE file_name = '工单导出.csv'"
                           ).fetchall() == [("工单导出",)]
        assert con.execute("SELECT DISTINCT sheet FROM rejects").fetchall() == [("工单导出",)]
    finally:
        con.close()


@pytest.mark.parametrize("lang, allowed", [
    ("zh", "(允许:咨询、报修、抢修、投诉、举报、建议)"),
    ("en", "(allowed: 咨询, 报修, 抢修, 投诉, 举报, 建议)"),
])
def test_allowed_values_are_listed_in_the_languages_way(warehouse, lang, allowed):
    # QA, English: "Category is not an allowed value (allowed: 咨询、报修、…)".
    at = upload_bytes(open_page(lang), ("工单.csv", TICKETS_CSV.encode("utf-8")))
    at.button(key="upload_load").click().run()
    reason = tr_of(lang, "ui.rejects.reason")
    [grid] = [g for g in at.dataframe if reason in g.value.columns]
    assert grid.value[reason].tolist()[0].endswith(allowed)
    assert any(allowed in m for m in texts(at.markdown))      # written out in full


def test_reject_reasons_follow_a_change_of_language(warehouse):
    # The report stays on the desk: its reasons are read in the language the
    # page is read in, not the one the file was loaded in.
    at = upload_bytes(open_page(), ("工单.csv", TICKETS_CSV.encode("utf-8")))
    at.button(key="upload_load").click().run()
    at.segmented_control(key="lang_switch").set_value("en").run()
    assert not at.exception
    [grid] = [g for g in at.dataframe if "Reason" in g.value.columns]
    assert grid.value["Reason"].tolist() == [
        "Category is not an allowed value (allowed: 咨询, 报修, 抢修, 投诉, 举报, 建议)"]


@pytest.mark.parametrize("lang, words", [
    ("zh", "这次的 2 个文件:1 个已导入(其中 1 个有拒收行)、1 个之前已导入。各文件的结果见上方。"),
    ("en", "Of these 2 files: 1 loaded (1 with rejected rows), 1 loaded before. "
           "Each file's result is above."),
])
def test_several_files_end_in_one_line_of_what_happened(warehouse, lang, words):
    # After loading several, only the last file's report is on screen: a
    # line by the button says how they went.
    at = upload(open_page(lang), "tickets_new.xlsx")
    at.button(key="upload_load").click().run()
    assert not at.info or words not in texts(at.info)   # one file: no summary
    at = upload(open_page(lang), "tickets_new.xlsx", "temperature_new.xlsx")
    at.button(key="upload_load").click().run()
    assert words in texts(at.info), texts(at.info)


def test_a_column_no_field_knows_is_named_and_can_be_given_a_field(warehouse):
    # An inspection export headed its outdoor temperature 当日气象温度: the
    # column was dropped without a word, so the −9.5 °C day's reading counted
    # against the rate instead of being exempt. It is named before the load,
    # and the form under it reads it as 室外温度 (remembered).
    data = ("户号,测温时间,室内温度,用户签字,当日气象温度,序号\n"
            "09010110101,2025-12-08 09:00,16.5,张三,-9.5,1\n").encode("utf-8")
    at = upload_bytes(open_page(), ("测温.csv", data))
    [said] = texts(at.warning)
    assert said.startswith("文件中的列「当日气象温度」看板不认识,没有导入。"), said
    assert "「序号」" not in said
    pick = next(s for s in at.selectbox if s.label == "室外温度(℃)")
    assert pick.options == ["请选择…", "当日气象温度"]
    pick.set_value(4)
    at.button(key=next(b.key for b in at.button if b.label == "应用并记住")).click().run()
    assert not at.warning
    at.button(key="upload_load").click().run()
    assert not at.exception and not at.warning
    con = connect(warehouse)
    try:
        assert con.execute("SELECT outdoor_c FROM temperature_readings").fetchall() == [(-9.5,)]
    finally:
        con.close()


def test_one_column_given_two_fields_is_refused_and_nothing_is_saved(warehouse):
    data = ("户号,测温时间,室内温度,用户签字,当日气象温度\n"
            "09010110101,2025-12-08 09:00,16.5,张三,-9.5\n").encode("utf-8")
    at = upload_bytes(open_page(), ("测温.csv", data))
    picks = [s for s in at.selectbox if s.key.startswith("optional_")][:2]
    assert len(picks) == 2, [s.label for s in at.selectbox]
    for pick in picks:
        pick.set_value(4)
    at.button(key=next(b.key for b in at.button if b.label == "应用并记住")).click().run()
    assert "一列只能对应一个数据项。" in texts(at.error), texts(at.error)
    assert texts(at.warning)          # the column is still unknown: nothing was saved


def test_a_rejected_csv_rows_download_has_no_empty_column_without_a_header(warehouse):
    # A CSV whose lines end with a comma: the download put an empty column
    # headed "(6)" before 原文件行号. A column without a header but with a
    # value in a rejected row stays (the row is given back as it was).
    data = ("收据号,户号,供暖季,缴费日期,实收金额,\n"
            "SF1,0101001,2025-2026,2025-11-01,1840,\n"
            "SF2,0101002,2025-2026,2025-11-02,很多,\n"
            "SF3,0101003,2025-2026,2025-11-03,不详,备注在无标题列\n").encode("utf-8")
    at = upload_bytes(open_page(), ("payments.csv", data))
    at.button(key="upload_load").click().run()
    up = next(iter(at.session_state["upload_desk"].values()))
    frame = rejected_rows(up.plan, up.report.rejects, "zh")
    assert list(frame.columns) == ["收据号", "户号", "供暖季", "缴费日期", "实收金额", "(6)",
                                   "原文件行号", "拒收原因"]
    only_empty = rejected_rows(up.plan, [r for r in up.report.rejects if r.row == 3], "zh")
    assert "(6)" not in only_empty.columns


def test_a_roster_dropped_with_readings_loads_before_them(warehouse, tmp_path):
    # Readings dropped ahead of the roster of their households loaded first:
    # told "户号在用户档案中找不到…请先导入…用户档案", a warning kept with
    # their batch, though the roster loaded a second later in the same drop.
    readings = xlsx(tmp_path / "测温.xlsx", ["户号", "测温时间", "室内温度", "室外温度", "用户签字"],
                    [["09030110101", "2025-12-08 09:00", 18.5, -3, "张三"]])
    roster = xlsx(tmp_path / "档案.xlsx", ["户号", "分公司", "供热站", "供热面积"],
                  [["09030110101", "张店分公司", "华光路换热站", 80]])
    at = upload_bytes(open_page(), ("测温.xlsx", readings.read_bytes()),
                      ("档案.xlsx", roster.read_bytes()))
    at.button(key="upload_load").click().run()
    assert not at.exception
    assert not [w for w in texts(at.warning) if "找不到" in w]
    con = connect(warehouse)
    try:
        assert con.execute("SELECT file_name FROM batches WHERE batch_id > 1 ORDER BY batch_id"
                           ).fetchall() == [("档案.xlsx",), ("测温.xlsx",)]
    finally:
        con.close()


def test_rejected_rows_are_masked_for_a_viewer_without_personal_data(tmp_path):
    # The rejected rows came back as uploaded, a caller's name and phone in
    # full, whatever the viewer's role; the audit trail did not mark them.
    path = xlsx(tmp_path / "工单.xlsx", ["工单编号", "受理时间", "工单类型", "来电人", "联系电话",
                                         "反映内容"],
                [["T1", "2025-12-08 09:00", "投诉", "张红梅", "18768891793", "张红梅家暖气不热"],
                 ["T2", "明天", "投诉", "李四", "13700000000", "住1单元302"]])
    con = connect(":memory:")
    report = load_file(con, path)
    plan = plan_file(path)
    shown = rejected_rows(plan, report.rejects, "zh", personal=False)
    assert shown[["来电人", "联系电话", "反映内容"]].values.tolist() == [
        ["李*", "137****0000", "住1单元***"]]
    assert shown["工单编号"].tolist() == ["T2"]          # what to fix stays readable
    full = rejected_rows(plan, report.rejects, "zh")
    assert full[["来电人", "联系电话"]].values.tolist() == [["李四", "13700000000"]]
    # A readings file carrying the roster's 户主姓名, 联系电话 and 地址 (not
    # loaded from it) and a signature: each came back in clear.
    path = xlsx(tmp_path / "测温.xlsx", ["户号", "测温时间", "室内温度", "用户签字", "户主姓名",
                                          "联系电话", "地址", "备注"],
                [["001", "2025-12-08 09:00", "偏低", "张红梅", "张红梅", "18768891793",
                  "华光小区3号楼2单元501", "回电18768891793"]])
    report = load_file(con, path)
    shown = rejected_rows(plan_file(path), report.rejects, "zh", personal=False)
    assert shown.iloc[0][["户号", "室内温度", "用户签字", "户主姓名", "联系电话", "地址", "备注"]
                         ].tolist() == ["001", "偏低", "张**", "张**", "187****1793",
                                        "华光小区3号楼", "回电187****1793"]


def test_a_status_columns_voided_rows_are_said_before_the_load(warehouse):
    # A payments file whose 状态 marked 2 receipts 作废: before the load only
    # "看板不认识" (and a form that never came); the voided receipts loaded as
    # paid. Now said before the load, with how many and which words.
    data = ("收据号,户号,供暖季,缴费日期,实收金额,状态\n"
            "SF1,09010110101,2025-2026,2025-11-01,1840,正常\n"
            "SF2,09010110102,2025-2026,2025-11-02,900,作废\n").encode("utf-8")
    at = upload_bytes(open_page(), ("收费明细.csv", data))
    [said] = texts(at.warning)
    assert said.startswith("「状态」列有 1 行写着 作废:看板不读这一列"), said
    assert not [s for s in at.selectbox if s.label == "收费员"]     # nothing to give it


def test_file_text_in_a_warning_or_a_file_name_is_no_markup(warehouse):
    """A header or a file name is shown as written: a Markdown image would be
    fetched from anywhere whenever the page is opened, a link would be one
    to click, under words the file chose."""
    data = ("户号,测温时间,室内温度,用户签字,![t](https://evil.example/t.png)\n"
            "09010110101,2025-12-08 09:00,16.5,张三,1\n").encode("utf-8")
    at = upload_bytes(open_page(), ("[点此](https://evil.example)*.csv", data))
    [said] = texts(at.warning)
    assert "「\\!\\[t\\](https://evil.example/t.png)」" in said, said
    assert texts(at.markdown)[0].startswith("**\\[点此\\](https://evil.example)\\*.csv** · ")
    at.button(key="upload_load").click().run()
    assert not at.exception
    assert any("「\\!\\[t\\](https://evil.example/t.png)」" in w for w in texts(at.warning))


def test_literal_text_reads_as_written():
    assert fmt.literal("a_b *c* [d](e) ![f](g) `h` <i> $j$ #k | ~l \\") == \
        "a\\_b \\*c\\* \\[d\\](e) \\!\\[f\\](g) \\`h\\` \\<i\\> \\$j\\$ \\#k \\| \\~l \\\\"


def test_a_second_column_of_a_field_is_named_and_can_be_the_one_read(warehouse):
    """处理情况 empty and 答复内容 holding the answer: the first name found was
    read and the answer dropped without a word (the consultation counted as
    漏件). A free text now reads the second where the first is blank, and
    says so; a second column of another field (来电时间 beside 受理时间, a
    second time, not the day of the first: the ticket received over
    midnight loads) is named, and either can be the one read (remembered)."""
    data = ("工单编号,来电时间,受理时间,工单类型,处理情况,答复内容\n"
            "GD1,2025-12-07 23:50,2025-12-08 00:05,咨询,,已答复用户\n"
            "GD2,2025-12-07 09:00,2025-12-07 09:05,咨询,已处理,已答复\n").encode("utf-8")
    at = upload_bytes(open_page(), ("工单.csv", data))
    said = texts(at.warning)
    assert "文件中的列「答复内容」也是「处理结果」的写法:读的是列「处理情况」,其为空的行读列「答复内容」。" \
        "如果应以「答复内容」为准,请在上传页的「更改读取的列」中选它。" in said, said
    assert "文件中的列「来电时间」也是「受理时间」的写法,没有导入:导入的是列「受理时间」。" \
        "如果该读的是「来电时间」,请在上传页的「更改读取的列」中选它," \
        "再导入这个文件(已经导入的,先在「数据管理」中撤销那一批次)。" in said, said
    pick = next(s for s in at.selectbox if s.key.endswith("_received_at"))
    assert pick.options == ["受理时间", "来电时间"] and pick.value == 2   # columns 3 and 2
    pick = next(s for s in at.selectbox if s.key.endswith("_result"))
    pick.set_value(5)                                # 答复内容 first
    at.button(key=next(b.key for b in at.button if b.label == "应用并记住")).click().run()
    assert any("文件中的列「处理情况」也是「处理结果」的写法:读的是列「答复内容」" in w
               for w in texts(at.warning))
    at.button(key="upload_load").click().run()
    assert not at.exception
    con = connect(warehouse)
    try:
        assert con.execute("SELECT ticket_no, received_at, result FROM tickets ORDER BY 1"
                           ).fetchall() == [
            ("GD1", __import__("datetime").datetime(2025, 12, 8, 0, 5), "已答复用户"),
            ("GD2", __import__("datetime").datetime(2025, 12, 7, 9, 5), "已答复")]
    finally:
        con.close()
