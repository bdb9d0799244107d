"""Small files made in the tests, for the ones no export ever looks like."""
from __future__ import annotations

import struct
import zlib
from pathlib import Path


def tiny_png() -> bytes:
    """A valid 1 x 1 PNG image: binary content under a spreadsheet's name."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def ods(path, rows: list[list], merges: tuple[str, ...] = (), sheet: str = "Sheet1",
        leading_blank_rows: int = 0):
    """A minimal OpenDocument spreadsheet, as LibreOffice writes one: each cell
    text or a float, merged ranges ("B3:B6") as a spanning cell over covered
    cells, `leading_blank_rows` empty rows first (one repeated row element).
    Ranges name rows as the sheet numbers them, the blank rows counted."""
    import zipfile
    from xml.sax.saxutils import escape

    from pipelines.formulas import column_index

    def parse(ref):
        letters = "".join(ch for ch in ref if ch.isalpha())
        return int(ref[len(letters):]), column_index(letters)

    spans, covered = {}, set()
    for rng in merges:
        (r1, c1), (r2, c2) = (parse(x) for x in rng.split(":"))
        spans[(r1, c1)] = (r2 - r1 + 1, c2 - c1 + 1)
        covered |= {(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)} - {(r1, c1)}
    width = max(len(r) for r in rows)
    out = []
    if leading_blank_rows:
        out.append(f'<table:table-row table:number-rows-repeated="{leading_blank_rows}">'
                   f'<table:table-cell table:number-columns-repeated="{width}"/>'
                   '</table:table-row>')
    for i, row in enumerate(rows, start=leading_blank_rows + 1):
        cells = []
        for c in range(width):
            v = row[c] if c < len(row) else None
            if (i, c) in covered:
                cells.append("<table:covered-table-cell/>")
                continue
            span = ""
            if (i, c) in spans:
                rs, cs = spans[(i, c)]
                span = (f' table:number-rows-spanned="{rs}"'
                        f' table:number-columns-spanned="{cs}"')
            if v is None:
                cells.append(f"<table:table-cell{span}/>")
            elif isinstance(v, (int, float)):
                cells.append(f'<table:table-cell office:value-type="float" office:value="{v}"'
                             f'{span}><text:p>{v}</text:p></table:table-cell>')
            else:
                cells.append(f'<table:table-cell office:value-type="string"{span}>'
                             f'<text:p>{escape(str(v))}</text:p></table:table-cell>')
        out.append("<table:table-row>" + "".join(cells) + "</table:table-row>")
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} '
               'office:version="1.2"><office:body><office:spreadsheet>'
               f'<table:table table:name="{escape(sheet)}">'
               f'<table:table-column table:number-columns-repeated="{width}"/>'
               + "".join(out) + "</table:table></office:spreadsheet></office:body>"
               "</office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
                'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" '
                'manifest:media-type="text/xml"/></manifest:manifest>')
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return path


def xlsx(path: Path, header: list, rows: list[list], title: str | None = None) -> Path:
    """A one-sheet workbook: an optional title row, the header, the rows."""
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    if title:
        ws.append([title])
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def bills_with_formulas(path: Path, cached=None) -> Path:
    """A bill export as xlsxwriter writes it: the amount due a formula whose
    stored result is 0 (or `cached`), a formula in a column not loaded, a 合计
    row whose SUM has no stored result, the workbook asking Excel to
    recalculate."""
    import xlsxwriter
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("收费台账")
    ws.write_row(0, 0, ["户号", "供暖季", "收费面积", "单价", "应收金额", "备注"])
    for r in range(1, 4):
        ws.write_row(r, 0, [f"0010{r}", "2025-2026", 80 + r, 23])
        if cached is None:
            ws.write_formula(r, 4, f"=C{r + 1}*D{r + 1}")
        else:
            ws.write_formula(r, 4, f"=C{r + 1}*D{r + 1}", None, cached)
        ws.write_formula(r, 5, f'=IF(E{r + 1}>0,"","免")')  # a column not loaded
    ws.write_row(4, 0, ["合计", None, "=SUM(C2:C4)"])             # a totals row
    wb.close()
    return path


def saved_in_excel(path: Path, saved: Path) -> Path:
    """`path` as Excel saves it: the results as stored, no flag asking to
    recalculate."""
    import zipfile
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(saved, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/workbook.xml":
                assert b' fullCalcOnLoad="1"' in data
                data = data.replace(b' fullCalcOnLoad="1"', b"")
            zout.writestr(info.filename, data)
    return saved
