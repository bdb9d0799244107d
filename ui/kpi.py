"""KPI cards: a value with its numerator and denominator, the change against
the previous period and the same days of last season, a status colour against
the registry's target, and the registry's description as help.

    from ui import kpi
    shown = kpi.card_row(["temp_compliance_rate", "temp_unsigned_readings"], f, lang)

Every number comes from `metrics.summary` for the sidebar's filters (cached by
ui.db.query), so a card always equals what `python -m metrics summary` prints.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import streamlit as st

from i18n import t
from metrics import Kpi, Period, Result, get, summary
from metrics.fee_views import COMING, coming_period
from metrics.display import (card_value, change, compact_change, compact_yuan, format_part,
                             format_parts, format_value, parts_with_units)
from metrics.sources import carried_short, comparable, unloaded
from pipelines.coverage import freshness, kinds_in

from . import db, fmt, session
from .filters import Filters
from .prefetch import prefetch

_STATUS_COLOR = {"good": "green", "bad": "red", None: "gray"}


def period_of(f: Filters) -> Period:
    """The sidebar's period for the KPI layer; fee KPIs read the chosen season,
    except for a period with no heating day (a week or range between seasons,
    which the sidebar shows under the season that ended before it): that one
    reads the season that most recently ended, as the weekly report does
    (`Period.fee_season`); the coming season's collection so far is said
    beside it (`coming_call`). A period not over at the run's clock
    (`f.as_of`) is figured as of then."""
    period = Period(f.start, f.end)
    if period.has_heating_day:
        period = Period(f.start, f.end, f.season)
    return period.so_far(f.as_of)


def metric_filters(f: Filters) -> dict[str, list[str]]:
    """The sidebar's branch/station choice as KPI-layer filters (none: all)."""
    out: dict[str, list[str]] = {}
    if f.branches:
        out["branch"] = list(f.branches)
    if f.stations:
        out["station"] = list(f.stations)
    return out


def scope() -> str | None:
    """The branch the signed-in user may see (None: every branch). Pass it to
    every KPI-layer call as its `scope`."""
    return session.scope_branch()


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def status(kpi: Kpi, value) -> str | None:
    """'good' / 'bad' against the KPI's target, respecting its direction;
    None without a target, a value, or for neutral KPIs. Same rule as the
    `meets_target` column of metrics.headline."""
    target = kpi.target
    if target is None or _missing(value) or kpi.direction == "neutral":
        return None
    ok = value >= target if kpi.direction == "higher" else value <= target
    return "good" if ok else "bad"


@dataclass(frozen=True)
class CardData:
    """One KPI for the chosen period and its comparison periods. `previous`
    is None for a season (the days before it are the summer) and for a date
    range whose previous period of the same length is not on heating days
    (`skipped`, said in the arrow's help): its arrow then compares with the
    same days of last season."""
    kpi: Kpi
    now: Result
    previous: Result | None
    last_season: Result
    skipped: Period | None = None   # the previous period not compared with
    week: bool = False              # the previous period is the previous ISO week
    days: int | None = None         # the period's length (and its previous period's)
    of_which: Result | None = None  # the registry's `of_which` count in the period
    carried_short: bool = False     # last season had nothing earlier loaded to carry over

    @property
    def change_previous(self) -> float | None:
        return None if self.previous is None else change(self.kpi.unit, self.now.value,
                                                         self.previous.value)

    @property
    def change_last_season(self) -> float | None:
        return change(self.kpi.unit, self.now.value, self.last_season.value)

    @property
    def status(self) -> str | None:
        return status(self.kpi, self.now.value)


def _by_model(kpi_ids: Sequence[str]) -> list[tuple[str, ...]]:
    """The KPIs to read, with the counts their cards name (`of_which`: the
    same rows, read in the same scan), grouped by model."""
    groups: dict[str, list[str]] = {}
    for kpi_id in kpi_ids:
        kpi = get(kpi_id)
        ids = groups.setdefault(kpi.model, [])
        for i in (kpi_id, kpi.of_which):
            if i and i not in ids:
                ids.append(i)
    return [tuple(ids) for ids in groups.values()]


