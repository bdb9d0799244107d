"""The tickets page's views (metrics/ticket_views.py) on the hand-built
warehouse of metrics/testing.py; the ticket table is in test_metrics_tickets.py.

Period 2025-12-01 .. 2025-12-07, cut-off 2025-12-08 00:00. Resolved in the
period, hours from receipt to resolution, limit (settings), within the limit:

  t1  报修  24 h          24 h   yes (at the deadline itself)
  t2  报修  24 h 1 min    24 h   no
  t5  咨询   0 h           1 h   yes
  t7  抢修   4 h          24 h   yes
  t8  举报  24 h          48 h   yes
  t9  投诉  72 h          48 h   no  (received before the period)
  t10 建议  48 h          72 h   yes

Open at the cut-off, age in hours: t3 39 h (deadline 12-08 09:00, not yet
overdue), t4 447 h (overdue), t6 4 h (咨询: overdue an hour after receipt), t11 15 h.
"""
from __future__ import annotations

import pandas as pd
import pytest

from metrics import MetricError, action_list, compare, query, summary
from metrics import ticket_views as tv
from metrics.views import with_last_season
from metrics.testing import (ANONYMOUS_CALLER, ANONYMOUS_PHONE, STORAGE, TICKETS, WEEK, ZC,
                             ZD, add_households, add_tickets, ticket, use_storage)


@pytest.fixture(params=STORAGE)
def wh(con, request):
    """Computed from the SQL files, or read from the stored tickets."""
    add_households(con)
    add_tickets(con)
    return use_storage(con, request.param)


def _kept(con):
    """After a test adds tickets: the stored table follows, as after a load."""
    from metrics import stored
    return use_storage(con, "stored" if stored.is_fresh(con) else "computed")


def by_category(df: pd.DataFrame) -> dict:
    return df.set_index("category").to_dict("index")


def test_resolution_by_category(wh):
    df = tv.resolution_by_category(wh, WEEK)
    # the hotline's order (settings), not the alphabet
    assert df["category"].tolist() == ["咨询", "报修", "抢修", "投诉", "举报", "建议"]
    rows = by_category(df)
    repair = rows["报修"]
    assert (repair["resolved"], repair["within_limit"], repair["limit_hours"]) == (2, 1, 24.0)
    assert repair["within_limit_share"] == 0.5
    # two values 24 and 24 + 1/60: linear interpolation
    assert repair["median_hours"] == pytest.approx(24 + 0.5 / 60)
    assert repair["p90_hours"] == pytest.approx(24 + 0.9 / 60)
    assert repair["q1_hours"] == pytest.approx(24 + 0.25 / 60)
    assert repair["max_hours"] == pytest.approx(24 + 1 / 60)
    assert (rows["投诉"]["median_hours"], rows["投诉"]["within_limit"],
            rows["投诉"]["limit_hours"]) == (72.0, 0, 48.0)
    assert (rows["咨询"]["median_hours"], rows["咨询"]["within_limit"]) == (0.0, 1)
    assert (rows["建议"]["median_hours"], rows["建议"]["limit_hours"]) == (48.0, 72.0)
    assert int(df["resolved"].sum()) == 7


def test_resolution_quantiles_equal_the_kpis(wh):
    df = by_category(tv.resolution_by_category(wh, WEEK))
    for kpi, col in (("ticket_resolution_hours_median", "median_hours"),
                     ("ticket_resolution_hours_p90", "p90_hours")):
        for _, row in query(wh, kpi, WEEK, by="category").iterrows():
            assert df[row["category"]][col] == pytest.approx(row["value"])
            assert df[row["category"]]["resolved"] == row["denominator"]


def test_resolution_by_category_filtered(wh):
    # 张店 (S1, S2): t1 t2 t7 resolved in the week; t3 and t4 are still open
    df = tv.resolution_by_category(wh, WEEK, {"branch": ZD})
    assert dict(zip(df["category"], df["resolved"])) == {"报修": 2, "抢修": 1}
    assert tv.resolution_by_category(wh, WEEK, scope=ZC)["resolved"].sum() == 4  # t5 t8 t9 t10


