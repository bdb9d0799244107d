"""The 待办 table: every action list of the week in one table with the same
columns, so a manager can filter it by station and hand each station its part.

Text that came from users (descriptions, results, names, addresses) is carried
as it is, in its own column; the situation column is written here from numbers,
with the source systems' own words (a category 举报, a status 供热) in the
report's language as the pages show them (metrics.display.value_text).
"""
from __future__ import annotations

import pandas as pd

from i18n import t
from metrics.display import OVERDUE_DAYS, list_label, overdue_in_days, reason_text, value_text
from pipelines.settings import load_settings

from .cells import missing
from .data import WeeklyData

COLUMNS = ("list", "branch", "station", "community", "building", "household_id", "ticket_no",
           "name", "phone", "situation", "content", "result", "at", "temp_c", "amount_yuan",
           "address", "file_name", "source_row")
# Printed: up to the amount; the address (the building is already shown) and
# the lineage columns stay in the file.
PRINTED = COLUMNS.index("amount_yuan")
# Columns holding text typed by people (or by the source systems): kept verbatim.
USER_TEXT = ("branch", "station", "community", "building", "household_id", "ticket_no", "name",
             "phone", "address", "content", "result", "file_name")


# Past this many hours overdue a ticket's delay reads in days, as the pages'
# tables give it (9,387.2 hours is 391.1 days).
OVERDUE_HOURS_SHOWN = 48


def _n(x, digits: int = 1) -> str:
    return "—" if missing(x) else f"{float(x):,.{digits}f}"


def _noncompliant(r: dict, lang: str) -> dict:
    return {"situation": t("report.action.noncompliant", lang, latest=_n(r["latest_indoor_c"]),
                           target=_n(r["target_c"]), counted=r["readings_counted"],
                           failed=r["readings_failed"], lowest=_n(r["lowest_indoor_c"])),
            "content": r.get("readings"), "at": r["latest_measured_at"],
            "temp_c": r["latest_indoor_c"]}


def _unanswered(r: dict, lang: str) -> dict:
    key = "report.action.overdue" if r.get("reason") == "overdue_open" else \
        "report.action.no_result"
    hours = r.get("hours_overdue")
    if key == "report.action.overdue" and not missing(hours) and hours > OVERDUE_HOURS_SHOWN:
        key = "report.action.overdue_days"
    return {"situation": t(key, lang, category=value_text("category", r.get("category"), lang)
                           or "", hours=_n(hours), days=_n(r.get(OVERDUE_DAYS))),
            "name": r.get("caller_name"), "content": r.get("description"),
            "result": r.get("result"), "at": r["received_at"]}


def _repeat(r: dict, lang: str) -> dict:
    days = load_settings()["tickets"]["repeat_complaint_window_days"]
    return {"situation": t("report.action.repeat", lang, days=days,
                           window=r["complaints_in_window"], week=r["complaints_in_period"]),
            "name": r.get("caller_name"), "ticket_no": r.get("ticket_nos"),
            "at": r["last_received_at"]}


def _arrears(r: dict, lang: str) -> dict:
    # The fee season's bills only (metrics list fee_season_arrears), as the KPI sums.
    return {"situation": t("report.action.arrears", lang, season=r["season"],
                           due=_n(r["due_yuan"], 2), paid=_n(r["paid_yuan"], 2),
                           days=r["age_days"]),
            "at": r["last_paid_at"], "amount_yuan": r["arrears_yuan"]}


def _unbilled(r: dict, lang: str) -> dict:
    return {"situation": t("report.action.unbilled", lang, area=_n(r["heated_area_m2"], 2),
                           status=value_text("heating_status", r.get("heating_status"), lang)
                           or "—")}


def _mismatch(r: dict, lang: str) -> dict:
    if r.get("cannot_check"):
        # No area or unit price: nothing to compare the amount with.
        return {"situation": t("report.action.cannot_check", lang, season=r["season"],
                               due=_n(r["due_yuan"], 2)),
                "amount_yuan": None}
    return {"situation": t("report.action.mismatch", lang, season=r["season"],
                           due=_n(r["due_yuan"], 2), expected=_n(r["expected_yuan"], 2)),
            "amount_yuan": r["difference_yuan"]}


def _charged_full(r: dict, lang: str) -> dict:
    key = "report.action.stopped_full" if r.get("stopped_charged_full") else \
        "report.action.exempt_full"
    return {"situation": t(key, lang, season=r["season"], due=_n(r["due_yuan"], 2),
                           expected=_n(r["expected_yuan"], 2)),
            "amount_yuan": r["difference_yuan"]}


_COMPOSE = {"noncompliant_households": _noncompliant, "unanswered_tickets": _unanswered,
            "repeat_complainers": _repeat, "fee_season_arrears": _arrears,
            "unbilled_households": _unbilled, "bill_mismatches": _mismatch,
            "charged_in_full": _charged_full}


def action_rows(data: WeeklyData, lang: str = "zh") -> pd.DataFrame:
    """One row per item of every action list, in the lists' order."""
    rows = []
    for name, df in data.lists.items():
        label = list_label(name, lang)[0]
        df = overdue_in_days(df, None)[0]
        for r in df.to_dict("records"):
            row = {c: r.get(c) for c in COLUMNS}
            row.update(_COMPOSE[name](r, lang))
            row["list"] = label
            if r.get("reason"):
                # Overdue and resolved-without-result tickets, told apart for filtering.
                reason = reason_text(r["reason"], r.get("carried_over"), lang)
                row["list"] = f"{label} · {reason}"
            rows.append(row)
    return pd.DataFrame(rows, columns=list(COLUMNS))
