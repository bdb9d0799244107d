"""A table as every dashboard page shows it: personal columns masked for
viewers without the permission, headers and source-system values in the
user's language, empty cells empty, and an .xlsx download (formula-escaped by
ui/xlsx.py) of the rows shown, or of the whole list a page shows the top of,
its numbers in the number formats of the screen (excel_formats).

    tables.show(df, lang, key="cold_buildings", file_name="室温_冷楼栋")
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from functools import partial

import pandas as pd
import streamlit as st

from auth.masking import PERSONAL as MASKED, mask_frame
from i18n import t
from pipelines.settings import company_now
from metrics import PERSONAL_COLUMNS
# The source values' translation (VALUE_KEYS, value_text) lives beside the
# other display rules, so the weekly report uses it too; pages reach it here.
from metrics.display import (OVERDUE_DAYS, VALUE_KEYS, column_label, display_width,  # noqa: F401
                             overdue_in_days, translate_values, value_text)

from . import fmt, session
from .filters import Filters
from .sidebar import shown_filters, today
from .xlsx import (colons_as_dashes, cut_words, excel_format, excel_format_like, values_format,
                   workbook_bytes)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What an empty cell shows on screen (st.dataframe's own default is the word
# "None", in either language). The .xlsx keeps real empty cells.
PLACEHOLDER = fmt.EMPTY
# A complaint made anonymously has no name or phone (service rules art. 20):
# on screen its cells say so rather than look like missing data.
ANONYMOUS_FLAG = "anonymous"
CALLER_COLUMNS = ("caller_name", "phone")


def can_see_personal() -> bool:
    """Whether the signed-in viewer may see names, full phones and rooms
    (tests replace this one function)."""
    return session.can_see_personal()


def prepare(df: pd.DataFrame, lang: str, columns: Sequence[str] | None = None,
            labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The frame to show: `columns` (default all) masked, then headers
    translated (`labels` overrides column_label for a column)."""
    cols = list(columns) if columns is not None else list(df.columns)
    personal = _personal(df)
    # Free text and file names are masked too (a note may hold a phone),
    # whatever else the table shows; a view is audited for personal columns.
    if any(c in personal or c in MASKED for c in cols):
        out = mask_frame(df, can_see_personal(), cols)
        shown = [c for c in cols if c in personal]
        if can_see_personal() and shown:
            _audit_view(out, shown)
    else:
        out = df[cols] if columns is not None else df
    return _in_words(out, lang, labels)


def _in_words(df: pd.DataFrame, lang: str, labels: Mapping[str, str] | None) -> pd.DataFrame:
    """Source-system values and headers in `lang` (a table's last step)."""
    out = translate_values(df, lang)
    out = out.rename(columns={c: header(c, lang, labels) for c in out.columns})
    # The KPI layer's attrs (a Period, ...) are not for Arrow; they would only warn.
    out.attrs = {}
    return out


# Hours overdue are shown as days (metrics.display.overdue_in_days).
HEADER_KEYS = {OVERDUE_DAYS: "ui.grid.days_overdue"}


def header(column: str, lang: str, labels: Mapping[str, str] | None = None) -> str:
    """A column's header: the page's label, this module's own, else the KPI layer's."""
    if labels and labels.get(column):
        return labels[column]
    if column in HEADER_KEYS:
        return t(HEADER_KEYS[column], lang)
    return column_label(column, lang)


