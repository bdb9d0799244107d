"""总览: the three areas at a glance for the chosen filters: headline cards,
one trend line per area through the season, and what needs attention, each
list linking to its page with the same filters."""
from __future__ import annotations

from dataclasses import replace
from functools import partial

import pandas as pd
import streamlit as st

from i18n import DEFAULT_LANG, t
from metrics import MetricError, action_list, get
from metrics.display import format_value, reasons_of
from metrics.fee_views import coming_rates
from metrics.trends import weekly
from pipelines.coverage import freshness, period_rows, season_bounds
from ui import charts, db, figures, fmt, kpi, session, tables
from ui.prefetch import prefetch
from ui.filters import encode
from ui.lang import current, tr
from ui.sidebar import current_filters

AREAS = {
    "temperature": ("pages/temperature.py", ":material/thermostat:",
                    ("temp_compliance_rate", "temp_household_compliance_rate",
                     "refund_exposure_amount")),
    "tickets": ("pages/tickets.py", ":material/support_agent:",
                ("ticket_on_time_rate", "ticket_closure_rate", "ticket_unanswered")),
    "fees": ("pages/fees.py", ":material/payments:",
             ("fee_collection_rate_amount", "fee_collection_rate_households",
              "fee_arrears_amount")),
}
# The trend line of each area: the first card's KPI.
TRENDS = {area: spec[2][0] for area, spec in AREAS.items()}
TOP = 5

session.page_guard()
lang = current()
f = current_filters()
period = kpi.period_of(f)
filters = kpi.metric_filters(f)
scope = kpi.scope()


def trend_calls() -> dict[str, tuple]:
    first, _ = season_bounds(f.season)
    until = max(first, f.end)
    return {area: (weekly, kpi_id, f.season, filters, scope, until, f.as_of)
            for area, kpi_id in TRENDS.items()}


# The arrears beside the 欠费金额 card are the bills of the period's fee season
# (fee_season_arrears: the ones the card sums, as in the weekly report), not
# the earlier seasons' the fees page lists too.
LISTS = {name: (action_list, name, period, filters, scope, TOP)
         for name in ("cold_buildings", "unanswered_tickets", "fee_season_arrears")}
# A branch user's counts are their branch's, like every figure they see.
COUNTS = (period_rows, f.start, f.end, f.season,
          f.branches or (() if scope is None else (scope,)), f.stations)
FRESHNESS = (freshness,)
# Between two seasons: the coming season's collection so far (ui.kpi.coming_call).
AHEAD = kpi.coming_call(f)
CARDS = [i for spec in AREAS.values() for i in spec[2]]


def link_params(**changes) -> dict:
    """The URL of the current filters (and language), with `changes` applied:
    a page opened by the link shows the same slice."""
    params = encode(replace(f, **{k: v for k, v in changes.items() if k in ("stations",)}))
    if lang != DEFAULT_LANG:
        params["lang"] = lang
    params.update({k: v for k, v in changes.items() if k != "stations"})
    return params


def page_link(area: str, label: str, **changes) -> None:
    page, icon, _ = AREAS[area]
    st.page_link(page, label=label, icon=icon, query_params=link_params(**changes))


def headline() -> dict[str, kpi.CardData]:
    data = kpi.card_data(CARDS, f, [reads.get(c) for c in card_calls])
    for col, (area, (_, icon, kpi_ids)) in zip(st.columns(len(AREAS)), AREAS.items()):
        with col:
            st.subheader(tr(f"page.overview.area.{area}"))
            for kpi_id in kpi_ids:
                kpi.card(data[kpi_id], lang)
            if area == "fees":
                coming()
            page_link(area, tr(f"page.overview.open.{area}"))
    return data


def coming() -> None:
    """Between two seasons, under the fee cards (the season that ended): the
    coming season's collection so far, the autumn's topic (预收)."""
    ahead = coming_rates(reads.get(AHEAD) if AHEAD else None)
    if ahead:
        amount, households = ahead
        st.info(tr("page.overview.coming", coming=AHEAD[1].season,
                   cutoff=fmt.date(f.end, lang), rate=fmt.percent(amount.value, lang),
                   rate_households=fmt.percent(households.value, lang)),
                icon=":material/event_upcoming:")


def trends() -> pd.DataFrame:
    st.subheader(tr("page.overview.trend"))
    frames = {area: reads.get(call) for area, call in trend_calls().items()}
    series = {tr(f"page.overview.trend_series.{area}", label=get(kpi_id).text(lang)[0]):
              frames[area]["value"] for area, kpi_id in TRENDS.items()}
    weeks = frames["temperature"]["week"]
    table = pd.DataFrame({"week": weeks.dt.date})
    for area, kpi_id in TRENDS.items():
        table[area] = frames[area]["value"]
    if not any(v.notna().any() for v in series.values()):
        # A season without data yet (?season=2026-2027) drew bare axes and the
        # period's band; say so in the chart's place, as figures.show does.
        st.info(tr("page.overview.trend_empty", season=f.season),
                icon=":material/bar_chart_off:")
        return table

    def build():
        low = min([0.5] + [float(v.min()) for v in series.values() if v.notna().any()])
        fig = charts.line(weeks, series,
                          charts.axis_title(tr("page.overview.rate"), "percent", lang),
                          "percent", colors=[charts.AREA[a] for a in TRENDS])
        fig.update_yaxes(range=[max(0.0, low - 0.05), 1.02])
        # each week's point over its Monday to Sunday, as the band of a week
        charts.over_days(charts.date_axis(fig, lang), charts.day_span(weeks), margin=None)
        return charts.period_band(fig, f.start, f.end, weeks)

    inputs = (*trend_calls().values(), f.start, f.end, lang)
    st.plotly_chart(figures.memo("o_trend", inputs, build), key="o_trend")
    st.caption(tr("page.overview.trend_note"))
    with st.expander(tr("page.overview.trend_table")):
        tables.show(table, lang, key="o_trend", file_name=tr("page.overview.file.trend"),
                    sheet=tr("page.overview.trend"),
                    labels={"week": tr("page.overview.week"),
                            **{a: get(k).text(lang)[0] for a, k in TRENDS.items()}},
                    texts={get(k).text(lang)[0]: partial(fmt.percent, lang=lang)
                           for k in TRENDS.values()})
    return table


