"""Fee KPIs and lists on a hand-built warehouse (metrics/testing.py).

Period 2025-12-01 .. 2025-12-07, cut-off 2025-12-08 00:00; fee season 2025-2026.

  bill  household          area x price  exemption  due       notes
  b1    h1 张店 S1         80 x 23       0          1840.00
  b2    h2 张店 S1         100 x 31      0          3100.40   0.40 off the tariff: within 0.5
  b3    h3 张店 S2         60 x 23       690        690.00    exemption applied
  b4    h4 淄川 S3         90 x 23       500        2070.00   exemption not applied (full)
  b5    h5 淄川 S3 停热    70 x 23       0          1610.00   stopped, charged in full (322 due)
  b6    h1 (2024-2025)     80 x 22.5     0          1800.00   last season
  (h6 淄川 S3 is heated and has no bill)

  receipt household season     paid at           amount    collector method  invoice
  p1      h1        2025-2026  11-01 09:00       1840.00   刘红      微信    INV1
  p2      h2        2025-2026  12-02 10:00       1000.00   刘红      现金    —
  p3      h2        2025-2026  12-05 14:00       2100.39   刘红      POS刷卡 INV3
  p4      h3        2025-2026  12-03 09:00        300.00   王丽娟    现金    (spaces)
  p5      h3        2025-2026  12-04 09:00        -50.00   王丽娟    现金    INV5  (reversal)
  p6      h4        2025-2026  12-08 00:00       2070.00   韩雪      微信    INV6  (at the cut-off)
  p7      h4        2025-2026  12-07 23:59       1000.00   韩雪      微信    INV7
  p8      h6        2025-2026  12-06 10:00        500.00   韩雪      支付宝  INV8  (no bill)
  p9      h1        2024-2025  12-02 11:00       1000.00   刘红      现金    INV9
  p10     h5        2025-2026  11-10 09:00       1610.00   韩雪      微信    INV10
"""
from __future__ import annotations

import pandas as pd
import pytest

from metrics import MetricError, Period, action_list, drill, query, summary
from metrics.testing import STORAGE, WEEK, ZC, ZD, add_fees, add_households, bill, use_storage


@pytest.fixture(params=STORAGE)
def wh(con, request):
    """The fees computed from the SQL files, or read from the fee ledger a load
    keeps: every test here runs both ways."""
    add_households(con)
    add_fees(con)
    return use_storage(con, request.param)


def one(con, kpi, period=WEEK, **kw):
    row = query(con, kpi, period, **kw).iloc[0]
    return row["numerator"], row["denominator"], row["value"]


# Paid for 2025-2026 by the cut-off: p1 1840 + p2 1000 + p3 2100.39 + p4 300 - p5 50
# + p7 1000 + p8 500 + p10 1610 = 8300.39 (p6 is at the cut-off, p9 is for 2024-2025)
# Due for 2025-2026: 1840 + 3100.40 + 690 + 2070 + 1610 = 9310.40
PAID, DUE = 8300.39, 9310.40


def test_fee_collection_rate_amount(wh):
    n, d, v = one(wh, "fee_collection_rate_amount")
    assert (n, d) == (pytest.approx(PAID), pytest.approx(DUE))
    assert v == pytest.approx(PAID / DUE)


def test_fee_collection_rate_amount_scoped(wh):
    # 淄川 (h4 h5 h6): paid p7 1000 + p8 500 + p10 1610 = 3110; due b4 2070 + b5 1610 = 3680
    assert one(wh, "fee_collection_rate_amount", scope=ZC) == (
        pytest.approx(3110.0), pytest.approx(3680.0), pytest.approx(3110 / 3680))


def test_fee_collection_rate_amount_by_branch_adds_up(wh):
    # 张店: paid 1840 + 1000 + 2100.39 + 300 - 50 = 5190.39; due 1840 + 3100.40 + 690 = 5630.40
    df = query(wh, "fee_collection_rate_amount", WEEK, by="branch")
    assert df["branch"].tolist() == [ZD, ZC]
    assert df["numerator"].tolist() == pytest.approx([5190.39, 3110.0])
    assert df["denominator"].tolist() == pytest.approx([5630.40, 3680.0])
    assert df["numerator"].sum() == pytest.approx(PAID)


