"""Excel downloads. Text that starts like a formula (= + - @) is written as a
string cell with Excel's quote prefix, so no cell ever becomes a formula, in
Excel or in WPS, even after a user edits it; the text itself is kept exactly,
so a downloaded file can be fixed and uploaded again."""
from __future__ import annotations

import datetime as dt
import io
import numbers

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import xlsxwriter

from i18n import t
from pipelines.load import Plan, Reject
from pipelines.read import ROW

# Tab and carriage return too: spreadsheet apps strip them and then see "=".
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def needs_escape(text: str) -> bool:
    return text.startswith(FORMULA_START)


def workbook_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """One worksheet per frame; a bold, frozen header row."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False,
                                   "strings_to_urls": False, "strings_to_numbers": False})
    styles = {
        "header": wb.add_format({"bold": True, "bg_color": "#F2E6E1", "border": 1}),
        "header_quoted": wb.add_format({"bold": True, "bg_color": "#F2E6E1", "border": 1,
                                        "quote_prefix": True}),
        "quoted": wb.add_format({"quote_prefix": True}),
        "datetime": wb.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
        "date": wb.add_format({"num_format": "yyyy-mm-dd"}),
    }
    for name, df in sheets.items():
        ws = wb.add_worksheet(_sheet_name(name))
        for c, label in enumerate(df.columns):
            text = "" if label is None else str(label)
            ws.write_string(0, c, text,
                            styles["header_quoted" if needs_escape(text) else "header"])
            width = max([len(text)] + [len(str(v)) for v in df.iloc[:200, c]])
            ws.set_column(c, c, min(max(8, width * 1.2 + 2), 60))
        for r, row in enumerate(df.itertuples(index=False, name=None), start=1):
            for c, value in enumerate(row):
                _write(ws, r, c, value, styles)
        ws.freeze_panes(1, 0)
    wb.close()
    return buf.getvalue()


def _sheet_name(name: str) -> str:
    for ch in "[]:*?/\\":
        name = name.replace(ch, "_")
    return name[:31] or "Sheet1"


def _write(ws, r: int, c: int, value, styles: dict) -> None:
    if value is None or (not isinstance(value, str) and pd.api.types.is_scalar(value)
                         and pd.isna(value)):
        ws.write_blank(r, c, None)
    elif isinstance(value, str):
        ws.write_string(r, c, value, styles["quoted"] if needs_escape(value) else None)
    elif isinstance(value, bool):
        ws.write_boolean(r, c, value)
    elif isinstance(value, numbers.Number):
        ws.write_number(r, c, float(value))
    elif isinstance(value, dt.datetime):  # pd.Timestamp is one too
        ws.write_datetime(r, c, value.replace(tzinfo=None), styles["datetime"])
    elif isinstance(value, dt.date):
        ws.write_datetime(r, c, dt.datetime(value.year, value.month, value.day),
                          styles["date"])
    else:
        text = str(value)
        ws.write_string(r, c, text, styles["quoted"] if needs_escape(text) else None)


def rejected_rows(plan: Plan, rejects: list[Reject], lang: str) -> pd.DataFrame:
    """The rejected rows as they were in the file (every column, as text, so
    identifiers keep their leading zeros), with their Excel row number and the
    reasons appended: fix the cells, delete the two extra columns or not, and
    upload the file again."""
    reasons: dict[int, list[str]] = {}
    for r in rejects:
        reasons.setdefault(r.row, []).append(r.reason)
    table = plan.sheet.table
    part = table.filter(pc.is_in(table.column(ROW), value_set=pa.array(sorted(reasons),
                                                                        pa.int64())))
    labels = plan.header.labels
    columns = [label if label else f"({i + 1})" for i, label in enumerate(labels)]
    data = {f"c{i}": part.column(f"c{i}").to_pylist() for i in range(len(labels))}
    df = pd.DataFrame(data)
    df.columns = columns
    rows = part.column(ROW).to_pylist()
    df[t("ui.rejects.source_row", lang)] = rows
    df[t("ui.rejects.reasons", lang)] = ["; ".join(reasons[r]) for r in rows]
    return df
