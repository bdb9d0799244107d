"""The 待办 sheet: every item needing action, one table, filterable by station."""
from __future__ import annotations

import math

from metrics.display import column_label, list_label

from .actions import COLUMNS, PRINTED, action_rows
from .book import Book
from .cells import display_width
from .text import left_out_note

HEADER = 3
WRAPPED = {"situation": 34, "content": 30, "result": 22, "address": 28}
LABELS = {"list": "report.col.list", "situation": "report.col.situation",
          "content": "report.col.content", "at": "report.col.at",
          "temp_c": "report.col.temp_c", "amount_yuan": "report.col.amount_yuan",
          "name": "report.col.name", "phone": "report.col.phone"}
LINE_HEIGHT = 15
NUMBER = {"temp_c": "0.0", "amount_yuan": "#,##0.00", "source_row": "0"}


def todo_sheet(book: Book) -> None:
    data, tr = book.data, book.tr
    w = book.sheet("actions", max_width=30)
    last_col = len(COLUMNS) - 1
    book.heading(w, f"{tr('report.sheet.actions')} · {book.week_label} · {book.scope_label}",
                 last_col)
    counts = []
    for name, total in data.list_totals.items():
        shown = len(data.lists[name])
        text = f"{list_label(name, book.lang)[0]} {total:,}"
        if data.row_lists and shown < total:
            text += tr("report.todo.shown", n=f"{shown:,}")
        counts.append(text + left_out_note(data, name, book.lang))
    w.ws.merge_range(2, 0, 2, last_col, "", book.styles.get("note"))
    w.put(2, 0, " · ".join(counts), "note", fit=False)
    w.ws.set_row(2, 30)

    if not data.row_lists:
        # Counts only: no table, not even its header (no household or ticket
        # columns in a file made for a role without row lists).
        w.put(HEADER, 0, tr("report.todo.no_row_lists"), "note", fit=False)
        w.fit_columns(minimum=8)
        book.finish(w, repeat_rows=None)
        w.ws.print_area(0, 0, HEADER, PRINTED)
        return

    for c, col in enumerate(COLUMNS):
        label = tr(LABELS[col]) if col in LABELS else column_label(col, book.lang)
        w.put(HEADER, c, label, "header", fit=False)
    w.ws.set_row(HEADER, 30)

    rows = action_rows(data, book.lang)
    for r, row in enumerate(rows.to_dict("records"), start=HEADER + 1):
        for c, col in enumerate(COLUMNS):
            style = "wrap" if col in WRAPPED else "cell"
            extra = {"num_format": NUMBER[col]} if col in NUMBER else None
            w.put(r, c, row[col], style, extra, fit=col not in WRAPPED)
        # Spreadsheet apps do not grow a row for wrapped text on opening a file.
        w.ws.set_row(r, LINE_HEIGHT * _lines(row))
    last_row = HEADER + max(len(rows), 1)
    if rows.empty:
        w.put(HEADER + 1, 0, tr("report.todo.none"), "note", fit=False)

    w.fit_columns(minimum=8, fixed={COLUMNS.index(c): width for c, width in WRAPPED.items()})
    w.ws.freeze_panes(HEADER + 1, 3)
    w.ws.autofilter(HEADER, 0, last_row, last_col)
    book.finish(w, repeat_rows=(HEADER, HEADER))
    w.ws.print_area(0, 0, last_row, PRINTED)


def _lines(row: dict) -> int:
    """Lines the tallest wrapped cell of the row needs."""
    return max([1] + [math.ceil(display_width(str(row[col])) / (width - 1))
                      for col, width in WRAPPED.items() if isinstance(row[col], str)])
