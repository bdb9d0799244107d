"""`python -m reports`: the weekly report from the command line or a scheduler.

    python -m reports weekly --week 2025-W48 --out 周报_2025-W48.xlsx
                             [--branch NAME] [--db PATH] [--lang zh|en] [--show-personal]

Personal data is masked unless --show-personal is given (the file is then
readable by its owner only). Each workbook is written to the audit log as an
export by the operating-system account that ran the command (marked
personal_data when unmasked), before the file is written: no entry, no file.
Works while the dashboard runs (it is asked for a snapshot, and records the
entry). Exit codes: 0 the workbook was
written; 1 the warehouse could not be read or the file not written; 2 a usage
error (a missing option, a malformed or non-existent week, an unknown branch,
--out naming a folder or a file that is not .xlsx).
"""
from __future__ import annotations

import argparse
import errno
import sys
import time
from pathlib import Path

import duckdb

from i18n import LANGS, t
from i18n.cli import lang_of, parser_class
from metrics import MetricError
from auth.audit import PERSONAL_DATA
from pipelines.errors import PipelineError
from pipelines.inbox import record_audit
from pipelines.settings import warehouse_path

from .errors import ReportError
from .source import open_warehouse
from .weekly import build_weekly, file_name, write_workbook

USAGE_ERRORS = ("bad_week", "no_such_week", "unknown_branch", "branch_not_allowed")
SUFFIX = ".xlsx"


def _parser(lang: str) -> argparse.ArgumentParser:
    Parser = parser_class(lang, "report.cli")

    def h(key: str) -> str:
        return t(f"report.cli.help.{key}", lang)

    p = Parser(prog="python -m reports", description=h("description"))
    sub = p.add_subparsers(dest="command", required=True)
    w = sub.add_parser("weekly", help=h("weekly"))
    w.add_argument("--week", required=True, metavar="YYYY-Www", help=h("week"))
    w.add_argument("--out", required=True, metavar="FILE.xlsx", help=h("out"))
    w.add_argument("--branch", metavar="NAME", help=h("branch"))
    w.add_argument("--db", help=h("db"))
    w.add_argument("--lang", choices=LANGS, default="zh", help=h("lang"))
    w.add_argument("--show-personal", action="store_true", help=h("show_personal"))
    return p


def _os_reason(exc: OSError, lang: str) -> str:
    """Why a file could not be written, in the user's language (the system's
    own words are English whatever the language)."""
    key = {errno.EACCES: "denied", errno.EPERM: "denied", errno.ENOENT: "no_folder",
           errno.ENOTDIR: "no_folder", errno.EISDIR: "is_folder", errno.ENOSPC: "disk_full",
           errno.EDQUOT: "disk_full", errno.EROFS: "read_only",
           errno.ENAMETOOLONG: "name_too_long"}.get(exc.errno)
    if key:
        return t(f"report.cli.{key}", lang)
    return t("report.cli.os_error", lang, code=errno.errorcode.get(exc.errno, str(exc.errno)))


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = _parser(lang_of(argv)).parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2)
        return int(exc.code or 0)
    lang = args.lang
    out = Path(args.out)
    if out.is_dir():
        # A folder given for the file: name the file the page would offer.
        print(t("report.cli.out_is_folder", lang, path=str(out),
                example=str(out / file_name(args.week.strip().upper(), args.branch, lang))),
              file=sys.stderr)
        return 2
    if out.suffix.lower() != SUFFIX:
        print(t("report.cli.not_xlsx", lang, path=str(out),
                example=str(out.with_suffix(SUFFIX) if out.suffix else out.with_name(
                    out.name + SUFFIX))), file=sys.stderr)
        return 2
    if not out.parent.is_dir():
        print(t("report.cli.cannot_write", lang, path=str(out),
                detail=t("report.cli.no_folder", lang)), file=sys.stderr)
        return 1
    started = time.monotonic()
    try:
        with open_warehouse(args.db, lang, lambda: print(t("report.cli.routed", lang),
                                                         file=sys.stderr, flush=True)) as con:
            content = build_weekly(con, args.week, branch=args.branch, lang=lang,
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
        print(t("report.cli.cannot_write", lang, path=str(out), detail=_os_reason(exc, lang)),
              file=sys.stderr)
        return 1
    try:
        record_audit(args.db or warehouse_path(), "export", target=str(out.resolve()),
                     detail=PERSONAL_DATA if args.show_personal else None)
    except (PipelineError, duckdb.Error) as exc:
        detail = exc.message(lang) if isinstance(exc, PipelineError) else \
            str(exc).splitlines()[0]
        print(t("report.cli.not_audited", lang, detail=detail), file=sys.stderr)
        return 1
    try:
        write_workbook(content, out, private=args.show_personal)
    except OSError as exc:
        print(t("report.cli.cannot_write", lang, path=str(out), detail=_os_reason(exc, lang)),
              file=sys.stderr)
        return 1
    print(t("report.cli.written", lang, path=str(out), week=args.week.strip().upper(),
            scope=args.branch or t("report.scope.all", lang),
            seconds=f"{time.monotonic() - started:.1f}"))
    return 0
