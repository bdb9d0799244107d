"""Steps 4 and 5a, stage and validate, in DuckDB SQL.

The raw text cells are registered with DuckDB; one generated statement casts
every mapped column and records, per cell, the reason it cannot be loaded.
The SQL is generated from the field list in fields.py (identifiers only);
every value (word lists, bounds, row numbers) is a bound parameter.

Temp tables made on the connection:
  stg          every data row: raw_<f>, <f> (typed), err_<f> (reason code)
  stg_ok       valid rows, one per natural key (the last row in the file wins)
  stg_rejects  one row per bad cell: _row, column_name, value, code, reason
"""
from __future__ import annotations

import datetime as dt
import json
import re

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from . import reasons
from .errors import PipelineError
from .fields import (BOOL, DATASETS, DAY_OR_TIME, ENUM, ID, NO_WORDS, NUMBER, PENDING_PATTERN,
                     SEASON, SIGNATURE, SIGNED_PATTERN, TEXT, TIMESTAMP, UNSIGNED_PATTERN,
                     UNSIGNED_WORDS, WAN_YUAN, YES_WORDS, Dataset, Field, has_unit,
                     normalize_label, wan_yuan, wan_yuan_title)
from .formulas import cell_ref
from .header import FOOTER_ROW, TOTAL_MARKS, TOTAL_ROW, Header
from .mapping import Mapping, also_named
from .read import ROW, RawSheet
from .reasons import WHOLE_ROW
from .settings import company_now, load_settings

MACROS = Path(__file__).parent / "sql" / "parse_macros.sql"
EVENT_TIME = {"temperature_readings": "measured_at", "tickets": "received_at",
              "fee_payments": "paid_at"}
SQL_TYPE = {TEXT: "VARCHAR", ID: "VARCHAR", TIMESTAMP: "TIMESTAMP", NUMBER: "DOUBLE",
            BOOL: "BOOLEAN", SIGNATURE: "BOOLEAN", ENUM: "VARCHAR", SEASON: "VARCHAR"}
TYPE_ERROR = {TIMESTAMP: "bad_date", NUMBER: "bad_number", BOOL: "bad_value",
              ENUM: "bad_value", SEASON: "bad_season"}
# Field types read from the cell after Unicode NFKC (full-width digits and
# letters, no-break and ideographic spaces become ASCII: ０１０１ -> 0101,
# １８．５ -> 18.5, the no-break space in "2025-12-08 08:05" a space), without
# the whitespace and control characters around it (heat_clean), and empty when
# it only holds a dash or slash (heat_blank: "—" in an optional column is no
# value). The raw cell is kept as it was: it is what a reject shows.
NORMALISED = {ID, NUMBER, ENUM, SEASON, TIMESTAMP}
# An ID in the scientific notation Excel shows a long number in.
SCIENTIFIC_ID = r"[0-9](\.[0-9]+)?[eE]\+[0-9]{1,3}"
# How far past the time of loading a time may lie (clocks of the source
# systems a little ahead): later, it is a typing error (2052 for 2025).
FUTURE_SLACK = dt.timedelta(days=1)
# A time of day written alone (8:20, 08:20:00, 8：20).
TIME_OF_DAY = r"\s*[0-9]{1,2}\s*[:：]\s*[0-9]{2}(\s*[:：]\s*[0-9]{2})?\s*"
# A space between digits (18 5, 1 2): 18.5 or 185? Not read. An amount
# grouped by spaces in threes (1 234.50) is a thousands separator.
DIGITS_SPACED = r"[0-9][\s]+[0-9]"
SPACE_GROUPED = (r"\s*[-+]?[(（]?\s*[¥￥]?\s*[0-9]{1,3}( [0-9]{3})+(\.[0-9]+)?\s*[)）]?\s*"
                 r"(元|㎡|m2|m²|平方米|平米)?\s*")
# A time cell giving a day but no clock time: 2025-11-25, 2025年11月25日, a whole
# Excel serial, or an Excel date cell as read (2025-11-25 00:00:00).
CLOCK = r"[0-9]\s*[:：时点]"
EXCEL_MIDNIGHT = r"[0-9]{4}-[0-9]{2}-[0-9]{2} 00:00:00"


def local_now() -> dt.datetime:
    """The time of loading (settings.company_now). Tests replace it to fix the clock."""
    return company_now()


@lru_cache(maxsize=1)
def _macro_sql() -> str:
    return MACROS.read_text(encoding="utf-8")


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(_macro_sql())


def bounds(ds: Dataset, f: Field) -> tuple[float | None, float | None]:
    """Plausible range of a number; temperatures come from settings."""
    if ds.name == "temperature_readings" and f.name in ("indoor_c", "outdoor_c"):
        s = load_settings()["temperature"]
        side = "indoor" if f.name == "indoor_c" else "outdoor"
        return s[f"{side}_min_c"], s[f"{side}_max_c"]
    return f.min, f.max


@dataclass
class StageResult:
    rows_read: int
    rows_rejected: int
    rows_valid: int
    # Things the user should know about rows that loaded: (i18n code under
    # load.warning., its parameters).
    warnings: list[tuple[str, dict]] = field(default_factory=list)
    # Optional fields mapped by their header whose column turned out to hold
    # something else (no cell one of the field's values): not loaded.
    ignored: list[str] = field(default_factory=list)


class _Sql:
    """Collects named bound parameters while SQL text is assembled, so the
    order fragments are built in does not matter."""

    def __init__(self):
        self.params: dict[str, object] = {}

    def p(self, value) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return "$" + name


def _bound(sql: str, params: dict) -> dict:
    """The parameters a statement names ($p3): DuckDB refuses others."""
    return {k: v for k, v in params.items() if re.search(rf"\${k}\b", sql)}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _value(f: Field) -> str:
    """The cell's text as typing reads it; NULL when the cell is empty."""
    if f.type in NORMALISED:
        return _q("val_" + f.name)
    return f"NULLIF(trim({_q('raw_' + f.name)}), '')"


# What a free-text cell may hold around its text, or alone in a cell that is
# blank: spaces, tabs and line breaks, the full-width and no-break spaces,
# zero-width characters and a stray byte-order mark.
# Excel's error values, as a sheet shows them.
EXCEL_ERROR = r"#(N/A|VALUE!|REF!|DIV/0!|NUM!|NAME\?|NULL!|SPILL!|CALC!|GETTING_DATA)"
# An ID a CSV kept as text: ="0101001" (a formula) or '0101001.
QUOTED_ID = "^(?:=\"(.*)\"|'(.*))$"
BLANK_CHARS = " \t\r\n\v\f\u3000\u00a0\u200b\u200c\u200d\u2060\ufeff"
# Those beyond ASCII's control characters and space, as code points.
_WIDE_BLANKS = ", ".join(str(ord(c)) for c in BLANK_CHARS if ord(c) > 32)


# The characters DuckDB's trim() removes beyond ASCII: Unicode's space
# separators (the no-break and ideographic spaces among them).
_SPACES = ", ".join(map(str, (160, 5760, *range(8192, 8203), 8239, 8287, 12288)))


def _blank(c: str) -> str:
    """SQL: the cell is NULL or NULLIF(trim(c), '') is. trim() runs only on a
    cell beginning with a control character, a space or a Unicode space."""
    return f"({c} IS NULL OR ((ord({c}) <= 32 OR ord({c}) IN ({_SPACES})) AND trim({c}) = ''))"


def _text(q: _Sql, raw: str) -> str:
    """A free-text cell without the BLANK_CHARS around it; NULL when blank.
    trim() with a set of characters is slow: it runs only on a cell beginning
    or ending with one of them (or another control character)."""
    ends = " AND ".join(f"ord({e}) > 32 AND ord({e}) NOT IN ({_WIDE_BLANKS})"
                        for e in (raw, f"right({raw}, 1)"))
    return f"CASE WHEN {ends} THEN {raw} ELSE NULLIF(trim({raw}, {q.p(BLANK_CHARS)}), '') END"


def _id(q: _Sql, value: str) -> str:
    """An ID cell's ID. An ID read from a number cell ends in ".0". A CSV keeps
    leading zeros as a formula ="0101001" or with an apostrophe '0101001: the
    ID is what is inside (the same ticket in an .xlsx must match it). Each
    regular expression runs only on a cell beginning or ending with what it
    removes."""
    inside = (f"CASE WHEN ord({value}) IN (39, 61) THEN regexp_replace({value}, "
              f"{q.p(QUOTED_ID)}, '\\1\\2') ELSE {value} END")
    return f"NULLIF(heat_id_number({inside}), '')"


