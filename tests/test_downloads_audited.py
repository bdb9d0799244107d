"""Every .xlsx a page offers is built when it is clicked and written to the
audit trail then: showing a table is not downloading it, and a click fetches
the file without rerunning the page (a rerun started by the click could drop
the server's answer to the file request, leaving the button spinning)."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from auth import LOCAL_USER
from auth.audit import entries
from page_testing import APP, demo_copy, downloads, open_page  # noqa: F401
from ui import db


def download_log():
    return entries(db.connection(), action="download")


@pytest.mark.parametrize("page", ["pages/tickets.py", "pages/fees.py"])
def test_a_table_download_is_audited_when_its_file_is_built(demo_copy, downloads, page):  # noqa: F811
    at = open_page(page, season="2025-2026", period="week", week="2025-W50")
    buttons = at.get("download_button")
    assert len(buttons) >= 3
    assert all(b.proto.deferred_file_id and b.proto.ignore_rerun for b in buttons)
    assert download_log().empty                       # shown, not downloaded

    files = downloads(at)
    log = download_log()
    assert len(log) == len(files) == len(buttons)
    assert (log["user_name"] == LOCAL_USER.name).all() and (log["role"] == "admin").all()
    assert log["target"].str.endswith(".xlsx").all()
    assert log["detail"].str.fullmatch(r"\d+ rows").all()

    downloads(at)                                     # again: two more entries each
    assert len(download_log()) == 2 * len(buttons)


def test_the_weekly_workbook_is_audited_as_personal_data(demo_copy, downloads):  # noqa: F811
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(season="2025-2026", period="week", week="2025-W48")
    at.run()
    at.switch_page("pages/report.py").run()
    assert not at.exception, [e.value for e in at.exception]
    workbook, html = at.get("download_button")
    assert workbook.proto.deferred_file_id and workbook.proto.ignore_rerun
    downloads(at)
    log = download_log()
    # The printable summary is plain bytes in the page: its click is audited
    # by its on_click rerun, which AppTest's fetch does not make.
    assert len(log) == 1
    assert "2025-W48" in log["target"].iloc[0] and log["target"].iloc[0].endswith(".xlsx")
    assert log["detail"].tolist() == ["personal_data"]    # the local administrator sees all
