"""The app as a user meets it: `streamlit run app.py` on a free port, with
HEATKPI_DB pointing at a scratch warehouse, driven by Debian's chromium."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from helpers import healthy
from pipelines.warehouse import connect

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
START_TIMEOUT_S = 90
# CI has two cores and runs the rest of the suite too: a rerun can take seconds.
expect.set_options(timeout=30_000)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The logs of the apps running now: a failing test's report ends with their
# last lines (the log file stays on the CI machine; the report is what we see).
_RUNNING_LOGS: list[Path] = []
LOG_TAIL = 60


@contextmanager
def running_app(db: Path, log: Path):
    """Start the app on `db`; yield its URL; stop it (and its children)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "HEATKPI_DB": str(db), "PYTHONUNBUFFERED": "1"}
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.headless", "true", "--server.fileWatcherType", "none",
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not healthy(url, timeout=2):
            if proc.poll() is not None:
                raise RuntimeError(f"the app exited ({proc.returncode}): {log.read_text()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the app did not start in {START_TIMEOUT_S} s: "
                                   f"{log.read_text()}")
            time.sleep(0.3)
        _RUNNING_LOGS.append(log)
        yield url
    finally:
        if log in _RUNNING_LOGS:
            _RUNNING_LOGS.remove(log)
        # The app's reader children share its process group.
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture
def output_dir(request) -> Path:
    """test-output/<test name>/ (git-ignored): screenshots and the app's log."""
    folder = OUTPUT / request.node.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


@pytest.fixture(scope="module")
def demo_app(demo_db, tmp_path_factory):
    """The app on a scratch copy of the demo warehouse, shared by a module's tests."""
    db = tmp_path_factory.mktemp("demo_app") / "warehouse.duckdb"
    shutil.copyfile(demo_db, db)
    with running_app(db, OUTPUT / "demo_app.log") as url:
        yield url


@pytest.fixture
def empty_app(tmp_path, output_dir):
    """The app on an empty warehouse (the file exists, so no demo is built)."""
    db = tmp_path / "warehouse.duckdb"
    connect(db).close()
    with running_app(db, output_dir / "app.log") as url:
        yield url, db


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(60_000)
    # Everything the page says (the websocket's reconnects are warnings, not
    # errors): shown in the report of a failing test.
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{time.strftime('%H:%M:%S')} {m.type}: {m.text}"))
    page.on("close", lambda _: console.append(f"{time.strftime('%H:%M:%S')} page closed"))
    request.node.browser_console = console
    yield page
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failing browser test's report ends with the page's console and the
    logs of the apps running then (each cut to its last lines)."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    console = getattr(item, "browser_console", None)
    if console is not None:
        report.sections.append(("browser console",
                                "\n".join(console[-LOG_TAIL:]) or "(no messages)"))
    for log in _RUNNING_LOGS:
        try:
            lines = log.read_text(errors="replace").splitlines()
        except OSError as e:
            lines = [f"unreadable: {e}"]
        report.sections.append((f"app log {log.name}", "\n".join(lines[-LOG_TAIL:])))
