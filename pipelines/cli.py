"""`python -m pipelines`: load exports, list and undo batches, build the demo.

Exit codes: 0 success, 1 when any file or action failed, 2 on a usage error.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from i18n import t
from .batches import list_batches, undo_batch
from .demo import build_demo
from .errors import PipelineError
from .fields import KINDS
from .load import LoadReport, load_file
from .warehouse import connect


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m pipelines",
                                description="Load heating-service exports into the warehouse.")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="message language")
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp):
        sp.add_argument("--db", help="warehouse file (default: settings / HEATKPI_DB)")
        sp.add_argument("--lang", choices=("zh", "en"), default=argparse.SUPPRESS)
        return sp

    load = common(sub.add_parser("load", help="load export files"))
    load.add_argument("files", nargs="+", metavar="FILE")
    load.add_argument("--kind", choices=sorted(KINDS))
    load.add_argument("--json", action="store_true")
    load.add_argument("--user", default="cli")
    load.add_argument("--progress", action="store_true",
                      help="print each step of each load to standard error")
    batches = common(sub.add_parser("batches", help="list loaded batches"))
    batches.add_argument("--json", action="store_true")
    undo = common(sub.add_parser("undo", help="undo a batch"))
    undo.add_argument("batch_id", type=int)
    undo.add_argument("--user", default="cli")
    common(sub.add_parser("demo", help="build the demo warehouse from data/sample/"))
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    lang = args.lang
    try:
        con = connect(args.db, retries=20)
    except PipelineError as exc:
        print(exc.message(lang), file=sys.stderr)
        return 1
    try:
        return COMMANDS[args.command](con, args, lang)
    finally:
        con.close()


def _load(con, args, lang) -> int:
    reports: list[LoadReport] = []
    for name in args.files:
        path = Path(name)
        if not path.is_file():
            report = LoadReport(file=name, error=t("error.no_such_file", lang, file=name),
                                error_code="no_such_file")
        else:
            report = load_file(con, path, kind=args.kind, user=args.user, lang=lang,
                               progress=_print_step if args.progress else None)
        reports.append(report)
        if not args.json:
            print(report if lang == "zh" else _english(report, lang))
    if args.json:
        json.dump([r.asdict() for r in reports], sys.stdout, ensure_ascii=False, indent=1,
                  default=str)
        print()
    return 1 if any(r.status == "failed" for r in reports) else 0


def _print_step(step: str, share: float) -> None:
    print(f"progress {share:.2f} {step}", file=sys.stderr, flush=True)


def _english(report: LoadReport, lang: str) -> str:
    return "\n".join([report.summary(lang)] + str(report).splitlines()[1:])


def _batches(con, args, lang) -> int:
    df = list_batches(con)
    if args.json:
        print(df.to_json(orient="records", force_ascii=False, date_format="iso"))
    elif df.empty:
        print(t("batches.none", lang))
    else:
        cols = ["batch_id", "kind", "file_name", "uploaded_by", "loaded_at", "rows_read",
                "rows_inserted", "rows_updated", "rows_unchanged", "rows_rejected", "status"]
        print(df[cols].to_string(index=False))
    return 0


def _undo(con, args, lang) -> int:
    try:
        r = undo_batch(con, args.batch_id, user=args.user)
    except PipelineError as exc:
        print(exc.message(lang), file=sys.stderr)
        return 1
    print(t("undo.done", lang, batch=r.batch_id, file=r.file_name, removed=r.rows_removed,
            restored=r.rows_restored))
    return 0


def _demo(con, args, lang) -> int:
    def progress(i, n, path):
        print(t("demo.progress", lang, i=i + 1, n=n, file=path.name), flush=True)

    reports = build_demo(con, progress=progress, lang=lang)
    for r in reports:
        print("  " + r.summary(lang))
    return 1 if any(r.status == "failed" for r in reports) else 0


COMMANDS = {"load": _load, "batches": _batches, "undo": _undo, "demo": _demo}
