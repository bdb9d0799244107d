"""What the warehouse holds: seasons and ISO weeks, data freshness, weekly
coverage and the option lists of the global filters.

The SQL here is generated from the dataset registry (table and time-column
names only); every value is a bound parameter. Time columns come from
`stage.EVENT_TIME`, so a dataset that gains an event time shows up here too.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import duckdb

from .fields import DATASETS, KINDS
from .settings import load_settings
from .stage import EVENT_TIME

if TYPE_CHECKING:  # pandas loads on first use: loading a file never needs it
    import pandas as pd

_SEASON = re.compile(r"^(\d{4})-(\d{4})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


# --- seasons and weeks ----------------------------------------------------------

def _season_end() -> tuple[int, int]:
    s = load_settings()["season"]
    return s["end_month"], s["end_day"]


def season_of(day: dt.date) -> str:
    """The season a day belongs to. Days between seasons belong to the coming
    one: payments and repairs before the heating starts are for it."""
    month, mday = _season_end()
    year = day.year if (day.month, day.day) > (month, mday) else day.year - 1
    return f"{year}-{year + 1}"


def is_season(name: str) -> bool:
    m = _SEASON.match(name or "")
    return bool(m) and int(m.group(2)) == int(m.group(1)) + 1


def season_bounds(name: str) -> tuple[dt.date, dt.date]:
    """First and last heating day of a season ("2025-2026": 15 Nov - 15 Mar)."""
    if not is_season(name):
        raise ValueError(f"not a season: {name!r}")
    start_year = int(name[:4])
    s = load_settings()["season"]
    return (dt.date(start_year, s["start_month"], s["start_day"]),
            dt.date(start_year + 1, s["end_month"], s["end_day"]))


def iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def is_week(name: str) -> bool:
    m = _WEEK.match(name or "")
    if not m:
        return False
    try:
        dt.date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
    except ValueError:
        return False
    return True


def week_bounds(name: str) -> tuple[dt.date, dt.date]:
    """Monday and Sunday of an ISO week ("2025-W47")."""
    if not is_week(name):
        raise ValueError(f"not an ISO week: {name!r}")
    monday = dt.date.fromisocalendar(int(name[:4]), int(name[6:8]), 1)
    return monday, monday + dt.timedelta(days=6)


def season_weeks(name: str) -> list[str]:
    """The ISO weeks that overlap a season, in order."""
    first, last = season_bounds(name)
    monday = first - dt.timedelta(days=first.weekday())
    weeks = []
    while monday <= last:
        weeks.append(iso_week(monday))
        monday += dt.timedelta(days=7)
    return weeks


# --- what is loaded -------------------------------------------------------------

def _event_tables() -> list[tuple[str, str, str]]:
    """(kind, table, time column) for every dataset with an event time."""
    return [(DATASETS[t].kind, t, col) for t, col in EVENT_TIME.items()]


@dataclass
class Freshness:
    kind: str
    rows: int                          # rows of the kind's tables
    first_at: dt.datetime | None       # oldest event time (None: no event time)
    last_at: dt.datetime | None        # newest event time
    last_loaded_at: dt.datetime | None  # last load of a batch still in place
    batches: int                       # loaded batches (undone ones not counted)


def freshness(con: duckdb.DuckDBPyConnection) -> list[Freshness]:
    """Per kind, in KINDS order: rows, the event-time span, and the last load."""
    cur = con.cursor()
    try:
        times: dict[str, list[dt.datetime]] = {}
        for kind, table, col in _event_tables():
            lo, hi = cur.execute(f"SELECT min({col}), max({col}) FROM {table}").fetchone()
            times.setdefault(kind, []).extend(x for x in (lo, hi) if x is not None)
        loads = {k: (at, n) for k, at, n in cur.execute(
            "SELECT kind, max(loaded_at), count(*) FROM batches WHERE status = 'loaded'"
            " GROUP BY kind").fetchall()}
        out = []
        for kind, tables in KINDS.items():
            rows = sum(cur.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables)
            span = times.get(kind)
            first, last = (min(span), max(span)) if span else (None, None)
            at, n = loads.get(kind, (None, 0))
            out.append(Freshness(kind, rows, first, last, at, n))
        return out
    finally:
        cur.close()


def kinds_in(con: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date) -> frozenset[str]:
    """The kinds with at least one row whose event time is on the days
    `start` to `end` (whole days: what was loaded for them)."""
    params = {"start_at": dt.datetime.combine(start, dt.time()),
              "end_at": dt.datetime.combine(end + dt.timedelta(days=1), dt.time())}
    cur = con.cursor()
    try:
        return frozenset(
            kind for kind, table, col in _event_tables()
            if cur.execute(f"SELECT EXISTS (SELECT 1 FROM {table} "
                           f"WHERE {col} >= $start_at AND {col} < $end_at)", params).fetchone()[0])
    finally:
        cur.close()


def weekly_rows(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Rows per ISO week per kind, weeks without rows included as 0.

    Columns: kind, week (e.g. "2025-W47"), week_start (Monday), rows,
    in_season (the week overlaps a heating season: a 0 there is a gap)."""
    parts = " UNION ALL ".join(
        f"SELECT '{kind}' AS kind, CAST({col} AS DATE) AS day FROM {table} "
        f"WHERE {col} IS NOT NULL" for kind, table, col in _event_tables())
    cur = con.cursor()
    try:
        df = cur.execute(f"""
            WITH events AS ({parts}),
            weekly AS (
                SELECT kind, CAST(date_trunc('week', day) AS DATE) AS week_start,
                       count(*) AS rows
                FROM events GROUP BY ALL),
            spans AS (SELECT kind, min(week_start) AS lo, max(week_start) AS hi
                      FROM weekly GROUP BY kind),
            grid AS (SELECT kind, CAST(unnest(generate_series(lo, hi, INTERVAL 7 DAY)) AS DATE)
                            AS week_start FROM spans)
            SELECT g.kind, g.week_start, coalesce(w.rows, 0) AS rows
            FROM grid g LEFT JOIN weekly w USING (kind, week_start)
            ORDER BY g.kind, g.week_start""").df()
    finally:
        cur.close()
    import pandas as pd
    df["week_start"] = pd.to_datetime(df["week_start"]).dt.date
    df["rows"] = df["rows"].astype("int64")
    df["week"] = [iso_week(d) for d in df["week_start"]]
    df["in_season"] = [_overlaps_season(d) for d in df["week_start"]]
    return df[["kind", "week", "week_start", "rows", "in_season"]]


