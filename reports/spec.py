"""What the weekly report shows: its three subject sheets and the action lists.

Every figure is a KPI of the registry (metrics/kpis.toml) or a list of
metrics.LISTS, named here by id; nothing is computed in the report itself.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Area:
    """A subject sheet. `main` gets the full comparison (this week, last week,
    same week last season, changes, numerator, denominator) and the charts;
    `extra` KPIs get this week's value beside it."""
    name: str               # temperature | tickets | fees (i18n report.area.<name>)
    main: str
    extra: tuple[str, ...]


AREAS: tuple[Area, ...] = (
    Area("temperature", "temp_compliance_rate",
         ("temp_household_compliance_rate", "temp_unsigned_readings", "refund_exposure_amount")),
    Area("tickets", "ticket_closure_rate",
         ("tickets_received", "ticket_on_time_rate", "ticket_followup_rate",
          "ticket_satisfaction_rate", "ticket_unanswered", "complaints_per_10k_m2")),
    Area("fees", "fee_collection_rate_amount",
         ("fee_collection_rate_households", "fee_arrears_amount", "fee_collected_amount")),
)

# Groupings of the subject tables: the whole scope, each branch, each station.
LEVELS = ((), ("branch",), ("branch", "station"))

# Action lists on the 待办 sheet, in order, with how many rows at most
# (None: all of them; the largest arrears are enough for the meeting). The
# arrears are the fee season's bills, as on the overview: the ones the arrears
# KPI sums (earlier seasons' are on the fees page).
ACTION_LISTS: tuple[tuple[str, int | None], ...] = (
    ("noncompliant_households", None),
    ("unanswered_tickets", None),
    ("repeat_complainers", None),
    ("fee_season_arrears", 50),
    ("unbilled_households", None),
    ("bill_mismatches", None),
    ("charged_in_full", None),
)

# Lists of the fee season's bills: before any bill of the season is loaded
# they are empty because nothing can be checked, not because all is well (no
# arrears, every heated household billed); their count is then no figure.
BILL_LISTS = ("fee_season_arrears", "unbilled_households", "bill_mismatches",
              "charged_in_full")

# Lists that name the same items as another, more specific one, and the columns
# that identify an item: the report lists such an item once, under the more
# specific list (a stopped household charged in full is also a bill whose
# amount differs from the tariff). (first, second, key columns): the first list
# leaves out what the second names.
OVERLAPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("bill_mismatches", "charged_in_full", ("household_id", "season")),
)