def cold_buildings(measured: bool) -> None:
    st.markdown(f"**{tr('page.overview.cold_buildings')}**")
    df = reads.get(LISTS["cold_buildings"])
    if df.empty:
        # nothing measured: "no building below target" would be no good news
        st.caption(tr("page.overview.none_cold" if measured else "page.temperature.no_counted"))
    for _, r in df.iterrows():
        label = tr("page.overview.cold_building", community=r["community"],
                   building=r["building"], station=r["station"],
                   failed=fmt.number(r["readings_failed"], lang),
                   counted=fmt.number(r["readings_counted"], lang))
        page_link("temperature", label, stations=(r["station"],), d_branch=r["branch"],
                  d_station=r["station"], d_community=r["community"], d_building=r["building"])


def whole(name: str, shown: pd.DataFrame, then=lambda df: df) -> tuple:
    """The download of a list of which TOP rows are shown: every row, read
    when the button is clicked (`then` makes them like the rows shown)."""
    read = db.later(action_list, name, period, filters, scope)
    return (lambda: then(read())), int(shown.attrs.get("total_rows", len(shown)))


def with_reason(df: pd.DataFrame) -> pd.DataFrame:
    # `lang`, not tr(): the download's rows are read outside the session.
    # The words of the 工单 page's list and the report's (metrics.reason.*).
    return df.assign(reason=reasons_of(df, lang))


def tickets(data: dict[str, kpi.CardData]) -> None:
    unanswered = data["ticket_unanswered"]
    st.markdown(f"**{tr('page.overview.unanswered')}**")
    st.caption(tr("page.overview.unanswered_count",
                  n=format_value(unanswered.kpi, unanswered.now.value, lang)))
    top = reads.get(LISTS["unanswered_tickets"])
    df = with_reason(top)
    tables.show(df, lang, key="o_unanswered", file_name=tr("page.overview.file.unanswered"),
                sheet=tr("page.overview.unanswered"),
                whole=whole("unanswered_tickets", top, with_reason),
                columns=["ticket_no", "category", "station", "received_at", "reason",
                         "hours_overdue"],
                labels={"reason": tr("page.overview.reason")},
                empty=tr("page.overview.none_unanswered"))
    page_link("tickets", tr("page.overview.open.tickets"))


def arrears(data: dict[str, kpi.CardData]) -> None:
    season = period.fee_season
    st.markdown(f"**{tr('page.overview.arrears', season=season)}**")
    top = reads.get(LISTS["fee_season_arrears"])
    st.caption(tr("page.overview.arrears_note", season=season))
    if data["fee_collection_rate_households"].now.denominator == 0:
        # No bill of the season in the selection: no debt is known, which is
        # not "没有欠费" (the card reads — for the same reason).
        st.info(tr("page.overview.no_bills", season=season))
        page_link("fees", tr("page.overview.open.fees"))
        return
    tables.show(top, lang, key="o_arrears",
                file_name=tr("page.overview.file.arrears", season=season),
                sheet=tr("page.overview.arrears", season=season),
                whole=whole("fee_season_arrears", top),
                columns=["household_id", "name", "station", "community", "season",
                         "arrears_yuan", "age_days"],
                empty=tr("page.overview.none_arrears"))
    page_link("fees", tr("page.overview.open.fees"))


def attention(data: dict[str, kpi.CardData]) -> None:
    st.subheader(tr("page.overview.attention"))
    st.caption(tr("page.overview.attention_note", period=fmt.period(f.start, f.end, lang)))
    cold_buildings(bool(data["temp_compliance_rate"].now.denominator))
    tickets(data)
    arrears(data)


def data_counts() -> None:
    """How many rows of each dataset the filters select: a KPI built on few rows
    says little, and an empty warehouse is the first thing to fix."""
    counts = reads.get(COUNTS)
    if all(x.rows == 0 for x in reads.get(FRESHNESS)):
        st.info(tr("ui.overview.empty"))
    with st.expander(tr("page.overview.counts")):
        for col, (dataset, n) in zip(st.columns(len(counts)), counts.items()):
            col.metric(t(f"dataset.{dataset}", lang), fmt.number(n, lang))
        st.caption(tr("ui.overview.counts_note"))


st.title(tr("ui.overview.title"))
places = fmt.join(f.places(kpi.scope()), lang) or tr("ui.filters.whole_company")
st.caption(tr("ui.overview.scope", season=f.season, period=fmt.period(f.start, f.end, lang),
              places=places))
try:
    card_calls = kpi.card_calls(CARDS, f)
    # In two stages: the cards are drawn while the trends and lists are read.
    reads = prefetch([COUNTS, FRESHNESS, *card_calls])
    data_counts()
    shown = headline()
    reads.extend([*trend_calls().values(), *LISTS.values(), *([AHEAD] if AHEAD else [])])
    trends()
    attention(shown)
except MetricError as exc:
    st.error(exc.message(lang))
