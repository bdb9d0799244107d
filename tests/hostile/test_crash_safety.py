"""A load killed with SIGKILL at any point leaves the warehouse exactly as before
that file (or, if the commit got through, exactly as after it), and the next
start works."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from pipelines.load import load_file
from pipelines.warehouse import connect, row_counts

ROOT = Path(__file__).resolve().parents[2]
FILES = ROOT / "tests" / "data" / "pipelines"
ROWS = 300_000


def _big_csv(path: Path) -> Path:
    rng = np.random.default_rng(1)
    ids = np.char.zfill(rng.integers(0, 50_000, ROWS).astype(str), 11)
    minutes = np.arange(ROWS)  # unique times keep every row
    stamps = (np.datetime64("2025-11-16T08:00") + minutes.astype("timedelta64[m]")).astype(str)
    indoor = np.round(rng.normal(20, 1.5, ROWS), 1).astype(str)
    body = np.char.add(np.char.add(np.char.add(ids, ","), np.char.add(stamps, ",")),
                       np.char.add(indoor, ",3,√"))
    text = "户号,测温时间,室内温度,室外温度,用户签字\n" + "\n".join(body.tolist()) + "\n"
    path.write_text(text, encoding="utf-8")
    return path


def _state(db: Path) -> tuple:
    con = connect(db)
    try:
        return (row_counts(con), con.execute("SELECT count(*), coalesce(max(batch_id), 0) "
                                             "FROM batches").fetchone(),
                con.execute("SELECT count(*) FROM temperature_readings_versions").fetchone()[0],
                con.execute("SELECT count(*) FROM rejects").fetchone()[0])
    finally:
        con.close()


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """A warehouse with one earlier batch and its state, the big file, and the
    state after a complete load of it."""
    tmp = tmp_path_factory.mktemp("crash")
    base = tmp / "base.duckdb"
    con = connect(base)
    load_file(con, FILES / "temperature_good.xlsx")
    con.close()
    big = _big_csv(tmp / "big.csv")
    full = tmp / "full.duckdb"
    shutil.copy(base, full)
    subprocess.run([sys.executable, "-m", "pipelines", "load", str(big), "--db", str(full)],
                   cwd=ROOT, check=True, capture_output=True)
    return base, _state(base), big, _state(full)


@pytest.mark.slow
@pytest.mark.parametrize("step, delay", [
    ("reading", 0.0), ("staging", 0.0), ("staging", 0.3), ("writing", 0.0),
    ("versions", 0.0), ("current", 0.0), ("committing", 0.0), ("done", 0.0),
])
def test_sigkill_at_any_point_leaves_no_partial_batch(prepared, tmp_path, step, delay):
    base, before, big, after = prepared
    db = tmp_path / "w.duckdb"
    shutil.copy(base, db)
    proc = subprocess.Popen([sys.executable, "-m", "pipelines", "load", str(big), "--db", str(db),
                             "--progress"], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    for line in proc.stderr:  # the loader announces each step as it begins
        if line.split()[-1] == step:
            break
    time.sleep(delay)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    state = _state(db)  # opening it is "the next start": DuckDB replays or drops its WAL
    assert state == (after if step == "done" else before) or (step == "committing"
                                                               and state == after)
    con = connect(db)
    try:
        assert load_file(con, FILES / "temperature_overlap.xlsx").status == "loaded"
    finally:
        con.close()
