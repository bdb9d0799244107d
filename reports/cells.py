"""Writing cells safely and readably with XlsxWriter.

Every value goes through `SheetWriter.put`: text is always a string cell (text
starting with = + - @ also gets Excel's quote prefix, as ui/xlsx.py does for
downloads, so it stays literal even after a user edits the cell), numbers are
numbers with a display format, and the widest value of each column decides its
width. Formats are made once per workbook from small property dicts.
"""
from __future__ import annotations

import datetime as dt
import math
import numbers

import pandas as pd
import xlsxwriter

from ui.xlsx import needs_escape

WORKBOOK_OPTIONS = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                    "strings_to_numbers": False, "default_date_format": "yyyy-mm-dd"}
A4 = 9
HEADER_FILL = "#F2E6E1"
GOOD = {"font_color": "#1E6B34", "bg_color": "#E2F0D9"}
BAD = {"font_color": "#9C0006", "bg_color": "#F8D7DA"}
MUTED = {"font_color": "#6B6B6B"}

STYLES = {
    "title": {"bold": True, "font_size": 16},
    "subtitle": {"font_color": "#555555", "font_size": 10},
    "section": {"bold": True, "font_size": 12, "bottom": 2, "bottom_color": "#B5472E"},
    "header": {"bold": True, "bg_color": HEADER_FILL, "border": 1, "text_wrap": True,
               "align": "center", "valign": "vcenter"},
    "cell": {"border": 1, "border_color": "#BFBFBF", "valign": "vcenter"},
    "wrap": {"border": 1, "border_color": "#BFBFBF", "valign": "top", "text_wrap": True},
    "paragraph": {"text_wrap": True, "valign": "top", "font_size": 12, "border": 1,
                  "border_color": "#B5472E", "bg_color": "#FBF7F5"},
    "note": {"text_wrap": True, "valign": "top", "font_color": "#555555"},
}

NUMBER_FORMATS = {
    "percent": "0.0%", "count": "#,##0", "hours": "0.0", "yuan": "#,##0.00",
    "per_10k_m2": "0.00", "amount": "#,##0.00", "decimal1": "0.0",
    "datetime": "yyyy-mm-dd hh:mm", "date": "yyyy-mm-dd",
}
# Changes carry their sign; a change of a percentage is written in points.
CHANGE_FORMATS = {
    "count": "+#,##0;-#,##0;0", "hours": "+0.0;-0.0;0.0", "yuan": "+#,##0.00;-#,##0.00;0.00",
    "per_10k_m2": "+0.00;-0.00;0.00",
}


# Digits a change is written with, per unit (a percentage's change in points).
CHANGE_DIGITS = {"percent": 1, "count": 0, "hours": 1, "yuan": 2, "per_10k_m2": 2}


def change_shown(unit: str, change) -> float | None:
    """A change as the report writes it, everywhere (cells, summary, printable):
    a percentage's in points, rounded to the digits shown, so what rounds to
    zero is 0 and reads "0.0" as on the page's cards, never "-0.0" (Excel
    would pick the negative section of the format for -0.0004)."""
    if missing(change):
        return None
    value = change * 100 if unit == "percent" else change
    return round(float(value), CHANGE_DIGITS.get(unit, 2)) + 0.0   # + 0.0: no -0.0


def change_format(unit: str, points_word: str) -> str:
    if unit == "percent":
        return f'+0.0"{points_word}";-0.0"{points_word}";0.0"{points_word}"'
    return CHANGE_FORMATS[unit]


def display_width(text: str) -> int:
    """Columns a text takes: CJK characters are about two wide."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def missing(x) -> bool:
    if x is None or x is pd.NaT or x is pd.NA:
        return True
    return isinstance(x, float) and math.isnan(x)


class Styles:
    """Formats of one workbook, made on first use from property dicts."""

    def __init__(self, wb: xlsxwriter.Workbook):
        self.wb = wb
        self._made: dict[tuple, object] = {}

    def get(self, *parts: str | dict | None, **extra):
        props: dict = {}
        for p in parts:
            if isinstance(p, str):
                props.update(STYLES[p])
            elif p:
                props.update(p)
        props.update(extra)
        key = tuple(sorted(props.items()))
        if key not in self._made:
            self._made[key] = self.wb.add_format(props)
        return self._made[key]


class SheetWriter:
    """A worksheet written cell by cell through `put`, remembering widths."""

    def __init__(self, styles: Styles, ws, max_width: int = 48):
        self.styles, self.ws, self.max_width = styles, ws, max_width
        self.widths: dict[int, int] = {}

    def put(self, r: int, c: int, value, *style: str | dict | None, fit: bool = True,
            **props) -> None:
        """Write one value with the given style parts; text never becomes a formula."""
        if isinstance(value, bool):
            value = int(value)
        if missing(value):
            self.ws.write_blank(r, c, None, self.styles.get(*style, **props))
        elif isinstance(value, str):
            quoted = {"quote_prefix": True} if needs_escape(value) else None
            self.ws.write_string(r, c, value, self.styles.get(*style, quoted, **props))
            if fit:
                self._fit(c, max((display_width(x) for x in value.splitlines()), default=0))
        elif isinstance(value, numbers.Number):
            self.ws.write_number(r, c, float(value), self.styles.get(*style, **props))
            if fit:
                self._fit(c, len(f"{float(value):,.2f}"))
        elif isinstance(value, dt.datetime):  # pd.Timestamp is one too
            fmt = {"num_format": NUMBER_FORMATS["datetime"]}
            self.ws.write_datetime(r, c, value.replace(tzinfo=None),
                                   self.styles.get(*style, fmt, **props))
            if fit:
                self._fit(c, 16)
        elif isinstance(value, dt.date):
            fmt = {"num_format": NUMBER_FORMATS["date"]}
            self.ws.write_datetime(r, c, dt.datetime(value.year, value.month, value.day),
                                   self.styles.get(*style, fmt, **props))
            if fit:
                self._fit(c, 10)
        else:
            self.put(r, c, str(value), *style, fit=fit, **props)

    def _fit(self, c: int, width: int) -> None:
        self.widths[c] = max(self.widths.get(c, 0), width)

    def fit_columns(self, minimum: int = 6, fixed: dict[int, float] | None = None) -> None:
        """Each column as wide as its widest value (capped; long text wraps)."""
        fixed = fixed or {}
        for c in sorted(set(self.widths) | set(fixed)):
            width = fixed.get(c, min(max(self.widths.get(c, 0) + 2, minimum), self.max_width))
            self.ws.set_column(c, c, width)

    def page_setup(self, repeat_rows: tuple[int, int] | None, footer: str) -> None:
        """A4 landscape, one page wide, the table header on every page."""
        ws = self.ws
        ws.set_paper(A4)
        ws.set_landscape()
        ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
        ws.fit_to_pages(1, 0)
        ws.center_horizontally()
        if repeat_rows is not None:
            ws.repeat_rows(*repeat_rows)
        ws.set_footer(footer)
