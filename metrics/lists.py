"""The lists that need action, and refund exposure per household and station.

Each list is a SQL file under metrics/sql/ read with the same period, filters
and branch scope as the KPIs. Filters apply to the models a list is built on;
the scope is applied once more to the list's own rows, so a scoped list can
never show another branch. Columns holding personal data are named in
`df.attrs["personal_columns"]` so pages can mask them.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import duckdb
import pandas as pd

from .compose import Scope, statement
from .errors import MetricError
from .period import Period, as_period
from .kpi_query import params_for, run
from .registry import HOUSEHOLD_DIMS, PERSONAL_COLUMNS
from .stored import variants as stored_variants

TICKET_DIMS = HOUSEHOLD_DIMS + ("category", "channel")
PAYMENT_DIMS = HOUSEHOLD_DIMS + ("collector", "method")


@dataclass(frozen=True)
class ActionList:
    """`dims`: filters the list accepts; `out_dims`: those its rows carry (the
    others act on the rows it is built from); `only`: a boolean column keeping
    a subset of the SQL's rows; `order_by`: fixed SQL over the list's columns."""
    name: str
    sql: str
    dims: tuple[str, ...]
    order_by: str
    out_dims: tuple[str, ...] | None = None
    only: str | None = None

    @property
    def row_dims(self) -> tuple[str, ...]:
        return self.out_dims if self.out_dims is not None else self.dims


LISTS: dict[str, ActionList] = {a.name: a for a in (
    ActionList("noncompliant_households", "noncompliant_households", HOUSEHOLD_DIMS,
               "readings_failed desc, latest_indoor_c, household_id"),
    ActionList("cold_buildings", "cold_buildings", HOUSEHOLD_DIMS,
               "readings_failed desc, failed_share desc, community, building",
               out_dims=("branch", "station", "community", "building")),
    ActionList("open_tickets", "ticket_actions", TICKET_DIMS,
               "received_at, ticket_no", only="open_at_cutoff"),
    ActionList("overdue_tickets", "ticket_actions", TICKET_DIMS,
               "deadline_at, ticket_no", only="overdue_open"),
    # This season's first: the earlier seasons' leftovers (其中往季遗留), a
    # known backlog, came first by age and buried the week's new ones.
    ActionList("unanswered_tickets", "ticket_actions", TICKET_DIMS,
               "received_at < $season_opens_at, received_at, ticket_no", only="unanswered"),
    ActionList("repeat_complainers", "repeat_complainers", HOUSEHOLD_DIMS,
               "complaints_in_window desc, last_received_at desc, household_id"),
    ActionList("arrears", "arrears", HOUSEHOLD_DIMS,
               "arrears_yuan desc, household_id, season"),
    # The fee season's bills of the list above: what the arrears KPI sums.
    ActionList("fee_season_arrears", "arrears", HOUSEHOLD_DIMS,
               "arrears_yuan desc, household_id", only="in_fee_season"),
    ActionList("bill_mismatches", "bill_checks", HOUSEHOLD_DIMS,
               "abs(difference_yuan) desc, household_id", only="amount_differs"),
    ActionList("charged_in_full", "bill_checks", HOUSEHOLD_DIMS,
               "household_id", only="charged_in_full"),
    ActionList("unbilled_households", "unbilled_households", HOUSEHOLD_DIMS,
               "household_id"),
    # The other side of the same check: money in the collection rate with no
    # amount due beside it.
    ActionList("payments_without_bill", "payments_without_bill", PAYMENT_DIMS,
               "household_id, paid_at, receipt_no"),
    ActionList("daily_receipts", "daily_receipts", PAYMENT_DIMS,
               "day, branch, collector, method",
               out_dims=("branch", "collector", "method")),
    ActionList("receipts_without_invoice", "receipts_without_invoice", PAYMENT_DIMS,
               "paid_at, receipt_no"),
    ActionList("refund_by_household", "refund_by_household", HOUSEHOLD_DIMS,
               "refund_yuan desc nulls last, household_id"),
    ActionList("refund_by_station", "refund_by_station", HOUSEHOLD_DIMS,
               "refund_yuan desc, branch, station", out_dims=("branch", "station")),
)}


def action_list(con: duckdb.DuckDBPyConnection, name: str, period: Period | tuple,
                filters: Mapping | None = None, scope: str | Sequence[str] | None = None,
                limit: int | None = None) -> pd.DataFrame:
    """The rows of list `name` for the period, filters and branch scope; the
    first `limit` of them if given. `df.attrs["total_rows"]`: how many rows the
    list has in all."""
    try:
        spec = LISTS[name]
    except KeyError:
        raise MetricError("unknown_list", name=name) from None
    period = as_period(period)
    sc = Scope.of(filters, scope)
    sc.check(spec.dims, name)
    conds = [f"l.{spec.only}"] if spec.only else []
    conds.append(sc.predicate(spec.row_dims, "l"))
    # With a limit, the count of all the list's rows comes along (a window
    # over them), so a caller shows "50 of 40,784" without fetching 40,784.
    total = ", count(*) over () as list_total_rows" if limit is not None else ""
    body = (f"select l.*{total}\nfrom {spec.sql} l\nwhere {' and '.join(conds)}\n"
            f"order by {spec.order_by}")
    extra = {}
    if limit is not None:
        body += "\nlimit $row_limit"
        # one row at least: it carries the total
        extra = {"row_limit": max(int(limit), 1)}
    sql = statement(body, [spec.sql], sc, stored=stored_variants(con))
    df = run(con, sql, params_for(sql, period, sc, extra=extra))
    if limit is not None:
        total_rows = int(df["list_total_rows"].iloc[0]) if len(df) else 0
        df = df.drop(columns="list_total_rows").head(int(limit))
    else:
        total_rows = len(df)
    df.attrs.update(list=name, period=period, total_rows=total_rows,
                    personal_columns=[c for c in df.columns if c in PERSONAL_COLUMNS])
    return df


def _shortcut(name: str):
    def fn(con, period, filters=None, scope=None, limit=None):
        return action_list(con, name, period, filters, scope, limit)
    fn.__name__ = name
    fn.__doc__ = f"The `{name}` list (see action_list)."
    return fn


noncompliant_households = _shortcut("noncompliant_households")
cold_buildings = _shortcut("cold_buildings")
open_tickets = _shortcut("open_tickets")
overdue_tickets = _shortcut("overdue_tickets")
unanswered_tickets = _shortcut("unanswered_tickets")
repeat_complainers = _shortcut("repeat_complainers")
arrears = _shortcut("arrears")
fee_season_arrears = _shortcut("fee_season_arrears")
bill_mismatches = _shortcut("bill_mismatches")
charged_in_full = _shortcut("charged_in_full")
unbilled_households = _shortcut("unbilled_households")
daily_receipts = _shortcut("daily_receipts")
receipts_without_invoice = _shortcut("receipts_without_invoice")
refund_by_household = _shortcut("refund_by_household")
refund_by_station = _shortcut("refund_by_station")
