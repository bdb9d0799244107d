"""The call shape, its validation, the branch scope and bound parameters, on the
whole tiny warehouse (metrics/testing.py)."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest

from metrics import (LISTS, MetricError, Period, action_list, drill, drill_count, headline, kpis,
                     query, summary)
from metrics.kpi_query import query_levels, query_levels_many
from metrics.registry import ALL_ROWS
from metrics.testing import WEEK, ZC, ZD, everything
from pipelines.warehouse import connect

ALL_KPIS = list(kpis())


@pytest.fixture
def wh(con):
    return everything(con)


def test_result_columns(wh):
    df = query(wh, "temp_compliance_rate", WEEK)
    assert list(df.columns) == ["numerator", "denominator", "value"]
    df = query(wh, "temp_compliance_rate", WEEK, by=["branch", "week"])
    assert list(df.columns) == ["branch", "week", "numerator", "denominator", "value"]


@pytest.mark.parametrize("kpi", ALL_KPIS)
def test_every_kpi_runs_with_its_group_bys(wh, kpi):
    k = kpis()[kpi]
    total = query(wh, kpi, WEEK)
    assert len(total) == 1
    for dim in k.group_bys:
        df = query(wh, kpi, WEEK, by=dim)
        assert list(df.columns) == [dim, "numerator", "denominator", "value"]


@pytest.mark.parametrize("kpi", ALL_KPIS)
def test_a_total_equals_the_one_group_of_the_same_rows(demo_con, kpi):
    # A query without groups builds its one row from DuckDB's values
    # (kpi_query._finish_one), not through pandas as grouped queries do: the
    # same numbers and the same column types as a grouping with one group.
    by, week = "branch", Period("2025-12-08", "2025-12-14")
    total = query(demo_con, kpi, week, scope=ZD)
    grouped = query(demo_con, kpi, week, scope=ZD, by=by)
    assert len(grouped) == 1, grouped
    pd.testing.assert_frame_equal(total, grouped.drop(columns=[by]), check_exact=True)
    # Nothing to count (an empty warehouse): the types stay.
    bare = connect(":memory:")
    empty, no_groups = query(bare, kpi, WEEK), query(bare, kpi, WEEK, by=by)
    assert len(empty) == 1 and no_groups.empty
    assert empty.dtypes.equals(no_groups.drop(columns=[by]).dtypes), (empty.dtypes,
                                                                      no_groups.dtypes)


# Medians and P90s do not add up over groups: their own tests check them.
ADDITIVE_KPIS = [k for k in ALL_KPIS if kpis()[k].kind != "quantile"]


@pytest.mark.parametrize("kpi", ADDITIVE_KPIS)
def test_group_by_branch_adds_up_to_the_total(wh, kpi):
    # the total (no roster join) and the per-branch rows (with it) agree
    k = kpis()[kpi]
    total = query(wh, kpi, WEEK).iloc[0]
    parts = query(wh, kpi, WEEK, by="branch")
    assert parts["numerator"].sum() == pytest.approx(total["numerator"])
    if k.has_denominator:
        assert parts["denominator"].sum() == pytest.approx(total["denominator"])


@pytest.mark.parametrize("kpi", ALL_KPIS)
def test_scope_returns_only_that_branch(wh, kpi):
    scoped = query(wh, kpi, WEEK, scope=ZC, by="branch")
    assert set(scoped["branch"]) <= {ZC}
    # the scoped total equals that branch's row of the unscoped breakdown
    total = query(wh, kpi, WEEK, scope=ZC).iloc[0]
    row = query(wh, kpi, WEEK, by="branch").set_index("branch")
    if ZC in row.index and kpis()[kpi].kind != "quantile":
        assert total["numerator"] == pytest.approx(row.loc[ZC, "numerator"])


@pytest.mark.parametrize("kpi", ALL_KPIS)
@pytest.mark.parametrize("part", ["numerator", "denominator"])
def test_scoped_drill_returns_only_that_branch(wh, kpi, part):
    try:
        rows = drill(wh, kpi, WEEK, part, scope=ZC)
    except MetricError as exc:
        assert exc.code == "no_denominator"
        return
    assert set(rows["branch"].dropna()) <= {ZC} and rows["branch"].notna().all()
    assert "file_name" in rows and "source_row" in rows


@pytest.mark.parametrize("name", list(LISTS))
def test_scoped_list_returns_only_that_branch(wh, name):
    full = action_list(wh, name, WEEK)
    scoped = action_list(wh, name, WEEK, scope=ZC)
    assert scoped["branch"].notna().all() and set(scoped["branch"]) <= {ZC}
    assert len(scoped) == (full["branch"] == ZC).sum()
    assert action_list(wh, name, WEEK, scope=[]).empty


def _values(df: pd.DataFrame) -> pd.DataFrame:
    return df.astype(object).where(df.notna(), None)


@pytest.mark.parametrize("name", list(LISTS))
def test_a_limited_list_knows_its_total(wh, name):
    # The first rows of the list in its order, and how many rows it has in all
    full = action_list(wh, name, WEEK)
    assert full.attrs["total_rows"] == len(full)
    for limit in (0, 1, 2, 1000):
        first = action_list(wh, name, WEEK, limit=limit)
        assert first.attrs["total_rows"] == len(full)
        # (a column empty in the first rows may come back untyped: compare values)
        pd.testing.assert_frame_equal(_values(first), _values(full.head(limit)))


def test_empty_scope_sees_nothing(wh):
    assert query(wh, "tickets_received", WEEK, scope=[])["numerator"].iloc[0] == 0
    assert summary(wh, WEEK, scope=[])["temp_compliance_rate"].denominator == 0


def test_scope_to_several_branches(wh):
    both = query(wh, "tickets_received", WEEK, scope=[ZD, ZC])["numerator"].iloc[0]
    assert both == 8     # all 9 but t11, whose station has no branch


def test_filters_take_lists(wh):
    df = query(wh, "temp_compliance_rate", WEEK, filters={"station": ["S1", "S2"]})
    assert df[["numerator", "denominator"]].values.tolist() == [[4, 6]]


@pytest.mark.parametrize("value", ["S1' OR '1'='1", "S1\" or 1=1 --", "'; DROP TABLE tickets; --"])
def test_values_are_bound_not_formatted(wh, value):
    df = query(wh, "tickets_received", WEEK, filters={"station": value})
    assert df["numerator"].iloc[0] == 0
    assert query(wh, "tickets_received", WEEK, scope=value)["numerator"].iloc[0] == 0
    assert wh.execute("SELECT count(*) FROM tickets").fetchone()[0] == 12


@pytest.mark.parametrize("call, code", [
    (lambda c: query(c, "no_such_kpi", WEEK), "unknown_kpi"),
    (lambda c: query(c, "temp_compliance_rate", WEEK, filters={"colour": "red"}),
     "unknown_dimension"),
    (lambda c: query(c, "temp_compliance_rate", WEEK, filters={"category": "投诉"}),
     "dimension_not_supported"),
    (lambda c: query(c, "temp_compliance_rate", WEEK, by="category"), "group_by_not_supported"),
    (lambda c: query(c, "fee_arrears_amount", WEEK, by="day"), "group_by_not_supported"),
    (lambda c: query(c, "temp_compliance_rate", WEEK, by=["day", "week"]), "bad_group_by"),
    (lambda c: query(c, "temp_compliance_rate", ("2025-12-08", "2025-12-01")), "bad_period"),
    (lambda c: action_list(c, "no_such_list", WEEK), "unknown_list"),
    (lambda c: action_list(c, "arrears", WEEK, filters={"category": "投诉"}),
     "dimension_not_supported"),
    (lambda c: drill(c, "tickets_received", WEEK, "denominator"), "no_denominator"),
    (lambda c: drill(c, "tickets_received", WEEK, "everything"), "bad_part"),
])
def test_errors_name_the_problem(wh, call, code):
    with pytest.raises(MetricError) as exc:
        call(wh)
    assert exc.value.code == code
    for lang in ("zh", "en"):
        text = exc.value.message(lang)
        assert text and not text.startswith("metrics.error.")


def test_dimension_error_message(wh):
    with pytest.raises(MetricError) as exc:
        query(wh, "temp_compliance_rate", WEEK, filters={"category": "投诉"})
    assert exc.value.message("en") == (
        "temp_compliance_rate cannot be filtered by category; it supports: branch, station, "
        "community, building, zone, customer_type.")


def test_summary_marks_kpis_a_filter_does_not_apply_to(wh):
    # 投诉 received in the week: t3 and t11 (t8 is a 举报)
    res = summary(wh, WEEK, filters={"category": "投诉"})
    assert res["tickets_received"].asdict() == {"value": 2, "numerator": 2, "denominator": None}
    assert not res["temp_compliance_rate"].applicable
    assert res["temp_compliance_rate"].value is None


@pytest.mark.parametrize("kpi", [k for k in ALL_KPIS if kpis()[k].summary])
def test_summary_equals_query(wh, kpi):
    for scope in (None, ZC):
        res = summary(wh, WEEK, scope=scope)[kpi]
        row = query(wh, kpi, WEEK, scope=scope).iloc[0]
        assert res.numerator == pytest.approx(None if pd.isna(row["numerator"])
                                              else row["numerator"])
        if res.value is None:
            assert pd.isna(row["value"])
        else:
            assert res.value == pytest.approx(row["value"])


def test_value_is_none_when_denominator_is_zero(con):
    # an empty warehouse: every rate, ratio and quantile has no value
    res = summary(con, WEEK)
    for kpi_id, r in res.items():
        k = kpis()[kpi_id]
        if k.has_denominator:
            assert r.denominator == 0 and r.value is None, kpi_id
        elif k.counts_population:   # a sum over no rows: no figure, no denominator
            assert r.denominator is None and r.value is None, kpi_id
        elif k.needs:   # what it needs has no denominator either (no valid reading):
            # no figure, nor a ¥0.00 beside it
            assert r.value is None and r.numerator is None, kpi_id
        else:
            assert r.value == 0, kpi_id


@pytest.mark.parametrize("kpi", ALL_KPIS)
def test_drill_count_is_the_number_of_rows_behind(wh, kpi):
    for part in ("numerator", "denominator"):
        for scope in (None, ZC):
            try:
                rows = drill(wh, kpi, WEEK, part, scope=scope)
            except MetricError:
                continue
            assert drill_count(wh, kpi, WEEK, part, scope=scope) == len(rows), (part, scope)


def test_drill_limit(wh):
    rows = drill(wh, "temp_compliance_rate", WEEK, "denominator", limit=3, offset=2)
    assert rows["source_row"].tolist() == [9, 10, 11]


def test_personal_columns_are_named(wh):
    tickets = drill(wh, "tickets_received", WEEK, "numerator")
    assert set(tickets.attrs["personal_columns"]) == {"caller_name", "phone"}
    households = drill(wh, "complaints_per_10k_m2", WEEK, "denominator")
    assert {"name", "phone", "address", "room"} <= set(households.attrs["personal_columns"])


def test_concurrent_queries_on_one_connection(wh):
    # each call runs on its own cursor: no "connection is busy"
    jobs = [("temp_compliance_rate", None), ("tickets_received", ZC),
            ("fee_collection_rate_amount", None), ("refund_exposure_amount", ZD)] * 6
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda j: query(wh, j[0], WEEK, scope=j[1]), jobs))
    assert [r["numerator"].iloc[0] for r in results[:2]] == [5, 4]
    assert all(r.equals(results[i % 4]) for i, r in enumerate(results))


def test_population_columns_exist(wh):
    # every population and numerator named in kpis.toml is a column of its model
    for k in kpis().values():
        cols = set(drill(wh, k.id, WEEK, "numerator", limit=0).columns) if k.drill.get(
            "numerator") is None else None
        if cols is None:
            continue
        for col in (k.population, k.numerator, k.denominator, k.time):
            if col and col not in (ALL_ROWS, "population"):
                assert col in cols, (k.id, col)


def test_headline_table(wh, monkeypatch):
    # targets come from settings.toml [kpi_targets]
    import metrics.registry as registry
    from pipelines.settings import load_settings
    settings = {**load_settings(), "kpi_targets": {"temp_compliance_rate": 0.8,
                                                   "ticket_unanswered": 0}}
    monkeypatch.setattr(registry, "load_settings", lambda: settings)
    df = headline(wh, WEEK, lang="en").set_index("kpi")
    assert list(df.index) == [k for k in kpis() if kpis()[k].summary]
    row = df.loc["temp_compliance_rate"]
    assert row["label"] == "Room-temperature compliance rate"
    assert (row["numerator"], row["denominator"], row["target"]) == (5, 7, 0.8)
    assert row["meets_target"] is False          # 5/7 = 0.714 < 0.8, higher is better
    assert df.loc["ticket_unanswered", "meets_target"] is False   # 3 > 0, lower is better
    assert df.loc["tickets_received", "meets_target"] is None     # no target
    # the week before (11-24 .. 11-30) holds r9 only: 0 of 1
    assert row["previous_value"] == 0.0 and row["change_previous"] == pytest.approx(0.714)   # 71.4% − 0.0%
    assert pd.isna(row["last_season_value"])
    assert df.attrs["previous"].label() == "2025-11-24 ~ 2025-11-30"


@pytest.mark.parametrize("period", [Period("2025-12-08", "2025-12-14"),
                                    Period.whole_season("2025-2026"),
                                    Period("2025-07-07", "2025-07-13")],
                         ids=["week", "season", "summer"])
@pytest.mark.parametrize("scope", [None, "张店分公司"])
def test_query_levels_equals_a_query_per_level(demo_con, period, scope):
    # The weekly report's levels: the whole scope, per branch, per station,
    # read in one GROUPING SETS scan: exactly what a query per level returns
    # (medians, NULL keys and a summer week without data included).
    levels = [(), ("branch",), ("branch", "station")]
    rolled = 0
    for kpi in kpis().values():
        if not set(levels[-1]) <= set(kpi.group_bys):
            continue
        got = query_levels(demo_con, kpi.id, period, levels, scope=scope)
        for by, df in zip(levels, got):
            want = query(demo_con, kpi.id, period, by=list(by), scope=scope)
            pd.testing.assert_frame_equal(df, want, check_exact=True, obj=f"{kpi.id} {by}")
            assert df.attrs == want.attrs
        rolled += 1
    assert rolled >= 15
    # Every KPI at once: those of one model share a scan, each with its own
    # population (a station none of whose rows is in a KPI's population is no
    # group of that KPI, as in `query`).
    ids = [k.id for k in kpis().values() if set(levels[-1]) <= set(k.group_bys)]
    many = query_levels_many(demo_con, ids, period, levels, scope=scope)
    assert list(many) == ids
    for kpi_id in ids:
        for by, df in zip(levels, many[kpi_id]):
            want = query(demo_con, kpi_id, period, by=list(by), scope=scope)
            pd.testing.assert_frame_equal(df, want, check_exact=True, obj=f"{kpi_id} {by} many")
            assert df.attrs == want.attrs


def test_query_levels_keeps_null_keys_apart_from_totals(con):
    # A ticket of a household missing from the roster, with no station of its
    # own, has no branch or station: its group (NULL, NULL) is a row of the
    # per-station level, not mistaken for the rolled-up totals.
    everything(con)
    con.execute("INSERT INTO tickets (ticket_no, received_at, category, channel, household_id, "
                "batch_id, source_row) VALUES ('T-null', TIMESTAMP '2025-12-02 10:00', '报修', "
                "'电话', 'nobody', 3, 99)")
    levels = [(), ("branch",), ("branch", "station")]
    got = query_levels(con, "tickets_received", WEEK, levels)
    for by, df in zip(levels, got):
        pd.testing.assert_frame_equal(df, query(con, "tickets_received", WEEK, by=list(by)))
    stations = got[2]
    assert stations["station"].isna().iloc[-1] and stations["numerator"].iloc[-1] == 1
    assert got[0]["numerator"].iloc[0] == stations["numerator"].sum()
