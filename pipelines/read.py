"""Step 1, read: a file as exported -> sheets of text cells in Arrow.

Every cell is read as text; types are decided later in DuckDB, where each
failure can become a reject with its reason. Reading as text also keeps
identifiers such as "01020310902" intact. No Python loop touches the rows.
"""
from __future__ import annotations

import codecs
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import duckdb
import fastexcel
import numpy as np
import pyarrow as pa

from .errors import PipelineError

ROW = "_row"  # the row number as Excel shows it (1-based), or the CSV line number

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"
_ENCRYPTED_MARK = "EncryptionInfo".encode("utf-16-le")
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
SUFFIXES = EXCEL_SUFFIXES | {".csv", ".txt"}


@dataclass
class RawSheet:
    name: str
    table: pa.Table  # columns c0..cN (string) and _row (int64)

    @property
    def n_columns(self) -> int:
        return self.table.num_columns - 1

    def head(self, n: int) -> list[list[str | None]]:
        """The first n rows as lists of cells (for header finding and previews)."""
        part = self.table.slice(0, n)
        cols = [part.column(f"c{i}").to_pylist() for i in range(self.n_columns)]
        return [list(r) for r in zip(*cols)] if cols else []


def file_format(path: Path, head: bytes) -> str:
    """'excel' or 'csv', judged by the bytes (an extension may lie)."""
    if not head:
        raise PipelineError("empty_file")
    if head.startswith(_OLE):
        return "ole"
    if head.startswith(_ZIP):
        return "excel"
    if b"\x00" in head[:4096] and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise PipelineError("unsupported_format", suffix=path.suffix or "?")
    return "csv"


def read_sheets(path: Path) -> Iterator[RawSheet]:
    """Yield the file's sheets, in order, each read completely."""
    path = Path(path)
    with path.open("rb") as fh:
        head = fh.read(1 << 16)
    fmt = file_format(path, head)
    if fmt == "csv":
        yield read_csv(path)
        return
    if fmt == "ole":
        data = path.read_bytes()
        if _ENCRYPTED_MARK in data:
            raise PipelineError("password_protected")
    yield from _read_excel(path)


def _read_excel(path: Path) -> Iterator[RawSheet]:
    try:
        reader = fastexcel.read_excel(path)
        names = reader.sheet_names
    except Exception as exc:  # calamine reports corrupt files as assorted errors
        raise PipelineError("corrupt_file", detail=_short(exc)) from exc
    for index, name in enumerate(names):
        try:
            # skip_rows=0 keeps leading blank rows, so row i is Excel row i+1.
            sheet = reader.load_sheet(index, header_row=None, skip_rows=0, dtypes="string",
                                      whitespace_as_null=True)
            batch = sheet.to_arrow()
        except Exception as exc:
            raise PipelineError("corrupt_file", detail=_short(exc)) from exc
        yield RawSheet(name, _numbered(pa.Table.from_batches([batch])))


def _numbered(table: pa.Table) -> pa.Table:
    cols = [table.column(i).cast(pa.string()) for i in range(table.num_columns)]
    names = [f"c{i}" for i in range(len(cols))]
    rows = pa.array(np.arange(1, table.num_rows + 1, dtype=np.int64))
    return pa.Table.from_arrays(cols + [rows], names=names + [ROW])


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (a superset of GBK)."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


_BLANK_LINE = re.compile(r"^[ \t]*\r?$", re.MULTILINE)


def _delimiter(sample: str) -> str:
    lines = [ln for ln in sample.splitlines()[:50] if ln.strip()]
    counts = {d: sum(ln.count(d) for ln in lines) for d in (",", "\t", ";", "|")}
    return max(counts, key=counts.get) if any(counts.values()) else ","


def read_csv(path: Path) -> RawSheet:
    text = decode_text(Path(path).read_bytes())
    if not text.strip():
        raise PipelineError("empty_file")
    delim = _delimiter(text[:65536])
    # DuckDB skips empty lines; a lone delimiter keeps them, so row numbers stay
    # the line numbers the user sees in an editor.
    text = _BLANK_LINE.sub(delim, text)
    width = max(ln.count(delim) for ln in text[:262144].splitlines()[:2000]) + 1
    with tempfile.NamedTemporaryFile("w", suffix=".csv", encoding="utf-8", delete=True) as tmp:
        tmp.write(text)
        tmp.flush()
        columns = {f"c{i}": "VARCHAR" for i in range(width)}
        con = duckdb.connect()
        try:
            table = con.sql(
                "SELECT * FROM read_csv(?, header=false, all_varchar=true, null_padding=true,"
                " delim=?, quote='\"', escape='\"', auto_detect=false, strict_mode=false,"
                " columns=?)", params=[tmp.name, delim, columns]).to_arrow_table()
        except duckdb.Error as exc:
            raise PipelineError("corrupt_file", detail=_short(exc)) from exc
        finally:
            con.close()
    # read_csv keeps the file's order (preserve_insertion_order is on by default).
    rows = pa.array(np.arange(1, table.num_rows + 1, dtype=np.int64))
    return RawSheet(Path(path).stem, table.append_column(ROW, rows))


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