def _typed(q: _Sql, f: Field, raw: str, epoch: str, scale: int = 1) -> str:
    # A blank cell loads as NULL: a CSV's tab-only cell was a text (a ticket
    # "with a result"), a cell's stray line break was kept.
    def text() -> str:   # binds its parameter only where it is used
        return _text(q, raw)

    word = f"lower(regexp_replace({_value(f)}, '\\s+', '', 'g'))"
    if f.type == TEXT:
        return text()
    if f.type == ID:
        return _id(q, _value(f))
    if f.type == TIMESTAMP:
        # The common forms only (Excel serials, 2025-12-01 08:05[:00]); the
        # cells they leave empty are read by heat_ts afterwards (`stage`):
        # heat_ts costs about a second per million cells even where its
        # branches are not taken.
        return f"heat_ts_fast({_value(f)}, {q.p(epoch)})"
    if f.type == NUMBER:
        if f.money and scale != 1:
            # 0.184 (万元) -> 1840 yuan; rounding drops the float noise of the
            # product. A cell giving its own 万 (1.2万元) is not scaled again.
            return f"heat_amount_scaled({_value(f)}, {q.p(scale)})"
        if f.money:
            # Amounts also in accounting brackets: (500.00) is -500.
            return f"heat_amount({_value(f)})"
        return f"heat_num({_value(f)})"
    if f.type == SEASON:
        return f"heat_season({_value(f)})"
    if f.type == BOOL:
        yes, no = [_word(w) for w in YES_WORDS + f.yes], [_word(w) for w in NO_WORDS + f.no]
        return (f"CASE WHEN list_contains({q.p(yes)}::VARCHAR[], {word}) THEN true "
                f"WHEN list_contains({q.p(no)}::VARCHAR[], {word}) THEN false END")
    if f.type == SIGNATURE:
        # A signature cell holds the resident's name or a mark; empty, a "no"
        # word or words saying they did not sign (拒签, 未签名, 不在家 …), or
        # one still to be made up (未补签, 补签中) mean unsigned (service rules
        # art. 11(7)).
        return (f"CASE WHEN {text()} IS NULL THEN false "
                f"WHEN list_contains({q.p(list(YES_WORDS))}::VARCHAR[], {word}) THEN true "
                f"WHEN list_contains({q.p(list(NO_WORDS + UNSIGNED_WORDS))}::VARCHAR[], {word}) "
                f"THEN false "
                f"WHEN regexp_matches({word}, {q.p(PENDING_PATTERN)}) THEN false "
                f"WHEN regexp_matches({word}, {q.p(SIGNED_PATTERN)}) THEN true "
                f"WHEN regexp_matches({word}, {q.p(UNSIGNED_PATTERN)}) THEN false "
                f"ELSE true END")
    if f.type == ENUM:
        words = [_word(w) for v, ws in f.values.items() for w in ws]
        values = [v for v, ws in f.values.items() for _ in ws]
        exact = (f"list_extract({q.p(values)}::VARCHAR[], "
                 f"list_position({q.p(words)}::VARCHAR[], {word}))")
        if not f.contains:
            return exact
        # No word is the whole cell: the canonical values inside it (投诉类 -> 投诉).
        inside, one = contained_values(f)
        found = f"list_filter({q.p(inside)}::VARCHAR[], lambda w: contains({word}, w))"
        pick = f"CASE WHEN len({found}) = 1 THEN {found}[1] END" if one else f"{found}[1]"
        if f.contains == "ratings":
            # 满意 negated (不太满意, 不是很满意, 没有很满意) is the unsatisfied
            # rating, not 满意; 一般 (满意度一般, 一般满意) is no rating word: unknown.
            pick = (f"CASE WHEN contains({word}, '一般') THEN NULL "
                    f"WHEN regexp_matches({word}, '(不|没|未)[^满]{{0,3}}满意') "
                    f"THEN {q.p(inside[0])} ELSE {pick} END")
        return f"coalesce({exact}, {pick})"
    raise ValueError(f.type)


def _word(w: str) -> str:
    """A listed word as cells are compared with it: lower case, no spaces."""
    return w.lower().replace(" ", "")


def contained_values(f: Field) -> tuple[list[str], bool]:
    """For an ENUM read by the words it contains (Field.contains): the canonical
    values from settings.toml [tickets] to look for, in order, and whether
    exactly one must be found (else the first found wins).

    Categories: exactly one (报修（户内） -> 报修; 投诉咨询 names two: unknown).
    Ratings: a rating that is not satisfied first, then the satisfied ones
    longest first, so 非常不满意 is 不满意 and 基本满意 is not 满意."""
    tickets = load_settings()["tickets"]
    if f.contains == "categories":
        return [_word(c) for c in tickets["categories"]], True
    if f.contains == "ratings":
        satisfied = tickets["satisfied_words"]
        order = sorted(tickets["rating_words"], key=lambda w: (w in satisfied, -len(w)))
        return [_word(w) for w in order], False
    raise ValueError(f.contains)


def _blanked(q: _Sql, f: Field, value: str) -> str:
    """The cell, NULL when it holds one of the field's phrases for no value."""
    if not f.blank_phrases:
        return value
    word = f"lower(regexp_replace({value}, '\\s+', '', 'g'))"
    phrases = [_word(w) for w in f.blank_phrases]
    return (f"CASE WHEN len(list_filter({q.p(phrases)}::VARCHAR[], "
            f"lambda w: contains({word}, w))) = 0 THEN {value} END")


def _error(q: _Sql, ds: Dataset, f: Field, raw: str, typed: str, day: str | None = None,
           latest: dt.datetime | None = None) -> str:
    """SQL giving the reason code of the field's cell, or NULL. `day`: for a
    time whose date is also in a column of its own, SQL giving that date.
    `latest`: the latest plausible time of the dataset's event (a reading's
    measured time, a ticket's received time, a payment's date)."""
    empty = f"{_value(f)} IS NULL"
    checks = []
    if f.type != TEXT:
        # An Excel error value written out as text (a CSV saved from a sheet
        # whose lookup failed): no value, and not a signature either.
        checks.append(f"WHEN contains({raw}, '#') "
                      f"AND regexp_full_match(trim({raw}), {q.p(EXCEL_ERROR)}) "
                      f"THEN 'excel_error'")
    if f.required and f.type != SIGNATURE:
        checks.append(f"WHEN {empty} THEN 'missing_required'")
    else:
        checks.append(f"WHEN {empty} THEN NULL")
    if f.type in (TIMESTAMP, NUMBER):
        # NULL, 无, (空), 0000-00-00, and in a time column 未办结 or 处理中: no
        # value, as an empty cell. A ticket export writes them in the times
        # of its open tickets; rejected, those tickets went uncounted.
        no_value = f"heat_no_value({_value(f)})" + (
            f" OR heat_not_yet({_value(f)})" if f.type == TIMESTAMP else "")
        checks.append(f"WHEN {typed} IS NULL AND ({no_value}) THEN "
                      + ("'missing_required'" if f.required else "NULL"))
    if f.type == ID:
        # Nothing inside the quotes (' or ="" alone): no ID either.
        checks.append(f"WHEN {typed} IS NULL THEN "
                      + ("'missing_required'" if f.required else "NULL"))
    if f.type == TIMESTAMP:
        # 12月8日 8:30, 12-08 8:30: which year is not guessed.
        checks.append(f"WHEN {typed} IS NULL AND heat_ts_no_year({_value(f)}) "
                      f"THEN 'date_no_year'")
        # A time of day alone: "8:20", or an Excel time cell (a serial below
        # 1, read as a time on Excel's day 0, 1899-12-30 or -31).
        checks.append(f"WHEN ({typed} IS NULL AND regexp_full_match({_value(f)}, "
                      f"{q.p(TIME_OF_DAY)})) OR ({typed} IS NOT NULL AND "
                      f"CAST({typed} AS DATE) BETWEEN DATE '1899-12-30' AND DATE '1899-12-31') "
                      f"THEN 'time_no_date'")
        # 2026/11/31: the form is read, the day does not exist.
        checks.append(f"WHEN {typed} IS NULL AND heat_ts_no_such_day({_value(f)}) IS NOT NULL "
                      f"THEN 'date_not_exist'")
        # 25/11/2026, 11/25/2026: the year last, day or month first unclear
        # (said with the date when the first can only be a day).
        checks.append(f"WHEN {typed} IS NULL AND heat_ts_day_first({_value(f)}) IS NOT NULL "
                      f"THEN 'date_day_first'")
        checks.append(f"WHEN {typed} IS NULL AND heat_ts_year_last({_value(f)}) "
                      f"THEN 'date_year_last'")
    if f.type == NUMBER:
        # 18°5, 1元2: a unit between digits; stripped it would read as 185.
        checks.append(f"WHEN {typed} IS NULL AND heat_num_split({_value(f)}) "
                      f"THEN 'number_split'")
        # 1.234,50 (European), 12,5: which number is meant is unclear.
        checks.append(f"WHEN {typed} IS NULL AND heat_num_comma({_value(f)}) "
                      f"THEN 'number_comma'")
    if f.type in TYPE_ERROR:
        checks.append(f"WHEN {typed} IS NULL THEN '{TYPE_ERROR[f.type]}'")
    if f.type == ID:
        # "1.01011E+11": Excel made the column numbers and shows (and saves to CSV)
        # only six digits; the rest are gone.
        checks.append(f"WHEN (contains({typed}, 'E+') OR contains({typed}, 'e+')) "
                      f"AND regexp_full_match({typed}, {q.p(SCIENTIFIC_ID)}) "
                      f"THEN 'id_scientific'")
    if f.type == TIMESTAMP:
        checks.append(f"WHEN year({typed}) NOT BETWEEN 2000 AND 2100 THEN 'bad_date'")
        if latest is not None and EVENT_TIME.get(ds.name) == f.name:
            # 2052 for 2025, next month for this one: a time not yet come.
            checks.append(f"WHEN {typed} > {q.p(latest)} THEN 'future_time'")
    if day is not None:
        # A full time (2025-12-01 08:05) beside a date column saying another
        # day (2025-12-05): which of the two is wrong is not guessed. A time
        # of day alone took the date column's date, so it always agrees.
        checks.append(f"WHEN CAST({typed} AS DATE) <> {day} THEN 'date_conflict'")
    if f.type == NUMBER:
        # 18 5, 1 2: read as 185 and 12 once the space is gone; which number is
        # meant is unclear. Digits grouped in threes by spaces (an amount or an
        # area, 1 234.5, ¥ 1 234.50, (1 234.50)) are a thousands separator.
        grouped = f"NOT regexp_full_match({_value(f)}, {q.p(SPACE_GROUPED)})"
        checks.append(f"WHEN regexp_matches({_value(f)}, {q.p(DIGITS_SPACED)}) AND {grouped} "
                      f"THEN 'number_space'")
        lo, hi = bounds(ds, f)
        if f.money and lo is not None and lo >= 0:
            # An amount that cannot be negative (应收, 减免), written -500 or (500.00).
            checks.append(f"WHEN {typed} < 0 THEN 'negative_amount'")
        if lo is not None:
            checks.append(f"WHEN {typed} < {q.p(lo)} THEN 'out_of_range'")
        if hi is not None:
            checks.append(f"WHEN {typed} > {q.p(hi)} THEN 'out_of_range'")
    return "CASE " + " ".join(checks) + " END"


