"""Room-temperature KPIs on a hand-built warehouse (metrics/testing.py).

The week 2025-12-01 .. 2025-12-07 (cut-off 2025-12-08 00:00) sees readings:

  row  household (target)       time         indoor outdoor signed  -> status
  r1   h1 居民 (18)             12-01 09:00   17.9    0.0    yes    counted, failed
  r2   h1                       12-03 09:00   18.0   -2.0    yes    counted, compliant (= target)
  r3   h1                       12-04 09:00   16.0   -8.0    yes    exempt (-8.0 < -7.4)
  r4   h1                       12-05 09:00   19.0    1.0    no     unsigned
  r5   h2 非居民 contract 16    12-02 10:00   16.5    NULL   yes    counted (NULL outdoor not exempt), ok
  r6   h2                       12-06 10:00   16.0   -7.4    yes    counted (-7.4 not below), ok (= 16)
  r7   h3 平房 no contract (18) 12-02 11:00   17.0    0.0    yes    counted, failed
  r8   h4 居民, contract 20 (18) 12-07 23:59  18.5    0.0    yes    counted, ok (residential: 18)
  r9   h4                       11-30 10:00   10.0                  before the period
  r10  h4                       12-08 00:00   10.0                  at the cut-off: after
  r11  h3                       12-05 10:00   19.0   -9.0    NULL   unsigned
  r12  h3                       12-01 09:00   18.2    0.0    yes    counted, ok

In the period: r1..r8, r11, r12 = 10 readings; unsigned r4, r11 = 2; valid 8;
exempt r3 = 1; counted 7 (r1 r2 r5 r6 r7 r8 r12); compliant 5 (r2 r5 r6 r8 r12).
"""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from metrics import MetricError, Period, action_list, compare, drill, query, summary
from metrics import temperature_detail
from metrics.testing import (
    STORAGE, WEEK, ZC, ZD, add_batch, add_households, add_readings, insert, reading,
    use_storage,
)


@pytest.fixture(params=STORAGE)
def wh(con, request):
    add_households(con)
    add_readings(con)
    return use_storage(con, request.param)


def one(con, kpi, **kw):
    row = query(con, kpi, WEEK, **kw).iloc[0]
    return row["numerator"], row["denominator"], row["value"]


def test_temp_compliance_rate(wh):
    # compliant r2 r5 r6 r8 r12 = 5 of counted r1 r2 r5 r6 r7 r8 r12 = 7
    assert one(wh, "temp_compliance_rate") == (5, 7, pytest.approx(5 / 7))


def test_temp_compliance_rate_by_station_adds_up(wh):
    # S1 (h1 h2): r1 F, r2 r5 r6 ok -> 3/4; S2 (h3): r7 F, r12 ok -> 1/2; S3 (h4): r8 -> 1/1
    df = query(wh, "temp_compliance_rate", WEEK, by="station")
    assert df[["station", "numerator", "denominator"]].values.tolist() == [
        ["S1", 3, 4], ["S2", 1, 2], ["S3", 1, 1]]
    assert (df["numerator"].sum(), df["denominator"].sum()) == (5, 7)


def test_temp_compliance_rate_by_day(wh):
    # 12-01: r1 F, r12 ok -> 1/2; 12-02: r5 ok, r7 F -> 1/2; 12-03: r2 -> 1/1;
    # 12-06: r6 -> 1/1; 12-07: r8 (23:59) -> 1/1
    df = query(wh, "temp_compliance_rate", WEEK, by="day")
    assert [(d.isoformat(), n, m) for d, n, m in
            zip(df["day"].dt.date, df["numerator"], df["denominator"])] == [
        ("2025-12-01", 1, 2), ("2025-12-02", 1, 2), ("2025-12-03", 1, 1),
        ("2025-12-06", 1, 1), ("2025-12-07", 1, 1)]


def test_temp_compliance_rate_by_week(wh):
    # Monday 2025-12-01 holds the whole period: 5/7
    df = query(wh, "temp_compliance_rate", WEEK, by="week")
    assert df["week"].dt.date.tolist() == [date(2025, 12, 1)]
    assert df[["numerator", "denominator"]].values.tolist() == [[5, 7]]


