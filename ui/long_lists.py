"""Long lists (every unanswered ticket, every unbilled household, the rows
behind a number): the first rows on screen, every row in the .xlsx, and the
workbook built only when the button is clicked.

ui/tables.show sends every row to the browser's grid: too many for a list of
tens of thousands of rows (the benchmark warehouse's season), on every run of
the page. Masking, headers, the row-list permission and the audit are
ui/tables' and ui/session's, unchanged."""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pandas as pd
import streamlit as st

from i18n import t

from . import fmt, session, tables

SHOWN_ROWS = 1000


def show(df: pd.DataFrame, lang: str, key: str, file_name: str,
         columns: Sequence[str] | None = None, labels: Mapping[str, str] | None = None,
         config: Mapping | None = None, empty: str | None = None,
         rows: int = SHOWN_ROWS,
         whole: tuple[Callable[[], pd.DataFrame], int] | None = None,
         caption: str = "page.tickets.list.first_rows",
         sheet: str | None = None) -> pd.DataFrame:
    """Like tables.show, but only the first `rows` rows on screen (a caption
    says how many there are) while the download holds them all. `whole`: when
    `df` is only the first rows of a longer list, (a read of all of them, how
    many): the download reads them when clicked. `sheet`: the download's
    sheet name (tables.show). `caption`: the key of the
    caption ({shown} of {n}) for a list of things other than rows ("前 50 户,
    共 593 户"). Returns the frame shown."""
    if tables.is_row_list(df) and not session.can("row_lists"):
        session.say_rows_withheld()
        return df.iloc[0:0]
    df, cols = tables.overdue_in_days(df, columns)
    head = tables.prepare(df.head(rows), lang, cols, labels)
    if head.empty:
        st.info(empty or t("ui.table.empty", lang))
        return head
    texts = tables.cell_texts(head, lang, cols)
    tables.grid(tables.on_screen(head, df, lang, cols), tables.column_ids(df, cols),
                tables.grid_config(head, lang, cols, config, texts), texts=texts,
                key=f"{key}_table")
    read, n = whole if whole is not None else ((lambda: df), len(df))
    label = None
    if n > len(head):
        st.caption(t(caption, lang, shown=f"{len(head):,}", n=f"{n:,}"))
        label = t("ui.grid.download_all", lang, n=fmt.number(n, lang))
    # The page's column formats go with the file too (its numbers as on screen).
    tables.download_all(read, n, df, lang, key, file_name, cols, labels, label=label,
                        config=config, sheet=sheet)
    return head
