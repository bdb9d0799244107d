"""Merged ranges of .xls and .ods sheets.

The reader (fastexcel/calamine) gives a merged range's value in its first
cell only and does not say where ranges are; for .xlsx/.xlsm they come from
the sheet XML (formulas.scan_sheets). Here, the same for the two other formats
users upload:

- .xls (BIFF8): the MERGEDCELLS records of each worksheet, read from the
  workbook stream of the OLE2 compound file. The compound file and the records
  are walked here with bounds checks (no library reads them without the
  cells); a file that does not parse gives no ranges, and the reader reports
  what is wrong with it.
- .ods: the cells of content.xml with table:number-rows-spanned or
  table:number-columns-spanned, found by regular expressions (no XML parser on
  an untrusted file). Only rows holding such a cell are walked cell by cell.

Ranges are (first Excel row, first 0-based column, last row, last column), as
formulas.Merge. Sheets without ranges are left out.
"""
from __future__ import annotations

import re
import struct
import zipfile
from pathlib import Path
from xml.sax.saxutils import unescape

from .formulas import MAX_MERGES, Merge

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_END = 0xFFFFFFFE
_SPECIAL = 0xFFFFFFFA  # sector numbers at or above it are markers, not sectors


class _Bad(Exception):
    """The compound file or the workbook stream does not parse."""


def _chain(fat: list[int], start: int, limit: int) -> list[int]:
    """The sectors of a chain, refusing loops and numbers beyond the file."""
    out, seen, s = [], set(), start
    while s < _SPECIAL:
        if s in seen or s >= limit or s >= len(fat):
            raise _Bad("chain")
        seen.add(s)
        out.append(s)
        s = fat[s]
    return out


