"""The audit trail: sign-ins, uploads, undos, exports, downloads, every view
of personal data, restores, demo builds and account changes, in the warehouse
table audit_log."""
from __future__ import annotations

import datetime as dt
import getpass
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from i18n import has, join, t
from metrics.display import column_label
from pipelines.warehouse import WRITE_LOCK

if TYPE_CHECKING:  # pandas loads on first use: loading a file never needs it
    import pandas as pd

ACTIONS = ("sign_in", "sign_in_failed", "sign_out", "upload", "undo", "export", "download",
           "view_personal", "users", "restore", "demo")
# Who came and went: what the audit page can hide to show what was done.
SESSION_ACTIONS = ("sign_in", "sign_in_failed", "sign_out")
# A stored user name, target or detail is cut to these lengths (a sign-in
# attempt's name is whatever was typed: no entry grows without bound).
MAX_USER = 256
MAX_TEXT = 2000
# The role written for what the command line did: the actor is the
# operating-system account that ran it, not a dashboard account.
CLI_ROLE = "cli"
# A detail's mark: the file holds personal data unmasked.
PERSONAL_DATA = "personal_data"
# A sign-out's detail when the session idled past the limit (not clicked).
IDLE = "idle"
# A whole-warehouse backup (every table, personal data unmasked).
BACKUP = "backup, personal_data"
_LABEL = "; --user="


def os_user(uid: int | None = None) -> str:
    """The operating-system account (of `uid`, default this process's), as the
    system knows it: not from the environment, which anyone can set."""
    uid = os.getuid() if uid is None else uid
    try:
        import pwd
        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        pass
    # A uid the system has no name for (a container run as --user 1001):
    # the login name if the environment gives one, else the number. Never an
    # error: the dashboard's first start records its demo build with it.
    if uid == os.getuid():
        try:
            return getpass.getuser()
        except (KeyError, OSError):
            pass
    return f"uid {uid}"


def upload_detail(status: str, batch_id, rows: int, rejected: int) -> str:
    """An upload's detail, as the upload page and the command line write it."""
    return f"{status} batch={batch_id} rows={rows} rejected={rejected}"


def restore_detail(rows: int, kept: int | None = None, unreadable: bool = False) -> str:
    """A restore's detail: the rows restored and how many entries of the
    replaced warehouse's audit log it kept (none named: no warehouse was
    replaced; `unreadable`: the replaced one could not be read)."""
    said = "unreadable" if unreadable else kept
    return f"rows={rows}" + (f" kept={said}" if said is not None else "")


def demo_detail(files: int, loaded: int, failed: int, rows: int, rejected: int) -> str:
    """A demo build's detail: its files (newly loaded, failed) and rows."""
    return f"files={files} loaded={loaded} failed={failed} rows={rows} rejected={rejected}"


def record_demo(con: duckdb.DuckDBPyConnection, folder, reports) -> None:
    """The entry for a demo build from the sample `folder` (its load reports):
    by the operating-system account of the process that built it (the command,
    or the dashboard on its first start), role `cli`."""
    record_cli(con, "demo", target=str(Path(folder).resolve()),
               detail=demo_detail(len(reports), sum(r.status == "loaded" for r in reports),
                                  sum(r.status == "failed" for r in reports),
                                  sum(r.rows_read for r in reports),
                                  sum(r.rows_rejected for r in reports)))


# What `python -m auth` changes in an account (action "users", the account
# as the target); a role and branch are named, a password never.
ACCOUNT_CHANGES = ("add", "set_role", "reset_password", "remove", "unlock")


def account_detail(change: str, role: str | None = None, branch: str | None = None) -> str:
    """An account change's detail: 'add role=branch branch=张店分公司',
    'set_role role=manager', 'reset_password', 'remove', 'unlock'."""
    if change not in ACCOUNT_CHANGES:
        raise ValueError(change)
    if change not in ("add", "set_role"):
        return change
    return f"{change} role={role}" + (f" branch={branch}" if branch else "")


def labelled(detail: str | None, label: str | None) -> str | None:
    """A command-line entry's detail with the name its --user gave (a label
    only: anyone can type any name there)."""
    if not label:
        return detail
    return f"{_defused(detail) or ''}{_LABEL}{label}"


def _defused(detail: str | None) -> str | None:
    """A detail that cannot pass for a labelled one: a file named
    'x; --user=王丽' would read as a command's --user otherwise."""
    return detail.replace(_LABEL, "; --user =") if detail else detail


def record_cli(con: duckdb.DuckDBPyConnection, action: str, target: str | None = None,
               detail: str | None = None, label: str | None = None,
               actor: str | None = None) -> None:
    """An entry for what a command did: by the operating-system account that
    ran it (`actor`, default this process's), role `cli`."""
    record(con, actor or os_user(), action, target, detail, CLI_ROLE, label=label)


def record(con: duckdb.DuckDBPyConnection, user: str, action: str, target: str | None = None,
           detail: str | None = None, role: str | None = None,
           label: str | None = None) -> None:
    """Append one entry (its own small transaction); `label`: a command's
    --user (labelled)."""
    if action not in ACTIONS:
        raise ValueError(action)
    detail = labelled(detail, label) if label else _defused(detail)
    user, target, detail = _cut(user, MAX_USER), _cut(target, MAX_TEXT), _cut(detail, MAX_TEXT)
    with WRITE_LOCK:
        cur = con.cursor()
        try:
            cur.execute("INSERT INTO audit_log VALUES (timezone('Asia/Shanghai', now()), ?, ?, ?, ?, ?)",
                        [user, role, action, target, detail])
        finally:
            cur.close()


def _cut(text: str | None, limit: int) -> str | None:
    return text if text is None or len(text) <= limit else text[:limit - 1] + "…"


