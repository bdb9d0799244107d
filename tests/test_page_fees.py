"""The fees page (收费) through AppTest on a copy of the demo warehouse: it runs
in both languages, and its cards, curve, tables and lists carry exactly what
the KPI layer gives for the same filters."""
from __future__ import annotations

import re

import pytest

from metrics import action_list, compare, get, query, summary
from metrics import fee_views as fv
from metrics.display import card_value, column_label, format_value
from page_testing import (cell_texts, column_settings, demo_copy, downloads,  # noqa: F401
                          figures, filters_of, metrics_shown, open_page, shown_text, table,
                          untranslated)
from ui import db, fmt

PAGE = "pages/fees.py"
HEADLINE = ("fee_collection_rate_amount", "fee_collection_rate_households", "fee_arrears_amount",
            "fee_collected_amount")
WEEK = {"season": "2025-2026", "period": "week", "week": "2025-W50"}
STATION = "华光路换热站"


@pytest.mark.parametrize("lang,params", [
    ("zh", {}),
    ("en", {**WEEK, "station": STATION}),
    ("zh", {"season": "2024-2025", "period": "week", "week": "2024-W51",
            "branch": "淄川分公司"}),
])
def test_cards_equal_the_kpi_layer(demo_copy, lang, params):
    at = open_page(PAGE, lang, **params)
    period, filters = filters_of(at)
    assert period.fee_season == params.get("season", "2025-2026")
    results = summary(db.connection(), period, filters, kpi_ids=list(HEADLINE))
    shown = metrics_shown(at)
    for kpi_id in HEADLINE:
        kpi = get(kpi_id)
        assert shown[kpi.text(lang)[0]] == card_value(kpi, results[kpi_id].value, lang), kpi_id


def test_the_week_after_a_season_shows_the_ended_seasons_fees(demo_copy, monkeypatch):
    # 2026-W12 (16-22 March 2026) holds no heating day; a link names it
    # under the coming season, 2026-2027, which has no bills. Its fees are
    # 2025-2026's, as in the weekly report of that week, and it is shown
    # under 2025-2026, the season its figures are for.
    import datetime as dt

    from reports import gather
    monkeypatch.setattr("ui.sidebar.today", lambda: dt.date(2026, 3, 20))
    at = open_page(PAGE, season="2026-2027", period="week", week="2026-W12")
    period, filters = filters_of(at)
    assert at.session_state["filters"].season == "2025-2026"
    assert at.session_state["filters"].week == "2026-W12"
    assert period.fee_season == "2025-2026"
    results = summary(db.connection(), period, filters, kpi_ids=list(HEADLINE))
    report = gather(db.connection(), "2026-W12", trends=False).headline.set_index("kpi")
    shown = metrics_shown(at)
    for kpi_id in HEADLINE:
        kpi = get(kpi_id)
        if kpi_id in report.index:
            assert results[kpi_id].value == pytest.approx(report.loc[kpi_id, "value"]), kpi_id
        if kpi_id == "fee_collected_amount":
            # the week's own receipts lie after the loaded payments (to 15
            # March): not uploaded, not ¥0.00
            assert shown[kpi.text("zh")[0]] == "—"
            continue
        assert shown[kpi.text("zh")[0]] == card_value(kpi, results[kpi_id].value, "zh"), kpi_id
    assert results["fee_arrears_amount"].value > 0
    assert any("2025-2026 供暖季" in c.value for c in at.caption)


def test_a_season_without_bills_shows_no_figures_and_no_all_clear(demo_copy):
    # 2026-W48 (23-29 November 2026): 2026-2027 is under way and none of its
    # bills or receipts is loaded. The page said 欠费金额 ¥0.00 with a green
    # arrow down from last season, "没有发现问题" under every bill check and
    # "本期每笔收款都有发票号": checks that pass only because nothing is there.
    at = open_page(PAGE, season="2026-2027", period="week", week="2026-W48")
    period, _ = filters_of(at)
    assert period.fee_season == "2026-2027"
    arrears = next(m for m in at.metric if m.label == "欠费金额")
    assert arrears.value == "—" and not arrears.proto.delta
    said = [i.value for i in at.info]
    assert said.count("所选范围内尚无 2026-2027 供暖季的账单数据:收缴率、欠费和账单核对都无从计算。") == 2
    text = shown_text(at)
    assert "没有发现问题。" not in text
    assert "本期每笔收款都有发票号。" not in text
    assert "本期没有收款,无从核对发票号。" in said
    assert not untranslated(at)
    en = open_page(PAGE, "en", season="2026-2027", period="week", week="2026-W48")
    assert "No bills of the 2026-2027 season are loaded for the chosen scope: collection " \
        "rates, arrears and the bill checks cannot be worked out." in [i.value for i in en.info]
    assert not untranslated(en)


