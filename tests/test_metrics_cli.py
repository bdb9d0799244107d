"""`python -m metrics summary` on a tiny warehouse file."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from metrics.cli import main
from metrics.testing import ZC, everything
from pipelines.warehouse import connect

REQUIRED = ["temp_compliance_rate", "temp_household_compliance_rate", "temp_unsigned_readings",
            "temp_exempt_readings", "tickets_received", "ticket_closure_rate",
            "ticket_on_time_rate", "ticket_resolution_hours_median",
            "ticket_resolution_hours_p90", "ticket_followup_rate", "ticket_satisfaction_rate",
            "ticket_unanswered", "complaints_per_10k_m2", "fee_collection_rate_amount",
            "fee_collection_rate_households", "fee_arrears_amount", "refund_exposure_amount"]
WEEK_ARGS = ["summary", "--from", "2025-12-01", "--to", "2025-12-07"]


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "wh.duckdb"
    con = connect(path)
    everything(con)
    con.close()
    return path


def run_json(capsys, *args) -> dict:
    assert main([*WEEK_ARGS, *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_has_every_required_kpi(db, capsys):
    out = run_json(capsys, "--db", str(db))
    assert set(REQUIRED) <= set(out)
    for kpi_id, entry in out.items():
        assert set(entry) == {"value", "numerator", "denominator"}, kpi_id
    # hand-worked in tests/test_metrics_temperature.py and test_metrics_tickets.py
    assert out["temp_compliance_rate"] == {"value": 5 / 7, "numerator": 5, "denominator": 7}
    assert out["tickets_received"] == {"value": 9, "numerator": 9, "denominator": None}
    assert out["ticket_resolution_hours_p90"]["value"] == pytest.approx(57.6)


def test_json_value_null_when_denominator_zero(tmp_path, capsys):
    path = tmp_path / "empty.duckdb"
    connect(path).close()
    out = run_json(capsys, "--db", str(path))
    assert out["ticket_closure_rate"] == {"value": None, "numerator": 0, "denominator": 0}
    assert out["ticket_resolution_hours_median"] == {"value": None, "numerator": None,
                                                     "denominator": 0}
    # no bill loaded: no arrears figure (not 0.0)
    assert out["fee_arrears_amount"] == {"value": None, "numerator": 0, "denominator": None}


def test_branch_scope(db, capsys):
    out = run_json(capsys, "--db", str(db), "--branch", ZC)
    assert out["tickets_received"]["value"] == 4
    assert out["temp_compliance_rate"] == {"value": 1.0, "numerator": 1, "denominator": 1}


def test_table_output(db, capsys):
    assert main([*WEEK_ARGS, "--db", str(db), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "2025-12-01 ~ 2025-12-07 (fee season 2025-2026)"
    assert "Room-temperature compliance rate" in out and "71.4%" in out
    assert main([*WEEK_ARGS, "--db", str(db)]) == 0
    assert "室温达标率" in capsys.readouterr().out


def test_period_backwards_is_a_usage_error(db, capsys):
    assert main(["summary", "--from", "2025-12-08", "--to", "2025-12-01", "--db", str(db)]) == 2
    assert "开始日期不能晚于结束日期" in capsys.readouterr().err


def test_not_a_date_is_a_usage_error(db):
    with pytest.raises(SystemExit) as exc:
        main(["summary", "--from", "2025/12/01", "--to", "2025-12-07", "--db", str(db)])
    assert exc.value.code == 2


@pytest.mark.parametrize("args, lang, words", [
    (["summary", "--from", "2025/12/01", "--to", "2025-12-07"], "zh",
     "参数 --from:“2025/12/01”不是日期,请写成 YYYY-MM-DD"),
    (["summary", "--from", "2025-12-01", "--lang", "en"], "en", "Missing required option --to."),
    (["summary", "--from", "2025-12-01", "--to", "2025-12-07", "--lang", "de"], "zh",
     "参数 --lang 的取值“de”无效,可选:zh、en。"),
    (["weekly"], "zh", "没有“weekly”这个命令"),
])
def test_usage_errors_are_said_in_the_chosen_language(capsys, args, lang, words):
    # argparse's own English ("error: argument --from: not a date") in both languages
    with pytest.raises(SystemExit) as done:
        main(args)
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert words in err and "error:" not in err



@pytest.mark.parametrize("lang, words", [("zh", "找不到数据仓库文件"), ("en", "No warehouse file at")])
def test_missing_warehouse(tmp_path, capsys, lang, words):
    # said in the user's words, not DuckDB's ("Cannot open database ... read-only mode")
    assert main([*WEEK_ARGS, "--db", str(tmp_path / "none.duckdb"), "--lang", lang]) == 1
    err = capsys.readouterr().err
    assert words in err and "IO Error" not in err and not (tmp_path / "none.duckdb").exists()


def test_an_unknown_branch_is_a_usage_error(db, capsys):
    # It read 0 of 0 for every KPI and said nothing; the weekly report refuses it.
    assert main([*WEEK_ARGS, "--db", str(db), "--branch", "博山分公司"]) == 2
    err = capsys.readouterr().err
    assert "没有名为“博山分公司”的分公司" in err and ZC in err


def test_module_entry_point(db):
    done = subprocess.run([sys.executable, "-m", "metrics", *WEEK_ARGS, "--db", str(db), "--json"],
                          capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parent.parent)
    assert set(REQUIRED) <= set(json.loads(done.stdout))


@pytest.mark.parametrize("module", ["metrics", "pipelines"])
def test_output_read_no_further_is_no_traceback(db, module):
    """`python -m metrics summary --json | head -1`: the reader closes the pipe;
    the command stops without Python's BrokenPipeError traceback."""
    args = {"metrics": [*WEEK_ARGS, "--db", str(db), "--json"],
            "pipelines": ["--db", str(db), "batches"]}[module]
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody reads: the first write meets a closed pipe
    try:
        done = subprocess.run([sys.executable, "-m", module, *args], stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=120,
                              cwd=Path(__file__).resolve().parent.parent)
    finally:
        os.close(write_end)
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr
    assert done.returncode == 1


