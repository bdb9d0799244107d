"""The KPI layer: every number of DESIGN.md §2.4, defined once, over the
warehouse. No Streamlit here: pages, the weekly report and the command line
(`python -m metrics summary ...`) all call these functions.

    from metrics import Period, query, summary
    query(con, "temp_compliance_rate", Period.week(date(2025, 12, 1)),
          filters={"branch": "张店分公司"}, by=["station"], scope=user_branches)
"""
from importlib import import_module

from .errors import MetricError
from .period import Period, in_season, season_bounds, season_of
from .registry import DIMENSIONS, PERSONAL_COLUMNS, TIME_GRAINS, Kpi, get, kpis, summary_kpis

# The queries and lists load on first use (they need pandas): loading a file
# imports metrics.stored only, and pays for neither.
_LAZY = {"LISTS": "lists", "action_list": "lists", **{name: "kpi_query" for name in (
    "Result", "compare", "compare_levels", "drill", "drill_count", "headline", "query",
    "query_levels", "query_levels_many", "summary")}}


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DIMENSIONS", "LISTS", "PERSONAL_COLUMNS", "TIME_GRAINS", "Kpi", "MetricError", "Period",
    "Result", "action_list", "compare", "compare_levels", "drill", "drill_count", "get",
    "headline", "in_season",
    "kpis", "query", "query_levels", "query_levels_many", "season_bounds", "season_of",
    "summary", "summary_kpis",
]