def _workbook_stream(data: bytes) -> bytes:
    """The Workbook stream of an OLE2 compound file (BIFF8)."""
    if len(data) < 512 or not data.startswith(_OLE):
        raise _Bad("header")
    shift, mini_shift = struct.unpack_from("<HH", data, 0x1E)
    if shift not in (9, 12) or mini_shift != 6:
        raise _Bad("sector size")
    size, mini_size = 1 << shift, 1 << mini_shift
    n_fat, first_dir = struct.unpack_from("<II", data, 0x2C)
    cutoff, first_minifat, n_minifat, first_difat, n_difat = struct.unpack_from(
        "<IIIII", data, 0x38)
    # The header takes the first sector's place (512 bytes, padded to 4096 in v4).
    sectors = max(0, (len(data) - 1) // size)

    def sector(n: int) -> bytes:
        if n >= sectors:
            raise _Bad("sector")
        return data[(n + 1) * size:(n + 2) * size].ljust(size, b"\0")

    per = size // 4
    difat = list(struct.unpack_from("<109I", data, 0x4C))
    s, seen = first_difat, set()
    while s < _SPECIAL and len(seen) <= n_difat:
        if s in seen:
            raise _Bad("difat loop")
        seen.add(s)
        entries = struct.unpack(f"<{per}I", sector(s))
        difat += entries[:-1]
        s = entries[-1]
    fat: list[int] = []
    for n in difat[:n_fat]:
        if n >= _SPECIAL:
            break
        fat += struct.unpack(f"<{per}I", sector(n))

    def stream(start: int, length: int) -> bytes:
        out = b"".join(sector(n) for n in _chain(fat, start, sectors))
        return out[:length]

    directory = stream(first_dir, sectors * size)
    entries = []
    for off in range(0, len(directory) - 127, 128):
        name_len, kind = struct.unpack_from("<HB", directory, off + 0x40)
        name = directory[off: off + max(0, min(name_len, 64) - 2)].decode("utf-16-le", "replace")
        start, length = struct.unpack_from("<II", directory, off + 0x74)
        entries.append((name, kind, start, length))
    if not entries:
        raise _Bad("directory")
    book = next((e for e in entries if e[1] == 2 and e[0].lower() == "workbook"), None)
    if book is None:
        raise _Bad("no BIFF8 workbook stream")  # BIFF5 ("Book") and older: not read
    _, _, start, length = book
    if length >= cutoff:
        return stream(start, length)
    # A small stream lives in the mini stream, chained by the mini FAT.
    root = entries[0]
    mini_stream = stream(root[2], root[3])
    minifat: list[int] = []
    for n in _chain(fat, first_minifat, sectors)[:n_minifat]:
        minifat += struct.unpack(f"<{per}I", sector(n))
    count = len(mini_stream) // mini_size
    return b"".join(mini_stream[n * mini_size:(n + 1) * mini_size]
                    for n in _chain(minifat, start, count))[:length]


_BOF, _EOF, _BOUNDSHEET, _MERGEDCELLS = 0x0809, 0x000A, 0x0085, 0x00E5


def _sheet_name(rec: bytes) -> str:
    """BOUNDSHEET8's name: a ShortXLUnicodeString after 6 bytes."""
    cch, flags = rec[6], rec[7]
    raw = rec[8:8 + cch * (2 if flags & 1 else 1)]
    return raw.decode("utf-16-le", "replace") if flags & 1 else raw.decode("latin-1")


def _sheet_merges(book: bytes, offset: int) -> list[Merge]:
    """The MERGEDCELLS ranges of the worksheet substream at `offset`."""
    out: list[Merge] = []
    pos, n, depth = offset, len(book), 0
    while pos + 4 <= n:
        kind, length = struct.unpack_from("<HH", book, pos)
        body = pos + 4
        # A chart embedded in the sheet has its own BOF ... EOF inside it.
        if kind == _BOF:
            depth += 1
        elif kind == _EOF:
            depth -= 1
            if depth <= 0:
                break
        if kind == _MERGEDCELLS and length >= 2:
            (count,) = struct.unpack_from("<H", book, body)
            count = min(count, (length - 2) // 8)
            for i in range(count):
                r1, r2, c1, c2 = struct.unpack_from("<HHHH", book, body + 2 + 8 * i)
                if r1 <= r2 and c1 <= c2 and len(out) < MAX_MERGES:
                    out.append((r1 + 1, c1, r2 + 1, c2))
        pos = body + length
    return out


def xls_merges(path: Path) -> dict[str, list[Merge]]:
    """Sheet name -> merged ranges of an .xls (BIFF8); {} when it does not parse."""
    try:
        book = _workbook_stream(Path(path).read_bytes())
        sheets: list[tuple[str, int]] = []
        pos, n = 0, len(book)
        # The workbook globals: sheet names and where each sheet's records start.
        while pos + 4 <= n:
            kind, length = struct.unpack_from("<HH", book, pos)
            if kind == _BOUNDSHEET and length >= 8:
                rec = book[pos + 4: pos + 4 + length]
                if rec[5] == 0:  # a worksheet, not a chart or macro sheet
                    sheets.append((_sheet_name(rec), struct.unpack_from("<I", rec)[0]))
            if kind == _EOF:
                break
            pos += 4 + length
        out = {}
        for name, offset in sheets:
            if offset < n and struct.unpack_from("<H", book, offset)[0] == _BOF:
                merges = _sheet_merges(book, offset)
                if merges:
                    out[name] = merges
        return out
    except (_Bad, struct.error, IndexError, OSError, MemoryError):
        return {}


_DATEMODE = 0x0022


def xls_dates_1904(path: Path) -> bool:
    """Whether an .xls (BIFF8) was saved with the 1904 date system (Mac Excel):
    the DATEMODE record of its workbook globals. False when it does not parse."""
    try:
        book = _workbook_stream(Path(path).read_bytes())
        pos, n = 0, len(book)
        while pos + 4 <= n:
            kind, length = struct.unpack_from("<HH", book, pos)
            if kind == _DATEMODE and length >= 2:
                return struct.unpack_from("<H", book, pos + 4)[0] == 1
            if kind == _EOF:
                break
            pos += 4 + length
    except (_Bad, struct.error, IndexError, OSError, MemoryError):
        pass
    return False


# --- .ods ------------------------------------------------------------------------

# Patterns start with literal text (no \b first), so they are searched fast.
_ROW = re.compile(rb"<table:table-row((?:\s[^>]*?)?)(/?)>")
_ROW_END = b"</table:table-row>"
_TABLE_TAGS = (b"<table:table>", b"<table:table ", b"<table:table\n")
_TABLE_END = b"</table:table>"
_CELL = re.compile(rb"<table:(?:covered-)?table-cell((?:\s[^>]*?)?)(/?)>")
_NAME = re.compile(rb'table:name="([^"]*)"')
_REPEAT_ROWS = re.compile(rb'table:number-rows-repeated="([0-9]+)"')
_REPEAT_COLS = re.compile(rb'table:number-columns-repeated="([0-9]+)"')
_SPAN_ROWS = re.compile(rb'table:number-rows-spanned="([0-9]+)"')
_SPAN_COLS = re.compile(rb'table:number-columns-spanned="([0-9]+)"')
_ANY_SPAN = re.compile(rb'number-(?:rows|columns)-spanned="(?:[2-9]|[1-9][0-9]+)"')
# A repeat count that is only the sheet's endless empty tail (1,048,576 rows).
_ROW_LIMIT = 1 << 20


def _int(pattern: re.Pattern, attrs: bytes, default: int = 1) -> int:
    m = pattern.search(attrs)
    return int(m.group(1)) if m else default


def ods_merges(path: Path) -> dict[str, list[Merge]]:
    """Sheet name -> merged ranges of an .ods; {} when it has none or does not parse."""
    try:
        with zipfile.ZipFile(path) as zf:
            if "content.xml" not in zf.namelist():
                return {}
            content = zf.read("content.xml")
    except (zipfile.BadZipFile, KeyError, OSError):
        return {}
    if not _ANY_SPAN.search(content):
        return {}
    out: dict[str, list[Merge]] = {}
    for name, start, end in _tables(content):
        merges = _table_merges(content, start, end)
        if merges:
            out[name] = merges
    return out


def _first(content: bytes, tags: tuple[bytes, ...], start: int) -> int:
    """The first position of any of the tags in content[start:], or -1."""
    found = [f for f in (content.find(t, start) for t in tags) if f >= 0]
    return min(found) if found else -1


def _tables(content: bytes):
    """(name, start, end) of each table:table, its body content[start:end]."""
    pos = 0
    while (at := _first(content, _TABLE_TAGS, pos)) >= 0:
        tag_end = content.find(b">", at)
        close = content.find(_TABLE_END, tag_end)
        if tag_end < 0 or close < 0:
            return
        m = _NAME.search(content, at, tag_end)
        name = m.group(1) if m else b""
        yield (unescape(name.decode("utf-8", "replace"), {"&quot;": '"', "&apos;": "'"}),
               tag_end + 1, close)
        pos = close + len(_TABLE_END)


def _rows_between(content: bytes, start: int, end: int, not_rows: tuple[bytes, ...]) -> int:
    """Sheet rows whose row tag starts in content[start:end], repeats counted.
    `not_rows`: the tags sharing a row's prefix that the file holds."""
    n = content.count(b"<table:table-row", start, end)
    n -= sum(content.count(tag, start, end) for tag in not_rows)
    return n + sum(int(m.group(1)) - 1 for m in _REPEAT_ROWS.finditer(content, start, end))


def _row_start(content: bytes, start: int, pos: int) -> int:
    """Where the row tag before `pos` starts (not a row group's), or -1."""
    while (at := content.rfind(b"<table:table-row", start, pos)) >= 0:
        if content[at + 16:at + 17] in (b">", b" ", b"/", b"\n", b"\t", b"\r"):
            return at
        pos = at
    return -1


def _table_merges(content: bytes, start: int, end: int) -> list[Merge]:
    """The ranges of the table in content[start:end]. Rows are counted by
    counting row tags up to each row holding a span (no walk over the other
    rows); only those rows are walked cell by cell, for the column."""
    merges: list[Merge] = []
    cursor, rows_before, done = start, 0, -1
    # <table:table-row-group>, <table:table-rows>: no rows themselves.
    not_rows = tuple(tag for tag in (b"<table:table-row-", b"<table:table-rows")
                     if content.find(tag, start, end) >= 0)
    for m in _ANY_SPAN.finditer(content, start, end):
        row_start = _row_start(content, start, m.start())
        if row_start < 0 or row_start == done:
            continue  # outside a row, or a row already walked
        rows_before += _rows_between(content, cursor, row_start, not_rows)
        cursor, done = row_start, row_start
        if rows_before >= _ROW_LIMIT:
            break
        row_tag = _ROW.match(content, row_start)
        row_end = content.find(_ROW_END, row_start, end)
        if row_tag is None or row_end < 0:
            break
        col = 0
        for c in _CELL.finditer(content, row_tag.end(), row_end):
            attrs = c.group(1)
            rows_spanned, cols_spanned = _int(_SPAN_ROWS, attrs), _int(_SPAN_COLS, attrs)
            if (rows_spanned > 1 or cols_spanned > 1) and len(merges) < MAX_MERGES:
                merges.append((rows_before + 1, col, rows_before + rows_spanned,
                               col + cols_spanned - 1))
            col += _int(_REPEAT_COLS, attrs)
    return merges
