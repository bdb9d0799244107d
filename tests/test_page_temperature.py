"""The room-temperature page (室温达标) through AppTest on a copy of the demo
warehouse: it runs in both languages, its cards, charts and tables carry
exactly what the KPI layer gives for the same filters, the drill-down reaches
each reading with its file and row, and personal data is masked for viewers
without the permission."""
from __future__ import annotations

import re
import tomllib
from datetime import date
from pathlib import Path

import pytest

from i18n import t
from metrics import Period, action_list, get, query, summary
from metrics.cold_risk import cold_risk
from metrics.display import card_value, change, format_value
from metrics.temperature_detail import household_readings, indoor_distribution
from metrics.trends import weekly
from page_testing import (demo_copy, downloads, figures, filters_of,  # noqa: F401
                          metrics_shown, open_page, table, untranslated)
from pipelines.warehouse import connect
from ui import db

ROOT = Path(__file__).resolve().parent.parent
PAGE = "pages/temperature.py"
CARDS = ("temp_compliance_rate", "temp_household_compliance_rate", "temp_coverage_rate",
         "temp_unsigned_readings", "temp_exempt_readings", "refund_exposure_amount")
# The week of the demo's cold snap: exempt readings and a dip in compliance.
COLD_WEEK = {"season": "2025-2026", "period": "week", "week": "2026-W03"}
STATION = "般阳路换热站"


def table_with(at, *headers):
    """The first table with every one of `headers`."""
    for df in at.dataframe:
        if all(h in df.value.columns for h in headers):
            return df.value
    raise AssertionError(f"no table with columns {headers}")


@pytest.mark.parametrize("lang,params", [
    ("zh", {}),
    ("en", {**COLD_WEEK, "station": STATION}),
    ("zh", {"season": "2024-2025", "period": "range", "from": "2025-01-01", "to": "2025-01-31",
            "branch": "淄川分公司"}),
])
def test_cards_equal_the_kpi_layer(demo_copy, lang, params):
    at = open_page(PAGE, lang, **params)
    period, filters = filters_of(at)
    if "station" in params:
        assert filters == {"station": [STATION]}
    con = db.connection()
    now = summary(con, period, filters, kpi_ids=list(CARDS))
    # The arrow: against the previous period; for a season (the days before
    # it are the summer) against the same days of last season.
    season = params.get("period", "season") == "season"
    before = summary(con, period.last_season() if season else period.previous(), filters,
                     kpi_ids=list(CARDS))
    shown = metrics_shown(at)
    for kpi_id in CARDS:
        kpi = get(kpi_id)
        assert shown[kpi.text(lang)[0]] == card_value(kpi, now[kpi_id].value, lang), kpi_id
    rate = now["temp_compliance_rate"]
    captions = " ".join(c.value for c in at.caption)
    assert f"{rate.numerator:,}" in captions and f"{rate.denominator:,}" in captions
    card = next(m for m in at.metric if m.label == get("temp_compliance_rate").text(lang)[0])
    previous = before["temp_compliance_rate"].value
    assert previous is not None
    assert f"{abs(change('percent', rate.value, previous)) * 100:.1f}" in card.proto.delta
    assert card.proto.help.startswith(get("temp_compliance_rate").text(lang)[1])
    assert card.proto.help.endswith(t("ui.kpi.delta_help_season" if season
                                      else "ui.kpi.delta_help", lang))
    assert not untranslated(at)