def _rules(q: _Sql, ds: Dataset, mapped: set[str]) -> dict[str, str]:
    """Cross-field checks: field -> SQL giving a reason code or NULL. A
    resolution dated the day of receipt without a clock time (2025-12-02 for
    a ticket received 2025-12-02 10:00) is not before it: _ticket_times
    takes it as resolved at receipt."""
    rules = {}
    if ds.name == "tickets" and {"resolved_at", "received_at"} <= mapped:
        same_day = _resolved_same_day(q.p(CLOCK), q.p(EXCEL_MIDNIGHT))
        rules["resolved_at"] = (f"CASE WHEN resolved_at < received_at AND NOT {same_day} "
                                "THEN 'before_received' END")
    return rules


def stage(con: duckdb.DuckDBPyConnection, sheet: RawSheet, header: Header,
          mapping: Mapping, lang: str = "zh", now: dt.datetime | None = None) -> StageResult:
    """Cast and validate the sheet's data rows into the temp tables above.
    `now`: the time of loading, local (default `local_now()`); an event later
    than it by more than FUTURE_SLACK is rejected."""
    ds = DATASETS[mapping.dataset]
    latest = (now or local_now()) + FUTURE_SLACK
    install_macros(con)
    mapped = set(mapping.columns)
    days = date_columns(ds, header, mapping)
    table = _normalised(sheet.table, [
        mapping.columns[f.name] for f in ds.fields if f.name in mapped and f.type in NORMALISED]
        + list(days.values()))
    q = _Sql()
    refuse_monthly_bills(ds, sheet, header, mapping)
    scales = money_scales(ds, sheet, header, mapping)
    extra, line, header_fields = "NULL::BIGINT", "NULL::VARCHAR", None
    if sheet.field_counts is not None:
        table = table.append_column("_fields", sheet.field_counts)
        extra, line, header_fields = _extra_fields(q, sheet, header)
    con.register("raw_input", table)
    # Only columns with a header count: a sheet may stretch to 16,384 columns
    # of nothing, and unlabelled cells are never loaded anyway.
    cells = [f"c{i}" for i, label in enumerate(header.labels) if label] or ["c0"]
    blank = " AND ".join(_blank(c) for c in cells)
    total_cols = [f"c{i}" for i in range(min(3, sheet.n_columns))]
    total_re = q.p(TOTAL_ROW)
    total = " OR ".join(
        # contains() first (a CASE evaluates its THEN only where it holds): a
        # data cell costs a few byte searches, not two regular expressions.
        f"CASE WHEN {' OR '.join(f'contains({c}, {q.p(m)})' for m in TOTAL_MARKS)} "
        f"THEN coalesce("
        f"regexp_full_match(regexp_replace(trim({c}), '\\s+', '', 'g'), {total_re}), "
        f"false) ELSE false END" for c in total_cols) or "false"
    # A signature or print line (制表人：…, 打印时间：…) with nothing else in the
    # required columns: left out as a totals row is.
    footer_re = q.p(FOOTER_ROW)

    def marked(c: str) -> str:
        # Every footer has a colon, 页 or "page".
        return " OR ".join(f"contains({c}, '{m}')" for m in (":", "：", "页", "age", "AGE"))

    def footer(c: str) -> str:
        # contains() first, as above.
        return (f"CASE WHEN {marked(c)} THEN coalesce("
                f"regexp_full_match(regexp_replace(trim({c}), '\\s+', '', 'g'), "
                f"{footer_re}), false) ELSE false END")

    required = [f"c{mapping.columns[f.name]}" for f in ds.fields
                if f.required and f.name in mapped]
    footer_row = " AND ".join(
        [f"(NULLIF(trim({c}), '') IS NULL OR {footer(c)})" for c in required]
        + ["(" + " OR ".join(footer(c) for c in cells) + ")"])
    # The header again (a report printed page by page repeats it on each
    # page): every required column holds its own header.
    again = [f"coalesce(trim(c{mapping.columns[f.name]}) = "
             f"{q.p(str(header.labels[mapping.columns[f.name]] or '').strip())}, false)"
             for f in ds.fields if f.required and f.name in mapped]
    if again:
        footer_row = f"({footer_row}) OR ({' AND '.join(again)})"
    if required:
        # Both need the first required column blank, holding a footer's mark
        # or its own header: a data row is decided by that one cell.
        first = required[0]
        label = str(header.labels[int(first[1:])] or "").strip()
        guard = (f"{_blank(first)} OR {marked(first)}"
                 + (f" OR contains({first}, {q.p(label)})" if label else ""))
        footer_row = f"CASE WHEN {guard} THEN ({footer_row}) ELSE false END"

    # A free text under two names (处理情况 and 答复内容, 联系电话 and 手机号):
    # the column read, and where it is blank the next (mapping.also_named).
    also = {name: cols for name, cols in
            also_named(header.labels, mapping, days.values()).items()
            if ds.field(name).type == TEXT}

    def raw_of(f) -> str:
        cells = [f"c{i}" for i in [mapping.columns[f.name], *also.get(f.name, ())]]
        value = cells[-1]
        for c in reversed(cells[:-1]):
            value = f"CASE WHEN {_blank(c)} THEN {value} ELSE {c} END"
        return value

    raw_cols = ", ".join(f"{raw_of(f)} AS {_q('raw_' + f.name)}"
                         for f in ds.fields if f.name in mapped)
    # A time of day alone (8:05), its date in a column of its own: each half
    # read once, in columns of their own (`halves`), then joined (heat_ts_join).
    source, halves = "raw_input", ""
    if days:
        cleaned, read = [], []
        for name, other in days.items():
            cell, day = _q(f"half_{name}"), _q(f"day_half_{name}")
            cleaned += [f"heat_blank(heat_clean(n{mapping.columns[name]})) AS {cell}",
                        f"heat_blank(heat_clean(n{other})) AS {day}"]
            read += [f"heat_ts({c}, epoch := {q.p(sheet.epoch)}) AS {_q(f'ts_{n}')}, "
                     f"heat_time_of_day({c}) AS {_q(f'tod_{n}')}"
                     for c, n in ((cell, f"half_{name}"), (day, f"day_half_{name}"))]
        halves = (f"halves AS (SELECT *, {', '.join(cleaned)} FROM raw_input), "
                  f"parts AS (SELECT *, {', '.join(read)} FROM halves), ")
        source = "parts"
    for f in ds.fields:
        if f.name in mapped and f.type in NORMALISED:
            value = f"heat_cell(n{mapping.columns[f.name]})"
            if f.name in days:
                names = [f"half_{f.name}", f"day_half_{f.name}"]
                value = ("heat_ts_join(" + ", ".join(
                    [_q(n) for n in names] + [_q(f"ts_{n}") for n in names]
                    + [_q(f"tod_{n}") for n in names]) + ")")
                # The date column's date (none when it holds the time of day:
                # 测温日期 beside 时间).
                raw_cols += (f", CASE WHEN {_q(f'tod_day_half_{f.name}')} = '' THEN "
                             f"CAST({_q(f'ts_day_half_{f.name}')} AS DATE) END "
                             f"AS {_q('day_' + f.name)}")
            raw_cols += f", {_blanked(q, f, value)} AS {_q('val_' + f.name)}"
    typed_cols, err_cols = [], []
    for f in ds.fields:
        raw = _q("raw_" + f.name)
        if f.name in mapped:
            typed = _typed(q, f, raw, sheet.epoch, scales.get(f.name, 1))
            typed_cols.append(f"{typed} AS {_q(f.name)}")
        else:
            typed_cols.append(f"NULL::{SQL_TYPE[f.type]} AS {_q(f.name)}")
    rules = _rules(q, ds, mapped)
    for f in ds.fields:
        if f.name not in mapped:
            continue
        raw = _q("raw_" + f.name)
        err = _error(q, ds, f, raw, _q(f.name), _q("day_" + f.name) if f.name in days else None,
                     latest)
        if f.name in rules:
            err = f"coalesce({err}, {rules[f.name]})"
        err_cols.append(f"{err} AS {_q('err_' + f.name)}")

    sql = f"""
    CREATE OR REPLACE TEMP TABLE stg_typed AS
    WITH {halves}src AS (
        SELECT {ROW}, {extra} AS _extra, CASE WHEN {extra} IS NOT NULL THEN {line} END AS _line,
               {raw_cols} FROM {source}
        WHERE {ROW} > {q.p(header.last_row)} AND NOT ({blank}) AND NOT ({total})
              AND NOT ({footer_row})
    )
    SELECT *, {", ".join(typed_cols)} FROM src
    """
    con.execute(sql, _bound(sql, q.params))
    con.unregister("raw_input")
    # What the common forms did not read (heat_ts_fast), read in full; only
    # where there is any: heat_ts alone takes 0.1 s to plan.
    times = [f.name for f in ds.fields if f.type == TIMESTAMP and f.name in mapped]
    left = {f"{_q(n)} IS NULL AND {_q('val_' + n)} IS NOT NULL": n for n in times}
    counts = con.execute("SELECT " + ", ".join(f"count(*) FILTER (WHERE {c})" for c in left)
                         + " FROM stg_typed").fetchone() if left else ()
    for (where, name), n in zip(left.items(), counts):
        if n:
            con.execute(f"UPDATE stg_typed SET {_q(name)} = heat_ts({_q('val_' + name)}, "
                        f"epoch := $epoch) WHERE {where}", {"epoch": sheet.epoch})
    sql = (f"CREATE OR REPLACE TEMP TABLE stg AS SELECT *, "
           f"{', '.join(err_cols) or 'NULL AS err_none'} FROM stg_typed")
    con.execute(sql, _bound(sql, q.params))
    con.execute("DROP TABLE stg_typed")
    if sheet.uncomputed:
        _refuse_uncomputed(con, sheet, ds, mapping)
    if sheet.errors:
        _reject_error_cells(con, sheet, ds, mapping)
    if sheet.number_rows is not None:
        _reject_long_number_ids(con, sheet, ds, mapping)
    warnings, ignored = _not_this_field(con, ds, header, mapping)
    errs = [_q("err_" + f.name) for f in ds.fields if f.name in mapped]
    # A row whose columns are shifted is rejected as a whole, for that only.
    no_error = " AND ".join(["_extra IS NULL"] + [f"{e} IS NULL" for e in errs])
    warnings += _unknown_choices(con, ds, header, mapping, ignored, no_error)
    warnings += _unreadable_left_empty(con, ds, header, mapping, no_error)
    roster = _roster_width(con) if ds.name != "households" and "household_id" in mapped \
        else None
    if roster:
        warnings += _pad_household_ids(con, sheet, mapping, roster)
    if ds.name == "households":
        warnings += _pad_roster_ids(con, sheet, mapping)
    if ds.name == "tickets":
        warnings += _ticket_times(con, header, mapping, latest, no_error)
    if ds.name == "temperature_readings":
        warnings += _no_signature_at_all(con, header, mapping, no_error)
        warnings += _readings_date_only(con, header, mapping, no_error)
    if ds.name == "fee_payments":
        warnings += _reversals_of_a_receipt(con, no_error)
        warnings += _receipts_of_two_seasons(con, no_error)

    key = ", ".join(_q(k) for k in ds.key)
    # A key twice in the file: the last row wins; for a ticket, the row that
    # says the most first (resolved and followed up over the same ticket
    # received only, in a newest-first export too). The others are rejected
    # naming it (stg_dups). Most keys are not repeated: the window runs on the
    # rows of repeated keys only (a grouping finds them in a third of the
    # time the window takes over a million rows), and the rows loaded are
    # read from stg once, without copying it.
    last_key = ds.key[-1]
    order = f"{ROW} DESC"
    if ds.name == "tickets":
        said = " + ".join(f"({_q(f.name)} IS NOT NULL)::INTEGER" for f in ds.fields
                          if f.name in mapped and f.name not in ds.key) or "0"
        order = f"{said} DESC, {order}"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE stg_dups AS
        SELECT {ROW}, {_q('raw_' + last_key)} AS value, winner_row FROM (
            SELECT {ROW}, {_q('raw_' + last_key)},
                   row_number() OVER (PARTITION BY {key} ORDER BY {order}) AS dup_rank,
                   first_value({ROW}) OVER (PARTITION BY {key} ORDER BY {order}) AS winner_row
            FROM stg WHERE {no_error} AND ({key}) IN (
                SELECT ({key}) FROM stg WHERE {no_error}
                GROUP BY {key} HAVING count(*) > 1))
        WHERE dup_rank > 1""")
    hash_cols = ", ".join(_q(f) for f in ds.columns)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE stg_ok AS
        SELECT {", ".join(_q(f) for f in ds.columns)}, {ROW} AS source_row,
               hash({hash_cols}) AS row_hash
        FROM stg WHERE {no_error} AND {ROW} NOT IN (SELECT {ROW} FROM stg_dups)""")

    # day: the date column's date a time contradicts (date_conflict), for the
    # reason; written 2025-12-05 however the cell has it (an Excel date cell
    # reads 2025-12-05 00:00:00, a serial 46001).
    # value: the cell as written; a time of day whose date is in a column of
    # its own is in the future as the two make it (2026-12-02 09:00), which
    # its cell alone (09:00, an Excel time cell 1899-12-31 09:00:00) is not.
    def shown(f) -> str:
        raw = f"CAST({_q('raw_' + f.name)} AS VARCHAR)"
        if f.name not in days:
            return raw
        return (f"CASE WHEN {_q('err_' + f.name)} = 'future_time' "
                f"THEN strftime({_q(f.name)}, '%Y-%m-%d %H:%M') ELSE {raw} END")

    # day: the date a reason names, 'YYYY-MM-DD': the date column's
    # (date_conflict), the one written that the calendar lacks (2026-11-31,
    # date_not_exist), a day-first date in the order read (date_day_first).
    def day(f) -> str:
        if f.type != TIMESTAMP:
            return "NULL::VARCHAR"
        err, value = _q('err_' + f.name), _value(f)
        conflict = (f"WHEN 'date_conflict' THEN strftime({_q('day_' + f.name)}, '%Y-%m-%d') "
                    if f.name in days else "")
        return (f"CASE {err} {conflict}"
                f"WHEN 'date_not_exist' THEN heat_ts_no_such_day({value}) "
                f"WHEN 'date_day_first' THEN heat_ts_day_first({value}) END")

    parts = [
        f"SELECT {ROW}, {q2} AS column_name, {shown(f)} AS value, "
        f"{_q('err_' + f.name)} AS code, NULL::BIGINT AS winner_row, NULL::BIGINT AS fields, "
        f"{day(f)} AS day "
        f"FROM stg WHERE {_q('err_' + f.name)} IS NOT NULL AND _extra IS NULL"
        for f in ds.fields if f.name in mapped
        for q2 in ["'" + f.name + "'"]
    ]
    parts.append(
        f"SELECT {ROW}, '{last_key}' AS column_name, CAST(value AS VARCHAR), "
        f"'duplicate', winner_row, NULL, NULL FROM stg_dups")
    parts.append(f"SELECT {ROW}, '{WHOLE_ROW}', _line, 'extra_fields', NULL, _extra, NULL "
                 f"FROM stg WHERE _extra IS NOT NULL")
    con.execute("CREATE OR REPLACE TEMP TABLE stg_rejects_raw AS " + " UNION ALL ".join(parts))
    _add_reasons(con, ds, header, mapping, lang, scales, header_fields)

    read, valid = con.execute(
        "SELECT (SELECT count(*) FROM stg), (SELECT count(*) FROM stg_ok)").fetchone()
    rejected = con.execute(f"SELECT count(DISTINCT {ROW}) FROM stg_rejects").fetchone()[0]
    if roster is not None:
        warnings += _not_in_roster(con, roster)
    if ds.name == "tickets" and "station" in mapped:
        warnings += _stations_not_in_roster(con, header.labels[mapping.columns["station"]])
    if sheet.hidden_rows:
        warnings += _hidden_rows(con, sheet.hidden_rows)
    return StageResult(rows_read=read, rows_rejected=rejected, rows_valid=valid, ignored=ignored,
                       warnings=warnings)


