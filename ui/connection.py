"""The app's one DuckDB connection per process, and the dataset the user has picked.

DuckDB 2.0 refuses concurrent use of one connection, and Streamlit runs each browser session on its own thread, so
the connection is shared (``st.cache_resource``) but every query opens its own cursor (``analysis.store.query_df``).
"""

from __future__ import annotations

from typing import Callable, TypeVar

import duckdb
import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from analysis import store

T = TypeVar("T")

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
    role change or delete), and the stamp itself once per run of the page (the sidebar, the page and its lookups all
    ask), so a rerun costs one small query instead of reading the catalogue three times."""
    run = _this_run()
    memo = getattr(run, "stocktake_catalogue", None) if run is not None else None
    if memo is not None and memo[0] == str(store.default_db_path()):
        return memo[1]
    found = _catalogue(str(store.default_db_path()), store.catalogue_stamp(get_connection()))
    if run is not None:
        run.stocktake_catalogue = (str(store.default_db_path()), found)
    return found


class _RunMarker:
    """An object that lives as long as one run of the script (see :func:`_this_run`)."""


def _this_run() -> _RunMarker | None:
    """A marker for the current script run, None outside one. Streamlit 1.67 gives its run context a new ``cursors``
    dict at the start of every run (``ScriptRunContext.reset``): the marker is kept against that dict, so a new run,
    or a fragment's run, starts without one."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return None
    marker = getattr(ctx, "stocktake_run", None)
    if marker is None or marker[0] is not ctx.cursors:
        marker = (ctx.cursors, _RunMarker())
        ctx.stocktake_run = marker
    return marker[1]


def once_per_run(key: tuple, read: Callable[[], T]) -> T:
    """``read()``, done once per run of the page for ``key`` (a fragment's run is a run of its own): for store reads
    that a person can change between runs (interventions, targets), which several sections of one run ask for.
    A change is always followed by a new run (``st.rerun``), which reads again."""
    run = _this_run()
    if run is None:
        return read()
    memo = run.__dict__.setdefault("stocktake_once", {})
    if key not in memo:
        memo[key] = read()
    return memo[key]


def dataset_version(name: str) -> int:
    """A dataset's version from the catalogue, 0 when there is none (a cache key for optional lookups such as the
    reason classification)."""
    return next((d.version for d in catalogue() if d.name == name), 0)


def analysable_datasets() -> list[store.Dataset]:
    """Records, KPI and spending datasets: the ones the Explore pages can analyse (lookups only support them)."""
    return [d for d in catalogue() if d.kind in ("records", "kpi", "spend")]


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
