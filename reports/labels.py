"""Dates and weeks as the printed report writes them (kept here, not shared
with the pages' pickers, so a change of a sidebar label never changes a report)."""
from __future__ import annotations

import datetime as dt

from i18n import join, t
from pipelines.coverage import week_bounds

from .cells import missing

_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day(d: dt.date, lang: str = "zh") -> str:
    """2025年11月24日 / 24 Nov 2025."""
    if lang == "zh":
        return f"{d.year}年{d.month}月{d.day}日"
    return f"{d.day} {_MONTHS_EN[d.month - 1]} {d.year}"


def moment(at: dt.datetime, lang: str = "zh") -> str:
    """2025年12月1日 01:25 / 1 Dec 2025 01:25."""
    return f"{day(at.date(), lang)} {at:%H:%M}"


def period(start: dt.date, end: dt.date, lang: str = "zh") -> str:
    """2025年11月24日–11月30日 / 24 Nov – 30 Nov 2025 (the year once when shared)."""
    if start.year != end.year:
        return f"{day(start, lang)} – {day(end, lang)}"
    if lang == "zh":
        return f"{day(start, lang)}–{end.month}月{end.day}日"
    return f"{start.day} {_MONTHS_EN[start.month - 1]} – {day(end, lang)}"


def week(name: str, lang: str = "zh") -> str:
    """2025年第48周(11月24日–11月30日) / Week 2025-W48 (24 Nov – 30 Nov 2025);
    a week across New Year gives both years: 2026年第1周(2025年12月29日–2026年1月4日)
    (without them it reads as 29 December 2026)."""
    monday, sunday = week_bounds(name)
    if lang == "zh":
        if monday.year != sunday.year:
            days = f"{day(monday, lang)}–{day(sunday, lang)}"
        else:
            days = f"{monday.month}月{monday.day}日–{sunday.month}月{sunday.day}日"
        return f"{name[:4]}年第{int(name[6:])}周({days})"
    return f"Week {name} ({period(monday, sunday, lang)})"


def moment(x: dt.datetime | None, lang: str = "zh") -> str:
    """2025年12月1日 08:00 / 1 Dec 2025 08:00."""
    if missing(x):
        return "—"
    return f"{day(x, lang)} {x:%H:%M}"


def scope(branch: str | None, branches: list[str] | None, lang: str = "zh") -> str:
    """Whom the report covers: the branch, the viewer's branches, or the company."""
    if branch:
        return branch
    if branches is not None:
        return join(branches, lang) or t("report.scope.none", lang)
    return t("report.scope.all", lang)
