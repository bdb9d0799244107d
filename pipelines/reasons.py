"""A reject's reason in words, in any language, from what the load stored.

A load writes each reason in its user's language (rejects.reason), but the
rows are read later by whoever opens 数据管理, in theirs. So a reject also
keeps what its words are made of (rejects.params, JSON): the values the
reason names that are not in the reject's own columns (code, column_name,
value): the plausible range, the allowed values, the row that won, the date
column's name and date, the number of fields of a shifted CSV line. From
those, `text` writes the reason again in the viewer's language; a reject
stored before params existed keeps its stored words (`shown`).
"""
from __future__ import annotations

import json
import re

from i18n import join, t

# The column of a reject about the whole row (i18n field.whole_row).
WHOLE_ROW = "whole_row"
# What a reason names per row (filled in SQL by the load, by `fill` here),
# beside the cell's value: the row that won (duplicate), the line's number of
# fields (extra_fields), the date column's date (date_conflict).
ROW_PARAMS = ("row", "fields", "day")
# The parts of that date, as numbers (2026-11-31: 2026, 11, 31): a date that
# does not exist says which month lacks which day.
DAY_PARTS = ("year", "month", "mday")
# What a reason names per column, stored when its words name it.
COLUMN_PARAMS = ("min", "max", "allowed", "day_column", "header")


def number(x) -> str:
    """A bound as a reason writes it: 1,000,000, not 1e+06; 35, not 35.0."""
    if x is None:
        return ""
    return f"{x:,.10g}"


def needed(code: str) -> set[str]:
    """The placeholders of the reason's words (both languages name the same)."""
    return set(re.findall(r"\{(\w+)\}", t(f"reject.{code}", "zh")))


def template(code: str, column: str, params: dict, lang: str = "zh") -> str:
    """The reason's words with the per-row values ({row}, {fields}, {day},
    {value}) left as placeholders: one text per column and code, which the
    load fills row by row in SQL and `fill` fills here."""
    if column == WHOLE_ROW:
        return t(f"reject.{code}", lang, header=params.get("header", ""), fields="{fields}")
    words = t(f"reject.{code}", lang, field=t(f"field.{column}", lang),
              min=number(params.get("min")), max=number(params.get("max")),
              allowed=join(params.get("allowed") or [], lang),
              row="{row}", value="{value}", day="{day}",
              day_column=params.get("day_column") or "")
    if params.get("wan_yuan"):
        # The cell shows 万元; the range is in yuan.
        words += t("reject.in_wan_yuan", lang)
    return words


def fill(words: str, params: dict, value: str | None) -> str:
    """`template`'s words with the row's values, in the order the load's SQL
    replaces them (the cell's value last: it may hold anything)."""
    for name in ROW_PARAMS:
        x = params.get(name)
        words = words.replace("{" + name + "}", "" if x is None else str(x))
    parts = str(params.get("day") or "").split("-")
    for i, name in enumerate(DAY_PARTS):
        x = parts[i] if i < len(parts) else ""
        words = words.replace("{" + name + "}", str(int(x)) if x.isdigit() else "")
    return words.replace("{value}", value or "")


def text(code: str, column: str, params: dict, value: str | None, lang: str = "zh") -> str:
    """The reason in `lang`."""
    return fill(template(code, column, params, lang), params, value)


def shown(code, column, params, value, stored: str | None, lang: str = "zh") -> str | None:
    """The reason a viewer reads: in their language when the reject kept what
    its words need (`params`, a dict or its JSON), else the words stored at
    load time (a reject of a warehouse older than params)."""
    if isinstance(params, str):
        try:
            params = json.loads(params)
        except ValueError:
            params = None
    if not isinstance(params, dict) or not isinstance(code, str) or not code \
            or not isinstance(column, str):
        return stored
    return text(code, column, params, value if isinstance(value, str) else None, lang)
