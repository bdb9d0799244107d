"""Who is using this session: sign-in, idle expiry, sign-out, and the safe
single-user mode when no accounts and no SSO are configured.

Modes (auth_mode):
  sso     `.streamlit/secrets.toml` has an [auth] section: st.login (OIDC); role
          and branch from settings.toml [auth.sso].
  local   the users file has accounts (`python -m auth add ...`).
  single  neither: one local administrator, and the app refuses to serve any
          address but loopback, and any request not made on this computer
          (through a proxy, or for a network host name); a banner says so.
"""
from __future__ import annotations

import ipaddress
import json
import logging
import os
import secrets
import sys
import time
from collections.abc import Callable

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from auth import (LOCAL_USER, AuthError, User, UserStore, idle_expired, sso_identity,
                  sso_user)
from auth.audit import IDLE, record
from auth.sessions import COOKIE, SessionStore

from . import db
from .lang import tr

_log = logging.getLogger("heatkpi.pages")

KEY, SEEN = "user", "user_seen"
# The browser's sign-in token (auth/sessions.py), and what the next run must
# do to its cookie: set it to a new token, or clear it ("").
TOKEN, COOKIE_TODO = "session_token", "session_cookie_todo"


def auth_mode() -> str:
    try:
        if "auth" in st.secrets:
            return "sso"
    except Exception:  # no secrets file at all (Streamlit raises its own error)
        pass
    return "local" if UserStore().exists() else "single"


# Nobody signed in (a page reached without the router): no permission at all,
# and a branch scope matching no branch.
NOBODY = User("-", "none", "")


def current_user() -> User:
    """The signed-in user of this session (gate() ran first on every run)."""
    user = st.session_state.get(KEY)
    return user if isinstance(user, User) else NOBODY


def can(permission: str) -> bool:
    return current_user().can(permission)


def require(permission: str) -> None:
    """Stop the page for a user without `permission` (navigation hides such
    pages; this holds even for a page reached some other way)."""
    if not can(permission):
        st.error(tr("ui.auth.forbidden"))
        st.stop()


def can_see_personal() -> bool:
    return can("personal_data")


def scope_branch() -> str | None:
    return current_user().scope_branch


def visible_options(options):
    """Filter choices a branch user may pick: their branch and its stations."""
    branch = scope_branch()
    if branch is None:
        return options
    return type(options)(options.seasons, {branch: options.stations.get(branch, [])})


def audit(action: str, target: str | None = None, detail: str | None = None) -> None:
    user = current_user()
    record(db.connection(), user.name, action, target, detail, user.role)


# An audit entry's mark: the file holds personal data unmasked.
PERSONAL_DATA = "personal_data"


def audited_download(build: Callable[[], bytes], target: str,
                     detail: str | None = None) -> Callable[[], bytes]:
    """The `data` of a download built when clicked: builds the file, then
    writes the download to the audit trail. Pass `on_click="ignore"` with
    it: the click then only fetches the file. (A click that also reruns the
    page can lose the file on a busy server: Streamlit drops the answer to
    the file request when the rerun starts, and the button spins for three
    minutes.) Who downloads is read now, in the session's run; the file is
    built later on a server thread that has no session. A session idle past
    the limit, or whose sign-in ended meanwhile (signed out in another tab,
    password reset, account removed), gets no file (the click does not run
    gate(), which would sign it out): the page must be used, or signed in
    to, again."""
    user, con = current_user(), db.connection()
    seen = st.session_state.get(SEEN)   # None in single-user mode: no idle limit
    token = st.session_state.get(TOKEN) if auth_mode() == "local" else None

    def data() -> bytes:
        if seen is not None and idle_expired(seen, time.time()):
            raise PermissionError(f"session of {user.name} idle: no download")
        if token is not None and SessionStore().check(token) is None:
            raise PermissionError(f"session of {user.name} ended: no download")
        content = build()
        record(con, user.name, "download", target, detail, user.role)
        return content

    return data


def _loopback(address: str | None) -> bool:
    if not address or address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


# Headers a reverse proxy adds: a request carrying one came from elsewhere.
FORWARDED = frozenset({"forwarded", "x-forwarded-for", "x-forwarded-host",
                       "x-forwarded-proto", "x-real-ip"})


def _request() -> tuple[str | None, dict]:
    """The browser connection behind this run: its address (None on
    loopback) and its request headers; (None, {}) without a browser."""
    try:
        ip, headers = st.context.ip_address, dict(st.context.headers)
    except Exception:   # no browser request behind this run (a script test)
        return None, {}
    # A script test has no connection: its address is a stand-in object.
    return (ip if isinstance(ip, str) else None), headers


def from_this_computer(ip: str | None, headers: dict) -> bool:
    """Whether a request reached the app from this computer itself, not
    through a proxy: a proxy on the same machine connects from loopback, so
    the address alone does not tell; the Host the browser asked for (a
    network name through nginx) and the proxy's own headers do."""
    if ip is not None and not _loopback(ip):
        return False
    names = {str(k).lower(): v for k, v in headers.items()}
    if FORWARDED & names.keys():
        return False
    host = str(names.get("host") or "").strip()
    if not host:
        return True
    if host.startswith("["):                   # [::1]:8501
        hostname = host[1:host.find("]")] if "]" in host else host
    else:
        hostname = host.rsplit(":", 1)[0]
    return _loopback(hostname.lower())


