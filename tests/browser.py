"""What every real-browser test shares: Debian's Chromium, the app served as run.sh serves it, and waiting for it.

The fixtures built on these (``browser``, ``page``) are in tests/conftest.py. Screenshots are written to
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

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-dev-shm-usage", "--disable-component-update", "--no-first-run", "--disable-sync"]
# Generous: a first render took 4-5.6 s on an idle 2-core machine, far longer while other tests load it.
FIRST_RENDER_TIMEOUT_MS = 120_000


def require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium); .ci/run installs it")


def private_demo_store(template: Path, tmp_path_factory, name: str) -> tuple[Path, Path]:
    """A folder of a test module's own holding a copy of the demo store, as (folder, store path); the tests that
    need it are skipped where Chromium is absent."""
    require_chromium()
    folder = tmp_path_factory.mktemp(name)
    db = folder / "stocktake.duckdb"
    shutil.copyfile(template, db)
    return folder, db


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, log_path: Path, what: str) -> None:
    """Poll ``url`` until it answers 200; fail with the end of the log if the process dies or a minute passes."""
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"{what} did not start: " + log_path.read_text()[-2000:])
        time.sleep(0.3)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


@contextlib.contextmanager
def served_app(db: Path, folder: Path, secrets_toml: str | None = None):
    """Stocktake on a free loopback port on the store ``db``, started as run.sh starts it (ui.launch).

    Its log is ``folder/streamlit.log``. ``secrets_toml`` (with ``{app}`` standing for the app's address) is written
    to a temporary secrets file for the sign-in tests, so nothing in the repository's .streamlit is touched.
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    options = ["--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
               "--browser.gatherUsageStats", "false"]
    env = {**os.environ, "STOCKTAKE_DB": str(db)}
    if secrets_toml is not None:
        secrets_path = folder / "secrets.toml"
        secrets_path.write_text(secrets_toml.replace("{app}", url))
        options += ["--secrets.files", str(secrets_path)]
        # The test provider speaks plain http on loopback; Authlib refuses that unless told this is a test.
        env["AUTHLIB_INSECURE_TRANSPORT"] = "1"
    log_path = folder / "streamlit.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen([sys.executable, "-m", "ui.launch", *options], cwd=REPO_ROOT, env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_up(f"{url}/_stcore/health", process, log_path, "the app")
        yield url
    finally:
        stop(process)


def screenshot(page, name: str, tmp_path: Path) -> Path:
    folder = Path(os.environ.get("STOCKTAKE_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def wait_for_app(page) -> None:
    """Streamlit has finished a run when its status widget is gone, and the page is drawn when no visible element is
    still a skeleton (a widget whose code is still loading shows as a grey block: a click on it is lost, and a
    screenshot shows grey blocks)."""
    page.wait_for_selector("[data-testid='stApp']")
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=FIRST_RENDER_TIMEOUT_MS)
    page.wait_for_function(
        "() => ![...document.querySelectorAll('[data-testid=\"stSkeleton\"]')].some(e => e.offsetParent !== null)",
        timeout=FIRST_RENDER_TIMEOUT_MS)
