"""The dashboard: `streamlit run app.py`.

A router: page config, language, first start, the global filters, the
freshness header, then the page the user chose (st.navigation over pages/).
"""
from __future__ import annotations

from pathlib import Path

FAVICON = Path(__file__).with_name("assets") / "favicon.png"


def main() -> None:
    """The router; a failure in it is said as a page's is (ui.session.failed)."""
    # Imported here, not at the top: reader child processes import this file
    # (see the end) and must not pay for Streamlit and the UI on every read.
    from ui import session
    try:
        _route()
    except Exception:   # st.stop and st.rerun are BaseExceptions: they pass
        session.failed()


def _route() -> None:
    import streamlit as st

    from i18n import t
    from pipelines.coverage import filter_options
    from ui import db, header, server, session, sidebar, uploads
    from ui.lang import switch

    server.tune_gc()
    uploads.sweep_once()   # upload folders a day old, left by sessions that ended
    lang = switch()
    st.set_page_config(page_title=f"{t('ui.app.title', lang)} · {header.company_name(lang)}",
                       # A local file: a :material/: icon is fetched from Google's
                       # font servers, which the company's offline server cannot reach.
                       page_icon=str(FAVICON), layout="wide",
                       # Open on a computer, closed on a phone (where it would
                       # cover the page): Streamlit's "auto".
                       initial_sidebar_state="auto")

    built = db.ensure_warehouse(lang)
    for report in built or []:
        if report.status == "failed":
            st.warning(report.summary(lang))

    user = session.gate()
    # Each page is served under its file name: the first run after the server
    # starts resolves the address against the files in pages/ (Streamlit's
    # older multipage mode, until st.navigation has run once), and an address
    # not among them got Streamlit's English "Page not found". That first run
    # starts the page file itself; its ui.session.page_guard runs this router
    # instead (sign-in, language, filters). The overview, the default page, is
    # served at the root.
    overview = st.Page("pages/overview.py", title=t("ui.nav.overview", lang), url_path="",
                       icon=":material/dashboard:", default=True)

    temperature = st.Page("pages/temperature.py", title=t("page.temperature.nav", lang),
                          url_path="temperature", icon=":material/thermostat:")
    tickets = st.Page("pages/tickets.py", title=t("page.tickets.nav", lang),
                      url_path="tickets", icon=":material/support_agent:")
    fees = st.Page("pages/fees.py", title=t("page.fees.nav", lang),
                   url_path="fees", icon=":material/payments:")
    report = st.Page("pages/report.py", title=t("report.nav.weekly", lang), url_path="report",
                     icon=":material/summarize:")

    # Pages a role may not use are not in its menu, but their addresses stay
    # known: a link to one opens it, and the page itself says the role may not
    # use it (session.require), in the user's language, where an unknown
    # address got Streamlit's English "Page not found".
    def shown(permission: str) -> str:
        return "visible" if user is None or user.can(permission) else "hidden"

    upload = st.Page("pages/upload.py", title=t("ui.nav.upload", lang), url_path="upload",
                     icon=":material/upload_file:", visibility=shown("upload"))
    data_page = st.Page("pages/data.py", title=t("ui.nav.data", lang), url_path="data",
                        icon=":material/database:", visibility=shown("upload"))
    audit = st.Page("pages/audit.py", title=t("ui.nav.audit", lang), url_path="audit",
                    icon=":material/policy:", visibility=shown("audit"))

    def forward(target):
        def run() -> None:
            st.switch_page(target, query_params={k: st.query_params.get_all(k)
                                                 for k in st.query_params})
        return run

    # Addresses typed by hand or kept from before (/home and /overview for the
    # start page, which answers only at the root; the pages' earlier
    # addresses, in bookmarks): hidden pages that forward to the page with the
    # same query parameters. Without them Streamlit popped up "Page not found".
    # Each also has a file in pages/ (pages/room_temperature.py, ...) that runs
    # this router: the first run after the server starts resolves the address
    # against those files, and popped up "Page not found" for one without.
    forwards = [st.Page(forward(target), title=target.title, url_path=path,
                        visibility="hidden")
                for path, target in (("home", overview), ("overview", overview),
                                     ("room_temperature", temperature),
                                     ("hotline_tickets", tickets), ("fee_collection", fees),
                                     ("weekly", report), ("uploads", upload),
                                     ("datasets", data_page), ("audit_log", audit))]
    dashboards = [overview, temperature, tickets, fees, *forwards]
    reports = [report]
    data = [upload, data_page, audit]
    groups = {t("ui.nav.group_dashboard", lang): dashboards, t("report.nav.group", lang): reports,
              t("ui.nav.group_data", lang): data}
    if user is None:
        # Nobody signed in: only the sign-in form is drawn, but every page's
        # address is known (hidden, none runs), so a reload or a link keeps
        # its page and filters in the URL for after the sign-in, where an
        # unknown address would fall back to the start page.
        st.navigation(groups, position="hidden")
        session.sign_in_page()
        return
    page = st.navigation(groups)
    if page in forwards:
        page.run()   # forwards before anything is drawn

    f = sidebar.filters(session.visible_options(db.query(filter_options)), lang,
                        applies=page in dashboards or page in reports)
    session.single_banner()
    # The dashboards show the sidebar's period: say when a kind has no data in it.
    header.draw(lang, (f.start, f.end) if page in dashboards else None)
    session.routed(page)


# Streamlit runs this file as __main__. A reader child process (spawned or
# forked from a server) imports it again as __mp_main__: it must not start
# the app there.
if __name__ == "__main__":
    main()
