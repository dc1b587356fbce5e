"""analysis.overview: a dataset's size, span, contents and the last 12 complete months against the 12 before."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from analysis import overview, store
from analysis.load.ingest import load_frame


@pytest.fixture
def con(tmp_path):
    c = store.open_store(tmp_path / "o.duckdb")
    yield c
    c.close()


def _load(con, name, received, **columns):
    frame = pd.DataFrame({"received": pd.to_datetime(received), **columns})
    roles = {"received": "date", **{c: c for c in columns}}
    load_frame(con, frame, dataset=name, kind="records", roles=roles)
    return store.get_dataset(con, name)


def test_records_summary_with_two_whole_years(con):
    # One contact on the 15th of every month from January 2022 to 10 March 2024; March 2024 is a part month.
    days = list(pd.date_range("2022-01-01", "2024-02-01", freq="MS") + pd.Timedelta(days=14)) + ["2024-03-10"]
    services = ["Waste" if i % 3 else "Parking" for i in range(len(days))]
    ds = _load(con, "calls", days, service=services)
    summary = overview.summarise_dataset(con, ds)
    assert (summary.rows, summary.first, summary.last) == (27, datetime(2022, 1, 15), datetime(2024, 3, 10))
    assert summary.distinct == {"service": 2}
    assert summary.top_values["service"].set_index("value")["rows"].to_dict() == {"Waste": 18, "Parking": 9}
    assert summary.months_label == "March 2023 – February 2024"
    assert (summary.last_12_months, summary.previous_12_months) == (12, 12)
    assert summary.change_12_months == 0.0
    assert summary.missing_roles == ["reason", "channel"]


def test_a_short_extract_is_not_presented_as_a_year(con):
    """Five days of records: no 'last 12 complete months' at all (issue 8 saw 9,999 shown as a year)."""
    ds = _load(con, "five_days", ["2017-12-27", "2017-12-29", "2017-12-31"])
    summary = overview.summarise_dataset(con, ds)
    assert summary.rows == 3 and summary.last_12_months is None and summary.months_label is None
    assert summary.change_12_months is None


def test_previous_year_left_out_when_the_data_do_not_cover_it(con):
    days = list(pd.date_range("2023-01-01", "2024-01-31", freq="D"))
    ds = _load(con, "thirteen_months", days)
    summary = overview.summarise_dataset(con, ds)
    assert summary.months_label == "February 2023 – January 2024"
    assert summary.last_12_months == 365 and summary.previous_12_months is None


def test_kpi_dataset_summary(con):
    frame = pd.DataFrame({"month": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-01"]),
                          "measure": ["Satisfied (%)", "Satisfied (%)", "Calls answered"], "value": [80.0, 82, 90]})
    load_frame(con, frame, dataset="scores", kind="kpi", roles={"month": "period", "measure": "measure",
                                                                 "value": "value"})
    summary = overview.summarise_dataset(con, store.get_dataset(con, "scores"))
    assert summary.distinct == {"measure": 2} and summary.missing_roles == []
    assert summary.first == datetime(2024, 1, 1) and summary.last_12_months is None