def _overlaps_season(monday: dt.date) -> bool:
    sunday = monday + dt.timedelta(days=6)
    for name in {season_of(monday), season_of(sunday)}:
        first, last = season_bounds(name)
        if monday <= last and sunday >= first:
            return True
    return False


def missing_weeks(weekly: pd.DataFrame, kind: str) -> list[str]:
    """In-season weeks inside the loaded span of `kind` that hold no rows."""
    part = weekly[(weekly["kind"] == kind) & weekly["in_season"] & (weekly["rows"] == 0)]
    return part["week"].tolist()


# --- filter options -------------------------------------------------------------

@dataclass
class FilterOptions:
    seasons: list[str]                  # with data on heating days (or fee records), newest first
    stations: dict[str, list[str]]      # branch -> its stations, sorted

    @property
    def branches(self) -> list[str]:
        return list(self.stations)

    def stations_of(self, branches: list[str] | tuple[str, ...] = ()) -> list[str]:
        """Stations of the chosen branches (all stations when none is chosen)."""
        chosen = branches or self.branches
        return sorted({s for b in chosen for s in self.stations.get(b, [])})


def filter_options(con: duckdb.DuckDBPyConnection) -> FilterOptions:
    """Seasons with data; branches and stations from the roster.

    A season has data when a reading, ticket or payment falls on one of its
    heating days, or a fee record names it. A day between two seasons names
    none: season_of gives it to the coming season, but one stray reading of
    20 March does not make the coming season (still without a heating day
    of data) one with data, to open on by default."""
    s = load_settings()["season"]
    events = " UNION ALL ".join(
        f"SELECT CAST({col} AS DATE) AS day FROM {table} WHERE {col} IS NOT NULL"
        for _, table, col in _event_tables())
    cur = con.cursor()
    try:
        rows = cur.execute(f"""
            WITH days AS (SELECT DISTINCT day, month(day) * 100 + day(day) AS md
                          FROM ({events})),
            years AS (
                SELECT DISTINCT CASE WHEN md >= $start THEN year(day) ELSE year(day) - 1 END AS y
                FROM days WHERE md >= $start OR md <= $end)
            SELECT CAST(y AS VARCHAR) || '-' || CAST(y + 1 AS VARCHAR) FROM years
            UNION SELECT season FROM fee_bills WHERE season IS NOT NULL
            UNION SELECT season FROM fee_payments WHERE season IS NOT NULL""",
                           {"start": s["start_month"] * 100 + s["start_day"],
                            "end": s["end_month"] * 100 + s["end_day"]}).fetchall()
        pairs = cur.execute(
            "SELECT DISTINCT branch, station FROM households"
            " WHERE branch IS NOT NULL AND station IS NOT NULL ORDER BY branch, station"
        ).fetchall()
    finally:
        cur.close()
    seasons = sorted({r[0] for r in rows if is_season(r[0])}, reverse=True)
    stations: dict[str, list[str]] = {}
    for branch, station in pairs:
        stations.setdefault(branch, []).append(station)
    return FilterOptions(seasons, stations)


