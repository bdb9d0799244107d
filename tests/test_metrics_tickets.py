"""Ticket KPIs and lists on a hand-built warehouse (metrics/testing.py).

Period 2025-12-01 .. 2025-12-07, cut-off 2025-12-08 00:00. Time limits
(settings): 抢修/报修 24 h, 投诉/举报 48 h, 咨询 1 h, 建议 72 h.

  ticket cat  received      station(branch)  resolved        deadline      notes
  t1   报修   12-01 08:00   S1 (张店)        12-02 08:00     12-02 08:00   exactly at deadline; 满意
  t2   报修   12-01 10:00   S1               12-02 10:01     12-02 10:00   1 min late; follow-up, no rating
  t3   投诉   12-06 09:00   S2 (张店)        12-09 09:00     12-08 09:00   open across the cut-off
  t4   投诉   11-20 09:00   S2               —               11-22 09:00   overdue before the period
  t5   咨询   12-03 14:00   S3 (淄川)        12-03 14:00     12-03 14:00   answered at first contact
  t6   咨询   12-07 20:00   S3               —               12-07 20:00   unanswered consultation
  t7   抢修   12-04 02:00   S1               12-04 06:00     12-05 02:00   no result text; no follow-up
  t8   举报   12-05 12:00   S3               12-06 12:00     12-07 12:00   anonymous; 不满意
  t9   投诉   11-28 12:00   S3               12-01 12:00     11-30 12:00   received before; 基本满意
  t10  建议   12-02 09:00   — (h6 -> S3)     12-04 09:00     12-05 09:00   station from its household
  t11  投诉   12-07 09:00   S9 (no branch)   —               12-09 09:00   station not in the roster
  t12  报修   12-08 00:00   S1               —                             at the cut-off: after
"""
from __future__ import annotations

import pandas as pd
import pytest

from metrics import Period, action_list, drill, query, summary
from metrics.ticket_views import followup_funnel
from metrics.testing import ANONYMOUS_CALLER, ANONYMOUS_PHONE, STORAGE, WEEK, ZC, ZD, \
    TICKETS, add_batch, add_households, add_tickets, insert, ticket, ts, use_storage


@pytest.fixture(params=STORAGE)
def wh(con, request):
    """The tickets computed from the SQL files, or read from the stored table
    a load keeps: every test here runs both ways."""
    add_households(con)
    add_tickets(con)
    return use_storage(con, request.param)


def one(con, kpi, **kw):
    row = query(con, kpi, WEEK, **kw).iloc[0]
    return row["numerator"], row["denominator"], row["value"]


def test_tickets_received(wh):
    # t1 t2 t3 t5 t6 t7 t8 t10 t11 = 9 (t4, t9 before; t12 at the cut-off)
    n, d, v = one(wh, "tickets_received")
    assert (n, v) == (9, 9) and pd.isna(d)


def test_tickets_received_by_category_and_branch(wh):
    by_cat = query(wh, "tickets_received", WEEK, by="category")
    assert dict(zip(by_cat["category"], by_cat["numerator"])) == {
        "报修": 2, "投诉": 2, "咨询": 2, "抢修": 1, "举报": 1, "建议": 1}
    # 张店: t1 t2 t3 t7; 淄川: t5 t6 t8 t10; no branch: t11 (station S9)
    by_branch = query(wh, "tickets_received", WEEK, by="branch")
    assert by_branch["branch"].fillna("-").tolist() == [ZD, ZC, "-"]
    assert by_branch["numerator"].tolist() == [4, 4, 1]


def test_tickets_received_scoped(wh):
    # 淄川: t5 t6 t8 t10 (t10 through its household's station); never t11
    assert one(wh, "tickets_received", scope=ZC)[0] == 4
    rows = drill(wh, "tickets_received", WEEK, "numerator", scope=ZC)
    assert sorted(rows["ticket_no"]) == ["t10", "t5", "t6", "t8"]


