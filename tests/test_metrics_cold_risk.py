"""Cold-day risk, the temperature detail behind the room-temperature page and
weekly trends, on hand-built warehouses (metrics/testing.py).

Cold risk. Indoor = 17 + 0.5 × outdoor for the valid readings of C3 3号楼
(h4 and h9, both residential and heated: target 18 °C):

  outdoor  -8   0    1     2   3     4   5     6   7
  indoor   13  17  17.5   18 18.5   19 19.5   20 20.5     (-8 is exempt: kept)

plus an unsigned reading (0 °C outdoors, 30 °C indoors) and three of the
stopped (停热) h5's unheated room (8 °C), all left out.
Least squares through nine points on one line: slope 0.5, intercept 17, r² 1.
At the design temperature -7.4 °C: 17 + 0.5 × (-7.4) = 13.3 °C < 18 → at risk.

C1 1号楼 (h1, target 18): 20 °C indoors at outdoor 0..7 → slope 0, expected 20 → fine.
C3 4号楼 (h6): three readings → too few to judge (fit_ok false).
"""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from metrics import Period, action_list, query
from metrics.cold_risk import building_points, cold_risk, design_outdoor_c, fitted_line
from metrics.temperature_detail import (cold_zones, daily_outdoor, household_readings,
                                        household_rollup, indoor_distribution)
from metrics.testing import (
    HOUSEHOLDS, STORAGE, WEEK, ZC, add_households, add_readings, insert, reading, use_storage,
)
from metrics.trends import season_weeks, weekly


def _cold_readings() -> dict:
    out = {}
    line = [(-8, 13.0), (0, 17.0), (1, 17.5), (2, 18.0), (3, 18.5), (4, 19.0), (5, 19.5),
            (6, 20.0), (7, 20.5)]
    for i, (outdoor, indoor) in enumerate(line):
        hid = "h4" if i % 2 == 0 else "h9"
        out[f"c{i}"] = reading(hid, f"2025-12-0{1 + i % 7} {8 + i:02d}:00", indoor, float(outdoor),
                                True)
    out["unsigned"] = reading("h4", "2025-12-03 20:00", 30.0, 0.0, False)
    for i in range(3):
        out[f"stopped{i}"] = reading("h5", f"2025-12-0{1 + i} 15:00", 8.0, float(-8 + 7 * i),
                                     True)
    for i in range(8):
        out[f"warm{i}"] = reading("h1", f"2025-12-0{1 + i % 7} {10 + i}:30", 20.0, float(i),
                                   True)
    for i in range(3):
        out[f"thin{i}"] = reading("h6", f"2025-12-0{2 + i} 09:00", 17.0 + i, float(i), True)
    return out


@pytest.fixture(params=STORAGE)
def cold(con, request):
    add_households(con)
    insert(con, "households", [dict(HOUSEHOLDS[3], household_id="h9", room="303",
                                    contract_temp_c=None, batch_id=1, source_row=99)])
    add_readings(con, _cold_readings())
    return use_storage(con, request.param)


@pytest.fixture(params=STORAGE)
def wh(con, request):
    add_households(con)
    add_readings(con)
    return use_storage(con, request.param)


def by_building(df: pd.DataFrame) -> dict:
    return {(r["community"], r["building"]): r for _, r in df.iterrows()}


def test_cold_risk_fits_the_line_by_hand(cold):
    df = cold_risk(cold, WEEK)
    rows = by_building(df)
    at_risk = rows[("C3", "3号楼")]
    assert at_risk["readings"] == 9            # the unsigned reading is left out
    assert at_risk["households"] == 2
    assert (at_risk["outdoor_min_c"], at_risk["outdoor_max_c"]) == (-8.0, 7.0)
    assert at_risk["slope"] == pytest.approx(0.5)
    assert at_risk["intercept"] == pytest.approx(17.0)
    assert at_risk["r2"] == pytest.approx(1.0)
    assert design_outdoor_c() == -7.4
    assert at_risk["expected_indoor_c"] == pytest.approx(13.3)
    assert at_risk["target_c"] == 18.0
    assert at_risk["fit_ok"] and at_risk["expected_below_target"]

    warm = rows[("C1", "1号楼")]
    assert warm["slope"] == pytest.approx(0.0) and warm["expected_indoor_c"] == pytest.approx(20)
    assert warm["fit_ok"] and not warm["expected_below_target"]

    thin = rows[("C3", "4号楼")]
    assert thin["readings"] == 3 and not thin["fit_ok"] and not thin["expected_below_target"]
    # At-risk buildings come first.
    assert (df.iloc[0]["community"], df.iloc[0]["building"]) == ("C3", "3号楼")


