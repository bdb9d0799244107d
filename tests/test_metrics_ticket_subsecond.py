"""Ticket durations are elapsed time, to the microsecond: an export that writes
times with fractions of a second (2025-12-01 08:00:00.900, read by the loader's
%S.%f format) must not have them counted in whole second marks passed
(date_diff('second') made 08:00:00.9 -> 08:00:01.1 a whole second).

Period 2025-12-01 .. 2025-12-07, cut-off 2025-12-08 00:00. All 报修 (24 h),
station S1, household h1.

  ticket  received                 resolved                 hours (seconds / 3600)
  s1      12-01 08:00:00.900       12-01 08:00:01.100       0.2 s       (was 1 s)
  s2      12-01 09:00:00           12-01 10:00:00.500       3600.5 s    (was 3600 s)
  s3      12-02 08:00:00.250       12-02 09:00:00           3599.75 s   (was 3600 s)
  s4      12-07 00:00:00.500       open                     age at the cut-off
                                                            23 h 59 min 59.5 s (was 24 h):
                                                            backlog band 0-24 h (was 24-48 h)
  s5      12-05 23:59:59.500       open, deadline 12-06 23:59:59.500:
                                                            overdue 24 h 0.5 s (was 24 h 1 s)

Resolved in the period: s1 s2 s3. Sorted seconds 0.2, 3599.75, 3600.5:
  median 3599.75 s = 0.999930556 h (was 3600 s = 1 h);
  P90: position 0.9 x 2 = 1.8 -> 3599.75 + 0.8 x 0.75 = 3600.35 s (was 3600 s).
"""
from __future__ import annotations

import pytest

from metrics import action_list, query
from metrics.ticket_views import backlog_by_age
from metrics.testing import STORAGE, WEEK, add_households, add_tickets, ticket, use_storage


def repair(no, received, resolved=None):
    result = None if resolved is None else "已修"
    return ticket(no, "报修", received, "S1", "h1", resolved, result)


TICKETS = {t["ticket_no"]: t for t in (
    repair("s1", "2025-12-01 08:00:00.900", "2025-12-01 08:00:01.100"),
    repair("s2", "2025-12-01 09:00:00", "2025-12-01 10:00:00.500"),
    repair("s3", "2025-12-02 08:00:00.250", "2025-12-02 09:00:00"),
    repair("s4", "2025-12-07 00:00:00.500"),
    repair("s5", "2025-12-05 23:59:59.500"),
)}


@pytest.fixture(params=STORAGE)
def wh(con, request):
    add_households(con)
    add_tickets(con, TICKETS)
    return use_storage(con, request.param)


def test_median_resolution_hours_to_the_microsecond(wh):
    row = query(wh, "ticket_resolution_hours_median", WEEK).iloc[0]
    assert row["denominator"] == 3
    assert row["value"] == pytest.approx(3599.75 / 3600, rel=1e-12)


def test_p90_resolution_hours_to_the_microsecond(wh):
    row = query(wh, "ticket_resolution_hours_p90", WEEK).iloc[0]
    assert row["value"] == pytest.approx(3600.35 / 3600, rel=1e-12)


def test_open_age_and_time_overdue_to_the_microsecond(wh):
    rows = action_list(wh, "open_tickets", WEEK).set_index("ticket_no")
    assert rows.loc["s4", "age_hours"] == pytest.approx((86400 - 0.5) / 3600, rel=1e-12)
    assert rows.loc["s5", "hours_overdue"] == pytest.approx((86400 + 0.5) / 3600, rel=1e-12)
    assert pd_isna(rows.loc["s4", "hours_overdue"])   # not past its deadline 12-08 00:00:00.5


def test_backlog_age_band(wh):
    # s4 is 0.5 s short of a day old: the 0-24 h band (was 24-48 h);
    # s5 48 h 0.5 s old: the 48-72 h band
    df = backlog_by_age(wh, WEEK)
    assert dict(zip(df["lower_hours"], df["tickets"])) == {0.0: 1, 48.0: 1}


def pd_isna(x) -> bool:
    return x is None or x != x
