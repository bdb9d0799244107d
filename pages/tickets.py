"""工单: are tickets resolved, on time, followed up, with satisfied customers,
and is anything left unanswered (漏件)? Every figure from the KPI layer for the
sidebar's filters; lists masked, anonymous complainants never shown."""
from __future__ import annotations

import streamlit as st

from i18n import t
from metrics import action_list, get, query
from metrics import ticket_views as tv
from metrics.display import reasons_of
from metrics.views import with_last_season
from ui import figures, fmt, kept, kpi, long_lists, session, tables
from ui import ticket_charts as charts
from ui.charts import AREA
from ui.drill import rows_behind
from ui.kpi_bars import by_slice
from ui.lang import current
from ui.prefetch import prefetch
from ui.sidebar import current_filters

HEADLINE = ("tickets_received", "ticket_closure_rate", "ticket_on_time_rate",
            "ticket_unanswered", "complaints_per_10k_m2", "ticket_arrival_on_time_rate",
            "ticket_resolution_hours_median", "ticket_resolution_hours_p90",
            "ticket_followup_rate", "ticket_followup_on_time_rate", "ticket_satisfaction_rate")
# Three cards a row: five a row cut values at 1366 px ("33.4 …").
PER_ROW = 3
DRILL = ("tickets_received", "ticket_closure_rate", "ticket_on_time_rate",
         "ticket_arrival_on_time_rate", "ticket_resolution_hours_median", "ticket_followup_rate",
         "ticket_followup_on_time_rate", "ticket_satisfaction_rate", "ticket_unanswered",
         "complaints_per_10k_m2")
# What each list found comes first: at 1366 px a table shows about seven
# columns before it scrolls (how late and whose station; what was complained of).
LIST_COLUMNS = ("ticket_no", "reason", "hours_overdue", "station", "category", "received_at",
                "deadline_at", "description", "anonymous", "caller_name", "phone", "channel",
                "branch", "community", "building", "resolved_at", "file_name", "source_row")
REPEAT_COLUMNS = ("household_id", "complaints_in_window", "received_at", "description",
                  "responsible_station", "category", "ticket_no", "channel", "caller_name",
                  "phone", "branch", "station", "community", "building", "unit", "room",
                  "address", "resolved_at", "result", "satisfaction", "file_name",
                  "source_row")

session.page_guard()
lang = current()
f = current_filters()
period, filters, scope = kpi.period_of(f), kpi.metric_filters(f), kpi.scope()
categories = tv.categories()

# Every read of the page, run side by side before it draws (ui.prefetch).
CARDS = kpi.card_calls(HEADLINE, f)
BY_DAY = (query, "tickets_received", period, filters, ("day", "category"), scope)
BY_CHANNEL = (query, "tickets_received", period, filters, "channel", scope)
BY_STATION = (with_last_season, "tickets_received", "station", period, filters, scope)
PER_AREA = (with_last_season, "complaints_per_10k_m2", "station", period, filters, scope)
RESOLUTION = (tv.resolution_by_category, period, filters, scope)
ON_TIME = (with_last_season, "ticket_on_time_rate", "station", period, filters, scope)
BACKLOG = (tv.backlog_by_age, period, filters, scope)
FUNNEL = (tv.followup_funnel, period, filters, scope)
UNANSWERED = (action_list, "unanswered_tickets", period, filters, scope)
REPEAT = (tv.repeat_complaint_tickets, period, filters, scope)
reads = prefetch([*CARDS, BY_DAY, BY_CHANNEL, BY_STATION, PER_AREA, RESOLUTION, ON_TIME, BACKLOG, FUNNEL,
                  UNANSWERED, REPEAT])


def tr(key: str, **params) -> str:
    return t(f"page.tickets.{key}", lang, **params)


def plot(key: str, inputs: tuple, build) -> None:
    """A chart built once per `inputs` (the reads it draws), language and data
    version, and shared by every session (ui.figures)."""
    figures.show(key, (*inputs, lang), build, lang, config={"displayModeBar": False})


def resolution_column(column: str, name: str):
    """A column of the resolution table on screen: a short header, with its
    full `name` (the download's header) as help. Fourteen columns under their
    full names ran past the grid's right edge at 1366 px."""
    short = {"label": tr(f"col_short.{column}"), "help": name}
    if column == "category":
        return st.column_config.TextColumn(**short)
    if column == "within_limit_share":   # a percent as on the cards (tables.cell_texts)
        return st.column_config.NumberColumn(**short)
    number = "%,.1f" if column.endswith("_hours") else tables.COUNT_FORMAT
    return st.column_config.NumberColumn(format=number, **short)


st.title(tr("title"))
places = fmt.join(f.places(kpi.scope()), lang) or t("ui.filters.whole_company", lang)
st.caption(tr("scope", period=fmt.period(f.start, f.end, lang), places=places))

kpi.card_row(HEADLINE, f, lang, per_row=PER_ROW, fetched=[reads.get(c) for c in CARDS])
rows_behind(DRILL, period, filters, scope, lang, key="tickets")

# --- volume -----------------------------------------------------------------------
st.subheader(tr("volume.title"))
by_day = reads.get(BY_DAY)
plot("tickets_by_day", (BY_DAY,), lambda: charts.volume_by_day(by_day, lang, categories))
left, right = st.columns(2)
with left:
    st.markdown(f"**{tr('volume.by_channel')}**")
    by_channel = reads.get(BY_CHANNEL)
    plot("tickets_by_channel", (BY_CHANNEL,), lambda: charts.volume_by_channel(by_channel, lang))