def single_banner() -> None:
    """In single-user mode, the sidebar's note that nobody signs in: drawn
    under the filters (above them it pushed the season and the period below
    a 768 px screen's fold)."""
    if auth_mode() == "single":
        st.sidebar.caption(tr("ui.auth.single_banner"))


def gate() -> User | None:
    """Run first on every run: returns the user, or None when nobody is signed
    in (the caller then shows sign_in_page) or single-user mode must refuse
    (the refusal is drawn here)."""
    mode = auth_mode()
    if mode == "single":
        # One administrator without a password: only for someone at this
        # computer. Served on a network address, or reached through a proxy
        # (README's nginx keeps the app on 127.0.0.1), it refuses.
        if not (_loopback(st.get_option("server.address")) and from_this_computer(*_request())):
            st.error(tr("ui.auth.single_not_loopback"))
            return None
        st.session_state[KEY] = LOCAL_USER
        return LOCAL_USER
    user = st.session_state.get(KEY)
    now = time.time()
    expired = isinstance(user, User) and idle_expired(st.session_state.get(SEEN, now), now)
    if expired:
        # This tab idled past the limit. The browser's token is not closed: its
        # own idle time runs from the last use in any tab, so a browser used in
        # another tab resumes below, and one idle everywhere signs in again.
        idle_user = user
        for key in (KEY, SEEN, TOKEN):
            st.session_state.pop(key, None)
        user = None
        if mode == "sso":
            # The identity provider's sign-in outlives this session: without
            # signing out of it too, the next lines would sign straight back in
            # and the idle limit would never apply.
            st.logout()
            _audit_idle(idle_user)
            st.warning(tr("ui.auth.expired"))
            return None
    if isinstance(user, User) and mode == "local":
        # The account as it is now: a sign-out in another tab of this browser,
        # a password reset or a removed account ends this session too, and a
        # changed role or branch applies from this run on.
        user = SessionStore().check(st.session_state.get(TOKEN))
        if user is None:
            _forget()
            st.warning(tr("ui.auth.ended"))
            return None
        st.session_state[KEY] = user
    if not isinstance(user, User):
        user = _sso_user() if mode == "sso" else _resumed()
        if user is None:
            if expired:
                _audit_idle(idle_user)
                st.warning(tr("ui.auth.expired"))
            return None  # the caller shows sign_in_page
    st.session_state[SEEN] = now
    _write_cookie()
    _sidebar(user, mode)
    return user


def _audit_idle(user: User) -> None:
    """A session signed out for idling past the limit, in the audit log as a
    sign-out (detail "idle"): once, on the run that found it idle. A tab
    that idled while the browser was used in another tab resumes instead and
    writes nothing: it never was signed out."""
    record(db.connection(), user.name, "sign_out", None, IDLE, user.role)


def _browser_token() -> str | None:
    try:
        token = st.context.cookies.get(COOKIE)
    except Exception:   # no browser request behind this run (a script test)
        return None
    return token if isinstance(token, str) else None


def _resumed() -> User | None:
    """The account this browser signed in to before a reload or in another
    tab, if its token is still good (auth/sessions.py)."""
    token = _browser_token()
    user, first = SessionStore().resume_once(token)
    if user is None:
        if token:
            st.session_state[COOKIE_TODO] = ""   # a dead token: the browser forgets it
        return None
    st.session_state.update({KEY: user, SEEN: time.time(), TOKEN: token})
    if first:   # once per sign-in: every reload and opened link flooded the log
        audit("sign_in", detail="resumed")
    return user


def _write_cookie() -> None:
    """Set or clear the browser's sign-in cookie, as the last run asked (after
    a sign-in or sign-out, which rerun at once: a script drawn in that run
    could be lost with it). Script in the page: Streamlit has no call that sets
    a cookie. SameSite=Strict; Secure over https; gone when the browser closes."""
    todo = st.session_state.pop(COOKIE_TODO, None)
    if todo is None:
        return
    value = json.dumps(f"{COOKIE}={todo}; path=/; SameSite=Strict"
                       + ("" if todo else "; max-age=0"))
    st.sidebar.html(f"<script>document.cookie = {value} + (location.protocol === 'https:' "
                    f"? '; Secure' : '');</script>", unsafe_allow_javascript=True, width=1)


def _forget() -> None:
    if st.session_state.pop(TOKEN, None):
        st.session_state[COOKIE_TODO] = ""
    for key in (KEY, SEEN):
        st.session_state.pop(key, None)


# Streamlit writes "Press Enter to submit form" under a form's focused input,
# in English only. Enter still submits (the form's default); the hint is
# hidden under this form's two inputs (their keys' classes, the element's
# stable test id).
HIDE_ENTER_HINT = ("<style>" + ",".join(
    f'.st-key-signin_{k} [data-testid="InputInstructions"]' for k in ("user", "password"))
    + "{display:none}</style>")