@pytest.mark.parametrize("storage", STORAGE)
def test_a_ticket_of_a_unit_outside_the_roster_goes_to_its_households_branch(con, storage):
    # c1: a complaint of h1 (张店) handed to 客服中心, which the roster does not
    # list as a station: 张店's (its branch manager must see it, 漏件 included);
    # t11 (S9, no household) stays without a branch. Week: 9 + c1 = 10 tickets,
    # 张店 t1 t2 t3 t7 c1 = 5, 淄川 4, none 1: the branches add up to the company.
    add_households(con)
    add_tickets(con, {**TICKETS, "c1": ticket("c1", "投诉", "2025-12-02 09:00", "客服中心", "h1")})
    use_storage(con, storage)
    by_branch = query(con, "tickets_received", WEEK, by="branch")
    assert by_branch["branch"].fillna("-").tolist() == [ZD, ZC, "-"]
    assert by_branch["numerator"].tolist() == [5, 4, 1]
    assert one(con, "tickets_received")[0] == 10
    assert one(con, "tickets_received", scope=ZD)[0] == 5
    # c1 is due 12-04 09:00, unresolved at the cut-off: 漏件 of 张店
    unanswered = action_list(con, "unanswered_tickets", WEEK, scope=ZD)
    assert "c1" in set(unanswered["ticket_no"])
    assert "c1" not in set(action_list(con, "unanswered_tickets", WEEK, scope=ZC)["ticket_no"])
    assert query(con, "tickets_received", WEEK, by="station",
                 filters={"branch": ZD}).set_index("station").loc["客服中心", "numerator"] == 1


def test_tickets_received_by_channel_filter(wh):
    # only t2 came in by 微信
    assert one(wh, "tickets_received", filters={"channel": "微信"})[0] == 1


def test_ticket_closure_rate(wh):
    # received in the period: 9; resolved before 12-08 00:00: t1 t2 t5 t7 t8 t10 = 6
    # (t3 resolved 12-09, after the cut-off; t6 and t11 open)
    assert one(wh, "ticket_closure_rate") == (6, 9, pytest.approx(6 / 9))


def test_ticket_closure_rate_open_across_cutoff(wh):
    # a period ending 12-09 sees t3 closed: received 12-01..12-09 = 10 with t12,
    # resolved by 12-10 00:00: t1 t2 t3 t5 t7 t8 t10 = 7
    assert query(wh, "ticket_closure_rate", ("2025-12-01", "2025-12-09"))[
        ["numerator", "denominator"]].values.tolist() == [[7, 10]]


def test_ticket_on_time_rate(wh):
    # deadlines in the period: t1 12-02 08:00, t2 12-02 10:00, t5 12-03 14:00,
    # t6 12-07 20:00, t7 12-05 02:00, t8 12-07 12:00, t10 12-05 09:00 -> 7
    # on time: t1 (resolved exactly at the deadline), t5 (0 h, at receipt), t7, t8, t10
    # late: t2 (1 minute), t6 (never) -> 5 of 7
    assert one(wh, "ticket_on_time_rate") == (5, 7, pytest.approx(5 / 7))


def test_ticket_resolution_hours_median(wh):
    # resolved in the period: t5 0 h, t7 4 h, t1 24 h, t8 24 h, t2 24 h 1 min,
    # t10 48 h, t9 72 h (received 11-28, resolved 12-01) -> 7 tickets, median 24
    n, d, v = one(wh, "ticket_resolution_hours_median")
    assert (d, v) == (7, 24.0) and n is None


def test_ticket_resolution_hours_p90(wh):
    # sorted 0, 4, 24, 24, 24.0167, 48, 72; position 0.9 x 6 = 5.4 ->
    # 48 + 0.4 x (72 - 48) = 57.6
    n, d, v = one(wh, "ticket_resolution_hours_p90")
    assert d == 7 and v == pytest.approx(57.6)


def test_ticket_resolution_hours_median_by_branch(wh):
    # 张店: t1 24, t2 24.0167, t7 4 -> median 24; 淄川: t5 0, t8 24, t9 72, t10 48 -> 36
    df = query(wh, "ticket_resolution_hours_median", WEEK, by="branch")
    assert df["branch"].tolist() == [ZD, ZC]
    assert df["value"].tolist() == pytest.approx([24.0, 36.0])
    assert df["denominator"].tolist() == [3, 4]


def test_ticket_followup_rate(wh):
    # resolved in the period and 报修/抢修/投诉/举报: t1 t2 t7 t8 t9 = 5 (t5 咨询 and
    # t10 建议 not); with a follow-up: t1 t2 (no rating, still followed up) t8 t9 -> 4/5
    assert one(wh, "ticket_followup_rate") == (4, 5, 0.8)