def test_temp_compliance_rate_non_residential_filter(wh):
    # 非居民: h2 with contract 16 -> r5 16.5 ok, r6 16.0 ok -> 2/2
    assert one(wh, "temp_compliance_rate", filters={"customer_type": "非居民"}) == (2, 2, 1.0)


def test_temp_compliance_rate_scoped_to_branch(wh):
    # 淄川: h4 only -> r8 -> 1/1 (r9, r10 outside the period)
    assert one(wh, "temp_compliance_rate", scope=ZC) == (1, 1, 1.0)


def test_temp_compliance_rate_period_boundaries(wh):
    # 12-07 alone: r8 at 23:59 is in, r10 at 12-08 00:00 is not -> 1/1
    assert query(wh, "temp_compliance_rate", ("2025-12-07", "2025-12-07"))[
        ["numerator", "denominator"]].values.tolist() == [[1, 1]]
    # 11-30 alone: r9 (10.0, failed) -> 0/1
    assert query(wh, "temp_compliance_rate", ("2025-11-30", "2025-11-30"))[
        ["numerator", "denominator"]].values.tolist() == [[0, 1]]


def test_temp_compliance_rate_empty_period_has_no_value(wh):
    # No readings in October: 0/0 -> value None (NaN in the frame)
    n, d, v = one_period(wh, "temp_compliance_rate", ("2025-10-01", "2025-10-07"))
    assert (n, d) == (0, 0) and v != v


def one_period(con, kpi, period):
    row = query(con, kpi, period).iloc[0]
    return row["numerator"], row["denominator"], row["value"]


def test_temp_household_compliance_rate(wh):
    # latest counted reading per household: h1 r2 (12-03, ok; r3 exempt and r4
    # unsigned are later but do not count), h2 r6 (ok), h3 r7 (12-02, failed;
    # r11 unsigned), h4 r8 (ok) -> 3 of 4
    assert one(wh, "temp_household_compliance_rate") == (3, 4, 0.75)


def test_temp_household_compliance_rate_by_day(wh):
    # per day, the household's latest reading that day:
    # 12-01 h1 r1 F, h3 r12 ok -> 1/2; 12-02 h2 r5 ok, h3 r7 F -> 1/2;
    # 12-03 h1 r2 -> 1/1; 12-06 h2 r6 -> 1/1; 12-07 h4 r8 -> 1/1
    df = query(wh, "temp_household_compliance_rate", WEEK, by="day")
    assert list(zip(df["numerator"], df["denominator"])) == [(1, 2), (1, 2), (1, 1), (1, 1),
                                                             (1, 1)]


def test_temp_household_compliance_rate_by_branch(wh):
    # 张店: h1 ok, h2 ok, h3 F -> 2/3; 淄川: h4 ok -> 1/1
    df = query(wh, "temp_household_compliance_rate", WEEK, by="branch")
    assert df[["branch", "numerator", "denominator"]].values.tolist() == [[ZD, 2, 3],
                                                                          [ZC, 1, 1]]


def test_temp_unsigned_readings(wh):
    # r4 (signed = no) and r11 (signature not recorded) of 10 readings in the period
    assert one(wh, "temp_unsigned_readings") == (2, 10, 2)


def test_temp_unsigned_readings_empty_period_has_no_value(wh):
    # denominator 0 -> value None, as the CLI contract says
    n, d, v = one_period(wh, "temp_unsigned_readings", ("2025-10-01", "2025-10-07"))
    assert (n, d) == (0, 0) and v != v


def test_temp_exempt_readings(wh):
    # r3 (outdoor -8.0) of 8 valid readings; r6 at exactly -7.4 is not exempt,
    # r11 at -9.0 is unsigned so not counted as exempt
    assert one(wh, "temp_exempt_readings") == (1, 8, 1)


