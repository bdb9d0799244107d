"""Local accounts, lockout, roles, masking and the audit trail."""
from __future__ import annotations

import datetime as dt
import io
import json

import pandas as pd
import pytest

from auth import AuthError, UserStore, idle_expired, sso_identity, sso_user
from auth.__main__ import main as auth_cli
from auth.audit import SESSION_ACTIONS, entries, readable, record
from auth.masking import mask_address, mask_frame, mask_name, mask_phone


class Clock:
    def __init__(self):
        self.now = dt.datetime(2025, 11, 20, 8, 0, tzinfo=dt.timezone.utc)

    def __call__(self):
        return self.now


@pytest.fixture
def store(tmp_path):
    waits: list[float] = []
    s = UserStore(tmp_path / "users.json", sleep=waits.append, clock=Clock())
    s.waits = waits
    s.add("wangli", "correct horse", "branch", branch="张店分公司", display_name="王丽")
    return s


def test_the_file_holds_a_hash_not_the_password(store):
    text = store.path.read_text(encoding="utf-8")
    assert "correct horse" not in text
    assert json.loads(text)["users"]["wangli"]["hash"].startswith("$argon2id$")


def test_sign_in_gives_role_and_branch_scope(store):
    user = store.authenticate("wangli", "correct horse")
    assert (user.role, user.branch, user.scope_branch) == ("branch", "张店分公司", "张店分公司")
    assert user.can("row_lists") and not user.can("personal_data") and not user.can("upload")
    assert store.waits == []


def test_wrong_passwords_slow_down_then_lock(store):
    for _ in range(4):
        with pytest.raises(AuthError) as err:
            store.authenticate("wangli", "wrong")
        assert err.value.code == "bad_credentials"
    assert store.waits == [1.0, 2.0, 3.0, 4.0]
    with pytest.raises(AuthError) as err:
        store.authenticate("wangli", "wrong")
    assert err.value.code == "locked"
    # Locked: even the right password is refused, without waiting on a hash check.
    with pytest.raises(AuthError) as err:
        store.authenticate("wangli", "correct horse")
    assert err.value.code == "locked"
    assert err.value.message() == "密码错误次数过多,账号已暂时锁定,请 15 分钟后再试,或请管理员解锁。"
    store.clock.now += dt.timedelta(minutes=16)
    assert store.authenticate("wangli", "correct horse").name == "wangli"


def test_unknown_user_looks_like_a_wrong_password(store):
    with pytest.raises(AuthError) as err:
        store.authenticate("nobody", "whatever1")
    assert err.value.code == "bad_credentials"


def _attempts(store, name, password="wrong", n=7) -> list[tuple[str, str]]:
    """Each attempt's answer (code, message) and the waits they made."""
    said = []
    for _ in range(n):
        with pytest.raises(AuthError) as err:
            store.authenticate(name, password)
        said.append((err.value.code, err.value.message()))
    return said


def test_an_unknown_name_waits_and_locks_exactly_like_an_account(store):
    # Only accounts locked and only their wait grew: a name that never locked,
    # or always waited 1 s, was no account.
    known = _attempts(store, "wangli")
    known_waits, store.waits[:] = list(store.waits), []
    unknown = _attempts(store, "nobody")
    assert unknown == known
    assert store.waits == known_waits == [1.0, 2.0, 3.0, 4.0, 5.0, 5.0, 5.0]
    assert [code for code, _ in known] == ["bad_credentials"] * 4 + ["locked"] * 3
    # The lock runs out alike; the unknown name stays no account.
    store.clock.now += dt.timedelta(minutes=16)
    assert store.authenticate("wangli", "correct horse").name == "wangli"
    with pytest.raises(AuthError) as err:
        store.authenticate("nobody", "correct horse")
    assert err.value.code == "bad_credentials"


def test_an_attempt_on_a_locked_name_waits_before_the_answer(store):
    # It answered at once: each attempt on a locked account cost the attacker
    # nothing and wrote an audit row.
    for name in ("wangli", "nobody"):
        _attempts(store, name, n=5)
        store.waits.clear()
        with pytest.raises(AuthError) as err:
            store.authenticate(name, "correct horse")
        assert err.value.code == "locked"
        assert store.waits == [5.0]


