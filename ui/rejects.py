"""Rejected rows on a page: the grid's columns, and each reason written out in
full with its rows (the grid cuts a long reason mid-sentence). The upload
page shows a load's rejects, 数据管理 an earlier load's."""
from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import streamlit as st

from i18n import t

from . import fmt, tables

REASONS_LISTED = 10   # distinct reasons written out under the reject grid
ROWS_NAMED = 8        # rows named for each


def columns(shown: pd.DataFrame, lang: str) -> dict:
    """The reject grid's columns (headed in `lang`): the row number as wide as
    its header ("Row (as in Excel)" was cut to "Row (as"), the reason wide,
    saying where it is written in full (`in_full`)."""
    row, reason = t("ui.rejects.row", lang), t("ui.rejects.reason", lang)
    digits = max((len(str(x)) for x in shown[row]), default=1)
    return {row: st.column_config.NumberColumn(width=max(tables.text_px(row),
                                                         tables.text_px("0" * digits))),
            reason: st.column_config.TextColumn(width="large",
                                                help=t("ui.rejects.reason_help", lang))}


def markdown_text(text: str) -> str:
    """A cell's text shown literally in Markdown (a value may hold * or [)."""
    return fmt.literal(text)


def in_full(rejects: Iterable[tuple[str, int]], lang: str) -> None:
    """Each reason once, in full, with the rows it rejected: the first
    REASONS_LISTED, the rest in the download. `rejects`: (reason in `lang`,
    Excel row) pairs, in the file's order."""
    rows: dict[str, list[int]] = {}
    for reason, row in rejects:
        seen = rows.setdefault(reason, [])
        if row not in seen:
            seen.append(row)
    lines = []
    for reason, numbers in list(rows.items())[:REASONS_LISTED]:
        named = fmt.join(numbers[:ROWS_NAMED], lang)
        if len(numbers) > ROWS_NAMED:
            named = t("ui.rejects.rows_more", lang, rows=named, n=fmt.number(len(numbers), lang))
        where = t("ui.rejects.in_row" if len(numbers) == 1 else "ui.rejects.in_rows", lang,
                  rows=named)
        lines.append(f"- **{where}**{t('ui.rejects.colon', lang)}{markdown_text(reason)}")
    st.markdown(f"**{t('ui.rejects.reasons_heading', lang)}**\n\n" + "\n".join(lines))
    if len(rows) > REASONS_LISTED:
        st.caption(t("ui.rejects.reasons_more", lang,
                     n=fmt.number(len(rows) - REASONS_LISTED, lang)))