def test_temp_coverage_rate(wh):
    # heated households h1 h2 h3 h4 h6 (h5 is stopped) = 5; measured with a
    # valid reading in the week: h1 h2 h3 h4 -> 4/5
    assert one(wh, "temp_coverage_rate") == (4, 5, 0.8)
    # 淄川: h4 measured, h6 not -> 1/2
    assert one(wh, "temp_coverage_rate", scope=ZC) == (1, 2, 0.5)


def test_temp_coverage_rate_has_no_figure_without_a_heating_day(wh):
    # A summer week: nobody is measured between seasons, so the share of the
    # 5 heated households measured is no figure (0/0, "—"), not 0/5 = 0 %.
    row = query(wh, "temp_coverage_rate", Period("2026-06-01", "2026-06-07")).iloc[0]
    assert (row["numerator"], row["denominator"]) == (0, 0)
    assert pd.isna(row["value"])


def test_summary_matches_query(wh):
    res = summary(wh, WEEK)
    assert (res["temp_compliance_rate"].numerator, res["temp_compliance_rate"].denominator) == (5, 7)
    assert res["temp_household_compliance_rate"].value == 0.75
    assert res["temp_unsigned_readings"].asdict() == {"value": 2, "numerator": 2,
                                                      "denominator": 10}
    assert res["temp_exempt_readings"].asdict() == {"value": 1, "numerator": 1, "denominator": 8}


def test_drill_numerator_rows_with_source(wh):
    # compliant readings r2 r5 r6 r8 r12 = source rows 6 9 10 12 16 of 测温记录.xlsx
    df = drill(wh, "temp_compliance_rate", WEEK, "numerator")
    assert sorted(df["source_row"].tolist()) == [6, 9, 10, 12, 16]
    assert set(df["file_name"]) == {"测温记录.xlsx"}
    # the denominator adds the failed r1 (row 5) and r7 (row 11)
    den = drill(wh, "temp_compliance_rate", WEEK, "denominator")
    assert sorted(den["source_row"].tolist()) == [5, 6, 9, 10, 11, 12, 16]


def test_drill_household_latest_rows(wh):
    # the latest counted readings: r2 (row 6), r6 (10), r7 (11), r8 (12)
    df = drill(wh, "temp_household_compliance_rate", WEEK, "denominator")
    assert sorted(df["source_row"].tolist()) == [6, 10, 11, 12]


def test_noncompliant_households(wh):
    # only h3's latest counted reading failed (r7 17.0 < 18); its counted readings
    # are r12 (12-01 18.2, ok) and r7 (12-02 17.0, failed)
    df = action_list(wh, "noncompliant_households", WEEK)
    assert df["household_id"].tolist() == ["h3"]
    row = df.iloc[0]
    assert (row["readings_counted"], row["readings_failed"], row["lowest_indoor_c"],
            row["latest_indoor_c"], row["target_c"]) == (2, 1, 17.0, 17.0, 18.0)
    assert row["readings"] == "12-01 09:00 18.2℃; 12-02 11:00 17.0℃✗"
    assert row["name"] == "孙三"
    assert {"name", "phone", "address", "room"} <= set(df.attrs["personal_columns"])


def test_cold_buildings(wh):
    # C2/平房1排: counted r7 r12, failed r7 -> 1 of 2 (share 0.5)
    # C1/1号楼: counted r1 r2 r5 r6, failed r1 -> 1 of 4 (share 0.25), lowest 16.0
    # equal failed counts -> the higher share first; C3/3号楼 has no failure
    df = action_list(wh, "cold_buildings", WEEK)
    assert df[["community", "building", "readings_counted", "readings_failed",
               "failed_share"]].values.tolist() == [
        ["C2", "平房1排", 2, 1, 0.5], ["C1", "1号楼", 4, 1, 0.25]]
    assert df.iloc[1]["lowest_indoor_c"] == 16.0
    # Households below target are those whose last counted reading failed, as
    # the household compliance rate counts them: C1/1号楼's h1 failed with r1
    # but its last, r2, met 18.0 (h2's last, r6, met 16): 0 of 2. C2's h3: r7 of 1.
    assert df.iloc[1]["households_measured"] == 2 and df.iloc[1]["households_failed"] == 0
    assert df.iloc[0]["households_measured"] == 1 and df.iloc[0]["households_failed"] == 1
    household = query(wh, "temp_household_compliance_rate", WEEK, by=["community", "building"])
    measured = household.set_index(["community", "building"])
    for _, row in df.iterrows():
        parts = measured.loc[(row["community"], row["building"])]
        assert row["households_failed"] == parts["denominator"] - parts["numerator"]
    # mean of 17.9 18.0 16.5 16.0
    assert df.iloc[1]["mean_indoor_c"] == pytest.approx(17.1)


