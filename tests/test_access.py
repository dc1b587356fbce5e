"""Sign-in settings, roles and the sign-in proxy check (analysis.governance.access): table-driven, no Streamlit."""

from __future__ import annotations

import pytest

from analysis.governance import access, audit
from analysis.governance.access import EDITOR, VIEWER, access_settings
from analysis.errors import StocktakeError

OIDC_AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32, "client_id": "id",
             "client_secret": "secret", "server_metadata_url": "https://login.example/.well-known/openid-configuration"}
TEAM = {"editors": ["Ana@Council.gov.uk"], "editor_domains": ["data.council.gov.uk"]}


def test_no_configuration_is_a_laptop_where_everyone_is_an_editor_recorded_as_local_user():
    settings = access_settings({})
    assert settings.mode == access.LOCAL and not settings.sign_in_required
    assert access.LOCAL_EDITOR.name == audit.LOCAL_USER == "local user"
    assert access.LOCAL_EDITOR.is_editor
    # Editors listed without any sign-in configured change nothing: there is no one to tell apart.
    assert access_settings({"stocktake": TEAM}).mode == access.LOCAL


def test_an_auth_section_turns_sign_in_on_with_the_default_or_named_providers():
    assert access_settings({"auth": OIDC_AUTH}).providers == ()
    named = {"redirect_uri": OIDC_AUTH["redirect_uri"], "cookie_secret": "x" * 32,
             "microsoft": {k: OIDC_AUTH[k] for k in ("client_id", "client_secret", "server_metadata_url")}}
    settings = access_settings({"auth": named})
    assert settings.mode == access.OIDC and settings.providers == ("microsoft",)


@pytest.mark.parametrize("address,expected", [
    ("ana@council.gov.uk", EDITOR),              # listed address, any case
    ("ANA@COUNCIL.GOV.UK", EDITOR),
    ("ben@data.council.gov.uk", EDITOR),         # editor domain
    ("ben@council.gov.uk", VIEWER),              # same organisation, not listed: a viewer
    ("eve@evildata.council.gov.uk", VIEWER),     # a domain matches exactly, not as a suffix
    ("eve@x.data.council.gov.uk", VIEWER),       # nor its subdomains
    ("eve@data.council.gov.uk.evil.com", VIEWER),
    ("", VIEWER),
])
def test_editors_are_named_by_address_or_exact_domain_everyone_else_signed_in_is_a_viewer(address, expected):
    settings = access_settings({"auth": OIDC_AUTH, "stocktake": TEAM})
    assert access.role_for(address, settings) == expected


@pytest.mark.parametrize("address,expected", [
    ("ana@council.gov.uk", EDITOR),
    ("cat@council.gov.uk", VIEWER),
    ("dan@partner.org.uk", VIEWER),
    ("eve@gmail.com", None),
])
def test_with_viewer_lists_only_listed_people_may_look(address, expected):
    settings = access_settings({"auth": OIDC_AUTH, "stocktake": {
        "editors": ["ana@council.gov.uk"], "viewer_domains": ["council.gov.uk"], "viewers": ["dan@partner.org.uk"]}})
    assert access.role_for(address, settings) == expected


def test_an_unverified_address_is_never_an_editor():
    settings = access_settings({"auth": OIDC_AUTH, "stocktake": TEAM})
    user = access.oidc_user({"is_logged_in": True, "email": "ana@council.gov.uk", "email_verified": False}, settings)
    assert user.role == VIEWER and user.name == "ana@council.gov.uk"


def test_oidc_claims_give_the_name_recorded_and_the_role():
    settings = access_settings({"auth": OIDC_AUTH, "stocktake": TEAM})
    assert access.oidc_user({"is_logged_in": False, "email": "ana@council.gov.uk"}, settings) == access.NOBODY
    ana = access.oidc_user({"is_logged_in": True, "email": "Ana@Council.gov.uk", "name": "Ana Smith"}, settings)
    assert (ana.name, ana.role, ana.display_name, ana.signed_in) == ("ana@council.gov.uk", EDITOR, "Ana Smith", True)
    # Entra ID sends the sign-in name as preferred_username when the optional email claim is not configured.
    upn = access.oidc_user({"is_logged_in": True, "preferred_username": "ben@data.council.gov.uk"}, settings)
    assert (upn.name, upn.role) == ("ben@data.council.gov.uk", EDITOR)
    bare = access.oidc_user({"is_logged_in": True, "sub": "abc123"}, settings)
    assert (bare.name, bare.role) == ("sub:abc123", VIEWER)


PROXY = {"stocktake": {**TEAM, "proxy": {"user_header": "X-Forwarded-Email", "trusted_addresses": ["10.0.0.5"],
                                         "sign_out_url": "/oauth2/sign_out"}}}


@pytest.mark.parametrize("peer,headers,expected", [
    ("10.0.0.5", {"X-Forwarded-Email": "ana@council.gov.uk"}, ("ana@council.gov.uk", EDITOR)),
    ("10.0.0.5", {"x-forwarded-email": "cat@council.gov.uk"}, ("cat@council.gov.uk", VIEWER)),  # any case
    ("10.0.0.9", {"X-Forwarded-Email": "ana@council.gov.uk"}, ("", None)),   # around the proxy: header ignored
    (None, {"X-Forwarded-Email": "ana@council.gov.uk"}, ("", None)),         # loopback is not the proxy here
    ("10.0.0.5", {}, ("", None)),                                            # from the proxy, but no one named
    ("10.0.0.5", {"X-Forwarded-Email": "ana@council.gov.uk\r\nX-Evil: 1"}, ("", None)),
])
def test_a_proxy_header_is_believed_only_from_the_proxy(peer, headers, expected):
    settings = access_settings(PROXY)
    assert settings.mode == access.PROXY and settings.proxy.sign_out_url == "/oauth2/sign_out"
    user = access.proxy_user(headers, peer, settings)
    assert (user.name, user.role) == expected


