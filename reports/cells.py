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
import re

import pandas as pd
import xlsxwriter

from metrics.display import display_width, shown_scale
from ui.xlsx import needs_escape

WORKBOOK_OPTIONS = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                    "strings_to_numbers": False, "default_date_format": "yyyy-mm-dd"}
A4 = 9
# Side margins of a printed sheet (inches), and the width left between them on
# an A4 page in landscape (297 mm), in the pixels column widths are drawn in:
# 96 to the inch, a digit of the default font (Calibri 11) 7 wide.
SIDE_MARGIN_IN = 0.4
TOP_MARGIN_IN, BOTTOM_MARGIN_IN, HEADER_MARGIN_IN = 0.5, 0.6, 0.3
PRINT_WIDTH_PX = int((297 / 25.4 - 2 * SIDE_MARGIN_IN) * 96)
A4_SHORT_SIDE_IN = 210 / 25.4   # a landscape page's height
# The smallest text a printed sheet may have (points).
LEGIBLE_PT = 9.5
# Printed smaller than this, the default 11 pt text (the smallest a sheet
# has, its footer too) is under LEGIBLE_PT.
MIN_PRINT_SCALE = 87
# A line of a page header is about 1.2 times its font's size; the cells start
# this far (inches) below the header's last line.
HEADER_LINE_SPACING = 1.2
HEADER_GAP_IN = 0.15
# Apps draw a column a little wider or narrower than these pixels (LibreOffice
# about 6% wider than Excel): what must fit a page's width fits with 10% spare.
PRINT_WIDTH_SPARE = 1.1
# The same for a page's height: LibreOffice fills a page with rows and charts
# a little differently from these pixels (a chart sized to the last pixel
# spilled onto the next page).
PRINT_HEIGHT_SPARE = 1.1
# Rows alone fill a page as their heights say (in points, kept exactly):
# a little to spare.
ROW_HEIGHT_SPARE = 1.02
DEFAULT_WIDTH = 8.43      # a column's width unless set
DEFAULT_ROW_PX = 20       # a row's height unless set (15 pt)
# Points a line of wrapped text takes (a CJK font's line is taller than 15).
LINE_HEIGHT = 16
HEADER_FILL = "#F2E6E1"
GOOD = {"font_color": "#1E6B34", "bg_color": "#E2F0D9"}
BAD = {"font_color": "#9C0006", "bg_color": "#F8D7DA"}
MUTED = {"font_color": "#6B6B6B"}

STYLES = {
    "title": {"bold": True, "font_size": 16},
    "subtitle": {"font_color": "#555555"},
    "section": {"bold": True, "font_size": 12, "bottom": 2, "bottom_color": "#B5472E"},
    "header": {"bold": True, "bg_color": HEADER_FILL, "border": 1, "text_wrap": True,
               "align": "center", "valign": "vcenter"},
    "cell": {"border": 1, "border_color": "#BFBFBF", "valign": "vcenter"},
    "wrap": {"border": 1, "border_color": "#BFBFBF", "valign": "top", "text_wrap": True},
    "paragraph": {"text_wrap": True, "valign": "top", "font_size": 12, "border": 1,
                  "border_color": "#B5472E", "bg_color": "#FBF7F5"},
    "note": {"text_wrap": True, "valign": "top", "font_color": "#555555"},
}

# Money reads with its sign, ¥, in either language (a quoted literal: the
# same in every app and locale); other amounts (areas) are plain numbers.
NUMBER_FORMATS = {
    "percent": "0.0%", "count": "#,##0", "hours": "0.0", "yuan": '"¥"#,##0.00',
    "per_10k_m2": "0.00", "amount": "#,##0.00", "decimal1": "0.0",
    "datetime": "yyyy-mm-dd hh:mm", "date": "yyyy-mm-dd",
}
# Changes carry their sign; a change of a percentage is written in points.
CHANGE_FORMATS = {
    "count": "+#,##0;-#,##0;0", "hours": "+0.0;-0.0;0.0",
    "yuan": '+"¥"#,##0.00;-"¥"#,##0.00;"¥"0.00', "per_10k_m2": "+0.00;-0.00;0.00",
}


