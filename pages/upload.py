"""数据上传: drop exports, check what was recognised, load them, read the report."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

import pandas as pd
import streamlit as st

from i18n import column_label, t
from pipelines.fields import DATASETS, KINDS, normalize_label
from pipelines.load import MAPPING_WARNINGS, warning
from pipelines.mapping import ABSENT, may_be_absent
from pipelines.read import SUFFIXES
from pipelines.settings import load_settings
from ui import db, fmt, session, tables, uploads
from ui import rejects as reject_views
from ui.fmt import literal
from ui.lang import current, tr
from ui.xlsx import rejected_rows, workbook_bytes

session.page_guard()
session.require("upload")

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PREVIEW_ROWS = 8
ACCEPTED = sorted(SUFFIXES)   # exactly what pipelines.read reads
# Streamlit's dropzone prints its own hint ("200MB per file • CSV, ODS, …") in
# English only, with no parameter to translate it; our caption above the widget
# says the same in the user's language, so the built-in hint is hidden. Scoped to
# this uploader (its key's class) and to the element's test id, which Streamlit
# keeps stable for its tests; if either changes, the hint merely shows again.
HIDE_UPLOADER_HINT = ("<style>.st-key-upload_files "
                      "[data-testid=\"stFileUploaderDropzoneInstructions\"]"
                      "{display:none}</style>")
# Its button says "Upload" in English too: the word is drawn by CSS in the
# page's language instead (same scope; if the markup changes, "Upload" shows).
_BUTTON_TEXT = ('.st-key-upload_files [data-testid="stFileUploaderDropzone"] button '
                '[data-testid="stMarkdownContainer"] p')


def uploader_style(lang: str) -> str:
    word = json.dumps(t("ui.upload.button", lang), ensure_ascii=False)
    return (HIDE_UPLOADER_HINT[:-len("</style>")]
            + f"{_BUTTON_TEXT}{{font-size:0}}{_BUTTON_TEXT}::after{{content:{word};"
              "font-size:0.875rem}</style>")

lang = current()
con = db.connection()
limit_mb = int(load_settings()["upload"]["max_file_mb"])


def kind_label(kind: str) -> str:
    return t(f"kind.{kind}", lang) if kind else t("ui.upload.kind_auto", lang)


def field_label(name: str) -> str:
    return t(f"field.{name}", lang)


def source_label(labels: list, index: int) -> str:
    return labels[index] or t("ui.mapping.unnamed_column", lang, n=index + 1)


def chip_kilo() -> int:
    """The kilobyte the uploader's chip counts a file's size in: 1024 bytes
    in a browser on Windows, 1000 elsewhere (Streamlit's rule), so that the
    card under it says the same size (a 5,725-byte file: 5.6 KB on Windows,
    5.7 KB on a Mac). Without a browser's word, Windows, as most users have."""
    try:
        agent = st.context.headers.get("User-Agent") or ""
    except Exception:   # no browser request behind this run (a script test)
        agent = ""
    return 1000 if agent and "Windows" not in agent else 1024


def header_rows(header) -> str:
    """第 3 行 / row 3, 第 3–4 行 / rows 3–4 (a header of two rows)."""
    if header.first_row == header.last_row:
        return t("ui.upload.header_row", lang, row=header.last_row)
    return t("ui.upload.header_rows", lang, first=header.first_row, last=header.last_row)


def details(up: uploads.Upload, batches: pd.DataFrame) -> None:
    plan = up.plan
    dataset = t(f"dataset.{plan.mapping.dataset}", lang)
    header = header_rows(plan.header)
    if plan.sheet.delimiter is not None:   # a CSV has no sheets (its name was the upload's)
        st.caption(tr("ui.upload.recognised_text", dataset=dataset, header=header))
    else:
        st.caption(tr("ui.upload.recognised", dataset=dataset, sheet=plan.sheet.name,
                      header=header))
    if up.saved:
        said, undo = st.columns([3, 1], vertical_alignment="center")
        said.caption(tr("ui.upload.saved_mapping"))
        # A wrong pick (卧室 for 客厅) would otherwise stick to every later file.
        if undo.button(tr("ui.upload.forget_mapping"), key=f"forget_{up.file_id}",
                       help=tr("ui.upload.forget_mapping_help"), width="stretch"):
            uploads.forget_mapping(con, up)
            st.rerun()
    batch = uploads.loaded_batch(batches, up)
    if batch is not None:
        st.info(tr("ui.upload.already_loaded", batch=batch))
    for name in plan.mapping.absent:
        st.warning(t(f"upload.mapping.absent.{name}", lang, field=field_label(name)))
    if not plan.mapping.complete:
        st.warning(tr("ui.upload.missing", fields=fmt.join(
            [column_label(f, lang) for f in plan.mapping.missing], lang)))
        mapping_form(up)
    elif unknown := dict(plan.warnings).get("columns_unknown"):
        # The plan's warning (pipelines.load.plan_file), said before the load,
        # where the column can still be given a field.
        st.warning(literal(warning("columns_unknown", unknown, lang)))
        optional_form(up, unknown["columns"])
    # What else the plan knows before the load: a status column's 作废 rows,
    # a field's second column, a ledger's payment columns … (said again with
    # the load's result).
    for code, params in plan.warnings:
        if code in MAPPING_WARNINGS and code != "columns_unknown":   # that one is above
            st.warning(literal(warning(code, params, lang)))
    if plan.mapping.complete and (also := [p for c, p in plan.warnings
                                           if c in ("columns_also", "columns_also_text")]):
        which_form(up, {p["field"]: p["at"] for p in also})
    order = [f for f in DATASETS[plan.mapping.dataset].columns if f in plan.mapping.columns]
    rows = preview_rows(plan)
    if rows:
        preview = pd.DataFrame(rows, columns=order)
        preview.columns = [field_label(f) for f in order]
        tables.grid(preview, order)   # named by field: a sort outlives a change of language
    else:   # no empty grid (Streamlit's own "empty", in English): say it in words
        st.caption(tr("ui.upload.no_preview_rows"))
    with st.expander(tr("ui.mapping.shown")):
        st.dataframe(pd.DataFrame({
            tr("ui.mapping.field"): [field_label(f) for f in order + plan.mapping.absent],
            tr("ui.mapping.source"): [source_label(plan.header.labels, plan.mapping.columns[f])
                                      for f in order]
            + [t("upload.mapping.not_in_file", lang)] * len(plan.mapping.absent)}),
            hide_index=True)


def preview_rows(plan) -> list[dict]:
    """The first rows the load reads, each time as it reads it (an Excel
    serial 45977.3416 shows as 2025年11月16日 08:11, not the number) in the
    user's language; a time it would reject, and every other cell, as the file
    has it."""
    rows = plan.read_preview(con, PREVIEW_ROWS)
    return [{f: fmt.event_time(v, lang) if isinstance(v, dt.datetime) else v
             for f, v in row.items()} for row in rows]


def reject_column(labels: list, columns: dict[str, int], name: str) -> str:
    """A rejected value's column: the file's header text and the field it was
    read as ("检测温度 · 室内温度(℃)"), once when they are the same words."""
    field = field_label(name)
    if name not in columns:
        return field
    source = source_label(labels, columns[name])
    return source if normalize_label(source) == normalize_label(field) else \
        f"{source} · {field}"


def choice_label(labels: list, i: int | None) -> str:
    if i is None:
        return t("ui.mapping.choose", lang)
    if i == ABSENT:
        return t("upload.mapping.not_in_file", lang)
    return source_label(labels, i)


def mapping_form(up: uploads.Upload) -> None:
    """A column of the file for each required field not found. A field whose
    absence has a meaning (the resident's signature: every reading unsigned)
    also offers "not in this file", and the form says what that means before it
    is applied; key fields (household, time, ...) do not."""
    labels = up.plan.header.labels
    ds = DATASETS[up.plan.mapping.dataset]
    picks = {}
    with st.form(key=f"map_{up.file_id}"):
        st.markdown(tr("ui.mapping.intro"))
        # The columns no field was found in first: a column already read as
        # 户号 or 测温时间 is seldom the one missing (it is still offered, last).
        taken = set(up.plan.mapping.columns.values())
        order = sorted(range(len(labels)), key=lambda i: i in taken)
        for name in up.plan.mapping.missing:
            absent_ok = may_be_absent(ds.field(name))
            choices = [None, *([ABSENT] if absent_ok else []), *order]
            # "Household ID (户号)" in English: the file's headers are Chinese.
            picks[name] = st.selectbox(column_label(name, lang), choices,
                                       key=f"map_{up.file_id}_{name}",
                                       format_func=lambda i: choice_label(labels, i))
            if absent_ok:
                st.warning(t(f"upload.mapping.absent_note.{name}", lang,
                             field=field_label(name)))
        submitted = st.form_submit_button(tr("ui.mapping.apply"), type="primary")
    if submitted:
        chosen = {name: i for name, i in picks.items() if i is not None}
        columns = [i for i in chosen.values() if i != ABSENT]
        if len(chosen) < len(picks) or len(set(columns)) < len(columns):
            st.error(tr("ui.mapping.incomplete"))
            return
        uploads.save_mapping(con, up, chosen)
        st.rerun()


def optional_form(up: uploads.Upload, names: list[str]) -> None:
    """For a complete file with columns no field is known by (当日气象温度): each
    optional field not found, offered those columns, so a renamed outdoor
    temperature is read rather than dropped. Remembered as the required
    fields' choices are. `names`: those columns' headers."""
    labels, mapping = up.plan.header.labels, up.plan.mapping
    unknown = [i for i, label in enumerate(labels) if label and str(label) in names]
    fields = [f.name for f in DATASETS[mapping.dataset].fields
              if f.name not in mapping.columns and f.name not in mapping.absent]
    if fields:
        column_form(up, "optional", {name: [None, *unknown] for name in fields})


def which_form(up: uploads.Upload, fields: dict[str, list[int]]) -> None:
    """For fields the file has two columns of (处理情况 and 答复内容, 工单类型
    and 业务类型; `fields`: field -> the columns not read): which one is read,
    the first found unless chosen here. Remembered as the other choices are."""
    columns = up.plan.mapping.columns
    column_form(up, "which", {name: [columns[name], *others] for name, others in fields.items()})


def column_form(up: uploads.Upload, kind: str, choices: dict[str, list[int | None]]) -> None:
    """A folded form of a select per field among `choices` (the first: what
    is read now), headed by ui.mapping.<kind>; the columns picked otherwise
    are saved as the file's mapping (remembered for its header)."""
    labels = up.plan.header.labels
    picks = {}
    with st.expander(tr(f"ui.mapping.{kind}")), st.form(key=f"{kind}_{up.file_id}"):
        st.markdown(tr(f"ui.mapping.{kind}_intro"))
        for name, options in choices.items():
            picks[name] = st.selectbox(column_label(name, lang), options,
                                       key=f"{kind}_{up.file_id}_{name}",
                                       format_func=lambda i: choice_label(labels, i))
        submitted = st.form_submit_button(tr("ui.mapping.apply"))
    if not submitted:
        return
    chosen = {name: i for name, i in picks.items() if i != choices[name][0]}
    if len(set(chosen.values())) < len(chosen):
        st.error(tr("ui.mapping.column_twice"))
        return
    if chosen:
        uploads.save_mapping(con, up, chosen)
        st.rerun()


def error_detail(error) -> None:
    """The reader's own words about a damaged file (English, technical), kept
    out of the message and folded away for whoever diagnoses it."""
    if detail := error.unsaid_detail(lang):
        with st.expander(t("upload.error_detail", lang)):
            st.code(detail, language=None)


def report(up: uploads.Upload) -> None:
    r = up.report
    if r.status == "failed":
        st.error(literal(r.error))
        return
    if r.status == "already_loaded":
        st.info(tr("ui.report.already_loaded", batch=r.batch_id))
        return
    st.success(tr("ui.report.loaded", kind=t(f"kind.{r.kind}", lang), batch=r.batch_id,
                  seconds=fmt.number(r.seconds, lang, 1)))
    for col, (key, value) in zip(st.columns(5), (
            ("read", r.rows_read), ("inserted", r.rows_inserted), ("updated", r.rows_updated),
            ("unchanged", r.rows_unchanged), ("rejected", r.rows_rejected))):
        col.metric(tr(f"ui.report.{key}"), fmt.number(value, lang))
    # Loaded, but worth a look (IDs not in the roster...): in the language the
    # page is read in now (数据管理 keeps them with the batch).
    for warning in r.warnings_in(lang):
        st.warning(literal(warning))
    if not r.rejects:
        return
    # Each reason in the language the page is read in now, not the one it
    # was loaded in (a change of language writes them again).
    said = [replace(x, reason=x.reason_in(lang)) for x in r.rejects]
    labels, columns = up.plan.header.labels, up.plan.mapping.columns
    rejects = pd.DataFrame({
        "row": [x.row for x in said],
        "column": [reject_column(labels, columns, x.column) for x in said],
        "value": [x.value for x in said],
        "reason": [x.reason for x in said],
    })
    ids = list(rejects.columns)
    rejects.columns = [tr(f"ui.rejects.{c}") for c in ids]
    # named by key: a sort outlives a change of language
    tables.grid(rejects, ids, config=reject_views.columns(rejects, lang))
    reject_views.in_full([(x.reason, x.row) for x in said], lang)
    stem = up.name.rsplit(".", 1)[0]
    # The file's own rows: personal data as the viewer may see it, and the
    # audit trail says when it is there unmasked (as a table's download).
    personal = session.can_see_personal()
    st.download_button(
        tr("ui.rejects.download"), key=f"rejects_{up.file_id}", mime=XLSX_MIME,
        on_click=session.audit,
        args=("download", f"{up.name} rejects", session.PERSONAL_DATA if personal else None),
        file_name=f"{stem}_{tr('ui.rejects.file_suffix')}.xlsx",
        data=workbook_bytes({(r.sheet if up.plan.sheet.delimiter is None else None) or "Sheet1":
                             rejected_rows(up.plan, said, lang, personal)}))


def summary(reports: list) -> str | None:
    """One line over several loads' results (each is above, the last one
    alone on screen after the load): how many loaded, with warnings, with
    rejected rows, already loaded, failed. None for fewer than two."""
    if len(reports) < 2:
        return None

    def part(key: str, n: int) -> list[str]:
        return [t(f"upload.summary.{key}", lang, n=fmt.number(n, lang))] if n else []

    loaded = [r for r in reports if r.status == "loaded"]
    # of those loaded: with warnings, with rejected rows
    among = (part("warned", sum(bool(r.notes or r.warnings) for r in loaded))
             + part("rejected", sum(r.rows_rejected > 0 for r in loaded)))
    parts = part("loaded", len(loaded))
    if among:
        parts[0] += t("upload.summary.among", lang, parts=fmt.join(among, lang))
    parts += (part("already", sum(r.status == "already_loaded" for r in reports))
              + part("failed", sum(r.status == "failed" for r in reports)))
    return t("upload.results", lang, n=fmt.number(len(reports), lang),
             parts=fmt.join(parts, lang))


def load_label(n: int) -> str:
    """The load button's words: 导入 3 个文件 / Load 1 file, Load 3 files."""
    if n == 0:
        return t("upload.load_none", lang)
    return t("upload.load_one" if n == 1 else "upload.load_many", lang,
             n=fmt.number(n, lang))


st.title(tr("ui.upload.title"))
st.caption(tr("ui.upload.intro", limit=limit_mb))
st.caption(t("upload.accepts", lang, types=fmt.join(ACCEPTED, lang), limit=limit_mb))
st.html(uploader_style(lang))
files = st.file_uploader(
    tr("ui.upload.files"), type=[s.lstrip(".") for s in ACCEPTED],
    accept_multiple_files=True, max_upload_size=limit_mb, key="upload_files")
desk = uploads.sync(files)
batches = uploads.batches()

for up in desk:
    with st.container(border=True):
        st.markdown(f"**{literal(up.name)}** · {fmt.file_size(up.size, lang, chip_kilo())}")
        if up.report is not None:
            report(up)
            continue
        # "Detect automatically" is "", not None: a change of language then
        # shows it in the new language (ui/lang).
        up.kind = st.selectbox(tr("ui.upload.kind"), ["", *KINDS], format_func=kind_label,
                               key=f"kind_{up.file_id}") or None
        uploads.plan(con, up)
        if up.error is not None:
            st.error(literal(up.error.message(lang)))
            error_detail(up.error)
            if up.kind is None and up.error.code in ("unknown_kind", "unknown_kind_closest"):
                # Columns are mapped only to a kind the user chose, never to a guess.
                st.caption(tr("ui.upload.pick_kind"))
        else:
            details(up, batches)

done = [up.report for up in desk if up.report is not None]
if said := summary(done):
    failed = any(r.status == "failed" for r in done)
    (st.warning if failed else st.info)(said)

ready = [up for up in desk if up.ready]
waiting = any(up.report is None for up in desk)
if waiting and not ready and any(up.report is not None for up in desk):
    # Loaded, and what is left cannot be loaded as it is: words, not a
    # disabled "load 0 files" button.
    st.caption(t("upload.nothing_left", lang))
elif waiting:
    if st.button(load_label(len(ready)), type="primary", disabled=not ready,
                 key="upload_load"):
        for up in uploads.load_order(ready):
            name = literal(up.name)   # the bar's text is Markdown
            bar = st.progress(0.0, text=tr("ui.upload.loading", file=name))
            uploads.load(con, up, lang, progress=lambda step, share, bar=bar, name=name:
                         bar.progress(share, text=f"{tr('ui.upload.loading', file=name)} "
                                                  f"({tr(f'load.step.{step}')})"))
            bar.progress(1.0, text=tr("ui.upload.done", file=name))
        st.rerun()
