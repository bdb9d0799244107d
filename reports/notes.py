"""The 说明 sheet: what the report covers, the definition of every KPI (from
the registry), how fresh each kind of data is, and the batches it was built from."""
from __future__ import annotations

from metrics import kpis

from . import labels
from .book import Book
from .cells import NUMBER_FORMATS, SheetWriter, missing

DEFINITION_WIDTH = 80
LAST_COL = 9


def notes_sheet(book: Book) -> None:
    w = book.sheet("notes", max_width=40)
    book.heading(w, f"{book.tr('report.sheet.notes')} · {book.week_label}", LAST_COL)
    r = _about(book, w, 3)
    r = _definitions(book, w, r + 2)
    r = _freshness(book, w, r + 2)
    _batches(book, w, r + 2)
    w.fit_columns(minimum=8, fixed={1: DEFINITION_WIDTH})
    w.ws.freeze_panes(2, 0)
    book.finish(w, repeat_rows=None)


def _section(w: SheetWriter, r: int, title: str) -> int:
    w.put(r, 0, title, "section", fit=False)
    return r + 1


def _header(w: SheetWriter, r: int, labels: list[str]) -> int:
    for c, label in enumerate(labels):
        w.put(r, c, label, "header", fit=False)
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
        w.put(r, 0, tr(key), "cell", {"bold": True})
        w.put(r, 1, value, "wrap", fit=False)
        r += 1
    return r - 1


def _definitions(book: Book, w: SheetWriter, r: int) -> int:
    tr, lang = book.tr, book.lang
    r = _section(w, r, tr("report.notes.definitions"))
    _header(w, r, [tr("report.col.kpi"), tr("report.col.definition"), tr("report.col.unit"),
                   tr("report.col.direction"), tr("report.col.target"),
                   tr("report.col.in_summary")])
    for kpi in kpis().values():
        r += 1
        label, description = kpi.text(lang)
        w.put(r, 0, label, "cell", {"bold": True})
        w.put(r, 1, description, "wrap", fit=False)
        w.put(r, 2, tr(f"metrics.unit.{kpi.unit}"), "cell")
        w.put(r, 3, tr(f"metrics.direction.{kpi.direction}"), "cell")
        if kpi.target is None:
            w.put(r, 4, "—", "cell", align="center")
        else:
            w.put(r, 4, kpi.target, "cell", {"num_format": NUMBER_FORMATS[kpi.unit]})
        w.put(r, 5, tr("report.yes") if kpi.summary else tr("report.no"), "cell")
    return r


def _freshness(book: Book, w: SheetWriter, r: int) -> int:
    tr = book.tr
    r = _section(w, r, tr("report.notes.freshness"))
    _header(w, r, [tr("report.col.kind"), tr("report.col.rows"), tr("report.col.first_at"),
                   tr("report.col.last_at"), tr("report.col.loaded_at"),
                   tr("report.col.batches")])
    for f in book.data.freshness:
        r += 1
        w.put(r, 0, tr(f"kind.{f.kind}"), "cell")
        w.put(r, 1, f.rows, "cell", {"num_format": "#,##0"})
        for c, value in ((2, f.first_at), (3, f.last_at), (4, f.last_loaded_at)):
            w.put(r, c, "—" if missing(value) else value, "cell")
        w.put(r, 5, f.batches, "cell", {"num_format": "#,##0"})
    return r


BATCH_COLUMNS = ("batch_id", "file_name", "kind", "uploaded_by", "loaded_at", "rows_read",
                 "rows_inserted", "rows_rejected", "data_from", "data_to")


def _batches(book: Book, w: SheetWriter, r: int) -> int:
    tr = book.tr
    r = _section(w, r, tr("report.notes.batches"))
    _header(w, r, [tr(f"report.col.batch_{c}") for c in BATCH_COLUMNS])
    for row in book.data.batches.to_dict("records"):
        r += 1
        for c, col in enumerate(BATCH_COLUMNS):
            value = row[col]
            if col == "kind":
                value = tr(f"kind.{value}")
            w.put(r, c, value, "cell", {"num_format": "#,##0"} if col.startswith("rows_")
                  else None)
    if book.data.batches.empty:
        w.put(r + 1, 0, tr("report.notes.no_batches"), "note", fit=False)
        r += 1
    return r