def test_a_week_before_the_season_says_how_the_coming_collection_stands(demo_copy):
    # 2025-W45 (3-9 November 2025) has no heating day: the page reads 2024-2025's
    # fees, whose collection is long over, while most of 2025-2026 is being
    # paid that very week. The page says so, with the coming season's rates.
    at = open_page(PAGE, season="2024-2025", period="week", week="2025-W45")
    period, filters = filters_of(at)
    assert period.fee_season == "2024-2025"
    ahead = summary(db.connection(), type(period)(period.start, period.end, "2025-2026"),
                    filters)
    amount, households = (ahead["fee_collection_rate_amount"],
                          ahead["fee_collection_rate_households"])
    # every 2025-2026 payment up to 9 November (with a bill or not) over its
    # bills; households paid in full of those billed (worked out here directly)
    paid, due, fully, billed = db.connection().execute("""
        with b as (select household_id, amount_due from fee_bills where season = '2025-2026'),
             p as (select household_id, sum(amount) as paid from fee_payments
                   where season = '2025-2026' and paid_at < timestamp '2025-11-10'
                   group by household_id)
        select (select sum(paid) from p), sum(b.amount_due),
               count(*) filter (where coalesce(p.paid, 0) >= b.amount_due - 0.005), count(*)
        from b left join p using (household_id)""").fetchone()
    assert amount.numerator == pytest.approx(paid) and amount.denominator == pytest.approx(due)
    assert (households.numerator, households.denominator) == (fully, billed)
    assert 0 < amount.value < 1
    said = [i.value for i in at.info]
    assert (f"2025-2026 供暖季已开始收费:截至 2025年11月9日,按金额收缴率 "
            f"{fmt.percent(amount.value)}(¥{paid:,.2f} / ¥{due:,.2f}),按户 "
            f"{fmt.percent(households.value)}({fully:,} / {billed:,} 户交清)。本页的收缴率、"
            "欠费和账单核对为 2024-2025 供暖季;期内实收金额和日清日结含各供暖季的收款。") in said
    # (it promised the 2025-2026 season's fees under that season, where the
    # sidebar opened on the season's last week, not this one)
    # a week of the season itself reads its own fees: nothing to add
    assert not any("已开始收费" in i.value for i in open_page(PAGE, **WEEK).info)
    en = open_page(PAGE, "en", season="2024-2025", period="week", week="2025-W45")
    assert any(i.value.startswith("Collection for the 2025-2026 season is under way: by ")
               for i in en.info)
    assert not untranslated(en)
    # the overview says it under its fee cards, in short
    home = open_page("pages/overview.py", season="2024-2025", period="week", week="2025-W45")
    assert (f"2025-2026 供暖季已开始收费:截至 2025年11月9日,按金额收缴率 "
            f"{fmt.percent(amount.value)},按户 {fmt.percent(households.value)}(详见收费页)。"
            ) in [i.value for i in home.info]


def test_the_curve_ends_at_the_collection_rate(demo_copy):
    at = open_page(PAGE, **WEEK)
    period, filters = filters_of(at)
    con = db.connection()
    rate = compare(con, "fee_collection_rate_amount", period, filters).iloc[0]
    fig = figures(at)["collection_curve"]
    last, this = fig["data"][0], fig["data"][1]
    assert this["name"] == "2025-2026 供暖季" and last["name"] == "2024-2025 供暖季(上季)"
    assert this["y"][-1] == pytest.approx(rate["value"])
    assert this["x"][-1][:10] == period.end.isoformat()
    # last season's curve, on the same day of its season, is the same point of last season
    same_day = last["x"].index(this["x"][-1])
    assert last["y"][same_day] == pytest.approx(rate["last_season_value"])
    assert fig["layout"]["yaxis"]["title"]["text"] == "累计收缴率(%)"


