"""The fees page's views (metrics/fee_views.py) on the hand-built warehouse of
metrics/testing.py; the bills and receipts are tabled in test_metrics_fees.py.

Period 2025-12-01 .. 2025-12-07, cut-off 2025-12-08 00:00; fee season
2025-2026, whose first day is 2025-11-15 (day 0).

  Receipts for 2025-2026 by the cut-off, by day:
    11-01  p1  1840.00    cumulative 1840.00   (day -14)
    11-10  p10 1610.00               3450.00   (day -5)
    12-02  p2  1000.00               4450.00
    12-03  p4   300.00               4750.00
    12-04  p5   -50.00               4700.00   (reversal)
    12-05  p3  2100.39               6800.39
    12-06  p8   500.00               7300.39   (h6 has no bill: still collected)
    12-07  p7  1000.00               8300.39   (p6 at 12-08 00:00 is after the cut-off)
  Due for 2025-2026: 9310.40.

  Arrears at the cut-off: h2 0.01, h3 440.00, h4 1070.00 (2025-2026, each partly
  paid, 22 days after the season began) and h1 800.00 (b6 for 2024-2025: 1800
  due, p9 paid 1000 on 2025-12-02, 387 days after that season began).
"""
from __future__ import annotations

import datetime as dt

import pytest

from metrics import Period, action_list, compare, query, summary
from metrics import fee_views as fv
from metrics.display import changes
from metrics.period import as_period
from metrics.testing import PAYMENTS, WEEK, ZC, ZD, add_fees, add_households

PAID, DUE = 8300.39, 9310.40


@pytest.fixture
def wh(con):
    add_households(con)
    add_fees(con)
    return con


def curve(wh, which="this", period=WEEK, **kw):
    df = fv.collection_curve(wh, period, **kw)
    return df[df["curve"] == which].reset_index(drop=True)


def test_collection_curve_day_by_day(wh):
    df = curve(wh)
    # every day from the first receipt (11-01) to the cut-off day (12-07)
    assert str(df["day"].iloc[0])[:10] == "2025-11-01"
    assert len(df) == 37
    assert df["season_day"].iloc[0] == -14 and df["season_day"].iloc[-1] == 22
    cum = dict(zip(df["day"].astype(str).str[:10], df["paid_cum_yuan"]))
    assert cum["2025-11-01"] == pytest.approx(1840.00)
    assert cum["2025-11-09"] == pytest.approx(1840.00)       # a day without receipts
    assert cum["2025-11-10"] == pytest.approx(3450.00)
    assert cum["2025-12-04"] == pytest.approx(4700.00)       # the reversal
    assert cum["2025-12-07"] == pytest.approx(PAID)
    assert df["due_yuan"].tolist() == pytest.approx([DUE] * 37)
    assert df["rate"].iloc[-1] == pytest.approx(PAID / DUE)
    assert df["receipts"].sum() == 8


def test_the_curve_ends_at_the_kpi(wh):
    for filters in (None, {"branch": ZC}, {"station": "S1"}):
        r = summary(wh, WEEK, filters, kpi_ids=["fee_collection_rate_amount"])[
            "fee_collection_rate_amount"]
        df = curve(wh, filters=filters)
        assert df["paid_cum_yuan"].iloc[-1] == pytest.approx(r.numerator)
        assert df["due_yuan"].iloc[-1] == pytest.approx(r.denominator)
        assert df["rate"].iloc[-1] == pytest.approx(r.value)


def test_a_period_not_over_ends_on_its_cut_off_day(wh):
    # Up to 2025-12-03 14:00: the curve's last day is 12-03 (p4's 300 paid
    # 12-03 10:00 in it: 4750.00, as the KPI counts), not 12-02; the arrears
    # are 18 days old (11-15 to 12-03), not 17.
    sofar = as_period(WEEK).so_far(dt.datetime(2025, 12, 3, 14, 0))
    df = curve(wh, period=sofar)
    assert str(df["day"].iloc[-1])[:10] == "2025-12-03"
    r = summary(wh, sofar, kpi_ids=["fee_collection_rate_amount"])["fee_collection_rate_amount"]
    assert df["paid_cum_yuan"].iloc[-1] == pytest.approx(r.numerator) == pytest.approx(4750.00)
    ages = action_list(wh, "fee_season_arrears", sofar).set_index("household_id")["age_days"]
    assert ages["h3"] == 18


