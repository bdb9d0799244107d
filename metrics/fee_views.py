"""What the fees page (收费) draws beside the fee KPIs: the cumulative
collection curve against last season's, collection by branch, station or
community, arrears by age, the largest debtors and the daily settlement
(日清日结). Functions that read the warehouse take the connection, a period,
filters and a branch scope like `metrics.query`; the others reshape a list the
page already has, so it is read once.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import duckdb
import pandas as pd

from .period import Period, as_period, season_bounds, season_name
from .compose import Scope, bind, settings_params, statement
from .kpi_query import Result, query, run, summary
from .registry import HOUSEHOLD_DIMS
from .views import view, with_last_season

Filters = Mapping | None
ScopeArg = str | Sequence[str] | None

LEVELS = ("branch", "station", "community")
# Arrears older than this many seasons are shown together.
OLDEST_AGE_BAND = 2


# The coming season's collection, said beside a period between two seasons.
COMING = ("fee_collection_rate_amount", "fee_collection_rate_households")


def coming_period(period: Period) -> Period | None:
    """The period's days read for the coming season's fees (Period.coming_season),
    cut at the same point; None for a period that reads its own season."""
    coming = period.coming_season
    return None if coming is None else Period(period.start, period.end, coming, period.as_of)


def coming_rates(read: Mapping[str, Result] | None) -> tuple[Result, Result] | None:
    """The coming season's collection by amount and by households, from a
    `summary` of COMING over `coming_period`, when there is something to say:
    some of it paid, and billed (receipts before any bill have no rate).
    None otherwise."""
    if not read:
        return None
    amount, households = (read[i] for i in COMING)
    return (amount, households) if amount.numerator and households.denominator else None


@dataclass(frozen=True)
class ComingCollection:
    """The coming season's collection over a period between two seasons:
    by amount and by households up to its cut-off, and by amount over the
    period before (as many days) and at the same point of the season before
    (its own 预收, days before its start aligned)."""
    season: str
    amount: Result
    households: Result
    previous: Result
    last_season: Result


def coming_collection(con: duckdb.DuckDBPyConnection, period: Period | tuple,
                      filters: Filters = None, scope: ScopeArg = None) -> ComingCollection | None:
    """Between two seasons, the coming season's collection so far (ComingCollection);
    None when the period reads its own season or nothing of the coming one
    is billed and paid yet."""
    ahead = coming_period(as_period(period))
    if ahead is None:
        return None
    rates = coming_rates(summary(con, ahead, filters, scope, COMING))
    if rates is None:
        return None
    previous, last = (summary(con, p, filters, scope, COMING[:1])[COMING[0]]
                      for p in (ahead.previous(), ahead.last_season()))
    return ComingCollection(ahead.season, *rates, previous, last)


def collection_curve(con: duckdb.DuckDBPyConnection, period: Period | tuple,
                     filters: Filters = None, scope: ScopeArg = None) -> pd.DataFrame:
    """The cumulative collection rate by amount, day by day: the fee season up
    to the period's cut-off (curve "this") and the season before through its
    last day (curve "last"), each row with its season_day so the two line up.
    The last "this" row equals fee_collection_rate_amount for the period."""
    period = as_period(period)
    season = period.fee_season
    last_name = season_name(season_bounds(season)[0].year - 1)
    this = view(con, "collection_curve", period, filters, scope, order_by="day")
    last = view(con, "collection_curve", Period.whole_season(last_name), filters, scope,
                order_by="day")
    out = pd.concat([this.assign(curve="this", season=season),
                     last.assign(curve="last", season=last_name)], ignore_index=True)
    out.attrs.update(period=period, season=season, last_season=last_name)
    return out


def paid_before(curve: pd.DataFrame, day) -> tuple[float, int]:
    """The fee season's payments received before `day` (the curve "this" of
    collection_curve), in yuan and receipts: what the season's collection
    rate counts and a period starting on `day` does not receive (a whole
    season's prepayments, September to November)."""
    this = curve[curve["curve"] == "this"]
    before = this[pd.to_datetime(this["day"]) < pd.Timestamp(day)]
    return float(before["paid_yuan"].sum()), int(before["receipts"].sum())


def collection_by(con: duckdb.DuckDBPyConnection, level: str, period: Period | tuple,
                  filters: Filters = None, scope: ScopeArg = None) -> pd.DataFrame:
    """Per branch, station or community: amount due and paid with the collection
    rate by amount, households billed and paid in full with the rate by
    households (each rate beside its value at the same point of last season,
    DESIGN 2.3), and the arrears. Each figure is the KPI's for that slice."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}")
    amount = with_last_season(con, "fee_collection_rate_amount", level, period, filters, scope)
    households = with_last_season(con, "fee_collection_rate_households", level, period,
                                  filters, scope)
    arrears = query(con, "fee_arrears_amount", period, filters, level, scope)
    out = amount[[level, "numerator", "denominator", "value", "last_season_value",
                  "change_last_season"]].rename(
        columns={"numerator": "paid_yuan", "denominator": "due_yuan",
                 "value": "rate_amount", "last_season_value": "rate_amount_last_season"})
    out = out.merge(households[[level, "numerator", "denominator", "value", "last_season_value",
                                "change_last_season"]].rename(
        columns={"numerator": "households_paid", "denominator": "households_billed",
                 "value": "rate_households", "last_season_value": "rate_households_last_season",
                 "change_last_season": "change_households_last_season"}), on=level, how="outer")
    out = out.merge(arrears[[level, "numerator"]].rename(columns={"numerator": "arrears_yuan"}),
                    on=level, how="outer")
    # As the page's chart draws them: the highest collection rate first.
    out = out.sort_values(["rate_amount", level], ascending=[False, True],
                          na_position="last").reset_index(drop=True)
    out.attrs.update(level=level)
    return out


def arrears_by_age(arrears: pd.DataFrame) -> pd.DataFrame:
    """The arrears list (action_list "arrears") by age: the season the bill is
    for (0: this season, 1: the one before, OLDEST_AGE_BAND: that many or more
    before) and whether anything was paid on it. Households, bills and amount."""
    cols = ["seasons_behind", "partly_paid", "households", "bills", "arrears_yuan",
            "age_days"]
    if arrears.empty:
        return pd.DataFrame(columns=cols)
    df = arrears.assign(
        seasons_behind=arrears["seasons_behind"].clip(upper=OLDEST_AGE_BAND).astype("int64"),
        partly_paid=arrears["paid_yuan"].fillna(0) > 0)
    out = df.groupby(["seasons_behind", "partly_paid"], as_index=False).agg(
        households=("household_id", "nunique"), bills=("household_id", "size"),
        arrears_yuan=("arrears_yuan", "sum"), age_days=("age_days", "max"))
    out["arrears_yuan"] = out["arrears_yuan"].round(2)
    return out[cols].sort_values(["seasons_behind", "partly_paid"]).reset_index(drop=True)


ARREARS_COLUMNS = ("household_id", "season", "seasons_behind", "due_yuan", "paid_yuan",
                   "arrears_yuan", "age_days", "last_paid_at")


def arrears_rows(con: duckdb.DuckDBPyConnection, period: Period | tuple,
                 filters: Filters = None, scope: ScopeArg = None) -> pd.DataFrame:
    """The arrears list (action_list "arrears"), one row per bill, with only
    what arrears_by_age and largest_debtors read: on the benchmark warehouse a
    season's list is 80,000 bills, and names and addresses cost most to carry."""
    return view(con, "arrears", period, filters, scope, row_dims=HOUSEHOLD_DIMS,
                columns=ARREARS_COLUMNS)


def largest_debtors(arrears: pd.DataFrame, limit: int | None = None) -> pd.DataFrame:
    """Households by what they owe over every season of the arrears rows
    (arrears_rows), the largest first (`limit`: only so many): seasons owed,
    bills, amount due, paid and owed, the oldest bill's age, the last payment.
    with_households adds who and where they are."""
    cols = ["household_id", "seasons", "bills", "due_yuan", "paid_yuan", "arrears_yuan",
            "age_days", "last_paid_at"]
    if arrears.empty:
        return pd.DataFrame(columns=cols)
    out = arrears.groupby("household_id", as_index=False).agg(
        bills=("season", "size"), due_yuan=("due_yuan", "sum"), paid_yuan=("paid_yuan", "sum"),
        arrears_yuan=("arrears_yuan", "sum"), age_days=("age_days", "max"),
        last_paid_at=("last_paid_at", "max"))
    for c in ("due_yuan", "paid_yuan", "arrears_yuan"):
        out[c] = out[c].round(2)
    out = out.sort_values(["arrears_yuan", "household_id"], ascending=[False, True])
    if limit is not None:
        out = out.head(limit)
    # Joined per household only for the rows kept: a Python call per group.
    owed = arrears[arrears["household_id"].isin(out["household_id"])]
    seasons = owed.sort_values("season").groupby("household_id")["season"].agg(
        lambda s: "、".join(s))
    out["seasons"] = out["household_id"].map(seasons)
    return out[cols].reset_index(drop=True)


def with_households(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame,
                    scope: ScopeArg = None) -> pd.DataFrame:
    """`rows` (one per household_id) with the roster's details of each household
    beside them: branch to building, unit, room, zone, customer type, name,
    phone and address; rows of households outside `scope` are left out."""
    sc = Scope.of(None, scope)
    body = f"select v.*\nfrom households_by_id v\nwhere {sc.predicate(HOUSEHOLD_DIMS, 'v')}"
    sql = statement(body, ["households_by_id"], sc)
    ids = [str(h) for h in rows["household_id"]]
    details = run(con, sql, bind(sql, {"household_ids": ids}, sc.params(), settings_params()))
    out = rows.merge(details, on="household_id", how="inner")
    lead = ["household_id", *[c for c in details.columns if c != "household_id"]]
    out = out[lead + [c for c in rows.columns if c not in lead]]
    out.attrs.update(personal_columns=[c for c in ("name", "phone", "address", "room")
                                       if c in out.columns])
    return out


def receipts_by_day(daily: pd.DataFrame) -> pd.DataFrame:
    """The daily settlement list (action_list "daily_receipts") per day and
    payment method: receipts, amount, and those without an invoice number."""
    cols = ["day", "method", "receipts", "amount_yuan", "receipts_without_invoice",
            "amount_without_invoice_yuan"]
    if daily.empty:
        return pd.DataFrame(columns=cols)
    out = daily.groupby(["day", "method"], as_index=False, dropna=False)[cols[2:]].sum()
    for c in ("amount_yuan", "amount_without_invoice_yuan"):
        out[c] = out[c].round(2)
    return out.sort_values(["day", "method"]).reset_index(drop=True)


def settlement_of_day(daily: pd.DataFrame, day) -> pd.DataFrame:
    """One day's settlement (日清日结) from the daily_receipts list: per
    collector and payment method, the receipts, amount and those without an
    invoice number (all branches of a collector together)."""
    cols = ["collector", "method", "receipts", "amount_yuan", "receipts_without_invoice",
            "amount_without_invoice_yuan"]
    if daily.empty:
        return pd.DataFrame(columns=cols)
    part = daily[pd.to_datetime(daily["day"]).dt.date == pd.Timestamp(day).date()]
    if part.empty:
        return pd.DataFrame(columns=cols)
    out = part.groupby(["collector", "method"], as_index=False, dropna=False)[cols[2:]].sum()
    for c in ("amount_yuan", "amount_without_invoice_yuan"):
        out[c] = out[c].round(2)
    return out[cols].sort_values(["collector", "method"]).reset_index(drop=True)
