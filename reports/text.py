"""The summary paragraph: the week's main movements in plain sentences.

Every word of direction is worked out from the numbers as they are shown
(a change that rounds to 0.0 points is "flat"), never typed by hand.
"""
from __future__ import annotations

import pandas as pd

from i18n import has, separator, t
from metrics import get
from metrics.display import change, format_value, list_label
from metrics.sources import rests_on

from . import labels
from .cells import change_shown, missing
from .data import AreaData, WeeklyData

# How many of the weakest stations the paragraph names when no target is set.
WEAKEST_SHOWN = 3


def change_text(kpi_id: str, now, before, against: str, lang: str) -> str:
    """"较上周下降 1.1 个百分点" / "down 1.1 points on last week"; `against` is
    previous | last_season."""
    where = t(f"report.move.{against}", lang)
    if missing(now) or missing(before):
        return t("report.move.no_data", lang, against=where)
    kpi = get(kpi_id)
    step = change_shown(kpi.unit, change(kpi.unit, now, before))
    if kpi.unit == "percent":
        amount = f"{abs(step):.1f}"
        kind = "pp"
    else:
        amount = format_value(kpi, abs(step), lang)
        if has(f"report.unit_word.{kpi_id}"):
            amount += t(f"report.unit_word.{kpi_id}", lang)
        kind = "amount"
    if step == 0:
        return t("report.move.flat", lang, against=where)
    word = "up" if step > 0 else "down"
    return t(f"report.move.{kind}_{word}", lang, against=where, x=amount)


def _row(data: WeeklyData, kpi_id: str) -> dict:
    hit = data.headline[data.headline["kpi"] == kpi_id]
    return hit.iloc[0].to_dict() if len(hit) else {}


def _value(kpi_id: str, value, lang: str) -> str:
    return format_value(get(kpi_id), None if missing(value) else value, lang)


def _moves(data: WeeklyData, kpi_id: str, lang: str, last_season: bool = True) -> str:
    r = _row(data, kpi_id)
    parts = [change_text(kpi_id, r.get("value"), r.get("previous_value"), "previous", lang)]
    if last_season:
        parts.append(change_text(kpi_id, r.get("value"), r.get("last_season_value"),
                                 "last_season", lang))
    return t("report.text.comma", lang).join(parts)


def _stations(area: AreaData) -> pd.DataFrame:
    table = area.table
    return table[(table["level"] == 2) & table["value"].notna() & table["station"].notna()]


def _named(kpi_id: str, stations: pd.DataFrame, lang: str) -> str:
    return separator(lang).join(f"{s} {_value(kpi_id, v, lang)}"
                           for s, v in zip(stations["station"], stations["value"]))


def _station_clause(area: AreaData, lang: str) -> list[str]:
    """Stations below the KPI's target, or the weakest ones when none is set."""
    kpi = get(area.area.main)
    stations = _stations(area)
    if stations.empty:
        return []
    worst_first = stations.sort_values("value", ascending=kpi.direction == "higher")
    target = kpi.target
    if target is not None:
        worse = worst_first["value"] < target if kpi.direction == "higher" \
            else worst_first["value"] > target
        below = worst_first[worse]
        if below.empty:
            return [t("report.text.all_meet_target", lang, target=_value(kpi.id, target, lang))]
        return [t("report.text.below_target", lang, target=_value(kpi.id, target, lang),
                  stations=_named(kpi.id, below, lang))]
    if len(stations) < 2:
        return []
    return [t("report.text.weakest", lang,
              stations=_named(kpi.id, worst_first.head(WEAKEST_SHOWN), lang))]


