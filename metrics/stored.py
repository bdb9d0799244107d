"""Stored models: a model's rows kept in a table by whoever writes the
warehouse, so queries read them instead of computing them again.

`reading_facts` is stored for every reading (not one period) in
`reading_checks_stored`: each reading's flags, its household's dimensions and
target (so no query joins the roster to millions of readings), an integer
`household_key` (grouping and joining readings by household costs a fraction
of doing it by the id's text), and the time of the household's next reading
of each kind (`next_valid_at`, `next_counted_at`, `next_failed_at`,
`next_point_at`). A household's latest counted reading of a period is then the
counted reading of the period whose next one is outside it: a filter over the
readings instead of grouping them by household
(sql/stored/latest_counted_readings.sql); and "households with a failed
reading" is a count of the readings whose next failed one is outside the
period (sql/stored/reading_marks.sql).
The models read from it have a variant in sql/stored/ with the same rows and
columns as their file in sql/.

The table is maintained inside the writer's transaction (a load or undo of
readings or of the roster recomputes the households it touched), so it is never
seen half-written. `derived_state` records the data version and the settings
it was built with; a query uses the stored rows only when both still hold,
and otherwise computes the models from their SQL files, with the same result
(tests/test_metrics_stored.py runs every KPI and list both ways).
"""
from __future__ import annotations

import json
from datetime import datetime

import duckdb

from .compose import bind, dependencies, settings_params, sql_text
from .registry import HOUSEHOLD_DIMS

TABLE = "reading_checks_stored"
NAME = "reading_facts"
# What the table is computed from: the computed SQL files of these.
_SOURCES = ("reading_checks", "household_dims", "household_targets")
# Every reading there is: the period the whole table is computed for.
_ALL_TIME = {"start_at": datetime(1, 1, 1), "cutoff_at": datetime(9999, 12, 31)}
LAYOUT = 3   # raise when the table's columns change: an older table is rebuilt
# next_<name>_at: the time of the household's next reading of each kind (NULL
# if none). `point`: a reading the cold-day fit uses (sql/cold_risk.sql);
# sql/reading_marks.sql computes the same marks for one period.
NEXT = {
    "valid": "valid",
    "counted": "counted",
    "failed": "counted and indoor_c < target_c",
    "point": "valid and outdoor_c is not null and indoor_c is not null",
}


def fingerprint() -> str:
    """The settings the stored rows depend on (exempt rule, targets), and the
    table's layout: a table of another layout is rebuilt, not read."""
    p = settings_params()
    return json.dumps({"layout": LAYOUT, **{k: p[k] for k in (
        "design_outdoor_c", "residential_target_c", "default_contract_temp_c")}})


def is_fresh(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the stored rows match the warehouse's data and the settings."""
    cur = con.cursor()
    try:
        row = cur.execute(
            "select s.data_version = coalesce((select max(value) from meta "
            "where key = 'data_version'), 0) and s.settings = $settings "
            "from derived_state s where s.name = $name",
            {"settings": fingerprint(), "name": NAME}).fetchone()
    except duckdb.CatalogException:
        return False   # a warehouse from before stored models, opened read-only
    finally:
        cur.close()
    return bool(row and row[0])


def _select(households_sql: str | None, keys_sql: str | None = None) -> tuple[str, dict]:
    """The rows for all time (only for the households `households_sql`
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


def _stamp(cur: duckdb.DuckDBPyConnection) -> None:
    cur.execute("delete from derived_state where name = $name", {"name": NAME})
    cur.execute("insert into derived_state select $name, coalesce((select max(value) from meta "
                "where key = 'data_version'), 0), $settings",
                {"name": NAME, "settings": fingerprint()})


def rebuild(cur: duckdb.DuckDBPyConnection) -> None:
    """Compute the whole table again (ordered by time, so a period's scan
    skips the blocks outside it). Call inside a transaction, or alone."""
    sql, params = _select(None)
    cur.execute(f"create or replace table {TABLE} as\n{sql}\norder by measured_at", params)
    _stamp(cur)


def after_write(cur: duckdb.DuckDBPyConnection, households_sql: str | None) -> None:
    """Call inside a writer's transaction, after its data version bump.

    `households_sql`: a query returning the households whose readings or
    roster rows the write changed (None when it changed neither). Their rows are recomputed when
    the table was current before this write; otherwise it is rebuilt whole."""
    row = cur.execute(
        "select s.data_version + 1 = coalesce((select max(value) from meta "
        "where key = 'data_version'), 0) and s.settings = $settings "
        "from derived_state s where s.name = $name",
        {"settings": fingerprint(), "name": NAME}).fetchone()
    if not (row and row[0]):
        rebuild(cur)
        return
    if households_sql:
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
    _stamp(cur)


def ensure(con: duckdb.DuckDBPyConnection) -> bool:
    """Rebuild the stored rows if they are missing or stale (a warehouse from
    before them, a restored backup, changed settings). True if rebuilt."""
    if is_fresh(con):
        return False
    cur = con.cursor()
    try:
        cur.execute("begin transaction")
        try:
            rebuild(cur)
            cur.execute("commit")
        except BaseException:
            cur.execute("rollback")
            raise
    finally:
        cur.close()
    return True
