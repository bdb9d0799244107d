"""A page control's choice kept while other pages are open.

Streamlit forgets a control's state on any run that does not draw it: the
page menu opening another page is one. So each run copies the choice aside
(`keep`), and the next run of the page that draws the control again puts it
back first (`restore`). The report's week and the temperature drill-down do
the same with rules of their own (pages/report.py, pages/temperature.py)."""
from __future__ import annotations

from collections.abc import Collection

import streamlit as st


def _aside(key: str) -> str:
    return f"kept.{key}"


def restore(key: str, default, valid: Collection | None = None):
    """Before the control is drawn: its choice, else the one kept aside, else
    `default`; a choice not among `valid` (a day the filters no longer hold)
    is `default` too. Returns the choice."""
    state = st.session_state
    if key not in state:
        state[key] = state.get(_aside(key), default)
    if valid is not None and state[key] not in valid:
        state[key] = default
    return state[key]


def keep(key: str) -> None:
    """After the control is drawn: set its choice aside for the next visit."""
    st.session_state[_aside(key)] = st.session_state.get(key)