def test_ticket_satisfaction_rate(wh):
    # rated among those resolved in the period: t1 满意, t8 不满意, t9 基本满意 = 3
    # (t2's follow-up has no rating); satisfied: t1, t9 -> 2/3
    assert one(wh, "ticket_satisfaction_rate") == (2, 3, pytest.approx(2 / 3))


@pytest.mark.parametrize("storage", STORAGE)
def test_a_rating_without_a_follow_up_is_not_a_rated_follow_up(con, storage):
    # r1: 咨询 rated 不满意, r2: 报修 rated 满意, both resolved in the week with
    # no follow-up recorded: neither counts. Still t1 t8 t9 -> 2/3, as the funnel.
    tickets = dict(TICKETS)
    tickets["r1"] = ticket("r1", "咨询", "2025-12-03 09:00", "S1", "h1", "2025-12-03 09:00",
                           "已解答", satisfaction="不满意")
    tickets["r2"] = ticket("r2", "报修", "2025-12-03 09:00", "S1", "h1", "2025-12-03 12:00",
                           "已修", satisfaction="满意")
    add_households(con)
    add_tickets(con, tickets)
    use_storage(con, storage)
    assert one(con, "ticket_satisfaction_rate") == (2, 3, pytest.approx(2 / 3))


def test_ticket_unanswered(wh):
    # past deadline and open at the cut-off: t4 (11-22), t6 (12-07 20:00);
    # resolved without a result: t7 -> 3. t3 and t11 are open but not yet due.
    n, d, v = one(wh, "ticket_unanswered")
    assert (n, v) == (3, 3) and pd.isna(d)


def test_complaints_per_10k_m2(wh):
    # complaints received in the period: t3 (S2), t8 (S3), t11 (S9) = 3
    # heated area: h1 80 + h2 100 + h3 60 + h4 90 + h6 100 = 430 m² (h5 stopped) = 0.043
    # 3 / 0.043 = 69.767...
    assert one(wh, "complaints_per_10k_m2") == (3, pytest.approx(0.043),
                                                pytest.approx(3 / 0.043))


def test_complaints_per_10k_m2_by_station(wh):
    # S1 0 / 0.018; S2 1 / 0.006; S3 1 / 0.019 (h4 90 + h6 100, h5 stopped);
    # S9 1 / 0 -> no value. The parts add up to 3 / 0.043.
    df = query(wh, "complaints_per_10k_m2", WEEK, by="station")
    assert df["station"].tolist() == ["S1", "S2", "S3", "S9"]
    assert df["numerator"].tolist() == [0, 1, 1, 1]
    assert df["denominator"].tolist() == pytest.approx([0.018, 0.006, 0.019, 0.0])
    assert df["value"].tolist()[:3] == pytest.approx([0.0, 1 / 0.006, 1 / 0.019])
    assert df["value"].isna().tolist() == [False, False, False, True]
    assert df["numerator"].sum() == 3 and df["denominator"].sum() == pytest.approx(0.043)


def test_complaints_per_10k_m2_scoped(wh):
    # 淄川: t8 / 0.019; never t11 (its station has no branch)
    assert one(wh, "complaints_per_10k_m2", scope=ZC) == (1, pytest.approx(0.019),
                                                         pytest.approx(1 / 0.019))


@pytest.mark.parametrize("storage", STORAGE)
def test_complaints_per_10k_m2_area_is_the_seasons(con, storage):
    # The heated area is that of the households heated in the period's season,
    # as its bills say (the roster where a household has no bill of it):
    #   h1 roster 供热, 2025-2026 bill 停热: no area this season;
    #   h5 roster 停热, 2025-2026 bill 供热 (resumed): 70 m²;
    #   h2 2024-2025 bill 停热: no area last season only.
    # The week: h2 100 + h3 60 + h4 90 + h5 70 + h6 100 = 420 m², 3 complaints.
    # The same week a year before: h1 80 + h3 60 + h4 90 + h6 100 = 330 m²
    # (h5: no bill of 2024-2025, the roster's 停热), no complaint.
    # 2023-2024: h5's bill has no status, so the roster's: h1 80 + h2 100 +
    # h3 60 + h4 90 + h6 100 = 430 m².
    add_households(con)
    add_tickets(con)
    add_batch(con, 4)
    insert(con, "fee_bills", [
        dict(household_id=hid, season=season, amount_due=1000.0, heating_status=status,
             batch_id=4, source_row=row)
        for row, (hid, season, status) in enumerate([
            ("h1", "2025-2026", "停热"), ("h5", "2025-2026", "供热"),
            ("h2", "2024-2025", "停热"), ("h5", "2023-2024", None)], start=4)])
    use_storage(con, storage)
    assert one(con, "complaints_per_10k_m2") == (3, pytest.approx(0.042),
                                                 pytest.approx(3 / 0.042))
    row = query(con, "complaints_per_10k_m2", Period("2024-12-02", "2024-12-08")).iloc[0]
    assert (row["numerator"], row["denominator"]) == (0, pytest.approx(0.033))
    row = query(con, "complaints_per_10k_m2", Period("2023-12-04", "2023-12-10")).iloc[0]
    assert (row["numerator"], row["denominator"]) == (0, pytest.approx(0.043))
    den = drill(con, "complaints_per_10k_m2", WEEK, "denominator")
    assert sorted(den["household_id"]) == ["h2", "h3", "h4", "h5", "h6"]