def test_collection_by_station_and_community(demo_copy):
    at = open_page(PAGE, **WEEK)
    period, filters = filters_of(at)
    con = db.connection()
    shown = table(at, "供热站")
    expected = query(con, "fee_collection_rate_amount", period, filters, "station")
    assert dict(zip(shown["供热站"], shown["收缴率(金额)"])) == pytest.approx(
        dict(zip(expected["station"], expected["value"])))
    bars = figures(at)["collection_by"]["data"][0]
    assert dict(zip(bars["y"], bars["x"])) == pytest.approx(
        dict(zip(expected["station"], expected["value"])))

    at.segmented_control(key="fees_level").set_value("community").run()
    assert not at.exception
    shown = table(at, "小区")
    households = query(con, "fee_collection_rate_households", period, filters, "community")
    assert dict(zip(shown["小区"], shown["收缴率(户数)"])) == pytest.approx(
        dict(zip(households["community"], households["value"])))
    arrears = query(con, "fee_arrears_amount", period, filters, "community")
    assert dict(zip(shown["小区"], shown["欠费(元)"])) == pytest.approx(
        dict(zip(arrears["community"], arrears["value"])))


@pytest.mark.parametrize("lang, words", [("zh", " 个百分点"), ("en", " pp")])
def test_a_change_that_rounds_to_zero_has_no_sign(demo_copy, monkeypatch, lang, words):
    # A slice's rate 0.04 points below last season's read "-0.0 个百分点" (a
    # fixed-sign number format); as on the cards, what rounds to zero is 0.0.
    import functools
    real = fv.collection_by

    @functools.wraps(real)
    def tiny_changes(*args, **kwargs):
        out = real(*args, **kwargs)
        changes = [-0.0004, 0.0004, -0.0163, 0.0163]
        return out.assign(change_last_season=changes[:len(out)] + [None] * (len(out) - 4),
                          change_households_last_season=[-c for c in changes][:len(out)]
                          + [0.0] * (len(out) - 4))

    monkeypatch.setattr(fv, "collection_by", tiny_changes)
    at = open_page(PAGE, lang, **WEEK)
    station = column_label("station", lang)
    grid = next(d for d in at.dataframe if station in d.value.columns)
    amount, households = (c for c in grid.value.columns if c.startswith(
        ("较上季同期", "Change vs last season")))
    assert cell_texts(grid, amount)[:4] == [f"0.0{words}", f"0.0{words}",
                                            f"-1.6{words}", f"+1.6{words}"]
    assert cell_texts(grid, households)[:4] == [f"0.0{words}", f"0.0{words}",
                                                f"+1.6{words}", f"-1.6{words}"]
    # the table still holds the points (they sort by value; the download has them)
    assert grid.value[amount].tolist()[:4] == pytest.approx([-0.04, 0.04, -1.63, 1.63])


def test_arrears_and_debtors(demo_copy):
    at = open_page(PAGE)
    period, filters = filters_of(at)
    con = db.connection()
    arrears = action_list(con, "arrears", period, filters)
    rows = fv.arrears_rows(con, period, filters)
    assert len(rows) == len(arrears)
    ages = table(at, "账龄")
    assert ages["欠费(元)"].sum() == pytest.approx(arrears["arrears_yuan"].sum())
    # the season's part is the arrears card
    card = summary(con, period, filters, kpi_ids=["fee_arrears_amount"])["fee_arrears_amount"]
    assert ages.loc[ages["账龄"] == "本季", "欠费(元)"].sum() == pytest.approx(card.value)
    debtors = table(at, "欠费供暖季")
    expected = fv.with_households(con, fv.largest_debtors(rows, 100))
    # the largest debtor owes what the arrears list says it owes
    top = expected.iloc[0]
    assert top["arrears_yuan"] == pytest.approx(
        arrears.loc[arrears["household_id"] == top["household_id"], "arrears_yuan"].sum())
    assert top["name"] == arrears.loc[arrears["household_id"] == top["household_id"],
                                      "name"].iloc[0]
    assert debtors["户号"].tolist() == expected["household_id"].tolist()
    arrears_label = column_label("arrears_yuan", "zh")
    assert debtors[arrears_label].tolist() == pytest.approx(expected["arrears_yuan"].tolist())
    assert debtors[arrears_label].iloc[0] == pytest.approx(expected["arrears_yuan"].max())


