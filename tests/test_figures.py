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
