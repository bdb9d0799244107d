"""审计日志: who signed in, uploaded, undid, exported, downloaded, or viewed
personal data, and when. Administrators only (the router shows it to them)."""
from __future__ import annotations

import datetime as dt

import streamlit as st

from auth.audit import ACTIONS, SESSION_ACTIONS, entries, readable
from i18n import has, t
from ui import db, fmt, session, tables
from ui.lang import current, tr
from ui.sidebar import today

session.page_guard()
session.require("audit")

lang = current()
st.header(tr("page.audit.title"))
st.caption(tr("page.audit.intro"))

end = today()
c1, c2, c3, c4 = st.columns(4)
since = c1.date_input(tr("page.audit.from"), end - dt.timedelta(days=30), key="audit_from")
until = c2.date_input(tr("page.audit.to"), end, key="audit_to")
user = c3.text_input(tr("page.audit.user"), key="audit_user").strip() or None
# "All" is "", not None: a choice of None is not sent again when the language
# changes (ui/lang), and the browser would go on showing 全部 in English.
action = c4.selectbox(tr("page.audit.action"), ["", *ACTIONS], key="audit_action",
                      format_func=lambda a: t(f"audit.action.{a}", lang) if a
                      else tr("page.audit.all")) or None

# Sign-ins and sign-outs may be hidden to see what was done; an action
# chosen above is shown whatever the switch.
sessions = st.toggle(tr("page.audit.sessions"), value=True, key="audit_sessions")

# Not cached: the log grows with every click, and an admin expects to see it.
cur = db.connection().cursor()
try:
    log = entries(cur, since, until, user, action,
                  without=() if sessions or action else SESSION_ACTIONS)
finally:
    cur.close()
if log.empty:
    st.info(tr("page.audit.none"))
else:
    read = [readable(a, tg, d, lang) for a, tg, d in zip(log["action"], log["target"],
                                                            log["detail"])]
    log["target"] = [r[0] for r in read]
    log["detail"] = [r[1] for r in read]
    log["action"] = log["action"].map(lambda a: t(f"audit.action.{a}", lang))
    # A role of settings.toml without words of its own keeps its name.
    log["role"] = log["role"].map(lambda r: t(f"ui.auth.role.{r}", lang)
                                  if isinstance(r, str) and has(f"ui.auth.role.{r}") else r)
    log["ts"] = log["ts"].map(lambda x: fmt.datetime(x, lang))
    ids = list(log.columns)
    log.columns = [tr(f"page.audit.col.{c}") for c in ids]
    # An entry without a detail shows an empty cell (the grid's placeholder),
    # not the word "None". Columns named by their keys keep a sort across a
    # change of language (ui/tables.grid).
    tables.grid(log, ids)
