"""Column mappings users chose in the upload form, remembered per header layout.

A layout is identified by the SHA-256 of its normalised header labels, so the
next export from the same system (same headers, other rows) is mapped the same
way without asking again.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .errors import PipelineError
from .fields import DATASETS, normalize_label
from .load import Plan, plan_file
from .mapping import ABSENT, detect, may_be_absent
from .warehouse import WRITE_LOCK


@dataclass
class SavedMapping:
    signature: str
    dataset: str
    overrides: dict[str, int]   # field -> column index, or ABSENT: not in the file
    saved_by: str


def layout_signature(labels: list[str | None]) -> str:
    """SHA-256 of the normalised labels; trailing empty columns do not count."""
    normal = [normalize_label(x) for x in labels]
    while normal and not normal[-1]:
        normal.pop()
    # \x1f (unit separator) cannot occur in a label, so ["a,b"] != ["a", "b"].
    return hashlib.sha256("\x1f".join(normal).encode("utf-8")).hexdigest()


def remember(con: duckdb.DuckDBPyConnection, labels: list[str | None], dataset: str,
             overrides: dict[str, int], user: str) -> SavedMapping:
    """Save (or replace) the mapping for this header layout."""
    if dataset not in DATASETS:
        raise PipelineError("bad_kind", kind=dataset, kinds=", ".join(DATASETS))
    ds = DATASETS[dataset]
    clean = {f: int(i) for f, i in overrides.items()
             if f in ds.columns and (0 <= int(i) < len(labels)
                                     or (int(i) == ABSENT and may_be_absent(ds.field(f))))}
    signature = layout_signature(labels)
    with WRITE_LOCK:
        cur = con.cursor()
        try:
            cur.execute("BEGIN TRANSACTION")
            try:
                cur.execute("DELETE FROM column_mappings WHERE signature = ?", [signature])
                cur.execute("INSERT INTO column_mappings VALUES (?, ?, ?, ?,"
                            " timezone('Asia/Shanghai', now()))",
                            [signature, dataset, json.dumps(clean, sort_keys=True), user])
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
        finally:
            cur.close()
    return SavedMapping(signature, dataset, clean, user)


def forget(con: duckdb.DuckDBPyConnection, labels: list[str | None]) -> None:
    """Drop the mapping saved for this header layout: the next file of it is
    mapped by its labels again (and the form asks for what they leave out)."""
    with WRITE_LOCK:
        cur = con.cursor()
        try:
            cur.execute("DELETE FROM column_mappings WHERE signature = ?",
                        [layout_signature(labels)])
        finally:
            cur.close()


def lookup(con: duckdb.DuckDBPyConnection, labels: list[str | None]) -> SavedMapping | None:
    """The mapping saved for this header layout, if any."""
    signature = layout_signature(labels)
    cur = con.cursor()
    try:
        row = cur.execute("SELECT dataset, overrides, saved_by FROM column_mappings"
                          " WHERE signature = ? ORDER BY saved_at DESC LIMIT 1",
                          [signature]).fetchone()
    finally:
        cur.close()
    if row is None or row[0] not in DATASETS:
        return None
    return SavedMapping(signature, row[0], {k: int(v) for k, v in json.loads(row[1]).items()},
                        row[2])


def plan_remembered(con: duckdb.DuckDBPyConnection, path: str | Path, kind: str | None = None,
                    file_name: str | None = None) -> tuple[Plan, SavedMapping | None]:
    """`plan_file`, with the mapping saved for the file's header layout applied.

    A saved mapping of another kind than the one asked for is ignored. A file
    its load would certainly refuse for what the plan tells cheaply (no data
    row, a formula without its value: Plan.check) is refused here, in the
    load's words, so the upload desk does not count it as ready. `file_name`:
    the file's name as the user has it (plan_file: a CSV's sheet)."""
    plan = plan_file(Path(path), kind, file_name=file_name)
    saved = lookup(con, plan.header.labels)
    if saved is None or (kind is not None and DATASETS[saved.dataset].kind != kind):
        plan.check()
        return plan, None
    # detect(), as load_file does with these overrides, so the preview shows
    # exactly what will be loaded.
    plan = plan.with_mapping(
        detect(plan.header.labels, DATASETS[saved.dataset].kind, saved.overrides))
    plan.check()
    return plan, saved
