"""One KPI per slice (station, branch, community, ...) as horizontal bars, in
ui/charts.py's conventions: the value with its numerator and denominator on
hover, the same point of last season as a grey tick, the target as a dashed
line and each bar green or red against it (grey-blue without a target).
No Streamlit: tests read the figure."""
from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go

from i18n import t
from metrics import Kpi
from metrics.display import parts_with_units

from . import charts


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA


def part_text(x) -> str:
    """A numerator or denominator: whole numbers grouped, amounts with 2 decimals."""
    if _missing(x):
        return "–"
    return f"{int(x):,}" if float(x).is_integer() else f"{x:,.2f}"


def status_color(kpi: Kpi, value, neutral: str) -> str:
    if kpi.target is None or _missing(value) or kpi.direction == "neutral":
        return neutral
    ok = value >= kpi.target if kpi.direction == "higher" else value <= kpi.target
    return charts.GOOD if ok else charts.BAD


def by_slice(df: pd.DataFrame, dim: str, kpi: Kpi, lang: str, color: str,
             name: Callable[[object], str] | None = None, title: str | None = None,
             value: str = "value", last_season: str | None = "last_season_value",
             numerator: str = "numerator", denominator: str = "denominator") -> go.Figure:
    """Bars of `df[value]` per `df[dim]`, best at the top. `name` turns a
    slice's value into its label (None: '(none)')."""
    df = df.sort_values(value, ascending=kpi.direction == "lower", na_position="last")
    label = name or (lambda v: t("page.tickets.none", lang) if _missing(v) else str(v))
    names = [label(v) for v in df[dim]]
    fmt = charts.hover_format(kpi.unit)
    parts = [(None if _missing(n) or _missing(d) else parts_with_units(kpi, n, d, lang))
             or t("page.tickets.chart.parts", lang, numerator=part_text(n),
                  denominator=part_text(d))
             for n, d in zip(df[numerator], df[denominator])]
    this_name = t("page.tickets.chart.period", lang)
    fig = go.Figure(go.Bar(
        y=names, x=df[value].tolist(), orientation="h", name=this_name, customdata=parts,
        marker_color=[status_color(kpi, v, color) for v in df[value]],
        hovertemplate=f"%{{y}}: %{{x:{fmt}}}<br>%{{customdata}}<extra>{this_name}</extra>"))
    if last_season and last_season in df:
        last_name = t("page.tickets.chart.last_season", lang)
        fig.add_trace(go.Scatter(
            y=names, x=df[last_season].tolist(), mode="markers", name=last_name,
            marker={"symbol": "line-ns-open", "size": 18, "color": charts.NEUTRAL,
                    "line": {"width": 3}},
            hovertemplate=f"%{{y}}: %{{x:{fmt}}}<extra>{last_name}</extra>"))
    fig.update_xaxes(title_text=charts.axis_title(title or kpi.text(lang)[0],
                                                  charts.axis_unit(kpi), lang),
                     tickformat=charts.tick_format(kpi.unit), rangemode="tozero")
    fig.update_yaxes(autorange="reversed", type="category")
    charts.style(fig, max(240, 90 + 30 * len(df)))
    fig.update_layout(hovermode="closest")
    if kpi.target is not None:
        charts.target_line(fig, kpi.target, t("page.tickets.chart.target", lang), axis="x")
    return fig
