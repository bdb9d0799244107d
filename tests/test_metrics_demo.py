"""Properties of every KPI over the demo warehouse (data/sample/ through the real
pipeline), and the figures the demo generator planted (data/sample_expected.json)."""
from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics import LISTS, Period, action_list, drill, kpis, query, summary
from metrics.cli import main
from pipelines.demo import sample_files
from pipelines.warehouse import connect

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = ROOT / "data" / "sample_expected.json"

pytestmark = pytest.mark.skipif(not sample_files(), reason="data/sample/ holds no exports")

SEASONS = {"2024-2025": Period.whole_season("2024-2025"),
           "2025-2026": Period.whole_season("2025-2026")}
PERIODS = [*SEASONS.values(), Period.week(date(2025, 12, 3)), Period.week(date(2026, 1, 14)),
           Period("2026-03-09", "2026-03-16")]
ALL_KPIS = list(kpis())


@pytest.fixture(scope="module")
def demo(demo_db):
    con = connect(demo_db, read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def branches(demo):
    return [b for (b,) in demo.execute(
        "SELECT DISTINCT branch FROM households ORDER BY 1").fetchall()]


@pytest.fixture(scope="module")
def expected():
    if not EXPECTED.is_file():
        pytest.skip("no data/sample_expected.json")
    return json.loads(EXPECTED.read_text(encoding="utf-8"))["planted"]


def check_parts(kpi, df):
    """0 <= rate <= 1 and numerator <= denominator, on every row."""
    for _, row in df.iterrows():
        if kpi.kind == "rate":
            assert 0 <= row["numerator"] <= row["denominator"], (kpi.id, row.to_dict())
        if kpi.unit == "percent" and row["value"] == row["value"]:
            assert 0 <= row["value"] <= 1, (kpi.id, row.to_dict())
        if kpi.has_denominator:
            assert row["denominator"] >= 0


def additive_over(kpi, dim) -> bool:
    # a household measured in two weeks is latest in each of them
    return not (kpi.id == "temp_household_compliance_rate" and dim in ("day", "week"))


@pytest.mark.parametrize("period", PERIODS, ids=lambda p: p.label())
@pytest.mark.parametrize("kpi_id", ALL_KPIS)
def test_parts_add_up_over_every_group_by(demo, kpi_id, period):
    kpi = kpis()[kpi_id]
    total = query(demo, kpi_id, period)
    check_parts(kpi, total)
    for dim in kpi.group_bys:
        df = query(demo, kpi_id, period, by=dim)
        check_parts(kpi, df)
        if not additive_over(kpi, dim):
            continue
        if kpi.kind != "quantile":
            assert df["numerator"].sum() == pytest.approx(total["numerator"].iloc[0]), dim
        if kpi.has_denominator:
            assert df["denominator"].sum() == pytest.approx(total["denominator"].iloc[0]), dim


@pytest.mark.parametrize("kpi_id", ALL_KPIS)
def test_scope_returns_only_that_branch(demo, branches, kpi_id):
    period = SEASONS["2025-2026"]
    by_branch = query(demo, kpi_id, period, by="branch").set_index("branch")
    for branch in branches:
        scoped = query(demo, kpi_id, period, scope=branch, by="branch")
        assert set(scoped["branch"]) <= {branch}
        one = query(demo, kpi_id, period, scope=branch).iloc[0]
        if branch in by_branch.index:
            assert one["denominator"] == pytest.approx(by_branch.loc[branch, "denominator"],
                                                       nan_ok=True)
            assert one["value"] == pytest.approx(by_branch.loc[branch, "value"], nan_ok=True)


@pytest.mark.parametrize("name", list(LISTS))
def test_scoped_lists_and_drills(demo, branches, name):
    period = SEASONS["2025-2026"]
    full = action_list(demo, name, period)
    for branch in branches:
        scoped = action_list(demo, name, period, scope=branch)
        assert scoped["branch"].notna().all() and set(scoped["branch"]) <= {branch}
        assert len(scoped) == (full["branch"] == branch).sum()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(start=st.dates(date(2024, 10, 20), date(2026, 3, 20)),
       days=st.integers(0, 40),
       kpi_id=st.sampled_from(ALL_KPIS),
       branch=st.sampled_from([0, 1, None]),
       dim=st.sampled_from(["station", "zone", "customer_type", "week", "day", "category"]))
def test_random_periods(demo_db, start, days, kpi_id, branch, dim):
    kpi = kpis()[kpi_id]
    period = Period(start, start + timedelta(days=days))
    con = connect(demo_db, read_only=True)
    try:
        names = [b for (b,) in con.execute(
            "SELECT DISTINCT branch FROM households ORDER BY 1").fetchall()]
        scope = None if branch is None else names[branch]
        total = query(con, kpi_id, period, scope=scope)
        check_parts(kpi, total)
        if dim in kpi.group_bys:
            df = query(con, kpi_id, period, by=dim, scope=scope)
            check_parts(kpi, df)
            if additive_over(kpi, dim) and kpi.kind != "quantile":
                whole = total["numerator"].iloc[0]
                if whole is None or whole != whole:
                    # No figure (a refund exposure without a valid reading):
                    # no group has one either (none at all, or each None).
                    assert df["numerator"].isna().all(), df
                else:
                    assert df["numerator"].sum() == pytest.approx(whole)
        if scope is not None:
            rows = drill(con, kpi_id, period, "numerator", scope=scope, limit=50)
            assert rows["branch"].notna().all() and set(rows["branch"]) <= {scope}
    finally:
        con.close()


@pytest.mark.parametrize("season", list(SEASONS))
def test_temperature_figures_as_planted(demo, expected, season):
    facts = expected[f"temperature_{season}"]
    res = summary(demo, SEASONS[season])
    assert res["temp_unsigned_readings"].numerator == facts["unsigned"]
    assert res["temp_unsigned_readings"].denominator == facts["readings_loaded"]
    assert res["temp_exempt_readings"].numerator == facts["exempt_signed"]
    assert res["temp_compliance_rate"].denominator == facts["valid_non_exempt"]
    assert res["temp_compliance_rate"].numerator == facts["compliant"]


@pytest.mark.parametrize("season", list(SEASONS))
def test_fee_figures_as_planted(demo, expected, season):
    facts = expected[f"fees_{season}"]
    res = summary(demo, SEASONS[season])
    assert res["fee_collection_rate_households"].denominator == facts["households_billed"]
    assert res["fee_collection_rate_households"].numerator == facts["households_fully_paid"]
    assert res["fee_collection_rate_amount"].denominator == pytest.approx(facts["amount_due"])
    assert res["fee_collection_rate_amount"].numerator == pytest.approx(facts["amount_paid"])
    start = SEASONS[season].start
    before = summary(demo, Period(start - timedelta(days=7), start - timedelta(days=1), season))
    assert before["fee_collection_rate_households"].numerator == \
        facts["households_fully_paid_by_season_start"]


def test_bill_lists_as_planted(demo, expected):
    facts = expected["bills"]
    period = SEASONS["2025-2026"]
    ids = lambda name: sorted(action_list(demo, name, period)["household_id"])  # noqa: E731
    assert ids("unbilled_households") == facts["heated_without_bill_2025_2026"]
    assert ids("bill_mismatches") == facts["bill_wrong_amount_2025_2026"]
    charged = action_list(demo, "charged_in_full", period)
    assert sorted(charged[charged["stopped_charged_full"]]["household_id"]) == \
        facts["bill_stopped_charged_full_2025_2026"]
    assert sorted(charged[charged["exempt_charged_full"]]["household_id"]) == \
        facts["bill_exempt_charged_full_2025_2026"]


@pytest.mark.parametrize("season", list(SEASONS))
def test_ticket_lists_as_planted(demo, expected, season):
    facts = expected[f"tickets_{season}"]
    start, end = SEASONS[season].start, SEASONS[season].end
    # the export holds tickets from 20 days before the season; it was pulled the
    # morning after the season's end, so a cut-off a day later sees it as exported
    span = Period(start - timedelta(days=20), end + timedelta(days=1))
    received = query(demo, "tickets_received", span, by="category")
    assert dict(zip(received["category"], received["numerator"])) == facts["by_category"]
    repeat = action_list(demo, "repeat_complainers", span)
    assert sorted(repeat["household_id"]) == facts["repeat_complaint_households"]
    unanswered = action_list(demo, "unanswered_tickets", span)
    no_result = set(unanswered[unanswered["reason"] == "no_result"]["ticket_no"])
    assert set(facts["resolved_empty_result"]) <= no_result
    open_now = set(action_list(demo, "open_tickets", span)["ticket_no"])
    assert set(facts["open"]) <= open_now


def test_anonymous_tickets_never_show_caller(demo, expected):
    span = Period("2024-10-01", "2026-03-16")
    rows = drill(demo, "tickets_received", span, "numerator")
    anonymous = rows[rows["anonymous"]]
    assert len(anonymous) == sum(expected[f"tickets_{s}"]["anonymous"] for s in SEASONS)
    assert anonymous["caller_name"].isna().all() and anonymous["phone"].isna().all()


def test_cli_summary_json_on_the_demo(demo_db, capsys):
    assert main(["summary", "--from", "2025-11-15", "--to", "2026-03-15", "--db", str(demo_db),
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    required = ["temp_compliance_rate", "temp_household_compliance_rate",
                "temp_unsigned_readings", "temp_exempt_readings", "tickets_received",
                "ticket_closure_rate", "ticket_on_time_rate", "ticket_resolution_hours_median",
                "ticket_resolution_hours_p90", "ticket_followup_rate",
                "ticket_satisfaction_rate", "ticket_unanswered", "complaints_per_10k_m2",
                "fee_collection_rate_amount", "fee_collection_rate_households",
                "fee_arrears_amount", "refund_exposure_amount"]
    assert set(required) <= set(out)
    for kpi_id in required:
        assert set(out[kpi_id]) == {"value", "numerator", "denominator"}
        assert out[kpi_id]["value"] is not None, kpi_id
