"""Who may use Stocktake and what they may change: sign-in settings, roles, and the reverse-proxy check.

Stocktake runs in three ways, chosen by ``.streamlit/secrets.toml``:

- **local** (no ``[auth]`` and no ``[stocktake.proxy]``): a laptop, as before. Everyone is an editor and changes are
  recorded as :data:`analysis.governance.audit.LOCAL_USER`.
- **oidc** (an ``[auth]`` section, Streamlit's own ``st.login``): every page needs sign-in with an OpenID Connect
  provider such as Microsoft Entra ID.
- **proxy** (``[stocktake.proxy]``): a reverse proxy that already signs people in (oauth2-proxy) passes the user's
  address in a header; the header is believed only on connections that come from the proxy's own address.

In the last two, editors are named in ``[stocktake]`` by address (``editors``) or by domain (``editor_domains``);
everyone else who signs in is a viewer, unless ``viewers`` / ``viewer_domains`` are given, in which case only they
may look. The rules live here, as plain Python without Streamlit, so they are tested directly; ``ui/auth.py`` reads
the settings and the signed-in user and asks these functions.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from analysis.governance import audit
from analysis.errors import StocktakeError

LOCAL = "local"
OIDC = "oidc"
PROXY = "proxy"

EDITOR = "editor"
VIEWER = "viewer"

# What a viewer may change: the work a room produces while it explores and runs a workshop (saved savings scenarios,
# session notes and actions), never the data, how it is read, or the targets and interventions it is judged by. Every
# other change to the store is an editor's. Unknown actions are an editor's too, so a new kind of change is closed
# until someone opens it here.
VIEWER_CHANGES = frozenset({
    audit.SCENARIO_SAVED, audit.SCENARIO_RENAMED, audit.SCENARIO_DELETED,
    *audit.WORKSHOP_CHANGES,
})

# A sign-in lasts a working day unless [stocktake] sign_in_hours says otherwise; at most as long as Streamlit's own
# cookie (30 days), which it cannot outlive.
DEFAULT_SIGN_IN_HOURS = 8.0
MAX_SIGN_IN_HOURS = 30 * 24.0

# Addresses Streamlit reports as "no address" (st.context.ip_address is None for a loopback connection).
LOOPBACK = ("127.0.0.1", "::1")


@dataclass(frozen=True)
class ProxySettings:
    """``[stocktake.proxy]``: the header that names the user, and the addresses the proxy connects from."""

    user_header: str
    trusted_addresses: tuple[str, ...]
    sign_out_url: str | None = None

    def trusts(self, peer: str | None) -> bool:
        """Whether a connection from ``peer`` comes from the proxy. ``None`` is a loopback connection."""
        candidates = LOOPBACK if peer is None else (peer,)
        for candidate in candidates:
            try:
                address = ipaddress.ip_address(candidate.split("%", 1)[0])
            except ValueError:
                continue
            for allowed in self.trusted_addresses:
                if address in ipaddress.ip_network(allowed, strict=False):
                    return True
        return False


@dataclass(frozen=True)
class AccessSettings:
    """How this Stocktake signs people in and who may change what."""

    mode: str = LOCAL
    providers: tuple[str, ...] = ()  # st.login provider names; () means the one provider set directly in [auth]
    editors: frozenset[str] = field(default_factory=frozenset)
    editor_domains: frozenset[str] = field(default_factory=frozenset)
    viewers: frozenset[str] = field(default_factory=frozenset)
    viewer_domains: frozenset[str] = field(default_factory=frozenset)
    proxy: ProxySettings | None = None
    # How long a sign-in with st.login lasts ([stocktake] sign_in_hours): Streamlit's own cookie lives 30 days, far
    # too long for a shared or lost laptop on a council's network.
    sign_in_hours: float = DEFAULT_SIGN_IN_HOURS

    @property
    def sign_in_required(self) -> bool:
        return self.mode != LOCAL


@dataclass(frozen=True)
class User:
    """The person using this session: who they are (as recorded in the audit trail) and their role.

    ``role`` is None for someone signed in who is on neither list when the lists restrict viewing, and for a visitor
    who has not signed in: they may see nothing.
    """

    name: str
    role: str | None
    signed_in: bool
    display_name: str = ""

    @property
    def can_view(self) -> bool:
        return self.role in (EDITOR, VIEWER)

    @property
    def is_editor(self) -> bool:
        return self.role == EDITOR


LOCAL_EDITOR = User(audit.LOCAL_USER, EDITOR, signed_in=False, display_name=audit.LOCAL_USER)
NOBODY = User("", None, signed_in=False)


def _words(value: Any, setting: str) -> frozenset[str]:
    if value is None:
        return frozenset()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, Iterable) or isinstance(value, Mapping):
        raise StocktakeError(f"The setting '{setting}' in secrets.toml must be a list of text, e.g. [\"a@b.gov.uk\"].")
    out = set()
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise StocktakeError(f"The setting '{setting}' in secrets.toml must hold text only, without blanks.")
        out.add(item.strip().lower())
    return frozenset(out)


def _domains(value: Any, setting: str) -> frozenset[str]:
    domains = frozenset(d.lstrip("@") for d in _words(value, setting))
    for domain in domains:
        if "." not in domain or "@" in domain or " " in domain:
            raise StocktakeError(
                f"'{domain}' in '{setting}' is not an email domain: give the part after the @, e.g. \"council.gov.uk\"."
            )
    return domains


def access_settings(secrets: Mapping[str, Any]) -> AccessSettings:
    """Read the sign-in and role settings from the secrets (``st.secrets``, or any mapping of the same shape).

    Raises a StocktakeError naming the setting when something is set but unusable, so a mistyped configuration
    stops the app with a sentence instead of quietly letting everyone in.
    """
    section = secrets.get("stocktake") or {}
    if not isinstance(section, Mapping):
        raise StocktakeError("The [stocktake] section of secrets.toml must be a table of settings.")
    auth = secrets.get("auth")
    proxy_section = section.get("proxy")
    common = dict(
        editors=_words(section.get("editors"), "stocktake.editors"),
        editor_domains=_domains(section.get("editor_domains"), "stocktake.editor_domains"),
        viewers=_words(section.get("viewers"), "stocktake.viewers"),
        viewer_domains=_domains(section.get("viewer_domains"), "stocktake.viewer_domains"),
        sign_in_hours=_sign_in_hours(section.get("sign_in_hours")),
    )
    if auth and proxy_section:
        raise StocktakeError(
            "secrets.toml sets up both sign-in with [auth] and a sign-in proxy with [stocktake.proxy]: keep one."
        )
    if proxy_section:
        return AccessSettings(mode=PROXY, proxy=_proxy_settings(proxy_section), **common)
    if auth:
        if not isinstance(auth, Mapping):
            raise StocktakeError("The [auth] section of secrets.toml must be a table of settings.")
        providers = () if "client_id" in auth else tuple(
            name for name, value in auth.items() if isinstance(value, Mapping))
        if "client_id" not in auth and not providers:
            raise StocktakeError(
                "The [auth] section of secrets.toml has no provider: add client_id, client_secret and "
                "server_metadata_url (see the README's sign-in set-up)."
            )
        return AccessSettings(mode=OIDC, providers=providers, **common)
    return AccessSettings()


def _sign_in_hours(value: Any) -> float:
    if value is None:
        return DEFAULT_SIGN_IN_HOURS
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= MAX_SIGN_IN_HOURS:
        raise StocktakeError(
            f"The setting 'stocktake.sign_in_hours' in secrets.toml must be a number of hours above 0 and at most "
            f"{MAX_SIGN_IN_HOURS:,.0f} (30 days), e.g. 8; it is {value!r}."
        )
    return float(value)


def _proxy_settings(section: Any) -> ProxySettings:
    if not isinstance(section, Mapping):
        raise StocktakeError("[stocktake.proxy] in secrets.toml must be a table of settings.")
    header = str(section.get("user_header") or "").strip()
    if not header:
        raise StocktakeError(
            "[stocktake.proxy] in secrets.toml needs user_header, the header your proxy sets to the user's address "
            "(for oauth2-proxy: \"X-Forwarded-Email\")."
        )
    addresses = section.get("trusted_addresses")
    if isinstance(addresses, str):
        addresses = [addresses]
    if not addresses:
        raise StocktakeError(
            "[stocktake.proxy] in secrets.toml needs trusted_addresses, the addresses your proxy connects from "
            "(e.g. [\"127.0.0.1\"] when it runs on the same server)."
        )
    for address in addresses:
        try:
            ipaddress.ip_network(str(address).strip(), strict=False)
        except ValueError:
            raise StocktakeError(
                f"'{address}' in stocktake.proxy.trusted_addresses is not an IP address or network (e.g. 10.0.0.5 or "
                "10.0.0.0/24)."
            ) from None
    sign_out = section.get("sign_out_url")
    return ProxySettings(header, tuple(str(a).strip() for a in addresses), str(sign_out) if sign_out else None)


def _domain_of(address: str) -> str:
    return address.rsplit("@", 1)[1] if "@" in address else ""


def role_for(address: str, settings: AccessSettings, *, verified: bool = True) -> str | None:
    """The role of a signed-in person: editor, viewer, or None when viewing is restricted and they are not listed.

    Addresses compare without regard to case; a domain matches that exact domain only (``council.gov.uk`` does not
    let in ``evilcouncil.gov.uk`` or ``x.council.gov.uk``). An address the provider says is not verified
    (``verified=False``, from an ``email_verified`` claim) is never an editor.
    """
    address = (address or "").strip().lower()
    if settings.mode == LOCAL:
        return EDITOR
    domain = _domain_of(address)
    if verified and address and (address in settings.editors or (domain and domain in settings.editor_domains)):
        return EDITOR
    if not settings.viewers and not settings.viewer_domains:
        return VIEWER
    if address in settings.viewers or (domain and domain in settings.viewer_domains):
        return VIEWER
    if address in settings.editors or (domain and domain in settings.editor_domains):
        return VIEWER  # an editor's address the provider has not verified may still look
    return None


def oidc_user(claims: Mapping[str, Any], settings: AccessSettings) -> User:
    """The user an OpenID Connect sign-in gives (``st.user``'s claims), or :data:`NOBODY` if not signed in.

    Who they are is the ``email`` claim, else ``preferred_username`` (Entra ID's sign-in name, usually the address),
    else the subject id: the name the audit trail records.
    """
    if not claims.get("is_logged_in"):
        return NOBODY
    address = next((str(claims[k]).strip() for k in ("email", "preferred_username")
                    if isinstance(claims.get(k), str) and "@" in claims[k]), "")
    name = address or f"sub:{claims.get('sub', 'unknown')}"
    verified = not _says_no(claims.get("email_verified"))
    display = str(claims.get("name") or name)
    return User(name.lower() if address else name, role_for(address, settings, verified=verified), signed_in=True,
                display_name=display)


def _says_no(value: Any) -> bool:
    """Whether a claim says "no": false as JSON, or as text ("false", "False", "0", "no"), as some providers and
    proxies send booleans. Anything else (absent included) is not a "no"."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value == 0
    if isinstance(value, str):
        return value.strip().lower() in ("false", "0", "no", "f", "n")
    return False


def proxy_user(headers: Mapping[str, str], peer: str | None, settings: AccessSettings) -> User:
    """The user a sign-in proxy names in its header, believed only when the connection comes from the proxy.

    ``peer`` is the address the connection came from (``st.context.ip_address``; None for loopback). A request that
    reaches the app around the proxy, with a header it wrote itself, gets :data:`NOBODY`.
    """
    proxy = settings.proxy
    if proxy is None or not proxy.trusts(peer):
        return NOBODY
    value = next((v for k, v in headers.items() if k.lower() == proxy.user_header.lower()), None)
    address = (value or "").strip()
    if not address or len(address) > audit.MAX_USER or any(ord(ch) < 32 for ch in address):
        return NOBODY
    return User(address.lower(), role_for(address, settings), signed_in=True, display_name=address)


def may_change(user: User, action: str) -> bool:
    """Whether ``user`` may make a change of kind ``action`` (one of the ``analysis.governance.audit`` action names)."""
    if user.role == EDITOR:
        return True
    return user.role == VIEWER and action in VIEWER_CHANGES
