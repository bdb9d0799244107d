"""The one call shape: KPI id + period + filters + group-by (+ branch scope)
-> numerator, denominator and value per group. Also the summary of every
headline KPI, the comparison periods and drill-through to source rows.

Every function takes the shared warehouse connection and runs on its own
cursor, so pages can call them from several threads at once.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal

import duckdb
import numpy as np
import pandas as pd

from .compose import Scope, bind, period_params, settings_params, statement
from .display import change, changes
from .errors import MetricError
from .period import Period, as_period
from .registry import ALL_ROWS, MODELS, PERSONAL_COLUMNS, TIME_GRAINS, Kpi, get, summary_kpis
from .stored import variants as stored_variants

RESULT_COLUMNS = ("numerator", "denominator", "value")


@dataclass(frozen=True)
class Result:
    """One KPI over one slice. `applicable` is False when a filter names a
    dimension the KPI has no column for (the numbers are then None)."""
    value: float | None
    numerator: float | None
    denominator: float | None
    applicable: bool = True

    def asdict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if k != "applicable"}


def run(con: duckdb.DuckDBPyConnection, sql: str, params: dict) -> pd.DataFrame:
    """Execute on a cursor of its own (never share one between threads)."""
    cur = con.cursor()
    try:
        return cur.execute(sql, params).df()
    finally:
        cur.close()


def _fetchone(con: duckdb.DuckDBPyConnection, sql: str, params: dict) -> tuple:
    cur = con.cursor()
    try:
        return cur.execute(sql, params).fetchone()
    finally:
        cur.close()


def params_for(sql: str, period: Period, scope: Scope, time_grain: str | None = None,
               extra: Mapping | None = None) -> dict:
    """The bound parameters `sql` uses: `extra`, the period, the filters, settings."""
    return bind(sql, extra or {}, period_params(period, time_grain), scope.params(),
                settings_params())


def _filter(*conditions: str | None) -> str:
    conds = [c for c in conditions if c and c != ALL_ROWS]
    return f" filter (where {' and '.join(conds)})" if conds else ""


def measures(kpi: Kpi, with_population: bool) -> tuple[str, str, str]:
    """SQL aggregates (numerator, denominator, quantile) of one KPI. With
    `with_population` each carries its population as a FILTER, so several KPIs
    of one model can share one scan."""
    p = kpi.population if with_population else None
    if kpi.kind == "rate":
        return f"count(*){_filter(p, kpi.numerator)}", f"count(*){_filter(p)}", "null"
    if kpi.kind == "count":
        den = f"count(*){_filter(p)}" if kpi.denominator == "population" else "null"
        return f"count(*){_filter(p, kpi.numerator)}", den, "null"
    # Sums are rounded to 6 decimals: parallel summation order must not change
    # a figure's last digit (inputs are yuan with 2 decimals or areas). A sum
    # over no rows is 0; over rows none of whose amounts is known (refund
    # days of a season whose bills are not loaded) it is no figure, not 0.
    if kpi.kind == "sum":
        den = f"count(*){_filter(p)}" if kpi.denominator == "population" else "null"
        return (f"case when count(*){_filter(p)} > 0 and count({kpi.numerator}){_filter(p)} = 0"
                f" then null else round(coalesce(sum({kpi.numerator}){_filter(p)}, 0), 6) end",
                den, "null")
    if kpi.kind == "ratio":
        return (f"round(coalesce(sum({kpi.numerator}){_filter(p)}, 0), 6)",
                f"round(coalesce(sum({kpi.denominator}){_filter(p)}, 0), 6)", "null")
    return ("null", f"count({kpi.numerator}){_filter(p)}",
            f"quantile_cont({kpi.numerator}, {float(kpi.q)!r}){_filter(p)}")


def _py(x):
    if x is None or (isinstance(x, float) and np.isnan(x)) or x is pd.NA:
        return None
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.floating,)):
        return float(x)
    return x


def value_of(kpi: Kpi, numerator, denominator, quantile=None) -> float | None:
    """The KPI's value from its parts; None whenever its denominator is 0."""
    numerator, denominator, quantile = _py(numerator), _py(denominator), _py(quantile)
    if (kpi.has_denominator or kpi.counts_population) and not denominator:
        return None
    if kpi.kind == "quantile":
        return quantile
    if kpi.kind in ("rate", "ratio"):
        return numerator / denominator
    return numerator


