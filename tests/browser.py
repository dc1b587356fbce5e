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
    with served_app_process(db, folder, secrets_toml) as (url, _):
        yield url


@contextlib.contextmanager
def served_app_process(db: Path, folder: Path, secrets_toml: str | None = None):
    """:func:`served_app`, yielding (url, the server's process) for tests that watch the process (its memory)."""
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
        yield url, process
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


NGINX = "/usr/sbin/nginx"


def require_nginx() -> None:
    if not Path(NGINX).exists():
        pytest.skip("Debian's nginx is not installed (apt-get install nginx); .ci/run installs it")


NGINX_CONF = """\
# A reverse proxy in front of Stocktake, as a council's sign-in proxy (oauth2-proxy behind nginx) places it: every
# request and the WebSocket are passed on, with the headers the proxy sets itself ({user_header} names the user).
{user_line}
worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
events {{ worker_connections 256; }}
http {{
    access_log {folder}/nginx-access.log;
    client_body_temp_path {folder}/nginx-body;
    proxy_temp_path {folder}/nginx-proxy;
    fastcgi_temp_path {folder}/nginx-fastcgi;
    uwsgi_temp_path {folder}/nginx-uwsgi;
    scgi_temp_path {folder}/nginx-scgi;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://127.0.0.1:{app_port};
            proxy_http_version 1.1;
            proxy_set_header Host $host;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_read_timeout 1h;
{header_lines}
        }}
    }}
}}
"""


@contextlib.contextmanager
def nginx_proxy(app_url: str, folder: Path, headers: dict[str, str]):
    """Debian's nginx on a free loopback port, passing every request (the WebSocket included) to ``app_url`` with
    ``headers`` set by the proxy itself, as a sign-in proxy sets the user's address after signing them in.

    A header the browser sends under the same name is replaced, as a real proxy replaces it. Yields the proxy's URL.
    """
    require_nginx()
    port = free_port()
    app_port = int(app_url.rsplit(":", 1)[1])
    header_lines = "\n".join(f'            proxy_set_header {name} "{value}";' for name, value in headers.items())
    # As root, nginx's workers would run as "nobody" and could not reach the test's private folder.
    user_line = "user root;" if os.geteuid() == 0 else ""
    conf = folder / "nginx.conf"
    conf.write_text(NGINX_CONF.format(folder=folder, port=port, app_port=app_port, header_lines=header_lines,
                                      user_line=user_line, user_header=", ".join(headers) or "nothing"))
    log_path = folder / "nginx-error.log"
    log_path.touch()
    process = subprocess.Popen([NGINX, "-e", str(log_path), "-p", str(folder), "-c", str(conf)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{url}/_stcore/health", process, log_path, "nginx")
        yield url
    finally:
        stop(process)