def test_compare_previous_and_last_season(con):
    add_households(con)
    add_readings(con, {
        # this week: 1 ok of 2
        "a": reading("h1", "2025-12-02 09:00", 18.5, 0.0, True),
        "b": reading("h1", "2025-12-03 09:00", 17.0, 0.0, True),
        # previous week (11-24 .. 11-30): 1 ok of 1
        "c": reading("h1", "2025-11-25 09:00", 19.0, 0.0, True),
        # same days last season: 2025-12-01 is day 16 of 2025-2026 -> 2024-12-01 ..
        # 2024-12-07 of 2024-2025: 0 ok of 1
        "d": reading("h1", "2024-12-04 09:00", 15.0, 0.0, True),
    })
    df = compare(con, "temp_compliance_rate", WEEK)
    row = df.iloc[0]
    assert (row["numerator"], row["denominator"], row["value"]) == (1, 2, 0.5)
    assert (row["previous_numerator"], row["previous_denominator"], row["previous_value"]) == (
        1, 1, 1.0)
    assert (row["last_season_numerator"], row["last_season_denominator"]) == (0, 1)
    assert row["change_previous"] == -0.5 and row["change_last_season"] == 0.5
    assert df.attrs["last_season"] == Period(date(2024, 12, 1), date(2024, 12, 7), "2024-2025")


def test_compare_rejects_time_grouping(wh):
    with pytest.raises(MetricError) as exc:
        compare(wh, "temp_compliance_rate", WEEK, by="day")
    assert exc.value.code == "compare_by_time"


def test_reading_marks(wh):
    # Each household's last reading of a kind in the week (source rows r1=5 .. r12=16):
    #   valid:   h1 r3 (r4 unsigned), h2 r6, h3 r7 (r11 unsigned), h4 r8 (r10 at the cut-off)
    #   counted: h1 r2 (r3 exempt), h2 r6, h3 r7, h4 r8
    #   point:   valid with both temperatures: h1 r3, h2 r6 (r5 has no outdoor), h3 r7, h4 r8
    df = temperature_detail.read_sql(wh, "reading_marks", WEEK, None, None, (), "source_row")
    marked = {m: df.loc[df[m], "source_row"].tolist()
              for m in ("last_valid", "last_counted", "last_point")}
    assert marked == {"last_valid": [7, 10, 11, 12], "last_counted": [6, 10, 11, 12],
                      "last_point": [7, 10, 11, 12]}
    # fit points: the valid readings but r5 (no outdoor temperature)
    assert df.loc[df["fit_point"], "source_row"].tolist() == [5, 6, 7, 10, 11, 12, 16]


def test_cold_zones(wh):
    # Zones with a failed counted reading in the week:
    #   C1/1号楼/低区 (h1): counted r1 r2, failed r1 (17.9); mean (17.9 + 18.0) / 2;
    #                      h1's last counted reading, r2, met 18.0: 0 households below
    #   C2/平房1排/低区 (h3): counted r12 r7, failed r7 (17.0); mean (18.2 + 17.0) / 2
    # C1/1号楼/高区 (h2) and C3 never failed. Equal weeks, fails and shares: by community.
    df = temperature_detail.cold_zones(wh, WEEK)
    assert df[["community", "building", "zone", "readings_counted", "readings_failed",
               "failed_share", "weeks_failed", "households_measured", "households_failed",
               "lowest_indoor_c"]].values.tolist() == [
        ["C1", "1号楼", "低区", 2, 1, 0.5, 1, 1, 0, 17.9],
        ["C2", "平房1排", "低区", 2, 1, 0.5, 1, 1, 1, 17.0]]
    assert df["mean_indoor_c"].tolist() == [pytest.approx(17.95), pytest.approx(17.6)]