def skipped_previous(f: Filters) -> Period | None:
    """For a date range whose previous period of the same length is not on
    heating days (a whole season's range: the summer before it), that
    period: the cards compare with the same days of last season instead, as
    the season view does. None for a week (always its previous week), a
    season, and a range whose previous period is a fair comparison."""
    if f.period != "range":
        return None
    period = period_of(f)
    return None if period.compares_with_previous else period.previous()


def card_periods(f: Filters) -> tuple[Period, Period | None, Period]:
    """The period, the previous one of the same length and the same days of
    last season. A season has no previous period (None): the days before it
    are the summer, and its own comparison is last season's; nor has a date
    range whose previous period is not on heating days (`skipped_previous`)."""
    period = period_of(f)
    none = f.period == "season" or skipped_previous(f) is not None
    return period, None if none else period.previous(), period.last_season()


def card_calls(kpi_ids: Sequence[str], f: Filters) -> list[tuple]:
    """The `metrics.summary` reads behind the cards, for ui.prefetch: one
    read per period of `card_periods` and model (summary scans each model
    once), so that prefetch can run the scans side by side."""
    filters = metric_filters(f)
    return [(summary, p, filters, scope(), ids)
            for p in card_periods(f) if p is not None
            for ids in _by_model(kpi_ids)]


def coming_call(f: Filters) -> tuple | None:
    """For a period between two seasons, which reads the fees of the one that
    ended (`Period.fee_season`): the `metrics.summary` read of the coming
    season's collection up to the same cut-off (most households pay before
    the heating starts; `metrics.fee_views.coming_period`). None for a period
    that reads its own season."""
    ahead = coming_period(period_of(f))
    if ahead is None:
        return None
    return (summary, ahead, metric_filters(f), scope(), COMING)