# Example IDs a warning names.
EXAMPLES = 3


def _hidden_rows(con, rows: list[int]) -> list[tuple[str, dict]]:
    """Rows that load though Excel hides them (filtered out, or hidden by
    hand): the user, who saw the sheet without them, may have hidden them to
    leave them out (voided receipts, a withdrawn ticket). Said, with the
    first rows, so such a file can be undone and loaded without them."""
    n, first = con.execute("""
        SELECT count(*), list(source_row ORDER BY source_row)[1:$k] FROM stg_ok
        WHERE source_row IN (SELECT unnest($rows))""", {"rows": rows, "k": EXAMPLES}).fetchone()
    return [("hidden_rows", {"n": n, "rows": first})] if n else []


def _roster_width(con) -> int | None:
    """The roster's ID width when it has households, else None. 0 when its
    IDs are not all digits of one width (no ID is then padded to match)."""
    n, lo, hi, digits = con.execute(
        "SELECT count(*), min(length(household_id)), max(length(household_id)), "
        "bool_and(regexp_full_match(household_id, '[0-9]+')) FROM households").fetchone()
    if not n:
        return None
    return lo if lo == hi and digits else 0


def _pad_household_ids(con, sheet: RawSheet, mapping: Mapping, width: int
                       ) -> list[tuple[str, dict]]:
    """Excel drops the leading zeros of an ID column it holds as numbers: the
    roster's 0012345 comes as 12345, a reading, ticket or bill matching no
    household. A cell the file stores as a number, shorter than the roster's
    one ID width, that matches no roster ID as it is but does once zero-padded
    to that width, takes the padded ID; the load says so. A text cell is left
    as written (the not-in-roster warning names it)."""
    if not width or sheet.number_rows is None:
        return []
    found = _short_ids_in_roster(con, width)
    if not found:
        return []
    numbers = sheet.number_rows(mapping.columns["household_id"], {r for r, _ in found})
    return _padded(con, "ids_padded", sorted(r for r, _ in found if r in numbers),
                   dict(found), width)


