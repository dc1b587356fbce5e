"""The one cache: every figure, and every result figures share, kept per store file, dataset version, what else it
reads and its inputs.

A result depends on the data it was worked out from, so its key is where that data lives: the store file (two stores,
such as a test's and a benchmark's, can hold a dataset of the same name and version), the dataset's name and version
(bumped on every load or role change), the stamps of what else it reads (declared once, with the figure: the reason
classification's version, the population lookup that applies; see :mod:`analysis.reads`) and its own inputs
(filters, grain, choices, settings). Nothing else: a rerun with the same inputs gets the same answer back without
touching DuckDB, Altair or statsmodels, and any change to what a figure reads changes its key at once, on every page
and in presentation mode alike (there is no time limit to wait out).

Results are kept whole for the process (``st.cache_resource``: no copy is made on each call, which for thirteen
charts' specs and frames would cost more than the rerun itself), so callers only read what they get. Entries are
dropped least recently used first beyond :data:`MAX_ENTRIES`. :mod:`ui.figures` is what pages call; this module only
keeps.
"""

from __future__ import annotations

from typing import Any, Callable, TypeVar

import streamlit as st

from analysis import preparing, store
from analysis.registry import digest

T = TypeVar("T")

MAX_ENTRIES = 4000
"""Figures and shared results together: a demo session's pages hold about 60; thirty people exploring, a few
thousand small frames and specs."""


def _keep(key: str, _compute: Callable[[], Any]) -> Any:
    return _compute()


# One store for every result: each spinner's wrapper of the same function shares it (Streamlit keys a cache by the
# function's module, name and source), and shows its own words while a result is worked out.
_kept: dict[str | None, Callable[[str, Callable[[], Any]], Any]] = {}


def _keeper(spinner: str | None) -> Callable[[str, Callable[[], Any]], Any]:
    keeper = _kept.get(spinner)
    if keeper is None:
        keeper = _kept[spinner] = st.cache_resource(show_spinner=spinner or False, max_entries=MAX_ENTRIES)(_keep)
    return keeper


def data_key(dataset: store.Dataset, stamps: tuple = ()) -> tuple:
    """Where a result's data came from: the first part of its key; and whether its derived tables were being built
    in the background (a figure then says how far they had got: it is worked out again once they are there)."""
    db = str(store.default_db_path())
    return db, dataset.name, dataset.version, stamps, preparing.in_progress(db, dataset.name, dataset.version)


def remember(what: str, data: tuple, inputs: Any, compute: Callable[[], T], spinner: str | None = None) -> T:
    """``compute()``, kept under (``what``, ``data`` (:func:`data_key`), ``inputs``); ``spinner`` is shown while it is
    worked out (not for a result another one is being worked out from)."""
    return _keeper(spinner)(digest((what, data, inputs)), compute)


def clear() -> None:
    """Forget every result (tests)."""
    _keeper(None).clear()
