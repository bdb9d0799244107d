"""`python -m reports`: the weekly report from the command line or a scheduler.

    python -m reports weekly --week 2025-W48 --out 周报_2025-W48.xlsx
                             [--branch NAME] [--db PATH] [--lang zh|en] [--show-personal]

Personal data is masked unless --show-personal is given. Works while the
dashboard runs (it is asked for a snapshot). Exit codes: 0 the workbook was
written; 1 the warehouse could not be read or the file not written; 2 a usage
error (a missing option, a malformed week, an unknown branch).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import duckdb

from i18n import LANGS, t
from metrics import MetricError
from pipelines.errors import PipelineError

from .errors import ReportError
from .source import open_warehouse
from .weekly import write_weekly

USAGE_ERRORS = ("bad_week", "unknown_branch", "branch_not_allowed")


def _lang_of(argv: list[str]) -> str:
    """The message language, known before parsing (argparse errors need it too)."""
    for arg, following in zip(argv, argv[1:] + [""]):
        value = arg.removeprefix("--lang=") if arg.startswith("--lang=") else \
            following if arg == "--lang" else None
        if value in LANGS:
            return value
    return "zh"


def _parser(lang: str) -> argparse.ArgumentParser:
    class Parser(argparse.ArgumentParser):
        def error(self, message: str):
            self.print_usage(sys.stderr)
            print(t("report.cli.usage_error", lang, detail=message), file=sys.stderr)
            raise SystemExit(2)

    p = Parser(prog="python -m reports", description="Reports of the heating warehouse.")
    sub = p.add_subparsers(dest="command", required=True)
    w = sub.add_parser("weekly", help="the weekly report (.xlsx) of an ISO week")
    w.add_argument("--week", required=True, metavar="YYYY-Www", help="ISO week, e.g. 2025-W48")
    w.add_argument("--out", required=True, metavar="FILE.xlsx", help="the workbook to write")
    w.add_argument("--branch", metavar="NAME", help="only this branch (default: the company)")
    w.add_argument("--db", help="warehouse file (default: settings / HEATKPI_DB)")
    w.add_argument("--lang", choices=LANGS, default="zh", help="report and message language")
    w.add_argument("--show-personal", action="store_true",
                   help="write names and phone numbers unmasked (anonymous complainants "
                        "are never shown)")
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = _parser(_lang_of(argv)).parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2)
        return int(exc.code or 0)
    lang = args.lang
    out = Path(args.out)
    if not out.parent.is_dir():
        print(t("report.cli.cannot_write", lang, path=str(out),
                detail=t("report.cli.no_folder", lang)), file=sys.stderr)
        return 1
    started = time.monotonic()
    try:
        with open_warehouse(args.db, lang, lambda: print(t("report.cli.routed", lang),
                                                         file=sys.stderr, flush=True)) as con:
            write_weekly(con, args.week, out, branch=args.branch, lang=lang,
                         can_see_personal=args.show_personal)
    except ReportError as exc:
        print(exc.message(lang), file=sys.stderr)
        return 2 if exc.code in USAGE_ERRORS else 1
    except (PipelineError, MetricError) as exc:
        print(exc.message(lang), file=sys.stderr)
        return 1
    except duckdb.Error as exc:
        print(t("report.cli.query_failed", lang, detail=str(exc).splitlines()[0]),
              file=sys.stderr)
        return 1
    except OSError as exc:
        print(t("report.cli.cannot_write", lang, path=str(out), detail=exc.strerror or exc),
              file=sys.stderr)
        return 1
    print(t("report.cli.written", lang, path=str(out), week=args.week.strip().upper(),
            scope=args.branch or t("report.scope.all", lang),
            seconds=f"{time.monotonic() - started:.1f}"))
    return 0
