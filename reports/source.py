"""The warehouse for a report run outside the dashboard.

A report only reads, but DuckDB lets no other process open a file that the
running dashboard holds read-write. Then the dashboard is asked, through its
inbox (pipelines/inbox.py), for a backup, which is restored into a scratch
file and read there: a scheduled report works whether the dashboard runs or not.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from pipelines.backup import restore
from pipelines.errors import PipelineError
from pipelines.inbox import inbox_dir, submit, worker_alive
from pipelines.settings import warehouse_path
from pipelines.warehouse import DATA_TABLES, connect

from .errors import ReportError

# Without a dashboard to ask, another writer (a command-line load) is waited for.
BUSY_RETRIES = 20
SNAPSHOT_TIMEOUT_S = 600


@contextmanager
def open_warehouse(db: str | Path | None = None, lang: str = "zh",
                   notice: Callable[[], None] | None = None
                   ) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the warehouse, or to a snapshot of it when the
    dashboard holds the file (`notice` is called first, to tell the user)."""
    path = Path(db) if db else warehouse_path()
    if not path.is_file():
        raise ReportError("no_warehouse", path=str(path))
    try:
        con = connect(path, read_only=True)
    except PipelineError as exc:
        if exc.code == "warehouse_unreadable" and os.access(path, os.R_OK):
            # Readable, but no DuckDB database (an empty or another kind of file).
            raise ReportError("not_a_warehouse", path=str(path)) from exc
        if exc.code != "warehouse_busy":
            raise
        if worker_alive(inbox_dir(path)):
            if notice:
                notice()
            with _snapshot(path, lang) as con:
                yield con
            return
        con = connect(path, read_only=True, retries=BUSY_RETRIES)
    try:
        check_tables(con, path)
        yield con
    finally:
        con.close()


# What a warehouse holds besides the data: its loads and its data version.
REQUIRED_TABLES = (*DATA_TABLES, "batches", "meta")


def check_tables(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """A DuckDB file without the warehouse's tables (an empty database, or
    another program's) is named as such, not met with a query's catalog error."""
    cur = con.cursor()
    try:
        present = {r[0] for r in cur.execute(
            "SELECT table_name FROM information_schema.tables").fetchall()}
    finally:
        cur.close()
    if not set(REQUIRED_TABLES) <= present:
        raise ReportError("not_a_warehouse", path=str(path))


@contextmanager
def _snapshot(path: Path, lang: str) -> Iterator[duckdb.DuckDBPyConnection]:
    scratch = Path(tempfile.mkdtemp(prefix="heatkpi-report-"))
    try:
        folder = scratch / "backup"
        result = submit(inbox_dir(path), {"op": "backup", "folder": str(folder), "lang": lang},
                        timeout_s=SNAPSHOT_TIMEOUT_S)
        if "error" in result:
            raise ReportError("snapshot_failed", error=result["error"])
        copy = scratch / "warehouse.duckdb"
        restore(folder, copy)
        con = connect(copy, read_only=True)
        try:
            check_tables(con, path)
            yield con
        finally:
            con.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
