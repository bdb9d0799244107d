"""Sign-in in a real browser: a branch user signs in and sees only their branch;
a page's address in a new browser asks for the sign-in and then opens that page."""
from __future__ import annotations

import re
import shutil

import pytest
from playwright.sync_api import expect

from auth import UserStore

from conftest import OUTPUT, running_app
from helpers import settled

PASSWORD = "correct horse battery"


@pytest.fixture
def app_with_accounts(demo_db, tmp_path, monkeypatch, output_dir):
    users = tmp_path / "users.json"
    UserStore(users).add("zd", PASSWORD, "branch", branch="张店分公司")
    monkeypatch.setenv("HEATKPI_USERS", str(users))
    db = tmp_path / "warehouse.duckdb"
    shutil.copyfile(demo_db, db)
    with running_app(db, output_dir / "app.log") as url:
        yield url


@pytest.mark.browser
def test_branch_user_signs_in_and_sees_only_their_branch(app_with_accounts, page, output_dir):
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto(app_with_accounts)
    expect(page.get_by_role("heading", name="登录 · 供热服务指标看板")).to_be_visible()
    page.get_by_label("用户名").fill("zd")
    page.get_by_label("密码").fill("wrong password")
    page.wait_for_timeout(500)
    # Streamlit's English "Press Enter to submit form" is hidden; Enter still submits.
    expect(page.get_by_text("Press Enter to submit form")).to_be_hidden()
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_text("用户名或密码不正确。")).to_be_visible()
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="总览")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("当前用户:zd(分公司 · 张店分公司)")).to_be_visible()
    # The upload and data pages are not in this user's navigation.
    nav = page.get_by_test_id("stSidebarNavItems")
    expect(nav.get_by_role("link", name="数据上传")).to_have_count(0)
    nav.get_by_role("link", name="室温达标").click()
    expect(page.get_by_role("heading", name="室温达标", exact=True)).to_be_visible(timeout=60_000)
    page.wait_for_timeout(3000)
    body = page.inner_text("body")
    assert "淄川分公司" not in body and "松龄路换热站" not in body
    assert "张店分公司" in body
    page.screenshot(path=output_dir / "branch_user.png", full_page=True)
    assert errors == [], errors
    # A page the role may not use, by its address (a link, a bookmark): it
    # says so in Chinese (Streamlit's English "Page not found" before).
    page.goto(f"{app_with_accounts}/audit")
    expect(page.get_by_text("您的角色无权使用此页面。")).to_be_visible(timeout=60_000)
    assert "Page not found" not in page.inner_text("body")
    # A new browser (without this one's sign-in cookie) naming the upload
    # page by its address: the sign-in form, no upload desk.
    page.context.clear_cookies()
    page.goto(f"{app_with_accounts}/upload")
    expect(page.get_by_role("heading", name="登录 · 供热服务指标看板")).to_be_visible(
        timeout=60_000)
    page.wait_for_timeout(2000)
    page.screenshot(path=output_dir / "upload_signed_out.png", full_page=True)
    assert "拖入导出文件" not in page.inner_text("body")
    # A reload or a shared link in a new session: the sign-in form (no
    # "Page not found"), then the page the link named, with its filters.
    page.goto(f"{app_with_accounts}/temperature?season=2025-2026&period=week&week=2025-W50")
    expect(page.get_by_role("heading", name="登录 · 供热服务指标看板")).to_be_visible(
        timeout=60_000)
    page.wait_for_timeout(1000)
    assert "Page not found" not in page.inner_text("body")
    page.get_by_label("用户名").fill("zd")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="室温达标", exact=True)).to_be_visible(timeout=60_000)
    assert "/temperature" in page.url and "week=2025-W50" in page.url
    assert "Page not found" not in page.inner_text("body")
    assert OUTPUT.exists()


