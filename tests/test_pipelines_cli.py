"""`python -m pipelines`: JSON shape, exit codes, batches and undo."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from pipelines.cli import main

from i18n import t

from cli_testing import FAKE_APP, audit_rows

ROOT = Path(__file__).resolve().parent.parent
FILES = Path(__file__).parent / "data" / "pipelines"
KEYS = ["file", "kind", "batch_id", "status", "rows_read", "rows_inserted", "rows_updated",
        "rows_unchanged", "rows_rejected", "rejects", "error", "error_detail", "warnings"]


def _json(capsys, argv) -> tuple[int, list]:
    code = main(argv)
    return code, json.loads(capsys.readouterr().out)


def test_load_json_shape_and_exit_codes(tmp_path, capsys):
    db = str(tmp_path / "w.duckdb")
    code, out = _json(capsys, ["load", str(FILES / "temperature_bad.xlsx"),
                               str(FILES / "unrelated.xlsx"), "--db", db, "--json"])
    assert code == 1
    assert [list(o) for o in out] == [KEYS, KEYS]
    good, bad = out
    assert (good["status"], good["kind"], good["rows_read"], good["rows_rejected"]) == \
        ("loaded", "temperature", 9, 7)
    assert good["rejects"][0] == {"sheet": "Sheet1", "row": 4, "column": "indoor_c",
                                  "value": "偏低", "reason": "室内温度(℃)不是数字"}
    assert good["error"] is None
    assert (bad["status"], bad["batch_id"], bad["kind"]) == ("failed", None, None)
    assert bad["error"].startswith("无法识别这是哪种导出文件")

    code, out = _json(capsys, ["load", str(FILES / "temperature_bad.xlsx"), "--db", db, "--json"])
    assert code == 0
    assert out[0]["status"] == "already_loaded" and out[0]["batch_id"] == good["batch_id"]


def test_kind_option_and_missing_file(tmp_path, capsys):
    db = str(tmp_path / "w.duckdb")
    code, out = _json(capsys, ["load", str(FILES / "tickets_small.xlsx"), "--kind", "fees",
                               "--db", db, "--json"])
    assert code == 1 and out[0]["error"].startswith("选择的类型是「收费数据」")
    code, out = _json(capsys, ["load", "nope.xlsx", "--db", db, "--json"])
    assert code == 1 and out[0]["error"] == "找不到文件:nope.xlsx"


def test_usage_error_exits_2(tmp_path):
    run = subprocess.run([sys.executable, "-m", "pipelines", "load", "--kind", "weather", "x.csv"],
                         cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 2
    assert "参数 --kind 的取值“weather”无效" in run.stderr   # in the user's language


def test_batches_and_undo(tmp_path, capsys):
    db = str(tmp_path / "w.duckdb")
    main(["load", str(FILES / "temperature_good.xlsx"), "--db", db])
    capsys.readouterr()
    assert main(["batches", "--db", db, "--json"]) == 0
    batches = json.loads(capsys.readouterr().out)
    assert [(b["batch_id"], b["status"], b["rows_inserted"]) for b in batches] == [(1, "loaded", 5)]
    assert main(["undo", "1", "--db", db]) == 0
    assert capsys.readouterr().out.strip() == \
        "已撤销批次 1(temperature_good.xlsx):删除 5 行,恢复为其他批次版本 0 行。"
    assert main(["undo", "1", "--db", db]) == 1
    assert "已经撤销过了" in capsys.readouterr().err
    # --db before the command too (it was read as the command: 没有“…”这个命令).
    assert main(["--db", db, "batches", "--json"]) == 0
    assert [b["status"] for b in json.loads(capsys.readouterr().out)] == ["undone"]


def test_batches_and_undo_while_the_dashboard_runs_are_done_by_it(tmp_path, capsys):
    # QA: both retried "正被另一个程序写入" 30 times and failed while the
    # dashboard held the warehouse, which runs loads and backups handed to it.
    import os
    import pwd

    db = tmp_path / "w.duckdb"
    good = FILES / "temperature_good.xlsx"
    assert main(["load", str(good), "--db", str(db)]) == 0
    capsys.readouterr()
    assert main(["batches", "--db", str(db)]) == 0
    alone = capsys.readouterr().out
    app = subprocess.Popen([sys.executable, "-c", FAKE_APP.format(root=str(ROOT), db=str(db))],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert app.stdout.readline().strip() == "ready"
        assert main(["batches", "--db", str(db)]) == 0
        listed = capsys.readouterr()
        assert main(["batches", "--db", str(db), "--json"]) == 0
        batches = json.loads(capsys.readouterr().out)
        assert main(["undo", "1", "--db", str(db), "--user", "王丽"]) == 0
        undone = capsys.readouterr()
        assert main(["--lang", "en", "undo", "1", "--db", str(db)]) == 1
        again = capsys.readouterr()
    finally:
        app.communicate("\n", timeout=60)
    assert listed.err.strip() == t("cli.routed", "zh") and listed.out == alone   # the same table
    assert [(b["batch_id"], b["status"], b["rows_inserted"]) for b in batches] == [(1, "loaded", 5)]
    assert undone.out.strip() == \
        "已撤销批次 1(temperature_good.xlsx):删除 5 行,恢复为其他批次版本 0 行。"
    assert again.err.splitlines() == [t("cli.routed", "en"),
                                      t("error.batch_already_undone", "en", batch=1)]
    me = pwd.getpwuid(os.getuid()).pw_name
    assert audit_rows(db)[-1] == (me, "cli", "undo", "batch 1",
                                  "temperature_good.xlsx; --user=王丽")   # once


def test_readable_report_in_english(tmp_path, capsys):
    db = str(tmp_path / "w.duckdb")
    assert main(["--lang", "en", "load", str(FILES / "payments_gbk.csv"), "--db", db]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("payments_gbk.csv: loaded as Fee records (batch 1); 3 rows read: "
                             "2 new, 0 updated, 0 unchanged, 1 rejected")
    assert out[1] == "  payments_gbk!5 实收金额 «二百元»: Amount paid (yuan) is not a number"


def test_load_prints_its_warnings_also_when_the_dashboard_runs_it(tmp_path, capsys):
    db = tmp_path / "w.duckdb"
    (tmp_path / "roster.csv").write_text("户号,分公司,供热站,供热面积\n"
                                         "0012345,张店分公司,华光路换热站,80\n", encoding="utf-8")
    readings = "户号,测温时间,室内温度,用户签字\n12345,2025-12-0{d} 08:00,18,√\n"
    for d in (8, 9):
        (tmp_path / f"r{d}.csv").write_text(readings.format(d=d), encoding="utf-8")
    assert main(["load", str(tmp_path / "roster.csv"), "--db", str(db)]) == 0
    capsys.readouterr()
    assert main(["--lang", "en", "load", str(tmp_path / "r8.csv"), "--db", str(db)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].startswith("  ! 1 row(s) (1 household(s)) name a household ID that is not in")
    assert out[2].startswith("  ! Of these, 1 row(s) match a roster ID once padded")
    # Routed through the running dashboard's inbox: the same lines.
    assert load_routed(db, tmp_path / "r9.csv") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("r9.csv:已导入为测温记录")
    assert out[1].startswith("  ! 1 行(共 1 户)的户号在用户档案中找不到(如 12345)")


def test_load_json_carries_the_warnings_of_rows_that_loaded(tmp_path, capsys):
    # Payments naming households the roster does not have: loaded, and said so.
    roster = tmp_path / "roster.csv"
    roster.write_text("户号,分公司,供热站,供热面积\n0012345,张店分公司,华光路换热站,80\n",
                      encoding="utf-8")
    payments = tmp_path / "payments.csv"
    payments.write_text("收据号,户号,供暖季,缴费日期,实收金额\n"
                        "SF1,0012345,2025-2026,2025-11-01,1840\n"
                        "SF2,99999,2025-2026,2025-11-01,1840\n", encoding="utf-8")
    db = str(tmp_path / "w.duckdb")
    code, out = _json(capsys, ["--lang", "en", "load", str(roster), str(payments), "--db", db,
                               "--json"])
    assert code == 0, out
    assert [o["status"] for o in out] == ["loaded", "loaded"] and out[0]["warnings"] == []
    [warning] = out[1]["warnings"]
    assert warning.startswith("1 row(s) (1 household(s)) name a household ID that is not in "
                              "the roster (e.g. 99999)"), warning


def test_load_undo_and_backup_are_in_the_audit_log_as_the_system_account(tmp_path, capsys):
    # Nothing the command line did was audited, and --user could claim any name.
    import pwd
    import os
    me = pwd.getpwuid(os.getuid()).pw_name
    db = str(tmp_path / "w.duckdb")
    good = FILES / "temperature_good.xlsx"
    assert main(["load", str(good), "--db", db, "--user", "王丽"]) == 0
    assert main(["undo", "1", "--db", db, "--user", "王丽"]) == 0
    assert main(["load", str(good), "--db", db]) == 0
    assert main(["backup", str(tmp_path / "b"), "--db", db]) == 0
    capsys.readouterr()
    assert audit_rows(db) == [
        (me, "cli", "upload", str(good.resolve()),
         "loaded batch=1 rows=5 rejected=0; --user=王丽"),
        (me, "cli", "undo", "batch 1", "temperature_good.xlsx; --user=王丽"),
        (me, "cli", "upload", str(good.resolve()), "loaded batch=2 rows=5 rejected=0"),
        (me, "cli", "export", str((tmp_path / "b").resolve()), "backup, personal_data"),
    ]
    assert main(["batches", "--db", db, "--json"]) == 0
    # --user still names the batch's uploader (a label), "cli" without it.
    assert [b["uploaded_by"] for b in json.loads(capsys.readouterr().out)] == ["cli", "王丽"]


def test_a_load_and_backup_the_dashboard_runs_are_audited_once(tmp_path, capsys):
    import argparse
    import os
    import pwd

    from pipelines.cli import _backup_routed, _load_routed
    from pipelines.inbox import InboxWorker, inbox_dir
    from pipelines.warehouse import connect

    me = pwd.getpwuid(os.getuid()).pw_name
    db = tmp_path / "w.duckdb"
    good = FILES / "temperature_good.xlsx"
    con = connect(db)
    worker = InboxWorker(con, inbox_dir(db)).start()
    try:
        args = argparse.Namespace(files=[str(good)], kind=None, user="王丽", json=True)
        assert _load_routed(args, "zh", inbox_dir(db)) == 0
        args = argparse.Namespace(folder=str(tmp_path / "b"))
        assert _backup_routed(args, "zh", inbox_dir(db)) == 0
    finally:
        worker.stop()
        con.close()
    capsys.readouterr()
    assert audit_rows(db) == [
        (me, "cli", "upload", str(good.resolve()),
         "loaded batch=1 rows=5 rejected=0; --user=王丽"),
        (me, "cli", "export", str((tmp_path / "b").resolve()), "backup, personal_data"),
    ]


def test_a_backup_is_readable_by_its_owner_only(tmp_path, capsys):
    # Every table, personal data unmasked, was written 0644 in a 0755 folder.
    import os
    import stat
    db = str(tmp_path / "w.duckdb")
    assert main(["load", str(FILES / "temperature_good.xlsx"), "--db", db]) == 0
    old = os.umask(0o022)
    try:
        assert main(["backup", str(tmp_path / "b"), "--db", db]) == 0
    finally:
        os.umask(old)
    capsys.readouterr()
    folder = tmp_path / "b"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert files and {stat.S_IMODE(p.stat().st_mode) for p in files} == {0o600}


def test_loading_from_the_command_line_does_not_import_pandas(tmp_path):
    # pandas takes 0.2-0.3 s to import and loading a file never needs it: the
    # command's modules (audit, coverage, batches, metrics.stored) load it on
    # first use only. The reader's server starts before those imports.
    code = ("import runpy, sys\n"
            "sys.argv = ['pipelines', 'load', sys.argv[1], '--db', sys.argv[2]]\n"
            "try:\n    runpy.run_module('pipelines', run_name='__main__')\n"
            "except SystemExit as exc:\n    assert exc.code == 0, exc.code\n"
            "assert 'pandas' not in sys.modules, 'pandas imported'\n"
            "from pipelines.reader_server import reader_context\n"
            "import multiprocessing.forkserver as fs\n"
            "assert fs._forkserver._forkserver_pid is not None\n")
    done = subprocess.run([sys.executable, "-c", code, str(FILES / "temperature_bad.xlsx"),
                           str(tmp_path / "w.duckdb")], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_a_load_the_dashboard_runs_says_how_long_it_took(tmp_path, capsys, monkeypatch):
    # QA: a command-line load handed to the running dashboard said "(0.0 秒)"
    # for 5,002 rows: the summary was rebuilt from the report's JSON shape,
    # which has no time. The dashboard now says how long each load took; one
    # that does not say leaves the time out rather than print 0.0.
    import argparse
    import types

    from pipelines import cli, load
    from pipelines.inbox import InboxWorker, inbox_dir
    from pipelines.warehouse import connect

    clock = iter([100.0, 102.5])   # the load's start and end
    monkeypatch.setattr(load, "time", types.SimpleNamespace(perf_counter=lambda: next(clock)))
    db = tmp_path / "w.duckdb"
    good = FILES / "temperature_good.xlsx"
    args = argparse.Namespace(files=[str(good)], kind=None, user=None, json=False)
    con = connect(db)
    worker = InboxWorker(con, inbox_dir(db)).start()
    try:
        assert cli._load_routed(args, "zh", inbox_dir(db)) == 0
    finally:
        worker.stop()
        con.close()
    # (then what the load says: one reading without its time of day)
    line, *said = capsys.readouterr().out.splitlines()
    assert line.startswith("temperature_good.xlsx:已导入为测温记录") and line.endswith("(2.5 秒)")
    assert len(said) == 1 and "只有日期、没有时刻" in said[0], said

    said = {"file": "temperature_good.xlsx", "kind": "temperature", "batch_id": 2,
            "status": "loaded", "rows_read": 5002, "rows_inserted": 5002, "rows_updated": 0,
            "rows_unchanged": 0, "rows_rejected": 0, "rejects": [], "error": None,
            "error_detail": None, "warnings": []}
    monkeypatch.setattr(cli, "submit", lambda folder, request: {"reports": [said]})
    assert cli._load_routed(args, "en", inbox_dir(db)) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert line.endswith("0 rejected") and " s)" not in line, line


def load_routed(db, path, lang: str = "zh") -> int:
    """`python -m pipelines load PATH` handed to a running dashboard's inbox
    (a worker on the warehouse `db`, as the app starts one)."""
    import argparse

    from pipelines.cli import _load_routed
    from pipelines.inbox import InboxWorker, inbox_dir
    from pipelines.warehouse import connect

    con = connect(db)
    worker = InboxWorker(con, inbox_dir(db)).start()
    try:
        args = argparse.Namespace(files=[str(path)], kind=None, user="cli", json=False)
        return _load_routed(args, lang, inbox_dir(db))
    finally:
        worker.stop()
        con.close()


def test_a_load_the_dashboard_runs_prints_its_rejected_rows(tmp_path, capsys):
    # "拒收 1" and nothing about which row or why, while a load of its own
    # prints each rejected row: sheet!row, column, the cell and the reason.
    db = tmp_path / "w.duckdb"
    (tmp_path / "r.csv").write_text("户号,测温时间,室内温度,用户签字\n"
                                    "0012345,2025-12-08 08:00,18,√\n"
                                    "0012346,2025-12-08 09:00,暖和,√\n", encoding="utf-8")
    assert load_routed(db, tmp_path / "r.csv") == 0
    out = capsys.readouterr().out
    assert "拒收 1" in out
    [line] = [x for x in out.splitlines() if "«暖和»" in x]
    assert line.startswith("  r!3 ") and "不是数字" in line, line
