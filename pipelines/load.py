"""Step 5b, load: one file -> one batch, in one explicit transaction.

Rows are upserted on the dataset's natural key. Every delivered row is also
kept in <table>_versions with its batch id, so undoing a batch restores what
earlier batches had loaded. A file whose SHA-256 matches a loaded batch
changes nothing.
"""
from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from i18n import separator, t
from metrics import stored
from . import reasons
from .errors import PipelineError
from .fields import DATASETS, STICKY, TEXT, TIMESTAMP, normalize_label
from .header import SCAN_ROWS, Header, find_header, is_total_or_blank
from .mapping import (ROSTER, Mapping, also_named, detect, found_columns, ignored_columns,
                      payment_columns, status_column, unknown_columns, unknown_kind)
from .read import ROW, RawSheet, fill_merged, read_sheets
from .settings import load_settings
from .stage import (EVENT_TIME, _q, bill_months, date_columns, money_scales, refuse_monthly_bills,
                    stage, uncomputed_columns, uncomputed_error)
from .warehouse import WRITE_LOCK, bump_data_version, protect

JSON_KEYS = ("file", "kind", "batch_id", "status", "rows_read", "rows_inserted",
             "rows_updated", "rows_unchanged", "rows_rejected", "rejects", "error",
             "error_detail", "warnings")


@dataclass
class Reject:
    sheet: str
    row: int
    column: str               # canonical field
    value: str | None
    reason: str               # in words, in the loading user's language
    code: str = ""            # machine reason (i18n reject.<code>)
    source_column: str | None = None  # the header as the file has it
    # What the reason's words name (pipelines/reasons), to write them in
    # another language (`reason_in`); None: only the stored words are known.
    params: dict | None = None

    def asdict(self) -> dict:
        """The JSON shape: sheet, row, column, value, reason."""
        return {"sheet": self.sheet, "row": self.row, "column": self.column,
                "value": self.value, "reason": self.reason}

    def reason_in(self, lang: str = "zh") -> str:
        """The reason in `lang`, whichever language the load spoke."""
        return reasons.shown(self.code, self.column, self.params, self.value, self.reason, lang)

    def column_label(self, lang: str = "zh") -> str:
        """The column as the user knows it: its header in the file, else the
        field's name in the user's language (整行 for a whole CSV line)."""
        return self.source_column or t(f"field.{self.column}", lang)


@dataclass
class LoadReport:
    """What happened to one file. `status`: loaded | already_loaded | failed."""
    file: str
    kind: str | None = None
    batch_id: int | None = None
    status: str = "failed"
    rows_read: int = 0
    rows_inserted: int = 0
    rows_updated: int = 0
    rows_unchanged: int = 0
    rows_rejected: int = 0
    rejects: list[Reject] = field(default_factory=list)
    error: str | None = None
    error_code: str | None = None
    # The reader's own words about a file it could not read (technical, often
    # English): kept out of `error`, which is the user's message, for whoever
    # looks into it (the upload page's expander, the command line, --json).
    error_detail: str | None = None
    dataset: str | None = None
    sheet: str | None = None
    header_row: str | None = None
    # How long the load took; None when not known (a load the running
    # dashboard made for the command line, if it did not say).
    seconds: float | None = 0.0
    # What the user should know about rows that loaded (IDs padded with the
    # zeros Excel dropped, households not in the roster), in their language.
    warnings: list[str] = field(default_factory=list)
    # The same as (code, values), to word in any language (warnings_in).
    notes: list[tuple[str, dict]] = field(default_factory=list)

    def asdict(self) -> dict:
        """The JSON shape of `python -m pipelines load --json`."""
        d = {k: getattr(self, k) for k in JSON_KEYS}
        d["rejects"] = [r.asdict() for r in self.rejects]
        return d

    def summary(self, lang: str = "zh") -> str:
        if self.status == "failed":
            return t("load.failed", lang, file=self.file, error=self.error)
        if self.status == "already_loaded":
            return t("load.already_loaded", lang, file=self.file, batch=self.batch_id)
        return t("load.loaded" if self.seconds is not None else "load.loaded_untimed", lang,
                 file=self.file, kind=t(f"kind.{self.kind}", lang),
                 batch=self.batch_id, read=self.rows_read, inserted=self.rows_inserted,
                 updated=self.rows_updated, unchanged=self.rows_unchanged,
                 rejected=self.rows_rejected,
                 seconds=f"{self.seconds:.1f}" if self.seconds is not None else "")

    def __str__(self) -> str:
        return self.text("zh")

    def warnings_in(self, lang: str = "zh") -> list[str]:
        """The warnings in `lang`, whichever language the load spoke (a
        report rebuilt from its JSON has only its words)."""
        if self.notes:
            return [warning(code, params, lang) for code, params in self.notes]
        return list(self.warnings)

    def text(self, lang: str = "zh") -> str:
        """The summary, warnings and the first rejects, as the command line prints
        them: each reject's sheet!row, its column as the file names it, the cell."""
        lines = [self.summary(lang)]
        if self.status == "failed" and self.error_detail:
            lines.append(f"  ({self.error_detail})")
        # A header or a cell broken over lines (测温\n时间) stays on its line.
        lines += [f"  ! {_one_line(w)}" for w in self.warnings]
        for r in self.rejects[:20]:
            lines.append(_one_line(f"  {r.sheet}!{r.row} {r.column_label(lang)} "
                                   f"«{r.value or ''}»: {r.reason}"))
        if len(self.rejects) > 20:
            lines.append(f"  … {len(self.rejects) - 20}")
        return "\n".join(lines)


def _one_line(text: str) -> str:
    """`text` with each line break (and the spaces around it) as one space."""
    return re.sub(r"[ \t]*[\r\n]+[ \t]*", " ", text)


