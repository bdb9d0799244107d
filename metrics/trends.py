"""A KPI week by week through a heating season, for trend lines.

KPIs placed in time (the registry's `time` column) are counted per ISO week;
the others (the fee collection rates, arrears) are stocks, so each week shows
the season-to-date value at that week's cut-off (Sunday 24:00), as the fee
pages read them. Either way a week's figure is exactly `metrics.query` for
that week's period. A KPI placed in time but counted at the period's cut-off
(closure by the cut-off, unanswered items at it) cannot be grouped by week
out of one query over the season, which would read every week at the last
week's cut-off: it is asked week by week, each at its own cut-off.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import duckdb
import pandas as pd

from .period import Period, season_bounds
from .kpi_query import query
from .registry import get

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


def weekly(con: duckdb.DuckDBPyConnection, kpi_id: str, season: str,
           filters: Mapping | None = None, scope: str | Sequence[str] | None = None,
           until: date | None = None) -> pd.DataFrame:
    """week (Monday), numerator, denominator, value: one row per week of the
    season up to `until` (default: the season's end); weeks without data have
    no value. attrs["cumulative"] says whether the value is season-to-date."""
    kpi = get(kpi_id)
    first, last = season_bounds(season)
    last = min(last, until) if until else last
    weeks = season_weeks(season, last)
    if last < first:
        df = pd.DataFrame(columns=["week", "numerator", "denominator", "value"])
    elif kpi.time and not at_cutoff(kpi):
        part = query(con, kpi_id, Period(first, last, season), filters, "week", scope)
        part["week"] = part["week"].astype(_WEEK)
        df = pd.DataFrame({"week": pd.Series(weeks).astype(_WEEK)}).merge(part, on="week",
                                                                         how="left")
    else:
        # A stock from the season's first day; a KPI counted at the cut-off
        # over the week alone (its days of the season).
        def at(monday: date) -> dict:
            cut = min(monday + timedelta(days=6), last)
            start = max(monday, first) if kpi.time else first
            r = query(con, kpi_id, Period(start, cut, season), filters, None, scope).iloc[0]
            return {"week": monday, "numerator": r["numerator"],
                    "denominator": r["denominator"], "value": r["value"]}

        # One small query per week: side by side, each on its own cursor.
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            rows = list(pool.map(at, weeks))
        df = pd.DataFrame(rows, columns=["week", "numerator", "denominator", "value"])
        df["week"] = df["week"].astype(_WEEK)
    df.attrs.update(kpi=kpi_id, season=season, cumulative=not kpi.time)
    return df