def test_complaints_drill_rows(wh):
    num = drill(wh, "complaints_per_10k_m2", WEEK, "numerator")
    assert sorted(num["ticket_no"]) == ["t11", "t3", "t8"]
    den = drill(wh, "complaints_per_10k_m2", WEEK, "denominator")
    assert sorted(den["household_id"]) == ["h1", "h2", "h3", "h4", "h6"]
    assert set(den["file_name"]) == {"用户档案.xlsx"}


def test_summary_tickets(wh):
    res = summary(wh, WEEK)
    assert res["ticket_closure_rate"].asdict() == {"value": pytest.approx(6 / 9),
                                                   "numerator": 6, "denominator": 9}
    assert res["ticket_on_time_rate"].numerator == 5
    assert res["ticket_resolution_hours_median"].value == 24.0
    assert res["ticket_resolution_hours_p90"].value == pytest.approx(57.6)
    assert res["ticket_unanswered"].asdict() == {"value": 3, "numerator": 3, "denominator": None}
    assert res["tickets_received"].asdict() == {"value": 9, "numerator": 9, "denominator": None}


def test_open_tickets(wh):
    # open at the cut-off: t4 (age 12-08 00:00 - 11-20 09:00 = 423 h), t3 (39 h),
    # t11 (15 h), t6 (4 h), oldest first
    df = action_list(wh, "open_tickets", WEEK)
    assert df["ticket_no"].tolist() == ["t4", "t3", "t11", "t6"]
    assert df["age_hours"].tolist() == [423.0, 39.0, 15.0, 4.0]


def test_overdue_tickets(wh):
    # t4: due 11-22 09:00 -> 375 h overdue; t6 (咨询, 12-07 20:00): due 21:00 -> 3 h
    df = action_list(wh, "overdue_tickets", WEEK)
    assert df["ticket_no"].tolist() == ["t4", "t6"]
    assert df["hours_overdue"].tolist() == [375.0, 3.0]


@pytest.mark.parametrize("closed, on_time", [("09:03", True), ("10:00", True), ("10:01", False)])
def test_a_consultation_closed_within_the_hour_is_answered_at_first_contact(con, closed, on_time):
    # 咨询 c1 received 12-03 09:00 and closed minutes later: answered at first
    # contact (settings: 1 h). Its deadline, 10:00, is in the week.
    add_households(con)
    add_tickets(con, {"c1": ticket("c1", "咨询", "2025-12-03 09:00", "S1", None,
                                   f"2025-12-03 {closed}", "已解答")})
    assert one(con, "ticket_on_time_rate")[:2] == (int(on_time), 1)


def test_unanswered_tickets(wh):
    df = action_list(wh, "unanswered_tickets", WEEK)
    assert df[["ticket_no", "reason"]].values.tolist() == [
        ["t4", "overdue_open"], ["t7", "no_result"], ["t6", "overdue_open"]]
    assert set(df["file_name"]) == {"客服工单.xlsx"}
    # the list and the KPI count the same tickets
    assert len(df) == query(wh, "ticket_unanswered", WEEK)["numerator"].iloc[0]


def test_unanswered_whitespace_result(con):
    # a result of spaces only is no result
    from metrics.testing import TICKETS
    add_households(con)
    add_tickets(con, {"t1": {**TICKETS["t1"], "result": "   "}})
    assert action_list(con, "unanswered_tickets", WEEK)["ticket_no"].tolist() == ["t1"]


