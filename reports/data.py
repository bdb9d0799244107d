"""Everything the weekly report shows, gathered from the KPI layer in one pass.

No language and no layout here: `gather` returns ids and numbers, already
limited to the viewer's branch scope and masked for the viewer, so nothing
written from it afterwards can show more than the viewer may see.
"""
from __future__ import annotations

import datetime as dt
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import duckdb
import pandas as pd

from auth.masking import mask_frame
from metrics import (Period, action_list, compare_levels, get, headline, query,
                     query_levels_many, summary)
from metrics.fee_views import ComingCollection, coming_collection
from metrics.kpi_query import gate_open
from metrics.sources import (OFF_SEASON_KINDS, carried_short, comparable, rests_on, source_kind,
                             unloaded_kinds)
from pipelines.batches import list_batches
from pipelines.coverage import (Freshness, filter_options, freshness, is_week, iso_week,
                                kinds_in, season_weeks, week_bounds)
from pipelines.settings import company_now
from pipelines.warehouse import data_version

from .errors import ReportError
from .spec import ACTION_LISTS, AREAS, BILL_LISTS, LEVELS, OVERLAPS, Area

WORKERS = 4


@dataclass
class AreaData:
    """One subject sheet's numbers.

    table: a row per level (0 the whole scope, 1 a branch, 2 a station), in
    reading order (each branch followed by its stations), with `compare`'s
    columns for the main KPI and one column per extra KPI (its value).
    trend: a row per week of the season up to the report's week, with the
    main KPI's value then and on the same days of last season (None when
    gathered without trends: `with_trends` adds them)."""
    area: Area
    table: pd.DataFrame
    trend: pd.DataFrame | None


# A batch's company-wide row counts, not in a branch user's report.
BRANCH_HIDDEN = ("rows_read", "rows_inserted", "rows_rejected", "rows_updated",
                 "rows_unchanged")


@dataclass
class WeeklyData:
    week: str                      # ISO week, "2025-W48"
    period: Period
    branch: str | None             # the branch reported on; None: every branch in scope
    scope: list[str] | None        # the branches read (None: all)
    can_see_personal: bool
    row_lists: bool                # False: the lists' counts only, not their rows
    headline: pd.DataFrame         # metrics.headline: one row per summary KPI
    areas: list[AreaData]
    lists: dict[str, pd.DataFrame]  # masked, at most the spec's rows each (none without
                                    # row_lists)
    list_totals: dict[str, int | None]  # rows of each list before the limit; None: a
                                        # list of bills before the season has any
    freshness: list[Freshness]
    batches: pd.DataFrame           # the loaded batches the warehouse holds
    data_version: int
    generated_at: dt.datetime
    kpi_values: dict = field(default_factory=dict)  # kpi id -> this week's value
    # Per comparison (previous | last_season): the kinds of data (temperature,
    # tickets, fees) with nothing loaded in it; the KPIs counting them have no
    # comparison there (None, shown as no data to compare, never as 0).
    no_data: dict[str, set[str]] = field(default_factory=dict)
    # The kinds with nothing uploaded for the week itself: the KPIs counting
    # the week's own rows of them have no figure (without_figures).
    unloaded: frozenset[str] = frozenset()
    # Per list: (the other list, how many of its items were left out because
    # that one names them; spec.OVERLAPS), so each item is listed and counted once.
    left_out: dict[str, tuple[str, int]] = field(default_factory=dict)
    # Of the week's 漏件, how many were received before its season began (the
    # card's 其中往季遗留; None when not read)
    carried_over: int | None = None
    # last season's 漏件 not compared: nothing earlier was loaded to carry over
    carried_short: bool = False
    # A week between two seasons: the coming season's collection so far
    # (metrics.fee_views.coming_collection), None when nothing of it is
    # billed and paid yet or the week reads its own season.
    coming: ComingCollection | None = None

    @property
    def season(self) -> str:
        return self.period.fee_season