def _local_form() -> None:
    st.title(tr("ui.auth.title"))
    st.html(HIDE_ENTER_HINT)
    with st.form("signin"):
        name = st.text_input(tr("ui.auth.user"), key="signin_user", max_chars=64)
        password = st.text_input(tr("ui.auth.password"), type="password", key="signin_password")
        submitted = st.form_submit_button(tr("ui.auth.sign_in"), type="primary")
    if not submitted:
        return
    # Kept nowhere once read, also when it was wrong (a near miss of the real one).
    st.session_state.pop("signin_password", None)
    try:
        user = UserStore().authenticate(name.strip(), password)
    except AuthError as exc:
        # A name that is no account is not written down: it may be the
        # password typed into the wrong field, which the admin's audit log
        # page would show in clear. The account file keeps such names hashed.
        known = UserStore().is_account(name.strip())
        record(db.connection(), name.strip() if known else "-", "sign_in_failed",
               detail=exc.code if known else f"{exc.code}_unknown_name")
        st.error(exc.message(_lang()))
        return
    token = SessionStore().open(user)
    st.session_state.update({KEY: user, SEEN: time.time(), TOKEN: token, COOKIE_TODO: token})
    audit("sign_in")
    st.rerun()  # draw the app without the form


def sign_in_page() -> None:
    """The only page before sign-in: the form, or the company-SSO button
    (single-user mode on a network address: gate() drew the refusal)."""
    mode = auth_mode()
    if mode == "single":
        return
    _write_cookie()
    if mode == "sso":
        st.title(tr("ui.auth.title"))
        st.button(tr("ui.auth.sso"), type="primary", on_click=st.login)
    else:
        _local_form()


def _sso_user() -> User | None:
    if not st.user.is_logged_in:
        return None
    user = sso_user(sso_identity(st.user), st.user.get("name"))
    st.session_state[KEY] = user
    audit("sign_in", detail="sso")
    return user


def _sidebar(user: User, mode: str) -> None:
    who = user.display_name or user.name
    branch = f" · {user.branch}" if user.scope_branch else ""
    st.sidebar.caption(tr("ui.auth.signed_in", user=who, role=tr(f"ui.auth.role.{user.role}"),
                          branch=branch))
    if st.sidebar.button(tr("ui.auth.sign_out"), key="sign_out"):
        audit("sign_out")
        SessionStore().close(st.session_state.get(TOKEN))
        _forget()
        if mode == "sso":
            st.logout()
        st.rerun()


def _lang() -> str:
    from .lang import current
    return current()


ROUTED = "_routed_run"


def routed(page) -> None:
    """Run the chosen page, marked as run through the router (app.py)."""
    st.session_state[ROUTED] = True
    st.session_state[ROWS_WITHHELD_SAID] = False
    try:
        page.run()
    except Exception:   # st.stop and st.rerun are BaseExceptions: they pass
        failed()
    finally:
        st.session_state.pop(ROUTED, None)


ROWS_WITHHELD_SAID = "rows_withheld_said"


def say_rows_withheld() -> None:
    """Tell a role without row lists, once per page, why a list shows no rows
    (a viewer's fees page has five lists: the same box five times said
    nothing more)."""
    if not st.session_state.get(ROWS_WITHHELD_SAID):
        st.info(tr("ui.auth.no_row_lists"))
        st.session_state[ROWS_WITHHELD_SAID] = True


def failed() -> None:
    """A defect of ours, said in the user's language with a reference to quote
    (Streamlit's own box is English, offers to "Ask ChatGPT" on an offline
    server and hides the error even from the administrator); the traceback goes
    to the server's log under the same reference. What was drawn before the
    failure stays. Call it in an `except` block. With HEATKPI_RAISE_ERRORS
    set (the tests), the error is raised again after the words."""
    error = sys.exc_info()[1]
    if not getattr(error, "heatkpi_said", False):   # said by the page, raised on to the router
        ref = f"{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}"
        _log.exception("page failed, reference %s", ref)
        st.error(tr("ui.error.unexpected", ref=ref), icon=":material/error:")
    if os.environ.get("HEATKPI_RAISE_ERRORS"):
        error.heatkpi_said = True
        raise


def page_guard() -> None:
    """First line of every page. A page run by its file name skips the router
    (and so the sign-in): Streamlit does that on the first run after the
    server starts, when the address names a file in pages/ (its older
    multipage mode, left for good once st.navigation has run). Such a run goes
    through the router instead, which draws the page; anything else that runs
    a page file alone shows only a link home."""
    if not st.session_state.get(ROUTED):
        if PagesManager.uses_pages_directory:
            from app import main   # the router: sign-in, language, filters, page
            main()
            st.stop()
        st.info(tr("ui.auth.not_routed"))
        st.markdown(f"[{tr('ui.auth.open_home')}](/)")
        st.stop()
