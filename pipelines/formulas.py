"""Formula cells of an .xlsx that hold no computed value.

An .xlsx keeps, beside each formula, the value it last computed; readers
(calamine, hence fastexcel) give that value. Files written by programs
(xlsxwriter, openpyxl, many Java and .NET exports) often hold none: no value
at all, or a placeholder 0 with the workbook flagged to recalculate when Excel
opens it (fullCalcOnLoad). Read as they are, those cells are empty or 0.

`uncomputed_cells(path)` finds them per sheet by scanning the sheet XML with
regular expressions, in chunks (no XML parser on an untrusted file, no whole
sheet in memory). The archive has passed `safety.check_zip` before.

The same pass collects the sheet's merged ranges (`scan_sheets`): readers give
a merged range's value in its first cell only, the others read empty.
"""
from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path
from typing import NamedTuple
from xml.sax.saxutils import unescape

# Cells kept per sheet: enough to tell whether any lies in the loaded data.
MAX_CELLS = 10_000
_CHUNK = 1 << 22

_P = rb"(?:[\w.-]+:)?"  # an optional namespace prefix (<x:c> from .NET writers)
# A cell whose first child is a formula, and the value after it if any.
_CELL = re.compile(rb"<" + _P + rb"c\b([^>]*?)(?<!/)>\s*<" + _P + rb"f\b[^>]*?(?:/>|>[^<]*</"
                   + _P + rb"f>)\s*(?:<" + _P + rb"v>([^<]*)</" + _P + rb"v>|<" + _P
                   + rb"v\s*/>)?")
_REF = re.compile(rb'\br="([A-Z]{1,3})([0-9]{1,7})"')
_HAS_FORMULA = re.compile(rb"<" + _P + rb"f[\s>/]")
_FULL_CALC = re.compile(rb'fullCalcOnLoad\s*=\s*"(?:1|true)"')
_SHEET = re.compile(rb"<" + _P + rb"sheet\b([^>]*)>")
_RELATIONSHIP = re.compile(rb"<" + _P + rb"Relationship\b([^>]*)>")
_ATTR = re.compile(rb'([\w:.-]+)\s*=\s*"([^"]*)"')
# <mergeCell ref="B3:B6"/>, after the sheet data.
_MERGE = re.compile(rb"<" + _P + rb'mergeCell\b[^>]*?\bref="\$?([A-Z]{1,3})\$?([0-9]{1,7}):'
                    rb'\$?([A-Z]{1,3})\$?([0-9]{1,7})"')
# A row hidden in Excel (filtered out, or hidden by hand): <row r="7" hidden="1">.
_HIDDEN_ROW = re.compile(rb"<" + _P + rb'row\b([^>]*?\bhidden="(?:1|true)"[^>]*)>')
_ROW_NUMBER = re.compile(rb'\br="([0-9]{1,7})"')
# Merged ranges kept per sheet (a real export has a few per group of rows).
MAX_MERGES = 200_000

# A merged range: (first Excel row, first 0-based column, last row, last column).
Merge = tuple[int, int, int, int]


class Scan(NamedTuple):
    """What one pass over a sheet's XML finds (scan_sheets)."""
    uncomputed: list[tuple[int, int]]   # formula cells without a value
    merges: list[Merge]
    errors: list[tuple[int, int]]       # cells holding #N/A, #VALUE! …
    hidden: list[int]                   # Excel rows hidden (filtered out or by hand)


NO_SCAN = Scan([], [], [], [])


