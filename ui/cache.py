"""The one cache every page reads its figures through: keyed on the store file, the dataset and its version.

A figure depends on the data it was worked out from, so its cache key is where that data lives: the store file
(two stores, such as a test's and a benchmark's, can hold a dataset of the same name and version), the dataset's
name and version (bumped on every load or role change), the versions of anything else it reads (the reason
classification, a population or cost lookup) and its own inputs (filters, grain, choices). Nothing else: a rerun
with the same inputs gets the same answer back without touching DuckDB, Altair or statsmodels.

Decorate a function ``fn(con, dataset, *inputs)`` with :func:`by_dataset` and call it as ``fn(dataset, *inputs,
also=(classification_version, …))``::

    @by_dataset()
    def volume_view(con, dataset, filters, grain):
        ...

    view = volume_view(ds, filters, "month", also=(cls_version,))

The result is kept by ``st.cache_data`` (a copy is handed out on each call, so a caller may change what it gets).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

import streamlit as st

from analysis import store
from ui.chart_specs import content_key
from ui.connection import get_connection

T = TypeVar("T")


@dataclass(frozen=True)
class DataVersion:
    """Where a figure's data came from: the cache key's first part."""

    store_file: str
    dataset: str
    version: int
    also: tuple = ()  # versions of the other datasets the figure reads


def data_version(dataset: store.Dataset, also: tuple = ()) -> DataVersion:
    return DataVersion(str(store.default_db_path()), dataset.name, dataset.version, tuple(also))


def by_dataset(max_entries: int = 200, spinner: str | bool = False) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Cache ``fn(con, dataset, *inputs, **options)`` on (store file, dataset, version, ``also``, inputs).

    The connection and the dataset object are not part of the key (a connection cannot be hashed; the dataset is
    named by its name and version). The inputs enter the key as one digest of their content
    (:func:`ui.chart_specs.content_key`: ten times quicker than Streamlit hashing a frame such as the classification
    on every call). ``spinner`` is shown while a result is worked out (False: none).
    """

    def wrap(fn: Callable[..., T]) -> Callable[..., T]:
        def compute(function: str, key: DataVersion, inputs_key: str, _dataset: store.Dataset, _inputs: tuple,
                    _options: dict) -> T:
            return fn(get_connection(), _dataset, *_inputs, **_options)

        # st.cache_data tells cached functions apart by module, name and source: every function wrapped here shares
        # compute's source, so each gets its own name (and its name is part of the key as well).
        compute.__module__ = fn.__module__
        compute.__qualname__ = f"{fn.__qualname__}.cached"
        compute.__name__ = f"{fn.__name__}_cached"
        cached = st.cache_data(show_spinner=spinner, max_entries=max_entries)(compute)
        function = f"{fn.__module__}.{fn.__qualname__}"

        @functools.wraps(fn)
        def call(dataset: store.Dataset, *inputs: Any, also: tuple = (), **options: Any) -> T:
            inputs_key = content_key(inputs, options)
            if inputs_key is None:
                raise TypeError(f"{function}: cached figures take inputs that can be pickled")
            return cached(function, data_version(dataset, also), inputs_key, dataset, inputs, options)

        call.uncached = fn  # the function itself, for tests and benchmarks
        return call

    return wrap
