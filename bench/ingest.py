"""Ingestion benchmark: a 1,000,000-row, 12-column temperature export.

Times, in one run on this machine:
  (a) fastexcel alone parsing the file to Arrow (the floor for any reader);
  (b) `python -m pipelines load` into an empty warehouse, and its peak memory;
  (c) loading the same file again (recognised by its SHA-256);
  (d) pandas.read_excel(engine="openpyxl") on a 100,000-row slice.
Prints each time and the ratios b/a and 10·d/b. Targets: b/a <= 2.0,
peak memory <= 3 GB, (c) <= 2 s.

    python bench/ingest.py [--rows 1000000] [--keep]

The generated files are cached under bench/out/ (git-ignored).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
HEADER = ["户号", "分公司", "供热站", "小区", "楼号", "房号", "测温时间", "室内温度(℃)", "室外温度(℃)",
          "用户签字", "测温人", "备注"]


def make_export(path: Path, rows: int) -> None:
    """A realistic export: title row, header, serial-number times, a 合计 row."""
    import xlsxwriter
    rng = np.random.default_rng(7)
    hh = rng.integers(0, 200_000, rows)
    serial = 45976.0 + np.sort(rng.uniform(0, 120, rows))
    indoor = np.round(rng.normal(20, 1.6, rows), 1)
    outdoor = np.round(rng.normal(1, 4, rows), 1)
    signed = rng.random(rows) > 0.05
    stations = [f"{n}换热站" for n in ("华光路", "共青团路", "柳泉路", "西五路", "人民路", "新村路",
                                     "金晶大道", "联通路")]
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("测温记录")
    ws.write_row(0, 0, ["淄博开创热力有限公司 测温记录(基准测试)"])
    ws.write_row(1, 0, HEADER)
    for i in range(rows):
        h = int(hh[i])
        ws.write_row(i + 2, 0, (
            f"{h:011d}", "张店分公司" if h % 2 else "淄川分公司", stations[h % 8], f"小区{h % 30}",
            f"{h % 400}号楼", f"{h % 30 + 1}0{h % 4 + 1}", float(serial[i]), float(indoor[i]),
            float(outdoor[i]), "√" if signed[i] else "", f"测温员{h % 12}", ""))
    ws.write_row(rows + 2, 0, ["合计", rows])
    wb.close()


def cached(rows: int) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"temperature_{rows}.xlsx"
    if not path.exists():
        t0 = time.perf_counter()
        make_export(path, rows)
        print(f"generated {path.name} ({path.stat().st_size / 1e6:.0f} MB) "
              f"in {time.perf_counter() - t0:.0f} s")
    return path


def _tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants (the Excel reader
    runs in a grandchild), from /proc."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                total += next(int(ln.split()[1]) * 1024 for ln in fh if ln.startswith("VmRSS:"))
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except (OSError, StopIteration):
            continue
    return total


def run_child(args: list[str], env: dict) -> tuple[float, int, str]:
    """Wall seconds, peak memory of the process tree in bytes (sampled every
    20 ms), and output of one child process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out = proc.stdout.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(args)} failed:\n{out}")
    return seconds, max(peak, usage.ru_maxrss * 1024), out


def time_fastexcel(path: Path) -> float:
    import fastexcel
    t0 = time.perf_counter()
    table = fastexcel.read_excel(path).load_sheet(0, header_row=1).to_arrow()
    seconds = time.perf_counter() - t0
    assert table.num_rows > 0
    return seconds


def time_pandas(path: Path) -> float:
    import pandas as pd
    t0 = time.perf_counter()
    df = pd.read_excel(path, engine="openpyxl", header=1)
    seconds = time.perf_counter() - t0
    assert len(df) > 0
    return seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--slice", type=int, default=100_000)
    args = ap.parse_args()
    big, small = cached(args.rows), cached(args.slice)

    a = time_fastexcel(big)
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "HEATKPI_DB": str(Path(tmp) / "bench.duckdb")}
        load = [sys.executable, "-m", "pipelines", "--lang", "en", "load", str(big)]
        b, peak, out_b = run_child(load, env)
        c, _, out_c = run_child(load, env)
    d = time_pandas(small)

    print(out_b.strip().splitlines()[0])
    print(out_c.strip().splitlines()[0])
    print(f"rows: {args.rows:,}  slice for pandas: {args.slice:,}")
    print(f"(a) fastexcel -> Arrow:           {a:7.2f} s")
    print(f"(b) python -m pipelines load:     {b:7.2f} s   peak memory {peak / 1e9:.2f} GB "
          f"(all its processes)")
    print(f"(c) same file again:              {c:7.2f} s")
    print(f"(d) pandas+openpyxl, {args.slice:,} rows: {d:7.2f} s")
    print(f"b/a = {b / a:.2f}   (target <= 2.0: {'met' if b / a <= 2.0 else 'MISSED'})")
    print(f"peak memory {'met' if peak <= 3e9 else 'MISSED'} (target <= 3 GB)")
    print(f"(c) {'met' if c <= 2.0 else 'MISSED'} (target <= 2 s)")
    print(f"10·d/b = {10 * d / b:.1f}   (pandas+openpyxl on the whole file, estimated, "
          f"over our full load)")


if __name__ == "__main__":
    main()
