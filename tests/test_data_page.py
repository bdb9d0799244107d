"""The data page (数据管理) through AppTest: load history, undo with
confirmation, and coverage."""
from __future__ import annotations

import shutil
import unicodedata
from pathlib import Path

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from page_testing import column_settings, demo_copy, downloads, figures  # noqa: F401
from pipelines.batches import undo_batch
from pipelines.load import load_file
from pipelines.warehouse import bump_data_version, connect, data_version, row_counts
from ui import fmt

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
UI = Path(__file__).parent / "data" / "ui"


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """Roster (batch 1), readings of 1-2 Dec 2025 (batch 2), tickets (batch 3)."""
    path = tmp_path_factory.mktemp("data_page") / "template.duckdb"
    con = connect(path)
    for name in ("roster_small.xlsx", "temperature_new.xlsx", "tickets_new.xlsx"):
        assert load_file(con, UI / name).status == "loaded"
    con.close()
    return path


@pytest.fixture
def warehouse(template, tmp_path, monkeypatch) -> Path:
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(template, path)
    monkeypatch.setenv("HEATKPI_DB", str(path))
    return path


def open_page(lang: str = "zh") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    if lang != "zh":
        at.query_params["lang"] = lang
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def snapshot(path: Path) -> tuple:
    con = connect(path)
    try:
        return (data_version(con), row_counts(con),
                con.execute("SELECT batch_id, status FROM batches ORDER BY 1").fetchall())
    finally:
        con.close()


def history(at: AppTest):
    return at.dataframe[0].value


def texts(elements) -> list[str]:
    return [e.value for e in elements]


def statuses(df, header: str = "状态") -> list[str]:
    """The status column's chips (one a row) as text."""
    return [" / ".join(v) for v in df[header]]


def test_history_lists_every_batch_in_words(warehouse):
    at = open_page()
    df = history(at)
    assert list(df.columns)[:7] == ["批次", "状态", "文件", "类型", "数据表", "导入人", "导入时间"]
    assert df["批次"].tolist() == [3, 2, 1]
    assert df["文件"].tolist() == ["tickets_new.xlsx", "temperature_new.xlsx",
                                  "roster_small.xlsx"]
    assert df["类型"].tolist() == ["客服工单", "测温记录", "用户档案"]
    assert statuses(df) == ["有效"] * 3
    assert df.loc[df["批次"] == 2, ["读取", "新增", "拒收"]].values.tolist() == [[4, 3, 1]]

    at.selectbox(key="data_kind").set_value("temperature").run()
    assert history(at)["批次"].tolist() == [2]
    assert at.selectbox(key="undo_pick").options == ["批次 2 · temperature_new.xlsx · 测温记录"]


def test_undo_asks_first_then_removes_the_batch(warehouse):
    at = open_page()
    at.selectbox(key="undo_pick").set_value(2).run()
    before = snapshot(warehouse)
    at.button(key="undo_open").click().run()
    text = "\n".join(texts(at.markdown))
    # (the file name as written: Markdown escapes, not read as emphasis or links)
    assert "撤销批次 2(文件「temperature\\_new.xlsx」,测温记录)将" in text
    assert "**删除 3 行**" in text and "**恢复 0 行**" in text
    assert snapshot(warehouse) == before            # asking changed nothing

    at.button(key="undo_confirm").click().run()
    assert not at.exception
    assert texts(at.success) == ["已撤销批次 2(temperature\\_new.xlsx):删除 3 行,"
                                 "恢复为其他批次版本 0 行。"]
    version, rows, batches = snapshot(warehouse)
    assert version == before[0] + 1
    assert rows["temperature_readings"] == 0 and rows["tickets"] == 2
    assert batches == [(1, "loaded"), (2, "undone"), (3, "loaded")]
    df = history(at)
    assert statuses(df)[1].startswith("已撤销 · ") and statuses(df)[1].endswith(" · local")
    assert 2 not in at.selectbox(key="undo_pick").options
    assert "undo_confirm" not in [b.key for b in at.button]     # the dialog closed


def test_cancel_keeps_everything(warehouse):
    at = open_page("en")
    before = snapshot(warehouse)
    at.button(key="undo_open").click().run()     # the newest batch is picked first
    assert "Undoing batch 3 (file “tickets\\_new.xlsx”, Service tickets) will" in \
        "\n".join(texts(at.markdown))
    at.button(key="undo_cancel").click().run()
    assert "undo_confirm" not in [b.key for b in at.button]
    assert snapshot(warehouse) == before
    assert statuses(history(at), "Status") == ["In place"] * 3


