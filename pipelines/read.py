"""Step 1, read: a file as exported -> sheets of text cells in Arrow.

Every cell is read as text; types are decided later in DuckDB, where each
failure can become a reject with its reason. Reading as text also keeps
identifiers such as "01020310902" intact. No Python loop touches the rows.
"""
from __future__ import annotations

import codecs
import json
import posixpath
import re
import tempfile
import zipfile
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Callable, Iterator

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import reader_child
from .formulas import (_P, NO_SCAN, Merge, _attrs, column_index, number_rows, scan_sheets,
                       sheet_chunks)
from .merges import ods_merges, xls_dates_1904, xls_merges
from .reader_server import reader_context
from .reader_child import row_numbers
from .errors import PipelineError
from .safety import check_zip
from .settings import load_settings

ROW = "_row"  # the row number as Excel shows it (1-based), or the CSV line number

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"
_ENCRYPTED_MARK = "EncryptionInfo".encode("utf-16-le")
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
# What the upload desk accepts and the demo loads: the formats read here.
SUFFIXES = EXCEL_SUFFIXES | {".csv"}


EPOCH_1900 = "1899-12-30"  # Excel's day 0 for serials after 60 (it counts 1900-02-29)
EPOCH_1904 = "1904-01-01"  # workbooks saved with the Mac 1904 date system


@dataclass
class RawSheet:
    name: str
    table: pa.Table  # columns c0..cN (string) and _row (int64)
    epoch: str = EPOCH_1900  # what Excel serial numbers in this sheet count from
    # A text file carrying an Excel extension (".xlsx"): read as CSV, since some
    # systems export CSV under an Excel name, but if no export is recognised in
    # it the user hears that it is no real Excel file (pipelines.load.plan_file).
    misnamed: str | None = None
    # CSV only: how many fields each row has (a row with more than its header
    # has an unquoted separator in a text: its columns are shifted).
    field_counts: pa.Array | None = None
    delimiter: str | None = None
    # .xlsx only: formula cells holding no computed value, (Excel row, column
    # c<i>); staging refuses the file when one lies in the loaded data.
    uncomputed: list[tuple[int, int]] = field(default_factory=list)
    # .xlsx only: cells holding an Excel error value (#N/A …), as uncomputed;
    # the reader gives them as empty.
    errors: list[tuple[int, int]] = field(default_factory=list)
    # .xlsx only: the sheet column (0-based, A = 0) of c0: the reader starts at
    # the first used column, so c<i> is column first_column + i in Excel.
    first_column: int = 0
    # Excel files (.xlsx/.xlsm, .xls, .ods; not .xlsb): merged ranges as
    # (first Excel row, first column c<i>, last row, last column); the reader
    # gives each range's value in its first cell only. `fill_merged` spreads it
    # once the header is known.
    merges: list[Merge] = field(default_factory=list)
    # Excel files: (column c<i>, Excel rows) -> those rows whose cell in the
    # column the file stores as a number, not text. Read for .xlsx/.xlsm only
    # (for .xlsb and .ods no row is known as a number); None for CSV.
    number_rows: Callable[[int, set[int]], set[int]] | None = None
    # Excel files: the sheet is hidden (or very hidden) in Excel: the user does
    # not see it, so it is loaded only when no visible sheet holds an export.
    hidden: bool = False
    # .xlsx only: the Excel rows hidden in the sheet (filtered out or hidden by
    # hand): loaded as any other, and said (the user did not see them).
    hidden_rows: list[int] = field(default_factory=list)

    @property
    def n_columns(self) -> int:
        return self.table.num_columns - 1

    def head(self, n: int) -> list[list[str | None]]:
        """The first n rows as lists of cells (for header finding and previews)."""
        part = self.table.slice(0, n)
        cols = [part.column(f"c{i}").to_pylist() for i in range(self.n_columns)]
        return [list(r) for r in zip(*cols)] if cols else []

    def below(self, row: int, column: int, *, text: bool = False) -> pa.Array:
        """Column c<column>'s cells in the rows after Excel row `row` (the
        data below a header ending there); `text`: as trimmed strings."""
        cells = pc.filter(self.table.column(f"c{column}"),
                          pc.greater(self.table.column(ROW), row)).combine_chunks()
        return pc.utf8_trim_whitespace(pc.cast(cells, pa.string())) if text else cells


