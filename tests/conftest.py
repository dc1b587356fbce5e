"""Shared fixtures: a demo store built once per test session, and a fresh copy of it for each test that needs one.

Building the demo takes a few seconds; copying the DuckDB file takes milliseconds, so every test gets its own store
and can write to it without affecting the others.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analysis import store

REPO_ROOT = Path(__file__).resolve().parents[1]
APP_PATH = REPO_ROOT / "app.py"
REAL_DATA_DIR = REPO_ROOT.parent / "shared" / "data" / "real"


def real_data_file(name: str) -> Path:
    """A file from ../shared/data/real, or a skip with the reason when that folder is absent (a user's fresh clone)."""
    path = REAL_DATA_DIR / name
    if not path.exists():
        pytest.skip(f"real data file {path} is not here (../shared is only beside the repository in CI)")
    return path


@pytest.fixture(scope="session")
def demo_store_template(tmp_path_factory) -> Path:
    """The demo borough built once per session into a DuckDB file (closed, so it can be copied)."""
    from data.demo import build_demo

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    con = store.open_store(path)
    try:
        build_demo(con)
    finally:
        con.close()
    return path


@pytest.fixture
def demo_store(demo_store_template, tmp_path, monkeypatch) -> Path:
    """A private copy of the demo store, with STOCKTAKE_DB pointing at it (as the app reads it)."""
    path = tmp_path / "stocktake.duckdb"
    shutil.copyfile(demo_store_template, path)
    monkeypatch.setenv("STOCKTAKE_DB", str(path))
    return path


@pytest.fixture
def empty_store(tmp_path, monkeypatch) -> Path:
    """An empty store, with STOCKTAKE_DB pointing at it."""
    path = tmp_path / "empty.duckdb"
    monkeypatch.setenv("STOCKTAKE_DB", str(path))
    return path


def page_ok(at, *, expected_errors: tuple[str, ...] = ()):
    """Check what a user would see after a run of the page: no exception, and no ``st.error`` either. A figure that
    fails is caught and shown as an error sentence (``ui.sections.figure``), which ``at.exception`` never sees, so a
    page test that checks only exceptions passes over a broken figure. ``expected_errors``: words of the errors a
    test provokes on purpose (a bad file). Returns ``at``, so a run can be checked where it happens:
    ``page_ok(at.button(key="save").click().run())``."""
    assert not at.exception, [e.value for e in at.exception]
    unexpected = [e.value for e in at.error if not any(words in e.value for words in expected_errors)]
    assert not unexpected, unexpected
    return at


@pytest.fixture
def open_app():
    """Open the app in AppTest on a page (a path such as 'pages/demand.py', or None for the overview).

    Usage: ``at = open_app("pages/demand.py", query_params={"dm_grain": "week"})``. The page is opened and checked
    with :func:`page_ok` (pass ``check=False`` when a test opens it expecting an error).
    """
    from streamlit.testing.v1 import AppTest

    def _open(page: str | None = None, query_params: dict | None = None, timeout: float = 90, check: bool = True):
        at = AppTest.from_file(str(APP_PATH), default_timeout=timeout)
        for key, value in (query_params or {}).items():
            at.query_params[key] = value
        at.run()
        if page:
            at.switch_page(page)
            at.run()
        return page_ok(at) if check else at

    return _open


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, driven by Playwright (one per test module); skipped where it is not installed."""
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM, CHROMIUM_ARGS, require_chromium

    require_chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def app_url(demo_store_template, tmp_path_factory):
    """The app served on the test module's own copy of the demo store (one server per module)."""
    from tests.browser import private_demo_store, served_app

    folder, db = private_demo_store(demo_store_template, tmp_path_factory, "served")
    with served_app(db, folder) as url:
        yield url


@pytest.fixture
def page(browser):
    """A fresh browser tab (its own cookies) at 1400 x 1000."""
    from tests.browser import FIRST_RENDER_TIMEOUT_MS

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    tab.set_default_timeout(FIRST_RENDER_TIMEOUT_MS)
    yield tab
    context.close()