def test_fee_collection_rate_households(wh):
    # billed: h1..h5 = 5. fully paid (paid >= due - 0.005):
    # h1 1840 >= 1839.995 yes; h2 3100.39 < 3100.395 no (a fen short);
    # h3 300 - 50 = 250 (partial) no; h4 1000 (p6 after the cut-off) no; h5 1610 yes -> 2/5
    assert one(wh, "fee_collection_rate_households") == (2, 5, 0.4)


def test_fee_collection_rate_households_at_season_start(wh):
    # cut-off 2025-11-15: h1 (p1 11-01) and h5 (p10 11-10) paid -> 2/5; paid 3450
    p = Period("2025-11-09", "2025-11-15")
    assert one(wh, "fee_collection_rate_households", p)[:2] == (2, 5)
    assert one(wh, "fee_collection_rate_amount", p)[0] == pytest.approx(1840 + 1610)


def test_fee_arrears_amount(wh):
    # h2 3100.40 - 3100.39 = 0.01; h3 690 - 250 = 440; h4 2070 - 1000 = 1070 -> 1510.01
    n, d, v = one(wh, "fee_arrears_amount")
    # an amount has no denominator (a season without bills has no arrears
    # figure at all: test_a_season_without_bills_has_no_arrears_figure)
    assert v == pytest.approx(1510.01) and n == v and d is None


def test_a_slice_without_bills_has_no_arrears_figure(wh):
    # h9 (station S4) paid 300 without a bill: S4 has no billed household, so
    # like its collection rate by households it has no arrears figure (not 0).
    from metrics.fee_views import collection_by
    from metrics.testing import insert, payment
    insert(wh, "households", [dict(household_id="h9", branch="淄川分公司", station="S4")])
    insert(wh, "fee_payments", [payment("p11", "h9", "2025-12-02 09:00", 300.0, "现金",
                                        "刘红", "X")])
    arrears = query(wh, "fee_arrears_amount", WEEK, by="station")
    assert "S4" not in set(arrears["station"])
    assert arrears["numerator"].sum() == pytest.approx(1510.01)
    by = collection_by(wh, "station", WEEK).set_index("station")
    assert by.loc["S4", "paid_yuan"] == pytest.approx(300.0)
    assert pd.isna(by.loc["S4", "households_billed"]) and pd.isna(by.loc["S4", "arrears_yuan"])


def test_a_season_without_bills_has_no_arrears_figure(wh):
    # 2026-2027 has no bill yet: its arrears are unknown, not ¥0.00 (which
    # read as "nobody owes" beside last season's figure), as its collection
    # rates are (value null over 0 bills); an amount still has no denominator.
    res = summary(wh, ("2026-12-01", "2026-12-07"))
    assert res["fee_arrears_amount"].asdict() == {"value": None, "numerator": 0.0,
                                                  "denominator": None}
    assert res["fee_collection_rate_households"].asdict() == {"value": None, "numerator": 0,
                                                              "denominator": 0}
    assert summary(wh, WEEK)["fee_arrears_amount"].asdict() == {
        "value": pytest.approx(1510.01), "numerator": pytest.approx(1510.01), "denominator": None}
    # the same through query, by station: a null denominator, never a count
    by = query(wh, "fee_arrears_amount", ("2026-12-01", "2026-12-07"), by="station")
    assert by["value"].isna().all() and by["denominator"].isna().all()


def test_fee_arrears_amount_explicit_season(wh):
    # 2024-2025 at the same cut-off: b6 1800 - p9 1000 = 800
    p = Period("2025-12-01", "2025-12-07", season="2024-2025")
    assert one(wh, "fee_arrears_amount", p)[2] == pytest.approx(800.0)
    assert one(wh, "fee_collection_rate_amount", p)[:2] == (pytest.approx(1000.0),
                                                             pytest.approx(1800.0))


