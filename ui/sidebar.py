"""The global filters in the sidebar, kept in the URL query string."""
from __future__ import annotations

import datetime as dt

import streamlit as st

from i18n import DEFAULT_LANG, t
from pipelines.coverage import FilterOptions
from pipelines.settings import company_now

from . import fmt
from .filters import (PARAMS, PERIODS, Filters, decode, default_week, encode, range_fits,
                      range_in, range_season, resolve, season_choices, shortcut, week_choices)
from .lang import tr

SEASON, PERIOD, WEEK, FROM, TO, BRANCHES, STATIONS = (
    "f_season", "f_period", "f_week", "f_from", "f_to", "f_branches", "f_stations")
CURRENT = "filters"
APPLIES = "filters_apply"   # whether this run's page shows what the filters choose
WRITTEN = "filters_url"  # the filter parameters sync_url last wrote


def today() -> dt.date:
    """Today in the company's time zone (the server may run in UTC)."""
    return company_now().date()


def _url_params() -> dict[str, list[str]]:
    return {k: st.query_params.get_all(k) for k in st.query_params}


def _restore(options: FilterOptions, day: dt.date) -> None:
    """Set every filter widget's value before it is drawn, on every run: the
    current value when valid, else the last run's filters, else (a session's
    first run) the URL's. Setting it each run makes the browser take the value
    too; otherwise a value the browser never confirmed (the first run's) can
    come back as the widget's default on the next click. It also restores what
    Streamlit drops: the week picker's value while a date range is shown, and
    every value after an st.rerun() from a page in AppTest."""
    state = st.session_state
    url = _url_params()
    if CURRENT in state and _linked(url):
        # A link inside the app (st.page_link with query_params) or the
        # browser's back button brought other filters: they win over the widgets.
        for key in (SEASON, PERIOD, WEEK, FROM, TO, BRANCHES, STATIONS):
            state.pop(key, None)
        state.pop(CURRENT)
    last = state.get(CURRENT) or decode(url, options, day)
    seasons = season_choices(options, day, last.season)

    def keep(key, valid, fallback):
        state[key] = state.get(key) if valid(state.get(key)) else fallback

    keep(SEASON, lambda v: v in seasons,
         last.season if last.season in seasons else seasons[0])
    keep(PERIOD, lambda v: v in PERIODS, last.period)
    keep(WEEK, lambda v: isinstance(v, str), last.week or default_week(state[SEASON], day))
    keep(FROM, lambda v: isinstance(v, dt.date), last.start)
    keep(TO, lambda v: isinstance(v, dt.date), last.end)
    keep(BRANCHES, lambda v: isinstance(v, list), list(last.branches))
    keep(STATIONS, lambda v: isinstance(v, list), list(last.stations))
    # The season follows a date range chosen outside it (the season named
    # above the dates and the fees read are always the range's).
    if state[PERIOD] == "range" and not range_fits(state[SEASON], state[FROM], state[TO]):
        state[SEASON] = range_season(state[FROM], state[TO])


def _filter_params(params) -> dict[str, list[str]]:
    return {k: list(v) for k, v in params.items() if k in PARAMS and v}


def _linked(url: dict[str, list[str]]) -> bool:
    """Whether the URL names filters other than those this session last wrote.
    A URL without filters (a click in the page menu) changes nothing."""
    found = _filter_params(url)
    return bool(found) and found != st.session_state.get(WRITTEN)


def _season_changed() -> None:
    """A season chosen while a date range is shown: the range moves to its days."""
    state = st.session_state
    if state.get(PERIOD) == "range":
        state[FROM], state[TO] = range_in(state[SEASON], today())


def _period_changed() -> None:
    """Date range chosen: it opens on the days shown so far (the season, or
    the week), inside the chosen season, not on dates kept from earlier
    (which may be another season's)."""
    state = st.session_state
    shown = state.get(CURRENT)
    if state.get(PERIOD) != "range":
        return
    if shown is not None and shown.season == state.get(SEASON):
        state[FROM], state[TO] = shown.start, shown.end
    else:
        state[FROM], state[TO] = range_in(state[SEASON], today())


def _jump(weeks_back: int) -> None:
    season, week = shortcut(today(), weeks_back)
    st.session_state[SEASON], st.session_state[PERIOD] = season, "week"
    st.session_state[WEEK] = week