def change_shown(unit: str, change) -> float | None:
    """A change as the report writes it, everywhere (cells, summary, printable):
    a percentage's in points, rounded to the digits shown, so what rounds to
    zero is 0 and reads "0.0" as on the page's cards, never "-0.0" (Excel
    would pick the negative section of the format for -0.0004)."""
    if missing(change):
        return None
    scale, digits = shown_scale(unit)
    return round(float(change) * scale, digits) + 0.0   # + 0.0: no -0.0


def change_format(unit: str, points_word: str) -> str:
    if unit == "percent":
        return f'+0.0"{points_word}";-0.0"{points_word}";0.0"{points_word}"'
    return CHANGE_FORMATS[unit]


def shown_width(value: float, num_format: str | None) -> float:
    """The width (in a column's characters: a digit is one) of `value` as a
    cell of `num_format` shows it (the formats above: thousands separators,
    decimals, a percent sign, a sign section, quoted text such as "¥" or
    " 小时"). A separator (, or .) is about half a digit wide."""
    value = float(value)
    if not num_format or num_format == "General":
        return len(f"{value:,.2f}")
    sections = num_format.split(";")
    section = sections[1] if value < 0 and len(sections) > 1 else sections[0]
    literal = "".join(re.findall(r'"([^"]*)"', section))
    code = re.sub(r'"[^"]*"', "", section)
    decimals = re.search(r"\.(0+)", code)
    digits = len(decimals.group(1)) if decimals else 0
    number = abs(value) * (100 if "%" in code else 1)
    text = f"{number:,.{digits}f}" if "," in code else f"{number:.{digits}f}"
    signs = re.sub(r"[#0,.%]", "", code)
    minus = "-" if value < 0 and len(sections) == 1 else ""
    shown = minus + signs + literal + text + ("%" if "%" in code else "")
    return display_width(shown) - (shown.count(",") + shown.count(".")) / 2


def legible_size(scale: int) -> int:
    """The smallest whole point size that prints at LEGIBLE_PT or more on a
    sheet printed at `scale` percent (text an app sizes itself, as a chart's,
    is 10 pt: under LEGIBLE_PT below 95%)."""
    return math.ceil(LEGIBLE_PT * 100 / scale)


# A wide (CJK) character, a run of other characters but spaces, or spaces.
_TOKENS = re.compile(r"[\u2e81-\U0010ffff]|[^\s\u2e81-\U0010ffff]+|\s+")


def longest_word(text: str) -> int:
    """The display width of the longest run of text a spreadsheet app will
    not break when it wraps (a word of Latin letters or digits, up to and with
    a hyphen, after which it may break; a CJK character stands alone)."""
    return max([0] + [display_width(part) for x in _TOKENS.findall(text) if not x.isspace()
                      for part in re.split(r"(?<=-)", x)])


def wrapped_lines(text: str, width: float) -> int:
    """Lines `text` takes in a column `width` characters wide, wrapped as
    spreadsheet apps do: a CJK character may start a line, a word of other
    characters moves to the next line whole unless it is longer than a line."""
    room = width - 1
    lines = 0
    for paragraph in text.splitlines() or [""]:
        lines += 1
        used = 0.0
        for token in _TOKENS.findall(paragraph):
            size = display_width(token)
            if token.isspace():
                used += size            # a space at the end of a line hangs over it
                continue
            if used and used + size > room:
                lines += 1
                used = 0.0
            while size > room:          # a word longer than a line is broken
                lines += 1
                size -= room
            used += size
    return lines