def on_screen(shown: pd.DataFrame, df: pd.DataFrame, lang: str,
              columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The prepared frame as the grid shows it: the name and phone of an
    anonymous complaint read "匿名" / "Anonymous" (the download keeps them
    empty). `df`, `columns`: the frame and columns `shown` was prepared from."""
    cols = list(columns) if columns is not None else list(df.columns)
    targets = [h for c, h in zip(cols, shown.columns) if c in CALLER_COLUMNS]
    if ANONYMOUS_FLAG not in df.columns or not targets or shown.empty:
        return shown
    own = df.loc[shown.index, ANONYMOUS_FLAG].fillna(False).astype(bool)
    out = shown.copy()
    for header in targets:
        empty = out[header].isna()
        out[header] = out[header].astype(object).where(~(own & empty),
                                                       t("ui.grid.anonymous", lang))
    return out


def _personal(df: pd.DataFrame) -> set[str]:
    return set(df.attrs.get("personal_columns", ())) | PERSONAL_COLUMNS


def download_detail(df: pd.DataFrame, columns: Sequence[str] | None = None,
                    rows: int | None = None) -> str:
    """The audit trail's detail of a table's download: its rows (`rows`, by
    default those of `df`), and `personal_data` when the file holds personal
    columns unmasked (the viewer may see them), as the weekly workbook's entry
    is marked."""
    cols = list(columns) if columns is not None else list(df.columns)
    unmasked = can_see_personal() and any(c in _personal(df) for c in cols)
    n = len(df) if rows is None else rows
    return f"{n} rows" + (f", {session.PERSONAL_DATA}" if unmasked else "")


# Columns that make a table a list of households, tickets, receipts or
# readings rather than an aggregate: viewers (no row_lists permission) get none.
ROW_KEYS = {"household_id", "ticket_no", "receipt_no", "source_row", "name", "caller_name",
            "phone", "address", "room"}


def is_row_list(df: pd.DataFrame) -> bool:
    return any(c in ROW_KEYS for c in df.columns)


def _audit_view(df: pd.DataFrame, columns: list[str]) -> None:
    """Log a view of unmasked personal data, once per session and content
    (reruns that redraw the same rows are not new views)."""
    seen = st.session_state.setdefault("_personal_views", set())
    mark = (tuple(columns), int(pd.util.hash_pandas_object(df[columns], index=False).sum()))
    if mark not in seen:
        seen.add(mark)
        session.audit("view_personal", target=",".join(columns), detail=f"{len(df)} rows")


# Numbers in tables as in the rest of the dashboard (ui.fmt): thousands grouped,
# money to the fen. st.dataframe's own default groups nothing ("16849").
COUNT_FORMAT = "%,d"
MONEY_FORMAT = "%,.2f"
_MONEY = ("amount", "unit_price")
# Numbers that name a row rather than count anything: as they are written.
_IDENTIFIERS = ("batch", "year", "week", "band", "seasons_behind")


def number_format(name: str, values: pd.Series) -> str | None:
    """The default format of a numeric column `name` (its name in the KPI
    layer): money with two decimals, counts grouped, temperatures to the
    tenth; None to leave it."""
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        return None
    if name.endswith("_yuan") or name in _MONEY:
        return MONEY_FORMAT
    if name in _IDENTIFIERS or name.endswith(("_row", "_id", "_no")):
        return None
    if name.endswith("_m2"):
        return MONEY_FORMAT
    if name.endswith("_c"):
        return "%.1f"     # a temperature to the tenth, as measured (17.73 / 17.3 mixed)
    if pd.api.types.is_integer_dtype(values):
        return COUNT_FORMAT
    present = values.dropna()
    if len(present) and (present == present.round()).all() and not name.endswith("_c"):
        return COUNT_FORMAT    # a count with an empty cell is read as a float
    return None


# About what a character of the grid's font takes, and a cell's padding and
# sort arrow, in pixels: the width a column needs to show its longest value.
CHAR_PX = 8
CELL_PADDING_PX = 32


def fit_width(values: pd.Series, decimals: int = 2, header: str = "") -> int:
    """Pixels a numeric column needs to show its longest value whole, grouped
    by thousands with `decimals` (as MONEY_FORMAT writes it), and its header:
    in a narrow column of the page the grid otherwise cuts an amount to
    "1,63…"."""
    texts = [f"{float(v):,.{decimals}f}" for v in values.dropna()]
    longest = max([len(x) for x in texts] + [len(header) // 2, 4])
    return CHAR_PX * longest + CELL_PADDING_PX


def text_px(text: str) -> int:
    """Pixels a grid column needs to show `text` whole."""
    return CHAR_PX * display_width(text) + CELL_PADDING_PX


def content_widths(shown: pd.DataFrame, ids: Sequence[str]) -> dict[str, dict]:
    """Column widths (grid config by id), each wide enough for its header and
    longest text: a wide table then scrolls sideways instead of cutting
    figures short (¥7,804,169. for ¥7,804,169.54)."""
    return {str(cid): {"width": max(text_px(str(x)) for x in [head, *shown[head]])}
            for cid, head in zip(ids, shown.columns)}


def datetime_column(values: pd.Series, lang: str):
    """Times in the language's style, as wide as they are written (the grid
    sized a column by the raw value and cut "2025年11月25日 16:05" to
    "… 16:0"); dates alone when no value has a time of day (receipts
    exported with their date only, stored at 00:00)."""
    times = values.dropna()
    with_time = times.empty or bool((times != times.dt.normalize()).any())
    sample = dt.datetime(2025, 12, 25, 16, 5)
    text = fmt.datetime(sample, lang) if with_time else fmt.date(sample, lang)
    return st.column_config.DatetimeColumn(format=fmt.datetime_column_format(lang, with_time),
                                           width=text_px(text))


def column_config(df: pd.DataFrame, lang: str, names: Sequence[str] | None = None) -> dict:
    """Datetimes in the language's style; numbers grouped by thousands and
    money to the fen (number_format), by `names`: the KPI layer's names of
    the columns of the prepared `df` (default: its headers)."""
    config = {}
    for col, name in zip(df.columns, names if names is not None else df.columns):
        if pd.api.types.is_datetime64_any_dtype(df[col]):
            config[col] = datetime_column(df[col], lang)
        elif name == OVERDUE_DAYS:
            config[col] = st.column_config.NumberColumn(
                format=t("ui.grid.days_value", lang, value="%,.1f"))
        elif (number := number_format(str(name), df[col])) is not None:
            config[col] = st.column_config.NumberColumn(format=number)
    return config


def is_share(name: str) -> bool:
    """A share from 0 to 1, by its column's name in the KPI layer (rate,
    compliance_rate, failed_share, rate_amount, share_of_previous)."""
    return (name == "rate" or name.endswith(("_rate", "_share"))
            or name.startswith(("rate_", "share_of_")))


def cell_texts(shown: pd.DataFrame, lang: str, names: Sequence[str] | None,
               texts: Mapping[str, Callable[[object], str]] | None = None
               ) -> dict[str, Callable[[object], str]]:
    """The text function of each column written as text, by header: every
    share as a percent with one decimal, as the cards write it (fmt.percent;
    the grid's own percent format wrote 85%, 85.1% and 85.12% in one
    column), then the page's `texts`. `names`: the KPI layer's names of
    the columns (default: the headers)."""
    shares = {head: partial(fmt.percent, lang=lang)
              for head, name in zip(shown.columns, names if names is not None else shown.columns)
              if is_share(str(name)) and pd.api.types.is_numeric_dtype(shown[head])
              and not pd.api.types.is_bool_dtype(shown[head])}
    return {**shares, **(texts or {})}


def grid_config(shown: pd.DataFrame, lang: str, names: Sequence[str] | None,
                config: Mapping | None = None,
                texts: Mapping[str, Callable[[object], str]] | None = None) -> dict:
    """A table's column_config as grid() takes it: the default formats
    (column_config, by `names`) under the page's `config`; a column the page
    writes with `texts` has no default format (st.dataframe's number format
    would write over the texts)."""
    formats = column_config(shown, lang, names)
    if texts:
        formats = {h: c for h, c in formats.items() if h not in texts}
    return {**formats, **(config or {})}


def excel_formats(shown: pd.DataFrame, ids: Sequence[str], config: Mapping | None = None,
                  texts: Mapping[str, Callable[[object], str]] | None = None) -> dict[str, str]:
    """The Excel number format of each numeric column of the prepared
    `shown`, by header: what the grid shows it with. A column format of
    `config` (grid_config, keyed by header or by the column's id in `ids`,
    as grid() reads it), else the text function of `texts` written as a
    format, else the grid's default by the values. The cells keep the full
    value: formats, not rounding, so a manager's sums add up."""
    out = {}
    for cid, head in zip(ids, shown.columns):
        values = shown[head]
        if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
            continue
        entry = (config or {}).get(head, (config or {}).get(str(cid)))
        kind = (entry.get("type_config") or {}) if isinstance(entry, Mapping) else {}
        number = (excel_format(kind.get("format")) if kind.get("type") in ("number", "progress")
                  else None)
        if number is None and texts and head in texts:
            number = excel_format_like(texts[head])
        number = number or values_format(values)
        if number:
            out[head] = number
    return out


