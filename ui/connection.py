"""The app's one DuckDB connection per process, and the dataset the user has picked.

DuckDB 2.0 refuses concurrent use of one connection, and Streamlit runs each browser session on its own thread, so
the connection is shared (``st.cache_resource``) but every query opens its own cursor (``analysis.store.query_df``).
"""

from __future__ import annotations

import duckdb
import streamlit as st

from analysis import store

DATASET_KEY = "dataset"
_NEXT_DATASET_KEY = "dataset_on_next_run"


@st.cache_resource(show_spinner=False)
def _connection_for(path: str) -> duckdb.DuckDBPyConnection:
    return store.open_store(path)


def get_connection() -> duckdb.DuckDBPyConnection:
    """The process's connection to the store named by $STOCKTAKE_DB (or data/stocktake.duckdb)."""
    return _connection_for(str(store.default_db_path()))


@st.cache_resource(show_spinner=False, max_entries=16)
def _catalogue(path: str, stamp: tuple[int, int, int]) -> tuple[store.Dataset, ...]:
    return tuple(store.list_datasets(get_connection()))


def catalogue() -> tuple[store.Dataset, ...]:
    """Every dataset in the store, newest load first: read again only when the catalogue's stamp changes (a load,
    role change or delete), so a rerun costs one small query instead of reading the catalogue three times."""
    return _catalogue(str(store.default_db_path()), store.catalogue_stamp(get_connection()))


def analysable_datasets() -> list[store.Dataset]:
    """Records and KPI datasets: the ones the Explore pages can analyse (lookups only support them)."""
    return [d for d in catalogue() if d.kind in ("records", "kpi")]


def current_dataset() -> store.Dataset | None:
    """The dataset chosen in the sidebar picker, from the current catalogue so its version and roles are current."""
    name = st.session_state.get(DATASET_KEY)
    return next((d for d in catalogue() if d.name == name), None) if name else None


def use_dataset_on_next_run(name: str) -> None:
    """Make ``name`` the dataset in use from the next rerun on.

    The sidebar picker is drawn before the page, and Streamlit refuses changes to a widget's value after it is drawn,
    so a page asks for the change here and the picker applies it before drawing itself.
    """
    st.session_state[_NEXT_DATASET_KEY] = name


def apply_next_dataset() -> None:
    if _NEXT_DATASET_KEY in st.session_state:
        st.session_state[DATASET_KEY] = st.session_state.pop(_NEXT_DATASET_KEY)
