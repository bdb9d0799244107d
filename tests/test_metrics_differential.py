"""Every headline KPI of `metrics.summary` against the independent pandas
implementation in bench/queries_pandas.py, on small random warehouses.

Hypothesis draws a period (a single day, an ISO week around a season's start
or end, a whole season, a run of days, the comparison periods the weekly report
reads) and a warehouse whose times cluster at that period's edges: readings at
the start, one second before the cut-off and at it, several a day, on days
below the design outdoor temperature and at it exactly, unsigned, of
households not in the roster, of non-residential and bungalow households with
and without a contract temperature; tickets resolved exactly at their deadline
or a second after, open across the cut-off, resolved before they were
received, followed up without a rating, rated without a follow-up, anonymous,
with blank results (a tab, a line break, a zero-width space, a dash or a
slash), with times to the microsecond; bills and partial payments, reversals,
payments at and after the cut-off or for another season, households paying
without a bill, stopped households. Rows go straight into the loaded tables, as the hand-worked tests
do (metrics/testing.py), keeping what the loader guarantees (natural keys
unique, required fields present), but for tickets resolved before they were
received, which the loader rejects and both sides must still count alike.

Each warehouse is asked twice: with the models computed from their SQL files,
then after `stored.ensure` has built the stored models as the app does on
opening a warehouse. Value, numerator and denominator of every KPI must agree
with pandas (bench/queries.py `agree`). A second test runs the same with time
limits changed in settings: 咨询 due at receipt (0 h) and 建议 without a limit.
"""
from __future__ import annotations

import importlib
import sys
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import metrics.compose
from metrics import Period, stored, summary
from metrics.testing import add_batch, insert
from pipelines.settings import load_settings
from pipelines.warehouse import DATA_TABLES, connect

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _bench_modules():
    """bench/queries_pandas.py and bench/queries.py's `agree`. bench/ is not a
    package and holds a pages.py: it is on sys.path only while importing."""
    sys.path.insert(0, str(BENCH))
    try:
        return importlib.import_module("queries_pandas"), importlib.import_module("queries").agree
    finally:
        sys.path.remove(str(BENCH))


queries_pandas, agree = _bench_modules()

SECOND, HOUR, DAY = timedelta(seconds=1), timedelta(hours=1), timedelta(days=1)

# ------------------------------------------------------------------------ periods

SEASON_STARTS = [date(2024, 11, 15), date(2025, 11, 15), date(2027, 11, 15)]
SEASON_ENDS = [date(2025, 3, 15), date(2026, 3, 15), date(2028, 3, 15)]
DAYS = st.dates(date(2024, 10, 1), date(2026, 4, 30))


def _run(start: date, days: int) -> Period:
    return Period(start, start + timedelta(days=days))


def _week_near(day: date, shift: int) -> Period:
    return Period.week(day + timedelta(days=shift))


# Each kind of period gets its share of the examples (a test per kind).
PERIOD_KINDS = {
    "single_day": DAYS.map(lambda d: Period(d, d)),
    # ISO weeks holding a season's first day or the day after its last (most
    # cross it), and their neighbours
    "week_at_season_start": st.builds(_week_near, st.sampled_from(SEASON_STARTS),
                                      st.integers(-3, 3)),
    "week_at_season_end": st.builds(_week_near, st.sampled_from(SEASON_ENDS).map(
        lambda d: d + DAY), st.integers(-3, 3)),
    "whole_season": st.sampled_from(["2024-2025", "2025-2026", "2027-2028"]).map(
        Period.whole_season),
    # runs of days, summer ones (fees of the season just ended), and the
    # comparison periods the weekly report reads (the period before, the same
    # days of last season: a Period naming its fee season)
    "runs_and_comparisons": st.one_of(
        st.builds(_run, DAYS, st.integers(0, 40)),
        st.builds(_run, st.dates(date(2025, 6, 1), date(2025, 9, 30)), st.integers(0, 10)),
        st.builds(_run, DAYS, st.integers(0, 20)).map(lambda p: p.previous()),
        st.builds(_week_near, DAYS, st.just(0)).map(lambda p: p.last_season())),
}
PERIODS = st.one_of(*PERIOD_KINDS.values())


def _seasons(p: Period) -> list[str]:
    """Fee seasons worth billing for a period: its own and its neighbours."""
    first = int(p.fee_season[:4])
    return [f"{y}-{y + 1}" for y in (first - 1, first, first + 1)]


# ------------------------------------------------------------------------- times

# Offsets from an anchor: the edges themselves, a second either side, the time
# limits (so deadlines land on the period's edges), and anything in 4 days.
EDGE_OFFSETS = [timedelta(0), SECOND, -SECOND, HOUR, -HOUR, 9 * HOUR, -15 * HOUR,
                -24 * HOUR, -48 * HOUR, -72 * HOUR, 24 * HOUR, -DAY - SECOND,
                timedelta(microseconds=-1), timedelta(milliseconds=500)]
OFFSETS = st.one_of(st.sampled_from(EDGE_OFFSETS),
                    st.integers(-4 * 86400, 4 * 86400).map(lambda s: timedelta(seconds=s)))


