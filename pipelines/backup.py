"""Backup and restore of the whole warehouse (DuckDB EXPORT / IMPORT DATABASE).

A backup is a folder of Parquet files plus schema.sql and load.sql; it can be
restored on another machine or DuckDB version. It holds every table, personal
data unmasked, so its folder is 0700 and its files 0600 (as the accounts file):
only the account that made it can read it. Restore builds a new file beside
the warehouse and swaps it in only when the import succeeded, keeping the old
file as <name>.before-restore.

The audit log is a record of what happened, not data a restore takes back: the
restored file keeps the replaced warehouse's entries that the backup does not
hold (those made since it was taken), and the restore's own entry is written
into it before it is swapped in.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import duckdb

from metrics import stored

from .errors import PipelineError
from .warehouse import DATA_TABLES, WRITE_LOCK, ensure_schema, row_counts


@dataclass
class BackupReport:
    folder: str
    rows: dict[str, int]
    # A restore's: the audit entries of the replaced warehouse it kept (None
    # when it replaced none), and whether the replaced file could not be read.
    audit_kept: int | None = None
    replaced_unreadable: bool = False


def _path_literal(folder: Path) -> str:
    """EXPORT/IMPORT take no bound parameters, so the path becomes a literal.
    It is resolved to an absolute path and refused if it could end the literal."""
    text = str(folder.resolve())
    if any(ch in text for ch in "'\\\0\n\r"):
        raise PipelineError("bad_backup_path", folder=text)
    return "'" + text + "'"


def backup(con: duckdb.DuckDBPyConnection, folder: str | Path) -> BackupReport:
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise PipelineError("backup_exists", folder=str(folder))
    folder.parent.mkdir(parents=True, exist_ok=True)
    # The folder is private before anything is written into it: no moment
    # when another account could open a file of the export.
    folder.mkdir(mode=0o700, exist_ok=True)
    os.chmod(folder, 0o700)
    with WRITE_LOCK:  # no load commits half-way through the export
        cur = con.cursor()
        try:
            cur.execute(f"EXPORT DATABASE {_path_literal(folder)} (FORMAT parquet)")
            report = BackupReport(str(folder), row_counts(cur))
        finally:
            cur.close()
    _owner_only(folder)
    return report


def _owner_only(folder: Path) -> None:
    """Every file of the backup 0600, every folder in it 0700."""
    for root, dirs, files in os.walk(folder):
        for name in dirs:
            os.chmod(os.path.join(root, name), 0o700)
        for name in files:
            os.chmod(os.path.join(root, name), 0o600)


def restore(folder: str | Path, target: str | Path,
            record: Callable[[duckdb.DuckDBPyConnection, BackupReport], None] | None = None
            ) -> BackupReport:
    """Restore the backup in `folder` as the warehouse file `target`. The target
    must not be open in any process (stop the dashboard first). `record(con,
    report)` writes the restore's audit entry into the restored file, before it
    replaces the target: there is no moment when the restored warehouse is in
    use without it."""
    folder, target = Path(folder), Path(target)
    if not (folder / "schema.sql").exists():
        raise PipelineError("not_a_backup", folder=str(folder))
    fresh = target.with_name(target.name + ".restoring")
    for stale in (fresh, Path(str(fresh) + ".wal")):
        stale.unlink(missing_ok=True)
    con = duckdb.connect(str(fresh))
    try:
        con.execute(f"IMPORT DATABASE {_path_literal(folder)}")
        missing = [t for t in DATA_TABLES
                   if not con.execute("SELECT count(*) FROM information_schema.tables "
                                      "WHERE table_name = ?", [t]).fetchone()[0]]
        if missing:
            raise PipelineError("not_a_backup", folder=str(folder))
        report = BackupReport(str(folder), row_counts(con))
        # A backup from before the stored models, or taken under other
        # settings, gets them computed now.
        ensure_schema(con)
        stored.ensure(con)
        if target.exists():
            _lock_check(target)
            report.audit_kept = _keep_audit_log(con, target)
            report.replaced_unreadable = report.audit_kept is None
        if record:
            record(con, report)
        con.execute("CHECKPOINT")
    except duckdb.Error as exc:
        raise PipelineError("restore_failed", detail=str(exc).splitlines()[0]) from exc
    finally:
        con.close()
    if target.exists():
        _lock_check(target)
        os.replace(target, target.with_name(target.name + ".before-restore"))
    os.replace(fresh, target)
    return report


_AUDIT_COLUMNS = "ts, user_name, role, action, target, detail"


def _keep_audit_log(con: duckdb.DuckDBPyConnection, replaced: Path) -> int | None:
    """Copy the entries of `replaced`'s audit log that the restored one does not
    hold; how many, or None when `replaced` cannot be read (it is kept as
    .before-restore all the same)."""
    try:
        con.execute(f"ATTACH {_path_literal(replaced)} AS replaced (READ_ONLY)")
    except duckdb.Error as exc:
        if _locked(exc):
            raise PipelineError("warehouse_busy") from exc
        return None
    try:
        if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = "
                           "'replaced' AND table_name = 'audit_log'").fetchone()[0]:
            return 0
        # EXCEPT ALL: an entry the backup holds once and the replaced log twice
        # is kept once more, not dropped.
        return con.execute(
            f"INSERT INTO audit_log SELECT {_AUDIT_COLUMNS} FROM replaced.audit_log"
            f" EXCEPT ALL SELECT {_AUDIT_COLUMNS} FROM audit_log").fetchone()[0]
    except duckdb.Error:
        return None
    finally:
        con.execute("DETACH replaced")


def _locked(exc: duckdb.Error) -> bool:
    return "Could not set lock" in str(exc)


def _lock_check(target: Path) -> None:
    """Refuse to swap out a warehouse another process has open. A file that
    does not open as a warehouse is replaced (what a restore is for)."""
    try:
        duckdb.connect(str(target)).close()
    except duckdb.IOException as exc:
        if _locked(exc):
            raise PipelineError("warehouse_busy") from exc
