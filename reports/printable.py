"""The summary as HTML that prints well from a browser (A4 landscape, one page):
the same title, paragraph, headline table and action counts as the 摘要 sheet.

`summary_fragment` is shown on the report page; `summary_document` is the
same as a standalone file to download, open and print to PDF.
"""
from __future__ import annotations

from html import escape

import pandas as pd

from i18n import t
from metrics import get
from metrics.display import (compact_change, compact_yuan, format_parts, format_value,
                             list_label)

from . import labels
from .book import judge, meets
from .cells import change_shown, missing
from .data import WeeklyData
from .text import (comparison_note, list_about, list_count, no_data_note,
                   summary_paragraph)

CSS = """
.hk-report { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei",
  "PingFang SC", sans-serif; color: #222; font-size: 13px; line-height: 1.45; }
.hk-report h1 { font-size: 20px; margin: 0 0 2px 0; }
.hk-report .hk-sub { color: #666; font-size: 11px; margin-bottom: 10px; }
.hk-report h2 { font-size: 14px; margin: 12px 0 4px 0; border-bottom: 2px solid #B5472E;
  display: inline-block; }
.hk-report .hk-para { background: #FBF7F5; border: 1px solid #B5472E; padding: 8px 10px;
  font-size: 14px; }
.hk-report table { border-collapse: collapse; width: 100%; margin-top: 4px; }
.hk-report th { background: #F2E6E1; font-weight: 600; }
.hk-report th, .hk-report td { border: 1px solid #BFBFBF; padding: 2px 6px; }
.hk-report td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.hk-report .good { color: #1E6B34; } .hk-report .bad { color: #9C0006; }
.hk-report .met { background: #E2F0D9; color: #1E6B34; font-weight: 600; text-align: center; }
.hk-report .missed { background: #F8D7DA; color: #9C0006; font-weight: 600; text-align: center; }
.hk-report .muted { color: #6B6B6B; text-align: center; }
.hk-report .hk-note { color: #555; font-size: 11px; margin-top: 8px; }
@media print {
  @page { size: A4 landscape; margin: 7mm 9mm; }
  .hk-report { font-size: 10.5px; line-height: 1.25; }
  .hk-report h1 { font-size: 16px; }
  .hk-report .hk-sub { margin-bottom: 4px; }
  .hk-report h2 { font-size: 11.5px; margin: 6px 0 2px 0; }
  .hk-report td.about, .hk-report .hk-note { font-size: 9.5px; }
  .hk-report .hk-para { font-size: 11px; padding: 5px 8px; }
  .hk-report th, .hk-report td { padding: 1px 5px; }
  .hk-report tr { page-break-inside: avoid; }
  .hk-report * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def _change(kpi_id: str, change, lang: str, compact: bool = False,
            now=None, before=None) -> str:
    """A change of the table; `compact` (a screen's amounts in 万 / M): the
    difference of the two figures (`now`, `before`) as shown, in the unit of
    the larger, as the cards write it."""
    if missing(change):
        return "—"
    kpi = get(kpi_id)
    if compact and kpi.unit == "yuan" and not missing(now) and not missing(before):
        step = compact_change(now, before, lang)
        sign = "+" if step > 0 else "−" if step < 0 else ""
        return sign + compact_yuan(abs(step), lang, like=max(abs(now), abs(before)))
    # Signed as shown: a change that rounds to zero has no sign ("0.0", as on
    # the page's cards), not "-0.0 个百分点".
    # One minus sign (U+2212) for every change in the table.
    step = change_shown(kpi.unit, change)
    sign = "+" if step > 0 else "−" if step < 0 else ""
    if kpi.unit == "percent":
        return f"{sign}{abs(step):.1f}{t('report.points_unit', lang)}"
    if compact and kpi.unit == "yuan":
        return sign + compact_yuan(abs(step), lang)
    return sign + format_value(kpi, abs(step), lang)


HEADLINE_COLUMNS = ("kpi", "value", "previous_value", "change_previous", "last_season_value",
                    "change_last_season", "target", "status", "numerator", "denominator")


def _text(kpi, value, lang: str, compact: bool = False, compared: bool = False) -> str:
    """A figure of the table; `compared`: a comparison period's, a rate or a
    duration with one decimal as every change beside it (the week's own
    figure gets the digits that tell it from its target, 94.97%)."""
    if compact and kpi.unit == "yuan" and not missing(value):
        return compact_yuan(value, lang)
    digits = 1 if compared and kpi.unit in ("percent", "hours") else None
    return format_value(kpi, None if missing(value) else value, lang, digits=digits)


def _parts(kpi, numerator, denominator, lang: str, compact: bool) -> tuple[str, str]:
    return format_parts(kpi, None if missing(numerator) else numerator,
                        None if missing(denominator) else denominator, lang, compact)


def headline_rows(data: WeeklyData, lang: str = "zh",
                  compact: bool = False) -> list[dict[str, tuple[str, str]]]:
    """The headline table as shown: per column (text, css class). `compact`:
    amounts of money in the meeting's units (¥780.42 万, as the cards), for a
    screen; else to the fen (print, workbook)."""
    out = []
    for r in data.headline.to_dict("records"):
        kpi = get(r["kpi"])
        numerator, denominator = _parts(kpi, r["numerator"], r["denominator"], lang, compact)
        ok = meets(kpi, r["value"])
        if ok is None:
            status = (t("report.status.no_target" if kpi.target is None
                        else "report.status.no_data", lang), "muted")
        else:
            status = (t("report.status.met" if ok else "report.status.missed", lang),
                      "met" if ok else "missed")
        out.append({
            "kpi": (kpi.text(lang)[0], ""),
            "value": (_text(kpi, r["value"], lang, compact), "n"),
            "previous_value": (_text(kpi, r["previous_value"], lang, compact, compared=True),
                               "n"),
            "change_previous": (_change(kpi.id, r["change_previous"], lang, compact,
                                        r["value"], r["previous_value"]),
                                f"n {judge(kpi, r['change_previous']) or ''}".strip()),
            "last_season_value": (_text(kpi, r["last_season_value"], lang, compact,
                                        compared=True), "n"),
            "change_last_season": (_change(kpi.id, r["change_last_season"], lang, compact,
                                           r["value"], r["last_season_value"]),
                                   f"n {judge(kpi, r['change_last_season']) or ''}".strip()),
            "target": (_text(kpi, kpi.target, lang), "n"),
            "status": status,
            "numerator": (numerator, "n"),
            "denominator": (denominator, "n"),
        })
    return out


def headline_frame(data: WeeklyData, lang: str = "zh") -> pd.DataFrame:
    """The headline table as text, headed in `lang`, for the report page: its
    amounts of money in the meeting's units (a screen's table is narrower
    than the printed page; the workbook and the print have them to the fen)."""
    rows = [{t(f"report.col.{c}", lang): row[c][0] for c in HEADLINE_COLUMNS}
            for row in headline_rows(data, lang, compact=True)]
    return pd.DataFrame(rows, columns=[t(f"report.col.{c}", lang) for c in HEADLINE_COLUMNS])


def _td(text: str, cls: str = "") -> str:
    return f'<td class="{cls}">{escape(text)}</td>' if cls else f"<td>{escape(text)}</td>"


def summary_fragment(data: WeeklyData, lang: str = "zh") -> str:
    """The summary as an HTML block (styles included, scoped to .hk-report)."""
    def tr(key: str, **params) -> str:
        return t(key, lang, **params)

    scope = labels.scope(data.branch, data.scope, lang)
    personal = tr("report.personal.shown" if data.can_see_personal else "report.personal.masked")
    rows = ["<tr>" + "".join(_td(*row[c]) for c in HEADLINE_COLUMNS) + "</tr>"
            for row in headline_rows(data, lang)]
    counts = "".join(
        f"<tr><td>{escape(list_label(name, lang)[0])}</td>"
        f"<td class=\"n\">{list_count(data, name)}</td>"
        f"<td class=\"about\">{escape(list_about(data, name, lang))}"
        "</td></tr>"
        for name in data.list_totals)
    # a file without row lists has no rows on its 待办 sheet to point to
    actions = "report.summary.actions" if data.row_lists else "report.summary.actions_counts"
    note = comparison_note(data, lang)
    no_data = no_data_note(data, lang)
    if no_data:
        note += " " + no_data
    return (
        f"<style>{CSS}</style>"
        f'<div class="hk-report">'
        f"<h1>{escape(tr('report.title'))} · {escape(labels.week(data.week, lang))}</h1>"
        f'<div class="hk-sub">{escape(scope)} · {escape(tr("report.about.season"))} '
        f"{escape(data.season)} · {escape(tr('report.about.generated'))} "
        f"{escape(labels.moment(data.generated_at, lang))} · {escape(personal)}</div>"
        f"<h2>{escape(tr('report.summary.highlights'))}</h2>"
        f'<div class="hk-para">{escape(summary_paragraph(data, lang))}</div>'
        f"<h2>{escape(tr('report.summary.headline'))}</h2>"
        "<table><thead><tr>"
        + "".join(f"<th>{escape(tr(f'report.col.{c}'))}</th>" for c in HEADLINE_COLUMNS)
        + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
        f"<h2>{escape(tr(actions))}</h2>"
        f"<table><thead><tr><th>{escape(tr('report.col.list'))}</th>"
        f"<th>{escape(tr('report.col.items'))}</th><th>{escape(tr('report.col.about'))}</th>"
        f"</tr></thead><tbody>{counts}</tbody></table>"
        f'<div class="hk-note">{escape(note)}</div>'
        "</div>")


def summary_document(data: WeeklyData, lang: str = "zh") -> str:
    """The summary as a standalone HTML file, ready to print to PDF."""
    title = f"{t('report.title', lang)} {data.week}"
    return (f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head>'
            f'<meta charset="utf-8"><title>{escape(title)}</title></head>'
            f'<body style="margin:0;padding:16px">{summary_fragment(data, lang)}</body></html>')
