"""Excel downloads. Text that starts like a formula (= + - @) is written as a
string cell with Excel's quote prefix, so no cell ever becomes a formula, in
Excel or in WPS, even after a user edits it; the text itself is kept exactly,
so a downloaded file can be fixed and uploaded again.

A number keeps its full value (a manager computes with it) under the number
format of what the screen shows (excel_format): 93.3%, not 0.9332564605478934."""
from __future__ import annotations

import datetime as dt
import functools
import io
import numbers
import re
from collections.abc import Callable, Mapping

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import xlsxwriter

from auth.masking import PERSONAL, mask_as
from i18n import t
from pipelines.fields import DATASETS, SIGNATURE, normalize_label
from pipelines.load import Plan, Reject
from pipelines.read import ROW

# Tab and carriage return too: spreadsheet apps strip them and then see "=".
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def needs_escape(text: str) -> bool:
    return text.startswith(FORMULA_START)


def workbook_bytes(sheets: dict[str, pd.DataFrame],
                   formats: Mapping[str, Mapping[str, str]] | None = None) -> bytes:
    """One worksheet per frame; a bold, frozen header row. `formats`: by
    sheet (the key in `sheets`), then by column header, the Excel number
    format of the column's numbers; other numbers are General."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False,
                                   "strings_to_urls": False, "strings_to_numbers": False})
    styles = {
        "header": wb.add_format({"bold": True, "bg_color": "#F2E6E1", "border": 1}),
        "header_quoted": wb.add_format({"bold": True, "bg_color": "#F2E6E1", "border": 1,
                                        "quote_prefix": True}),
        "quoted": wb.add_format({"quote_prefix": True}),
        "datetime": wb.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
        "date": wb.add_format({"num_format": "yyyy-mm-dd"}),
    }
    number_styles: dict[str, object] = {}
    taken: set[str] = set()
    for name, df in sheets.items():
        ws = wb.add_worksheet(sheet_name(name, taken))
        by_header = (formats or {}).get(name) or {}
        numbers_as = []
        for c, label in enumerate(df.columns):
            text = "" if label is None else str(label)
            ws.write_string(0, c, text,
                            styles["header_quoted" if needs_escape(text) else "header"])
            width = max([len(text)] + [len(_as_text(v)) for v in df.iloc[:200, c]])
            ws.set_column(c, c, min(max(8, width * 1.2 + 2), 60))
            number = by_header.get(label)
            if number and number not in number_styles:
                number_styles[number] = wb.add_format({"num_format": number})
            numbers_as.append(number_styles.get(number) if number else None)
        for r, row in enumerate(df.itertuples(index=False, name=None), start=1):
            for c, value in enumerate(row):
                _write(ws, r, c, value, styles, numbers_as[c])
        ws.freeze_panes(1, 0)
    wb.close()
    return buf.getvalue()


def _as_text(value) -> str:
    """About what a cell shows, to size its column: a number as the formats
    write it (two decimals at most), not its full value's 17 digits."""
    if isinstance(value, numbers.Number) and not isinstance(value, bool):
        try:
            return f"{float(value):,.2f}"
        except (TypeError, ValueError):
            pass
    return str(value)


# --- sheet names ---------------------------------------------------------------------
# Excel's limit is 31 characters, without []:*?/\ and not starting or ending
# with an apostrophe. Cut at 31 the titles lost their last word mid-way
# ("Stopped or exempt households ch"), a day its last digit.
SHEET_MAX = 31
ELLIPSIS = "…"
# A day, a fee season, an ISO week: the file's name carries them, a sheet
# too narrow for its title can do without.
PERIOD = re.compile(r"[\s_]*(?:\d{4}-\d{2}-\d{2}|\d{4}-\d{4}|\d{4}-W\d{2})(?=$|[\s_])")
_SHEET_CHARS = {"[": "(", "]": ")", "*": "", "?": "", "/": "-", "\\": "-"}


def sheet_name(name: object, taken: set[str] | None = None) -> str:
    """A valid worksheet name for the title `name`, one not in `taken`
    (lower-cased, as Excel compares them; the name is added to it). A title
    too long keeps what says the most: its part before a colon ("Cold-day
    risk"), else itself without its period, else its words that fit and "…"."""
    text = _sheet_chars(name)
    if len(text) > SHEET_MAX:
        before = re.split(r"[:\uff1a]", str(name), maxsplit=1)[0]
        shorter = [_sheet_chars(before), _sheet_chars(PERIOD.sub("", str(name)))]
        text = next((s for s in shorter if s and len(s) <= SHEET_MAX),
                    cut_words(shorter[1] or text, SHEET_MAX, ELLIPSIS))
    text = text or "Sheet1"
    if text.lower() == "history":    # reserved by Excel
        text = f"{text} (1)"
    taken = taken if taken is not None else set()
    unique, n = text, 1
    while unique.lower() in taken:
        n += 1
        suffix = f" ({n})"
        unique = cut_words(text, SHEET_MAX - len(suffix), ELLIPSIS) + suffix
    taken.add(unique.lower())
    return unique


