"""The 说明 sheet: what the report covers, the definition of every KPI (from
the registry), how fresh each kind of data is, and the batches it was built from."""
from __future__ import annotations

from metrics import kpis

from . import labels
from .book import Book
from .cells import NUMBER_FORMATS, SheetWriter, missing

LAST_COL = 9
# Columns narrow enough for the sheet to print one page wide at 100%: long
# text wraps (a definition across columns B-F, a description across B-J),
# its row made tall enough to hold it; dates and times fit their columns.
WIDTHS = {0: 14, 1: 14, 2: 17, 3: 17, 4: 17, 5: 9, 6: 9, 7: 9, 8: 11, 9: 11}
DEFINITION = (1, 5)                     # the definition's merged columns
ATTRIBUTES = 6                          # unit, direction, target, in summary from here
WRAP = {"text_wrap": True, "valign": "top"}
# Rows after a section's heading kept on its page: the header and two rows.
KEEP_ROWS = 3


def notes_sheet(book: Book) -> None:
    w = book.sheet("notes", max_width=40)
    book.heading(w, f"{book.tr('report.sheet.notes')} · {book.week_label}", LAST_COL)
    sections = [3]
    r = _about(book, w, sections[-1])
    sections.append(r + 2)
    r = _definitions(book, w, sections[-1])
    sections.append(r + 2)
    r = _freshness(book, w, sections[-1])
    sections.append(r + 2)
    r = _batches(book, w, sections[-1])
    w.fit_columns(minimum=8, fixed=WIDTHS)
    w.ws.freeze_panes(2, 0)
    book.finish(w, repeat_rows=None)
    # A section's heading never ends a page: it prints with its table's
    # header and first rows (a short table whole).
    w.fewest_pages(0, r, w.print_in_parts(LAST_COL, breaks=[]), keep=[
        (start, min(start + KEEP_ROWS, end)) for start, end in
        zip(sections, [x - 2 for x in sections[1:]] + [r])])


def _width(first: int, last: int) -> float:
    """Characters of text columns `first`-`last` hold, merged."""
    return sum(WIDTHS[c] for c in range(first, last + 1)) + (last - first) * 5 / 7


def _section(w: SheetWriter, r: int, title: str) -> int:
    w.put(r, 0, title, "section", fit=False)
    return r + 1


def _header(w: SheetWriter, r: int, labels: list[str], columns: list[int] | None = None) -> int:
    columns = columns or list(range(len(labels)))
    for c, label in zip(columns, labels):
        w.put(r, c, label, "header", fit=False)
    w.fit_row(r, [(label, WIDTHS[c]) for c, label in zip(columns, labels)])
    return r


def _about(book: Book, w: SheetWriter, r: int) -> int:
    d, tr, lang = book.data, book.tr, book.lang
    p = d.period
    personal = "report.personal.shown" if d.can_see_personal else "report.personal.masked"
    items = [
        ("report.about.week", book.week_label),
        ("report.about.period", labels.period(p.start, p.end, lang)),
        ("report.about.previous", labels.period(p.previous().start, p.previous().end, lang)),
        ("report.about.last_season",
         labels.period(p.last_season().start, p.last_season().end, lang)),
        ("report.about.scope", book.scope_label),
        ("report.about.season", d.season),
        ("report.about.generated", labels.moment(d.generated_at, lang)),
        ("report.about.data_version", str(d.data_version)),
        ("report.about.personal", tr(personal)),
        # how the same week last season was found: by days since the season's
        # start, or for a week with no heating day by days since its end
        ("report.about.changes", tr("report.about.changes_text" if p.has_heating_day
                                    else "report.about.changes_text_off_season")),
    ]
    r = _section(w, r, tr("report.notes.about"))
    for key, value in items:
        w.put(r, 0, tr(key), "cell", {"bold": True}, WRAP, fit=False)
        w.ws.merge_range(r, 1, r, LAST_COL, "", book.styles.get("wrap"))
        w.put(r, 1, value, "wrap", fit=False)
        w.fit_row(r, [(tr(key), WIDTHS[0]), (value, _width(1, LAST_COL))])
        r += 1
    return r - 1


