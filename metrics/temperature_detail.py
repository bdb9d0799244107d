"""Room-temperature detail behind the KPIs: the daily outdoor temperature, the
distribution of indoor readings, the drill-down below a building (households,
then each reading with its file and row) and chronically cold building zones.

Every function reads the same models as the temperature KPIs (reading_flags,
reading_facts), with the same period, filters and branch scope, so the counts
here add up to the KPI's numerator and denominator.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta

import duckdb
import pandas as pd

from .compose import Scope, settings_params, statement
from .period import Period, as_period
from .kpi_query import params_for, run
from .registry import HOUSEHOLD_DIMS, PERSONAL_COLUMNS
from .stored import variants as stored_variants

BIN_C = 0.5
LEVELS = ("branch", "station", "community", "building")
PARTS = ("readings", "unsigned", "exempt", "counted", "compliant")


def read_sql(con: duckdb.DuckDBPyConnection, name: str, period: Period | tuple,
             filters: Mapping | None, scope, out_dims: Sequence[str], order_by: str,
             extra: Mapping | None = None) -> pd.DataFrame:
    """Rows of metrics/sql/<name>.sql for the period, filters and scope; the
    scope is applied once more to the rows' own dimensions `out_dims`, as the
    action lists do, so no result can show another branch."""
    period = as_period(period)
    sc = Scope.of(filters, scope)
    sc.check(HOUSEHOLD_DIMS, name)
    body = (f"select l.*\nfrom {name} l\nwhere {sc.predicate(out_dims, 'l')}\n"
            f"order by {order_by}")
    # Without dimensions in the request or the rows, the join of every reading
    # to the roster is skipped.
    needs = sc.needs_dims() or bool(out_dims)
    sql = statement(body, [name], sc, dims=needs, stored=stored_variants(con))
    df = run(con, sql, params_for(sql, period, sc, extra=extra))
    df.attrs.update(period=period,
                    personal_columns=[c for c in df.columns if c in PERSONAL_COLUMNS])
    return df


def weekly_readings(con: duckdb.DuckDBPyConnection, period: Period | tuple,
                    filters: Mapping | None = None, scope=None) -> pd.DataFrame:
    """One row per ISO week touching the period (Monday in `week`, weeks
    without readings included): readings, unsigned, exempt, counted,
    compliant and rate = compliant / counted (the compliance rate)."""
    period = as_period(period)
    df = read_sql(con, "weekly_readings", period, filters, scope, (), "week")
    first = period.start - timedelta(days=period.start.weekday())
    weeks = pd.DataFrame({"week": pd.date_range(first, period.end, freq="7D")})
    df["week"] = pd.to_datetime(df["week"])
    out = weeks.merge(df, on="week", how="left")
    out[list(PARTS)] = out[list(PARTS)].fillna(0).astype("int64")
    out["rate"] = (out["compliant"] / out["counted"]).where(out["counted"] > 0)
    out.attrs.update(df.attrs)
    return out


def building_readings(con: duckdb.DuckDBPyConnection, period: Period | tuple,
                      filters: Mapping | None = None, scope=None) -> pd.DataFrame:
    """Readings, unsigned, exempt, counted and compliant per building (see
    roll_up for any level above)."""
    return read_sql(con, "building_readings", period, filters, scope, LEVELS,
                    "branch, station, community, building")


def roll_up(buildings: pd.DataFrame, path: Mapping[str, str], child: str) -> pd.DataFrame:
    """building_readings added up to `child` within `path` (level -> value, e.g.
    {"branch": "张店分公司"}): one row per child with the parts and rate =
    compliant / counted, the lowest rate first."""
    if child not in LEVELS:
        raise ValueError(f"not a drill-down level: {child}")
    part = buildings
    for level, value in path.items():
        part = part[part[level] == value]
    out = part.groupby(child, as_index=False, dropna=True)[list(PARTS)].sum()
    out["rate"] = (out["compliant"] / out["counted"]).where(out["counted"] > 0)
    return out.sort_values(["rate", child], na_position="last").reset_index(drop=True)


def daily_outdoor(con: duckdb.DuckDBPyConnection, period: Period | tuple,
                  filters: Mapping | None = None, scope=None) -> pd.DataFrame:
    """day, mean_outdoor_c, min_outdoor_c, readings_with_outdoor."""
    return read_sql(con, "daily_outdoor", period, filters, scope, (), "day")


def indoor_distribution(con: duckdb.DuckDBPyConnection, period: Period | tuple,
                        filters: Mapping | None = None, scope=None,
                        bin_c: float = BIN_C) -> pd.DataFrame:
    """Counted readings per `bin_c`-degree bin: bin_start_c, readings,
    compliant, failed (their sums are the compliance rate's parts)."""
    return read_sql(con, "indoor_distribution", period, filters, scope, (), "bin_start_c",
                    {"bin_c": float(bin_c)})


def household_rollup(con: duckdb.DuckDBPyConnection, period: Period | tuple,
                     filters: Mapping | None = None, scope=None) -> pd.DataFrame:
    """One row per household with readings in the slice: readings, unsigned,
    exempt, counted, compliant, failed, compliance_rate, latest reading."""
    return read_sql(con, "household_rollup", period, filters, scope, HOUSEHOLD_DIMS,
                    "compliance_rate nulls last, failed desc, household_id")


def household_readings(con: duckdb.DuckDBPyConnection, period: Period | tuple,
                       household_id: str, filters: Mapping | None = None,
                       scope=None) -> pd.DataFrame:
    """Every reading of one household in the period, with its flags and the
    file (`file_name`) and row (`source_row`) it came from."""
    return read_sql(con, "household_readings", period, filters, scope, HOUSEHOLD_DIMS,
                    "measured_at", {"household_id": str(household_id)})


def cold_zones(con: duckdb.DuckDBPyConnection, period: Period | tuple,
               filters: Mapping | None = None, scope=None,
               limit: int | None = None) -> pd.DataFrame:
    """Building zones (高区/低区) that failed in the period, the ones failing
    in the most weeks first."""
    df = read_sql(con, "cold_zones", period, filters, scope,
                  ("branch", "station", "community", "building", "zone"),
                  "weeks_failed desc, readings_failed desc, failed_share desc, "
                  "community, building, zone")
    return df.head(limit).reset_index(drop=True) if limit is not None else df


def residential_target_c() -> float:
    """The target of residential rooms (settings; service rules art. 10)."""
    return settings_params()["residential_target_c"]
