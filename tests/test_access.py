"""Who may see what, page by page: sign-in, roles, branch scope (also against an
edited URL), masking, viewers without row lists, anonymous complainants."""
from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from auth import UserStore
from auth.audit import entries
from pipelines.warehouse import connect
from ui import db
from page_testing import APP, demo_copy, shown_text  # noqa: F401

PASSWORD = "correct horse battery"
DASHBOARDS = ["pages/overview.py", "pages/temperature.py", "pages/tickets.py", "pages/fees.py",
              "pages/report.py"]
OTHER_BRANCH = ["淄川分公司", "松龄路换热站", "般阳路换热站", "淄城路换热站"]
FULL_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


@pytest.fixture
def accounts(tmp_path, monkeypatch, demo_copy):  # noqa: F811
    path = tmp_path / "users.json"
    store = UserStore(path, sleep=lambda s: None)
    store.add("boss", PASSWORD, "admin")
    store.add("mgr", PASSWORD, "manager")
    store.add("zd", PASSWORD, "branch", branch="张店分公司")
    store.add("look", PASSWORD, "viewer")
    monkeypatch.setenv("HEATKPI_USERS", str(path))
    monkeypatch.setattr("auth.users.time.sleep", lambda s: None)
    return demo_copy


def signed_in(name: str, password: str = PASSWORD, **params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params.update(params)
    at.run()
    assert [t.value for t in at.title] == ["登录 · 供热服务指标看板"]
    at.text_input[0].input(name)
    at.text_input[1].input(password)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def visit(at: AppTest, page: str) -> str:
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return shown_text(at)


def test_sign_in_is_required_and_audited(accounts):
    at = signed_in("boss", "wrong password")
    assert [e.value for e in at.error] == ["用户名或密码不正确。"]
    assert not at.metric  # nothing but the form
    at = signed_in("boss")
    assert not at.text_input or at.text_input[0].label != "用户名"
    assert "当前用户:boss(管理员)" in shown_text(at)
    text = visit(at, "pages/audit.py")
    assert "登录失败" in text and "登录" in text
    log = at.dataframe[0].value
    assert set(log["角色"].dropna()) == {"管理员"}   # the role in words, not "admin"


def test_the_audit_log_can_hide_sign_ins_and_sign_outs(accounts):
    signed_in("mgr", "wrong password")
    at = signed_in("boss")
    visit(at, "pages/audit.py")
    shown = at.dataframe[0].value["操作"].tolist()
    assert "登录" in shown and "登录失败" in shown and "查看个人信息" in shown
    at.toggle(key="audit_sessions").set_value(False).run()
    shown = at.dataframe[0].value["操作"].tolist()
    assert shown and "登录" not in shown and "登录失败" not in shown
    assert set(shown) == {"查看个人信息"}


def test_a_page_asked_for_before_sign_in_opens_after_it(accounts):
    # A reload or a shared link to a page, signed out: the form, then that
    # page with the link's filters (not the start page).
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params.update(season="2025-2026", period="week", week="2025-W50")
    at.run()
    at.switch_page("pages/tickets.py").run()
    assert [t.value for t in at.title] == ["登录 · 供热服务指标看板"]
    assert not at.metric and not at.dataframe        # nothing of the page runs
    at.text_input[0].input("mgr")
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title][:1] == ["工单"]
    assert at.session_state["filters"].week == "2025-W50"


@pytest.mark.parametrize("user", ["mgr", "zd", "look"])
def test_admin_pages_are_refused_to_other_roles(accounts, user):
    at = signed_in(user)
    for page in ("pages/upload.py", "pages/data.py", "pages/audit.py"):
        # Not in this user's menu (a hidden page: tests/browser checks the menu),
        # but its address opens it, and it refuses in the user's language (an
        # unknown address got Streamlit's English "Page not found").
        at.switch_page(page).run()
        assert not at.exception, [e.value for e in at.exception]
        assert [e.value for e in at.error] == ["您的角色无权使用此页面。"], page
        assert not at.dataframe and not at.get("file_uploader")