def _short_ids_in_roster(con, width: int) -> list[tuple[int, str]]:
    """(row, ID) of the staged rows whose ID, all digits, is shorter than the
    roster's `width`, names no roster household as written, and does once
    zero-padded: an ID that lost its leading zeros."""
    return con.execute(f"""
        SELECT {ROW}, household_id FROM stg s
        WHERE regexp_full_match(household_id, '[0-9]+') AND length(household_id) < $w
          AND err_household_id IS NULL
          AND NOT EXISTS (SELECT 1 FROM households h WHERE h.household_id = s.household_id)
          AND EXISTS (SELECT 1 FROM households h
                      WHERE h.household_id = lpad(s.household_id, $w, '0'))
        ORDER BY {ROW}""", {"w": width}).fetchall()


def _padded(con, code: str, rows: list[int], ids: dict[int, str], width: int
            ) -> list[tuple[str, dict]]:
    """Zero-pad the household IDs of `rows` (stg, in the file's order) to
    `width`; the warning `code` saying how many, with the first as example
    (`ids`: row -> ID as written)."""
    if not rows:
        return []
    # A semi-join on the rows (a list_contains per row is quadratic when a
    # whole column of a big file was numbers).
    con.execute(f"UPDATE stg SET household_id = lpad(household_id, $w, '0') "
                f"WHERE {ROW} IN (SELECT unnest($rows))", {"w": width, "rows": rows})
    first = ids[rows[0]]
    return [(code, {"n": len(rows), "width": width, "example": first,
                    "padded": first.rjust(width, "0")})]


def _not_in_roster(con, width: int) -> list[tuple[str, dict]]:
    """Loaded rows whose household is not in the roster: they count in no
    branch, station or community. Among them, those that would match once
    zero-padded to the roster's ID width (leading zeros dropped: a CSV saved
    from Excel, an ID typed as a number)."""
    con.execute("""
        CREATE OR REPLACE TEMP TABLE stg_unmatched AS
        SELECT source_row, household_id FROM stg_ok s
        ANTI JOIN households h ON h.household_id = s.household_id
        WHERE s.household_id IS NOT NULL""")
    n, households, padded = con.execute("""
        SELECT count(*), count(DISTINCT household_id),
               count(*) FILTER (WHERE $w > 0 AND length(household_id) < $w
                                AND regexp_full_match(household_id, '[0-9]+')
                                AND lpad(household_id, $w, '0') IN
                                    (SELECT household_id FROM households))
        FROM stg_unmatched""", {"w": width}).fetchone()
    if not n:
        return []
    examples = [i for (i,) in con.execute("""
        SELECT household_id FROM stg_unmatched GROUP BY household_id
        ORDER BY min(source_row) LIMIT $k""", {"k": EXAMPLES}).fetchall()]
    out = [("not_in_roster", {"n": n, "households": households, "examples": examples})]
    if padded:
        out.append(("not_in_roster_zeros", {"n": padded, "width": width}))
    return out


def _stations_not_in_roster(con, column: str) -> list[tuple[str, dict]]:
    """Loaded tickets placed by no one: no household of the roster, and a
    responsible station (责任单位) that is no station of it (华光路站 or
    华光路 换热站 for 华光路换热站). A ticket of a roster household takes its
    household's branch whatever unit handled it (客服中心, 维修一队:
    metrics/sql/ticket_placed.sql); these count in no branch or station.
    Said with the names; nothing when no roster is loaded."""
    n, stations = con.execute("""
        SELECT count(*), list(DISTINCT station ORDER BY station)
        FROM stg_ok WHERE station IS NOT NULL
          AND station NOT IN (SELECT station FROM households WHERE station IS NOT NULL)
          AND (household_id IS NULL
               OR household_id NOT IN (SELECT household_id FROM households))
          AND EXISTS (SELECT 1 FROM households WHERE station IS NOT NULL)""").fetchone()
    if not n:
        return []
    return [("station_not_in_roster", {"n": n, "column": column,
                                       "keys": stations[:EXAMPLES * 2]})]


REVERSAL_MARK = "（冲红）"


def _reversals_of_a_receipt(con, no_error: str) -> list[tuple[str, dict]]:
    """A reversal (冲红: a negative amount) under the receipt number of the
    payment it reverses (the same household's, for the same season), in this
    file or already loaded: a receipt number is the payments' key, so it
    replaced that payment (the collection fell by twice the amount) or, in
    one file, was a duplicate of it. It is kept beside the payment under its
    receipt number marked 「（冲红）」, taking its amount off the payment's."""
    # The same receipt of the same household and season: a number another
    # household or season uses again is no reversal of it.
    same = "(receipt_no, household_id, season)"
    where = (f"{no_error} AND amount < 0 AND receipt_no IS NOT NULL "
             f"AND NOT ends_with(receipt_no, '{REVERSAL_MARK}') AND ({same} IN ("
             f"SELECT {same} FROM stg WHERE {no_error} AND amount > 0) "
             f"OR {same} IN (SELECT {same} FROM fee_payments WHERE amount > 0))")
    rows = con.execute(f"SELECT receipt_no FROM stg WHERE {where} ORDER BY {ROW}").fetchall()
    if not rows:
        return []
    con.execute(f"UPDATE stg SET receipt_no = receipt_no || '{REVERSAL_MARK}' WHERE {where}")
    return [("reversal_same_receipt", {"n": len(rows), "mark": REVERSAL_MARK,
                                       "examples": [r for (r,) in rows[:EXAMPLES]]})]


def _receipts_of_two_seasons(con, no_error: str) -> list[tuple[str, dict]]:
    """One receipt paying a household's fees of two seasons (last season's
    arrears with this one's), a row per season in the file: a receipt number
    is the payments' key, so the second row was rejected as a duplicate and
    its season lost the payment. The row of the latest season keeps the
    number; each earlier season's is marked with its season (R100（2024-2025）),
    so a file holding only the latest row, before or after, is the same
    payment. Within one file only: across files a receipt's season changed is
    a correction, and replaces it."""
    groups = ("SELECT receipt_no, household_id, max(season) AS latest FROM stg "
              f"WHERE {no_error} AND receipt_no IS NOT NULL AND season IS NOT NULL "
              "GROUP BY receipt_no, household_id HAVING count(DISTINCT season) > 1")
    where = (f"{no_error} AND (receipt_no, household_id) IN (SELECT receipt_no, household_id "
             f"FROM ({groups})) AND season < (SELECT latest FROM ({groups}) g "
             "WHERE g.receipt_no = stg.receipt_no AND g.household_id = stg.household_id)")
    rows = con.execute(f"SELECT receipt_no FROM stg WHERE {where} ORDER BY {ROW}").fetchall()
    if not rows:
        return []
    con.execute(f"UPDATE stg SET receipt_no = receipt_no || '（' || season || '）' WHERE {where}")
    return [("receipt_two_seasons", {"n": len(rows),
                                     "examples": [r for (r,) in rows[:EXAMPLES]]})]


def _kept_rows(con, rows: list[int], no_error: str) -> list[int]:
    """Of `rows`, those that load (no reason to reject them)."""
    if not rows:
        return []
    return [r for (r,) in con.execute(
        f"SELECT {ROW} FROM stg WHERE {ROW} IN (SELECT unnest($rows)) AND {no_error} "
        f"ORDER BY {ROW}", {"rows": rows}).fetchall()]


def _unknown_choices(con, ds: Dataset, header: Header, mapping: Mapping, ignored: list[str],
                     no_error: str) -> list[tuple[str, dict]]:
    """Optional fields of fixed values (高低区, 用户类型, 供热状态, 回访满意度)
    whose cell is none of the field's values (中区, 商铺, 欠费停供, 一般): the
    record loads with that field empty, and the user is told, per column,
    the values and how many rows. Rejecting it would drop a household from
    every rate, a complaint from closure, 漏件 and complaints per 10,000 m²,
    for a column that is not needed to count it."""
    out, found = [], {}
    for f in ds.fields:
        if f.type != ENUM or f.required or f.name not in mapping.columns or f.name in ignored:
            continue
        err = _q("err_" + f.name)
        rows = [r for (r,) in con.execute(
            f"SELECT {ROW} FROM stg WHERE {err} = 'bad_value'").fetchall()]
        if rows:
            con.execute(f"UPDATE stg SET {err} = NULL WHERE {err} = 'bad_value'")
            found[f.name] = rows
    # Counted once every such column is cleared: a row with two of them loads.
    for name, rows in found.items():
        f = ds.field(name)
        kept = _kept_rows(con, rows, no_error)
        if not kept:
            continue
        values = [v for (v,) in con.execute(
            f"SELECT v FROM (SELECT {_q('val_' + f.name)} AS v, min({ROW}) AS first FROM stg "
            f"WHERE {ROW} IN (SELECT unnest($rows)) GROUP BY v) ORDER BY first LIMIT $k",
            {"rows": kept, "k": VALUES_NAMED + 1}).fetchall()]
        if len(values) > VALUES_NAMED:
            values = values[:VALUES_NAMED] + ["…"]
        out.append(("unknown_values", {
            "column": header.labels[mapping.columns[f.name]], "field": f.name, "n": len(kept),
            "values": values, "allowed": list(f.values)}))
    return out


