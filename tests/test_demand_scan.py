"""analysis.demand.scan: the one-scan page figures equal the single-figure functions, whatever the filters."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analysis import classification, store
from analysis.demand import figures, scan
from analysis.filters import Filters
from analysis.ingest import load_frame
from tests.demand_store import con, ds, records  # noqa: F401 (fixtures)


@pytest.mark.parametrize("filters, grain, split", [
    (Filters(), "month", None),
    (Filters(services=("Waste",), start=date(2024, 2, 1)), "week", "channel"),
    (Filters(areas=("(blank)", "North")), "financial_year", "area"),
    (Filters(reasons=("Nothing like this",)), "day", None),
    # Volume split by service or reason, and months, are summed from the period x service x reason counts.
    (Filters(), "month", "service"),
    (Filters(start=date(2024, 1, 15)), "quarter", "reason"),
])
def test_page_figures_equal_the_single_figure_functions(con, ds, filters, grain, split):
    frame = classification.classification_frame(con, ds)
    frame["demand_type"] = frame["reason"].map({"Chasing": "failure", "New repair": "value"}).fillna("unclassified")
    classification.save_classification(con, ds, frame)
    load_frame(con, pd.DataFrame({"Ward": ["NORTH", "South"], "Residents": [2000, 4000]}),
               dataset="calls_population", kind="lookup", roles={"Ward": "area", "Residents": "population"})
    figs = scan.page_figures(con, ds, filters, grain, split, top_n=2)
    assert figs.total == figures.total_count(con, ds, filters)
    pd.testing.assert_frame_equal(figs.volume, figures.volume_over_time(con, ds, filters, grain, split, top_n=2))
    single = figures.reason_pareto(con, ds, filters)
    pd.testing.assert_frame_equal(figs.pareto.frame, single.frame, check_dtype=False)
    assert figs.pareto.reasons_for_share == single.reasons_for_share
    for by in (None, "service", "channel", "period"):
        pd.testing.assert_frame_equal(figs.failure[by], figures.failure_share(con, ds, filters, by=by, grain=grain),
                                      check_dtype=False)
    pd.testing.assert_frame_equal(figs.day_hour, figures.day_hour_counts(con, ds, filters))
    pd.testing.assert_frame_equal(figs.month_year, figures.month_year_counts(con, ds, filters))
    pd.testing.assert_frame_equal(figs.rate, figures.rate_per_thousand(con, ds, filters), check_dtype=False)

def test_page_figures_without_service_channel_area(tmp_path):
    con = store.open_store(tmp_path / "p.duckdb")
    load_frame(con, records()[["received", "reason"]], dataset="x", kind="records",
               roles={"received": "date", "reason": "reason"})
    ds = store.get_dataset(con, "x")
    frame = classification.classification_frame(con, ds)
    frame["demand_type"] = frame["reason"].map({"Missed bin": "failure"}).fillna("value")
    classification.save_classification(con, ds, frame)
    figs = scan.page_figures(con, ds, Filters())
    assert set(figs.failure) == {None, "period"}
    assert figs.failure[None][["failure", "value"]].values.tolist() == [[4, 6]]
    pd.testing.assert_frame_equal(figs.failure["period"], figures.failure_share(con, ds, Filters(), by="period"),
                                  check_dtype=False)
    assert figs.rate is None


@pytest.mark.parametrize("split", [None, "service", "reason", "channel"])
def test_blank_services_reasons_and_channels_are_counted_like_the_single_figures(tmp_path, split):
    # Figures summed in pandas from finer counts must keep a blank service, reason or channel as a group of its own.
    frame = records()
    frame.loc[[0, 3], "service"] = None
    frame.loc[[1, 3, 8], "reason"] = None
    frame.loc[[2, 3], "channel"] = None
    con = store.open_store(tmp_path / "blanks.duckdb")
    load_frame(con, frame, dataset="blanks", kind="records",
               roles={"received": "date", "service": "service", "reason": "reason", "channel": "channel"})
    ds = store.get_dataset(con, "blanks")
    figs = scan.page_figures(con, ds, Filters(), "month", split)
    assert figs.total == 10
    pd.testing.assert_frame_equal(figs.volume, figures.volume_over_time(con, ds, Filters(), "month", split))
    single = figures.reason_pareto(con, ds, Filters())
    pd.testing.assert_frame_equal(figs.pareto.frame, single.frame, check_dtype=False)
    assert single.frame.set_index("reason").loc["(blank)", "count"] == 3
    for by in (None, "service", "channel", "period"):
        pd.testing.assert_frame_equal(figs.failure[by], figures.failure_share(con, ds, Filters(), by=by),
                                      check_dtype=False)
    pd.testing.assert_frame_equal(figs.month_year, figures.month_year_counts(con, ds, Filters()))
