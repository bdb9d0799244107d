"""The app shell: navigation, language, filters in the URL, first start, and
the translation table behind every label."""
from __future__ import annotations

import datetime as dt
import re
import shutil
import tomllib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from auth.audit import os_user
from i18n import has, t
from metrics import Period
from pipelines import settings as settings_module
from pipelines.coverage import FilterOptions, freshness, season_bounds, season_of, season_weeks
from pipelines.inbox import inbox_dir, submit, worker_alive
from pipelines.load import load_file
from pipelines.warehouse import connect
from ui import fmt
from ui.filters import Filters, decode, encode, resolve, shortcut, week_choices, week_fits
from ui.sidebar import today

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
UI = Path(__file__).parent / "data" / "ui"
PAGES = {"pages/overview.py": ("总览", "Overview"), "pages/upload.py": ("数据上传", "Upload data"),
         "pages/data.py": ("数据管理", "Manage data"), "pages/report.py": ("周报", "Weekly report")}
D = dt.date


def build(path: Path, *names: str) -> Path:
    con = connect(path)
    for name in names:
        assert load_file(con, UI / name).status == "loaded"
    con.close()
    return path


@pytest.fixture(scope="module")
def templates(tmp_path_factory) -> dict[str, Path]:
    """Built once: loading costs a reader process per file."""
    folder = tmp_path_factory.mktemp("shell")
    return {
        # Roster of three households, three readings and two tickets (batches 1-3).
        "full": build(folder / "full.duckdb", "roster_small.xlsx", "temperature_new.xlsx",
                      "tickets_new.xlsx"),
        "roster": build(folder / "roster.duckdb", "roster_small.xlsx"),
    }


def _copy(template: Path, tmp_path: Path, monkeypatch) -> Path:
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(template, path)
    monkeypatch.setenv("HEATKPI_DB", str(path))
    return path


@pytest.fixture
def warehouse(templates, tmp_path, monkeypatch) -> Path:
    return _copy(templates["full"], tmp_path, monkeypatch)


@pytest.fixture
def roster_only(templates, tmp_path, monkeypatch) -> Path:
    return _copy(templates["roster"], tmp_path, monkeypatch)


