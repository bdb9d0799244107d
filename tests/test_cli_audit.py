"""The commands that replace the warehouse or change accounts are in the audit
log, as the operating-system account that ran them (role cli): `python -m
pipelines restore`, `python -m pipelines demo` and `python -m auth`."""
from __future__ import annotations

import io
import os
import pwd
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from auth.__main__ import main as auth_cli
from auth.audit import ACTIONS, readable
from i18n import has, t
from pipelines.cli import main
from pipelines.warehouse import connect

from cli_testing import FAKE_APP, audit_rows

ROOT = Path(__file__).resolve().parent.parent
FILES = Path(__file__).parent / "data" / "pipelines"
ME = pwd.getpwuid(os.getuid()).pw_name
PASSWORD = "Geheim-9876-xyz"


def _warehouse_text(db) -> str:
    """Every value of every table of the warehouse, as one text."""
    con = connect(db)
    try:
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        return "\n".join(str(con.execute(f'SELECT * FROM "{name}"').fetchall())
                         for name in tables)
    finally:
        con.close()


# -- restore -----------------------------------------------------------------

def test_a_restore_is_in_the_audit_log_of_the_restored_warehouse(tmp_path, capsys):
    # The audit log is a table of the warehouse a restore replaces: the entry
    # goes into the restored file, and what the replaced one had recorded
    # since the backup was taken is not lost with it.
    db, folder = tmp_path / "w.duckdb", tmp_path / "b"
    good = FILES / "temperature_good.xlsx"
    assert main(["load", str(good), "--db", str(db)]) == 0
    assert main(["backup", str(folder), "--db", str(db)]) == 0
    assert main(["load", str(FILES / "tickets_small.xlsx"), "--db", str(db)]) == 0
    (tmp_path / "empty").mkdir()
    assert main(["restore", str(tmp_path / "empty"), "--db", str(db)]) == 1   # refused
    assert main(["restore", str(folder), "--db", str(db)]) == 0
    capsys.readouterr()
    log = audit_rows(db)
    assert [e[2] for e in log] == ["upload", "export", "upload", "restore"]
    assert log[-1] == (ME, "cli", "restore", str(folder.resolve()), "rows=5 kept=2")
    assert [e[3] for e in log[:3]] == [str(good.resolve()), str(folder.resolve()),
                                       str((FILES / "tickets_small.xlsx").resolve())]
    # The data is the backup's: the later load is gone, its audit entry stays
    # (as does the backup's own, made once the backup was written).
    con = connect(db)
    assert con.execute("SELECT count(*) FROM tickets").fetchone()[0] == 0
    con.close()
    # Restored again, over itself: no entry twice.
    assert main(["restore", str(folder), "--db", str(db)]) == 0
    log = audit_rows(db)
    assert [e[2] for e in log] == ["upload", "export", "upload", "restore", "restore"]
    assert log[-1][4] == "rows=5 kept=3"


def test_a_restore_into_a_new_file_and_over_a_damaged_one_is_audited(tmp_path, capsys):
    db, folder = tmp_path / "w.duckdb", tmp_path / "b"
    assert main(["load", str(FILES / "temperature_good.xlsx"), "--db", str(db)]) == 0
    assert main(["backup", str(folder), "--db", str(db)]) == 0
    fresh = tmp_path / "new.duckdb"
    assert main(["restore", str(folder), "--db", str(fresh)]) == 0
    assert audit_rows(fresh)[-1] == (ME, "cli", "restore", str(folder.resolve()), "rows=5")
    # A warehouse file that no longer opens is what a restore is for: it is
    # replaced (kept as .before-restore), and the entry says its log was not read.
    damaged = tmp_path / "damaged.duckdb"
    damaged.write_bytes(b"\0not a warehouse" * 1000)
    assert main(["restore", str(folder), "--db", str(damaged)]) == 0
    capsys.readouterr()
    assert audit_rows(damaged)[-1] == (ME, "cli", "restore", str(folder.resolve()),
                                   "rows=5 kept=unreadable")
    assert (tmp_path / "damaged.duckdb.before-restore").read_bytes().startswith(b"\0not")


# -- demo --------------------------------------------------------------------

