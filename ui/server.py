"""Settings of the server process itself, applied once when it serves its
first page."""
from __future__ import annotations

import gc
import threading

_DONE = threading.Event()
_LOCK = threading.Lock()

# Collections of the youngest generation happen every GEN0 allocations
# (Python's default is 700). A server allocates and frees millions of small
# objects per page; collecting them 30 times less often makes the full
# collections, which walk every live object (cached results, shared charts),
# that much rarer too: under twenty users they were pauses of up to 0.3 s on
# whichever page happened to be running (bench/load_test.py).
GEN0 = 20_000


def tune_gc() -> None:
    """Once per process: move everything alive after start-up (the imported
    libraries: objects that live as long as the process) out of the
    collector's sight, and collect less often. Garbage is still collected:
    reference counting frees almost everything at once, and cycles are found
    by the (rarer) collections."""
    if _DONE.is_set():
        return
    with _LOCK:
        if _DONE.is_set():
            return
        gc.collect()
        gc.freeze()
        gc.set_threshold(GEN0, 10, 10)
        _DONE.set()
