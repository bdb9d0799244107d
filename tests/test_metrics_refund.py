"""Refund exposure (Zibo 2017 rules) on a hand-built warehouse.

Tiers (settings): [16, 18) 20 %, [12, 16) 50 %, below 12 100 %. Season 2025-2026
runs 2025-11-15 .. 2026-03-15 = 16 + 31 + 31 + 28 + 15 = 121 days.

  household  target  due      daily fee = due / 121
  h1 居民    18      1840.00  15.206612
  h2 非居民  16      3100.40  25.623140
  h3 平房    18       690.00   5.702479
  h7 居民    18      no bill  —
  h8 非居民  20      2000.00  16.528926

Readings of the week 2025-12-01 .. 12-07 (all signed, outdoor 0 unless noted):
  h1 12-01 09:00 17.0, 15:00 11.5  -> lowest 11.5 -> 100 %
  h1 12-02 17.5                    -> 20 %
  h1 12-03 13.0 outdoor -8.0       -> exempt: not a non-compliant day
  h1 12-04 15.0 unsigned           -> invalid: not a non-compliant day
  h1 12-05 18.0 and 12.0           -> one reading below target; lowest 12.0 -> 50 %
  h2 12-02 16.0                    -> meets its contract 16: nothing
  h2 12-03 15.0                    -> below 16, tier [12, 16) -> 50 %
  h2 12-04 17.0                    -> above 16 (though below 18): nothing
  h3 12-06 16.0                    -> 20 %
  h7 12-06 10.0                    -> 100 %, but no bill: no amount
  h8 12-06 19.0                    -> below its 20 but above every tier: 0 %
"""
from __future__ import annotations

import pytest

from metrics import Period, action_list, drill, query, query_levels_many, summary
from metrics.testing import (
    BILLS, STORAGE, WEEK, ZC, ZD, add_fees, add_households, add_readings, bill, reading,
    use_storage,
)

DAYS = 121
H1, H2, H3 = 1840.00 / DAYS, 3100.40 / DAYS, 690.00 / DAYS
H1_REFUND = H1 * (1.0 + 0.2 + 0.5)      # 25.851240
H2_REFUND = H2 * 0.5                    # 12.811570
H3_REFUND = H3 * 0.2                    # 1.140496
TOTAL = H1_REFUND + H2_REFUND + H3_REFUND   # 39.803306


def r(hid, at, indoor, outdoor=0.0, signed=True):
    return reading(hid, at, indoor, outdoor, signed)


READINGS = {
    "a": r("h1", "2025-12-01 09:00", 17.0), "b": r("h1", "2025-12-01 15:00", 11.5),
    "c": r("h1", "2025-12-02 09:00", 17.5),
    "d": r("h1", "2025-12-03 09:00", 13.0, -8.0),
    "e": r("h1", "2025-12-04 09:00", 15.0, signed=False),
    "f": r("h1", "2025-12-05 09:00", 18.0), "g": r("h1", "2025-12-05 10:00", 12.0),
    "h": r("h2", "2025-12-02 10:00", 16.0), "i": r("h2", "2025-12-03 10:00", 15.0),
    "j": r("h2", "2025-12-04 10:00", 17.0),
    "k": r("h3", "2025-12-06 10:00", 16.0),
    "l": r("h7", "2025-12-06 10:00", 10.0),
    "m": r("h8", "2025-12-06 10:00", 19.0),
}


def query_list(con, name):
    return action_list(con, name, WEEK)


@pytest.fixture(params=STORAGE)
def wh(con, request):
    add_households(con, extra=True)
    add_readings(con, READINGS)
    add_fees(con, bills={**BILLS, "b8": bill("h8", 120.0, 31.0, 0.0, 2000.00)}, payments={})
    return use_storage(con, request.param)


def test_refund_exposure_amount(wh):
    n, d, v = query(wh, "refund_exposure_amount", WEEK).iloc[0][
        ["numerator", "denominator", "value"]]
    assert v == pytest.approx(TOTAL, abs=1e-6) and n == v


