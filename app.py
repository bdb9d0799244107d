"""The dashboard: `streamlit run app.py`.

A router: page config, language, first start, the global filters, the
freshness header, then the page the user chose (st.navigation over pages/).
"""
from __future__ import annotations

from pathlib import Path

FAVICON = Path(__file__).with_name("assets") / "favicon.png"


def main() -> None:
    # Imported here, not at the top: reader child processes import this file
    # (see the end) and must not pay for Streamlit and the UI on every read.
    import streamlit as st

    from i18n import t
    from pipelines.coverage import filter_options
    from ui import db, header, sidebar
    from ui.lang import switch

    lang = switch()
    st.set_page_config(page_title=f"{t('ui.app.title', lang)} · {header.company_name(lang)}",
                       # A local file: a :material/: icon is fetched from Google's
                       # font servers, which the company's offline server cannot reach.
                       page_icon=str(FAVICON), layout="wide",
                       initial_sidebar_state="expanded")

    # url_path must differ from the file name: while a pages/ folder exists,
    # Streamlit first runs a requested page by its file name, without this
    # router (tests/test_app_shell.py checks every page). Navigation comes
    # before the first-start build, so the sidebar is right while it runs.
    page = st.navigation({
        t("ui.nav.group_dashboard", lang): [
            st.Page("pages/overview.py", title=t("ui.nav.overview", lang), url_path="home",
                    icon=":material/dashboard:", default=True),
        ],
        t("report.nav.group", lang): [
            st.Page("pages/report.py", title=t("report.nav.weekly", lang), url_path="weekly",
                    icon=":material/summarize:"),
        ],
        t("ui.nav.group_data", lang): [
            st.Page("pages/upload.py", title=t("ui.nav.upload", lang), url_path="uploads",
                    icon=":material/upload_file:"),
            st.Page("pages/data.py", title=t("ui.nav.data", lang), url_path="datasets",
                    icon=":material/database:"),
        ],
    })

    built = db.ensure_warehouse(lang)
    for report in built or []:
        if report.status == "failed":
            st.warning(report.summary(lang))

    sidebar.filters(db.query(filter_options), lang)
    header.draw(lang)
    page.run()


# Streamlit runs this file as __main__. A reader child process (spawned or
# forked from a server) imports it again as __mp_main__: it must not start
# the app there.
if __name__ == "__main__":
    main()