def test_a_summer_week_reads_the_season_that_ended(wh):
    # 2026-06-01 .. 06-07 holds no heating day: the fee KPIs read 2025-2026,
    # the season that ended (Period.fee_season), not 2026-2027, whose bills are
    # not issued. Paid for 2025-2026 by 06-08 00:00: 8300.39 + p6 2070 = 10370.39;
    # due 9310.40. The help text says which season a period reads.
    p = Period("2026-06-01", "2026-06-07")
    assert p.fee_season == "2025-2026"
    assert one(wh, "fee_collection_rate_amount", p)[:2] == (pytest.approx(PAID + 2070.0),
                                                             pytest.approx(DUE))
    from metrics import get
    zh, en = (get("fee_collection_rate_amount").text(lang)[1] for lang in ("zh", "en"))
    assert "最近结束" in zh and "归下一季" not in zh
    assert "most recently ended" in en and "belongs to the coming one" not in en


def test_fee_collected_amount(wh):
    # taken in the period, any season: p2 1000 + p3 2100.39 + p4 300 - p5 50 + p7 1000
    # + p8 500 + p9 1000 = 5850.39
    assert one(wh, "fee_collected_amount")[2] == pytest.approx(5850.39)


def test_fee_collected_amount_by_collector(wh):
    # 刘红 p2 p3 p9 = 4100.39; 王丽娟 p4 p5 = 250; 韩雪 p7 p8 = 1500
    df = query(wh, "fee_collected_amount", WEEK, by="collector")
    assert dict(zip(df["collector"], df["value"])) == pytest.approx(
        {"刘红": 4100.39, "王丽娟": 250.0, "韩雪": 1500.0})
    assert one(wh, "fee_collected_amount", filters={"collector": "王丽娟"})[2] == 250.0


def test_fee_collected_amount_by_day(wh):
    df = query(wh, "fee_collected_amount", WEEK, by="day")
    assert [(d.day, v) for d, v in zip(df["day"], df["value"])] == [
        (2, 2000.0), (3, 300.0), (4, -50.0), (5, 2100.39), (6, 500.0), (7, 1000.0)]


def test_fee_kpis_reject_ticket_filters(wh):
    with pytest.raises(MetricError) as exc:
        query(wh, "fee_collection_rate_amount", WEEK, filters={"collector": "刘红"})
    assert exc.value.code == "dimension_not_supported"
    with pytest.raises(MetricError) as exc:
        query(wh, "fee_collection_rate_amount", WEEK, by="week")
    assert exc.value.code == "group_by_not_supported"


def test_summary_fees(wh):
    res = summary(wh, WEEK)
    assert res["fee_collection_rate_households"].asdict() == {"value": 0.4, "numerator": 2,
                                                              "denominator": 5}
    assert res["fee_arrears_amount"].value == pytest.approx(1510.01)
    assert res["fee_collection_rate_amount"].numerator == pytest.approx(PAID)


def test_collection_drill(wh):
    # numerator: the receipts for the season by the cut-off (p1..p5, p7, p8, p10 =
    # csv rows 3..7, 9, 10, 12); denominator: the season's bills (xls rows 4..8)
    num = drill(wh, "fee_collection_rate_amount", WEEK, "numerator")
    assert sorted(num["receipt_no"]) == sorted(["p1", "p2", "p3", "p4", "p5", "p7", "p8", "p10"])
    assert sorted(num["source_row"]) == [3, 4, 5, 6, 7, 9, 10, 12]
    assert set(num["file_name"]) == {"收费明细.csv"}
    assert num["amount"].sum() == pytest.approx(PAID)
    den = drill(wh, "fee_collection_rate_amount", WEEK, "denominator")
    assert sorted(den["source_row"]) == [4, 5, 6, 7, 8]
    assert set(den["file_name"]) == {"收费台账.xls"}
    paid = drill(wh, "fee_collection_rate_households", WEEK, "numerator")
    assert sorted(paid["household_id"]) == ["h1", "h5"]


def test_arrears(wh):
    # 2025-2026: h4 1070, h3 440, h2 0.01 (22 days since 11-15 at 12-07);
    # 2024-2025: h1 1800 - 1000 = 800 (387 days since 2024-11-15)
    df = action_list(wh, "arrears", WEEK)
    assert df[["household_id", "season", "arrears_yuan", "age_days", "seasons_behind"]] \
        .values.tolist() == [["h4", "2025-2026", 1070.0, 22, 0], ["h1", "2024-2025", 800.0, 387, 1],
                             ["h3", "2025-2026", 440.0, 22, 0], ["h2", "2025-2026", 0.01, 22, 0]]
    # the season's rows add up to the KPI
    season = df[df["seasons_behind"] == 0]["arrears_yuan"].sum()
    assert season == pytest.approx(query(wh, "fee_arrears_amount", WEEK)["value"].iloc[0])
    assert {"name", "phone", "address"} <= set(df.attrs["personal_columns"])


