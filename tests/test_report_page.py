"""The 周报 page through AppTest: the week from the filters or the last complete
week, the paragraph and headline table of the KPI layer, the downloads, a
branch, the printable view, English, and who may see personal data."""
from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from auth import User, UserStore
from auth.sessions import SessionStore
from i18n import t
from metrics import Period, get, summary
from metrics.display import compact_yuan, display_width, format_value
from page_testing import downloads  # noqa: F401
from pipelines.coverage import season_of, season_weeks, week_bounds
from pipelines.warehouse import connect
from reports import gather, labels, last_complete_week, summary_paragraph
from reports.bundle import weekly_bundle
from reports.printable import HEADLINE_COLUMNS
from ui.sidebar import today
from ui.tables import CHAR_PX

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
PAGE = "pages/report.py"
KEY_SHOWN = re.compile(r"(?<![\w./])(?:report|metrics|ui)\.[a-z_]+(?:\.[a-z_]+)+")
PLACEHOLDER_SHOWN = re.compile(r"\{[a-z_]+\}")


@pytest.fixture
def warehouse(demo_db, tmp_path, monkeypatch) -> Path:
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(demo_db, path)
    monkeypatch.setenv("HEATKPI_DB", str(path))
    return path


@pytest.fixture
def accounts(tmp_path, monkeypatch) -> UserStore:
    """Local sign-in mode: a users file with accounts (else the app runs as the
    single local administrator)."""
    path = tmp_path / "users.json"
    monkeypatch.setenv("HEATKPI_USERS", str(path))
    store = UserStore(path)
    store.add("admin", "a long password", "admin")
    return store


