"""周报: pick the week, read the summary paragraph and headline table, download
the workbook; a printable view of the summary for the browser's Print to PDF."""
from __future__ import annotations

from functools import partial

import streamlit as st

from i18n import t
from metrics import Period
from pipelines.coverage import filter_options, iso_week, season_weeks, week_bounds
from reports import XLSX_MIME, ReportError, file_name, labels, last_complete_week
from reports.bundle import weekly_bundle
from reports.printable import HEADLINE_COLUMNS
from ui import db, header, session, tables
from ui.filters import week_choices
from ui.lang import current, tr
from ui.sidebar import current_filters, today

PAGE_COLUMNS = ("kpi", "value", "target", "status", "change_previous", "change_last_season",
                "previous_value", "last_season_value", "numerator", "denominator")

WEEK, SCOPE, PRINT = "report_week", "report_scope", "report_print"
# The week and scope picked here, and what the filters gave then: back from
# another page (the pickers' state is gone), the pick, unless the filters have
# moved since, which then choose as on a first visit.
KEPT = "report_kept"
ALL = ""  # the scope option meaning every branch the viewer may see

# Printed from this page, only the summary: no sidebar, header or controls.
PRINT_CSS = """<style>
@media print {
  [data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"],
  [data-testid="stDecoration"], [data-testid="stBottom"] { display: none !important; }
  [data-testid="stElementContainer"]:not(:has(.hk-report)) { display: none !important; }
  [data-testid="stMainBlockContainer"] { padding: 0 !important; max-width: none !important; }
  [data-testid="stAppViewContainer"], [data-testid="stMain"] { overflow: visible !important; }
}
</style>"""

session.page_guard()
lang = current()
f = current_filters()


def default_week(weeks: list[str]) -> str:
    """The filters' week; for a date range, its last whole week (else the
    week of its last day); else last complete week, when the season holds it."""
    if f.period == "week" and f.week in weeks:
        return f.week
    if f.period == "range":
        whole = [w for w in weeks if f.start <= week_bounds(w)[0] and week_bounds(w)[1] <= f.end]
        last_day = iso_week(f.end)
        if whole or last_day in weeks:
            return whole[-1] if whole else last_day
    last = last_complete_week(today())
    if last in weeks:
        return last
    # A season gone by: its last heating week over, not a summer week after it.
    heating = season_weeks(f.season)
    past = [w for w in weeks if week_bounds(w)[1] < today()]
    return next((w for w in reversed(past) if w in heating), past[-1] if past else weeks[0])


can_see_personal, own_branch, row_lists = (session.can_see_personal(), session.scope_branch(),
                                           session.can("row_lists"))
# Weeks that have begun: a later one has nothing to report (reports.gather
# refuses it), only last week's leftovers under its name.
# Between two seasons (the summer, the autumn's fee collection) the weeks
# begun so far are offered too, under the season whose fees they read.
weeks = [w for w in week_choices(f.season, f.week if f.period == "week" else None,
                                 today=today())
         if week_bounds(w)[0] <= today()]
if not weeks:
    st.title(tr("report.page.title"))
    st.info(tr("report.page.no_week_yet", season=f.season))
    st.stop()
branches = [own_branch] if own_branch is not None else db.query(filter_options).branches
scopes = ([] if own_branch is not None else [ALL]) + branches
defaults = {WEEK: default_week(weeks),
            SCOPE: f.branches[0] if len(f.branches) == 1 and f.branches[0] in scopes
            else scopes[0]}
kept = st.session_state.get(KEPT, {})
for key, options in ((WEEK, weeks), (SCOPE, scopes)):
    pick, default = kept.get(key, (None, None))
    if key not in st.session_state and default == defaults[key] and pick in options:
        st.session_state[key] = pick
    if st.session_state.get(key) not in options:
        st.session_state[key] = defaults[key]

printing = st.session_state.get(PRINT, False)
if not printing:
    st.title(tr("report.page.title"))
    st.caption(tr("report.page.intro"))
left, right, side = st.columns([3, 2, 2], vertical_alignment="bottom")
week = left.selectbox(tr("report.page.week"), weeks, key=WEEK,
                      format_func=lambda w: labels.week(w, lang))
scope = right.selectbox(tr("report.page.scope"), scopes, key=SCOPE,
                        format_func=lambda b: b or t("report.scope.all", lang))
st.session_state[KEPT] = {WEEK: (week, defaults[WEEK]), SCOPE: (scope, defaults[SCOPE])}
side.toggle(tr("report.page.print_view"), key=PRINT)

try:
    with st.spinner(tr("report.page.building")):
        # A week not over is figured as of this run's minute (the sidebar's
        # clock); a week gone by is the same whenever read, and cached so.
        as_of = Period(*week_bounds(week)).so_far(f.as_of).as_of
        bundle = db.query(weekly_bundle, week, scope or None, lang, can_see_personal, own_branch,
                          row_lists, as_of)
except ReportError as exc:
    st.error(exc.message(lang))
    st.stop()

personal = tr("report.personal.shown" if bundle.can_see_personal else "report.personal.masked")
if printing:
    st.caption(tr("report.page.print_help"))
    st.html(PRINT_CSS)
    st.html(bundle.html_fragment)
    st.stop()

st.caption(tr("report.page.built", week=labels.week(bundle.week, lang), scope=bundle.scope,
              seconds=f"{bundle.seconds:.1f}", personal=personal))
header.period_notice(lang, week_bounds(week))   # the week's kinds not uploaded, as on the pages
st.subheader(tr("report.summary.highlights"))
st.info(bundle.paragraph)
st.subheader(tr("report.summary.headline"))
# Columns named by their keys keep a sort across a change of language (ui/tables.grid);
# each as wide as its text, the KPI's name kept in view when the table scrolls sideways.
# On the screen the week's target and status stand beside its figure: at 1366 px
# the sheet's order (as printed) left them past the edge, with the parts.
headline = bundle.headline[[bundle.headline.columns[HEADLINE_COLUMNS.index(c)]
                            for c in PAGE_COLUMNS]]
widths = tables.content_widths(headline, PAGE_COLUMNS)
widths["kpi"]["pinned"] = True
for column in PAGE_COLUMNS:
    if column not in ("kpi", "status"):
        widths[column]["alignment"] = "right"    # figures, compared down the column
tables.grid(headline, PAGE_COLUMNS, widths, height="content")   # all 17 rows

xlsx_name = file_name(bundle.week, scope or None, lang)
html_name = file_name(bundle.week, scope or None, lang, ".html")
one, two = st.columns(2)
# Written when clicked (a deferred download), not on every visit to the page.
one.download_button(tr("report.page.download"), key="report_xlsx",
                    data=session.audited_download(
                        partial(bundle.xlsx, db.connection()), xlsx_name,
                        session.PERSONAL_DATA if bundle.can_see_personal else None),
                    file_name=xlsx_name, mime=XLSX_MIME, on_click="ignore", type="primary",
                    icon=":material/download:", width="stretch")
two.download_button(tr("report.page.download_html"), data=bundle.html_document.encode("utf-8"),
                    key="report_html", file_name=html_name, mime="text/html",
                    # No personal data in the summary; plain bytes, audited by the click's run.
                    on_click=session.audit, args=("download", html_name), icon=":material/print:",
                    width="stretch")
if not row_lists:
    st.caption(tr("ui.auth.no_row_lists"))
st.caption(tr("report.page.print_help"))
