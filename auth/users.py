"""Local accounts: a JSON file of argon2id hashes, roles and branches.

The file is small and changes rarely (accounts, lock state), so it is
rewritten whole under an exclusive lock and replaced atomically.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from pipelines.errors import PipelineError
from pipelines.settings import ROOT, load_settings

from .jsonfile import locked_json

_HASHER = PasswordHasher()
# Verified when the account does not exist, so a wrong name costs the same time
# as a wrong password and does not reveal which names exist.
_DUMMY_HASH = _HASHER.hash("not a password")
MIN_PASSWORD = 8


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
        with self._locked() as data:
            if name in data["users"]:
                raise AuthError("user_exists", user=name)
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

    def list(self) -> list[dict]:
        """Accounts without their hashes."""
        return [{"name": n, **{k: v for k, v in e.items() if k != "hash"}}
                for n, e in sorted(self._read()["users"].items())]

    # -- sign-in -------------------------------------------------------------
    def authenticate(self, name: str, password: str) -> User:
        """The user, or AuthError `bad_credentials` / `locked`. Each failure waits
        longer; too many in a row lock the account for a while."""
        cfg = _auth()
        with self._locked() as data:
            entry = data["users"].get(name)
            now = self.clock()
            if entry and entry.get("locked_until"):
                until = dt.datetime.fromisoformat(entry["locked_until"])
                if until > now:
                    raise AuthError("locked", minutes=max(1, round((until - now).seconds / 60)))
                entry.update(failures=0, locked_until=None)
            ok = self._verify(entry["hash"] if entry else _DUMMY_HASH, password) and entry
            if ok:
                entry.update(failures=0, locked_until=None)
                if _HASHER.check_needs_rehash(entry["hash"]):
                    entry["hash"] = _HASHER.hash(password)
                return User(name, entry["role"], entry.get("branch"), entry.get("display_name"))
            failures = 1
            if entry:
                failures = entry["failures"] = entry.get("failures", 0) + 1
                if failures >= cfg["max_failures"]:
                    until = now + dt.timedelta(minutes=cfg["lock_minutes"])
                    entry["locked_until"] = until.isoformat(timespec="seconds")
        self.sleep(min(cfg["slowdown_seconds"] * failures, cfg["max_slowdown_seconds"]))
        if entry and entry.get("locked_until"):
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