def test_backlog_by_age(wh):
    df = tv.backlog_by_age(wh, WEEK)
    rows = list(df[["band", "lower_hours", "category", "tickets", "overdue"]]
                .itertuples(index=False, name=None))
    assert rows == [(1, 0.0, "咨询", 1, 1),     # t6, 4 h, due at once
                    (1, 0.0, "投诉", 1, 0),     # t11, 15 h
                    (2, 24.0, "投诉", 1, 0),    # t3, 39 h
                    (5, 168.0, "投诉", 1, 1)]   # t4, 447 h
    assert df.loc[df["band"] == 5, "upper_hours"].item() == 720.0
    # the same tickets as the open and overdue lists
    assert df["tickets"].sum() == len(action_list(wh, "open_tickets", WEEK))
    assert df["overdue"].sum() == len(action_list(wh, "overdue_tickets", WEEK))


def test_backlog_band_edges_are_half_open(wh):
    # received exactly 24 h before the cut-off: 24 h old, so the 1-2 day band
    tickets = {"e1": ticket("e1", "报修", "2025-12-07 00:00", "S1", "h1")}
    add_tickets(wh, tickets)
    df = tv.backlog_by_age(_kept(wh), WEEK)
    assert df.loc[df["category"] == "报修", "band"].tolist() == [2]


def test_followup_funnel(wh):
    # followed-up categories resolved in the week: t1 t2 (报修), t7 (抢修), t8 (举报),
    # t9 (投诉)
    df = tv.followup_funnel(wh, WEEK)
    assert df["category"].tolist() == ["报修", "抢修", "投诉", "举报"]
    assert df.set_index("category")[["resolved", "followed_up", "rated", "satisfied"]] \
        .to_dict("index") == {
        "报修": {"resolved": 2, "followed_up": 2, "rated": 1, "satisfied": 1},   # t2 not rated
        "抢修": {"resolved": 1, "followed_up": 0, "rated": 0, "satisfied": 0},   # t7
        "投诉": {"resolved": 1, "followed_up": 1, "rated": 1, "satisfied": 1},   # t9 基本满意
        "举报": {"resolved": 1, "followed_up": 1, "rated": 1, "satisfied": 0}}   # t8 不满意
    totals = tv.funnel_totals(df)
    assert totals["stage"].tolist() == list(tv.FUNNEL_STAGES)
    assert totals["tickets"].tolist() == [5, 4, 3, 2]
    assert totals["share_of_previous"].tolist()[1:] == [4 / 5, 3 / 4, 2 / 3]
    assert totals["share_of_resolved"].tolist() == [1.0, 4 / 5, 3 / 5, 2 / 5]


def test_funnel_agrees_with_the_kpis(wh):
    totals = tv.funnel_totals(tv.followup_funnel(wh, WEEK)).set_index("stage")["tickets"]
    s = summary(wh, WEEK, kpi_ids=["ticket_followup_rate", "ticket_satisfaction_rate"])
    assert (totals["followed_up"], totals["resolved"]) == (
        s["ticket_followup_rate"].numerator, s["ticket_followup_rate"].denominator)
    assert (totals["satisfied"], totals["rated"]) == (
        s["ticket_satisfaction_rate"].numerator, s["ticket_satisfaction_rate"].denominator)


def test_funnel_stages_nest(con):
    # t7 rated 满意 with no follow-up recorded: neither the funnel nor the
    # satisfaction rate counts it (a rating is a follow-up's)
    add_households(con)
    tickets = dict(TICKETS)
    tickets["t7"] = {**TICKETS["t7"], "satisfaction": "满意"}
    add_tickets(con, tickets)
    totals = tv.funnel_totals(tv.followup_funnel(con, WEEK))["tickets"].tolist()
    assert totals == [5, 4, 3, 2]
    assert summary(con, WEEK, kpi_ids=["ticket_satisfaction_rate"])[
        "ticket_satisfaction_rate"].denominator == 3


