"""Run a page's library reads side by side before it draws.

A dashboard page makes a few dozen small queries; one after another they add
up to seconds after every upload (each result is stale then). DuckDB runs
queries on separate cursors at the same time, so a page names its reads up
front, `prefetch` runs them through ui.db's cache concurrently, and the page
draws from the results.

    TREND = (weekly, "temp_compliance_rate", season, filters, scope, until)
    reads = prefetch([TREND, RISK, ...])
    fig = chart(reads.get(TREND))

A long page prefetches in stages: what the top of the page shows first, drawn
as soon as it is read (Streamlit sends each element as the script makes it),
then `reads.extend([...])` for the sections below, so the meeting sees the
cards and the first charts while the rest is still being read.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from . import db

WORKERS = 6

Call = Sequence[Any]  # (fn, *args) exactly as a page would pass them to db.query
_FAILED = object()


def _key(call: Call) -> tuple:
    fn = call[0]
    return fn.__module__, fn.__qualname__, repr(tuple(call[1:]))


class Reads:
    """The results of a page's reads. `reads.get(call)` returns a prefetched
    result, or makes the read (a call not prefetched, or one that failed:
    its error is then raised there, in its place, where the page turns it
    into a message in the user's language)."""

    def __init__(self, results: dict[tuple, Any]):
        self._results = results

    def extend(self, calls: Iterable[Call], workers: int | None = None) -> "Reads":
        """Prefetch more calls (the next stage of a page) into these reads."""
        self._results.update(prefetch(calls, workers or WORKERS)._results)
        return self

    def get(self, call: Call) -> Any:
        key = _key(call)
        result = self._results.get(key, _FAILED)
        if result is _FAILED:
            result = self._results[key] = db.query(call[0], *call[1:])
        return result


def prefetch(calls: Iterable[Call], workers: int = WORKERS) -> Reads:
    """`db.query(*call)` for every call, `workers` at a time."""
    ctx = get_script_run_ctx()
    todo = {_key(c): c for c in calls}

    def run(item: tuple[tuple, Call]) -> tuple[tuple, Any]:
        # Streamlit's caches look for the session's run context in the thread.
        add_script_run_ctx(threading.current_thread(), ctx)
        key, call = item
        fn: Callable = call[0]
        try:
            return key, db.query(fn, *call[1:])
        except Exception:  # noqa: BLE001 - raised again where the page reads it
            return key, _FAILED

    if not todo:
        return Reads({})
    # Outside a script run (ctx None) the pool's threads would keep the
    # context of the session they last served: read here instead.
    if workers <= 1 or ctx is None:
        return Reads(dict(map(run, todo.items())))
    # One pool for the process: threads are not started for every page run
    # (most of whose reads are cache hits), and twenty sessions at once queue
    # their reads instead of starting six threads each on two cores.
    return Reads(dict(_pool(workers).map(run, todo.items())))


_POOLS: dict[int, ThreadPoolExecutor] = {}
_POOLS_LOCK = threading.Lock()


def _pool(workers: int) -> ThreadPoolExecutor:
    with _POOLS_LOCK:
        if workers not in _POOLS:
            _POOLS[workers] = ThreadPoolExecutor(max_workers=workers,
                                                 thread_name_prefix="prefetch")
        return _POOLS[workers]