def test_charts_carry_the_kpi_layers_figures(demo_copy):
    at = open_page(PAGE, **COLD_WEEK)
    period, filters = filters_of(at)
    con = db.connection()
    figs = figures(at)
    season = Period(date(2025, 11, 15), period.end, "2025-2026")

    trend = figs["t_weekly_chart"]
    rate = weekly(con, "temp_compliance_rate", "2025-2026", filters, until=period.end)
    line = trend["data"][0]
    assert line["y"] == pytest.approx(rate["value"].tolist(), nan_ok=True)
    assert "(%)" in trend["layout"]["yaxis"]["title"]["text"]
    assert "℃" in trend["layout"]["yaxis2"]["title"]["text"]
    design = [s for s in trend["layout"]["shapes"] if s.get("yref") == "y2"]
    assert [s["y0"] for s in design] == [-7.4]          # the design line, on the outdoor axis
    # exempt and unsigned readings are drawn, week by week
    parts = figs["t_weekly_parts"]["data"]
    exempt = weekly(con, "temp_exempt_readings", "2025-2026", filters, until=period.end)
    assert parts[1]["y"] == exempt["numerator"].fillna(0).tolist()
    assert sum(parts[1]["y"]) > 0
    # The two charts one above the other show the same days, and both the
    # chosen week's band (it was on the top chart only).
    bars = figs["t_weekly_parts"]["layout"]
    assert bars["xaxis"]["range"] == trend["layout"]["xaxis"]["range"]
    outdoor = trend["data"][1]["x"]
    assert bars["xaxis"]["range"][0] <= min(min(line["x"]), min(outdoor))
    assert bars["xaxis"]["range"][1] >= max(max(line["x"]), max(outdoor))
    band = [(s["x0"], s["x1"]) for s in bars["shapes"] if s["type"] == "rect"]
    assert band == [(s["x0"], s["x1"]) for s in trend["layout"]["shapes"]
                    if s["type"] == "rect"]
    assert band and band[0][0].startswith(str(period.start))
    # each week's mark sits over its Monday to Sunday (the band's days), each
    # day's over its day; both plot areas span the same width
    assert {(d["xperiod"], d["xperiodalignment"]) for d in [line, *parts]} == \
        {(7 * 86400000, "middle")}
    assert (outdoor_trace := trend["data"][1])["xperiod"] == 86400000
    assert outdoor_trace["name"] == "日平均室外温度"
    assert trend["layout"]["xaxis"]["domain"] == bars["xaxis"]["domain"] == [0, 1]
    assert trend["layout"]["margin"] == bars["margin"]

    grid = query(con, "temp_compliance_rate", season, filters, ["station", "week"])
    heat = figs["t_heatmap"]["data"][0]
    # a short title over the narrow colour bar (the KPI's whole name ran off it)
    assert heat["colorbar"]["title"]["text"] == "达标率"
    cell = grid.iloc[0]
    row = heat["y"].index(cell["station"])
    z = heat["z"]
    if not isinstance(z[0], list):     # a 2-D typed array arrives flat, row by row
        z = [z[i:i + len(heat["x"])] for i in range(0, len(z), len(heat["x"]))]
    assert z[row][0] == pytest.approx(cell["value"])
    assert len(z) == grid["station"].nunique() and len(z[0]) == grid["week"].nunique()

    dist = indoor_distribution(con, period, filters)
    bars = figs["t_distribution"]["data"][0]
    kpi = query(con, "temp_compliance_rate", period, filters).iloc[0]
    assert sum(bars["y"]) == kpi["denominator"] == dist["readings"].sum()
    target = [s for s in figs["t_distribution"]["layout"]["shapes"]]
    assert target[0]["x0"] == 18.0

    refund = action_list(con, "refund_by_station", period, filters)
    bars = figs["t_refund_chart"]["data"][0]
    assert dict(zip(bars["y"], bars["x"])) == pytest.approx(
        dict(zip(refund["station"], refund["refund_yuan"])))
    total = summary(con, period, filters, kpi_ids=["refund_exposure_amount"])
    assert sum(bars["x"]) == pytest.approx(total["refund_exposure_amount"].value, abs=0.01)


def test_cold_day_risk_lists_the_buildings_expected_below_target(demo_copy):
    at = open_page(PAGE, **COLD_WEEK)
    period, filters = filters_of(at)
    fits = cold_risk(db.connection(), Period(date(2025, 11, 15), period.end, "2025-2026"),
                     filters)
    at_risk = fits[fits["expected_below_target"]]
    assert len(at_risk) > 0
    shown = table(at, "设计温度下预计室温(℃)")
    assert len(shown) == len(at_risk)
    assert shown["设计温度下预计室温(℃)"].tolist() == pytest.approx(
        at_risk["expected_indoor_c"].tolist())
    assert (shown["设计温度下预计室温(℃)"] < shown["目标温度(℃)"]).all()
    scatter = figures(at)["t_risk_chart"]
    assert [d["name"] for d in scatter["data"]] == ["有效测温", "拟合直线"]
    # A weak line (R² < 0.3) is said to be a hint, not a forecast.
    weak = int((at_risk["r2"] < 0.3).sum())
    assert weak > 0
    notes = [c.value for c in at.caption if "拟合较弱" in c.value]
    assert notes and notes[0].startswith(f"其中 {weak} 栋"), notes


