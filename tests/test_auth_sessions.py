"""A signed-in browser's token (auth/sessions.py): a reload stays signed in
within the idle limit; sign-out, idle time, a removed account or a reset
password end it; the file never holds the token itself."""
from __future__ import annotations

import io
import stat

import pytest

from auth import UserStore
from auth.__main__ import main as auth_cli
from auth.sessions import TOUCH_EVERY, SessionStore


class Clock:
    def __init__(self):
        self.now = 1_750_000_000.0

    def __call__(self):
        return self.now


@pytest.fixture
def users(tmp_path):
    s = UserStore(tmp_path / "users.json", sleep=lambda _: None)
    s.add("wangli", "correct horse", "branch", branch="张店分公司", display_name="王丽")
    s.add("li", "another horse", "manager")
    return s


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def sessions(users, clock):
    return SessionStore(users=users, clock=clock)


def test_a_token_resumes_its_account_and_the_file_keeps_only_a_digest(sessions, users):
    token = sessions.open(users.authenticate("wangli", "correct horse"))
    assert sessions.path == users.path.with_name("sessions.json")
    text = sessions.path.read_text(encoding="utf-8")
    assert token not in text and "wangli" in text
    assert stat.S_IMODE(sessions.path.stat().st_mode) == 0o600
    user = sessions.resume(token)
    assert (user.name, user.role, user.scope_branch) == ("wangli", "branch", "张店分公司")
    assert sessions.resume(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert sessions.resume(None) is None and sessions.resume("") is None


def test_a_token_idle_past_the_limit_resumes_nothing(sessions, users, clock):
    token = sessions.open(users.get("wangli"))
    clock.now += 29 * 60
    assert sessions.resume(token) is not None      # used: idle time starts again
    clock.now += 29 * 60
    assert sessions.resume(token) is not None
    clock.now += 31 * 60
    assert sessions.resume(token) is None
    assert "wangli" not in sessions.path.read_text(encoding="utf-8")   # and is dropped


def test_use_keeps_a_token_alive_written_at_most_once_a_minute(sessions, users, clock):
    token = sessions.open(users.get("wangli"))
    written = sessions.path.stat().st_mtime_ns
    clock.now += TOUCH_EVERY / 2
    assert sessions.check(token).name == "wangli"
    assert sessions.path.stat().st_mtime_ns == written
    for _ in range(3):          # 3 x 20 minutes of use, never 30 idle
        clock.now += 20 * 60
        assert sessions.check(token).name == "wangli"
    assert sessions.resume(token) is not None


def test_a_sign_in_ends_after_the_days_limit_however_much_it_is_used(sessions, users, clock):
    # max_session_hours = 12: a token taken from a browser in use stops working.
    token = sessions.open(users.get("wangli"))
    for _ in range(12 * 3 - 1):     # used every 20 minutes for 11 h 40 min
        clock.now += 20 * 60
        assert sessions.check(token) is not None
    clock.now += 20 * 60 + 1        # 12 h and a second after the sign-in
    assert sessions.check(token) is None and sessions.resume(token) is None


def test_an_open_session_sees_its_token_closed_and_its_account_changed(sessions, users):
    # check() runs on every run of a signed-in tab: a sign-out in another tab
    # (same token), a password reset or a removed account end it; a new role
    # applies at once.
    token = sessions.open(users.get("wangli"))
    users.set_role("wangli", "viewer")
    assert sessions.check(token).role == "viewer"
    sessions.close(token)
    assert sessions.check(token) is None
    other = sessions.open(users.get("li"))
    sessions.close_user("li")
    assert sessions.check(other) is None
    third = sessions.open(users.get("wangli"))
    users.remove("wangli")
    assert sessions.check(third) is None
    assert sessions.check(None) is None and sessions.check("") is None


def test_sign_out_ends_only_that_browser(sessions, users):
    a, b = sessions.open(users.get("wangli")), sessions.open(users.get("wangli"))
    sessions.close(a)
    assert sessions.resume(a) is None and sessions.resume(b).name == "wangli"


def test_the_role_is_read_from_the_account_each_time(sessions, users):
    token = sessions.open(users.get("wangli"))
    users.set_role("wangli", "viewer")
    assert sessions.resume(token).role == "viewer"


def test_removing_an_account_or_resetting_its_password_ends_its_browsers(tmp_path, monkeypatch):
    path = tmp_path / "u.json"
    users = UserStore(path, sleep=lambda _: None)
    users.add("wangli", "correct horse", "manager")
    users.add("li", "another horse", "manager")
    sessions = SessionStore(users=users)
    mine, other = sessions.open(users.get("wangli")), sessions.open(users.get("li"))
    monkeypatch.setattr("sys.stdin", io.StringIO("a new password\n"))
    monkeypatch.setenv("HEATKPI_DB", str(tmp_path / "w.duckdb"))   # its audit log
    assert auth_cli(["--users-file", str(path), "reset-password", "wangli",
                     "--password-stdin"]) == 0
    assert sessions.resume(mine) is None and sessions.resume(other).name == "li"
    assert auth_cli(["--users-file", str(path), "remove", "li"]) == 0
    assert sessions.resume(other) is None


def test_a_removed_account_resumes_nothing_even_without_the_cli(sessions, users):
    token = sessions.open(users.get("li"))
    users.remove("li")
    assert sessions.resume(token) is None


def test_a_damaged_file_signs_nobody_in(sessions, users):
    token = sessions.open(users.get("li"))
    sessions.path.write_text("{not json", encoding="utf-8")
    assert sessions.resume(token) is None
    assert sessions.resume(sessions.open(users.get("li"))).name == "li"


def test_a_settings_file_without_the_days_limit_keeps_the_default(users, clock, tmp_path,
                                                                   monkeypatch):
    # A settings.toml from before max_session_hours: every sign-in and click
    # raised KeyError once a session was stored.
    from pathlib import Path

    from pipelines import settings as settings_module
    text = (Path(__file__).resolve().parent.parent / "settings.toml").read_text(encoding="utf-8")
    old = "\n".join(ln for ln in text.splitlines() if not ln.startswith("max_session_hours"))
    (tmp_path / "settings.toml").write_text(old, encoding="utf-8")
    monkeypatch.setenv("HEATKPI_SETTINGS", str(tmp_path / "settings.toml"))
    settings_module.load_settings.cache_clear()
    try:
        sessions = SessionStore(users=users, clock=clock)
        token = sessions.open(users.get("wangli"))
        assert sessions.check(token).name == "wangli"
        sessions.open(users.get("li"))
        clock.now += 12 * 3600 + 1
        assert sessions.check(token) is None          # the default: 12 hours
    finally:
        settings_module.load_settings.cache_clear()


def test_only_a_tokens_first_resume_is_news(sessions, users, clock):
    # Each reload or opened link resumes the token: the audit log recorded
    # every one ("Resumed in the same browser") and hid everything else.
    token = sessions.open(users.get("wangli"))
    first = sessions.resume_once(token)
    assert first[0].name == "wangli" and first[1] is True
    for _ in range(3):
        clock.now += 60
        user, news = sessions.resume_once(token)
        assert user.name == "wangli" and news is False
    other = sessions.open(users.get("wangli"))      # signed in again: a new sign-in
    assert sessions.resume_once(other)[1] is True
    assert sessions.resume_once("no such token") == (None, False)
