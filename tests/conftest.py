"""Shared fixtures: demo data, and a real Chromium driven by Playwright.

Browser tests are skipped with a clear message when Debian's Chromium or Playwright is
missing, unless FIDELITE_REQUIRE_BROWSER=1 (set by .ci/run), which turns that skip into a
failure.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

#: ``make test-long`` (HYPOTHESIS_PROFILE=long): every property test runs on at least
#: FIDELITE_LONG_EXAMPLES random inputs (default 10,000), whatever its own max_examples;
#: ``make test`` keeps each test's own count (a few dozen to a few hundred). No example
#: database (two xdist workers, 400,000 examples: nothing worth replaying), and a failure
#: prints the blob that reproduces it (@reproduce_failure) instead.
LONG_EXAMPLES = int(os.environ.get("FIDELITE_LONG_EXAMPLES", "10000"))
settings.register_profile("long", max_examples=LONG_EXAMPLES, deadline=None, database=None, print_blob=True)
if os.environ.get("HYPOTHESIS_PROFILE"):
    settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])


def pytest_collection_modifyitems(config, items):
    """Under the long profile, raise every property test's own max_examples to the
    profile's (a test's @settings would otherwise win over the profile), and count its
    executions into FIDELITE_LONG_PROGRESS if set (a long run stopped early still says how
    far each test got)."""
    if os.environ.get("HYPOTHESIS_PROFILE") != "long":
        return
    progress = os.environ.get("FIDELITE_LONG_PROGRESS")
    for item in items:
        test = getattr(item, "obj", None)
        own = getattr(test, "_hypothesis_internal_use_settings", None)
        if own is None:
            continue
        if own.max_examples < LONG_EXAMPLES:
            test._hypothesis_internal_use_settings = settings(own, max_examples=LONG_EXAMPLES, deadline=None)
        if progress and not hasattr(test.hypothesis.inner_test, "counted"):
            test.hypothesis.inner_test = _counted(test.hypothesis.inner_test, item.nodeid, progress)


def _counted(inner, nodeid: str, path: str):
    """``inner`` (a hypothesis test body) appending ``nodeid<TAB>executions<TAB>wall
    time<TAB>worker pid<TAB>worker CPU seconds`` to ``path`` every 500 executions (examples
    tried, shrinking included)."""
    calls = 0

    def run(*args, **kwargs):
        nonlocal calls
        calls += 1
        if calls % 500 == 0 or calls == 1:
            with open(path, "a") as f:
                f.write(f"{nodeid}\t{calls}\t{time.strftime('%H:%M:%S')}\t{os.getpid()}\t{time.process_time():.1f}\n")
        return inner(*args, **kwargs)

    run.counted = True  # type: ignore[attr-defined]
    return run


ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("FIDELITE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def shop():
    """A small demo shop (2,000 customers), shared by the session: treat as read-only."""
    from fidelite.datasets import demo_shop

    return demo_shop(2_000, seed=7)


def _browser_missing() -> str | None:
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install playwright)"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """A headless Chromium (Debian's binary; Playwright never downloads one)."""
    missing = _browser_missing()
    if missing:
        if os.environ.get("FIDELITE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser tests are required here but {missing}")
        pytest.skip(f"browser test skipped: {missing}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser):
    """A fresh page whose requests may only reach 127.0.0.1 (and file:// / data: URLs)."""
    context = browser.new_context()

    def guard(route):
        url = route.request.url
        if url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "file://", "data:", "blob:")):
            route.continue_()
        else:
            route.abort()

    context.route("**/*", guard)
    pg = context.new_page()
    try:
        yield pg
    finally:
        context.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


@pytest.fixture
def voila(tmp_path):
    """Start Voila on a notebook: ``url = voila(path)``; stopped by PID afterwards."""
    procs: list[subprocess.Popen] = []

    def start(notebook: Path, timeout: float = 60.0) -> str:
        port = free_port()
        log = open(tmp_path / f"voila-{port}.log", "w")
        proc = subprocess.Popen(
            [sys.executable, "-m", "voila", str(notebook), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1"],
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
            cwd=notebook.parent,
        )
        log.close()  # the child writes through its own copy of the descriptor
        procs.append(proc)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:  # wait for the port, not a fixed sleep
            if proc.poll() is not None:
                raise RuntimeError(f"voila exited early: {(tmp_path / f'voila-{port}.log').read_text()}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    return f"http://127.0.0.1:{port}/"
            time.sleep(0.1)
        raise RuntimeError(f"voila did not listen on port {port} within {timeout} s")

    try:
        yield start
    finally:
        for proc in procs:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


#: The explorer notebook the browser tests drive (served by Voila).
EXPLORER_NOTEBOOK = ROOT / "notebooks" / "02-explorer.ipynb"


@pytest.fixture(scope="module")
def explorer_events():
    """The data of notebooks/02-explorer.ipynb (checked against its source)."""
    import fidelite

    assert "demo_shop(3_000, seed=7)" in EXPLORER_NOTEBOOK.read_text()
    return fidelite.EventLog(fidelite.datasets.demo_shop(3_000, seed=7).events)


@pytest.fixture
def explorer_page(voila, page):
    """notebooks/02-explorer.ipynb served by Voila in the browser page, loaded, with its
    first retention table drawn (up to 60 s: kernel start and notebook run)."""
    from playwright.sync_api import expect

    page.goto(voila(EXPLORER_NOTEBOOK))
    expect(page.locator(".fidelite-matrix table.fidelite-retention")).to_be_visible(timeout=60_000)
    return page
