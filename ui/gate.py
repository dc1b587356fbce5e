"""The web server's gate: with sign-in on, nothing but the sign-in screen is served to someone who is not signed in.

``st.login`` only guards what the app's script draws. Streamlit's web server also answers on its own: files from
``st.download_button`` and images at ``/media/<id>``, uploads at ``/_stcore/upload_file/<session>/<id>`` (written
to disk by ``ui.upload_stream`` before the script sees them), ``/_stcore/metrics``, custom components. Streamlit 1.67 lets an app put its own
ASGI middleware in front of those routes (``streamlit.starlette.App(middleware=[...])``, started by ``streamlit run``
on ``serve.py``), and this is that middleware. For each request it works out who is asking, the same way the pages do
(the signed ``_streamlit_user`` cookie with ``[auth]``, the proxy's header from the proxy's own address with
``[stocktake.proxy]``), and:

- serves the sign-in screen's own needs to anyone: the page shell and its scripts, fonts and styles (``/static``), the
  WebSocket (whose script shows only the sign-in button to a visitor), ``/_stcore/health`` and ``host-config``, and
  Streamlit's sign-in routes;
- answers 403 to everything else (media, metrics, components, any other ``/_stcore`` route) unless the request comes
  from someone signed in who may look, with a sign-in that is still current (``analysis.governance.sign_in``);
- refuses an upload unless it comes from an editor (only editors are shown an uploader), before its body is read, so
  a 200 MB upload from a stranger is never held in memory;
- on ``/auth/logout`` (the Sign out button, or the address typed), records the sign-out in the store and ends every
  other session of that person at once, before Streamlit clears the cookie.

Without sign-in (a laptop) it lets everything through, as before.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any, Mapping

from analysis import store
from analysis.governance import access, sign_in
from analysis.governance.access import AccessSettings, User
from analysis.errors import StocktakeError

log = logging.getLogger("stocktake")

USER_COOKIE = "_streamlit_user"  # streamlit.web.server.starlette.starlette_server_config.USER_COOKIE_NAME

# What the sign-in screen itself needs under /_stcore (the rest of /_stcore is for people signed in).
_OPEN_CORE = frozenset({"health", "host-config", "stream"})
# Streamlit's sign-in routes: a visitor must reach them to sign in at all.
_SIGN_IN_ROUTES = frozenset({"auth/login", "oauth2callback"})
_SIGN_OUT_ROUTE = "auth/logout"
# Routes that serve what the app or its people made: never to a visitor.
_GUARDED_PREFIXES = ("_stcore/", "media/", "component/", "app/static/")
_UPLOAD_PREFIX = "_stcore/upload_file/"

# The store's sign-outs, mirrored in memory for this process (the gate and every page run read them).
SIGN_OUTS = sign_in.SignOuts()
_load_lock = threading.Lock()


# ----- who is asking ---------------------------------------------------------------------------------------------


def _secrets() -> Mapping[str, Any]:
    from streamlit.runtime.secrets import secrets_singleton

    return secrets_singleton if secrets_singleton.load_if_toml_exists() else {}


def settings_now() -> AccessSettings:
    return access.access_settings(_secrets())


def _cookie_secret() -> str:
    from streamlit.web.server.server_util import get_cookie_secret

    return get_cookie_secret()


def signed_in_at(cookies: Mapping[str, str]) -> float | None:
    """When the sign-in cookie was signed (seconds since the epoch), or None when there is no valid one.

    Streamlit signs ``_streamlit_user`` with itsdangerous, whose signature carries its signing time; a cookie that is
    split into chunks has its first part (or the chunk count) in ``_streamlit_user``, signed at the same moment.
    """
    raw = cookies.get(USER_COOKIE)
    if not raw:
        return None
    from itsdangerous import BadSignature, URLSafeTimedSerializer

    try:
        _, signed = URLSafeTimedSerializer(_cookie_secret(), salt=USER_COOKIE).loads(
            raw, max_age=access.MAX_SIGN_IN_HOURS * 3600, return_timestamp=True)
    except (BadSignature, UnicodeDecodeError, ValueError):
        return None
    return signed.timestamp()


def cookie_claims(cookies: Mapping[str, str]) -> dict[str, Any]:
    """The claims Streamlit keeps in the sign-in cookie (what ``st.user`` shows), or {} without a valid cookie."""
    from streamlit.auth_util import get_cookie_with_chunks
    from streamlit.web.server.starlette.starlette_app_utils import decode_signed_value

    secret = _cookie_secret()

    def one(name: str) -> bytes | None:
        value = cookies.get(name)
        return decode_signed_value(secret, name, value.encode("latin-1")) if value else None

    try:
        decoded = get_cookie_with_chunks(one, USER_COOKIE)
        claims = json.loads(decoded) if decoded else {}
    except (ValueError, UnicodeDecodeError):
        return {}
    return claims if isinstance(claims, dict) else {}


def ensure_sign_outs_loaded(path: str | None = None) -> sign_in.SignOuts:
    """The sign-out mirror, read from the store the first time it is needed (and again if the store changes)."""
    path = path or str(store.default_db_path())
    if SIGN_OUTS.loaded_from() != path:
        with _load_lock:
            if SIGN_OUTS.loaded_from() != path:
                con = store.open_store(path)
                try:
                    SIGN_OUTS.load(con, path)
                finally:
                    con.close()
    return SIGN_OUTS


def state_of(user: User, signed_at: float | None, settings: AccessSettings) -> str:
    """Whether ``user``'s sign-in (made at ``signed_at``) is current, expired or ended by a sign-out."""
    if settings.mode != access.OIDC:
        return sign_in.CURRENT if user.signed_in else sign_in.UNKNOWN
    outs = ensure_sign_outs_loaded()
    return sign_in.sign_in_state(user.name, signed_at, hours=settings.sign_in_hours,
                                 signed_out_at=outs.signed_out_at(user.name))