def _sheet_chars(name: object) -> str:
    text = colons_as_dashes(str(name or ""))
    for ch, instead in _SHEET_CHARS.items():
        text = text.replace(ch, instead)
    text = re.sub(r"[\x00-\x1f]", "", text)
    return re.sub(r"\s+", " ", text).strip().strip("'").strip()


def colons_as_dashes(text: str) -> str:
    """"Cold-day risk: expected..." as "Cold-day risk - expected...", "低温风险:设计..."
    as "低温风险-设计...": no sheet or file name may hold a colon, and a
    browser wrote one in a file name as "_ "."""
    text = re.sub(r"\s*[:\uff1a]\s+", " - ", text)
    return re.sub(r"\s*[:\uff1a]\s*", "-", text)


def cut_words(text: str, limit: int, mark: str = "") -> str:
    """`text` in at most `limit` characters: cut after its last whole word
    (words end at a space or "_") that fits with `mark`; mid-word only when
    that would leave less than half (a long Chinese title has no spaces)."""
    if len(text) <= limit:
        return text
    room = limit - len(mark)
    head = text[:room]
    if text[room] not in " _":
        end = max(head.rfind(" "), head.rfind("_"))
        if end >= room // 2:
            head = head[:end]
    return head.rstrip(" _-,;.") + mark


# --- number formats ------------------------------------------------------------------
# st.column_config's named formats, as Excel writes them. Percentages with
# one decimal, as the dashboard writes them everywhere else (ui.fmt.percent,
# the KPI cards, the weekly report).
PRESETS = {
    "percent": "0.0%",
    "accounting": "#,##0.00;(#,##0.00)",   # negatives in brackets, as the grid
    "dollar": '"$"#,##0.00',
    "euro": '"€"#,##0.00',
    "yen": '"¥"#,##0',
    "scientific": "0.00E+00",
}
# One printf conversion, as st.column_config takes it ("¥%,.2f", "%,d", "%.1f 天").
PRINTF = re.compile(r"%(?P<flags>[-+0 ,']*)(?P<width>\d+)?(?:\.(?P<decimals>\d+))?"
                    r"(?P<kind>[dfiu])")


def excel_format(streamlit_format: str | None) -> str | None:
    """The Excel number format showing a number as the grid's column format
    `streamlit_format` does (a named one or a printf one); None when there is
    none or it is not one Excel can write (General then)."""
    if not streamlit_format:
        return None
    if streamlit_format in PRESETS:
        return PRESETS[streamlit_format]
    found = [m for m in PRINTF.finditer(streamlit_format)]
    if len(found) != 1:
        return None
    m = found[0]
    decimals = 0 if m["kind"] in "diu" else int(m["decimals"] or 6)
    body = _digits("," in m["flags"] or "'" in m["flags"], decimals)
    pre = literal(streamlit_format[:m.start()].replace("%%", "%"))
    post = literal(streamlit_format[m.end():].replace("%%", "%"))
    if "+" in m["flags"]:
        return f'{pre}"+"{body}{post};{pre}"-"{body}{post};{pre}"+"{body}{post}'
    return f"{pre}{body}{post}"


# A number as a text function writes it: 1234.5678 as "1234.6", "1,234.57".
_WRITTEN = re.compile(r"(?P<whole>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<decimals>\d+))?")


def excel_format_like(write: Callable[[float], str]) -> str | None:
    """The Excel number format showing a number as the function `write`
    does (a positive, a negative and a zero section; text around the number
    kept, "+1.6 个百分点"; a share written as a percent, "85.1%", in Excel's
    own percent format, which scales as the text does), found by writing
    three numbers; None when they do not read as the number itself (a text
    scaling it otherwise, or no number)."""
    sections = []
    for probe in (1234.5678, -1234.5678, 0.0):
        try:
            text = str(write(probe))
        except Exception:      # a text function made for its own column's values only
            return None
        m = _WRITTEN.search(text)
        if m is None:
            return None
        whole, after = m["whole"].replace(",", ""), text[m.end():]
        percent = whole == str(int(abs(probe) * 100)) and after.startswith("%")
        if whole != str(int(abs(probe))) and not percent:
            return None
        body = _digits("," in m["whole"], len(m["decimals"] or "")) + ("%" if percent else "")
        after = after[1:] if percent else after
        sections.append(f"{literal(text[:m.start()])}{body}{literal(after)}")
    positive, negative, zero = sections
    # (a zero has no thousands to group: "0.00" is "#,##0.00" written)
    if negative == f'"-"{positive}' and zero == positive.replace("#,##0", "0"):
        return positive      # as Excel writes one section: a minus before a negative
    return ";".join(sections)


