"""The audit trail: sign-ins, uploads, undos, exports, downloads and every view
of personal data, in the warehouse table audit_log."""
from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from pipelines.warehouse import WRITE_LOCK

ACTIONS = ("sign_in", "sign_in_failed", "sign_out", "upload", "undo", "export", "download",
           "view_personal", "users")


def record(con: duckdb.DuckDBPyConnection, user: str, action: str, target: str | None = None,
           detail: str | None = None, role: str | None = None) -> None:
    """Append one entry (its own small transaction)."""
    if action not in ACTIONS:
        raise ValueError(action)
    with WRITE_LOCK:
        cur = con.cursor()
        try:
            cur.execute("INSERT INTO audit_log VALUES (timezone('Asia/Shanghai', now()), ?, ?, ?, ?, ?)",
                        [user, role, action, target, detail])
        finally:
            cur.close()


def entries(con: duckdb.DuckDBPyConnection, since: dt.date | None = None,
            until: dt.date | None = None, user: str | None = None,
            action: str | None = None, limit: int = 5000) -> pd.DataFrame:
    """Newest first, filtered by day range, user and action."""
    cur = con.cursor()
    try:
        return cur.execute(
            "SELECT ts, user_name, role, action, target, detail FROM audit_log"
            " WHERE (?::DATE IS NULL OR ts >= ?::DATE)"
            " AND (?::DATE IS NULL OR ts < ?::DATE + INTERVAL 1 DAY)"
            " AND (?::VARCHAR IS NULL OR user_name = ?)"
            " AND (?::VARCHAR IS NULL OR action = ?)"
            " ORDER BY ts DESC LIMIT ?",
            [since, since, until, until, user, user, action, action, limit]).df()
    finally:
        cur.close()
