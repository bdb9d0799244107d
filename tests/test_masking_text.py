"""Room and phone numbers in free text and anonymous complaints (service rules
art. 20): a description, result or note is cut for viewers without personal
data, and an anonymous ticket's texts for everyone (its caller's own name and
phone too); an anonymous ticket is tied to no household in any list or row."""
from __future__ import annotations

import pandas as pd
import pytest

from auth.masking import TEXT_CUTS, mask_address, mask_frame, mask_text
from metrics import Period, action_list, drill
from metrics.compose import sql_text
from metrics.testing import TICKETS, add_households, add_tickets, ticket

WEEK = Period("2025-12-01", "2025-12-07")

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
    "2025-12-08报修": "2025-12-08报修",                        # a date
    "工单2025120800013已派": "工单2025120800013已派",            # not a phone
    "欠费13812.5元": "欠费13812.5元",
    # Phones: mobile and landline, as the phone column shows them masked.
    "电话0533-3120811回电": "电话0533-****0811回电",
    "回电13800002222,张先生": "回电138****2222,张先生",
    "13800001111,13900002222": "138****1111,139****2222",
    "电话：１３８００００２２２２": "电话：１３８****２２２２",
    "手机138 0000 2222": "手机138****2222",
    "回电138-0000-2222": "回电138****2222",
    "本人电话+86 13800002222": "本人电话+86 138****2222",
    "8613900003333": "86139****3333",
    "座机05333120811": "座机0533****0811",
    "住5楼502": "住5楼***",
    # Other ways a phone is written, and ID card numbers (region and last four kept).
    "另留电话1380-000-2222": "另留电话138****2222",
    "已回电 1370-000-3333": "已回电 137****3333",
    "手机138 000 02222": "手机138****2222",
    "已联系(138.0000.1111)": "已联系(138****1111)",
    "座机0533 312 0811": "座机0533 ****0811",
    "身份证370302198001011234": "身份证370302********1234",
    "身份证号 37030219800101123X 户主": "身份证号 370302********123X 户主",
    # not personal: temperatures, receipt and ticket numbers
    "三次测量 17.5 17.8 18.2 18.0": "三次测量 17.5 17.8 18.2 18.0",
    "收据SF20251105000125已开": "收据SF20251105000125已开",
    "2025-12-08 09:30 回访": "2025-12-08 09:30 回访",
    # More ways of writing a room.
    "华光小区2号楼12层1202暖气不热": "华光小区2号楼12层***暖气不热",
    "华光小区2号楼东单元701房暖气不热": "华光小区2号楼东单元***房暖气不热",
    "住户1202房间暖气漏水": "住户***房间暖气漏水",
    "8#1201暖气不热": "8#***暖气不热",
}


@pytest.mark.parametrize("text, masked", TEXTS.items())
def test_room_numbers_in_text_are_cut_to_the_building(text, masked):
    assert mask_text(text) == masked


def test_the_sql_cuts_an_anonymous_tickets_texts_as_python_does(con):
    # ticket_base.sql writes each pattern of the Python list, in its order...
    sql = sql_text("ticket_base")
    at = [sql.index(f"'{pattern}', '{keep}', 'g'") for pattern, keep in TEXT_CUTS]
    assert at == sorted(at)
    # ...and every sample, as an anonymous ticket's description and result, reads
    # as Python cuts it, for every viewer (the admin's drill rows here).
    add_households(con)
    samples = list(TEXTS.items())
    tickets = {}
    for i, (text, _) in enumerate(samples):
        t = ticket(f"x{i}", "投诉", "2025-12-02 09:00", "S2", "h3", "2025-12-03 09:00",
                   result=text, anonymous=True)
        t["description"] = text
        tickets[f"x{i}"] = t
    add_tickets(con, tickets)
    rows = drill(con, "tickets_received", WEEK, "numerator").set_index("ticket_no")
    for i, (text, masked) in enumerate(samples):
        assert rows.loc[f"x{i}", "description"] == masked, text
        assert rows.loc[f"x{i}", "result"] == masked, text


def test_an_anonymous_callers_own_name_and_phone_are_cut_from_its_texts(con):
    # The caller's name (any way the text writes it) and phone as the export
    # gave them: a handler's result "户主孙八(电话13700003333)" named them.
    add_households(con)
    t = ticket("a9", "投诉", "2025-12-02 09:00", "S2", "h3", "2025-12-03 09:00",
               result="已上门,户主孙八(电话13700003333)表示满意,孙八家室温19度",
               anonymous=True, caller="孙八", phone="0533-3120811")
    t["description"] = "孙八反映暖气不热,联系0533-3120811"
    named = ticket("n9", "投诉", "2025-12-02 10:00", "S2", "h3", "2025-12-03 09:00",
                   result="已上门,户主孙八(电话13700003333)", caller="孙八", phone="13700003333")
    add_tickets(con, {"a9": t, "n9": named})
    rows = drill(con, "tickets_received", WEEK, "numerator").set_index("ticket_no")
    assert rows.loc["a9", "result"] == "已上门,户主***(电话137****3333)表示满意,***家室温19度"
    assert rows.loc["a9", "description"] == "***反映暖气不热,联系***"
    assert pd.isna(rows.loc["a9", "caller_name"]) and pd.isna(rows.loc["a9", "phone"])
    # A named ticket's texts are as written (masked on screen per role, not here).
    assert rows.loc["n9", "result"] == "已上门,户主孙八(电话13700003333)"


