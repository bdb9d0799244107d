"""ui.figures: a chart is built once per its inputs, language and data
version, and a new load (or another branch's reads) gets a new one."""
from __future__ import annotations

import plotly.graph_objects as go

from ui import figures


def test_one_build_per_inputs_and_data_version(monkeypatch):
    version = {"n": 1}
    monkeypatch.setattr(figures.db, "version", lambda: version["n"])
    monkeypatch.setattr(figures.db, "db_path", lambda: "/tmp/w.duckdb")
    figures.clear()
    builds = []

    def build(label):
        def make():
            builds.append(label)
            return go.Figure(go.Bar(x=[1], y=[2], name=label))
        return make

    calls = ("weekly", "2025-2026", {"station": ["般阳路换热站"]}, "张店分公司")
    first = figures.memo("t_weekly", (calls, "zh"), build("a"))
    again = figures.memo("t_weekly", (calls, "zh"), build("b"))
    assert again is first and builds == ["a"]
    # Another language, another branch scope, another chart: built anew.
    assert figures.memo("t_weekly", (calls, "en"), build("c")) is not first
    other = ("weekly", "2025-2026", {"station": ["般阳路换热站"]}, "淄川分公司")
    assert figures.memo("t_weekly", (other, "zh"), build("d")) is not first
    assert figures.memo("t_heatmap", (calls, "zh"), build("e")) is not first
    # A load or an undo changes the data version: nothing built before is reused.
    version["n"] = 2
    assert figures.memo("t_weekly", (calls, "zh"), build("f")) is not first
    assert builds == ["a", "c", "d", "e", "f"]


def test_the_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(figures.db, "version", lambda: 1)
    monkeypatch.setattr(figures.db, "db_path", lambda: "/tmp/w.duckdb")
    monkeypatch.setattr(figures, "MAX_FIGURES", 3)
    figures.clear()
    for i in range(5):
        figures.memo("chart", (i,), go.Figure)
    assert len(figures._FIGURES) == 3
    assert [k[3] for k in figures._FIGURES] == [("2",), ("3",), ("4",)]


def test_a_shared_figure_is_serialized_from_one_dict(monkeypatch):
    # st.plotly_chart turns the figure into a dict, then into JSON: a memoised
    # figure hands out the one dict it made, and the JSON is the same as a
    # fresh figure's.
    import plotly.io as pio
    import plotly.tools

    monkeypatch.setattr(figures.db, "version", lambda: 1)
    monkeypatch.setattr(figures.db, "db_path", lambda: "/tmp/w.duckdb")
    figures.clear()

    def make():
        fig = go.Figure(go.Scatter(x=list(range(50)), y=[i * 0.5 for i in range(50)]))
        return fig.update_layout(title="室温", yaxis_title="°C")

    fresh = pio.to_json(make().to_dict(), validate=False)
    shared = figures.memo("t_fit", ("a",), make)
    assert isinstance(shared, figures.SharedFigure)
    as_streamlit_reads = plotly.tools.return_figure_from_figure_or_data(shared,
                                                                        validate_figure=True)
    assert as_streamlit_reads is shared.to_dict()
    assert pio.to_json(as_streamlit_reads, validate=False) == fresh
    # serializing it does not change it: the next session gets the same JSON
    assert pio.to_json(shared.to_dict(), validate=False) == fresh


def test_text_from_the_data_is_drawn_as_written():
    """A station named like markup reached Plotly as markup: a link on the
    chart, a styled banner over it. Every text of the figure is now plain;
    the chart's own hover template keeps its tags."""
    import json

    import numpy as np
    import plotly.io as pio

    link = '<a href="https://evil.example/phish">华光路换热站</a>'
    banner = '<span style="font-size:60px">请重新登录</span>'
    fig = go.Figure(go.Bar(y=[link, "A&B小区", "< 12 °C"], x=[1, 2, 3], name=banner,
                           customdata=np.array([banner, "二<br>行", "x"], dtype=object),
                           hovertemplate="%{y}<br>%{customdata}<extra></extra>"))
    fig.update_yaxes(categoryarray=[link, "A&B小区", "< 12 °C"])
    fig.add_annotation(text=banner, x=1, y=link)
    spec = json.loads(pio.to_json(figures.shared(fig)))
    trace, layout = spec["data"][0], spec["layout"]
    assert trace["y"] == ['&lt;a href="https://evil.example/phish"&gt;华光路换热站&lt;/a&gt;',
                          "A&amp;B小区", "&lt; 12 °C"]
    assert trace["name"] == '&lt;span style="font-size:60px"&gt;请重新登录&lt;/span&gt;'
    assert trace["customdata"] == [trace["name"], "二<br>行", "x"]
    assert layout["yaxis"]["categoryarray"] == trace["y"]      # the axis still finds them
    assert layout["annotations"][0]["text"] == trace["name"]
    assert trace["hovertemplate"] == "%{y}<br>%{customdata}<extra></extra>"
    assert figures.plain("十八度") == "十八度"
    # A numpy array of str (not objects) too.
    spec = json.loads(pio.to_json(figures.shared(go.Figure(go.Bar(
        x=np.array(["<b>甲</b>", "乙"]), y=[1, 2])))))
    assert spec["data"][0]["x"] == ["&lt;b&gt;甲&lt;/b&gt;", "乙"]