def test_branch_user_sees_only_their_branch_even_with_an_edited_url(accounts):
    # The filters and the temperature page's drill-down link both name the other branch.
    at = signed_in("zd", branch="淄川分公司", station="松龄路换热站", d_branch="淄川分公司",
                   d_station="松龄路换热站")
    for page in DASHBOARDS:
        text = visit(at, page)
        found = [name for name in OTHER_BRANCH if name in text]
        assert found == [], (page, found)
        assert "张店分公司" in text or "华光路换热站" in text, page


def test_a_branch_users_counts_and_captions_are_their_branchs(accounts):
    from pipelines.coverage import period_rows
    at = signed_in("zd")
    counts = {m.label: m.value for m in at.metric if m.label in ("用户档案", "客服工单")}
    f = at.session_state["filters"]
    own = period_rows(db.connection(), f.start, f.end, f.season, ["张店分公司"])
    every = period_rows(db.connection(), f.start, f.end, f.season)
    assert own["households"] < every["households"]
    assert counts == {"用户档案": f"{own['households']:,}", "客服工单": f"{own['tickets']:,}"}
    # nor the header's company-wide roster count (共 19,234 条)
    assert not [c.value for c in at.caption if f"{every['households']:,}" in c.value]
    for page in DASHBOARDS[:4]:
        visit(at, page)
        # the caption under the title names the branch, never 全部
        scope = [c.value for c in at.caption if "范围:" in c.value or "。卡片与表格" in c.value]
        assert scope and all("张店分公司" in c and "全部" not in c for c in scope), (page, scope)


def test_a_viewers_drill_down_stops_at_the_building(accounts):
    # A link to a building: the viewer sees its figures, never its households.
    at = signed_in("look", d_branch="淄川分公司", d_station="般阳路换热站",
                   d_community="昆仑小区", d_building="16号楼")
    text = visit(at, "pages/temperature.py")
    assert at.selectbox(key="t_drill_building").value == "16号楼"
    assert not [w for w in at.selectbox if w.key == "t_drill_household"]
    assert "您的角色只能查看汇总指标,不能查看明细清单。" in text


def test_manager_sees_every_branch_but_no_full_phone(accounts):
    at = signed_in("mgr")
    texts = {page: visit(at, page) for page in DASHBOARDS}
    assert any("淄川分公司" in t for t in texts.values())
    for page, text in texts.items():
        assert FULL_PHONE.findall(text) == [], page


def test_viewer_gets_aggregates_but_no_row_lists(accounts):
    at = signed_in("look")
    for page in DASHBOARDS[:4]:
        text = visit(at, page)
        assert at.metric, page  # the KPI cards are there, with every branch's figures
        assert [m.value for m in at.metric if m.value != "—"], page
        assert "您的角色只能查看汇总指标,不能查看明细清单。" in text, page
        # said once per page (the fees page has five lists: it was said five times)
        said = [i for i in at.info if i.value == "您的角色只能查看汇总指标,不能查看明细清单。"]
        assert len(said) == 1, page
        # no switch to the rows behind a number: it could only say the same
        assert not [w for w in at.toggle if str(w.key).endswith("_drill")], page
        for df in at.dataframe:
            assert not {"户号", "工单编号", "收据号", "来电人"} & set(map(str, df.value.columns)), page


