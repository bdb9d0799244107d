"""The 待办 sheet: every item needing action, one table, filterable by station."""
from __future__ import annotations

import math

import numpy as np

from metrics.display import column_label, list_label

from .actions import COLUMNS, PRINTED, action_rows
from .book import Book
from .cells import (A4_SHORT_SIDE_IN, DEFAULT_WIDTH, LINE_HEIGHT, MIN_PRINT_SCALE, NUMBER_FORMATS,
                    PRINT_WIDTH_PX, PRINT_WIDTH_SPARE, ROW_HEIGHT_SPARE, column_pixels,
                    display_width, longest_word, wrapped_lines)
from .text import left_out_note, list_count

HEADER = 3
# Text columns: longer text wraps, its row made tall enough to hold it. Each
# printed one is as wide as the page and the week's text make best (see
# column_widths); these widths (characters, a CJK one counting two) are for
# the columns that do not print, and for a sheet without rows.
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
NUMBER = {"temp_c": "0.0", "amount_yuan": NUMBER_FORMATS["yuan"], "source_row": "0"}
# A printed text column is never wider than this (characters), and the rows
# the widths are worked out from are at most this many (evenly spread).
MAX_WIDTH = 90
SAMPLE_ROWS = 300
# Print scales tried (percent): the widths for each, and the one printing
# the table on the fewest pages (the largest on a tie).
SCALES = (100, 96, 92, MIN_PRINT_SCALE)


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
        text = f"{list_label(name, book.lang)[0]} {list_count(data, name)}"
        if data.row_lists and total is not None and shown < total:
            text += tr("report.todo.shown", n=f"{shown:,}")
        counts.append(text + left_out_note(data, name, book.lang))
    w.ws.merge_range(2, 0, 2, top_col, "", book.styles.get("note"))
    w.put(2, 0, " · ".join(counts), "note", fit=False)
    if not data.row_lists:
        # Counts only: no table, not even its header (no household or ticket
        # columns in a file made for a role without row lists).
        w.set_row(2, 30)
        w.put(HEADER, 0, tr("report.todo.no_row_lists"), "note", fit=False)
        w.fit_columns(minimum=8)
        book.finish(w, repeat_rows=None)
        w.ws.print_area(0, 0, HEADER, PRINTED)
        return

    for c, col in enumerate(COLUMNS):
        w.put(HEADER, c, _label(book, col), "header", fit=False)

    rows = action_rows(data, book.lang)
    records = rows.to_dict("records")
    for r, row in enumerate(records, start=HEADER + 1):
        for c, col in enumerate(COLUMNS):
            style = "wrap" if col in WRAPPED else "cell"
            extra = {"num_format": NUMBER[col]} if col in NUMBER else None
            # Every cell at the top, as wrapped text is: a row reads as one line.
            w.put(r, c, row[col], style, extra, {"valign": "top"}, fit=col not in WRAPPED)
    last_row = HEADER + max(len(rows), 1)
    if rows.empty:
        w.ws.merge_range(HEADER + 1, 0, HEADER + 1, top_col, "", book.styles.get("note"))
        w.put(HEADER + 1, 0, tr("report.todo.none"), "note", fit=False)

    fixed = {c: min(max(width + 2, 8), w.max_width) for c, width in w.widths.items()}
    labels = {col: _label(book, col) for col in COLUMNS}
    widths, scale = column_widths(records, labels, fixed)
    w.fit_columns(minimum=8, fixed={COLUMNS.index(c): width for c, width in widths.items()})
    header_lines = max(wrapped_lines(labels[col], w.column_widths.get(c, DEFAULT_WIDTH))
                       for c, col in enumerate(COLUMNS[:PRINTED + 1]))
    w.set_row(HEADER, max(30, LINE_HEIGHT * header_lines + 2))
    # Spreadsheet apps do not grow a row for wrapped text on opening a file.
    for r, row in enumerate(records, start=HEADER + 1):
        w.set_row(r, LINE_HEIGHT * _lines(row, widths))
    w.set_row(2, max(30, LINE_HEIGHT * wrapped_lines(
        " · ".join(counts), sum(widths[col] for col in COLUMNS[:SECOND_PART])) + 2))
    w.ws.freeze_panes(HEADER + 1, 3)
    w.ws.autofilter(HEADER, 0, last_row, last_col)
    book.finish(w, repeat_rows=(HEADER, HEADER))
    w.ws.print_area(0, 0, last_row, PRINTED)
    fits = w.print_in_parts(PRINTED, breaks=[SECOND_PART])
    if scale < fits:
        w.ws.set_print_scale(scale)


def _label(book: Book, col: str) -> str:
    return book.tr(LABELS[col]) if col in LABELS else column_label(col, book.lang)