def test_cold_risk_thresholds_and_filters(cold):
    assert not cold_risk(cold, WEEK, min_readings=10).set_index("building").loc["3号楼", "fit_ok"]
    assert not cold_risk(cold, WEEK, min_outdoor_span_c=16).set_index("building") \
        .loc["3号楼", "fit_ok"]
    only = cold_risk(cold, WEEK, {"branch": ZC})
    assert set(only["building"]) == {"3号楼", "4号楼"}
    assert cold_risk(cold, WEEK, scope=[]).empty


def test_building_points_and_the_drawn_line(cold):
    pts = building_points(cold, WEEK, {"community": "C3", "building": "3号楼"})
    assert len(pts) == 9 and pts["indoor_c"].max() == 20.5
    row = by_building(cold_risk(cold, WEEK))[("C3", "3号楼")]
    xs, ys = fitted_line(row)
    assert xs == [-8.0, 7.0] and ys == pytest.approx([13.0, 20.5])


def test_indoor_distribution_adds_up_to_the_kpi(wh):
    # counted r6 16.0 (h2, target 16: ok), r5 16.5 (h2: ok), r7 17.0 F, r1 17.9 F,
    # r2 18.0 ok, r12 18.2 ok, r8 18.5 ok, in 0.5 °C bins
    df = indoor_distribution(wh, WEEK)
    assert df[["bin_start_c", "readings", "compliant"]].values.tolist() == [
        [16.0, 1, 1], [16.5, 1, 1], [17.0, 1, 0], [17.5, 1, 0], [18.0, 2, 2], [18.5, 1, 1]]
    kpi = query(wh, "temp_compliance_rate", WEEK).iloc[0]
    assert (df["compliant"].sum(), df["readings"].sum()) == (kpi["numerator"],
                                                             kpi["denominator"])


def test_daily_outdoor(wh):
    # 12-01 r1 0.0, r12 0.0; 12-02 r7 0.0 (r5 has none); 12-03 r2 -2.0; 12-04 r3 -8.0;
    # 12-05 r4 1.0, r11 -9.0 (unsigned readings still tell the weather); 12-06 r6 -7.4; 12-07 r8 0.0
    df = daily_outdoor(wh, WEEK)
    assert df["day"].dt.day.tolist() == [1, 2, 3, 4, 5, 6, 7]
    assert df["mean_outdoor_c"].tolist() == [0.0, 0.0, -2.0, -8.0, -4.0, -7.4, 0.0]
    assert df["readings_with_outdoor"].tolist() == [2, 1, 1, 1, 2, 1, 1]


def test_household_rollup_adds_up_to_the_kpis(wh):
    df = household_rollup(wh, WEEK).set_index("household_id")
    # h1: r1 F, r2 ok, r3 exempt, r4 unsigned
    h1 = df.loc["h1"]
    assert (h1["readings"], h1["unsigned"], h1["exempt"], h1["counted"], h1["compliant"]) == \
        (4, 1, 1, 2, 1)
    assert h1["compliance_rate"] == 0.5 and h1["latest_indoor_c"] == 18.0
    assert h1["room"] == "101" and h1["zone"] == "低区"
    kpi = query(wh, "temp_compliance_rate", WEEK).iloc[0]
    assert (df["compliant"].sum(), df["counted"].sum()) == (kpi["numerator"], kpi["denominator"])
    unsigned = query(wh, "temp_unsigned_readings", WEEK).iloc[0]
    assert (df["unsigned"].sum(), df["readings"].sum()) == (unsigned["numerator"],
                                                            unsigned["denominator"])


def test_household_readings_name_their_file_and_row(wh):
    df = household_readings(wh, WEEK, "h1")
    # r1..r4 are source rows 5..8 of 测温记录.xlsx
    assert df["source_row"].tolist() == [5, 6, 7, 8]
    assert set(df["file_name"]) == {"测温记录.xlsx"}
    assert df["valid"].tolist() == [True, True, True, False]
    assert df["exempt"].tolist() == [False, False, True, False]
    assert household_readings(wh, WEEK, "h1", {"branch": ZC}).empty
    assert household_readings(wh, WEEK, "' or 1=1 --").empty


def test_cold_zones(wh):
    # failed counted readings: r1 (h1, C1 1号楼 低区), r7 (h3, C2 平房1排 低区)
    df = cold_zones(wh, WEEK)
    assert df[["community", "building", "zone", "readings_counted", "readings_failed",
               "weeks_failed"]].values.tolist() == [
        ["C1", "1号楼", "低区", 2, 1, 1], ["C2", "平房1排", "低区", 2, 1, 1]]
    # h2 (高区) never failed: its zone is not listed although its building is.
    assert cold_zones(wh, WEEK, limit=1).shape[0] == 1