def _temperature(data: WeeklyData, area: AreaData, lang: str) -> list[str]:
    r = _row(data, "temp_compliance_rate")
    if missing(r.get("value")):
        return [no_data_sentence(data, "temperature", lang)]
    out = [t("report.text.temp", lang, value=_value("temp_compliance_rate", r["value"], lang),
             num=f"{int(r['numerator']):,}", den=f"{int(r['denominator']):,}",
             moves=_moves(data, "temp_compliance_rate", lang))]
    out += _station_clause(area, lang)
    n = data.list_totals.get("noncompliant_households", 0)
    if n:
        out.append(t(_counted("report.text.noncompliant", n), lang, n=f"{n:,}",
                     listed=_listed_in_actions(data, "noncompliant", lang)))
    refund = _row(data, "refund_exposure_amount").get("value")
    if not missing(refund) and refund > 0:
        out.append(t("report.text.refund", lang,
                     value=_value("refund_exposure_amount", refund, lang)))
    elif missing(refund):
        # Readings below target, but no bill to price their days by (the
        # season's bills not loaded yet): said, not passed over as nothing.
        out.append(t("report.text.refund_unpriced", lang))
    return out


def _listed_in_actions(data: WeeklyData, what: str, lang: str) -> str:
    """", listed in 待办" for a workbook whose 待办 lists the rows; nothing for
    one made for a role that sees counts only (its 待办 has no rows)."""
    return t(f"report.text.{what}_listed", lang) if data.row_lists else ""


def _counted(key: str, n) -> str:
    """The sentence's key for a count of `n`: its `_one` form for exactly one
    ("1 household complained", not "1 households")."""
    return f"{key}_one" if n == 1 else key


def _tickets(data: WeeklyData, area: AreaData, lang: str) -> list[str]:
    received = _row(data, "tickets_received")
    if missing(received.get("value")) or not received["value"]:
        out = [no_data_sentence(data, "tickets", lang)]
    else:
        closure = _row(data, "ticket_closure_rate").get("value")
        out = [t(_counted("report.text.tickets", received["value"]), lang,
                 n=f"{int(received['value']):,}",
                 moves=_moves(data, "tickets_received", lang, last_season=False),
                 closure=_value("ticket_closure_rate", closure, lang),
                 closure_moves=_moves(data, "ticket_closure_rate", lang, last_season=False))]
    quality = {key: _row(data, kpi).get("value") for key, kpi in (
        ("on_time", "ticket_on_time_rate"), ("followup", "ticket_followup_rate"),
        ("satisfied", "ticket_satisfaction_rate"))}
    # Only the rates there are ("回访率 —,满意率 —" mid-sentence told nothing:
    # a week with nothing followed up yet has no such figure).
    parts = [t(f"report.text.tickets_quality.{key}", lang,
               value=_value(kpi, quality[key], lang))
             for key, kpi in (("on_time", "ticket_on_time_rate"),
                              ("followup", "ticket_followup_rate"),
                              ("satisfied", "ticket_satisfaction_rate"))
             if not missing(quality[key])]
    if parts:
        said = (", " if lang == "en" else ",").join(parts)
        out.append(said[0].upper() + said[1:] + ("." if lang == "en" else "。"))
    open_items = _row(data, "ticket_unanswered").get("value")
    if not missing(open_items) and open_items:
        older = data.carried_over
        out.append(t(_counted("report.text.unanswered", open_items), lang,
                     n=f"{int(open_items):,}", when=_when(data, lang),
                     older=t("report.text.unanswered_older", lang, n=f"{older:,}")
                     if older else "", listed=_listed_in_actions(data, "unanswered", lang)))
    repeat = data.list_totals.get("repeat_complainers", 0)
    if repeat:
        out.append(t(_counted("report.text.repeat", repeat), lang, n=f"{repeat:,}"))
    return out


def _coming(data: WeeklyData, lang: str) -> list[str]:
    """A week between two seasons, once the coming one is billed and paid
    into: its collection so far, the week's progress and against the same
    point of the season before (the meeting's autumn topic, 预收)."""
    c = data.coming
    if c is None:
        return []
    rate, kpi_id = c.amount.value, "fee_collection_rate_amount"
    moves = t("report.text.comma", lang).join(
        change_text(kpi_id, rate, before.value, against, lang)
        for before, against in ((c.previous, "previous"), (c.last_season, "last_season")))
    return [t("report.text.fees_coming", lang, season=c.season, when=_when(data, lang).rstrip(),
              value=_value(kpi_id, rate, lang), moves=moves,
              households=_value("fee_collection_rate_households", c.households.value, lang))]


