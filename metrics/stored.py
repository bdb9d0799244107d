"""Stored models: a model's rows kept in a table by whoever writes the
warehouse, so queries read them instead of computing them again.

Readings: `reading_facts` is stored for every reading (not one period) in
`reading_checks_stored`: each reading's flags, its household's dimensions and
target (so no query joins the roster to millions of readings), an integer
`household_key` (grouping and joining readings by household costs a fraction
of doing it by the id's text), and the time of the household's next reading
of each kind (`next_valid_at`, `next_counted_at`, `next_point_at`). A
household's latest counted reading of a period is then the counted reading of
the period whose next one is outside it: a filter over the readings instead of
grouping them by household (sql/stored/latest_counted_readings.sql,
sql/stored/reading_marks.sql).

Tickets: `ticket_placed` is stored for every ticket in `ticket_facts_stored`
(deadline, resolution hours, the category and rating flags and the ticket's
dimensions, computed once with the settings): `ticket_facts` is those rows and
the period's flags, so a ticket query plans only the flags. A load or undo of tickets
recomputes the tickets it touched; one of the roster computes the table again
(a station's branch is the roster's majority, so one roster row can move any
ticket).

Fees: `fee_ledger` is stored in `fee_ledger_stored`: each household's account
for each season as states valid from one payment time to the next (what was
paid up to then, beside the bill), with the household's dimensions. fee_facts
for a cut-off is the state valid just before it: a filter over the states
instead of summing the receipts per household and joining them to the bills
(the SQL alone ~6 ms, not ~30, for a season's 250,000 bills). A write of bills, receipts or the roster
computes the table again (~1.2 s for 500,000 bills and as many receipts).

Heated households: `season_households` is stored in `season_households_stored`:
for every season with bills, the roster households heated that season (the
season's bill says 停热 or not). heated_households, which complaints per
10,000 m² and the measurement coverage read, is then one season's rows, not a
join of the roster with the season's bills. Computed again after a write of
bills or the roster (not of receipts).

The models read from them have a variant in sql/stored/ with the same rows and
columns as their file in sql/.

The tables are maintained inside the writer's transaction, so they are never
seen half-written. `derived_state` records, per table, the data version, the
settings and a digest of the SQL it was built with; a query reads a table
only while all three still hold, and otherwise computes its models from their
SQL files, with the same result (tests/test_metrics_stored.py runs every KPI
and list both ways).
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

import duckdb

from pipelines.warehouse import data_version

from .compose import STORED_DIR, bind, dependencies, settings_params, sql_text
from .registry import HOUSEHOLD_DIMS

TABLE = "reading_checks_stored"
NAME = "reading_facts"
TICKET_TABLE = "ticket_facts_stored"   # ticket_placed's rows
TICKET_NAME = "ticket_placed"   # its rows are those of ticket_facts but the period's flags
# What each table is computed from: the computed SQL files of these.
_SOURCES = ("reading_checks", "household_dims", "household_targets")
FEE_TABLE = "fee_ledger_stored"
FEE_NAME = "fee_ledger"   # fee_facts at any cut-off is a filter over its rows
HEATED_TABLE = "season_households_stored"
HEATED_NAME = "season_households"   # heated_households of every season with bills
# The writes these tables follow by being computed again.
_FEE_DATASETS = ("fee_bills", "fee_payments", "households")
_HEATED_DATASETS = ("fee_bills", "households")
# Every row there is: the period a whole table is computed for.
_ALL_TIME = {"start_at": datetime(1, 1, 1), "cutoff_at": datetime(9999, 12, 31)}
LAYOUT = 4   # raise when the readings table's columns change: an older table is rebuilt
TICKET_LAYOUT = 1   # the same for the tickets table
FEE_LAYOUT = 1   # and for the fee ledger
HEATED_LAYOUT = 1   # and the season's heated households
# Which files of sql/stored/ read which table.
VARIANTS = {
    NAME: ("latest_counted_readings", "reading_checks", "reading_facts", "reading_flags",
           "reading_marks"),
    TICKET_NAME: ("ticket_placed",),
    FEE_NAME: ("fee_facts",),
    HEATED_NAME: ("heated_households",),
}
# next_<name>_at: the time of the household's next reading of each kind (NULL
# if none). `point`: a reading the cold-day fit uses (sql/cold_risk.sql);
# sql/reading_marks.sql computes the same marks for one period.
NEXT = {
    "valid": "valid",
    "counted": "counted",
    "point": "valid and not stopped and outdoor_c is not null and indoor_c is not null",
}


@lru_cache(maxsize=None)
def _build_sql(name: str) -> str:
    """The SQL a table is built with (whole; the settings are parameters)."""
    return _TABLES[name].build()


@lru_cache(maxsize=None)
def _sql_digest(name: str) -> str:
    """A digest of the SQL a table is built with: a table built by other SQL
    (an edited model file) is rebuilt, not read."""
    return hashlib.sha256(_build_sql(name).encode("utf-8")).hexdigest()[:16]


def fingerprint(name: str = NAME) -> str:
    """The settings a table's rows depend on (every one its SQL reads: exempt
    rule and targets; time limits, categories and rating words), its layout and
    the SQL it is built with: a table of another layout, SQL or settings is
    rebuilt, not read."""
    settings = {k: v for k, v in bind(_build_sql(name), _ALL_TIME, settings_params()).items()
                if k not in _ALL_TIME}
    return json.dumps({"layout": _TABLES[name].layout, "sql": _sql_digest(name), **settings},
                      ensure_ascii=False)


def fresh(con: duckdb.DuckDBPyConnection) -> frozenset[str]:
    """The stored tables (by model name) that match the warehouse's data and
    the settings: one read of the state for all of them."""
    cur = con.cursor()
    try:
        # A join, not a subquery: this runs before every query (0.5 ms, not 0.8).
        rows = cur.execute(
            "select s.name, s.settings from derived_state s "
            "left join meta m on m.key = 'data_version' "
            "where s.data_version = coalesce(m.value, 0)").fetchall()
    except duckdb.CatalogException:
        return frozenset()   # a warehouse from before stored models, opened read-only
    finally:
        cur.close()
    return frozenset(n for n, settings in rows
                     if n in VARIANTS and settings == fingerprint(n))


def variants(con: duckdb.DuckDBPyConnection) -> frozenset[str]:
    """The SQL files whose stored variant a query may read now (compose.statement)."""
    return frozenset(v for n in fresh(con) for v in VARIANTS[n])


def is_fresh(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether every stored table matches the warehouse's data and the settings."""
    return fresh(con) == frozenset(VARIANTS)