# A file's name as it reaches the user's disk: without the characters Windows
# refuses (a browser writes them as "_", "Cold-day risk_ expected ..."), and
# short enough to read in a folder; the date stamp comes after it.
FILE_NAME_MAX = 80


def name_part(text: str, lang: str) -> str:
    """A word put into a download's name, written as the rest of the name:
    lower case with underscores in English (fees_by_branch; "Compliance
    rate (readings)" as compliance_rate_readings), as is in Chinese
    (收费_按分公司)."""
    if lang != "en":
        return text
    return re.sub(r"[^a-z0-9\-]+", "_", text.strip().lower()).strip("_")


def file_stem(name: str) -> str:
    """`name` (a table's title) fit to name a file: a colon as a dash
    (xlsx.colons_as_dashes), slashes as dashes, other characters a file name
    cannot hold left out, cut after a word at FILE_NAME_MAX characters."""
    text = colons_as_dashes(str(name))
    text = re.sub(r"[\\/|]", "-", text)
    text = re.sub(r'[*?"<>\x00-\x1f]', "", text)
    text = re.sub(r"\s+", " ", text).strip(" .")
    return cut_words(text, FILE_NAME_MAX).strip(" .") or "table"


def column_ids(df: pd.DataFrame, columns: Sequence[str] | None = None) -> list[str]:
    """The ids of a table's columns in the grid: their names in the KPI layer
    (`columns` of `df`, default all), which no language changes."""
    return [str(c) for c in (columns if columns is not None else df.columns)]


