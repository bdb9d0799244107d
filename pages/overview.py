"""总览: what the warehouse holds for the chosen filters, and how fresh it is.
The KPI pages of later issues build on this frame."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from i18n import t
from pipelines.coverage import freshness, period_rows
from ui import db, fmt
from ui.lang import current, tr
from ui.sidebar import current_filters

lang = current()
f = current_filters()

st.title(tr("ui.overview.title"))
places = fmt.join(f.stations or f.branches, lang) or tr("ui.filters.all")
st.caption(tr("ui.overview.scope", season=f.season, period=fmt.period(f.start, f.end, lang),
              places=places))

counts = db.query(period_rows, f.start, f.end, f.season, f.branches, f.stations)
for col, (dataset, n) in zip(st.columns(len(counts)), counts.items()):
    col.metric(t(f"dataset.{dataset}", lang), fmt.number(n, lang))
st.caption(tr("ui.overview.counts_note"))

items = db.query(freshness)
if all(x.rows == 0 for x in items):
    st.info(tr("ui.overview.empty"))
st.subheader(tr("ui.overview.freshness"))
st.dataframe(pd.DataFrame({
    tr("ui.overview.kind"): [t(f"kind.{x.kind}", lang) for x in items],
    tr("ui.overview.rows"): [fmt.number(x.rows, lang) for x in items],
    tr("ui.overview.first"): [fmt.datetime(x.first_at, lang) for x in items],
    tr("ui.overview.last"): [fmt.datetime(x.last_at, lang) for x in items],
    tr("ui.overview.loaded"): [fmt.datetime(x.last_loaded_at, lang) for x in items],
    tr("ui.overview.batches"): [x.batches for x in items],
}), hide_index=True, width="stretch")

left, right = st.columns(2)
left.page_link("pages/upload.py", label=tr("ui.nav.upload"), icon=":material/upload_file:")
right.page_link("pages/data.py", label=tr("ui.nav.data"), icon=":material/database:")