def test_the_curve_filtered(wh):
    # 淄川 (h4 h5 h6): p10 1610 (11-10), p8 500 (12-06), p7 1000 (12-07); due 2070 + 1610
    df = curve(wh, filters={"branch": ZC})
    assert df["day"].astype(str).str[:10].iloc[0] == "2025-11-10"
    assert df["paid_cum_yuan"].iloc[-1] == pytest.approx(3110.0)
    assert df["due_yuan"].iloc[-1] == pytest.approx(3680.0)


def test_last_seasons_curve(wh):
    # 2024-2025 (2024-11-15 .. 2025-03-15): b6 1800 due; p9, its only receipt, was
    # taken on 2025-12-02, after that season: the curve stays at 0 all season
    df = curve(wh, "last")
    assert len(df) == 121
    assert df["season_day"].tolist() == list(range(121))
    assert (df["paid_cum_yuan"] == 0).all() and (df["due_yuan"] == 1800.0).all()
    assert (df["rate"] == 0).all()
    assert set(fv.collection_curve(wh, WEEK)["season"]) == {"2025-2026", "2024-2025"}


def test_the_curve_meets_last_season_at_the_same_point(wh):
    # the same point of last season, as compare() takes it, lies on last season's curve
    period = Period("2025-12-01", "2025-12-07", "2025-2026")
    row = compare(wh, "fee_collection_rate_amount", period).iloc[0]
    last = curve(wh, "last", period)
    point = last[last["season_day"] == (period.end - dt.date(2025, 11, 15)).days]
    assert point["rate"].item() == pytest.approx(row["last_season_value"])


def test_collection_by_branch(wh):
    df = fv.collection_by(wh, "branch", WEEK).set_index("branch")
    zd, zc = df.loc[ZD], df.loc[ZC]
    # 张店: due 1840 + 3100.40 + 690; paid 1840 + 1000 + 2100.39 + 300 - 50
    assert (zd["due_yuan"], zd["paid_yuan"]) == (pytest.approx(5630.40), pytest.approx(5190.39))
    # h1 paid in full; h2 0.01 short; h3 440 short
    assert (zd["households_paid"], zd["households_billed"]) == (1, 3)
    assert zd["arrears_yuan"] == pytest.approx(440.01)
    # 淄川: h4 1000 of 2070; h5 paid in full
    assert (zc["households_paid"], zc["households_billed"]) == (1, 2)
    assert zc["arrears_yuan"] == pytest.approx(1070.0)
    assert zc["rate_amount"] == pytest.approx(3110 / 3680)


def test_collection_by_equals_the_kpis(wh):
    for level in fv.LEVELS:
        df = fv.collection_by(wh, level, WEEK)
        for kpi, col in (("fee_collection_rate_amount", "rate_amount"),
                         ("fee_collection_rate_households", "rate_households"),
                         ("fee_arrears_amount", "arrears_yuan")):
            expected = query(wh, kpi, WEEK, by=level).set_index(level)["value"]
            got = df.set_index(level)[col]
            for key, value in expected.items():
                assert got[key] == pytest.approx(value, nan_ok=True)


def test_collection_by_gives_both_rates_at_the_same_point_of_last_season(wh):
    # DESIGN 2.3: the rate by amount and by households, per slice, against the
    # same point of last season: each the KPI's for that slice a season back.
    last = as_period(WEEK).last_season()
    for level in fv.LEVELS:
        got = fv.collection_by(wh, level, WEEK).set_index(level)
        for kpi, col in (("fee_collection_rate_amount", "rate_amount_last_season"),
                         ("fee_collection_rate_households", "rate_households_last_season")):
            expected = query(wh, kpi, last, by=level).set_index(level)["value"]
            assert got[col].notna().any(), (level, col)
            for key in got.index.dropna():
                want = expected.get(key, float("nan"))   # no bill last season: empty
                assert got.loc[key, col] == pytest.approx(want, nan_ok=True), (level, col, key)
        # the difference of the two rates as shown (to 0.1 point)
        change = changes("percent", got["rate_households"], got["rate_households_last_season"])
        assert got["change_households_last_season"].tolist() == pytest.approx(
            change.tolist(), nan_ok=True)