# --- rows in a period -----------------------------------------------------------

def period_rows(con: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date, season: str,
                branches: list[str] | tuple[str, ...] = (),
                stations: list[str] | tuple[str, ...] = ()) -> dict[str, int]:
    """Rows per dataset that fall in [start, end] (bills: in `season`) for the
    chosen branches and stations (none chosen: all).

    A row belongs to the branch and station of its household in the roster; a
    ticket without a known household goes by the station written on it. A
    row whose household the roster does not have counts for the whole
    company only, as the KPIs count it (a reading of a household loaded
    before the roster is in every reading KPI's denominator)."""
    params = {"start": start, "end": end, "season": season,
              "branches": list(branches), "stations": list(stations)}
    where_place = ("(len($branches) = 0 OR list_contains($branches, branch))"
                   " AND (len($stations) = 0 OR list_contains($stations, station))")
    cur = con.cursor()
    try:
        row = cur.execute(f"""
            WITH st AS (SELECT station, any_value(branch) AS branch FROM households
                        GROUP BY station),
            hh AS (SELECT household_id, branch, station FROM households),
            readings AS (SELECT h.branch, h.station FROM temperature_readings r
                         LEFT JOIN hh h USING (household_id)
                         WHERE CAST(r.measured_at AS DATE) BETWEEN $start AND $end),
            tks AS (SELECT coalesce(h.branch, s.branch) AS branch,
                           coalesce(h.station, t.station) AS station
                    FROM tickets t LEFT JOIN hh h USING (household_id)
                    LEFT JOIN st s ON s.station = t.station
                    WHERE CAST(t.received_at AS DATE) BETWEEN $start AND $end),
            bills AS (SELECT h.branch, h.station FROM fee_bills b
                      LEFT JOIN hh h USING (household_id)
                      WHERE b.season = $season),
            pays AS (SELECT h.branch, h.station FROM fee_payments p
                     LEFT JOIN hh h USING (household_id)
                     WHERE CAST(p.paid_at AS DATE) BETWEEN $start AND $end)
            SELECT (SELECT count(*) FROM hh WHERE {where_place}),
                   (SELECT count(*) FROM readings WHERE {where_place}),
                   (SELECT count(*) FROM tks WHERE {where_place}),
                   (SELECT count(*) FROM bills WHERE {where_place}),
                   (SELECT count(*) FROM pays WHERE {where_place})""", params).fetchone()
    finally:
        cur.close()
    names = ("households", "temperature_readings", "tickets", "fee_bills", "fee_payments")
    return dict(zip(names, row))
