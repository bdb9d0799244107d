"""The shipped sample exports load with exactly the rejects the generator planted,
and loading them again changes nothing."""
from __future__ import annotations

import json
from pathlib import Path

from pipelines.cli import main
from pipelines.demo import sample_files
from pipelines.warehouse import DATA_TABLES, connect, row_counts

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = json.loads((ROOT / "data" / "sample_expected.json").read_text(encoding="utf-8"))


def test_demo_warehouse_has_exactly_the_planted_rejects(demo_con):
    got = set(demo_con.execute(
        "SELECT file_name, sheet, source_row, column_name, code FROM rejects").fetchall())
    want = {(r["file"], r["sheet"], r["row"], r["column"], r["code"]) for r in EXPECTED["rejects"]}
    assert got == want


def test_every_sample_file_read_completely(demo_con):
    rows = dict(demo_con.execute("SELECT file_name, rows_read FROM batches").fetchall())
    assert rows == EXPECTED["rows"]
    assert {p.name for p in sample_files()} == set(EXPECTED["rows"])


def test_cli_load_twice_then_already_loaded(tmp_path, capsys):
    db = str(tmp_path / "w.duckdb")
    files = [str(p) for p in sample_files()]
    assert main(["load", *files, "--db", db, "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert {r["status"] for r in first} == {"loaded"}
    # A cell planted to load empty with a warning (a rating that is no rating
    # word): its ticket loads, the file's report says so.
    warned = {w["file"] for w in EXPECTED["warnings"]}
    assert warned == {"客服工单_2025-2026.xlsx"}
    said = next(r["warnings"] for r in first if Path(r["file"]).name in warned)
    assert any("还行" in w and "回访满意度" in w for w in said), said
    con = connect(db)
    counts = row_counts(con)
    con.close()
    assert main(["load", *files, "--db", db, "--json"]) == 0
    second = json.loads(capsys.readouterr().out)
    assert [r["status"] for r in second] == ["already_loaded"] * len(files)
    assert [r["batch_id"] for r in second] == [r["batch_id"] for r in first]
    con = connect(db)
    assert row_counts(con) == counts
    assert set(counts) == set(DATA_TABLES) and all(counts.values())
    con.close()
