"""Finished Plotly figures, kept per process and data version.

Building a figure is the largest part of a page run once its data is cached:
Plotly validates every property as it is set (about 30 ms a chart), and every
user opening the same page with the same filters would build the same chart
again. `memo` builds it once per its inputs and the warehouse's data version
(a load or undo makes new ones) and hands every session the same object;
st.plotly_chart only reads it. A page names what the figure depends on: the
reads it draws (their call tuples, which carry the period, filters and branch
scope), the language, and any choice on the page.

    fig = figures.memo("t_heatmap", (HEATMAP, lang), lambda: build(reads.get(HEATMAP)))
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

import plotly.graph_objects as go

from . import db

MAX_FIGURES = 256
_LOCK = threading.Lock()
_FIGURES: OrderedDict[tuple, go.Figure] = OrderedDict()


def _key(name: str, inputs: tuple) -> tuple:
    def part(x) -> Hashable:
        # Call tuples hold functions and dataclasses: their repr names them
        # (module and qualname, field values), as ui.prefetch keys reads.
        if callable(x) and hasattr(x, "__qualname__"):
            return f"{x.__module__}.{x.__qualname__}"
        if isinstance(x, (tuple, list)):
            return tuple(part(y) for y in x)
        return repr(x)
    return (name, db.db_path(), db.version(), part(inputs))


class SharedFigure(go.Figure):
    """A figure many sessions show and none changes. st.plotly_chart turns a
    figure into its dict (a deep copy of every trace and array) and that into
    JSON on every page run; this one's dict is made once and handed out
    again (plotly.io.to_json only reads it)."""

    def to_dict(self) -> dict:
        shared = self.__dict__.get("_shared_dict")
        if shared is None:
            shared = super().to_dict()
            self.__dict__["_shared_dict"] = shared
        return shared


def memo(name: str, inputs: tuple, build: Callable[[], go.Figure]) -> go.Figure:
    """The figure `build()` makes from `inputs`, built once per data version.
    The figure is shared: never change it after this returns."""
    key = _key(name, inputs)
    with _LOCK:
        fig = _FIGURES.get(key)
        if fig is not None:
            _FIGURES.move_to_end(key)
            return fig
    fig = build()
    fig.__class__ = SharedFigure   # the same figure; its dict is kept once made
    fig.to_dict()
    with _LOCK:
        _FIGURES[key] = fig
        while len(_FIGURES) > MAX_FIGURES:
            _FIGURES.popitem(last=False)
    return fig


def has_data(fig: go.Figure) -> bool:
    """Whether any trace has a value to draw (an empty period gives traces
    without points, which Plotly draws as bare axes from -1 to 6)."""
    for trace in fig.data:
        for attr in ("y", "x", "z", "values"):
            values = getattr(trace, attr, None)
            if values is not None and any(
                    v is not None and v == v for v in (values.ravel() if hasattr(values, "ravel")
                                                       else values)):
                return True
    return False


def show(name: str, inputs: tuple, build: Callable[[], go.Figure], lang: str,
         container=None, **kwargs) -> None:
    """`memo`'s figure drawn with st.plotly_chart (key `name`), or, when it has
    nothing to draw, a line saying so in its place."""
    import streamlit as st

    from i18n import t

    where = container if container is not None else st
    fig = memo(name, inputs, build)
    if not has_data(fig):
        where.info(t("ui.chart.empty", lang), icon=":material/bar_chart_off:")
        return
    where.plotly_chart(fig, key=name, **kwargs)


def clear() -> None:
    with _LOCK:
        _FIGURES.clear()