def test_household_compliance_by_week_over_a_period_not_starting_monday(wh):
    # Wednesday 12-03 .. Tuesday 12-09 spans two ISO weeks. The latest counted
    # reading per household and week:
    #   week of 12-01: h1 r2 (18.0 ok), h2 r6 (16.0 ok), h4 r8 (12-07 23:59, 18.5 ok);
    #                  h3 has only r11 (unsigned) -> 3 of 3
    #   week of 12-08: h4 r10 (12-08 00:00, 10.0 < 18) -> 0 of 1
    # (h4's r8 is its latest of the first week though r10 follows within the period.)
    df = query(wh, "temp_household_compliance_rate", ("2025-12-03", "2025-12-09"), by="week")
    assert [(w.isoformat(), n, d) for w, n, d in
            zip(df["week"].dt.date, df["numerator"], df["denominator"])] == [
        ("2025-12-01", 3, 3), ("2025-12-08", 0, 1)]


def test_household_of_unknown_type_has_the_residential_target(con):
    # Service rules art. 10: rooms are guaranteed 18 °C; only 平房 and 非居民
    # customers are held to their contract instead. A roster household whose
    # type is not given (x1) is not one of them: its contract temperature of
    # 16 °C does not lower its target, as for a household missing from the
    # roster. x2 (非居民, contract 16) keeps its contract.
    #   x1  type ?     contract 16  12-02 09:00  17.0  -> target 18, failed
    #   x2  非居民     contract 16  12-02 10:00  17.0  -> target 16, compliant
    #   compliance 1 of 2; household compliance 1 of 2; refund day for x1 (17.0: 20 %)
    add_batch(con, 1)
    add_batch(con, 2)
    insert(con, "households", [
        dict(household_id="x1", branch=ZD, station="S1", community="C1", building="1号楼",
             customer_type=None, contract_temp_c=16.0, heated_area_m2=80.0,
             batch_id=1, source_row=2),
        dict(household_id="x2", branch=ZD, station="S1", community="C1", building="1号楼",
             customer_type="非居民", contract_temp_c=16.0, heated_area_m2=80.0,
             batch_id=1, source_row=3)])
    insert(con, "temperature_readings", [
        {**reading("x1", "2025-12-02 09:00", 17.0, 0.0, True), "batch_id": 2, "source_row": 2},
        {**reading("x2", "2025-12-02 10:00", 17.0, 0.0, True), "batch_id": 2, "source_row": 3}])
    for storage in STORAGE:
        use_storage(con, storage)
        assert one(con, "temp_compliance_rate") == (1, 2, 0.5)
        assert one(con, "temp_household_compliance_rate") == (1, 2, 0.5)
        failed = action_list(con, "noncompliant_households", WEEK)
        assert failed[["household_id", "target_c"]].values.tolist() == [["x1", 18.0]]
        refund = action_list(con, "refund_by_household", WEEK)
        assert refund[["household_id", "noncompliant_days"]].values.tolist() == [["x1", 1]]