def test_collection_by_rejects_an_unknown_level(wh):
    with pytest.raises(ValueError):
        fv.collection_by(wh, "building; drop table fee_bills", WEEK)


def test_arrears_rows_are_the_list_narrowed(wh):
    rows = fv.arrears_rows(wh, WEEK)
    full = action_list(wh, "arrears", WEEK)
    assert list(rows.columns) == list(fv.ARREARS_COLUMNS)
    key = ["household_id", "season"]
    assert rows.sort_values(key).reset_index(drop=True).equals(
        full[list(rows.columns)].sort_values(key).reset_index(drop=True))
    assert set(fv.arrears_rows(wh, WEEK, scope=ZC)["household_id"]) == {"h4"}
    assert set(fv.arrears_rows(wh, WEEK, {"station": "S2"})["household_id"]) == {"h3"}


def test_arrears_by_age(wh):
    df = fv.arrears_by_age(fv.arrears_rows(wh, WEEK))
    rows = list(df.itertuples(index=False, name=None))
    assert rows == [
        # this season: h2 0.01 + h3 440 + h4 1070, each partly paid, 22 days old
        (0, True, 3, 3, pytest.approx(1510.01), 22),
        # last season: h1's 1800 less p9's 1000; 2024-11-15 .. 2025-12-07
        (1, True, 1, 1, pytest.approx(800.0), 387)]
    assert df["arrears_yuan"].sum() == pytest.approx(
        action_list(wh, "arrears", WEEK)["arrears_yuan"].sum())


def test_arrears_by_age_bands_old_seasons_together(wh):
    arrears = action_list(wh, "arrears", WEEK)
    arrears.loc[arrears["season"] == "2024-2025", "seasons_behind"] = 4
    df = fv.arrears_by_age(arrears)
    assert df["seasons_behind"].tolist() == [0, fv.OLDEST_AGE_BAND]
    assert fv.arrears_by_age(arrears.iloc[0:0]).empty


def debtors(con, limit=None, scope=None):
    return fv.with_households(con, fv.largest_debtors(fv.arrears_rows(con, WEEK), limit), scope)


def test_largest_debtors(wh):
    df = debtors(wh)
    assert df["household_id"].tolist() == ["h4", "h1", "h3", "h2"]
    assert df["arrears_yuan"].tolist() == [1070.0, 800.0, 440.0, 0.01]
    h1 = df.iloc[1]
    assert (h1["seasons"], h1["bills"], h1["due_yuan"], h1["paid_yuan"], h1["age_days"]) == (
        "2024-2025", 1, 1800.0, 1000.0, 387)
    assert (h1["name"], h1["phone"]) == ("赵一", "13000000001")
    assert h1["last_paid_at"].isoformat() == "2025-12-02T11:00:00"      # p9
    assert debtors(wh, limit=2)["household_id"].tolist() == ["h4", "h1"]
    # the roster's details never reach outside the scope
    assert debtors(wh, scope=ZD)["household_id"].tolist() == ["h1", "h3", "h2"]
    assert fv.largest_debtors(fv.arrears_rows(wh, WEEK).iloc[0:0]).empty
    assert {"name", "phone", "address", "room"} <= set(df.attrs["personal_columns"])


def test_largest_debtors_sum_seasons(con):
    # without p1, h1 owes 800 for 2024-2025 and 1840 for 2025-2026
    add_households(con)
    add_fees(con, payments={k: v for k, v in PAYMENTS.items() if k != "p1"})
    df = debtors(con)
    h1 = df.iloc[0]
    assert (h1["household_id"], h1["arrears_yuan"], h1["seasons"], h1["bills"]) == (
        "h1", pytest.approx(2640.0), "2024-2025、2025-2026", 2)
    assert h1["age_days"] == 387