def parse_week(text: str) -> tuple[dt.date, dt.date]:
    """Monday and Sunday of an ISO week written "2025-W48"."""
    name = (text or "").strip().upper()
    if not is_week(name):
        written = re.fullmatch(r"(\d{4})-W(\d{2})", name)
        if written and 1 <= int(written.group(1)) <= 9999:
            # Well written, but the year has no such week (2025 has 52).
            year = int(written.group(1))
            raise ReportError("no_such_week", week=name, year=year,
                              weeks=dt.date(year, 12, 28).isocalendar().week)
        raise ReportError("bad_week", week=text)
    return week_bounds(name)


def last_complete_week(today: dt.date) -> str:
    """The ISO week before the one holding `today`: Monday's meeting reviews it."""
    return iso_week(today - dt.timedelta(days=7))


def resolve_scope(con: duckdb.DuckDBPyConnection, branch: str | None,
                  scope_branch: str | None) -> list[str] | None:
    """The branches to read: the one asked for, within what the viewer may see.
    `scope_branch` is the viewer's own branch (None: every branch)."""
    if branch:
        known = filter_options(con).branches
        if branch not in known:
            raise ReportError("unknown_branch", branch=branch, known=known)
        if scope_branch is not None and branch != scope_branch:
            raise ReportError("branch_not_allowed", branch=branch)
        return [branch]
    return None if scope_branch is None else [scope_branch]


