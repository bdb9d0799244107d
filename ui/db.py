"""The warehouse as the app uses it: one connection per process, a cursor
per query, query results cached until the next load or undo."""
from __future__ import annotations

import atexit
import importlib
import inspect
import os
import threading
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from auth.audit import record_demo
from i18n import t
from metrics import stored
from pipelines.demo import build_demo
from pipelines.inbox import InboxWorker, inbox_dir
from pipelines.load import LoadReport
from pipelines.settings import sample_dir, warehouse_path
from pipelines.warehouse import WRITE_LOCK, connect, data_version

# Several sessions may arrive before the first demo build is done: one builds,
# the others wait for it.
_FIRST_START = threading.Lock()


def db_path() -> str:
    return str(warehouse_path())


@st.cache_resource(show_spinner=False)
def _open(path: str) -> duckdb.DuckDBPyConnection:
    # Retries cover a command-line load that still holds the file at start-up.
    con = connect(path, retries=20)
    # A warehouse from before the stored models, or settings changed since
    # they were built: compute them once now, before any page reads.
    with WRITE_LOCK:
        stored.ensure(con)
    # While the app holds the file, command-line loads and backups are handed
    # to it through the inbox and run here, under the same write lock.
    worker = InboxWorker(con, inbox_dir(path)).start()
    _OPEN.append((worker, con))
    return con


def _close_all() -> None:
    """At exit: stop the inbox workers, then close (and so checkpoint) the files."""
    for worker, con in _OPEN:
        worker.stop()
        con.close()
    _OPEN.clear()


_OPEN: list[tuple[InboxWorker, duckdb.DuckDBPyConnection]] = []
atexit.register(_close_all)


def connection() -> duckdb.DuckDBPyConnection:
    """The process-wide connection. Never run a query on it directly from a
    page: use `query` (reads) or a library function that takes a cursor."""
    return _open(db_path())


# The data version a script run reads with: read once per run (a page makes
# dozens of reads, each keyed by it), so all of a run's reads see one version.
# Kept in the session with the run it was read in: Streamlit gives every run
# (a fragment's or a dialog's too) a new `cursors` dict, which marks the run.
_RUN_VERSION = "_db_data_version"


def _run_marker():
    ctx = get_script_run_ctx()
    return getattr(ctx, "cursors", None) if ctx is not None else None


def new_run() -> None:
    """Forget the run's data version: call after this run wrote (a load, an
    undo), so its later reads see the write."""
    if get_script_run_ctx() is not None:
        st.session_state.pop(_RUN_VERSION, None)


def version() -> int:
    marker = _run_marker()
    if marker is not None:
        known = st.session_state.get(_RUN_VERSION)
        if known is not None and known[0] is marker:
            return known[1]
    cur = connection().cursor()
    try:
        current = data_version(cur)
    finally:
        cur.close()
    if marker is not None:
        st.session_state[_RUN_VERSION] = (marker, current)
    return current


def query(fn: Callable[..., Any], *args, **kwargs) -> Any:
    """`fn(cursor, *args, **kwargs)` for a library read function, cached per
    warehouse and data version: any load or undo makes a fresh result.

    Branch scope is enforced here, for every page: a function taking `scope`
    gets the signed-in user's branch whatever the page passed (so a URL or a
    drill-down cannot widen it), and the cache key carries it."""
    args, kwargs = _scoped(fn, args, kwargs)
    return _cached(fn.__module__, fn.__qualname__, db_path(), version(), args,
                   tuple(sorted(kwargs.items())))


def later(fn: Callable[..., Any], *args, **kwargs) -> Callable[[], Any]:
    """`fn(cursor, *args, **kwargs)` as a call to make later, outside the
    script run (a download built when clicked, on a server thread without the
    session): the branch scope is enforced now, as by `query`; not cached."""
    args, kwargs = _scoped(fn, args, kwargs)
    con = connection()

    def read() -> Any:
        cur = con.cursor()
        try:
            return fn(cur, *args, **kwargs)
        finally:
            cur.close()

    return read


@lru_cache(maxsize=256)
def _signature(fn: Callable[..., Any]) -> inspect.Signature:
    return inspect.signature(fn)


def _scoped(fn: Callable[..., Any], args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    from .session import scope_branch  # session imports this module
    branch = scope_branch()
    if branch is None:
        return args, kwargs
    sig = _signature(fn)
    if "scope" not in sig.parameters:
        return args, kwargs
    bound = sig.bind_partial(None, *args, **kwargs)  # None stands for the cursor
    bound.arguments["scope"] = branch
    return tuple(bound.args[1:]), dict(bound.kwargs)


@st.cache_data(show_spinner=False, max_entries=512)
def _cached(module: str, name: str, path: str, data_version: int, args: tuple,
            kwargs: tuple) -> Any:
    # data_version is only part of the cache key.
    fn = getattr(importlib.import_module(module), name)
    cur = _open(path).cursor()
    try:
        return fn(cur, *args, **dict(kwargs))
    finally:
        cur.close()


def ensure_warehouse(lang: str) -> list[LoadReport] | None:
    """First start: when the warehouse file does not exist yet, build the demo
    warehouse from data/sample/ with a progress bar. Returns the load reports
    of a build done by this call, else None."""
    path = warehouse_path()
    if path.exists():
        return None
    if not _FIRST_START.acquire(blocking=False):
        with st.spinner(t("ui.first_start.waiting", lang)):
            _FIRST_START.acquire()
        _FIRST_START.release()
        return None
    try:
        if path.exists():
            return None
        return _build(path, lang)
    finally:
        _FIRST_START.release()


def _build(path: Path, lang: str) -> list[LoadReport]:
    # Built under another name and renamed when complete, so no session ever
    # opens a half-built warehouse.
    tmp = path.with_name(path.name + ".building")
    for leftover in (tmp, Path(f"{tmp}.wal")):
        leftover.unlink(missing_ok=True)
    st.info(t("ui.first_start.intro", lang))
    bar = st.progress(0.0, text=t("ui.first_start.starting", lang))

    def progress(i: int, n: int, file: Path) -> None:
        bar.progress(i / n, text=t("demo.progress", lang, i=i + 1, n=n, file=file.name))

    con = connect(tmp)
    try:
        folder = sample_dir()
        reports = build_demo(con, progress=progress, lang=lang) if folder.is_dir() else []
        if reports:
            record_demo(con, folder, reports)
    finally:
        con.close()
    os.replace(tmp, path)
    bar.progress(1.0, text=t("ui.first_start.done", lang, files=len(reports)))
    return reports