def card_data(kpi_ids: Sequence[str], f: Filters,
              fetched: Sequence[dict] | None = None) -> dict[str, CardData]:
    """The KPIs for `f` beside their comparison periods (cached);
    `fetched`: the results of `card_calls` already read (ui.prefetch)."""
    calls = card_calls(kpi_ids, f)
    if fetched is None:
        reads = prefetch(calls)
        fetched = [reads.get(call) for call in calls]
    periods = [p for p in card_periods(f) if p is not None]
    per_period = len(calls) // len(periods)
    read: list[dict] = [{} for _ in periods]
    for i, part in enumerate(fetched):
        read[i // per_period].update(part)
    now, last = read[0], read[-1]
    prev = read[1] if len(read) == 3 else None
    # A comparison period with no data of the KPI's kind loaded is no
    # comparison: its 0 tickets or 0 arrears would show the whole value as
    # the change. It reads "—" (metrics.sources, as the weekly report).
    items = db.query(freshness)
    now_period, prev_period, last_period = card_periods(f)
    none = Result(None, None, None)
    skipped = skipped_previous(f)
    out = {}
    # So is the period's own figure where nothing of its kind was uploaded
    # for it (0 tickets, a 0.0 % coverage, "较上季同期 -973"): —, as the
    # header's notice says why.
    present = {p: db.query(kinds_in, p.start, p.end)
               for p in (now_period, prev_period, last_period) if p is not None}
    for i in kpi_ids:
        kpi = get(i)
        value = none if unloaded(kpi, items, now_period, present[now_period]) else now[i]
        p = None if prev is None else prev[i] \
            if comparable(kpi, items, prev_period, present.get(prev_period)) else none
        # 漏件 holding last season's, beside last season's that had none
        # loaded before it to hold: no comparison either.
        of_which = now[kpi.of_which] if kpi.of_which else None
        short = carried_short(kpi, items, last_period, now_period) and of_which is not None \
            and not _missing(of_which.value) and of_which.value > 0
        ls = last[i] if comparable(kpi, items, last_period, present[last_period]) \
            and not short else none
        out[i] = CardData(kpi, value, p, ls, skipped, week=f.period == "week",
                          days=now_period.days, of_which=of_which, carried_short=short)
    return out


def change_text(kpi: Kpi, delta, lang: str, beside=None, before=None) -> str | None:
    """A signed change in the KPI's unit: '+1.2 个百分点', '-3', '+¥1,200.00';
    an amount in the unit of the card's figure `beside` ('+¥0.25 M' beside
    ¥7.56 M), and, given the figure it is against (`before`), the
    difference of the two as shown in that unit (¥7.80 M against ¥7.56 M:
    +¥0.24 M, not the +¥0.25 M of +¥248,326.55). A leading '-' is what
    st.metric reads as "down"."""
    if _missing(delta):
        return None
    if kpi.unit == "yuan" and not _missing(beside) and not _missing(before):
        delta = compact_change(beside, before, lang)
        beside = max(abs(beside), abs(before))
    size = abs(delta)
    if kpi.unit == "percent":
        number, text = f"{size * 100:.1f}", None
        text = t("ui.kpi.points", lang, value="{sign}" + number)
    elif kpi.unit == "count":
        number = text = f"{size:,.0f}"
    elif kpi.unit == "yuan":
        number, text = f"{size:,.2f}", compact_yuan(
            size, lang, like=None if _missing(beside) else beside)
    elif kpi.unit == "hours":
        number = f"{size:.1f}"
        text = t("metrics.unit.hours_value", lang, value=number)
    else:
        number = text = f"{size:,.2f}"
    # What rounds to zero is shown without a sign ("0.0", not "-0.0").
    sign = fmt.sign(number, delta)
    return text.replace("{sign}", sign) if "{sign}" in text else sign + text


def parts_text(d: CardData, lang: str) -> str:
    """'分子 1,351 / 分母 1,427' (a share), '1,175 件投诉 / 171.64 万㎡' (parts
    with units), so a figure can be checked by hand."""
    r = d.now
    if not r.applicable:
        return t("ui.kpi.not_applicable", lang)
    if d.kpi.unit == "yuan" and not _missing(r.value):
        # The card shows the amount in 万 / M; here it is to the fen (an
        # amount under ¥10,000 the card already shows so).
        exact = format_value(d.kpi, r.value, lang)
        return "" if exact == card_value(d.kpi, r.value, lang) else \
            t("ui.kpi.exact", lang, value=exact)
    if _missing(r.value) and not r.denominator:
        # "—" over "¥0.00 / ¥0.00" (a season without bills) or "0 / 0": no
        # parts to check a figure that is not there by.
        return ""
    if d.kpi.has_denominator and r.denominator is not None:
        if d.kpi.kind == "quantile":
            return t("ui.kpi.of_rows", lang, n=format_part(r.denominator))
        numerator, denominator = format_parts(d.kpi, r.numerator, r.denominator, lang)
        return parts_with_units(d.kpi, r.numerator, r.denominator, lang) or t(
            "ui.kpi.parts", lang, numerator=numerator, denominator=denominator)
    return ""


def status_text(d: CardData, lang: str) -> str:
    """':green[● 达标 · 目标 ≥ 95.0%]' or the neutral 'no target' line."""
    kpi, s = d.kpi, d.status
    if kpi.target is None:
        return f":gray[{t('ui.kpi.no_target', lang)}]"
    sign = "≥" if kpi.direction == "higher" else "≤"
    target = format_value(kpi, kpi.target, lang)
    word = t(f"ui.kpi.status_{s or 'unknown'}", lang)
    return f":{_STATUS_COLOR[s]}[● {word} · {t('ui.kpi.target', lang)} {sign} {target}]"


def delta_help(d: CardData, lang: str) -> str:
    """What the arrow compares with: the previous period of the same length,
    or the same days of last season (a season; a range whose previous
    period is not on heating days, named)."""
    if d.skipped is not None:
        return t("ui.kpi.delta_help_range", lang,
                 previous=fmt.period(d.skipped.start, d.skipped.end, lang))
    return t("ui.kpi.delta_help_season" if d.previous is None else "ui.kpi.delta_help", lang)


def _chip_change(d: CardData, lang: str) -> str | None:
    """The change the chip shows: against the previous period, or against the
    same days of last season when there is none (a season)."""
    against = d.last_season if d.previous is None else d.previous
    return change_text(d.kpi, d.change_last_season if d.previous is None
                       else d.change_previous, lang, beside=d.now.value, before=against.value)


def chip_text(d: CardData, lang: str) -> str | None:
    """The change on the card's chip with what it is against: '较上周 -0.9 个百分点',
    'vs last week -0.9 pp', '较前 31 天 +2', '较上季同期 +0.7 个百分点' (a season,
    or a range whose previous period is not compared with); None without one."""
    change = _chip_change(d, lang)
    if change is None:
        return None
    if d.previous is None:
        return t("ui.kpi.vs_last_season", lang, change=change)
    if d.week:
        return t("ui.kpi.vs_last_week", lang, change=change)
    return t("ui.kpi.vs_previous", lang, change=change, days=d.days)


def chip_style(d: CardData, lang: str = "zh") -> tuple[str, str]:
    """(delta_color, delta_arrow) of the chip: the arrow follows the change's
    sign, green when it is the good way for the KPI, red the bad way, grey for
    a neutral KPI; no arrow and grey for what rounds to no change. Set here,
    not by st.metric, which reads only a leading '-' and the chip starts with
    what it compares against."""
    change = _chip_change(d, lang)
    if change is None or change[:1] not in "+-":
        return "gray", "off"
    down = change.startswith("-")
    good = {"higher": not down, "lower": down}.get(d.kpi.direction)
    return ("gray" if good is None else "green" if good else "red"), ("down" if down else "up")


def card(d: CardData, lang: str, container=None) -> None:
    """One bordered st.metric: value, change vs the previous period on the
    chip, saying against what (for a season: vs the same point of last
    season), and a caption with the parts, last season and the status."""
    box = container if container is not None else st
    kpi = d.kpi
    label, description = kpi.text(lang)
    with box.container(border=True):
        color, arrow = chip_style(d, lang)
        st.metric(label, card_value(kpi, d.now.value, lang), delta=chip_text(d, lang),
                  delta_color=color, delta_arrow=arrow,
                  help=description + "\n\n" + delta_help(d, lang))
        st.caption("  \n".join(caption_lines(d, lang)))


def compared_value(kpi: Kpi, value, lang: str) -> str:
    """A comparison period's figure as the cards write it: a rate or a
    duration with one decimal, as every change beside it. Only the period's
    own figure, shown beside its target status, gets the decimals that tell
    it from the target (94.97%, metrics.display)."""
    if kpi.unit in ("percent", "hours"):
        return format_value(kpi, value, lang, digits=1)
    return card_value(kpi, value, lang)


def of_which_text(d: CardData, lang: str) -> str | None:
    """'其中往季遗留 87 件' / '87 from earlier seasons': how many of the card's
    count the registry's `of_which` KPI counts; nothing when none."""
    part = d.of_which
    if part is None or _missing(part.value) or not part.value:
        return None
    return t(f"ui.kpi.of_which.{d.kpi.of_which}", lang, n=f"{int(part.value):,}")


def caption_lines(d: CardData, lang: str) -> list[str]:
    """The lines under a card's value: its parts (and what of its count the
    registry's `of_which` KPI counts), the same days of last season (with
    the change against them, unless the arrow is that change)
    and its status."""
    lines = [parts_text(d, lang), of_which_text(d, lang)]
    last = compared_value(d.kpi, d.last_season.value, lang)
    moved = None if d.previous is None else change_text(
        d.kpi, d.change_last_season, lang, beside=d.now.value, before=d.last_season.value)
    if d.carried_short:
        lines.append(t("ui.kpi.last_season_short", lang))
    else:
        lines.append(t("ui.kpi.last_season", lang, value=last)
                     + (f"({moved})" if lang == "zh" and moved else
                        f" ({moved})" if moved else ""))
    lines.append(status_text(d, lang))
    return [x for x in lines if x]


def card_row(kpi_ids: Sequence[str], f: Filters, lang: str,
             per_row: int | None = None, fetched: Sequence[dict] | None = None
             ) -> dict[str, CardData]:
    """Cards for `kpi_ids` side by side (`per_row` per line, default all in one);
    returns what was shown, so a page can reuse the numbers."""
    data = card_data(kpi_ids, f, fetched)
    ids = list(kpi_ids)
    per_row = per_row or len(ids)
    for first in range(0, len(ids), per_row):
        chunk = ids[first:first + per_row]
        for col, kpi_id in zip(st.columns(per_row), chunk):
            card(data[kpi_id], lang, col)
    return data