def test_fee_season_arrears(wh):
    # the fee season's bills of the arrears list, the largest first: together
    # the arrears KPI (h1's 2024-2025 bill is left out)
    df = action_list(wh, "fee_season_arrears", WEEK)
    assert df[["household_id", "season", "arrears_yuan"]].values.tolist() == [
        ["h4", "2025-2026", 1070.0], ["h3", "2025-2026", 440.0], ["h2", "2025-2026", 0.01]]
    assert df["arrears_yuan"].sum() == pytest.approx(
        query(wh, "fee_arrears_amount", WEEK)["value"].iloc[0])
    every = action_list(wh, "arrears", WEEK)
    assert df.equals(every[every["in_fee_season"]].reset_index(drop=True))
    top = action_list(wh, "fee_season_arrears", WEEK, limit=1)
    assert top["household_id"].tolist() == ["h4"] and top.attrs["total_rows"] == 3


def test_bill_mismatches(wh):
    # expected = area x price (x 0.20 when stopped) - exemption
    # b5: 70 x 23 x 0.2 = 322 -> 1610 - 322 = 1288; b4: 2070 - 500 = 1570 -> +500;
    # b2: 3100.40 - 3100 = 0.40 is within the 0.5 tolerance; b1, b3 exact
    df = action_list(wh, "bill_mismatches", WEEK)
    assert df[["household_id", "expected_yuan", "difference_yuan"]].values.tolist() == [
        ["h5", 322.0, 1288.0], ["h4", 1570.0, 500.0]]


def test_a_bill_that_cannot_be_checked_is_listed(wh):
    # h6 (heated, 淄川 S3) gets a bill with no unit price (only bills carry
    # one): 9,999 due cannot be checked, so it is listed, last (no difference
    # to sort by), and never taken as right.
    wh.execute("INSERT INTO fee_bills (household_id, season, heated_area_m2, unit_price, "
               "exemption, amount_due, batch_id, source_row) "
               "VALUES ('h6', '2025-2026', 85, NULL, 0, 9999, 1, 99)")
    df = action_list(wh, "bill_mismatches", WEEK)
    assert df["household_id"].tolist() == ["h5", "h4", "h6"]
    row = df.set_index("household_id").loc["h6"]
    assert bool(row["cannot_check"]) and pd.isna(row["expected_yuan"])
    assert not df.set_index("household_id").loc[["h5", "h4"], "cannot_check"].any()


def test_charged_in_full(wh):
    # h4 has an exemption yet pays 90 x 23 = 2070; h5 is stopped yet pays 70 x 23
    df = action_list(wh, "charged_in_full", WEEK)
    assert df[["household_id", "stopped_charged_full", "exempt_charged_full"]] \
        .values.tolist() == [["h4", False, True], ["h5", True, False]]


@pytest.mark.parametrize("due, listed", [(1510.00, True), (1509.60, True), (1509.40, False),
                                         (222.00, False)])
def test_a_stopped_household_with_an_exemption_billed_as_heated_is_charged_in_full(con, due,
                                                                                     listed):
    # h5 stopped, 70 x 23 = 1610 with a 100 exemption: heated it would owe
    # 1610 - 100 = 1510, stopped 1610 x 0.2 - 100 = 222. Billed 1510 (or within
    # the 0.5 tolerance of it) it was charged as a heated household.
    add_households(con)
    add_fees(con, {"b5": bill("h5", 70.0, 23.0, 100.0, due, "停热")})
    df = action_list(con, "charged_in_full", WEEK)
    assert (df["household_id"].tolist() == ["h5"]) is listed
    if listed:
        assert bool(df["stopped_charged_full"].iloc[0])
    mismatch = action_list(con, "bill_mismatches", WEEK).set_index("household_id")
    assert ("h5" in mismatch.index) is (due != 222.00)
    if due != 222.00:
        assert mismatch.loc["h5", "expected_yuan"] == 222.0


