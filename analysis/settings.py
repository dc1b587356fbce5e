"""Settings that are not sign-in: read from ``$STOCKTAKE_<NAME>`` or the ``[stocktake]`` table of
``.streamlit/secrets.toml`` (the environment wins), the same for the app and the command line.

``public_url``: the address people open Stocktake at (``https://stocktake.council.gov.uk``, or with the path it is
served under). With it, the pack's "View in Stocktake" is a link that works from an email; without it, the pack says
in words where the view is. A value that cannot be used stops with a sentence naming the setting.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit

from analysis.errors import StocktakeError

PUBLIC_URL_ENV = "STOCKTAKE_PUBLIC_URL"
SECRETS_FILE = Path(".streamlit") / "secrets.toml"  # where Streamlit reads it: relative to the folder it runs in


def secrets_file(path: Path = SECRETS_FILE) -> Mapping[str, Any]:
    """The secrets file as the command line sees it (the app has ``st.secrets``): empty when there is none."""
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise StocktakeError(f"{path} is not valid TOML ({exc}): correct it, or remove it.") from None


def public_url(secrets: Mapping[str, Any] | None = None, environ: Mapping[str, str] = os.environ) -> str | None:
    """The app's public address without a trailing slash, or None when it is not configured."""
    section = (secrets or {}).get("stocktake") or {}
    raw = environ.get(PUBLIC_URL_ENV) or (section.get("public_url") if isinstance(section, Mapping) else None)
    if raw is None or not str(raw).strip():
        return None
    where = f"${PUBLIC_URL_ENV}" if environ.get(PUBLIC_URL_ENV) else "stocktake.public_url in secrets.toml"
    text = str(raw).strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment or " " in text:
        raise StocktakeError(f"The setting {where} must be the address people open Stocktake at, such as "
                             f"\"https://stocktake.council.gov.uk\"; it is {text!r}.")
    return text.rstrip("/")
