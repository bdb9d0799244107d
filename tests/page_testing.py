"""Helpers for the dashboard page tests (test_page_*.py): the app on a copy of
the demo warehouse through AppTest, and what a page showed: KPI cards, tables,
the data of its Plotly charts (AppTest has no accessor for them: the figure
travels as JSON in the element's proto) and every string."""
from __future__ import annotations

import base64
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from pipelines.warehouse import connect

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")

# Anything t() could not translate shows its key; anything left unformatted
# shows its placeholder.
KEY_SHOWN = re.compile(r"(?<![\w./])(?:page|ui|metrics|kind|field|dataset)\.[a-z_]+(?:\.[a-z_]+)+")
PLACEHOLDER_SHOWN = re.compile(r"\{[a-z_]+\}")


@pytest.fixture
def demo_copy(demo_db, tmp_path, monkeypatch) -> Path:
    """A scratch copy of the demo warehouse, which the app opens (HEATKPI_DB)."""
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(demo_db, path)
    monkeypatch.setenv("HEATKPI_DB", str(path))
    return path


def open_page(page: str, lang: str = "zh", **params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(params)
    if lang != "zh":
        at.query_params["lang"] = lang
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def filters_of(at: AppTest):
    """The sidebar's filters on the last run, as the KPI layer takes them."""
    from ui.kpi import metric_filters, period_of
    f = at.session_state["filters"]
    return period_of(f), metric_filters(f)


def metrics_shown(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _decode(value):
    """Plotly writes numeric arrays as base64 typed arrays."""
    if isinstance(value, dict) and "bdata" in value:
        out = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        return out.tolist()
    if isinstance(value, dict):
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def figures(at: AppTest) -> dict[str, dict]:
    """Each chart's figure (data and layout) by the key the page gave it."""
    out = {}
    for el in at.get("plotly_chart"):
        key = el.proto.id.rsplit("-", 1)[-1]
        out[key] = _decode(json.loads(el.proto.spec))
    return out


def table(at: AppTest, header: str):
    """The first table with a column named `header`."""
    for df in at.dataframe:
        if header in df.value.columns:
            return df.value
    raise AssertionError(f"no table with a column {header!r}")


def column_id(grid, header: str) -> str:
    """The id under which a table (an element of `at.dataframe`) holds the
    column headed `header` on screen (ui.tables.grid names columns by ids
    that no language changes)."""
    config = json.loads(grid.proto.columns or "{}")
    ids = [cid for cid, c in config.items() if c.get("label") == header]
    return ids[0] if ids else header


def column_settings(grid, header: str) -> dict:
    """The column_config the page gave the column headed `header`."""
    return json.loads(grid.proto.columns).get(column_id(grid, header), {})


def cell_texts(grid, header: str) -> list[str]:
    """What the cells of column `header` of a table (an element of
    `at.dataframe`) read on screen: the texts the page wrote for them
    (ui.tables.show's `texts`), else each value in the column's printf-style
    number format (as the grid writes it)."""
    if grid.proto.arrow_data.HasField("styler"):
        from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
        shown = convert_arrow_bytes_to_pandas_df(grid.proto.arrow_data.styler.display_values)
        return [str(v) for v in shown[column_id(grid, header)]]
    number = column_settings(grid, header).get("type_config", {}).get("format")
    return [number % v if number and "%" in number else str(v) for v in grid.value[header]]


def shown_text(at: AppTest) -> str:
    """Every string the page shows: labels, texts, options, help, tables and
    the figures' JSON."""
    out: list[str] = []

    def walk(node) -> None:
        kind = getattr(node, "type", "")
        if kind == "dataframe":
            out.extend(str(c) for c in node.value.columns)
            out.extend(str(v) for v in node.value.astype(str).to_numpy().ravel())
        elif kind == "plotly_chart":
            # Hover templates hold Plotly's own %{x} placeholders: left out.
            # Typed arrays are decoded: their base64 is no text anyone sees (and
            # may hold a run of digits that looks like a phone number), while
            # the numbers in them are.
            out.append(json.dumps(_decode(_without(json.loads(node.proto.spec),
                                                   "hovertemplate")), ensure_ascii=False))
        elif kind == "download_button":
            # Its label and help. Not its whole proto: a workbook built on the
            # click has a random hex file id, no text anyone sees, whose digits
            # can look like a phone number (a test then failed at random).
            out.extend([node.proto.label, node.proto.help])
        elif getattr(node, "proto", None) is not None:
            out.append(str(node.proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(out)


def _without(node, key: str):
    if isinstance(node, dict):
        return {k: _without(v, key) for k, v in node.items() if k != key}
    if isinstance(node, list):
        return [_without(v, key) for v in node]
    return node


def untranslated(at: AppTest) -> list[str]:
    text = shown_text(at)
    return KEY_SHOWN.findall(text) + PLACEHOLDER_SHOWN.findall(text)


def anonymous_callers(db: Path) -> tuple[set[str], set[str]]:
    """Names and phones of anonymous complainants that no non-anonymous ticket
    uses too (a common name like 王先生 may be someone else's)."""
    con = connect(db, read_only=True)
    try:
        rows = con.execute("""
            SELECT caller_name, phone, coalesce(anonymous, false) FROM tickets
            WHERE caller_name IS NOT NULL OR phone IS NOT NULL""").fetchall()
    finally:
        con.close()
    names = {n for n, _, a in rows if a and n} - {n for n, _, a in rows if not a and n}
    phones = {p for _, p, a in rows if a and p} - {p for _, p, a in rows if not a and p}
    return names, phones



def served_files(monkeypatch):
    """`fetch(at)`: the file each download button of the last run hands over,
    as (the button's key, its label, the file's name, its bytes). A table's
    workbook is built on the click (deferred): the callable the button
    registered is run, as the server runs it when the browser asks for the
    file."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    managers: list[MediaFileManager] = []

    class Recording(MediaFileManager):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            managers.append(self)

    monkeypatch.setattr("streamlit.testing.v1.app_test.MediaFileManager", Recording)

    def fetch(at: AppTest) -> list[tuple[str, str, str, bytes]]:
        manager = managers[-1]  # the one of the last run
        out = []
        for button in at.get("download_button"):
            proto = button.proto
            url = manager.execute_deferred(proto.deferred_file_id) \
                if proto.deferred_file_id else proto.url
            stored = manager._storage.get_file(url.rsplit("/", 1)[-1])
            out.append((proto.id.rsplit("-", 1)[-1], proto.label, stored.filename,
                        stored.content))
        return out

    return fetch


@pytest.fixture
def downloads(monkeypatch):
    """`downloads(at)`: the bytes each download button of the last run hands
    over, keyed by "key:label" (served_files)."""
    fetch = served_files(monkeypatch)
    return lambda at: {f"{key}:{label}": content for key, label, _, content in fetch(at)}


def workbook_rows(data: bytes, about: bool = False) -> list[tuple[str, ...]]:
    """Every non-empty row of every sheet of an .xlsx, its cells as text;
    the 说明/About sheet a dashboard's download ends with only if `about`."""
    import io

    import openpyxl

    from i18n import t

    skip = set() if about else {t("ui.table.about_sheet", lang) for lang in ("zh", "en")}
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    rows = []
    for sheet in book.worksheets:
        if sheet.title in skip:
            continue
        for row in sheet.iter_rows(values_only=True):
            cells = tuple(str(v) for v in row if v is not None)
            if cells:
                rows.append(cells)
    return rows