def file_format(path: Path, head: bytes) -> str:
    """'excel' or 'csv', judged by the bytes (an extension may lie)."""
    if not head:
        raise PipelineError("empty_file")
    if head.startswith(_OLE):
        return "ole"
    if head.startswith(_ZIP):
        return "excel"
    if _binary(head[:4096]) and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Binary, but neither a workbook nor a zip: an image, a PDF, UTF-16 text
        # without a byte-order mark.
        raise PipelineError("unsupported_format", suffix=path.suffix.lower() or "—")
    return "csv"


# Bytes no text export holds but by accident: controls other than tab, line
# feed, carriage return and escape.
_CONTROLS = bytes([*range(0, 9), 11, 12, *range(14, 27), *range(28, 32)])


def _binary(head: bytes) -> bool:
    """Whether bytes are no text: more than a stray NUL or two (a text export
    with one in a field reads as text, without it; UTF-16 text without a
    byte-order mark is every other byte NUL), or control bytes beyond one in a
    hundred (an image's or a PDF's, a few NUL among them)."""
    controls = len(head) - len(head.translate(None, _CONTROLS))
    return (head.count(0) > 2 or controls > max(2, len(head) // 100)
            or head.startswith(b"%PDF"))


def workbook_suffix(path: Path, head: bytes) -> str:
    """The extension a workbook's content has, whatever its name says: an OLE2
    compound file is an .xls, a zip an .xlsx (.xlsm alike), .xlsb or .ods by
    its parts. The reader picks its parser by the extension, so a real .xls
    named .xlsx read as a damaged .xlsx."""
    if head.startswith(_OLE):
        return ".xls"
    named = path.suffix.lower()
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError):
        return named  # the reader says what is wrong with it
    if "xl/workbook.bin" in names:
        return ".xlsb"
    if "xl/workbook.xml" in names:
        return named if named in (".xlsx", ".xlsm") else ".xlsx"
    if "content.xml" in names:
        return ".ods"
    return named


# A text file that is a web page (HTML, also saved as a single-file web page)
# or an XML Spreadsheet 2003 workbook: exports some systems name .xls.
_HTML_MARKS = ("<html", "<table", "<!doctype html")
_XML_SPREADSHEET_MARKS = ("urn:schemas-microsoft-com:office:spreadsheet", "<workbook",
                          "<ss:workbook")


def markup_kind(head: bytes) -> str | None:
    """The error code for a text file's first bytes when they are markup no
    CSV reader makes sense of (html_table_file, xml_spreadsheet_file), else
    None."""
    text = decode_text(head[:8192]).lstrip("\ufeff \t\r\n").lower()
    if text.startswith("<?xml"):
        return ("xml_spreadsheet_file" if any(m in text for m in _XML_SPREADSHEET_MARKS)
                else "html_table_file" if any(m in text for m in _HTML_MARKS) else None)
    if text.startswith("<") and any(m in text for m in _HTML_MARKS):
        return "html_table_file"
    if text.startswith("mime-version:") and "text/html" in text:
        return "html_table_file"  # a single-file web page (.mht) Excel saved
    return None


def read_sheets(path: Path) -> Iterator[RawSheet]:
    """Yield the file's sheets, in order, each read completely."""
    path = Path(path)
    with path.open("rb") as fh:
        head = fh.read(1 << 16)
    fmt = file_format(path, head)
    if fmt == "csv":
        markup = markup_kind(head)
        if markup:
            # A web page or an Excel 2003 XML file under an Excel name: the
            # business system always exports it so; Excel or WPS converts it.
            raise PipelineError(markup, suffix=path.suffix.lower() or "—")
        sheet = read_csv(path)
        if path.suffix.lower() in EXCEL_SUFFIXES:
            sheet.misnamed = path.suffix.lower()
        yield sheet
        return
    if fmt == "ole":
        data = path.read_bytes()
        if _ENCRYPTED_MARK in data:
            raise PipelineError("password_protected")
    yield from _read_excel(path, head)


