"""One question, one number, on every surface: the dashboard's KPI cards
(overview, temperature, tickets, fees), their tables, the weekly workbook
(`python -m reports weekly`: the 摘要 headline table, the per-branch and
per-station sheets, the generated paragraph), the report page and
`python -m metrics summary --json`, for a season, an ISO week and a date
range, with no filter, a branch, a station and a branch user's own scope.

The reference is `metrics.summary` (tested against an independent pandas
implementation) for the period the filters name, read here on its own
connection to the demo warehouse. The comparison periods are worked out here
from the rules, not asked of the pages: a week or a date range whose previous
period lies on heating days compares with that previous period, a season with
the same days of last season; the previous period reads the same fee season's
fees as the period itself (fee figures are season-to-date: the change against
last week is the week's progress, never against another season's bills).
Values are compared as shown (a card's 94.97% beside a 95% target shows two
decimals: format_value's rule, applied here to the reference value)."""
from __future__ import annotations

import io
import json
import shutil
from datetime import date, timedelta
from functools import cache

import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from auth import UserStore
from i18n import t
from metrics import Period, Result, get, kpis, summary, summary_kpis
from metrics.cli import main as metrics_cli
from metrics.display import (card_value, format_part, format_parts, format_value,
                              parts_with_units)
from page_testing import APP
from pipelines.coverage import week_bounds
from pipelines.warehouse import connect
from reports import build_weekly, labels
from metrics.display import change as metrics_change
from reports.cells import change_shown
from reports.cli import main as reports_cli
from reports.spec import AREAS
from reports.subjects import FIRST_KPI_COL, MAIN_COLUMNS
from reports.text import change_text as report_change_text
from reports.weekly import SUMMARY_COLUMNS
from ui.kpi import change_text, compared_value

PASSWORD = "correct horse battery"
SEASON = "2025-2026"
WEEK = "2025-W50"
FIRST_WEEK = "2025-W46"   # 10-16 Nov: its previous week lies before the season
RANGE = (date(2026, 1, 5), date(2026, 2, 1))   # its previous 28 days are heating days too
BRANCH, OTHER = "张店分公司", "淄川分公司"
STATION = "华光路换热站"   # of 张店分公司
BRANCHES = (BRANCH, OTHER)

PERIODS = {
    "season": {"season": SEASON, "period": "season"},
    "week": {"season": SEASON, "period": "week", "week": WEEK},
    "range": {"season": SEASON, "period": "range", "from": RANGE[0].isoformat(),
              "to": RANGE[1].isoformat()},
    "first_week": {"season": SEASON, "period": "week", "week": FIRST_WEEK},
}
# slice -> (URL filters, signed-in user, KPI-layer filters, branch scope)
SLICES = {
    "all": ({}, "boss", {}, None),
    "branch": ({"branch": OTHER}, "boss", {"branch": [OTHER]}, None),
    "station": ({"station": STATION}, "boss", {"station": [STATION]}, None),
    "role": ({}, "zd", {}, BRANCH),
}
PAGES = ("pages/overview.py", "pages/temperature.py", "pages/tickets.py", "pages/fees.py")
# The cards each page must show (at least these).
PAGE_CARDS = {
    "pages/overview.py": 9, "pages/temperature.py": 6, "pages/tickets.py": 11,
    "pages/fees.py": 4,
}
# Every slice for the report's week; two or three for the others (each case is
# a session of four pages: about four seconds).
CASES = [("week", s) for s in SLICES] + [("season", s) for s in ("all", "branch", "role")] \
    + [("range", s) for s in ("all", "station")]
LABELS = {k.text("zh")[0]: k.id for k in kpis().values()}
EVERY = tuple(kpis())
HEADLINE = {k.id for k in summary_kpis()}


def period_days(name: str) -> tuple[date, date]:
    kind = PERIODS[name]["period"]
    if kind == "season":
        return date(2025, 11, 15), date(2026, 3, 15)   # a season over by today
    if kind == "week":
        return week_bounds(PERIODS[name]["week"])
    return RANGE


def periods(name: str) -> tuple[Period, Period | None, Period]:
    """The period, the previous one the arrows compare with (None: a season,
    whose arrow is against last season) and the same days of last season,
    worked out from the rules. The previous period reads the period's fee season."""
    start, end = period_days(name)
    now = Period(start, end, SEASON)
    if PERIODS[name]["period"] == "season":
        return now, None, now.last_season()
    days = (end - start).days + 1
    previous = Period(start - timedelta(days=days), start - timedelta(days=1), SEASON)
    return now, previous, now.last_season()


