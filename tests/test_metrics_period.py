"""Periods, seasons and the two comparison periods."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from metrics import MetricError, Period, in_season, season_bounds, season_of


def test_week_is_monday_to_sunday():
    assert Period.week(date(2025, 12, 3)) == Period(date(2025, 12, 1), date(2025, 12, 7))
    assert Period.week(date(2025, 12, 7)).start == date(2025, 12, 1)


def test_cutoff_is_the_next_midnight():
    p = Period("2025-12-01", "2025-12-07")
    assert p.start_at == datetime(2025, 12, 1)
    assert p.cutoff_at == datetime(2025, 12, 8)
    assert p.days == 7


def test_season_bounds_and_membership():
    assert season_bounds("2025-2026") == (date(2025, 11, 15), date(2026, 3, 15))
    assert season_of(date(2026, 3, 15)) == "2025-2026"
    # between seasons a day belongs to the coming one
    assert season_of(date(2026, 3, 16)) == "2026-2027"
    assert season_of(date(2025, 11, 14)) == "2025-2026"
    assert in_season(date(2025, 11, 15)) and not in_season(date(2025, 11, 14))


def test_fee_season_is_that_of_the_last_heating_day():
    # ISO week 2025-W11, Mon 10 - Sun 16 March: its last heating day is 15
    # March, so it reads 2024-2025's fees (not 2025-2026's, unbilled then).
    assert Period("2025-03-10", "2025-03-16").fee_season == "2024-2025"
    assert Period("2026-03-10", "2026-03-20").fee_season == "2025-2026"
    # a week across the season's start: the new season
    assert Period("2025-11-10", "2025-11-16").fee_season == "2025-2026"
    assert Period("2025-12-08", "2025-12-14").fee_season == "2025-2026"
    # no heating day at all: the season that most recently ended (the coming
    # one has no bills yet), also for the week right after a season's end
    assert Period("2026-03-16", "2026-03-22").fee_season == "2025-2026"
    assert Period("2025-10-01", "2025-11-14").fee_season == "2024-2025"
    assert Period("2025-11-14", "2025-11-14").fee_season == "2024-2025"
    assert Period("2025-11-15", "2025-11-15").fee_season == "2025-2026"
    # a named season wins
    assert Period("2026-03-10", "2026-03-16", season="2026-2027").fee_season == "2026-2027"


def test_a_period_has_a_heating_day_when_any_of_its_days_is_one():
    # 2025-W11, Mon 10 - Sun 16 March 2025: the 10th to the 15th are heating
    # days, though its Sunday lies after the season (it was read as a summer
    # week: "不在供暖期内" over six days of readings)
    assert Period("2025-03-10", "2025-03-16").has_heating_day
    assert Period("2026-03-01", "2026-04-30").has_heating_day
    assert Period("2026-03-15", "2026-03-15").has_heating_day
    assert Period("2025-11-10", "2025-11-16").has_heating_day
    assert Period("2025-06-01", "2026-06-30").has_heating_day
    # wholly between two seasons
    assert not Period("2026-03-16", "2026-03-22").has_heating_day
    assert not Period("2025-11-14", "2025-11-14").has_heating_day
    assert not Period("2025-03-16", "2025-11-14").has_heating_day


def test_the_seasons_last_week_compares_with_the_last_seasons():
    # 2025-W11 is days 115-121 of 2024-2025 -> days 115-121 of 2023-2024
    # (2023-11-15 + 115 = 2024-03-09, a 29 February between)
    assert Period("2025-03-10", "2025-03-16").last_season() == Period(
        "2024-03-09", "2024-03-15", "2023-2024")


def test_previous_period_has_the_same_length():
    assert Period("2025-12-01", "2025-12-07").previous() == Period("2025-11-24", "2025-11-30")
    assert Period("2025-12-01", "2025-12-31").previous() == Period("2025-10-31", "2025-11-30")


def test_a_previous_period_reaching_into_the_summer_is_no_comparison():
    # a whole season's previous period of the same length is the summer
    assert not Period("2025-11-15", "2026-03-15").compares_with_previous
    # December's previous 31 days start on 31 October
    assert not Period("2025-12-01", "2025-12-31").compares_with_previous
    # a summer range, the days just after a season (its previous days are
    # the season's last), a range across the season's end
    assert not Period("2025-06-01", "2025-06-30").compares_with_previous
    assert not Period("2026-03-16", "2026-03-31").compares_with_previous
    assert not Period("2026-03-01", "2026-03-31").compares_with_previous
    # January against December, a week against the week before: fair
    assert Period("2026-01-01", "2026-01-31").compares_with_previous
    assert Period("2025-11-22", "2025-11-28").compares_with_previous
    assert Period("2026-03-09", "2026-03-15").compares_with_previous
    # the first week's previous week lies before the season
    assert not Period("2025-11-15", "2025-11-21").compares_with_previous


def test_last_season_is_aligned_by_days_since_season_start():
    # 2025-12-01 is day 16 after 2025-11-15 -> 2024-11-15 + 16 = 2024-12-01
    assert Period("2025-12-01", "2025-12-07").last_season() == Period(
        "2024-12-01", "2024-12-07", "2024-2025")


def test_last_season_across_a_leap_day():
    # 2028-03-01 is day 107 of 2027-2028 (Nov 16 + Dec 31 + Jan 31 + Feb 29);
    # day 107 of 2026-2027 (a 28-day February) is 2027-03-02
    assert Period("2028-03-01", "2028-03-07").last_season() == Period(
        "2027-03-02", "2027-03-08", "2026-2027")


def test_last_season_before_the_season_starts():
    # 2025-10-01 has no heating day (fee season 2024-2025, which ended on
    # 2025-03-15): the same days of the summer before, read with 2023-2024's fees
    assert Period("2025-10-01", "2025-10-07").last_season() == Period(
        "2024-10-01", "2024-10-07", "2023-2024")


def test_the_week_after_a_season_compares_with_the_week_after_the_last_one():
    # 2026-W12, 16-22 March 2026, reads 2025-2026; its last season is 16-22
    # March 2025, read with 2024-2025's fees
    assert Period("2026-03-16", "2026-03-22").last_season() == Period(
        "2025-03-16", "2025-03-22", "2024-2025")
    # a summer period that follows a 29 February keeps its calendar days
    assert Period("2024-10-01", "2024-10-07").last_season() == Period(
        "2023-10-01", "2023-10-07", "2022-2023")


def test_a_whole_season_compares_with_the_whole_last_one():
    # 2023-2024 has 122 days (29 February 2024), 2024-2025 has 121: aligned
    # by day count, the whole of either would drop or gain a day.
    assert Period.whole_season("2024-2025").last_season() == Period.whole_season("2023-2024")
    assert Period.whole_season("2023-2024").last_season() == Period.whole_season("2022-2023")
    # a part of the season keeps its length
    assert Period("2023-11-15", "2024-03-14").last_season().days == 121
    # ending on the leap season's last day: on the last season's last day, never
    # the day after it (2023-02-15 is day 92 of 2022-2023, as 2024-02-15 of 2023-2024)
    assert Period("2024-02-15", "2024-03-15", "2023-2024").last_season() == Period(
        "2023-02-15", "2023-03-15", "2022-2023")
    assert Period("2025-02-15", "2025-03-15").last_season() == Period(
        "2024-02-15", "2024-03-15", "2023-2024")


def test_whole_season():
    p = Period.whole_season("2025-2026")
    assert (p.start, p.end, p.days) == (date(2025, 11, 15), date(2026, 3, 15), 121)


@pytest.mark.parametrize("start, end, code", [
    ("2025-12-08", "2025-12-07", "bad_period"),
    ("2025-13-01", "2025-12-07", "bad_date"),
])
def test_bad_periods(start, end, code):
    with pytest.raises(MetricError) as exc:
        Period(start, end)
    assert exc.value.code == code


def test_bad_season():
    with pytest.raises(MetricError) as exc:
        Period("2025-12-01", "2025-12-07", season="2025-2027")
    assert exc.value.code == "bad_season"
    assert exc.value.message("en") == "2025-2027 is not a season; write it like 2025-2026."


def test_a_period_not_over_is_cut_at_the_moment_it_is_looked_at():
    # Wednesday 2025-12-03 10:17:42 in the week of 12-01 .. 12-07: cut at 10:17
    week = Period(date(2025, 12, 1), date(2025, 12, 7))
    so_far = week.so_far(datetime(2025, 12, 3, 10, 17, 42))
    assert so_far.cutoff_at == datetime(2025, 12, 3, 10, 17)
    assert (so_far.start, so_far.end, so_far.days) == (week.start, week.end, 7)
    # the comparisons stop at the same point of their days: Wednesday 10:17
    assert so_far.previous().cutoff_at == datetime(2025, 11, 26, 10, 17)
    assert so_far.last_season().cutoff_at == datetime(2024, 12, 3, 10, 17)
    # a period over by then, or ending at that very midnight, is itself
    assert week.so_far(datetime(2025, 12, 8, 0, 0)) == week
    assert week.so_far(datetime(2026, 1, 5, 9, 0)) is week
    # a period not begun is empty: cut at its start
    assert week.so_far(datetime(2025, 11, 20, 8, 0)).cutoff_at == datetime(2025, 12, 1)
    # the season so far, from the fee season named
    season = Period.whole_season("2025-2026").so_far(datetime(2026, 1, 10, 8, 30))
    assert season.cutoff_at == datetime(2026, 1, 10, 8, 30) and season.season == "2025-2026"
    assert week.previous().as_of is None and week.last_season().as_of is None
