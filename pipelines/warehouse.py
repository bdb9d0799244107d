"""The DuckDB warehouse: opening it, its schema, and its data version.

One process writes at a time (DuckDB locks the file); inside a process, loads
and undos are serialised by WRITE_LOCK and every reader uses its own cursor.
"""
from __future__ import annotations

import os
import stat
import threading
import time
from pathlib import Path

import duckdb

from .errors import PipelineError
from .settings import warehouse_path

SCHEMA = Path(__file__).parent / "sql" / "schema.sql"
WRITE_LOCK = threading.RLock()
DATA_TABLES = ("households", "temperature_readings", "tickets", "fee_bills", "fee_payments")


def connect(path: str | Path | None = None, read_only: bool = False,
            retries: int = 0, wait_s: float = 0.5) -> duckdb.DuckDBPyConnection:
    """Open the warehouse (":memory:" for tests); create the schema when writable.

    `retries` re-tries while another process holds the file lock."""
    target = str(path) if path is not None else str(warehouse_path())
    if target != ":memory:":
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(retries + 1):
        try:
            con = duckdb.connect(target, read_only=read_only)
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise PipelineError("warehouse_unreadable", detail=str(exc).splitlines()[0]) \
                    from exc
            if attempt == retries:
                raise PipelineError("warehouse_busy") from exc
            time.sleep(wait_s)
    if not read_only:
        ensure_schema(con)
        if target != ":memory:":
            owner_only(Path(target))
    return con


def protect(con: duckdb.DuckDBPyConnection) -> None:
    """After a write: owner_only for the file `con` writes (its write-ahead
    log is made by the write, with the umask's mode)."""
    (path,) = con.execute("SELECT path FROM duckdb_databases() "
                          "WHERE database_name = current_database()").fetchone()
    if path:
        owner_only(Path(path))


def owner_only(path: Path) -> None:
    """The warehouse file and its write-ahead log readable by their owner
    only (0600): they hold every household's name and phone and anonymous
    callers' too, which no other account of the server may read past the
    dashboard's roles and audit log. Its folder too (0700): DuckDB makes a
    new log, with the umask's mode, after each checkpoint; a folder other
    accounts share (the sticky /tmp) or a home folder is left as it is, as
    is a file of another owner (a shared copy opened to write)."""
    try:
        folder = path.parent.stat()
    except OSError:
        folder = None
    if folder is not None and folder.st_uid == os.getuid() and path.parent != Path.home() \
            and not folder.st_mode & stat.S_ISVTX and folder.st_mode & 0o077:
        path.parent.chmod(0o700)
    for part in (path, path.with_name(path.name + ".wal")):
        try:
            st = part.stat()
        except OSError:
            continue
        if st.st_uid == os.getuid() and st.st_mode & 0o077:
            part.chmod(0o600)


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(SCHEMA.read_text(encoding="utf-8"))


def data_version(con: duckdb.DuckDBPyConnection) -> int:
    """Grows with every load and undo: the key for cached query results."""
    row = con.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()
    return int(row[0]) if row else 0


def bump_data_version(con: duckdb.DuckDBPyConnection) -> None:
    """Call inside the writing transaction."""
    updated = con.execute(
        "UPDATE meta SET value = value + 1 WHERE key = 'data_version' RETURNING value").fetchall()
    if not updated:
        con.execute("INSERT INTO meta VALUES ('data_version', 1)")


def row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in DATA_TABLES}