def _select(households_sql: str | None, keys_sql: str | None = None) -> tuple[str, dict]:
    """The readings' rows for all time (only for the households `households_sql`
    returns, if given), in the table's column order. `keys_sql` returns each
    household's key (household_id, household_key); without it the keys are
    numbered afresh."""
    where = f"where r.household_id in ({households_sql})" if households_sql else ""
    ctes = ",\n".join(f"{n} as (\n{sql_text(n)}\n)" for n in dependencies(_SOURCES))
    keys = keys_sql or ("select household_id, cast(row_number() over (order by household_id)"
                        " as integer) as household_key\n"
                        "from (select distinct household_id from reading_checks)")
    dims = ", ".join(f"d.{c}" for c in HOUSEHOLD_DIMS)
    nexts = ",\n".join(f"    lead(case when {flag} then measured_at end ignore nulls) over household"
                        f" as next_{name}_at" for name, flag in NEXT.items())
    sql = (f"with {ctes},\n"
           f"keys as (\n{keys}\n),\n"
           "placed as (\n"
           f"select r.*, {dims},\n"
           "    coalesce(t.own_target_c, $residential_target_c) as target_c,\n"
           "    k.household_key\n"
           "from reading_checks r\n"
           "left join household_dims d on d.household_id = r.household_id\n"
           "left join household_targets t on t.household_id = r.household_id\n"
           "left join keys k on k.household_id = r.household_id\n"
           f"{where}\n)\n"
           f"select *,\n{nexts}\n"
           "from placed\n"
           "window household as (partition by household_id order by measured_at)")
    return sql, bind(sql, _ALL_TIME, settings_params())


def _stamp(cur: duckdb.DuckDBPyConnection, name: str) -> None:
    cur.execute("delete from derived_state where name = $name", {"name": name})
    cur.execute("insert into derived_state values ($name, $version, $settings)",
                {"name": name, "version": data_version(cur), "settings": fingerprint(name)})


def _select_all(name: str) -> str:
    """Every row of the model `name` (all time), computed from its SQL file."""
    ctes = ",\n".join(f"{n} as (\n{sql_text(n)}\n)" for n in dependencies([name]))
    return f"with {ctes}\nselect * from {name}"


class _Table(NamedTuple):
    table: str
    time: str               # ordered by it: a period's scan skips the blocks outside it
    layout: int
    build: Callable[[], str]   # the SQL of all its rows


_TABLES = {NAME: _Table(TABLE, "measured_at", LAYOUT, lambda: _select(None)[0]),
           # Every ticket's `ticket_placed` row (the period's flags are
           # ticket_facts.sql's, over these rows or the stored ones).
           TICKET_NAME: _Table(TICKET_TABLE, "received_at", TICKET_LAYOUT,
                               lambda: _select_all(TICKET_NAME)),
           FEE_NAME: _Table(FEE_TABLE, "season, from_at", FEE_LAYOUT,
                            lambda: _select_all(FEE_NAME)),
           HEATED_NAME: _Table(HEATED_TABLE, "season, household_id", HEATED_LAYOUT,
                               lambda: _select_all(HEATED_NAME))}