def entries(con: duckdb.DuckDBPyConnection, since: dt.date | None = None,
            until: dt.date | None = None, user: str | None = None,
            action: str | None = None, limit: int = 5000,
            without: Sequence[str] = ()) -> pd.DataFrame:
    """Newest first, filtered by day range, user and action; `without`:
    actions left out (SESSION_ACTIONS: no sign-ins and sign-outs)."""
    cur = con.cursor()
    try:
        return cur.execute(
            "SELECT ts, user_name, role, action, target, detail FROM audit_log"
            " WHERE (?::DATE IS NULL OR ts >= ?::DATE)"
            " AND (?::DATE IS NULL OR ts < ?::DATE + INTERVAL 1 DAY)"
            " AND (?::VARCHAR IS NULL OR user_name = ?)"
            " AND (?::VARCHAR IS NULL OR action = ?)"
            " AND NOT list_contains(?::VARCHAR[], action)"
            " ORDER BY ts DESC LIMIT ?",
            [since, since, until, until, user, user, action, action, list(without),
             limit]).df()
    finally:
        cur.close()


# The forms the product writes targets and details in (ui/tables, ui/uploads,
# pages/data): stored as written, read in the viewer's language.
_ROWS = re.compile(r"^(\d+) rows(, personal_data)?$")
_UPLOAD = re.compile(r"^(\w+) batch=(\S+) rows=(\d+) rejected=(\d+)$")
_BATCH = re.compile(r"^batch (\d+)$")
_COLUMNS = re.compile(r"^[a-z_0-9]+(,[a-z_0-9]+)*$")
_RESTORE = re.compile(r"^rows=(\d+)(?: kept=(\d+|unreadable))?$")
_DEMO = re.compile(r"^files=(\d+) loaded=(\d+) failed=(\d+) rows=(\d+) rejected=(\d+)$")
_ROLE = re.compile(r"^(add|set_role) role=(\S+)(?: branch=(.+))?$", re.S)


def readable(action: str, target: str | None, detail: str | None,
             lang: str = "zh") -> tuple[str | None, str | None]:
    """An entry's target and detail as a reader of `lang` reads them:
    '5 rows, personal_data' -> '5 行,含个人信息', a viewed list's columns by
    their labels, an upload's counts in words. Anything else as stored."""
    # A missing value comes from the frame as NaN: no text to read.
    target = target if isinstance(target, str) else None
    detail = detail if isinstance(detail, str) else None
    if target and action == "view_personal" and _COLUMNS.match(target):
        target = join((column_label(c, lang) for c in target.split(",")), lang)
    elif target and (m := _BATCH.match(target)):
        target = t("audit.detail.batch", lang, batch=m.group(1))
    if not detail:
        return target, detail
    label = None
    if _LABEL in detail:   # a command's --user (auth.audit.labelled)
        detail, _, label = detail.rpartition(_LABEL)
    detail = _read_detail(action, detail, lang) if detail else detail
    if label is not None:
        said = t("audit.detail.label", lang, label=label)
        detail = f"{detail}{t('audit.detail.sep', lang)}{said}" if detail else said
    return target, detail


def _read_detail(action: str, detail: str, lang: str) -> str:
    if m := _ROWS.match(detail):
        detail = t("audit.detail.rows", lang, n=f"{int(m.group(1)):,}")
        if m.group(2):
            detail += t("audit.detail.personal", lang)
    elif detail == BACKUP:
        detail = t("audit.detail.backup", lang)
    elif detail == PERSONAL_DATA:
        # A file holding personal data, without a row count (the weekly workbook).
        detail = t("audit.detail.personal_file", lang)
    elif m := _UPLOAD.match(detail):
        status, batch, rows, rejected = m.groups()
        # A failed load has no batch.
        detail = t("audit.detail.upload" if batch != "None" else "audit.detail.upload_no_batch",
                   lang,
                   status=t(f"audit.status.{status}", lang) if has(f"audit.status.{status}")
                   else status, batch=batch, rows=f"{int(rows):,}",
                   rejected=f"{int(rejected):,}")
    elif action == "sign_in_failed" and has(f"audit.failed.{detail}"):
        detail = t(f"audit.failed.{detail}", lang)
    elif action in ("sign_in", "sign_out") and has(f"audit.{action}.{detail}"):
        detail = t(f"audit.{action}.{detail}", lang)
    elif action == "restore" and (m := _RESTORE.match(detail)):
        rows, kept = m.groups()
        detail = t("audit.detail.restore", lang, rows=f"{int(rows):,}")
        if kept == "unreadable":
            detail += t("audit.detail.restore_unreadable", lang)
        elif kept is not None:
            detail += t("audit.detail.restore_kept", lang, kept=f"{int(kept):,}")
    elif action == "demo" and (m := _DEMO.match(detail)):
        files, loaded, failed, rows, rejected = (f"{int(n):,}" for n in m.groups())
        detail = t("audit.detail.demo", lang, files=files, loaded=loaded, failed=failed,
                   rows=rows, rejected=rejected)
    elif action == "users":
        detail = _read_account(detail, lang)
    return detail


def _read_account(detail: str, lang: str) -> str:
    if m := _ROLE.match(detail):
        change, role, branch = m.groups()
        # A role of settings.toml without words of its own keeps its name.
        role = t(f"ui.auth.role.{role}", lang) if has(f"ui.auth.role.{role}") else role
        said = t(f"audit.users.{change}", lang, role=role)
        return said + t("audit.users.branch", lang, branch=branch) if branch else said
    if detail in ACCOUNT_CHANGES:
        return t(f"audit.users.{detail}", lang)
    return detail