# Optional cells a row is not rejected for when they cannot be read (a bill's
# "低保减免500", a price "23元/平方米·采暖期", a 20-digit e-invoice number Excel
# stored as a number): the row loads with the cell empty, said. Each shows
# downstream (a bill that differs from the tariff or cannot be checked, a
# receipt without an invoice); rejected, the bill's amount due or the
# receipt's money was lost from every rate.
LEFT_EMPTY = {"fee_bills": ("unit_price", "exemption"),
              "fee_payments": ("invoice_no",)}
LEFT_EMPTY_CODES = ("bad_number", "id_number_digits", "number_comma", "number_split")


def _unreadable_left_empty(con, ds: Dataset, header: Header, mapping: Mapping,
                           no_error: str) -> list[tuple[str, dict]]:
    """The LEFT_EMPTY cells that could not be read, emptied (their rows load
    unless something else rejects them), said per column with examples."""
    out = []
    for name in LEFT_EMPTY.get(ds.name, ()):
        if name not in mapping.columns:
            continue
        err = _q("err_" + name)
        where = f"{err} IN ({', '.join(repr(c) for c in LEFT_EMPTY_CODES)})"
        rows = [r for (r,) in con.execute(f"SELECT {ROW} FROM stg WHERE {where}").fetchall()]
        if not rows:
            continue
        con.execute(f"UPDATE stg SET {err} = NULL, {_q(name)} = NULL WHERE {where}")
        kept = _kept_rows(con, rows, no_error)
        if not kept:
            continue
        values = [v for (v,) in con.execute(
            f"SELECT v FROM (SELECT trim(CAST({_q('raw_' + name)} AS VARCHAR)) AS v, "
            f"min({ROW}) AS first FROM stg WHERE {ROW} IN (SELECT unnest($rows)) GROUP BY v) "
            f"ORDER BY first LIMIT $k", {"rows": kept, "k": EXAMPLES}).fetchall()]
        out.append(("unreadable_left_empty", {
            "column": header.labels[mapping.columns[name]], "field": name, "n": len(kept),
            "values": values}))
    return out


# Distinct values a warning names.
VALUES_NAMED = 5
# Readings a file must have for a signature column empty in every one of
# them to be said: a few unsigned readings are just that; a whole export's
# is most likely a column the export left empty.
UNSIGNED_FILE_ROWS = 10


def _no_signature_at_all(con, header: Header, mapping: Mapping, no_error: str
                         ) -> list[tuple[str, dict]]:
    """A readings file whose signature column is empty in every row: each
    reading loads unsigned, so invalid (service rules art. 11(7)), and the
    file adds nothing to the compliance rate; most likely the export left
    the column out. Said, with the column, so the user can re-export."""
    if "signed" not in mapping.columns:
        return []
    n, blank = con.execute(f"""
        SELECT count(*), count(*) FILTER (WHERE NULLIF(trim(raw_signed), '') IS NULL)
        FROM stg WHERE {no_error}""").fetchone()
    if n < UNSIGNED_FILE_ROWS or blank < n:
        return []
    return [("no_signature_at_all", {"n": n,
                                     "column": header.labels[mapping.columns["signed"]]})]


def _readings_date_only(con, header: Header, mapping: Mapping, no_error: str
                        ) -> list[tuple[str, dict]]:
    """Readings whose time gives the day only: loaded at 00:00, so a
    household's readings of one day share their key, and a re-measurement
    loaded later (整改后复测) replaces the failed reading before it, the
    compliance rate and the refund days losing it. Said, and how many of
    this file's readings replace a stored one of another temperature."""
    # The cheap test first: a reading at 00:00 is rare, its text read only then.
    where = (f"CASE WHEN CAST(measured_at AS TIME) = TIME '00:00:00' "
             f"THEN {_date_only('measured_at')} AND {no_error} ELSE false END")
    params = _bound(where, {"clock": CLOCK, "midnight": EXCEL_MIDNIGHT})
    n, examples = con.execute(
        f"SELECT count(*), list(household_id ORDER BY {ROW})[:{EXAMPLES}] "
        f"FROM stg WHERE {where}", params).fetchone()
    if not n:
        return []
    column = header.labels[mapping.columns["measured_at"]]
    out = [("readings_date_only", {"column": column, "n": n, "examples": examples})]
    if "indoor_c" in mapping.columns:
        replaced, days = con.execute(
            f"WITH d AS (SELECT household_id, measured_at, indoor_c, {ROW} AS at_row "
            f"FROM stg WHERE {where}) "
            f"SELECT count(*), list(d.household_id || ' ' || strftime(d.measured_at, '%Y-%m-%d') "
            f"ORDER BY d.at_row)[:{EXAMPLES}] FROM d JOIN temperature_readings r "
            f"ON r.household_id = d.household_id AND r.measured_at = d.measured_at "
            f"AND r.indoor_c IS DISTINCT FROM d.indoor_c", params).fetchone()
        if replaced:
            out.append(("readings_same_day_replaced", {"n": replaced, "examples": days}))
    return out


def _pad_roster_ids(con, sheet: RawSheet, mapping: Mapping) -> list[tuple[str, dict]]:
    """A roster whose ID column Excel made numbers: 01010110101 comes as
    1010110101, a household no reading, ticket or bill names, and the roster's
    IDs no longer of one width (so no later load is zero-padded). Its width:
    the roster's (its IDs all digits of one width) or, else, that of the
    file's own IDs written with their leading zeros (so stored as text), when
    they all have one width and no other ID is longer. An ID the file stores
    as a number, shorter than that width, takes its zeros back when the
    padded ID is in the roster or no more zeros are added than the IDs have
    (at most). A shorter ID the file stores as text is left as written.

    A CSV or an .xls file does not say which cells were numbers (a CSV saved
    from Excel lost its zeros as text): there an ID shorter than the
    roster's one width whose zero-padded form is a roster household takes
    the padded ID. Loaded as written, each was one more household beside
    itself, in every household count and heated area."""
    if "household_id" not in mapping.columns:
        return []
    if sheet.number_rows is None:
        width = _roster_width(con)
        found = _short_ids_in_roster(con, width) if width else []
        return _padded(con, "roster_ids_restored", [r for r, _ in found], dict(found),
                       width or 0)
    digits = "regexp_full_match(household_id, '[0-9]+') AND err_household_id IS NULL"
    width = _roster_width(con)
    if width:
        zeros = con.execute("SELECT max(length(household_id) - length(ltrim(household_id, '0')))"
                            " FROM households").fetchone()[0]
    else:
        widths, zeros, longest = con.execute(f"""
            SELECT count(DISTINCT length(household_id))
                       FILTER (WHERE starts_with(household_id, '0')),
                   max(length(household_id) - length(ltrim(household_id, '0'))),
                   max(length(household_id))
            FROM stg WHERE {digits}""").fetchone()
        if widths != 1:
            return []
        width = con.execute(f"SELECT max(length(household_id)) FROM stg WHERE {digits} "
                            f"AND starts_with(household_id, '0')").fetchone()[0]
        if longest > width:
            return []
    shorter = con.execute(f"""
        SELECT {ROW}, household_id,
               length(household_id) >= $w - $z
               OR lpad(household_id, $w, '0') IN (SELECT household_id FROM households)
        FROM stg WHERE {digits} AND length(household_id) < $w ORDER BY {ROW}""",
                          {"w": width, "z": zeros}).fetchall()
    if not shorter:
        return []
    numbers = sheet.number_rows(mapping.columns["household_id"], {r for r, _, _ in shorter})
    if any(r not in numbers for r, _, _ in shorter) and not _roster_width(con):
        # A shorter ID written as text: the file's IDs are not of one width.
        return []
    return _padded(con, "roster_ids_padded", [r for r, _, ok in shorter if ok and r in numbers],
                   {r: i for r, i, _ in shorter}, width)


def _date_only(name: str, clock: str = "$clock", midnight: str = "$midnight") -> str:
    """SQL: the time field's cell gives a day but no clock time (00:00).
    `clock` and `midnight`: the parameters binding CLOCK and EXCEL_MIDNIGHT."""
    typed, value = _q(name), _q("val_" + name)
    return (f"(CAST({typed} AS TIME) = TIME '00:00:00' AND (NOT regexp_matches({value}, {clock}) "
            f"OR regexp_full_match({value}, {midnight})))")


def _resolved_same_day(clock: str = "$clock", midnight: str = "$midnight") -> str:
    """SQL: the resolution time gives only the day of receipt (2025-12-02
    for a ticket received 2025-12-02 10:00): resolved that day, not before."""
    return (f"(CAST(resolved_at AS DATE) = CAST(received_at AS DATE) "
            f"AND {_date_only('resolved_at', clock, midnight)})")


def _before(name: str, ref: str) -> str:
    """SQL: the time is earlier than `ref`'s; by the day when it gives no
    clock time (a follow-up dated the day of resolution is not before it)."""
    return (f"CASE WHEN {_date_only(name)} THEN CAST({_q(name)} AS DATE) < CAST({_q(ref)} AS DATE)"
            f" ELSE {_q(name)} < {_q(ref)} END")


