"""Masking personal data for viewers without the personal_data permission.

Anonymous complainants (service rules art. 20) are handled before this: the
KPI layer never returns their name or phone, whoever asks.
"""
from __future__ import annotations

import re

import pandas as pd

# Column name -> how it is masked.
PERSONAL = {"name": "name", "caller_name": "name", "owner_name": "name", "phone": "phone",
            "address": "address", "room": "room", "description": "text"}

_BUILDING = re.compile(r"^(.*?(?:\d+|[A-Za-z]+)\s*(?:号楼|栋|幢|座|号))")
# A bungalow's address: 平房6排2号 is row 6, house 2; the row is its "building".
_BUNGALOW = re.compile(r"^(.*?平房\s*\d+\s*排)")
# Room-level parts of free text (a ticket's description): cut to the building.
# metrics/sql/ticket_base.sql applies the same three to anonymous tickets for
# everyone (tests/test_masking_text.py checks both agree).
# Digits as ASCII or full width (DuckDB's \d is ASCII only; descriptions are
# stored as written). Written forms: 1单元1201, 平房6排2号, 3号楼501, 8-2-1201 and
# 3#楼2-301 (unit-room after a building), 1201室.
_D = "[0-9０-９]"
ROOMS_IN_TEXT = (
    (rf"({_D}+\s*单元)\s*{_D}+", r"\1***"),
    (rf"(平房)\s*{_D}+\s*排\s*{_D}+\s*号?", r"\1***"),
    (rf"(号楼|栋|幢|座)\s*{_D}{{3,4}}", r"\1***"),
    (rf"(^|[^0-9０-９])({_D}{{1,2}}\s*[-－]\s*){_D}{{3,4}}", r"\1\2***"),
    (rf"{_D}{{3,4}}(\s*室)", r"***\1"),
)


def mask_phone(value: object) -> object:
    """13812341234 -> 138****1234; short numbers keep only their last two digits."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return value
    s = str(value).strip()
    if len(s) >= 8:
        return s[:3] + "****" + s[-4:]
    return "****" + s[-2:] if s else s


def mask_name(value: object) -> object:
    """张三丰 -> 张**: the surname stays so staff can address the resident."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return value
    s = str(value).strip()
    return s[:1] + "*" * max(1, len(s) - 1) if s else s


def mask_address(value: object) -> object:
    """Down to the building: 淄博市张店区华光小区3号楼2单元501 -> 淄博市张店区华光小区3号楼."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return value
    s = str(value).strip()
    m = _BUNGALOW.match(s) or _BUILDING.match(s)
    return m.group(1) if m else re.sub(r"\d+(?=\D*$)", "***", s)


def mask_text(value: object) -> object:
    """Room numbers in free text cut away: 金晶小区8号楼1单元1201室温不达标 ->
    金晶小区8号楼1单元***室温不达标."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return value
    s = str(value)
    for pattern, keep in ROOMS_IN_TEXT:
        s = re.sub(pattern, keep, s)
    return s


def mask_room(value: object) -> object:
    return None if value is None else "***"


_MASKERS = {"name": mask_name, "phone": mask_phone, "address": mask_address, "room": mask_room,
            "text": mask_text}


def mask_frame(df: pd.DataFrame, can_see_personal: bool) -> pd.DataFrame:
    """A copy of df with its personal columns masked, unless the viewer may see them."""
    if can_see_personal:
        return df
    out = df.copy()
    for col, kind in PERSONAL.items():
        if col in out.columns:
            out[col] = out[col].map(_MASKERS[kind]).astype(object)
    return out
