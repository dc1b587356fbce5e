"""Links between pages that carry the dataset in use (``?dataset=…``), so a link opened in a new tab, bookmarked or
shared opens on the same data, whichever dataset happens to be the newest load when it is opened."""

from __future__ import annotations

import streamlit as st

from ui.connection import DATASET_KEY


def page_link(page: str, *, label: str, icon: str | None = None, where=None):
    """``st.page_link`` to ``page`` with the dataset in use in its address; ``where`` is a column or container."""
    name = st.session_state.get(DATASET_KEY)
    return (where or st).page_link(page, label=label, icon=icon, query_params={DATASET_KEY: name} if name else None)
