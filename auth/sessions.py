"""Signed-in browsers: a reload or a new tab of a signed-in browser stays
signed in, within the same idle limit as the session itself.

The browser keeps a random token in a cookie; this file keeps only its
SHA-256, the account, when it was opened and when it was last used. A token
resumes nothing once idle past `idle_minutes`, older than
`max_session_hours`, signed out, or once its account is removed or its
password reset. A session already open checks its token on every run
(`check`): a sign-out in another tab, a password reset or a removed account
ends it at its next click, and a changed role or branch applies then.
"""
from __future__ import annotations

import hashlib
import json
import secrets
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from .jsonfile import locked_json
from .users import AuthError, User, UserStore, _auth, idle_expired

COOKIE = "heatkpi_session"
# The last-used time is written at most this often (seconds): often enough for
# a 30-minute idle limit, rarely enough that a page's reruns do not each write.
TOUCH_EVERY = 60.0


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _ended(entry: dict, now: float) -> bool:
    """Idle past the limit, or open longer than `max_session_hours` (a token
    taken from a browser in use stops working then too). A token written
    before tokens had an opening time counts from its last use."""
    opened = entry.get("opened", entry["seen"])
    return (idle_expired(entry["seen"], now)
            or now - opened > _auth().get("max_session_hours", 12) * 3600)


class SessionStore:
    """Tokens of signed-in browsers in one JSON file, rewritten whole under an
    exclusive lock (like the accounts file)."""

    def __init__(self, path: Path | None = None, users: UserStore | None = None,
                 clock: Callable[[], float] = time.time):
        self.users = users or UserStore()
        # Beside the accounts file: its directory, its permissions.
        self.path = Path(path) if path else self.users.path.with_name("sessions.json")
        self.clock = clock

    @contextmanager
    def _locked(self) -> Iterator[dict]:
        """The file's data under its lock, tokens idle past the limit dropped."""
        with locked_json(self.path, self._read) as data:
            now = self.clock()
            data["sessions"] = {d: s for d, s in data["sessions"].items()
                                if not _ended(s, now)}
            yield data

    def _read(self) -> dict:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return {"sessions": {}}
        return data if isinstance(data.get("sessions"), dict) else {"sessions": {}}

    def open(self, user: User) -> str:
        """A new token for `user`, just signed in with their password."""
        token = secrets.token_urlsafe(32)
        with self._locked() as data:
            now = self.clock()
            data["sessions"][_digest(token)] = {"user": user.name, "seen": now, "opened": now}
        return token

    def resume(self, token: str | None) -> User | None:
        """The account a browser's token stands for, or None: unknown, idle
        past the limit, signed out, or its account removed."""
        return self.resume_once(token)[0]

    def resume_once(self, token: str | None) -> tuple[User | None, bool]:
        """`resume`, and whether it is the token's first: the audit log
        records one resume per sign-in, not one per reload or opened link."""
        if not token or not isinstance(token, str):
            return None, False
        key = _digest(token)
        with self._locked() as data:
            entry = data["sessions"].get(key)
            if entry is None:
                return None, False
            try:
                user = self.users.get(entry["user"])
            except AuthError:
                user = None
            if user is None:
                del data["sessions"][key]
                return None, False
            entry["seen"] = self.clock()
            first = not entry.get("resumed", False)
            entry["resumed"] = True
            return user, first

    def check(self, token: str | None) -> User | None:
        """The account of a session already open, as it is now (role and
        branch re-read), or None when its token was closed (a sign-out in
        another tab, a password reset, a removed account) or ended. Marks the
        use (written at most every TOUCH_EVERY s)."""
        if not token or not isinstance(token, str):
            return None
        key, now = _digest(token), self.clock()
        entry = self._read()["sessions"].get(key)
        if entry is None or _ended(entry, now):
            return None
        try:
            user = self.users.get(entry["user"])
        except AuthError:
            return None
        if now - entry["seen"] >= TOUCH_EVERY:
            with self._locked() as data:
                if key in data["sessions"]:
                    data["sessions"][key]["seen"] = now
        return user

    def close(self, token: str | None) -> None:
        """Signed out (or idle): the token resumes nothing any more."""
        if not token:
            return
        with self._locked() as data:
            data["sessions"].pop(_digest(token), None)

    def close_user(self, name: str) -> int:
        """Every browser of an account signed out (password reset, account removed)."""
        with self._locked() as data:
            gone = [d for d, s in data["sessions"].items() if s["user"] == name]
            for d in gone:
                del data["sessions"][d]
        return len(gone)