def test_repeat_complainers(wh):
    # h3: t4 (11-20) and t3 (12-06), 16 days apart: a repeat complainer. h4: t9
    # (11-28) and t8 (12-05) is anonymous: tied to no household (service rules
    # art. 20), so h4 has one complaint and is not listed.
    df = action_list(wh, "repeat_complainers", WEEK)
    assert df["household_id"].tolist() == ["h3"]
    h3 = df.set_index("household_id").loc["h3"]
    assert (h3["complaints_in_window"], h3["complaints_in_period"], h3["ticket_nos"]) == (
        2, 1, "t4, t3")
    assert (h3["caller_name"], h3["phone"]) == ("李四", "13900002222")


def test_repeat_complainers_window(wh):
    # the week before (11-24 .. 11-30): h4's t9 (11-28) has no complaint within
    # 30 days before it; h3's t4 (11-20) is outside that week -> nobody
    assert action_list(wh, "repeat_complainers", ("2025-11-24", "2025-11-30")).empty


def test_anonymous_caller_never_returned(wh):
    # t8 is anonymous: its caller and phone must not appear in any row anywhere
    frames = [drill(wh, k, WEEK, part) for k in ("ticket_closure_rate", "ticket_satisfaction_rate",
                                                   "ticket_followup_rate")
              for part in ("numerator", "denominator")]
    frames.append(drill(wh, "tickets_received", WEEK, "numerator"))
    frames += [action_list(wh, name, WEEK) for name in
               ("open_tickets", "overdue_tickets", "unanswered_tickets", "repeat_complainers")]
    t8 = drill(wh, "tickets_received", WEEK, "numerator").set_index("ticket_no").loc["t8"]
    assert pd.isna(t8["caller_name"]) and pd.isna(t8["phone"]) and t8["anonymous"]
    for df in frames:
        text = df.astype(str).to_string()
        assert ANONYMOUS_CALLER not in text and ANONYMOUS_PHONE not in text


def _timed(no, category, received, resolved=None, arrived=None, followup=None):
    t = ticket(no, category, received, "S1", "h1", resolved, "已处理" if resolved else None,
               followup)
    t["arrived_at"] = ts(arrived)
    return t


@pytest.mark.parametrize("storage", STORAGE)
def test_ticket_arrival_on_time_rate(con, storage):
    # 抢修 arrive within 2 h (settings); received in the week 12-01..07:
    #   e1 on site after 1 h 59 min, e2 exactly at 2 h (on time), e3 after 2 h 1 min,
    #   e4 never recorded on site (late); e5 received 11-30 (before the week);
    #   r1 报修 has no arrival limit -> 2 of 4
    add_households(con)
    add_tickets(con, {
        "e1": _timed("e1", "抢修", "2025-12-02 08:00", arrived="2025-12-02 09:59"),
        "e2": _timed("e2", "抢修", "2025-12-03 08:00", arrived="2025-12-03 10:00"),
        "e3": _timed("e3", "抢修", "2025-12-04 08:00", arrived="2025-12-04 10:01"),
        "e4": _timed("e4", "抢修", "2025-12-05 08:00", resolved="2025-12-05 12:00"),
        "e5": _timed("e5", "抢修", "2025-11-30 08:00", arrived="2025-11-30 12:00"),
        "r1": _timed("r1", "报修", "2025-12-02 08:00", arrived="2025-12-02 20:00"),
    })
    use_storage(con, storage)
    assert one(con, "ticket_arrival_on_time_rate") == (2, 4, 0.5)