def _fees(data: WeeklyData, area: AreaData, lang: str) -> list[str]:
    r = _row(data, "fee_collection_rate_amount")
    if missing(r.get("value")):
        return [*_coming(data, lang), no_data_sentence(data, "fees", lang)]
    out = [*_coming(data, lang),
           t("report.text.fees", lang, season=data.season, when=_when(data, lang).rstrip(),
             value=_value("fee_collection_rate_amount", r["value"], lang),
             moves=_moves(data, "fee_collection_rate_amount", lang))]
    arrears = _row(data, "fee_arrears_amount").get("value")
    if not missing(arrears) and arrears > 0:
        out.append(t("report.text.arrears", lang, amount=money_words(arrears, lang)))
    if stale := stale_sentence(data, "fees", lang):
        out.append(stale)
    return out


def stale_sentence(data: WeeklyData, area: str, lang: str = "zh") -> str | None:
    """For the fees of a week with no payment loaded (after the last upload):
    until when the payments loaded go. The season's collection to date
    stands without them (93.7%, "较上周持平"), which without this read as a
    week in which nobody paid."""
    if area != "fees" or "fees" not in data.unloaded:
        return None
    last = max((f.last_at for f in data.freshness if f.kind == "fees" and f.last_at),
               default=None)
    if last is None or last.date() >= data.period.start:
        # a week before the first payments, or a gap: no figure to qualify
        return None
    return t("report.text.fees_stale", lang, day=labels.day(last.date(), lang))


def money_words(yuan: float, lang: str) -> str:
    """Large amounts as a meeting says them: 1,062.79 万元 / ¥10.63 million."""
    if lang == "zh":
        return f"{yuan / 10000:,.2f} 万元" if abs(yuan) >= 10000 else f"{yuan:,.2f} 元"
    return f"¥{yuan / 1e6:,.2f} million" if abs(yuan) >= 1e6 else f"¥{yuan:,.2f}"


def _when(data: WeeklyData, lang: str) -> str:
    """Up to when a week's standing figures (漏件, the season's collection)
    are counted: its end, or, for a week not over, the report's minute
    ("截至本周末" / "截至 2026年12月1日 01:25 ")."""
    at = data.period.as_of
    if at is None:
        return t("report.text.when.end", lang)
    return t("report.text.when.so_far", lang, at=labels.moment(at, lang))


_SENTENCES = {"temperature": _temperature, "tickets": _tickets, "fees": _fees}
_NO_DATA = {"temperature": "report.text.temp_none", "tickets": "report.text.tickets_none",
            "fees": "report.text.fees_none"}


def no_data_sentence(data: WeeklyData, area: str, lang: str = "zh") -> str:
    """What the paragraph says of a subject (temperature, tickets, fees) with
    nothing in the week ("本周没有受理工单。"), or with nothing uploaded for
    it ("本周的客服工单尚未导入。": not that nothing happened)."""
    main = next(a.area.main for a in data.areas if a.area.name == area)
    if rests_on(get(main), data.unloaded):
        return t("report.text.not_loaded", lang,
                 kind=t(f"report.summary.no_data_kind.{area}", lang))
    if area == "temperature" and not data.period.has_heating_day:
        # Between two seasons: no reading is due, not one missing.
        return t("report.text.temp_off_season", lang)
    return t(_NO_DATA[area], lang, season=data.season)


def sentences(data: WeeklyData, lang: str = "zh") -> dict[str, list[str]]:
    """The sentences of each subject (temperature, tickets, fees), in order."""
    return {a.area.name: _SENTENCES[a.area.name](data, a, lang) for a in data.areas}


def list_count(data: WeeklyData, name: str) -> str:
    """A list's count as the report writes it: "1,234", or "—" for a list of
    bills before the season has any (WeeklyData.list_totals)."""
    total = data.list_totals[name]
    return "—" if total is None else f"{total:,}"


