"""The person using this session and their role, read from Streamlit's sign-in or a sign-in proxy.

Off by default: with no ``[auth]`` and no ``[stocktake.proxy]`` in ``.streamlit/secrets.toml`` everyone is an editor,
recorded as "local user" (a laptop). With sign-in configured, :func:`sign_in_gate` (called by ``app.py`` before any
page, and again by :func:`guard_page` at the top of each page) shows a visitor who has not signed in only a sign-in
button, and the rules of ``analysis.governance.access`` decide who is
an editor. Pages ask :func:`current_user` what to show; ``ui.actions`` asks it again before every change, so hiding a
control is a courtesy and the refusal is the server's.

A sign-in is believed only while it is current (``analysis.governance.sign_in``): for ``[stocktake] sign_in_hours`` from the
moment Streamlit signed its cookie, and never once that person has signed out, here or in any other tab or device.
This is checked on every run of every session, so the Sign out button (which also ends the person's other sessions
at once, ``ui.gate.sign_out_everywhere``) leaves no session behind that can still change data.
"""

from __future__ import annotations

from typing import Any, Mapping

import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from analysis.governance import access, sign_in
from analysis.governance.access import AccessSettings, User
from analysis.errors import StocktakeError
from ui import gate
from ui.connection import once_per_run
from ui.text import plain


def _secrets() -> Mapping[str, Any]:
    # st.secrets raises on a missing file; no file is the laptop case.
    return st.secrets if st.secrets.load_if_toml_exists() else {}


def access_settings() -> AccessSettings:
    """The sign-in and role settings of this Stocktake (a StocktakeError names a setting that cannot be used)."""
    return access.access_settings(_secrets())


def _oidc_session(settings: AccessSettings) -> tuple[User, str]:
    """The person st.login signed in for this session, and whether that sign-in is still current."""
    claims = st.user.to_dict()
    user = access.oidc_user(claims, settings)
    if not user.signed_in:
        # A session ended by its person signing out elsewhere has lost st.user; its cookie still says who it was.
        cookies = st.context.cookies
        former = access.oidc_user(gate.cookie_claims(cookies), settings) if cookies.get(gate.USER_COOKIE) else None
        if former is not None and former.signed_in and \
                gate.state_of(former, gate.signed_in_at(cookies), settings) == sign_in.SIGNED_OUT:
            return access.NOBODY, sign_in.SIGNED_OUT
        return access.NOBODY, sign_in.UNKNOWN
    # The cookie's signing time (Streamlit's server clock); without the cookie (AppTest), the ID token's issue time.
    signed_at = gate.signed_in_at(st.context.cookies)
    if signed_at is None and isinstance(claims.get("iat"), (int, float)):
        signed_at = float(claims["iat"])
    return user, gate.state_of(user, signed_at, settings)


def current_user(settings: AccessSettings | None = None) -> User:
    """Who is using this session, worked out afresh from the sign-in cookie or the proxy's header on every call."""
    settings = settings or access_settings()
    if settings.mode == access.OIDC:
        # Once per run: checking the cookie's signature costs ~0.2 ms, and a run asks who is signed in a dozen times.
        user, state = once_per_run(("oidc_session",), lambda: _oidc_session(settings))
        return user if state == sign_in.CURRENT else access.NOBODY
    if settings.mode == access.PROXY:
        return access.proxy_user(dict(st.context.headers.items()), st.context.ip_address, settings)
    return access.LOCAL_EDITOR


def can_edit() -> bool:
    """Whether to show this session the controls that change data (the server checks again when they are used)."""
    return current_user().is_editor


def sign_in_gate(*, show_identity: bool = True) -> User | None:
    """The user who may see Stocktake, or None after drawing the sign-in screen (or a refusal) in its place.

    Called by app.py on every run, before any page: with sign-in configured, a visitor who has not signed in sees only
    a sign-in button. ``show_identity`` puts who is signed in, their role and a sign-out button in the sidebar.
    A setting that cannot be used stops the app with its sentence.
    """
    try:
        settings = access_settings()
    except StocktakeError as exc:
        st.error(f"Stocktake cannot start: {plain(exc)}")
        return None
    if not settings.sign_in_required:
        return current_user(settings)
    state = sign_in.CURRENT
    if settings.mode == access.OIDC:
        user, state = once_per_run(("oidc_session",), lambda: _oidc_session(settings))
    else:
        user = current_user(settings)
    if not user.signed_in or state != sign_in.CURRENT:
        _sign_in_screen(settings, ended=state if state in (sign_in.EXPIRED, sign_in.SIGNED_OUT) else None)
        return None
    if not user.can_view:
        st.title("Stocktake")
        st.error(f"You are signed in as {plain(user.name)}, who has no access to Stocktake. Ask the person who runs "
                 "it to add your address, or sign in with another account.")
        _sign_out_button(settings, key="auth_sign_out_refused")
        return None
    if show_identity:
        with st.sidebar:
            role = "editor" if user.is_editor else "viewer (can look, not change data)"
            st.caption(f"Signed in as **{plain(user.display_name or user.name)}**, {role}.")
            _sign_out_button(settings, key="auth_sign_out")
    return user


def guard_page() -> User:
    """First line of every page: stop here unless the visitor may see Stocktake.

    app.py's gate normally runs first and this finds them signed in. It matters when a page file is run on its own:
    Streamlit serves files in ``pages/`` at their own URLs (``/data``) until an app has called ``st.navigation``, so
    a server started with plain ``streamlit run app.py`` could otherwise show a page before anyone signed in.
    """
    user = sign_in_gate(show_identity=False)
    if user is None:
        st.stop()
    return user


def _sign_in_screen(settings: AccessSettings, ended: str | None = None) -> None:
    st.title("Stocktake")
    if ended == sign_in.EXPIRED:
        st.info(f"Your sign-in has ended: it lasts {settings.sign_in_hours:g} hours. Sign in again to continue.")
    elif ended == sign_in.SIGNED_OUT:
        st.info("You signed out (in this window or another), so this window is signed out too. Sign in again to "
                "continue.")
    if settings.mode == access.PROXY:
        st.info("Stocktake is reached through your organisation's sign-in. Open it from the address you were given; "
                "if you did, ask the person who runs it to check the sign-in proxy.")
        return
    st.write("Stocktake holds service data, some of it personal: sign in with your work account to continue.")
    if not settings.providers:
        if st.button("Sign in", type="primary", key="auth_sign_in", icon=":material/login:"):
            st.login()
        return
    for provider in settings.providers:
        if st.button(f"Sign in with {provider}", type="primary", key=f"auth_sign_in_{provider}",
                     icon=":material/login:"):
            st.login(provider)


def _sign_out_button(settings: AccessSettings, *, key: str) -> None:
    if settings.mode == access.OIDC:
        if st.button("Sign out", key=key, icon=":material/logout:"):
            user = access.oidc_user(st.user.to_dict(), settings)
            if user.signed_in:
                # Before the cookie goes: every other tab and device of this person is signed out with it.
                ctx = get_script_run_ctx()
                gate.sign_out_everywhere(user.name, settings, except_session=ctx.session_id if ctx else None)
            st.logout()
    elif settings.proxy and settings.proxy.sign_out_url:
        st.link_button("Sign out", settings.proxy.sign_out_url, icon=":material/logout:")