@pytest.mark.browser
def test_a_reload_stays_signed_in_until_sign_out(app_with_accounts, page, output_dir):
    page.goto(app_with_accounts)
    page.get_by_label("用户名").fill("zd")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="总览")).to_be_visible(timeout=60_000)
    page.wait_for_timeout(1500)   # the run after sign-in hands the browser its cookie
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["heatkpi_session"]["sameSite"] == "Strict"
    page.reload()
    expect(page.get_by_text("当前用户:zd(分公司 · 张店分公司)")).to_be_visible(timeout=60_000)
    expect(page.get_by_role("heading", name="登录 · 供热服务指标看板")).to_have_count(0)
    # Another tab of the same browser: signed in too.
    other = page.context.new_page()
    other.goto(f"{app_with_accounts}/temperature")
    expect(other.get_by_role("heading", name="室温达标", exact=True)).to_be_visible(
        timeout=60_000)
    # Signed in, a branch user naming the upload page by its address: no upload desk.
    other.goto(f"{app_with_accounts}/upload")
    other.wait_for_timeout(3000)
    assert "拖入导出文件" not in other.inner_text("body")
    other.close()
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("heading", name="登录 · 供热服务指标看板")).to_be_visible(
        timeout=60_000)
    page.wait_for_timeout(1500)
    assert "heatkpi_session" not in {c["name"] for c in page.context.cookies()}
    page.reload()
    expect(page.get_by_role("heading", name="登录 · 供热服务指标看板")).to_be_visible(
        timeout=60_000)
    page.screenshot(path=output_dir / "signed_out_after_reload.png", full_page=True)


@pytest.mark.browser
def test_a_link_opened_first_after_the_app_starts_opens_its_page(empty_app, page, output_dir):
    """The first visit after a start is resolved by Streamlit against the
    files in pages/ (before the router has run once): a link to a page must
    open that page, in Chinese, with the app around it and no English
    "Page not found"."""
    url, _ = empty_app
    page.goto(f"{url}/tickets?period=season")
    expect(page.get_by_role("heading", name="工单", exact=True)).to_be_visible(timeout=60_000)
    settled(page)
    page.wait_for_timeout(1000)
    body = page.inner_text("body")
    assert "Page not found" not in body
    assert "请从看板首页打开此页面。" not in body
    expect(page.get_by_test_id("stSidebarNavItems").get_by_role("link", name="收费")).to_be_visible()
    assert "/tickets" in page.url
    page.screenshot(path=output_dir / "first_link_after_start.png", full_page=True)
    # A page's earlier address (a bookmark) forwards to the page, filters kept.
    page.goto(f"{url}/room_temperature?period=season")
    expect(page.get_by_role("heading", name="室温达标", exact=True)).to_be_visible(timeout=60_000)
    expect(page).to_have_url(re.compile(r"/temperature\?.*period=season"))
    assert "Page not found" not in page.inner_text("body")


# Earlier addresses of pages (bookmarks) that app.py forwards: (address, page, heading).
EARLIER = [("room_temperature", "/temperature", "室温达标"), ("weekly", "/report", "周报"),
           ("datasets", "/data", "数据管理"), ("home", "/", "总览")]


def no_popup(page) -> None:
    """No dialog over the page (Streamlit's English "Page not found" was one)."""
    settled(page)
    page.wait_for_timeout(1000)
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert "Page not found" not in page.inner_text("body")


@pytest.mark.browser
@pytest.mark.parametrize("address, path, heading", EARLIER)
def test_an_earlier_address_opened_first_after_a_start_has_no_popup(empty_app, page, output_dir,
                                                                    address, path, heading):
    """A bookmark of a page's earlier address, the first visit after the
    server (re)started, in a new browser: Streamlit resolved it against the
    files in pages/ before the router had run, and popped up its English
    "Page not found" over the page the router then opened. The page opens
    with the link's filters and nothing over it."""
    url, _ = empty_app
    page.goto(f"{url}/{address}?period=season")
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible(timeout=60_000)
    expect(page).to_have_url(re.compile(re.escape(f"{url}{path}") + r"\?.*period=season"))
    page.screenshot(path=output_dir / f"{address}_first_after_start.png", full_page=True)
    no_popup(page)


@pytest.mark.browser
def test_an_earlier_address_opened_first_after_a_start_asks_only_for_the_sign_in(
        app_with_accounts, page, output_dir):
    """The same with accounts: the sign-in form and nothing over it, then the
    page the address forwards to, with the link's filters."""
    page.goto(f"{app_with_accounts}/hotline_tickets?season=2025-2026&period=week&week=2025-W50")
    expect(page.get_by_role("heading", name="登录 · 供热服务指标看板")).to_be_visible(
        timeout=60_000)
    page.screenshot(path=output_dir / "sign_in_first_after_start.png", full_page=True)
    no_popup(page)
    page.get_by_label("用户名").fill("zd")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="工单", exact=True)).to_be_visible(timeout=60_000)
    expect(page).to_have_url(re.compile(r"/tickets\?.*week=2025-W50"))
    no_popup(page)