def test_unknown_names_are_kept_hashed_bounded_and_forgotten(store, monkeypatch):
    import auth.users as users
    monkeypatch.setattr(users, "UNKNOWN_KEPT", 3)
    for i in range(6):
        _attempts(store, f"guess{i}", password="hunter2hunter2", n=1)
        store.clock.now += dt.timedelta(seconds=1)
    data = json.loads(store.path.read_text(encoding="utf-8"))
    assert len(data["unknown"]) == 3
    assert "guess" not in store.path.read_text(encoding="utf-8")
    assert "hunter2" not in store.path.read_text(encoding="utf-8")
    # A day later nothing is remembered, for accounts and other names alike.
    _attempts(store, "wangli", n=3)
    store.clock.now += dt.timedelta(days=1, minutes=1)
    store.waits.clear()
    _attempts(store, "wangli", n=1)
    _attempts(store, "guess5", n=1)
    assert store.waits == [1.0, 1.0]
    data = json.loads(store.path.read_text(encoding="utf-8"))
    assert len(data["unknown"]) == 1


def test_a_flood_of_other_names_never_unlocks_a_locked_name(store, monkeypatch):
    # Dropping the oldest kept name to make room unlocked it while an
    # account's lock held: lock X, try many other names, and whether X is
    # still locked told whether X is an account.
    import auth.users as users
    monkeypatch.setattr(users, "UNKNOWN_KEPT", 3)
    assert _attempts(store, "nobody", n=6)[-1][0] == "locked"
    assert _attempts(store, "wangli", n=6)[-1][0] == "locked"
    for i in range(10):
        _attempts(store, f"flood{i}", n=1)
    assert [c for c, _ in _attempts(store, "nobody", n=1)] == ["locked"]
    assert [c for c, _ in _attempts(store, "wangli", n=1)] == ["locked"]


def test_names_are_capped_in_length(store):
    with pytest.raises(AuthError) as err:
        store.add("x" * 65, "correct horse", "viewer")
    assert err.value.code == "bad_user_name"
    store.add("y" * 64, "correct horse", "viewer")
    assert store.authenticate("y" * 64, "correct horse").role == "viewer"
    # A name of any length is an unknown name, kept as a hash.
    assert _attempts(store, "z" * 100_000, n=1) == _attempts(store, "x" * 65, n=1)
    assert store.path.stat().st_size < 10_000


def test_admin_unlock_and_reset(store):
    for _ in range(5):
        with pytest.raises(AuthError):
            store.authenticate("wangli", "wrong")
    store.unlock("wangli")
    store.reset_password("wangli", "new password")
    assert store.authenticate("wangli", "new password").role == "branch"


@pytest.mark.parametrize("args, code", [
    (("x", "short", "viewer"), "weak_password"),
    (("x", "long enough", "boss"), "bad_role"),
    (("x", "long enough", "branch"), "branch_required"),
    (("wangli", "long enough", "viewer"), "user_exists"),
])
def test_account_rules(store, args, code):
    with pytest.raises(AuthError) as err:
        store.add(*args)
    assert err.value.code == code


def test_roles_from_settings():
    from auth import User
    assert sso_user("someone@example.com").role == "viewer"
    assert User("a", "admin").can("personal_data") and User("a", "admin").scope_branch is None
    assert User("m", "manager").scope_branch is None and not User("m", "manager").can("upload")
    assert User("v", "viewer").permissions == frozenset({"all_branches"})
    assert User("v", "viewer").scope_branch is None  # every branch's aggregates
    assert User("b", "branch", "张店分公司").scope_branch == "张店分公司"
    assert User("b", "branch").scope_branch == ""  # a branch account without a branch: nothing


def test_idle_sessions_expire():
    assert not idle_expired(1000.0, 1000.0 + 29 * 60)
    assert idle_expired(1000.0, 1000.0 + 31 * 60)


