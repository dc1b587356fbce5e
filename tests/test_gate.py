"""The web server's gate (ui.gate): which routes it guards, who a request comes from, and that a refused request's
body is never read. Driven as plain ASGI calls; the gate in front of the running server is in
tests/test_e2e_governance.py."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from itsdangerous import timed
from streamlit.web.server.starlette.starlette_app_utils import create_signed_value

from analysis.governance import access, sign_in
from ui import gate

SECRET = "test-cookie-secret-0123456789abcdef"
OIDC = access.access_settings({
    "auth": {"redirect_uri": "http://x/oauth2callback", "cookie_secret": SECRET, "client_id": "i",
             "client_secret": "s", "server_metadata_url": "http://x/.well-known/openid-configuration"},
    "stocktake": {"editors": ["ana@council.gov.uk"]}})
PROXY = access.access_settings({"stocktake": {"editors": ["ana@council.gov.uk"], "proxy": {
    "user_header": "X-Forwarded-Email", "trusted_addresses": ["10.0.0.5"]}}})


@pytest.fixture(autouse=True)
def secrets_and_sign_outs(monkeypatch, tmp_path):
    monkeypatch.setattr(gate, "_cookie_secret", lambda: SECRET)
    monkeypatch.setenv("STOCKTAKE_DB", str(tmp_path / "s.duckdb"))
    monkeypatch.setattr(gate, "SIGN_OUTS", sign_in.SignOuts())


def cookie_for(email: str, *, hours_ago: float = 0.0) -> dict[str, str]:
    """A sign-in cookie as Streamlit writes it, signed ``hours_ago``."""
    payload = json.dumps({"email": email, "is_logged_in": True, "origin": "http://x", "provider": "default"})
    signed_at = int(time.time() - hours_ago * 3600)
    original = timed.TimestampSigner.get_timestamp
    timed.TimestampSigner.get_timestamp = lambda self: signed_at
    try:
        value = create_signed_value(SECRET, gate.USER_COOKIE, payload).decode()
    finally:
        timed.TimestampSigner.get_timestamp = original
    return {gate.USER_COOKIE: value}


@pytest.mark.parametrize("route,guarded", [
    ("", False), ("datasets", False), ("static/js/index.js", False),          # the sign-in screen's shell
    ("_stcore/health", False), ("_stcore/host-config", False), ("_stcore/stream", False),
    ("auth/login", False), ("oauth2callback", False), ("auth/logout", False),  # signing in and out
    ("media/0123abcd.csv", True), ("_stcore/upload_file/s/f", True), ("_stcore/metrics", True),
    ("component/x/index.html", True), ("_stcore/bidi-components/x", True), ("app/static/a.png", True),
    ("_stcore/agent/interact", True), ("_stcore/anything-new", True),
])
def test_only_what_the_sign_in_screen_needs_is_open(route, guarded):
    assert gate.is_guarded(route) is guarded


def test_a_base_url_is_taken_off_before_deciding():
    assert gate._route("/stocktake/media/a.csv", "stocktake/") == "media/a.csv"
    assert gate._route("/media/a.csv", "") == "media/a.csv"


def test_a_request_is_someone_only_with_a_current_signed_cookie():
    assert gate.request_user({}, cookie_for("ana@council.gov.uk"), None, OIDC).is_editor
    assert gate.request_user({}, cookie_for("cat@council.gov.uk"), None, OIDC).role == access.VIEWER
    assert gate.request_user({}, {}, None, OIDC) == access.NOBODY
    value = cookie_for("cat@council.gov.uk")[gate.USER_COOKIE]
    tampered = {gate.USER_COOKIE: value[:8] + ("A" if value[8] != "A" else "B") + value[9:]}  # the payload edited
    assert gate.request_user({}, tampered, None, OIDC) == access.NOBODY
    # Older than the lifetime (8 hours by default): no one.
    assert gate.request_user({}, cookie_for("ana@council.gov.uk", hours_ago=9), None, OIDC) == access.NOBODY


def test_a_cookie_signed_before_its_person_signed_out_is_no_one():
    old = cookie_for("ana@council.gov.uk", hours_ago=1)
    gate.SIGN_OUTS.note("ana@council.gov.uk", time.time() - 1800)
    assert gate.request_user({}, old, None, OIDC) == access.NOBODY
    assert gate.request_user({}, cookie_for("ana@council.gov.uk"), None, OIDC).is_editor  # signed in again since


def test_behind_a_proxy_the_header_counts_only_from_the_proxy():
    headers = {"x-forwarded-email": "ana@council.gov.uk"}
    assert gate.request_user(headers, {}, "10.0.0.5", PROXY).is_editor
    assert gate.request_user(headers, {}, "127.0.0.1", PROXY) == access.NOBODY


def call(settings, path: str, *, cookies: dict[str, str] | None = None, method: str = "GET"):
    """One request through the gate to an app that answers 200; returns (status, body, whether the app was reached,
    whether anyone read the request's body)."""
    reached, body_read, sent = [], [], []

    async def app(scope, receive, send):
        reached.append(path)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def receive():
        body_read.append(True)
        return {"type": "http.request", "body": b"0" * 1024, "more_body": True}

    async def send(message):
        sent.append(message)

    header = "; ".join(f"{k}={v}" for k, v in (cookies or {}).items()).encode()
    scope = {"type": "http", "path": path, "method": method, "client": ("127.0.0.1", 5000),
             "headers": [(b"cookie", header)] if header else []}
    gate_app = gate.SignInGate(app)
    original = gate.settings_now
    gate.settings_now = lambda: settings
    try:
        asyncio.run(gate_app(scope, receive, send))
    finally:
        gate.settings_now = original
    start = next(m for m in sent if m["type"] == "http.response.start")
    text = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body").decode()
    return start["status"], text, bool(reached), bool(body_read)


def test_the_gate_refuses_uploads_from_anyone_but_an_editor_without_reading_them():
    path = "/_stcore/upload_file/session/file"
    assert call(OIDC, path, method="PUT") == (403, "Sign in to Stocktake first.", False, False)
    viewer = call(OIDC, path, method="PUT", cookies=cookie_for("cat@council.gov.uk"))
    assert viewer == (403, "Only editors can upload files to Stocktake.", False, False)
    assert call(OIDC, path, method="PUT", cookies=cookie_for("ana@council.gov.uk"))[:3] == (200, "ok", True)


def test_the_gate_serves_media_to_viewers_and_the_sign_in_screen_to_everyone():
    assert call(OIDC, "/media/ab.csv")[:3] == (403, "Sign in to Stocktake first.", False)
    assert call(OIDC, "/media/ab.csv", cookies=cookie_for("cat@council.gov.uk"))[:3] == (200, "ok", True)
    assert call(OIDC, "/datasets")[:3] == (200, "ok", True)
    assert call(OIDC, "/_stcore/health")[:3] == (200, "ok", True)


def test_without_sign_in_the_gate_lets_everything_through():
    assert call(access.AccessSettings(), "/media/ab.csv")[:3] == (200, "ok", True)
    assert call(access.AccessSettings(), "/_stcore/upload_file/s/f", method="PUT")[:3] == (200, "ok", True)


def test_signing_out_by_its_address_records_the_sign_out_for_every_other_session():
    cookies = cookie_for("ana@council.gov.uk")
    assert call(OIDC, "/auth/logout", cookies=cookies)[:3] == (200, "ok", True)
    assert gate.SIGN_OUTS.signed_out_at("ana@council.gov.uk") is not None
    assert gate.request_user({}, cookies, None, OIDC) == access.NOBODY
