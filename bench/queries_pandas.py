"""The summary KPIs computed with pandas on DataFrames already in memory: the
baseline bench/queries.py compares the SQL layer with, and an independent
second implementation of every definition (the bench checks both agree).

Written the way a careful pandas user would: boolean masks, `map` through
indexed Series, `groupby` without sorting; nothing is shared between KPIs, so
each is timed on its own like its SQL twin.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from metrics.compose import FULLY_PAID_TOLERANCE_YUAN, settings_params
from metrics.period import Period, season_bounds

TABLES = {
    "households": "SELECT household_id, branch, station, customer_type, heated_area_m2, "
                  "contract_temp_c, heating_status FROM households",
    "readings": "SELECT household_id, measured_at, indoor_c, outdoor_c, signed "
                "FROM temperature_readings",
    "tickets": "SELECT ticket_no, received_at, category, household_id, station, resolved_at, "
               "result, followup_at, satisfaction FROM tickets",
    "bills": "SELECT household_id, season, amount_due, heating_status FROM fee_bills",
    "payments": "SELECT household_id, season, paid_at, amount FROM fee_payments",
}


@dataclass
class Frames:
    households: pd.DataFrame
    readings: pd.DataFrame
    tickets: pd.DataFrame
    bills: pd.DataFrame
    payments: pd.DataFrame
    # Per season, the households whose bill's status differs from the
    # roster's (stopped: True for 停热 on the bill): computed once on loading,
    # as the warehouse computes its readings' flags once on loading.
    status_changes: pd.DataFrame | None = None


def load(con) -> Frames:
    """Every table the summary reads, as DataFrames (not timed by the bench)."""
    f = Frames(**{name: con.execute(sql).df() for name, sql in TABLES.items()})
    h, b = f.households, f.bills
    b = b[b["heating_status"].notna()]
    roster = b["household_id"].isin(h.loc[h["heating_status"] == "停热", "household_id"])
    stopped = b["heating_status"] == "停热"
    f.status_changes = pd.DataFrame({"household_id": b["household_id"], "season": b["season"],
                                     "stopped": stopped})[stopped != roster]
    return f


def _s() -> dict:
    return settings_params()


def _in(ts: pd.Series, p: Period) -> pd.Series:
    return (ts >= p.start_at) & (ts < p.cutoff_at)


def _result(num, den, value):
    return value, num, den


def _rate(num, den):
    return _result(int(num), int(den), (num / den) if den else None)


def _targets(f: Frames) -> pd.Series:
    s = _s()
    h = f.households
    # the contract only for 非居民 and 平房; any other type, or none, 18 °C
    target = np.where(h["customer_type"].isin(["非居民", "平房"]),
                      h["contract_temp_c"].fillna(s["default_contract_temp_c"]),
                      s["residential_target_c"])
    return pd.Series(target, index=h["household_id"])


def _target_of(f: Frames, household_id: pd.Series) -> np.ndarray:
    """Each reading's target; the residential one for a household not in the
    roster. (reindex, not map: mapping an empty Series types it as text.)"""
    t = _targets(f).reindex(household_id).to_numpy(dtype="float64", na_value=np.nan)
    return np.where(np.isnan(t), _s()["residential_target_c"], t)


def _stopped(f: Frames, r: pd.DataFrame) -> pd.Series:
    """Whether each reading's household was stopped (停热) in the reading's
    season: its bill of that season says so, or with no bill (or no status on
    it) the roster. (The roster's, changed for the few households whose bill
    of the reading's season says otherwise: f.status_changes.)"""
    h = f.households
    t = r["measured_at"]
    s = _s()
    end = s["season_end_month"] * 100 + s["season_end_day"]
    year = (t.dt.year - np.where(t.dt.month * 100 + t.dt.day > end, 0, 1)).to_numpy()
    ids = r["household_id"]
    out = ids.isin(h.loc[h["heating_status"] == "停热", "household_id"]).to_numpy().copy()
    for y in np.unique(year):
        at = year == y
        out[at] = _season_stopped(f, ids[at], f"{y}-{y + 1}", out[at])
    return pd.Series(out, index=r.index)


def _season_stopped(f: Frames, ids: pd.Series, season: str,
                    roster_stopped: np.ndarray) -> np.ndarray:
    """Whether each household was stopped (停热) in `season`: the roster's
    status, changed where its bill of that season says otherwise."""
    c = f.status_changes[f.status_changes["season"] == season]
    if c.empty:
        return roster_stopped
    stops = ids.isin(c.loc[c["stopped"], "household_id"]).to_numpy()
    resumes = ids.isin(c.loc[~c["stopped"], "household_id"]).to_numpy()
    return (roster_stopped | stops) & ~resumes


def _readings(f: Frames, p: Period) -> pd.DataFrame:
    s = _s()
    r = f.readings[_in(f.readings["measured_at"], p)]
    valid = r["signed"].fillna(False).astype(bool)
    stopped = _stopped(f, r)
    exempt = valid & ((r["outdoor_c"] < s["design_outdoor_c"]).fillna(False) | stopped)
    return r.assign(valid=valid, exempt=exempt, counted=valid & ~exempt)


def temp_compliance_rate(f: Frames, p: Period):
    r = _readings(f, p)
    r = r[r["counted"]]
    return _rate((r["indoor_c"] >= _target_of(f, r["household_id"])).sum(), len(r))


def temp_household_compliance_rate(f: Frames, p: Period):
    r = _readings(f, p)
    r = r[r["counted"]]
    last = r.loc[r.groupby("household_id", sort=False)["measured_at"].idxmax()]
    return _rate((last["indoor_c"] >= _target_of(f, last["household_id"])).sum(), len(last))


def temp_unsigned_readings(f: Frames, p: Period):
    r = _readings(f, p)
    n, d = int((~r["valid"]).sum()), len(r)
    return _result(n, d, n if d else None)


def temp_exempt_readings(f: Frames, p: Period):
    r = _readings(f, p)
    n, d = int(r["exempt"].sum()), int(r["valid"].sum())
    return _result(n, d, n if d else None)


def _tickets(f: Frames, p: Period) -> pd.DataFrame:
    s = _s()
    t = f.tickets[f.tickets["received_at"] < p.cutoff_at]
    hours = t["category"].map(dict(zip(s["limit_categories"], s["limit_resolve_hours"])))
    hours = hours.astype("float64")   # (mapping an empty column keeps its text type)
    return t.assign(deadline=t["received_at"] + pd.to_timedelta(hours, unit="h"),
                    resolved=t["resolved_at"] < p.cutoff_at)


def tickets_received(f: Frames, p: Period):
    n = int(_in(f.tickets["received_at"], p).sum())
    return _result(n, None, n)


def ticket_closure_rate(f: Frames, p: Period):
    t = f.tickets[_in(f.tickets["received_at"], p)]
    return _rate((t["resolved_at"] < p.cutoff_at).sum(), len(t))


def ticket_on_time_rate(f: Frames, p: Period):
    t = _tickets(f, p)
    t = t[_in(t["deadline"], p)]
    return _rate((t["resolved_at"] <= t["deadline"]).sum(), len(t))


def _received(f: Frames, p: Period) -> pd.DataFrame:
    """As every ticket KPI: the tickets received by the cut-off (one received
    after it is not there yet, whatever its resolved time says)."""
    return f.tickets[f.tickets["received_at"] < p.cutoff_at]


def _resolution_hours(f: Frames, p: Period) -> pd.Series:
    t = _received(f, p)
    t = t[_in(t["resolved_at"], p)]
    return (t["resolved_at"] - t["received_at"]).dt.total_seconds() / 3600


def ticket_resolution_hours_median(f: Frames, p: Period):
    h = _resolution_hours(f, p)
    return _result(None, len(h), float(h.quantile(0.5)) if len(h) else None)


def ticket_resolution_hours_p90(f: Frames, p: Period):
    h = _resolution_hours(f, p)
    return _result(None, len(h), float(h.quantile(0.9)) if len(h) else None)


def ticket_followup_rate(f: Frames, p: Period):
    t = _received(f, p)
    t = t[_in(t["resolved_at"], p) & t["category"].isin(_s()["followup_categories"])]
    return _rate(t["followup_at"].notna().sum(), len(t))


def ticket_satisfaction_rate(f: Frames, p: Period):
    s = _s()
    t = _received(f, p)
    # a rating counts only on a follow-up recorded (follow-ups with a rating)
    t = t[_in(t["resolved_at"], p) & t["followup_at"].notna()
          & t["satisfaction"].isin(s["rating_words"])]
    return _rate(t["satisfaction"].isin(s["satisfied_words"]).sum(), len(t))


# No result text: nothing but whitespace, separators, control or format
# characters, dashes and slashes (a cell saying "none" with "—" or "/")
# (RE2 syntax: pyarrow's strings match with RE2, fast, and know \p{}).
BLANK = r"[\s\p{Z}\p{Cc}\p{Cf}\-‐‑‒–—―─━－/／\\＼]*"


def ticket_unanswered(f: Frames, p: Period):
    t = _tickets(f, p)
    overdue = (t["deadline"] < p.cutoff_at) & ~t["resolved"]
    blank = (t["result"].astype(pd.StringDtype("pyarrow")).fillna("").str.fullmatch(BLANK)
             .astype(bool))
    no_result = t["resolved"] & blank
    n = int((overdue | no_result).sum())
    return _result(n, None, n)


def complaints_per_10k_m2(f: Frames, p: Period):
    t = f.tickets
    n = int((_in(t["received_at"], p) & t["category"].isin(_s()["complaint_categories"])).sum())
    h = f.households
    # heated: not stopped in the period's season
    heated = ~_season_stopped(f, h["household_id"], p.fee_season,
                              (h["heating_status"] == "停热").to_numpy(dtype=bool, na_value=False))
    area = round(float(h.loc[heated, "heated_area_m2"].sum()) / 10000, 6)
    return _result(n, area, n / area if area else None)


def _fees(f: Frames, p: Period) -> pd.DataFrame:
    season = p.fee_season
    b = f.bills[f.bills["season"] == season]
    pay = f.payments
    pay = pay[(pay["season"] == season) & (pay["paid_at"] < p.cutoff_at)]
    paid = pay.groupby("household_id", sort=False)["amount"].sum()
    # reindex, not map: mapping through an empty Series typed the column as text
    paid = paid.reindex(b["household_id"]).to_numpy(dtype="float64", na_value=np.nan)
    return b.assign(paid=np.nan_to_num(paid)), float(pay["amount"].sum())


def fee_collection_rate_amount(f: Frames, p: Period):
    b, paid = _fees(f, p)
    due = float(b["amount_due"].sum())
    paid, due = round(paid, 6), round(due, 6)
    return _result(paid, due, paid / due if due else None)


def fee_collection_rate_households(f: Frames, p: Period):
    b, _ = _fees(f, p)
    return _rate((b["paid"] >= b["amount_due"] - FULLY_PAID_TOLERANCE_YUAN).sum(), len(b))


def fee_arrears_amount(f: Frames, p: Period):
    b, _ = _fees(f, p)
    owed = b["amount_due"] - b["paid"]
    v = round(float(owed[b["paid"] < b["amount_due"] - FULLY_PAID_TOLERANCE_YUAN].sum()), 6)
    # a season without bills has no arrears figure (not 0)
    return _result(v, None, v if len(b) else None)


def refund_exposure_amount(f: Frames, p: Period):
    s = _s()
    r = _readings(f, p)
    r = r[r["counted"]]
    if r.empty:   # no valid, non-exempt reading: no refund figure (not 0, nor ¥0.00 parts)
        return _result(None, None, None)
    r = r[r["indoor_c"] < _target_of(f, r["household_id"])]
    days = (r.assign(day=r["measured_at"].dt.normalize())
            .groupby(["household_id", "day"], sort=False)["indoor_c"].min().reset_index())
    # the season of each day; days between seasons refund nothing
    year = days["day"].dt.year
    start_this = pd.to_datetime(dict(year=year, month=s["season_start_month"],
                                     day=s["season_start_day"]))
    end_this = pd.to_datetime(dict(year=year, month=s["season_end_month"],
                                   day=s["season_end_day"]))
    first = np.where(days["day"] >= start_this, year,
                     np.where(days["day"] <= end_this, year - 1, -1))
    days = days.assign(first=first)
    days = days[days["first"] > 0]
    if days.empty:   # no non-compliant day of a season (the column types below need rows)
        return _result(0.0, None, 0.0)
    days["season"] = days["first"].astype(str) + "-" + (days["first"] + 1).astype(str)
    season_days = {name: (season_bounds(name)[1] - season_bounds(name)[0]).days + 1
                   for name in days["season"].unique()}
    share = pd.Series(0.0, index=days.index)
    for lo, hi, sh in zip(s["tier_min_c"], s["tier_max_c"], s["tier_share"]):
        share[(days["indoor_c"] >= lo) & (days["indoor_c"] < hi)] = sh
    due = f.bills.set_index(["household_id", "season"])["amount_due"]
    fee = pd.Series(due.reindex(pd.MultiIndex.from_frame(days[["household_id", "season"]]))
                    .to_numpy(), index=days.index)
    if fee.isna().all():   # no bill for any non-compliant day: no figure (not 0)
        return _result(None, None, None)
    v = round(float((fee / days["season"].map(season_days) * share).sum()), 6)
    return _result(v, None, v)


KPIS = {fn.__name__: fn for fn in (
    temp_compliance_rate, temp_household_compliance_rate, temp_unsigned_readings,
    temp_exempt_readings, tickets_received, ticket_closure_rate, ticket_on_time_rate,
    ticket_resolution_hours_median, ticket_resolution_hours_p90, ticket_followup_rate,
    ticket_satisfaction_rate, ticket_unanswered, complaints_per_10k_m2,
    fee_collection_rate_amount, fee_collection_rate_households, fee_arrears_amount,
    refund_exposure_amount)}