def test_cli_add_list_remove(tmp_path, monkeypatch, capsys):
    users = str(tmp_path / "u.json")
    monkeypatch.setenv("HEATKPI_DB", str(tmp_path / "w.duckdb"))   # its audit log
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret-pass\n"))
    assert auth_cli(["--users-file", users, "add", "li", "--role", "manager",
                     "--password-stdin"]) == 0
    assert capsys.readouterr().out.strip() == "已添加用户 li。"
    assert auth_cli(["--users-file", users, "list"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(u["name"], u["role"]) for u in listed] == [("li", "manager")]
    assert "hash" not in listed[0]
    assert auth_cli(["--users-file", users, "remove", "ghost"]) == 1
    assert capsys.readouterr().err.strip() == "没有用户 ghost。"
    assert auth_cli(["--users-file", users, "remove", "li"]) == 0


@pytest.mark.parametrize("fn, value, masked", [
    (mask_phone, "13812341234", "138****1234"),
    (mask_phone, "0533-3120811", "053****0811"),
    (mask_phone, None, None),
    (mask_name, "张三丰", "张**"),
    (mask_name, "李四", "李*"),
    (mask_address, "淄博市张店区华光小区3号楼2单元501", "淄博市张店区华光小区3号楼"),
    (mask_address, "淄博市张店区华光小区12栋1单元302", "淄博市张店区华光小区12栋"),
])
def test_masking(fn, value, masked):
    assert fn(value) == masked


def test_mask_frame_only_without_permission():
    df = pd.DataFrame({"ticket_no": ["GD1"], "caller_name": ["张三"], "phone": ["13812341234"],
                       "room": ["501"]})
    assert mask_frame(df, True) is df
    masked = mask_frame(df, False)
    assert masked.iloc[0].to_dict() == {"ticket_no": "GD1", "caller_name": "张*",
                                        "phone": "138****1234", "room": "***"}
    assert df.iloc[0]["phone"] == "13812341234"


def test_audit_log(con):
    record(con, "wangli", "sign_in", role="branch")
    record(con, "admin", "upload", target="测温记录.xlsx", detail="batch 3", role="admin")
    with pytest.raises(ValueError):
        record(con, "x", "hack")
    df = entries(con)
    assert sorted(df["action"]) == ["sign_in", "upload"]
    assert list(entries(con, user="admin")["target"]) == ["测温记录.xlsx"]
    assert entries(con, action="sign_in")["user_name"].tolist() == ["wangli"]
    today = dt.date.today()
    assert len(entries(con, since=today - dt.timedelta(days=1), until=today + dt.timedelta(days=1))) == 2


def test_audit_log_without_session_entries(con):
    record(con, "wangli", "sign_in", role="branch")
    record(con, "wangli", "sign_in", detail="resumed", role="branch")
    record(con, "nobody", "sign_in_failed", detail="bad_password")
    record(con, "admin", "view_personal", target="tickets", role="admin")
    record(con, "wangli", "sign_out", role="branch")
    assert len(entries(con)) == 5
    assert entries(con, without=SESSION_ACTIONS)["action"].tolist() == ["view_personal"]
    assert set(SESSION_ACTIONS) == {"sign_in", "sign_in_failed", "sign_out"}


def test_audit_entries_are_capped_in_length(con):
    # A failed sign-in records the name as typed: of any length.
    record(con, "n" * 100_000, "sign_in_failed", detail="bad_credentials")
    [name] = entries(con)["user_name"]
    assert len(name) == 256 and name.endswith("…")


@pytest.mark.parametrize("entry, zh, en", [
    (("view_personal", "room,name,phone,address", "5 rows"),
     ("房号、户主姓名、联系电话、地址", "5 行"), ("Room, Owner name, Phone, Address", "5 rows")),
    (("download", "欠费清单.xlsx", "4889 rows, personal_data"),
     ("欠费清单.xlsx", "4,889 行,含个人信息"), ("欠费清单.xlsx", "4,889 rows, with personal data")),
    (("upload", "测温.xlsx", "loaded batch=3 rows=1200 rejected=2"),
     ("测温.xlsx", "已导入:批次 3,读取 1,200 行,拒收 2 行"),
     ("测温.xlsx", "Loaded: batch 3, 1,200 rows read, 2 rejected")),
    (("upload", "坏.xlsx", "failed batch=None rows=0 rejected=0"),
     ("坏.xlsx", "导入失败:读取 0 行,拒收 0 行"), ("坏.xlsx", "Failed: 0 rows read, 0 rejected")),
    (("download", "周报.xlsx", "personal_data"), ("周报.xlsx", "含个人信息"),
     ("周报.xlsx", "With personal data")),
    (("undo", "batch 3", "测温.xlsx"), ("批次 3", "测温.xlsx"), ("batch 3", "测温.xlsx")),
    (("sign_in_failed", None, "bad_credentials"), (None, "用户名或密码不正确"),
     (None, "Wrong user name or password")),
    (("sign_in", None, "sso"), (None, "单点登录"), (None, "Single sign-on")),
    (("upload", "/srv/测温.xlsx", "loaded batch=3 rows=1200 rejected=2; --user=王丽"),
     ("/srv/测温.xlsx", "已导入:批次 3,读取 1,200 行,拒收 2 行;命令行 --user 自称“王丽”"),
     ("/srv/测温.xlsx", 'Loaded: batch 3, 1,200 rows read, 2 rejected; command line --user '
                        'said "王丽"')),
    (("export", "/backup/2026-11-27", "backup, personal_data"),
     ("/backup/2026-11-27", "整个数据仓库的备份,含个人信息"),
     ("/backup/2026-11-27", "Backup of the whole warehouse, with personal data")),
    (("sign_in", None, "resumed"), (None, "沿用本浏览器的登录(刷新页面或新标签页)"),
     (None, "Resumed in the same browser (reload or new tab)")),
    # anything else as stored
    (("sign_in", None, "password"), (None, "password"), (None, "password")),
    (("sign_out", float("nan"), float("nan")), (None, None), (None, None)),   # as from a frame
    (("download", "a,b.xlsx", "batch 3"), ("a,b.xlsx", "batch 3"), ("a,b.xlsx", "batch 3")),
])
def test_audit_entries_read_in_the_viewers_language(entry, zh, en):
    assert readable(*entry, lang="zh") == zh
    assert readable(*entry, lang="en") == en


def test_a_file_name_cannot_pass_for_a_commands_user_label(con):
    # A command's --user is kept after "; --user=" in the detail: a file
    # uploaded as "x; --user=王丽" and undone from the command line read as
    # 命令行 --user 自称“王丽”.
    from auth.audit import record_cli
    record(con, "boss", "upload", "batch 3", "x; --user=王丽.xlsx", "admin")
    record_cli(con, "undo", "batch 3", "x; --user=王丽.xlsx")
    record_cli(con, "undo", "batch 4", "y; --user=王丽.xlsx", label="ops")
    log = entries(con)
    read = [(t, readable(a, t, d, "en")[1])
            for a, t, d in zip(log["action"], log["target"], log["detail"])]
    assert sorted(d for t, d in read if t == "batch 3") == ["x; --user =王丽.xlsx"] * 2
    assert [d for t, d in read if t == "batch 4"] == \
        ['y; --user =王丽.xlsx; command line --user said "ops"']


def test_an_sso_email_the_provider_did_not_verify_maps_to_no_role():
    """A provider letting anyone choose an email (and saying it is not
    verified) would give that address's role to whoever typed it."""
    assert sso_identity({"email": "boss@example.com", "sub": "u1"}) == "boss@example.com"
    assert sso_identity({"email": "boss@example.com", "email_verified": True,
                         "sub": "u1"}) == "boss@example.com"
    for unverified in (False, "false", "False"):
        assert sso_identity({"email": "boss@example.com", "email_verified": unverified,
                             "sub": "u1"}) == "u1"
    assert sso_identity({"sub": "u2"}) == "u2" and sso_identity({}) == "sso-user"


def test_unverified_emails_are_trusted_only_when_the_settings_say_so(monkeypatch):
    from auth import users
    auth = {**users._auth(), "sso": {"trust_unverified_email": True}}
    monkeypatch.setattr(users, "_auth", lambda: auth)
    assert sso_identity({"email": "boss@example.com", "email_verified": False,
                         "sub": "u1"}) == "boss@example.com"