def test_admin_sees_full_phones_but_never_an_anonymous_complainant(accounts):
    con = connect(accounts, read_only=True)
    anonymous = {r[0] for r in con.execute(
        "SELECT ticket_no FROM tickets WHERE anonymous AND (caller_name IS NOT NULL "
        "OR phone IS NOT NULL)").fetchall()}
    con.close()
    assert anonymous  # the demo has anonymous complainants whose export named them
    at = signed_in("boss")
    seen_anonymous = checked = 0
    texts = []
    for page in DASHBOARDS:
        texts.append(visit(at, page))
        for df in at.dataframe:
            frame = df.value
            if "工单编号" not in frame.columns:
                continue
            rows = frame[frame["工单编号"].isin(anonymous)]
            seen_anonymous += len(rows)
            for col in ("来电人", "联系电话"):
                if col in frame.columns and len(rows):
                    checked += 1
                    # empty, or the screen's 匿名 in its place: never who called
                    shown = rows[col].astype("object").where(rows[col].notna(), "")
                    assert shown.isin(["", "匿名"]).all(), (page, col, shown.tolist())
    assert seen_anonymous and checked  # anonymous tickets are listed: as tickets, without who
    assert any(FULL_PHONE.search(t) for t in texts)  # personal data is the admin's to see


def idle(at: AppTest) -> AppTest:
    """The session's next run, last active at the epoch: long idle."""
    at.session_state["user_seen"] = 0.0
    return at.run()


def assert_expired(at: AppTest) -> None:
    assert [w.value for w in at.warning] == ["长时间未操作,会话已过期,请重新登录。"]
    assert at.text_input[0].label == "用户名"


def idle_sign_outs() -> list[list]:
    log = entries(db.connection(), action="sign_out")
    return log[log["detail"] == "idle"][["user_name", "role"]].values.tolist()


def test_idle_session_must_sign_in_again(accounts, monkeypatch):
    at = idle(signed_in("boss"))
    assert_expired(at)
    # The audit log says the session ended, and why; once, not on each later run.
    assert idle_sign_outs() == [["boss", "admin"]]
    at.run()
    assert idle_sign_outs() == [["boss", "admin"]]
    from auth.audit import readable
    assert readable("sign_out", None, "idle", "zh")[1] == "长时间未操作,自动退出"


def test_an_idle_tab_of_a_browser_used_elsewhere_stays_signed_in(accounts, monkeypatch):
    # Tab A idles past the limit while another tab of the same browser (same
    # cookie) is in use: the browser's token is alive, A resumes without a word.
    at = signed_in("zd")
    token = at.session_state["session_token"]
    monkeypatch.setattr("ui.session._browser_token", lambda: token)
    idle(at)
    assert not at.warning and "当前用户:zd(分公司 · 张店分公司)" in shown_text(at)
    assert idle_sign_outs() == []          # never signed out: nothing to record
    # Idle in every tab (the token idle too, here: gone): the form, with the reason.
    from auth.sessions import SessionStore
    SessionStore().close(token)
    assert_expired(idle(at))
    assert idle_sign_outs() == [["zd", "branch"]]


def test_a_reload_of_a_signed_in_browser_stays_signed_in(accounts, monkeypatch):
    at = signed_in("zd")
    token = at.session_state["session_token"]
    # The run after sign-in gave the browser its cookie (a script: no Streamlit call sets one).
    assert any("heatkpi_session=" in h.proto.body and token in h.proto.body
               for h in at.get("html"))
    # A reload is a new session; the browser sends its cookie.
    monkeypatch.setattr("ui.session._browser_token", lambda: token)
    again = AppTest.from_file(APP, default_timeout=90)
    again.run()
    assert not again.exception, [e.value for e in again.exception]
    assert "登录 · 供热服务指标看板" not in [t.value for t in again.title]
    assert "当前用户:zd(分公司 · 张店分公司)" in shown_text(again)
    resumed = entries(db.connection(), action="sign_in")
    assert resumed.iloc[0][["user_name", "detail"]].tolist() == ["zd", "resumed"]
    # Signed out in one tab: the token resumes nothing, and the cookie is cleared.
    again.button(key="sign_out").click().run()
    assert again.text_input[0].label == "用户名"
    assert any("heatkpi_session=;" in h.proto.body for h in again.get("html"))
    third = AppTest.from_file(APP, default_timeout=90)
    third.run()
    assert [t.value for t in third.title] == ["登录 · 供热服务指标看板"]


