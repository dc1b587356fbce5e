"""The app's one DuckDB connection per process, and the dataset the user has picked.

DuckDB 2.0 refuses concurrent use of one connection, and Streamlit runs each browser session on its own thread, so
the connection is shared (``st.cache_resource``) but every query opens its own cursor (``analysis.store.query_df``).
"""

from __future__ import annotations

import duckdb
import streamlit as st

from analysis import store
from analysis.errors import StocktakeError

DATASET_KEY = "dataset"
_NEXT_DATASET_KEY = "dataset_on_next_run"


@st.cache_resource(show_spinner=False)
def _connection_for(path: str) -> duckdb.DuckDBPyConnection:
    return store.open_store(path)


def get_connection() -> duckdb.DuckDBPyConnection:
    """The process's connection to the store named by $STOCKTAKE_DB (or data/stocktake.duckdb)."""
    return _connection_for(str(store.default_db_path()))


def analysable_datasets() -> list[store.Dataset]:
    """Records and KPI datasets: the ones the Explore pages can analyse (lookups only support them)."""
    return [d for d in store.list_datasets(get_connection()) if d.kind in ("records", "kpi")]


def current_dataset() -> store.Dataset | None:
    """The dataset chosen in the sidebar picker, re-read from the catalogue so its version and roles are current."""
    name = st.session_state.get(DATASET_KEY)
    if not name:
        return None
    try:
        return store.get_dataset(get_connection(), name)
    except StocktakeError:
        return None


def use_dataset_on_next_run(name: str) -> None:
    """Make ``name`` the dataset in use from the next rerun on.

    The sidebar picker is drawn before the page, and Streamlit refuses changes to a widget's value after it is drawn,
    so a page asks for the change here and the picker applies it before drawing itself.
    """
    st.session_state[_NEXT_DATASET_KEY] = name


def apply_next_dataset() -> None:
    if _NEXT_DATASET_KEY in st.session_state:
        st.session_state[DATASET_KEY] = st.session_state.pop(_NEXT_DATASET_KEY)
