"""A KPI week by week through a heating season, for trend lines.

KPIs placed in time (the registry's `time` column) are counted per ISO week;
the fee KPIs (collection rates, arrears) are stocks, so each week shows the
season-to-date value at that week's cut-off (Sunday 24:00), as the fee pages
read them; the rest (coverage, complaints per 10,000 m²) are asked week by
week. Either way a week's figure is exactly `metrics.query` for
that week's period: the whole ISO week (Monday to Sunday, or to `until`), as
the cards and the weekly report read a week, also where the season begins or
ends within it (`weeks_window`). A KPI placed in time but counted at the period's cut-off
(closure by the cut-off, unanswered items at it) cannot be grouped by week
out of one query over the season, which would read every week at the last
week's cut-off: it is asked week by week, each at its own cut-off.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta

import duckdb
import pandas as pd

from .period import Period, season_bounds
from .kpi_query import query
from .registry import get
from .sources import source_kind

_WEEK = "datetime64[us]"
WORKERS = 6
# ticket_facts flags that depend on the period's cut-off, not only on a time
# of the ticket (sql/ticket_facts.sql).
_AT_CUTOFF = frozenset({"resolved_by_cutoff", "open_at_cutoff", "overdue_open", "no_result",
                        "unanswered", "open_hours"})


def at_cutoff(kpi) -> bool:
    """Whether the KPI counts a ticket by its state at the period's cut-off, so
    that grouping one period's rows by week is not each week's own figure."""
    return kpi.model == "ticket_facts" and bool(
        {kpi.population, kpi.numerator, kpi.denominator} & _AT_CUTOFF)


def is_stock(kpi) -> bool:
    """Whether the KPI is a fee season's figure at the period's cut-off (its
    value for a week is the season to date), not a count of the period."""
    return kpi.time is None and source_kind(kpi) == "fees"


def season_weeks(season: str, until: date | None = None) -> list[date]:
    """The Mondays of the ISO weeks touching the season (up to `until`)."""
    start, end = season_bounds(season)
    end = min(end, until) if until else end
    monday = start - timedelta(days=start.weekday())
    out = []
    while monday <= end:
        out.append(monday)
        monday += timedelta(days=7)
    return out


def weeks_window(season: str, until: date | None = None,
                 as_of: datetime | None = None) -> Period:
    """The days a season's week-by-week figures read: its ISO weeks whole, from
    the Monday of the week of its first day to the Sunday of the week of its
    last day (or of `until`), and no later than `until`. A week is then the
    same period on a trend as on a card for that week. A window not over at
    `as_of` (the caller's clock) is cut there (Period.so_far)."""
    first, last = season_bounds(season)
    if until is not None:
        last = max(first, min(last, until))
    end = last + timedelta(days=6 - last.weekday())
    if until is not None:
        end = min(end, max(until, last))
    window = Period(first - timedelta(days=first.weekday()), end, season)
    return window.so_far(as_of)


def weekly(con: duckdb.DuckDBPyConnection, kpi_id: str, season: str,
           filters: Mapping | None = None, scope: str | Sequence[str] | None = None,
           until: date | None = None, as_of: datetime | None = None) -> pd.DataFrame:
    """week (Monday), numerator, denominator, value: one row per week of the
    season up to `until` (default: the season's end); weeks without data have
    no value; a week not over at `as_of` is figured as of then.
    attrs["cumulative"] says whether the value is season-to-date."""
    kpi = get(kpi_id)
    cumulative = is_stock(kpi)
    first, last = season_bounds(season)
    last = min(last, until) if until else last
    weeks = season_weeks(season, last)
    window = weeks_window(season, until, as_of)
    if last < first:
        df = pd.DataFrame(columns=["week", "numerator", "denominator", "value"])
    elif kpi.time and not at_cutoff(kpi):
        part = query(con, kpi_id, window, filters, "week", scope)
        part["week"] = part["week"].astype(_WEEK)
        df = pd.DataFrame({"week": pd.Series(weeks).astype(_WEEK)}).merge(part, on="week",
                                                                         how="left")
    else:
        # A stock from the season's first day; any other KPI over the week
        # alone.
        def at(monday: date) -> dict:
            cut = min(monday + timedelta(days=6), window.end)
            start = first if cumulative else monday
            period = Period(start, cut, season).so_far(window.as_of)
            r = query(con, kpi_id, period, filters, None, scope).iloc[0]
            return {"week": monday, "numerator": r["numerator"],
                    "denominator": r["denominator"], "value": r["value"]}

        # One small query per week: side by side, each on its own cursor.
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            rows = list(pool.map(at, weeks))
        df = pd.DataFrame(rows, columns=["week", "numerator", "denominator", "value"])
        df["week"] = df["week"].astype(_WEEK)
    df.attrs.update(kpi=kpi_id, season=season, cumulative=cumulative)
    return df