@pytest.mark.parametrize("storage", STORAGE)
def test_ticket_arrival_is_judged_in_the_period_its_limit_falls_in(con, storage):
    # As the on-time closure rate: a ticket counts in the period its arrival
    # limit (received + 2 h for 抢修) falls in. The week 12-01..07 ends at 12-08 00:00:
    #   p0 received 11-30 23:30, limit 12-01 01:30, on site 12-01 00:20 -> this week, on time;
    #   n4 received 12-07 21:00, limit 23:00, never on site -> this week, late;
    #   n1 received 12-07 23:00, limit 12-08 01:00, never on site; n2 on site 23:40;
    #   n3 on site 12-08 00:30 -> all three next week (not late at the cut-off) -> 1 of 2.
    # The week 12-08..14: n1 late, n2 and n3 on time -> 2 of 3.
    add_households(con)
    add_tickets(con, {
        "p0": _timed("p0", "抢修", "2025-11-30 23:30", arrived="2025-12-01 00:20"),
        "n4": _timed("n4", "抢修", "2025-12-07 21:00"),
        "n1": _timed("n1", "抢修", "2025-12-07 23:00"),
        "n2": _timed("n2", "抢修", "2025-12-07 23:00", arrived="2025-12-07 23:40"),
        "n3": _timed("n3", "抢修", "2025-12-07 23:00", arrived="2025-12-08 00:30"),
    })
    use_storage(con, storage)
    assert one(con, "ticket_arrival_on_time_rate") == (1, 2, 0.5)
    den = drill(con, "ticket_arrival_on_time_rate", WEEK, "denominator")
    assert sorted(den["ticket_no"]) == ["n4", "p0"]
    row = query(con, "ticket_arrival_on_time_rate", ("2025-12-08", "2025-12-14")).iloc[0]
    assert (row["numerator"], row["denominator"]) == (2, 3)
    # by day: each ticket on the day of its limit
    by_day = query(con, "ticket_arrival_on_time_rate", ("2025-12-01", "2025-12-14"), by="day")
    assert dict(zip(by_day["day"].astype(str), by_day["denominator"])) == {
        "2025-12-01": 1, "2025-12-07": 1, "2025-12-08": 3}


@pytest.mark.parametrize("storage", STORAGE)
def test_ticket_followup_on_time_rate(con, storage):
    # followed up within 48 h of resolution (settings), among the follow-up
    # categories resolved in the week:
    #   f1 after 47 h, f2 at exactly 48 h (on time), f3 after 49 h, f4 no follow-up;
    #   f5 咨询 is not a follow-up category; f6 resolved 11-29 (before the week) -> 2 of 4
    add_households(con)
    add_tickets(con, {
        "f1": _timed("f1", "报修", "2025-12-01 08:00", "2025-12-02 08:00",
                     followup="2025-12-04 07:00"),
        "f2": _timed("f2", "投诉", "2025-12-01 08:00", "2025-12-02 08:00",
                     followup="2025-12-04 08:00"),
        "f3": _timed("f3", "抢修", "2025-12-01 08:00", "2025-12-02 08:00",
                     followup="2025-12-04 09:00"),
        "f4": _timed("f4", "举报", "2025-12-01 08:00", "2025-12-03 08:00"),
        "f5": _timed("f5", "咨询", "2025-12-01 08:00", "2025-12-01 08:10",
                     followup="2025-12-01 09:00"),
        "f6": _timed("f6", "报修", "2025-11-28 08:00", "2025-11-29 08:00",
                     followup="2025-11-30 08:00"),
    })
    use_storage(con, storage)
    assert one(con, "ticket_followup_on_time_rate") == (2, 4, 0.5)
    # the follow-up rate over the same tickets: f1 f2 f3 followed up -> 3 of 4
    assert one(con, "ticket_followup_rate") == (3, 4, 0.75)


