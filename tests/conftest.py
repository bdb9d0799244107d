"""Shared fixtures: an empty in-memory warehouse, and the demo warehouse built
once per test session from data/sample/ through the real pipeline."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1.element_tree import Dataframe

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# A page that fails says so in the user's words (ui.session.failed) and goes
# on; under test it raises as well, so that AppTest's `at.exception` (and a
# browser test's app) sees every failure. The tests of the words unset it.
os.environ["HEATKPI_RAISE_ERRORS"] = "1"

from pipelines.demo import build_demo  # noqa: E402
from pipelines.warehouse import connect  # noqa: E402

DATA = Path(__file__).parent / "data"


def headers_shown(proto) -> dict[str, str]:
    """A grid's headers as the user reads them, by column id: the dashboard's
    tables name their columns by ids that no language changes and head them
    by column_config labels (ui/tables.grid)."""
    config = json.loads(proto.columns or "{}")
    return {cid: c["label"] for cid, c in config.items() if c.get("label")}


def _value_as_shown(self):
    """AppTest's table, headed as on screen: tests read a table by its header."""
    return _raw_value.fget(self).rename(columns=headers_shown(self.proto))


_raw_value = Dataframe.value
Dataframe.value = property(_value_as_shown)


@pytest.fixture
def con():
    """An empty warehouse in memory."""
    c = connect(":memory:")
    yield c
    c.close()


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """Path of a warehouse holding every sample export (built once, then treat
    it as read-only: copy it if a test must write)."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    c = connect(path)
    reports = build_demo(c)
    c.close()
    failed = [r for r in reports if r.status != "loaded"]
    assert not failed, [str(r) for r in failed]
    return path


@pytest.fixture
def demo_con(demo_db):
    """A read-only connection to the demo warehouse."""
    c = connect(demo_db, read_only=True)
    yield c
    c.close()
