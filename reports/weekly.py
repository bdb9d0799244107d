"""The weekly report (周报): one .xlsx per ISO week for the Monday meeting.

    from reports.weekly import build_weekly
    xlsx = build_weekly(con, "2025-W48", branch=None, lang="zh",
                        can_see_personal=False, scope_branch=None)

Sheets: 摘要 (headline KPIs and the generated paragraph), 室温 / 工单 / 收费
(per branch and station, native Excel charts), 待办 (action lists) and 说明
(definitions, data freshness, source batches). Every number comes from the KPI
layer (reports/data.py); this module only lays them out.
"""
from __future__ import annotations

import io
import math
import os
import tempfile
from pathlib import Path

import duckdb
import xlsxwriter

from metrics import get
from metrics.display import list_label

from .book import Book, change_cell, meets
from .cells import (BAD, GOOD, LINE_HEIGHT, MIN_PRINT_SCALE, MUTED, PRINT_WIDTH_PX,
                    PRINT_WIDTH_SPARE, WORKBOOK_OPTIONS, SheetWriter, Styles, column_pixels,
                    display_width, longest_word, missing, shown_width, wrapped_lines)
from .data import WeeklyData, gather
from .notes import notes_sheet
from .subjects import subject_sheet
from .text import comparison_note, list_about, no_data_note, summary_paragraph
from .todo import todo_sheet

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SUMMARY_COLUMNS = ("kpi", "value", "previous_value", "change_previous", "last_season_value",
                   "change_last_season", "target", "status", "numerator", "denominator",
                   "direction")
KPI_COL, DIRECTION_COL = 0, len(SUMMARY_COLUMNS) - 1
# The KPI column is never narrower than this (its names wrap in it).
MIN_KPI_WIDTH = 16
# Blank rows between the summary's blocks (points): room for the table on
# the first page.
SPACER_PT = 9
# Rows of the headline table (points): a line of 11 pt text with air.
HEADLINE_ROW_PT = 18
WRAP = {"text_wrap": True}


def build_weekly(con: duckdb.DuckDBPyConnection, week: str, branch: str | None = None,
                 lang: str = "zh", can_see_personal: bool = False,
                 scope_branch: str | None = None, row_lists: bool = True) -> bytes:
    """The workbook for `week` as bytes; masked unless `can_see_personal`."""
    return workbook_bytes(gather(con, week, branch, can_see_personal, scope_branch, row_lists),
                          lang)


def write_weekly(con: duckdb.DuckDBPyConnection, week: str, out: str | Path, **kwargs) -> Path:
    """Write the workbook to `out`, replacing it only once complete (a scheduled
    job never leaves half a file where the meeting expects a whole one)."""
    return write_workbook(build_weekly(con, week, **kwargs), out,
                          private=kwargs.get("can_see_personal", False))


