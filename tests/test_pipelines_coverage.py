"""Seasons and weeks, data freshness, weekly coverage and filter options."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from pipelines import coverage
from pipelines.batches import undo_batch
from pipelines.load import load_file

UI = Path(__file__).parent / "data" / "ui"
D = dt.date


@pytest.mark.parametrize("day, season", [
    (D(2025, 11, 15), "2025-2026"),   # first heating day
    (D(2026, 1, 1), "2025-2026"),
    (D(2026, 3, 15), "2025-2026"),    # last heating day
    (D(2026, 3, 16), "2026-2027"),    # summer work is for the coming season
    (D(2025, 10, 20), "2025-2026"),   # pre-season payments too
    (D(2025, 3, 1), "2024-2025"),
])
def test_season_of(day, season):
    assert coverage.season_of(day) == season


def test_season_bounds_and_weeks():
    assert coverage.season_bounds("2025-2026") == (D(2025, 11, 15), D(2026, 3, 15))
    weeks = coverage.season_weeks("2025-2026")
    # 15 Nov 2025 is a Saturday in ISO week 46; 15 Mar 2026 a Sunday in week 11.
    assert weeks[0] == "2025-W46" and weeks[-1] == "2026-W11"
    assert len(weeks) == len(set(weeks)) == 18
    assert coverage.week_bounds("2025-W47") == (D(2025, 11, 17), D(2025, 11, 23))
    assert coverage.iso_week(D(2026, 1, 1)) == "2026-W01"
    assert coverage.week_bounds("2020-W53") == (D(2020, 12, 28), D(2021, 1, 3))


@pytest.mark.parametrize("text", ["2025-2027", "2025", "x-y", "", None])
def test_bad_season_names(text):
    assert not coverage.is_season(text)


@pytest.mark.parametrize("text", ["2025-W54", "2025-W00", "2025-47", "2021-W53", "W47"])
def test_bad_week_names(text):
    assert not coverage.is_week(text)
    with pytest.raises(ValueError):
        coverage.week_bounds(text)


def test_empty_warehouse(con):
    kinds = [f.kind for f in coverage.freshness(con)]
    assert kinds == ["households", "temperature", "tickets", "fees"]
    assert all(f.rows == 0 and f.last_at is None and f.batches == 0
               for f in coverage.freshness(con))
    assert coverage.weekly_rows(con).empty
    options = coverage.filter_options(con)
    assert (options.seasons, options.branches) == ([], [])


def test_freshness_after_loads_and_undo(con):
    load_file(con, UI / "roster_small.xlsx")
    temp = load_file(con, UI / "temperature_new.xlsx")
    by_kind = {f.kind: f for f in coverage.freshness(con)}
    assert by_kind["households"].rows == 3
    assert by_kind["households"].last_at is None           # a roster has no event time
    assert by_kind["households"].last_loaded_at is not None
    t = by_kind["temperature"]
    assert (t.rows, t.batches) == (3, 1)
    assert (t.first_at, t.last_at) == (dt.datetime(2025, 12, 1, 9, 0),
                                       dt.datetime(2025, 12, 2, 10, 0))
    undo_batch(con, temp.batch_id)
    t = {f.kind: f for f in coverage.freshness(con)}["temperature"]
    assert (t.rows, t.batches, t.last_at, t.last_loaded_at) == (0, 0, None, None)


def _readings(path: Path, days: list[dt.datetime]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["户号", "测温时间", "室内温度", "用户签字"])
    for i, day in enumerate(days):
        ws.append([f"0901011{i:04d}", day.strftime("%Y-%m-%d %H:%M"), 19.0, "张三"])
    wb.save(path)
    return path


def test_weekly_rows_show_a_missing_week(con, tmp_path):
    # Weeks 49 and 51 of 2025 have readings; week 50 has none: a gap.
    days = [dt.datetime(2025, 12, 1, 9), dt.datetime(2025, 12, 2, 9),
            dt.datetime(2025, 12, 15, 9)]
    assert load_file(con, _readings(tmp_path / "r.xlsx", days)).status == "loaded"
    weekly = coverage.weekly_rows(con)
    temp = weekly[weekly["kind"] == "temperature"]
    assert temp["week"].tolist() == ["2025-W49", "2025-W50", "2025-W51"]
    assert temp["rows"].tolist() == [2, 0, 1]
    assert temp["week_start"].tolist() == [D(2025, 12, 1), D(2025, 12, 8), D(2025, 12, 15)]
    assert coverage.missing_weeks(weekly, "temperature") == ["2025-W50"]
    assert coverage.missing_weeks(weekly, "tickets") == []


def test_summer_weeks_are_not_gaps(con, tmp_path):
    days = [dt.datetime(2025, 3, 10, 9), dt.datetime(2025, 11, 10, 9)]
    load_file(con, _readings(tmp_path / "r.xlsx", days))
    weekly = coverage.weekly_rows(con)
    # 2025-W11 .. 2025-W46: only the two ends hold rows, and the empty weeks
    # between are all outside the heating season.
    assert weekly["rows"].sum() == 2
    assert weekly.iloc[0]["week"] == "2025-W11" and weekly.iloc[-1]["week"] == "2025-W46"
    assert coverage.missing_weeks(weekly, "temperature") == []
    # The week of 15 Mar (Mon 10 - Sun 16) overlaps the season; the next does
    # not; the week of 15 Nov (Mon 10 - Sun 16) does again.
    assert weekly["in_season"].tolist() == [True] + [False] * 34 + [True]


def test_filter_options(con):
    load_file(con, UI / "roster_small.xlsx")
    load_file(con, UI / "temperature_new.xlsx")
    options = coverage.filter_options(con)
    assert options.seasons == ["2025-2026"]
    assert options.stations == {"张店分公司": ["华光路换热站"], "淄川分公司": ["松龄路换热站"]}
    assert options.stations_of(["淄川分公司"]) == ["松龄路换热站"]
    assert options.stations_of() == ["华光路换热站", "松龄路换热站"]


def test_seasons_come_from_bills_too(con):
    con.execute("INSERT INTO fee_bills (household_id, season, amount_due) VALUES"
                " ('1', '2023-2024', 10), ('2', 'garbage', 1)")
    assert coverage.filter_options(con).seasons == ["2023-2024"]


def test_period_rows(con):
    load_file(con, UI / "roster_small.xlsx")
    load_file(con, UI / "temperature_new.xlsx")
    load_file(con, UI / "tickets_new.xlsx")
    whole = coverage.period_rows(con, D(2025, 11, 15), D(2026, 3, 15), "2025-2026")
    assert whole == {"households": 3, "temperature_readings": 3, "tickets": 2,
                     "fee_bills": 0, "fee_payments": 0}
    one_day = coverage.period_rows(con, D(2025, 12, 2), D(2025, 12, 2), "2025-2026")
    assert (one_day["temperature_readings"], one_day["tickets"]) == (1, 0)
    zibo = coverage.period_rows(con, D(2025, 11, 15), D(2026, 3, 15), "2025-2026",
                                branches=["淄川分公司"])
    assert (zibo["households"], zibo["temperature_readings"], zibo["tickets"]) == (1, 1, 0)
    station = coverage.period_rows(con, D(2025, 11, 15), D(2026, 3, 15), "2025-2026",
                                   stations=["华光路换热站"])
    assert (station["households"], station["temperature_readings"], station["tickets"]) \
        == (2, 2, 2)


def test_period_rows_count_rows_of_households_not_in_the_roster(con):
    # Readings loaded before the roster, a bill and a receipt of a household
    # it does not have: the KPIs count them for the whole company (a reading
    # is in every reading KPI's denominator), so the overview's row counts do
    # too; a branch or station chosen leaves them out, as it does in the KPIs.
    from metrics import Period, query
    load_file(con, UI / "temperature_new.xlsx")
    con.execute("INSERT INTO fee_bills (household_id, season, amount_due)"
                " VALUES ('NOT-IN-ROSTER', '2025-2026', 100)")
    con.execute("INSERT INTO fee_payments (household_id, paid_at, amount)"
                " VALUES ('NOT-IN-ROSTER', TIMESTAMP '2025-12-03 00:00', 50)")
    whole = coverage.period_rows(con, D(2025, 11, 15), D(2026, 3, 15), "2025-2026")
    assert whole == {"households": 0, "temperature_readings": 3, "tickets": 0,
                     "fee_bills": 1, "fee_payments": 1}
    readings = query(con, "temp_unsigned_readings", Period("2025-11-15", "2026-03-15"))
    assert readings["denominator"].iloc[0] == whole["temperature_readings"]
    for chosen in ({"branches": ["淄川分公司"]}, {"stations": ["华光路换热站"]}):
        part = coverage.period_rows(con, D(2025, 11, 15), D(2026, 3, 15), "2025-2026",
                                    **chosen)
        assert sum(part.values()) == 0, (chosen, part)