def test_daily_settlement(demo_copy):
    at = open_page(PAGE, **WEEK)
    period, filters = filters_of(at)
    con = db.connection()
    daily = action_list(con, "daily_receipts", period, filters)
    bars = figures(at)["receipts_by_day"]["data"]
    received = summary(con, period, filters, kpi_ids=["fee_collected_amount"])[
        "fee_collected_amount"]
    stacked = [tr for tr in bars if tr["type"] == "bar"]
    assert sum(sum(tr["y"]) for tr in stacked) == pytest.approx(received.value)

    day = at.selectbox(key="fees_day")
    assert day.value == daily["day"].dt.date.max()      # the latest day first
    settled = table(at, "收费员")
    part = daily[daily["day"].dt.date == day.value]
    assert settled["笔数"].sum() == part["receipts"].sum()
    assert settled["金额(元)"].sum() == pytest.approx(part["amount_yuan"].sum())

    missing = action_list(con, "receipts_without_invoice", period, filters)
    shown = table(at, "收据号")
    assert shown["收据号"].tolist() == missing["receipt_no"].tolist()
    assert f"缺发票号的收款({len(missing):,} 笔)" in shown_text(at)


def test_a_day_with_missing_invoices_is_flagged(demo_copy):
    at = open_page(PAGE, **WEEK)
    period, filters = filters_of(at)
    daily = action_list(db.connection(), "daily_receipts", period, filters)
    day = daily.loc[daily["receipts_without_invoice"] > 0, "day"].dt.date.iloc[0]
    at.selectbox(key="fees_day").set_value(day).run()
    settled = table(at, "收费员")
    flagged = settled[settled["需核对"] != ""]
    assert len(flagged) and (flagged["无发票笔数"] > 0).all()
    assert (settled.loc[settled["需核对"] == "", "无发票笔数"] == 0).all()


def test_leaks_listed(demo_copy):
    at = open_page(PAGE)
    period, filters = filters_of(at)
    con = db.connection()
    text = shown_text(at)
    full = action_list(con, "charged_in_full", period, filters)
    for name in ("unbilled_households", "bill_mismatches", "charged_in_full"):
        rows = action_list(con, name, period, filters)
        assert len(rows) > 0
        if name == "bill_mismatches":   # each bill once: those charged in full are there
            rows = rows[~rows["household_id"].isin(full["household_id"])]
        assert re.search(rf"{get_list_title(name)}\*\* · {len(rows)} 户", text), name
    assert len(at.get("download_button")) >= len(at.dataframe)
    # Money in the collection rate with nothing due beside it: counted in receipts.
    paid = action_list(con, "payments_without_bill", period, filters)
    assert len(paid) > 0
    assert re.search(rf"{get_list_title('payments_without_bill')}\*\* · {len(paid)} 笔", text)


def test_a_bill_in_two_leak_lists_is_listed_once_as_in_the_weekly_report(demo_copy):
    # 2025-W50: the page listed 11 bills whose amount differs, the weekly report
    # 6 "(不含已列入…的 5 项)"; the 5 stopped or exempt households charged in
    # full were in both of the page's lists.
    from reports import gather
    at = open_page(PAGE, **WEEK)
    period, filters = filters_of(at)
    con = db.connection()
    differ = action_list(con, "bill_mismatches", period, filters)
    full = action_list(con, "charged_in_full", period, filters)
    both = set(differ["household_id"]) & set(full["household_id"])
    assert len(both) == 5
    report = gather(con, "2025-W50", trends=False)
    text = shown_text(at)
    for name in ("bill_mismatches", "charged_in_full"):
        n = report.list_totals[name]
        assert re.search(rf"{get_list_title(name)}\*\* · {n} 户", text), name
    assert report.list_totals["bill_mismatches"] == len(differ) - len(both) == 6
    mismatches = table(at, "差额(元)")
    assert not set(mismatches["户号"]) & both
    in_full = next(d.value for d in at.dataframe if "户号" in d.value.columns
                   and set(d.value["户号"]) == set(full["household_id"]))
    assert both <= set(in_full["户号"])
    captions = [c.value for c in at.caption]
    assert "另有 5 户的金额也不符,但已列入“停热或减免户全额收费”:每户只列一次(与周报相同)。" \
        in captions
    assert "其中 5 户的金额也与 面积 × 单价 − 减免 不符,只列在这里,不再列入“金额不符账单”。" \
        in captions