with right:
    st.markdown(f"**{tr('volume.complaints_per_area')}**")
    per_area = reads.get(PER_AREA)
    per_area = per_area[per_area["denominator"].fillna(0) > 0]
    plot("complaints_per_area", (PER_AREA,),
         lambda: by_slice(per_area, "station", get("complaints_per_10k_m2"), lang, AREA["tickets"]))
    st.caption(tr("volume.complaints_per_area_note"))
# By the ticket's responsible station (DESIGN 2.2: volume by category, channel
# and station), beside the same point of last season.
st.markdown(f"**{tr('volume.by_station')}**")
by_station = reads.get(BY_STATION)
by_station = by_station[by_station["numerator"].fillna(0) > 0]
plot("tickets_by_station", (BY_STATION,),
     lambda: by_slice(by_station, "station", get("tickets_received"), lang, AREA["tickets"]))
st.caption(tr("volume.by_station_note"))

# Counts by day, week or month and category, to report (service rules: 按日、
# 周、月完成受理件的归类统计并上报); from the same counts as the chart above.
with st.expander(tr("volume.table.title")):
    # not default=: pages/fees.py; kept while another page is open (ui.kept)
    kept.restore("tickets_volume_grain", "week", tv.VOLUME_GRAINS)
    grain = st.segmented_control(tr("volume.table.grain"), tv.VOLUME_GRAINS,
                                 key="tickets_volume_grain", required=True,
                                 format_func=lambda g: t(f"page.tickets.volume.table.{g}", lang))
    kept.keep("tickets_volume_grain")
    table = tv.volume_table(by_day, grain or "week")
    names = {c: (tr("volume.table.total") if c == "total"
                 else charts.value_label("category", None if c == tv.UNKNOWN_CATEGORY else c,
                                         lang))
             for c in table.columns if c != "period"}
    tables.show(table, lang, key="tickets_volume_table",
                file_name=tr("volume.table.file",
                             grain=tables.name_part(tr(f"volume.table.{grain or 'week'}"), lang)),
                labels={"period": tr(f"volume.table.{grain or 'week'}"), **names})
    st.caption(tr("volume.table.note"))

# --- resolution -------------------------------------------------------------------
st.subheader(tr("resolution.title"))
resolution = reads.get(RESOLUTION)
if resolution.empty:
    st.info(tr("resolution.none"))
else:
    plot("resolution_hours", (RESOLUTION,), lambda: charts.resolution_box(resolution, lang))
    st.caption(tr("resolution.note"))
    shown = resolution.assign(category=[charts.value_label("category", c, lang)
                                        for c in resolution["category"]])
    labels = {c: tr(f"col.{c}") for c in shown.columns if c != "category"}
    names = {c: tables.header(c, lang, labels) for c in shown.columns}
    tables.show(shown, lang, key="resolution", file_name=tr("resolution.file"), labels=labels,
                config={names[c]: resolution_column(c, names[c]) for c in shown.columns})

left, right = st.columns(2)
with left:
    st.markdown(f"**{tr('resolution.on_time_by_station')}**")
    on_time = reads.get(ON_TIME)
    on_time = on_time[on_time["denominator"].fillna(0) > 0]
    if on_time.empty:
        st.info(tr("resolution.none_due"))
    else:
        plot("on_time_by_station", (ON_TIME,),
             lambda: by_slice(on_time, "station", get("ticket_on_time_rate"), lang,
                              AREA["tickets"]))
with right:
    st.markdown(f"**{tr('backlog.title')}**")
    backlog = reads.get(BACKLOG)
    plot("backlog_by_age", (BACKLOG,), lambda: charts.backlog(backlog, lang, categories))
    st.caption(tr("backlog.note", open=f"{int(backlog['tickets'].sum()):,}",
                  overdue=f"{int(backlog['overdue'].sum()):,}"))

# --- follow-up ----------------------------------------------------------------------
st.subheader(tr("funnel.title"))
funnel = reads.get(FUNNEL)
totals = tv.funnel_totals(funnel)
# Halves: the table's five columns need ~400 px (English), more than two
# fifths of the page at 1366 px.
left, right = st.columns(2)
with left:
    plot("followup_funnel", (FUNNEL,), lambda: charts.funnel(totals, lang))
with right:
    shown = funnel.assign(category=[charts.value_label("category", c, lang)
                                    for c in funnel["category"]])
    tables.show(shown, lang, key="funnel", file_name=tr("funnel.file"),
                labels={s: charts.value_label("stage", s, lang) for s in tv.FUNNEL_STAGES})
st.caption(tr("funnel.note"))

# --- unanswered items -----------------------------------------------------------------
unanswered = reads.get(UNANSWERED)
st.subheader(tr("unanswered.title", n=f"{len(unanswered):,}"))
st.caption(t("metrics.list_help.unanswered_tickets", lang))
long_lists.show(unanswered.assign(reason=reasons_of(unanswered, lang)),
                lang, key="unanswered", file_name=tr("unanswered.file"), columns=LIST_COLUMNS,
                empty=tr("unanswered.none"))

# --- repeat complaints -----------------------------------------------------------------
repeat = reads.get(REPEAT)
st.subheader(tr("repeat.title", n=f"{repeat['household_id'].nunique():,}",
                tickets=f"{len(repeat):,}"))
st.caption(t("metrics.list_help.repeat_complainers", lang))
long_lists.show(repeat, lang, key="repeat", file_name=tr("repeat.file"), columns=REPEAT_COLUMNS,
                empty=tr("repeat.none"))