@dataclass
class Plan:
    """A file read, its header found and its columns mapped: ready to stage."""
    sheet: RawSheet
    header: Header
    mapping: Mapping
    # What the user should know about the file as a whole (other sheets that
    # also hold an export): (i18n code under load.warning., its parameters).
    warnings: list[tuple[str, dict]] = field(default_factory=list)

    # The preview staged by the loader's SQL (`read_preview`), per row count.
    _read: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def with_mapping(self, mapping: Mapping) -> "Plan":
        """This plan with another mapping of its columns (a remembered one):
        its warnings about the columns (mapping_warnings) are the new mapping's."""
        kept = [w for w in self.warnings if w[0] not in MAPPING_WARNINGS]
        return Plan(self.sheet, self.header, mapping,
                    kept + mapping_warnings(self.sheet, self.header, mapping))

    def _required(self) -> list[int]:
        ds = DATASETS[self.mapping.dataset]
        return [self.mapping.columns[f.name] for f in ds.fields
                if f.required and f.name in self.mapping.columns]

    def preview(self, n: int = 10) -> list[dict]:
        """The first data rows under canonical field names, without the blank,
        totals and signature/print rows staging drops; the cells as read."""
        start = self.header.last_row  # _row is 1-based: this index is the first data row
        required = self._required()
        out = []
        for cells in self.sheet.head(start + 4 * n + 40)[start:]:
            if len(out) == n:
                break
            if not is_total_or_blank(cells, self.header.labels, required):
                out.append({f: cells[i] for f, i in self.mapping.columns.items()})
        return out

    def _data_rows(self, part: pa.Table) -> list[bool]:
        """For each row of `part` (rows of the sheet's table): whether staging
        reads it, i.e. it is not blank, a total, a signature or print line
        (header.is_total_or_blank, the twin of staging's SQL). As staging
        does, a row with text and no mark of a total (计) or footer (a colon,
        页, "page") is data without a closer look; Arrow finds them, and only
        the marked rows go through the twin."""
        n_columns = self.sheet.n_columns
        labelled = [i for i, label in enumerate(self.header.labels) if label and i < n_columns]

        def cells(i: int) -> pa.ChunkedArray:
            column = part.column(f"c{i}")
            return column if pa.types.is_string(column.type) else column.cast(pa.string())

        def any_of(masks: list) -> pa.ChunkedArray | None:
            out = None
            for mask in masks:
                mask = pc.fill_null(mask, False)
                out = mask if out is None else pc.or_(out, mask)
            return out

        filled = any_of([pc.not_equal(pc.utf8_trim_whitespace(cells(i)), "")
                         for i in labelled])
        if filled is None:
            return [False] * part.num_rows
        marked = any_of([pc.match_substring(cells(i), "计") for i in range(min(3, n_columns))]
                        + [pc.match_substring(cells(i), m) for i in labelled
                           for m in (":", "：", "页", "age", "AGE")])
        filled = filled.to_pylist()
        marked = marked.to_pylist() if marked is not None else [False] * len(filled)
        required = self._required()
        out = []
        for index, (text, mark) in enumerate(zip(filled, marked)):
            if text and mark:
                row = part.slice(index, 1)
                text = not is_total_or_blank(
                    [row.column(f"c{i}")[0].as_py() for i in range(n_columns)],
                    self.header.labels, required)
            out.append(bool(text))
        return out

    def first_data_row(self) -> int | None:
        """The table index of the first row staging would read (`_data_rows`),
        or None when the header has no data row under it. The rows a preview
        shows are looked at first, the rest of the sheet only when they hold
        none."""
        start, n = self.header.last_row, self.sheet.table.num_rows
        for first, length in ((start, 100), (start + 100, n)):
            if first >= n:
                break
            found = self._data_rows(self.sheet.table.slice(first, length))
            if True in found:
                return first + found.index(True)
        return None

    def check(self) -> None:
        """Refuse (PipelineError) a file its load would certainly refuse, where
        what was read for the plan tells it cheaply, in the load's own words:
        no data row under the header (no_rows); once every required column is
        mapped, a formula cell without a computed value in a data row of a
        loaded value column (uncomputed_formulas, as staging finds it) and
        amounts whose unit the title gives but their header does not
        (amount_unit_unclear), and a bills ledger of a row per month
        (bills_monthly)."""
        if self.first_data_row() is None:
            raise PipelineError("no_rows")
        if not self.mapping.complete:
            return
        ds = DATASETS[self.mapping.dataset]
        refuse_monthly_bills(ds, self.sheet, self.header, self.mapping)
        money_scales(ds, self.sheet, self.header, self.mapping)
        columns = uncomputed_columns(ds, self.mapping)
        cells = [(r, c) for r, c in self.sheet.uncomputed
                 if c in columns and r > self.header.last_row]
        if not cells:
            return
        table = self.sheet.table
        rows = table.column(ROW)
        found = table.filter(pc.is_in(rows, pa.array(sorted({r for r, _ in cells}),
                                                     type=rows.type)))
        data = {r for r, keep in zip(found.column(ROW).to_pylist(), self._data_rows(found))
                if keep}
        bad = [(r, c) for r, c in cells if r in data]
        if bad:
            raise uncomputed_error(self.sheet, bad)

    def read_preview(self, con: duckdb.DuckDBPyConnection, n: int = 10) -> list[dict]:
        """`preview`, staged by the loader's own SQL (pipelines.stage) on a
        cursor of `con`: the first n rows staging reads, each time field as
        the load reads it (an Excel serial 45977.3416 is 2025-11-16 08:11:54,
        a date and a time of day in two columns one time) and every other cell
        as the file has it. A time the load would reject stays as written.
        Only the rows shown are staged, once per plan; if staging them fails,
        the cells as read (`preview`)."""
        if n in self._read:
            return self._read[n]
        first = self.first_data_row()
        if first is None:
            return []
        sheet = self.sheet
        head, part = sheet.table.slice(0, self.header.last_row), \
            sheet.table.slice(first, 4 * n + 40)
        counts = None
        if sheet.field_counts is not None:
            counts = pa.concat_arrays([sheet.field_counts.slice(0, self.header.last_row),
                                       sheet.field_counts.slice(first, 4 * n + 40)])
        shown = replace(sheet, table=pa.concat_tables([head, part]), field_counts=counts,
                        uncomputed=[], errors=[], merges=[], number_rows=None)
        ds = DATASETS[self.mapping.dataset]
        names = list(self.mapping.columns)
        times = [f.name for f in ds.fields if f.type == TIMESTAMP and f.name in names]
        cur = con.cursor()
        try:
            stage(cur, shown, self.header, self.mapping)
            cols = [_q("raw_" + f) for f in names] + [
                x for f in times for x in (_q(f), _q("err_" + f))]
            rows = cur.execute(f"SELECT {', '.join(cols)} FROM stg ORDER BY {ROW} "
                               f"LIMIT {int(n)}").fetchall()
        except (PipelineError, duckdb.Error):
            return self.preview(n)
        finally:
            cur.close()
        out = []
        for values in rows:
            row = dict(zip(names, values))
            read = values[len(names):]
            for k, name in enumerate(times):
                value, error = read[2 * k], read[2 * k + 1]
                if value is not None and error is None:
                    row[name] = value
            out.append(row)
        self._read[n] = out
        return out