def test_refund_exposure_amount_by_day(wh):
    # 12-01 h1 100 %; 12-02 h1 20 %; 12-03 h2 50 %; 12-05 h1 50 %; 12-06 h3 20 % (+ h8 0,
    # h7 no bill)
    df = query(wh, "refund_exposure_amount", WEEK, by="day")
    assert [d.day for d in df["day"]] == [1, 2, 3, 5, 6]
    assert df["value"].tolist() == pytest.approx([H1, H1 * 0.2, H2 * 0.5, H1 * 0.5, H3 * 0.2],
                                                 abs=1e-6)


def test_refund_exposure_amount_scoped(wh):
    # 淄川 holds h7 (no bill) and h8 (0 %): nothing to refund
    assert query(wh, "refund_exposure_amount", WEEK, scope=ZC)["value"].iloc[0] == 0.0
    assert query(wh, "refund_exposure_amount", WEEK, scope=ZD)["value"].iloc[0] == \
        pytest.approx(TOTAL, abs=1e-6)


def test_refund_by_household(wh):
    df = query_list(wh, "refund_by_household").set_index("household_id")
    assert df.loc["h1", "refund_yuan"] == round(H1_REFUND, 2) == 25.85
    assert df.loc["h2", "refund_yuan"] == round(H2_REFUND, 2) == 12.81
    assert df.loc["h3", "refund_yuan"] == round(H3_REFUND, 2) == 1.14
    assert df.loc["h8", "refund_yuan"] == 0.0
    assert df.loc["h7", "refund_yuan"] != df.loc["h7", "refund_yuan"]   # NaN: no bill
    assert bool(df.loc["h7", "missing_bill"])
    assert df["noncompliant_days"].to_dict() == {"h1": 3, "h2": 1, "h3": 1, "h7": 1, "h8": 1}
    assert df["refunded_days"].to_dict() == {"h1": 3, "h2": 1, "h3": 1, "h7": 1, "h8": 0}
    assert df.loc["h1", "lowest_c"] == 11.5
    # largest first
    assert df.index[:3].tolist() == ["h1", "h2", "h3"]


def test_refund_by_station(wh):
    # S1: h1 + h2 = 38.66 over 4 days; S2: h3 1.14; S3: h7 (no bill) + h8 (0 %) = 0
    df = query_list(wh, "refund_by_station")
    assert df[["station", "households", "noncompliant_days", "refund_yuan",
               "households_without_bill"]].values.tolist() == [
        ["S1", 2, 4, 38.66, 0], ["S2", 1, 1, 1.14, 0], ["S3", 2, 2, 0.0, 1]]
    # 4号楼 alone (h7, no bill): its station's refund is unknown, not 0.00
    only = action_list(wh, "refund_by_station", WEEK, {"building": "4号楼"})
    assert only["station"].tolist() == ["S3"] and only["refund_yuan"].isna().all()


def test_refund_days_drill(wh):
    # h1 12-01: the day's lowest reading (11.5, reading "b", source row 6) is shown
    df = drill(wh, "refund_exposure_amount", WEEK, "numerator")
    h1 = df[(df["household_id"] == "h1")].sort_values("day")
    assert h1["source_row"].tolist() == [6, 7, 11]       # b, c, g
    assert h1["share"].tolist() == [1.0, 0.2, 0.5]
    assert h1["daily_fee"].tolist() == pytest.approx([H1] * 3)
    assert set(df["file_name"]) == {"测温记录.xlsx"}


def test_refund_only_in_season(con):
    # a period across the season's end: 03-15 counts, 03-16 is not a heating day
    add_households(con)
    add_readings(con, {"a": r("h1", "2026-03-15 10:00", 17.0),
                       "b": r("h1", "2026-03-16 10:00", 10.0)})
    add_fees(con, payments={})
    v = query(con, "refund_exposure_amount", ("2026-03-14", "2026-03-17"))["value"].iloc[0]
    assert v == pytest.approx(H1 * 0.2, abs=1e-6)