def open_page(user: User | None = None, **params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(params)
    if user is not None:
        # Signed in as a browser is: an account and a live sign-in token.
        store = UserStore()
        if not any(u["name"] == user.name for u in store.list()):
            store.add(user.name, "a long password", user.role, user.branch)
        at.session_state["user"] = user
        at.session_state["session_token"] = SessionStore(users=store).open(user)
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown(at: AppTest) -> str:
    out = []

    def walk(node) -> None:
        if getattr(node, "type", "") == "dataframe":
            out.extend(str(c) for c in node.value.columns)
            out.extend(str(v) for v in node.value.astype(str).to_numpy().ravel())
        elif getattr(node, "proto", None) is not None:
            out.append(str(node.proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(out)


def html_bodies(at: AppTest) -> list[str]:
    return [h.proto.body for h in at.get("html")]


def test_the_filters_week_its_paragraph_and_headline(warehouse, demo_con, downloads):  # noqa: F811
    at = open_page(season="2025-2026", period="week", week="2025-W48")
    assert at.title[0].value == "周报"
    assert at.selectbox(key="report_week").value == "2025-W48"
    assert at.selectbox(key="report_scope").value == ""
    data = gather(demo_con, "2025-W48")
    assert at.info[0].value == summary_paragraph(data, "zh")
    table = at.dataframe[0].value
    # the week's target and status beside its figure (at 1366 px the sheet's
    # order left them past the table's edge), then the changes, every column kept
    assert len(table) == 17 and list(table.columns[:6]) == [
        "指标", "本周", "目标", "状态", "较上周", "较上季同期"]
    assert sorted(table.columns) == sorted(t(f"report.col.{c}", "zh") for c in HEADLINE_COLUMNS)
    facts = summary(demo_con, Period(*week_bounds("2025-W48")))
    first = table.iloc[0]
    assert first["指标"] == "室温达标率"
    assert first["本周"] == format_value(get("temp_compliance_rate"),
                                       facts["temp_compliance_rate"].value)
    # On the page amounts are in the meeting's units (the workbook has them to
    # the fen), and every column is as wide as its longest text: a figure is
    # never cut short (¥7,804,169. for ¥7,804,169.54); the table scrolls sideways.
    arrears = table.set_index("指标").loc["欠费金额"]
    assert arrears["本周"] == compact_yuan(facts["fee_arrears_amount"].value, "zh")
    assert arrears["本周"].endswith(" 万") and arrears["分母"] == "—"
    amount = table.set_index("指标").loc["收缴率(金额)"]
    assert amount["分子"] == compact_yuan(facts["fee_collection_rate_amount"].numerator, "zh")
    config = json.loads(at.dataframe[0].proto.columns)
    widths = {c["label"]: c["width"] for c in config.values() if "label" in c}
    assert config["kpi"]["pinned"]
    for head in table.columns:
        longest = max(display_width(str(v)) for v in [head, *table[head]])
        assert widths[head] >= CHAR_PX * longest, head
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["下载 Excel 周报", "下载可打印摘要"]
    # The workbook is written on the click, from the figures on the screen.
    assert at.get("download_button")[0].proto.deferred_file_id
    files = list(downloads(at).values())
    book = openpyxl.load_workbook(io.BytesIO(files[0]))
    assert book.sheetnames == ["摘要", "室温", "工单", "收费", "待办", "说明"]
    assert book["摘要"]["A5"].value == at.info[0].value
    assert files[1].startswith(b"<!DOCTYPE html>") and at.info[0].value.encode() in files[1]
    # No accounts configured: the single local administrator, who sees everything.
    assert any("全公司" in c.value and "含未脱敏个人信息" in c.value for c in at.caption)


def test_without_a_week_filter_it_opens_on_the_last_complete_week(warehouse):
    at = open_page(season="2025-2026")
    weeks = season_weeks("2025-2026")
    last = last_complete_week(today())
    expected = last if last in weeks else \
        [w for w in weeks if week_bounds(w)[1] < today()][-1]
    assert at.selectbox(key="report_week").value == expected


def test_a_date_range_in_the_filters_opens_on_its_last_whole_week(warehouse):
    # The page opened on the last complete week whatever range the sidebar
    # held. 1-17 Dec 2025: its whole weeks are W49 (1-7) and W50 (8-14); the
    # last is W50. 2-4 Dec holds no whole week: the week of its last day, W49.
    at = open_page(season="2025-2026", period="range", **{"from": "2025-12-01", "to": "2025-12-17"})
    assert at.selectbox(key="report_week").value == "2025-W50"
    at = open_page(season="2025-2026", period="range", **{"from": "2025-12-02", "to": "2025-12-04"})
    assert at.selectbox(key="report_week").value == "2025-W49"


def test_an_autumn_week_in_the_filters_can_be_reported(warehouse, demo_con):
    # 3-9 Nov 2025, before the heating began, sits under 2024-2025 in the
    # sidebar (whose fees it reads); the page offered only that season's
    # heating weeks and opened on its last one (2025-W11). It now offers the
    # sidebar's week and reports it, coming season's collection first.
    at = open_page(season="2024-2025", period="week", week="2025-W45")
    assert at.selectbox(key="report_week").value == "2025-W45"
    assert labels.week("2025-W45") in at.selectbox(key="report_week").options
    paragraph = summary_paragraph(gather(demo_con, "2025-W45"), "zh")
    assert paragraph in [i.value for i in at.info] and "2025-2026 供暖季已开始收费" in paragraph


def test_only_weeks_that_have_begun_are_offered(warehouse):
    # The current season's later weeks had nothing to report (reports.gather
    # refuses them); a season gone by offers all its weeks.
    season = season_of(today())
    at = open_page(season=season)
    assert not at.exception
    offered = at.selectbox(key="report_week").options
    assert offered == [labels.week(w) for w in season_weeks(season)
                       if week_bounds(w)[0] <= today()]
    # 2025-2026 gone by: its heating weeks, then the weeks between it and
    # 2026-2027 (16 March to 8 November 2026), whose fees are its own
    at = open_page(season="2025-2026")
    after = [f"2026-W{n:02d}" for n in range(12, 46)]
    assert at.selectbox(key="report_week").options == [
        labels.week(w) for w in season_weeks("2025-2026") + after]


def test_another_week_and_a_branch(warehouse, demo_con):
    at = open_page(season="2025-2026", period="week", week="2025-W48")
    at.selectbox(key="report_week").set_value("2025-W47").run()
    at.selectbox(key="report_scope").set_value("淄川分公司").run()
    assert not at.exception
    data = gather(demo_con, "2025-W47", branch="淄川分公司")
    assert at.info[0].value == summary_paragraph(data, "zh")
    assert any("淄川分公司" in c.value for c in at.caption)
    # The page keeps its frame on a rerun (language switch, filters).
    at.run()
    assert at.title[0].value == "周报"
    assert at.segmented_control(key="lang_switch").value == "zh"
    assert at.selectbox(key="report_week").value == "2025-W47"


def test_the_week_and_branch_picked_stay_after_another_page(warehouse):
    at = open_page(season="2025-2026", period="week", week="2025-W48")
    at.selectbox(key="report_week").set_value("2025-W47").run()
    at.selectbox(key="report_scope").set_value("淄川分公司").run()
    # To the overview and back (the page menu: the pickers' state is gone).
    at.switch_page("pages/overview.py").run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.selectbox(key="report_week").value == "2025-W47"
    assert at.selectbox(key="report_scope").value == "淄川分公司"
    assert any("淄川分公司" in c.value for c in at.caption)
    # The filters moved meanwhile (another week, one branch): they choose.
    at.switch_page("pages/overview.py").run()
    at.selectbox(key="f_week").set_value("2025-W46").run()
    at.multiselect(key="f_branches").set_value(["张店分公司"]).run()
    at.switch_page(PAGE).run()
    assert at.selectbox(key="report_week").value == "2025-W46"
    assert at.selectbox(key="report_scope").value == "张店分公司"


def test_a_single_branch_in_the_filters_is_the_default_scope(warehouse):
    at = open_page(season="2025-2026", period="week", week="2025-W48", branch="淄川分公司")
    assert at.selectbox(key="report_scope").value == "淄川分公司"


def test_the_printable_view_shows_only_the_summary(warehouse, demo_con):
    at = open_page(season="2025-2026", period="week", week="2025-W48")
    at.toggle(key="report_print").set_value(True).run()
    assert not at.exception
    assert not at.title and not at.dataframe and not at.get("download_button")
    bodies = html_bodies(at)
    report = next(b for b in bodies if 'class="hk-report"' in b)
    assert summary_paragraph(gather(demo_con, "2025-W48"), "zh") in report
    assert "室温达标率" in report and "@page { size: A4 landscape" in report
    assert any("@media print" in b and "stSidebar" in b for b in bodies)
    at.toggle(key="report_print").set_value(False).run()
    assert at.title[0].value == "周报"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_text_is_translated(warehouse, lang):
    at = open_page(lang=lang, season="2025-2026", period="week", week="2025-W48")
    if lang == "en":
        assert at.title[0].value == "Weekly report"
        assert at.info[0].value.startswith("Room-temperature compliance this week was")
        assert list(at.dataframe[0].value.columns[:2]) == ["KPI", "This week"]
    text = shown(at)
    assert not KEY_SHOWN.findall(text), KEY_SHOWN.findall(text)
    assert not PLACEHOLDER_SHOWN.findall(text), PLACEHOLDER_SHOWN.findall(text)
    at.toggle(key="report_print").set_value(True).run()
    text = shown(at)
    assert not KEY_SHOWN.findall(text) and not PLACEHOLDER_SHOWN.findall(text)


def test_personal_data_lists_and_branch_follow_the_signed_in_user(warehouse, accounts):
    week = dict(season="2025-2026", period="week", week="2025-W48")
    manager = open_page(User("wang", "manager"), **week)
    assert any("全公司" in c.value and "个人信息已脱敏" in c.value for c in manager.caption)

    admin = open_page(User("admin", "admin"), **week)
    assert any("含未脱敏个人信息" in c.value for c in admin.caption)

    branch = open_page(User("li", "branch", "淄川分公司"), **week)
    assert branch.selectbox(key="report_scope").options == ["淄川分公司"]
    assert any("淄川分公司" in c.value and "个人信息已脱敏" in c.value for c in branch.caption)

    viewer = open_page(User("zhao", "viewer"), **week)
    assert "您的角色只能查看汇总指标,不能查看明细清单。" in [c.value for c in viewer.caption]
    assert len(viewer.get("download_button")) == 2


def test_the_workbook_follows_the_viewers_rights(demo_con):
    """What the page hands over (reports.bundle) for a viewer: counts, no rows."""
    bundle = weekly_bundle(demo_con, "2025-W48", row_lists=False)
    todo = openpyxl.load_workbook(io.BytesIO(bundle.xlsx(demo_con)))["待办"]
    assert re.search(r"漏件清单 [1-9]", todo["A3"].value)  # the lists' counts
    assert todo["A4"].value.startswith("您的角色只能查看汇总指标")
    assert todo.max_row == 4  # and no table, not even its header


def test_an_empty_warehouse_still_gives_a_report(tmp_path, monkeypatch):
    db = tmp_path / "warehouse.duckdb"
    connect(db).close()
    monkeypatch.setenv("HEATKPI_DB", str(db))
    at = open_page()
    # (in summer the week has no heating day, and the paragraph says so)
    assert at.info[0].value.startswith(("本周没有计入达标率的测温记录。", "本周不在供暖期内,不测室温。"))
    assert len(at.get("download_button")) == 2


def test_the_workbook_reads_its_trends_when_asked_for(demo_con, monkeypatch):
    """The page gathers without the week-by-week trends (only the workbook's
    charts draw them); the workbook reads them on the click, the same as a
    full gather, and everything again if the warehouse changed meanwhile."""
    import reports.bundle as bundle_module
    from reports.data import with_trends

    lean = gather(demo_con, "2025-W50", trends=False)
    assert all(a.trend is None for a in lean.areas)
    full = gather(demo_con, "2025-W50")
    for got, want in zip(with_trends(demo_con, lean).areas, full.areas):
        pd.testing.assert_frame_equal(got.trend, want.trend)
        assert len(want.trend) >= 4  # the season's weeks up to W50

    bundle = weekly_bundle(demo_con, "2025-W50")
    gathered = []
    real = bundle_module.gather
    monkeypatch.setattr(bundle_module, "gather",
                        lambda *a, **k: gathered.append(a) or real(*a, **k))
    book = openpyxl.load_workbook(io.BytesIO(bundle.xlsx(demo_con)))
    assert "室温" in book.sheetnames and gathered == []   # same data: nothing read again
    monkeypatch.setattr(bundle_module, "data_version", lambda con: -1)
    bundle.xlsx(demo_con)
    assert len(gathered) == 1                              # a load came in: read again


def test_an_amounts_change_on_the_page_is_the_difference_of_the_amounts_shown(demo_con):
    # 2025-W50's arrears: ¥780.42 万 against last week's ¥905.37 万 read
    # "−¥124.96 万" (the change to the fen), and in English "+¥248.33 k"
    # beside amounts in M.
    from reports.printable import headline_rows
    data = gather(demo_con, "2025-W50")

    def number(text: str) -> float:
        return float(re.sub(r"[^0-9.]", "", text)) * (-1 if text.startswith("−") else 1)

    for lang, unit in (("zh", " 万"), ("en", " M")):
        row = next(r for r in headline_rows(data, lang, compact=True)
                   if r["kpi"][0] == get("fee_arrears_amount").text(lang)[0])
        for before, moved in (("previous_value", "change_previous"),
                              ("last_season_value", "change_last_season")):
            now, then, change = row["value"][0], row[before][0], row[moved][0]
            assert now.endswith(unit) and then.endswith(unit) and change.endswith(unit), row
            assert number(change) == pytest.approx(number(now) - number(then), abs=1e-9), row