@st.composite
def moments(draw, p: Period) -> datetime:
    """A time near one of the period's edges, or anywhere in it."""
    if draw(st.booleans()):
        anchor = draw(st.sampled_from([p.start_at, p.cutoff_at]))
        return anchor + draw(OFFSETS)
    return p.start_at + timedelta(seconds=draw(st.integers(0, p.days * 86400 - 1)))


# ---------------------------------------------------------------------- roster

POOL = ["h1", "h2", "h3", "h4", "h5"]
STRANGER = "h9"        # in readings, tickets and fees, never in the roster
HOUSEHOLD_IDS = st.sampled_from(POOL + [STRANGER])
STATIONS = ["S1", "S2", "S3"]


@st.composite
def households(draw) -> list[dict]:
    rows = []
    for i, hid in enumerate(POOL):
        if i > 0 and not draw(st.booleans()) and not draw(st.booleans()):
            continue   # a quarter of them missing from the roster
        station = draw(st.sampled_from(STATIONS))
        rows.append(dict(
            household_id=hid, branch="张店分公司" if station != "S3" else "淄川分公司",
            station=station, community="C1", building=f"{i + 1}号楼",
            zone=draw(st.sampled_from(["高区", "低区", None])),
            customer_type=draw(st.sampled_from(["居民", "非居民", "平房", None])),
            heated_area_m2=draw(st.sampled_from([0.01, 55.5, 80.0, 123.45, 1000.0])),
            contract_temp_c=draw(st.sampled_from([None, 16.0, 18.0, 20.0])),
            heating_status=draw(st.sampled_from(["供热", "停热", None])),
            name=f"户主{i}", phone=f"1300000000{i}"))
    return rows


# --------------------------------------------------------------------- readings

INDOOR = st.one_of(st.sampled_from([0.0, 11.9, 12.0, 15.9, 16.0, 17.9, 18.0, 18.1, 19.9, 20.0,
                                    35.0]),
                   st.integers(0, 350).map(lambda t: t / 10))
OUTDOOR = st.sampled_from([None, 0.0, 5.0, -3.0, 2.5, -7.3, -7.4, -7.41, -7.5, -12.0, -40.0,
                           45.0])


@st.composite
def readings(draw, p: Period) -> list[dict]:
    rows, seen = [], set()
    for _ in range(draw(st.integers(0, 10))):
        hid, first = draw(HOUSEHOLD_IDS), draw(moments(p))
        # several readings of one household on one day
        for hours in draw(st.lists(st.sampled_from([0, 1, 5, 13]), min_size=1, max_size=3,
                                   unique=True)):
            at = first + timedelta(hours=hours)
            if (hid, at) in seen:    # (household, time) is the readings' key
                continue
            seen.add((hid, at))
            rows.append(dict(household_id=hid, measured_at=at, indoor_c=draw(INDOOR),
                             outdoor_c=draw(OUTDOOR),
                             signed=draw(st.sampled_from([True, True, True, False])),
                             inspector="王海涛"))
    return rows


# ---------------------------------------------------------------------- tickets

CATEGORIES = st.sampled_from(["咨询", "报修", "抢修", "投诉", "举报", "建议"])
# blank results: spaces, an ideographic space, a tab (a CSV export's blank
# cell), a line break, a zero-width space, a dash or a slash for "none"
RESULTS = st.sampled_from([None, "已处理", "  已处理", "\u3000", "\t", "\r\n", "\u200b",
                           "已处理\n", "—", " / ", "－", "—已处理"])


@st.composite
def tickets(draw, p: Period) -> list[dict]:
    limits = dict(zip(metrics.compose.settings_params()["limit_categories"],
                      metrics.compose.settings_params()["limit_resolve_hours"]))
    rows = []
    for i in range(draw(st.integers(0, 12))):
        category = draw(CATEGORIES)
        received = draw(moments(p))
        limit = timedelta(hours=limits.get(category, 30.0))
        resolved = draw(st.one_of(
            st.none(),                                                   # open
            st.sampled_from([received, received + limit, received + limit + SECOND,
                             received + limit - SECOND,
                             received - HOUR]),                          # before received
            OFFSETS.map(lambda d, r=received: r + abs(d)),
            moments(p)))
        followup = draw(st.one_of(
            st.none(), st.none(),
            st.sampled_from([0, 1, 48, 49]).map(
                lambda h, r=resolved or received: r + timedelta(hours=h)),
            moments(p)))
        anonymous = draw(st.sampled_from([False, True, None]))
        rows.append(dict(
            ticket_no=f"t{i}", received_at=received, category=category,
            channel=draw(st.sampled_from(["电话", "微信"])),
            household_id=draw(st.one_of(st.none(), HOUSEHOLD_IDS)),
            caller_name=None if anonymous else "来电人", phone=None if anonymous else "139",
            anonymous=anonymous, description=f"{category} 3号楼1201",
            station=draw(st.sampled_from([None, "S1", "S3", "S9"])),
            resolved_at=resolved, result=draw(RESULTS), followup_at=followup,
            # a follow-up without a rating, and a rating without a follow-up
            satisfaction=draw(st.sampled_from([None, "满意", "基本满意", "不满意"]))))
    return rows


