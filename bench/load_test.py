"""Many users: concurrent sessions going through the dashboard's pages.

Starts the app on a copy of the demo warehouse (loopback only), warms its
query cache with one untimed round, measures one user going through every
page, then N users at once (default 20, each its own Streamlit session), and
prints p50/p95 page times and errors, and per page the ratio of its p95 with N
users to its median with one (pages differ tenfold in size: each is compared
with itself).
Target: no errors; each page's p95 <= 3x its single-user page time.

    python bench/load_test.py [--users 20] [--rounds 4] [--think 5 15]
                              [--client ws|browser]

--client ws (default): each user is a websocket session speaking Streamlit's
own protocol (bench/ws_session.py); a page's time runs from the click to the
end of the server's script run. --client browser: each user is a headless
chromium context; a page's time then includes drawing it, and on a 2-core
machine twenty browsers drawing Plotly charts take the CPU from the server
they are meant to measure.
--think: each user reads a page for a random 5-15 s before the next click (a
page holds six cards, several charts and tables; 2 5 is a hurried user, 0 0
every user clicking as fast as the server answers, a burst no office makes).

Bounded: every wait has a timeout, the run stops after --max-seconds.
"""
from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

import random

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests" / "browser"))   # its conftest imports helpers

from pipelines.demo import build_demo  # noqa: E402
from pipelines.warehouse import connect  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, running_app  # noqa: E402
from ws_session import Session  # noqa: E402

