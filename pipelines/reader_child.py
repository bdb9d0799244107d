"""The Excel reader, run in a child process (see pipelines/read.py).

`run(src, out, memory_bytes, suffix)` writes each sheet of src as an Arrow IPC
file out/<i>.arrow (every cell as text), out/sheets.json with the sheet names
and out/first_columns.json with the 0-based sheet column each table's c0 is
(the reader starts at the first column holding a cell, not at column A) and
out/hidden.json with whether each sheet is hidden in Excel; a file problem
goes to out/error.json. The reader picks its parser by the file's extension:
`suffix` is the one the content has (read.workbook_suffix), and a file named
otherwise is read through a link of that name. The child caps its own memory
and the parent its time, so a reader crash or runaway file ends the child only.
Children fork from a server that has already imported this module, so a load
pays milliseconds, not an interpreter start.
"""
from __future__ import annotations

import json
import os
import resource
import sys
from pathlib import Path

import fastexcel
import numpy as np
import pyarrow as pa
import pyarrow.compute  # noqa: F401  (casts load it; the fork server imports it once)

ROW = "_row"


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


def row_numbers(n: int) -> pa.Array:
    """1..n as int64. Built from the buffer: pa.array(ndarray) would import pandas
    on first use, which costs a forked child 0.2 s."""
    return pa.Array.from_buffers(pa.int64(), n, [None, pa.py_buffer(np.arange(1, n + 1))])


def _failure(exc: Exception) -> dict:
    """The error for a file the reader refused: an .xls with an open password
    says so (an encrypted .xlsx is known before reading), any other is damaged."""
    if "password protected" in str(exc).lower():
        return {"code": "password_protected", "params": {}}
    return {"code": "corrupt_file", "params": {"detail": _short(exc)}}


def _numbered(batch) -> pa.Table:
    table = pa.Table.from_batches([batch])
    cols = [table.column(i).cast(pa.string()) for i in range(table.num_columns)]
    names = [f"c{i}" for i in range(len(cols))]
    rows = row_numbers(table.num_rows)
    return pa.Table.from_arrays(cols + [rows], names=names + [ROW])


def read_to(src: Path, out: Path) -> dict | None:
    """Write the sheets; return an error dict (code, params) or None."""
    try:
        reader = fastexcel.read_excel(src)
        names = reader.sheet_names
    except MemoryError:
        raise  # over the memory cap: the parent reports a crashed reader
    except Exception as exc:  # calamine reports corrupt files as assorted errors
        return _failure(exc)
    first_columns, hidden = [], []
    for index in range(len(names)):
        try:
            # skip_rows=0 keeps leading blank rows, so row i is Excel row i+1.
            sheet = reader.load_sheet(index, header_row=None, skip_rows=0, dtypes="string",
                                      whitespace_as_null=True)
            columns = sheet.available_columns()
            first_columns.append(columns[0].absolute_index if columns else 0)
            hidden.append(sheet.visible != "visible")
            batch = sheet.to_arrow()
        except MemoryError:
            raise
        except Exception as exc:
            return _failure(exc)
        table = _numbered(batch)
        with pa.OSFile(str(out / f"{index}.arrow"), "wb") as sink:
            with pa.ipc.new_file(sink, table.schema) as writer:
                writer.write_table(table)
    (out / "sheets.json").write_text(json.dumps(names, ensure_ascii=False), encoding="utf-8")
    (out / "first_columns.json").write_text(json.dumps(first_columns), encoding="utf-8")
    (out / "hidden.json").write_text(json.dumps(hidden), encoding="utf-8")
    return None


def run(src: str, out: str, memory_bytes: int, suffix: str | None = None) -> None:
    """Child entry point; exit code 3 means out/error.json explains."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    path = Path(src)
    if suffix and path.suffix.lower() != suffix:
        # A real .xls named .xlsx (or the other way round): read it as what it is.
        link = Path(out) / f"workbook{suffix}"
        os.symlink(path, link)
        path = link
    error = read_to(path, Path(out))
    if error:
        (Path(out) / "error.json").write_text(json.dumps(error, ensure_ascii=False),
                                              encoding="utf-8")
        sys.exit(3)