# --- the surfaces, read once per module ------------------------------------------------

@pytest.fixture(scope="module")
def reference(demo_db):
    """`metrics.summary` on a connection of its own, memoised."""
    con = connect(demo_db, read_only=True)

    @cache
    def read(period: Period, filters: tuple = (), scope: str | None = None):
        """Every KPI (the cards show some the headline has not)."""
        return summary(con, period, dict(filters), scope, kpi_ids=EVERY)

    yield read
    con.close()


@pytest.fixture(scope="module")
def short(demo_db, reference):
    """`short(kpi_id, now, last, filters, scope)`: whether the surfaces show no
    last-season figure of a KPI carrying earlier seasons' rows over (漏件)
    because last season had none loaded before it to carry, while the
    period's holds some (metrics.sources.carried_short)."""
    from metrics.sources import carried_short
    from pipelines.coverage import freshness
    con = connect(demo_db, read_only=True)
    fresh = freshness(con)
    con.close()

    def read(kpi_id: str, now: Period, last: Period, filters: tuple = (), scope=None) -> bool:
        kpi = get(kpi_id)
        if not kpi.carried:
            return False
        held = reference(now, filters, scope)[kpi.of_which].value
        return bool(held) and carried_short(kpi, fresh, last, now)
    return read


def key(filters: dict) -> tuple:
    return tuple((k, tuple(v)) for k, v in sorted(filters.items()))


@pytest.fixture(scope="module")
def app(demo_db, tmp_path_factory):
    """The app on a copy of the demo warehouse, with an administrator and a
    branch user (HEATKPI_DB / HEATKPI_USERS for the module)."""
    folder = tmp_path_factory.mktemp("cross_surface")
    path = folder / "warehouse.duckdb"
    shutil.copyfile(demo_db, path)
    store = UserStore(folder / "users.json", sleep=lambda s: None)
    store.add("boss", PASSWORD, "admin")
    store.add("zd", PASSWORD, "branch", branch=BRANCH)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HEATKPI_DB", str(path))
        mp.setenv("HEATKPI_USERS", str(folder / "users.json"))
        mp.setattr("auth.users.time.sleep", lambda s: None)
        yield path


def _elements(node):
    """The page's elements in the order they are drawn."""
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _elements(child)


def cards_of(at: AppTest) -> dict[str, dict]:
    """Each KPI card: its value, arrow (delta) and the caption drawn under it."""
    out, current = {}, None
    for el in _elements(at._tree):
        kind = getattr(el, "type", "")
        if kind == "metric":
            current = LABELS.get(el.label)
            if current is not None:
                out[current] = {"value": el.value, "delta": el.proto.delta, "caption": None}
        elif kind == "caption" and current is not None:
            out[current]["caption"] = el.value
            current = None
    return out