def warning(code: str, params: dict, lang: str = "zh") -> str:
    """A load warning in words (i18n load.warning.<code>); lists joined, counts
    grouped (5,002 行)."""
    sep = separator(lang)
    quote = "「{}」" if lang == "zh" else '"{}"'

    def word(k: str, x) -> str:
        if k in ("sheets", "columns", "keys", "used"):       # as the file writes them
            return quote.format(x)
        if k.endswith("fields"):
            return t(f"field.{x}", lang)
        if k.endswith("kinds"):
            return t(f"kind.{x}", lang)
        return str(x)

    if code in LOST_PARTS:
        # Only the parts there are: "1 张已办结的在本文件中未办结", not ", 0 张已回访的…".
        params = {**params, "lost": (" and " if lang == "en" else ",").join(
            t(f"load.warning.lost.{part}", lang, n=f"{params[part]:,}")
            for part in LOST_PARTS[code] if params.get(part))}
    return t(f"load.warning.{code}", lang, **{
        k: sep.join(word(k, x) for x in v)
        if isinstance(v, (list, tuple)) else t(f"field.{v}", lang) if k in ("field", "key_field")
        else f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) else v
        for k, v in params.items()})


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def mapping_warnings(sheet: RawSheet, header: Header,
                     mapping: Mapping) -> list[tuple[str, dict]]:
    """What a mapping leaves out or reads in a way the user should know
    (MAPPING_WARNINGS): the columns no field is known by, a field's second
    column, a status column's marks, receipts for other fees, a building's
    area, a monthly price or ledger, a ledger's payment columns. An
    incomplete mapping's unknown columns are what the form offers for the
    missing fields, not columns dropped."""
    labels = header.labels
    if not mapping.complete:
        return []
    out = []
    if unknown := unknown_columns(labels, mapping):
        out.append(("columns_unknown", {"columns": unknown}))
    dated = date_columns(DATASETS[mapping.dataset], header, mapping).values()
    for name, others in also_named(labels, mapping, dated).items():
        # A free text reads the others where the first is blank (stage).
        text = DATASETS[mapping.dataset].field(name).type == TEXT
        out.append(("columns_also_text" if text else "columns_also",
                    {"columns": [labels[i] for i in others], "field": name,
                     "used": [labels[mapping.columns[name]]], "at": others}))
    out += status_marks(sheet, header, mapping)
    out += other_fee_items(sheet, header, mapping)
    # A building's area read as the heated area (no 供热面积 column): said.
    area = mapping.columns.get("heated_area_m2")
    if area is not None and normalize_label(str(labels[area])) in BUILDING_AREA:
        out.append(("area_is_building", {"column": labels[area]}))
    # A price per month (单价(元/㎡/月)): the bill check takes a season's.
    price = mapping.columns.get("unit_price") if mapping.dataset == "fee_bills" else None
    if price is not None and re.search(r"/\s*(月|month)", str(labels[price]), re.I):
        out.append(("price_per_month", {"column": labels[price]}))
    # A ledger of one month (账期 2025-12): a later month's would replace it.
    months = bill_months(DATASETS[mapping.dataset], sheet, header, mapping)
    if months and len(months[1]) == 1:
        out.append(("bills_one_month", {"column": months[0], "month": months[1][0]}))
    # a ledger's payment columns with something in them (empty ones drop nothing)
    if paid := [labels[i] for i in payment_columns(labels, mapping)
                if any(c not in (None, "") for c in _data_cells(sheet, header, i))]:
        out.append(("bills_payment_columns", {"columns": paid}))
    return out


def _data_cells(sheet: RawSheet, header: Header, column: int) -> list:
    """The cells of a column below the header, as read."""
    return sheet.below(header.last_row, column).to_pylist()


# The warnings mapping_warnings gives: a plan with another mapping gives its own.
MAPPING_WARNINGS = ("columns_unknown", "columns_also", "columns_also_text", "status_marks",
                    "other_fee_items", "area_is_building", "bills_one_month", "price_per_month",
                    "bills_payment_columns")
