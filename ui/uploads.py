"""The files on the upload desk of one session: saved to a temporary folder,
planned (kind, header, mapping), loaded, reported."""
from __future__ import annotations

from collections.abc import Callable

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from pipelines.batches import list_batches
from pipelines.errors import PipelineError
from pipelines.fields import DATASETS
from pipelines.load import LoadReport, Plan, file_sha256, load_file
from pipelines.mappings import SavedMapping, plan_remembered, remember

from . import db, session

def user_name() -> str:
    return session.current_user().name
_DESK = "upload_desk"
_FOLDER = "upload_folder"


@dataclass
class Upload:
    file_id: str
    name: str
    size: int
    path: Path
    sha256: str
    kind: str | None = None                 # chosen by the user; None: detected
    plan: Plan | None = None
    saved: SavedMapping | None = None       # a remembered mapping that was applied
    error: PipelineError | None = None
    planned_for: tuple | None = field(default=None, repr=False)
    report: LoadReport | None = None

    @property
    def ready(self) -> bool:
        """Can be loaded now: understood, every required column mapped, not loaded."""
        return (self.report is None and self.error is None and self.plan is not None
                and self.plan.mapping.complete)


def desk() -> dict[str, Upload]:
    return st.session_state.setdefault(_DESK, {})


def _folder() -> Path:
    folder = st.session_state.get(_FOLDER)
    if not folder or not Path(folder).is_dir():
        folder = tempfile.mkdtemp(prefix="heatkpi-upload-")
        st.session_state[_FOLDER] = folder
    return Path(folder)


def sync(files) -> list[Upload]:
    """Match the desk to the uploader: new files saved, removed files dropped.
    Returns the uploads in the uploader's order."""
    uploads = desk()
    current = {f.file_id: f for f in files or []}
    for file_id in list(uploads):
        if file_id not in current:
            uploads.pop(file_id).path.unlink(missing_ok=True)
    for f in files or []:
        if f.file_id in uploads:
            continue
        # The reader picks its format by the suffix, so keep the original one.
        path = _folder() / f"{f.file_id}{Path(f.name).suffix.lower()}"
        path.write_bytes(f.getvalue())
        uploads[f.file_id] = Upload(f.file_id, f.name, f.size, path, file_sha256(path))
    return [uploads[f.file_id] for f in files or []]


def plan(con: duckdb.DuckDBPyConnection, up: Upload) -> None:
    """Read the file and map its columns, unless already done for this kind
    and this state of remembered mappings. A problem becomes `up.error`."""
    key = (up.kind, _mappings_key())
    if up.planned_for == key or up.report is not None:
        return
    up.plan, up.saved, up.error = None, None, None
    try:
        up.plan, up.saved = plan_remembered(con, up.path, up.kind)
    except PipelineError as exc:
        up.error = exc
    except Exception as exc:  # as load_file does: this file fails, the page goes on
        up.error = PipelineError("internal", detail=f"{type(exc).__name__}: {exc}"[:300])
    up.planned_for = key


def _mappings_key() -> int:
    return st.session_state.get("mappings_saved", 0)


def save_mapping(con: duckdb.DuckDBPyConnection, up: Upload, overrides: dict[str, int]) -> None:
    """Remember the user's column choices for this header layout, and re-plan."""
    overrides = {**(up.saved.overrides if up.saved else {}), **overrides}
    remember(con, up.plan.header.labels, up.plan.mapping.dataset, overrides, user_name())
    st.session_state["mappings_saved"] = _mappings_key() + 1


def loaded_batch(batches: pd.DataFrame, up: Upload) -> int | None:
    """The batch that already holds this very file (same SHA-256), if any."""
    hit = batches[(batches["sha256"] == up.sha256) & (batches["status"] == "loaded")]
    return int(hit["batch_id"].iloc[0]) if len(hit) else None


def load(con: duckdb.DuckDBPyConnection, up: Upload, lang: str,
         progress: Callable[[str, float], None] | None = None) -> LoadReport:
    """Load one planned file through the pipeline, as the command line does;
    `progress(step, share)` follows its steps (pipelines.load.STEPS)."""
    overrides = up.saved.overrides if up.saved else None
    # The kind is passed only when the user or a saved mapping fixed it, so an
    # upload behaves exactly like `python -m pipelines load FILE`.
    kind = up.kind or (DATASETS[up.saved.dataset].kind if up.saved else None)
    up.report = load_file(con, up.path, kind=kind, user=user_name(), file_name=up.name,
                          overrides=overrides, lang=lang, progress=progress)
    db.new_run()   # the rest of this run reads the data just loaded
    session.audit("upload", target=up.name,
                  detail=f"{up.report.status} batch={up.report.batch_id} "
                         f"rows={up.report.rows_read} rejected={up.report.rows_rejected}")
    if not up.report.rejects:
        up.plan = None  # only kept to offer the rejected rows for download
    up.path.unlink(missing_ok=True)
    return up.report


def batches() -> pd.DataFrame:
    return db.query(list_batches)

