"""Views for the dashboard pages: a SQL file of metrics/sql/ read with the same
period, filters and branch scope as the KPIs, for what a page draws beside
them (distributions, funnels, curves, ticket-by-ticket lists).

Unlike an action list, a view is not one of the weekly report's lists; it is
built on the KPI models, so it is filtered and scoped where those are, and once
more on its own rows when they carry dimensions.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import duckdb
import pandas as pd

from .compose import Scope, statement
from .display import changes
from .kpi_query import params_for, query, run
from .period import Period, as_period
from .registry import PERSONAL_COLUMNS, get
from .stored import variants as stored_variants

_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")


def view(con: duckdb.DuckDBPyConnection, name: str, period: Period | tuple,
         filters: Mapping | None = None, scope: str | Sequence[str] | None = None,
         row_dims: Sequence[str] = (), order_by: str | None = None,
         extra: Mapping | None = None, columns: Sequence[str] | None = None,
         limit: int | None = None) -> pd.DataFrame:
    """The rows of metrics/sql/<name>.sql. `row_dims`: the dimension columns
    its rows carry (filtered and scoped again); `order_by`: fixed SQL over its
    columns; `extra`: parameters beyond the period, filters and settings;
    `columns`: only these (fewer columns, less to carry into pandas);
    `limit`: the first rows only."""
    period = as_period(period)
    sc = Scope.of(filters, scope)
    if columns is not None and not all(_IDENT.match(c) for c in columns):
        raise ValueError(f"columns must be identifiers: {columns}")
    select = ", ".join(f"v.{c}" for c in columns) if columns is not None else "v.*"
    body = f"select {select}\nfrom {name} v\nwhere {sc.predicate(row_dims, 'v')}"
    if order_by:
        body += f"\norder by {order_by}"
    params = dict(extra or {})
    if limit is not None:
        body += "\nlimit $row_limit"
        params["row_limit"] = int(limit)
    # Rows that carry dimensions need them even when nothing is filtered.
    sql = statement(body, [name], sc, dims=bool(row_dims) or sc.needs_dims(),
                    stored=stored_variants(con))
    df = run(con, sql, params_for(sql, period, sc, extra=params))
    df.attrs.update(view=name, period=period,
                    personal_columns=[c for c in df.columns if c in PERSONAL_COLUMNS])
    return df


def with_last_season(con: duckdb.DuckDBPyConnection, kpi_id: str, by: str,
                     period: Period | tuple, filters: Mapping | None = None,
                     scope: str | Sequence[str] | None = None) -> pd.DataFrame:
    """One KPI per `by` for the period beside its value at the same point of
    last season (last_season_value): `metrics.compare` without the previous
    period, one query fewer for a chart that shows only these two."""
    period = as_period(period)
    now = query(con, kpi_id, period, filters, by, scope)
    last = query(con, kpi_id, period.last_season(), filters, by, scope)
    last = last[[by, "numerator", "denominator", "value"]].rename(
        columns={c: f"last_season_{c}" for c in ("numerator", "denominator", "value")})
    out = now.merge(last, on=by, how="left")
    out["change_last_season"] = changes(get(kpi_id).unit, out["value"],
                                        out["last_season_value"])
    out.attrs.update(kpi=kpi_id, period=period, last_season=period.last_season())
    return out