# Areas that are no heated area (a building's, a flat's floor area).
BUILDING_AREA = frozenset(normalize_label(x) for x in ("建筑面积", "房屋面积", "使用面积"))
# Words of a status saying a row is no longer what it records (a receipt
# voided or reversed, a ticket withdrawn or a duplicate, a reading struck out).
VOID_WORDS = ("作废", "无效", "撤销", "撤回", "冲红", "红冲", "冲正", "注销", "删除", "重复", "退回",
              "退费", "退款", "已退")
REVERSAL_WORDS = ("冲红", "红冲", "冲正", "冲销")
# An amount written negative: -1.00, −1.00, ¥-1.00, (1.00) as accountants write it.
NEGATIVE_TEXT = r"^\s*[¥￥]?\s*[-−－–﹣(（]"


# A payments export's column naming what a receipt pays for: only heating
# fees count in the collection (a 滞纳金 or 开口费 receipt is no heat fee).
FEE_ITEM_NAMES = frozenset(normalize_label(x) for x in (
    "收费项目", "费用项目", "费用类型", "费用名称", "项目名称", "收费类别", "缴费项目", "项目"))
# Of those, names a housing project's column may bear too (项目 华光小区): it is
# a fee item only when one of its values names the heating fee.
PROJECT_NAMES = frozenset(normalize_label(x) for x in ("项目", "项目名称"))
HEAT_FEE = r"热费|采暖|供暖|供热|取暖|暖气"


def other_fee_items(sheet: RawSheet, header: Header, mapping: Mapping
                    ) -> list[tuple[str, dict]]:
    """Receipts of a payments export whose fee item (收费项目) is no heating
    fee (滞纳金, 开口费, 维修费): the column is not read, so they count as heat
    fees paid. Said with how many and which items."""
    if mapping.dataset != "fee_payments":
        return []
    taken = set(mapping.columns.values())
    column = next((i for i, label in enumerate(header.labels) if label and i not in taken
                   and normalize_label(label) in FEE_ITEM_NAMES), None)
    if column is None:
        return []
    cells = sheet.below(header.last_row, column, text=True)
    heat = pc.fill_null(pc.match_substring_regex(cells, HEAT_FEE), False)
    if normalize_label(header.labels[column]) in PROJECT_NAMES and not pc.any(heat).as_py():
        return []
    other = pc.and_(pc.fill_null(pc.not_equal(cells, ""), False),
                    pc.invert(pc.fill_null(pc.match_substring_regex(cells, HEAT_FEE), True)))
    items = [str(c) for c in pc.filter(cells, other).to_pylist()]
    if not items:
        return []
    words = list(dict.fromkeys(items))
    return [("other_fee_items", {"column": str(header.labels[column]), "n": len(items),
                                 "values": words[:5] + (["…"] if len(words) > 5 else [])})]


def status_marks(sheet: RawSheet, header: Header, mapping: Mapping) -> list[tuple[str, dict]]:
    """A 状态 column the export does not read, holding words that void a row
    (作废, 已撤销, 冲红): such rows load and count (a voided receipt as paid).
    Said with how many and which words, before the load as after it; a
    status saying 正常 on every row is no news and is not said."""
    column = status_column(header.labels, mapping)
    if column is None:
        return []
    cells = sheet.below(header.last_row, column, text=True)
    # One pass in Arrow: a million receipts' statuses are not read in Python.
    hit = pc.fill_null(pc.match_substring_regex(cells, "|".join(VOID_WORDS)), False)
    amount = mapping.columns.get("amount") if mapping.dataset == "fee_payments" else None
    if amount is not None:
        # A payment marked 冲红 with a negative amount is the reversal itself:
        # it counts as minus what it reverses, as it should.
        money = sheet.below(header.last_row, amount, text=True)
        reversal = pc.and_(
            pc.fill_null(pc.match_substring_regex(cells, "|".join(REVERSAL_WORDS)), False),
            pc.fill_null(pc.match_substring_regex(money, NEGATIVE_TEXT), False))
        hit = pc.and_(hit, pc.invert(reversal))
    marked = [str(c) for c in pc.filter(cells, hit).to_pylist()]
    if not marked:
        return []
    words = list(dict.fromkeys(marked))
    return [("status_marks", {"column": str(header.labels[column]), "n": len(marked),
                              "values": words[:5] + (["…"] if len(words) > 5 else [])})]