def test_receipts_by_day(wh):
    daily = action_list(wh, "daily_receipts", WEEK)
    df = fv.receipts_by_day(daily)
    first = df.iloc[0]
    # 12-02: p2 1000 现金 (no invoice) and p9 1000 现金 (for 2024-2025, still taken that day)
    assert (str(first["day"])[:10], first["method"], first["receipts"], first["amount_yuan"],
            first["receipts_without_invoice"], first["amount_without_invoice_yuan"]) == (
        "2025-12-02", "现金", 2, 2000.0, 1, 1000.0)
    total = summary(wh, WEEK, kpi_ids=["fee_collected_amount"])["fee_collected_amount"].value
    assert df["amount_yuan"].sum() == pytest.approx(total) == pytest.approx(5850.39)
    # p2 (none) and p4 (spaces) lack an invoice number
    assert df["receipts_without_invoice"].sum() == len(
        action_list(wh, "receipts_without_invoice", WEEK)) == 2


def test_settlement_of_day(wh):
    daily = action_list(wh, "daily_receipts", WEEK)
    df = fv.settlement_of_day(daily, dt.date(2025, 12, 2))
    assert list(df.itertuples(index=False, name=None)) == [
        ("刘红", "现金", 2, 2000.0, 1, 1000.0)]
    assert fv.settlement_of_day(daily, dt.date(2025, 12, 1)).empty
    assert fv.settlement_of_day(daily.iloc[0:0], dt.date(2025, 12, 2)).empty


def test_collection_by_lists_the_highest_rate_first(wh):
    # The page's chart puts the best slice at the top; its table beside it was
    # in name order, so the two read in different orders.
    for level in fv.LEVELS:
        rates = fv.collection_by(wh, level, WEEK)["rate_amount"].dropna().tolist()
        assert len(rates) >= 2 and rates == sorted(rates, reverse=True), level


def test_views_follow_the_scope(wh):
    # 张店 sees none of 淄川's receipts or debts
    for df in (curve(wh, scope=ZD), fv.collection_by(wh, "station", WEEK, scope=ZD)):
        assert not df.empty
    stations = fv.collection_by(wh, "station", WEEK, scope=ZD)["station"].tolist()
    assert set(stations) <= {"S1", "S2"}
    assert curve(wh, scope=ZD)["paid_cum_yuan"].iloc[-1] == pytest.approx(5190.39)


def test_the_coming_seasons_collection_between_two_seasons(wh):
    # 27 Oct - 2 Nov 2025 lies between 2024-2025 (ended 15 Mar 2025) and
    # 2025-2026 (starts 15 Nov): its fee KPIs read 2024-2025, the season that
    # ended. The coming season is billed (9310.40 due, b1..b5) and p1 paid
    # 1840.00 on 11-01, before the cut-off 11-03 00:00 (p10, 11-10, is after):
    #   by amount      1840.00 / 9310.40 = 19.76 %
    #   by households  h1 fully paid of 5 billed = 20 %
    #   the week before (20-26 Oct, cut-off 10-27): nothing paid, 0 / 9310.40
    #   the same point of the season before (27 Oct - 2 Nov 2024, 19 days
    #   before its start): 2024-2025's only receipt, p9, is of 2025-12-02,
    #   so 0 / 1800.00 (b6)
    period = Period(dt.date(2025, 10, 27), dt.date(2025, 11, 2))
    assert (period.fee_season, period.coming_season) == ("2024-2025", "2025-2026")
    c = fv.coming_collection(wh, period)
    assert c.season == "2025-2026"
    assert (c.amount.numerator, c.amount.denominator) == (pytest.approx(1840.0),
                                                          pytest.approx(9310.40))
    assert c.amount.value == pytest.approx(1840 / 9310.40)
    assert (c.households.numerator, c.households.denominator) == (1, 5)
    assert (c.previous.numerator or 0, c.previous.denominator) == (0, pytest.approx(9310.40))
    assert c.previous.value == 0
    assert (c.last_season.numerator or 0, c.last_season.denominator) == (0, pytest.approx(1800.0))
    # A week of the season reads its own season: nothing coming
    assert as_period(WEEK).coming_season is None and fv.coming_collection(wh, WEEK) is None
    # A week between seasons before any receipt of the coming one: nothing to say
    assert fv.coming_collection(wh, Period(dt.date(2025, 7, 7), dt.date(2025, 7, 13))) is None