def grid(shown: pd.DataFrame, ids: Sequence[str], config: Mapping | None = None,
         texts: Mapping[str, Callable[[object], str]] | None = None,
         **kwargs) -> None:
    """Draw `shown` (headed in the user's language) with st.dataframe, its
    columns named by `ids` (one per column, the same in every language) and
    headed by column_config labels.

    The browser's grid keeps a sort the user clicked across reruns while the
    table stays where it is on the page and the sorted column keeps its name:
    headers as column names unsorted the table at every switch of language.
    (The sort is the browser's alone: a reload shows the table unsorted.)

    `config` is keyed by the header shown (as the pages write it) or by the
    id, `texts` by the header; a config entry without a label of its own gets
    the header. Other `kwargs` go to st.dataframe (hide_index, width and
    placeholder default as on every dashboard table)."""
    ids = [str(i) for i in ids]
    headers = list(shown.columns)
    if len(ids) != len(headers) or len(set(ids)) != len(ids):
        raise ValueError(f"one distinct id per column needed: {ids} for {headers}")
    config = config or {}
    columns: dict[str, object] = {}
    for cid, head in zip(ids, headers):
        entry = config[head] if head in config else config.get(cid, {})
        if entry is None or isinstance(entry, str):
            columns[cid] = entry                      # hidden, or a label of its own
        else:
            columns[cid] = {**entry, "label": entry.get("label") or str(head)}
    data = shown.set_axis(ids, axis=1)
    if texts:
        by_header = dict(zip(headers, ids))
        data = data.style.format({by_header[h]: f for h, f in texts.items() if h in by_header})
    options = {"hide_index": True, "width": "stretch", "placeholder": PLACEHOLDER, **kwargs}
    st.dataframe(data, column_config=columns, **options)


