"""Plotly conventions for every dashboard chart: one colour scheme, axis
titles in the user's language with their unit, target lines, and a few chart
shapes the pages share (a line with a secondary axis, a heatmap, a histogram
with a target line). No Streamlit here: pages pass the figure to
st.plotly_chart, tests can inspect it.

    fig = charts.line_secondary(df["week"], {label: df["value"]}, kpi=get("temp_compliance_rate"),
                                secondary={t2: df["outdoor"]}, secondary_title=..., lang=lang)
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from i18n import t
from metrics import Kpi

# The company's warm red for heat, a calm blue for tickets, green for fees;
# status colours match the KPI cards (st.metric's green/red).
AREA = {"temperature": "#B5472E", "tickets": "#2E6FB5", "fees": "#3C8D5A"}
SERIES = ("#B5472E", "#2E6FB5", "#3C8D5A", "#8E5BB5", "#D28A2E", "#5B8E8E", "#7F7F7F")
GOOD, BAD, NEUTRAL = "#2E8B57", "#D62728", "#7F7F7F"
TARGET = "#D62728"        # target lines: dashed red
REFERENCE = "#2E6FB5"     # other reference lines (e.g. the outdoor design temperature)
SECONDARY = "#5B8EC9"     # a series on the secondary axis
DAY_MS = 24 * 3600 * 1000   # Plotly's date axes count in milliseconds
WEEK_MS = 7 * DAY_MS
# Heatmaps of a "higher is better" rate: red (bad) through yellow to green.
RATE_SCALE = [[0.0, "#D62728"], [0.5, "#F2C14E"], [1.0, "#2E8B57"]]
FONT = "system-ui, -apple-system, 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif"

_TICK_FORMAT = {"percent": ".0%", "count": ",d", "yuan": ",.0f", "hours": ",.1f",
                "per_10k_m2": ",.2f"}
_HOVER_FORMAT = {"percent": ".1%", "count": ",d", "yuan": ",.2f", "hours": ",.1f",
                 "per_10k_m2": ",.2f"}


def unit_label(unit: str, lang: str) -> str:
    """The unit as an axis shows it: %, 元, 小时, ℃ (metrics units and ui.chart.unit.*)."""
    key = f"metrics.unit.{unit}" if unit in _TICK_FORMAT else f"ui.chart.unit.{unit}"
    return t(key, lang)


def axis_title(label: str, unit: str | None, lang: str) -> str:
    """'室温达标率(%)' / 'Compliance rate (%)'. A label that already says its
    unit keeps it once: 'Readings', not 'Readings (readings)'; 'Complaints
    per 10,000 m²', not '… (per 10,000 m²)'."""
    if not unit:
        return label
    u = unit_label(unit, lang)
    if says_unit(label, u, lang):
        return label
    return f"{label}({u})" if lang == "zh" else f"{label} ({u})"


def says_unit(label: str, unit: str, lang: str) -> bool:
    """Whether `label` already names `unit` (as written on an axis): in
    Chinese anywhere in it, in English as whole words, in any case."""
    if not unit.strip():
        return True
    if lang == "zh":
        return unit in label
    return re.search(rf"(?<!\w){re.escape(unit)}(?!\w)", label, re.IGNORECASE) is not None


# What a KPI of unit "count" counts, by the rows of its model: an axis says
# 件 for tickets and 条 for readings, as every other axis of theirs does
# (the KPI layer's unit reads 个, which counts neither).
_COUNTED = {"ticket_facts": "tickets", "reading_flags": "readings"}


def axis_unit(kpi: Kpi) -> str:
    """The unit an axis of `kpi` names: its own, a count what it counts."""
    if kpi.unit == "count":
        return _COUNTED.get(kpi.model, kpi.unit)
    return kpi.unit


def kpi_axis_title(kpi: Kpi, lang: str) -> str:
    return axis_title(kpi.text(lang)[0], axis_unit(kpi), lang)


def tick_format(unit: str | None) -> str | None:
    return _TICK_FORMAT.get(unit or "")


def hover_format(unit: str | None) -> str:
    return _HOVER_FORMAT.get(unit or "", ",.1f")


