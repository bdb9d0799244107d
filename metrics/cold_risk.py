"""Cold-day risk: will a building reach its target on the coldest day the
heating system is designed for?

Per building, indoor temperature is fitted against outdoor temperature by
least squares over its valid readings (sql/cold_risk.sql), and the line is read
at the outdoor design temperature (Zibo −7.4 °C, settings). A building whose
expected indoor temperature there is below its target will most likely fail
on the next cold snap: the operations team can raise its supply before then.

    cold_risk(con, Period(date(2025, 11, 15), date(2025, 12, 31)),
              {"station": "华光路换热站"})
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import duckdb
import pandas as pd

from .compose import settings_params
from .period import Period
from .registry import HOUSEHOLD_DIMS
from .temperature_detail import read_sql

BUILDING = ("branch", "station", "community", "building")
# A line through fewer points, or over a narrower outdoor range, says nothing
# about a day colder than any of them.
MIN_READINGS = 8
MIN_OUTDOOR_SPAN_C = 3.0
# A line that explains less of the indoor temperature than this (R²) is a weak
# fit: the rooms barely follow the weather, and its reading at the design
# temperature is a hint to check on site, not a forecast.
WEAK_FIT_R2 = 0.3


def cold_risk(con: duckdb.DuckDBPyConnection, period: Period | tuple,
              filters: Mapping | None = None, scope: str | Sequence[str] | None = None,
              min_readings: int = MIN_READINGS,
              min_outdoor_span_c: float = MIN_OUTDOOR_SPAN_C) -> pd.DataFrame:
    """One row per building: readings, outdoor range, slope (°C indoor per °C
    outdoor), intercept, r2, expected_indoor_c at the design temperature,
    target_c, fit_ok and expected_below_target; buildings at risk first."""
    df = read_sql(con, "cold_risk", period, filters, scope, BUILDING,
               "expected_below_target desc, fit_ok desc, expected_indoor_c nulls last, "
               "community, building",
               {"min_readings": int(min_readings),
                "min_outdoor_span_c": float(min_outdoor_span_c)})
    df.attrs.update(design_outdoor_c=design_outdoor_c())
    return df


def weak_fits(df: pd.DataFrame, r2: float = WEAK_FIT_R2) -> int:
    """How many of the buildings expected below target got there by a weak line."""
    at_risk = df[df["expected_below_target"].fillna(False).astype(bool)]
    return int((at_risk["r2"].fillna(0) < r2).sum())


def building_points(con: duckdb.DuckDBPyConnection, period: Period | tuple,
                    filters: Mapping | None = None,
                    scope: str | Sequence[str] | None = None) -> pd.DataFrame:
    """The readings behind the lines (valid, with an outdoor temperature);
    filter by community and building for one building's points."""
    return read_sql(con, "cold_risk_points", period, filters, scope, HOUSEHOLD_DIMS,
                 "measured_at, household_id")


def design_outdoor_c() -> float:
    return settings_params()["design_outdoor_c"]


def fitted_line(row: Mapping, low_c: float | None = None,
                high_c: float | None = None) -> tuple[list[float], list[float]]:
    """Two points of a building's line, from the design temperature (or `low_c`)
    to its warmest reading (or `high_c`), for drawing."""
    x0 = min(design_outdoor_c(), row["outdoor_min_c"]) if low_c is None else low_c
    x1 = row["outdoor_max_c"] if high_c is None else high_c
    return [x0, x1], [row["intercept"] + row["slope"] * x for x in (x0, x1)]
