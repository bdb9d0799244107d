"""The 待办 sheet: every item needing action, one table, filterable by station."""
from __future__ import annotations

from metrics.display import column_label, list_label

from .actions import COLUMNS, PRINTED, action_rows
from .book import Book
from .cells import LINE_HEIGHT, wrapped_lines
from .text import left_out_note

HEADER = 3
# Text columns, each this many characters wide (a CJK one counts two): longer
# text wraps, its row made tall enough to hold it.
WRAPPED = {"list": 14, "branch": 11, "station": 14, "community": 14, "building": 9,
           "household_id": 13, "ticket_no": 17, "name": 12, "phone": 13,
           "situation": 36, "content": 32, "result": 20, "address": 28}
# Printed, the table is too wide for one page at a legible size (shrunk to one
# page wide, its 11 pt text would print at about 6 pt), so it prints in two
# parts, page after page: who and where (list to phone), then what and when
# (situation to amount), the same rows on both pages, at the same heights.
SECOND_PART = COLUMNS.index("situation")
LABELS = {"list": "report.col.list", "situation": "report.col.situation",
          "content": "report.col.content", "at": "report.col.at",
          "temp_c": "report.col.temp_c", "amount_yuan": "report.col.amount_yuan",
          "name": "report.col.name", "phone": "report.col.phone"}
NUMBER = {"temp_c": "0.0", "amount_yuan": "#,##0.00", "source_row": "0"}


def todo_sheet(book: Book) -> None:
    data, tr = book.data, book.tr
    w = book.sheet("actions", max_width=30)
    last_col = len(COLUMNS) - 1
    # With the table, the title lines stay on its first part's pages.
    top_col = SECOND_PART - 1 if data.row_lists else last_col
    book.heading(w, f"{tr('report.sheet.actions')} · {book.week_label} · {book.scope_label}",
                 top_col)
    counts = []
    for name, total in data.list_totals.items():
        shown = len(data.lists[name])
        text = f"{list_label(name, book.lang)[0]} {total:,}"
        if data.row_lists and shown < total:
            text += tr("report.todo.shown", n=f"{shown:,}")
        counts.append(text + left_out_note(data, name, book.lang))
    w.ws.merge_range(2, 0, 2, top_col, "", book.styles.get("note"))
    w.put(2, 0, " · ".join(counts), "note", fit=False)
    if data.row_lists:
        room = sum(WRAPPED[col] for col in COLUMNS[:SECOND_PART])
        w.ws.set_row(2, max(30, LINE_HEIGHT * wrapped_lines(" · ".join(counts), room) + 2))
    else:
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
            # Every cell at the top, as wrapped text is: a row reads as one line.
            w.put(r, c, row[col], style, extra, {"valign": "top"}, fit=col not in WRAPPED)
        # Spreadsheet apps do not grow a row for wrapped text on opening a file.
        w.ws.set_row(r, LINE_HEIGHT * _lines(row))
    last_row = HEADER + max(len(rows), 1)
    if rows.empty:
        w.ws.merge_range(HEADER + 1, 0, HEADER + 1, top_col, "", book.styles.get("note"))
        w.put(HEADER + 1, 0, tr("report.todo.none"), "note", fit=False)

    w.fit_columns(minimum=8, fixed={COLUMNS.index(c): width for c, width in WRAPPED.items()})
    w.ws.freeze_panes(HEADER + 1, 3)
    w.ws.autofilter(HEADER, 0, last_row, last_col)
    book.finish(w, repeat_rows=(HEADER, HEADER))
    w.ws.print_area(0, 0, last_row, PRINTED)
    w.print_in_parts(PRINTED, breaks=[SECOND_PART])


def _lines(row: dict) -> int:
    """Lines the tallest wrapped cell of the row needs."""
    return max([1] + [wrapped_lines(row[col], width)
                      for col, width in WRAPPED.items() if isinstance(row[col], str)])