READY_JS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  if (!main || document.querySelector('[data-testid="stStatusWidget"]')) return false;
  if (main.querySelector('[data-stale="true"]')) return false;
  return main.querySelectorAll('[data-testid="stElementContainer"]').length > 1;
}"""


async def _settle(page, timeout_ms: int) -> None:
    # Ready must hold twice, 300 ms apart: a rerun can start just after a check.
    for _ in range(2):
        await page.wait_for_function(READY_JS, timeout=timeout_ms)
        await page.wait_for_timeout(300)


async def nav_links(page) -> list[str]:
    """The href of every page in the sidebar navigation, in order."""
    return await page.eval_on_selector_all('[data-testid="stSidebarNavItems"] a',
                                           "els => els.map(e => e.getAttribute('href'))")


async def ws_user(url: str, rounds: int, timeout_ms: int, times: list[tuple[str, float]],
                  errors: list[str], think: tuple[float, float], seed: int) -> None:
    """One user as a websocket session: the home page, then every page of the
    navigation in turn, `rounds` times, reading each for `think` seconds."""
    rng = random.Random(seed)
    try:
        async with Session(url, timeout=timeout_ms / 1000) as s:
            await s.open()
            pages = s.pages[1:] + s.pages[:1]
            for _ in range(rounds):
                for page in pages:
                    if think[1] > 0:
                        await asyncio.sleep(rng.uniform(*think))
                    run = await s.open(page)
                    times.append((page or "home", run.seconds))
                    if run.exceptions:
                        errors.append(f"exception on {page or 'home'}")
                    if run.elements < 2:
                        errors.append(f"{page or 'home'} sent {run.elements} elements")
    except Exception as exc:  # a timeout or a dropped connection counts, the run goes on
        errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")


async def session(browser, url: str, rounds: int, timeout_ms: int,
                  times: list[tuple[str, float]], errors: list[str]) -> None:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000},
                                        locale="zh-CN")
    page = await context.new_page()
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    page.on("console", lambda msg: msg.type == "error" and errors.append(f"console: {msg.text}"))
    try:
        await page.goto(url, timeout=timeout_ms)
        await _settle(page, timeout_ms)
        hrefs = await nav_links(page)
        for _ in range(rounds):
            # Every page but the one open, then back to it: each click is a page change.
            for href in hrefs[1:] + hrefs[:1]:
                path = urlparse(href).path.strip("/") or "home"
                started = time.perf_counter()
                await page.locator(f'[data-testid="stSidebarNavItems"] a[href="{href}"]').click(
                    timeout=timeout_ms)
                await page.wait_for_url(re.compile(re.escape(href) + r"(\?|$)"),
                                        timeout=timeout_ms)
                await _settle(page, timeout_ms)
                times.append((path, time.perf_counter() - started - 0.6))  # minus the settle waits
                failed = await page.locator('[data-testid="stException"]').count()
                if failed:
                    errors.append(f"exception on {path}")
    except Exception as exc:  # a timeout or crash counts as an error, the run goes on
        errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0]}")
    finally:
        await context.close()


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def run_ws(url: str, users: int, rounds: int, timeout_ms: int,
                 think: tuple[float, float]) -> dict:
    # A first round warms the query cache (as the first visitor after a load
    # does), untimed: then one user and twenty users both find it warm.
    await ws_user(url, 1, timeout_ms, [], [], (0.0, 0.0), 0)
    single: list[tuple[str, float]] = []
    single_errors: list[str] = []
    # At least three visits per page: its median is then a visit's, not a mean.
    await ws_user(url, max(rounds, 3), timeout_ms, single, single_errors, (0.0, 0.0), 0)
    many: list[tuple[str, float]] = []
    errors: list[str] = []
    await asyncio.gather(*(ws_user(url, rounds, timeout_ms, many, errors, think, seed)
                           for seed in range(1, users + 1)))
    paths = list(dict.fromkeys(p for p, _ in single + many))
    return {"paths": paths, "single": single, "single_errors": single_errors,
            "many": many, "errors": errors}


async def run(url: str, users: int, rounds: int, timeout_ms: int) -> dict:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        single: list[tuple[str, float]] = []
        single_errors: list[str] = []
        await session(browser, url, rounds, timeout_ms, single, single_errors)
        many: list[tuple[str, float]] = []
        errors: list[str] = []
        await asyncio.gather(*(session(browser, url, rounds, timeout_ms, many, errors)
                               for _ in range(users)))
        await browser.close()
    paths = list(dict.fromkeys(p for p, _ in single + many))
    return {"paths": paths, "single": single, "single_errors": single_errors,
            "many": many, "errors": errors}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=20)
    # 80 visits a page at 20 users: a p95 read from 40 is the second-slowest visit
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--max-seconds", type=int, default=900)
    ap.add_argument("--client", choices=("ws", "browser"), default="ws")
    ap.add_argument("--think", type=float, nargs=2, default=(5.0, 15.0), metavar=("MIN", "MAX"),
                    help="seconds a user reads a page before the next click (ws client)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "warehouse.duckdb"
        con = connect(db)
        build_demo(con)
        con.close()
        with running_app(db, Path(tmp) / "app.log") as url:
            work = run_ws(url, args.users, args.rounds, 120_000, tuple(args.think)) \
                if args.client == "ws" else run(url, args.users, args.rounds, 120_000)
            result = asyncio.run(asyncio.wait_for(work, args.max_seconds))
        shutil.copy(Path(tmp) / "app.log", ROOT / "bench" / "out" / "load_test_app.log") \
            if (ROOT / "bench" / "out").is_dir() else None
    single = [t for _, t in result["single"]]
    many = [t for _, t in result["many"]]
    print(f"client: {args.client}; think time "
          f"{args.think[0]:g}-{args.think[1]:g} s" if args.client == "ws" else
          f"client: {args.client}")
    print(f"pages: {', '.join(result['paths'])}")
    if not single or not many:
        print("no page visits completed:", result["single_errors"][:3], result["errors"][:3])
        sys.exit(1)
    base = statistics.median(single)
    p50, p95 = _pct(many, 0.5), _pct(many, 0.95)
    print(f"single user: {len(single)} page visits, median {base:.2f} s, "
          f"p95 {_pct(single, 0.95):.2f} s, errors {len(result['single_errors'])}")
    print(f"{args.users} users at once: {len(many)} page visits, p50 {p50:.2f} s, "
          f"p95 {p95:.2f} s, errors {len(result['errors'])}")
    # Each page against itself: its p95 with N users over its median with one.
    ratios = {}
    print(f"  {'page':<17} {'1 user median':>13} {'N users p50':>12} {'p95':>6} {'p95/1 user':>11}")
    for path in result["paths"]:
        alone = [t for p, t in result["single"] if p == path]
        per = [t for p, t in result["many"] if p == path]
        if alone and per:
            ratios[path] = _pct(per, 0.95) / statistics.median(alone)
            print(f"  {path:<17} {statistics.median(alone):12.2f}s {_pct(per, 0.5):11.2f}s "
                  f"{_pct(per, 0.95):5.2f}s {ratios[path]:10.2f}")
    for err in (result["single_errors"] + result["errors"])[:10]:
        print("  error:", err)
    worst = max(ratios, key=ratios.get)
    ok = not result["errors"] and not result["single_errors"] and ratios[worst] <= 3
    print(f"all pages: p95 / single-user median = {p95 / base:.2f}; per page, the highest "
          f"p95 / single-user median = {ratios[worst]:.2f} ({worst})")
    print(f"target: per page p95 <= 3x its single-user time, no errors: "
          f"{'met' if ok else 'MISSED'}")


if __name__ == "__main__":
    main()
