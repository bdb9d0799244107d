"""Shared fixtures: an empty in-memory warehouse, and the demo warehouse built
once per test session from data/sample/ through the real pipeline."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipelines.demo import build_demo  # noqa: E402
from pipelines.warehouse import connect  # noqa: E402

DATA = Path(__file__).parent / "data"


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
