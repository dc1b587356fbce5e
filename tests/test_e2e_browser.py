"""Real-browser tests: the app served by `streamlit run`, driven by Playwright in Debian's Chromium.

Only what a browser shows is checked here (the page really renders, a shared link restores the view, a real upload
goes through); everything else is in the AppTests. Run alone with `./test.sh -m e2e`. Screenshots are written to
``$STOCKTAKE_SCREENSHOTS`` (default: the test's tmp folder) so a person can look at them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-dev-shm-usage", "--disable-component-update", "--no-first-run", "--disable-sync"]
# Generous: a first render took 4-5.6 s on an idle 2-core machine, far longer while other tests load it.
FIRST_RENDER_TIMEOUT_MS = 120_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def served_app(db: Path, log_path: Path):
    """Stocktake served on a free loopback port on the store ``db``, started as run.sh starts it (ui.launch)."""
    port = _free_port()
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "ui.launch", "--server.port", str(port), "--server.address",
             "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=REPO_ROOT, env={**os.environ, "STOCKTAKE_DB": str(db)}, stdout=log, stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("the app did not start: " + log_path.read_text()[-2000:])
            time.sleep(0.3)
        try:
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="module")
def app_url(demo_store_template, tmp_path_factory):
    """One server for the module's tests, on a private copy of the demo store."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium); .ci/run installs it")
    folder = tmp_path_factory.mktemp("served")
    db = folder / "stocktake.duckdb"
    shutil.copyfile(demo_store_template, db)
    with served_app(db, folder / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium); .ci/run installs it")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, tmp_path):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    tab.set_default_timeout(FIRST_RENDER_TIMEOUT_MS)
    yield tab
    context.close()


def screenshot(page, name: str, tmp_path: Path) -> Path:
    folder = Path(os.environ.get("STOCKTAKE_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def wait_for_app(page) -> None:
    """Streamlit has finished a run when its status widget is gone and no element is stale."""
    page.wait_for_selector("[data-testid='stApp']")
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=FIRST_RENDER_TIMEOUT_MS)


def test_the_overview_renders_with_the_demo_data(page, app_url, tmp_path):
    page.goto(app_url)
    page.get_by_text("Dataset in use: demo_contacts").wait_for()
    wait_for_app(page)
    metrics = page.locator("[data-testid='stMetric']")
    assert metrics.filter(has_text="Rows").first.inner_text().split("\n")[-1].strip() == "501,147"
    # Altair charts really drew (Vega renders into a canvas or SVG).
    page.locator("[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg").first.wait_for()
    assert page.locator("[data-testid='stVegaLiteChart']").count() == 4
    assert screenshot(page, "overview", tmp_path).stat().st_size > 10_000


def test_a_shared_link_opens_the_same_view(page, app_url, tmp_path):
    page.goto(f"{app_url}/?dataset=demo_kpis")
    page.get_by_text("Dataset in use: demo_kpis").wait_for()
    wait_for_app(page)
    assert page.locator("[data-testid='stMetric']").filter(has_text="Rows").first.inner_text().endswith("748")


def test_a_real_upload_loads_a_file(page, app_url, tmp_path):
    csv = tmp_path / "browser upload.csv"
    csv.write_bytes("Ref,Received,Reason,Ward,Cost (£)\r\n1,31/01/2024 09:00,Chasing progress,Abbey,£2.50\r\n"
                    "2,01/02/2024 10:00,New repair,ABBEY,\"£1,200\"\r\n".encode("cp1252"))
    page.goto(f"{app_url}/datasets")
    page.get_by_text("Load a file").first.wait_for()
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(csv))
    page.get_by_text("How the file was read:").wait_for()
    page.get_by_text("encoding cp1252").first.wait_for()
    wait_for_app(page)
    page.get_by_role("button", name="Load into Stocktake").click()
    page.get_by_text("Loaded 2 rows into 'browser upload'. 0 rows were rejected.").wait_for()
    wait_for_app(page)
    screenshot(page, "data-after-upload", tmp_path)
    # The sidebar now uses the new dataset.
    page.goto(f"{app_url}/?dataset=browser+upload")
    page.get_by_text("Dataset in use: browser upload").wait_for()


@pytest.mark.parametrize("path,title", [
    ("datasets", "Data"),
    ("demand-drivers", "Demand drivers"),
    ("performance-trends", "Performance trends"),
    ("savings-scenarios", "Savings scenarios"),
    ("workshop-room", "Workshop"),
])
def test_every_page_renders_in_the_browser(page, app_url, tmp_path, path, title):
    # Name the dataset: another test in this module loads a small one, which would otherwise become the newest.
    page.goto(f"{app_url}/{path}?dataset=demo_contacts")
    page.locator("h1").filter(has_text=title).first.wait_for()
    wait_for_app(page)
    assert page.locator("[data-testid='stException']").count() == 0
    if path in ("demand-drivers", "performance-trends", "savings-scenarios"):
        # Some charts sit in closed expanders or other tabs: wait for one the user can see.
        page.locator("[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg").filter(
            visible=True).first.wait_for()
    screenshot(page, f"page-{path}", tmp_path)


def test_the_first_visitor_on_a_shared_link_gets_the_page(browser, demo_store_template, tmp_path):
    """A fresh server, and a deep link as its very first request: no "Page not found" notice over the page."""
    db = tmp_path / "stocktake.duckdb"
    shutil.copyfile(demo_store_template, db)
    with served_app(db, tmp_path / "streamlit.log") as url:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        tab = context.new_page()
        tab.set_default_timeout(FIRST_RENDER_TIMEOUT_MS)
        tab.goto(f"{url}/workshop-room?dataset=demo_contacts")
        tab.locator("h1").filter(has_text="Workshop").first.wait_for()
        wait_for_app(tab)
        assert tab.get_by_text("Page not found").count() == 0
        context.close()
