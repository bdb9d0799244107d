"""The server the Excel reader's child processes fork from (pipelines/read.py).

Forking from a clean single-threaded server is safe in the threaded app
(DuckDB, Streamlit) and cheap once the server has imported the reader. This
module imports nothing heavy, so a command can start the server before its own
imports.
"""
from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver
from functools import lru_cache

READER = "pipelines.reader_child"


@lru_cache(maxsize=1)
def reader_context() -> multiprocessing.context.BaseContext:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([READER])
    return ctx


def start_reader_server() -> None:
    """Start the server now (it imports the reader in its own process) rather
    than at the first file read."""
    reader_context()
    multiprocessing.forkserver.ensure_running()
