"""ui.cache through ui.figures: one cache for every page, keyed on the store file, the dataset's version, the stamps
of what else a result reads (declared once) and its inputs."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import store
from analysis.load.ingest import load_frame
from analysis.registry import Read
from ui import cache
from ui.connection import _connection_for
from ui.figures import cached

calls: list[str] = []
OTHER = Read("other", lambda ctx, ds: ctx.version("other"))  # the version of a dataset named 'other'


@cached()
def row_count(con, dataset: store.Dataset, minimum: int) -> int:
    calls.append("row_count")
    return int(store.query_rows(con, f"SELECT count(*) FROM {store.quote_identifier(dataset.table)} "
                                     "WHERE n >= ?", [minimum])[0][0])


@cached()
def row_total(con, dataset: store.Dataset, minimum: int) -> int:
    calls.append("row_total")
    return int(store.query_rows(con, f"SELECT sum(n) FROM {store.quote_identifier(dataset.table)} "
                                     "WHERE n >= ?", [minimum])[0][0])


@cached(reads=(OTHER,))
def reads_other(con, dataset: store.Dataset) -> int:
    calls.append("reads_other")
    return store.dataset_version(con, "other")


def _load(path, values, name="numbers") -> store.Dataset:
    con = _connection_for(str(path.resolve()))
    load_frame(con, pd.DataFrame({"n": values}), dataset=name, kind="records", roles={})
    return store.get_dataset(con, name)


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    calls.clear()
    yield
    cache.clear()


def test_two_stores_with_the_same_dataset_name_and_version_are_cached_apart(tmp_path, monkeypatch):
    first = _load(tmp_path / "first.duckdb", [1, 2, 3])
    second = _load(tmp_path / "second.duckdb", [1, 2, 3, 4, 5])
    assert (first.name, first.version) == (second.name, second.version)
    monkeypatch.setenv("STOCKTAKE_DB", str(tmp_path / "first.duckdb"))
    assert row_count(first, 0) == 3
    monkeypatch.setenv("STOCKTAKE_DB", str(tmp_path / "second.duckdb"))
    assert row_count(second, 0) == 5
    assert calls == ["row_count", "row_count"]


def test_the_same_inputs_are_answered_from_the_cache_until_the_data_changes(tmp_path, monkeypatch):
    path = tmp_path / "s.duckdb"
    monkeypatch.setenv("STOCKTAKE_DB", str(path))
    ds = _load(path, [1, 2, 3])
    assert row_count(ds, 2) == 2
    assert row_count(ds, 2) == 2
    assert row_count(ds, 3) == 1
    assert calls == ["row_count", "row_count"]
    reloaded = _load(path, [5, 6, 7, 8])  # a new load: a new version
    assert reloaded.version != ds.version
    assert row_count(reloaded, 2) == 4
    assert calls == ["row_count"] * 3


def test_another_result_with_the_same_inputs_is_not_confused_with_it(tmp_path, monkeypatch):
    path = tmp_path / "s.duckdb"
    monkeypatch.setenv("STOCKTAKE_DB", str(path))
    ds = _load(path, [1, 2, 3])
    assert row_count(ds, 1) == 3
    assert row_total(ds, 1) == 6
    assert calls == ["row_count", "row_total"]


def test_what_else_a_result_reads_is_part_of_its_key(tmp_path, monkeypatch):
    path = tmp_path / "s.duckdb"
    monkeypatch.setenv("STOCKTAKE_DB", str(path))
    ds = _load(path, [1, 2, 3])
    assert reads_other(ds) == 0  # no dataset 'other' yet
    assert reads_other(ds) == 0
    assert calls == ["reads_other"]
    other = _load(path, [9], name="other")  # the dataset it reads appears: its version is in the key
    assert reads_other(ds) == other.version
    _load(path, [9, 10], name="other")  # and changes
    assert reads_other(ds) == other.version + 1
    assert calls == ["reads_other"] * 3
