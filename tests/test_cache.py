"""ui.cache: one cache for every page, keyed on the store file, the dataset and its version (and the figure's inputs)."""

from __future__ import annotations

import pandas as pd
import pytest
import streamlit as st

from analysis import store
from analysis.ingest import load_frame
from ui import cache
from ui.connection import _connection_for

calls: list[str] = []


@cache.by_dataset()
def row_count(con, dataset: store.Dataset, minimum: int) -> int:
    calls.append("row_count")
    return int(store.query_rows(con, f"SELECT count(*) FROM {store.quote_identifier(dataset.table)} "
                                     "WHERE n >= ?", [minimum])[0][0])


@cache.by_dataset()
def row_total(con, dataset: store.Dataset, minimum: int) -> int:
    calls.append("row_total")
    return int(store.query_rows(con, f"SELECT sum(n) FROM {store.quote_identifier(dataset.table)} "
                                     "WHERE n >= ?", [minimum])[0][0])


def _store(path, values) -> store.Dataset:
    con = _connection_for(str(path.resolve()))
    load_frame(con, pd.DataFrame({"n": values}), dataset="numbers", kind="records", roles={})
    return store.get_dataset(con, "numbers")


@pytest.fixture(autouse=True)
def fresh_cache():
    st.cache_data.clear()
    calls.clear()
    yield
    st.cache_data.clear()


def test_two_stores_with_the_same_dataset_name_and_version_are_cached_apart(tmp_path, monkeypatch):
    first = _store(tmp_path / "first.duckdb", [1, 2, 3])
    second = _store(tmp_path / "second.duckdb", [1, 2, 3, 4, 5])
    assert (first.name, first.version) == (second.name, second.version)
    monkeypatch.setenv("STOCKTAKE_DB", str(tmp_path / "first.duckdb"))
    assert row_count(first, 0) == 3
    monkeypatch.setenv("STOCKTAKE_DB", str(tmp_path / "second.duckdb"))
    assert row_count(second, 0) == 5
    assert calls == ["row_count", "row_count"]


def test_the_same_inputs_are_answered_from_the_cache_until_the_data_changes(tmp_path, monkeypatch):
    path = tmp_path / "s.duckdb"
    monkeypatch.setenv("STOCKTAKE_DB", str(path))
    ds = _store(path, [1, 2, 3])
    assert row_count(ds, 2) == 2
    assert row_count(ds, 2) == 2
    assert row_count(ds, 3) == 1
    assert calls == ["row_count", "row_count"]
    reloaded = _store(path, [5, 6, 7, 8])  # a new load: a new version
    assert reloaded.version != ds.version
    assert row_count(reloaded, 2) == 4
    assert calls == ["row_count"] * 3


def test_another_figure_with_the_same_inputs_is_not_confused_with_it(tmp_path, monkeypatch):
    path = tmp_path / "s.duckdb"
    monkeypatch.setenv("STOCKTAKE_DB", str(path))
    ds = _store(path, [1, 2, 3])
    assert row_count(ds, 1) == 3
    assert row_total(ds, 1) == 6
    assert calls == ["row_count", "row_total"]


def test_the_versions_of_what_else_a_figure_reads_are_part_of_the_key(tmp_path, monkeypatch):
    path = tmp_path / "s.duckdb"
    monkeypatch.setenv("STOCKTAKE_DB", str(path))
    ds = _store(path, [1, 2, 3])
    row_count(ds, 1, also=(7,))
    row_count(ds, 1, also=(7,))
    row_count(ds, 1, also=(8,))
    assert calls == ["row_count", "row_count"]
    assert cache.data_version(ds, (8,)) == cache.DataVersion(str(path.resolve()), "numbers", ds.version, (8,))
