"""Every page, over every deliberately awkward dataset (tests/awkward_store.py), shows no engine error.

Issue 8 saw a DuckDB "Binder Error" on a file of dates without times, a "Conversion Error" on a KPI series whose period
column was text, a temporary path and a UUID in messages, and one dataset's peer error on every page. Each page is
opened on each dataset and every piece of text it shows (alerts, markdown, captions, metrics, labels) is searched for
the engine's words.
"""

from __future__ import annotations

import re

import pytest

from tests.awkward_store import AWKWARD, build_awkward_store
from tests.conftest import page_ok

PAGES = [None, "pages/demand.py", "pages/performance.py", "pages/savings.py", "pages/spend.py", "pages/workshop.py",
         "pages/what_works.py",
         "pages/data.py"]
ENGINE_WORDS = re.compile(
    r"Binder Error|Conversion Error|Invalid Input|Catalog Error|Parser Error|Traceback|(?i:duckdb)|/tmp/|"
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|Exception|INTERVAL|CAST\(")


@pytest.fixture(scope="module")
def awkward_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("awkward")
    path = folder / "awkward.duckdb"
    build_awkward_store(path, folder / "files")
    return path


def page_text(at) -> str:
    """Every text the page shows, from its element tree (charts' specs and data excluded: they are not read)."""
    parts: list[str] = []

    def walk(node) -> None:
        children = getattr(node, "children", None)
        if children:
            for child in children.values():
                walk(child)
            return
        proto = getattr(node, "proto", None)
        if proto is None or node.type in ("arrow_vega_lite_chart", "vega_lite_chart", "arrow_data_frame"):
            return
        parts.append(str(proto))

    walk(at._tree)
    return "\n".join(parts)


@pytest.mark.parametrize("dataset", list(AWKWARD))
def test_every_page_on_an_awkward_dataset_shows_no_engine_error(dataset, awkward_db, monkeypatch, open_app):
    monkeypatch.setenv("STOCKTAKE_DB", str(awkward_db))
    for page in PAGES:
        at = open_app(page, query_params={"dataset": dataset}, check=False)
        where = f"{page or 'Overview'} on {dataset}"
        # A KPI series whose periods are text says so once, in a sentence (the next test reads it).
        page_ok(at, expected_errors=("holds text such as",))
        assert at.selectbox(key="dataset").value == dataset
        found = ENGINE_WORDS.search(page_text(at))
        assert found is None, f"{where} shows '{found.group(0)}'"
        assert not any("Something went wrong" in e.value for e in at.error), \
            f"{where}: {[e.value for e in at.error]}"
        if page != "pages/data.py" and (at.metric or at.get("vega_lite_chart")):
            # Every page that shows figures says which dates the data cover (or that it has none usable).
            assert any("Data from" in c.value or "Periods from" in c.value or "no usable dates" in c.value
                       for c in at.caption), f"{where} does not state the data's date range"


def test_a_kpi_series_with_a_text_period_gets_one_plain_sentence(awkward_db, monkeypatch, open_app):
    monkeypatch.setenv("STOCKTAKE_DB", str(awkward_db))
    at = open_app("pages/performance.py", query_params={"dataset": "kpi_text_period"}, check=False)
    page_ok(at, expected_errors=("holds text such as",))
    assert [e.value for e in at.error] == [
        "The period column 'Financial year' of 'kpi_text_period' holds text such as '2015-16', not periods "
        "Stocktake can put in time order: load the file again so its periods (financial years, quarters, months "
        "such as 201607) are read as dates, or give the role 'Period' to a date column on the Data page."]


def test_an_annual_series_of_8_points_is_charted_by_financial_year_with_the_short_series_warning(
        awkward_db, monkeypatch, open_app):
    monkeypatch.setenv("STOCKTAKE_DB", str(awkward_db))
    at = open_app("pages/performance.py", query_params={"dataset": "annual_8"})
    page_ok(at)
    assert any("Only 8 points" in w.value for w in at.warning)
    metrics = {m.label: m.value for m in at.metric}
    # The periods are first days of April a year apart: financial years, labelled as such, latest 2022/23.
    assert metrics["Latest (2022/23)"] == "8.00"
    assert any("Periods from 2015/16 to 2022/23 (8 years)" in c.value for c in at.caption)


def test_a_records_page_shows_no_benchmark_it_was_not_given(awkward_db, monkeypatch, open_app):
    """kpi_text_period is a benchmark (areas, periods, values) whose periods are text: issue 8 saw such a peer
    dataset's error on every dataset's page. It belongs to its own page only."""
    monkeypatch.setenv("STOCKTAKE_DB", str(awkward_db))
    at = open_app("pages/performance.py", query_params={"dataset": "dates_only"})
    page_ok(at)
    assert not [s for s in at.selectbox if s.key == "pf_bm"]
    assert any("load a benchmark dataset" in i.value for i in at.info)
