"""Page run times: every page app.py registers, run with AppTest (the whole
script: router, sidebar, header and the page) on the demo warehouse and on the
benchmark warehouse of 10 million readings (bench/queries_data.py).

    python bench/pages.py [--reps 5] [--pages tickets,fees] [--rebuild]
                          [--demo bench/out/pages_demo.duckdb]
                          [--large bench/out/pages_large.duckdb]

Two views per page: the whole 2025-2026 season (the heaviest: a full season
of data) and one ISO week of it (the weekly meeting). Each timed run starts
from an empty query cache, as after an upload (every cached result is stale
then): that is "cold", the wait a manager sees on opening a page after new
data; "warm" is the same page run again (a click that changes nothing the
queries read). Beside the cold wall time, the CPU seconds the process spent
(DuckDB's threads included): on a shared machine the wall time grows with
the others' load, the CPU time much less.

Targets (issue 5): median <= 1.0 s on the demo warehouse, <= 3.0 s on the
large one, judged on the cold runs. Not run by the tests. Exit code 0 when
every target is met and no page raised, else 1. Both warehouses are built once
into bench/out/ (git-ignored) and reused; the app opens them read-write, so
they are not shared with bench/queries.py.
"""
from __future__ import annotations

import argparse
import logging
import os
import resource
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

APP = ROOT / "app.py"
OUT = ROOT / "bench" / "out"
TARGET_S = {"demo": 1.0, "large": 3.0}
SEASON, WEEK = "2025-2026", "2025-W50"   # both warehouses hold this season


def registered_pages() -> list[str]:
    """The page files app.py registers, in its order (pages/<name>.py)."""
    source = APP.read_text(encoding="utf-8")
    return re.findall(r'st\.Page\(\s*"(pages/\w+\.py)"', source)


def demo_warehouse(path: Path, rebuild: bool) -> float:
    """Build the demo warehouse from data/sample/ unless it is there; seconds spent."""
    from pipelines.demo import build_demo
    from pipelines.warehouse import connect
    if path.exists() and not rebuild:
        from metrics import stored
        con = connect(path)
        try:
            stored.ensure(con)   # built before the stored models: as the app would
        finally:
            con.close()
        return 0.0
    print(f"Building {path} from data/sample/ ...")
    started = time.perf_counter()
    tmp = path.with_name(path.name + ".building")
    for p in (tmp, Path(f"{tmp}.wal")):
        p.unlink(missing_ok=True)
    con = connect(tmp)
    try:
        failed = [r for r in build_demo(con) if r.status == "failed"]
    finally:
        con.close()
    if failed:
        raise SystemExit(f"demo build failed: {[str(r) for r in failed]}")
    os.replace(tmp, path)
    return time.perf_counter() - started


def large_warehouse(path: Path, rebuild: bool) -> float:
    """The generator of bench/queries.py, into a file of our own."""
    import queries
    return queries.warehouse(path, rebuild)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_page(page: str, params: dict, reps: int
             ) -> tuple[list[float], list[float], list[float], str | None]:
    """(cold seconds, cold CPU seconds, warm seconds, first error) over `reps` runs."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest
    cold, cpu, warm, error = [], [], [], None
    for _ in range(reps):
        at = AppTest.from_file(str(APP), default_timeout=900)
        at.query_params.update(params)
        at.run()                      # the default page: the app frame is set up
        st.cache_data.clear()         # as after an upload
        at.switch_page(page)
        started, used = time.perf_counter(), _cpu()
        at.run()
        cold.append(time.perf_counter() - started)
        cpu.append(_cpu() - used)
        started = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - started)
        if at.exception and error is None:
            # The message shown is redacted; the last line of the trace is not.
            trace = [line for line in at.exception[0].stack_trace if line.strip()]
            error = (trace[-1] if trace else str(at.exception[0].value)).strip()
    return cold, cpu, warm, error


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--demo", type=Path, default=OUT / "pages_demo.duckdb")
    ap.add_argument("--large", type=Path, default=OUT / "pages_large.duckdb")
    ap.add_argument("--rebuild", action="store_true", help="build both warehouses again")
    ap.add_argument("--reps", type=int, default=5, help="timed runs per page and view (median)")
    ap.add_argument("--pages", help="comma-separated page names (default: all registered)")
    ap.add_argument("--only", choices=("demo", "large"), help="one warehouse only")
    args = ap.parse_args(argv)
    # AppTest runs outside a server: Streamlit warns about every cache call.
    from streamlit import logger as st_logger
    st_logger.set_log_level("error")
    logging.getLogger("streamlit.runtime.caching").setLevel(logging.ERROR)

    pages = registered_pages()
    if args.pages:
        wanted = {p.strip() for p in args.pages.split(",")}
        pages = [p for p in pages if Path(p).stem in wanted]
    warehouses = {"demo": args.demo, "large": args.large}
    if args.only:
        warehouses = {args.only: warehouses[args.only]}
    started = time.perf_counter()
    for name, path in warehouses.items():
        built = (demo_warehouse if name == "demo" else large_warehouse)(path, args.rebuild)
        print(f"{name}: {path}" + (f" (built in {built:.0f} s)" if built else " (reused)"))
    print(f"Machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start; "
          f"{args.reps} runs per page and view\n")

    results = {}   # (warehouse, page, view) -> (cold, cold CPU, warm medians, error)
    views = {"season": {"season": SEASON, "period": "season"},
             "week": {"season": SEASON, "period": "week", "week": WEEK}}
    for name, path in warehouses.items():
        os.environ["HEATKPI_DB"] = str(path)
        for page in pages:            # once, untimed: the file in the OS cache
            run_page(page, {}, 1)
        for page in pages:
            for view, params in views.items():
                cold, cpu, warm, error = run_page(page, params, args.reps)
                row = tuple(statistics.median(x) for x in (cold, cpu, warm)) + (error,)
                results[name, page, view] = row
                print(f"  {name:5} {Path(page).stem:12} {view:6} cold {row[0]:6.2f} s "
                      f"(CPU {row[1]:5.2f} s)  warm {row[2]:6.2f} s"
                      + (f"  ERROR {error}" if error else ""), flush=True)

    print()
    head = f"{'page':12} {'view':6}" + "".join(
        f"  {name + ' cold':>11} {'(CPU)':>7} {name + ' warm':>11}" for name in warehouses)
    print(head)
    misses, errors = [], []
    for page in pages:
        for view in ("season", "week"):
            line = f"{Path(page).stem:12} {view:6}"
            for name in warehouses:
                cold, cpu, warm, error = results[name, page, view]
                flag = "!" if cold > TARGET_S[name] else " "
                if flag == "!":
                    misses.append(f"{Path(page).stem} {view} on {name}: {cold:.2f} s")
                if error:
                    errors.append(f"{Path(page).stem} {view} on {name}: {error}")
                line += f"  {cold:9.2f}s{flag} {cpu:6.2f}s {warm:10.2f}s"
            print(line)
    targets = ", ".join(f"<= {TARGET_S[n]:.1f} s on {n}" for n in warehouses)
    print(f"\nSeason {SEASON}, week {WEEK}. Targets (median of cold runs): {targets}.")
    print("All targets met." if not misses else "Missed: " + "; ".join(misses))
    if errors:
        print("Errors: " + "; ".join(errors))
    print(f"Load average {os.getloadavg()[0]:.1f} at the end; total "
          f"{time.perf_counter() - started:.0f} s.")
    return 0 if not misses and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