def test_drill_down_to_each_reading_with_its_file_and_row(demo_copy):
    at = open_page(PAGE, **COLD_WEEK)
    period, filters = filters_of(at)
    con = db.connection()
    by_branch = table_with(at, "分公司", "达标记录")
    kpi = query(con, "temp_compliance_rate", period, filters, "branch")
    assert sorted(by_branch["达标记录"]) == sorted(kpi["numerator"])
    assert by_branch["计入达标率的记录"].sum() == kpi["denominator"].sum()

    at.selectbox(key="t_drill_branch").set_value("淄川分公司").run()
    at.selectbox(key="t_drill_station").set_value(STATION).run()
    stations = query(con, "temp_compliance_rate", period, {"station": STATION}, "community")
    assert sorted(table_with(at, "小区", "计入达标率的记录")["计入达标率的记录"]) == sorted(stations["denominator"])
    community = stations.iloc[0]["community"]
    at.selectbox(key="t_drill_community").set_value(community).run()
    building = table_with(at, "楼号", "计入达标率的记录").iloc[0]["楼号"]
    at.selectbox(key="t_drill_building").set_value(building).run()
    homes = table_with(at, "户号", "计入达标率的记录")
    household = homes.iloc[0]["户号"]
    at.selectbox(key="t_drill_household").set_value(household).run()
    assert not at.exception
    rows = table(at, "来源文件")
    expected = household_readings(con, period, household)
    assert rows["来源行号"].tolist() == expected["source_row"].tolist()
    assert set(rows["来源文件"]) == {"测温记录_2025-2026.xlsx"}
    assert at.get("download_button")

    # Changing a level above resets the levels below.
    at.selectbox(key="t_drill_station").set_value("松龄路换热站").run()
    assert at.selectbox(key="t_drill_community").value == "__all__"
    assert not at.exception


def test_a_link_opens_the_drill_down_at_a_building(demo_copy):
    at = open_page(PAGE, **COLD_WEEK, station=STATION, d_branch="淄川分公司", d_station=STATION,
                   d_community="昆仑小区", d_building="16号楼")
    assert at.selectbox(key="t_drill_building").value == "16号楼"
    assert table_with(at, "户号", "计入达标率的记录")["户号"].str.startswith("0206").all()
    # The place stays in the address, so a link copied from it reopens the
    # building (the page removed it); a choice made since is kept, not undone
    # by the address, which follows it; no household's number goes there.
    assert at.query_params["d_building"] == "16号楼"
    at.run()
    assert at.selectbox(key="t_drill_building").value == "16号楼"
    at.selectbox(key="t_drill_community").set_value("__all__").run()
    assert at.selectbox(key="t_drill_community").value == "__all__"
    assert "d_building" not in at.query_params and "d_community" not in at.query_params
    assert at.query_params["d_station"] == STATION
    at.selectbox(key="t_drill_community").set_value("昆仑小区").run()
    at.selectbox(key="t_drill_building").set_value("16号楼").run()
    home = next(o for o in at.selectbox(key="t_drill_household").options if o != "__all__")
    at.selectbox(key="t_drill_household").set_value(home).run()
    assert at.query_params["d_building"] == "16号楼"
    assert not [k for k in at.query_params if "household" in k]
    # Back on the overview, the same building's link opens it again (the
    # page once took it for its own address and opened the top level).
    at.switch_page("pages/overview.py").run()
    for level, value in (("branch", "淄川分公司"), ("station", STATION),
                         ("community", "昆仑小区"), ("building", "16号楼")):
        at.query_params[f"d_{level}"] = value
    at.switch_page(PAGE).run()
    assert at.selectbox(key="t_drill_building").value == "16号楼"
    assert at.query_params["d_building"] == "16号楼"


def test_the_drill_down_is_where_it_was_left_after_another_page(demo_copy):
    at = open_page(PAGE, **COLD_WEEK, station=STATION, d_branch="淄川分公司", d_station=STATION,
                   d_community="昆仑小区", d_building="16号楼")
    home = table_with(at, "户号", "计入达标率的记录").iloc[0]["户号"]
    at.selectbox(key="t_drill_household").set_value(home).run()

    def leave_and_return():
        # To the tickets and back by the page menu in a browser: the page's
        # selectors' state is gone and the menu drops the place from the address.
        at.switch_page("pages/tickets.py").run()
        for key in [k for k in at.session_state if str(k).startswith("t_drill_")
                    and k not in ("t_drill_link", "t_drill_household_kept")]:
            del at.session_state[key]
        for param in [p for p in at.query_params if p.startswith("d_")]:
            del at.query_params[param]
        at.switch_page(PAGE).run()
        assert not at.exception

    leave_and_return()
    assert at.session_state["t_drill_building"] == "16号楼"
    assert at.session_state["t_drill_household"] == home
    assert at.query_params["d_building"] == "16号楼"
    assert table(at, "来源文件")["来源文件"].notna().all()
    # Left at the top level, it opens at the top level.
    at.selectbox(key="t_drill_branch").set_value("__all__").run()
    leave_and_return()
    assert at.session_state["t_drill_branch"] == "__all__"
    assert "d_branch" not in at.query_params


