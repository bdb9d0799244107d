"""Two writers: uploads at the same moment, a command-line load while the
dashboard holds the warehouse, two command-line loads at once; and backup and
restore. Nothing is lost, nothing is loaded twice."""
from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from pipelines.backup import backup
from pipelines.cli import main
from pipelines.inbox import inbox_dir, worker_alive
from pipelines.load import load_file
from pipelines.warehouse import DATA_TABLES, connect, row_counts

from cli_testing import FAKE_APP

ROOT = Path(__file__).resolve().parents[2]
FILES = ROOT / "tests" / "data" / "pipelines"



def test_two_uploads_at_the_same_moment(con):
    names = ["temperature_good.xlsx", "tickets_small.xlsx", "payments_gbk.csv", "bills.xls"]
    reports = {}
    barrier = threading.Barrier(len(names))

    def upload(name):
        barrier.wait()
        reports[name] = load_file(con, FILES / name, user=f"user-{name}")

    threads = [threading.Thread(target=upload, args=(n,)) for n in names]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert {r.status for r in reports.values()} == {"loaded"}
    assert sorted(r.batch_id for r in reports.values()) == [1, 2, 3, 4]
    assert row_counts(con) == {"households": 0, "temperature_readings": 5, "tickets": 2,
                               "fee_bills": 2, "fee_payments": 2}


@pytest.fixture
def running_app(tmp_path):
    db = tmp_path / "w.duckdb"
    connect(db).close()
    app = subprocess.Popen([sys.executable, "-c", FAKE_APP.format(root=str(ROOT), db=str(db))],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert app.stdout.readline().strip() == "ready"
    yield db
    app.stdin.write("\n")
    app.stdin.flush()
    app.wait(timeout=20)


def test_cli_load_while_the_app_holds_the_warehouse(running_app, tmp_path):
    db = running_app
    assert worker_alive(inbox_dir(db))
    run = subprocess.run([sys.executable, "-m", "pipelines", "load",
                          str(FILES / "temperature_good.xlsx"), str(FILES / "nope.xlsx"),
                          "--db", str(db), "--json"], cwd=ROOT, capture_output=True, text=True,
                         timeout=60)
    assert "已交给看板依次处理" in run.stderr
    out = json.loads(run.stdout)
    assert [(r["file"], r["status"]) for r in out] == [(str(FILES / "nope.xlsx"), "failed"),
                                                       ("temperature_good.xlsx", "loaded")]
    assert out[1]["rows_inserted"] == 5 and run.returncode == 1
    again = subprocess.run([sys.executable, "-m", "pipelines", "load",
                            str(FILES / "temperature_good.xlsx"), "--db", str(db), "--json"],
                           cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert json.loads(again.stdout)[0]["status"] == "already_loaded" and again.returncode == 0
    # A backup goes the same way.
    dest = tmp_path / "nightly"
    run = subprocess.run([sys.executable, "-m", "pipelines", "backup", str(dest), "--db", str(db)],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and (dest / "schema.sql").exists(), run.stderr


def test_two_cli_loads_at_once_take_turns(tmp_path):
    from tests.hostile.test_crash_safety import _big_csv
    db = tmp_path / "w.duckdb"
    big = _big_csv(tmp_path / "big.csv")
    first = subprocess.Popen([sys.executable, "-m", "pipelines", "load", str(big), "--db", str(db),
                              "--progress"], cwd=ROOT, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    for line in first.stderr:  # wait until the first holds the file
        if line.split()[-1] == "reading":
            break
    second = subprocess.run([sys.executable, "-m", "pipelines", "load",
                             str(FILES / "temperature_good.xlsx"), "--db", str(db), "--json"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert first.wait(timeout=120) == 0
    assert "稍后重试" in second.stderr
    assert second.returncode == 0 and json.loads(second.stdout)[0]["status"] == "loaded"
    con = connect(db)
    assert con.execute("SELECT count(*), count(DISTINCT status) FROM batches").fetchone() == (2, 1)
    con.close()


def _fingerprint(con) -> dict:
    """Row count and an order-independent checksum of every table."""
    return {t: con.execute(f"SELECT count(*), sum(hash(COLUMNS(*))) FROM {t}").fetchone()
            for t in (*DATA_TABLES, "batches", "rejects")}


def test_backup_and_restore_give_the_same_warehouse(demo_db, tmp_path):
    work = tmp_path / "w.duckdb"
    shutil.copy(demo_db, work)
    con = connect(work)
    before = _fingerprint(con)
    report = backup(con, tmp_path / "backup")
    assert report.rows == row_counts(con)
    con.close()
    target = tmp_path / "restored.duckdb"
    assert main(["restore", str(tmp_path / "backup"), "--db", str(target)]) == 0
    restored = connect(target)
    assert _fingerprint(restored) == before
    # And so the same KPI summary, for a week and for a whole season.
    from metrics import Period, summary
    original = connect(work, read_only=True)
    for period in (Period.week(dt.date(2025, 12, 1)), Period.whole_season("2025-2026")):
        assert summary(restored, period) == summary(original, period)
    original.close()
    # The batch sequence survives: the next load gets a new batch number.
    report = load_file(restored, FILES / "tickets_small.xlsx")
    assert report.batch_id == max(r[0] for r in restored.execute(
        "SELECT batch_id FROM batches").fetchall())
    assert report.batch_id > 8
    restored.close()


def test_restore_refuses_a_folder_that_is_no_backup(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["restore", str(tmp_path / "empty"), "--db", str(tmp_path / "x.duckdb")]) == 1
    assert "不是本系统的备份目录" in capsys.readouterr().err
    assert not (tmp_path / "x.duckdb").exists()


def test_backup_refuses_a_used_folder(con, tmp_path):
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "x").write_text("x")
    from pipelines.errors import PipelineError
    with pytest.raises(PipelineError) as err:
        backup(con, tmp_path / "used")
    assert err.value.code == "backup_exists"
