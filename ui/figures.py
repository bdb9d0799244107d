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

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

import numpy as np
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


# Plotly reads a subset of HTML in every text it draws (labels, ticks,
# legends, hover texts): a station named <a href=…> was a link on the chart,
# <span style="font-size:60px"> a banner over it. Text from the data is
# shown as written: & < > as entities, which Plotly draws as the characters.
# The one tag the charts' own texts carry, <br>, is kept (in data it is only
# a line break). Hover templates are the charts' own and keep their markup.
_MARKUP = re.compile(r"[&<>]")


def plain(text: str) -> str:
    """`text` drawn by Plotly as written (no tag read, no entity decoded)."""
    if not _MARKUP.search(text):
        return text
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("&lt;br&gt;", "<br>"))


def _plain_all(x):
    """Every string in a figure's dict part `x` through `plain`, in place
    where it can be; the keys naming templates (hovertemplate, the layout's
    theme) left as they are."""
    if isinstance(x, str):
        return plain(x)
    if isinstance(x, dict):
        for k, v in x.items():
            if not k.endswith("template"):
                x[k] = _plain_all(v)
        return x
    if isinstance(x, list):
        return [_plain_all(v) for v in x]
    if isinstance(x, tuple):
        return tuple(_plain_all(v) for v in x)
    if isinstance(x, np.ndarray) and x.dtype == object:
        return np.array([_plain_all(v) for v in x.ravel()], dtype=object).reshape(x.shape)
    return x


class SharedFigure(go.Figure):
    """A figure many sessions show and none changes. st.plotly_chart turns a
    figure into its dict (a deep copy of every trace and array) and that into
    JSON on every page run; this one's dict is made once, its data's text
    made plain (`plain`), and handed out again (plotly.io.to_json only reads
    it)."""

    def to_dict(self) -> dict:
        shared = self.__dict__.get("_shared_dict")
        if shared is None:
            shared = _plain_all(super().to_dict())
            self.__dict__["_shared_dict"] = shared
        return shared


def shared(fig: go.Figure) -> go.Figure:
    """`fig` as a SharedFigure, its dict made (and made plain) now. Never
    change it after."""
    fig.__class__ = SharedFigure
    fig.to_dict()
    return fig


def memo(name: str, inputs: tuple, build: Callable[[], go.Figure]) -> go.Figure:
    """The figure `build()` makes from `inputs`, built once per data version.
    The figure is shared: never change it after this returns."""
    key = _key(name, inputs)
    with _LOCK:
        fig = _FIGURES.get(key)
        if fig is not None:
            _FIGURES.move_to_end(key)
            return fig
    fig = shared(build())   # the same figure; its dict is kept once made
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