def _check_by(kpi: Kpi, by: Sequence[str]) -> None:
    bad = [b for b in by if b not in kpi.group_bys]
    if bad:
        raise MetricError("group_by_not_supported", kpi=kpi.id, dimensions=bad,
                          supported=list(kpi.group_bys))
    if len(set(by)) != len(by) or all(g in by for g in TIME_GRAINS):
        raise MetricError("bad_group_by", dimensions=list(by))


def _time_grain(by: Sequence[str]) -> str | None:
    return next((g for g in TIME_GRAINS if g in by), None)


def _by_select(kpi: Kpi, by: Sequence[str]) -> list[str]:
    out = []
    for b in by:
        if b == "day":
            out.append(f"cast({kpi.time} as date) as day")
        elif b == "week":
            out.append(f"cast(date_trunc('week', {kpi.time}) as date) as week")
        else:
            out.append(b)
    return out


def query(con: duckdb.DuckDBPyConnection, kpi_id: str, period: Period | tuple,
          filters: Mapping | None = None, by: Sequence[str] | str | None = None,
          scope: str | Sequence[str] | None = None) -> pd.DataFrame:
    """One KPI: a row per group (one row without `by`) with the group columns,
    numerator, denominator and value.

    filters: dimension -> value or list of values (DIMENSIONS; only those the
    KPI has); by: dimensions and/or "day" / "week" (ISO weeks, Monday first);
    scope: the branch or branches the caller may see (None: all)."""
    kpi = get(kpi_id)
    period = as_period(period)
    by = [by] if isinstance(by, str) else list(by or [])
    sc = Scope.of(filters, scope)
    sc.check(kpi.dims, kpi.id)
    _check_by(kpi, by)
    num, den, qv = measures(kpi, with_population=False)
    select = _by_select(kpi, by) + [f"{num} as numerator", f"{den} as denominator",
                                    f"{qv} as quantile"]
    body = f"select {', '.join(select)}\nfrom {kpi.model}"
    if kpi.population != ALL_ROWS:
        body += f"\nwhere {kpi.population}"
    if by:
        cols = ", ".join(by)
        body += f"\ngroup by {cols}\norder by {cols} nulls last"
    sql = statement(body, [kpi.model], sc, dims=sc.needs_dims(by),
                    stored=stored_variants(con), prune=True)
    params = params_for(sql, period, sc, _time_grain(by))
    if by:
        out = _finish(kpi, run(con, sql, params), period)
    else:
        out = _finish_one(kpi, _fetchone(con, sql, params), period)
    if kpi.needs:
        out = _gated(out, query(con, kpi.needs, period, filters, by, scope), by)
    return out


def _with_gates(chosen: Sequence[Kpi]) -> list[Kpi]:
    """`chosen` and the KPIs their `needs` name, each once."""
    ids = {k.id for k in chosen}
    gates = [get(k.needs) for k in chosen if k.needs and k.needs not in ids]
    return list(chosen) + list({g.id: g for g in gates}.values())


def gate_open(groups: pd.DataFrame, gate: pd.DataFrame, by: Sequence[str]) -> np.ndarray:
    """For each row of `groups` (its `by` columns), whether `gate` (the result
    of the KPI a KPI `needs`, grouped by `by`) has a denominator in that group:
    where it has none (no valid reading), the KPI has no figure."""
    by = list(by)
    if by:
        den = groups[by].merge(gate[by + ["denominator"]], on=by, how="left")["denominator"]
    else:
        den = gate["denominator"].iloc[:1].reindex(range(len(groups)))
    return pd.to_numeric(den, errors="coerce").fillna(0).to_numpy() != 0


