"""Switching the language mid-session keeps every choice made in a control
whose options are translated words, and shows it in the new language: the
browser keeps a select box's or radio's choice as the words it showed, so
after a switch the page must send the choice again, in the new words
(otherwise the select box kept showing the Chinese name and the radio showed
nothing chosen)."""
from __future__ import annotations

import pytest
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

from page_testing import demo_copy, open_page  # noqa: F401

WEEK = {"season": "2025-2026", "period": "week", "week": "2025-W50"}


def switch(at, lang: str):
    at.segmented_control(key="lang_switch").set_value(lang).run()
    assert not at.exception, [e.value for e in at.exception]


def resent(widget) -> str | None:
    """The choice the page tells the browser to show, or None when it leaves
    the browser's own (then stale) state alone."""
    return widget.proto.raw_value if widget.proto.set_value else None


def test_drill_through_keeps_its_choice_in_the_new_language(demo_copy):
    at = open_page("pages/tickets.py", **WEEK)
    at.toggle(key="tickets_drill").set_value(True).run()
    assert at.selectbox(key="tickets_drill_kpi").proto.options[0] == "受理工单量"

    switch(at, "en")
    kpi = at.selectbox(key="tickets_drill_kpi")
    part = at.radio(key="tickets_drill_part_tickets_received")
    assert kpi.value == "tickets_received" and resent(kpi) == "Tickets received"
    assert part.value == "numerator" and resent(part) == "Numerator"

    at.selectbox(key="tickets_drill_kpi").set_value("ticket_closure_rate").run()
    at.radio(key="tickets_drill_part_ticket_closure_rate").set_value("denominator").run()
    switch(at, "zh")
    kpi = at.selectbox(key="tickets_drill_kpi")
    part = at.radio(key="tickets_drill_part_ticket_closure_rate")
    assert kpi.value == "ticket_closure_rate" and resent(kpi) == "办结率"
    assert part.value == "denominator" and resent(part) == "分母"


def test_fees_page_controls_keep_their_choice(demo_copy):
    at = open_page("pages/fees.py", **WEEK)
    at.toggle(key="fees_drill").set_value(True).run()
    at.segmented_control(key="fees_level").set_value("branch").run()
    switch(at, "en")
    kpi = at.selectbox(key="fees_drill_kpi")
    assert resent(kpi) == kpi.proto.options[0]
    level = at.segmented_control(key="fees_level")
    assert level.value == "branch" and level.proto.set_value
    assert list(level.proto.raw_values) == ["Branch"]


def test_all_stays_chosen_in_the_new_language(demo_copy):
    at = open_page("pages/audit.py")
    switch(at, "en")
    action = at.selectbox(key="audit_action")
    assert action.proto.options[0] == "All" and resent(action) == "All"

    at = open_page("pages/data.py")
    switch(at, "en")
    kind = at.selectbox(key="data_kind")
    assert resent(kind) == kind.proto.options[0]


def test_the_choice_is_sent_once_not_on_every_run(demo_copy):
    at = open_page("pages/tickets.py", **WEEK)
    at.toggle(key="tickets_drill").set_value(True).run()
    switch(at, "en")
    at.run()
    assert resent(at.selectbox(key="tickets_drill_kpi")) is None


def column_ids(at) -> list[list[str]]:
    """Each table's column names as the browser's grid gets them: the grid
    keeps a sort the user clicked only while the sorted column keeps its name."""
    return [list(convert_arrow_bytes_to_pandas_df(d.proto.arrow_data.data).columns)
            for d in at.dataframe]


def headers(at) -> list[list[str]]:
    """Each table's headers as shown."""
    return [list(d.value.columns) for d in at.dataframe]


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/temperature.py", "pages/tickets.py",
                                  "pages/fees.py", "pages/report.py", "pages/data.py"])
def test_a_switch_of_language_keeps_every_tables_columns(demo_copy, page):
    # A manager sorts a list by clicking a header, then switches 中文/English:
    # the headers change language, the columns under them keep their names,
    # so the grid keeps the sort (it was lost with the headers as names).
    at = open_page(page, **WEEK)
    ids, chinese = column_ids(at), headers(at)
    assert ids and all(ids)
    switch(at, "en")
    assert column_ids(at) == ids
    english = headers(at)
    assert len(english) == len(chinese) and english != chinese
    switch(at, "zh")
    assert column_ids(at) == ids and headers(at) == chinese


def test_the_audit_log_keeps_its_columns_too(demo_copy):
    at = open_page("pages/tickets.py", **WEEK)   # an administrator views personal data: logged
    at.switch_page("pages/audit.py").run()
    ids, chinese = column_ids(at), headers(at)
    assert len(ids) == 1 and "操作" in chinese[0]
    switch(at, "en")
    assert column_ids(at) == ids and "Action" in headers(at)[0]


@pytest.mark.parametrize("page, control", [
    ("pages/fees.py", "fees_level"),
    ("pages/temperature.py", "t_chronic_window"),
    ("pages/tickets.py", "tickets_volume_grain"),
])
def test_a_switch_leaves_no_warning_in_the_server_log(demo_copy, monkeypatch, page, control):
    # The switch tells every control its choice again; a control that also
    # had a default= logged "created with a default value but also had its
    # value set via the Session State API" on every server.
    import logging

    from streamlit.elements.lib import policies
    monkeypatch.setattr(policies, "_shown_default_value_warning", False)
    seen: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            seen.append(record.getMessage())

    log = logging.getLogger(policies.__name__)
    handler = Keep(level=logging.WARNING)
    log.addHandler(handler)
    try:
        at = open_page(page, **WEEK)
        assert control in at.session_state
        switch(at, "en")
    finally:
        log.removeHandler(handler)
    assert not [m for m in seen if "default value" in m], seen