def column_widths(records: list[dict], labels: dict[str, str], fixed: dict[int, float]
                  ) -> tuple[dict[str, float], int]:
    """The width (characters) of each text column, from the week's text in
    the report's language: the printed ones as the two printed parts make
    best use of a page, so that the rows are as low as they can be (a row is
    as tall as its most wrapped cell) and the table prints on the fewest
    pages; `fixed` holds the other printed columns' widths (numbers, times:
    by column index). Each text column is at least as wide as its longest
    word and its header's (so no word is broken), at most as wide as its
    longest text or MAX_WIDTH. Worked out for each scale of SCALES: the
    widest part fits a page at that scale. Returns the widths and the
    scale."""
    step = max(1, len(records) / SAMPLE_ROWS)
    sample = [records[int(i * step)] for i in range(min(len(records), SAMPLE_ROWS))]
    printed = [col for col in COLUMNS[:PRINTED + 1] if col in WRAPPED]
    texts = {col: [row[col] if isinstance(row[col], str) else "" for row in sample]
             for col in printed}
    low = {col: max([6, longest_word(labels[col]) + 1]
                    + [min(longest_word(t) + 1, MAX_WIDTH) for t in texts[col]])
           for col in printed}
    high = {col: max([low[col]] + [min(display_width(t) + 1, MAX_WIDTH) for t in texts[col]])
            for col in printed}
    memo: dict[tuple[str, float], np.ndarray] = {}

    def lines(col: str, width: float) -> np.ndarray:
        if (col, width) not in memo:
            memo[col, width] = np.array(
                [1 if "\n" not in t and display_width(t) <= width - 1
                 else wrapped_lines(t, width) for t in texts[col]], dtype=np.int64)
        return memo[col, width]

    parts = [[col for col in COLUMNS[:SECOND_PART] if col in WRAPPED],
             [col for col in COLUMNS[SECOND_PART:PRINTED + 1] if col in WRAPPED]]
    fixed_px = [sum(column_pixels(fixed.get(c, DEFAULT_WIDTH)) for c in range(first, end)
                    if COLUMNS[c] not in WRAPPED)
                for first, end in ((0, SECOND_PART), (SECOND_PART, PRINTED + 1))]
    best = None
    for scale in SCALES:
        room = PRINT_WIDTH_PX * 100 / (scale * PRINT_WIDTH_SPARE)
        widths = dict(low)
        if any(fixed_px[i] + sum(column_pixels(widths[c]) for c in part) > room
               for i, part in enumerate(parts)):
            continue
        widths = _widen(widths, high, parts, fixed_px, room, lines)
        heights = LINE_HEIGHT * np.max([lines(col, widths[col]) for col in printed]
                                       + [np.ones(len(sample), dtype=np.int64)], axis=0)
        total = heights.sum() * max(1, len(records)) / max(1, len(sample))
        page = (A4_SHORT_SIDE_IN * 72 * 100 / scale - 30) / ROW_HEIGHT_SPARE
        pages = math.ceil(total / (page - (heights.mean() if len(sample) else 0) / 2))
        if best is None or pages < best[0]:
            best = (pages, scale, widths)
    if best is None:            # nothing fits: the narrowest, as small as legible
        best = (0, MIN_PRINT_SCALE, dict(low))
    # A text column that does not print (the address) is as wide as its
    # text: it adds no line to a printed row.
    unprinted = {col: max([WRAPPED[col]] + [min(display_width(row[col]) + 1, MAX_WIDTH)
                                            for row in records if isinstance(row[col], str)])
                 for col in COLUMNS[PRINTED + 1:] if col in WRAPPED}
    widths = {**WRAPPED, **unprinted, **best[2]}
    return widths, best[1]


def _widen(widths: dict[str, float], high: dict[str, float], parts: list[list[str]],
           fixed_px: list[int], room: float, lines) -> dict[str, float]:
    """Widen the columns of each part within `room` pixels, one step at a
    time: of every width each column could take, the one lowering the rows
    most for the pixels it takes (else the one unwrapping most lines, which
    lowers the rows once the other cells of the same rows unwrap too), until
    no step helps or fits."""
    part_of = {col: i for i, part in enumerate(parts) for col in part}
    cols = list(part_of)
    if not cols:
        return widths
    current = np.array([lines(col, widths[col]) for col in cols])
    used = [fixed_px[i] + sum(column_pixels(widths[c]) for c in part)
            for i, part in enumerate(parts)]
    while True:
        # Each row's tallest cell, and its tallest but for each column's.
        order = np.sort(current, axis=0)
        tallest = order[-1]
        second = order[-2] if len(cols) > 1 else np.ones_like(tallest)
        best = None
        for k, col in enumerate(cols):
            others = np.where(current[k] == tallest, second, tallest)
            now, last = current[k].sum(), current[k].sum()
            width = widths[col]
            while width < high[col]:
                width += 1
                cost = column_pixels(width) - column_pixels(widths[col])
                if used[part_of[col]] + cost > room:
                    break
                after = lines(col, width)
                if after.sum() < last:
                    last = after.sum()
                    gain_rows = tallest.sum() - np.maximum(others, after).sum()
                    key = (gain_rows / cost, (now - last) / cost)
                    if best is None or key > best[0]:
                        best = (key, k, width, after, cost)
        if best is None:
            return widths
        _, k, width, after, cost = best
        widths[cols[k]], current[k] = width, after
        used[part_of[cols[k]]] += cost


def _lines(row: dict, widths: dict[str, float]) -> int:
    """Lines the tallest wrapped cell of the row needs."""
    return max([1] + [wrapped_lines(row[col], widths[col])
                      for col in WRAPPED if isinstance(row[col], str)])
