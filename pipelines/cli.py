"""`python -m pipelines`: load exports, list and undo batches, build the demo.

Loads, undos, backups, restores and demo builds are written to the audit log
(auth/audit.py) as done by the operating-system account that ran the command;
`--user` names the batch's uploader and is kept in the entry as a label, not
as the actor. A restore's entry goes into the restored warehouse (the audit log
is one of its tables), with the replaced one's entries made since the backup.

Exit codes: 0 success, 1 when any file or action failed, 2 on a usage error.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

from auth.audit import BACKUP, record_cli, record_demo, restore_detail, upload_detail
from i18n import LANGS, t
from i18n.cli import lang_of, parser_class
from .backup import backup, restore
from .batches import batches_json, undo_batch
from .demo import build_demo
from .errors import PipelineError
from .fields import KINDS
from .inbox import inbox_dir, submit, worker_alive
from .load import LoadReport, Reject, load_file
from .settings import sample_dir, warehouse_path
from .warehouse import connect


def _parser(lang: str) -> argparse.ArgumentParser:
    """The command line, its help and usage errors in `lang` (i18n.cli)."""
    Parser = parser_class(lang, "pipelines.cli")

    def h(key: str) -> str:
        return t(f"pipelines.cli.help.{key}", lang)

    p = Parser(prog="python -m pipelines", description=h("description"))
    p.add_argument("--lang", choices=LANGS, default="zh", help=h("lang"))
    # --db before the command as after it (python -m pipelines --db X batches
    # was "no command X"); the command's own leaves the first one standing.
    p.add_argument("--db", help=h("db"))
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp):
        sp.add_argument("--db", default=argparse.SUPPRESS, help=h("db"))
        sp.add_argument("--lang", choices=LANGS, default=argparse.SUPPRESS, help=h("lang"))
        return sp

    load = common(sub.add_parser("load", help=h("load")))
    load.add_argument("files", nargs="+", metavar="FILE", help=h("files"))
    load.add_argument("--kind", choices=sorted(KINDS), help=h("kind"))
    load.add_argument("--json", action="store_true", help=h("json"))
    load.add_argument("--user", help=h("user"))
    load.add_argument("--progress", action="store_true", help=h("progress"))
    batches = common(sub.add_parser("batches", help=h("batches")))
    batches.add_argument("--json", action="store_true", help=h("json"))
    undo = common(sub.add_parser("undo", help=h("undo")))
    undo.add_argument("batch_id", type=_batch_id(lang), metavar="BATCH", help=h("batch_id"))
    undo.add_argument("--user", help=h("undo_user"))
    common(sub.add_parser("demo", help=h("demo")))
    back = common(sub.add_parser("backup", help=h("backup")))
    back.add_argument("folder", metavar="FOLDER", help=h("backup_folder"))
    rest = common(sub.add_parser("restore", help=h("restore")))
    rest.add_argument("folder", metavar="FOLDER", help=h("restore_folder"))
    return p


def _batch_id(lang: str):
    """A batch number as argparse's type: its refusal in the user's words."""
    def parse(text: str) -> int:
        try:
            return int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                t("pipelines.cli.not_a_batch", lang, value=text)) from None
    return parse


BUSY_RETRIES = 30
# A batch's uploader when --user is not given.
DEFAULT_USER = "cli"


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = _parser(lang_of(argv)).parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2)
        return int(exc.code or 0)
    lang = args.lang
    if args.command == "restore":
        return _restore(args, lang)
    db = Path(args.db) if args.db else warehouse_path()
    try:
        con = connect(db)
    except PipelineError as exc:
        if exc.code != "warehouse_busy":
            print(exc.message(lang), file=sys.stderr)
            return 1
        if args.command in ROUTED and worker_alive(inbox_dir(db)):
            # The dashboard holds the warehouse: it runs the job for us, in turn.
            print(t("cli.routed", lang), file=sys.stderr, flush=True)
            return ROUTED[args.command](args, lang, inbox_dir(db))
        try:
            con = _wait_for(db, lang)
        except PipelineError as exc2:
            print(exc2.message(lang), file=sys.stderr)
            return 1
    try:
        return COMMANDS[args.command](con, args, lang)
    finally:
        con.close()


def _wait_for(db: Path, lang: str):
    """Another process (a load, a backup) holds the file: retry, saying so."""
    for attempt in range(1, BUSY_RETRIES + 1):
        print(t("cli.busy_retrying", lang, n=attempt, total=BUSY_RETRIES), file=sys.stderr,
              flush=True)
        time.sleep(1)
        try:
            return connect(db)
        except PipelineError as exc:
            if exc.code != "warehouse_busy":
                raise
    raise PipelineError("warehouse_busy")


def _missing(name: str, lang: str) -> LoadReport:
    """A name given to `load` that is no file: none there, or a folder."""
    key = "error.is_folder" if Path(name).is_dir() else "error.no_such_file"
    return LoadReport(file=name, error=t(key, lang, file=name), error_code="no_such_file")


def _load(con, args, lang) -> int:
    reports: list[LoadReport] = []
    for name in args.files:
        path = Path(name)
        if not path.is_file():
            report = _missing(name, lang)
        else:
            report = load_file(con, path, kind=args.kind, user=args.user or DEFAULT_USER,
                               lang=lang, progress=_print_step if args.progress else None)
            record_cli(con, "upload", target=str(path.resolve()),
                       detail=upload_detail(report.status, report.batch_id, report.rows_read,
                                            report.rows_rejected), label=args.user)
        reports.append(report)
        if not args.json:
            print(report.text(lang))
    return _finish(args, [r.asdict() for r in reports])


def _finish(args, reports: list[dict]) -> int:
    if args.json:
        json.dump(reports, sys.stdout, ensure_ascii=False, indent=1, default=str)
        print()
    return 1 if any(r["status"] == "failed" for r in reports) else 0


def _load_routed(args, lang, folder: Path) -> int:
    files = [str(Path(f).resolve()) for f in args.files if Path(f).is_file()]
    # The dashboard records each load in the audit log (once: not here too).
    result = submit(folder, {"op": "load", "files": files, "kind": args.kind,
                             "user": args.user, "lang": lang})
    if "error" in result:
        print(t("cli.routed_failed", lang, error=result["error"]), file=sys.stderr)
        return 1
    reports = [_missing(f, lang).asdict() for f in args.files if not Path(f).is_file()]
    warnings = [[] for _ in reports] + result.get("warnings", [[] for _ in result["reports"]])
    # How long each load took in the dashboard (a report's JSON shape has no
    # such key: rebuilt from it alone, every load took 0.0 s); a dashboard
    # that does not say leaves the time out.
    seconds = [None for _ in reports] + result.get("seconds", [None for _ in result["reports"]])
    reports += result["reports"]
    if not args.json:
        for r, said, took in zip(reports, warnings, seconds):
            # As a load of its own prints it: the warnings, then the first
            # rejected rows (their reasons in the words the load spoke).
            print(LoadReport(**{**r, "rejects": [Reject(**x) for x in r.get("rejects") or []],
                                "seconds": took, "warnings": list(said)}).text(lang))
    return _finish(args, reports)


def _print_step(step: str, share: float) -> None:
    print(f"progress {share:.2f} {step}", file=sys.stderr, flush=True)


def _batches(con, args, lang) -> int:
    return _print_batches(batches_json(con), args, lang)


def _batches_routed(args, lang, folder: Path) -> int:
    """The list as the running dashboard reads it: a listing only reads, yet
    no other process may open the file the dashboard holds."""
    result = submit(folder, {"op": "batches", "lang": lang})
    if "error" in result:
        print(t("cli.routed_failed", lang, error=result["error"]), file=sys.stderr)
        return 1
    return _print_batches(result["batches"], args, lang)


def _print_batches(text: str, args, lang) -> int:
    if args.json:
        print(text)
        return 0
    import pandas as pd   # on first use: a load never needs it
    df = pd.DataFrame(json.loads(text))
    if df.empty:
        print(t("batches.none", lang))
        return 0
    cols = ["batch_id", "kind", "file_name", "uploaded_by", "loaded_at", "rows_read",
            "rows_inserted", "rows_updated", "rows_unchanged", "rows_rejected", "status"]
    df["loaded_at"] = pd.to_datetime(df["loaded_at"])
    print(df[cols].to_string(index=False))
    return 0


def _undo(con, args, lang) -> int:
    try:
        r = undo_batch(con, args.batch_id, user=args.user or DEFAULT_USER)
    except PipelineError as exc:
        print(exc.message(lang), file=sys.stderr)
        return 1
    record_cli(con, "undo", target=f"batch {r.batch_id}", detail=r.file_name, label=args.user)
    _print_undone(asdict(r), lang)
    return 0


def _undo_routed(args, lang, folder: Path) -> int:
    """The undo done by the running dashboard, in turn with its uploads (it
    records it in the audit log)."""
    result = submit(folder, {"op": "undo", "batch": args.batch_id, "user": args.user,
                             "lang": lang})
    if "error" in result:
        # A batch that is not there or already undone says so in its own words.
        error = result["error"] if result.get("code") in ("batch_not_found",
                                                          "batch_already_undone") \
            else t("cli.routed_failed", lang, error=result["error"])
        print(error, file=sys.stderr)
        return 1
    _print_undone(result["undo"], lang)
    return 0


def _print_undone(r: dict, lang: str) -> None:
    print(t("undo.done", lang, batch=r["batch_id"], file=r["file_name"],
            removed=r["rows_removed"], restored=r["rows_restored"]))


def _demo(con, args, lang) -> int:
    def progress(i, n, path):
        print(t("demo.progress", lang, i=i + 1, n=n, file=path.name), flush=True)

    folder = sample_dir()
    reports = build_demo(con, folder, progress=progress, lang=lang)
    failed = sum(r.status == "failed" for r in reports)
    record_demo(con, folder, reports)
    for r in reports:
        print("  " + r.summary(lang))
    return 1 if failed else 0


def _backup(con, args, lang) -> int:
    try:
        report = backup(con, args.folder)
    except PipelineError as exc:
        print(exc.message(lang), file=sys.stderr)
        return 1
    record_cli(con, "export", target=str(Path(report.folder).resolve()), detail=BACKUP)
    print(t("backup.done", lang, folder=report.folder, rows=sum(report.rows.values())))
    return 0


def _backup_routed(args, lang, folder: Path) -> int:
    result = submit(folder, {"op": "backup", "folder": str(Path(args.folder).resolve()),
                             "lang": lang})
    if "error" in result:
        print(result["error"], file=sys.stderr)
        return 1
    print(t("backup.done", lang, folder=result["backup"]["folder"],
            rows=sum(result["backup"]["rows"].values())))
    return 0


def _restore(args, lang) -> int:
    target = Path(args.db) if args.db else warehouse_path()

    def audited(con, report) -> None:
        # Into the restored file, before it replaces the warehouse.
        record_cli(con, "restore", target=str(Path(report.folder).resolve()),
                   detail=restore_detail(sum(report.rows.values()), report.audit_kept,
                                         report.replaced_unreadable))

    try:
        report = restore(args.folder, target, record=audited)
    except PipelineError as exc:
        print(exc.message(lang), file=sys.stderr)
        return 1
    print(t("restore.done", lang, folder=report.folder, db=str(target),
            rows=sum(report.rows.values())))
    return 0


COMMANDS = {"load": _load, "batches": _batches, "undo": _undo, "demo": _demo,
            "backup": _backup}
ROUTED = {"load": _load_routed, "backup": _backup_routed, "batches": _batches_routed,
          "undo": _undo_routed}
