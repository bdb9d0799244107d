"""What the tickets page (工单) draws beside the ticket KPIs: resolution hours
against the time limits, the open backlog by age, the follow-up funnel and the
repeat complainers ticket by ticket. Each function takes the warehouse
connection, a period, filters and a branch scope, like `metrics.query`.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import duckdb
import pandas as pd

from pipelines.settings import load_settings

from .compose import Scope
from .period import Period
from .registry import HOUSEHOLD_DIMS
from .views import view

# Lower edges of the backlog's age bands, in hours: under a day, 1-2 days,
# 2-3 days (a complaint's 48 h limit falls inside), 3-7 days, a week to a
# month, older. A manager reads days, not hours.
AGE_BAND_HOURS = (0.0, 24.0, 48.0, 72.0, 168.0, 720.0)

FUNNEL_STAGES = ("resolved", "followed_up", "rated", "satisfied")

Filters = Mapping | None
ScopeArg = str | Sequence[str] | None


def categories() -> list[str]:
    """The ticket categories in the hotline system's order (settings)."""
    return list(load_settings()["tickets"]["categories"])


def _category_order(df: pd.DataFrame) -> pd.DataFrame:
    known = categories()
    rank = {c: i for i, c in enumerate(known)}
    key = df["category"].map(lambda c: rank.get(c, len(known)))
    return df.assign(_rank=key).sort_values(["_rank", "category"], na_position="last") \
        .drop(columns="_rank").reset_index(drop=True)


def time_limits() -> pd.DataFrame:
    """Each category's time limits in calendar hours (settings [tickets.limits]):
    resolve_hours sets the deadline; arrive_hours and answer_hours where set."""
    limits = load_settings()["tickets"]["limits"]
    rows = [{"category": c, "resolve_hours": v.get("resolve_hours"),
             "arrive_hours": v.get("arrive_hours"), "answer_hours": v.get("answer_hours")}
            for c, v in limits.items()]
    return _category_order(pd.DataFrame(rows, columns=["category", "resolve_hours",
                                                       "arrive_hours", "answer_hours"]))


def resolution_by_category(con: duckdb.DuckDBPyConnection, period: Period | tuple,
                           filters: Filters = None, scope: ScopeArg = None) -> pd.DataFrame:
    """Per category, tickets resolved in the period: count, P10, quartiles, P90
    and maximum of their resolution hours, the time limit, and how many were
    resolved within it. The median and P90 equal the KPIs grouped by category."""
    df = view(con, "ticket_resolution_by_category", period, filters, scope)
    return _category_order(df)


# The tickets page's statistics table (service rules, 客服岗位职责 6: 按日、周、
# 月完成受理件的归类统计): days, ISO weeks (Monday first), calendar months.
VOLUME_GRAINS = ("day", "week", "month")
UNKNOWN_CATEGORY = "(none)"


def volume_table(by_day: pd.DataFrame, grain: str) -> pd.DataFrame:
    """Tickets received per day, ISO week or calendar month (`grain`) and
    category, from `tickets_received` by day and category (query with
    by=("day", "category")): a row per bucket that has tickets, labelled
    2025-12-08 / 2025-W50 / 2025-12, a column per category in the hotline's
    order (a ticket without one under UNKNOWN_CATEGORY) and the total. Counts
    add up, so a week's or month's is the sum of its days in the period."""
    if grain not in VOLUME_GRAINS:
        raise ValueError(f"grain must be one of {VOLUME_GRAINS}")
    known = categories()
    if by_day.empty:
        return pd.DataFrame(columns=["period", *known, "total"])
    days = pd.to_datetime(by_day["day"])
    if grain == "day":
        label = days.dt.strftime("%Y-%m-%d")
    elif grain == "week":
        iso = days.dt.isocalendar()
        label = iso["year"].astype(str) + "-W" + iso["week"].astype(str).str.zfill(2)
    else:
        label = days.dt.strftime("%Y-%m")
    df = pd.DataFrame({"period": label.to_numpy(),
                       "category": by_day["category"].fillna(UNKNOWN_CATEGORY).to_numpy(),
                       "n": by_day["numerator"].fillna(0).astype("int64").to_numpy()})
    grid = df.pivot_table(index="period", columns="category", values="n", aggfunc="sum",
                          fill_value=0).sort_index()
    others = sorted(c for c in grid.columns if c not in known)
    grid = grid.reindex(columns=known + others, fill_value=0).astype("int64")
    grid["total"] = grid.sum(axis=1)
    return grid.reset_index().rename_axis(columns=None)


def backlog_by_age(con: duckdb.DuckDBPyConnection, period: Period | tuple,
                   filters: Filters = None, scope: ScopeArg = None) -> pd.DataFrame:
    """Open tickets at the cut-off per age band (AGE_BAND_HOURS) and category,
    with how many of them are overdue. Bands without tickets are left out."""
    df = view(con, "ticket_backlog_by_age", period, filters, scope,
              order_by="band, category", extra={"age_band_hours": list(AGE_BAND_HOURS)})
    return df


def followup_funnel(con: duckdb.DuckDBPyConnection, period: Period | tuple,
                    filters: Filters = None, scope: ScopeArg = None) -> pd.DataFrame:
    """Per followed-up category: resolved in the period -> followed up -> rated
    -> satisfied (each stage inside the one before)."""
    return _category_order(view(con, "ticket_followup_funnel", period, filters, scope))


def funnel_totals(funnel: pd.DataFrame) -> pd.DataFrame:
    """The funnel over every category: one row per stage with its count, its
    share of the stage before and of the first stage."""
    counts = [int(funnel[s].sum()) if len(funnel) else 0 for s in FUNNEL_STAGES]
    first = counts[0]
    before = [None] + counts[:-1]
    return pd.DataFrame({
        "stage": list(FUNNEL_STAGES),
        "tickets": counts,
        "share_of_previous": [None if b is None else (c / b if b else None)
                              for c, b in zip(counts, before)],
        "share_of_resolved": [c / first if first else None for c in counts],
    })


def repeat_complaint_tickets(con: duckdb.DuckDBPyConnection, period: Period | tuple,
                             filters: Filters = None, scope: ScopeArg = None) -> pd.DataFrame:
    """Each complaint of each repeat complainer (repeat_complainers): the tickets
    behind complaints_recent, the households with most complaints first. Anonymous households show
    no name or phone on any of their tickets. Filters on the household's
    dimensions only, as the list takes them: a category or channel filter
    would count part of a household's complaints."""
    Scope.of(filters, scope).check(HOUSEHOLD_DIMS, "repeat_complaint_tickets")
    return view(con, "repeat_complaint_tickets", period, filters, scope,
                row_dims=HOUSEHOLD_DIMS,
                order_by="complaints_in_window desc, household_id, received_at, ticket_no")
