"""Axis titles say their unit once, on every chart of every page, in both
languages: the English temperature page read "Readings (readings)" and the
tickets page "Complaints per 10,000 m² (per 10,000 m²)"."""
from __future__ import annotations

import re

import pytest

from page_testing import demo_copy, figures, open_page  # noqa: F401
from ui import charts

PAGES = ("pages/overview.py", "pages/temperature.py", "pages/tickets.py", "pages/fees.py")
# "Label (unit)" / "标签(单位)": the unit in brackets at the end.
WITH_UNIT = re.compile(r"^(?P<label>.+?)\s*[((](?P<unit>[^()()]+)[))]$")


def axis_titles(fig: dict) -> list[str]:
    out = []
    for name, axis in fig.get("layout", {}).items():
        if re.fullmatch(r"[xy]axis\d*", name) and isinstance(axis, dict):
            title = axis.get("title")
            text = title.get("text") if isinstance(title, dict) else title
            if text:
                out.append(str(text))
    return out


def repeats_unit(title: str, lang: str) -> bool:
    m = WITH_UNIT.match(title)
    return bool(m) and charts.says_unit(m["label"], m["unit"].strip(), lang)


def test_a_title_that_says_its_unit_gets_it_once():
    assert charts.axis_title("Readings", "readings", "en") == "Readings"
    assert charts.axis_title("Complaints per 10,000 m²", "per_10k_m2", "en") == \
        "Complaints per 10,000 m²"
    assert charts.axis_title("测温记录", "readings", "zh") == "测温记录(条)"
    assert charts.axis_title("Refund", "yuan", "en") == "Refund (yuan)"
    assert charts.axis_title("Rate", "percent", "en") == "Rate (%)"
    # A word merely containing the unit's letters is no unit.
    assert charts.axis_title("Thresholds", "hours", "en") == "Thresholds (hours)"
    assert repeats_unit("Readings (readings)", "en")
    assert repeats_unit("Complaints per 10,000 m² (per 10,000 m²)", "en")
    assert not repeats_unit("Refund (yuan)", "en")


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_no_axis_title_repeats_its_unit(demo_copy, page, lang):
    at = open_page(page, lang)
    figs = figures(at)
    assert figs, page
    titles = [title for fig in figs.values() for title in axis_titles(fig)]
    assert titles, page
    assert not [title for title in titles if repeats_unit(title, lang)], titles


def test_a_count_says_what_it_counts():
    # metrics' unit "count" reads 个 in Chinese: tickets are counted in 件 and
    # readings in 条 on every other axis.
    from metrics import get
    assert charts.kpi_axis_title(get("tickets_received"), "zh") == "受理工单量(件)"
    assert charts.kpi_axis_title(get("ticket_unanswered"), "zh") == "漏件数"   # says 件 already
    assert charts.kpi_axis_title(get("temp_unsigned_readings"), "zh").endswith("(条)")
    assert charts.kpi_axis_title(get("tickets_received"), "en") == "Tickets received"


@pytest.mark.parametrize("lang, title", [("zh", "受理工单量(件)"), ("en", "Tickets received")])
def test_the_tickets_by_station_axis_counts_tickets(demo_copy, lang, title):
    figs = figures(open_page("pages/tickets.py", lang))
    assert figs["tickets_by_station"]["layout"]["xaxis"]["title"]["text"] == title
    # no ticket axis counts in 个
    titles = [title for fig in figs.values() for title in axis_titles(fig)]
    assert not [x for x in titles if "个" in x], titles


def test_date_ticks_fall_on_mondays():
    # Weeks are ISO weeks (Monday to Sunday) and weekly points are drawn on
    # their Mondays; Plotly's own weekly ticks fall on Sundays.
    import datetime as dt

    import pandas as pd
    import plotly.graph_objects as go
    weekly = [dt.date(2025, 11, 10) + dt.timedelta(weeks=i) for i in range(18)]
    fig = charts.date_axis(go.Figure(go.Scatter(x=weekly, y=list(range(18)))), "zh")
    axis = fig.layout.xaxis
    assert axis.tickmode == "linear" and pd.Timestamp(axis.tick0).weekday() == 0
    assert pd.Timestamp(axis.tick0) <= pd.Timestamp(weekly[0])
    assert axis.dtick == 2 * 7 * 86400000                # 18 weeks: every other one
    # a whole season of days, from a Saturday: the Monday before it
    days = pd.date_range("2025-11-15", "2026-03-15", freq="D")
    fig = charts.date_axis(go.Figure(go.Bar(x=days, y=[1] * len(days))), "en")
    assert fig.layout.xaxis.tick0 == "2025-11-10" and fig.layout.xaxis.dtick == 2 * 7 * 86400000
    # a week of days: a tick per day, as Plotly picks them
    week = pd.date_range("2025-12-08", periods=7, freq="D")
    fig = charts.date_axis(go.Figure(go.Bar(x=week, y=[1] * 7)), "zh")
    assert fig.layout.xaxis.tickmode is None and fig.layout.xaxis.tickformat == "%-m月%-d日"


def test_the_period_band_is_drawn_only_over_the_weeks_shown():
    # A week between seasons (3-9 Nov 2025) on the 2024-2025 trend drew its
    # band eight months past the last point, stretching the axis to an empty
    # summer; a week of the season gets its band, clipped to the weeks drawn.
    import datetime as dt

    import pandas as pd
    import plotly.graph_objects as go

    from ui.charts import period_band
    weeks = pd.date_range("2024-11-11", "2025-03-10", freq="7D")
    fig = period_band(go.Figure(), dt.date(2025, 11, 3), dt.date(2025, 11, 9), weeks)
    assert not fig.layout.shapes
    fig = period_band(go.Figure(), dt.date(2024, 12, 2), dt.date(2024, 12, 8), weeks)
    (band,) = fig.layout.shapes
    assert (pd.Timestamp(band.x0), pd.Timestamp(band.x1)) == (pd.Timestamp("2024-12-02"),
                                                              pd.Timestamp("2024-12-09"))
    # a whole season's range is cut to the weeks drawn (last Monday + 7 days)
    fig = period_band(go.Figure(), dt.date(2024, 11, 1), dt.date(2025, 6, 30), weeks)
    (band,) = fig.layout.shapes
    assert (pd.Timestamp(band.x0), pd.Timestamp(band.x1)) == (pd.Timestamp("2024-11-11"),
                                                              pd.Timestamp("2025-03-17"))