def rebuild(cur: duckdb.DuckDBPyConnection, names=None) -> None:
    """Compute the tables (all, or those of `names`) again. Call inside a
    transaction, or alone."""
    for name in names or VARIANTS:
        spec, sql = _TABLES[name], _build_sql(name)
        cur.execute(f"create or replace table {spec.table} as\n{sql}\norder by {spec.time}",
                    bind(sql, _ALL_TIME, settings_params()))
        _stamp(cur, name)


def _was_current(cur: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether the table was current before this write's version bump."""
    row = cur.execute("select data_version, settings from derived_state where name = $name",
                      {"name": name}).fetchone()
    return row is not None and (row[0] + 1, row[1]) == (data_version(cur), fingerprint(name))


def after_write(cur: duckdb.DuckDBPyConnection, dataset: str | None,
                changed_sql: str | None = None) -> None:
    """Call inside a writer's transaction, after its data version bump.

    `dataset`: the table the write changed. `changed_sql`: a query returning
    the rows it changed (at least the dataset's key and, but for the tickets,
    its household_id). A table current before this write follows it (the
    readings of the households touched are recomputed, as are the tickets
    touched; a roster change computes the tickets again whole; a bill's
    change, its household's readings; the fee ledger and the seasons' heated
    households are computed again after a write of what they read) or is stamped
    current when the write did not touch it; a table that was not current is
    rebuilt whole."""
    if not _was_current(cur, NAME):
        rebuild(cur, [NAME])
    else:
        # a bill's status is its household's stopped status for the season
        if dataset in ("temperature_readings", "households", "fee_bills") and changed_sql:
            _update_readings(cur, f"select household_id from ({changed_sql})")
        _stamp(cur, NAME)
    if not _was_current(cur, TICKET_NAME) or dataset == "households" or (
            dataset == "tickets" and not changed_sql):
        rebuild(cur, [TICKET_NAME])
    else:
        if dataset == "tickets":
            _update_tickets(cur, f"select ticket_no from ({changed_sql})")
        _stamp(cur, TICKET_NAME)
    for name, datasets in ((FEE_NAME, _FEE_DATASETS), (HEATED_NAME, _HEATED_DATASETS)):
        if not _was_current(cur, name) or dataset in datasets:
            rebuild(cur, [name])
        else:
            _stamp(cur, name)


def _update_tickets(cur: duckdb.DuckDBPyConnection, tickets_sql: str) -> None:
    """Compute the rows of the tickets `tickets_sql` returns again (a ticket
    no longer in `tickets`, after an undo, just goes)."""
    cur.execute(f"create or replace temp table stored_tickets as "
                f"select distinct ticket_no from ({tickets_sql})")
    cur.execute(f"delete from {TICKET_TABLE} where ticket_no in "
                f"(select ticket_no from stored_tickets)")
    sql = (f"select * from (\n{_build_sql(TICKET_NAME)}\n)\n"
           "where ticket_no in (select ticket_no from stored_tickets)")
    cur.execute(f"insert into {TICKET_TABLE}\n{sql}\norder by received_at",
                bind(sql, _ALL_TIME, settings_params()))
    cur.execute("drop table stored_tickets")


def _update_readings(cur: duckdb.DuckDBPyConnection, households_sql: str) -> None:
    cur.execute(f"create or replace temp table stored_touched as "
                f"select distinct household_id from ({households_sql})")
    # A household keeps its key; one new to the table gets the next free.
    cur.execute(
        "create or replace temp table stored_keys as\n"
        f"with old as (select distinct household_id, household_key from {TABLE}\n"
        "    where household_id in (select household_id from stored_touched)),\n"
        f"top as (select coalesce(max(household_key), 0) as k from {TABLE})\n"
        "select t.household_id, cast(coalesce(o.household_key, top.k + row_number() over (\n"
        "    partition by o.household_key is null order by t.household_id)) as integer)\n"
        "    as household_key\n"
        "from stored_touched t cross join top\n"
        "left join old o using (household_id)")
    cur.execute(f"delete from {TABLE} where household_id in "
                f"(select household_id from stored_touched)")
    sql, params = _select("select household_id from stored_touched",
                          "select household_id, household_key from stored_keys")
    cur.execute(f"insert into {TABLE}\n{sql}", params)
    cur.execute("drop table stored_touched")
    cur.execute("drop table stored_keys")


def ensure(con: duckdb.DuckDBPyConnection) -> bool:
    """Rebuild the stored tables that are missing or stale (a warehouse from
    before them, a restored backup, changed settings). True if any was rebuilt."""
    stale = [n for n in VARIANTS if n not in fresh(con)]
    if not stale:
        return False
    cur = con.cursor()
    try:
        cur.execute("begin transaction")
        try:
            rebuild(cur, stale)
            cur.execute("commit")
        except BaseException:
            cur.execute("rollback")
            raise
    finally:
        cur.close()
    return True


def variant_files() -> set[str]:
    """Every file of sql/stored/ (each must read one stored table)."""
    return {p.stem for p in STORED_DIR.glob("*.sql")}
