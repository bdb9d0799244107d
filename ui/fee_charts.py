"""The fees page's figures, in ui/charts.py's conventions. No Streamlit: each
function takes what the KPI layer returned and gives a Plotly figure.

Payment methods come from the fee system in Chinese; in English they are shown
by their translation (page.fees.method.*), unknown ones as they are.
"""
from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import plotly.graph_objects as go

from i18n import has, t
from metrics.fee_views import OLDEST_AGE_BAND

from . import charts

_COLOR = charts.AREA["fees"]


def method_label(method, lang: str) -> str:
    if method is None or (isinstance(method, float) and math.isnan(method)):
        return t("page.fees.none", lang)
    key = f"page.fees.method.{method}"
    return t(key, lang) if has(key) else str(method)


def collection_curve(df: pd.DataFrame, lang: str) -> go.Figure:
    """The cumulative collection rate by amount through the season up to the
    cut-off, and last season's through its whole season on the same days
    (fee_views.collection_curve). The x axis is this season's calendar; last
    season's points sit on the day with the same number since season start."""
    this, last = df[df["curve"] == "this"], df[df["curve"] == "last"]
    season, last_season = df.attrs.get("season", ""), df.attrs.get("last_season", "")
    day0 = _day0(this) if len(this) else None
    fig = go.Figure()
    for part, name, color, width, dash in (
            (last, t("page.fees.curve.last", lang, season=last_season), charts.NEUTRAL, 2, "dot"),
            (this, t("page.fees.curve.this", lang, season=season), _COLOR, 3, None)):
        if part.empty:
            continue
        x = ([day0 + dt.timedelta(days=int(d)) for d in part["season_day"]]
             if day0 is not None else list(part["season_day"]))
        hover = [t("page.fees.hover.curve", lang, day=_date_text(d, lang),
                   paid=f"{p:,.2f}", due=f"{u:,.2f}")
                 for d, p, u in zip(part["day"], part["paid_cum_yuan"], part["due_yuan"])]
        fig.add_trace(go.Scatter(
            x=x, y=part["rate"].tolist(), mode="lines", name=name, customdata=hover,
            line={"color": color, "width": width, "dash": dash},
            hovertemplate="%{y:.1%}<br>%{customdata}<extra>" + name + "</extra>"))
    if len(this):
        end = this.iloc[-1]
        fig.add_trace(go.Scatter(
            x=[day0 + dt.timedelta(days=int(end["season_day"]))], y=[end["rate"]],
            mode="markers+text", text=[f"{end['rate']:.1%}" if pd.notna(end["rate"]) else ""],
            textposition="top left", marker={"color": _COLOR, "size": 10},
            name=t("page.fees.curve.cutoff", lang), hoverinfo="skip", showlegend=False))
    fig.update_yaxes(title_text=charts.axis_title(t("page.fees.axis.rate", lang), "percent",
                                                  lang),
                     tickformat=".0%", rangemode="tozero")
    fig.update_xaxes(title_text=t("page.fees.axis.day", lang))
    charts.date_axis(fig, lang)
    charts.style(fig, 380)
    fig.update_layout(hovermode="x unified")
    if day0 is not None:
        # Plotly cannot place a vline's own annotation on a date axis.
        fig.add_vline(x=day0, line_dash="dot", line_color="#BBBBBB")
        fig.add_annotation(x=day0, y=0, yref="paper", yanchor="bottom", xanchor="left",
                           text=t("page.fees.curve.season_start", lang), showarrow=False,
                           font={"color": charts.NEUTRAL})
    return fig


def _day0(this: pd.DataFrame) -> dt.date:
    first = this.iloc[0]
    return pd.Timestamp(first["day"]).date() - dt.timedelta(days=int(first["season_day"]))


def _date_text(d, lang: str) -> str:
    d = pd.Timestamp(d).date()
    return f"{d.year}年{d.month}月{d.day}日" if lang == "zh" else d.isoformat()


def arrears_by_age(df: pd.DataFrame, lang: str) -> go.Figure:
    """Arrears per age (the season a bill is for), stacked by whether anything
    was paid on it (fee_views.arrears_by_age)."""
    grid = df.pivot_table(index="seasons_behind", columns="partly_paid", values="arrears_yuan",
                          aggfunc="sum", fill_value=0.0) if len(df) else pd.DataFrame()
    labels = [age_label(a, lang) for a in grid.index]
    series = {t(key, lang): (grid[partly].astype(float).tolist() if partly in grid
                             else [0.0] * len(grid))
              for partly, key in ((False, "page.fees.arrears.unpaid"),
                                  (True, "page.fees.arrears.partly"))}
    fig = charts.stacked_bars(labels, series, charts.axis_title(
        t("page.fees.axis.arrears", lang), "yuan", lang), "yuan",
        colors=[charts.BAD, "#E89A8F"], height=300)
    fig.update_xaxes(title_text=t("page.fees.axis.age", lang), type="category")
    return fig


def age_label(seasons_behind: int, lang: str) -> str:
    if seasons_behind == 0:
        return t("page.fees.age.this", lang)
    if seasons_behind >= OLDEST_AGE_BAND:
        return t("page.fees.age.older", lang, n=OLDEST_AGE_BAND)
    return t("page.fees.age.last", lang)


# Days up to which a day's no-invoice mark is drawn at full size (a month).
MARKS_FULL_SIZE_DAYS = 31


def receipts_by_day(df: pd.DataFrame, lang: str) -> go.Figure:
    """Receipts per day stacked by payment method (fee_views.receipts_by_day),
    and the days with receipts lacking an invoice number as red marks."""
    grid = df.pivot_table(index="day", columns="method", values="amount_yuan", aggfunc="sum",
                          fill_value=0.0) if len(df) else pd.DataFrame()
    days = list(grid.index)
    series = {method_label(m, lang): grid[m].astype(float).tolist() for m in sorted(grid.columns)}
    fig = charts.stacked_bars(days, series, charts.axis_title(
        t("page.fees.axis.receipts", lang), "yuan", lang), "yuan", height=340)
    missing = df[df["receipts_without_invoice"] > 0].groupby("day").agg(
        n=("receipts_without_invoice", "sum"), total=("amount_yuan", "sum"))
    if len(missing):
        totals = grid.sum(axis=1).reindex(missing.index)
        name = t("page.fees.legend.no_invoice", lang)
        # Smaller over a season's ~120 days, where a mark a day crowded the bars.
        size = 11 if len(days) <= MARKS_FULL_SIZE_DAYS else 7
        fig.add_trace(go.Scatter(
            x=list(missing.index), y=totals.astype(float).tolist(),
            mode="markers", name=name, marker={"symbol": "triangle-down", "size": size,
                                               "color": charts.BAD},
            customdata=[int(n) for n in missing["n"]],
            hovertemplate="%{customdata:,d}<extra>" + name + "</extra>"))
    fig.update_xaxes(title_text=t("page.fees.axis.day", lang))
    charts.date_axis(fig, lang)
    return fig