def plan_file(path: Path, kind: str | None = None,
              overrides: dict[str, int] | None = None, file_name: str | None = None) -> Plan:
    """Read the file and choose the sheet that holds a known export.

    A workbook may hold more than one sheet with a header: a summary (汇总)
    before the details, a hidden sheet of old data, one sheet per branch. The
    sheet loaded is the first visible one holding a complete export (of
    `kind`, when given). A visible sheet whose columns map only partly (the
    user is shown the column mapping form for it) comes next, before any
    hidden sheet: a hidden sheet of old data is loaded only when no visible
    sheet maps at all. Other visible sheets holding a complete export are not
    loaded: the plan's warning names them. When no sheet holds a complete
    export, the first visible sheet mapping partly, else the first sheet with
    a header, decides what the user hears (its missing columns, or the kind
    it looks like).

    A CSV has no sheets: its one is named after the file as the user named
    it (`file_name`; else the path's). The dashboard reads an upload from a
    temporary file named by the uploader's file id, and a CSV's batch, its
    rejects and 数据管理 named that id (d7d59ac2-…) as the sheet."""
    widest: list | None = None  # the fullest early row: most likely the header
    misnamed: str | None = None
    first: Plan | PipelineError | None = None  # the first sheet with a header
    partly: Plan | None = None  # the first visible sheet whose columns map partly
    chosen: tuple[RawSheet, Header] | None = None
    others: list[str] = []
    try:
        for sheet in read_sheets(Path(path)):
            misnamed = sheet.misnamed
            header = find_header(sheet)
            if header is None:
                rows = sheet.head(SCAN_ROWS)
                if rows and widest is None:
                    widest = max(rows, key=lambda r: sum(c is not None for c in r))
                continue
            try:
                # Which sheets hold an export is judged without the user's column
                # choices: those name columns of the sheet the user was shown.
                mapping = detect(header.labels, kind)
            except PipelineError as exc:
                first = first or exc
                continue
            if not mapping.complete:
                first = first or Plan(sheet, header, mapping)
                if not sheet.hidden:
                    partly = partly or Plan(sheet, header, mapping)
                continue
            if chosen is None or (chosen[0].hidden and not sheet.hidden):
                chosen = (sheet, header)
            elif not sheet.hidden:
                others.append(sheet.name)
        if (chosen is None or chosen[0].hidden) and partly is not None:
            # The user sees this sheet, not the hidden one: they are asked to
            # map its columns rather than given the hidden sheet's rows.
            chosen = (partly.sheet, partly.header)
        if chosen is None:
            if isinstance(first, PipelineError):
                raise first
            if first is None:
                if widest is None:
                    raise PipelineError("empty_file")
                raise unknown_kind(widest)
            chosen = (first.sheet, first.header)
        sheet, header = chosen
        if sheet.delimiter is not None and file_name:
            sheet = replace(sheet, name=Path(file_name).stem)
        warnings = [("other_sheets", {"sheets": others, "sheet": sheet.name})] if others else []
        mapping = detect(header.labels, kind, overrides)
        sheet = fill_merged(sheet, header.last_row)
        return Plan(sheet, header, mapping, warnings + mapping_warnings(sheet, header, mapping))
    except PipelineError as exc:
        # Plain text named .xlsx with no export in it: its "columns" are just
        # its first line of text. Say what it is, not what columns it lacks.
        if exc.code in ("unknown_kind", "unknown_kind_closest") and misnamed:
            raise PipelineError("misnamed_excel", suffix=misnamed) from exc
        raise


# Steps of a load, in order, with the share of the work done when each starts
# (for progress bars; `progress(step, share)` is called as each begins).
STEPS = {"reading": 0.0, "staging": 0.55, "writing": 0.8, "versions": 0.85, "current": 0.9,
         "committing": 0.97, "done": 1.0}


def load_file(con: duckdb.DuckDBPyConnection, path: str | Path, kind: str | None = None,
              user: str = "cli", file_name: str | None = None,
              overrides: dict[str, int] | None = None, lang: str = "zh",
              progress: Callable[[str, float], None] | None = None) -> LoadReport:
    """Load one file; never raises for a problem with the file (see report.status)."""
    path = Path(path)
    step = (lambda name: progress(name, STEPS[name])) if progress else (lambda name: None)
    report = LoadReport(file=file_name or path.name)
    started = time.perf_counter()
    try:
        limit_mb = load_settings()["upload"]["max_file_mb"]
        size = path.stat().st_size
        if size > limit_mb * 1024 * 1024:
            raise PipelineError("too_large", mb=f"{size / 1048576:.0f}", limit=limit_mb)
        sha = file_sha256(path)
        with WRITE_LOCK:
            cur = con.cursor()
            try:
                # The same file loaded as another kind (a bills ledger taken
                # for a roster, loaded again as fees) is not loaded yet. With
                # no kind asked for, a file loaded before is not read again (a
                # re-upload costs nothing), unless only as a roster: what the
                # file is, is then detected (`detected_again`).
                done = cur.execute(
                    "SELECT batch_id, kind FROM batches WHERE sha256 = ? AND status = 'loaded'"
                    " AND (?::VARCHAR IS NULL OR kind = ?) ORDER BY batch_id DESC",
                    [sha, kind, kind]).fetchall()
                if done and (kind is not None or not detected_again(k for _, k in done)):
                    return _already_loaded(report, done[0])
                step("reading")
                try:
                    plan = plan_file(path, kind, overrides, file_name=report.file)
                except PipelineError:
                    if done:    # loaded before as a kind that was chosen then
                        return _already_loaded(report, done[0])
                    raise
                same = [d for d in done if d[1] == plan.mapping.kind]
                if same or (done and not plan.mapping.complete):
                    return _already_loaded(report, (same or done)[0])
                if not plan.mapping.complete:
                    raise PipelineError("missing_columns", missing_fields=plan.mapping.missing,
                                        columns=found_columns(plan.header.labels))
                _load(cur, plan, report, sha, size, user, lang, step)
                step("done")
            finally:
                cur.close()
    except PipelineError as exc:
        report.status, report.error, report.error_code = "failed", exc.message(lang), exc.code
        report.error_detail = exc.unsaid_detail(lang)
    except Exception as exc:  # a bug or a reader crash: this file fails, the others go on
        report.status, report.error_code = "failed", "internal"
        report.error = PipelineError("internal", detail=f"{type(exc).__name__}: {exc}"[:300]
                                     ).message(lang)
    finally:
        report.seconds = time.perf_counter() - started
    return report


def detected_again(kinds) -> bool:
    """Whether a file loaded before (as `kinds`) and loaded again with no kind
    asked for is read to detect its kind: when it was loaded only as a roster
    (files holding a household's columns beside a bill's, a reading's or a
    ticket's were once taken for one). Else it is already loaded, unread."""
    return all(k == ROSTER for k in kinds)


def _already_loaded(report: LoadReport, batch: tuple[int, str]) -> LoadReport:
    report.batch_id, report.kind = batch
    report.status = "already_loaded"
    return report


