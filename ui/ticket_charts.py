"""The tickets page's figures, in ui/charts.py's conventions. No Streamlit:
each function takes what the KPI layer returned and gives a Plotly figure, so
tests can read what a chart shows.

Category and channel names come from the hotline system in Chinese; in
English they are shown by their translation (page.tickets.category.* /
page.tickets.channel.*), unknown ones as they are.
"""
from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from i18n import has, t
from metrics.ticket_views import AGE_BAND_HOURS

from . import charts, fmt

_COLOR = charts.AREA["tickets"]


def value_label(kind: str, value, lang: str) -> str:
    """A data value (kind: category, channel, stage) in the user's language."""
    if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
        return t("page.tickets.none", lang)
    key = f"page.tickets.{kind}.{value}"
    return t(key, lang) if has(key) else str(value)


def _unknown_named(df: pd.DataFrame) -> pd.DataFrame:
    """Tickets without a category kept (as ""): a pivot would drop them."""
    return df.assign(category=df["category"].fillna("")) if len(df) else df


def _present(categories: list[str], found) -> list[str]:
    """The categories found, in the hotline's order, others after them."""
    found = list(found)
    return [c for c in categories if c in found] + sorted(c for c in found
                                                          if c not in categories)


def category_colors(categories: list[str], present: list[str]) -> list[str]:
    """One colour per category, the same in every chart: by its place in the
    hotline's list (settings), others after it."""
    order = categories + [c for c in present if c not in categories]
    return [charts.SERIES[order.index(c) % len(charts.SERIES)] for c in present]


def hours_text(hours, lang: str) -> str:
    if hours is None or (isinstance(hours, float) and math.isnan(hours)):
        return fmt.EMPTY
    return t("metrics.unit.hours_value", lang, value=f"{hours:,.1f}")


def volume_by_day(df: pd.DataFrame, lang: str, categories: list[str]) -> go.Figure:
    """Tickets received per day, stacked by category (query tickets_received by
    day and category); categories in the hotline's order."""
    grid = _unknown_named(df).pivot_table(index="day", columns="category", values="numerator",
                                          aggfunc="sum", fill_value=0) \
        if len(df) else pd.DataFrame()
    days = list(grid.index)
    present = _present(categories, grid.columns)
    series = {value_label("category", c, lang): grid[c].astype(int).tolist() for c in present}
    fig = charts.stacked_bars(days, series, t("page.tickets.axis.tickets", lang), "count",
                              colors=category_colors(categories, present), height=320)
    fig.update_xaxes(title_text=t("page.tickets.axis.day", lang))
    charts.date_axis(fig, lang)
    return fig


def volume_by_channel(df: pd.DataFrame, lang: str) -> go.Figure:
    """Tickets received per channel, the largest first."""
    df = df.sort_values("numerator", ascending=False)
    return charts.bar([value_label("channel", c, lang) for c in df["channel"]],
                      df["numerator"].tolist(), t("page.tickets.axis.channel", lang),
                      t("page.tickets.axis.tickets", lang), "count", color=_COLOR,
                      horizontal=True, height=max(220, 60 + 34 * len(df)))