def test_weekly_trend_of_ticket_kpis_is_each_weeks_own_figure(con):
    # metrics.trends.weekly: a week's point is metrics.query for that week. The
    # closure rate and the unanswered items are counted at the period's
    # cut-off, so a week's figure is the one at the end of that week, not at
    # the end of the trend. Two 报修 (24 h) tickets:
    #   w1 received 12-01 08:00, resolved 12-09 08:00 (result "已修")
    #   w2 received 12-09 09:00, resolved 12-09 10:00
    # week 12-01..12-07 (cut-off 12-08): w1 open -> closure 0 of 1; w1 overdue
    #   since 12-02 08:00 -> 1 unanswered (read at 12-15 both would be "done").
    # week 12-08..12-14 (cut-off 12-15): w2 closed -> 1 of 1; nothing unanswered.
    from datetime import date
    from metrics import Period
    from metrics.registry import kpis
    from metrics.trends import weekly
    add_households(con)
    add_tickets(con, {
        "w1": ticket("w1", "报修", "2025-12-01 08:00", "S1", "h1", "2025-12-09 08:00", "已修"),
        "w2": ticket("w2", "报修", "2025-12-09 09:00", "S1", "h1", "2025-12-09 10:00", "已修"),
    })
    until = date(2025, 12, 14)
    closure = weekly(con, "ticket_closure_rate", "2025-2026", until=until).set_index("week")
    assert closure.loc[pd.Timestamp("2025-12-01"), ["numerator", "denominator"]].tolist() == \
        [0, 1]
    assert closure.loc[pd.Timestamp("2025-12-08"), ["numerator", "denominator"]].tolist() == \
        [1, 1]
    unanswered = weekly(con, "ticket_unanswered", "2025-2026", until=until).set_index("week")
    assert unanswered.loc[pd.Timestamp("2025-12-01"), "value"] == 1
    assert unanswered.loc[pd.Timestamp("2025-12-08"), "value"] == 0
    # and so for every ticket KPI placed in time: each week as its own period,
    # the whole ISO week (the season's first week too, from Monday 11-10)
    for kpi in kpis().values():
        if kpi.model != "ticket_facts" or not kpi.time:
            continue
        trend = weekly(con, kpi.id, "2025-2026", until=until)
        for _, row in trend.iterrows():
            monday = row["week"].date()
            p = Period(monday, min(monday + pd.Timedelta(days=6), until), "2025-2026")
            want = query(con, kpi.id, p).iloc[0]
            got = (row["numerator"], row["denominator"], row["value"])
            exp = (want["numerator"], want["denominator"], want["value"])
            # a week without rows: the trend has no row (NaN) where the query
            # counts 0 (of 0)
            if pd.isna(row["numerator"]) and pd.isna(row["denominator"]):
                assert not (want["numerator"] or want["denominator"]), (kpi.id, monday)
                continue
            assert [None if pd.isna(x) else float(x) for x in got] == \
                [None if pd.isna(x) else float(x) for x in exp], (kpi.id, monday)


# Tickets received before the period's season (2025-2026 starts 2025-11-15):
#   o1 投诉 2025-03-10 10:00 S1 (张店), never resolved   -> unanswered, from 2024-2025
#   o2 报修 2025-07-01 08:00 S3 (淄川), never resolved   -> unanswered, from the summer
#   o3 投诉 2025-03-01 09:00 S1, resolved 03-02 with a result -> answered
EARLIER = {
    "o1": ticket("o1", "投诉", "2025-03-10 10:00", "S1", "h1"),
    "o2": ticket("o2", "报修", "2025-07-01 08:00", "S3", "h4"),
    "o3": ticket("o3", "投诉", "2025-03-01 09:00", "S1", "h1", "2025-03-02 09:00", "已处理"),
}


@pytest.mark.parametrize("storage", STORAGE)
def test_ticket_unanswered_carried_over(con, storage):
    # The week's 漏件: t4, t6, t7 (test_ticket_unanswered) + o1 + o2 = 5. The
    # 2025-2026 season begins, as coverage.season_of counts days, on 16 March
    # 2025 (the day after 2024-2025's last heating day): o1 (10 March 2025) is
    # carried over; o2 (1 July 2025, a summer repair) is the coming season's,
    # this one's. 1 carried over.
    add_households(con)
    add_tickets(con, {**TICKETS, **EARLIER})
    use_storage(con, storage)
    assert one(con, "ticket_unanswered")[0] == 5
    n, d, v = one(con, "ticket_unanswered_carried_over")
    assert (n, v) == (1, 1) and pd.isna(d)
    # the same filters and branch scope as the 漏件 count: o1 is 张店's (S1)
    assert one(con, "ticket_unanswered_carried_over", filters={"branch": ZD})[0] == 1
    assert one(con, "ticket_unanswered_carried_over", scope=ZC)[0] == 0
    assert one(con, "ticket_unanswered_carried_over", filters={"station": ["S2"]})[0] == 0
    # a week of 2024-2025 (10-16 March 2025): o1 is its own season's (due
    # 03-12 10:00, unanswered at 03-17), nothing is carried over; o3 answered
    march = summary(con, ("2025-03-10", "2025-03-16"),
                    kpi_ids=["ticket_unanswered", "ticket_unanswered_carried_over"])
    assert march["ticket_unanswered"].value == 1
    assert march["ticket_unanswered_carried_over"].value == 0
    # The list says which of its tickets are carried over, in words on the
    # pages and in the report (metrics.display.reason_text): o1 only.
    from metrics.display import reasons_of
    listed = action_list(con, "unanswered_tickets", WEEK).set_index("ticket_no")
    assert listed.index[listed["carried_over"]].tolist() == ["o1"]
    words = dict(zip(listed.index, reasons_of(listed, "zh")))
    assert words["o1"] == "超期未办结(往季遗留)" and words["o2"] == "超期未办结"
    assert reasons_of(listed.loc[["o1"]], "en") == [
        "Past deadline, not resolved (from an earlier season)"]
    # This season's first, each part oldest first: o1, from an earlier
    # season and the oldest of all, came first and buried the week's own.
    order = action_list(con, "unanswered_tickets", WEEK)["ticket_no"].tolist()
    assert order[-1] == "o1" and order[0] == "o2" and len(order) == 5
    assert order == listed.drop(index="o1").sort_values("received_at").index.tolist() + ["o1"]