def test_reloads_record_one_resume_per_sign_in(accounts, monkeypatch):
    # Every reload or opened link wrote "sign-in · resumed": the log was
    # flooded with them and uploads and views of personal data were lost.
    at = signed_in("zd")
    token = at.session_state["session_token"]
    monkeypatch.setattr("ui.session._browser_token", lambda: token)
    for _ in range(3):
        again = AppTest.from_file(APP, default_timeout=90)
        again.run()
        assert "当前用户:zd(分公司 · 张店分公司)" in shown_text(again)
    log = entries(db.connection(), action="sign_in")
    assert log["detail"].fillna("").tolist() == ["resumed", ""]
    # Signed out and in again: a new sign-in, whose first resume is recorded.
    again.button(key="sign_out").click().run()
    token = signed_in("zd").session_state["session_token"]
    for _ in range(2):
        AppTest.from_file(APP, default_timeout=90).run()
    log = entries(db.connection(), action="sign_in")
    assert log["detail"].fillna("").tolist() == ["resumed", "", "resumed", ""]
    assert len(entries(db.connection(), action="sign_out")) == 1


ENDED = "本次登录已结束(在其他窗口退出登录、密码被重置、账号被删除,或已超过当天登录时限),请重新登录。"


@pytest.mark.parametrize("change", ["reset_password", "remove", "signed_out_elsewhere"])
def test_an_open_tab_ends_when_its_sign_in_is_ended_elsewhere(accounts, change):
    # A tab already open trusted the user kept in its session: a password
    # reset, a removed account or a sign-out in another tab of the browser
    # (same token) left it signed in, downloads included.
    from auth.sessions import SessionStore
    at = signed_in("zd")
    visit(at, "pages/tickets.py")
    assert "当前用户:zd(分公司 · 张店分公司)" in shown_text(at)
    if change == "reset_password":
        UserStore().reset_password("zd", "a brand new password")
        SessionStore().close_user("zd")   # as `python -m auth reset-password` does
    elif change == "remove":
        UserStore().remove("zd")          # the account file alone, without the CLI
    else:
        SessionStore().close(at.session_state["session_token"])
    at.run()
    assert [w.value for w in at.warning] == [ENDED]
    assert at.text_input[0].label == "用户名"
    assert "当前用户:zd" not in shown_text(at)


def test_an_open_tab_takes_a_changed_role_at_its_next_run(accounts):
    at = signed_in("mgr")
    visit(at, "pages/tickets.py")
    assert "当前用户:mgr(经理)" in shown_text(at)
    UserStore().set_role("mgr", "viewer")
    at.run()
    assert "当前用户:mgr(只读)" in shown_text(at)
    assert at.session_state["user"].role == "viewer"


@pytest.mark.parametrize("ip, headers, local", [
    (None, {}, True),                                               # no browser (a script)
    (None, {"Host": "localhost:8501"}, True),
    (None, {"Host": "127.0.0.1:8501"}, True),
    (None, {"Host": "[::1]:8501"}, True),
    ("10.0.0.7", {"Host": "localhost:8501"}, False),               # another computer
    (None, {"Host": "kpi.example.com"}, False),                    # a proxy keeping the Host
    (None, {"Host": "192.0.2.2:8658"}, False),                     # a bare TCP proxy
    (None, {"Host": "127.0.0.1:8501", "X-Forwarded-For": "10.0.0.7"}, False),
    (None, {"host": "127.0.0.1:8501", "x-real-ip": "10.0.0.7"}, False),
    (None, {"Host": "127.0.0.1:8501", "X-Forwarded-Proto": "https"}, False),  # README's nginx
])
def test_single_user_mode_serves_only_this_computer(ip, headers, local):
    from ui.session import from_this_computer
    assert from_this_computer(ip, headers) is local