def _ticket_times(con, header: Header, mapping: Mapping, latest: dt.datetime, no_error: str
                  ) -> list[tuple[str, dict]]:
    """A ticket's later times that cannot be: dispatched, arrived or followed
    up before it was received, followed up before it was resolved, or any of
    them in the future. The ticket loads (it counts in volume, closure, 漏件
    and complaints) with that time empty, so it counts as neither on time
    nor followed up; the user is told per column. (Resolved before received
    rejects the ticket: stage._rules.) Also: received times without a clock
    time, loaded as 00:00 of their day; resolution times without one, dated
    the day of receipt, loaded as the receipt's time (resolved that day: 0
    hours, on time), both said."""
    mapped = set(mapping.columns)
    params = {"clock": CLOCK, "midnight": EXCEL_MIDNIGHT, "latest": latest}
    out = []

    def blank(name: str, code: str, where: str) -> None:
        found = con.execute(
            f"SELECT {ROW} FROM stg WHERE {_q('err_' + name)} IS NULL "
            f"AND {_q(name)} IS NOT NULL AND ({where}) ORDER BY {ROW}",
            _bound(where, params)).fetchall()
        rows = [r for (r,) in found]
        if not rows:
            return
        kept = _kept_rows(con, rows, no_error)
        examples = [f"{no} ({raw})" for no, raw in con.execute(
            f"SELECT ticket_no, trim({_q('raw_' + name)}) FROM stg "
            f"WHERE {ROW} IN (SELECT unnest($rows)) ORDER BY {ROW} LIMIT $k",
            {"rows": kept or rows, "k": EXAMPLES}).fetchall()]
        con.execute(f"UPDATE stg SET {_q(name)} = NULL WHERE {ROW} IN (SELECT unnest($rows))",
                    {"rows": rows})
        if kept:
            out.append((code, {"column": header.labels[mapping.columns[name]], "field": name,
                               "n": len(kept), "examples": examples}))

    if {"resolved_at", "received_at"} <= mapped:
        # (_rules let these through; a date-only resolution of an earlier day is rejected.)
        same_day = (f"err_resolved_at IS NULL AND err_received_at IS NULL "
                    f"AND resolved_at < received_at AND {_resolved_same_day()}")
        rows = [r for (r,) in con.execute(
            f"SELECT {ROW} FROM stg WHERE {same_day} ORDER BY {ROW}",
            _bound(same_day, params)).fetchall()]
        if rows:
            kept = _kept_rows(con, rows, no_error)
            examples = [no for (no,) in con.execute(
                f"SELECT ticket_no FROM stg WHERE {ROW} IN (SELECT unnest($rows)) "
                f"ORDER BY {ROW} LIMIT $k", {"rows": kept or rows, "k": EXAMPLES}).fetchall()]
            con.execute("UPDATE stg SET resolved_at = received_at "
                        f"WHERE {ROW} IN (SELECT unnest($rows))", {"rows": rows})
            if kept:
                out.append(("resolved_same_day", {
                    "column": header.labels[mapping.columns["resolved_at"]],
                    "field": "resolved_at", "n": len(kept), "examples": examples}))
    for name in ("resolved_at", "dispatched_at", "arrived_at", "followup_at"):
        if name not in mapped:
            continue
        blank(name, "time_future", f"{_q(name)} > $latest")
        received = f"err_received_at IS NULL AND {_before(name, 'received_at')}"
        if name in ("dispatched_at", "arrived_at"):
            blank(name, "time_before_received", received)
        if name == "followup_at":
            resolved = (f" OR (resolved_at IS NOT NULL AND err_resolved_at IS NULL "
                        f"AND {_before(name, 'resolved_at')})" if "resolved_at" in mapped else "")
            blank(name, "followup_too_early", f"({received}){resolved}")
    where = f"received_at IS NOT NULL AND {_date_only('received_at')} AND {no_error}"
    n, examples = con.execute(
        f"SELECT count(*), (SELECT list(ticket_no ORDER BY {ROW}) FROM (SELECT ticket_no, {ROW} "
        f"FROM stg WHERE {where} ORDER BY {ROW} LIMIT $k)) FROM stg WHERE {where}",
        {**_bound(where, params), "k": EXAMPLES}).fetchone()
    if n:
        out.append(("date_only", {"column": header.labels[mapping.columns["received_at"]],
                                  "field": "received_at", "n": n, "examples": examples}))
    return out


def _extra_fields(q: _Sql, sheet: RawSheet, header: Header) -> tuple[str, str, int]:
    """For a CSV: SQL giving a row's field count when it has more fields than
    its header (an unquoted separator in a text shifted its columns), else
    NULL; SQL giving the row as the line's fields; the header's field count.

    Fields beyond the header that are all empty are a trailing separator, not
    a shift, when most rows end so (some systems end every data line with one)."""
    counts = sheet.field_counts
    header_fields = max(counts.slice(header.first_row - 1,
                                     header.last_row - header.first_row + 1).to_pylist())
    data = counts.slice(header.last_row)
    common = pc.mode(data)[0]["mode"].as_py() if len(data) else header_fields
    beyond = " OR ".join(f"coalesce(trim(c{i}), '') <> ''"
                         for i in range(header_fields, sheet.n_columns)) or "false"
    extra = (f"CASE WHEN _fields > {q.p(header_fields)} AND (({beyond}) "
             f"OR _fields <> {q.p(common)}) THEN _fields END")
    cells = ", ".join(f"coalesce(c{i}, '')" for i in range(sheet.n_columns))
    line = f"array_to_string(list_slice([{cells}], 1, _fields), {q.p(sheet.delimiter)})"
    return extra, line, header_fields


# Significant digits a number cell holds exactly: Excel keeps 15, a double
# about 15-16. An ID of more digits stored as a number has lost its last ones.
EXACT_DIGITS = 15


def _reject_long_number_ids(con, sheet: RawSheet, ds: Dataset, mapping: Mapping) -> None:
    """An ID of more than 15 digits that the file stores as a number (a ticket
    or receipt number an export wrote as a number, 20251201080012345) reads
    back with other last digits: two records may even read as one. Such a cell
    is rejected; the same digits stored as text load as written."""
    for f in ds.fields:
        if f.type != ID or f.name not in mapping.columns:
            continue
        err = _q("err_" + f.name)
        found = {r for (r,) in con.execute(
            f"SELECT {ROW} FROM stg WHERE {err} IS NULL "
            f"AND regexp_full_match({_q(f.name)}, $pattern)",
            {"pattern": "[0-9]{%d,}" % (EXACT_DIGITS + 1)}).fetchall()}
        if not found:
            continue
        rows = sorted(sheet.number_rows(mapping.columns[f.name], found))
        if rows:
            con.execute(f"UPDATE stg SET {err} = 'id_number_digits' "
                        f"WHERE {ROW} IN (SELECT unnest($rows))", {"rows": rows})


def _reject_error_cells(con, sheet: RawSheet, ds: Dataset, mapping: Mapping) -> None:
    """A cell of a loaded value column holding an Excel error (#N/A from a
    failed lookup, #VALUE!) rejects its row, saying so: the reader gives it as
    empty, and an empty outdoor temperature makes an exempt reading count."""
    for f in ds.fields:
        if f.type == TEXT or f.name not in mapping.columns:
            continue
        rows = sorted({r for r, c in sheet.errors if c == mapping.columns[f.name]})
        if rows:
            con.execute(f"UPDATE stg SET {_q('err_' + f.name)} = 'excel_error' "
                        f"WHERE {ROW} IN (SELECT unnest($rows))", {"rows": rows})


def _refuse_uncomputed(con, sheet: RawSheet, ds: Dataset, mapping: Mapping) -> None:
    """Refuse the file when a formula cell without a computed value lies in a
    data row, in a loaded column of a value (a number, time, ID, choice or
    signature): read as it is, it would load as 0 or empty. One in a 合计 row
    or an unloaded column does no harm; one in free text (a description whose
    text an export wrote as =HYPERLINK(…)) loads empty, as before."""
    columns = uncomputed_columns(ds, mapping)
    cells = [(r, c) for r, c in sheet.uncomputed if c in columns]
    if not cells:
        return
    rows = {r for (r,) in con.execute(
        f"SELECT {ROW} FROM stg WHERE list_contains(?, {ROW})",
        [sorted({r for r, _ in cells})]).fetchall()}
    bad = [(r, c) for r, c in cells if r in rows]
    if bad:
        raise uncomputed_error(sheet, bad)


def uncomputed_columns(ds: Dataset, mapping: Mapping) -> set[int]:
    """The columns in which a formula cell without a computed value refuses
    the file: those loaded as a value, not as free text."""
    return {mapping.columns[f.name] for f in ds.fields
            if f.name in mapping.columns and f.type != TEXT}


def uncomputed_error(sheet: RawSheet, cells: list[tuple[int, int]]) -> PipelineError:
    """The refusal naming such cells, (Excel row, column c<i>) in data rows:
    how many, the first five. The check before a load (Plan.check) says the
    same words."""
    bad = [cell_ref(r, c + sheet.first_column) for r, c in cells]
    return PipelineError("uncomputed_formulas", sheet=sheet.name, n=len(bad),
                         cells=bad[:5] + (["…"] if len(bad) > 5 else []))


