"""Which comparison periods have data of each kind (metrics/sources.py)."""
from __future__ import annotations

from datetime import date, datetime

from metrics import Period
from metrics.sources import kinds_without_data
from pipelines.coverage import Freshness, kinds_in


def loaded(kind: str, first: str, last: str) -> Freshness:
    return Freshness(kind, 100, datetime.fromisoformat(first), datetime.fromisoformat(last),
                     None, 1)


ITEMS = [loaded("temperature", "2024-11-15", "2026-03-15"),
         loaded("tickets", "2024-10-20", "2026-11-29"),
         loaded("fees", "2024-09-01", "2026-03-15")]


def test_a_period_outside_the_loaded_span_has_no_data():
    week = Period("2023-12-11", "2023-12-17")
    assert kinds_without_data(ITEMS, week) == {"temperature", "tickets", "fees"}
    assert kinds_without_data(ITEMS, Period("2025-12-08", "2025-12-14")) == set()


def test_a_heating_week_without_rows_inside_the_span_has_no_data():
    # tickets and readings count the week's own events: none loaded for a
    # week of the season is a week not uploaded. Fees are the season's to
    # date: a week without payments still has its figures.
    week = Period("2025-12-01", "2025-12-07")
    assert kinds_without_data(ITEMS, week, present={"temperature"}) == {"tickets"}
    assert kinds_without_data(ITEMS, week, present=set()) == {"temperature", "tickets"}
    assert kinds_without_data(ITEMS, week, present={"temperature", "tickets"}) == set()
    # a summer week without tickets may be a quiet week: its 0 stands
    summer = Period("2025-07-07", "2025-07-13")
    assert kinds_without_data(ITEMS, summer, present=set()) == set()


def test_kinds_in_reads_whole_days(con):
    con.execute("insert into tickets (ticket_no, received_at, category, batch_id, source_row)"
                " values ('T1', '2025-12-07 23:59', '报修', 1, 2)")
    assert kinds_in(con, date(2025, 12, 1), date(2025, 12, 7)) == {"tickets"}
    assert kinds_in(con, date(2025, 12, 8), date(2025, 12, 14)) == set()


def test_a_periods_own_figure_without_its_rows_is_none_unless_it_stands():
    from metrics import get
    from metrics.sources import unloaded, unloaded_kinds
    week = Period("2025-12-01", "2025-12-07")     # no tickets loaded for it
    assert unloaded(get("tickets_received"), ITEMS, week, {"temperature"})
    assert unloaded(get("complaints_per_10k_m2"), ITEMS, week, {"temperature"})
    assert not unloaded(get("temp_compliance_rate"), ITEMS, week, {"temperature"})
    # 漏件 and the season's collection stand at the cut-off
    assert not unloaded(get("ticket_unanswered"), ITEMS, week, {"temperature"})
    assert not unloaded(get("fee_collection_rate_amount"), ITEMS, Period("2027-01-04", "2027-01-10"),
                        set())
    # the payments of a week after everything loaded are not uploaded
    later = Period("2026-11-23", "2026-11-29")
    assert unloaded(get("fee_collected_amount"), ITEMS, later, {"tickets"})
    # a summer week has no readings by nature: not named. Its receipts are
    # (payments are made all year): after the loaded payments they are not
    # uploaded, not ¥0.00; the season's collection to date still stands.
    summer = Period("2026-06-01", "2026-06-07")
    assert unloaded_kinds(ITEMS, summer, set()) == {"fees"}
    assert unloaded(get("fee_collected_amount"), ITEMS, summer, set())
    assert not unloaded(get("fee_collection_rate_amount"), ITEMS, summer, set())
    within = Period("2025-07-07", "2025-07-13")    # inside the loaded payments
    assert unloaded_kinds(ITEMS, within, set()) == set()
    assert not unloaded(get("fee_collected_amount"), ITEMS, within, set())


def test_a_standing_figure_compares_after_the_last_upload_but_not_before_the_first():
    # The season's collection to date and 漏件 stand at any cut-off: a week
    # after the last payments has them (93.7% beside this week's 93.7%, not
    # "—"); a week before the first upload, or a heating week with none of
    # its tickets uploaded (a gap: its stock lacks them), has none.
    from metrics import get
    from metrics.sources import comparable
    rate, received = get("fee_collection_rate_amount"), get("tickets_received")
    unanswered = get("ticket_unanswered")
    after = Period("2026-10-26", "2026-11-01")          # no heating day, after the fees
    assert comparable(rate, ITEMS, after, present=set())
    assert not comparable(get("fee_collected_amount"), ITEMS, after, present=set())
    before = Period("2023-12-11", "2023-12-17")
    assert not comparable(rate, ITEMS, before, present=set())
    assert not comparable(unanswered, ITEMS, before, present=set())
    gap = Period("2025-12-01", "2025-12-07")
    assert not comparable(unanswered, ITEMS, gap, present={"temperature"})
    assert not comparable(received, ITEMS, gap, present={"temperature"})
    assert comparable(unanswered, ITEMS, gap, present={"temperature", "tickets"})


def test_unanswered_items_of_last_season_without_an_earlier_season_loaded_are_short():
    # Tickets loaded from 2024-12-01: this week's 漏件 (2025-W50) count last
    # season's still open; last season's same week has no season before it
    # loaded to carry over (103 beside 23 read "+80", four times worse, where
    # like for like it was better). Received tickets carry nothing over, and
    # last week's 漏件 are of the same season.
    from metrics import get
    from metrics.sources import carried_short
    items = [loaded("tickets", "2024-12-01", "2025-12-14")]
    week = Period("2025-12-08", "2025-12-14")
    unanswered = get("ticket_unanswered")
    assert carried_short(unanswered, items, week.last_season(), week)
    assert not carried_short(get("tickets_received"), items, week.last_season(), week)
    assert not carried_short(unanswered, items, week.previous(), week)
    # A season loaded before last season: last season carried its own over.
    earlier = [loaded("tickets", "2023-11-15", "2025-12-14")]
    assert not carried_short(unanswered, earlier, week.last_season(), week)