def signed_in(params: dict, user: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params.update(params)
    at.run()
    at.text_input[0].input(user)
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture(scope="module")
def session(app):
    """`session(user)`: an AppTest signed in as `user`, one per user."""
    return cache(lambda user: signed_in({}, user))


@pytest.fixture(scope="module")
def shown(session):
    """`shown(period, slice)`: what each page showed for those filters, with
    the sidebar's filters. The filters come in the URL, as a link brings them
    to a session already open (one sign-in per user)."""

    @cache
    def visit(period: str, slice_: str) -> dict:
        params, user, _, _ = SLICES[slice_]
        at = session(user)
        at.query_params.clear()
        at.query_params.update({**PERIODS[period], **params})
        out = {"tables": {}}
        for page in PAGES:
            at.switch_page(page).run()
            assert not at.exception, (page, [e.value for e in at.exception])
            out[page] = cards_of(at)
            out["tables"][page] = [df.value for df in at.dataframe]
        out["filters"] = at.session_state["filters"]
        return out

    return visit


@pytest.fixture(scope="module")
def cli_db(demo_db, tmp_path_factory):
    """A copy the command lines read (and record their audit entries in)."""
    path = tmp_path_factory.mktemp("cli") / "warehouse.duckdb"
    shutil.copyfile(demo_db, path)
    return path


def sheet_rows(book, name: str) -> list[tuple]:
    return [tuple(r) for r in book[name].iter_rows(values_only=True)]


@pytest.fixture(scope="module")
def workbook(cli_db, tmp_path_factory):
    """`workbook(week, branch)`: the sheets of `python -m reports weekly`, as
    rows of cell values."""
    out_dir = tmp_path_factory.mktemp("books")

    @cache
    def build(week: str, branch: str | None = None) -> dict[str, list[tuple]]:
        out = out_dir / f"{week}_{branch or 'all'}.xlsx"
        args = ["weekly", "--week", week, "--db", str(cli_db), "--out", str(out)]
        assert reports_cli(args + (["--branch", branch] if branch else [])) == 0
        book = openpyxl.load_workbook(out, read_only=True)
        return {ws.title: sheet_rows(book, ws.title) for ws in book.worksheets}

    return build


@pytest.fixture(scope="module")
def scoped_workbook(demo_db):
    """The workbook a branch user gets (the report page's download builds it
    with the user's scope), as rows per sheet."""
    con = connect(demo_db, read_only=True)

    @cache
    def build(week: str, scope: str) -> dict[str, list[tuple]]:
        book = openpyxl.load_workbook(io.BytesIO(build_weekly(con, week, scope_branch=scope)),
                                      read_only=True)
        return {ws.title: sheet_rows(book, ws.title) for ws in book.worksheets}

    yield build
    con.close()


def headline_of(sheets: dict) -> dict[str, dict]:
    """The 摘要 sheet's headline table: KPI id -> column -> cell value."""
    rows = sheets[t("report.sheet.summary", "zh")]
    first = next(i for i, r in enumerate(rows) if r and r[0] == t("report.col.kpi", "zh"))
    out = {}
    for r in rows[first + 1:]:
        if not r or r[0] not in LABELS:
            break
        out[LABELS[r[0]]] = dict(zip(SUMMARY_COLUMNS, r))
    return out


def subject_rows(sheets: dict, area) -> dict[tuple, dict]:
    """A subject sheet's table: (branch, station) -> column -> cell value;
    (None, None) the whole scope, (branch, None) a branch's total."""
    rows = sheets[t(f"report.sheet.{area.name}", "zh")]
    columns = [*MAIN_COLUMNS, *area.extra]
    out = {}
    for r in rows[5:]:
        if not r or r[0] is None:
            break
        if r[1] is None:
            where = (None, None)
        elif r[1] == t("report.table.branch_total", "zh"):
            where = (r[0], None)
        else:
            where = (r[0], r[1])
        out[where] = dict(zip(columns, r[FIRST_KPI_COL:]))
    return out


def paragraph_of(sheets: dict) -> str:
    return sheets[t("report.sheet.summary", "zh")][4][0]


def near(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    # Sums are rounded to 6 decimals (metrics.kpi_query.measures): the branches'
    # add up to the company's within their rounding.
    return abs(a - b) <= 1e-5 + 1e-9 * abs(b)


def last_season_line(card: dict) -> str:
    """A card's "上季同期 …" line, without the change a week's card adds."""
    line = next(x for x in card["caption"].split("  \n") if x.startswith("上季同期 "))
    return line.split("(")[0]


def chip(kpi, change, period: str, now=None, before=None) -> str:
    """A card's chip: the change with what it is against (none: empty); an
    amount's, the difference of the two figures (`now`, `before`) as shown."""
    text = change_text(kpi, change, "zh", beside=now, before=before)
    if text is None:
        return ""
    kind = PERIODS[period]["period"]
    if kind == "season":
        return "较上季同期 " + text
    if kind == "week":
        return "较上周 " + text
    start, end = period_days(period)
    return f"较前 {(end - start).days + 1} 天 " + text


def missing(x) -> bool:
    return x is None or x == "—"


# --- the dashboard's cards ---------------------------------------------------------------

@pytest.mark.parametrize("period,slice_", CASES)
def test_every_pages_cards_equal_the_kpi_layer(shown, reference, short, period, slice_):
    seen = shown(period, slice_)
    f = seen["filters"]
    _, _, filters, scope = SLICES[slice_]
    assert (f.season, f.start, f.end) == (SEASON, *period_days(period))
    assert (list(f.branches), list(f.stations)) == \
        (filters.get("branch", []), filters.get("station", []))
    now, previous, last = periods(period)
    results = reference(now, key(filters), scope)
    before = reference(previous or last, key(filters), scope)
    last_results = reference(last, key(filters), scope)
    for page in PAGES:
        cards = seen[page]
        assert len(cards) >= PAGE_CARDS[page], (page, sorted(cards))
        for kpi_id, card in cards.items():
            kpi, r = get(kpi_id), results[kpi_id]
            where = (page, kpi_id)
            assert card["value"] == card_value(kpi, r.value, "zh"), where
            # (a season's arrow is against last season: none where that is short)
            arrow = None if r.value is None or before[kpi_id].value is None \
                or (previous is None and short(kpi_id, now, last, key(filters), scope)) \
                else metrics_change(kpi.unit, r.value, before[kpi_id].value)
            assert card["delta"] == chip(kpi, arrow, period, r.value,
                                         before[kpi_id].value), where
            lines = card["caption"].split("  \n")
            # The parts under the value, to be checked by hand.
            if kpi.unit == "yuan" and r.value is not None:
                # to the fen, unless the card already shows it so (under ¥10,000)
                exact = format_value(kpi, r.value, "zh")
                parts = None if exact == card["value"] else t("ui.kpi.exact", "zh", value=exact)
            elif r.value is None and not r.denominator:
                parts = None      # "—": no parts to check it by
            elif kpi.kind == "quantile":
                parts = t("ui.kpi.of_rows", "zh", n=format_part(r.denominator))
            elif kpi.has_denominator:
                # amounts with ¥ (the collection rate by amount's parts)
                numerator, denominator = format_parts(kpi, r.numerator, r.denominator, "zh")
                parts = parts_with_units(kpi, r.numerator, r.denominator, "zh") or t(
                    "ui.kpi.parts", "zh", numerator=numerator, denominator=denominator)
            else:
                parts = None
            if parts is not None:
                assert lines.pop(0) == parts, where
            # What of its count the registry's of_which KPI counts (漏件数's
            # items received before the season), when any.
            if kpi.of_which and results[kpi.of_which].value:
                assert lines.pop(0) == t(f"ui.kpi.of_which.{kpi.of_which}", "zh",
                                         n=f"{int(results[kpi.of_which].value):,}"), where
            # Last season's figure, the same days of last season.
            if short(kpi_id, now, last, key(filters), scope):
                assert lines[0] == t("ui.kpi.last_season_short", "zh"), where
                continue
            assert lines[0].startswith(t("ui.kpi.last_season", "zh", value=compared_value(
                kpi, last_results[kpi_id].value, "zh"))), where


# --- python -m metrics summary --json ---------------------------------------------------

@pytest.mark.parametrize("period,slice_", [c for c in CASES if c[1] != "station"])
def test_metrics_cli_json_equals_the_kpi_layer_and_the_cards(shown, reference, cli_db, capsys,
                                                              period, slice_):
    _, _, filters, scope = SLICES[slice_]
    branch = scope or (filters.get("branch") or [None])[0]
    start, end = period_days(period)
    args = ["summary", "--from", start.isoformat(), "--to", end.isoformat(), "--db",
            str(cli_db), "--json"] + (["--branch", branch] if branch else [])
    assert metrics_cli(args) == 0
    out = json.loads(capsys.readouterr().out)
    now, _, _ = periods(period)
    results = reference(now, key(filters), scope)
    assert set(out) == HEADLINE
    for kpi_id in out:
        assert out[kpi_id] == results[kpi_id].asdict(), kpi_id
    # What a card shows for the same question is what the command prints.
    for page in PAGES:
        for kpi_id, card in shown(period, slice_)[page].items():
            if kpi_id in out:
                assert card["value"] == card_value(get(kpi_id), out[kpi_id]["value"], "zh")


# --- the weekly workbook -----------------------------------------------------------------

def report_cases():
    """(label, workbook reader, KPI-layer filters, scope) of the week's workbooks."""
    return [("all", None, {}, None), ("branch", OTHER, {"branch": [OTHER]}, None),
            ("role", None, {}, BRANCH)]


def book_for(workbook, scoped_workbook, week: str, branch, scope) -> dict:
    return scoped_workbook(week, scope) if scope else workbook(week, branch)


@pytest.mark.parametrize("week_period,name,branch,filters,scope",
                         [("week", *c) for c in report_cases()]
                         + [("first_week", *report_cases()[0])])
def test_weekly_headline_equals_the_kpi_layer(workbook, scoped_workbook, reference, short,
                                              week_period, name, branch, filters, scope):
    sheets = book_for(workbook, scoped_workbook, PERIODS[week_period]["week"], branch, scope)
    head = headline_of(sheets)
    now, previous, last = periods(week_period)
    results = {which: reference(p, key(filters), scope)
               for which, p in (("now", now), ("previous", previous), ("last", last))}
    assert set(head) == HEADLINE
    for kpi_id, row in head.items():
        kpi, r = get(kpi_id), results["now"][kpi_id]
        if short(kpi_id, now, last, key(filters), scope):
            results["last"] = {**results["last"], kpi_id: Result(None, None, None)}
        for col, value in (("value", r.value), ("numerator", r.numerator),
                           ("denominator", r.denominator),
                           ("previous_value", results["previous"][kpi_id].value),
                           ("last_season_value", results["last"][kpi_id].value)):
            cell = None if missing(row[col]) else row[col]
            assert near(cell, value), (kpi_id, col, cell, value)
        for col, other in (("change_previous", "previous"), ("change_last_season", "last")):
            before = results[other][kpi_id].value
            want = None if r.value is None or before is None else \
                change_shown(kpi.unit, metrics_change(kpi.unit, r.value, before))
            cell = None if missing(row[col]) else row[col]
            assert near(cell, want), (kpi_id, col, cell, want)


@pytest.mark.parametrize("week_period", ["week", "first_week"])
def test_the_reports_last_week_is_the_pages_comparison(shown, workbook, short, week_period):
    """上周 and 上季同期 of the workbook are the periods the cards' arrows and
    last-season lines compare with, also in a season's first week (whose
    previous week lies before the season: still this season's fees)."""
    week = PERIODS[week_period]["week"]
    head = headline_of(workbook(week))
    seen = shown(week_period, "all")
    now, previous, last = periods(week_period)
    note = [r[0] for r in workbook(week)[t("report.sheet.summary", "zh")]
            if r and isinstance(r[0], str) and r[0].startswith("本周:")]
    assert note and f"上周:{labels.period(previous.start, previous.end)};" in note[0]
    assert f"上季同期:{labels.period(last.start, last.end)}" in note[0]
    for page in PAGES:
        for kpi_id, card in seen[page].items():
            if kpi_id not in head:
                continue
            kpi, row = get(kpi_id), head[kpi_id]
            assert card["value"] == card_value(kpi, row["value"], "zh"), (page, kpi_id)
            change = None if missing(row["previous_value"]) else \
                metrics_change(kpi.unit, row["value"], row["previous_value"])
            assert card["delta"] == chip(kpi, change, week_period, row["value"],
                                         row["previous_value"]), (page, kpi_id)
            then = None if missing(row["last_season_value"]) else row["last_season_value"]
            if short(kpi_id, now, last):
                assert then is None and t("ui.kpi.last_season_short", "zh") in card["caption"]
                continue
            assert last_season_line(card) == t(
                "ui.kpi.last_season", "zh", value=compared_value(kpi, then, "zh")), (page, kpi_id)


def test_branch_reports_add_up_to_the_company(workbook):
    """The headline's numerators and denominators of the two branch reports
    add up to the company's (every household, station and ticket is in one
    branch), and so do the branch rows of each subject sheet."""
    company = headline_of(workbook(WEEK))
    parts = [headline_of(workbook(WEEK, b)) for b in BRANCHES]
    for kpi_id, row in company.items():
        if get(kpi_id).kind == "quantile":
            continue
        for col in ("numerator", "denominator"):
            if missing(row[col]):
                assert all(missing(p[kpi_id][col]) for p in parts), (kpi_id, col)
                continue
            assert near(sum(p[kpi_id][col] for p in parts), row[col]), (kpi_id, col)
    for area in AREAS:
        table = subject_rows(workbook(WEEK), area)
        branch_rows = {b: table[(b, None)] for b in BRANCHES}
        for col in ("numerator", "denominator"):
            assert near(sum(r[col] for r in branch_rows.values()), table[(None, None)][col])
        for b in BRANCHES:
            own = subject_rows(workbook(WEEK, b), area)
            # The branch's report: its total is the company report's branch row.
            for col in (*MAIN_COLUMNS, *area.extra):
                a, c = own[(None, None)][col], branch_rows[b][col]
                assert (missing(a) and missing(c)) or near(a, c), (area.name, b, col)


@pytest.mark.parametrize("slice_", ["branch", "station"])
def test_subject_sheet_rows_equal_the_filtered_cards(shown, workbook, slice_):
    """The 室温 / 工单 / 收费 row of a branch or station is what the pages'
    cards show with that branch or station chosen."""
    seen = shown("week", slice_)
    cards = {k: v for page in PAGES for k, v in seen[page].items()}
    for area in AREAS:
        table = subject_rows(workbook(WEEK), area)
        where = (OTHER, None) if slice_ == "branch" else (BRANCH, STATION)
        row = table[where]
        main = get(area.main)
        assert cards[area.main]["value"] == card_value(main, row["value"], "zh"), area.name
        change = None if missing(row["previous_value"]) else \
            metrics_change(main.unit, row["value"], row["previous_value"])
        assert cards[area.main]["delta"] == chip(main, change, "week", row["value"],
                                                 row["previous_value"])
        for kpi_id in area.extra:
            if kpi_id in cards:
                assert cards[kpi_id]["value"] == card_value(get(kpi_id), row[kpi_id], "zh"), \
                    (area.name, kpi_id)


def test_the_paragraphs_numbers_are_the_headlines(workbook, reference):
    now, previous, last = periods("week")
    for branch, filters in ((None, {}), (OTHER, {"branch": [OTHER]})):
        text = paragraph_of(workbook(WEEK, branch))
        r = reference(now, key(filters))
        p = reference(previous, key(filters))
        ls = reference(last, key(filters))

        def moves(kpi_id, with_last=True):
            parts = [report_change_text(kpi_id, r[kpi_id].value, p[kpi_id].value, "previous",
                                        "zh")]
            if with_last:
                parts.append(report_change_text(kpi_id, r[kpi_id].value, ls[kpi_id].value,
                                                "last_season", "zh"))
            return t("report.text.comma", "zh").join(parts)

        temp = r["temp_compliance_rate"]
        assert t("report.text.temp", "zh",
                 value=format_value(get("temp_compliance_rate"), temp.value),
                 num=f"{temp.numerator:,}", den=f"{temp.denominator:,}",
                 moves=moves("temp_compliance_rate")) in text, branch
        received = r["tickets_received"]
        assert t("report.text.tickets", "zh", n=f"{received.value:,}",
                 moves=moves("tickets_received", False),
                 closure=format_value(get("ticket_closure_rate"),
                                      r["ticket_closure_rate"].value),
                 closure_moves=moves("ticket_closure_rate", False)) in text, branch
        fees = r["fee_collection_rate_amount"]
        assert t("report.text.fees", "zh", season=SEASON, when="本周末",
                 value=format_value(get("fee_collection_rate_amount"), fees.value),
                 moves=moves("fee_collection_rate_amount")) in text, branch


# --- tables ------------------------------------------------------------------------------

def _table(frames, *headers):
    for df in frames:
        if all(h in df.columns for h in headers):
            return df
    raise AssertionError(f"no table with {headers}")


def test_page_tables_equal_the_reports_rows(shown, workbook):
    """The fees page's collection by station and the temperature page's
    drill-down by branch hold the report's station and branch rows."""
    tables = shown("week", "all")["tables"]
    station, branch = t("field.station", "zh"), t("field.branch", "zh")
    fees = _table(tables["pages/fees.py"], station, t("page.fees.col.paid_yuan", "zh"),
                  t("page.fees.col.due_yuan", "zh"))
    report = subject_rows(workbook(WEEK), next(a for a in AREAS if a.name == "fees"))
    by_station = {s: r for (b, s), r in report.items() if s is not None}
    assert set(fees[station]) == set(by_station)
    for _, row in fees.iterrows():
        want = by_station[row[station]]
        assert near(row[t("page.fees.col.paid_yuan", "zh")], want["numerator"])
        assert near(row[t("page.fees.col.due_yuan", "zh")], want["denominator"])
    temp = _table(tables["pages/temperature.py"], branch,
                  t("page.temperature.col.compliant", "zh"),
                  t("page.temperature.col.counted", "zh"))
    report = subject_rows(workbook(WEEK), next(a for a in AREAS if a.name == "temperature"))
    for _, row in temp.iterrows():
        want = report[(row[branch], None)]
        assert row[t("page.temperature.col.compliant", "zh")] == want["numerator"]
        assert row[t("page.temperature.col.counted", "zh")] == want["denominator"]
    assert len(temp) == len(BRANCHES)


# --- the report page, for a branch user --------------------------------------------------

def test_report_page_of_a_branch_user_is_their_branchs(shown, session, reference, short):
    at = session("zd")
    at.query_params.clear()
    at.query_params.update(PERIODS["week"])   # the report page opens on the filters' week
    at.switch_page("pages/report.py").run()
    assert not at.exception, [e.value for e in at.exception]
    now, previous, last = periods("week")
    r, p, ls = (reference(x, (), BRANCH) for x in (now, previous, last))
    table = _table([df.value for df in at.dataframe], t("report.col.kpi", "zh"))
    cols = {c: t(f"report.col.{c}", "zh") for c in
            ("kpi", "value", "previous_value", "last_season_value", "numerator", "denominator")}
    assert len(table) == len(HEADLINE)
    def value(kpi, x):   # on the page, amounts in the meeting's units, as the cards
        return card_value(kpi, x, "zh")

    for _, row in table.iterrows():
        kpi = get(LABELS[row[cols["kpi"]]])
        assert row[cols["value"]] == value(kpi, r[kpi.id].value), kpi.id
        assert row[cols["previous_value"]] == value(kpi, p[kpi.id].value), kpi.id
        then = None if short(kpi.id, now, last, (), BRANCH) else ls[kpi.id].value
        assert row[cols["last_season_value"]] == value(kpi, then), kpi.id
        numerator, denominator = format_parts(kpi, r[kpi.id].numerator, r[kpi.id].denominator,
                                              "zh", compact=True)
        assert (row[cols["numerator"]], row[cols["denominator"]]) == (numerator, denominator), \
            kpi.id
    temp = r["temp_compliance_rate"]
    assert f"有效记录 {temp.denominator:,} 条,达标 {temp.numerator:,} 条" in at.info[0].value


@pytest.mark.parametrize("season", [SEASON, "2024-2025"])
def test_a_trends_week_is_the_cards_week_at_the_seasons_edges(demo_con, season):
    # The season's first and last ISO weeks begin or end outside it (2025-W46
    # is 10-16 Nov, the season starts on the 15th; 2024-2025 ends on Saturday
    # 15 Mar, within 2025-W11). A week's point on the overview's and the
    # temperature page's trends is the week a card and the weekly report read
    # for it, Monday to Sunday, not its days of the season; every summary KPI.
    from metrics import query
    from metrics.trends import weekly, weeks_window
    from pipelines.coverage import season_bounds
    first, last = season_bounds(season)
    window = weeks_window(season)
    assert window.start.weekday() == 0 and window.end.weekday() == 6
    assert window.start <= first and window.end >= last
    edges = [window.start, window.end - timedelta(days=6)]
    for kpi in summary_kpis():
        trend = weekly(demo_con, kpi.id, season).set_index("week")
        for monday in edges:
            card = query(demo_con, kpi.id, Period(monday, monday + timedelta(days=6),
                                                  season)).iloc[0]
            got, want = ([None if pd.isna(x) else float(x) for x in
                          (r["numerator"], r["denominator"], r["value"])]
                         for r in (trend.loc[pd.Timestamp(monday)], card))
            if got[:2] == [None, None]:
                # a week without rows has no trend row; the query counts 0 of 0
                assert not (want[0] or want[1]), (kpi.id, monday)
                continue
            assert all(near(a, b) for a, b in zip(got, want)), (kpi.id, monday, got, want)
    # The temperature page's weekly chart reads the same window.
    from metrics.temperature_detail import weekly_readings
    weeks = weekly_readings(demo_con, window).set_index("week")
    card = query(demo_con, "temp_compliance_rate",
                 Period(edges[0], edges[0] + timedelta(days=6), season)).iloc[0]
    assert weeks.loc[pd.Timestamp(edges[0]), "counted"] == card["denominator"]