def open_app(**params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params.update(params)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


# Anything t() could not translate shows its key; anything left unformatted
# shows its placeholder.
KEY_SHOWN = re.compile(r"(?<![\w./])(?:ui|kind|field|dataset|error|reject|load|undo|batches|demo)"
                       r"\.[a-z_]+(?:\.[a-z_]+)*")
PLACEHOLDER_SHOWN = re.compile(r"\{[a-z_]+\}")


def shown_text(at: AppTest) -> str:
    """Every string the page shows: labels, texts, options, help, table headers."""
    out: list[str] = []

    def walk(node) -> None:
        kind = getattr(node, "type", "")
        if kind == "plotly_chart":  # hover templates use %{x}; the data is checked elsewhere
            return
        if kind == "dataframe":
            out.extend(str(c) for c in node.value.columns)
            out.extend(str(v) for v in node.value.astype(str).to_numpy().ravel())
        elif getattr(node, "proto", None) is not None:
            out.append(str(node.proto))  # text format: keys and placeholders are ASCII
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(out)


def assert_all_translated(at: AppTest) -> None:
    text = shown_text(at)
    assert not KEY_SHOWN.findall(text), KEY_SHOWN.findall(text)
    assert not PLACEHOLDER_SHOWN.findall(text), PLACEHOLDER_SHOWN.findall(text)


# --- navigation and language ---------------------------------------------------

def test_chinese_by_default_english_one_click_away(warehouse):
    at = open_app()
    assert at.title[0].value == "总览"
    assert at.segmented_control(key="lang_switch").value == "zh"
    assert "lang" not in at.query_params
    assert "供暖季" in [s.label for s in at.sidebar.selectbox]

    at.segmented_control(key="lang_switch").set_value("en").run()
    assert at.title[0].value == "Overview"
    assert "Heating season" in [s.label for s in at.sidebar.selectbox]
    assert at.query_params["lang"] == "en"
    assert at.caption[0].value == "Zibo Kaichuang Heating Co. · Heating Service KPIs"

    at.segmented_control(key="lang_switch").set_value("zh").run()
    assert at.title[0].value == "总览" and "lang" not in at.query_params


def test_a_link_with_lang_opens_in_english_on_every_page(warehouse):
    at = open_app(lang="en")
    for page, (_, english) in PAGES.items():
        at.switch_page(page).run()
        assert not at.exception
        assert at.title[0].value == english
        assert at.query_params["lang"] == "en"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_shows_only_translated_text(roster_only, lang):
    at = open_app(lang=lang)
    assert_all_translated(at)
    at.switch_page("pages/upload.py").run()
    assert_all_translated(at)
    # A file with rejects, one needing a column mapping and a broken one.
    at.file_uploader(key="upload_files").set_value([
        (n, (UI / n).read_bytes(), "application/octet-stream")
        for n in ("temperature_new.xlsx", "temperature_odd_header.xlsx", "corrupt.xlsx")]).run()
    assert not at.exception
    assert_all_translated(at)
    at.button(key="upload_load").click().run()
    assert at.metric and at.get("download_button")
    assert_all_translated(at)
    at.switch_page("pages/data.py").run()
    at.button(key="undo_open").click().run()
    assert at.button(key="undo_confirm")
    assert_all_translated(at)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("where", ["page", "router"])
def test_a_failure_is_said_in_the_users_words_with_a_reference(warehouse, monkeypatch, caplog,
                                                              lang, where):
    # A defect of ours (here: the KPI layer's period, or the router's header,
    # made to fail) showed Streamlit's English box offering "Ask ChatGPT". It
    # is said in the user's language with a reference the server's log holds
    # beside the traceback; the language switch above it stays.
    import ui.header
    import ui.kpi
    at = open_app(lang=lang)

    def broken(*args, **kwargs):
        raise RuntimeError("a defect")
    monkeypatch.delenv("HEATKPI_RAISE_ERRORS")
    monkeypatch.setattr(ui.kpi if where == "page" else ui.header,
                        "period_of" if where == "page" else "draw", broken)
    with caplog.at_level("ERROR", logger="heatkpi.pages"):
        at.run()
    assert not at.exception
    said = [e.value for e in at.error]
    assert len(said) == 1
    ref = re.search(r"\d{8}-\d{6}-[0-9a-f]{4}", said[0]).group(0)
    assert said[0] == t("ui.error.unexpected", lang, ref=ref)
    assert at.segmented_control(key="lang_switch").value == lang
    logged = [r for r in caplog.records if ref in r.getMessage()]
    assert len(logged) == 1 and "a defect" in str(logged[0].exc_info[1])


def test_the_filters_say_where_they_do_not_act(warehouse):
    # Uploading and managing data show nothing the filters choose: a line says
    # so (the filters stay, for the next dashboard); dashboards and the report
    # have no such line.
    at = open_app()
    note = t("ui.filters.not_here", "zh")
    for page, acts in (("pages/overview.py", True), ("pages/upload.py", False),
                       ("pages/data.py", False), ("pages/report.py", True),
                       ("pages/overview.py", True)):
        at.switch_page(page).run()
        assert not at.exception
        assert (note in [c.value for c in at.sidebar.caption]) is not acts, page
    assert at.selectbox(key="f_season").value


def test_pages_keep_the_app_frame_on_every_run(warehouse):
    """While a pages/ folder exists, Streamlit resolves a requested page by its
    file name before the router runs: a page registered under its own file
    name would run alone (no language switch, no filters)."""
    at = open_app()
    for page, (chinese, _) in PAGES.items():
        at.switch_page(page).run()
        at.run()
        assert not at.exception
        assert at.title[0].value == chinese
        assert at.segmented_control(key="lang_switch").value == "zh"
        assert at.selectbox(key="f_season").value


def test_the_app_serves_command_line_loads(warehouse):
    """While the app holds the warehouse, `python -m pipelines load` hands its
    files to the app's inbox worker."""
    open_app()
    assert worker_alive(inbox_dir(warehouse))
    result = submit(inbox_dir(warehouse), {"op": "load", "files": [str(UI / "tickets_new.xlsx")],
                                           "user": "cli", "lang": "en"}, timeout_s=30)
    assert result["summaries"][0].startswith("tickets_new.xlsx: this file was already loaded")


def test_every_page_is_registered_under_its_file_name():
    """The first run after the server starts resolves the address against the
    files in pages/: a page registered under another address got Streamlit's
    English "Page not found" on that run (later pages too)."""
    source = (ROOT / "app.py").read_text(encoding="utf-8")
    pages = re.findall(r'st\.Page\(\s*"pages/(\w+)\.py".*?url_path="([\w-]*)"', source, re.S)
    assert len(pages) >= 3
    assert source.count('st.Page("pages/') == len(pages) == len({stem for stem, _ in pages})
    assert all((ROOT / "pages" / f"{stem}.py").is_file() for stem, _ in pages)
    # the default page is served at the root (and forwarded to from /overview)
    assert [(stem, url) for stem, url in pages if stem != url] == [("overview", "")]


@pytest.mark.parametrize("page", sorted(PAGES))
def test_a_link_to_a_page_opened_first_after_a_start_runs_through_the_router(warehouse, page):
    """A page's address opened by the first run after the server starts:
    Streamlit runs the page's file by its name, without app.py. The page
    runs the router, so it is drawn with the language switch, the filters
    and the filters from the link."""
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params.update(season="2025-2026", period="week", week="2025-W49")
    at.switch_page(page)   # before the first run: resolved by the file's name
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == PAGES[page][0]
    assert at.segmented_control(key="lang_switch").value == "zh"
    assert at.selectbox(key="f_week").value == "2025-W49"
    assert not [i.value for i in at.info if i.value == t("ui.auth.not_routed", "zh")]


def earlier_addresses() -> dict[str, str]:
    """app.py's forwards: each earlier address (bookmarks) -> the page it opens."""
    source = (ROOT / "app.py").read_text(encoding="utf-8")
    block = source[source.index("forwards = ["):source.index("dashboards = [")]
    return dict(re.findall(r'\("(\w+)",\s*(\w+)\)', block))


# The heading each page draws first.
HEADINGS = {"overview": "ui.overview.title", "temperature": "page.temperature.title",
            "tickets": "page.tickets.title", "fees": "page.fees.title",
            "report": "report.page.title", "upload": "ui.upload.title",
            "data_page": "ui.data.title", "audit": "page.audit.title"}


def test_every_earlier_address_has_a_file_in_pages():
    """The first visit after the server starts is resolved against the files
    in pages/ before the router has run: an earlier address without a file
    popped up Streamlit's English "Page not found" there, although the router
    then forwarded it. Each has a file, which runs the router."""
    addresses = earlier_addresses()
    assert len(addresses) >= 8 and set(addresses.values()) <= set(HEADINGS)
    registered = set(re.findall(r'st\.Page\(\s*"pages/(\w+)\.py"',
                                (ROOT / "app.py").read_text(encoding="utf-8")))
    for address in addresses:
        file = ROOT / "pages" / f"{address}.py"
        assert file.is_file(), address
        if address not in registered:
            assert file.read_text(encoding="utf-8").rstrip().endswith("page_guard()"), address
    # pages/ holds the pages and the earlier addresses, nothing else
    assert {f.stem for f in (ROOT / "pages").glob("*.py")} == registered | set(addresses)


@pytest.mark.parametrize("address", sorted(earlier_addresses()))
def test_an_earlier_address_opened_first_after_a_start_opens_its_page(warehouse, address):
    """An earlier address opened by the first run after the server starts
    (Streamlit resolves it by its file in pages/): the page it forwards to
    is drawn in the app's frame, with the filters of the link."""
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params.update(season="2025-2026", period="week", week="2025-W49")
    at.switch_page(f"pages/{address}.py")   # before the first run: by the file's name
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    heading = t(HEADINGS[earlier_addresses()[address]], "zh")
    assert heading in [h.value for h in (*at.title, *at.header)]
    assert at.segmented_control(key="lang_switch").value == "zh"
    assert at.selectbox(key="f_week").value == "2025-W49"
    assert not [i.value for i in at.info if i.value == t("ui.auth.not_routed", "zh")]


# --- filters in the URL --------------------------------------------------------

def test_filters_open_from_a_link(warehouse):
    at = open_app(season="2025-2026", period="week", week="2025-W49", branch="淄川分公司")
    assert at.selectbox(key="f_season").value == "2025-2026"
    assert at.radio(key="f_period").value == "week"
    assert at.selectbox(key="f_week").value == "2025-W49"
    assert at.multiselect(key="f_branches").value == ["淄川分公司"]
    assert at.multiselect(key="f_stations").options == ["松龄路换热站"]
    assert at.session_state["filters"] == Filters("2025-2026", "week", "2025-W49",
                                                  D(2025, 12, 1), D(2025, 12, 7),
                                                  ("淄川分公司",), ())
    # The overview counts follow: one reading of the 淄川 household that week.
    counts = {m.label: m.value for m in at.metric}
    assert counts["测温记录"] == "1" and counts["用户档案"] == "1"


def test_changed_filters_go_to_the_url_and_the_copied_link_reopens_them(warehouse):
    at = open_app()
    at.radio(key="f_period").set_value("range").run()
    at.date_input(key="f_from").set_value(D(2025, 12, 1)).run()
    at.date_input(key="f_to").set_value(D(2025, 12, 2)).run()
    at.multiselect(key="f_branches").set_value(["张店分公司"]).run()
    at.multiselect(key="f_stations").set_value(["华光路换热站"]).run()
    link = dict(at.query_params)
    assert link == {"season": "2025-2026", "period": "range", "from": "2025-12-01",
                    "to": "2025-12-02", "branch": "张店分公司", "station": "华光路换热站"}
    at.switch_page("pages/data.py").run()
    assert dict(at.query_params) == link           # the link stays on every page

    colleague = open_app(**link)
    assert colleague.session_state["filters"] == at.session_state["filters"]
    assert colleague.date_input(key="f_to").value == D(2025, 12, 2)
    assert {m.label: m.value for m in colleague.metric}["测温记录"] == "2"


def test_this_week_and_last_week(warehouse):
    at = open_app()
    at.button(key="f_last_week").click().run()
    season, week = shortcut(today(), 1)
    assert at.radio(key="f_period").value == "week"
    assert (at.query_params["season"], at.query_params["week"]) == (season, week)
    at.button(key="f_this_week").click().run()
    assert at.query_params["week"] == shortcut(today(), 0)[1]


def test_a_week_never_stays_under_another_season(warehouse):
    # 上周 from a day between seasons jumps to the coming season; choosing an
    # older season then shows one of its weeks, not that week under its name.
    at = open_app()
    at.button(key="f_last_week").click().run()
    season, week = shortcut(today(), 1)
    other = next(s for s in at.selectbox(key="f_season").options if s != season)
    at.selectbox(key="f_season").set_value(other).run()
    f = at.session_state["filters"]
    assert f.season == other and f.week in season_weeks(other)
    assert at.query_params["week"] == f.week != week
    # the same from a link: 2024-W48 is a week of 2024-2025
    link = open_app(season="2025-2026", period="week", week="2024-W48")
    assert link.session_state["filters"].week in season_weeks("2025-2026")


def _in_season(f: Filters) -> bool:
    first, last = season_bounds(f.season)
    return first <= f.start and f.end <= last


def test_a_date_range_never_stays_under_another_season(warehouse, monkeypatch):
    # 本周 on 2026-11-29 (2026-2027 under way, nothing of it loaded), then
    # 日期区间: the range was the dates kept from the first run (the whole
    # 2025-2026) under the name 2026-2027, and the fee cards read 2026-2027.
    monkeypatch.setattr("ui.sidebar.today", lambda: D(2026, 11, 29))
    at = open_app()
    assert at.session_state["filters"].season == "2025-2026"
    at.button(key="f_this_week").click().run()
    at.radio(key="f_period").set_value("range").run()
    f = at.session_state["filters"]
    # the range opens on the week shown, inside the chosen season
    assert (f.season, f.period, f.start, f.end) == ("2026-2027", "range", D(2026, 11, 23),
                                                    D(2026, 11, 29))
    assert at.selectbox(key="f_season").value == at.query_params["season"] == f.season
    # dates of another season: the season follows them
    at.date_input(key="f_from").set_value(D(2025, 12, 1)).run()
    at.date_input(key="f_to").set_value(D(2025, 12, 31)).run()
    f = at.session_state["filters"]
    assert (f.season, f.start, f.end) == ("2025-2026", D(2025, 12, 1), D(2025, 12, 31))
    assert at.selectbox(key="f_season").value == at.query_params["season"] == "2025-2026"
    # another season chosen: the range moves to its days (so far)
    at.selectbox(key="f_season").set_value("2026-2027").run()
    f = at.session_state["filters"]
    assert (f.season, f.start, f.end) == ("2026-2027", D(2026, 11, 15), D(2026, 11, 29))
    assert at.date_input(key="f_from").value == D(2026, 11, 15)
    # from the season view: the season's days
    at.selectbox(key="f_season").set_value("2025-2026").run()
    at.radio(key="f_period").set_value("season").run()
    at.radio(key="f_period").set_value("range").run()
    f = at.session_state["filters"]
    assert (f.season, f.start, f.end) == ("2025-2026", D(2025, 11, 15), D(2026, 3, 15))
    # summer dates chosen under 2025-2026: shown under 2024-2025, whose fees
    # they read
    at.date_input(key="f_from").set_value(D(2025, 6, 1)).run()
    at.date_input(key="f_to").set_value(D(2025, 6, 30)).run()
    f = at.session_state["filters"]
    assert (f.season, f.start, f.end) == ("2024-2025", D(2025, 6, 1), D(2025, 6, 30))
    assert at.selectbox(key="f_season").value == at.query_params["season"] == "2024-2025"
    # a link naming a season and another season's dates
    link = open_app(season="2026-2027", period="range", **{"from": "2025-11-15",
                                                            "to": "2026-03-15"})
    f = link.session_state["filters"]
    assert f.season == "2025-2026" and _in_season(f)
    assert link.selectbox(key="f_season").value == "2025-2026"


def test_a_date_range_is_shown_under_its_own_season():
    # the season of its last heating day; between seasons the one that ended,
    # whose fees it reads, even when the coming one was chosen: June 2025
    # under 2025-2026 was labelled 2025-2026 and showed 2024-2025's fees
    assert resolve("2026-2027", "range", start=D(2025, 11, 15), end=D(2026, 3, 15)).season \
        == "2025-2026"
    assert resolve("2025-2026", "range", start=D(2025, 3, 1), end=D(2025, 12, 31)).season \
        == "2025-2026"
    assert resolve("2024-2025", "range", start=D(2025, 3, 1), end=D(2025, 12, 31)).season \
        == "2025-2026"
    assert resolve("2024-2025", "range", start=D(2025, 6, 1), end=D(2025, 6, 30)).season \
        == "2024-2025"
    assert resolve("2025-2026", "range", start=D(2025, 6, 1), end=D(2025, 6, 30)).season \
        == "2024-2025"
    assert resolve("2025-2026", "range", start=D(2025, 3, 16), end=D(2025, 11, 14)).season \
        == "2024-2025"
    assert resolve("2024-2025", "range", start=D(2025, 6, 1), end=D(2025, 11, 15)).season \
        == "2025-2026"
    assert resolve("2023-2024", "range", start=D(2025, 6, 1), end=D(2025, 6, 30)).season \
        == "2024-2025"
    for f in (resolve("2025-2026", "range", start=D(2025, 1, 1), end=D(2025, 1, 31)),
              resolve("2024-2025", "range", start=D(2025, 12, 1), end=D(2026, 1, 31))):
        assert _in_season(f), f


def test_a_stray_reading_between_seasons_does_not_move_the_default_season(warehouse,
                                                                             monkeypatch):
    # A reading of 20 March 2026 (after the season's last day, accepted at
    # load) named 2026-2027 a season with data: every page opened on it, empty.
    monkeypatch.setattr("ui.sidebar.today", lambda: D(2026, 11, 29))
    con = connect(warehouse)
    try:
        from pipelines.coverage import filter_options
        before = filter_options(con).seasons
        con.execute("INSERT INTO temperature_readings (household_id, measured_at, indoor_c)"
                    " SELECT household_id, TIMESTAMP '2026-03-20 10:00', 20.0"
                    " FROM temperature_readings LIMIT 1")
        assert filter_options(con).seasons == before == ["2025-2026"]
        # a reading on a heating day of 2026-2027 does make it one with data
        con.execute("INSERT INTO temperature_readings (household_id, measured_at, indoor_c)"
                    " SELECT household_id, TIMESTAMP '2026-11-16 10:00', 20.0"
                    " FROM temperature_readings LIMIT 1")
        assert filter_options(con).seasons == ["2026-2027", "2025-2026"]
        con.execute("DELETE FROM temperature_readings WHERE measured_at = '2026-11-16 10:00'")
    finally:
        con.close()
    at = open_app()
    f = at.session_state["filters"]
    assert f.season == "2025-2026" and (f.start, f.end) == season_bounds("2025-2026")
    # the current season stays one click away
    assert at.selectbox(key="f_season").options[:2] == ["2026-2027", "2025-2026"]


def test_a_week_fits_its_season():
    assert week_fits("2025-2026", "2025-W50") and week_fits("2025-2026", "2025-W47")
    assert not week_fits("2024-2025", "2025-W50") and not week_fits("2025-2026", "2025-W99")
    # between seasons: the season that ended, whose fees the week reads (a
    # shortcut in summer), never the coming one
    assert week_fits("2025-2026", "2026-W27") and not week_fits("2026-2027", "2026-W27")
    assert week_fits("2025-2026", "2026-W12") and week_fits("2025-2026", "2026-W45")
    assert not week_fits("2025-2026", "2026-W46") and week_fits("2026-2027", "2026-W46")
    assert week_choices("2026-2027", "2026-W27") == season_weeks("2026-2027")
    assert "2026-W27" in week_choices("2025-2026", "2026-W27")
    # given today, the weeks between two seasons begun by then, to the coming
    # season's first heating week (2026-W46 holds 15 November): none later
    assert week_choices("2025-2026", today=D(2026, 7, 1)) == \
        season_weeks("2025-2026") + [f"2026-W{n:02d}" for n in range(12, 28)]
    assert week_choices("2025-2026", today=D(2027, 1, 1))[-1] == "2026-W45"
    assert week_choices("2026-2027", today=D(2026, 12, 1)) == season_weeks("2026-2027")
    # 本周 on 1 July 2026 is 2026-W27 under 2025-2026
    assert shortcut(D(2026, 7, 1), 0) == ("2025-2026", "2026-W27")
    assert shortcut(D(2026, 11, 16), 0) == ("2026-2027", "2026-W47")
    # a link naming the coming season with a summer week: shown under the
    # season that ended, the week kept
    f = decode({"season": ["2026-2027"], "period": ["week"], "week": ["2026-W27"]}, OPTIONS,
               D(2026, 7, 1))
    assert (f.season, f.week) == ("2025-2026", "2026-W27")


def test_a_period_without_data_says_so(warehouse):
    con = connect(warehouse, read_only=True)
    spans = {f.kind: f for f in freshness(con) if f.first_at is not None and f.rows}
    con.close()
    assert set(spans) == {"temperature", "tickets"}     # no fee records loaded
    # A week of the next season, after every loaded row: both kinds missing.
    start, _ = season_bounds(season_of(max(f.last_at for f in spans.values()).date()
                                       + dt.timedelta(days=240)))
    at = open_app(**{"season": season_of(start), "period": "range",
                     "from": start.isoformat(), "to": (start + dt.timedelta(days=6)).isoformat()})
    notice = " ".join(i.value for i in at.info)
    assert "测温记录" in notice and "客服工单" in notice and "收费数据" not in notice
    assert fmt.date(spans["tickets"].last_at.date(), "zh") in notice
    # A week of the summer after: no room temperatures are taken then, so it
    # says so instead of asking for readings; tickets are still missing.
    after = season_bounds(season_of(max(f.last_at for f in spans.values()).date()))[1] \
        + dt.timedelta(days=30)
    at = open_app(**{"season": season_of(after), "period": "range",
                     "from": after.isoformat(), "to": (after + dt.timedelta(days=6)).isoformat()})
    notice = " ".join(i.value for i in at.info)
    assert "不在供暖期内" in notice and "不测室温" in notice
    assert "客服工单" in notice and "测温记录(" not in notice
    # a period holding both kinds' data: no notice
    first = max(f.first_at for f in spans.values()).date()
    last = min(f.last_at for f in spans.values()).date()
    assert first <= last
    at = open_app(**{"season": season_of(first), "period": "range",
                     "from": first.isoformat(), "to": last.isoformat()})
    assert not any("没有已上传" in i.value for i in at.info)
    # the data pages show no period: no notice there
    at = open_app(**{"season": season_of(after), "period": "range",
                     "from": after.isoformat(), "to": after.isoformat()})
    at.switch_page("pages/data.py").run()
    assert not any("没有已上传" in i.value for i in at.info)


def test_the_seasons_last_week_is_not_called_off_season():
    # 2025-W11, 10-16 March 2025, holds six heating days: it read "不在供暖期内"
    # because its Sunday lies after the season. A week wholly after it does.
    from ui.header import gap_notice
    assert gap_notice([], dt.date(2025, 3, 10), dt.date(2025, 3, 16), "zh") is None
    assert "不在供暖期内" in gap_notice([], dt.date(2025, 3, 17), dt.date(2025, 3, 23), "zh")


def test_a_broken_link_falls_back_to_defaults(warehouse):
    at = open_app(season="1999-2000", period="week", week="2025-W99", branch="无此分公司",
                  station="无此站", lang="xx")
    f = at.session_state["filters"]
    assert (f.season, f.period, f.branches, f.stations) == ("2025-2026", "week", (), ())
    assert at.title[0].value == "总览"
    assert at.query_params["season"] == "2025-2026" and "branch" not in at.query_params


# --- first start -------------------------------------------------------------------

@pytest.fixture
def fresh_install(tmp_path, monkeypatch):
    """No warehouse yet; a sample folder holding two small exports."""
    samples = tmp_path / "sample"
    samples.mkdir()
    for name in ("roster_small.xlsx", "temperature_new.xlsx"):
        (samples / name).write_bytes((UI / name).read_bytes())
    text = (ROOT / "settings.toml").read_text(encoding="utf-8")
    text = re.sub(r'(?m)^sample_dir = .*$', f'sample_dir = "{samples.as_posix()}"', text)
    (tmp_path / "settings.toml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("HEATKPI_SETTINGS", str(tmp_path / "settings.toml"))
    monkeypatch.setenv("HEATKPI_DB", str(tmp_path / "data" / "warehouse.duckdb"))
    settings_module.load_settings.cache_clear()
    yield tmp_path / "data" / "warehouse.duckdb"
    settings_module.load_settings.cache_clear()


def test_first_start_builds_the_demo_warehouse_with_a_progress_bar(fresh_install):
    assert not fresh_install.exists()
    at = open_app()
    assert fresh_install.exists()
    assert at.info[0].value.startswith("首次启动:数据仓库还不存在")
    bars = at.get("progress")
    assert bars and bars[0].proto.text == "演示数据已就绪:导入了 2 个文件。"
    con = connect(fresh_install)
    try:
        assert con.execute("SELECT count(*), min(uploaded_by) FROM batches").fetchone() == \
            (2, "demo")
        # The build is in the audit log, by the account running the dashboard.
        entry = con.execute("SELECT user_name, role, action, detail FROM audit_log "
                            "WHERE action = 'demo'").fetchall()
        assert entry == [(os_user(), "cli", "demo", entry[0][3])]
        assert entry[0][3].startswith("files=2 loaded=2 failed=0 ")
    finally:
        con.close()
    # The next session finds the warehouse: no second build.
    again = open_app()
    assert not again.get("progress") and again.title[0].value == "总览"


def test_first_start_where_the_account_has_no_name(fresh_install, monkeypatch):
    # A container run as a uid without a passwd entry and no login name in the
    # environment: the demo build is recorded by the uid's number, and the
    # warehouse is there (recording it must not lose the build).
    import os
    import pwd
    for name in ("USER", "LOGNAME", "LNAME", "USERNAME"):
        monkeypatch.delenv(name, raising=False)

    def unknown(uid):
        raise KeyError(uid)
    monkeypatch.setattr(pwd, "getpwuid", unknown)
    at = open_app()
    assert not at.exception and fresh_install.exists()
    con = connect(fresh_install)
    try:
        assert con.execute("SELECT user_name FROM audit_log WHERE action = 'demo'")\
            .fetchall() == [(f"uid {os.getuid()}",)]
    finally:
        con.close()


# --- pure helpers ---------------------------------------------------------------

def test_numbers_and_dates_per_language():
    assert fmt.number(1234567.891, "zh", 1) == fmt.number(1234567.891, "en", 1) == "1,234,567.9"
    assert fmt.percent(0.9624, "zh") == "96.2%"
    assert fmt.number(None) == fmt.datetime(None) == "—"   # as the cards and report
    assert fmt.date(D(2025, 11, 16), "zh") == "2025年11月16日"
    assert fmt.date(D(2025, 11, 16), "en") == "16 Nov 2025"
    assert fmt.datetime(dt.datetime(2025, 11, 16, 8, 5), "en") == "16 Nov 2025 08:05"
    assert fmt.week("2025-W47", "zh") == "2025年第47周 11/17–11/23"
    assert fmt.week("2025-W47", "en") == "2025-W47 · 17 Nov – 23 Nov"
    assert fmt.file_size(5300) == "5.2 KB" and fmt.file_size(3 * 1048576) == "3.0 MB"
    assert fmt.join(["甲", "乙"], "zh") == "甲、乙" and fmt.join(["a", "b"], "en") == "a, b"


OPTIONS = FilterOptions(["2025-2026", "2024-2025"],
                        {"张店分公司": ["华光路换热站", "柳泉路换热站"], "淄川分公司": ["松龄路换热站"]})


@pytest.mark.parametrize("f", [
    resolve("2025-2026", "season", today=D(2026, 1, 10)),
    resolve("2024-2025", "week", "2024-W50", branches=["张店分公司"],
            stations=["柳泉路换热站"]),
    resolve("2025-2026", "range", start=D(2025, 12, 31), end=D(2025, 12, 1),
            branches=["淄川分公司", "张店分公司"]),
])
def test_filters_survive_the_url(f):
    params = {k: v if isinstance(v, list) else [v] for k, v in encode(f).items()}
    assert decode(params, OPTIONS, D(2026, 1, 10)) == f


def test_a_season_under_way_runs_to_today():
    # 2026-01-10 is day 57 of 2025-2026: the season so far, and its last
    # season the same 57 days of 2024-2025, not that whole season.
    f = decode({}, OPTIONS, D(2026, 1, 10))
    assert (f.period, f.start, f.end) == ("season", D(2025, 11, 15), D(2026, 1, 10))
    assert Period(f.start, f.end, f.season).last_season() == Period(
        "2024-11-15", "2025-01-10", "2024-2025")
    # a season over: all of it; its first day: that day
    assert (resolve("2024-2025", "season", today=D(2026, 1, 10)).end) == D(2025, 3, 15)
    assert resolve("2025-2026", "season", today=D(2025, 11, 15)).end == D(2025, 11, 15)
    assert resolve("2025-2026", "season", today=D(2026, 3, 15)).end == D(2026, 3, 15)
    # not begun (the coming season, chosen in summer): its days, still empty
    assert resolve("2026-2027", "season", today=D(2026, 7, 1)).end == D(2027, 3, 15)
    # a week or a range is never cut
    assert resolve("2025-2026", "week", "2026-W10", today=D(2026, 1, 10)).end == D(2026, 3, 8)


def test_a_period_not_over_is_figured_as_of_the_runs_clock():
    # The sidebar resolves with its clock; the KPI layer then cuts the week
    # at that minute (deadlines, 漏件), and its previous week at the same point.
    from ui.kpi import card_periods, period_of
    now = dt.datetime(2025, 12, 3, 10, 17)
    f = resolve("2025-2026", "week", "2025-W49", today=now.date(), now=now)
    assert f.as_of == now and period_of(f).cutoff_at == now
    period, previous, last = card_periods(f)
    assert (previous.cutoff_at, last.cutoff_at) == (dt.datetime(2025, 11, 26, 10, 17),
                                                     dt.datetime(2024, 12, 3, 10, 17))
    # the season so far, too; a week gone by keeps its last midnight
    season = resolve("2025-2026", "season", today=now.date(), now=now)
    assert (season.end, period_of(season).cutoff_at) == (now.date(), now)
    past = resolve("2025-2026", "week", "2025-W48", today=now.date(), now=now)
    assert period_of(past).cutoff_at == dt.datetime(2025, 12, 1)
    assert period_of(past) == Period(D(2025, 11, 24), D(2025, 11, 30), "2025-2026")


def test_filter_defaults():
    # Today in a season with data: that season; outside any data: the newest.
    assert decode({}, OPTIONS, D(2026, 1, 10)).season == "2025-2026"
    assert decode({}, OPTIONS, D(2026, 12, 1)) == resolve("2025-2026", "season")
    assert decode({"period": ["range"], "from": ["2025-13-01"]}, OPTIONS,
                  D(2026, 1, 10)).period == "season"
    f = decode({"period": ["range"], "from": ["2025-12-05"], "to": ["2025-12-01"]}, OPTIONS,
               D(2026, 1, 10))
    assert (f.start, f.end) == (D(2025, 12, 1), D(2025, 12, 5))
    assert (f.start, f.end) != season_bounds("2025-2026")


# --- the translation table and settings ---------------------------------------------

def _code_keys() -> set[str]:
    keys = set()
    # The shell and the data pages; later pages test their own texts.
    files = ["app.py", "pages/overview.py", "pages/upload.py", "pages/data.py",
             *(f"ui/{m}.py" for m in ("db", "fmt", "filters", "header", "lang", "sidebar",
                                      "uploads", "xlsx"))]
    for path in (ROOT / f for f in files):
        keys |= set(re.findall(r"""\btr?\(\s*["']([a-z_]+(?:\.[a-z0-9_]+)+)["']""",
                               path.read_text(encoding="utf-8")))
    return keys


def test_every_key_the_interface_uses_exists_in_both_languages():
    keys = _code_keys()
    assert len(keys) > 80
    missing = sorted(k for k in keys if not has(k))
    assert not missing
    for key in keys:
        assert t(key, "zh") and t(key, "en") and t(key, "en") != key


def test_interface_strings_match_across_languages():
    with (ROOT / "i18n" / "ui.toml").open("rb") as fh:
        data = tomllib.load(fh)
    entries = []

    def walk(prefix, node):
        if isinstance(node.get("zh"), str):
            entries.append((prefix, node))
            return
        for k, v in node.items():
            walk(f"{prefix}.{k}" if prefix else k, v)

    walk("", data)
    assert len(entries) > 100
    cjk = re.compile(r"[\u4e00-\u9fff]")
    for key, node in entries:
        assert set(node) == {"zh", "en"}, key
        assert sorted(re.findall(r"\{(\w+)\}", node["zh"])) == \
            sorted(re.findall(r"\{(\w+)\}", node["en"])), key
        if key != "ui.language_name.zh":
            assert not cjk.search(node["en"]), key


def test_the_server_upload_cap_covers_the_setting():
    with (ROOT / ".streamlit" / "config.toml").open("rb") as fh:
        config = tomllib.load(fh)
    assert config["server"]["maxUploadSize"] >= \
        settings_module.load_settings()["upload"]["max_file_mb"]


def test_tables_leave_only_through_their_audited_download():
    """The grid's own CSV button and bulk copy would skip formula escaping,
    masking for the role and the audit log: the option that turns them off
    is set, and this Streamlit knows it."""
    import streamlit.config

    with (ROOT / ".streamlit" / "config.toml").open("rb") as fh:
        config = tomllib.load(fh)
    assert config["client"]["disableDataExport"] is True
    assert streamlit.config.get_option("client.disableDataExport") is True  # read from the file


def test_chinese_text_writes_one_degree_sign():
    # The temperature page's grid headed some columns (℃) and others (°C):
    # Chinese text writes ℃ throughout (English °C), as the loaded exports do.
    found = []
    for path in sorted((ROOT / "i18n").glob("*.toml")):
        with path.open("rb") as fh:
            data = tomllib.load(fh)

        def walk(prefix, node):
            if isinstance(node.get("zh"), str):
                if "°C" in node["zh"]:
                    found.append(prefix)
                return
            for k, v in node.items():
                if isinstance(v, dict):
                    walk(f"{prefix}.{k}" if prefix else k, v)
        walk("", data)
    assert not found