def _digits(grouped: bool, decimals: int) -> str:
    whole = "#,##0" if grouped else "0"
    return f"{whole}.{'0' * decimals}" if decimals else whole


def literal(text: str) -> str:
    """`text` as literal text in an Excel number format (quoted: "%" or "0"
    unquoted would scale or format the number)."""
    if not text:
        return ""
    if '"' in text:
        return "".join("\\" + ch for ch in text)
    return f'"{text}"'


def values_format(values: pd.Series) -> str | None:
    """The Excel number format of numbers the grid shows in its own default
    style (no column format): as many decimals as they need, up to the
    grid's four; whole numbers without."""
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        return None
    present = pd.to_numeric(values, errors="coerce").dropna().astype(float)
    if present.empty:
        return None
    for decimals in range(5):
        if ((present - present.round(decimals)).abs() <= 1e-9 * present.abs().clip(lower=1)).all():
            return _digits(False, decimals)
    return _digits(False, 4)


def _write(ws, r: int, c: int, value, styles: dict, number=None) -> None:
    if value is None or (not isinstance(value, str) and pd.api.types.is_scalar(value)
                         and pd.isna(value)):
        ws.write_blank(r, c, None)
    elif isinstance(value, str):
        ws.write_string(r, c, value, styles["quoted"] if needs_escape(value) else None)
    elif isinstance(value, bool):
        ws.write_boolean(r, c, value)
    elif isinstance(value, numbers.Number):
        ws.write_number(r, c, float(value), number)
    elif isinstance(value, dt.datetime):  # pd.Timestamp is one too
        ws.write_datetime(r, c, value.replace(tzinfo=None), styles["datetime"])
    elif isinstance(value, dt.date):
        ws.write_datetime(r, c, dt.datetime(value.year, value.month, value.day),
                          styles["date"])
    else:
        text = str(value)
        ws.write_string(r, c, text, styles["quoted"] if needs_escape(text) else None)


def _personal_kind(plan: Plan, column: int) -> str | None:
    """How a column of an uploaded file is masked for a viewer who may not
    see personal data (auth.masking kinds), None for one left as it is: a
    loaded field's own kind (a signature is a name); a column not loaded,
    the kind of any export's field its header names (a readings file's
    户主姓名 or 地址, the roster's), else cut as free text (phones, ID and
    room numbers), as nothing is known of it."""
    ds = DATASETS[plan.mapping.dataset]
    loaded = {i: name for name, i in plan.mapping.columns.items()}
    if column in loaded:
        f = ds.field(loaded[column])
        return "name" if f.type == SIGNATURE else PERSONAL.get(f.name)
    return _header_kinds().get(normalize_label(plan.header.labels[column]), "text")


@functools.cache
def _header_kinds() -> dict[str, str]:
    """Every export's header of a personal field (normalised) -> its
    masking kind; built once."""
    kinds: dict[str, str] = {}
    for ds in DATASETS.values():
        for f in ds.fields:
            if f.name in PERSONAL:
                for s in f.synonyms:
                    kinds.setdefault(normalize_label(s), PERSONAL[f.name])
    return kinds


def rejected_rows(plan: Plan, rejects: list[Reject], lang: str,
                  personal: bool = True) -> pd.DataFrame:
    """The rejected rows as they were in the file (every column, as text, so
    identifiers keep their leading zeros), with their Excel row number and the
    reasons appended: fix the cells, delete the two extra columns or not, and
    upload the file again. Without `personal` (a viewer who may not see
    personal data) the columns of personal fields (来电人, 联系电话, 反映内容 …)
    are masked as every table masks them."""
    reasons: dict[int, list[str]] = {}
    for r in rejects:
        reasons.setdefault(r.row, []).append(r.reason)
    table = plan.sheet.table
    part = table.filter(pc.is_in(table.column(ROW), value_set=pa.array(sorted(reasons),
                                                                        pa.int64())))
    labels = plan.header.labels
    values = [part.column(f"c{i}").to_pylist() for i in range(len(labels))]
    # A column without a header and without a value in these rows (a CSV
    # line with a trailing comma gives every row one) is no column to fix.
    keep = [i for i, label in enumerate(labels)
            if label or any(v not in (None, "") for v in values[i])]
    df = pd.DataFrame({f"c{i}": values[i] for i in keep})
    if not personal:
        for i in keep:
            kind = _personal_kind(plan, i)
            if kind is not None:
                df[f"c{i}"] = [mask_as(kind, v) for v in df[f"c{i}"]]
    df.columns = [labels[i] if labels[i] else f"({i + 1})" for i in keep]
    rows = part.column(ROW).to_pylist()
    df[t("ui.rejects.source_row", lang)] = rows
    df[t("ui.rejects.reasons", lang)] = ["; ".join(reasons[r]) for r in rows]
    return df
