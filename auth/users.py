"""Local accounts: a JSON file of argon2id hashes, roles and branches.

The file is small and changes rarely (accounts, lock state), so it is
rewritten whole under an exclusive lock and replaced atomically.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from pipelines.errors import PipelineError
from pipelines.settings import ROOT, load_settings

from .jsonfile import locked_json

_HASHER = PasswordHasher()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verified when the account does not exist, so a wrong name costs the
    same time as a wrong password and does not reveal which names exist.
    Made on first use: hashing costs 0.1 s, which every command paid on import."""
    return _HASHER.hash("not a password")


MIN_PASSWORD = 8
# The longest account name (the sign-in form takes no more; a longer one
# names no account).
MAX_NAME = 64
# Failed sign-ins are counted for names that are no account too, exactly as
# for accounts (same waits, same lock), so that nothing tells the two apart.
# Kept under "unknown" in the accounts file by the name's SHA-256 (a password
# typed into the name field is not kept), at most UNKNOWN_KEPT of them, the
# oldest unlocked one dropped first (a lock still running is never dropped);
# any name's count is forgotten FORGET_AFTER after its last failure.
UNKNOWN_KEPT = 1000
FORGET_AFTER = dt.timedelta(days=1)


class AuthError(PipelineError):
    """A sign-in or account problem the user can act on (message via i18n)."""


def _auth() -> dict:
    return load_settings()["auth"]


def roles() -> dict[str, frozenset[str]]:
    return {name: frozenset(perms) for name, perms in _auth()["roles"].items()}


@dataclass(frozen=True)
class User:
    name: str
    role: str
    branch: str | None = None
    display_name: str | None = None

    @property
    def permissions(self) -> frozenset[str]:
        return roles().get(self.role, frozenset())

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    @property
    def scope_branch(self) -> str | None:
        """The one branch this user may see, or None for all branches."""
        return None if self.can("all_branches") else (self.branch or "")


def users_path() -> Path:
    env = os.environ.get("HEATKPI_USERS")
    path = Path(env) if env else Path(_auth()["users_file"])
    return path if path.is_absolute() else ROOT / path


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class UserStore:
    """Accounts in one JSON file. `sleep` is injectable so tests need not wait."""

    def __init__(self, path: Path | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], dt.datetime] = _now):
        self.path = Path(path) if path else users_path()
        self.sleep, self.clock = sleep, clock

    # -- file access ---------------------------------------------------------
    def _locked(self):
        return locked_json(self.path, self._read)

    def _read(self) -> dict:
        if not self.path.exists():
            return {"users": {}}
        return json.loads(self.path.read_text(encoding="utf-8"))

    def exists(self) -> bool:
        return bool(self._read()["users"])

    # -- administration ------------------------------------------------------
    def add(self, name: str, password: str, role: str, branch: str | None = None,
            display_name: str | None = None) -> User:
        self._check_role(role, branch)
        self._check_password(password)
        if not name or len(name) > MAX_NAME:
            raise AuthError("bad_user_name", n=MAX_NAME)
        with self._locked() as data:
            if name in data["users"]:
                raise AuthError("user_exists", user=name)
            data.get("unknown", {}).pop(_key(name), None)
            data["users"][name] = {
                "hash": _HASHER.hash(password), "role": role, "branch": branch,
                "display_name": display_name, "failures": 0, "locked_until": None,
                "created_at": self.clock().isoformat(timespec="seconds")}
        return User(name, role, branch, display_name)

    def remove(self, name: str) -> None:
        with self._locked() as data:
            self._get(data, name)
            del data["users"][name]

    def reset_password(self, name: str, password: str) -> None:
        self._check_password(password)
        with self._locked() as data:
            entry = self._get(data, name)
            entry.update(hash=_HASHER.hash(password), failures=0, locked_until=None)

    def set_role(self, name: str, role: str, branch: str | None = None) -> None:
        self._check_role(role, branch)
        with self._locked() as data:
            self._get(data, name).update(role=role, branch=branch)

    def unlock(self, name: str) -> None:
        with self._locked() as data:
            self._get(data, name).update(failures=0, locked_until=None)

    def get(self, name: str) -> User:
        """The account as it is now (AuthError `no_such_user` if removed)."""
        entry = self._get(self._read(), name)
        return User(name, entry["role"], entry.get("branch"), entry.get("display_name"))

    def is_account(self, name: str) -> bool:
        """Whether `name` is an account's (for the audit log: a failed
        sign-in under a name that is none may have typed the password there)."""
        return name in self._read()["users"]

    def list(self) -> list[dict]:
        """Accounts without their hashes."""
        return [{"name": n, **{k: v for k, v in e.items() if k != "hash"}}
                for n, e in sorted(self._read()["users"].items())]

    # -- sign-in -------------------------------------------------------------
    def authenticate(self, name: str, password: str) -> User:
        """The user, or AuthError `bad_credentials` / `locked`. Each failure waits
        longer; too many in a row lock the name for a while. A name that is no
        account fails, waits and locks exactly like an account (nothing tells
        them apart), and a locked name's attempt waits too before the answer."""
        cfg = _auth()
        now = self.clock()
        with self._locked() as data:
            entry = data["users"].get(name) if len(name) <= MAX_NAME else None
            tally = entry if entry is not None else _unknown(data, name, now)
            _forget(tally, now)
            failures = tally.get("failures", 0)
            locked = tally.get("locked_until")
            if not locked:
                ok = self._verify(entry["hash"] if entry else _dummy_hash(), password) and entry
                if ok:
                    entry.update(failures=0, locked_until=None)
                    entry.pop("last_failure", None)
                    if _HASHER.check_needs_rehash(entry["hash"]):
                        entry["hash"] = _HASHER.hash(password)
                    return User(name, entry["role"], entry.get("branch"),
                                entry.get("display_name"))
                failures = tally["failures"] = failures + 1
                tally["last_failure"] = now.isoformat(timespec="seconds")
                if failures >= cfg["max_failures"]:
                    until = now + dt.timedelta(minutes=cfg["lock_minutes"])
                    tally["locked_until"] = until.isoformat(timespec="seconds")
        # A locked name's attempt waits as long as its last failure did.
        self.sleep(min(cfg["slowdown_seconds"] * max(failures, 1), cfg["max_slowdown_seconds"]))
        if locked:
            until = dt.datetime.fromisoformat(locked)
            raise AuthError("locked", minutes=max(1, round((until - now).total_seconds() / 60)))
        if tally.get("locked_until"):
            raise AuthError("locked", minutes=cfg["lock_minutes"])
        raise AuthError("bad_credentials")

    # -- helpers -------------------------------------------------------------
    @staticmethod
    def _verify(hashed: str, password: str) -> bool:
        try:
            return _HASHER.verify(hashed, password)
        except (VerificationError, InvalidHashError):
            return False

    @staticmethod
    def _get(data: dict, name: str) -> dict:
        if name not in data["users"]:
            raise AuthError("no_such_user", user=name)
        return data["users"][name]

    @staticmethod
    def _check_role(role: str, branch: str | None) -> None:
        if role not in roles():
            raise AuthError("bad_role", role=role, roles=sorted(roles()))
        if role == "branch" and not branch:
            raise AuthError("branch_required")

    @staticmethod
    def _check_password(password: str) -> None:
        if len(password) < MIN_PASSWORD:
            raise AuthError("weak_password", n=MIN_PASSWORD)