def column_index(letters: str) -> int:
    """Excel column letters -> 0-based index: A -> 0, AA -> 26."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def cell_ref(row: int, column: int) -> str:
    """(Excel row, 0-based column) -> "F2"."""
    letters, n = "", column + 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row}"


def _attrs(text: bytes) -> dict[str, str]:
    return {k.decode(): unescape(v.decode("utf-8", "replace"), {"&quot;": '"', "&apos;": "'"})
            for k, v in _ATTR.findall(text)}


def _sheet_parts(zf: zipfile.ZipFile, names: set[str]) -> dict[str, str]:
    """Sheet name -> its part ("xl/worksheets/sheet1.xml")."""
    if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
        return {}
    targets = {}
    for m in _RELATIONSHIP.finditer(zf.read("xl/_rels/workbook.xml.rels")):
        a = _attrs(m.group(1))
        if "Id" in a and "Target" in a:
            target = a["Target"]
            target = target[1:] if target.startswith("/") else posixpath.join("xl", target)
            targets[a["Id"]] = posixpath.normpath(target)
    parts = {}
    for m in _SHEET.finditer(zf.read("xl/workbook.xml")):
        a = _attrs(m.group(1))
        rid = next((v for k, v in a.items() if k.endswith(":id")), None)
        if "name" in a and targets.get(rid) in names:
            parts[a["name"]] = targets[rid]
    return parts


# A cell holding an Excel error value (#N/A, #VALUE!, #DIV/0!): t="e".
_ERROR_CELL = re.compile(rb"<" + _P + rb'c\b([^>]*\bt="e"[^>]*)>')


def _scan(fh, placeholders: bool) -> Scan:
    """(Excel row, 0-based column) of the formula cells in a sheet part that
    hold no value, or (when `placeholders`) an empty or 0 one; the sheet's
    merged ranges; the cells holding an error value (the reader gives
    them as empty: a #N/A outdoor temperature would read as none); and the
    rows hidden in Excel (readers give them as any other)."""
    found: list[tuple[int, int]] = []
    merges: list[Merge] = []
    errors: list[tuple[int, int]] = []
    hidden: list[int] = []
    for part in _row_parts(fh):
        if len(hidden) < MAX_CELLS and b'hidden="' in part:
            for m in _HIDDEN_ROW.finditer(part):
                number = _ROW_NUMBER.search(m.group(1))
                if number:
                    hidden.append(int(number.group(1)))
        if len(errors) < MAX_CELLS and b't="e"' in part:
            for m in _ERROR_CELL.finditer(part):
                ref = _REF.search(m.group(1))
                if ref:
                    errors.append((int(ref.group(2)), column_index(ref.group(1).decode())))
        # A byte search first: the regular expression (its optional namespace
        # prefix) costs about a second over a million rows without a formula.
        if len(found) < MAX_CELLS and (b"<f" in part or b":f" in part) \
                and _HAS_FORMULA.search(part):
            for m in _CELL.finditer(part):
                value = m.group(2)
                if value is None or (placeholders and value.strip() in (b"", b"0")):
                    ref = _REF.search(m.group(1))
                    if ref:
                        found.append((int(ref.group(2)), column_index(ref.group(1).decode())))
        if b"mergeCell" in part:
            for m in _MERGE.finditer(part):
                if len(merges) < MAX_MERGES:
                    c1, r1, c2, r2 = m.groups()
                    merges.append((int(r1), column_index(c1.decode()),
                                   int(r2), column_index(c2.decode())))
    return Scan(found[:MAX_CELLS], merges, errors[:MAX_CELLS], hidden[:MAX_CELLS])


def _row_parts(fh):
    """A sheet part's XML in pieces of about _CHUNK bytes, each cut after a
    row's end tag, so no cell spans two pieces. The merged ranges follow the
    last row: they are all in the final piece."""
    tail = b""
    while True:
        chunk = fh.read(_CHUNK)
        data = tail + chunk
        cut = len(data) if not chunk else data.rfind(b"row>") + 4
        if chunk and cut < 4:
            tail = data
            continue
        part, tail = data[:cut], data[cut:]
        yield part
        if not chunk:
            return


def uncomputed_cells(path: Path) -> dict[str, list[tuple[int, int]]]:
    """Sheet name -> formula cells without a computed value, as (Excel row,
    0-based column). A cell without any value counts always; one holding an
    empty or 0 value only when the workbook asks to be recalculated on opening
    (Excel itself, saving, stores real values and drops that flag, so a
    formula there that gives 0 is a true 0). Only .xlsx/.xlsm are looked at."""
    return {name: scan.uncomputed for name, scan in scan_sheets(path).items()
            if scan.uncomputed}


def scan_sheets(path: Path) -> dict[str, Scan]:
    """Sheet name -> its Scan: its uncomputed formula cells as in
    `uncomputed_cells`, its merged ranges, its error-value cells and its
    hidden rows, in one pass over each sheet's XML."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            parts = _sheet_parts(zf, names)
            if not parts:
                return {}
            with zf.open("xl/workbook.xml") as fh:
                placeholders = bool(_FULL_CALC.search(fh.read()))
            out = {}
            for name, part in parts.items():
                with zf.open(part) as fh:
                    scan = _scan(fh, placeholders)
                if any(scan):
                    out[name] = scan
            return out
    except (zipfile.BadZipFile, KeyError, OSError):
        return {}  # the reader will say what is wrong with the file


# A cell's type attribute: no t (or t="n") is a number; s, str, inlineStr text.
_TYPE = re.compile(rb'\bt="([^"]*)"')


def _column_letters(column: int) -> bytes:
    return cell_ref(1, column)[:-1].encode()


def number_rows(path: Path, sheet: str, column: int, rows: set[int] | None = None) -> set[int]:
    """Excel rows of the cells in one sheet column (0-based, A = 0) that the
    file stores as numbers, among `rows` when given. For an ID column: Excel
    drops the leading zeros of an ID it holds as a number (0012345 -> 12345),
    never those of text. Empty when unknown (no .xlsx/.xlsm, cells without a
    reference, a file gone): a caller then treats no cell as a number."""
    cell = re.compile(rb"<" + _P + rb'c\b([^>]*?\br="' + _column_letters(column)
                      + rb'([0-9]{1,7})"[^>]*)>')
    found: set[int] = set()
    try:
        for part_data in sheet_chunks(path, sheet):
            for m in cell.finditer(part_data):
                kind = _TYPE.search(m.group(1))
                if kind is None or kind.group(1) == b"n":
                    row = int(m.group(2))
                    if rows is None or row in rows:
                        found.add(row)
    except (zipfile.BadZipFile, KeyError, OSError):
        return set()
    return found


def sheet_chunks(path: Path, sheet: str):
    """The named sheet's XML in pieces cut after a row (`_row_parts`); none
    when the workbook has no such sheet. Raises what zipfile raises."""
    with zipfile.ZipFile(path) as zf:
        part = _sheet_parts(zf, set(zf.namelist())).get(sheet)
        if part is None:
            return
        with zf.open(part) as fh:
            yield from _row_parts(fh)