def style(fig: go.Figure, height: int = 360, legend: bool = True) -> go.Figure:
    """The shared look: font, margins, legend above the plot, one hover box per x."""
    fig.update_layout(
        height=height, font={"family": FONT, "size": 13}, colorway=list(SERIES),
        margin={"l": 8, "r": 8, "t": 36, "b": 8}, hovermode="x unified",
        showlegend=legend, legend={"orientation": "h", "yanchor": "bottom", "y": 1.02,
                                   "xanchor": "left", "x": 0, "title": None},
        plot_bgcolor="white", paper_bgcolor="white")
    fig.update_xaxes(showgrid=False, linecolor="#BBBBBB", automargin=True)
    fig.update_yaxes(gridcolor="#EEEEEE", zeroline=False, automargin=True)
    return fig


def target_line(fig: go.Figure, y: float, text: str, color: str = TARGET,
                secondary: bool = False, axis: str = "y", position: str | None = None
                ) -> go.Figure:
    """A dashed horizontal line at `y` (axis="x": vertical at x = `y`), labelled
    at `position` (Plotly's annotation_position; default top left / top right)."""
    kw = {"line_dash": "dash", "line_color": color, "line_width": 1.5,
          "annotation_text": text, "annotation_font_color": color}
    if axis == "x":
        fig.add_vline(x=y, annotation_position=position or "top right", **kw)
    elif secondary:
        # add_hline(secondary_y=True) lands on the left axis of a make_subplots
        # figure: draw the line on the right axis ("y2") explicitly.
        line = {"color": color, "width": 1.5, "dash": "dash"}
        fig.add_shape(type="line", xref="paper", x0=0, x1=1, yref="y2", y0=y, y1=y, line=line)
        fig.add_annotation(xref="paper", x=0, yref="y2", y=y, text=text, showarrow=False,
                           xanchor="left", yanchor="top", font={"color": color})
    else:
        fig.add_hline(y=y, annotation_position=position or "top left", **kw)
    return fig


# At most this many ticks of whole weeks on a date axis.
WEEK_TICKS = 10