def gather(con: duckdb.DuckDBPyConnection, week: str, branch: str | None = None,
           can_see_personal: bool = False, scope_branch: str | None = None,
           row_lists: bool = True, now: dt.datetime | None = None,
           trends: bool = True) -> WeeklyData:
    """The report's numbers for `week` (and `branch`), as the viewer may see them:
    `scope_branch` is the viewer's own branch (None: all), `row_lists` whether
    the viewer may see lists of households and tickets or only their counts.
    `trends=False` leaves out the week-by-week trends, which only the
    workbook's charts draw (the report page reads them when the workbook is
    asked for: `with_trends`)."""
    monday, sunday = parse_week(week)
    week = iso_week(monday)
    now = now or company_now()
    if monday > now.date():
        # Its figures would be last week's leftovers (漏件 carried to its
        # Monday) under this week's name.
        raise ReportError("week_not_started", week=week, first=monday.isoformat())
    scope = resolve_scope(con, branch, scope_branch)
    period = Period(monday, sunday)
    if period.has_heating_day:
        # The fee season named, as the pages' cards name it (ui.kpi.period_of):
        # last week reads this season's fees too, also when it lies before the
        # season's first day (the season's first week), so 较上周 is the
        # week's progress, not a change against the last season's bills.
        period = Period(monday, sunday, period.fee_season)
    # A week not over yet is figured as of the report's time (its deadlines, 漏件).
    period = period.so_far(now)
    # The KPI layer runs each call on a cursor of its own, so independent
    # parts run side by side (DuckDB releases the GIL while it works).
    with ThreadPoolExecutor(WORKERS) as pool:
        head = pool.submit(headline, con, period, scope=scope)
        older = pool.submit(query, con, "ticket_unanswered_carried_over", period, scope=scope)
        coming = pool.submit(coming_collection, con, period, scope=scope)
        tables = [pool.submit(_area_table, con, a, period, scope) for a in AREAS]
        trends = [pool.submit(_trend, con, a, week, scope, now) if trends else None
                  for a in AREAS]
        # A viewer without row lists gets the counts only (one row read);
        # lists that overlap are read whole, to count each item once.
        whole = {n for first, second, _ in OVERLAPS for n in (first, second)}
        raw = {name: pool.submit(action_list, con, name, period, scope=scope,
                                 limit=limit if row_lists or name in whole else 1)
               for name, limit in ACTION_LISTS}
        head = head.result()
        older = older.result().iloc[0]["value"]
        coming = coming.result()
        areas = [AreaData(a, t.result(), tr.result() if tr else None)
                 for a, t, tr in zip(AREAS, tables, trends)]
        raw = {name: f.result() for name, f in raw.items()}
    raw, left_out = without_overlaps(raw)
    due = head.set_index("kpi").loc["fee_collection_rate_amount", "denominator"]
    billed = bool(pd.notna(due) and due > 0)
    lists, totals = {}, {}
    for name, limit in ACTION_LISTS:
        df = raw[name]
        totals[name] = df.attrs["total_rows"] if billed or name not in BILL_LISTS else None
        if not row_lists:
            df = df.head(0)
        lists[name] = mask_frame(df.reset_index(drop=True), can_see_personal)
    batches = list_batches(con)
    # Their file names may carry a phone or an ID number (auth.masking).
    batches = mask_frame(batches[batches["status"] == "loaded"].reset_index(drop=True),
                         can_see_personal)
    fresh = freshness(con)
    # Per comparison period, the KPIs it is no comparison for (no data of
    # their kind there: metrics.sources.comparable, as the cards decide).
    # The report's KPIs: the headline's (each area's main KPI among them).
    shown = set(head["kpi"]) | {a.area.main for a in areas}
    against = {"previous": period.previous(), "last_season": period.last_season()}
    lacking, short = {}, {}
    for name, p in against.items():
        present = kinds_in(con, p.start, p.end)
        # 漏件 holding earlier seasons' beside last season's that had none
        # loaded before it to hold (a count of the current figure's kind)
        short[name] = {k for k in shown if carried_short(get(k), fresh, p, period)
                       and not pd.isna(older) and older > 0}
        lacking[name] = {k for k in shown if not comparable(get(k), fresh, p, present)} \
            | short[name]
    # A comparison period whose fee season has no bills (the season before
    # the first one loaded: an autumn week's 上季同期) has no fee figure:
    # the note under the table names fee records among what it lacks.
    fee_rate = head.set_index("kpi").loc["fee_collection_rate_amount"]
    for name in lacking:
        if pd.isna(fee_rate[f"{name}_value"]):
            lacking[name] |= {k for k in shown if source_kind(get(k)) == "fees"}
    # What the note under the table names: not the readings of a period
    # without a heating day, which has none by nature (unloaded_kinds).
    # (nor the kind of a KPI lacking only what earlier seasons carry over)
    no_data = {name: {source_kind(get(k)) for k in ids - short[name]} - {None} - (
                   set() if against[name].has_heating_day else set(OFF_SEASON_KINDS))
               for name, ids in lacking.items()}
    unloaded = frozenset(unloaded_kinds(fresh, period, kinds_in(con, period.start, period.end)))
    head = without_parts(without_comparison(without_figures(head, unloaded), lacking))
    areas = [replace(a, table=without_parts(without_comparison(
        without_figures(a.table, unloaded, a.area), lacking, a.area.main)))
             for a in areas]
    if scope_branch is not None:
        # A branch user sees no company-wide row count (as the pages'
        # header: ui.header.draw): how fresh the data is, not how big the
        # other branches are. The counts read "—".
        fresh = [replace(f, rows=None) for f in fresh]
        batches = batches.assign(**{c: None for c in BRANCH_HIDDEN if c in batches.columns})
    return WeeklyData(
        week=week, period=period, unloaded=unloaded, branch=branch or None, scope=scope,
        can_see_personal=can_see_personal, row_lists=row_lists, headline=head, areas=areas,
        lists=lists, list_totals=totals, freshness=fresh, batches=batches,
        data_version=data_version(con), generated_at=now,
        kpi_values=dict(zip(head["kpi"], head["value"])), no_data=no_data,
        left_out=left_out, carried_over=None if pd.isna(older) else int(older), coming=coming,
        carried_short=bool(short["last_season"]))