def test_unbilled_households(wh):
    # heated: h1 h2 h3 h4 h6; billed for 2025-2026: h1..h5 -> h6 (h5 stopped is billed)
    df = action_list(wh, "unbilled_households", WEEK)
    assert df["household_id"].tolist() == ["h6"]
    assert df["file_name"].tolist() == ["用户档案.xlsx"]



def test_payments_without_bill(wh):
    # Receipts for 2025-2026 by the cut-off from households without a
    # 2025-2026 bill: p8 (h6, 500.00; in the paid 8,300.39, nothing due beside
    # it). Not p9 (for 2024-2025), not p6 (taken at the cut-off).
    df = action_list(wh, "payments_without_bill", WEEK)
    assert df[["receipt_no", "household_id", "amount", "branch"]].values.tolist() == \
        [["p8", "h6", 500.0, ZC]]
    assert action_list(wh, "payments_without_bill", WEEK, scope=[ZD]).empty
    # a season without bills yet: every payment would be listed; none is
    assert action_list(wh, "payments_without_bill", ("2026-12-01", "2026-12-07")).empty


def test_a_season_without_bills_lists_no_unbilled_household(wh):
    # 2026-2027 has no bill at all yet: not every heated household is a leak
    assert action_list(wh, "unbilled_households", ("2026-12-01", "2026-12-07")).empty


def test_daily_receipts(wh):
    # per day, branch, collector, method: receipts, total, without invoice
    df = action_list(wh, "daily_receipts", WEEK)
    rows = [(d.day, b, c, m, n, a, x, xa) for d, b, c, m, n, a, x, xa in df[
        ["day", "branch", "collector", "method", "receipts", "amount_yuan",
         "receipts_without_invoice", "amount_without_invoice_yuan"]].itertuples(index=False)]
    assert rows == [
        (2, ZD, "刘红", "现金", 2, 2000.0, 1, 1000.0),       # p2 (no invoice) + p9
        (3, ZD, "王丽娟", "现金", 1, 300.0, 1, 300.0),       # p4 (invoice of spaces)
        (4, ZD, "王丽娟", "现金", 1, -50.0, 0, 0.0),         # p5 reversal
        (5, ZD, "刘红", "POS刷卡", 1, 2100.39, 0, 0.0),      # p3
        (6, ZC, "韩雪", "支付宝", 1, 500.0, 0, 0.0),         # p8
        (7, ZC, "韩雪", "微信", 1, 1000.0, 0, 0.0),          # p7 (p6 is after the cut-off)
    ]
    assert df["amount_yuan"].sum() == pytest.approx(5850.39)


def test_daily_receipts_filtered_by_station(wh):
    # station S2 is h3's: p4 and p5
    df = action_list(wh, "daily_receipts", WEEK, filters={"station": "S2"})
    assert df["receipts"].sum() == 2 and df["amount_yuan"].sum() == 250.0


def test_an_invoice_cell_saying_none_is_no_invoice(con):
    # A cashier writes 无 or 未开票 in the invoice column: no invoice, as a
    # blank cell is (settings fees.no_invoice_words). A number that merely
    # contains such a word is one.
    from metrics.testing import BILLS, payment
    add_households(con)
    add_fees(con, BILLS, {
        "q1": payment("q1", "h1", "2025-12-02 09:00", 100.0, "现金", "刘红", "无"),
        "q2": payment("q2", "h1", "2025-12-02 10:00", 100.0, "现金", "刘红", " 未开票 "),
        "q3": payment("q3", "h1", "2025-12-02 11:00", 100.0, "现金", "刘红", "无2025001"),
        "q4": payment("q4", "h1", "2025-12-02 12:00", 100.0, "现金", "刘红", "INV4"),
        # a number not yet issued, as systems fill it: zeros, dashes; 待开
        "q5": payment("q5", "h1", "2025-12-02 13:00", 100.0, "现金", "刘红", "00000000"),
        "q6": payment("q6", "h1", "2025-12-02 14:00", 100.0, "现金", "刘红", "0"),
        "q7": payment("q7", "h1", "2025-12-02 15:00", 100.0, "现金", "刘红", "待开"),
        "q8": payment("q8", "h1", "2025-12-02 16:00", 100.0, "现金", "刘红", "00012300"),
    })
    assert action_list(con, "receipts_without_invoice", WEEK)["receipt_no"].tolist() == \
        ["q1", "q2", "q5", "q6", "q7"]
    day = action_list(con, "daily_receipts", WEEK)
    assert (day["receipts"].sum(), day["receipts_without_invoice"].sum()) == (8, 5)
    assert day["amount_without_invoice_yuan"].sum() == 500.0


