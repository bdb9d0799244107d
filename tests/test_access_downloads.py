"""What each role can carry away: the bytes of every download on every
dashboard page (tables and the weekly report), per role. A branch user's files
hold no other branch, even with an edited URL or a forged report scope; only
the roles with personal data get full phones; a viewer's files hold no row
lists; no file names or rings an anonymous complainant."""
from __future__ import annotations

import pytest

from page_testing import demo_copy, downloads, workbook_rows  # noqa: F401
from pipelines.warehouse import connect
from test_access import DASHBOARDS, FULL_PHONE, OTHER_BRANCH, accounts, signed_in  # noqa: F401

ROW_LIST_HEADERS = {"户号", "工单编号", "收据号", "来电人", "联系电话", "户主"}
WEEK = {"season": "2025-2026", "period": "week", "week": "2025-W48"}


def read(data: bytes) -> list[tuple[str, ...]]:
    """A download's rows: an .xlsx's cells, or the lines of an HTML page."""
    return workbook_rows(data) if data[:2] == b"PK" else \
        [(line,) for line in data.decode("utf-8").splitlines()]


def carried_away(at, downloads, pages=DASHBOARDS) -> dict[str, list[tuple[str, ...]]]:  # noqa: F811
    """Every download of every page: `page label` -> its rows."""
    files = {}
    for page in pages:
        at.switch_page(page).run()
        assert not at.exception, [e.value for e in at.exception]
        got = downloads(at)
        assert got, f"{page} offers no download"
        for label, data in got.items():
            files[f"{page} {label}"] = read(data)
    return files


def text(rows: list[tuple[str, ...]]) -> str:
    return "\n".join(c for row in rows for c in row)


def anonymous(db) -> tuple[dict[str, set[str]], set[str]]:
    """Each anonymous ticket's caller name and phone as the export gave them,
    and the names and phones known only from anonymous tickets (not a
    household's roster entry, not a named ticket)."""
    con = connect(db, read_only=True)
    try:
        tickets = con.execute("""
            SELECT ticket_no, caller_name, phone FROM tickets
            WHERE anonymous AND (caller_name IS NOT NULL OR phone IS NOT NULL)""").fetchall()
        known = {v for (v,) in con.execute("""
            SELECT name FROM households UNION SELECT phone FROM households
            UNION SELECT caller_name FROM tickets WHERE NOT coalesce(anonymous, false)
            UNION SELECT phone FROM tickets WHERE NOT coalesce(anonymous, false)""").fetchall()}
    finally:
        con.close()
    who = {no: {v for v in (name, phone) if v} for no, name, phone in tickets}
    only = set().union(*who.values()) - known
    return who, only


@pytest.mark.slow
def test_the_admin_carries_away_full_phones_but_never_an_anonymous_caller(accounts, downloads):  # noqa: F811
    who, only = anonymous(accounts)
    assert who and only  # the demo's anonymous complainants were named by the export
    files = carried_away(signed_in("boss", **WEEK), downloads)
    assert any(FULL_PHONE.search(text(rows)) for rows in files.values())  # the detector fires
    listed = 0
    for where, rows in files.items():
        for row in rows:
            cells = set(row)
            assert not only & cells, (where, row)
            for no in who.keys() & cells:  # a row about an anonymous ticket
                listed += 1
                assert not who[no] & cells, (where, row)
    assert listed  # anonymous tickets are in the files: as tickets, without who


@pytest.mark.slow
@pytest.mark.parametrize("user", ["mgr", "look"])
def test_manager_and_viewer_files_hold_no_full_phone(accounts, downloads, user):  # noqa: F811
    files = carried_away(signed_in(user, **WEEK), downloads)
    assert any("淄川分公司" in text(rows) for rows in files.values())  # every branch is theirs
    for where, rows in files.items():
        assert FULL_PHONE.findall(text(rows)) == [], where


@pytest.mark.slow
def test_a_viewers_files_hold_no_row_lists(accounts, downloads):  # noqa: F811
    files = carried_away(signed_in("look", **WEEK), downloads)
    report = [text(rows) for where, rows in files.items() if where.startswith("pages/report.py")]
    assert report and all("室温达标率" in body for body in report)  # the aggregates are there
    for where, rows in files.items():
        assert not ROW_LIST_HEADERS & {c for row in rows for c in row}, where


@pytest.mark.slow
def test_a_branch_users_files_hold_only_their_branch_even_with_an_edited_url(accounts, downloads):  # noqa: F811
    at = signed_in("zd", branch="淄川分公司", station="松龄路换热站", **WEEK)
    files = carried_away(at, downloads)
    assert any("张店分公司" in text(rows) for rows in files.values())
    for where, rows in files.items():
        body = text(rows)
        found = [name for name in OTHER_BRANCH if name in body]
        assert found == [], (where, found)
        assert FULL_PHONE.findall(body) == [], where


def test_a_branch_user_cannot_build_another_branchs_weekly_report(accounts, downloads):  # noqa: F811
    # The other branch named in the URL (the page's default scope is the
    # filters' single branch): the page offers and builds only their own.
    # (A scope forged past the page is refused by the report layer itself:
    # test_reports_weekly.test_the_viewers_branch_limits_the_report.)
    at = signed_in("zd", branch="淄川分公司", **WEEK)
    at.switch_page("pages/report.py").run()
    assert not at.exception
    assert at.selectbox(key="report_scope").options == ["张店分公司"]
    assert at.selectbox(key="report_scope").value == "张店分公司"
    assert any("张店分公司" in c.value for c in at.caption)
    files = downloads(at)
    assert len(files) == 2
    for label, data in files.items():
        body = text(read(data))
        assert "张店分公司" in body, label
        found = [name for name in OTHER_BRANCH if name in body]
        assert found == [], (label, found)
