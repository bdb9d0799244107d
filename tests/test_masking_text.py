"""Room numbers in free text and anonymous complaints (service rules art. 20):
a description is cut to the building for viewers without personal data, and an
anonymous ticket's text for everyone; an anonymous ticket is tied to no
household in any list or row."""
from __future__ import annotations

import duckdb
import pytest

from auth.masking import ROOMS_IN_TEXT, mask_address, mask_frame, mask_text
from metrics import Period, action_list, drill
from metrics.compose import sql_text
from metrics.testing import TICKETS, add_households, add_tickets, ticket

TEXTS = {
    "金晶小区8号楼1单元1201室温不达标": "金晶小区8号楼1单元***室温不达标",
    "和平小区9号楼1单元1501商户未交费私自用热": "和平小区9号楼1单元***商户未交费私自用热",
    "西关小区平房6排2号暖气不热": "西关小区平房***暖气不热",
    "华光小区3号楼501室漏水": "华光小区3号楼***室漏水",
    "2号楼 302 不热": "2号楼*** 不热",
    "暖气片需要放气,18度以下": "暖气片需要放气,18度以下",     # nothing room-level
    "3号楼2单元 门口管道漏水": "3号楼2单元 门口管道漏水",        # a unit without a room
    "金晶小区8-2-1201室温低": "金晶小区8-2-***室温低",
    "阳光花园3#楼2-301不热": "阳光花园3#楼2-***不热",
    "住户1201室反映不热": "住户***室反映不热",
    "8号楼１２０１室": "8号楼***室",                            # full-width digits
    "电话0533-3120811回电": "电话0533-3120811回电",              # not a room
    "2025-12-08报修": "2025-12-08报修",                        # a date
}


@pytest.mark.parametrize("text, masked", TEXTS.items())
def test_room_numbers_in_text_are_cut_to_the_building(text, masked):
    assert mask_text(text) == masked


def test_the_sql_cuts_an_anonymous_tickets_text_as_python_does():
    # The three replacements ticket_base.sql writes, run by DuckDB on every sample.
    sql = sql_text("ticket_base")
    start = sql.index("then regexp_replace(") + len("then ")
    expr = sql[start:sql.index(" else t.description end", start)].replace(
        "t.description", "d")
    for pattern, keep in ROOMS_IN_TEXT:   # the SQL writes each pattern of the Python list
        assert f"'{pattern}', '{keep}'" in expr
    con = duckdb.connect()
    for text, masked in TEXTS.items():
        assert con.execute(f"select {expr} from (select $d as d)", {"d": text}).fetchone()[0] \
            == masked, text


def test_a_bungalow_address_is_masked_to_its_row():
    assert mask_address("淄博市淄川区西关小区平房6排2号") == "淄博市淄川区西关小区平房6排"
    assert mask_address("淄博市张店区华光小区3号楼2单元501") == "淄博市张店区华光小区3号楼"


def test_descriptions_are_masked_unless_the_viewer_may_see_personal_data():
    import pandas as pd
    df = pd.DataFrame({"description": ["金晶小区8号楼1单元1201室温不达标", None]})
    masked = mask_frame(df, False)["description"]
    assert masked.iloc[0] == "金晶小区8号楼1单元***室温不达标" and pd.isna(masked.iloc[1])
    assert mask_frame(df, True)["description"].tolist() == df["description"].tolist()


WEEK = Period("2025-12-01", "2025-12-07")


@pytest.fixture
def wh(con):
    add_households(con)
    tickets = dict(TICKETS)
    # Two anonymous complaints of h3 in the week, its room in the text, and a
    # named one: h3 would be a repeat complainer only through them.
    for no, day in (("a1", "2025-12-02 09:00"), ("a2", "2025-12-04 09:00")):
        t = ticket(no, "投诉", day, "S2", "h3", anonymous=True, caller="匿名者",
                   phone="13900009999")
        t["description"] = "金晶小区8号楼1单元1201室温不达标"
        tickets[no] = t
    add_tickets(con, tickets)
    return con


def test_an_anonymous_ticket_has_no_household_and_no_room_anywhere(wh):
    rows = action_list(wh, "unanswered_tickets", WEEK)
    anon = rows[rows["ticket_no"].isin(["a1", "a2", "t8"])]
    assert len(anon) >= 2 and anon["household_id"].isna().all()
    assert set(anon.loc[anon["ticket_no"] != "t8", "description"]) == {
        "金晶小区8号楼1单元***室温不达标"}
    named = rows[rows["ticket_no"] == "t7"]
    assert named["description"].tolist() == ["抢修 t7"]     # named tickets keep their text
    received = drill(wh, "tickets_received", WEEK, "numerator")
    anon = received[received["anonymous"]]
    assert len(anon) == 3 and anon["household_id"].isna().all()
    assert not received.loc[~received["anonymous"], "household_id"].isna().all()
    assert anon["station"].notna().all()                     # still counted where it belongs


def test_anonymous_complaints_make_no_household_a_repeat_complainer(wh):
    repeat = action_list(wh, "repeat_complainers", WEEK)
    # h3: t3 (named, 12-06) + t4 (named, 11-20) are 16 days apart: a repeat
    # complainer through its named complaints only, whose tickets name no anonymous one.
    assert repeat["household_id"].tolist() == ["h3"]
    assert "a1" not in repeat["ticket_nos"].iloc[0] and "a2" not in repeat["ticket_nos"].iloc[0]
    assert repeat["complaints_in_window"].tolist() == [2]