def _key(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()


def _unknown(data: dict, name: str, now: dt.datetime) -> dict:
    """The failure count of a name that is no account (made if new). The
    table keeps no count older than FORGET_AFTER and at most UNKNOWN_KEPT."""
    table = data.setdefault("unknown", {})
    for key in [k for k, v in table.items() if _stale(v, now)]:
        del table[key]
    key = _key(name)
    if key not in table:
        fresh = {"failures": 0, "locked_until": None, "seen": now.isoformat(timespec="seconds")}
        while len(table) >= UNKNOWN_KEPT:
            # Never a lock still running: dropping one would unlock that name
            # while an account's lock holds, which tells the two apart.
            unlocked = [k for k, v in table.items() if not _locked_now(v, now)]
            if not unlocked:
                return fresh   # every kept name locked: this one is not kept
            del table[min(unlocked, key=lambda k: table[k].get("last_failure")
                          or table[k].get("seen") or "")]
        table[key] = fresh
    return table[key]


def _locked_now(tally: dict, now: dt.datetime) -> bool:
    until = tally.get("locked_until")
    return bool(until) and dt.datetime.fromisoformat(until) > now


def _stale(tally: dict, now: dt.datetime) -> bool:
    """Nothing to remember: no failure in FORGET_AFTER and no lock running."""
    if _locked_now(tally, now):
        return False
    seen = tally.get("last_failure") or tally.get("seen")
    return not seen or now - dt.datetime.fromisoformat(seen) > FORGET_AFTER


def _forget(tally: dict, now: dt.datetime) -> None:
    """A lock that has run out, or failures FORGET_AFTER old, count no more
    (for an account as for any other name)."""
    if tally.get("locked_until") and not _locked_now(tally, now):
        tally.update(failures=0, locked_until=None)
    last = tally.get("last_failure")
    if not tally.get("locked_until") and last and \
            now - dt.datetime.fromisoformat(last) > FORGET_AFTER:
        tally.update(failures=0, last_failure=None)


def sso_identity(claims) -> str:
    """The name an identity-provider user is known by here: the email the
    provider says it verified, else the subject. An email it says it did not
    verify (`email_verified: false`; a provider letting anyone choose one)
    gets no role mapped to that address, unless the settings trust them
    ([auth.sso] trust_unverified_email: a provider whose administrator
    creates the accounts, with emails it never verifies)."""
    email = claims.get("email")
    trusted = _auth().get("sso", {}).get("trust_unverified_email", False)
    if email and (trusted or (claims.get("email_verified") is not False
                              and str(claims.get("email_verified")).lower() != "false")):
        return str(email)
    return str(claims.get("sub") or "sso-user")


def sso_user(email: str, display_name: str | None = None) -> User:
    """The role and branch settings give an identity-provider user."""
    cfg = _auth().get("sso", {})
    entry = cfg.get("users", {}).get(email.lower()) or cfg.get("users", {}).get(email) or {}
    return User(email, entry.get("role", cfg.get("default_role", "viewer")),
                entry.get("branch"), display_name)


def idle_expired(last_seen: float, now: float) -> bool:
    """True when a session idle since `last_seen` (epoch seconds) must sign in again."""
    return now - last_seen > _auth()["idle_minutes"] * 60


LOCAL_USER = User("local", "admin", None, "本机用户")
