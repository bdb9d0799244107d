"""室温达标: 18 °C compliance week by week and by station, the distribution of
readings, a drill-down to every reading, chronically cold places, the
cold-day risk per building and the refund exposure by station."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from i18n import has, t
from metrics import MetricError, Period, action_list, get, query
from metrics.cold_risk import (WEAK_FIT_R2, building_points, cold_risk, design_outdoor_c,
                               fitted_line, weak_fits)
from metrics.display import column_label, format_part, format_value
from metrics.temperature_detail import (BIN_C, building_readings, cold_zones, daily_outdoor,
                                        household_readings, household_rollup,
                                        indoor_distribution, residential_target_c, roll_up,
                                        weekly_readings)
from metrics.trends import weeks_window
from pipelines.coverage import season_bounds
from ui import charts, db, figures, fmt, kpi, long_lists, session, tables
from ui.prefetch import prefetch
from ui.lang import current, tr
from ui.sidebar import current_filters

RATE = "temp_compliance_rate"
CARDS = ("temp_compliance_rate", "temp_household_compliance_rate", "temp_coverage_rate",
         "temp_unsigned_readings", "temp_exempt_readings", "refund_exposure_amount")
LEVELS = ("branch", "station", "community", "building")
DRILL_KEYS = {level: f"t_drill_{level}" for level in (*LEVELS, "household")}
# Links from other pages open the drill-down at a building: ?d_branch=…&d_building=…
LINK_PARAMS = {level: f"d_{level}" for level in LEVELS}
LINK_WRITTEN = "t_drill_link"   # the place the page last wrote in the address
HOUSEHOLD_KEPT = "t_drill_household_kept"   # the household open there (not in the address)
ALL = "__all__"

session.page_guard()
lang = current()
f = current_filters()
period = kpi.period_of(f)
filters = kpi.metric_filters(f)
scope = kpi.scope()
season_start, season_end = season_bounds(f.season)
# Trends and fits read the season up to the end of the chosen period; the
# week-by-week ones read whole ISO weeks, as a card for that week does.
to_date = Period(season_start, max(season_start, min(f.end, season_end)),
                 f.season).so_far(f.as_of)
weeks_to_date = weeks_window(f.season, f.end, f.as_of)
rate_kpi = get(RATE)


def label(column: str) -> str:
    """The page's own header for a column, else the KPI layer's."""
    key = f"page.temperature.col.{column}"
    return tr(key) if has(key) else column_label(column, lang)


def labels(df: pd.DataFrame) -> dict[str, str]:
    return {c: label(c) for c in df.columns}


def section(key: str) -> None:
    st.subheader(tr(f"page.temperature.{key}"))
    st.caption(tr(f"page.temperature.{key}_note"))


def weekly_trend() -> None:
    section("weekly")
    weeks, outdoor = reads.get(WEEKS), reads.get(OUTDOOR)
    if not weeks["readings"].sum():
        st.info(tr("page.temperature.no_readings"))
        return
    # The two charts one above the other share their days: the same x range
    # (weeks and the daily outdoor line) and the chosen period's band.
    span = charts.day_span(weeks["week"], outdoor["day"])
    st.plotly_chart(figures.memo("t_weekly", (WEEKS, OUTDOOR, f.start, f.end, lang),
                                 lambda: weekly_figure(weeks, outdoor, span)),
                    key="t_weekly_chart")
    st.plotly_chart(figures.memo("t_weekly_parts", (WEEKS, OUTDOOR, f.start, f.end, lang),
                                 lambda: weekly_parts_figure(weeks, span)),
                    key="t_weekly_parts")
    with st.expander(tr("page.temperature.weekly_table")):
        table = weeks.assign(week=weeks["week"].dt.date)[
            ["week", "compliant", "counted", "rate", "exempt", "unsigned", "readings"]]
        tables.show(table, lang, key="t_weekly", file_name=tr("page.temperature.file.weekly"),
                    sheet=tr("page.temperature.weekly"),
                    labels=labels(table))


def weekly_figure(weeks: pd.DataFrame, outdoor: pd.DataFrame, span):
    celsius = charts.unit_label("celsius", lang)
    design = design_outdoor_c()
    fig = charts.line_secondary(
        weeks["week"], {rate_kpi.text(lang)[0]: weeks["rate"]},
        charts.kpi_axis_title(rate_kpi, lang), "percent",
        {tr("page.temperature.outdoor_mean"): outdoor["mean_outdoor_c"]},
        charts.axis_title(tr("page.temperature.outdoor"), "celsius", lang), None,
        colors=(charts.AREA["temperature"],), secondary_x=outdoor["day"],
        y_range=(min(0.8, float(weeks["rate"].min(skipna=True) or 1) - 0.02), 1.01),
        y2_range=(min(design, float(outdoor["mean_outdoor_c"].min() or 0)) - 3,
                  float(outdoor["mean_outdoor_c"].max() or 0) + 3) if len(outdoor) else None)
    charts.date_axis(fig, lang)
    charts.target_line(fig, design, tr("page.temperature.design_line", value=f"{design:g}",
                                       unit=celsius),
                       color=charts.REFERENCE, secondary=True)
    if rate_kpi.target is not None:
        charts.target_line(fig, rate_kpi.target,
                           tr("page.temperature.target_line",
                              value=format_value(rate_kpi, rate_kpi.target, lang)))
    charts.over_days(fig, span, weekly=[rate_kpi.text(lang)[0]])
    return charts.period_band(fig, f.start, f.end, weeks["week"])


def weekly_parts_figure(weeks: pd.DataFrame, span):
    parts = {tr(f"page.temperature.{part}"): weeks[part]
             for part in ("counted", "exempt", "unsigned")}
    bars = charts.stacked_bars(weeks["week"], parts,
                               charts.axis_title(tr("page.temperature.readings"), "readings",
                                                 lang),
                               colors=(charts.AREA["temperature"], charts.REFERENCE,
                                       charts.NEUTRAL))
    charts.over_days(charts.date_axis(bars, lang), span)
    return charts.period_band(bars, f.start, f.end, weeks["week"])


def station_heatmap() -> None:
    section("heatmap")
    grid = reads.get(HEATMAP)
    if grid.empty:
        st.info(tr("page.temperature.no_readings"))
        return
    st.plotly_chart(figures.memo("t_heatmap", (HEATMAP, lang), lambda: heatmap_figure(grid)),
                    key="t_heatmap")


def heatmap_figure(grid: pd.DataFrame):
    z = grid.pivot(index="station", columns="week", values="value")
    parts = grid.assign(text=[tr("page.temperature.cell", numerator=format_part(n),
                                 denominator=format_part(d))
                              for n, d in zip(grid["numerator"], grid["denominator"])])
    text = parts.pivot(index="station", columns="week", values="text").reindex_like(z)
    weeks = [fmt.short_date(w, lang) for w in z.columns]
    return charts.heatmap(
        weeks, list(z.index), z.to_numpy(), tr("page.temperature.week_of"), label("station"),
        tr("page.temperature.heatmap_scale"), "percent", text=text.to_numpy(),
        zmin=min(0.8, float(grid["value"].min())), zmax=1.0)


def distribution() -> None:
    section("distribution")
    dist = reads.get(DISTRIBUTION)
    if dist.empty:
        st.info(tr("page.temperature.no_counted"))
        return
    rate = cards[RATE].now  # what the bars add up to
    st.caption(tr("page.temperature.distribution_parts",
                  compliant=format_part(rate.numerator), counted=format_part(rate.denominator)))
    st.plotly_chart(figures.memo("t_distribution", (DISTRIBUTION, lang),
                                 lambda: distribution_figure(dist)), key="t_distribution")


def distribution_figure(dist: pd.DataFrame):
    residential = residential_target_c()
    return charts.histogram(
        dist["bin_start_c"], charts.axis_title(tr("page.temperature.indoor"), "celsius", lang),
        charts.axis_title(tr("page.temperature.readings"), "readings", lang),
        target=residential,
        target_text=tr("page.temperature.target_c", value=f"{residential:g}",
                       unit=charts.unit_label("celsius", lang)),
        bin_size=BIN_C, counts=dist["readings"])


# --- drill-down ----------------------------------------------------------------------

def _consume_link() -> None:
    """A link (from the overview, or copied from the address bar) names a
    place: open the drill-down there. The address the page wrote itself
    (_keep_link) is not read again while the drill-down shows what it wrote:
    a choice made since would be undone. Once the page was left (its
    selectors' state is gone), the same link opens the place again, and the
    household left open there; back by the page menu, which drops the place
    from the address, the place left open (as the filters are kept). A place
    that no longer exists under the filters opens the level above."""
    state = st.session_state
    wanted = {level: st.query_params.get(param) for level, param in LINK_PARAMS.items()}
    left = state.get(LINK_WRITTEN)
    live = DRILL_KEYS["branch"] in state
    if not any(wanted.values()):
        if live or not left:
            return
        wanted = left
    elif live and wanted == left:
        return
    for level in LEVELS:
        state[DRILL_KEYS[level]] = wanted.get(level) or ALL
    state[DRILL_KEYS["household"]] = state.get(HOUSEHOLD_KEPT, ALL) if wanted == left else ALL


def _keep_link(path: dict[str, str]) -> None:
    """The drill-down's place in the address (d_branch … d_building; never a
    household's number), so that a link copied from the address bar reopens
    it, as the filters' does."""
    for level, param in LINK_PARAMS.items():
        if path.get(level):
            st.query_params[param] = path[level]
        elif param in st.query_params:
            del st.query_params[param]
    st.session_state[LINK_WRITTEN] = {level: path.get(level) for level in LEVELS}


def shown_choice(value: str) -> str:
    # The language is bound now: AppTest formats options outside the script run.
    return t("page.temperature.all", lang) if value == ALL else value


def _reset_below(level: str) -> None:
    below = list(DRILL_KEYS)[list(DRILL_KEYS).index(level) + 1:]
    for name in below:
        st.session_state[DRILL_KEYS[name]] = ALL


def level_table(path: dict[str, str], child: str) -> pd.DataFrame:
    """Readings, unsigned, exempt, counted, compliant and the rate per child."""
    return roll_up(reads.get(BUILDINGS), path, child)


def drill_down() -> None:
    section("drill")
    _consume_link()
    path: dict[str, str] = {}
    cols = st.columns(len(DRILL_KEYS))
    table, child = None, None
    for col, level in zip(cols, LEVELS):
        table = level_table(path, level)
        options = [ALL, *table[level].tolist()]
        key = DRILL_KEYS[level]
        if st.session_state.get(key) not in options:
            st.session_state[key] = ALL
        choice = col.selectbox(label(level), options, key=key, on_change=_reset_below,
                               args=(level,),
                               format_func=shown_choice)
        child = level
        if choice == ALL:
            break
        path[level] = choice
    else:
        child = "household"
    _keep_link(path)
    if child != "household":
        st.session_state.pop(HOUSEHOLD_KEPT, None)
        for col in cols[len(path) + 1:]:
            col.empty()
        st.markdown(tr("page.temperature.drill_level", level=label(child)))
        tables.show(table, lang, key="t_drill",
                    file_name=tr("page.temperature.file.drill",
                                 level=tables.name_part(label(child), lang)),
                    labels=labels(table))
        return

    if not session.can("row_lists"):
        # The building is the last level a role without row lists reaches:
        # its households would be a list of homes.
        cols[-1].empty()
        session.say_rows_withheld()
        return
    homes = db.query(household_rollup, period, {**filters, **path}, scope)
    key = DRILL_KEYS["household"]
    options = [ALL, *homes["household_id"].tolist()]
    if st.session_state.get(key) not in options:
        st.session_state[key] = ALL
    zones = {h: tables.value_text("zone", z, lang) if isinstance(z, str) else ""
             for h, z in zip(homes["household_id"], homes["zone"])}
    household = cols[-1].selectbox(
        label("household_id"), options, key=key,
        format_func=lambda v: shown_choice(v) if v == ALL
        else f"{v} · {zones.get(v, '')}".rstrip(" ·"))
    st.session_state[HOUSEHOLD_KEPT] = household
    if household == ALL:
        st.markdown(tr("page.temperature.drill_level", level=label("household_id")))
        tables.show(homes, lang, key="t_drill_homes",
                    file_name=tr("page.temperature.file.drill",
                                 level=tables.name_part(label("household_id"), lang)),
                    columns=["household_id", "unit", "room", "compliance_rate",
                             "latest_indoor_c", "target_c", "compliant", "counted",
                             "lowest_indoor_c", "readings", "unsigned", "exempt",
                             "latest_measured_at", "zone", "customer_type"],
                    labels=labels(homes))
        return
    rows = db.query(household_readings, period, household, {**filters, **path}, scope)
    st.markdown(tr("page.temperature.drill_readings", household=household))
    # The source file and its Excel row first after the time: finding the row
    # in the export is the point of the drill-down, and the last columns are
    # off-screen on a laptop.
    tables.show(rows, lang, key="t_drill_readings",
                file_name=tr("page.temperature.file.readings", household=household),
                columns=["measured_at", "file_name", "source_row", "indoor_c", "outdoor_c",
                         "target_c", "valid", "exempt", "counted", "compliant", "inspector",
                         "note"])


# --- cold places, cold-day risk, refunds -----------------------------------------------

def chronic() -> None:
    section("chronic")
    st.session_state.setdefault(WINDOW, WINDOWS[0])   # not default=: see pages/fees.py
    window = st.segmented_control(
        tr("page.temperature.window"), WINDOWS, key=WINDOW, required=True,
        format_func=lambda w: t(f"page.temperature.window_{w}", lang))
    zones_call, homes_call = chronic_calls(window)
    # The first rows on screen, each list's size in its caption ("前 50 户,共
    # 593 户") and every row in its download.
    st.markdown(f"**{tr('page.temperature.cold_zones')}**")
    zones = reads.get(zones_call)
    long_lists.show(zones, lang, key="t_cold_zones",
                    file_name=tr("page.temperature.file.cold_zones"),
                    sheet=tr("page.temperature.cold_zones"), rows=ZONES_SHOWN,
                    caption="page.temperature.first_zones", labels=labels(zones))
    st.markdown(f"**{tr('page.temperature.cold_homes')}**")
    homes = reads.get(homes_call)
    span = homes_call[2]
    long_lists.show(homes, lang, key="t_cold_homes",
                    file_name=tr("page.temperature.file.cold_homes"),
                    sheet=tr("page.temperature.cold_homes"),
                    rows=HOMES_SHOWN, caption="page.temperature.first_homes",
                    whole=(db.later(action_list, "noncompliant_households", span, filters,
                                    scope),
                           int(homes.attrs.get("total_rows", len(homes)))),
                    # the home, its latest room temperature against its target
                    # first: at 1366 px the columns past the seventh are off-screen
                    columns=["household_id", "community", "building", "unit", "room",
                             "latest_indoor_c", "target_c", "readings_failed",
                             "readings_counted", "lowest_indoor_c", "latest_measured_at",
                             "name", "phone", "station", "zone", "readings"])


def risk() -> None:
    design = design_outdoor_c()
    celsius = charts.unit_label("celsius", lang)
    st.subheader(tr("page.temperature.risk"))
    st.caption(tr("page.temperature.risk_note", design=f"{design:g}", unit=celsius,
                  start=fmt.date(to_date.start, lang), end=fmt.date(to_date.end, lang)))
    fits = reads.get(RISK)
    if fits.empty:
        st.info(tr("page.temperature.no_readings"))
        return
    at_risk = fits[fits["expected_below_target"]]
    thin = int((~fits["fit_ok"]).sum())
    st.markdown(tr("page.temperature.risk_count", n=len(at_risk), total=len(fits), thin=thin,
                   design=f"{design:g}", unit=celsius))
    weak = weak_fits(fits)
    if weak:
        st.caption(tr("page.temperature.risk_weak", weak=weak, r2=f"{WEAK_FIT_R2:g}"))
    shown = (at_risk if len(at_risk) else fits[fits["fit_ok"]]).reset_index(drop=True)
    tables.show(shown, lang, key="t_risk", file_name=tr("page.temperature.file.risk"),
                    sheet=tr("page.temperature.risk"),
                columns=["station", "community", "building", "expected_indoor_c", "target_c",
                         "mean_indoor_c", "readings", "households", "outdoor_min_c",
                         "outdoor_max_c", "slope", "r2"],
                labels=labels(shown),
                config={label(c): st.column_config.NumberColumn(format="%.2f")
                        for c in ("slope", "r2")}, height=260)
    if shown.empty:
        return
    names = [f"{c} {b}" for c, b in zip(shown["community"], shown["building"])]
    key = "t_risk_building"
    if st.session_state.get(key) not in names:
        st.session_state[key] = names[0]
    left, right = st.columns([1, 2])
    name = left.selectbox(tr("page.temperature.risk_building"), names, key=key)
    row = shown.iloc[names.index(name)]
    left.caption(tr("page.temperature.risk_expected", building=name,
                    value=f"{row['expected_indoor_c']:.1f}", unit=celsius, design=f"{design:g}"))
    fig = figures.memo("t_risk", (RISK, name, lang), lambda: risk_figure(row))
    right.plotly_chart(fig, key="t_risk_chart")


def risk_figure(row: pd.Series):
    """One building's readings, indoor against outdoor, with its fitted line."""
    design = design_outdoor_c()
    celsius = charts.unit_label("celsius", lang)
    pts = db.query(building_points, to_date,
                   {**filters, "community": row["community"], "building": row["building"]},
                   scope)
    fx, fy = fitted_line(row)
    fig = charts.scatter_fit(
        pts["outdoor_c"], pts["indoor_c"], fx, fy,
        charts.axis_title(tr("page.temperature.outdoor"), "celsius", lang),
        charts.axis_title(tr("page.temperature.indoor"), "celsius", lang),
        {"points": tr("page.temperature.risk_points"), "fit": tr("page.temperature.risk_fit")})
    charts.target_line(fig, design, tr("page.temperature.design_line", value=f"{design:g}",
                                       unit=celsius), color=charts.REFERENCE, axis="x",
                       position="bottom right")
    charts.target_line(fig, float(row["target_c"]),
                       tr("page.temperature.target_c", value=f"{row['target_c']:g}",
                          unit=celsius))
    return fig


def refunds() -> None:
    section("refund")
    df = reads.get(REFUNDS)
    if reads.get(DISTRIBUTION).empty:
        # nothing measured: no refund day is no good news
        st.info(tr("page.temperature.no_counted"))
        return
    if len(df) and df["refund_yuan"].isna().all():
        # cold days, but no bill to price them by (the season's bills not loaded)
        st.info(tr("page.temperature.refund_unpriced"))
        return
    if df.empty or not df["refund_yuan"].sum():
        st.info(tr("page.temperature.no_refund"))
        if df.empty:
            return
    st.plotly_chart(figures.memo("t_refund", (REFUNDS, lang), lambda: charts.bar(
        df["station"], df["refund_yuan"], label("station"),
        charts.axis_title(tr("page.temperature.refund_axis"), "yuan", lang),
        "yuan", color=charts.AREA["temperature"], horizontal=True,
        height=max(220, 60 + 30 * len(df)))), key="t_refund_chart")
    with st.expander(tr("page.temperature.refund_table")):
        # the amount beside the station: in the half-width column the grid cut
        # it off after the day counts
        tables.show(df, lang, key="t_refund", file_name=tr("page.temperature.file.refund"),
                    sheet=tr("page.temperature.refund"),
                    columns=["branch", "station", "refund_yuan", "households",
                             "noncompliant_days", "refunded_days", "households_without_bill"])

# Every read the page makes before any choice below the cards, so that
# ui.prefetch can run them side by side.
WEEKS = (weekly_readings, weeks_to_date, filters, scope)
OUTDOOR = (daily_outdoor, weeks_to_date, filters, scope)
BUILDINGS = (building_readings, period, filters, scope)
HEATMAP = (query, RATE, weeks_to_date, filters, ["station", "week"], scope)
DISTRIBUTION = (indoor_distribution, period, filters, scope)
RISK = (cold_risk, to_date, filters, scope)
REFUNDS = (action_list, "refund_by_station", period, filters, scope)
WINDOWS = ("period", "to_date")  # the chosen period first: the meeting's week, and quick
WINDOW = "t_chronic_window"
ZONES_SHOWN, HOMES_SHOWN = 20, 50   # rows on screen; the downloads hold every row


def chronic_calls(window: str | None) -> tuple[tuple, tuple]:
    span = period if window == "period" else to_date
    # Every cold zone (the query reads them all to order them); the first
    # homes and the count of all of them (the list is long: read whole when
    # its download is asked for).
    return ((cold_zones, span, filters, scope),
            (action_list, "noncompliant_households", span, filters, scope, HOMES_SHOWN))


st.title(tr("page.temperature.title"))
places = fmt.join(f.places(kpi.scope()), lang) or tr("ui.filters.whole_company")
st.caption(tr("page.temperature.scope", period=fmt.period(f.start, f.end, lang), places=places))
try:
    card_calls = kpi.card_calls(CARDS, f)
    # In two stages: the cards and charts at the top are drawn while the
    # sections below (per building, over the whole season so far) are read.
    reads = prefetch([*card_calls, WEEKS, OUTDOOR, HEATMAP, DISTRIBUTION, REFUNDS])
    cards = kpi.card_row(CARDS, f, lang, per_row=3, fetched=[reads.get(c) for c in card_calls])
    weekly_trend()
    station_heatmap()
    left, right = st.columns(2)
    with left:
        distribution()
    with right:
        refunds()
    reads.extend([BUILDINGS, RISK, *chronic_calls(st.session_state.get(WINDOW, WINDOWS[0]))])
    drill_down()
    chronic()
    risk()
except MetricError as exc:
    st.error(exc.message(lang))
