"""Which kind of loaded data each KPI counts, and whether a period has any.

A KPI of a period that lies wholly outside the loaded span of its kind of
data (pipelines.coverage.freshness) reads 0 or nothing because nothing was
loaded, not because nothing happened: such a period is no comparison. The
page header's notice (ui/header.py), the KPI cards and the weekly report
all decide it here. No Streamlit here.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from pipelines.coverage import Freshness

from .period import Period
from .registry import Kpi

# The kind of export (pipelines.fields KINDS) behind each model's rows.
MODEL_KINDS = {
    "reading_flags": "temperature", "reading_facts": "temperature",
    "reading_marks": "temperature", "household_latest_readings": "temperature",
    "household_coverage": "temperature", "refund_days": "temperature",
    "ticket_base": "tickets", "ticket_placed": "tickets", "ticket_facts": "tickets",
    "complaint_area": "tickets",
    "fee_facts": "fees", "collection_amount": "fees", "payment_facts": "fees",
}


def source_kind(kpi: Kpi) -> str | None:
    """The kind of data the KPI counts (temperature, tickets, fees); None for
    a model of the roster only."""
    return MODEL_KINDS.get(kpi.model)


def outside(f: Freshness, start: dt.date, end: dt.date) -> bool:
    """Whether the kind's loaded data lies wholly outside the days `start` to
    `end`: then its zeros there say nothing was loaded, not that nothing
    happened. A kind without event times (the roster) or without rows is
    never outside (the freshness line already says it has none)."""
    if f.rows == 0 or f.first_at is None or f.last_at is None:
        return False
    return start > f.last_at.date() or end < f.first_at.date()


# Kinds whose KPIs count the period's own events (readings, tickets): on
# heating days a period without a single one had nothing loaded (the 数据管理
# page calls such a week a gap). Fee KPIs are the season's to date, so a
# week without payments still has its figures.
EVENT_KINDS = ("temperature", "tickets")


def kinds_without_data(items: Iterable[Freshness], period: Period,
                       present: Iterable[str] | None = None) -> set[str]:
    """The kinds whose loaded data lies wholly outside `period`, and, given
    `present` (pipelines.coverage.kinds_in: the kinds with rows on its days),
    each of EVENT_KINDS with no row in it although it has heating days: a
    week not uploaded inside the loaded span (上周 0 tickets, "+60")."""
    return {f.kind for f in items if outside(f, period.start, period.end)} | \
        _not_uploaded(items, period, present)


def _not_uploaded(items: Iterable[Freshness], period: Period,
                  present: Iterable[str] | None) -> set[str]:
    """EVENT_KINDS loaded at all with no row in `period` although it has
    heating days (`present`: the kinds with rows there)."""
    if present is None or not period.has_heating_day:
        return set()
    present = set(present)
    return {f.kind for f in items if f.kind in EVENT_KINDS and f.rows and f.kind not in present}


def kinds_not_yet(items: Iterable[Freshness], period: Period) -> set[str]:
    """The kinds whose loaded data begins after `period` ends: nothing of them
    was there by its cut-off."""
    return {f.kind for f in items
            if f.rows and f.first_at is not None and period.end < f.first_at.date()}


def carried_short(kpi: Kpi, items: Iterable[Freshness], period: Period,
                  current: Period | None) -> bool:
    """Whether `period`, compared with `current` of a later season, lacks
    what `kpi` carries over from earlier seasons (Kpi.carried: 漏件 of any
    season) because its kind was first loaded after its season opened:
    this week's 103 漏件, 87 of them last season's, beside last season's 23,
    which had no season before it loaded to carry over, is no comparison
    (when the current figure holds some carried over: the caller knows)."""
    if not kpi.carried or current is None or period.season_opens_at >= current.season_opens_at:
        return False
    kind = source_kind(kpi)
    return any(f.kind == kind and f.rows and f.first_at is not None
               and f.first_at >= period.season_opens_at for f in items)


def comparable(kpi: Kpi, items: Iterable[Freshness], period: Period | None,
               present: Iterable[str] | None = None) -> bool:
    """Whether `period` holds data of the kind `kpi` counts (a comparison
    period without any: shown as no data to compare, not as 0); `present`
    as kinds_without_data takes it. A KPI standing at the cut-off (the
    season's collection to date, 漏件) stands at a period after its kind's
    last upload as at the week's own (unloaded keeps that figure too): only
    a period before its first upload, or one of heating days to which none
    of its events was uploaded (a gap: its stock lacks them), is no
    comparison. A week after the last payments read "—" for last week's
    collection rate beside this week's 93.7%, both the same season's to date."""
    if period is None:
        return False
    if kpi.standing:
        return source_kind(kpi) not in kinds_not_yet(items, period) | _not_uploaded(
            items, period, present)
    return source_kind(kpi) not in kinds_without_data(items, period, present)


# Kinds a period without a heating day (summer) has no data of by nature:
# no room temperatures are taken. Payments are made all year (arrears in
# spring, the coming season's from September): a summer week after the
# loaded payments has its receipts not uploaded, not ¥0.00.
OFF_SEASON_KINDS = ("temperature",)


def unloaded_kinds(items: Iterable[Freshness], period: Period,
                   present: Iterable[str] | None = None) -> set[str]:
    """The kinds with nothing uploaded for `period` itself
    (kinds_without_data), but for those a period without a heating day has
    none of by nature (OFF_SEASON_KINDS): the page header names these, and
    the KPIs counting the period's own rows of them have no figure."""
    out = kinds_without_data(items, period, present)
    return out - set(OFF_SEASON_KINDS) if not period.has_heating_day else out


def rests_on(kpi: Kpi, kinds: Iterable[str]) -> bool:
    """Whether the period's own figure of `kpi` rests on its rows of one of
    `kinds`: it counts that kind and does not stand at the cut-off
    (Kpi.standing: 漏件, the season's collection to date hold without them)."""
    return not kpi.standing and source_kind(kpi) in set(kinds)


def unloaded(kpi: Kpi, items: Iterable[Freshness], period: Period,
             present: Iterable[str] | None = None) -> bool:
    """Whether `period`'s own figure of `kpi` rests on nothing uploaded (its
    kind is one of unloaded_kinds; rests_on). It is then no figure (—), not
    0 tickets or a 0.0 % coverage beside a red change."""
    return rests_on(kpi, unloaded_kinds(items, period, present))
