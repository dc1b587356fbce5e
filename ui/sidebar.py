"""The sidebar every page shares: which dataset is in use, presentation mode, and (on Explore pages) adding the
view to a workshop session."""

from __future__ import annotations

import streamlit as st

from analysis.errors import StocktakeError
from analysis.formatting import format_count
from analysis.roles import KIND_NAMES
from ui.connection import DATASET_KEY, analysable_datasets, apply_next_dataset
from ui.agenda import render_add_view
from ui.preparing import render_progress
from ui.presentation import render_presentation_toggle
from ui.text import plain
from ui.warm_up import start_warm_up


def render_sidebar(page: str | None = None) -> None:
    """Everything app.py puts in the sidebar, below the page navigation. ``page`` is the ``url_path`` of the page
    about to run (``st.navigation``'s choice), which decides whether its view can be added to a session.

    This is the first thing on every page that opens the store, so a store that cannot be opened (another program
    holds it) stops here with the reason, instead of a traceback on every page.
    """
    start_warm_up()
    try:
        render_dataset_picker()
    except StocktakeError as exc:
        st.error(plain(exc))
        st.stop()
    render_progress()
    render_presentation_toggle()
    render_add_view(page)


def render_dataset_picker() -> None:
    """A dataset picker bound to the URL (``?dataset=…``), so a shared link opens on the same data."""
    apply_next_dataset()
    datasets = analysable_datasets()
    with st.sidebar:
        if not datasets:
            st.info("No data loaded yet. Load a file on the Data page.")
            return
        names = [d.name for d in datasets]
        by_name = {d.name: d for d in datasets}
        # A link names its dataset (``?dataset=…``): a new session opens on it. A URL naming a dataset that no longer
        # exists falls back to the first one rather than failing.
        linked = st.query_params.get(DATASET_KEY)
        if DATASET_KEY not in st.session_state and linked in by_name:
            st.session_state[DATASET_KEY] = linked
        if st.session_state.get(DATASET_KEY) not in by_name:
            st.session_state.pop(DATASET_KEY, None)
        # Records first (the Explore pages mostly work from case-level data), newest load first within a kind, so
        # the default is the file the user has just loaded.
        names.sort(key=lambda n: by_name[n].kind != "records")
        chosen = st.selectbox(
            "Dataset in use",
            names,
            key=DATASET_KEY,
            help="Every page analyses this dataset. Load more on the Data page.",
        )
        # Not bound to the URL with bind=: a bound widget leaves its default out of the address, so a link copied
        # while the newest load is in use would open whatever is newest next week. The dataset is always written in.
        if st.query_params.get(DATASET_KEY) != chosen:
            st.query_params[DATASET_KEY] = chosen
        st.caption(f"{KIND_NAMES[by_name[chosen].kind]}, {format_count(by_name[chosen].row_count)} rows")