def _read_excel(path: Path, head: bytes) -> Iterator[RawSheet]:
    """Parse in a child process with memory and time limits: the Rust readers can
    abort the whole process on some malformed files (calamine #174, #444, #550)."""
    epoch = EPOCH_1900
    scans: dict[str, tuple[list[tuple[int, int]], list[Merge], list[tuple[int, int]]]] = {}
    zero_styles: dict[int, int] = {}
    if head.startswith(_ZIP):
        # First what it is (an archive of exports, a Word file), then whether
        # it is safe to open: an archive of workbooks is no "nested" workbook.
        _refuse_other_zip(path)
        check_zip(path)
        epoch = _zip_epoch(path)
        zero_styles = zero_padded_styles(path)
    elif xls_dates_1904(path):
        epoch = EPOCH_1904
    limits = load_settings()["upload"]
    with tempfile.TemporaryDirectory(prefix="heatkpi-read-") as out:
        child = reader_context().Process(
            target=reader_child.run,
            args=(str(path.resolve()), out, limits["reader_memory_mb"] * 1024 * 1024,
                  workbook_suffix(path, head)))
        child.start()
        # While the child reads: an .xlsx's formula cells without a value and
        # its merged ranges (a scan of the sheet XML, a few seconds for a
        # million rows, on the other core); the merged ranges of .xls and .ods.
        if head.startswith(_ZIP):
            try:
                scans = scan_sheets(path)
            except BaseException:
                child.kill()
                child.join()
                raise
        if not scans:   # .xls, .ods (a zip with no .xlsx sheets)
            try:
                found = xls_merges(path) if head.startswith(_OLE) else ods_merges(path)
            except Exception:  # a file they cannot parse: no ranges; the reader says more
                found = {}
            scans = {name: NO_SCAN._replace(merges=merges) for name, merges in found.items()}
        child.join(limits["reader_timeout_s"])
        if child.is_alive():
            child.kill()
            child.join()
            raise PipelineError("reader_timeout", seconds=limits["reader_timeout_s"])
        error = Path(out) / "error.json"
        if child.exitcode == 3 and error.exists():
            failure = json.loads(error.read_text(encoding="utf-8"))
            raise PipelineError(failure["code"], **failure["params"])
        if child.exitcode != 0:
            # Killed by a signal (negative code) or out of memory: the file, not us.
            raise PipelineError("reader_crashed", detail=str(child.exitcode))
        names = json.loads((Path(out) / "sheets.json").read_text(encoding="utf-8"))
        first_columns = json.loads((Path(out) / "first_columns.json").read_text())
        hidden = json.loads((Path(out) / "hidden.json").read_text())
        for index, name in enumerate(names):
            with pa.memory_map(str(Path(out) / f"{index}.arrow")) as source:
                table = pa.ipc.open_file(source).read_all()
            uncomputed, merges, errors, hidden_rows = scans.get(name, NO_SCAN)
            first = first_columns[index]
            merges = [(r1, c1 - first, r2, c2 - first) for r1, c1, r2, c2 in merges]
            uncomputed = [(r, c - first) for r, c in uncomputed]
            errors = [(r, c - first) for r, c in errors]
            numbers = partial(_number_rows, path, name, first) if head.startswith(_ZIP) else None
            if zero_styles:
                table = pad_zero_formatted(table, path, name, first, zero_styles)
            yield RawSheet(name, table, epoch, uncomputed=uncomputed, errors=errors,
                           merges=merges, first_column=first, number_rows=numbers,
                           hidden=hidden[index], hidden_rows=hidden_rows)


# Zips that are no workbook, by a part each has: said for what they are, not
# as a damaged workbook to be saved again in Excel.
_OTHER_DOCUMENTS = {"word/document.xml": "word_file", "ppt/presentation.xml": "powerpoint_file"}
_WORKBOOK_PARTS = ("xl/workbook.xml", "xl/workbook.bin", "content.xml")


