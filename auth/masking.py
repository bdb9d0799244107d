"""Masking personal data for viewers without the personal_data permission.

Anonymous complainants (service rules art. 20) are handled before this: the
KPI layer never returns their name or phone, whoever asks.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

# Column name -> how it is masked. Free text (a ticket's description and
# result, a reading's note) may name a room or a phone number; an uploaded
# file's name a phone or an ID number (张三丰13800001111.xlsx).
PERSONAL = {"name": "name", "caller_name": "name", "owner_name": "name", "phone": "phone",
            "address": "address", "room": "room", "description": "text", "result": "text",
            "note": "text", "file_name": "file"}

_BUILDING = re.compile(r"^(.*?(?:\d+|[A-Za-z]+)\s*(?:号楼|栋|幢|座|号))")
# A bungalow's address: 平房6排2号 is row 6, house 2; the row is its "building".
_BUNGALOW = re.compile(r"^(.*?平房\s*\d+\s*排)")
# Personal parts of free text, cut: ID card numbers to their region and last
# four, phone numbers to 138****1234 and 0533-****0811, room numbers to the
# building. metrics/sql/ticket_base.sql applies the same cuts to anonymous
# tickets for everyone (tests/test_masking_text.py checks both agree), so each
# pattern is written for both Python's re and DuckDB's RE2 (no look-around: a
# boundary is a group put back). Digits as ASCII or full width (DuckDB's \d is
# ASCII only; texts are stored as written). ID numbers: 370302198001011234,
# …123X. Phones: 13800002222, 138 0000 2222, 138-0000-2222, 1380-000-2222,
# 138 000 02222 (a space or dash between any two digits after the third),
# 138.0000.2222, +86 138…, 86138…; 0533-3120811, 05333120811, 0533 312 0811.
# Written forms of a room: 1单元1201, 东单元701, 平房6排2号, 3号楼501, 5楼502,
# 12层1202, 8#1201, 8-2-1201 and 3#楼2-301 (unit-room after a building),
# 1201室, 701房(间). ID numbers first, then phones: the later rules would take
# their digits.
_D = "[0-9０-９]"
_NOT_D = "[^0-9０-９]"
_SEP = "[\\s\\-－]"
NUMBER_CUTS = (
    (rf"(^|{_NOT_D})([1-9１-９]{_D}{{5}}){_D}{{8}}({_D}{{3}}[0-9０-９XxＸｘ])",
     r"\1\2********\3"),
    (rf"(^|{_NOT_D})((?:[+＋]?[8８][6６]{_SEP}*)?[1１][3-9３-９]{_D})(?:{_SEP}?{_D}){{4}}{_SEP}?"
     rf"({_D}(?:{_SEP}?{_D}){{3}})", r"\1\2****\3"),
    (rf"(^|{_NOT_D})([1１][3-9３-９]{_D})[.．]{_D}{{4}}[.．]({_D}{{4}})", r"\1\2****\3"),
    (rf"(^|{_NOT_D})([0０]{_D}{{2,3}}{_SEP}*)(?:{_D}{_SEP}?){{3,4}}({_D}{{4}})", r"\1\2****\3"),
)
TEXT_CUTS = NUMBER_CUTS + (
    (rf"(单元)\s*{_D}+", r"\1***"),
    (rf"(平房)\s*{_D}+\s*排\s*{_D}+\s*号?", r"\1***"),
    (rf"(楼|栋|幢|座|层|[#＃])\s*{_D}{{3,4}}", r"\1***"),
    (rf"(^|{_NOT_D})({_D}{{1,2}}\s*[-－]\s*){_D}{{3,4}}", r"\1\2***"),
    (rf"{_D}{{3,4}}(\s*(?:室|房))", r"***\1"),
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


def _cut(value: object, cuts) -> object:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return value
    s = str(value)
    for pattern, keep in cuts:
        s = re.sub(pattern, keep, s)
    return s


def mask_text(value: object) -> object:
    """Room and phone numbers in free text cut away: 金晶小区8号楼1单元1201室温不达标,
    回电13800002222 -> 金晶小区8号楼1单元***室温不达标,回电138****2222."""
    return _cut(value, TEXT_CUTS)


def mask_file_name(value: object) -> object:
    """ID and phone numbers in an uploaded file's name cut as in free text
    (测温记录_13800001111.xlsx -> 测温记录_138****1111.xlsx); its other
    digits (dates, seasons, versions) kept."""
    return _cut(value, NUMBER_CUTS)


def mask_room(value: object) -> object:
    return None if value is None else "***"


_MASKERS = {"name": mask_name, "phone": mask_phone, "address": mask_address, "room": mask_room,
            "text": mask_text, "file": mask_file_name}


def mask_as(kind: str, value: object) -> object:
    """`value` masked as personal data of `kind` (PERSONAL's kinds: name,
    phone, address, room, text, file)."""
    return _MASKERS[kind](value)


def _without_own_names(out: pd.DataFrame) -> None:
    """A row's own names (its caller, owner) in its free text, masked as the
    name columns are: 张三丰反映暖气不热 -> 张**反映暖气不热. Other names in
    the text cannot be told from words."""
    names = [c for c, kind in PERSONAL.items() if kind == "name" and c in out.columns]
    texts = [c for c, kind in PERSONAL.items() if kind == "text" and c in out.columns]
    if not names or not texts:
        return
    for text in texts:
        values = out[text].tolist()
        for name in names:
            values = [v if not isinstance(v, str) or not isinstance(n, str)
                      or len(n.strip()) < 2 or n.strip() not in v
                      else v.replace(n.strip(), mask_name(n))
                      for v, n in zip(values, out[name])]
        out[text] = pd.Series(values, index=out.index, dtype=object)


def mask_frame(df: pd.DataFrame, can_see_personal: bool,
               columns: Sequence[str] | None = None) -> pd.DataFrame:
    """A copy of df (its `columns`, default all) with its personal columns
    masked, unless the viewer may see them. A name column left out of
    `columns` still masks that name in the row's text (a household's owner
    named in its readings' notes)."""
    cols = list(columns) if columns is not None else list(df.columns)
    if can_see_personal:
        return df[cols] if columns is not None else df
    names = [c for c, kind in PERSONAL.items()
             if kind == "name" and c in df.columns and c not in cols]
    out = df[cols + names].copy()
    _without_own_names(out)
    for col, kind in PERSONAL.items():
        if col in out.columns:
            out[col] = out[col].map(_MASKERS[kind]).astype(object)
    return out[cols] if names else out
