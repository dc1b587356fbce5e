"""analysis.demand.figures on a small store worked through by hand: volume, Pareto, failure share, seasonality, rates,
filter choices."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analysis import classification, store
from analysis.demand import choices, figures
from analysis.filters import Filters
from analysis.load.ingest import load_frame
from tests.demand_store import con, ds  # noqa: F401 (fixtures)


def test_volume_by_month_marks_incomplete_last_month(con, ds):
    frame = figures.volume_over_time(con, ds, Filters(), "month")
    assert frame["label"].tolist() == ["Jan 2024", "Feb 2024", "Mar 2024"]
    assert frame["count"].tolist() == [2, 4, 4]
    # The data end on 3 March: March is incomplete; January starts on the 10th, so it is partial too.
    assert frame["incomplete"].tolist() == [True, False, True]

def test_volume_incomplete_follows_chosen_end(con, ds):
    frame = figures.volume_over_time(con, ds, Filters(start=date(2024, 1, 1), end=date(2024, 2, 10)), "month")
    assert frame["count"].tolist() == [2, 2]
    # January: the data start on the 10th; February: the chosen end is the 10th.
    assert frame["incomplete"].tolist() == [True, True]
    frame = figures.volume_over_time(con, ds, Filters(end=date(2024, 2, 29)), "month")
    assert frame["incomplete"].tolist() == [True, False]

def test_volume_split_with_top_n_and_blank(con, ds):
    frame = figures.volume_over_time(con, ds, Filters(), "financial_year", split="area", top_n=2)
    assert frame["label"].unique().tolist() == ["2023/24"]
    got = dict(zip(frame["split"], frame["count"]))
    # North 3, South 3, East 2, 'north ' 1, blank 1: top 2 by count (ties by name order of sort) then the rest.
    assert sum(got.values()) == 10
    assert got["All other"] == 4
    assert set(got) == {"North", "South", "All other"}

def test_volume_by_week_starts_monday(con, ds):
    frame = figures.volume_over_time(con, ds, Filters(services=("Waste",)), "week")
    assert frame["period"].dt.day_of_week.eq(0).all()
    assert frame["count"].sum() == 5

def test_pareto_counts_reasons_to_80_percent():
    counts = pd.DataFrame({"reason": ["C", "A", "B", "D", "E"], "count": [10, 50, 30, 5, 5]})
    result = figures.pareto_of(counts)
    assert result.frame["reason"].tolist() == ["A", "B", "C", "D", "E"]
    assert result.frame["cumulative_share"].round(2).tolist() == [0.5, 0.8, 0.9, 0.95, 1.0]
    assert result.reasons_for_share == 2  # exactly 80% at the second reason
    assert result.frame["in_core"].tolist() == [True, True, False, False, False]
    result = figures.pareto_of(pd.DataFrame({"reason": ["A", "B", "C"], "count": [79, 1, 20]}))
    assert result.reasons_for_share == 2  # 79%, then 99%

def test_reason_pareto_on_store(con, ds):
    result = figures.reason_pareto(con, ds, Filters())
    assert result.frame["reason"].tolist() == ["Missed bin", "Chasing", "New repair", "New bin"]
    assert result.frame["count"].tolist() == [4, 3, 2, 1]
    assert result.reasons_for_share == 3  # 40%, 70%, 90%
    assert result.total == 10

def test_failure_share_overall_by_service_channel_and_period(con, ds):
    frame = classification.classification_frame(con, ds)
    types = {"Chasing": "failure", "Missed bin": "failure", "New repair": "value"}
    frame["demand_type"] = frame["reason"].map(types).fillna("unclassified")
    classification.save_classification(con, ds, frame)
    overall = figures.failure_share(con, ds, Filters())
    assert overall[["failure", "value", "unclassified", "total"]].values.tolist() == [[7, 2, 1, 10]]
    assert overall["failure_share"].iloc[0] == pytest.approx(7 / 9)
    assert overall["unclassified_share"].iloc[0] == pytest.approx(0.1)
    by_service = figures.failure_share(con, ds, Filters(), by="service").set_index("group")
    assert by_service.loc["Repairs", ["failure", "value", "unclassified"]].tolist() == [3, 2, 0]
    assert by_service.loc["Waste", ["failure", "value", "unclassified"]].tolist() == [4, 0, 1]
    by_channel = figures.failure_share(con, ds, Filters(services=("Waste",)), by="channel").set_index("group")
    assert by_channel.loc["Web", "failure_share"] == pytest.approx(1.0)
    assert by_channel.loc["Web", "unclassified"] == 1
    by_month = figures.failure_share(con, ds, Filters(), by="period", grain="month")
    assert by_month["label"].tolist() == ["Jan 2024", "Feb 2024", "Mar 2024"]
    assert by_month["failure"].tolist() == [1, 4, 2]
    assert by_month["incomplete"].tolist() == [True, False, True]

def test_day_hour_and_month_year(con, ds):
    assert choices.has_times(con, ds)
    grid = figures.day_hour_counts(con, ds, Filters())
    assert len(grid) == 168 and grid["count"].sum() == 10
    # 10 Jan 2024 and 7 Feb 2024 were Wednesdays, 09:15.
    assert grid.set_index(["day", "hour"]).loc[("Wednesday", 9), "count"] == 2
    months = figures.month_year_counts(con, ds, Filters())
    assert months[["year", "month", "count"]].values.tolist() == [[2024, "Jan", 2], [2024, "Feb", 4],
                                                                  [2024, "Mar", 4]]

def test_has_times_false_for_midnight_dates(tmp_path):
    con = store.open_store(tmp_path / "m.duckdb")
    load_frame(con, pd.DataFrame({"d": pd.to_datetime(["2024-01-01", "2024-01-02"])}), dataset="x",
               kind="records", roles={"d": "date"})
    assert not choices.has_times(con, store.get_dataset(con, "x"))

def test_rate_per_thousand_matches_areas_ignoring_case(con, ds):
    assert figures.rate_per_thousand(con, ds, Filters()) is None
    load_frame(con, pd.DataFrame({"Ward": ["NORTH", "South", "East"], "Residents": [2000, 4000, 500]}),
               dataset="calls_population", kind="lookup", roles={"Ward": "area", "Residents": "population"})
    rates = figures.rate_per_thousand(con, ds, Filters()).set_index("area")
    assert rates.loc["North", "rate_per_1000"] == pytest.approx(1.5)  # 3 per 2,000
    assert rates.loc["north ", "rate_per_1000"] == pytest.approx(0.5)  # 'north ' matches NORTH too
    assert rates.loc["East", "rate_per_1000"] == pytest.approx(4.0)
    assert rates.loc["South", "rate_per_1000"] == pytest.approx(0.75)
    assert rates.index[0] == "East"

def test_filter_options(con, ds):
    options = choices.filter_options(con, ds)
    assert options["service"] == ["Repairs", "Waste"]
    assert options["area"] == ["(blank)", "East", "North", "South", "north "]
    assert "customer_id" not in options

def test_total_and_drilldown(con, ds):
    f = Filters().narrowed("reason", ["Missed bin"])
    assert f.reasons == ("Missed bin",)
    assert figures.total_count(con, ds, f) == 4
    assert figures.total_count(con, ds, Filters(areas=("(blank)",))) == 1
    assert figures.total_count(con, ds, Filters(weekdays=(3,), hours=(9,))) == 2