def test_undo_in_english(warehouse):
    at = open_page("en")
    at.button(key="undo_open").click().run()
    at.button(key="undo_confirm").click().run()
    assert texts(at.success) == ["Batch 3 (tickets\\_new.xlsx) undone: 2 rows removed, 0 rows "
                                 "restored to another batch's version."]
    assert at.title[0].value == "Manage data"


MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def _undo_2(path: Path):
    """Undo batch 2 as 张三; when it was undone (the warehouse's clock)."""
    con = connect(path)
    try:
        undo_batch(con, 2, user="张三")
        return con.execute("SELECT undone_at FROM batches WHERE batch_id = 2").fetchone()[0]
    finally:
        con.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_undone_batch_says_so_beside_its_number(warehouse, lang):
    # QA: after an undo the batch's row looked like a loaded one: 状态, 撤销时间
    # and 撤销人 were columns 14-16, off screen at 1400 px. The status now
    # comes second, says when and by whom, and is a chip coloured by status;
    # the batch, its status and its file stay in view when the table scrolls.
    at_ = _undo_2(warehouse)
    at = open_page(lang)
    grid = at.dataframe[0]
    df = grid.value
    if lang == "zh":
        assert list(df.columns)[:3] == ["批次", "状态", "文件"]
        undone = f"已撤销 · {at_.month}月{at_.day}日 {at_:%H:%M} · 张三"
        loaded = "有效"
    else:
        assert list(df.columns)[:3] == ["Batch", "Status", "File"]
        undone = f"Undone · {at_.day} {MONTHS[at_.month - 1]} {at_:%H:%M} · 张三"
        loaded = "In place"
    assert statuses(df, df.columns[1]) == [loaded, undone, loaded]
    assert not {"撤销时间", "撤销人", "Undone at", "Undone by"} & set(df.columns)
    chip = column_settings(grid, df.columns[1])
    assert chip["type_config"]["type"] == "multiselect"
    colors = {o["value"]: o["color"] for o in chip["type_config"]["options"]}
    assert colors == {loaded: "green", undone: "red"}
    pinned = [h for h in df.columns if column_settings(grid, h).get("pinned")]
    assert pinned == list(df.columns)[:3]