def list_about(data: WeeklyData, name: str, lang: str = "zh") -> str:
    """What a list's row of the summary says about it: what it lists, what it
    leaves out (left_out_note), and, when the 待办 sheet holds only its first
    items, how many ("(待办表列出前 50 项)"): the workbook and the print say
    the same, so a printout's reader does not look for 4,659 rows."""
    about = list_label(name, lang)[1] + left_out_note(data, name, lang)
    total, shown = data.list_totals[name], len(data.lists[name])
    if data.row_lists and total is not None and shown < total:
        about += ("" if lang == "zh" else " ") + t("report.summary.only_first", lang,
                                                   n=f"{shown:,}")
    return about


def left_out_note(data: WeeklyData, name: str, lang: str = "zh") -> str:
    """" (not counting the 5 listed under …)" for a list that leaves out the
    items a more specific list names (reports.spec.OVERLAPS), " (no bills
    for season … yet)" for a list of bills before the season has any, else
    ""."""
    if data.list_totals.get(name, 0) is None:
        return t("report.summary.no_bills", lang, season=data.season)
    if name not in data.left_out:
        return ""
    other, n = data.left_out[name]
    return t("report.summary.left_out", lang, n=f"{n:,}", other=list_label(other, lang)[0])


def comparison_note(data: WeeklyData, lang: str = "zh") -> str:
    """The periods compared, and how the same week last season was found: by
    days since the season's start, or, for a week with no heating day (after
    15 March, the summer), by days since the season's end (Period.last_season)."""
    p = data.period
    key = "report.summary.comparison_note" if p.has_heating_day else \
        "report.summary.comparison_note_off_season"
    note = t(key, lang, week=labels.period(p.start, p.end, lang),
             previous=labels.period(p.previous().start, p.previous().end, lang),
             last_season=labels.period(p.last_season().start, p.last_season().end, lang))
    if p.as_of is None:
        return note
    return note + ("" if lang == "zh" else " ") + t(
        "report.summary.so_far", lang, at=labels.moment(p.as_of, lang),
        previous_at=labels.moment(p.previous().as_of, lang),
        last_season_at=labels.moment(p.last_season().as_of, lang))


def no_data_note(data: WeeklyData, lang: str = "zh") -> str | None:
    """What a "—" in a comparison column means, when a comparison period has
    no data of some kind (None when every comparison has data): said once,
    then which kinds each period lacks (both periods in one sentence when
    they lack the same)."""
    kinds = {which: [k for k in ("temperature", "tickets", "fees")
                     if k in data.no_data.get(which, ())]
             for which in ("previous", "last_season")}
    if kinds["previous"] and kinds["previous"] == kinds["last_season"]:
        groups = [("both", kinds["previous"])]
    else:
        groups = [(which, ks) for which, ks in kinds.items() if ks]
    if not groups and not data.carried_short:
        return None
    parts = [t("report.summary.no_data_note", lang)]
    for which, ks in groups:
        parts.append(t("report.summary.no_data_what", lang,
                       which=t(f"report.summary.no_data_which.{which}", lang),
                       kinds=_listed([t(f"report.summary.no_data_kind.{k}", lang) for k in ks],
                                     lang)))
    if data.carried_short:
        parts.append(t("report.summary.carried_short", lang))
    return ("" if lang == "zh" else " ").join(parts)


def _listed(items: list[str], lang: str) -> str:
    """"测温记录、客服工单" / "temperature readings or service tickets"."""
    if lang == "zh" or len(items) < 2:
        return separator(lang).join(items)
    return f"{', '.join(items[:-1])} or {items[-1]}"


def summary_paragraph(data: WeeklyData, lang: str = "zh") -> str:
    """The generated paragraph of the 摘要 sheet and the report page."""
    joiner = "" if lang == "zh" else " "
    return joiner.join(s for group in sentences(data, lang).values() for s in group)