def _gated(df: pd.DataFrame, gate: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """`df` (a `query` result) without a value in the groups where `gate` has
    no denominator (gate_open): no valid reading there, so no refund figure,
    nor a ¥0.00 numerator beside it."""
    df = df.copy()
    open_ = gate_open(df, gate, by)
    df["value"] = df["value"].where(open_)
    df["numerator"] = df["numerator"].astype(object).where(open_, None)
    return df


def _part_types(kpi: Kpi) -> tuple:
    """The column types of a result's numerator and denominator: counts
    whole, sums of amounts and areas float; a quantile has no numerator and a
    KPI without a denominator shows none (None)."""
    counts = kpi.kind in ("rate", "count")
    num = "int64" if counts else object if kpi.kind == "quantile" else "float64"
    den = (object if not kpi.has_denominator
           else "int64" if counts or kpi.kind == "quantile" else "float64")
    return num, den


def _finish(kpi: Kpi, df: pd.DataFrame, period: Period) -> pd.DataFrame:
    """numerator, denominator, quantile per group -> `query`'s result (the
    group columns, numerator, denominator, value), built in one go: this runs
    after every query, and pandas' column-by-column edits cost about as much as
    a small query's execution."""
    num_col, den_col = df["numerator"], df["denominator"]
    num = num_col.to_numpy(dtype="float64", na_value=np.nan)
    den = den_col.to_numpy(dtype="float64", na_value=np.nan)
    if kpi.kind == "quantile":
        value = df["quantile"].to_numpy(dtype="float64", na_value=np.nan)
    elif kpi.kind in ("rate", "ratio"):
        with np.errstate(divide="ignore", invalid="ignore"):
            value = num / den
    else:
        value = num.copy()
    if kpi.has_denominator or kpi.counts_population:
        value = np.where(np.nan_to_num(den) != 0, value, np.nan)
    num_type, den_type = _part_types(kpi)
    num_col = num_col.astype(num_type)
    den_col = (den_col.astype(den_type) if kpi.has_denominator
               else pd.Series([None] * len(df), index=df.index, dtype=object))
    cols = {c: df[c] for c in df.columns if c not in ("numerator", "denominator", "quantile")}
    cols.update(numerator=num_col, denominator=den_col,
                value=pd.Series(value, index=df.index, dtype="float64"))
    out = pd.DataFrame(cols)
    out.attrs.update(kpi=kpi.id, period=period)
    return out


def _finish_one(kpi: Kpi, row: tuple, period: Period) -> pd.DataFrame:
    """`_finish` for a query without groups: its one row, from the values
    themselves (numerator, denominator, quantile). Converting DuckDB's result
    to pandas and editing it cost more than running a small count."""
    num, den, quantile = (float(x) if isinstance(x, Decimal) else x for x in row)
    value = value_of(kpi, num, den, quantile)
    num_type, den_type = _part_types(kpi)
    out = pd.DataFrame({
        "numerator": pd.Series([None if kpi.kind == "quantile" else num], dtype=num_type),
        "denominator": pd.Series([den if kpi.has_denominator else None], dtype=den_type),
        "value": pd.Series([value], dtype="float64")})
    out.attrs.update(kpi=kpi.id, period=period)
    return out


def query_levels(con: duckdb.DuckDBPyConnection, kpi_id: str, period: Period | tuple,
                 levels: Sequence[Sequence[str]], filters: Mapping | None = None,
                 scope: str | Sequence[str] | None = None) -> list[pd.DataFrame]:
    """`query` for each grouping in `levels` (e.g. the whole scope, per branch,
    per branch and station), equal to calling it once per level, in one scan:
    GROUP BY GROUPING SETS computes every level from the rows themselves (so
    medians too), and GROUPING() tells a level's rows from a NULL key's."""
    return query_levels_many(con, [kpi_id], period, levels, filters, scope)[kpi_id]


def query_levels_many(con: duckdb.DuckDBPyConnection, kpi_ids: Sequence[str],
                      period: Period | tuple, levels: Sequence[Sequence[str]],
                      filters: Mapping | None = None,
                      scope: str | Sequence[str] | None = None) -> dict[str, list[pd.DataFrame]]:
    """`query_levels` for several KPIs: those of one model in one scan (each
    KPI's population a FILTER of its aggregates, as in `summary`)."""
    period = as_period(period)
    levels = [list(by) for by in levels]
    cols = list(dict.fromkeys(c for by in levels for c in by))
    sc = Scope.of(filters, scope)
    chosen = [get(i) for i in dict.fromkeys(kpi_ids)]
    for kpi in chosen:
        sc.check(kpi.dims, kpi.id)
        for by in levels:
            _check_by(kpi, by)
    if len(levels) < 2 or not cols or any(g in TIME_GRAINS for g in cols):
        return {k.id: [query(con, k.id, period, filters, by, scope) for by in levels]
                for k in chosen}
    by_model: dict[str, list[Kpi]] = {}
    for kpi in _with_gates(chosen):
        by_model.setdefault(kpi.model, []).append(kpi)
    stored = stored_variants(con)
    sets = ", ".join(f"({', '.join(by)})" for by in levels)
    out: dict[str, list[pd.DataFrame]] = {}
    for model, group in by_model.items():
        alone = len(group) == 1
        select = []
        for i, kpi in enumerate(group):
            # One KPI keeps its population as the WHERE clause (the scan skips
            # the rest); several share the scan, each filtering its own.
            num, den, qv = measures(kpi, with_population=not alone)
            select.append(f"{num} as n{i}, {den} as d{i}, {qv} as q{i}, "
                          f"count(*){_filter(None if alone else kpi.population)} as p{i}")
        body = (f"select {', '.join(cols)}, grouping({', '.join(cols)}) as grouping_id,\n"
                f"    {', '.join(select)}\nfrom {model}")
        if alone and group[0].population != ALL_ROWS:
            body += f"\nwhere {group[0].population}"
        body += f"\ngroup by grouping sets ({sets})"
        sql = statement(body, [model], sc, dims=True, stored=stored, prune=True)
        df = run(con, sql, params_for(sql, period, sc))
        for i, kpi in enumerate(group):
            parts = df.rename(columns={f"n{i}": "numerator", f"d{i}": "denominator",
                                       f"q{i}": "quantile"})
            out[kpi.id] = []
            for by in levels:
                # GROUPING(): one bit per column, the first the highest; 1 = rolled up.
                mask = sum(1 << (len(cols) - 1 - j) for j, c in enumerate(cols) if c not in by)
                # A group none of whose rows is in this KPI's population is
                # not one of its groups (as `query` would not return it).
                keep = (parts["grouping_id"] == mask) & ((parts[f"p{i}"] > 0) if by else True)
                part = parts[keep][[*by, "numerator", "denominator", "quantile"]]
                if part.empty:   # as DuckDB returns no rows: untyped keys
                    part = part.astype({c: "object" for c in by})
                if by:
                    part = part.sort_values(by, na_position="last", kind="stable")
                out[kpi.id].append(_finish(kpi, part.reset_index(drop=True), period))
    for kpi in chosen:
        if kpi.needs:
            out[kpi.id] = [_gated(df, gate, by)
                           for df, gate, by in zip(out[kpi.id], out[kpi.needs], levels)]
    return {k.id: out[k.id] for k in chosen}


def summary(con: duckdb.DuckDBPyConnection, period: Period | tuple,
            filters: Mapping | None = None, scope: str | Sequence[str] | None = None,
            kpi_ids: Sequence[str] | None = None) -> dict[str, Result]:
    """Every headline KPI (or `kpi_ids`) over one slice, one scan per model."""
    period = as_period(period)
    sc = Scope.of(filters, scope)
    chosen = [get(i) for i in kpi_ids] if kpi_ids else summary_kpis()
    out: dict[str, Result] = {}
    by_model: dict[str, list[Kpi]] = {}
    for kpi in _with_gates(chosen):
        if all(d in kpi.dims for d in sc.filters):
            by_model.setdefault(kpi.model, []).append(kpi)
        else:
            out[kpi.id] = Result(None, None, None, applicable=False)
    stored = stored_variants(con)
    for model, group in by_model.items():
        select = []
        for i, kpi in enumerate(group):
            num, den, qv = measures(kpi, with_population=True)
            select += [f"{num} as n{i}", f"{den} as d{i}", f"{qv} as q{i}"]
        sql = statement(f"select {', '.join(select)}\nfrom {model}", [model], sc,
                        dims=sc.needs_dims(), stored=stored, prune=True)
        row = _fetchone(con, sql, params_for(sql, period, sc))
        for i, kpi in enumerate(group):
            n, d, q = (_py(v) for v in row[3 * i: 3 * i + 3])
            out[kpi.id] = Result(value_of(kpi, n, d, q), n, d if kpi.has_denominator else None)
    for kpi in chosen:
        r = out[kpi.id]
        if kpi.needs and r.applicable and not out[kpi.needs].denominator:
            out[kpi.id] = Result(None, None, r.denominator)
    return {k.id: out[k.id] for k in chosen}


def compare(con: duckdb.DuckDBPyConnection, kpi_id: str, period: Period | tuple,
            filters: Mapping | None = None, by: Sequence[str] | str | None = None,
            scope: str | Sequence[str] | None = None) -> pd.DataFrame:
    """`query` for the period beside the previous period of the same length
    (previous_*) and the same days of the previous season (last_season_*), with
    the changes of the value. Group-by over dimensions only, not day/week."""
    by = [by] if isinstance(by, str) else list(by or [])
    return compare_levels(con, kpi_id, period, [by], filters, scope)[0]


def compare_levels(con: duckdb.DuckDBPyConnection, kpi_id: str, period: Period | tuple,
                   levels: Sequence[Sequence[str]], filters: Mapping | None = None,
                   scope: str | Sequence[str] | None = None,
                   current: Sequence[pd.DataFrame] | None = None) -> list[pd.DataFrame]:
    """`compare` for each grouping in `levels`, read as `query_levels` reads.
    `current`: the period's `query_levels` for the same levels, filters and
    scope if already read (with other KPIs of its model: `query_levels_many`)."""
    period = as_period(period)
    levels = [list(by) for by in levels]
    if any(g in by for by in levels for g in TIME_GRAINS):
        raise MetricError("compare_by_time")
    prefixes = ("", "previous_", "last_season_")
    read = [list(current) if current is not None and p == period
            else query_levels(con, kpi_id, p, levels, filters, scope)
            for p in (period, period.previous(), period.last_season())]
    return [_compared(kpi_id, period, by, dict(zip(prefixes, (r[i] for r in read))))
            for i, by in enumerate(levels)]


def _compared(kpi_id: str, period: Period, by: list[str],
              frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    out = None
    for prefix, df in frames.items():
        df = df.rename(columns={c: prefix + c for c in RESULT_COLUMNS})
        if out is None:
            out = df
        elif by:
            out = out.merge(df, on=by, how="outer")
        else:
            out = pd.concat([out.reset_index(drop=True), df.reset_index(drop=True)], axis=1)
    unit = get(kpi_id).unit
    out["change_previous"] = changes(unit, out["value"], out["previous_value"])
    out["change_last_season"] = changes(unit, out["value"], out["last_season_value"])
    if by:
        out = out.sort_values(by, na_position="last").reset_index(drop=True)
    out.attrs.update(kpi=kpi_id, period=period, previous=period.previous(),
                     last_season=period.last_season())
    return out


def headline(con: duckdb.DuckDBPyConnection, period: Period | tuple,
             filters: Mapping | None = None, scope: str | Sequence[str] | None = None,
             lang: str = "zh") -> pd.DataFrame:
    """The headline table of the weekly report: one row per summary KPI with
    its value, parts, target, the previous period and the same days of last season."""
    period = as_period(period)
    now = summary(con, period, filters, scope)
    prev = summary(con, period.previous(), filters, scope)
    last = summary(con, period.last_season(), filters, scope)
    rows = []
    for kpi in summary_kpis():
        label, description = kpi.text(lang)
        r, p, ls = now[kpi.id], prev[kpi.id], last[kpi.id]
        rows.append({
            "kpi": kpi.id, "label": label, "unit": kpi.unit, "direction": kpi.direction,
            "value": r.value, "numerator": r.numerator, "denominator": r.denominator,
            "target": kpi.target, "meets_target": _meets(kpi, r.value),
            "previous_value": p.value, "last_season_value": ls.value,
            "change_previous": change(kpi.unit, r.value, p.value),
            "change_last_season": change(kpi.unit, r.value, ls.value),
            "applicable": r.applicable, "description": description,
        })
    df = pd.DataFrame(rows)
    df.attrs.update(period=period, previous=period.previous(), last_season=period.last_season())
    return df


def _meets(kpi: Kpi, value) -> bool | None:
    target = kpi.target
    if target is None or value is None or kpi.direction == "neutral":
        return None
    return value >= target if kpi.direction == "higher" else value <= target


def drill(con: duckdb.DuckDBPyConnection, kpi_id: str, period: Period | tuple,
          part: str = "denominator", filters: Mapping | None = None,
          scope: str | Sequence[str] | None = None, limit: int | None = None,
          offset: int = 0) -> pd.DataFrame:
    """The rows behind a KPI's numerator or denominator, each with the file it
    came from (`file_name`) and its row number there (`source_row`). Personal
    columns are named in `df.attrs["personal_columns"]` for masking."""
    kpi, period = get(kpi_id), as_period(period)
    body, reads, sc = _drill_body(kpi, part, filters, scope)
    extra = {}
    if limit is not None:
        body += "\nlimit $row_limit offset $row_offset"
        extra = {"row_limit": int(limit), "row_offset": int(offset)}
    sql = statement(body, reads, sc, stored=stored_variants(con))
    df = run(con, sql, params_for(sql, period, sc, extra=extra))
    df.attrs.update(kpi=kpi.id, part=part, period=period,
                    personal_columns=[c for c in df.columns if c in PERSONAL_COLUMNS])
    return df


def drill_count(con: duckdb.DuckDBPyConnection, kpi_id: str, period: Period | tuple,
                part: str = "denominator", filters: Mapping | None = None,
                scope: str | Sequence[str] | None = None) -> int:
    """How many rows `drill` returns without a limit (read without them)."""
    kpi, period = get(kpi_id), as_period(period)
    body, reads, sc = _drill_body(kpi, part, filters, scope)
    sql = statement(f"select count(*) from (\n{body}\n)", reads, sc,
                    stored=stored_variants(con))
    return int(_fetchone(con, sql, params_for(sql, period, sc))[0])


def _drill_body(kpi: Kpi, part: str, filters: Mapping | None,
                scope: str | Sequence[str] | None) -> tuple[str, list[str], Scope]:
    """`drill`'s query before its limit: body, the files it reads, the scope."""
    sc = Scope.of(filters, scope)
    sc.check(kpi.dims, kpi.id)
    rows = kpi.rows(part)
    conds = [rows.population]
    if part not in kpi.drill:
        if part == "denominator" and not kpi.has_denominator:
            raise MetricError("no_denominator", kpi=kpi.id)
        if part == "numerator" and kpi.kind in ("rate", "count"):
            conds.append(kpi.numerator)
        elif part == "numerator" and kpi.kind in ("sum", "ratio"):
            conds.append(f"coalesce(m.{kpi.numerator}, 0) <> 0")
        elif part == "denominator" and kpi.kind == "ratio":
            conds.append(f"coalesce(m.{kpi.denominator}, 0) <> 0")
    conds = [f"m.{c}" if c.isidentifier() else c for c in conds if c and c != ALL_ROWS]
    conds.append(sc.predicate(MODELS[rows.model].dims, "m"))
    body = (f"select m.*, b.file_name\nfrom {rows.model} m\n"
            f"left join batches b on b.batch_id = m.batch_id\n"
            f"where {' and '.join(conds)}\n"
            f"order by b.file_name nulls last, m.source_row")
    return body, [rows.model], sc