def _units(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_history_header_fits_its_column(warehouse, lang):
    # QA, English at 1400 px: "Loaded b", "Unchar", "Rejecte". The grid sizes a
    # column by its raw values, not its header: each column now has a width
    # that holds its header (about 7 px a letter, 14 a Chinese character, and
    # the cell's padding and sort arrow) and its values as written.
    _undo_2(warehouse)
    at = open_page(lang)
    grid = at.dataframe[0]
    df = grid.value
    for header in df.columns:
        width = column_settings(grid, header).get("width")
        assert isinstance(width, int), header
        assert width >= 7 * _units(header) + 28, (header, width)
    status = column_settings(grid, df.columns[1])["width"]
    assert status >= 7 * max(_units(s) for s in statuses(df, df.columns[1])) + 28
    # the load times as written (2026年11月30日 14:39; 2026年12月1日 00:05 is shorter)
    when = column_settings(grid, df.columns[6])["width"]
    written = [fmt.datetime(x.to_pydatetime(), lang) for x in df[df.columns[6]].dropna()]
    assert written and when >= 7 * max(_units(w) for w in written) + 28
    # what tells the batches apart stays in view beside the rest: the pinned
    # part leaves most of the grid's 940 px (a 1400 px window) to scroll
    assert sum(column_settings(grid, h)["width"] for h in df.columns[:3]) <= 520


def _readings_of_15_december(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["户号", "测温时间", "室内温度", "用户签字"])
    ws.append(["09010110101", "2025-12-15 09:00", 19.0, "张三"])
    wb.save(path)
    return path


def test_coverage_shows_spans_and_names_a_missing_week(warehouse, tmp_path):
    at = open_page()
    captions = texts(at.caption)
    assert "共 3 条" in captions and "2025年12月1日 至 2025年12月2日" in captions
    assert texts(at.warning) == []
    con = connect(warehouse)
    try:
        load_file(con, _readings_of_15_december(tmp_path / "r.xlsx"))
    finally:
        con.close()
    at.run()
    assert texts(at.warning) == ["供暖期内有 1 周没有数据:2025-W50。请检查是否漏传了这些周的导出文件。"]
    assert "2025年12月1日 至 2025年12月15日" in texts(at.caption)


@pytest.mark.parametrize("lang, days, months", [("zh", "%-m月%-d日", "%Y年%-m月"),
                                               ("en", "%-d %b", "%b %Y")])
def test_coverage_charts_write_dates_in_the_language(warehouse, lang, days, months):
    at = open_page(lang)
    charts = {k: c for k, c in figures(at).items() if k.startswith("coverage_")}
    assert charts
    for c in charts.values():
        stops = c["layout"]["xaxis"]["tickformatstops"]
        assert [s["value"] for s in stops] == [days, months]
        assert [s["dtickrange"] for s in stops] == [[None, "M1"], ["M1", None]]
        # rows counted as every count is written: 2,000, not 2000
        assert c["layout"]["yaxis"]["tickformat"] == ","


def test_empty_warehouse(tmp_path, monkeypatch):
    path = tmp_path / "empty.duckdb"
    connect(path).close()
    monkeypatch.setenv("HEATKPI_DB", str(path))
    at = open_page("en")
    assert texts(at.info) == ["Nothing has been loaded yet."]
    assert "nothing loaded yet" in texts(at.caption)


def test_an_earlier_loads_rejected_rows_can_be_seen_and_downloaded(demo_copy, downloads):  # noqa: F811
    import io
    con = connect(demo_copy, read_only=True)
    try:
        expected = con.execute(
            "SELECT b.batch_id, b.rows_rejected, count(r.batch_id) FROM batches b"
            " LEFT JOIN rejects r USING (batch_id) WHERE b.rows_rejected > 0"
            " GROUP BY ALL ORDER BY b.batch_id DESC").fetchall()
    finally:
        con.close()
    assert expected and all(n == m for _, n, m in expected)   # the demo's planted rejects
    at = open_page()
    pick = at.selectbox(key="rejects_pick")
    assert pick.options and len(pick.options) == len(expected)
    for batch, n, _ in expected[:2]:
        pick.set_value(batch).run()
        assert not at.exception
        shown = next(df.value for df in at.dataframe if "原因" in df.value.columns)
        assert len(shown) == n
        assert list(shown.columns) == ["工作表", "行号(Excel)", "列", "值", "原因"]
        assert shown["原因"].notna().all() and shown["行号(Excel)"].notna().all()
        # each reason also written out whole (the grid cuts a long one)
        [full] = [m.value for m in at.markdown if m.value.startswith("**拒收原因(完整说明)**")]
        assert all(reason in full.replace("\\", "") for reason in shown["原因"].head(3))
        files = downloads(at)
        data = next(v for k, v in files.items() if k.startswith(f"rejects_{batch}_xlsx"))
        sheet = openpyxl.load_workbook(io.BytesIO(data)).active
        assert sheet.max_row == n + 1


def test_undo_needs_its_own_permission(warehouse, tmp_path, monkeypatch):
    # A role that may upload but not undo (settings.toml roles): the data page
    # shows what is loaded, offers no undo, and a dialog asked for anyway
    # (session state) is refused. Undoing was open to every uploader.
    from auth import UserStore
    from auth.sessions import SessionStore
    from pipelines import settings as settings_module
    text = (ROOT / "settings.toml").read_text(encoding="utf-8")
    text = text.replace("[auth.roles]\n", '[auth.roles]\nclerk = ["upload", "all_branches"]\n')
    (tmp_path / "settings.toml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("HEATKPI_SETTINGS", str(tmp_path / "settings.toml"))
    monkeypatch.setenv("HEATKPI_USERS", str(tmp_path / "users.json"))
    settings_module.load_settings.cache_clear()
    try:
        store = UserStore(tmp_path / "users.json")
        clerk = store.add("clerk1", "a long password", "clerk")
        at = AppTest.from_file(APP, default_timeout=30)
        at.session_state["user"] = clerk
        at.session_state["session_token"] = SessionStore(users=store).open(clerk)
        at.run()
        at.switch_page("pages/data.py").run()
        assert not at.exception, [e.value for e in at.exception]
        assert len(history(at)) == 3                          # the loads are shown
        assert "undo_pick" not in [s.key for s in at.selectbox]
        assert "undo_open" not in [b.key for b in at.button]
        before = snapshot(warehouse)
        at.session_state["undo_target"] = 2
        at.run()
        assert "undo_confirm" not in [b.key for b in at.button]
        assert texts(at.error) == ["您的角色无权使用此页面。"]
        assert snapshot(warehouse) == before
    finally:
        settings_module.load_settings.cache_clear()


TICKETS_CSV = ("工单编号,受理时间,工单类型,户号\n"
               "T1,2025-12-01 08:00,闲聊,09010110101\n"
               "T2,2025-12-01 09:00,投诉,09010110101\n"
               "T2,2025-12-01 10:00,投诉,09010110101\n")
UPLOAD_ID = "d7d59ac2-a164-41d5-9602-f6a817e1b45f"


def _load_csv(warehouse: Path, tmp_path: Path, text: str, lang: str = "zh",
              name: str = "工单.csv") -> int:
    """Load `text` as the upload page does (a temporary file named by the
    upload's id, the user's file name beside it); the batch id."""
    path = tmp_path / f"{UPLOAD_ID}.csv"
    path.write_text(text, encoding="utf-8")
    con = connect(warehouse)
    try:
        report = load_file(con, path, file_name=name, lang=lang)
        assert report.status == "loaded"
        return report.batch_id
    finally:
        con.close()


def _rejects_shown(at: AppTest, lang: str):
    reason = "原因" if lang == "zh" else "Reason"
    return next(df.value for df in at.dataframe if reason in df.value.columns), reason


def _rejects_downloaded(at: AppTest, downloads, batch: int) -> list[tuple]:  # noqa: F811
    import io
    data = next(v for k, v in downloads(at).items() if k.startswith(f"rejects_{batch}_xlsx"))
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return list(sheet.iter_rows(values_only=True))


@pytest.mark.parametrize("loaded_in, viewer", [("zh", "en"), ("en", "zh")])
def test_rejected_rows_give_reasons_in_the_viewers_language(
        warehouse, tmp_path, downloads, loaded_in, viewer):  # noqa: F811
    # QA: the reasons were rejects.reason, in the loading user's language: an
    # English viewer read 工单类型的取值不在允许范围内 on screen and in the
    # download. Each is now written in the viewer's language.
    words = {"zh": ["工单类型的取值不在允许范围内(允许:咨询、报修、抢修、投诉、举报、建议)",
                    "与同一文件第 4 行的工单编号重复,已以第 4 行为准"],
             "en": ["Category is not an allowed value (allowed: 咨询, 报修, 抢修, 投诉, 举报, 建议)",
                    "Same Ticket number as row 4 of this file; row 4 was kept"]}
    batch = _load_csv(warehouse, tmp_path, TICKETS_CSV, lang=loaded_in)
    at = open_page(viewer)
    at.selectbox(key="rejects_pick").set_value(batch).run()
    shown, reason = _rejects_shown(at, viewer)
    assert shown[reason].tolist() == words[viewer]
    rows = _rejects_downloaded(at, downloads, batch)
    at_reason = rows[0].index(reason)
    assert [r[at_reason] for r in rows[1:]] == words[viewer]

    # A reject stored before its reason's params were: its stored words.
    con = connect(warehouse)
    try:
        con.execute("UPDATE rejects SET params = NULL WHERE batch_id = ?", [batch])
        bump_data_version(con)   # a page reads the data of its version
    finally:
        con.close()
    at = open_page(viewer)
    at.selectbox(key="rejects_pick").set_value(batch).run()
    shown, reason = _rejects_shown(at, viewer)
    assert shown[reason].tolist() == words[loaded_in]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_csv_batch_names_no_upload_id_as_its_sheet(warehouse, tmp_path, downloads,  # noqa: F811
                                                     lang):
    # QA: a CSV's 工作表/Sheet read d7d59ac2-a164-41d5-9602-f6a817e1b45f, the
    # upload's file id (its temporary file's name), on screen and in the
    # download. It is the file's name, as a command-line load gives it; a
    # batch loaded before, which stored the id, reads so too.
    sheet = "工作表" if lang == "zh" else "Sheet"
    first = _load_csv(warehouse, tmp_path, TICKETS_CSV, name="工单导出.csv")
    second = _load_csv(warehouse, tmp_path, TICKETS_CSV.replace("T", "X"), name="旧工单.csv")
    con = connect(warehouse)
    try:
        con.execute("UPDATE rejects SET sheet = ? WHERE batch_id = ?", [UPLOAD_ID, second])
    finally:
        con.close()
    at = open_page(lang)
    for batch, name in ((first, "工单导出"), (second, "旧工单")):
        at.selectbox(key="rejects_pick").set_value(batch).run()
        shown, _ = _rejects_shown(at, lang)
        assert set(shown[sheet]) == {name}
        rows = _rejects_downloaded(at, downloads, batch)
        assert {r[rows[0].index(sheet)] for r in rows[1:]} == {name}


def test_after_an_undo_no_batch_is_picked(warehouse):
    # QA: after an undo the selector moved to the next-newest batch, one click
    # and a confirmation away from undoing a file nobody chose.
    at = open_page()
    assert at.selectbox(key="undo_pick").value == 3      # the newest, at first
    at.button(key="undo_open").click().run()
    at.button(key="undo_confirm").click().run()
    assert not at.exception
    pick = at.selectbox(key="undo_pick")
    assert pick.value is None and pick.placeholder == "请选择要撤销的批次"
    assert at.button(key="undo_open").disabled
    assert "undo_confirm" not in [b.key for b in at.button]     # no dialog
    at.run()                                                      # still none
    assert at.selectbox(key="undo_pick").value is None
    at.selectbox(key="undo_pick").set_value(1).run()
    assert not at.button(key="undo_open").disabled
    at.button(key="undo_open").click().run()
    assert "撤销批次 1(文件「roster\\_small.xlsx」,用户档案)将" in "\n".join(texts(at.markdown))


@pytest.mark.parametrize("lang, asked, done", [
    ("zh", ["**删除 1,200 行**", "**恢复 0 行**"],
     "已撤销批次 4(readings.csv):删除 1,200 行,恢复为其他批次版本 0 行。"),
    ("en", ["**remove 1,200 rows**", "**restore 0 rows**"],
     "Batch 4 (readings.csv) undone: 1,200 rows removed, 0 rows restored to another "
     "batch's version."),
])
def test_undo_counts_are_grouped_in_the_dialog_and_the_result(warehouse, tmp_path, lang,
                                                              asked, done):
    # QA: the dialog said 4,995 and the result 删除 4995 行.
    lines = ["户号,测温时间,室内温度,用户签字"] + [
        f"0901011{i:04d},2025-12-0{1 + i % 7} 08:{i % 60:02d},19,张三" for i in range(1200)]
    con = connect(warehouse)
    try:
        path = tmp_path / "readings.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        assert load_file(con, path).rows_inserted == 1200
    finally:
        con.close()
    at = open_page(lang)
    at.selectbox(key="undo_pick").set_value(4).run()
    at.button(key="undo_open").click().run()
    text = "\n".join(texts(at.markdown))
    assert all(a in text for a in asked), text
    at.button(key="undo_confirm").click().run()
    assert texts(at.success) == [done]


@pytest.mark.parametrize("lang, words", [
    ("zh", "个收据号在数据仓库中已有记录"), ("en", "already in the warehouse come in this file")])
def test_a_loads_warnings_stay_with_its_batch_in_the_viewers_language(warehouse, tmp_path,
                                                                        lang, words):
    # The warning that says "undo batch N" was shown once on the upload page
    # and gone on the click to this page, where undo is.
    from made_files import xlsx
    header = ["收据号", "户号", "供暖季", "缴费日期", "实收金额"]
    con = connect(warehouse)
    try:
        load_file(con, xlsx(tmp_path / "收费1.xlsx", header,
                            [["000001", "0101001", "2024-2025", "2024-10-01", 1286.16]]))
        again = load_file(con, xlsx(tmp_path / "收费2.xlsx", header,
                                    [["000001", "0101002", "2025-2026", "2025-10-01", 900]]),
                          lang="en" if lang == "zh" else "zh")   # loaded in the other language
    finally:
        con.close()
    assert again.status == "loaded" and again.warnings
    at = open_page(lang)
    [box] = [e for e in at.expander if e.label.startswith(("查看以往导入的提示", "What earlier"))]
    assert box.selectbox(key="warnings_pick").value == again.batch_id
    said = [w.value for w in box.warning]
    assert len(said) == len(again.warnings) and any(words in w for w in said), said
    assert said == again.warnings_in(lang)