def test_a_proxy_on_the_same_server_is_trusted_on_loopback_and_networks_are_allowed():
    local = access_settings({"stocktake": {"proxy": {"user_header": "X-Forwarded-Email",
                                                     "trusted_addresses": ["127.0.0.1"]}}})
    # Streamlit reports a loopback peer as None.
    assert access.proxy_user({"X-Forwarded-Email": "a@b.gov.uk"}, None, local).name == "a@b.gov.uk"
    network = access_settings({"stocktake": {"proxy": {"user_header": "X-User",
                                                       "trusted_addresses": ["10.1.0.0/16", "fd00::/8"]}}})
    assert network.proxy.trusts("10.1.200.3") and network.proxy.trusts("fd00::1")
    assert not network.proxy.trusts("10.2.0.1") and not network.proxy.trusts(None)
    assert not network.proxy.trusts("not an address")


@pytest.mark.parametrize("secrets,message", [
    ({"auth": OIDC_AUTH, "stocktake": {"proxy": {"user_header": "X", "trusted_addresses": ["127.0.0.1"]}}},
     "both sign-in with \\[auth\\] and a sign-in proxy"),
    ({"stocktake": {"proxy": {"trusted_addresses": ["127.0.0.1"]}}}, "needs user_header"),
    ({"stocktake": {"proxy": {"user_header": "X"}}}, "needs trusted_addresses"),
    ({"stocktake": {"proxy": {"user_header": "X", "trusted_addresses": ["proxy.council"]}}},
     "'proxy.council' in stocktake.proxy.trusted_addresses is not an IP address"),
    ({"auth": {"redirect_uri": "x", "cookie_secret": "y"}}, "has no provider"),
    ({"auth": OIDC_AUTH, "stocktake": {"editors": "ana@council.gov.uk", "editor_domains": ["@council"]}},
     "'council' in 'stocktake.editor_domains' is not an email domain"),
    ({"auth": OIDC_AUTH, "stocktake": {"editors": [1, 2]}}, "must hold text only"),
])
def test_unusable_settings_stop_with_a_sentence_naming_the_setting(secrets, message):
    with pytest.raises(StocktakeError, match=message):
        access_settings(secrets)


def test_a_single_editor_address_may_be_given_as_text():
    settings = access_settings({"auth": OIDC_AUTH, "stocktake": {"editors": "Ana@council.gov.uk"}})
    assert settings.editors == frozenset({"ana@council.gov.uk"})


@pytest.mark.parametrize("action", [audit.LOAD, audit.REPLACE, audit.APPEND, audit.DELETE, audit.ROLES,
                                    audit.CLASSIFICATION, audit.TARGET, audit.IMPROVEMENT, audit.TRAJECTORY,
                                    audit.TRAJECTORY_CLEARED, audit.INTERVENTION_ADDED, audit.INTERVENTION_DELETED,
                                    "a new kind of change"])
def test_viewers_may_not_change_the_data_or_how_it_is_judged(action):
    viewer = access.User("cat@council.gov.uk", VIEWER, signed_in=True)
    editor = access.User("ana@council.gov.uk", EDITOR, signed_in=True)
    assert not access.may_change(viewer, action)
    assert access.may_change(editor, action)
    assert not access.may_change(access.NOBODY, action)


@pytest.mark.parametrize("action", sorted(access.VIEWER_CHANGES))
def test_viewers_may_keep_the_rooms_own_work(action):
    assert access.may_change(access.User("cat@council.gov.uk", VIEWER, signed_in=True), action)
    assert not access.may_change(access.NOBODY, action)


@pytest.mark.parametrize("claim", [False, "false", "False", " FALSE ", "0", 0, "no"])
def test_an_address_the_provider_says_is_unverified_in_any_spelling_is_never_an_editor(claim):
    settings = access_settings({"auth": OIDC_AUTH, "stocktake": TEAM})
    user = access.oidc_user({"is_logged_in": True, "email": "ana@council.gov.uk", "email_verified": claim}, settings)
    assert user.role == VIEWER


@pytest.mark.parametrize("claim", [True, "true", "True", 1, None])
def test_a_verified_or_silent_claim_keeps_the_editor(claim):
    settings = access_settings({"auth": OIDC_AUTH, "stocktake": TEAM})
    claims = {"is_logged_in": True, "email": "ana@council.gov.uk"}
    if claim is not None:
        claims["email_verified"] = claim
    assert access.oidc_user(claims, settings).role == EDITOR


def test_a_sign_in_lasts_eight_hours_unless_set_otherwise():
    assert access_settings({"auth": OIDC_AUTH}).sign_in_hours == access.DEFAULT_SIGN_IN_HOURS == 8
    assert access_settings({"auth": OIDC_AUTH, "stocktake": {"sign_in_hours": 12}}).sign_in_hours == 12
    assert access_settings({"auth": OIDC_AUTH, "stocktake": {"sign_in_hours": 0.5}}).sign_in_hours == 0.5


@pytest.mark.parametrize("hours", [0, -1, 721, "8", True])
def test_a_sign_in_lifetime_that_cannot_be_used_stops_with_a_sentence(hours):
    with pytest.raises(StocktakeError, match="'stocktake.sign_in_hours' in secrets.toml must be a number of hours"):
        access_settings({"auth": OIDC_AUTH, "stocktake": {"sign_in_hours": hours}})
