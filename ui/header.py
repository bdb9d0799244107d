"""The header above every page: the company, and how fresh each kind of data is."""
from __future__ import annotations

import datetime as dt

import streamlit as st

from i18n import t
from metrics.period import Period
from metrics.sources import unloaded_kinds
from pipelines.coverage import Freshness, freshness, kinds_in
from pipelines.settings import load_settings

from . import db, fmt, session


def company_name(lang: str) -> str:
    company = load_settings()["company"]
    return company["name_zh"] if lang == "zh" else company["name_en"]


def draw(lang: str, period: tuple[dt.date, dt.date] | None = None) -> None:
    """The company, each kind's freshness and, on a page showing `period`
    (first and last day), a notice naming the kinds with no data in it."""
    st.caption(f"{company_name(lang)} · {t('ui.app.title', lang)}")
    items = db.query(freshness)
    # A branch user sees no company-wide row count (the roster's 共 19,234 条):
    # how fresh the data is, not how big the other branches are.
    counts = session.scope_branch() is None
    for col, f in zip(st.columns(len(items)), items):
        col.caption(f"**{t(f'kind.{f.kind}', lang)}** · {describe(f, lang, counts)}")
    if period is not None:
        period_notice(lang, period)


def period_notice(lang: str, period: tuple[dt.date, dt.date]) -> None:
    """The notice naming the kinds with no data uploaded for `period`, if any
    (also on the 周报 page, for the week it reports)."""
    notice = gap_notice(db.query(freshness), *period, lang, db.query(kinds_in, *period))
    if notice:
        st.info(notice, icon=":material/event_busy:")


def gap_notice(items: list[Freshness], start: dt.date, end: dt.date, lang: str,
               present: frozenset[str] | None = None) -> str | None:
    """'所选期间没有客服工单(数据为 2024-10-26 至 2026-03-15)……' or None.
    A period without a heating day says so instead of asking for uploads of
    readings or fees that cannot exist."""
    period = Period(start, end)
    off = not period.has_heating_day
    missing = unloaded_kinds(items, period, present)
    gaps = [f for f in items if f.kind in missing]
    shown = fmt.period(start, end, lang)
    parts = [t("ui.freshness.off_season", lang, period=shown, season=period.fee_season)] \
        if off else []
    if gaps:
        spans = fmt.join([t("ui.freshness.gap_kind", lang, kind=t(f"kind.{f.kind}", lang),
                            first=fmt.date(f.first_at.date(), lang),
                            last=fmt.date(f.last_at.date(), lang)) for f in gaps], lang)
        parts.append(t("ui.freshness.gap", lang, period=shown, kinds=spans))
    return " ".join(parts) or None


def describe(f, lang: str, counts: bool = True) -> str:
    """One line: the newest data (without a time, its row count when
    `counts`) and when it was loaded."""
    if f.batches == 0 and f.rows == 0:
        return t("ui.freshness.none", lang)
    parts = []
    if f.last_at is not None:
        parts.append(t("ui.freshness.data_to", lang, time=fmt.event_time(f.last_at, lang)))
    elif counts:
        parts.append(t("ui.freshness.rows", lang, rows=fmt.number(f.rows, lang)))
    if f.last_loaded_at is not None:
        parts.append(t("ui.freshness.loaded_at", lang,
                       time=fmt.datetime(f.last_loaded_at, lang)))
    return " · ".join(parts)
