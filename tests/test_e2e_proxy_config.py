"""The README's production set-up, started for real: deploy/nginx/stocktake.conf in front of the app.

Debian's nginx runs the repository's own site file (only its ports, certificate and the upstream addresses are swapped
for the test's), with HTTPS, in front of Stocktake in proxy mode. oauth2-proxy, which signs people in with the
council's provider, is stood in for by a small server that answers nginx's ``auth_request`` the way oauth2-proxy does
(202 and ``X-Auth-Request-Email`` for a valid session cookie, 401 otherwise). The test checks what the file promises:
no path reaches Stocktake without a sign-in, the health check does, the user's address is nginx's to set, and a person
signed in through it uses the app in Chromium.
"""

from __future__ import annotations

import contextlib
import datetime
import http.server
import os
import subprocess
import threading
from pathlib import Path

import httpx
import pytest

from tests.browser import (FIRST_RENDER_TIMEOUT_MS, NGINX, free_port, private_demo_store, require_nginx, screenshot,
                           served_app, stop, wait_for_app)
from tests.conftest import REPO_ROOT
from tests.test_e2e_auth import EDITOR, PROXY_TOML, VIEWER

pytestmark = pytest.mark.e2e

SITE = REPO_ROOT / "deploy" / "nginx" / "stocktake.conf"
SESSIONS = {"editor-session": EDITOR, "viewer-session": VIEWER}  # the stand-in's valid _oauth2_proxy cookies
SIGN_IN = "/oauth2/sign_in?rd="

MAIN_CONF = """\
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
    include {site};
}}
"""


def render_site(*, listen: int, app: int, auth: int, cert: Path, key: Path) -> str:
    """The repository's site file with the test's ports and certificate; each swap must find its line exactly once,
    so a change to the file's shape fails here rather than testing something else."""
    text = SITE.read_text()
    swaps = {
        "listen 443 ssl;": f"listen 127.0.0.1:{listen} ssl;",
        "server 127.0.0.1:8501;": f"server 127.0.0.1:{app};",
        "server 127.0.0.1:4180;": f"server 127.0.0.1:{auth};",
        "/etc/ssl/certs/stocktake.pem": str(cert),
        "/etc/ssl/private/stocktake.key": str(key),
    }
    for old, new in swaps.items():
        assert text.count(old) == 1, f"{old!r} is not in {SITE} exactly once"
        text = text.replace(old, new)
    return text


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (cryptography, which Authlib brings), as a council's would be for its host."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "stocktake.pem", folder / "stocktake.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    os.chmod(key_path, 0o600)
    return cert_path, key_path


class StandInAuth(http.server.BaseHTTPRequestHandler):
    """oauth2-proxy's answers to nginx: /oauth2/auth checks the session cookie; /oauth2/sign_in is its page."""

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        cookies = dict(part.strip().split("=", 1) for part in (self.headers.get("Cookie") or "").split(";")
                       if "=" in part)
        if self.path == "/oauth2/auth":
            email = SESSIONS.get(cookies.get("_oauth2_proxy", ""))
            self.send_response(202 if email else 401)
            if email:
                self.send_header("X-Auth-Request-Email", email)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b"Sign in with your council account"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@contextlib.contextmanager
def stand_in_auth():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), StandInAuth)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()


@contextlib.contextmanager
def production_nginx(app_url: str, auth_port: int, folder: Path):
    require_nginx()
    listen = free_port()
    cert, key = self_signed(folder)
    site = folder / "stocktake.conf"
    site.write_text(render_site(listen=listen, app=int(app_url.rsplit(":", 1)[1]), auth=auth_port, cert=cert,
                                key=key))
    conf = folder / "nginx.conf"
    conf.write_text(MAIN_CONF.format(folder=folder, site=site, user_line="user root;" if os.geteuid() == 0 else ""))
    log_path = folder / "nginx-error.log"
    log_path.touch()
    process = subprocess.Popen([NGINX, "-e", str(log_path), "-p", str(folder), "-c", str(conf)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"https://127.0.0.1:{listen}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{url}/_stcore/health", verify=False, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None:
                pytest.fail("nginx did not start: " + log_path.read_text()[-2000:])
            threading.Event().wait(0.3)
        else:
            pytest.fail("nginx did not answer: " + log_path.read_text()[-2000:])
        yield url
    finally:
        stop(process)


@pytest.fixture(scope="module")
def behind_nginx(demo_store_template, tmp_path_factory):
    folder, db = private_demo_store(demo_store_template, tmp_path_factory, "production")
    require_nginx()
    with served_app(db, folder, PROXY_TOML.format(trusted='"127.0.0.1", "::1"')) as app_url, \
            stand_in_auth() as auth_port, production_nginx(app_url, auth_port, folder) as url:
        yield url, app_url


def test_no_path_reaches_stocktake_through_nginx_without_a_sign_in(behind_nginx):
    url, _ = behind_nginx
    with httpx.Client(verify=False, timeout=30, follow_redirects=False) as anonymous:
        for path in ("/", "/datasets", "/media/0123abcd.csv", "/_stcore/metrics", "/_stcore/host-config",
                     "/static/js/index.js", "/_stcore/stream"):
            answer = anonymous.get(url + path)
            assert answer.status_code == 302 and answer.headers["location"] == url + SIGN_IN + path, path
        upload = anonymous.put(f"{url}/_stcore/upload_file/s/f", files={"file": ("a.csv", b"x" * 1000)})
        assert upload.status_code == 302
        health = anonymous.get(f"{url}/_stcore/health")
        assert (health.status_code, health.text) == (200, "ok")
        assert anonymous.get(f"{url}/oauth2/sign_in").text == "Sign in with your council account"
        # Security headers on every answer.
        assert health.headers["x-frame-options"] == "DENY" and health.headers["x-content-type-options"] == "nosniff"


def test_nginx_names_the_user_and_replaces_any_name_the_browser_sends(behind_nginx):
    url, _ = behind_nginx
    forged = {"X-Forwarded-Email": EDITOR}
    with httpx.Client(verify=False, timeout=30, cookies={"_oauth2_proxy": "viewer-session"}) as viewer, \
            httpx.Client(verify=False, timeout=30, cookies={"_oauth2_proxy": "editor-session"}) as editor:
        assert viewer.get(f"{url}/_stcore/metrics").status_code == 200
        # The app's gate takes uploads from editors only: the viewer's claim to be the editor did not get through.
        from_viewer = viewer.put(f"{url}/_stcore/upload_file/s/f", headers=forged, files={"file": ("a.csv", b"x")})
        assert (from_viewer.status_code, from_viewer.text) == (403, "Only editors can upload files to Stocktake.")
        from_editor = editor.put(f"{url}/_stcore/upload_file/s/f", files={"file": ("a.csv", b"x")})
        assert from_editor.text != "Only editors can upload files to Stocktake."  # on to Streamlit (its XSRF check)


def test_someone_signed_in_through_nginx_uses_the_app_in_chromium(browser, behind_nginx, tmp_path):
    url, app_url = behind_nginx
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, ignore_https_errors=True)
    try:
        context.add_cookies([{"name": "_oauth2_proxy", "value": "editor-session", "url": url}])
        page = context.new_page()
        page.set_default_timeout(FIRST_RENDER_TIMEOUT_MS)
        page.goto(f"{url}/datasets")
        wait_for_app(page)
        page.get_by_text(f"Signed in as {EDITOR}, editor.").wait_for()
        page.locator("[data-testid='stFileUploader']").wait_for()
        screenshot(page, "production_nginx_editor", tmp_path)
    finally:
        context.close()
