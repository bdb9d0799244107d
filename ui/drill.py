"""The rows behind a number: under a page's KPIs, a switch that opens the
source rows behind a KPI's numerator or denominator (metrics.drill), each with
the file it came from and its row number there, masked like every table and
downloadable. Read only while the switch is on."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import streamlit as st

from i18n import t
from metrics import Kpi, Period, drill, drill_count, get
from metrics.sources import source_kind

from . import db, long_lists, session, tables

# Flags and lineage the KPI layer computes for itself are not shown. The
# source file and Excel row, the point of a drill-through, come right after
# the row's first two fields (its key and time), in sight on a laptop screen.
_HIDDEN = ("batch_id", "row_hash", "row_kind", "row_key")
_SOURCE = ("file_name", "source_row")
_BEFORE_SOURCE = 2


def parts(kpi: Kpi) -> list[str]:
    """The parts of a KPI that have rows behind them."""
    out = [] if kpi.kind == "quantile" else ["numerator"]
    if kpi.has_denominator:
        out.append("denominator")
    return out


def columns(df: pd.DataFrame) -> list[str]:
    keep = [c for c in df.columns if c not in _HIDDEN and c not in _SOURCE
            and not pd.api.types.is_bool_dtype(df[c])]
    source = [c for c in _SOURCE if c in df.columns]
    # The household's owner beside the caller (a ticket's rows: 来电人 李四,
    # 户主 孙三), not at the far right past the flags.
    if "owner_name" in keep and "caller_name" in keep:
        keep.remove("owner_name")
        keep.insert(keep.index("caller_name") + 1, "owner_name")
    return keep[:_BEFORE_SOURCE] + source + keep[_BEFORE_SOURCE:]


def rows_behind(kpi_ids: Sequence[str], period: Period, filters: Mapping, scope: str | None,
                lang: str, key: str,
                slices: Mapping[str, Sequence[str]] | None = None,
                label: str | None = None) -> pd.DataFrame | None:
    """The switch (`label`) and, when on, pickers for the KPI, the part and
    (with `slices`: dimension -> values) one slice; returns the frame shown."""
    if not session.can("row_lists"):
        return None   # the rows are a row list: no switch that would only say so
    if not st.toggle(label or t("page.tickets.drill.toggle", lang), key=f"{key}_drill"):
        return None
    cols = st.columns(3 if slices else 2)
    kpi_id = cols[0].selectbox(t("page.tickets.drill.kpi", lang), list(kpi_ids),
                               format_func=lambda k: get(k).text(lang)[0], key=f"{key}_drill_kpi")
    kpi = get(kpi_id)
    part = cols[1].radio(t("page.tickets.drill.part", lang), parts(kpi), horizontal=True,
                         format_func=lambda p: t(f"page.tickets.drill.{p}", lang),
                         key=f"{key}_drill_part_{kpi_id}")
    narrowed = {k: list(v) for k, v in filters.items()}
    if slices:
        dim = next(iter(slices))
        choice = cols[2].selectbox(t(f"field.{dim}", lang), [None, *slices[dim]],
                                   format_func=lambda v: t("ui.filters.all", lang) if v is None
                                   else str(v), key=f"{key}_drill_{dim}")
        if choice is not None:
            narrowed[dim] = [choice]
    # The first rows on screen; all of them, however many, in the download.
    n = db.query(drill_count, kpi_id, period, part, narrowed, scope)
    df = db.query(drill, kpi_id, period, part, narrowed, scope, long_lists.SHOWN_ROWS)
    st.caption(t("page.tickets.drill.count", lang, n=f"{n:,}"))
    label, rows = kpi.text(lang)[0], t(f"page.tickets.drill.{part}", lang)
    # <subject>_<table>, as every download: 收费_收缴率(金额)_分子 /
    # fees_collection_rate_by_amount_numerator; the sheet keeps the words.
    subject = t(f"ui.subject.{source_kind(kpi) or 'roster'}", lang)
    name = t("page.tickets.drill.file", lang, subject=subject,
             kpi=tables.name_part(label, lang), part=tables.name_part(rows, lang))
    return long_lists.show(df, lang, key=f"{key}_drill_rows", columns=columns(df),
                           file_name=name, sheet=f"{label}_{rows}",
                           whole=(db.later(drill, kpi_id, period, part, narrowed, scope), n))
