"""Cells as real exports write them, found by loading hostile exports: refusals
in the signature column, tabs and full-width digits in IDs, IDs Excel turned
into scientific notation, amounts in 万元, CSV rows with a stray comma,
formulas never computed, numbers with units or a dash, times with 上午/下午."""
from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from pipelines.load import load_file

TEMPERATURE = ["户号", "测温时间", "室内温度", "室外温度", "用户签字"]


def _xlsx(path: Path, header: list, rows: list[list], title: str | None = None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    if title:
        ws.append([title])
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


# --- 1. the signature column: words saying the resident did not sign -----------------

SIGNATURES = [
    # (cell, signed)
    ("拒签", False), ("未签名", False), ("用户未签", False), ("不签", False),
    ("家属拒签", False), ("用户拒绝签字", False), ("无签字", False), ("不在家", False),
    ("无人", False), ("空", False), ("✕", False), ("✗", False), ("否", False),
    ("未签", False), ("签字:无", False), ("", False),
    ("张三", True), ("已签", True), ("签字", True), ("√", True), ("已签字", True),
]


def test_signature_cells_saying_the_resident_did_not_sign_are_unsigned(con, tmp_path):
    rows = [[f"{i:05d}", "2025-12-08 08:00", 18.5, -3, cell]
            for i, (cell, _) in enumerate(SIGNATURES)]
    report = load_file(con, _xlsx(tmp_path / "signatures.xlsx", TEMPERATURE, rows))
    assert (report.status, report.rows_rejected) == ("loaded", 0)
    got = dict(con.execute("SELECT household_id, signed FROM temperature_readings").fetchall())
    assert {cell: got[f"{i:05d}"] for i, (cell, _) in enumerate(SIGNATURES)} == dict(SIGNATURES)