@pytest.mark.parametrize("storage", STORAGE)
def test_a_week_not_over_counts_follow_ups_recorded_by_its_cut_off(con, storage):
    # Read on Wednesday 12-03 10:00: resolved by then and followed up by
    # category, t1 (报修, followed up 12-03 09:00), t2 (报修, followed up 12-03
    # 10:00, at the cut-off: not yet) and t9 (投诉, 12-02 09:00): 2 of 3, where
    # counting follow-ups recorded later said 3 of 3. Last season's week,
    # cut at the same point, counts the same way: a comparison of like with
    # like. The whole week counts each follow-up whenever recorded.
    add_households(con)
    add_tickets(con)
    use_storage(con, storage)
    wednesday = Period(*WEEK).so_far(ts("2025-12-03 10:00"))
    assert wednesday.recorded_by == wednesday.cutoff_at == ts("2025-12-03 10:00")
    assert wednesday.last_season().recorded_by == wednesday.last_season().cutoff_at
    assert Period(*WEEK).recorded_by > ts("9999-01-01 00:00")
    for kpi in ("ticket_followup_rate", "ticket_followup_on_time_rate"):
        row = query(con, kpi, wednesday).iloc[0]
        assert (row["numerator"], row["denominator"]) == (2, 3), kpi
    # rated by then: t1 满意 and t9 基本满意 (t2's follow-up has no rating)
    row = query(con, "ticket_satisfaction_rate", wednesday).iloc[0]
    assert (row["numerator"], row["denominator"]) == (2, 2)
    funnel = followup_funnel(con, wednesday).set_index("category")
    assert funnel.loc["报修", ["resolved", "followed_up"]].tolist() == [2, 1]
    # the whole week: t1 t2 t8 t9 of t1 t2 t7 t8 t9
    row = query(con, "ticket_followup_rate", WEEK).iloc[0]
    assert (row["numerator"], row["denominator"]) == (4, 5)


@pytest.mark.parametrize("storage", STORAGE)
def test_a_week_not_over_judges_deadlines_at_the_time_it_is_read(con, storage):
    # Read on Wednesday 12-03 10:00, the week 12-01 .. 12-07 holds t1 t2 t10
    # (received by then) and c2, a repair received 12-03 08:00, due Thursday
    # 12-04 08:00. Not one of them is past its deadline at 10:00: t1 t2 are
    # resolved, t10 (建议, 72 h, resolved Thursday) is due 12-05. Cut at the
    # week's last midnight instead, c2 counted as overdue before its deadline.
    add_households(con)
    add_tickets(con, {**TICKETS, "c2": ticket("c2", "报修", "2025-12-03 08:00", "S1", "h1")})
    use_storage(con, storage)
    wednesday = Period(*WEEK).so_far(ts("2025-12-03 10:00"))
    assert query(con, "tickets_received", wednesday).iloc[0]["numerator"] == 4
    unanswered = set(action_list(con, "unanswered_tickets", wednesday)["ticket_no"])
    assert not {"c2", "t10"} & unanswered
    assert "c2" in set(action_list(con, "unanswered_tickets", WEEK)["ticket_no"])
    # 应办结 by Wednesday 10:00: t1 (due 12-02 08:00, on time), t2 (12-02 10:00,
    # 1 minute late); t9 was due 11-30, before the week: 1 of 2
    row = query(con, "ticket_on_time_rate", wednesday).iloc[0]
    assert (row["numerator"], row["denominator"]) == (1, 2)