def column_pixels(width: float) -> int:
    """Pixels of a column `width` characters wide, as spreadsheet apps draw it
    (XlsxWriter's conversion: a digit is 7 wide, plus 5 of padding)."""
    return int(width * 12 + 0.5) if width < 1 else int(width * 7 + 0.5) + 5


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
        self.column_widths: dict[int, float] = {}   # as set by fit_columns
        self.heights: dict[int, float] = {}         # points, as set by set_row
        self.default_height = DEFAULT_ROW_PX * 72 / 96
        self.top_margin_in = TOP_MARGIN_IN

    def set_row(self, r: int, height: float) -> None:
        """Row `r` `height` points tall (remembered, for paging)."""
        self.ws.set_row(r, height)
        self.heights[r] = height

    def set_default_row(self, height: float) -> None:
        self.ws.set_default_row(height)
        self.default_height = height

    def height(self, r: int) -> float:
        return self.heights.get(r, self.default_height)

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
            cell_format = self.styles.get(*style, **props)
            self.ws.write_number(r, c, float(value), cell_format)
            if fit:
                self._fit(c, shown_width(value, cell_format.num_format or None))
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

    def _fit(self, c: int, width: float) -> None:
        self.widths[c] = max(self.widths.get(c, 0), width)

    def fit_words(self, c: int, text: str) -> None:
        """Column `c` at least as wide as the longest word of `text`: a header
        written without fitting its column wraps between its words, not
        inside one ("Denominat/or")."""
        self._fit(c, longest_word(text))

    def fit_columns(self, minimum: int = 6, fixed: dict[int, float] | None = None) -> None:
        """Each column as wide as its widest value (capped; long text wraps)."""
        fixed = fixed or {}
        for c in sorted(set(self.widths) | set(fixed)):
            width = fixed.get(c, min(max(self.widths.get(c, 0) + 2, minimum), self.max_width))
            self.ws.set_column(c, c, width)
            self.column_widths[c] = width

    def fit_row(self, r: int, texts) -> None:
        """Make row `r` tall enough for its wrapped texts, each (text, width
        in characters); a row of one line keeps its height. Spreadsheet apps do
        not grow a row for wrapped text on opening a file."""
        lines = max([1] + [wrapped_lines(text, width) for text, width in texts
                           if isinstance(text, str)])
        if lines > 1:
            self.set_row(r, LINE_HEIGHT * lines + 2)

    def page_setup(self, repeat_rows: tuple[int, int] | None, footer: str) -> None:
        """A4 landscape, one page wide, the table header on every page."""
        ws = self.ws
        ws.set_paper(A4)
        ws.set_landscape()
        ws.set_margins(left=SIDE_MARGIN_IN, right=SIDE_MARGIN_IN, top=TOP_MARGIN_IN,
                       bottom=BOTTOM_MARGIN_IN)
        ws.fit_to_pages(1, 0)
        ws.center_horizontally()
        if repeat_rows is not None:
            ws.repeat_rows(*repeat_rows)
        ws.set_footer(footer)

    def page_header(self, header: str, line_sizes: tuple[int, ...]) -> None:
        """`header` on top of every printed page, the top margin raised for
        its lines (`line_sizes`, in points, as at 100%: a smaller print scale
        shrinks them) so that it does not overlap the cells."""
        lines_in = sum(line_sizes) * HEADER_LINE_SPACING / 72
        self.top_margin_in = round(HEADER_MARGIN_IN + lines_in + HEADER_GAP_IN, 2)
        self.ws.set_header(header, {"margin": HEADER_MARGIN_IN})
        self.ws.set_margins(left=SIDE_MARGIN_IN, right=SIDE_MARGIN_IN,
                            top=self.top_margin_in, bottom=BOTTOM_MARGIN_IN)

    def page_room_px(self, scale: int, repeated_pt: float) -> int:
        """Pixels of rows a printed page holds at `scale` percent below its
        repeated rows (`repeated_pt` points tall), with PRINT_HEIGHT_SPARE."""
        page_in = A4_SHORT_SIDE_IN - self.top_margin_in - BOTTOM_MARGIN_IN
        return int((page_in * 96 * 100 / scale - repeated_pt * 96 / 72) / PRINT_HEIGHT_SPARE)

    def page_breaks(self, first: int, last: int, scale: int, repeated_pt: float = 0,
                    keep: list[tuple[int, int]] = ()) -> tuple[list[int], int]:
        """Rows of `first`-`last` to start a printed page at, so that each
        block of `keep` (first row, last row: a heading with its table's
        header and first rows, a short table) prints on one page: a block
        that would run over a page's foot starts the next page, unless it is
        taller than a page. Pages are filled as an app fills them, each row
        whole (ROW_HEIGHT_SPARE to spare: unlike a chart's, a row's height is
        kept exactly); the rows an app starts a page at anyway need no break
        of their own. Returns the breaks and the pages the rows take."""
        page_in = A4_SHORT_SIDE_IN - self.top_margin_in - BOTTOM_MARGIN_IN
        room = (page_in * 72 * 100 / scale - repeated_pt) / ROW_HEIGHT_SPARE
        blocks = {start: end for start, end in keep}
        breaks, used, pages = [], 0.0, 1
        for r in range(first, last + 1):
            if r in blocks and used:
                block = sum(self.height(x) for x in range(r, min(blocks[r], last) + 1))
                if used + block > room and block <= room:
                    breaks.append(r)
                    used, pages = 0.0, pages + 1
            h = self.height(r)
            if used and used + h > room:
                used, pages = 0.0, pages + 1        # the app's own page break
            used += h
        return breaks, pages

    def fewest_pages(self, first: int, last: int, scale: int, repeated_pt: float = 0,
                     keep: list[tuple[int, int]] = ()) -> int:
        """Print rows `first`-`last` (`keep` as page_breaks) at the largest
        scale, from `scale` down to MIN_PRINT_SCALE, that takes the fewest
        pages, with its page breaks. Returns the scale."""
        best = None
        for s in range(scale, min(scale, MIN_PRINT_SCALE) - 1, -1):
            breaks, pages = self.page_breaks(first, last, s, repeated_pt, keep)
            if best is None or pages < best[2]:
                best = (s, breaks, pages)
        self.ws.set_print_scale(best[0])
        self.ws.set_h_pagebreaks(best[1])
        return best[0]

    def print_in_parts(self, last_col: int, breaks: list[int],
                       repeat_cols: tuple[int, int] | None = None) -> int:
        """Print columns 0-`last_col` at a legible size rather than shrunk to
        one page wide: in parts, a new page at each column of `breaks` (none:
        one part), pages in the order over, then down, so a row's parts print
        one after the other, each part's page holding the same rows, and the
        columns `repeat_cols` (first, last) on every part's page. The scale is
        the largest (up to 100%) at which the widest part fits a page with
        PRINT_WIDTH_SPARE to spare, never under MIN_PRINT_SCALE (a part still
        too wide then goes on to a further page: nothing is cut off). Returns
        the scale."""
        widest = max(self.part_pixels(last_col, breaks, repeat_cols))
        fits = int(PRINT_WIDTH_PX * 100 / (widest * PRINT_WIDTH_SPARE))
        scale = max(MIN_PRINT_SCALE, min(100, fits))
        self.ws.set_print_scale(scale)          # no more "fit to one page wide"
        if breaks:
            self.ws.set_v_pagebreaks(list(breaks))
            self.ws.print_across()
        if repeat_cols is not None and breaks:
            self.ws.repeat_columns(*repeat_cols)
        return scale

    def part_pixels(self, last_col: int, breaks: list[int],
                    repeat_cols: tuple[int, int] | None = None) -> list[int]:
        """The width in pixels of each printed part (see print_in_parts)."""
        ends = [b - 1 for b in breaks] + [last_col]
        titles = 0 if repeat_cols is None else self.pixels(*repeat_cols)
        return [self.pixels(first, end) + (titles if first else 0)
                for first, end in zip([0, *breaks], ends)]

    def pixels(self, first: int, last: int) -> int:
        """Pixels of columns `first`-`last` as set."""
        return sum(column_pixels(self.column_widths.get(c, DEFAULT_WIDTH))
                   for c in range(first, last + 1))

    def fits_a_page(self, pixels: int) -> bool:
        """Whether `pixels` of columns print within a page at a legible size."""
        return pixels * PRINT_WIDTH_SPARE * MIN_PRINT_SCALE <= PRINT_WIDTH_PX * 100