# ------------------------------------------------------------------------- fees

AMOUNTS = st.one_of(st.sampled_from([0.0, 0.01, 100.0, 690.0, 1840.0, 3100.4]),
                    st.integers(1, 400000).map(lambda fen: fen / 100))


@st.composite
def fees(draw, p: Period) -> tuple[list[dict], list[dict]]:
    seasons = _seasons(p)
    bills = []
    for hid in POOL:
        for season in seasons:
            if draw(st.integers(0, 2)) == 0:
                continue
            exemption = draw(st.sampled_from([0.0, 0.0, 345.0]))
            status = draw(st.sampled_from(["供热", "停热"]))
            bills.append(dict(household_id=hid, season=season, heated_area_m2=80.0,
                              unit_price=23.0, exemption=exemption, heating_status=status,
                              amount_due=draw(AMOUNTS)))
    due = {(b["household_id"], b["season"]): b["amount_due"] for b in bills}
    payments = []
    for i in range(draw(st.integers(0, 14))):
        hid, season = draw(HOUSEHOLD_IDS), draw(st.sampled_from(seasons + [p.fee_season] * 3))
        owed = due.get((hid, season), 500.0)
        amount = draw(st.one_of(
            st.sampled_from([owed, round(owed / 2, 2), owed - round(owed / 2, 2),
                             round(owed - 0.01, 2), -50.0, -owed]),
            AMOUNTS))
        payments.append(dict(receipt_no=f"p{i}", household_id=hid, season=season,
                             paid_at=draw(moments(p)), amount=amount,
                             method=draw(st.sampled_from(["现金", "微信"])),
                             collector="刘红", invoice_no=f"INV{i}"))
    return bills, payments


@st.composite
def cases(draw, periods=PERIODS):
    p = draw(periods)
    bills, payments = draw(fees(p))
    return p, {"households": draw(households()), "temperature_readings": draw(readings(p)),
               "tickets": draw(tickets(p)), "fee_bills": bills, "fee_payments": payments}


# ----------------------------------------------------------------------- checks

BATCH = {"households": 1, "temperature_readings": 2, "tickets": 3, "fee_bills": 4,
         "fee_payments": 5}


@pytest.fixture(scope="module")
def wh():
    """One warehouse in memory, emptied for each example (opening one and
    creating its schema costs more than a summary on it)."""
    con = connect(":memory:")
    yield con
    con.close()


def fill(con, tables: dict[str, list[dict]]) -> None:
    """Empty the warehouse (rows, batches, stored models) and insert `tables`."""
    for table in (*DATA_TABLES, "batches", "derived_state"):
        con.execute(f"delete from {table}")
    for table in (stored.TABLE, stored.TICKET_TABLE):
        con.execute(f"drop table if exists {table}")
    for table, rows in tables.items():
        add_batch(con, BATCH[table])
        insert(con, table, [{**r, "batch_id": BATCH[table], "source_row": i + 2}
                            for i, r in enumerate(rows)])


def differences(con, period: Period, expected: dict[str, tuple], how: str) -> list[str]:
    out = []
    for kpi_id, ours in summary(con, period).items():
        for part, a, b in zip(("value", "numerator", "denominator"),
                              (ours.value, ours.numerator, ours.denominator), expected[kpi_id]):
            if not agree(a, b):
                out.append(f"{kpi_id}.{part} ({how}): metrics {a!r}, pandas {b!r}")
    return out


def check(con, period: Period, tables: dict[str, list[dict]]) -> None:
    fill(con, tables)
    frames = queries_pandas.load(con)
    expected = {kpi_id: fn(frames, period) for kpi_id, fn in queries_pandas.KPIS.items()}
    assert not stored.is_fresh(con)
    problems = differences(con, period, expected, "computed")
    # What the app does on opening a warehouse: build the stored models.
    assert stored.ensure(con) and stored.is_fresh(con)
    problems += differences(con, period, expected, "stored")
    assert not problems, f"{period.label()} (fee season {period.fee_season}):\n" + \
        "\n".join(problems)


EXAMPLES = settings(max_examples=8, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.mark.parametrize("kind", list(PERIOD_KINDS))
@EXAMPLES
@given(data=st.data())
def test_summary_agrees_with_pandas(wh, kind, data):
    check(wh, *data.draw(cases(PERIOD_KINDS[kind]), label="case"))


@contextmanager
def other_limits():
    """Settings where a consultation is due at receipt (0 h) and a suggestion
    has no time limit (no deadline: never due, never overdue)."""
    real = load_settings()
    limits = {**real["tickets"]["limits"], "咨询": {"resolve_hours": 0}, "建议": {}}
    changed = {**real, "tickets": {**real["tickets"], "limits": limits}}
    with mock.patch.object(metrics.compose, "load_settings", lambda *a, **k: changed):
        yield


@settings(EXAMPLES, max_examples=12)
@given(cases())
def test_summary_agrees_with_pandas_other_time_limits(wh, case):
    with other_limits():
        check(wh, *case)
