"""Sign-in in a real browser: a branch user signs in and sees only their branch;
a page opened by its file name shows only a link home."""
from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import expect

from auth import UserStore

from conftest import OUTPUT, running_app

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
    page.goto(f"{app_with_accounts}/audit_log")
    expect(page.get_by_text("您的角色无权使用此页面。")).to_be_visible(timeout=60_000)
    assert "Page not found" not in page.inner_text("body")
    # A page named by its file, outside the router, shows nothing but a link home.
    # A new visit to a page's file name: no upload desk, only the sign-in or a
    # link home (which of the two depends on how Streamlit resolves the name).
    # A new browser: without the sign-in cookie of this one.
    page.context.clear_cookies()
    page.goto(f"{app_with_accounts}/upload")
    expect(page.get_by_text("请从看板首页打开此页面。").or_(
        page.get_by_role("heading", name="登录 · 供热服务指标看板"))).to_be_visible(timeout=60_000)
    page.wait_for_timeout(2000)
    page.screenshot(path=output_dir / "upload_by_file_name.png", full_page=True)
    assert "拖入导出文件" not in page.inner_text("body")
    # A reload or a shared link in a new session: the sign-in form (no
    # "Page not found"), then the page the link named, with its filters.
    page.goto(f"{app_with_accounts}/room_temperature?season=2025-2026&period=week&week=2025-W50")
    expect(page.get_by_role("heading", name="登录 · 供热服务指标看板")).to_be_visible(
        timeout=60_000)
    page.wait_for_timeout(1000)
    assert "Page not found" not in page.inner_text("body")
    page.get_by_label("用户名").fill("zd")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="室温达标", exact=True)).to_be_visible(timeout=60_000)
    assert "/room_temperature" in page.url and "week=2025-W50" in page.url
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
    other.goto(f"{app_with_accounts}/room_temperature")
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