def _load(cur: duckdb.DuckDBPyConnection, plan: Plan, report: LoadReport, sha: str,
          size: int, user: str, lang: str, step: Callable[[str], None]) -> None:
    ds = DATASETS[plan.mapping.dataset]
    report.kind, report.dataset = ds.kind, ds.name
    report.sheet, report.header_row = plan.sheet.name, plan.header.rows
    step("staging")
    staged = stage(cur, plan.sheet, plan.header, plan.mapping, lang)
    if staged.rows_read == 0:
        raise PipelineError("no_rows")
    table, cols = ds.name, ds.columns
    col_list = ", ".join(cols)
    on_key = " AND ".join(f"s.{k} = c.{k}" for k in ds.key)
    event = EVENT_TIME.get(ds.name)
    span = f"SELECT min({event}), max({event}) FROM stg_ok" if event else \
        "SELECT NULL::TIMESTAMP, NULL::TIMESTAMP"

    cur.execute("BEGIN TRANSACTION")
    try:
        step("writing")
        batch_id = cur.execute("SELECT nextval('batch_seq')").fetchone()[0]
        # A column the file does not have (a roster of 户号, 分公司 and 面积
        # only, an inspection export without 室外温度) keeps what a loaded row
        # holds: the file says nothing about it. A blank cell of a column it
        # has is a blank.
        # Staging leaves such a column empty (unmapped, or `ignored`), so the
        # row's value there is the stored one, or none for a new key.
        kept = [x for x in cols if (x not in plan.mapping.columns or x in staged.ignored)
                and x not in ds.key]
        # ... but for a flag a blank never clears (STICKY): a ticket the caller
        # asked to keep anonymous stays so when a later export leaves 是否匿名
        # blank (it named the caller to the admin from then on).
        sticky = [x for x in STICKY.get(ds.name, ()) if x not in kept]
        merged = ", ".join(f"c.{x} AS {x}" if x in kept else
                           f"coalesce(s.{x}, c.{x}) AS {x}" if x in sticky else f"s.{x}"
                           for x in cols)
        any_kept = " OR ".join([f"c.{x} IS NOT NULL" for x in kept]
                               + [f"(s.{x} IS NULL AND c.{x} IS NOT NULL)" for x in sticky]
                               ) or "false"
        cur.execute(f"""
            CREATE OR REPLACE TEMP TABLE stg_kept AS
            SELECT {merged}, s.source_row,
                   CASE WHEN {any_kept} THEN NULL ELSE s.row_hash END AS file_hash,
                   c.row_hash AS current_hash
            FROM stg_ok s LEFT JOIN {table} c ON {on_key}""")
        cur.execute(f"""
            CREATE OR REPLACE TEMP TABLE stg_cls AS
            SELECT * EXCLUDE (file_hash, current_hash, h), h AS row_hash,
                   CASE WHEN current_hash IS NULL THEN 'insert'
                        WHEN current_hash = h THEN 'same'
                        ELSE 'update' END AS action
            FROM (SELECT *, coalesce(file_hash, hash({col_list})) AS h FROM stg_kept)""")
        counts = dict(cur.execute(
            "SELECT action, count(*) FROM stg_cls GROUP BY action").fetchall())
        noted = _reused_keys(cur, ds, batch_id) + _went_back(cur, ds, batch_id) \
            if counts.get("update") else []
        noted += _left_behind(cur, ds, report.file, batch_id)
        if ds.name == ROSTER:
            columns, kinds = ignored_columns(plan.header.labels, plan.mapping)
            if columns:
                noted.append(("roster_ignored", {"columns": columns, "kinds": kinds,
                                                 "batch": batch_id}))
        # A version is what the file said: the columns it lacks stay NULL
        # there, and are named for undo (batch_kept_columns).
        cur.execute(f"INSERT INTO {table}_versions SELECT {col_list}, ?, source_row, row_hash "
                    f"FROM stg_ok", [batch_id])
        if kept:
            cur.execute("INSERT INTO batch_kept_columns VALUES (?, ?)", [batch_id, kept])
        step("versions")
        key_match = " AND ".join(f"{table}.{k} = u.{k}" for k in ds.key)
        cur.execute(f"DELETE FROM {table} USING stg_cls u WHERE {key_match} "
                    f"AND u.action = 'update'")
        cur.execute(f"INSERT INTO {table} SELECT {col_list}, ?, source_row, row_hash "
                    f"FROM stg_cls WHERE action <> 'same'", [batch_id])
        step("current")
        cur.execute(f"INSERT INTO rejects (batch_id, file_name, sheet, source_row, column_name, "
                    f"source_column, value, code, reason, params) "
                    f"SELECT ?, ?, ?, {ROW}, column_name, source_column, value, code, reason, "
                    f"params FROM stg_rejects",
                    [batch_id, report.file, plan.sheet.name])
        data_from, data_to = cur.execute(span).fetchone()
        inserted, updated = counts.get("insert", 0), counts.get("update", 0)
        unchanged, rejected = counts.get("same", 0), staged.rows_rejected
        # Every row read is accounted for: loaded, unchanged or rejected.
        assert staged.rows_read == inserted + updated + unchanged + rejected
        cur.execute(
            "INSERT INTO batches VALUES (?, ?, ?, ?, ?, ?, ?, ?, timezone('Asia/Shanghai', now()), ?, ?, ?, ?, ?, ?,"
            " ?, ?, 'loaded', NULL, NULL)",
            [batch_id, ds.kind, ds.name, report.file, plan.sheet.name, sha, size, user,
             plan.header.last_row, staged.rows_read, inserted, updated, unchanged, rejected,
             data_from, data_to])
        notes = plan.warnings + staged.warnings + noted
        if notes:
            cur.executemany("INSERT INTO batch_warnings VALUES (?, ?, ?, ?)", [
                [batch_id, i, code, json.dumps(params, ensure_ascii=False, default=str)]
                for i, (code, params) in enumerate(notes)])
        bump_data_version(cur)
        # The stored models follow the data in the same transaction.
        stored.after_write(cur, ds.name, "SELECT * FROM stg_cls WHERE action <> 'same'")
        step("committing")
        cur.execute("COMMIT")
    except BaseException:
        cur.execute("ROLLBACK")
        raise
    protect(cur)
    report.status, report.batch_id, report.rows_read = "loaded", batch_id, staged.rows_read
    report.rows_inserted, report.rows_updated = inserted, updated
    report.rows_unchanged, report.rows_rejected = unchanged, rejected
    report.notes = [(code, json.loads(json.dumps(params, ensure_ascii=False, default=str)))
                    for code, params in notes]
    report.warnings = report.warnings_in(lang)
    report.rejects = [Reject(plan.sheet.name, *r, params=json.loads(params)) for *r, params in
                      cur.execute(f"SELECT {ROW}, column_name, value, reason, code, "
                                  f"source_column, params FROM stg_rejects "
                                  f"ORDER BY {ROW}, column_name").fetchall()]


