"""The overview page (总览) through AppTest on a copy of the demo warehouse:
headline cards equal the KPI layer, one trend line per area equals the weekly
KPI, the needs-attention lists equal the action lists and link to their
pages with the same filters; and the shared card helpers' rules."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from datetime import date
from urllib.parse import parse_qs

import pytest

from metrics import Result, action_list, get, headline, summary
from metrics.display import card_value, format_value
from metrics.display import change as metrics_change
from metrics.trends import weekly
from page_testing import (demo_copy, downloads, figures, filters_of,  # noqa: F401
                          metrics_shown, open_page, table, untranslated, workbook_rows)
from pipelines import settings as settings_module
from pipelines.warehouse import connect
from ui import db
from ui.kpi import (CardData, caption_lines, change_text, chip_style, chip_text, compared_value,
                    parts_text, status)

PAGE = "pages/overview.py"
CARDS = ("temp_compliance_rate", "temp_household_compliance_rate", "refund_exposure_amount",
         "ticket_on_time_rate", "ticket_closure_rate", "ticket_unanswered",
         "fee_collection_rate_amount", "fee_collection_rate_households", "fee_arrears_amount")
COLD_WEEK = {"season": "2025-2026", "period": "week", "week": "2026-W03"}


@pytest.mark.parametrize("lang,params", [
    ("zh", {}),
    ("en", {**COLD_WEEK, "station": "华光路换热站"}),
    ("zh", {"season": "2024-2025", "period": "range", "from": "2025-01-01", "to": "2025-01-31",
            "branch": "淄川分公司"}),
])
def test_headline_cards_equal_the_kpi_layer(demo_copy, lang, params):
    at = open_page(PAGE, lang, **params)
    period, filters = filters_of(at)
    results = summary(db.connection(), period, filters, kpi_ids=list(CARDS))
    shown = metrics_shown(at)
    for kpi_id in CARDS:
        kpi = get(kpi_id)
        assert shown[kpi.text(lang)[0]] == card_value(kpi, results[kpi_id].value, lang), kpi_id
    fees = results["fee_collection_rate_households"]
    captions = " ".join(c.value for c in at.caption)
    assert f"{fees.numerator:,}" in captions and f"{fees.denominator:,}" in captions
    assert not untranslated(at)


@pytest.mark.parametrize("params", [{}, COLD_WEEK])
def test_a_seasons_arrow_compares_with_last_season(demo_copy, params):
    # A season's previous period of the same length is the summer before it:
    # its arrow is the change against the same days of last season, and that
    # change is not said twice. A week keeps both.
    at = open_page(PAGE, **params)
    period, filters = filters_of(at)
    con = db.connection()
    season = not params
    now = summary(con, period, filters, kpi_ids=["ticket_closure_rate"])
    last = summary(con, period.last_season(), filters, kpi_ids=["ticket_closure_rate"])
    prev = summary(con, period.previous(), filters, kpi_ids=["ticket_closure_rate"])
    kpi = get("ticket_closure_rate")
    value = now[kpi.id].value
    arrow = metrics_change(kpi.unit, value, (last if season else prev)[kpi.id].value)
    card = next(m for m in at.metric if m.label == kpi.text("zh")[0])
    against = "较上季同期 " if season else "较上周 "
    assert card.proto.delta == against + change_text(kpi, arrow, "zh")
    last_line = next(line for c in at.caption for line in c.value.split("  \n")
                     if line.startswith("上季同期 ") and
                     compared_value(kpi, last[kpi.id].value, "zh") in line)
    said = change_text(kpi, metrics_change(kpi.unit, value, last[kpi.id].value), "zh")
    assert (said in last_line) is not season


WHOLE_SEASON = {"season": "2025-2026", "period": "range", "from": "2025-11-15",
                "to": "2026-03-15"}


def test_a_ranges_arrow_never_compares_with_the_summer(demo_copy):
    # The whole season as a date range: its previous 121 days are the summer
    # (收缴率 "+33.6 个百分点", 欠费 "-¥1,318.25 万" against it). Its arrows are
    # the season view's, against the same days of last season, and the help
    # says so, naming the period not compared with.
    season = open_page(PAGE, season="2025-2026")
    ranged = open_page(PAGE, **WHOLE_SEASON)
    assert (filters_of(ranged)[0].start, filters_of(ranged)[0].end) == \
        (filters_of(season)[0].start, filters_of(season)[0].end)
    by_label = {m.label: m for m in season.metric}
    ids = ("fee_collection_rate_amount", "fee_arrears_amount", "ticket_on_time_rate",
           "temp_compliance_rate")
    con = db.connection()
    period = filters_of(ranged)[0]
    now = summary(con, period, {}, kpi_ids=list(ids))
    last = summary(con, period.last_season(), {}, kpi_ids=list(ids))
    for kpi_id in ids:
        kpi = get(kpi_id)
        card = next(m for m in ranged.metric if m.label == kpi.text("zh")[0])
        arrow = "较上季同期 " + change_text(
            kpi, metrics_change(kpi.unit, now[kpi_id].value, last[kpi_id].value), "zh")
        assert card.proto.delta == by_label[card.label].proto.delta == arrow, kpi_id
        assert card.proto.help.endswith(
            "箭头:与上季同期(上一供暖季中距开季天数相同的时段)相比的变化。"
            "之前等长的时段(2025年7月17日 – 2025年11月14日)不全在供暖期内,不作比较。")
    # and the change is not said twice in the caption
    kpi = get("ticket_on_time_rate")
    said = change_text(kpi, metrics_change(kpi.unit, now[kpi.id].value, last[kpi.id].value),
                       "zh")
    assert not any(said in c.value for c in ranged.caption)
    assert not untranslated(ranged)
    # a range whose previous period is on heating days keeps it (January
    # against December), as a week keeps its previous week
    jan = open_page(PAGE, season="2025-2026", period="range", **{"from": "2026-01-01",
                                                                  "to": "2026-01-31"})
    period = filters_of(jan)[0]
    now = summary(con, period, {}, kpi_ids=[kpi.id])
    prev = summary(con, period.previous(), {}, kpi_ids=[kpi.id])
    card = next(m for m in jan.metric if m.label == kpi.text("zh")[0])
    assert card.proto.delta == \
        "较前 31 天 " + change_text(
                kpi, metrics_change(kpi.unit, now[kpi.id].value, prev[kpi.id].value), "zh")
    assert card.proto.help.endswith("箭头:与上一个等长时段相比的变化。")


def test_fee_cards_read_the_season_of_the_range(demo_copy):
    # A link (or a stale sidebar) naming 2026-2027 over 2025-2026's dates:
    # the header named one season and the fee cards read the other (—, 0 / 0).
    at = open_page(PAGE, **{**WHOLE_SEASON, "season": "2026-2027"})
    f = at.session_state["filters"]
    assert f.season == "2025-2026"
    ranged = open_page(PAGE, **WHOLE_SEASON)
    shown, expected = metrics_shown(at), metrics_shown(ranged)
    for kpi_id in ("fee_collection_rate_amount", "fee_collection_rate_households",
                   "fee_arrears_amount"):
        label = get(kpi_id).text("zh")[0]
        assert shown[label] == expected[label] != "—", kpi_id
    assert any("2025-2026" in c.value and "2025年11月15日" in c.value for c in at.caption)


def test_a_range_between_seasons_names_the_season_its_figures_are_for(demo_copy):
    # June 2025 chosen under 2025-2026: the header said "2025-2026 供暖季"
    # while the fee cards (94.0%) and the list "2024-2025 供暖季欠费最多的用户"
    # were 2024-2025's. June lies between the two; its fees are those of the
    # season that ended (Period.fee_season), so that season is named.
    at = open_page(PAGE, season="2025-2026", period="range",
                   **{"from": "2025-06-01", "to": "2025-06-30"})
    period, _ = filters_of(at)
    assert period.fee_season == "2024-2025"
    assert at.session_state["filters"].season == "2024-2025"
    assert at.selectbox(key="f_season").value == "2024-2025"
    assert any(c.value.startswith("2024-2025 供暖季 · 2025年6月1日 – 2025年6月30日")
               for c in at.caption)
    assert not any("2025-2026" in c.value for c in at.caption)
    assert any(m.value == "**2024-2025 供暖季欠费最多的用户**" for m in at.markdown)


def test_the_coming_seasons_collection_is_said_with_the_fee_cards(demo_copy):
    # 3-9 Nov 2025: the fee cards read 2024-2025 (94.0 %, flat); the coming
    # season's 56.8 % was a grey caption in the arrears list at the foot of
    # the page. It is now a notice right under the fee cards.
    at = open_page(PAGE, season="2024-2025", period="week", week="2025-W45")
    said = [i.value for i in at.info]
    assert any(v.startswith("2025-2026 供暖季已开始收费:截至 2025年11月9日,按金额收缴率 56.8%")
               for v in said), said
    assert not any("已开始收费" in c.value for c in at.caption)
    # a week of the season reads its own fees: nothing to add
    assert not any("已开始收费" in i.value for i in open_page(
        PAGE, season="2025-2026", period="week", week="2025-W50").info)


def test_a_comparison_without_data_reads_as_none(demo_copy):
    # 2024-W50's same days of last season (December 2023) lie before anything
    # loaded: no "上季同期 0 (+25)" for the counts and amounts, but —, as in the
    # weekly report; the week before has data and keeps its change.
    at = open_page(PAGE, season="2024-2025", period="week", week="2024-W50")
    period, filters = filters_of(at)
    con = db.connection()
    assert summary(con, period.last_season(), filters,
                   kpi_ids=["ticket_unanswered"])["ticket_unanswered"].value == 0
    lines = {line for c in at.caption for line in c.value.split("  \n")
             if line.startswith("上季同期 ")}
    for kpi_id in ("ticket_unanswered", "fee_arrears_amount", "refund_exposure_amount"):
        kpi = get(kpi_id)
        card = next(m for m in at.metric if m.label == kpi.text("zh")[0])
        assert card.proto.delta, kpi_id                 # against last week
    assert lines == {"上季同期 —"}, lines


def test_a_week_not_uploaded_reads_as_no_comparison(demo_copy):
    # No tickets loaded for 2025-W49, inside the loaded span: the W50 cards
    # read "较上周 +1,234" against 0. They compare with nothing, as the
    # weekly report does; the readings of W49 are there and keep theirs.
    from pipelines.warehouse import bump_data_version
    con = connect(demo_copy)
    con.execute("delete from tickets where received_at >= '2025-12-01'"
                " and received_at < '2025-12-08'")
    bump_data_version(con)
    con.close()
    at = open_page(PAGE, season="2025-2026", period="week", week="2025-W50")
    cards = {m.label: m for m in at.metric}
    assert not cards[get("ticket_unanswered").text("zh")[0]].proto.delta
    assert cards[get("temp_compliance_rate").text("zh")[0]].proto.delta


def test_one_trend_line_per_area_equals_the_weekly_kpi(demo_copy):
    at = open_page(PAGE, **COLD_WEEK)
    period, filters = filters_of(at)
    con = db.connection()
    lines = figures(at)["o_trend"]["data"]
    assert len(lines) == 3
    for line, kpi_id in zip(lines, ("temp_compliance_rate", "ticket_on_time_rate",
                                    "fee_collection_rate_amount")):
        expected = weekly(con, kpi_id, "2025-2026", filters, until=date(2026, 1, 18))
        assert line["y"] == pytest.approx(expected["value"].tolist(), nan_ok=True), kpi_id
        assert get(kpi_id).text("zh")[0] in line["name"]
    # the collection line is the season to date: it never falls in the demo
    fees = lines[2]["y"]
    assert fees == sorted(fees)
    # each point sits over its week, inside the chosen week's band (drawn
    # from the week's Monday to the next, the point stood on its edge)
    assert {(d["xperiod"], d["xperiodalignment"]) for d in lines} == {(7 * 86400000, "middle")}
    layout = figures(at)["o_trend"]["layout"]
    band = [s for s in layout["shapes"] if s["type"] == "rect"]
    assert band and band[0]["x0"].startswith(str(period.start))
    assert layout["xaxis"]["range"][0].startswith(min(lines[0]["x"])[:10])


@pytest.mark.parametrize("lang, note", [
    ("zh", "2026-2027 供暖季还没有可画的数据。"),
    ("en", "Nothing to draw for the 2026-2027 season yet."),
])
def test_a_season_without_data_says_so_in_the_trends_place(demo_copy, lang, note):
    # ?season=2026-2027 (no data yet) drew empty axes with the period's yellow
    # band and no word in or beside the chart (only the banner at the top).
    at = open_page(PAGE, lang, season="2026-2027")
    heading = "本供暖季走势" if lang == "zh" else "This season's trend"
    assert heading in [h.value for h in at.subheader]
    assert "o_trend" not in figures(at)
    notes = [i for i in at.info if i.value == note]
    assert len(notes) == 1 and notes[0].proto.icon == ":material/bar_chart_off:"
    # no note on a band or a weekly table that have nothing to explain
    assert not [c for c in at.caption if "黄色底色" in c.value or "yellow band" in c.value]
    assert not [e for e in at.expander if e.label in ("每周数据表", "Weekly figures")]
    # a season with data keeps its chart
    assert "o_trend" in figures(open_page(PAGE, lang, **COLD_WEEK))


def test_attention_lists_equal_the_action_lists_and_link_with_filters(demo_copy):
    at = open_page(PAGE, **COLD_WEEK)
    period, filters = filters_of(at)
    con = db.connection()
    links = at.get("page_link")

    cold = action_list(con, "cold_buildings", period, filters, limit=5)
    building_links = [ln.proto for ln in links if ln.proto.page == "temperature"
                      and "d_building" in ln.proto.query_string]
    assert len(building_links) == len(cold) == 5
    first = parse_qs(building_links[0].query_string)
    assert first["station"] == [cold.iloc[0]["station"]]
    assert first["d_building"] == [cold.iloc[0]["building"]]
    assert (first["season"], first["period"], first["week"]) == (["2025-2026"], ["week"],
                                                                 ["2026-W03"])
    pages = {ln.proto.page for ln in links}
    assert {"temperature", "tickets", "fees"} <= pages

    tickets = action_list(con, "unanswered_tickets", period, filters, limit=5)
    assert table(at, "工单编号")["工单编号"].tolist() == tickets["ticket_no"].tolist()
    debts = action_list(con, "arrears", period, filters)
    debts = debts[debts["season"] == period.fee_season].head(5)
    shown = table(at, "欠费金额(元)")
    assert shown["欠费金额(元)"].tolist() == pytest.approx(debts["arrears_yuan"].tolist())
    assert shown["户号"].tolist() == debts["household_id"].tolist()


def test_a_link_carrying_other_filters_changes_them(demo_copy):
    """st.page_link with query_params lands in the same session: the URL's
    filters win over the widgets' (ui/sidebar.py), a bare menu click does not."""
    at = open_page(PAGE, **COLD_WEEK)
    assert at.session_state["filters"].stations == ()
    at.query_params["station"] = "华光路换热站"
    at.run()
    assert at.session_state["filters"].stations == ("华光路换热站",)
    assert at.multiselect(key="f_stations").value == ["华光路换热站"]
    assert at.session_state["filters"].week == "2026-W03"
    for key in list(at.query_params):
        del at.query_params[key]
    at.run()
    assert at.session_state["filters"].stations == ("华光路换热站",)


