"""数据管理: what is loaded, week by week, and the history of loads with undo."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from i18n import t
from metrics.display import display_width
from pipelines.batches import (batch_rejects, batch_warnings, list_batches, undo_batch,
                               undo_preview, warned_batches)
from pipelines.coverage import freshness, missing_weeks, weekly_rows
from pipelines.errors import PipelineError
from pipelines.fields import KINDS
from ui import db, fmt, session, tables
from ui import rejects as reject_views
from ui.fmt import literal
from ui.lang import current, tr
from ui.sidebar import today
from ui.uploads import user_name

session.page_guard()
session.require("upload")

UNDO_TARGET = "undo_target"
UNDO_PICK = "undo_pick"
# Set by an undo: the next run shows the batch selector with nothing picked.
# It moved to the next-newest batch, one click and a confirmation away from
# undoing a second file the user never chose.
UNDO_UNPICK = "undo_unpick"
FLASH = "data_flash"
SHOWN_GAPS = 12
COUNTS = ("read", "inserted", "updated", "unchanged", "rejected")

lang = current()
con = db.connection()


def coverage_chart(part: pd.DataFrame, missing: list[str]) -> go.Figure:
    """Rows per week; a missing in-season week is a red mark on the axis."""
    gaps = part[part["week"].isin(missing)]
    fig = go.Figure(go.Bar(x=part["week_start"], y=part["rows"], name=tr("ui.data.rows"),
                           marker_color="#B5472E", customdata=part["week"],
                           hovertemplate="%{customdata}: %{y:,}<extra></extra>"))
    if len(gaps):
        fig.add_trace(go.Scatter(x=gaps["week_start"], y=[0] * len(gaps), mode="markers",
                                 marker={"color": "#D62728", "symbol": "x", "size": 9},
                                 customdata=gaps["week"], name=tr("ui.data.gap"),
                                 hovertemplate="%{customdata}<extra></extra>"))
    fig.update_layout(height=160, margin={"l": 0, "r": 0, "t": 4, "b": 0}, showlegend=False,
                      bargap=0.1)
    fig.update_yaxes(tickformat=",")   # 2,000 rows, as every count is written (not 2000)
    # Dates as the language writes them (Plotly's own ticks say "Jan 2025"):
    # months over a long span, days over a short one (a kind with one or two
    # weekly exports would repeat one month's name on every tick).
    day, month = ("%-m月%-d日", "%Y年%-m月") if lang == "zh" else ("%-d %b", "%b %Y")
    fig.update_xaxes(tickformatstops=[{"dtickrange": [None, "M1"], "value": day},
                                      {"dtickrange": ["M1", None], "value": month}])
    return fig


def coverage() -> None:
    st.subheader(tr("ui.data.coverage"))
    weekly = db.query(weekly_rows)
    items = db.query(freshness)
    for col, f in zip(st.columns(len(items)), items):
        with col:
            st.markdown(f"**{t(f'kind.{f.kind}', lang)}**")
            if f.rows == 0:
                st.caption(tr("ui.freshness.none"))
                continue
            st.caption(tr("ui.data.rows_total", rows=fmt.number(f.rows, lang)))
            if f.first_at is None:
                continue
            st.caption(tr("ui.data.span", start=fmt.date(f.first_at, lang),
                          end=fmt.date(f.last_at, lang)))
            gaps = missing_weeks(weekly, f.kind)
            st.plotly_chart(coverage_chart(weekly[weekly["kind"] == f.kind], gaps),
                            key=f"coverage_{f.kind}", config={"displayModeBar": False})
            if gaps:
                shown = fmt.join(gaps[:SHOWN_GAPS], lang) + (" …" if len(gaps) > SHOWN_GAPS else "")
                st.warning(tr("ui.data.gaps", n=fmt.number(len(gaps), lang), weeks=shown))
            else:
                st.caption(tr("ui.data.no_gaps"))


# What tells the batches apart comes first: the batch, whether it is still in
# place (an undone batch's chip says when and by whom it was undone) and its
# file. These stay in view (pinned) while the rest of a wide table scrolls.
COLUMNS = ("batch", "status", "file", "kind", "dataset", "user", "loaded_at", *COUNTS,
           "data_from", "data_to")
PINNED = ("batch", "status", "file")
STATUS_COLORS = {"loaded": "green", "undone": "red"}
# Pixels a column needs: about 7 a Latin letter or digit and 14 a Chinese
# character (Source Sans at the grid's 14 px), plus the cell's padding and
# sort arrow. The grid sizes a column by its raw values, not its header or
# the formatted text: "Loaded b", "Unchar" and "Rejecte" were cut.
UNIT_PX = 7
CHIP_PX = 16           # a status chip's own padding
FILE_MAX_PX = 280      # a very long file name is cut rather than fill the pinned part


def column_width(header: str, texts) -> int:
    """Pixels to show `header` and the longest of `texts` whole."""
    longest = max(display_width(str(x)) for x in [header, *texts])
    return UNIT_PX * longest + tables.CELL_PADDING_PX


def undo_time(at) -> str:
    """When a batch was undone: 11月30日 14:05 / 30 Nov 14:05 this year,
    with the year before."""
    if at.year == today().year:
        return f"{fmt.short_date(at, lang)} {at:%H:%M}"
    return fmt.datetime(at, lang)


def status_text(status: str, undone_at, undone_by) -> str:
    """有效, or 已撤销 · 11月30日 14:05 · 张三: an undone batch says when and
    by whom beside the word (the two were columns 15 and 16, off screen)."""
    parts = [tr(f"ui.batches.status_{status}")]
    if status == "undone":
        if not pd.isna(undone_at):
            parts.append(undo_time(undone_at))
        if isinstance(undone_by, str) and undone_by:
            parts.append(undone_by)
    return " · ".join(parts)


def history_table(df: pd.DataFrame) -> pd.DataFrame:
    """The batch list with words for codes in the user's language, its
    columns (COLUMNS) named by their keys (ui.batches.<key> are their
    headers). The status is a one-item list: the grid draws it as a chip
    coloured by status (history_config)."""
    out = pd.DataFrame({
        "batch": df["batch_id"],
        "status": [[status_text(s, at, by)] for s, at, by in
                   zip(df["status"], df["undone_at"], df["undone_by"])],
        "file": df["file_name"],
        "kind": [t(f"kind.{k}", lang) for k in df["kind"]],
        "dataset": [t(f"dataset.{d}", lang) for d in df["dataset"]],
        "user": df["uploaded_by"],
        "loaded_at": df["loaded_at"],
        "read": df["rows_read"],
        "inserted": df["rows_inserted"],
        "updated": df["rows_updated"],
        "unchanged": df["rows_unchanged"],
        "rejected": df["rows_rejected"],
        "data_from": df["data_from"],
        "data_to": df["data_to"],
    })
    return out[list(COLUMNS)]


def history_config(df: pd.DataFrame, shown: pd.DataFrame) -> dict:
    """The column_config of the history table `shown` (history_table of the
    batches `df`), by column id: formats, a width for each column that shows
    its header and values whole in either language, the status as a chip
    (green in place, red undone) and the first columns pinned."""
    when = fmt.datetime_column_format(lang)
    count = "%,d"   # rows grouped: 16,849
    # What each column's cells read on screen, to size it.
    written = {
        "batch": [str(b) for b in shown["batch"]],
        "status": [s[0] for s in shown["status"]],
        "loaded_at": [fmt.datetime(x, lang) for x in shown["loaded_at"]],
        "data_from": ["2025-12-25"], "data_to": ["2025-12-25"],
        **{c: [f"{x:,.0f}" for x in shown[c].dropna()] for c in COUNTS},
    }
    config: dict[str, dict] = {
        "batch": st.column_config.NumberColumn(format="%d"),
        "loaded_at": st.column_config.DatetimeColumn(format=when),
        "data_from": st.column_config.DatetimeColumn(format="YYYY-MM-DD"),
        "data_to": st.column_config.DatetimeColumn(format="YYYY-MM-DD"),
        **{c: st.column_config.NumberColumn(format=count) for c in COUNTS},
    }
    # One option a text (an undone batch's names its time), coloured by its status.
    status_of = dict(zip(written["status"], df["status"]))
    config["status"] = st.column_config.MultiselectColumn(
        options=list(status_of), color=[STATUS_COLORS[s] for s in status_of.values()])
    for cid in COLUMNS:
        entry = config.setdefault(cid, st.column_config.Column())
        width = column_width(tr(f"ui.batches.{cid}"),
                             written.get(cid, shown[cid].dropna().astype(str)))
        if cid == "status":
            width += CHIP_PX
        elif cid == "file":
            width = min(width, FILE_MAX_PX)
        entry["width"] = width
        if cid in PINNED:
            entry["pinned"] = True
    return config


def history() -> None:
    st.subheader(tr("ui.data.history"))
    # "All" is "", not None, so that a change of language shows it in the new
    # language (ui/lang).
    kind = st.columns([1, 2])[0].selectbox(
        tr("ui.data.kind_filter"), ["", *KINDS], key="data_kind",
        format_func=lambda k: t(f"kind.{k}", lang) if k else t("ui.data.all_kinds", lang)) or None
    df = db.query(list_batches, kind)
    if df.empty:
        st.info(tr("ui.data.no_batches"))
        return
    # Columns named by their keys keep a sort across a change of language
    # (ui/tables.grid); an empty cell shows the grid's placeholder.
    shown = history_table(df)
    config = history_config(df, shown)
    ids = list(shown.columns)
    shown.columns = [tr(f"ui.batches.{c}") for c in ids]
    tables.grid(shown, ids, config)

    warned_loads(df)
    rejected_rows(df)
    loaded = df[df["status"] == "loaded"]
    if loaded.empty or not session.can("undo"):
        return   # undoing a load is a permission of its own (settings.toml roles)
    names = dict(zip(loaded["batch_id"], loaded["file_name"]))
    kinds = dict(zip(loaded["batch_id"], loaded["kind"]))
    if st.session_state.pop(UNDO_UNPICK, False):
        st.session_state[UNDO_PICK] = None   # the selector shows none picked
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    pick = left.selectbox(tr("ui.undo.pick"), list(names), key=UNDO_PICK,
                          placeholder=tr("undo.choose"),
                          format_func=lambda b: t("ui.undo.option", lang, batch=b, file=names[b],
                                                  kind=t(f"kind.{kinds[b]}", lang)))
    if right.button(tr("ui.undo.open"), key="undo_open", width="stretch",
                    disabled=pick is None):
        st.session_state[UNDO_TARGET] = int(pick)


def warned_loads(df: pd.DataFrame) -> None:
    """What earlier loads said about the rows they kept (a receipt number
    reused, rows a corrected file left behind, IDs padded), batch by batch,
    in the viewer's language: the upload page shows them only right after
    the upload, and some ask for an undo made here."""
    counts = db.query(warned_batches)
    shown = df[df["batch_id"].isin(list(counts))]
    if shown.empty:
        return
    with st.expander(tr("ui.data.warnings", n=fmt.number(len(shown), lang))):
        info = dict(zip(shown["batch_id"].astype(int), shown["file_name"]))
        pick = st.selectbox(tr("ui.data.warnings_pick"), list(info), key="warnings_pick",
                            format_func=lambda b: t("ui.data.warnings_option", lang, batch=b,
                                                    file=info[b],
                                                    n=fmt.number(counts[b], lang)))
        for words in db.query(batch_warnings, pick, lang):
            st.warning(literal(words))


def rejected_rows(df: pd.DataFrame) -> None:
    """The rows an earlier load rejected, batch by batch, to fix and upload
    again (the upload page offers them only right after the upload)."""
    some = df[df["rows_rejected"].fillna(0) > 0]
    if some.empty:
        return
    with st.expander(tr("ui.data.rejects")):
        info = {int(b): (f, int(n)) for b, f, n in
                zip(some["batch_id"], some["file_name"], some["rows_rejected"])}
        pick = st.selectbox(tr("ui.data.rejects_pick"), list(info), key="rejects_pick",
                            format_func=lambda b: t("ui.data.rejects_option", lang, batch=b,
                                                    file=info[b][0],
                                                    n=fmt.number(info[b][1], lang)))
        # Each reason in the viewer's language, whoever loaded the file.
        rows = db.query(batch_rejects, pick, lang)
        shown = pd.DataFrame({
            "sheet": rows["sheet"],
            "row": rows["source_row"],
            # the header as in the file; the field's name when the file had none
            "column": [
                src if isinstance(src, str) and src else
                (t(f"field.{col}", lang) if isinstance(col, str) else None)
                for src, col in zip(rows["source_column"], rows["column_name"])],
            "value": rows["value"],
            "reason": rows["reason"],
        })
        ids = list(shown.columns)
        shown.columns = [tr(f"ui.rejects.{c}") for c in ids]
        tables.grid(shown, ids, config=reject_views.columns(shown, lang))
        # (the grid cuts a long reason mid-sentence)
        reject_views.in_full(zip(rows["reason"], rows["source_row"]), lang)
        name = tr("ui.data.rejects_file", file=info[pick][0].rsplit(".", 1)[0], batch=pick)
        tables.download(shown, lang, key=f"rejects_{pick}", file_name=name,
                        detail=f"{len(shown)} rows", sheet=tr("ui.rejects.file_suffix"))


def _dismiss() -> None:
    st.session_state.pop(UNDO_TARGET, None)


def confirm_undo(batch_id: int) -> None:
    """The confirmation dialog: what undoing the batch removes and restores."""
    session.require("undo")

    def body() -> None:
        try:
            effect = undo_preview(con, batch_id)
        except PipelineError as exc:
            st.error(literal(exc.message(lang)))
            if st.button(tr("ui.undo.cancel"), key="undo_cancel"):
                _dismiss()
                st.rerun()
            return
        st.markdown(tr("ui.undo.explain", batch=batch_id, file=literal(effect.file_name),
                       dataset=t(f"dataset.{effect.dataset}", lang),
                       removed=fmt.number(effect.rows_removed, lang),
                       restored=fmt.number(effect.rows_restored, lang)))
        left, right = st.columns(2)
        if left.button(tr("ui.undo.confirm"), type="primary", key="undo_confirm",
                       width="stretch"):
            session.require("undo")
            try:
                done = undo_batch(con, batch_id, user=user_name())
                db.new_run()   # the rest of this run reads the data without it
                session.audit("undo", target=f"batch {batch_id}", detail=done.file_name)
                st.session_state[FLASH] = ("success", t(
                    "undo.done", lang, batch=done.batch_id, file=literal(done.file_name),
                    removed=fmt.number(done.rows_removed, lang),
                    restored=fmt.number(done.rows_restored, lang)))
                st.session_state[UNDO_UNPICK] = True
            except PipelineError as exc:
                st.session_state[FLASH] = ("error", literal(exc.message(lang)))
            _dismiss()
            st.rerun()
        if right.button(tr("ui.undo.cancel"), key="undo_cancel", width="stretch"):
            _dismiss()
            st.rerun()

    st.dialog(tr("ui.undo.title", batch=batch_id), on_dismiss=_dismiss)(body)()


st.title(tr("ui.data.title"))
flash = st.session_state.pop(FLASH, None)
if flash:
    (st.success if flash[0] == "success" else st.error)(flash[1])
coverage()
history()
if st.session_state.get(UNDO_TARGET) is not None:
    confirm_undo(st.session_state[UNDO_TARGET])