def test_funnel_without_tickets(con):
    add_households(con)
    totals = tv.funnel_totals(tv.followup_funnel(con, WEEK))
    assert totals["tickets"].tolist() == [0, 0, 0, 0]
    assert totals["share_of_resolved"].isna().all()


def test_repeat_complaint_tickets(wh):
    # h3: t4 (11-20), t3 (12-06); h4's t8 (12-05) is anonymous, tied to no
    # household: h4 (t9 only) is no repeat complainer, and t8 is nowhere here
    df = tv.repeat_complaint_tickets(wh, WEEK)
    assert list(zip(df["household_id"], df["ticket_no"])) == [("h3", "t4"), ("h3", "t3")]
    assert df["caller_name"].tolist() == ["李四", "李四"]
    assert df["file_name"].tolist() == ["客服工单.xlsx"] * 2
    assert df["source_row"].tolist() == [8, 7]
    text = df.astype(str).to_string()
    assert ANONYMOUS_CALLER not in text and ANONYMOUS_PHONE not in text
    assert {"caller_name", "phone"} <= set(df.attrs["personal_columns"])


def test_repeat_complaint_tickets_match_the_list(wh):
    listed = action_list(wh, "repeat_complainers", WEEK).set_index("household_id")
    tickets = tv.repeat_complaint_tickets(wh, WEEK)
    counts = tickets.groupby("household_id").size()
    assert counts.to_dict() == listed["complaints_recent"].to_dict()
    for hid, nos in listed["ticket_nos"].items():
        assert ", ".join(tickets.loc[tickets["household_id"] == hid, "ticket_no"]) == nos


def test_repeat_complaint_tickets_scoped(wh):
    # h3 is in 张店, the only repeat complainer: 淄川 sees none, 张店 sees h3
    assert tv.repeat_complaint_tickets(wh, WEEK, scope=ZC).empty
    df = tv.repeat_complaint_tickets(wh, WEEK, scope=ZD)
    assert set(df["household_id"]) == {"h3"} and set(df["branch"]) == {ZD}
    assert tv.repeat_complaint_tickets(wh, ("2025-11-24", "2025-11-30")).empty


@pytest.mark.parametrize("storage", STORAGE)
def test_a_repeat_complainer_is_its_branchs_whichever_station_answered(con, storage):
    # h1 is a 张店 household (roster station S1). It complains on 12-02 (S1
    # responsible) and on 12-04 (the hotline made 淄川's S3 responsible): two
    # complaints within 30 days. It is 张店's repeat complainer, counted twice,
    # listed under its roster branch and station; 淄川 lists nobody; the
    # company's list is the branches' lists together. The tickets view shows
    # both complaints to 张店, each with its responsible station.
    add_households(con)
    add_tickets(con, {
        "a": ticket("a", "投诉", "2025-12-02 09:00", "S1", "h1", "2025-12-02 12:00", "已处理"),
        "b": ticket("b", "投诉", "2025-12-04 09:00", "S3", "h1", "2025-12-04 12:00", "已处理"),
    })
    use_storage(con, storage)
    rows = {}
    for scope in (None, ZD, ZC):
        df = action_list(con, "repeat_complainers", WEEK, scope=scope)
        rows[scope] = df[["household_id", "branch", "station", "complaints_in_window",
                          "ticket_nos"]].values.tolist()
    assert rows[None] == rows[ZD] == [["h1", ZD, "S1", 2, "a, b"]]
    assert rows[ZC] == []
    # a filter on the household's station keeps it; on the other one drops it
    assert len(action_list(con, "repeat_complainers", WEEK, {"station": "S1"})) == 1
    assert action_list(con, "repeat_complainers", WEEK, {"station": "S3"}).empty
    tickets = tv.repeat_complaint_tickets(con, WEEK, scope=ZD)
    assert tickets[["ticket_no", "branch", "station", "responsible_station"]].values.tolist() \
        == [["a", ZD, "S1", "S1"], ["b", ZD, "S1", "S3"]]
    assert tv.repeat_complaint_tickets(con, WEEK, scope=ZC).empty
    # A category filter would count part of the complaints: refused, as the list refuses it.
    with pytest.raises(MetricError):
        tv.repeat_complaint_tickets(con, WEEK, {"category": "投诉"})