def get_list_title(name: str) -> str:
    from i18n import t
    return re.escape(t(f"metrics.list.{name}", "zh"))


def test_phones_masked_for_viewers_without_permission(demo_copy, monkeypatch):
    import ui.tables
    monkeypatch.setattr(ui.tables, "can_see_personal", lambda: False)
    at = open_page(PAGE)
    seen = 0
    for df in at.dataframe:
        if "联系电话" in df.value.columns:
            phones = df.value["联系电话"].dropna()
            seen += len(phones)
            assert all(re.fullmatch(r"\d{3}\*{4}\d{4}", p) for p in phones)
    assert seen


def billed_households_behind(at):
    """Open the rows behind the households' collection rate: its denominator."""
    at.toggle(key="fees_by_drill").set_value(True).run()
    at.selectbox(key="fees_by_drill_kpi").set_value("fee_collection_rate_households").run()
    at.radio(key="fees_by_drill_part_fee_collection_rate_households").set_value(
        "denominator").run()
    return at


def test_drill_down_by_station(demo_copy):
    at = open_page(PAGE, **WEEK)
    period, filters = filters_of(at)
    billed_households_behind(at)
    at.selectbox(key="fees_by_drill_station").set_value(STATION).run()
    assert not at.exception
    rows = table(at, "来源行号")
    billed = query(db.connection(), "fee_collection_rate_households", period,
                   {**filters, "station": STATION}).iloc[0]
    n = int(billed["denominator"])
    assert n > 1000 and len(rows) == 1000      # the rest is in the download
    captions = [c.value for c in at.caption]
    assert f"共 {n:,} 行,每行注明来源文件和 Excel 行号。" in captions
    assert f"显示前 1,000 行,共 {n:,} 行;下载的 Excel 含全部行。" in captions
    assert set(rows["供热站"]) == {STATION}


def test_the_rows_behind_a_number_download_every_row(demo_copy, downloads):  # noqa: F811
    # Every bill of the season behind the households' collection rate: more
    # rows than the screen shows, all of them in the workbook, in scope.
    from test_table_cells import download_of
    at = open_page(PAGE, **WEEK)
    period, filters = filters_of(at)
    billed_households_behind(at)
    n = int(query(db.connection(), "fee_collection_rate_households", period,
                  filters).iloc[0]["denominator"])
    assert n > 5000
    assert f"共 {n:,} 行,每行注明来源文件和 Excel 行号。" in [c.value for c in at.caption]
    rows = download_of(downloads(at), "fees_by_drill_rows")
    assert len(rows) == n + 1


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_string_is_translated(demo_copy, lang):
    at = open_page(PAGE, lang, **WEEK)
    at.toggle(key="fees_drill").set_value(True).run()
    assert not untranslated(at)
    assert at.title[0].value == ("收费" if lang == "zh" else "Fees")
    if lang == "en":
        text = shown_text(at)
        assert "Cumulative collection rate" in text and "WeChat Pay" in text
    # Dates on the day axes as the language writes them, as on every other
    # chart (11月16日 / 16 Nov; they read "11-16")
    for key in ("collection_curve", "receipts_by_day"):
        assert figures(at)[key]["layout"]["xaxis"]["tickformat"] == \
            ("%-m月%-d日" if lang == "zh" else "%-d %b"), key


def test_the_arrears_by_age_amounts_fit_their_column_in_english(demo_copy):
    # At 1366 px the table sat in two fifths of the page: the amount column
    # read "1,63…". It comes third, as wide as its longest amount needs.
    from ui.tables import CHAR_PX
    at = open_page(PAGE, "en")
    header = "Arrears (yuan)"
    grid = next(d for d in at.dataframe if "Age" in d.value.columns
                and header in d.value.columns)
    width = column_settings(grid, header)["width"]
    longest = max(len(f"{v:,.2f}") for v in grid.value[header].dropna())
    assert longest >= 9                        # the demo's amounts run to ¥1,000,000s
    assert isinstance(width, int) and width >= CHAR_PX * longest + 16, (width, longest)
    # right after the two columns naming the row: on screen even when the
    # grid is narrower than its columns (the amount was the fifth of six)
    assert list(grid.value.columns[:3]) == ["Age", "Payment", header]