def _not_this_field(con, ds: Dataset, header: Header, mapping: Mapping
                    ) -> tuple[list[tuple[str, dict]], list[str]]:
    """Optional fields of fixed values (高低区, 供热状态, 满意度) whose column
    has cells but not one of them is a value of the field: a header such as
    区域 (张店区) or 状态 (已缴清) named something else. The column is not
    loaded (its cells do not reject their rows) and the user is told."""
    warnings, ignored = [], []
    for f in ds.fields:
        if f.type != ENUM or f.required or f.name not in mapping.columns:
            continue
        filled, known, example = con.execute(
            f"SELECT count({_q('val_' + f.name)}), count({_q(f.name)}), "
            f"any_value({_q('val_' + f.name)}) FROM stg").fetchone()
        if filled and not known:
            con.execute(f"UPDATE stg SET {_q('err_' + f.name)} = NULL")
            ignored.append(f.name)
            warnings.append(("column_not_field", {
                "column": header.labels[mapping.columns[f.name]], "example": example,
                "field": f.name, "values": list(f.values)}))
    return warnings, ignored


def date_columns(ds: Dataset, header: Header, mapping: Mapping) -> dict[str, int]:
    """Time fields whose day may be in a column of its own: field -> that
    column. Inspection forms keep 测温日期 and 测温时间 apart; the time field
    is mapped to one of them, and the other, also one of its names and
    mapped to nothing, gives a time of day alone its date (heat_ts_join). A time's
    label merged over the two (Header.halves) pairs them whatever their labels."""
    taken = set(mapping.columns.values())
    out = {}
    times = [f for f in ds.fields if f.type == TIMESTAMP and f.name in mapping.columns]
    for f in times:
        names = {normalize_label(x) for x in f.synonyms}
        # 受理日期 beside 受理时间: a name of the field with 日期 for 时间 or back.
        names |= {n.replace("时间", "日期") for n in names} | \
                 {n.replace("日期", "时间") for n in names}
        if len(times) == 1:
            # 测温日期 and 时间, 日期 and 测温时间: a bare 日期 or 时间 can only be
            # the one time field's other half.
            names |= DAY_OR_TIME
        other = header.halves.get(mapping.columns[f.name])
        if other is None or other in taken:
            # Found by its name, one of the two must name a day (受理日期 and
            # 受理时间, 日期 and 测温时间): 来电时间 beside 受理时间 is a second
            # time, not the day of the first (its time was cut off and every
            # ticket received over midnight rejected).
            mine = normalize_label(header.labels[mapping.columns[f.name]] or "")
            other = next((i for i, label in enumerate(header.labels)
                          if i not in taken and label and normalize_label(label) in names
                          and (_names_a_day(mine) or _names_a_day(normalize_label(label)))),
                         None)
        if other is not None:
            out[f.name] = other
            taken.add(other)
    return out


def _names_a_day(label: str) -> bool:
    """A header naming a date, not a time: 受理日期, 日期, date."""
    return "日期" in label or re.search(r"(^|[^a-z])date([^a-z]|$)", label) is not None


def _normalised(table: pa.Table, columns: list[int]) -> pa.Table:
    """The sheet with n<i>, the NFKC form of c<i>, beside each listed column
    (Arrow's utf8proc, no Python loop over rows)."""
    for i in sorted(set(columns)):
        cells = table.column(f"c{i}")
        if not pa.types.is_string(cells.type):
            cells = cells.cast(pa.string())
        table = table.append_column(f"n{i}", pc.utf8_normalize(cells, form="NFKC"))
    return table


# A bills ledger's column naming the month a row charges (账期 2025-11).
_PERIOD_NAMES = frozenset(normalize_label(x) for x in (
    "账期", "计费月份", "所属月份", "月份", "收费月份", "计费期间", "账单月份", "费用月份",
    "计费周期", "账单期间", "所属期"))


def bill_months(ds: Dataset, sheet: RawSheet, header: Header, mapping: Mapping
                ) -> tuple[str, list[str]] | None:
    """A bills ledger's column naming the month each row charges (账期),
    with the months it holds; None when it has none."""
    if ds.name != "fee_bills":
        return None
    taken = set(mapping.columns.values())
    for i, label in enumerate(header.labels):
        if not label or i in taken or normalize_label(label) not in _PERIOD_NAMES:
            continue
        cells = sheet.below(header.last_row, i, text=True)
        return str(label), [v for v in pc.unique(cells).to_pylist() if v]
    return None


def refuse_monthly_bills(ds: Dataset, sheet: RawSheet, header: Header, mapping: Mapping
                         ) -> None:
    """Refuse a bills ledger of one row per household and month (a 账期
    column of several months, a household's season on several rows): a
    bill is a household's season, so each month's row replaced the one
    before and the season's due was one month's (a collection rate of
    1,043%). A ledger of two seasons whose 账期 names them is no such file."""
    found = bill_months(ds, sheet, header, mapping)
    if not found or len(found[1]) < 2:
        return
    keys = pa.table({k: sheet.below(header.last_row, mapping.columns[k], text=True)
                     for k in ds.key if k in mapping.columns})
    if keys.num_columns < len(ds.key):
        return
    counts = keys.group_by(list(ds.key)).aggregate([([], "count_all")])
    if pc.max(counts.column("count_all")).as_py() > 1:
        raise PipelineError("bills_monthly", column=found[0], values=found[1][:3])


def money_scales(ds: Dataset, sheet: RawSheet, header: Header, mapping: Mapping
                 ) -> dict[str, int]:
    """Amount fields whose header gives the unit 万元, each with its factor to
    yuan. A title row saying the amounts are in 万元 while an amount column's
    header names no unit leaves the unit unclear: the file is refused."""
    money = {f.name: header.labels[mapping.columns[f.name]] for f in ds.fields
             if f.money and f.name in mapping.columns}
    scales = {name: WAN_YUAN for name, label in money.items() if wan_yuan(label)}
    if header.first_row > 1 and any(wan_yuan_title(c) for row in
                                    sheet.head(header.first_row - 1) for c in row if c):
        unclear = [label for label in money.values() if not has_unit(label)]
        if unclear:
            raise PipelineError("amount_unit_unclear", columns=unclear)
    return scales


def _day_part(i: int, name: str) -> str:
    """SQL: the placeholder of a part of the reject's day and its number as
    reasons.fill writes it (11, not 011; nothing without a day)."""
    return (f"'{{{name}}}', coalesce(CAST(TRY_CAST(split_part(r.day, '-', {i}) AS INTEGER) "
            f"AS VARCHAR), '')")


def _add_reasons(con, ds: Dataset, header: Header, mapping: Mapping, lang: str,
                 scales: dict[str, int] | None = None, header_fields: int | None = None
                 ) -> None:
    """Reason words per (column, code), built once each, joined to the rejects,
    with what the words are made of (params, JSON: pipelines/reasons), so that
    a viewer reads the reason in their own language later."""
    pairs = con.execute("SELECT DISTINCT column_name, code FROM stg_rejects_raw").fetchall()
    days = date_columns(ds, header, mapping)
    rows = []
    for column, code in pairs:
        needed = reasons.needed(code)
        if column == WHOLE_ROW:
            params = {"header": header_fields} if "header" in needed else {}
            rows.append((column, code, reasons.template(code, column, params, lang), None,
                         json.dumps(params, ensure_ascii=False)))
            continue
        f = ds.field(column)
        lo, hi = bounds(ds, f)
        known = {"min": lo, "max": hi,
                 # a yes/no cell: its pair of words, as one, and the
                 # column's own first words (保密, 要求匿名 … 实名)
                 "allowed": list(f.values) if f.values else
                 ["是/否", *f.yes[:3], *f.no[:2]],
                 "day_column": header.labels[days[column]] if column in days else ""}
        params = {k: v for k, v in known.items() if k in needed and v is not None}
        if code == "out_of_range" and column in (scales or {}):
            params["wan_yuan"] = True   # the cell shows 万元; the range is in yuan
        source = header.labels[mapping.columns[column]] if column in mapping.columns else None
        rows.append((column, code, reasons.template(code, column, params, lang), source,
                     json.dumps(params, ensure_ascii=False)))
    con.execute("CREATE OR REPLACE TEMP TABLE reject_reasons (column_name VARCHAR, code VARCHAR,"
                " template VARCHAR, source_column VARCHAR, params VARCHAR)")
    if rows:
        con.executemany("INSERT INTO reject_reasons VALUES (?, ?, ?, ?, ?)", rows)
    # The row's own values join the column's in params (a NULL one is left out).
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE stg_rejects AS
        SELECT r.{ROW}, r.column_name, t.source_column, r.value, r.code,
               replace(replace(replace(replace(replace(replace(replace(t.template,
                   '{{row}}', coalesce(CAST(r.winner_row AS VARCHAR), '')),
                   '{{fields}}', coalesce(CAST(r.fields AS VARCHAR), '')),
                   '{{day}}', coalesce(r.day, '')),
                   {_day_part(1, 'year')}), {_day_part(2, 'month')}), {_day_part(3, 'mday')}),
                   '{{value}}', coalesce(r.value, '')) AS reason,
               CAST(json_merge_patch(t.params::JSON, json_object(
                   'row', r.winner_row, 'fields', r.fields, 'day', r.day)) AS VARCHAR)
                   AS params
        FROM stg_rejects_raw r JOIN reject_reasons t USING (column_name, code)
        ORDER BY r.{ROW}, r.column_name""")
