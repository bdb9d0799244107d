"""Every table's and the weekly report's .xlsx is built when it is clicked and
written to the audit trail then: showing a table is not downloading it, and a
click fetches the file without rerunning the page (a rerun started by the
click could drop the server's answer to the file request, leaving the button
spinning). A file holding personal data unmasked is marked so; a session idle
past the limit gets no file."""
from __future__ import annotations

import time

import pytest
from streamlit.testing.v1 import AppTest

from auth import LOCAL_USER, User
from auth.audit import entries
from page_testing import APP, demo_copy, downloads, open_page  # noqa: F401
from ui import db

ROWS = r"\d+ rows(, personal_data)?"


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
    assert log["detail"].str.fullmatch(ROWS).all()
    # The administrator sees names and phones: the lists of households or
    # tickets hold them unmasked, the aggregates do not.
    marked = log["detail"].str.endswith("personal_data")
    assert marked.any() and not marked.all()

    downloads(at)                                     # again: two more entries each
    assert len(download_log()) == 2 * len(buttons)


def test_masked_files_are_not_marked_personal(demo_copy, downloads, monkeypatch):  # noqa: F811
    monkeypatch.setattr("ui.tables.can_see_personal", lambda: False)
    at = open_page("pages/tickets.py", season="2025-2026", period="week", week="2025-W50")
    downloads(at)
    log = download_log()
    assert len(log) >= 3 and log["detail"].str.fullmatch(r"\d+ rows").all()


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


@pytest.fixture
def bare_session():
    """st.session_state outside a script run (Streamlit keeps one for the
    process then): emptied again afterwards."""
    import streamlit as st
    yield st.session_state
    for key in list(st.session_state.keys()):
        del st.session_state[key]


def test_an_idle_session_gets_no_file(demo_copy, bare_session):  # noqa: F811
    from ui import session

    state = bare_session
    state[session.KEY] = User("mgr", "manager")
    # Last seen long ago: the click does not run gate(), so the file itself refuses.
    state[session.SEEN] = time.time() - 24 * 3600
    data = session.audited_download(lambda: b"PK", "x.xlsx", "1 rows")
    with pytest.raises(PermissionError):
        data()
    assert download_log().empty
    state[session.SEEN] = time.time()
    assert session.audited_download(lambda: b"PK", "x.xlsx", "1 rows")() == b"PK"
    log = download_log()
    assert log[["user_name", "role", "target"]].values.tolist() == [["mgr", "manager", "x.xlsx"]]


def test_a_session_whose_sign_in_ended_gets_no_file(demo_copy, bare_session, tmp_path,  # noqa: F811
                                                    monkeypatch):
    # Signed out in another tab (or the password reset) after the page was
    # drawn: the button is still on screen, but its file is refused.
    from auth import UserStore
    from auth.sessions import SessionStore
    from ui import session

    monkeypatch.setenv("HEATKPI_USERS", str(tmp_path / "users.json"))
    store = UserStore(tmp_path / "users.json")
    user = store.add("mgr", "a long password", "manager")
    token = SessionStore(users=store).open(user)
    state = bare_session
    state.update({session.KEY: user, session.SEEN: time.time(), session.TOKEN: token})
    live = session.audited_download(lambda: b"PK", "x.xlsx", "1 rows")
    ended = session.audited_download(lambda: b"PK", "y.xlsx", "1 rows")
    assert live() == b"PK"
    SessionStore(users=store).close(token)
    with pytest.raises(PermissionError):
        ended()
    assert download_log()["target"].tolist() == ["x.xlsx"]