def date_axis(fig: go.Figure, lang: str) -> go.Figure:
    """Dates on the x axis as the language writes them (11月17日 / 17 Nov).
    Over more than three weeks the ticks fall on Mondays, every week or
    every few, as weeks are ISO weeks here: Plotly's own weekly ticks fall
    on Sundays, the last day of a week, under points drawn on Mondays."""
    fig.update_xaxes(tickformat="%-m月%-d日" if lang == "zh" else "%-d %b",
                     hoverformat="%Y-%m-%d")
    days = pd.to_datetime(pd.Series([x for tr in fig.data if tr.x is not None for x in tr.x],
                                    dtype=object), errors="coerce").dropna()
    if len(days) and (days.max() - days.min()).days > 21:
        first = days.min().normalize()
        monday = first - pd.Timedelta(days=first.weekday())
        weeks = (days.max() - monday).days // 7 + 1
        step = -(-weeks // WEEK_TICKS)
        fig.update_xaxes(tickmode="linear", tick0=monday.strftime("%Y-%m-%d"),
                         dtick=step * WEEK_MS)
    return fig


def line(x: Sequence, series: Mapping[str, Sequence], y_title: str, unit: str | None,
         colors: Sequence[str] = SERIES, height: int = 320) -> go.Figure:
    """One line per named series over a shared x."""
    fig = go.Figure()
    for (name, y), color in zip(series.items(), colors):
        fig.add_trace(go.Scatter(x=list(x), y=list(y), name=name, mode="lines+markers",
                                 line={"color": color, "width": 2}, marker={"size": 5},
                                 hovertemplate=f"%{{y:{hover_format(unit)}}}"))
    fig.update_yaxes(title_text=y_title, tickformat=tick_format(unit))
    return style(fig, height)


def line_secondary(x: Sequence, primary: Mapping[str, Sequence], y_title: str, unit: str | None,
                   secondary: Mapping[str, Sequence], y2_title: str, unit2: str | None = None,
                   colors: Sequence[str] = SERIES, height: int = 380,
                   secondary_x: Sequence | None = None, y_range: Sequence[float] | None = None,
                   y2_range: Sequence[float] | None = None) -> go.Figure:
    """Lines on the left axis and, on a right axis, dotted lines of another
    measure (e.g. the outdoor temperature beside a compliance rate);
    `secondary_x` when that measure has its own x (days beside weeks)."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    for (name, y), color in zip(primary.items(), colors):
        fig.add_trace(go.Scatter(x=list(x), y=list(y), name=name, mode="lines+markers",
                                 line={"color": color, "width": 2.5}, marker={"size": 6},
                                 hovertemplate=f"%{{y:{hover_format(unit)}}}"),
                      secondary_y=False)
    for name, y in secondary.items():
        fig.add_trace(go.Scatter(x=list(x if secondary_x is None else secondary_x), y=list(y),
                                 name=name, mode="lines",
                                 line={"color": SECONDARY, "width": 1.5, "dash": "dot"},
                                 hovertemplate=f"%{{y:{hover_format(unit2)}}}"),
                      secondary_y=True)
    fig.update_yaxes(title_text=y_title, tickformat=tick_format(unit), secondary_y=False,
                     range=list(y_range) if y_range is not None else None)
    # The right axis keeps its own ticks: aligned to the left grid they land on
    # odd values (2.64, -1.73).
    fig.update_yaxes(title_text=y2_title, tickformat=tick_format(unit2), secondary_y=True,
                     showgrid=False, tickmode="auto", nticks=6,
                     range=list(y2_range) if y2_range is not None else None)
    return style(fig, height)


def heatmap(x: Sequence, y: Sequence, z, x_title: str, y_title: str, z_title: str,
            unit: str | None = "percent", text=None, height: int | None = None,
            scale=RATE_SCALE, zmin: float | None = None, zmax: float | None = None
            ) -> go.Figure:
    """A grid of values (rows `y`, columns `x`); `text` is shown on hover
    (e.g. the numerator and denominator of each cell)."""
    fig = go.Figure(go.Heatmap(
        x=list(x), y=list(y), z=z, colorscale=scale, zmin=zmin, zmax=zmax, xgap=1, ygap=1,
        customdata=text, colorbar={"title": {"text": z_title}, "tickformat": tick_format(unit)},
        hovertemplate=("%{y} · %{x}<br>" + f"%{{z:{hover_format(unit)}}}"
                       + ("<br>%{customdata}" if text is not None else "") + "<extra></extra>")))
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title, autorange="reversed")
    style(fig, height or max(240, 40 + 28 * len(list(y))), legend=False)
    fig.update_layout(hovermode="closest")
    return fig


def histogram(values: Sequence[float], x_title: str, y_title: str, target: float | None = None,
              target_text: str = "", bin_size: float | None = None,
              color: str = AREA["temperature"], height: int = 320,
              counts: Sequence[float] | None = None) -> go.Figure:
    """The distribution of `values` with a dashed target line. With `counts`,
    `values` are bin starts already counted (in SQL) and `bin_size` their width."""
    if counts is not None:
        size = bin_size or 1.0
        fig = go.Figure(go.Bar(x=[v + size / 2 for v in values], y=list(counts), width=size,
                               marker_color=color,
                               customdata=[f"{v:g}–{v + size:g}" for v in values],
                               hovertemplate="%{customdata}: %{y:,d}<extra></extra>"))
    else:
        xbins = {"size": bin_size} if bin_size else None
        fig = go.Figure(go.Histogram(x=list(values), xbins=xbins, marker_color=color,
                                     hovertemplate="%{x}: %{y:,d}<extra></extra>"))
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title)
    style(fig, height, legend=False)
    fig.update_layout(bargap=0.05, hovermode="closest")
    if target is not None:
        target_line(fig, target, target_text, axis="x")
    return fig


def bar(x: Sequence, y: Sequence, x_title: str, y_title: str, unit: str | None = None,
        color: str = SERIES[0], horizontal: bool = False, height: int = 320) -> go.Figure:
    """Plain bars; `horizontal` puts the categories on the y axis (long names)."""
    if horizontal:
        trace = go.Bar(y=list(x), x=list(y), orientation="h", marker_color=color,
                       hovertemplate=f"%{{y}}: %{{x:{hover_format(unit)}}}<extra></extra>")
    else:
        trace = go.Bar(x=list(x), y=list(y), marker_color=color,
                       hovertemplate=f"%{{x}}: %{{y:{hover_format(unit)}}}<extra></extra>")
    fig = go.Figure(trace)
    value_axis = fig.update_xaxes if horizontal else fig.update_yaxes
    category_axis = fig.update_yaxes if horizontal else fig.update_xaxes
    value_axis(title_text=y_title, tickformat=tick_format(unit))
    category_axis(title_text=x_title)
    if horizontal:
        fig.update_yaxes(autorange="reversed")
    style(fig, height, legend=False)
    fig.update_layout(hovermode="closest")
    return fig


def stacked_bars(x: Sequence, series: Mapping[str, Sequence], y_title: str,
                 unit: str | None = "count", colors: Sequence[str] = SERIES,
                 height: int = 260) -> go.Figure:
    """Bars stacked per x, one colour per named series (parts of one whole)."""
    fig = go.Figure([go.Bar(x=list(x), y=list(y), name=name, marker_color=color,
                            hovertemplate=f"%{{y:{hover_format(unit)}}}")
                     for (name, y), color in zip(series.items(), colors)])
    fig.update_yaxes(title_text=y_title, tickformat=tick_format(unit))
    style(fig, height)
    fig.update_layout(barmode="stack", bargap=0.15)
    return fig


def scatter_fit(x: Sequence, y: Sequence, fit_x: Sequence, fit_y: Sequence, x_title: str,
                y_title: str, names: Mapping[str, str], height: int = 360) -> go.Figure:
    """Points and a fitted line (names: 'points', 'fit')."""
    fig = go.Figure([
        go.Scatter(x=list(x), y=list(y), mode="markers", name=names["points"],
                   marker={"color": AREA["temperature"], "size": 6, "opacity": 0.6},
                   hovertemplate="%{x:.1f} → %{y:.1f}<extra></extra>"),
        go.Scatter(x=list(fit_x), y=list(fit_y), mode="lines", name=names["fit"],
                   line={"color": NEUTRAL, "width": 2},
                   hovertemplate="%{x:.1f} → %{y:.1f}<extra></extra>"),
    ])
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title)
    style(fig, height)
    fig.update_layout(hovermode="closest")
    return fig


def day_span(weeks: Sequence, days: Sequence = ()) -> list[str] | None:
    """One x range for charts of `weeks` (each a Monday) and of `days`, each
    mark drawn over the days it covers (`over_days`): first Monday to the
    last week's Sunday, first day to the last."""
    mondays = pd.to_datetime(pd.Series(list(weeks), dtype=object)).dropna()
    dates = pd.to_datetime(pd.Series(list(days), dtype=object)).dropna()
    if mondays.empty and dates.empty:
        return None
    ends = [(s.min(), s.max() + pd.Timedelta(days=n)) for s, n in ((mondays, 7), (dates, 1))
            if len(s)]
    return [min(a for a, _ in ends).isoformat(), max(b for _, b in ends).isoformat()]


def over_days(fig: go.Figure, span: Sequence | None, weekly: Sequence[str] | None = None,
              margin: tuple[int, int] | None = (72, 64)) -> go.Figure:
    """Charts drawn one above the other over the same days: a weekly mark
    (traces named in `weekly`, every trace when None) sits over its Monday to
    Sunday, a daily one over its day, the x range is `span` (day_span), and
    the plot area has fixed side margins (none for a chart alone), so a right
    axis on one chart does not shift its days against the other's."""
    for trace in fig.data:
        week = weekly is None or trace.name in weekly
        trace.update(xperiod=WEEK_MS if week else DAY_MS, xperiodalignment="middle")
    # make_subplots keeps the x axis off the right axis's room (domain to
    # 0.94); the fixed margin holds that axis here.
    fig.update_xaxes(range=list(span) if span else None, domain=[0, 1])
    if margin is not None:
        fig.update_yaxes(automargin=False)
        fig.update_layout(margin={"l": margin[0], "r": margin[1]})
    return fig


def period_band(fig: go.Figure, start, end, weeks: Sequence) -> go.Figure:
    """The chosen period (its days `start`-`end`) as a shaded band on a chart
    of `weeks` (each a Monday), clipped to the weeks drawn: a period outside
    them (a summer week on the season's trend) gets no band, not an empty
    stretch of axis out to it."""
    days = pd.to_datetime(pd.Series(list(weeks))).dropna()
    if days.empty:
        return fig
    x0 = max(pd.Timestamp(start), days.min())
    x1 = min(pd.Timestamp(end) + pd.Timedelta(days=1), days.max() + pd.Timedelta(days=7))
    if x0 < x1:
        fig.add_vrect(x0=x0, x1=x1, fillcolor="#F2C14E", opacity=0.15, line_width=0)
    return fig