def write_workbook(content: bytes, out: str | Path, private: bool = False) -> Path:
    """Write a built workbook to `out`, atomically. A workbook with personal
    data unmasked (`private`) is readable by its owner only (0600, as the
    accounts file); a masked one, the report for the meeting, gets the mode
    any new file gets here (0666 less the umask), so colleagues can open it."""
    out = Path(out)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
    try:
        # mkstemp makes the file 0600, for nobody else to read.
        os.chmod(tmp, 0o600 if private else 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


def _umask() -> int:
    """The process's umask, read without changing it where the system says
    it (Linux): setting it to read it back would race other threads' files."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def file_name(week: str, branch: str | None, lang: str, suffix: str = ".xlsx") -> str:
    """周报_2025-W48.xlsx / weekly_report_2025-W48_张店分公司.xlsx: words
    joined by underscores, as every download of the dashboard."""
    stem = "周报" if lang == "zh" else "weekly_report"
    parts = [stem, week] + ([branch] if branch else [])
    return "_".join(p.replace("/", "_").replace("\\", "_") for p in parts) + suffix


def workbook_bytes(data: WeeklyData, lang: str = "zh") -> bytes:
    """Lay out gathered data as the workbook."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, WORKBOOK_OPTIONS)
    book = Book(wb, Styles(wb), data, lang)
    wb.set_properties({"title": f"{book.tr('report.title')} {data.week}",
                       "subject": book.scope_label, "company": book.company})
    summary_sheet(book)
    for area in data.areas:
        subject_sheet(book, area)
    todo_sheet(book)
    notes_sheet(book)
    wb.close()
    return buf.getvalue()


def summary_sheet(book: Book) -> None:
    data, tr = book.data, book.tr
    w = book.sheet("summary")
    widths, last_col = summary_widths(book)
    w.column_widths.update(widths)
    text_width = sum(widths[c] for c in range(last_col + 1))
    about_width = sum(widths[c] for c in range(2, last_col + 1))
    book.heading(w, f"{tr('report.title')} · {book.week_label}", last_col)
    w.set_row(2, SPACER_PT)

    w.put(3, 0, tr("report.summary.highlights"), "section", fit=False)
    paragraph = summary_paragraph(data, lang=book.lang)
    w.ws.merge_range(4, 0, 4, last_col, "", book.styles.get("paragraph"))
    w.put(4, 0, paragraph, "paragraph", fit=False)
    w.set_row(4, _paragraph_height(paragraph, text_width))
    w.set_row(5, SPACER_PT)

    w.put(6, 0, tr("report.summary.headline"), "section", fit=False)
    header = 7
    for c, col in enumerate(SUMMARY_COLUMNS):
        w.put(header, c, tr(f"report.col.{col}"), "header", fit=False)
    w.set_row(header, max(30, LINE_HEIGHT * max(
        wrapped_lines(tr(f"report.col.{col}"), widths[c])
        for c, col in enumerate(SUMMARY_COLUMNS[:last_col + 1])) + 2))
    r = header
    for row in data.headline.to_dict("records"):
        r += 1
        kpi = get(row["kpi"])
        label = kpi.text(book.lang)[0]
        w.put(r, 0, label, "cell", WRAP, fit=False)
        for c, col in ((1, "value"), (2, "previous_value"), (4, "last_season_value")):
            _value_or_dash(book, w, r, c, kpi, row[col])
        for c, col in ((3, "change_previous"), (5, "change_last_season")):
            _change_or_dash(book, w, r, c, kpi, row[col])
        _value_or_dash(book, w, r, 6, kpi, kpi.target)
        _status(book, w, r, 7, meets(kpi, row["value"]), kpi.target is not None)
        for c, col in ((8, "numerator"), (9, "denominator")):
            if missing(row[col]):
                w.put(r, c, "—", "cell", fit=False, align="center")
            else:
                w.put(r, c, row[col], *book.part_style(kpi, col, "cell"), fit=False)
        direction = tr(f"metrics.direction.{kpi.direction}")
        w.put(r, DIRECTION_COL, direction, "cell", MUTED, WRAP, fit=False)
        w.set_row(r, HEADLINE_ROW_PT)
        w.fit_row(r, [(label, widths[KPI_COL]), (direction, widths[DIRECTION_COL])])
    end_headline = r

    r += 1
    w.set_row(r, SPACER_PT)
    r += 1
    actions = r
    # A file without row lists has no rows on its 待办 sheet to point to.
    w.put(r, 0, tr("report.summary.actions" if data.row_lists else "report.summary.actions_counts"),
          "section", fit=False)
    r += 1
    w.put(r, 0, tr("report.col.list"), "header", fit=False)
    w.put(r, 1, tr("report.col.items"), "header", fit=False)
    w.ws.merge_range(r, 2, r, last_col, "", book.styles.get("header"))
    w.put(r, 2, tr("report.col.about"), "header", fit=False)
    w.fit_row(r, [(tr("report.col.list"), widths[0]), (tr("report.col.items"), widths[1])])
    for name, total in data.list_totals.items():
        r += 1
        title, about = list_label(name, book.lang)[0], list_about(data, name, book.lang)
        w.put(r, 0, title, "cell", WRAP, fit=False)
        if total is None:   # a list of bills before the season has any
            w.put(r, 1, "—", "cell", align="center", fit=False)
        else:
            w.put(r, 1, total, "cell", {"num_format": "#,##0"}, fit=False)
        # A long note wraps in its merged cell (a merged cell's text is cut
        # off at its edge), its row as tall as the lines.
        w.ws.merge_range(r, 2, r, last_col, "", book.styles.get("cell", WRAP))
        w.put(r, 2, about, "cell", WRAP, fit=False)
        lines = max(math.ceil(display_width(about) * 1.1 / about_width),
                    wrapped_lines(title, widths[0]))
        if lines > 1:
            w.set_row(r, 15 * lines + 3)
    end_actions = r

    r += 1
    w.set_row(r, SPACER_PT)
    r += 1
    note = comparison_note(data, book.lang)
    no_data = no_data_note(data, book.lang)
    if no_data:
        note += "\n" + no_data
    w.ws.merge_range(r, 0, r, last_col, "", book.styles.get("note"))
    w.put(r, 0, note, "note", fit=False)
    w.set_row(r, _paragraph_height(note, text_width, line=14))

    w.fit_columns(fixed=widths)
    w.ws.freeze_panes(header + 1, 1)
    w.set_default_row(HEADLINE_ROW_PT)
    book.finish(w, repeat_rows=None)
    w.ws.print_area(0, 0, max(r, end_headline), last_col)
    # One page wide at a legible size, on as many pages as its rows take:
    # the headline table and the action lists each with their heading, on
    # one page (never a heading alone at a page's foot).
    w.fewest_pages(0, r, w.print_in_parts(last_col, breaks=[]), keep=[
        (6, end_headline), (actions, end_actions), (end_actions + 1, r)])
    w.ws.activate()


def summary_widths(book: Book) -> tuple[dict[int, float], int]:
    """The headline table's column widths (characters) in the report's
    language, from what its cells show: each number column as wide as its
    widest number as formatted (with its ¥ or unit), no narrower than its
    header's longest word; the KPI's name and its direction unwrapped where
    the page allows. A table too wide to print one page wide at a legible
    size prints without its direction column (it stays in the file; the
    说明 sheet gives every KPI's direction, and the changes' colours say
    better or worse), then with the KPI names wrapping. Returns the widths
    and the last printed column."""
    tr = book.tr
    need = {c: longest_word(tr(f"report.col.{col}")) + 1 for c, col in enumerate(SUMMARY_COLUMNS)}
    longest_label = 0

    def grow(c: int, width: float) -> None:
        need[c] = max(need[c], width)

    for row in book.data.headline.to_dict("records"):
        kpi = get(row["kpi"])
        label = kpi.text(book.lang)[0]
        longest_label = max(longest_label, longest_word(label) + 1)
        grow(KPI_COL, display_width(label) + 1)
        grow(DIRECTION_COL, display_width(tr(f"metrics.direction.{kpi.direction}")) + 1)
        for c, value, style in (
                (1, row["value"], book.value_style(kpi)),
                (2, row["previous_value"], book.value_style(kpi)),
                (4, row["last_season_value"], book.value_style(kpi)),
                (6, kpi.target, book.value_style(kpi)),
                (8, row["numerator"], book.part_style(kpi, "numerator")),
                (9, row["denominator"], book.part_style(kpi, "denominator"))):
            if not missing(value):
                grow(c, shown_width(value, _num_format(style)) + 1)
        for c, col in ((3, "change_previous"), (5, "change_last_season")):
            change = row[col]
            if not missing(change):
                grow(c, shown_width(change_cell(kpi, change),
                                    _num_format(book.change_style(kpi, change))) + 1)
        ok = meets(kpi, row["value"])
        status = ("report.status.no_data" if kpi.target is not None else
                  "report.status.no_target") if ok is None else \
            "report.status.met" if ok else "report.status.missed"
        grow(7, display_width(tr(status)) + 1)
    need = {c: max(width, 6) for c, width in need.items()}
    room = PRINT_WIDTH_PX * 100 / (MIN_PRINT_SCALE * PRINT_WIDTH_SPARE)

    def pixels(last: int, widths: dict[int, float]) -> int:
        return sum(column_pixels(widths[c]) for c in range(last + 1))

    last = DIRECTION_COL
    if pixels(last, need) > room:
        last = DIRECTION_COL - 1
    if pixels(last, need) > room:
        others = pixels(last, need) - column_pixels(need[KPI_COL])
        fits = math.floor((room - others - 5) / 7)
        need[KPI_COL] = max(fits, MIN_KPI_WIDTH, min(longest_label, need[KPI_COL]))
    return need, last


def _num_format(style: tuple) -> str | None:
    """The number format among a cell's style parts."""
    return next((p["num_format"] for p in reversed(style)
                 if isinstance(p, dict) and "num_format" in p), None)


def _value_or_dash(book: Book, w: SheetWriter, r: int, c: int, kpi, value) -> None:
    if missing(value):
        w.put(r, c, "—", "cell", fit=False, align="center")
    else:
        w.put(r, c, value, *book.value_style(kpi, "cell"), fit=False)


def _change_or_dash(book: Book, w: SheetWriter, r: int, c: int, kpi, change) -> None:
    if missing(change):
        w.put(r, c, "—", "cell", fit=False, align="center")
    else:
        w.put(r, c, change_cell(kpi, change), *book.change_style(kpi, change, "cell"), fit=False)


def _status(book: Book, w: SheetWriter, r: int, c: int, ok: bool | None, has_target: bool):
    if ok is None:
        key = "report.status.no_data" if has_target else "report.status.no_target"
        w.put(r, c, book.tr(key), "cell", MUTED, fit=False, align="center")
    else:
        w.put(r, c, book.tr("report.status.met" if ok else "report.status.missed"), "cell",
              GOOD if ok else BAD, fit=False, align="center", bold=True)


def _paragraph_height(text: str, width_chars: float, line: float = 17.0) -> float:
    """Row height (points) that shows `text` wrapped in a cell `width_chars` wide."""
    lines = sum(max(1, math.ceil(display_width(part) * 1.1 / width_chars))
                for part in text.splitlines() or [""])
    return max(line * 2, line * lines + 6)