def test_no_invoice_marks_are_smaller_over_a_season():
    # A red mark over every day with a receipt lacking an invoice crowded the
    # bars of a season's ~120 days; a week's marks stay full size.
    import pandas as pd

    from ui.fee_charts import receipts_by_day

    def marks(days: int) -> int:
        df = pd.DataFrame({"day": pd.date_range("2025-11-15", periods=days), "method": "现金",
                           "amount_yuan": 100.0, "receipts_without_invoice": 1})
        (mark,) = [tr for tr in receipts_by_day(df, "zh").data if tr.type == "scatter"]
        assert len(mark.x) == days
        return mark.marker.size

    assert marks(7) == 11 and marks(120) == 7


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_whole_season_says_its_prepayments(demo_copy, lang):
    """The collection rate counts the season's prepayments (September to 14
    November); a whole season's receipts start on 15 November: the page says
    how much was paid before, summed here from the payments themselves."""
    at = open_page(PAGE, lang, season="2025-2026", period="season")
    con = db.connection()
    amount, receipts = con.execute(
        "SELECT sum(amount), count(*) FROM fee_payments "
        "WHERE season = '2025-2026' AND paid_at < DATE '2025-11-15'").fetchone()
    assert receipts > 0
    text = shown_text(at)
    if lang == "zh":
        assert f"所选时段开始(2025年11月15日)前已预缴 ¥{amount:,.2f}({receipts:,} 笔)" in text
    else:
        assert f"¥{amount:,.2f} of this season" in text
        assert f"was prepaid before the chosen period began on 15 Nov 2025 ({receipts:,} " \
            "payments)" in text
    # A period from before the season: what it does not receive is what was
    # paid before it began (its own receipts hold the rest).
    early = open_page(PAGE, lang, season="2025-2026", period="range", **{
        "from": "2025-10-01", "to": "2025-12-07"})
    before, n = con.execute(
        "SELECT sum(amount), count(*) FROM fee_payments "
        "WHERE season = '2025-2026' AND paid_at < DATE '2025-10-01'").fetchone()
    said = ("(2025年10月1日)前已预缴 ¥{:,.2f}" if lang == "zh" else "¥{:,.2f} of this season")
    assert said.format(before) in shown_text(early)
    assert said.format(amount) not in shown_text(early)
    # A week in the season starts after the prepayments: nothing to say.
    week = open_page(PAGE, lang, **WEEK)
    assert "前已预缴" not in shown_text(week) and "was prepaid" not in shown_text(week)


def test_each_lists_finding_is_among_its_first_columns(demo_copy):
    # At 1366 px a table shows about seven columns before it scrolls: the
    # largest debtors' arrears were the 15th column, a bill's difference from
    # the tariff the 14th.
    at = open_page(PAGE, **WEEK)
    col = column_label

    for marker, finding in (("last_paid_at", "arrears_yuan"), ("difference_yuan", "difference_yuan"),
                            ("full_yuan", "full_yuan"), ("receipt_no", "amount")):
        grids = [list(d.value.columns) for d in at.dataframe if col(marker) in d.value.columns]
        assert grids, marker
        assert all(g.index(col(finding)) < 5 for g in grids if col(finding) in g), (marker, grids)
        assert any(col(finding) in g for g in grids), (marker, grids)


def test_the_pickers_stay_after_another_page(demo_copy):
    # A clerk picks the community level and an earlier day, opens the
    # tickets page and comes back: the page menu drops a control's state,
    # and both went back to their first choice (station, the latest day).
    at = open_page(PAGE, **WEEK)
    period, filters = filters_of(at)
    daily = action_list(db.connection(), "daily_receipts", period, filters)
    days = sorted(daily["day"].dt.date.unique())
    assert len(days) > 1
    at.segmented_control(key="fees_level").set_value("community").run()
    at.selectbox(key="fees_day").set_value(days[0]).run()
    at.switch_page("pages/tickets.py").run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.segmented_control(key="fees_level").value == "community"
    assert "小区" in table(at, "小区").columns
    assert at.selectbox(key="fees_day").value == days[0]
    # A day the new filters do not have is not kept: the latest day again.
    at.switch_page("pages/tickets.py").run()
    at.selectbox(key="f_week").set_value("2025-W48").run()
    at.switch_page(PAGE).run()
    assert not at.exception
    period, filters = filters_of(at)
    latest = action_list(db.connection(), "daily_receipts", period, filters)["day"].dt.date.max()
    assert at.selectbox(key="fees_day").value == latest