def test_an_anonymous_tickets_texts_lose_its_households_roster_name(con):
    # 来电人 blank, the text "业主孙三反映…": the roster's owner of the ticket's
    # household was named beside 来电人 "匿名", to every role with row lists.
    add_households(con)
    t = ticket("a8", "投诉", "2025-12-02 09:00", "S2", "h3", "2025-12-03 09:00",
               result="已回复孙三女士", anonymous=True)
    t["description"] = "业主孙三反映家中暖气不热,要求不要透露其姓名"
    named = ticket("n8", "投诉", "2025-12-02 10:00", "S2", "h3", "2025-12-03 09:00",
                   result="已回复孙三女士")
    add_tickets(con, {"a8": t, "n8": named})
    rows = drill(con, "tickets_received", WEEK, "numerator").set_index("ticket_no")
    assert rows.loc["a8", "description"] == "业主***反映家中暖气不热,要求不要透露其姓名"
    assert rows.loc["a8", "result"] == "已回复***女士"
    assert rows.loc["n8", "result"] == "已回复孙三女士"      # a named ticket's, as written


def test_a_tickets_household_owner_named_in_its_text_is_masked_as_a_name(con):
    # 来电人 李四, the text "业主孙三反映…": a manager saw the owner's full name
    # (masking knew only the caller's). The ticket's rows carry the roster's
    # owner (owner_name, none for an anonymous ticket), masked as a name.
    add_households(con)
    t = ticket("n7", "投诉", "2025-12-02 09:00", "S2", "h3", "2025-12-03 09:00",
               result="已回复孙三女士", caller="李四")
    t["description"] = "业主孙三反映家中暖气不热"
    add_tickets(con, {"n7": t})
    rows = drill(con, "tickets_received", WEEK, "numerator").set_index("ticket_no")
    assert rows.loc["n7", "owner_name"] == "孙三"
    shown = mask_frame(rows.reset_index(), False, ["ticket_no", "caller_name", "description",
                                                   "result"])
    assert shown[["caller_name", "description", "result"]].values.tolist() == [
        ["李*", "业主孙*反映家中暖气不热", "已回复孙*女士"]]


def test_a_repeat_complainers_owner_named_in_the_text_is_masked_as_a_name(con):
    # The repeat-complaints list carried no owner: "业主孙三反映…" under
    # 来电人 李四 showed the owner's full name to roles without personal data.
    from metrics.ticket_views import repeat_complaint_tickets
    add_households(con)
    made = {}
    for no, day in (("r1", "2025-12-02 09:00"), ("r2", "2025-12-04 09:00")):
        made[no] = ticket(no, "投诉", day, "S2", "h3", None, caller="李四")
        made[no]["description"] = "业主孙三反映家中暖气不热"
    add_tickets(con, made)
    rows = repeat_complaint_tickets(con, WEEK)
    assert set(rows["ticket_no"]) == {"r1", "r2"} and set(rows["owner_name"]) == {"孙三"}
    shown = mask_frame(rows, False, ["ticket_no", "caller_name", "description"])
    assert set(shown["description"]) == {"业主孙*反映家中暖气不热"}


def test_a_bungalow_address_is_masked_to_its_row():
    assert mask_address("淄博市淄川区西关小区平房6排2号") == "淄博市淄川区西关小区平房6排"
    assert mask_address("淄博市张店区华光小区3号楼2单元501") == "淄博市张店区华光小区3号楼"


def test_free_texts_are_masked_unless_the_viewer_may_see_personal_data():
    df = pd.DataFrame({"description": ["金晶小区8号楼1单元1201室温不达标", None],
                       "result": ["已回电13800002222", "已处理"],
                       "note": ["用户要求复测,住1单元302", None]})
    masked = mask_frame(df, False)
    assert masked["description"].iloc[0] == "金晶小区8号楼1单元***室温不达标"
    assert pd.isna(masked["description"].iloc[1])
    assert masked["result"].tolist() == ["已回电138****2222", "已处理"]
    assert masked["note"].iloc[0] == "用户要求复测,住1单元***"
    assert mask_frame(df, True).equals(df)


def test_a_rows_own_name_in_its_text_is_masked_as_its_name_column():
    # 张三丰 was masked to 张** in the caller column and read in full beside it
    # in the description.
    df = pd.DataFrame({"caller_name": ["张三丰", "李", None],
                       "description": ["张三丰反映暖气不热,张三丰家在3楼", "李说不热", "王五来电"],
                       "result": ["已联系张三丰", None, "已处理"]})
    masked = mask_frame(df, False)
    assert masked["caller_name"].tolist()[:2] == ["张**", "李*"]
    assert masked["description"].tolist() == ["张**反映暖气不热,张**家在3楼", "李说不热", "王五来电"]
    assert masked["result"].iloc[0] == "已联系张**"



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