def shown_stamp(f: Filters | None, lang: str) -> str:
    """What a download's name says after its title: on a page showing the
    sidebar's period, that period and the places chosen (2025-W50,
    2025-2026, 20251201-20251231; 张店分公司), so a file forwarded says what it
    covers; elsewhere the company's day (20251208), not the server's."""
    if f is None:
        return today().strftime("%Y%m%d")
    when = (f.week if f.period == "week" and f.week else f.season if f.period == "season"
            else f"{f.start:%Y%m%d}-{f.end:%Y%m%d}")
    places = f.places(session.scope_branch())
    if not places:
        return when
    where = places[0] if len(places) == 1 else t("ui.table.places_more", lang,
                                                   first=places[0], n=len(places))
    return f"{when}_{file_stem(where).replace(' ', '_')}"


def about_sheet(f: Filters | None, scope: str | None, title: str, lang: str
                ) -> pd.DataFrame | None:
    """The download's second sheet, 说明: what the table is, the period and
    places it covers (to the minute for a period not over; `scope`: the
    viewer's branch) and when it was made; None off the dashboards. No
    Streamlit: it is built when the file is asked for."""
    if f is None:
        return None
    period = fmt.period(f.start, f.end, lang)
    if f.as_of is not None and f.end >= f.as_of.date():
        period += t("ui.table.about_so_far", lang, at=fmt.datetime(f.as_of, lang))
    places = f.places(scope)
    rows = [(t("ui.table.about_table", lang), title),
            (t("ui.table.about_period", lang), period),
            (t("ui.table.about_places", lang),
             "、".join(places) if lang == "zh" and places else ", ".join(places)
             or t("ui.table.about_everywhere", lang)),
            (t("ui.table.about_made", lang), fmt.datetime(company_now(), lang))]
    return pd.DataFrame(rows, columns=[t("ui.table.about_item", lang),
                                       t("ui.table.about_value", lang)])


def _button(build: Callable[[], bytes], lang: str, key: str, file_name: str, detail: str,
            label: str | None = None) -> None:
    """The .xlsx download button: the file is built when clicked, not on every
    run of the page, and audited with `detail` when built."""
    stamp = shown_stamp(shown_filters(), lang)
    stem = file_stem(file_name)
    st.download_button(label or t("ui.table.download", lang),
                       data=session.audited_download(build, f"{stem}.xlsx", detail),
                       file_name=f"{stem}_{stamp}.xlsx", mime=XLSX, key=f"{key}_xlsx",
                       icon=":material/download:", on_click="ignore")


def bools_in_words(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Yes/no columns (是否匿名...) as words: the screen ticks a box, a
    workbook would read TRUE/FALSE."""
    flags = [c for c in df.columns if pd.api.types.is_bool_dtype(df[c])]
    if not flags:
        return df
    words = {True: t("ui.table.yes", lang), False: t("ui.table.no", lang)}
    return df.assign(**{c: df[c].map(words).astype(object) for c in flags})


def download(df: pd.DataFrame, lang: str, key: str, file_name: str, detail: str,
             sheet: str | None = None, label: str | None = None,
             formats: Mapping[str, str] | None = None) -> None:
    """An .xlsx download button for an already prepared frame; `detail` for
    the audit trail (download_detail of the frame before it was prepared).
    `formats`: Excel number formats by header (excel_formats; by default
    those of a grid drawn without a column_config)."""
    frame = bools_in_words(df, lang)
    if formats is None:
        formats = excel_formats(frame, list(frame.columns))
    name = sheet or file_name
    shown, scope = shown_filters(), session.scope_branch()

    def build() -> bytes:
        return workbook_bytes(with_about({name: frame}, shown, scope, name, lang),
                              {name: formats})

    _button(build, lang, key, file_name, detail, label)


def with_about(sheets: dict[str, pd.DataFrame], f: Filters | None, scope: str | None,
               title: str, lang: str) -> dict[str, pd.DataFrame]:
    """`sheets` and, on a dashboard, the 说明 sheet after them (about_sheet)."""
    about = about_sheet(f, scope, title, lang)
    return sheets if about is None else {**sheets, t("ui.table.about_sheet", lang): about}


def workbook_frame(df: pd.DataFrame, lang: str, columns: Sequence[str] | None,
                   labels: Mapping[str, str] | None, allowed: bool) -> pd.DataFrame:
    """`df` as its download holds it: prepared like the table on screen, for a
    viewer who may (`allowed`) or may not see personal data. No Streamlit:
    it runs when the file is asked for, on a server thread."""
    return bools_in_words(_in_words(mask_frame(df, allowed, columns), lang, labels), lang)


def download_all(rows: Callable[[], pd.DataFrame], n: int, like: pd.DataFrame, lang: str,
                 key: str, file_name: str, columns: Sequence[str] | None = None,
                 labels: Mapping[str, str] | None = None, label: str | None = None,
                 config: Mapping | None = None,
                 texts: Mapping[str, Callable[[object], str]] | None = None,
                 sheet: str | None = None) -> None:
    """An .xlsx download of a whole list of which the page shows only some
    rows: `rows()` reads all `n` of them when the button is clicked (not on
    every run); `like`: the rows shown, whose columns the list has.
    `config`, `texts`: the page's, as the table on screen has them, for
    the file's number formats (excel_formats, of all the rows). `sheet`:
    the sheet's name (the table's title), by default the file's."""
    allowed = can_see_personal()   # read now: the file is built outside the session
    shown, scope = shown_filters(), session.scope_branch()

    def build() -> bytes:
        frame, cols = overdue_in_days(rows(), columns)
        out = workbook_frame(frame, lang, cols, labels, allowed)
        written = cell_texts(out, lang, cols, texts)
        formats = excel_formats(out, column_ids(frame, cols),
                                grid_config(out, lang, cols, config, written), written)
        name = sheet or file_name
        return workbook_bytes(with_about({name: out}, shown, scope, name, lang),
                              {name: formats})

    cols = [c for c in (columns if columns is not None else like.columns) if c in like.columns]
    _button(build, lang, key, file_name, download_detail(like, cols, rows=n), label)