def _definitions(book: Book, w: SheetWriter, r: int) -> int:
    tr, lang = book.tr, book.lang
    r = _section(w, r, tr("report.notes.definitions"))
    first, last = DEFINITION
    a = ATTRIBUTES
    w.ws.merge_range(r, first, r, last, "", book.styles.get("header"))
    _header(w, r, [tr("report.col.kpi"), tr("report.col.definition"), tr("report.col.unit"),
                   tr("report.col.direction"), tr("report.col.target"),
                   tr("report.col.in_summary")], [0, first, a, a + 1, a + 2, a + 3])
    for kpi in kpis().values():
        r += 1
        label, description = kpi.text(lang)
        unit, direction = tr(f"metrics.unit.{kpi.unit}"), tr(f"metrics.direction.{kpi.direction}")
        w.put(r, 0, label, "cell", {"bold": True}, WRAP, fit=False)
        w.ws.merge_range(r, first, r, last, "", book.styles.get("wrap"))
        w.put(r, first, description, "wrap", fit=False)
        w.put(r, a, unit, "cell", WRAP, fit=False)
        w.put(r, a + 1, direction, "cell", WRAP, fit=False)
        if kpi.target is None:
            w.put(r, a + 2, "—", "cell", WRAP, align="center", fit=False)
        else:
            w.put(r, a + 2, kpi.target, "cell", WRAP,
                  {"num_format": NUMBER_FORMATS[kpi.unit]}, fit=False)
        w.put(r, a + 3, tr("report.yes") if kpi.summary else tr("report.no"), "cell", WRAP,
              fit=False)
        w.fit_row(r, [(label, WIDTHS[0]), (description, _width(first, last)),
                        (unit, WIDTHS[a]), (direction, WIDTHS[a + 1])])
    return r


def _freshness(book: Book, w: SheetWriter, r: int) -> int:
    tr = book.tr
    r = _section(w, r, tr("report.notes.freshness"))
    _header(w, r, [tr("report.col.kind"), tr("report.col.rows"), tr("report.col.first_at"),
                   tr("report.col.last_at"), tr("report.col.loaded_at"),
                   tr("report.col.batches")])
    for f in book.data.freshness:
        r += 1
        kind = tr(f"kind.{f.kind}")
        w.put(r, 0, kind, "cell", WRAP, fit=False)
        w.put(r, 1, "—" if f.rows is None else f.rows, "cell", WRAP, {"num_format": "#,##0"},
              fit=False)
        for c, value in ((2, f.first_at), (3, f.last_at), (4, f.last_loaded_at)):
            w.put(r, c, "—" if missing(value) else value, "cell", WRAP, fit=False)
        w.put(r, 5, f.batches, "cell", WRAP, {"num_format": "#,##0"}, fit=False)
        w.fit_row(r, [(kind, WIDTHS[0])])
    return r


BATCH_COLUMNS = ("batch_id", "file_name", "kind", "uploaded_by", "loaded_at", "rows_read",
                 "rows_inserted", "rows_rejected", "data_from", "data_to")


def _batches(book: Book, w: SheetWriter, r: int) -> int:
    tr = book.tr
    r = _section(w, r, tr("report.notes.batches"))
    _header(w, r, [tr(f"report.col.batch_{c}") for c in BATCH_COLUMNS])
    for row in book.data.batches.to_dict("records"):
        r += 1
        texts = []
        for c, col in enumerate(BATCH_COLUMNS):
            value = row[col]
            if col == "kind":
                value = tr(f"kind.{value}")
            # The days a batch's data spans, as dates: the time of day its
            # first and last rows were taken would not fit the page.
            props = ({"num_format": "#,##0"} if col.startswith("rows_")
                     else {"num_format": NUMBER_FORMATS["date"]} if col.startswith("data_")
                     else {})
            if col.startswith("rows_") and missing(value):   # a branch user's report
                value = "—"
            w.put(r, c, value, "cell", WRAP, fit=False, **props)
            texts.append((value, WIDTHS[c]))
        w.fit_row(r, texts)
    if book.data.batches.empty:
        w.put(r + 1, 0, tr("report.notes.no_batches"), "note", fit=False)
        r += 1
    return r