def test_single_user_mode_behind_a_proxy_refuses(demo_copy, tmp_path, monkeypatch):  # noqa: F811
    # No accounts (the last one removed, or the users file path wrong) and the
    # app on 127.0.0.1 behind nginx: every visitor was the administrator.
    monkeypatch.setenv("HEATKPI_USERS", str(tmp_path / "none.json"))
    monkeypatch.setattr("ui.session._request",
                        lambda: (None, {"Host": "kpi.example.com", "X-Forwarded-Proto": "https"}))
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [e.value for e in at.error] == [
        "尚未配置任何账号或统一登录,看板只允许在本机直接打开(localhost / 127.0.0.1),"
        "拒绝通过网络地址或代理访问。请先用 python -m auth add 添加账号(见 README 的“部署”一节)。"]
    assert not at.metric and not at.dataframe and not at.sidebar.button
    # At the computer itself, the same app opens as its administrator.
    monkeypatch.setattr("ui.session._request", lambda: (None, {"Host": "localhost:8501"}))
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    assert not at.exception and not at.error
    assert any("单机模式" in c.value for c in at.sidebar.caption)


def test_single_sign_on_idle_past_the_limit_signs_out_of_the_provider_too(demo_copy, tmp_path,  # noqa: F811
                                                                          monkeypatch):
    # With SSO the identity provider's sign-in outlived the session: an idle
    # session was signed straight back in, so the idle limit never applied.
    import streamlit as st
    monkeypatch.setenv("HEATKPI_USERS", str(tmp_path / "none.json"))
    logouts = []
    monkeypatch.setattr(st, "logout", lambda: logouts.append(1))
    at = AppTest.from_file(APP, default_timeout=90)
    at.secrets["auth"] = {"redirect_uri": "https://kpi.example.com/oauth2callback",
                          "cookie_secret": "x" * 32, "client_id": "c", "client_secret": "s",
                          "server_metadata_url": "https://sso.example.com/.well-known/x"}
    at.user = {"is_logged_in": True, "email": "li.na@example.com", "name": "李娜"}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "当前用户:李娜(只读)" in shown_text(at) and not logouts
    idle(at)
    assert logouts == [1]
    assert [w.value for w in at.warning] == ["长时间未操作,会话已过期,请重新登录。"]
    assert idle_sign_outs() == [["li.na@example.com", "viewer"]]
    assert "当前用户:李娜" not in shown_text(at) and not at.metric


def test_a_failed_sign_in_under_no_accounts_name_does_not_record_what_was_typed(accounts):
    # The password typed into the user-name field was kept in clear in the
    # audit log, and shown on the admin's 审计日志 page.
    assert signed_in(PASSWORD + "x", "whatever").error
    signed_in("boss", "wrong password")
    log = entries(db.connection(), action="sign_in_failed")
    assert (PASSWORD + "x") not in log["user_name"].tolist()
    assert sorted(log[["user_name", "detail"]].values.tolist()) == [
        ["-", "bad_credentials_unknown_name"], ["boss", "bad_credentials"]]
    from auth.audit import readable
    assert readable("sign_in_failed", None, "bad_credentials_unknown_name", "zh")[1] == \
        "用户名不是任何账户(输入的用户名不记录:可能是误输入的密码)"


def test_a_branch_users_sidebar_names_their_branch_not_all(accounts):
    # The branch control said 全部 to a user who sees one branch only.
    at = signed_in("zd")
    branch = at.multiselect(key="f_branches")
    assert branch.proto.placeholder == "张店分公司" and branch.disabled
    assert branch.options == ["张店分公司"] and branch.value == []
    stations = at.multiselect(key="f_stations")
    assert not stations.disabled and stations.proto.placeholder == "全部"
    at = signed_in("mgr")
    branch = at.multiselect(key="f_branches")
    assert branch.proto.placeholder == "全部" and not branch.disabled
