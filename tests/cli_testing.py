"""Helpers of the command-line tests: a warehouse's audit log as rows, and a
stand-in for the running dashboard (it holds the warehouse and serves the inbox)."""
from __future__ import annotations

from auth.audit import entries
from pipelines.warehouse import connect


def audit_rows(db) -> list[tuple]:
    """Every entry (user, role, action, target, detail), oldest first."""
    con = connect(db)
    try:
        log = entries(con)
    finally:
        con.close()
    return list(log[["user_name", "role", "action", "target", "detail"]]
                .itertuples(index=False, name=None))[::-1]


# Stands in for the dashboard: holds the warehouse read-write and serves the
# inbox until a line arrives on its standard input. Format with root= (the
# repository) and db= (the warehouse).
FAKE_APP = """
import sys
sys.path.insert(0, {root!r})
from pipelines.inbox import InboxWorker, inbox_dir
from pipelines.warehouse import connect
con = connect({db!r})
InboxWorker(con, inbox_dir({db!r})).start()
print("ready", flush=True)
sys.stdin.readline()
"""