def resolution_box(df: pd.DataFrame, lang: str) -> go.Figure:
    """Per category, the resolution hours of the tickets resolved in the
    period as a box (quartiles, whiskers P10-P90), the median as a diamond
    and the time limit as a red bar (ticket_views.resolution_by_category)."""
    names = [value_label("category", c, lang) for c in df["category"]]
    hover = [t("page.tickets.hover.resolution", lang, n=f"{int(n):,}",
               median=hours_text(m, lang), p90=hours_text(p, lang),
               limit=hours_text(lim, lang), within=f"{w:.1%}" if pd.notna(w) else fmt.EMPTY)
             for n, m, p, lim, w in zip(df["resolved"], df["median_hours"], df["p90_hours"],
                                        df["limit_hours"], df["within_limit_share"])]
    fig = go.Figure()
    fig.add_trace(go.Box(
        x=names, q1=df["q1_hours"].tolist(), median=df["median_hours"].tolist(),
        q3=df["q3_hours"].tolist(), lowerfence=df["p10_hours"].tolist(),
        upperfence=df["p90_hours"].tolist(), name=t("page.tickets.legend.box", lang),
        marker_color=_COLOR, fillcolor="rgba(46,111,181,0.25)", hoverinfo="skip",
        boxpoints=False))
    fig.add_trace(go.Scatter(
        x=names, y=df["median_hours"].tolist(), mode="markers",
        name=t("page.tickets.legend.median", lang),
        marker={"symbol": "diamond", "size": 10, "color": _COLOR}, customdata=hover,
        hovertemplate="%{x}<br>%{customdata}<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=names, y=df["limit_hours"].tolist(), mode="markers",
        name=t("page.tickets.legend.limit", lang),
        marker={"symbol": "line-ew-open", "size": 44, "color": charts.TARGET,
                "line": {"width": 3}},
        hovertemplate=f"%{{x}}: %{{y:,.0f}} {t('metrics.unit.hours', lang)}<extra>"
                      f"{t('page.tickets.legend.limit', lang)}</extra>"))
    fig.update_yaxes(title_text=charts.axis_title(t("page.tickets.axis.resolution", lang),
                                                  "hours", lang), rangemode="tozero")
    fig.update_xaxes(title_text=t("page.tickets.axis.category", lang))
    charts.style(fig, 360)
    fig.update_layout(hovermode="closest")
    return fig


def backlog(df: pd.DataFrame, lang: str, categories: list[str]) -> go.Figure:
    """Open tickets at the cut-off per age band, stacked by category
    (ticket_views.backlog_by_age); every band on the axis, empty or not."""
    bands = list(range(1, len(AGE_BAND_HOURS) + 1))
    labels = [band_label(b, lang) for b in bands]
    grid = _unknown_named(df).pivot_table(index="band", columns="category", values="tickets",
                                          aggfunc="sum", fill_value=0) \
        .reindex(bands, fill_value=0) if len(df) else pd.DataFrame(index=bands)
    present = _present(categories, grid.columns)
    series = {value_label("category", c, lang): grid[c].astype(int).tolist() for c in present}
    fig = charts.stacked_bars(labels, series, t("page.tickets.axis.open", lang), "count",
                              colors=category_colors(categories, present), height=320)
    fig.update_xaxes(title_text=t("page.tickets.axis.age", lang), type="category")
    return fig


def band_label(band: int, lang: str) -> str:
    """'1–2 天' / '1–2 days' for an age band of ticket_views.AGE_BAND_HOURS."""
    lower = AGE_BAND_HOURS[band - 1]
    upper = AGE_BAND_HOURS[band] if band < len(AGE_BAND_HOURS) else None
    if upper is None:
        return t("page.tickets.band.over", lang, days=_days(lower))
    if lower == 0:
        return t("page.tickets.band.under", lang, hours=f"{upper:g}")
    return t("page.tickets.band.between", lang, low=_days(lower), high=_days(upper))


def _days(hours: float) -> str:
    return f"{hours / 24:g}"


def funnel(totals: pd.DataFrame, lang: str) -> go.Figure:
    """Resolved -> followed up -> rated -> satisfied (ticket_views.funnel_totals),
    each stage with its share of the one before."""
    names = [value_label("stage", s, lang) for s in totals["stage"]]
    text = []
    for i, (n, prev) in enumerate(zip(totals["tickets"], totals["share_of_previous"])):
        share = "" if i == 0 or pd.isna(prev) else \
            "<br>" + t("page.tickets.hover.of_previous", lang, share=f"{prev:.1%}")
        text.append(f"{int(n):,}{share}")
    fig = go.Figure(go.Funnel(
        y=names, x=totals["tickets"].tolist(), text=text, textinfo="text",
        marker={"color": [_COLOR, "#4F8BC9", "#7FAAD8", charts.GOOD]},
        connector={"fillcolor": "#EEF2F7", "line": {"color": "#D5DCE6"}},
        hovertemplate="%{y}: %{x:,d}<extra></extra>"))
    fig.update_xaxes(title_text=t("page.tickets.axis.tickets", lang))
    charts.style(fig, 300, legend=False)
    fig.update_layout(hovermode="closest")
    return fig