def _refuse_other_zip(path: Path) -> None:
    """Raise when the zip `path` is a Word or PowerPoint file, or an archive of
    other files (its first few named), rather than a workbook."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if not n.endswith("/")]
    except (zipfile.BadZipFile, OSError):
        return   # the reader says what is wrong with it
    if any(n in names for n in _WORKBOOK_PARTS):
        return
    kind = next((code for part, code in _OTHER_DOCUMENTS.items() if part in names), None)
    if kind:
        raise PipelineError(kind, suffix=path.suffix.lower() or "—")
    if names and "[Content_Types].xml" not in names:
        shown = [Path(n).name for n in names[:3]] + (["…"] if len(names) > 3 else [])
        raise PipelineError("zip_archive", suffix=path.suffix.lower() or "—",
                            files=shown, n=len(names))


def _number_rows(path: Path, sheet: str, first: int, column: int, rows: set[int]) -> set[int]:
    return number_rows(path, sheet, first + column, rows)


# A number format of zeros only ("0000000"): Excel shows the number
# zero-padded to that width (0101001), as IDs a roster keeps as numbers.
_ZEROS = re.compile(r"0{2,}")
_NUM_FMT = re.compile(rb"<" + _P + rb"numFmt\b([^>]*)>")
_CELL_XFS = re.compile(rb"<" + _P + rb"cellXfs\b[^>]*>(.*?)</" + _P + rb"cellXfs>", re.S)
_XF = re.compile(rb"<" + _P + rb"xf\b([^>]*)>")
_STYLES_REL = re.compile(rb"<" + _P + rb"Relationship\b([^>]*/styles\"[^>]*)>")


def zero_padded_styles(path: Path) -> dict[int, int]:
    """Cell style index (a cell's s attribute) -> width, for the styles of an
    .xlsx whose number format is zeros only; empty when there are none (the
    usual case: the sheets are then not scanned again)."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            part = "xl/styles.xml"
            if "xl/_rels/workbook.xml.rels" in names:
                m = _STYLES_REL.search(zf.read("xl/_rels/workbook.xml.rels"))
                target = _attrs(m.group(1)).get("Target") if m else None
                if target:
                    target = target[1:] if target.startswith("/") else "xl/" + target
                    part = posixpath.normpath(target)
            if part not in names:
                return {}
            styles = zf.read(part)
    except (zipfile.BadZipFile, KeyError, OSError):
        return {}
    widths = {}
    for m in _NUM_FMT.finditer(styles):
        a = _attrs(m.group(1))
        code = a.get("formatCode", "").split(";")[0]
        if a.get("numFmtId", "").isdigit() and _ZEROS.fullmatch(code):
            widths[int(a["numFmtId"])] = len(code)
    xfs = _CELL_XFS.search(styles)
    if not widths or not xfs:
        return {}
    out = {}
    for index, m in enumerate(_XF.finditer(xfs.group(1))):
        fmt = _attrs(m.group(1)).get("numFmtId", "")
        if fmt.isdigit() and int(fmt) in widths:
            out[index] = widths[int(fmt)]
    return out


_CELL_REF = re.compile(rb'\br="([A-Z]{1,3})([0-9]{1,7})"')
_CELL_STYLE = re.compile(rb'\bs="([0-9]+)"')
_CELL_TYPE = re.compile(rb'\bt="([^"]*)"')


def pad_zero_formatted(table: pa.Table, path: Path, sheet: str, first: int,
                       styles: dict[int, int]) -> pa.Table:
    """The table with each whole number that the sheet stores in a cell of a
    zero-padding format ("0000000", see `zero_padded_styles`) as Excel shows
    it: 101001 -> "0101001". A roster's IDs kept as numbers so formatted keep
    their leading zeros. Text cells, fractions and negative numbers are left
    as read; a cell without a reference is not found."""
    ids = b"|".join(str(s).encode() for s in styles)
    if 0 in styles:  # the default style: a cell without an s attribute has it
        cell = re.compile(rb"<" + _P + rb"c\b([^>]*)>")
    else:
        cell = re.compile(rb"<" + _P + rb'c\b(?=[^>]*\bs="(?:' + ids + rb')")([^>]*)>')
    n, width = table.num_rows, table.num_columns - 1
    found: dict[tuple[int, int], list[int]] = {}  # (column, pad width) -> table rows
    try:
        for data in sheet_chunks(path, sheet):
            for m in cell.finditer(data):
                attrs = m.group(1)
                kind = _CELL_TYPE.search(attrs)
                if kind is not None and kind.group(1) != b"n":
                    continue
                style = _CELL_STYLE.search(attrs)
                pad = styles.get(int(style.group(1)) if style else 0)
                ref = _CELL_REF.search(attrs)
                if pad is None or ref is None:
                    continue
                row = int(ref.group(2)) - 1
                column = column_index(ref.group(1).decode()) - first
                if 0 <= row < n and 0 <= column < width:
                    found.setdefault((column, pad), []).append(row)
    except (zipfile.BadZipFile, KeyError, OSError):
        return table
    for column in sorted({c for c, _ in found}):
        name = f"c{column}"
        cells = table.column(name).combine_chunks().cast(pa.string())
        index = np.arange(n, dtype=np.int64)
        parts, at = [cells], n
        for (c, pad), rows in found.items():
            if c != column:
                continue
            rows = np.asarray(rows, dtype=np.int64)
            values = cells.take(_int64(rows))
            whole = pc.replace_substring_regex(values, r"^([0-9]+)(?:\.0+)?$", r"\1")
            digits = pc.match_substring_regex(whole, r"^[0-9]+$")
            parts.append(pc.if_else(digits, pc.utf8_lpad(whole, pad, "0"), values))
            index[rows] = at + np.arange(len(rows), dtype=np.int64)
            at += len(rows)
        padded = pa.concat_arrays(parts).take(_int64(index))
        table = table.set_column(table.schema.get_field_index(name), name, padded)
    return table


def _int64(values: np.ndarray) -> pa.Array:
    """An int64 ndarray as Arrow without a copy (pa.array(ndarray) imports pandas)."""
    values = np.ascontiguousarray(values, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(values), [None, pa.py_buffer(values)])


def fill_merged(sheet: RawSheet, header_row: int) -> RawSheet:
    """The sheet with each merged range below the header (Excel row
    `header_row`) holding its value in every cell, as Excel shows it: 分公司
    merged over a group of households, 责任单位 over a group of tickets. Ranges
    in or above the header are left alone (header.py joins a merged header).
    Per column one take over the cells plus the ranges' values; no loop over
    rows."""
    table, n = sheet.table, sheet.table.num_rows
    width = sheet.n_columns
    ranges = [(r1, max(c1, 0), min(r2, n), min(c2, width - 1))
              for r1, c1, r2, c2 in sheet.merges
              if header_row < r1 <= n and c1 < width and c2 >= 0 and (r2 > r1 or c2 > c1)]
    if not ranges:
        return sheet
    # The value of each range: its first cell (Excel row r1 is table row r1 - 1),
    # taken per column; spread[at[k]] is range k's.
    first = np.array([(r1 - 1, c1) for r1, c1, _, _ in ranges], dtype=np.int64)
    order = np.argsort(first[:, 1], kind="stable")
    at = np.empty(len(ranges), dtype=np.int64)
    at[order] = np.arange(len(ranges))
    parts = []
    for c in np.unique(first[:, 1]):
        rows = first[order][first[order][:, 1] == c, 0]
        parts.append(table.column(f"c{c}").take(_int64(rows)).combine_chunks()
                     .cast(pa.string()))
    spread = pa.concat_arrays(parts)
    index: dict[int, np.ndarray] = {}
    for k, (r1, c1, r2, c2) in enumerate(ranges):
        for c in range(c1, c2 + 1):
            if c not in index:
                index[c] = np.arange(n, dtype=np.int64)
            index[c][r1 - 1:r2] = n + at[k]
    for c, rows in index.items():
        name = f"c{c}"
        cells = pa.concat_arrays([table.column(name).combine_chunks().cast(pa.string()), spread])
        table = table.set_column(table.schema.get_field_index(name), name,
                                 cells.take(_int64(rows)))
    return replace(sheet, table=table)


_DATE1904 = re.compile(rb'date1904\s*=\s*"(?:1|true)"')


def _zip_epoch(path: Path) -> str:
    """The date system of an .xlsx: a workbookPr attribute in xl/workbook.xml."""
    with zipfile.ZipFile(path) as zf:
        if "xl/workbook.xml" not in zf.namelist():
            return EPOCH_1900
        with zf.open("xl/workbook.xml") as fh:
            head = fh.read(8192)
    return EPOCH_1904 if _DATE1904.search(head) else EPOCH_1900


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (a superset of
    GBK). A file that is neither throughout (rows appended by another system)
    is decoded line by line, each line in whichever of the two it is. A
    UTF-8 BOM over GBK text (a tool that writes one whatever it encodes) is
    read as GBK: decoded as UTF-8 its headers were replacement characters
    ("文件中的列:����、…"), the file refused as of no known kind."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[3:]
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if not _UTF8_CJK.search(data):
        return data.decode("gb18030", errors="replace")
    return "\n".join(_decode_line(line) for line in data.split(b"\n"))


# Three-byte UTF-8 sequences of CJK text; GBK text almost never forms them.
_UTF8_CJK = re.compile(rb"[\xe4-\xe9][\x80-\xbf][\x80-\xbf][\xe4-\xe9][\x80-\xbf][\x80-\xbf]")


def _decode_line(line: bytes) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return line.decode("gb18030", errors="replace")


_BLANK_LINE = re.compile(r"^[ \t]*\r?$", re.MULTILINE)


_DELIMITERS = (",", "\t", ";", "|")  # in this order when equally likely


def _fields_apart(line: str, delim: str) -> int:
    """How many times `delim` separates fields in a line (outside quotes)."""
    if '"' not in line:
        return line.count(delim)
    n, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == delim and not quoted:
            n += 1
    return n


def _delimiter(sample: str) -> str:
    """The separator splitting the early lines most consistently: the one
    giving the most lines the same number of fields (more than one), then the
    most fields. Counting all characters took a tab-separated file whose texts
    hold commas (室温低,暖气不热,…) for comma-separated."""
    lines = [ln for ln in sample.splitlines()[:50] if ln.strip()]
    best, best_score = ",", (0, 0)
    for d in _DELIMITERS:
        counts: dict[int, int] = {}
        for ln in lines:
            k = _fields_apart(ln, d)
            if k:
                counts[k] = counts.get(k, 0) + 1
        if not counts:
            continue
        k, agree = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
        if (agree, k) > best_score:
            best, best_score = d, (agree, k)
    return best


def _keep_blank_lines(text: str, delim: str) -> str:
    """Each blank line outside quotes made a lone delimiter. A blank line
    inside a quoted text (a description typed with an empty line) is part of
    that text: padded, it read "第一行\n,\n第三行"."""
    if '"' not in text:
        return _BLANK_LINE.sub(delim, text)
    lines = text.split("\n")
    quoted = False   # whether the line starts inside a quoted field
    for i, line in enumerate(lines):
        if not quoted and _BLANK_LINE.fullmatch(line):
            lines[i] = delim
        if line.count('"') % 2:
            quoted = not quoted
    return "\n".join(lines)


def read_csv(path: Path) -> RawSheet:
    # A stray NUL (file_format lets a few through) ends a text in C readers;
    # a DOS end-of-file mark (Ctrl-Z) after the last line read as a row.
    text = decode_text(Path(path).read_bytes()).replace("\x00", "").rstrip("\x1a")
    if not text.strip():
        raise PipelineError("empty_file")
    delim = _delimiter(text[:65536])
    # DuckDB skips empty lines; a lone delimiter keeps them, so row numbers stay
    # the rows the user sees when the file opens in Excel (a text quoted over
    # several lines is one row there, as here).
    text = _keep_blank_lines(text, delim)
    # One column more than the widest early line: a later, wider line (a stray
    # separator) then shows in its field count instead of being cut silently.
    width = max(ln.count(delim) for ln in text[:262144].splitlines()[:2000]) + 2
    with tempfile.NamedTemporaryFile("w", suffix=".csv", encoding="utf-8", delete=True) as tmp:
        tmp.write(text)
        tmp.flush()
        columns = {f"c{i}": "VARCHAR" for i in range(width)}
        # Fields a line lacks read as NULL (null_padding), empty ones as '' (the
        # null string is one no file holds): their count is the line's field
        # count. Empty fields then become NULL, as cells read everywhere else.
        cells = ", ".join(f"NULLIF(c{i}, '') AS c{i}" for i in range(width))
        present = ", ".join(f"c{i}" for i in range(width))
        # DuckDB's parallel reader with null_padding cannot follow a quoted
        # field over a line break (a description typed with Enter): every row
        # after it failed as a damaged file. A file with quotes is read serially.
        parallel = '"' not in text
        # DuckDB refuses a line over 2 MB (a long text pasted into one cell)
        # unless told the longest there is: found by one scan for lines of
        # 512K characters or more (up to 4 bytes each), none in most files.
        longest = 4 * max((len(m.group()) for m in _LONG_LINE.finditer(text)), default=0)
        con = duckdb.connect()
        try:
            table = con.sql(
                f"SELECT {cells}, len(list_filter([{present}], lambda x: x IS NOT NULL))"
                " AS n FROM read_csv(?, header=false, all_varchar=true, null_padding=true,"
                " delim=?, quote='\"', escape='\"', auto_detect=false, strict_mode=false,"
                " nullstr=?, columns=?, parallel=?, max_line_size=?)",
                params=[tmp.name, delim, _NO_NULL, columns, parallel,
                        max(2_097_152, longest + 1024)]).to_arrow_table()
        except duckdb.Error as exc:
            raise PipelineError("corrupt_file", detail=_short(exc)) from exc
        finally:
            con.close()
    # read_csv keeps the file's order (preserve_insertion_order is on by default).
    counts = table.column("n").combine_chunks()
    table = table.drop_columns(["n"])
    spare = f"c{width - 1}"
    if table.column(spare).null_count == table.num_rows:
        table = table.drop_columns([spare])  # no line reached it: not a column of the file
    rows = row_numbers(table.num_rows)
    return RawSheet(Path(path).stem, table.append_column(ROW, rows), field_counts=counts,
                    delimiter=delim)


_NO_NULL = "\u2400heatkpi-no-null\u2400"
_LONG_LINE = re.compile(r"[^\n]{524288,}")


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