def test_building_the_demo_warehouse_is_audited(tmp_path, capsys):
    # python -m pipelines demo, on a sample folder of three files (settings [paths]).
    sample = tmp_path / "sample"
    sample.mkdir()
    for name in ("temperature_good.xlsx", "tickets_small.xlsx", "unrelated.xlsx"):
        shutil.copy(FILES / name, sample / name)
    text = (ROOT / "settings.toml").read_text(encoding="utf-8")
    assert 'sample_dir = "data/sample"' in text
    settings = tmp_path / "settings.toml"
    settings.write_text(text.replace('sample_dir = "data/sample"', f'sample_dir = "{sample}"'),
                        encoding="utf-8")
    db = tmp_path / "w.duckdb"
    env = {**os.environ, "HEATKPI_SETTINGS": str(settings), "HEATKPI_DB": str(db)}
    for _ in range(2):   # the second time: nothing new
        run = subprocess.run([sys.executable, "-m", "pipelines", "demo"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=300)
        assert run.returncode == 1, run.stderr          # unrelated.xlsx is no export
    assert audit_rows(db) == [
        (ME, "cli", "demo", str(sample.resolve()), "files=3 loaded=2 failed=1 rows=10 rejected=3"),
        (ME, "cli", "demo", str(sample.resolve()), "files=3 loaded=0 failed=1 rows=0 rejected=0"),
    ]


# -- accounts ----------------------------------------------------------------

@pytest.fixture
def account_files(tmp_path, monkeypatch):
    """The accounts file and the warehouse whose audit log records their changes."""
    db, users = tmp_path / "w.duckdb", tmp_path / "users.json"
    monkeypatch.setenv("HEATKPI_DB", str(db))
    monkeypatch.setenv("HEATKPI_USERS", str(users))
    return db, users


def _auth(monkeypatch, argv, password: str | None = None) -> int:
    if password is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    return auth_cli(argv)


def test_account_changes_are_audited_without_any_password(account_files, monkeypatch, capsys):
    db, users = account_files
    assert _auth(monkeypatch, ["add", "zd", "--role", "branch", "--branch", "张店分公司",
                               "--display-name", "张店", "--password-stdin"], PASSWORD) == 0
    assert _auth(monkeypatch, ["add", "boss", "--role", "admin", "--password-stdin"],
                 PASSWORD + "2") == 0
    assert _auth(monkeypatch, ["set-role", "zd", "--role", "manager"]) == 0
    assert _auth(monkeypatch, ["reset-password", "zd", "--password-stdin"], PASSWORD + "3") == 0
    assert _auth(monkeypatch, ["unlock", "zd"]) == 0
    assert _auth(monkeypatch, ["remove", "zd"]) == 0
    # Refused (nothing changed) and read-only: no entry.
    assert _auth(monkeypatch, ["remove", "ghost"]) == 1
    assert _auth(monkeypatch, ["add", "x", "--role", "admin", "--password-stdin"], "short") == 1
    assert _auth(monkeypatch, ["list"]) == 0
    capsys.readouterr()
    assert audit_rows(db) == [
        (ME, "cli", "users", "zd", "add role=branch branch=张店分公司"),
        (ME, "cli", "users", "boss", "add role=admin"),
        (ME, "cli", "users", "zd", "set_role role=manager"),
        (ME, "cli", "users", "zd", "reset_password"),
        (ME, "cli", "users", "zd", "unlock"),
        (ME, "cli", "users", "zd", "remove"),
    ]
    text = _warehouse_text(db)
    for secret in (PASSWORD, "argon2", "short"):
        assert secret not in text


def test_python_m_auth_writes_to_the_warehouse_of_HEATKPI_DB(tmp_path):
    db, users = tmp_path / "w.duckdb", tmp_path / "users.json"
    env = {**os.environ, "HEATKPI_DB": str(db), "HEATKPI_USERS": str(users)}
    run = subprocess.run([sys.executable, "-m", "auth", "add", "wangli", "--role", "admin",
                          "--password-stdin"], input=PASSWORD + "\n", cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert audit_rows(db) == [(ME, "cli", "users", "wangli", "add role=admin")]
    assert PASSWORD not in _warehouse_text(db)
    # --db names another warehouse, as for python -m pipelines.
    other = tmp_path / "other.duckdb"
    run = subprocess.run([sys.executable, "-m", "auth", "--db", str(other), "unlock", "wangli"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert audit_rows(other) == [(ME, "cli", "users", "wangli", "unlock")]


def test_an_account_name_cannot_pass_for_a_commands_user_label(account_files, monkeypatch,
                                                             capsys):
    db, _ = account_files
    assert _auth(monkeypatch, ["add", "x", "--role", "branch", "--branch", "b; --user=王丽",
                               "--password-stdin"], PASSWORD) == 0
    capsys.readouterr()
    [entry] = audit_rows(db)
    assert entry[4] == "add role=branch branch=b; --user =王丽"
    assert "--user 自称" not in readable(*entry[2:], lang="zh")[1]


def test_an_account_change_that_cannot_be_recorded_says_so(account_files, monkeypatch, capsys):
    # The warehouse stays busy (another writer, no dashboard to hand it to).
    db, users = account_files
    from pipelines.errors import PipelineError

    def busy(*args, **kwargs):
        raise PipelineError("warehouse_busy")

    monkeypatch.setattr("auth.__main__.record_audit", busy)
    assert _auth(monkeypatch, ["--lang", "en", "add", "li", "--role", "viewer",
                               "--password-stdin"], PASSWORD) == 1
    out = capsys.readouterr()
    assert out.out.strip() == "User li added."
    assert out.err.startswith("The change above was made, but it is not in the audit log: "
                              "The warehouse is being written by another program")
    assert PASSWORD not in out.err




def test_an_account_change_while_the_dashboard_runs_is_recorded_by_it(account_files,
                                                                       monkeypatch, capsys):
    db, _ = account_files
    app = subprocess.Popen([sys.executable, "-c", FAKE_APP.format(root=str(ROOT), db=str(db))],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert app.stdout.readline().strip() == "ready"
        code = _auth(monkeypatch, ["add", "li", "--role", "viewer", "--password-stdin"],
                     PASSWORD)
    finally:
        app.communicate("\n", timeout=60)
    capsys.readouterr()
    assert code == 0
    assert audit_rows(db) == [(ME, "cli", "users", "li", "add role=viewer")]


# -- read on the audit page ----------------------------------------------------

def test_every_action_has_words_in_both_languages():
    assert {"restore", "demo", "users"} <= set(ACTIONS)
    for action in ACTIONS:
        key = f"audit.action.{action}"
        assert has(key), key
        assert t(key, "zh") != t(key, "en")


@pytest.mark.parametrize("entry, zh, en", [
    (("restore", "/backup/2026-11-27", "rows=1200 kept=3"),
     "恢复 1,200 行;被替换的仓库中备份之后的审计记录 3 条已保留",
     "1,200 rows restored; 3 audit entries made after the backup kept from the replaced "
     "warehouse"),
    (("restore", "/backup/2026-11-27", "rows=1200"), "恢复 1,200 行", "1,200 rows restored"),
    (("restore", "/backup/2026-11-27", "rows=1200 kept=unreadable"),
     "恢复 1,200 行;被替换的仓库无法读取,其审计记录只在 .before-restore 文件中",
     "1,200 rows restored; the replaced warehouse could not be read: its audit entries are "
     "only in the .before-restore file"),
    (("demo", "/srv/data/sample", "files=5 loaded=5 failed=0 rows=180000 rejected=31"),
     "5 个文件:新导入 5 个,失败 0 个;读取 180,000 行,拒收 31 行",
     "5 files: 5 newly loaded, 0 failed; 180,000 rows read, 31 rejected"),
    (("users", "zd", "add role=branch branch=张店分公司"),
     "新增账号,角色:分公司,所属分公司:张店分公司",
     "Account added, role: branch, branch: 张店分公司"),
    (("users", "boss", "add role=admin"), "新增账号,角色:管理员",
     "Account added, role: administrator"),
    (("users", "zd", "set_role role=manager"), "角色改为:经理", "Role changed to: manager"),
    (("users", "zd", "set_role role=auditor"), "角色改为:auditor", "Role changed to: auditor"),
    (("users", "zd", "reset_password"), "重设密码,该账号已登录的会话随之结束",
     "Password reset; the account's open sessions ended"),
    (("users", "zd", "remove"), "删除账号,该账号已登录的会话随之结束",
     "Account removed; its open sessions ended"),
    (("users", "zd", "unlock"), "解除锁定", "Unlocked"),
])
def test_the_new_entries_read_in_the_viewers_language(entry, zh, en):
    assert readable(*entry, lang="zh") == (entry[1], zh)
    assert readable(*entry, lang="en") == (entry[1], en)


def test_the_audit_page_names_the_new_actions(tmp_path, monkeypatch):
    from page_testing import open_page
    db = tmp_path / "w.duckdb"
    monkeypatch.setenv("HEATKPI_DB", str(db))
    monkeypatch.setenv("HEATKPI_USERS", str(tmp_path / "none.json"))   # single-user mode
    folder = tmp_path / "b"
    assert main(["load", str(FILES / "temperature_good.xlsx"), "--db", str(db)]) == 0
    assert main(["backup", str(folder), "--db", str(db)]) == 0
    assert main(["restore", str(folder), "--db", str(db)]) == 0
    con = connect(db)
    from auth.audit import record_cli
    record_cli(con, "users", "zd", "set_role role=manager")
    record_cli(con, "demo", "/srv/sample", "files=1 loaded=1 failed=0 rows=5 rejected=0")
    con.close()
    for lang, words in (("zh", {"恢复备份", "账号管理", "导入演示数据"}),
                        ("en", {"restore from backup", "account change", "demo data load"})):
        at = open_page("pages/audit.py", lang)
        log = at.dataframe[0].value
        assert words <= set(log.iloc[:, 3]), log