# A key (ticket, receipt or household number) that names another record when loaded again:
# the fields that tell records apart, and how far a time may move (a
# correction) before the number seems reused for another record.
REUSED_KEY_FIELDS = {"tickets": ("household_id", "received_at"),
                     "fee_payments": ("household_id", "season", "paid_at"),
                     # a household moved to another branch: every reading, ticket
                     # and bill of it, before and after, counts there (two
                     # branches' systems numbering alike, most likely)
                     "households": ("branch",)}
REUSED_KEY_SECONDS = 86400
EXAMPLES = 2


def _reused_keys(cur: duckdb.DuckDBPyConnection, ds, batch_id: int) -> list[tuple[str, dict]]:
    """Rows of the file that update a loaded row of the same number but
    another household, season, or a time over a day apart: a number the
    source system used again (each season from 1), whose earlier record
    this load replaced. Before the update is written (stg_cls, the table)."""
    fields = REUSED_KEY_FIELDS.get(ds.name)
    if not fields:
        return []
    (key,) = ds.key
    changed = {f: f"abs(date_diff('second', c.{f}, u.{f})) > {REUSED_KEY_SECONDS}"
               if ds.field(f).type == TIMESTAMP else f"u.{f} <> c.{f}" for f in fields}
    n, *by_field, keys = cur.execute(f"""
        SELECT count(*), {", ".join(f"count(*) FILTER (WHERE {c})" for c in changed.values())},
               min_by(u.{key}, u.source_row, {EXAMPLES})
        FROM stg_cls u JOIN {ds.name} c ON u.{key} = c.{key}
        WHERE u.action = 'update' AND ({" OR ".join(changed.values())})""").fetchone()
    if not n:
        return []
    return [("key_reused", {"n": n, "key_field": key, "keys": keys, "batch": batch_id,
                            "changed_fields": [f for f, k in zip(fields, by_field) if k]})]


# What an update of a loaded row takes away when the file is an older export
# than the one loaded (yesterday's after today's), or one whose column came
# out empty: per dataset, the warning's code and, by its parameter, the SQL
# saying the loaded row (c) had it and the file's (u) has not. A ticket's
# resolution and follow-up (a later export of the ticket does not lose
# them); a reading's signature and outdoor temperature (without them it no
# longer counts, or no longer counts as exempt on a day below the design
# temperature).
WENT_BACK = {
    "tickets": ("went_back", {
        "unresolved": "c.resolved_at IS NOT NULL AND u.resolved_at IS NULL",
        "unfollowed": "c.followup_at IS NOT NULL AND u.followup_at IS NULL"}),
    "temperature_readings": ("readings_went_back", {
        "unsigned": "c.signed AND NOT coalesce(u.signed, false)",
        "no_outdoor": "c.outdoor_c IS NOT NULL AND u.outdoor_c IS NULL"}),
}
# The parameters of each such warning that count what was taken away.
LOST_PARTS = {code: tuple(lost) for code, lost in WENT_BACK.values()}
# How a row of each dataset is named in a warning's examples.
EXAMPLE_KEY = {"temperature_readings":
               "u.household_id || ' ' || strftime(u.measured_at, '%Y-%m-%d %H:%M')"}


def _went_back(cur: duckdb.DuckDBPyConnection, ds, batch_id: int) -> list[tuple[str, dict]]:
    """Rows of the file that update a loaded row into one without what it had
    (WENT_BACK): a ticket resolved or followed up, a reading signed or with
    its outdoor temperature. Most likely an older export loaded after a newer
    one, which would reopen closed tickets (漏件, overdue), or a re-export
    whose column came out empty, which would make signed readings invalid,
    without a word. The file's values are loaded, as every update is (a
    ticket may truly be reopened); the warning says how to get the loaded
    ones back (undo)."""
    if ds.name not in WENT_BACK:
        return []
    code, lost = WENT_BACK[ds.name]
    on = " AND ".join(f"u.{k} = c.{k}" for k in ds.key)
    example = EXAMPLE_KEY.get(ds.name, f"u.{ds.key[0]}")
    n, *by_field, keys, batches = cur.execute(f"""
        SELECT count(*), {", ".join(f"count(*) FILTER (WHERE {c})" for c in lost.values())},
               min_by({example}, u.source_row, {EXAMPLES}),
               list(DISTINCT c.batch_id ORDER BY c.batch_id)
        FROM stg_cls u JOIN {ds.name} c ON {on}
        WHERE u.action = 'update' AND ({" OR ".join(lost.values())})""").fetchone()
    if not n:
        return []
    return [(code, {"n": n, **dict(zip(lost, by_field)), "keys": keys,
                    "old_batches": batches, "batch": batch_id})]


