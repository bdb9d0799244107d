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
from .cells import (BAD, GOOD, MUTED, WORKBOOK_OPTIONS, SheetWriter, Styles, display_width,
                    missing, wrapped_lines)
from .data import WeeklyData, gather
from .notes import notes_sheet
from .subjects import subject_sheet
from .text import comparison_note, left_out_note, no_data_note, summary_paragraph
from .todo import todo_sheet

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SUMMARY_COLUMNS = ("kpi", "value", "previous_value", "change_previous", "last_season_value",
                   "change_last_season", "target", "status", "numerator", "denominator",
                   "direction")
# Narrow enough for the table to print one page wide at a legible size; a
# KPI's name and its direction wrap in their cells.
SUMMARY_WIDTHS = {0: 22, 1: 12, 2: 12, 3: 15, 4: 12, 5: 15, 6: 10, 7: 10, 8: 14, 9: 14, 10: 11}
WRAPPED_COLUMNS = (0, 10)
# The action lists' notes: from the third column to the last.
ABOUT_WIDTH = sum(width for c, width in SUMMARY_WIDTHS.items() if c >= 2)
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
    """周报_2025-W48.xlsx / weekly-report_2025-W48_张店分公司.xlsx"""
    stem = "周报" if lang == "zh" else "weekly-report"
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
    last_col = len(SUMMARY_COLUMNS) - 1
    book.heading(w, f"{tr('report.title')} · {book.week_label}", last_col)

    w.put(3, 0, tr("report.summary.highlights"), "section", fit=False)
    paragraph = summary_paragraph(data, lang=book.lang)
    w.ws.merge_range(4, 0, 4, last_col, "", book.styles.get("paragraph"))
    w.put(4, 0, paragraph, "paragraph", fit=False)
    w.ws.set_row(4, _paragraph_height(paragraph, sum(SUMMARY_WIDTHS.values())))

    w.put(6, 0, tr("report.summary.headline"), "section", fit=False)
    header = 7
    for c, col in enumerate(SUMMARY_COLUMNS):
        w.put(header, c, tr(f"report.col.{col}"), "header", fit=False)
    w.ws.set_row(header, 30)
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
        w.put(r, 10, direction, "cell", MUTED, WRAP, fit=False)
        w.fit_row(r, [(text, SUMMARY_WIDTHS[c])
                      for c, text in zip(WRAPPED_COLUMNS, (label, direction))])
    end_headline = r

    r += 2
    w.put(r, 0, tr("report.summary.actions"), "section", fit=False)
    r += 1
    w.put(r, 0, tr("report.col.list"), "header", fit=False)
    w.put(r, 1, tr("report.col.items"), "header", fit=False)
    w.ws.merge_range(r, 2, r, last_col, "", book.styles.get("header"))
    w.put(r, 2, tr("report.col.about"), "header", fit=False)
    for name, total in data.list_totals.items():
        r += 1
        title, about = list_label(name, book.lang)
        about += left_out_note(data, name, book.lang)
        shown = len(data.lists[name])
        if data.row_lists and shown < total:
            about += " " + tr("report.summary.only_first", n=f"{shown:,}")
        w.put(r, 0, title, "cell", WRAP, fit=False)
        w.put(r, 1, total, "cell", {"num_format": "#,##0"}, fit=False)
        # A long note wraps in its merged cell (a merged cell's text is cut
        # off at its edge), its row as tall as the lines.
        w.ws.merge_range(r, 2, r, last_col, "", book.styles.get("cell", WRAP))
        w.put(r, 2, about, "cell", WRAP, fit=False)
        lines = max(math.ceil(display_width(about) * 1.1 / ABOUT_WIDTH),
                    wrapped_lines(title, SUMMARY_WIDTHS[0]))
        if lines > 1:
            w.ws.set_row(r, 15 * lines + 3)

    r += 2
    note = comparison_note(data, book.lang)
    no_data = no_data_note(data, book.lang)
    if no_data:
        note += "\n" + no_data
    w.ws.merge_range(r, 0, r, last_col, "", book.styles.get("note"))
    w.put(r, 0, note, "note", fit=False)
    w.ws.set_row(r, _paragraph_height(note, sum(SUMMARY_WIDTHS.values()), line=14))

    w.fit_columns(fixed=SUMMARY_WIDTHS)
    w.ws.freeze_panes(header + 1, 1)
    w.ws.set_default_row(18)
    book.finish(w, repeat_rows=None)
    w.ws.print_area(0, 0, max(r, end_headline), last_col)
    # One page wide at a legible size, on as many pages as its rows take.
    w.print_in_parts(last_col, breaks=[])
    w.ws.activate()


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
