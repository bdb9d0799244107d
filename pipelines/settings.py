"""The one settings file (settings.toml) and the paths derived from it."""
from __future__ import annotations

import datetime as dt
import os
import tomllib
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_FILE = ROOT / "settings.toml"


@lru_cache(maxsize=None)
def load_settings(path: str | None = None) -> dict:
    """Parsed settings; `HEATKPI_SETTINGS` points at another file."""
    file = Path(path or os.environ.get("HEATKPI_SETTINGS") or SETTINGS_FILE)
    with file.open("rb") as fh:
        return tomllib.load(fh)


def company_now() -> dt.datetime:
    """The company's wall-clock time now (settings company.timezone,
    Asia/Shanghai; the server may run in UTC), to the second, naive as the
    warehouse keeps times."""
    tz = ZoneInfo(load_settings()["company"]["timezone"])
    return dt.datetime.now(tz).replace(tzinfo=None, microsecond=0)


def warehouse_path() -> Path:
    """The DuckDB file: `HEATKPI_DB` wins over settings."""
    env = os.environ.get("HEATKPI_DB")
    if env:
        return Path(env)
    path = Path(load_settings()["paths"]["warehouse"])
    return path if path.is_absolute() else ROOT / path


def sample_dir() -> Path:
    path = Path(load_settings()["paths"]["sample_dir"])
    return path if path.is_absolute() else ROOT / path