def test_arrears_names_are_masked_without_the_permission(demo_copy, monkeypatch):
    import ui.tables
    monkeypatch.setattr(ui.tables, "can_see_personal", lambda: False)
    at = open_page(PAGE, **COLD_WEEK)
    assert table(at, "户主姓名")["户主姓名"].str.contains(r"\*").all()


# --- the card rules (ui/kpi.py) -------------------------------------------------------

@pytest.fixture
def targets(tmp_path, monkeypatch):
    """settings.toml with its own targets for three KPIs, whatever the shipped
    file sets."""
    text = settings_module.SETTINGS_FILE.read_text(encoding="utf-8")
    text = re.sub(r"(?ms)^\[kpi_targets\]\n.*?(?=^\[|\Z)", "", text)
    text += ("\n[kpi_targets]\ntemp_compliance_rate = 0.95\nticket_unanswered = 100\n"
             "tickets_received = 10\n")
    (tmp_path / "settings.toml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("HEATKPI_SETTINGS", str(tmp_path / "settings.toml"))
    settings_module.load_settings.cache_clear()
    yield
    settings_module.load_settings.cache_clear()


def test_status_respects_the_direction_and_matches_the_headline(demo_con, targets):
    rate, unanswered, received = (get(k) for k in ("temp_compliance_rate", "ticket_unanswered",
                                                   "tickets_received"))
    assert status(rate, 0.95) == "good" and status(rate, 0.9499) == "bad"
    assert status(unanswered, 100) == "good" and status(unanswered, 101) == "bad"
    assert status(received, 5) is None                # neutral: no judgement
    assert status(rate, None) is None
    df = headline(demo_con, ("2025-12-01", "2025-12-07"))
    for _, row in df.iterrows():
        expected = {True: "good", False: "bad", None: None}[row["meets_target"]]
        assert status(get(row["kpi"]), row["value"]) == expected, row["kpi"]


def test_money_on_a_card_fits_it_and_the_caption_gives_the_fen():
    arrears = get("fee_arrears_amount")
    assert card_value(arrears, 9999.5, "zh") == "¥9,999.50"
    assert card_value(arrears, 7804162.35, "zh") == "¥780.42 万"
    assert card_value(arrears, 7804162.35, "en") == "¥7.80 M"
    assert card_value(arrears, 2.5e8, "zh") == "¥2.50 亿"
    assert card_value(arrears, 45600.0, "en") == "¥45.60 k"
    assert card_value(arrears, None, "zh") == "—"
    assert card_value(get("temp_compliance_rate"), 0.9, "zh") == "90.0%"  # money only
    card = CardData(arrears, Result(7804162.35, 7804162.35, None), Result(None, None, None),
                    Result(None, None, None))
    assert parts_text(card, "zh") == "精确金额 ¥7,804,162.35"
    assert parts_text(card, "en") == "Exactly ¥7,804,162.35"


def test_changes_read_as_the_meeting_reads_them():
    rate = get("temp_compliance_rate")
    assert change_text(rate, 0.0123, "zh") == "+1.2 个百分点"
    assert change_text(rate, -0.0123, "en") == "-1.2 pp"
    assert change_text(rate, -0.00001, "zh") == "0.0 个百分点"   # never "-0.0"
    assert change_text(get("fee_arrears_amount"), -1234.5, "zh") == "-¥1,234.50"
    assert change_text(get("fee_arrears_amount"), 123456.0, "zh") == "+¥12.35 万"
    assert change_text(get("fee_arrears_amount"), -123456.0, "en") == "-¥123.46 k"
    assert change_text(get("ticket_unanswered"), 3, "en") == "+3"
    assert change_text(rate, None, "zh") is None
    card = CardData(rate, Result(0.9, 9, 10), Result(0.8, 8, 10), Result(None, None, 0))
    assert card.change_previous == pytest.approx(0.1) and card.change_last_season is None


def test_a_change_is_the_difference_of_the_figures_shown():
    # 2025-W45: closure 97.44 % (38/39) against 92.86 % (39/42) the week
    # before. The figures read 97.4% and 92.9%; the chip and the report said
    # +4.6 points, the difference of the unrounded rates, which a manager
    # subtracting the two on the screen does not get.
    from metrics.display import change
    rate = get("ticket_closure_rate")
    card = CardData(rate, Result(38 / 39, 38, 39), Result(39 / 42, 39, 42),
                    Result(0.9286, 13, 14), week=True)
    assert chip_text(card, "zh") == "较上周 +4.5 个百分点"
    assert caption_lines(card, "zh")[1] == "上季同期 92.9%(+4.5 个百分点)"
    assert change("percent", 38 / 39, 39 / 42) == pytest.approx(0.045)
    # hours to a tenth, money to the fen, complaints per 10,000 m² to 0.01
    assert change("hours", 8.14, 8.06) == 0.0          # 8.1 against 8.1
    assert change("yuan", 10.004, 10.0) == 0.0
    assert change("per_10k_m2", 0.0116, 0.0233) == pytest.approx(-0.01)
    assert change("count", 39, 42) == -3
    assert change("percent", None, 0.5) is None and change("percent", 0.5, float("nan")) is None


def test_a_card_with_a_target_shows_its_status(demo_copy, targets):
    at = open_page(PAGE, **COLD_WEEK)
    captions = [c.value for c in at.caption]
    # 89.7 % that week, against 95 %: red; 120 unanswered against at most 100: red too
    assert any(c.endswith(":red[● 未达目标 · 目标 ≥ 95.0%]") for c in captions), captions
    assert any(c.endswith(":red[● 未达目标 · 目标 ≤ 100]") for c in captions), captions


@pytest.mark.parametrize("params", [{}, COLD_WEEK])
def test_the_arrears_list_is_the_arrears_cards_season(demo_copy, downloads, params):  # noqa: F811
    # The list beside the 欠费金额 card held both seasons' bills, a household
    # twice (card ¥2,463,084.94, list 3,115 rows ≈ ¥4.80 M): now the period's
    # fee season only, so its rows add up to the card.
    at = open_page(PAGE, **params)
    period, filters = filters_of(at)
    con = db.connection()
    card = summary(con, period, filters, kpi_ids=["fee_arrears_amount"])["fee_arrears_amount"]
    every = action_list(con, "arrears", period, filters)
    assert every["season"].nunique() == 2                 # the demo owes on two seasons
    own = every[every["season"] == period.fee_season]
    assert own["arrears_yuan"].sum() == pytest.approx(card.value, abs=0.01 * len(own))
    shown = table(at, "欠费金额(元)")
    assert set(shown["供暖季"]) == {period.fee_season}
    assert shown["户号"].tolist() == own.sort_values(
        ["arrears_yuan", "household_id"], ascending=[False, True])["household_id"].head(5).tolist()
    files = downloads(at)
    label = next(k for k in files if k.startswith("o_arrears_xlsx:"))
    assert label.endswith(f"下载全部 {len(own):,} 行(Excel)")
    rows = workbook_rows(files[label])
    assert len(rows) == len(own) + 1
    head = rows[0]
    amounts = [float(r[head.index("欠费金额(元)")]) for r in rows[1:]]
    assert sum(amounts) == pytest.approx(card.value, abs=0.01 * len(own))
    text = " ".join(c.value for c in at.caption)
    assert f"只含 {period.fee_season} 供暖季的账单" in text


def test_a_season_without_bills_lists_no_arrears(demo_copy):
    # 2026-W48: the fee season 2026-2027 has no bills; the list said 欠费金额
    # ¥0.00 beside "下载全部 3,115 行" (the earlier seasons' bills).
    # The card said ¥0.00 with a green arrow down from last season's
    # ¥924.99 万, and the list "没有欠费。": no bill is not no debt.
    at = open_page(PAGE, season="2026-2027", period="week", week="2026-W48")
    period, _ = filters_of(at)
    assert period.fee_season == "2026-2027"
    card = next(m for m in at.metric if m.label == "欠费金额")
    assert card.value == "—" and not card.proto.delta
    said = [i.value for i in at.info]
    assert "没有欠费。" not in said
    assert "所选范围内尚无 2026-2027 供暖季的账单数据。" in said
    assert not [b for b in at.get("download_button")
                if b.proto.id.endswith("o_arrears_xlsx")]


def test_a_comparison_gives_a_rate_with_one_decimal():
    # Last season's 94.996 % read "上季同期 94.996%" beside rates of one
    # decimal: the extra digits are for the period's own figure against its
    # target (94.97% must not read as 95.0% met), not for a comparison.
    kpi = get("temp_household_compliance_rate")
    week = CardData(kpi, Result(0.96, 96, 100), Result(0.95, 95, 100),
                    Result(0.94996, 18999, 20000))
    assert caption_lines(week, "zh")[1] == "上季同期 95.0%(+1.0 个百分点)"
    assert caption_lines(week, "en")[1] == "Same days last season 95.0% (+1.0 pp)"
    season = CardData(kpi, Result(0.9497, 9497, 10000), None, Result(0.94996, 18999, 20000))
    assert caption_lines(season, "zh")[1] == "上季同期 95.0%"
    # the period's own figure keeps the digits that tell it from the target
    assert card_value(kpi, 0.9497, "zh") == "94.97%"


def test_the_chip_says_what_it_compares_with():
    # "-0.9 个百分点" on a week's card was against last week, "+0.7 个百分点" on a
    # season's against the same days of last season, and neither said so.
    rate = get("temp_compliance_rate")                          # higher is better
    week = CardData(rate, Result(0.9, 900, 1000), Result(0.909, 909, 1000),
                    Result(0.893, 893, 1000), week=True, days=7)
    assert chip_text(week, "zh") == "较上周 -0.9 个百分点"
    assert chip_text(week, "en") == "vs last week -0.9 pp"
    assert chip_style(week) == ("red", "down")
    season = CardData(rate, Result(0.9, 900, 1000), None, Result(0.893, 893, 1000), days=121)
    assert chip_text(season, "zh") == "较上季同期 +0.7 个百分点"
    assert chip_text(season, "en") == "vs same days last season +0.7 pp"
    assert chip_style(season) == ("green", "up")
    unanswered = get("ticket_unanswered")                       # lower is better
    month = CardData(unanswered, Result(12, 12, None), Result(15, 15, None),
                     Result(9, 9, None), days=31)
    assert chip_text(month, "zh") == "较前 31 天 -3"
    assert chip_text(month, "en") == "vs previous 31 days -3"
    assert chip_style(month) == ("green", "down")
    flat = CardData(rate, Result(0.9, 9000, 10000), Result(0.90004, 22501, 25000),
                    Result(None, None, 0), week=True, days=7)
    assert chip_text(flat, "zh") == "较上周 0.0 个百分点"
    assert chip_style(flat) == ("gray", "off")
    received = get("tickets_received")                          # neutral
    assert chip_style(CardData(received, Result(20, 20, None), Result(15, 15, None),
                               Result(None, None, None), week=True, days=7)) == ("gray", "up")
    nothing = CardData(rate, Result(0.9, 9, 10), Result(None, None, 0), Result(None, None, 0),
                       week=True, days=7)
    assert chip_text(nothing, "zh") is None


def test_the_chip_fits_a_cards_line():
    # At 1366 px a card is 259 px wide; measured in Chromium, its chip holds
    # one line up to 38 columns (a Chinese character two), "vs same days last
    # season +¥121.89 k" being 35 (235 px). The longest changes each unit
    # writes must stay within it, in both languages.
    def columns(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    longest = {"temp_compliance_rate": -1.0, "fee_arrears_amount": -123456789.0,
               "refund_exposure_amount": -9999.99, "ticket_unanswered": -12345,
               "ticket_resolution_hours_median": -123.4, "complaints_per_10k_m2": -12.34}
    for kpi_id, change in longest.items():
        kpi = get(kpi_id)
        for previous, week in ((Result(0, 0, 1), True), (Result(0, 0, 1), False), (None, False)):
            d = CardData(kpi, Result(change, change, 1), previous, Result(0, 0, 1),
                         week=week, days=121)
            for lang in ("zh", "en"):
                assert columns(chip_text(d, lang)) <= 38, chip_text(d, lang)


def test_parts_that_are_not_a_share_carry_their_units():
    # 1,175 complaints over 1,716,400 m² of heated area: 6.85 per 10,000 m².
    # The card read "1,175 of 171.64" / "分子 1,175 / 分母 171.64".
    kpi = get("complaints_per_10k_m2")
    d = CardData(kpi, Result(1175 / 171.64, 1175, 171.64), None, Result(None, None, None))
    assert parts_text(d, "zh") == "1,175 件投诉 / 171.64 万㎡"
    assert parts_text(d, "en") == "1,175 complaints / 171.64 × 10,000 m²"
    # a share's parts count the same thing and stay as they were
    rate = get("ticket_closure_rate")
    d = CardData(rate, Result(0.9, 1351, 1427), None, Result(None, None, None))
    assert parts_text(d, "zh") == "分子 1,351 / 分母 1,427"
    assert parts_text(d, "en") == "1,351 of 1,427"
    # a share of amounts says they are money (it read "分子 35,005,003.80 / …")
    amount = get("fee_collection_rate_amount")
    d = CardData(amount, Result(0.89, 35005003.8, 39283452.09), None, Result(None, None, None))
    assert parts_text(d, "zh") == "分子 ¥35,005,003.80 / 分母 ¥39,283,452.09"
    assert parts_text(d, "en") == "¥35,005,003.80 of ¥39,283,452.09"


def test_a_card_says_what_of_its_count_is_carried_over():
    kpi = get("ticket_unanswered")
    d = CardData(kpi, Result(103, 103, None), Result(101, 101, None), Result(23, 23, None),
                 week=True, days=7, of_which=Result(72, 72, None))
    assert caption_lines(d, "zh")[:2] == ["其中往季遗留 72 件", "上季同期 23(+80)"]
    assert caption_lines(d, "en")[:2] == ["72 from earlier seasons",
                                          "Same days last season 23 (+80)"]
    # nothing carried over: no line
    none = replace(d, of_which=Result(0, 0, None))
    assert caption_lines(none, "zh")[0] == "上季同期 23(+80)"


def test_a_period_without_readings_says_so_instead_of_no_cold_building(demo_copy):
    # 2026-W48 has no temperature reading: "本期没有不达标的楼栋。" read as good
    # news where nothing was measured. A week with readings keeps the list.
    at = open_page(PAGE, season="2026-2027", period="week", week="2026-W48")
    said = [c.value for c in at.caption]
    assert "本期没有不达标的楼栋。" not in said
    assert "所选时段内没有有效且非豁免的测温记录。" in said
    measured = open_page(PAGE, season="2025-2026", period="week", week="2025-W50")
    assert "所选时段内没有有效且非豁免的测温记录。" not in [c.value for c in measured.caption]


def test_a_card_shows_no_parts_for_a_figure_that_is_not_there():
    # A fee season without bills: "—" over "¥0.00 / ¥0.00" and "0 / 0";
    # an amount under ¥10,000 read "¥417.89" over "精确金额 ¥417.89".
    amount = get("fee_collection_rate_amount")
    d = CardData(amount, Result(None, 0.0, 0.0), None, Result(None, None, None))
    assert parts_text(d, "zh") == "" and parts_text(d, "en") == ""
    rate = get("temp_compliance_rate")
    assert parts_text(CardData(rate, Result(None, 0, 0), None, Result(None, None, None)),
                      "zh") == ""
    refund = get("refund_exposure_amount")
    assert parts_text(CardData(refund, Result(417.89, 417.89, None), None,
                               Result(None, None, None)), "en") == ""


def test_an_amounts_change_is_written_in_the_unit_of_the_figure_beside_it():
    # "¥7.56 M (+¥248.33 k)", "¥1.25 M · vs last week -¥324.61 k": two units
    # in one line.
    arrears = get("fee_arrears_amount")
    d = CardData(arrears, Result(7.56e6, 7.56e6, None), Result(7.31167e6, 7.31167e6, None),
                 Result(7.31167e6, 7.31167e6, None), week=True)
    assert chip_text(d, "en") == "vs last week +¥0.25 M"
    assert chip_text(d, "zh") == "较上周 +¥24.83 万"
    assert caption_lines(d, "en")[1] == "Same days last season ¥7.31 M (+¥0.25 M)"
    assert change_text(arrears, 248330.0, "en") == "+¥248.33 k"      # alone: its own unit


def test_an_amounts_change_is_the_difference_of_the_two_amounts_shown():
    # ¥7.80 M beside last week's ¥7.56 M read "+¥0.25 M" (248,326.54 yuan to
    # the fen), and 上季同期 ¥755.58 万 "(+¥24.83 万)" beside ¥780.42 万.
    arrears = get("fee_arrears_amount")
    now, before = 7804169.54, 7555843.00
    d = CardData(arrears, Result(now, now, None), Result(before, before, None),
                 Result(before, before, None), week=True)
    assert d.change_previous == pytest.approx(248326.54)
    assert chip_text(d, "en") == "vs last week +¥0.24 M"               # 7.80 − 7.56
    assert chip_text(d, "zh") == "较上周 +¥24.84 万"                     # 780.42 − 755.58
    assert caption_lines(d, "zh")[1] == "上季同期 ¥755.58 万(+¥24.84 万)"
    # to the fen where the figures are (under ¥10,000)
    small = CardData(arrears, Result(950.0, 950.0, None), Result(900.0, 900.0, None),
                     Result(None, None, None), week=True)
    assert chip_text(small, "en") == "vs last week +¥50.00"