@pytest.mark.parametrize("storage", STORAGE)
def test_a_repeat_complainer_not_in_the_roster_is_one_branchs(con, storage):
    # hx is in no roster: its complaints went to S1 (张店), then S3 (淄川). It
    # belongs where its latest complaint was answered, 淄川, for every viewer:
    # in 淄川's list with both tickets, in none of 张店's (whose user would
    # otherwise see 淄川's ticket), and once in the company's.
    add_households(con)
    add_tickets(con, {
        "a": ticket("a", "投诉", "2025-12-02 09:00", "S1", "hx", caller="张三"),
        "b": ticket("b", "投诉", "2025-12-04 09:00", "S3", "hx", caller="张三"),
    })
    use_storage(con, storage)
    lists = {scope: action_list(con, "repeat_complainers", WEEK, scope=scope)[
        ["household_id", "branch", "station"]].values.tolist() for scope in (None, ZD, ZC)}
    assert lists[None] == lists[ZC] == [["hx", ZC, "S3"]]
    assert lists[ZD] == []
    assert tv.repeat_complaint_tickets(con, WEEK, scope=ZD).empty
    assert tv.repeat_complaint_tickets(con, WEEK, scope=ZC)["ticket_no"].tolist() == ["a", "b"]


def test_time_limits_from_settings():
    df = tv.time_limits().set_index("category")
    assert df.loc["抢修", "arrive_hours"] == 2 and df.loc["抢修", "resolve_hours"] == 24
    assert df.loc["投诉", "answer_hours"] == 24 and df.loc["投诉", "resolve_hours"] == 48
    assert df.loc["咨询", "resolve_hours"] == 1


def test_with_last_season_is_compare_without_the_previous_period(wh):
    # a week with tickets in both seasons: 2025-12-01..07 and 2024-12-02..08
    from metrics.testing import insert
    last = {"o1": ticket("o1", "报修", "2024-12-02 08:00", "S1", "h1", "2024-12-02 09:00", "已修"),
            "o2": ticket("o2", "报修", "2024-12-03 08:00", "S1", "h1")}
    insert(wh, "tickets", [{**r, "batch_id": 3, "source_row": 100 + i}
                           for i, r in enumerate(last.values())])
    _kept(wh)
    got = with_last_season(wh, "ticket_closure_rate", "station", WEEK).set_index("station")
    want = compare(wh, "ticket_closure_rate", WEEK, by="station").set_index("station")
    for col in ("numerator", "denominator", "value", "last_season_value", "change_last_season"):
        assert got[col].to_dict() == pytest.approx(want.loc[got.index, col].to_dict(),
                                                    nan_ok=True)
    assert got.loc["S1", "last_season_value"] == 0.5     # o1 resolved, o2 not
    assert "previous_value" not in got


