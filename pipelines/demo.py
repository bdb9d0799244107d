"""The demo warehouse: every export under data/sample/, loaded by the same pipeline."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import duckdb

from .load import LoadReport, load_file
from .read import SUFFIXES
from .settings import sample_dir

# Roster first: it is what the other exports refer to.
ORDER = ("用户档案", "收费台账", "收费明细", "测温记录", "客服工单")


def sample_files(folder: Path | None = None) -> list[Path]:
    folder = Path(folder or sample_dir())
    files = [p for p in folder.iterdir() if p.suffix.lower() in SUFFIXES]

    def rank(p: Path) -> tuple[int, str]:
        return next((i for i, k in enumerate(ORDER) if k in p.name), len(ORDER)), p.name

    return sorted(files, key=rank)


def build_demo(con: duckdb.DuckDBPyConnection, folder: Path | None = None,
               progress: Callable[[int, int, Path], None] | None = None,
               lang: str = "zh") -> list[LoadReport]:
    """Load every sample export; `progress(i, n, file)` is called before each."""
    files = sample_files(folder)
    reports = []
    for i, path in enumerate(files):
        if progress:
            progress(i, len(files), path)
        reports.append(load_file(con, path, user="demo", lang=lang))
    return reports