def test_personal_data_is_masked_without_the_permission(demo_copy, monkeypatch):
    import ui.tables
    at = open_page(PAGE, **COLD_WEEK)
    phones = table(at, "联系电话")["联系电话"]
    assert phones.str.fullmatch(r"\d{11}").all()
    monkeypatch.setattr(ui.tables, "can_see_personal", lambda: False)
    at.run()
    homes = table(at, "联系电话")
    assert homes["联系电话"].str.fullmatch(r"\d{3}\*{4}\d{4}").all()
    assert homes["房号"].eq("***").all()
    assert homes["户主姓名"].str.contains(r"\*").all()


def test_an_empty_warehouse_says_what_to_do(tmp_path, monkeypatch):
    path = tmp_path / "empty.duckdb"
    connect(path).close()
    monkeypatch.setenv("HEATKPI_DB", str(path))
    for lang, words in (("zh", "所选范围内没有测温记录"), ("en", "No temperature readings")):
        at = open_page(PAGE, lang)
        assert any(words in i.value for i in at.info), [i.value for i in at.info]
        assert not untranslated(at)


def test_every_label_exists_in_both_languages():
    with (ROOT / "i18n" / "pages_overview_temperature.toml").open("rb") as fh:
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
        assert key.startswith(("page.overview.", "page.temperature.", "ui.kpi.", "ui.chart.",
                               "ui.table.")), key
        assert set(node) == {"zh", "en"} and node["zh"].strip() and node["en"].strip(), key
        assert sorted(re.findall(r"\{(\w+)\}", node["zh"])) == \
            sorted(re.findall(r"\{(\w+)\}", node["en"])), key
        assert not cjk.search(node["en"]), key
    # every key the two pages and the shared components name is there
    used = set()
    for name in ("pages/overview.py", "pages/temperature.py", "ui/kpi.py", "ui/charts.py",
                 "ui/tables.py"):
        text = (ROOT / name).read_text(encoding="utf-8")
        used |= set(re.findall(r"""["']((?:page\.(?:overview|temperature)|"""
                               r"""ui\.(?:kpi|chart|table))\.[a-z0-9_.]+[a-z0-9_])["']""", text))
    keys = {k for k, _ in entries}
    assert used and used <= keys, sorted(used - keys)


def test_the_cold_lists_say_how_many_they_show_and_download_all(demo_copy, downloads):  # noqa: F811
    # The season's list of homes below target showed 50 of 593 households and
    # its download held the 50, without saying so; cold zones the first 20.
    from page_testing import workbook_rows
    at = open_page(PAGE)
    period, filters = filters_of(at)
    con = db.connection()
    homes = action_list(con, "noncompliant_households", period, filters)
    from metrics.temperature_detail import cold_zones
    zones = cold_zones(con, period, filters)
    assert len(homes) > 50 and len(zones) > 20           # the demo's season
    captions = [c.value for c in at.caption]
    assert f"显示前 50 户,共 {len(homes):,} 户;下载的 Excel 含全部住户。" in captions
    assert f"显示前 20 处,共 {len(zones):,} 处;下载的 Excel 含全部。" in captions
    shown = table(at, "联系电话")
    assert len(shown) == 50
    # the home and its latest room temperature against its target come first
    assert list(shown.columns[:7]) == ["户号", "小区", "楼号", "单元", "房号", "最近室温(℃)",
                                       "目标温度(℃)"], list(shown.columns)
    files = downloads(at)
    label = next(k for k in files if k.startswith("t_cold_homes_xlsx:"))
    assert label.endswith(f"下载全部 {len(homes):,} 行(Excel)")
    rows = workbook_rows(files[label])
    assert len(rows) == len(homes) + 1                    # the header and every home
    assert {r[0] for r in rows[1:]} == set(homes["household_id"])
    zone_rows = workbook_rows(next(v for k, v in files.items()
                                   if k.startswith("t_cold_zones_xlsx:")))
    assert len(zone_rows) == len(zones) + 1
    en = open_page(PAGE, "en")
    assert f"The first 50 of {len(homes):,} homes are shown; the Excel download holds them " \
           "all." in [c.value for c in en.caption]


def test_a_period_without_readings_has_no_refund_all_clear(demo_copy):
    # 2026-W48 has no temperature reading: "所选时段内没有应退费的不达标日。"
    # read as good news where nothing was measured.
    at = open_page(PAGE, season="2026-2027", period="week", week="2026-W48")
    said = [i.value for i in at.info]
    assert "所选时段内没有应退费的不达标日。" not in said
    assert "所选时段内没有有效且非豁免的测温记录。" in said
    # nor does its card say ¥0.00: with nothing measured there is no figure
    assert metrics_shown(at)["退费风险金额"] == "—"
    measured = open_page(PAGE, season="2025-2026", period="week", week="2025-W50")
    assert metrics_shown(measured)["退费风险金额"].startswith("¥")