def test_refund_leap_season_has_122_days(con):
    # 2027-11-15 .. 2028-03-15 holds 29 Feb: 122 days; h1 pays 1220 -> 10 a day
    add_households(con)
    add_readings(con, {"a": r("h1", "2028-02-29 10:00", 11.0)})
    add_fees(con, bills={"b": bill("h1", 80.0, 15.25, 0.0, 1220.00, season="2027-2028")},
             payments={})
    p = Period("2028-02-28", "2028-03-05")
    assert query(con, "refund_exposure_amount", p)["value"].iloc[0] == pytest.approx(10.0)


def test_summary_refund(wh):
    assert summary(wh, WEEK)["refund_exposure_amount"].value == pytest.approx(TOTAL, abs=1e-6)


def test_no_valid_reading_no_refund_figure(con):
    # Only an exempt (outdoor -8.0) and an unsigned reading below target: no
    # valid, non-exempt reading at all, so the refund is unknown (None), not
    # 0.00; add one compliant reading and the refund is a real 0.00.
    add_households(con)
    add_readings(con, {"d": READINGS["d"], "e": READINGS["e"]})
    add_fees(con, payments={})
    for how in (lambda: query(con, "refund_exposure_amount", WEEK).iloc[0]["value"],
                lambda: summary(con, WEEK)["refund_exposure_amount"].value,
                lambda: summary(con, WEEK, kpi_ids=["refund_exposure_amount"])
                ["refund_exposure_amount"].value,
                lambda: query_levels_many(con, ["refund_exposure_amount"], WEEK,
                                          [[], ["station"]])
                ["refund_exposure_amount"][0]["value"].iloc[0]):
        assert how() is None or how() != how()
    # nor a numerator of ¥0.00 beside the "—" (the workbook's 分子 read 0)
    assert summary(con, WEEK)["refund_exposure_amount"].numerator is None
    assert query_levels_many(con, ["refund_exposure_amount"], WEEK, [[], ["station"]])[
        "refund_exposure_amount"][0]["numerator"].iloc[0] is None
    add_readings(con, {"h": READINGS["h"]})          # h2 16.0: meets its contract 16
    assert query(con, "refund_exposure_amount", WEEK)["value"].iloc[0] == 0.0
    assert summary(con, WEEK)["refund_exposure_amount"].value == 0.0


def test_a_week_without_readings_has_no_refund_figure(wh):
    # the week after the readings: nothing measured, nothing known
    later = Period("2025-12-08", "2025-12-14")
    assert summary(wh, later)["refund_exposure_amount"].value is None
    assert summary(wh, WEEK)["refund_exposure_amount"].value == pytest.approx(TOTAL, abs=1e-6)
    # a station whose households were measured but owe no refund: 0, not None
    assert summary(wh, WEEK, {"station": "S3"})["refund_exposure_amount"].value == 0.0


def test_no_bill_for_any_noncompliant_day_no_refund_figure(wh):
    # 4号楼 holds h7 only: 12-06 at 10.0 (100 %) but no bill, so its daily fee
    # is unknown and so is the refund: no figure, not ¥0.00 (a season whose
    # bills are not loaded yet read ¥0.00 and "较上季同期 -¥742"). Beside a
    # household with a bill the one without adds nothing (商铺 h8: 0 %).
    for how in (lambda f: query(wh, "refund_exposure_amount", WEEK, f).iloc[0]["value"],
                lambda f: summary(wh, WEEK, f)["refund_exposure_amount"].value,
                lambda f: query_levels_many(wh, ["refund_exposure_amount"], WEEK, [[]], f)
                ["refund_exposure_amount"][0]["value"].iloc[0]):
        value = how({"building": "4号楼"})
        assert value is None or value != value
        assert how({"building": ["4号楼", "商铺"]}) == 0.0
    by = query(wh, "refund_exposure_amount", WEEK, {"station": "S3"}, by="building")
    assert by.set_index("building")["value"].isna().to_dict() == {"4号楼": True, "商铺": False}