def filters(options: FilterOptions, lang: str, applies: bool = True) -> Filters:
    """Draw the filters; return them and keep them in the URL and the session.
    `applies`: whether the page shows anything they choose; on one that does
    not (uploading, managing data, the audit log) they are still drawn, so
    the choice stays for the next dashboard, and a line says they do not act
    here."""
    # One clock per run: every period of the run is cut at the same minute.
    now = company_now().replace(second=0)
    day = now.date()
    state = st.session_state
    _restore(options, day)
    side = st.sidebar
    side.subheader(tr("ui.filters.title"))
    if not applies:
        side.caption(tr("ui.filters.not_here"))

    side.selectbox(tr("ui.filters.season"), season_choices(options, day, state[SEASON]),
                   key=SEASON, on_change=_season_changed)
    side.radio(tr("ui.filters.period"), PERIODS, key=PERIOD, horizontal=True,
               format_func=lambda p: t(f"ui.filters.period_{p}", lang),
               on_change=_period_changed)
    left, right = side.columns(2)
    left.button(tr("ui.filters.this_week"), on_click=_jump, args=(0,), key="f_this_week",
                width="stretch")
    right.button(tr("ui.filters.last_week"), on_click=_jump, args=(1,), key="f_last_week",
                 width="stretch")

    season, period = state[SEASON], state[PERIOD]
    week, start, end = None, None, None
    if period == "week":
        weeks = week_choices(season, state.get(WEEK), today=day)
        if state.get(WEEK) not in weeks:
            state[WEEK] = default_week(season, day)
        week = side.selectbox(tr("ui.filters.week"), weeks, key=WEEK,
                              format_func=lambda w: fmt.week(w, lang))
    elif period == "range":
        start = side.date_input(tr("ui.filters.from"), key=FROM, format="YYYY-MM-DD")
        end = side.date_input(tr("ui.filters.to"), key=TO, format="YYYY-MM-DD")

    branches_all = options.branches
    state[BRANCHES] = [b for b in state.get(BRANCHES) or [] if b in branches_all]
    # One branch to choose from (a branch user's own): the control names it,
    # fixed; "全部" there read as every branch of the company.
    only = len(branches_all) == 1
    branches = side.multiselect(tr("ui.filters.branch"), branches_all, key=BRANCHES,
                                placeholder=branches_all[0] if only else tr("ui.filters.all"),
                                disabled=only)
    stations_all = options.stations_of(branches)
    state[STATIONS] = [s for s in state.get(STATIONS) or [] if s in stations_all]
    stations = side.multiselect(tr("ui.filters.station"), stations_all, key=STATIONS,
                                placeholder=tr("ui.filters.all"))

    current = resolve(season, period, week, start, end, branches, stations, day, now)
    shown = fmt.period(current.start, current.end, lang)
    if current.end >= day:   # not over: figured as of now (ui.kpi.period_of)
        side.caption(tr("ui.filters.period_so_far", period=shown, now=fmt.datetime(now, lang)))
    else:
        side.caption(tr("ui.filters.period_shown", period=shown))
    state[CURRENT] = current
    state[APPLIES] = applies
    sync_url(current, lang)
    return current


def current_filters() -> Filters | None:
    """The filters drawn by app.py on this run (None outside the app)."""
    return st.session_state.get(CURRENT)


def shown_filters() -> Filters | None:
    """The filters when this run's page shows what they choose (a dashboard,
    the report), else None (uploading, managing data)."""
    return current_filters() if st.session_state.get(APPLIES) else None


def sync_url(f: Filters, lang: str) -> None:
    """Write the filters (and a non-default language) to the query string,
    touching only the parameters that changed."""
    wanted = encode(f)
    if lang != DEFAULT_LANG:
        wanted["lang"] = lang
    for key in (*PARAMS, "lang"):
        value = wanted.get(key)
        values = [value] if isinstance(value, str) else list(value or [])
        if st.query_params.get_all(key) == values:
            continue
        if values:
            st.query_params[key] = value
        elif key in st.query_params:
            del st.query_params[key]
    st.session_state[WRITTEN] = _filter_params(
        {k: [v] if isinstance(v, str) else v for k, v in wanted.items()})