def show(df: pd.DataFrame, lang: str, key: str, file_name: str,
         columns: Sequence[str] | None = None, labels: Mapping[str, str] | None = None,
         config: Mapping | None = None, height: int | str = "auto",
         empty: str | None = None,
         whole: tuple[Callable[[], pd.DataFrame], int] | None = None,
         texts: Mapping[str, Callable[[object], str]] | None = None,
         sheet: str | None = None) -> pd.DataFrame:
    """Mask, translate, draw the table and its download; returns the frame
    shown (tests compare it with the KPI layer). `file_name`: the download's
    name before its day, <subject>_<table> (室温_低温风险 /
    temperature_cold_day_risk); `sheet`: its sheet's, the table's title
    (低温风险), by default the file's. `config`: extra
    st.column_config entries keyed by the translated header. `whole`: for
    the first rows of a longer list, (a read of all its rows, how many):
    the download then holds them all, and its button says how many.
    `texts`: a function writing each cell of a numeric column (keyed by the
    translated header) where a number format cannot, e.g. a change without
    a sign when it rounds to zero (fmt.points); the column stays numbers, so
    it sorts by value and the download holds the numbers."""
    if is_row_list(df) and not session.can("row_lists"):
        session.say_rows_withheld()
        return df.iloc[0:0]
    asked = columns   # the columns of `whole`'s rows
    df, columns = overdue_in_days(df, columns)
    shown = prepare(df, lang, columns, labels)
    if shown.empty:
        st.info(empty or t("ui.table.empty", lang))
        return shown
    ids = column_ids(df, columns)
    texts = cell_texts(shown, lang, columns, texts)
    formats = grid_config(shown, lang, columns, config, texts)
    grid(on_screen(shown, df, lang, columns), ids, formats, texts=texts, height=height,
         key=f"{key}_table")
    if whole is None:
        # The file's numbers as the screen's: from the same column formats.
        download(shown, lang, key, file_name, download_detail(df, columns), sheet=sheet,
                 formats=excel_formats(bools_in_words(shown, lang), ids, formats, texts))
    else:
        rows, n = whole
        download_all(rows, n, df, lang, key, file_name, asked, labels,
                     label=t("ui.grid.download_all", lang, n=fmt.number(n, lang)),
                     config=config, texts=texts, sheet=sheet)
    return shown
