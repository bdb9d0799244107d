"""Flag pruning (compose.prune_flags): a query plans only the period flags of
sql/ticket_facts.sql it names, and answers exactly as with all of them."""
from __future__ import annotations

import sys

import duckdb
import pandas as pd
import pytest

from metrics import Period, kpis, query, summary
from metrics.compose import dependencies, prune_flags
from metrics.kpi_query import query_levels_many
from metrics.registry import get

compose = sys.modules["metrics.compose"]
query_module = sys.modules["metrics.kpi_query"]

SQL = """with t as (select 1 as a, 2 as b, 'x,y' as s),
m as (
    select a,
        /* flags */
        a > 0 as f1,
        f1 and b > 1 as f2,
        coalesce(s, 'a,(b') as f3,
        least(a, b) as f4
        /* end flags */
    from t
)
"""


def test_a_flag_nothing_names_is_dropped_and_one_a_kept_flag_reads_is_kept():
    sql = prune_flags(SQL + "select f2 from m")
    assert "as f2" in sql and "as f1" in sql        # f2 is computed from f1
    assert "as f3" not in sql and "as f4" not in sql
    assert duckdb.sql(sql).fetchall() == [(True,)]


def test_commas_in_quotes_and_parentheses_do_not_split_a_flag():
    sql = prune_flags(SQL + "select f3, f4 from m")
    assert "as f1" not in sql and "as f2" not in sql
    assert duckdb.sql(sql).fetchall() == [("x,y", 1)]


def test_no_flag_named_leaves_a_valid_select():
    sql = prune_flags(SQL + "select a from m")
    assert " as f" not in sql
    assert duckdb.sql(sql).fetchall() == [(1,)]


def test_a_query_plans_only_the_flags_it_reads(demo_con, monkeypatch):
    seen = []
    for name in ("run", "_fetchone"):
        monkeypatch.setattr(query_module, name, lambda con, sql, params, run=getattr(
            query_module, name): seen.append(sql) or run(con, sql, params))
    query(demo_con, "tickets_received", Period("2025-12-08", "2025-12-14"))
    assert "received_in_period" in seen[0]
    assert "open_hours" not in seen[0] and "deadline_in_period" not in seen[0]
    # ... and of the stored tickets' columns, only those it reads.
    assert "ticket_facts_stored" in seen[0] and "received_at" in seen[0]
    assert "caller_name" not in seen[0] and "satisfaction" not in seen[0]


def test_a_block_whose_items_only_dropped_items_read_goes_too():
    # m2's flag g1 reads m's f4; with g1 dropped, nothing reads f4 any more.
    sql = prune_flags(SQL + """, m2 as (
    select a,
        /* flags */
        f4 + 1 as g1,
        a + 1 as g2
        /* end flags */
    from m
)
select g2 from m2""")
    assert "as g1" not in sql and "as f4" not in sql
    assert duckdb.sql(sql).fetchall() == [(2,)]


def test_the_stored_tickets_columns_are_the_computed_models(demo_con):
    # sql/stored/ticket_placed.sql names the table's columns one by one: the
    # same names, in the same order, as the model it stands for.
    from metrics.compose import Scope, statement
    from metrics.kpi_query import params_for

    def columns(stored: bool) -> list[str]:
        sql = statement("select * from ticket_placed", ["ticket_placed"], Scope(),
                        stored=stored)
        params = params_for(sql, PERIODS[0], Scope())
        return [d[0] for d in demo_con.execute(f"{sql} limit 0", params).description]
    assert columns(True) == columns(False)
    assert len(columns(True)) > 30


TICKET_KPIS = [k.id for k in kpis().values() if "ticket_facts" in dependencies([k.model])]
PERIODS = (Period("2025-12-08", "2025-12-14"), Period.whole_season("2025-2026"))


def _answers(con) -> dict:
    out = {}
    for i, period in enumerate(PERIODS):
        out[f"summary/{i}"] = {k: v.asdict() for k, v in
                               summary(con, period, kpi_ids=TICKET_KPIS).items()}
        out[f"summary/{i}/branch"] = {
            k: v.asdict() for k, v in
            summary(con, period, {"branch": "张店分公司"}, kpi_ids=TICKET_KPIS).items()}
        for kpi_id in TICKET_KPIS:
            for by in (None, "day", "station"):
                if by is None or by in get(kpi_id).group_bys:
                    out[f"{kpi_id}/{i}/{by}"] = query(con, kpi_id, period, by=by)
        levels = query_levels_many(con, TICKET_KPIS, period, [[], ["branch"], ["branch", "station"]])
        for kpi_id, frames in levels.items():
            for j, df in enumerate(frames):
                out[f"levels/{kpi_id}/{i}/{j}"] = df
    return out


def test_pruned_answers_equal_those_with_every_flag(demo_con, monkeypatch):
    assert len(TICKET_KPIS) >= 8
    pruned = _answers(demo_con)
    monkeypatch.setattr(compose, "prune_flags", lambda sql: sql)
    whole = _answers(demo_con)
    assert pruned.keys() == whole.keys()
    rows = 0
    for key, a in pruned.items():
        if isinstance(a, pd.DataFrame):
            pd.testing.assert_frame_equal(a, whole[key], obj=key)
            rows += len(a)
        else:
            assert a == whole[key], key
    assert rows > 500


@pytest.mark.parametrize("body", ["select * from m", "select m.* from m"])
def test_a_star_of_the_flagged_model_is_what_prune_must_not_be_given(body):
    # The contract, shown: pruning a `*` read would lose the flags from its rows,
    # which is why only aggregate bodies (query, query_levels_many, summary) prune.
    assert len(duckdb.sql(prune_flags(SQL + body)).columns) == 1
    assert len(duckdb.sql(SQL + body).columns) == 5
