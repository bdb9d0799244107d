"""Views for the dashboard pages: a SQL file of metrics/sql/ read with the same
period, filters and branch scope as the KPIs, for what a page draws beside
them (distributions, funnels, curves, ticket-by-ticket lists).

Unlike an action list, a view is not one of the weekly report's lists; it is
built on the KPI models, so it is filtered and scoped where those are, and once
more on its own rows when they carry dimensions.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import duckdb
import pandas as pd

from .compose import Scope, statement
from .period import Period, as_period
from .query import params_for, run
from .registry import PERSONAL_COLUMNS


def view(con: duckdb.DuckDBPyConnection, name: str, period: Period | tuple,
         filters: Mapping | None = None, scope: str | Sequence[str] | None = None,
         row_dims: Sequence[str] = (), order_by: str | None = None,
         extra: Mapping | None = None) -> pd.DataFrame:
    """The rows of metrics/sql/<name>.sql. `row_dims`: the dimension columns
    its rows carry (filtered and scoped again); `order_by`: fixed SQL over its
    columns; `extra`: parameters beyond the period, filters and settings."""
    period = as_period(period)
    sc = Scope.of(filters, scope)
    body = f"select v.*\nfrom {name} v\nwhere {sc.predicate(row_dims, 'v')}"
    if order_by:
        body += f"\norder by {order_by}"
    # Rows that carry dimensions need them even when nothing is filtered.
    sql = statement(body, [name], sc, dims=bool(row_dims) or sc.needs_dims())
    df = run(con, sql, params_for(sql, period, sc, extra=extra))
    df.attrs.update(view=name, period=period,
                    personal_columns=[c for c in df.columns if c in PERSONAL_COLUMNS])
    return df