def test_weekly_trend_equals_query_per_week(wh):
    weeks = season_weeks("2025-2026", date(2025, 12, 14))
    assert weeks[0] == date(2025, 11, 10) and weeks[-1] == date(2025, 12, 8)
    df = weekly(wh, "temp_compliance_rate", "2025-2026", until=date(2025, 12, 14))
    assert [d.date() for d in df["week"]] == weeks
    week = df.set_index("week").loc[pd.Timestamp("2025-12-01")]
    assert (week["numerator"], week["denominator"]) == (5, 7)
    # r9 on 11-30 (counted, 10.0 °C: failed) is the week before; r10 12-08 is the last week
    before = df.set_index("week").loc[pd.Timestamp("2025-11-24")]
    assert (before["numerator"], before["denominator"]) == (0, 1)
    assert pd.isna(df.set_index("week").loc[pd.Timestamp("2025-11-17"), "value"])
    assert not df.attrs["cumulative"]


def test_weekly_trend_of_a_stock_is_season_to_date(con):
    from metrics.testing import add_fees
    add_households(con)
    add_fees(con)
    df = weekly(con, "fee_collection_rate_amount", "2025-2026", until=date(2025, 12, 10))
    assert df.attrs["cumulative"]
    for _, row in df.iterrows():
        monday = row["week"].date()
        cut = min(monday + pd.Timedelta(days=6), date(2025, 12, 10))
        expected = query(con, "fee_collection_rate_amount",
                         Period(date(2025, 11, 15), cut, "2025-2026")).iloc[0]
        assert row["numerator"] == pytest.approx(expected["numerator"])
        assert row["value"] == pytest.approx(expected["value"])


def test_noncompliant_households_carry_the_zone(wh):
    # The chronically-cold homes list the page shows comes with the high/low zone.
    df = action_list(wh, "noncompliant_households", WEEK)
    assert "zone" in df.columns and df["zone"].notna().all()


def test_weekly_readings_split_every_reading_as_the_kpis_do(wh):
    from metrics.temperature_detail import weekly_readings
    df = weekly_readings(wh, Period(date(2025, 11, 24), date(2025, 12, 7)))
    # two weeks: 11-24 (r9 on 11-30: counted, failed) and 12-01 (the week of the table above)
    assert [d.date() for d in df["week"]] == [date(2025, 11, 24), date(2025, 12, 1)]
    first, week = df.iloc[0], df.iloc[1]
    assert (first["readings"], first["counted"], first["compliant"]) == (1, 1, 0)
    assert (week["readings"], week["unsigned"], week["exempt"], week["counted"],
            week["compliant"]) == (10, 2, 1, 7, 5)
    assert week["rate"] == pytest.approx(5 / 7)
    kpi = weekly(wh, "temp_compliance_rate", "2025-2026", until=date(2025, 12, 7))
    assert kpi.set_index("week").loc[pd.Timestamp("2025-12-01"), "value"] == week["rate"]


def test_roll_up_adds_buildings_up_to_any_level(wh):
    from metrics.temperature_detail import building_readings, roll_up
    buildings = building_readings(wh, WEEK)
    stations = roll_up(buildings, {}, "station")
    kpi = query(wh, "temp_compliance_rate", WEEK, by="station")
    assert stations.set_index("station")[["compliant", "counted"]].to_dict("index") == {
        s: {"compliant": n, "counted": d}
        for s, n, d in zip(kpi["station"], kpi["numerator"], kpi["denominator"])}
    # lowest rate first: S2 1/2, S1 3/4, S3 1/1
    assert stations["station"].tolist() == ["S2", "S1", "S3"]
    one = roll_up(buildings, {"station": "S1"}, "building")
    assert one["building"].tolist() == ["1号楼"] and one.iloc[0]["readings"] == 6
    with pytest.raises(ValueError):
        roll_up(buildings, {}, "zone")


def test_weak_fits_count_only_buildings_at_risk_by_a_weak_line():
    from metrics.cold_risk import WEAK_FIT_R2, weak_fits
    df = pd.DataFrame({
        "expected_below_target": [True, True, False, False, True],
        "r2": [0.10, 0.90, 0.05, None, WEAK_FIT_R2],
    })
    # at risk: 0.10 (weak), 0.90 (strong), exactly the threshold (not weak) → 1
    assert weak_fits(df) == 1
    assert weak_fits(df, r2=0.95) == 3