def request_user(headers: Mapping[str, str], cookies: Mapping[str, str], peer: str | None,
                 settings: AccessSettings) -> User:
    """Who a request comes from, as the pages would see them; NOBODY when not signed in or no longer current."""
    if settings.mode == access.OIDC:
        user = access.oidc_user(cookie_claims(cookies), settings)
        if not user.signed_in or state_of(user, signed_in_at(cookies), settings) != sign_in.CURRENT:
            return access.NOBODY
        return user
    if settings.mode == access.PROXY:
        return access.proxy_user(headers, peer, settings)
    return access.LOCAL_EDITOR


# ----- ending a sign-in everywhere -------------------------------------------------------------------------------


def sign_out_everywhere(user: str, settings: AccessSettings, *, except_session: str | None = None) -> None:
    """Record ``user``'s sign-out in the store and end every session of theirs in this process at once: each is
    told to forget who it was and to run again, so it shows the sign-in screen without waiting for a click."""
    at = time.time()
    try:
        con = store.open_store(store.default_db_path())
        try:
            ensure_sign_outs_loaded().record(con, user, at)
        finally:
            con.close()
    except Exception:  # noqa: BLE001 - a full disk must not keep anyone signed in: noted in memory, logged
        SIGN_OUTS.note(user, at)
        log.exception("Could not keep the sign-out of %s in the store (it holds until the app restarts)", user)
    end_sessions_of(user, settings, except_session=except_session)


def end_sessions_of(user: str, settings: AccessSettings, *, except_session: str | None = None) -> int:
    """Clear the sign-in of every live session of ``user`` and rerun it (Streamlit 1.67's runtime; there is no public
    list of sessions). Returns how many were ended."""
    from streamlit import runtime

    if not runtime.exists():
        return 0
    instance = runtime.get_instance()
    ended = 0
    for info in instance._session_mgr.list_active_sessions():  # noqa: SLF001 - no public way to reach them
        session = info.session
        if session.id == except_session:
            continue
        claims = dict(getattr(session, "_user_info", {}) or {})
        if access.oidc_user(claims, settings).name != user:
            continue
        instance.clear_user_info_for_session(session.id)
        session.request_rerun(None)
        ended += 1
    return ended


# ----- the middleware ----------------------------------------------------------------------------------------------


def _route(path: str, base: str) -> str:
    """The path without the server's base URL and slashes at its ends ('media/ab12.csv')."""
    base = "/" + base.strip("/") if base and base.strip("/") else ""
    if base and (path == base or path.startswith(base + "/")):
        path = path[len(base):]
    return path.strip("/")


def is_guarded(route: str) -> bool:
    if route in _SIGN_IN_ROUTES or route == _SIGN_OUT_ROUTE:
        return False
    if route.startswith("_stcore/"):
        return route.split("/", 2)[1] not in _OPEN_CORE
    return route.startswith(_GUARDED_PREFIXES)


class SignInGate:
    """Pure ASGI middleware (a request refused here never has its body read)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        from streamlit import config

        route = _route(scope.get("path", ""), config.get_option("server.baseUrlPath") or "")
        guarded = is_guarded(route)
        if not guarded and route != _SIGN_OUT_ROUTE:
            await self.app(scope, receive, send)
            return
        try:
            settings = settings_now()
        except StocktakeError:
            settings = None  # a setting that cannot be used: the app says which; serve nothing meanwhile
        if settings is not None and not settings.sign_in_required:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}
        cookies = _cookies(headers.get("cookie", ""))
        client = scope.get("client")
        peer = client[0] if client else None
        if route == _SIGN_OUT_ROUTE:
            if settings is not None:
                await _record_sign_out(cookies, settings)
            await self.app(scope, receive, send)
            return
        if settings is None:
            await _refuse(scope, send, "Stocktake's sign-in settings cannot be used: see the app's page.")
            return
        user = await _in_thread(request_user, headers, cookies, peer, settings)
        if not user.can_view:
            await _refuse(scope, send, "Sign in to Stocktake first.")
            return
        if route.startswith(_UPLOAD_PREFIX) and not user.is_editor:
            await _refuse(scope, send, "Only editors can upload files to Stocktake.")
            return
        await self.app(scope, receive, send)


def _cookies(header: str) -> dict[str, str]:
    # Starlette's own parser, which Streamlit's WebSocket reads the cookie with: the gate and the pages agree on it.
    from starlette.requests import cookie_parser

    return cookie_parser(header)


async def _in_thread(function, *args):
    # The first call reads the sign-outs from the store: keep DuckDB off the event loop.
    from anyio import to_thread

    if SIGN_OUTS.loaded_from() is None:
        return await to_thread.run_sync(function, *args)
    return function(*args)


async def _record_sign_out(cookies: Mapping[str, str], settings: AccessSettings) -> None:
    if settings.mode != access.OIDC:
        return
    user = access.oidc_user(cookie_claims(cookies), settings)
    if not user.signed_in:
        return
    from anyio import to_thread

    # The Sign out button has recorded it already (its session's cookie then reads as signed out): once is enough.
    state = await to_thread.run_sync(state_of, user, signed_in_at(cookies), settings)
    if state == sign_in.SIGNED_OUT:
        return

    try:
        await to_thread.run_sync(lambda: sign_out_everywhere(user.name, settings))
    except Exception:  # noqa: BLE001 - the cookie is still cleared; the log says why the record failed
        log.exception("Could not record the sign-out of %s", user.name)


async def _refuse(scope, send, message: str) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})
        return
    body = message.encode("utf-8")
    await send({"type": "http.response.start", "status": 403,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), (b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": body})
