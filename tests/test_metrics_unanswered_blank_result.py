"""Unanswered items (漏件): a resolved ticket whose result holds nothing but
whitespace has no result recorded (DESIGN.md §2.4: "resolved tickets with no
result text"), whatever the blank is made of. A hotline CSV export's blank
cell can hold a tab (the loader trims spaces only, so "\t" is stored as is), an
Excel cell a line break, a pasted cell a zero-width space.

Period 2025-12-01 .. 2025-12-07, cut-off 2025-12-08 00:00. All 报修 (24 h),
station S1, received 12-01 08:00 and resolved 12-01 10:00 unless noted.

  ticket  result              unanswered?
  u1      已处理              no
  u2      (none)              yes: no result
  u3      "\t"                yes: no result (was counted as answered)
  u4      "\n"                yes: no result (was counted as answered)
  u5      "\r\n"              yes: no result (was counted as answered)
  u6      "\u3000" (全角空格)  yes: no result
  u7      "\u200b" (zero-width) yes: no result (was counted as answered)
  u8      "\t已处理"          no: text after the tab
  u9      open                yes: past its deadline 12-02 08:00
  u10     open, received 12-07 08:00: deadline 12-08 08:00 after the cut-off: no
  u11     "\t", received 12-07 12:00, resolved 12-08 10:00 (after the cut-off),
          deadline 12-08 12:00: not resolved and not overdue at the cut-off: no
  u12     " "                 yes: no result

  -> 8 unanswered: u2 u3 u4 u5 u6 u7 u9 u12 (before the fix 4: u2 u6 u9 u12);
     7 of them for no result, u9 overdue.
"""
from __future__ import annotations

import pytest

from metrics import action_list, query
from metrics.testing import STORAGE, WEEK, add_households, add_tickets, ticket, use_storage

RECEIVED, RESOLVED = "2025-12-01 08:00", "2025-12-01 10:00"


def repair(no, result, received=RECEIVED, resolved=RESOLVED):
    return ticket(no, "报修", received, "S1", "h1", resolved, result)


TICKETS = {t["ticket_no"]: t for t in (
    repair("u1", "已处理"),
    repair("u2", None),
    repair("u3", "\t"),
    repair("u4", "\n"),
    repair("u5", "\r\n"),
    repair("u6", "\u3000"),
    repair("u7", "\u200b"),
    repair("u8", "\t已处理"),
    repair("u9", None, resolved=None),
    repair("u10", None, received="2025-12-07 08:00", resolved=None),
    repair("u11", "\t", received="2025-12-07 12:00", resolved="2025-12-08 10:00"),
    repair("u12", " "),
)}


@pytest.fixture(params=STORAGE)
def wh(con, request):
    add_households(con)
    add_tickets(con, TICKETS)
    return use_storage(con, request.param)


def test_blank_results_are_unanswered(wh):
    row = query(wh, "ticket_unanswered", WEEK).iloc[0]
    assert row["numerator"] == row["value"] == 8


def test_unanswered_list_names_them_with_the_reason(wh):
    rows = action_list(wh, "unanswered_tickets", WEEK)
    reasons = dict(zip(rows["ticket_no"], rows["reason"]))
    assert reasons == {"u2": "no_result", "u3": "no_result", "u4": "no_result",
                       "u5": "no_result", "u6": "no_result", "u7": "no_result",
                       "u12": "no_result", "u9": "overdue_open"}


# A result cell holding only a dash or a slash says "nothing" the way the
# loader reads such a cell in every other column (pipelines heat_blank: "—" in
# an optional column is no value): the ticket was closed with no result
# recorded, an unanswered item like a blank one. Received 12-01 08:00, resolved
# 12-01 10:00 (before its deadline), all in the week:
#   d1 "—"   d2 "/"   d3 "-"   d4 " —— "   d5 "\"   d6 "－"   -> no result (6)
#   d7 "—已处理"  d8 "已处理/"  d9 "无"                        -> text: answered
PLACEHOLDERS = {t["ticket_no"]: t for t in (
    repair("d1", "—"), repair("d2", "/"), repair("d3", "-"), repair("d4", " —— "),
    repair("d5", "\\"), repair("d6", "－"),
    repair("d7", "—已处理"), repair("d8", "已处理/"), repair("d9", "无"),
)}


@pytest.mark.parametrize("storage", STORAGE)
def test_a_dash_or_slash_for_a_result_is_no_result(con, storage):
    add_households(con)
    add_tickets(con, PLACEHOLDERS)
    use_storage(con, storage)
    row = query(con, "ticket_unanswered", WEEK).iloc[0]
    assert row["numerator"] == 6
    rows = action_list(con, "unanswered_tickets", WEEK)
    assert dict(zip(rows["ticket_no"], rows["reason"])) == {
        f"d{i}": "no_result" for i in range(1, 7)}
