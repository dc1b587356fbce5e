"""Derived tables built behind a load: started for a large dataset the app finds without them (one the command line
loaded), and their progress in the sidebar of the sessions using that dataset until they are ready."""

from __future__ import annotations

import logging
from typing import Iterable

import duckdb
import streamlit as st

from analysis import preparing, store
from analysis.errors import StocktakeError
from analysis.kpis.definitions import DEFAULT_GRAIN
from analysis.load.prepare import prepare_in_background
from analysis.preparing import BACKGROUND_ROWS
from ui.connection import DATASET_KEY, catalogue, get_connection

log = logging.getLogger("stocktake")

PROGRESS_EVERY_S = 2.0
"""How often a session waiting for a dataset's tables looks again: each look is a run of a small fragment, and only the
sessions using that dataset (or loading it) look."""


def prepare_behind(con: duckdb.DuckDBPyConnection, datasets: Iterable[store.Dataset]) -> None:
    """Start building the derived tables of every large records dataset that lacks them (its repeat table, or the
    KPI summary by month: a store prepared by older code has no other grain), each on a thread of its own."""
    for ds in datasets:
        if ds.kind != "records" or ds.row_count < BACKGROUND_ROWS:
            continue
        try:
            prepare_in_background(con, ds.name, grains=(DEFAULT_GRAIN,))
        except (duckdb.Error, StocktakeError) as exc:  # the page that needs a table builds it itself
            log.warning("Could not start preparing '%s': %s", ds.name, exc)


@st.cache_resource(show_spinner=False, max_entries=16)
def _started(db: str, versions: tuple, _con: duckdb.DuckDBPyConnection, _datasets: tuple) -> bool:
    prepare_behind(_con, _datasets)
    return True


def render_progress() -> None:
    """Start preparing what a large dataset lacks (once per change of the catalogue: a load from the command line);
    then in the sidebar, while the derived tables of the dataset in use are being built, how far it has got. Redrawn
    every two seconds; when they are ready the page runs again, so every figure that was waiting for them is drawn."""
    db = str(store.default_db_path())
    datasets = catalogue()
    _started(db, tuple((d.name, d.version) for d in datasets), get_connection(), datasets)
    # Only the session using the dataset (the one that loaded it is switched to it) waits for it: a room of thirty
    # on other data is not made to look every few seconds, nor run again when it is ready.
    in_use = st.session_state.get(DATASET_KEY)
    if any(job.db == db and job.dataset == in_use for job in preparing.busy()):
        with st.sidebar:
            _progress(db, in_use)


@st.fragment(run_every=PROGRESS_EVERY_S)
def _progress(db: str, dataset: str) -> None:
    jobs = [job for job in preparing.busy() if job.db == db and job.dataset == dataset]
    if not jobs:
        st.rerun()
    for job in jobs:
        step = job.message[:1].lower() + job.message[1:]
        st.progress(min(max(job.fraction, 0.0), 1.0),
                    text=f"Preparing '{job.dataset}' for repeat demand and the KPI summary: {step}. "
                         "Every page can be used meanwhile.")
