"""The interface language: Chinese by default, English one click away."""
from __future__ import annotations

import datetime as dt

import streamlit as st

from i18n import DEFAULT_LANG, LANGS, t

KEY = "lang"             # the session's language
_WIDGET = "lang_switch"  # the control showing it


def current() -> str:
    lang = st.session_state.get(KEY)
    return lang if lang in LANGS else DEFAULT_LANG


def tr(key: str, **params) -> str:
    """`i18n.t` in the session's language."""
    return t(key, current(), **params)


def _plain(value) -> bool:
    """A choice a control can be told again: a value or a list of values.
    Not a bool (buttons, switches: nothing translated), not None (told again,
    a select box would show no choice), not a file or an editor's state."""
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    return (isinstance(value, (str, int, float, dt.date, dt.time))
            and not isinstance(value, bool))


def _chosen() -> None:
    if st.session_state.get(_WIDGET) not in LANGS:
        return
    if st.session_state[_WIDGET] != st.session_state.get(KEY):
        # The browser keeps a select box's or radio's choice as the words it
        # showed. Told nothing, it keeps the old language's words, which no
        # option has any more: the select box goes on showing them, a radio
        # shows nothing chosen, and the next click sends words that match
        # nothing. Telling every control its choice again makes the page send
        # it in the new language (a value unchanged is sent as it is).
        for key in list(st.session_state):
            if key not in (KEY, _WIDGET) and _plain(st.session_state[key]):
                st.session_state[key] = st.session_state[key]
    st.session_state[KEY] = st.session_state[_WIDGET]


def switch() -> str:
    """The language control at the top of the sidebar; returns the language.

    On a session's first run a shared link's ?lang= decides. The language is
    kept apart from the control's own state, which Streamlit may drop (a
    widget not drawn on some run, or an st.rerun() from a page in AppTest)."""
    if KEY not in st.session_state:
        wanted = st.query_params.get(KEY)
        st.session_state[KEY] = wanted if wanted in LANGS else DEFAULT_LANG
    st.session_state[_WIDGET] = current()
    st.sidebar.segmented_control(
        t("ui.language", current()), LANGS, key=_WIDGET, required=True, on_change=_chosen,
        format_func=lambda code: t(f"ui.language_name.{code}", code))
    return current()