def without_overlaps(raw: dict[str, pd.DataFrame]
                     ) -> tuple[dict[str, pd.DataFrame], dict[str, tuple[str, int]]]:
    """The lists with each item of spec.OVERLAPS once: the first list leaves
    out the items the second (more specific) one names. Both are read whole."""
    raw, left_out = dict(raw), {}
    for first, second, keys in OVERLAPS:
        if first not in raw or second not in raw:
            continue
        named = set(raw[second][list(keys)].itertuples(index=False, name=None))
        df = raw[first]
        dup = pd.Series([k in named for k in df[list(keys)].itertuples(index=False, name=None)],
                        index=df.index, dtype=bool)
        kept = df[~dup].reset_index(drop=True)
        kept.attrs.update(df.attrs, total_rows=df.attrs["total_rows"] - int(dup.sum()))
        raw[first] = kept
        if dup.any():
            left_out[first] = (second, int(dup.sum()))
    return raw, left_out


def without_figures(df: pd.DataFrame, kinds: frozenset[str], area: Area | None = None
                    ) -> pd.DataFrame:
    """`df` (the headline, a row per KPI, or the table of `area`) without the
    week's own figures of the KPIs that count rows of `kinds` (not uploaded
    for the week) and do not stand at the cut-off (metrics.sources.unloaded):
    no "本周 0, 较上季同期 -334" for tickets never uploaded. Their changes
    go with them."""
    if not kinds:
        return df
    df = df.copy()

    def gone(kpi_id: str) -> bool:
        return rests_on(get(kpi_id), kinds)

    if area is None:
        rows = df["kpi"].map(gone)
        for col in ("value", "numerator", "denominator", "meets_target", "change_previous",
                    "change_last_season"):
            df[col] = df[col].astype("object")
            df.loc[rows, col] = None
        return df
    columns = [k for k in area.extra if gone(k)]
    if gone(area.main):
        columns += ["value", "numerator", "denominator", "change_previous", "change_last_season"]
    for col in columns:
        df[col] = df[col].astype("object")
        df[col] = None
    return df


def without_parts(df: pd.DataFrame) -> pd.DataFrame:
    """`df` without the numerator and denominator of a figure that is none
    for want of a denominator: "—" over "¥0.00 / ¥0.00" (a season without
    bills) or "0 / 0" (a week without a heating day) says nothing the "—"
    does not, and reads as a sum found to be zero (the cards leave them out)."""
    if "denominator" not in df.columns:
        return df
    empty = df["value"].isna() & (df["denominator"].isna() | (df["denominator"] == 0))
    if not empty.any():
        return df
    df = df.copy()
    for col in ("numerator", "denominator"):
        df[col] = df[col].astype("object")
        df.loc[empty, col] = None
    return df


def without_comparison(df: pd.DataFrame, lacking: dict[str, set[str]],
                       kpi_id: str | None = None) -> pd.DataFrame:
    """`df` (the headline, a row per KPI, or an area table of `kpi_id`) with
    the comparisons blanked that are none (`lacking`: per comparison, the
    KPIs without data of their kind there): a week of a season before the
    first one loaded reads 0 tickets and 0 arrears, which are no comparison
    (a change against them would be the whole value)."""
    df = df.copy()
    for which, ids in lacking.items():
        if not ids:
            continue
        if kpi_id is None:
            rows = df["kpi"].isin(ids)
        elif kpi_id in ids:
            rows = pd.Series(True, index=df.index)
        else:
            continue
        columns = [c for c in df.columns if c.startswith(f"{which}_")] + [f"change_{which}"]
        for col in columns:
            if col in df.columns:
                df[col] = df[col].astype("object")
                df.loc[rows, col] = None
    return df


def with_trends(con: duckdb.DuckDBPyConnection, data: WeeklyData) -> WeeklyData:
    """`data` with its week-by-week trends, read for the same week and scope."""
    if all(a.trend is not None for a in data.areas):
        return data
    with ThreadPoolExecutor(WORKERS) as pool:
        trends = [pool.submit(_trend, con, a.area, data.week, data.scope, data.generated_at)
                  for a in data.areas]
        areas = [replace(a, trend=t.result()) for a, t in zip(data.areas, trends)]
    return replace(data, areas=areas)


