"""Rows planted in a copy of the demo warehouse for the report's tests: text
that looks like formulas, and an anonymous complainant whose name and phone
exist nowhere else, so a test can scan a workbook for them.

    con = pipelines.warehouse.connect(copy_of_demo)
    plant(con)
"""
from __future__ import annotations

import duckdb

from metrics import stored
from metrics.testing import insert
from pipelines.warehouse import bump_data_version

WEEK = "2025-W48"                       # 24-30 Nov 2025, in the demo season 2025-2026
HOUSEHOLD = "02010110201"               # a 淄川分公司 household of the demo roster
ANON_HOUSEHOLD = "02010110202"
HYPERLINK = '=HYPERLINK("http://x","y")'
FORMULA_TEXTS = (HYPERLINK, "+1+1", "-2+3", "@SUM(A1:A2)")
ANON_NAME = "匿名测试人"
ANON_PHONE = "13987654321"
FORMULA_FILE = "=cmd|' /c calc'!A1.xlsx"
BATCH = 900


def plant(con: duckdb.DuckDBPyConnection) -> None:
    """Open tickets received in WEEK: one per formula-like description, and two
    anonymous complaints from one household (a repeat complainer)."""
    insert(con, "batches", [{"batch_id": BATCH, "kind": "tickets", "dataset": "tickets",
                             "file_name": FORMULA_FILE, "uploaded_by": "test",
                             "status": "loaded"}])
    station = con.execute("SELECT station FROM households WHERE household_id = ?",
                          [HOUSEHOLD]).fetchone()[0]
    rows = [dict(ticket_no=f"GDTEST{i:04d}", received_at=f"2025-11-24 0{i}:00:00",
                 category="投诉", channel="电话", household_id=HOUSEHOLD,
                 caller_name="测试来电人", phone="13900001111", anonymous=False,
                 description=text, station=station, batch_id=BATCH, source_row=2 + i)
            for i, text in enumerate(FORMULA_TEXTS, start=1)]
    rows += [dict(ticket_no=f"GDANON{i:04d}", received_at=f"2025-11-2{4 + i} 10:00:00",
                  category="投诉", channel="电话", household_id=ANON_HOUSEHOLD,
                  caller_name=ANON_NAME, phone=ANON_PHONE, anonymous=True,
                  description="室温偏低", station=station, batch_id=BATCH, source_row=20 + i)
             for i in (1, 2)]
    insert(con, "tickets", rows)
    # As a load does: a new data version, and the stored tickets follow it.
    bump_data_version(con)
    stored.after_write(con, "tickets")
