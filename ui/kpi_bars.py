"""One KPI per slice (station, branch, community, ...) as horizontal bars (a
rate as dots on an axis around its values), in ui/charts.py's conventions:
the value with its numerator and denominator on hover, the same point of
last season as a grey tick, the target as a dashed line and each bar green
or red against it (grey-blue without a target).
No Streamlit: tests read the figure."""
from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go

from i18n import t
from metrics import Kpi
from metrics.display import format_part, parts_with_units

from . import charts


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA


def part_text(x) -> str:
    """A numerator or denominator as metrics.display.format_part writes it
    (whole numbers grouped, amounts with 2 decimals), pandas' NA too."""
    return format_part(None if _missing(x) else x)


def status_color(kpi: Kpi, value, neutral: str) -> str:
    if kpi.target is None or _missing(value) or kpi.direction == "neutral":
        return neutral
    ok = value >= kpi.target if kpi.direction == "higher" else value <= kpi.target
    return charts.GOOD if ok else charts.BAD


def rate_range(values) -> list[float]:
    """The x range of a dot plot of rates: every value (and the target) with
    a margin, within 0-100 %, at least 4 points wide; a little past 0 % or
    100 % when it reaches them, so that a dot there is drawn whole."""
    xs = [float(v) for v in values if not _missing(v)]
    if not xs:
        return [0.0, 1.0]
    lo, hi = min(xs), max(xs)
    pad = max(0.01, 0.08 * (hi - lo))
    lo, hi = lo - pad, hi + pad
    if hi - lo < 0.04:
        mid = (lo + hi) / 2
        lo, hi = mid - 0.02, mid + 0.02
    lo, hi = max(0.0, lo), min(1.0, hi)
    if hi <= lo:
        lo, hi = 0.0, 1.0
    edge = 0.025 * (hi - lo)
    return [lo - edge if lo <= 0.0 else lo, hi + edge if hi >= 1.0 else hi]


TICK_STEPS = (0.005, 0.01, 0.02, 0.05, 0.1, 0.2)


def rate_ticks(x_range) -> tuple[list[float], str]:
    """The ticks of a dot plot's rate axis and their format: at most 8, on
    round percents, never past 0 % or 100 % (the range may reach a little
    beyond them); whole percents, tenths when the step is half a point."""
    lo, hi = max(0.0, x_range[0]), min(1.0, x_range[1])
    step = next((s for s in TICK_STEPS if (hi - lo) / s <= 8), TICK_STEPS[-1])
    first, last = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
    return [round(k * step, 6) for k in range(first, last + 1)], ".1%" if step < 0.01 else ".0%"


def by_slice(df: pd.DataFrame, dim: str, kpi: Kpi, lang: str, color: str,
             name: Callable[[object], str] | None = None, title: str | None = None,
             value: str = "value", last_season: str | None = "last_season_value",
             numerator: str = "numerator", denominator: str = "denominator") -> go.Figure:
    """Bars of `df[value]` per `df[dim]` (dots for a rate), best at the top. `name` turns a
    slice's value into its label (None: '(none)')."""
    df = df.sort_values(value, ascending=kpi.direction == "lower", na_position="last")
    label = name or (lambda v: t("page.tickets.none", lang) if _missing(v) else str(v))
    names = [label(v) for v in df[dim]]
    fmt = charts.hover_format(kpi.unit)
    parts = [(None if _missing(n) or _missing(d) else parts_with_units(kpi, n, d, lang))
             or t("page.tickets.chart.parts", lang, numerator=part_text(n),
                  denominator=part_text(d))
             for n, d in zip(df[numerator], df[denominator])]
    # A figure standing at the cut-off (the season's collection to date) is
    # not the period's own: its legend says so.
    this_name = t("page.tickets.chart.to_date" if kpi.standing else "page.tickets.chart.period",
                  lang)
    colors = [status_color(kpi, v, color) for v in df[value]]
    hover = f"%{{y}}: %{{x:{fmt}}}<br>%{{customdata}}<extra>{this_name}</extra>"
    dots = kpi.unit == "percent"
    if dots:
        # Rates as dots on an axis around them: bars from 0 % make 93.3 % and
        # 94.4 % the same length, and a bar cut short of 0 would lie.
        fig = go.Figure(go.Scatter(
            y=names, x=df[value].tolist(), mode="markers", name=this_name, customdata=parts,
            marker={"color": colors, "size": 13, "line": {"width": 1, "color": "white"}},
            cliponaxis=False, hovertemplate=hover))
    else:
        fig = go.Figure(go.Bar(
            y=names, x=df[value].tolist(), orientation="h", name=this_name, customdata=parts,
            marker_color=colors, hovertemplate=hover))
    if last_season and last_season in df:
        last_name = t("page.tickets.chart.last_season", lang)
        fig.add_trace(go.Scatter(
            y=names, x=df[last_season].tolist(), mode="markers", name=last_name,
            marker={"symbol": "line-ns-open", "size": 18, "color": charts.NEUTRAL,
                    "line": {"width": 3}}, cliponaxis=False,
            hovertemplate=f"%{{y}}: %{{x:{fmt}}}<extra>{last_name}</extra>"))
    fig.update_xaxes(title_text=charts.axis_title(title or kpi.text(lang)[0],
                                                  charts.axis_unit(kpi), lang),
                     tickformat=charts.tick_format(kpi.unit), rangemode="tozero")
    if dots:
        shown = rate_range([*df[value], kpi.target,
                            *(df[last_season] if last_season and last_season in df else [])])
        ticks, tick_format = rate_ticks(shown)
        fig.update_xaxes(range=shown, tickvals=ticks, tickformat=tick_format, rangemode="normal",
                         showgrid=True, gridcolor="#EEEEEE")
    fig.update_yaxes(autorange="reversed", type="category")
    charts.style(fig, max(240, 90 + 30 * len(df)))
    fig.update_layout(hovermode="closest")
    if kpi.target is not None:
        charts.target_line(fig, kpi.target, t("page.tickets.chart.target", lang), axis="x")
    return fig
