"""Links between pages that carry the dataset in use (``?dataset=…``), so a link opened in a new tab, bookmarked or
shared opens on the same data, whichever dataset happens to be the newest load when it is opened."""

from __future__ import annotations

import streamlit as st

from ui.connection import DATASET_KEY


def page_link(page: str, *, label: str, icon: str | None = None, where=None):
    """``st.page_link`` to ``page`` with the dataset in use in its address; ``where`` is a column or container."""
    name = st.session_state.get(DATASET_KEY)
    return (where or st).page_link(page, label=label, icon=icon, query_params={DATASET_KEY: name} if name else None)


def public_url() -> str | None:
    """The app's public address (``analysis.settings.public_url``: ``$STOCKTAKE_PUBLIC_URL`` or
    ``stocktake.public_url`` in secrets.toml), for links that leave the app, such as the pack's."""
    from analysis import settings

    return settings.public_url(st.secrets if st.secrets.load_if_toml_exists() else {})
