"""Checks on an Excel file before any parser sees it.

An .xlsx/.xlsb/.ods is a zip: a 500 KB file can expand to gigabytes, hold
thousands of entries, nest other archives, or carry XML entity definitions
(billion laughs). Excel never writes any of these, so each is refused with a
message instead of being parsed.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

from .errors import PipelineError
from .settings import load_settings

_NESTED = (".zip", ".xlsx", ".xlsm", ".xlsb", ".ods", ".jar", ".7z", ".rar", ".gz")
_XML_SNIFF = 4096


def check_zip(path: Path) -> None:
    """Raise `unsafe_*` when the archive breaks a limit; `corrupt_file` when it
    is no readable zip."""
    limits = load_settings()["upload"]
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > limits["max_zip_entries"]:
                raise PipelineError("unsafe_entries", n=len(infos), limit=limits["max_zip_entries"])
            total = 0
            for info in infos:
                total += info.file_size
                ratio = info.file_size / max(info.compress_size, 1)
                if info.file_size > 1_000_000 and ratio > limits["max_compression_ratio"]:
                    raise PipelineError("unsafe_ratio", n=round(ratio), part=info.filename)
                if info.filename.lower().endswith(_NESTED):
                    raise PipelineError("unsafe_nested", part=info.filename)
                if info.filename.lower().endswith((".xml", ".rels")):
                    with zf.open(info) as fh:
                        head = fh.read(_XML_SNIFF)
                    if b"<!ENTITY" in head or b"<!DOCTYPE" in head:
                        raise PipelineError("unsafe_entities", part=info.filename)
            if total > limits["max_unzipped_mb"] * 1024 * 1024:
                raise PipelineError("unsafe_size", mb=total // 1048576,
                                    limit=limits["max_unzipped_mb"])
    except zipfile.BadZipFile as exc:
        raise PipelineError("corrupt_file", detail=str(exc)) from exc
