"""The files on the upload desk of one session: saved to a temporary folder,
planned (kind, header, mapping), loaded, reported.

The files hold personal data: each is readable by this account only (0600, in
a 0700 folder of its own per session), and deleted once loaded or taken off
the uploader; the session's folder goes when the last file does, when the
session ends (Streamlit drops its state), or at latest when a later start of
the dashboard finds it a day old (`sweep`).
"""
from __future__ import annotations

from collections.abc import Callable

import os
import shutil
import stat
import tempfile
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from auth.audit import upload_detail
from pipelines.batches import list_batches
from pipelines.errors import PipelineError
from pipelines.fields import DATASETS
from pipelines.load import LoadReport, Plan, detected_again, file_sha256, load_file
from pipelines.mapping import ROSTER
from pipelines.mappings import SavedMapping, forget, plan_remembered, remember

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


PREFIX = "heatkpi-upload-"
# A folder of ours this old belongs to no running session: its session ended
# without the folder being removed (the process was killed, say).
STALE_S = 24 * 3600


class _Folder:
    """A session's upload folder, removed with everything in it when the
    session's state is dropped (or the process exits)."""

    def __init__(self):
        self.path = Path(tempfile.mkdtemp(prefix=PREFIX))   # 0700
        self._remove = weakref.finalize(self, shutil.rmtree, str(self.path), True)

    def remove(self) -> None:
        self._remove()


def _folder() -> Path:
    folder = st.session_state.get(_FOLDER)
    if not isinstance(folder, _Folder) or not folder.path.is_dir():
        folder = _Folder()
        st.session_state[_FOLDER] = folder
    return folder.path


def _forget_folder() -> None:
    """The desk is empty: its folder goes too."""
    folder = st.session_state.pop(_FOLDER, None)
    if isinstance(folder, _Folder):
        folder.remove()


def _save(path: Path, content: bytes) -> None:
    """Write `content` readable by this account only (never a moment wider)."""
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0),
                 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(content)


def sweep(root: str | Path | None = None, now: float | None = None) -> int:
    """Remove upload folders a day old: only ours (the prefix, this account's,
    real folders, not links). Returns how many went."""
    root = Path(root or tempfile.gettempdir())
    now = time.time() if now is None else now
    gone = 0
    try:
        candidates = [p for p in root.iterdir() if p.name.startswith(PREFIX)]
    except OSError:
        return 0
    for path in candidates:
        try:
            info = path.lstat()
        except OSError:
            continue
        if (not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid()
                or now - info.st_mtime < STALE_S):
            continue
        shutil.rmtree(path, ignore_errors=True)
        gone += not path.exists()
    return gone


_SWEPT = False


def sweep_once() -> None:
    """Once per process, at its first run of the app (app.py) or upload page."""
    global _SWEPT
    if not _SWEPT:
        _SWEPT = True
        sweep()


def sync(files) -> list[Upload]:
    """Match the desk to the uploader: new files saved, removed files dropped.
    Returns the uploads in the uploader's order."""
    sweep_once()
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
        _save(path, f.getvalue())
        uploads[f.file_id] = Upload(f.file_id, f.name, f.size, path, file_sha256(path))
    if not any(up.path.exists() for up in uploads.values()):
        _forget_folder()   # nothing left on disk: loaded or removed
    return [uploads[f.file_id] for f in files or []]


def plan(con: duckdb.DuckDBPyConnection, up: Upload) -> None:
    """Read the file and map its columns, unless already done for this kind
    and this state of remembered mappings. A problem becomes `up.error`."""
    key = (up.kind, _mappings_key())
    if up.planned_for == key or up.report is not None:
        return
    up.plan, up.saved, up.error = None, None, None
    try:
        # By the file's own name: a CSV's sheet is named after it, not after
        # the temporary file (`sync`).
        up.plan, up.saved = plan_remembered(con, up.path, up.kind, file_name=up.name)
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


def forget_mapping(con: duckdb.DuckDBPyConnection, up: Upload) -> None:
    """Stop applying the column choices saved for this header layout (a wrong
    pick stuck to every later file of it), and re-plan."""
    forget(con, up.plan.header.labels)
    st.session_state["mappings_saved"] = _mappings_key() + 1


def loaded_batch(batches: pd.DataFrame, up: Upload) -> int | None:
    """The batch that already holds this very file (same SHA-256), if any: as
    the kind chosen, or, detected, as any kind but only a roster (then as the
    kind detected), as the load tells (pipelines.load.load_file)."""
    hit = batches[(batches["sha256"] == up.sha256) & (batches["status"] == "loaded")]
    if up.plan is not None and (up.kind is not None or detected_again(hit["kind"])):
        hit = hit[hit["kind"] == up.plan.mapping.kind]
    return int(hit["batch_id"].iloc[0]) if len(hit) else None


def load_order(ready: list[Upload]) -> list[Upload]:
    """The files of one drop in the order they load: rosters first, then the
    rest as dropped. A reading or bill loaded before the roster that names
    its household is told it matches none (a warning kept with its batch)
    and its IDs are not zero-padded to the roster's."""
    return sorted(ready, key=lambda up: up.plan is None or up.plan.mapping.kind != ROSTER)


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
                  detail=upload_detail(up.report.status, up.report.batch_id,
                                       up.report.rows_read, up.report.rows_rejected))
    if not up.report.rejects:
        up.plan = None  # only kept to offer the rejected rows for download
    up.path.unlink(missing_ok=True)
    return up.report


def batches() -> pd.DataFrame:
    return db.query(list_batches)

