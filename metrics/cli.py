"""`python -m metrics`: the headline KPIs of a period from the command line.

    python -m metrics summary --from 2025-11-17 --to 2025-11-23 [--db PATH]
                              [--json] [--branch NAME] [--lang zh|en]

With --json: one object keyed by KPI id, each {value, numerator, denominator};
value is null when the denominator is 0. Works while the dashboard runs (it is
asked for a snapshot, as for `python -m reports`). Exit codes: 0 success, 1 the
warehouse could not be read, 2 a usage error.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

import duckdb

from i18n import LANGS, join, t
from i18n.cli import lang_of, parser_class
from pipelines.errors import PipelineError
from pipelines.coverage import filter_options
from pipelines.settings import company_now
from pipelines.warehouse import warehouse_path

from .display import display_width, format_part, format_value
from .errors import MetricError
from .fee_views import coming_collection
from .period import Period
from .kpi_query import summary
from .registry import get


def _parser(lang: str) -> argparse.ArgumentParser:
    """The options, their help and argparse's errors in the user's language."""
    def h(key: str, **params) -> str:
        return t(f"metrics.cli.help.{key}", lang, **params)

    Parser = parser_class(lang, "metrics.cli")

    def day(text: str) -> date:
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                t("metrics.cli.not_a_date", lang, value=text)) from None

    p = Parser(prog="python -m metrics", description=h("description"))
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)
    s = sub.add_parser("summary", help=h("summary"))
    s.add_argument("--from", dest="start", type=day, required=True, metavar="YYYY-MM-DD",
                   help=h("from"))
    s.add_argument("--to", dest="end", type=day, required=True, metavar="YYYY-MM-DD",
                   help=h("to"))
    s.add_argument("--db", help=h("db"))
    s.add_argument("--json", action="store_true", help=h("json"))
    s.add_argument("--branch", action="append", metavar="NAME", help=h("branch"))
    s.add_argument("--season", help=h("season"))
    s.add_argument("--lang", choices=LANGS, default="zh", help=h("lang"))
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser(lang_of(argv)).parse_args(argv)
    lang = args.lang
    try:
        # A period not over yet is figured as of now (its deadlines, 漏件).
        period = Period(args.start, args.end, args.season).so_far(company_now())
    except MetricError as exc:
        print(exc.message(lang), file=sys.stderr)
        return 2
    path = Path(args.db) if args.db else warehouse_path()
    if not path.is_file():
        # (DuckDB's own words would say it cannot open the file read-only.)
        print(t("metrics.error.no_warehouse", lang, path=str(path)), file=sys.stderr)
        return 1
    # While the dashboard holds the file (read-write, which locks out every
    # other process) it is asked for a snapshot, as for a report run.
    from reports.errors import ReportError
    from reports.source import open_warehouse
    try:
        with open_warehouse(path, lang, lambda: print(t("report.cli.routed", lang),
                                                      file=sys.stderr, flush=True)) as con:
            # A branch that does not exist would read 0 of 0 for everything.
            known = filter_options(con).branches
            unknown = [b for b in args.branch or [] if b not in known]
            if unknown:
                print(t("metrics.error.unknown_branch", lang, branch=unknown[0],
                        known=join(known, lang)), file=sys.stderr)
                return 2
            results = summary(con, period, scope=args.branch)
            # Between two seasons, the coming one's advance collection (预收)
            # is said under the table (not in --json, keyed by KPI id only).
            ahead = None if args.json or args.season else \
                coming_collection(con, period, scope=args.branch)
    except (PipelineError, ReportError) as exc:
        print(exc.message(lang), file=sys.stderr)
        return 1
    except duckdb.Error as exc:
        print(t("metrics.error.query_failed", lang, detail=str(exc).splitlines()[0]),
              file=sys.stderr)
        return 1
    if args.json:
        json.dump({k: r.asdict() for k, r in results.items()}, sys.stdout,
                  ensure_ascii=False, indent=1)
        print()
        return 0
    print(t("metrics.cli.title", lang, period=period.label(), season=period.fee_season))
    rows = [(get(k).text(lang)[0], format_value(get(k), r.value, lang),
             format_part(r.numerator), format_part(r.denominator)) for k, r in results.items()]
    head = (t("metrics.cli.kpi", lang), t("metrics.cli.value", lang),
            t("metrics.cli.numerator", lang), t("metrics.cli.denominator", lang))
    widths = [max(display_width(x) for x in col) for col in zip(head, *rows)]
    for row in (head, *rows):
        print("  ".join(_pad(x, w, right=i > 0) for i, (x, w) in enumerate(zip(row, widths))))
    if ahead is not None:
        amount, households = ahead.amount, ahead.households
        rate = get("fee_collection_rate_amount")
        print(t("metrics.cli.coming", lang, season=ahead.season,
                rate=format_value(rate, amount.value, lang),
                paid=f"¥{amount.numerator:,.2f}", due=f"¥{amount.denominator:,.2f}",
                rate_households=format_value(get("fee_collection_rate_households"),
                                             households.value, lang),
                fully=f"{households.numerator:,}", billed=f"{households.denominator:,}"))
    return 0


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * (width - display_width(text))
    return gap + text if right else text + gap