def _area_table(con, area: Area, period: Period, scope) -> pd.DataFrame:
    frames = []
    # Each KPI's whole, branch and station levels come from one GROUPING SETS
    # scan, and the area's KPIs of one model share it for the week; only the
    # main KPI is read again, for the comparison periods.
    extras = query_levels_many(con, [area.main, *area.extra], period, LEVELS, scope=scope)
    mains = compare_levels(con, area.main, period, LEVELS, scope=scope,
                           current=extras[area.main])
    main = get(area.main)
    for level, by in enumerate(LEVELS):
        by = list(by)
        df = mains[level]
        for kpi in area.extra:
            part = extras[kpi][level][[*by, "value"]]
            part = part.rename(columns={"value": kpi})
            if by:
                df = df.merge(part, on=by, how="outer")
            else:
                df[kpi] = part[kpi].iloc[0] if len(part) else None
        if by:
            # A group the other KPIs bring in (a station with only old
            # unanswered tickets in a summer week) has no row of a KPI that
            # found nothing there: filled once every KPI is merged in, as
            # the whole scope's row reads (metrics.value_of). A count or a
            # sum over nothing is 0 (no ticket received: 0, not unknown; a
            # station without a non-compliant day has 0.00 to refund), and
            # so are a rate's numerator and denominator (0 of 0 tickets
            # closed); a figure with a denominator stays without a value
            # (—), and so does a KPI where the KPI it `needs` has no
            # denominator (no valid reading: no refund figure), as on the pages.
            for kpi in area.extra:
                if not _zero_over_nothing(get(kpi)):
                    continue
                filled = df[kpi].astype("float64").fillna(0.0)
                gate = get(kpi).needs
                if gate:
                    frame = (mains if gate == area.main else extras[gate])[level]
                    filled = filled.where(gate_open(df, frame, by))
                df[kpi] = filled
            if main.kind in ("rate", "ratio"):
                for col in ("numerator", "denominator"):
                    df[col] = df[col].astype("float64").fillna(0.0)
        for col in ("branch", "station"):
            if col not in df.columns:
                df[col] = None
        df["level"] = level
        frames.append(df)
    table = pd.concat([f for f in frames if len(f)], ignore_index=True)
    keys = [_reading_order(r.level, r.branch, r.station) for r in table.itertuples()]
    order = sorted(range(len(table)), key=keys.__getitem__)
    return table.iloc[order].reset_index(drop=True)


def _zero_over_nothing(kpi) -> bool:
    """Whether the KPI reads 0 where there are no rows to count or sum (a
    count, or a sum not null over no rows: kpis.toml `counts_population`)."""
    return not kpi.has_denominator and not kpi.counts_population


def _reading_order(level: int, branch, station) -> tuple:
    """The total first, then each branch followed by its stations; stations the
    roster places in no branch (tickets naming an unknown station) last."""
    if level == 0:
        return (0,)
    no_branch = _missing(branch)
    return (1, no_branch, "" if no_branch else str(branch), level,
            "" if _missing(station) else str(station))


def _missing(x) -> bool:
    return x is None or bool(pd.isna(x))


def _trend(con, area: Area, week: str, scope, at: dt.datetime | None) -> pd.DataFrame:
    """The main KPI week by week: the same `summary` the headline uses, so the
    last point equals the report's own figure (a week not over at `at` as of
    then)."""
    rows = []
    for w in trend_weeks(week):
        p = Period(*week_bounds(w)).so_far(at)
        now = summary(con, p, scope=scope, kpi_ids=[area.main])[area.main]
        last = summary(con, p.last_season(), scope=scope, kpi_ids=[area.main])[area.main]
        rows.append({"week": w, "value": now.value, "last_season_value": last.value})
    return pd.DataFrame(rows, columns=["week", "value", "last_season_value"])


def trend_weeks(week: str) -> list[str]:
    """The season's weeks up to `week` (just `week` outside the season)."""
    monday, sunday = week_bounds(week)
    weeks = season_weeks(Period(monday, sunday).fee_season)
    if week not in weeks:
        return [week]
    return weeks[: weeks.index(week) + 1]