def test_one_method_and_one_collector_however_written(con):
    # 微信, 微信支付 and WeChat were three methods of the daily settlement;
    # 收费员-张三, 张三（收费员） and 张三 three collectors.
    from metrics.testing import BILLS, payment
    add_households(con)
    add_fees(con, BILLS, {
        "m1": payment("m1", "h1", "2025-12-02 09:00", 100.0, "微信", "张三", "I1"),
        "m2": payment("m2", "h1", "2025-12-02 10:00", 100.0, "微信支付", "收费员-张三", "I2"),
        "m3": payment("m3", "h1", "2025-12-02 11:00", 100.0, "WeChat", "张三（收费员）", "I3"),
        "m4": payment("m4", "h1", "2025-12-02 12:00", 100.0, "现金缴费", "张三 ", "I4"),
        "m5": payment("m5", "h1", "2025-12-02 13:00", 100.0, "银行代扣", "李四", "I5"),
    })
    day = action_list(con, "daily_receipts", WEEK)
    got = sorted(zip(day["collector"], day["method"], day["receipts"]))
    assert got == [("张三", "微信", 3), ("张三", "现金", 1), ("李四", "银行代扣", 1)]


def test_receipts_without_invoice(wh):
    df = action_list(wh, "receipts_without_invoice", WEEK)
    assert df["receipt_no"].tolist() == ["p2", "p4"]
    assert df["source_row"].tolist() == [4, 6]


@pytest.mark.parametrize("storage", STORAGE)
def test_receipts_at_one_time_and_a_reversal_after_paying_in_full(con, storage):
    # h1 owes 1840 (b1). q1 1000 + q2 840 both at 12-03 00:00, a period's
    # cut-off; q3 reverses 840 on 12-04 09:00; q4 pays it again on 12-06.
    # No other receipts: billed h1..h5 = 5, due 9310.40 in all.
    from metrics.testing import BILLS, payment
    add_households(con)
    add_fees(con, payments={
        "q1": payment("q1", "h1", "2025-12-03 00:00", 1000.00, "现金", "刘红", "INV1"),
        "q2": payment("q2", "h1", "2025-12-03 00:00", 840.00, "现金", "刘红", "INV2"),
        "q3": payment("q3", "h1", "2025-12-04 09:00", -840.00, "现金", "刘红", "INV3"),
        "q4": payment("q4", "h1", "2025-12-06 09:00", 840.00, "微信", "刘红", "INV4"),
    })
    assert len(BILLS) == 6
    use_storage(con, storage)
    expected = {
        # period's last day: (fully paid households, arrears, h1's receipts, h1 paid)
        "2025-12-02": (0, 9310.40, None, None),       # cut-off 12-03 00:00: neither counts yet
        "2025-12-03": (1, 7470.40, 2, 1840.00),       # both at once: paid in full
        "2025-12-04": (0, 8310.40, 3, 1000.00),       # reversed: 1000 of 1840
        "2025-12-06": (1, 7470.40, 4, 1840.00),       # paid again
    }
    for last_day, (full, arrears, receipts, paid) in expected.items():
        period = Period("2025-12-01", last_day)
        assert one(con, "fee_collection_rate_households", period) == (full, 5, full / 5), last_day
        assert one(con, "fee_arrears_amount", period)[0] == pytest.approx(arrears), last_day
        rows = drill(con, "fee_collection_rate_households", period, "denominator")
        h1 = rows[rows["household_id"] == "h1"]
        assert len(h1) == 1, last_day
        if receipts is None:
            assert h1["receipts"].iloc[0] == 0 and pd.isna(h1["last_paid_at"].iloc[0])
        else:
            assert h1["receipts"].iloc[0] == receipts, last_day
            assert h1["paid_yuan"].iloc[0] == pytest.approx(paid), last_day