# What a file's name says about versions of it: temp_v2.xlsx, 测温(1).xlsx,
# 工单更正.xlsx are versions of temp, 测温, 工单.
_VERSION_WORDS = (r"(?:更正|修正|修改|修订)后?版?|最终版?|最新版?|新版?|副本|"
                  r"final|new|corrected|fixed|copy")
_VERSION_MARK = re.compile(
    rf"(?:[\s_\-.—]*(?:v\d+|[(（\[【]\s*(?:\d+|{_VERSION_WORDS})\s*[)）\]】]|"
    rf"{_VERSION_WORDS}))+$", re.IGNORECASE)


def _file_stem(name: str) -> str:
    stem = Path(str(name)).stem.strip().lower()
    return _VERSION_MARK.sub("", stem) or stem


def _left_behind(cur: duckdb.DuckDBPyConnection, ds, file_name: str,
                 batch_id: int) -> list[tuple[str, dict]]:
    """Earlier loaded batches of the dataset this file looks like a new
    version of (the same file name, but for a version mark, and sharing a key
    with it; sharing keys alone is an overlapping export, as loads are meant
    to take) that hold rows this file does not: a corrected key (a reading's
    time, a ticket's number) leaves the old row beside the new one.

    One warning naming every batch to undo: a row goes only when every batch
    that delivered it is undone, so after 工单 and 工单_v2 (the same rows but
    five), 工单_v3 (ten fewer) needs both undone; either alone removes only
    what the other does not hold. Rows a batch of another file also holds
    stay whatever is undone: a second warning counts them."""
    stem = _file_stem(file_name)
    named = [b for b, name in cur.execute(
        "SELECT batch_id, file_name FROM batches WHERE status = 'loaded' AND dataset = ? "
        "AND batch_id <> ?", [ds.name, batch_id]).fetchall() if _file_stem(name) == stem]
    if not named:
        return []
    undo, removed, kept, others = _rows_left_behind(cur, ds, named)
    if removed > cur.execute("SELECT count(*) FROM stg_ok").fetchone()[0]:
        # Fewer rows than it would leave behind: a correction of a few rows
        # (测温_更正.xlsx of 3 readings), which updates them, not a new
        # version of the whole file; undoing the old batch would take
        # thousands of rows away.
        return []
    notes = []
    if len(undo) == 1:
        notes.append(("left_behind", {"old_batch": undo[0][0], "file": undo[0][1],
                                      "n": removed}))
    elif undo:
        notes.append(("left_behind_several", {
            "batches": [b for b, _ in undo], "files": list(dict.fromkeys(f for _, f in undo)),
            "n": removed}))
    if kept:
        notes.append(("left_behind_kept", {"n": kept, "batches": others}))
    return notes


def _rows_left_behind(cur: duckdb.DuckDBPyConnection, ds, named: list[int]):
    """The keys of the `named` batches sharing a key with the file (stg_ok)
    that the file does not hold, split by whether undoing named batches
    removes them: ([(batch, file name)] to undo, oldest first; how many keys
    that removes; how many keys a batch of another file also holds; those
    batches). Only rows on the days the file covers (its first to its last
    event's day) are left behind: an export of the last 30 days does not
    leave the day that dropped out of it."""
    keys = ", ".join(ds.key)
    event = EVENT_TIME.get(ds.name)
    days = (f"AND {event} >= (SELECT date_trunc('day', min({event})) FROM stg_ok) "
            f"AND {event} < (SELECT date_trunc('day', max({event})) + INTERVAL 1 DAY "
            f"FROM stg_ok)") if event else ""
    undo, removed, kept, others = cur.execute(f"""
        WITH f AS (SELECT DISTINCT {keys} FROM stg_ok),
        mine AS (SELECT DISTINCT batch_id, {keys} FROM {ds.name}_versions
                 WHERE batch_id IN (SELECT unnest($named)) {days}),
        sharing AS (SELECT DISTINCT batch_id FROM mine JOIN f USING ({keys})),
        gone AS (SELECT {keys} FROM mine WHERE batch_id IN (SELECT batch_id FROM sharing)
                 EXCEPT SELECT {keys} FROM f),
        holders AS (SELECT v.batch_id, v.batch_id IN (SELECT batch_id FROM sharing) AS named,
                           {", ".join("g." + k for k in ds.key)}
                    FROM {ds.name}_versions v JOIN gone g USING ({keys})
                    JOIN batches b ON b.batch_id = v.batch_id AND b.status = 'loaded'),
        per_key AS (SELECT {keys}, bool_and(named) AS removable,
                           list(batch_id) FILTER (WHERE named) AS named_batches,
                           list(batch_id) FILTER (WHERE NOT named) AS other_batches
                    FROM holders GROUP BY {keys})
        SELECT (SELECT list(DISTINCT b ORDER BY b) FROM per_key, unnest(named_batches) t(b)
                WHERE removable),
               count(*) FILTER (WHERE removable), count(*) FILTER (WHERE NOT removable),
               (SELECT list(DISTINCT b ORDER BY b) FROM per_key, unnest(other_batches) t(b))
        FROM per_key""", {"named": named}).fetchone()
    names = dict(cur.execute("SELECT batch_id, file_name FROM batches "
                             "WHERE batch_id IN (SELECT unnest($b))",
                             {"b": undo or []}).fetchall())
    return [(b, names[b]) for b in undo or []], removed, kept, others or []