def test_a_table_whose_only_personal_data_is_free_text_is_masked(monkeypatch):
    # A household's readings (measured at, indoor, note, inspector) have no
    # name, phone or room column: the table went out unmasked, its note with
    # a phone and a room in it.
    import ui.tables
    monkeypatch.setattr(ui.tables, "can_see_personal", lambda: False)
    df = pd.DataFrame({"indoor_c": [16.5], "note": ["回电13800005555,1号楼1单元201室"],
                       "inspector": ["王工"]})
    out = ui.tables.prepare(df, "zh")
    assert out.iloc[0, 1] == "回电138****5555,1号楼1单元***室"
    assert out.iloc[0, 2] == "王工"
    monkeypatch.setattr(ui.tables, "can_see_personal", lambda: True)
    assert ui.tables.prepare(df, "zh").iloc[0, 1] == "回电13800005555,1号楼1单元201室"


@pytest.mark.parametrize("name, masked", [
    ("测温记录_张三丰13800001111.xlsx", "测温记录_张三丰138****1111.xlsx"),
    ("工单 1380 000 1111.xlsx", "工单 138****1111.xlsx"),
    ("身份证370302198001011234.xls", "身份证370302********1234.xls"),
    ("客服工单_2025-2026.xlsx", "客服工单_2025-2026.xlsx"),          # seasons, dates and
    ("收费明细_2025-12-01_v3.csv", "收费明细_2025-12-01_v3.csv"),     # versions kept
    ("3号楼1201室.xlsx", "3号楼1201室.xlsx"),
])
def test_a_file_name_loses_its_phone_and_id_numbers(name, masked):
    # An uploader's file name carried a phone into every list's 来源文件 column
    # and the viewer's weekly report (说明: the batches).
    out = mask_frame(pd.DataFrame({"file_name": [name]}), False)
    assert out["file_name"].iloc[0] == masked


def test_the_weekly_reports_batches_mask_their_file_names():
    import datetime as dt

    from metrics.testing import everything
    from pipelines.warehouse import connect
    from reports import gather
    con = connect(":memory:")
    everything(con)
    con.execute("update batches set file_name = '测温记录_13800001111.xlsx' where batch_id = 2")
    now = dt.datetime(2026, 1, 1)
    names = gather(con, "2025-W49", now=now, trends=False).batches["file_name"].tolist()
    assert "测温记录_138****1111.xlsx" in names and "测温记录_13800001111.xlsx" not in names
    shown = gather(con, "2025-W49", can_see_personal=True, now=now, trends=False).batches
    assert "测温记录_13800001111.xlsx" in shown["file_name"].tolist()
    con.close()


def test_a_name_column_not_shown_still_masks_that_name_in_the_text(monkeypatch):
    # A household's readings table shows the note, not the owner: "户主张三丰
    # 要求复测" went out with the owner's name; the readings carry it
    # (owner_name, not shown) so that it is masked as the name column would be.
    import ui.tables
    df = pd.DataFrame({"note": ["户主张三丰要求复测", "李四代签"], "owner_name": ["张三丰", "王五"],
                       "inspector": ["徐军", "徐军"]})
    out = mask_frame(df, False, ["note", "inspector"])
    assert list(out.columns) == ["note", "inspector"]
    assert out["note"].tolist() == ["户主张**要求复测", "李四代签"]
    assert mask_frame(df, True, ["note"])["note"].tolist() == ["户主张三丰要求复测", "李四代签"]
    monkeypatch.setattr(ui.tables, "can_see_personal", lambda: False)
    assert ui.tables.prepare(df, "zh", ["note", "inspector"]).iloc[0, 0] == "户主张**要求复测"
    assert ui.tables.workbook_frame(df, "zh", ["note"], None, False).iloc[0, 0] == "户主张**要求复测"


def test_a_households_readings_carry_its_owners_name_for_masking(con):
    from metrics.temperature_detail import household_readings
    from metrics.testing import add_readings
    add_households(con)
    add_readings(con)
    rows = household_readings(con, WEEK, "h1")
    owner = con.execute("select name from households where household_id = 'h1'").fetchone()[0]
    assert not rows.empty and set(rows["owner_name"]) == {owner}


def test_a_tickets_owner_sits_beside_its_caller_in_the_rows_behind_a_number():
    # 户主姓名 came 19 columns after 来电人, past the flags, off a 1366 px screen.
    from ui.drill import columns
    df = pd.DataFrame({c: ["x"] for c in ("ticket_no", "received_at", "caller_name", "phone",
                                          "description", "branch", "owner_name", "file_name",
                                          "source_row")})
    assert columns(df) == ["ticket_no", "received_at", "file_name", "source_row", "caller_name",
                           "owner_name", "phone", "description", "branch"]
