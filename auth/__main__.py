"""`python -m auth`: manage local accounts.

    python -m auth add NAME --role admin|manager|branch|viewer [--branch B] [--display-name N]
    python -m auth reset-password NAME
    python -m auth set-role NAME --role R [--branch B]
    python -m auth remove NAME | unlock NAME | list

Passwords are asked for twice at the terminal, or read from standard input with
--password-stdin (for scripts). Each change is written to the audit log of the
warehouse (--db, else HEATKPI_DB / settings) as done by the operating-system
account that ran the command, role cli: the account as the target, what changed
(a role, a branch; never a password) as the detail. While the dashboard holds
the warehouse, the entry is handed to it as an audit job (pipelines/inbox.py).
Exit codes: 0 done, 1 refused (or done but not recorded in
the audit log: said on standard error), 2 usage error.
"""
from __future__ import annotations

import argparse
import getpass
import json
import sys

import duckdb

from i18n import t
from pipelines.errors import PipelineError
from pipelines.inbox import record_audit
from pipelines.settings import warehouse_path
from .audit import account_detail
from .sessions import SessionStore
from .users import AuthError, UserStore


def _password(args, lang: str) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass(t("auth.cli.password", lang))
    if first != getpass.getpass(t("auth.cli.password_again", lang)):
        raise AuthError("password_mismatch")
    return first


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m auth", description="Manage local accounts.")
    p.add_argument("--lang", choices=("zh", "en"), default="zh")
    p.add_argument("--users-file", help="default: settings [auth] users_file / HEATKPI_USERS")
    p.add_argument("--db", help="the warehouse whose audit log records the change "
                   "(default: settings / HEATKPI_DB)")
    sub = p.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add")
    add.add_argument("name")
    add.add_argument("--role", required=True)
    add.add_argument("--branch")
    add.add_argument("--display-name")
    add.add_argument("--password-stdin", action="store_true")
    reset = sub.add_parser("reset-password")
    reset.add_argument("name")
    reset.add_argument("--password-stdin", action="store_true")
    role = sub.add_parser("set-role")
    role.add_argument("name")
    role.add_argument("--role", required=True)
    role.add_argument("--branch")
    for cmd in ("remove", "unlock"):
        sub.add_parser(cmd).add_argument("name")
    sub.add_parser("list")
    args = p.parse_args(argv)
    store = UserStore(args.users_file)
    lang = args.lang
    try:
        if args.command == "add":
            store.add(args.name, _password(args, lang), args.role, args.branch, args.display_name)
        elif args.command == "reset-password":
            store.reset_password(args.name, _password(args, lang))
            SessionStore(users=store).close_user(args.name)   # a stolen password stops working
        elif args.command == "set-role":
            store.set_role(args.name, args.role, args.branch)
        elif args.command == "remove":
            store.remove(args.name)
            SessionStore(users=store).close_user(args.name)
        elif args.command == "unlock":
            store.unlock(args.name)
        else:
            print(json.dumps(store.list(), ensure_ascii=False, indent=1))
            return 0
    except AuthError as exc:
        print(exc.message(lang), file=sys.stderr)
        return 1
    change = args.command.replace("-", "_")
    print(t(f"auth.cli.done_{change}", lang, user=args.name), flush=True)
    try:
        record_audit(args.db or warehouse_path(), "users", target=args.name,
                     detail=account_detail(change, getattr(args, "role", None),
                                           getattr(args, "branch", None)))
    except (PipelineError, duckdb.Error) as exc:
        said = exc.message(lang) if isinstance(exc, PipelineError) else str(exc).splitlines()[0]
        print(t("auth.cli.not_audited", lang, error=said), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