@pytest.mark.parametrize("storage", STORAGE)
def test_stopped_is_the_status_of_the_readings_season(con, storage):
    # The roster says how a household is now; the season's bill how it was
    # that season (a household stops or resumes between seasons):
    #   h5: roster 停热, its 2025-2026 bill 供热 (resumed): s1, 10.0 °C on
    #       12-03, counts and fails. The week: counted 7 + s1 = 8, compliant 5;
    #       exempt r3 only, of valid 8 + 1 = 9.
    #   h1: roster 供热, its 2024-2025 bill 停热 (stopped that season), its
    #       2025-2026 bill with no status (the roster's 供热 then):
    #       s2 2024-12-03 15.0 °C: last season, exempt;
    #       s3 2025-03-15 23:00 16.0 °C: last day of 2024-2025, exempt;
    #       s4 2025-03-16 09:00 16.5 °C: a day after it belongs to 2025-2026
    #           (coverage.season_of): no status on that bill, the roster: counted.
    from metrics.testing import READINGS
    add_households(con)
    add_readings(con, {**READINGS,
                       "s1": reading("h5", "2025-12-03 10:00", 10.0, 0.0, True),
                       "s2": reading("h1", "2024-12-03 10:00", 15.0, 0.0, True),
                       "s3": reading("h1", "2025-03-15 23:00", 16.0, 0.0, True),
                       "s4": reading("h1", "2025-03-16 09:00", 16.5, 0.0, True)})
    add_batch(con, 4)
    insert(con, "fee_bills", [
        dict(household_id="h5", season="2025-2026", amount_due=1840.0, heating_status="供热",
             batch_id=4, source_row=4),
        dict(household_id="h1", season="2024-2025", amount_due=368.0, heating_status="停热",
             batch_id=4, source_row=5),
        dict(household_id="h1", season="2025-2026", amount_due=1840.0, heating_status=None,
             batch_id=4, source_row=6)])
    use_storage(con, storage)

    def parts(kpi, period):
        row = query(con, kpi, period).iloc[0]
        return row["numerator"], row["denominator"]

    assert parts("temp_compliance_rate", WEEK) == (5, 8)
    assert parts("temp_exempt_readings", WEEK) == (1, 9)
    assert "h5" in set(action_list(con, "noncompliant_households", WEEK)["household_id"])
    last_season = Period("2024-12-02", "2024-12-08")
    assert parts("temp_exempt_readings", last_season) == (1, 1)
    assert parts("temp_compliance_rate", last_season) == (0, 0)
    boundary = Period("2025-03-15", "2025-03-16")
    assert parts("temp_exempt_readings", boundary) == (1, 2)
    assert parts("temp_compliance_rate", boundary) == (0, 1)   # s4: 16.5 < 18
    # Coverage counts the season's heated households the same way. The week:
    # h1 (no status on its bill: the roster's 供热) h2 h3 h4 h5 (resumed) h6 = 6,
    # measured h1 h2 h3 h4 h5 = 5. Last season: h1 stopped by its bill, h5 by
    # the roster (no bill of 2024-2025): h2 h3 h4 h6 = 4, none measured (s2 is
    # h1's, a stopped home).
    assert parts("temp_coverage_rate", WEEK) == (5, 6)
    assert parts("temp_coverage_rate", last_season) == (0, 4)


@pytest.mark.parametrize("storage", STORAGE)
def test_a_stopped_households_reading_is_exempt(con, storage):
    # h5 is stopped (停热): not heated, so 18 °C is not guaranteed (service
    # rules art. 10). Its signed 10.0 °C reading is shown as exempt, not
    # counted: the week keeps 5 of 7 (module docstring), the exempt readings
    # go from 1 (r3) to 2, h5 is no non-compliant household and owes no refund.
    from metrics.testing import READINGS
    add_households(con)
    add_readings(con, {**READINGS, "s1": reading("h5", "2025-12-03 10:00", 10.0, 0.0, True)})
    use_storage(con, storage)
    row = query(con, "temp_compliance_rate", WEEK).iloc[0]
    assert (row["numerator"], row["denominator"]) == (5, 7)
    exempt = query(con, "temp_exempt_readings", WEEK).iloc[0]
    assert (exempt["numerator"], exempt["denominator"]) == (2, 9)
    assert "h5" not in set(action_list(con, "noncompliant_households", WEEK)["household_id"])
    # 淄川's measured households: h4 (r8), not h5
    households = query(con, "temp_household_compliance_rate", WEEK, filters={"branch": ZC})
    assert households["denominator"].tolist() == [1]