def test_it_runs_while_the_dashboard_holds_the_warehouse(db, capsys):
    """The dashboard keeps the file open read-write, which locks every other
    process out: the command asks it for a snapshot, as a report run does,
    and prints the same figures (it waited ~11 s and failed)."""
    from pipelines.inbox import InboxWorker, inbox_dir
    direct = run_json(capsys, "--db", str(db))
    con = connect(db)
    worker = InboxWorker(con, inbox_dir(db)).start()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "metrics", *WEEK_ARGS, "--db", str(db), "--json"],
            capture_output=True, text=True, timeout=120,
            cwd=Path(__file__).resolve().parent.parent)
    finally:
        worker.stop()
        con.close()
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "看板正在使用数据仓库,改为请看板提供一份数据快照……"
    assert json.loads(done.stdout) == direct


def test_a_period_between_seasons_says_the_coming_collection(db, capsys):
    # 27 Oct - 2 Nov 2025 reads 2024-2025's fees; 2025-2026 is billed
    # 9310.40 and p1 paid 1840.00 on 11-01: 19.8 %, h1 of 5 households.
    args = ["summary", "--from", "2025-10-27", "--to", "2025-11-02", "--db", str(db)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert ("2025-2026 供暖季已开始收费:截至期末,收缴率(金额)19.8%(¥1,840.00 / ¥9,310.40),"
            "按户 20.0%(1 / 5 户交清)。") in out
    assert main([*args, "--json"]) == 0
    assert "2025-2026" not in capsys.readouterr().out     # KPI ids only
    assert main([*args, "--season", "2025-2026"]) == 0
    assert "已开始收费" not in capsys.readouterr().out      # it is the season read
    assert main([*WEEK_ARGS, "--db", str(db)]) == 0
    assert "已开始收费" not in capsys.readouterr().out


def test_the_season_option_says_what_a_period_between_seasons_reads(capsys):
    with pytest.raises(SystemExit):
        main(["summary", "--help"])
    assert "没有供暖日时为刚结束的那一季" in "".join(capsys.readouterr().out.split())