def test_resolution_by_category_gives_the_other_times_of_a_ticket(con, request):
    # DESIGN 2.2: received -> dispatched, received -> arrived, resolved -> follow-up.
    # Medians over the tickets resolved in the period with both ends recorded:
    #   r1 报修 received 12-01 08:00, dispatched 08:30 (0.5 h), on site 10:00 (2 h),
    #      resolved 12-01 12:00, follow-up 12-02 12:00 (24 h)
    #   r2 报修 received 12-02 08:00, dispatched 09:30 (1.5 h), on site 12:00 (4 h),
    #      resolved 12-02 14:00, no follow-up
    #   r3 报修 received 12-03 08:00, nothing but resolved 12-03 20:00
    #   r4 报修 received 12-04 08:00, dispatched 12-04 20:00, resolved after the
    #      cut-off (not resolved in the period: not counted)
    # 报修: dispatch median of 0.5 and 1.5 = 1.0 h; on site of 2 and 4 = 3.0 h;
    # follow-up 24.0 h (r1 only).
    from metrics.testing import ts
    add_households(con)
    tickets = {
        "r1": ticket("r1", "报修", "2025-12-01 08:00", "S1", "h1", "2025-12-01 12:00", "已修",
                     "2025-12-02 12:00"),
        "r2": ticket("r2", "报修", "2025-12-02 08:00", "S1", "h1", "2025-12-02 14:00", "已修"),
        "r3": ticket("r3", "报修", "2025-12-03 08:00", "S1", "h1", "2025-12-03 20:00", "已修"),
        "r4": ticket("r4", "报修", "2025-12-04 08:00", "S1", "h1", "2025-12-09 08:00", "已修"),
    }
    for no, dispatched, arrived in (("r1", "2025-12-01 08:30", "2025-12-01 10:00"),
                                    ("r2", "2025-12-02 09:30", "2025-12-02 12:00"),
                                    ("r3", None, None), ("r4", "2025-12-04 20:00", None)):
        tickets[no].update(dispatched_at=ts(dispatched), arrived_at=ts(arrived))
    add_tickets(con, tickets)
    for storage in STORAGE:
        use_storage(con, storage)
        repair = by_category(tv.resolution_by_category(con, WEEK))["报修"]
        assert repair["resolved"] == 3, storage
        assert repair["median_dispatch_hours"] == pytest.approx(1.0), storage
        assert repair["median_arrive_hours"] == pytest.approx(3.0), storage
        assert repair["median_followup_hours"] == pytest.approx(24.0), storage


def test_volume_table_by_day_week_and_month():
    # Counts by day and category as query(..., by=("day", "category")) gives them:
    #   Sun 2025-11-30: 报修 2        (ISO week 2025-W48, November)
    #   Mon 2025-12-01: 报修 1, 投诉 3 (W49, December)
    #   Sun 2025-12-07: 咨询 1, no category 1 (W49)
    #   Mon 2025-12-08: 投诉 1        (W50)
    by_day = pd.DataFrame({
        "day": pd.to_datetime(["2025-11-30", "2025-12-01", "2025-12-01", "2025-12-07",
                               "2025-12-07", "2025-12-08"]),
        "category": ["报修", "报修", "投诉", "咨询", None, "投诉"],
        "numerator": [2, 1, 3, 1, 1, 1]})
    cats = tv.categories()
    week = tv.volume_table(by_day, "week").set_index("period")
    assert list(week.columns) == [*cats, "(none)", "total"]
    assert week.loc["2025-W48", ["报修", "total"]].tolist() == [2, 2]
    assert week.loc["2025-W49", ["报修", "投诉", "咨询", "(none)", "total"]].tolist() == \
        [1, 3, 1, 1, 6]
    assert week.loc["2025-W50", "total"] == 1
    month = tv.volume_table(by_day, "month").set_index("period")
    assert month["total"].to_dict() == {"2025-11": 2, "2025-12": 7}
    day = tv.volume_table(by_day, "day")
    assert day["period"].tolist() == ["2025-11-30", "2025-12-01", "2025-12-07", "2025-12-08"]
    assert int(day["total"].sum()) == 9 == int(week["total"].sum())
    # a week across the new year is its ISO week: Mon 2025-12-29 is 2026-W01
    edge = tv.volume_table(pd.DataFrame({"day": pd.to_datetime(["2025-12-29"]),
                                         "category": ["报修"], "numerator": [1]}), "week")
    assert edge["period"].tolist() == ["2026-W01"]
    assert tv.volume_table(by_day.iloc[:0], "month").empty
    with pytest.raises(ValueError):
        tv.volume_table(by_day, "year")
