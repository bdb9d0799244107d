"""The history of loads, and undoing one."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

import duckdb

from metrics import stored

from . import reasons
from .errors import PipelineError
from .fields import DATASETS, STICKY
from .warehouse import WRITE_LOCK, bump_data_version, protect

if TYPE_CHECKING:  # pandas loads on first use: loading a file never needs it
    import pandas as pd


# A CSV uploaded in the dashboard before its sheet was named after the file
# (pipelines.load.plan_file) was named after the upload's temporary file, the
# uploader's file id (d7d59ac2-a164-41d5-9602-f6a817e1b45f): such a stored
# sheet reads as the file's name without its extension, as a command-line
# load of the same file names it. No sheet of a workbook is named so.
_UPLOAD_ID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_SHEET = (f"CASE WHEN regexp_full_match(sheet, '{_UPLOAD_ID}') "
          f"THEN regexp_replace(file_name, '\\.[^.]*$', '') ELSE sheet END AS sheet")


def list_batches(con: duckdb.DuckDBPyConnection, kind: str | None = None) -> pd.DataFrame:
    """Every batch, newest first; `kind` filters."""
    cur = con.cursor()
    try:
        return cur.execute(
            f"SELECT batch_id, kind, dataset, file_name, {_SHEET}, uploaded_by, loaded_at,"
            " rows_read, rows_inserted, rows_updated, rows_unchanged, rows_rejected, data_from,"
            " data_to, status, undone_at, undone_by, sha256 FROM batches"
            " WHERE ?::VARCHAR IS NULL OR kind = ? ORDER BY batch_id DESC",
            [kind, kind]).df()
    finally:
        cur.close()


def batches_json(con: duckdb.DuckDBPyConnection) -> str:
    """Every batch, newest first, as `batches --json` prints it and the
    dashboard hands it over to that command: the table is read back from it,
    so a listing looks the same whichever process read the warehouse."""
    return list_batches(con).to_json(orient="records", force_ascii=False, date_format="iso")


def batch_rejects(con: duckdb.DuckDBPyConnection, batch_id: int,
                  lang: str | None = None) -> pd.DataFrame:
    """The rows a load rejected, each with its sheet, Excel row, column (the
    file's header and the field), value and reason, in the file's order.
    With `lang`, the reason is in that language (the viewer's: the load wrote
    it in its user's), where the reject kept what its words name (params);
    one loaded before that keeps its stored words."""
    cur = con.cursor()
    try:
        df = cur.execute(
            f"SELECT {_SHEET}, source_row, source_column, column_name, value, code, reason,"
            " params FROM rejects WHERE batch_id = ? ORDER BY sheet, source_row, column_name",
            [batch_id]).df()
    finally:
        cur.close()
    if lang is not None:
        df["reason"] = [reasons.shown(*x, lang) for x in zip(
            df["code"], df["column_name"], df["params"], df["value"], df["reason"])]
    return df


def warned_batches(con: duckdb.DuckDBPyConnection) -> dict[int, int]:
    """Batch -> how many warnings its load gave."""
    cur = con.cursor()
    try:
        return dict(cur.execute("SELECT batch_id, count(*) FROM batch_warnings "
                                "GROUP BY batch_id").fetchall())
    finally:
        cur.close()


def batch_warnings(con: duckdb.DuckDBPyConnection, batch_id: int,
                   lang: str = "zh") -> list[str]:
    """What the batch's load said about the rows it kept, in `lang` (the
    viewer's, whoever loaded it), in the order it said them."""
    from .load import warning
    cur = con.cursor()
    try:
        rows = cur.execute("SELECT code, params FROM batch_warnings WHERE batch_id = ? "
                           "ORDER BY seq", [batch_id]).fetchall()
    finally:
        cur.close()
    return [warning(code, json.loads(params), lang) for code, params in rows]


@dataclass
class UndoReport:
    batch_id: int
    file_name: str
    dataset: str
    rows_removed: int    # keys no other batch delivered: gone
    rows_restored: int   # keys whose current row is this batch's and another batch's
    #                      version differs: that version is back (the rest stay as they are)


def undo_preview(con: duckdb.DuckDBPyConnection, batch_id: int) -> UndoReport:
    """What undoing the batch would do, without doing it."""
    cur = con.cursor()
    try:
        return _effect(cur, batch_id)
    finally:
        cur.close()


def _batch(cur, batch_id: int) -> tuple[str, str]:
    row = cur.execute("SELECT dataset, file_name, status FROM batches WHERE batch_id = ?",
                      [batch_id]).fetchone()
    if row is None:
        raise PipelineError("batch_not_found", batch=batch_id)
    if row[2] != "loaded":
        raise PipelineError("batch_already_undone", batch=batch_id)
    return row[0], row[1]


def _effect(cur, batch_id: int) -> UndoReport:
    dataset, file_name = _batch(cur, batch_id)
    ds = DATASETS[dataset]
    keys = ", ".join(ds.key)
    # Restored: the keys whose current row is this batch's version and whose
    # newest other version differs. A key another batch's version already
    # holds, or whose other version is the same row, does not change.
    removed, restored = cur.execute(f"""
        WITH mine AS (SELECT DISTINCT {keys} FROM {dataset}_versions WHERE batch_id = $b),
        others AS (SELECT {keys}, arg_max(v.row_hash, v.batch_id) AS row_hash
                   FROM {dataset}_versions v JOIN batches b USING (batch_id)
                   WHERE b.status = 'loaded' AND v.batch_id <> $b GROUP BY {keys})
        SELECT count(*) FILTER (WHERE o.{ds.key[0]} IS NULL),
               count(*) FILTER (WHERE o.{ds.key[0]} IS NOT NULL AND c.batch_id = $b
                                AND c.row_hash IS DISTINCT FROM o.row_hash)
        FROM mine m LEFT JOIN others o USING ({keys}) LEFT JOIN {dataset} c USING ({keys})""",
        {"b": batch_id}).fetchone()
    return UndoReport(batch_id, file_name, dataset, removed, restored)


def undo_batch(con: duckdb.DuckDBPyConnection, batch_id: int, user: str = "cli") -> UndoReport:
    """Remove the batch's rows; where another loaded batch delivered the same key,
    the newest such version becomes current again. One transaction."""
    with WRITE_LOCK:
        cur = con.cursor()
        try:
            cur.execute("BEGIN TRANSACTION")
            try:
                report = _effect(cur, batch_id)
                ds = DATASETS[report.dataset]
                table, keys, cols = ds.name, ", ".join(ds.key), ", ".join(ds.columns)
                match = " AND ".join(f"{table}.{k} = m.{k}" for k in ds.key)
                cur.execute(f"CREATE OR REPLACE TEMP TABLE undo_keys AS "
                            f"SELECT DISTINCT {keys} FROM {table}_versions WHERE batch_id = ?",
                            [batch_id])
                cur.execute(f"DELETE FROM {table} USING undo_keys m WHERE {match}")
                cur.execute(f"DELETE FROM {table}_versions WHERE batch_id = ?", [batch_id])
                # Each column from the newest remaining version whose file had
                # it (a file without 姓名 kept the stored names: undoing the
                # roster that gave them takes them away, undoing a later one
                # brings them back); the lineage of the newest version.
                # A column no blank clears (load.STICKY: 是否匿名) from the newest
                # version that says something.
                kept = "coalesce(k.columns, []::VARCHAR[])"
                sticky = STICKY.get(table, ())
                values = ", ".join(
                    f"{'arg_max' if c in sticky else 'arg_max_null'}(v.{c}, v.batch_id) "
                    f"FILTER (WHERE NOT list_contains({kept}, '{c}')) AS {c}"
                    for c in ds.columns if c not in ds.key)
                cur.execute(f"""
                    INSERT INTO {table}
                    SELECT {cols}, batch_id, source_row, hash({cols}) FROM (
                        SELECT {", ".join("v." + k for k in ds.key)}, {values},
                               max(v.batch_id) AS batch_id,
                               arg_max(v.source_row, v.batch_id) AS source_row
                        FROM {table}_versions v
                        JOIN undo_keys m USING ({keys})
                        JOIN batches b ON b.batch_id = v.batch_id AND b.status = 'loaded'
                        LEFT JOIN batch_kept_columns k ON k.batch_id = v.batch_id
                        GROUP BY {", ".join("v." + k for k in ds.key)})""")
                cur.execute("UPDATE batches SET status = 'undone', undone_at = timezone('Asia/Shanghai', now()),"
                            " undone_by = ? WHERE batch_id = ?", [user, batch_id])
                bump_data_version(cur)
                stored.after_write(cur, table, "SELECT * FROM undo_keys")
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            protect(cur)
            return report
        finally:
            cur.close()
