"""analysis.demand.scan: the page's one scan and a figure's own scan give the same frames, whatever the filters.

Both are ``scan.counts``: the page asks for every set (``scan.page_sets``), a single figure for its own, and some
figures are then summed from finer sets (the reasons from channel × service × reason, months from the periods). The
hand-checked answers are in ``test_demand_figures.py``; here every figure is compared both ways, with plain SQL as a
third opinion on the totals.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analysis import classification, store
from analysis.demand import figures, scan
from analysis.filters import Filters, build_where
from analysis.load.ingest import load_frame
from tests.demand_store import con, ds, records  # noqa: F401 (fixtures)


def _page(con, ds, filters, grain):
    return scan.counts(con, ds, filters, grain, scan.page_sets(ds, grain))


def _plain_count(con, ds, filters) -> int:
    where, params = build_where(filters, ds.roles)
    return int(store.query_rows(con, f"SELECT count(*) FROM {ds.table} {where}", params)[0][0])


@pytest.mark.parametrize("filters, grain, split", [
    (Filters(), "month", None),
    (Filters(services=("Waste",), start=date(2024, 2, 1)), "week", "channel"),
    (Filters(areas=("(blank)", "North")), "financial_year", "area"),
    (Filters(reasons=("Nothing like this",)), "day", None),
    # Volume split by service or reason, and months, are summed from the period x service x reason counts.
    (Filters(), "month", "service"),
    (Filters(start=date(2024, 1, 15)), "quarter", "reason"),
])
def test_the_pages_scan_gives_each_figure_as_its_own_scan_does(con, ds, filters, grain, split):
    frame = classification.classification_frame(con, ds)
    frame["demand_type"] = frame["reason"].map({"Chasing": "failure", "New repair": "value"}).fillna("unclassified")
    classification.save_classification(con, ds, frame)
    load_frame(con, pd.DataFrame({"Ward": ["NORTH", "South"], "Residents": [2000, 4000]}),
               dataset="calls_population", kind="lookup", roles={"Ward": "area", "Residents": "population"})
    page = _page(con, ds, filters, grain)
    span = figures.effective_span(con, ds, filters)
    assert figures.total_from(page) == figures.total_count(con, ds, filters) == _plain_count(con, ds, filters)
    volume = figures.volume_from(page, grain, split, 2, span) if not scan.split_set(split) else \
        figures.volume_from(scan.counts(con, ds, filters, grain, figures.volume_sets(split)), grain, split, 2, span)
    pd.testing.assert_frame_equal(volume, figures.volume_over_time(con, ds, filters, grain, split, top_n=2))
    single = figures.reason_pareto(con, ds, filters)
    pd.testing.assert_frame_equal(figures.pareto_from(page).frame, single.frame, check_dtype=False)
    assert figures.pareto_from(page).reasons_for_share == single.reasons_for_share
    classes = classification.classification_frame(con, ds)
    for by in (None, "service", "channel", "period"):
        pd.testing.assert_frame_equal(figures.failure_from(page, classes, by, grain, span, True),
                                      figures.failure_share(con, ds, filters, by=by, grain=grain), check_dtype=False)
    pd.testing.assert_frame_equal(figures.day_hour_frame(page.part("day_hour")),
                                  figures.day_hour_counts(con, ds, filters))
    pd.testing.assert_frame_equal(figures.month_year_from(page, span), figures.month_year_counts(con, ds, filters))
    population = store.get_dataset(con, "calls_population")
    pd.testing.assert_frame_equal(figures.rate_from(page, figures.population_by_area(con, population), span),
                                  figures.rate_per_thousand(con, ds, filters), check_dtype=False)


def test_a_scan_without_service_channel_or_area(tmp_path):
    con = store.open_store(tmp_path / "p.duckdb")
    load_frame(con, records()[["received", "reason"]], dataset="x", kind="records",
               roles={"received": "date", "reason": "reason"})
    ds = store.get_dataset(con, "x")
    frame = classification.classification_frame(con, ds)
    frame["demand_type"] = frame["reason"].map({"Missed bin": "failure"}).fillna("value")
    classification.save_classification(con, ds, frame)
    assert scan.page_sets(ds, "month") == ("period_reasons", "reasons", "day_hour")
    page = _page(con, ds, Filters(), "month")
    classes = classification.classification_frame(con, ds)
    overall = figures.failure_from(page, classes, None, "month", (None, None), False)
    assert overall[["failure", "value"]].values.tolist() == [[4, 6]]
    pd.testing.assert_frame_equal(figures.failure_from(page, classes, "period", "month",
                                                       figures.effective_span(con, ds, Filters()), False),
                                  figures.failure_share(con, ds, Filters(), by="period"), check_dtype=False)
    with pytest.raises(Exception, match="Area"):
        figures.rate_per_thousand(con, ds, Filters(), population=ds)


@pytest.mark.parametrize("split", [None, "service", "reason", "channel"])
def test_blank_services_reasons_and_channels_are_counted_as_groups_of_their_own(tmp_path, split):
    # Figures summed in pandas from finer counts must keep a blank service, reason or channel as a group of its own.
    frame = records()
    frame.loc[[0, 3], "service"] = None
    frame.loc[[1, 3, 8], "reason"] = None
    frame.loc[[2, 3], "channel"] = None
    con = store.open_store(tmp_path / "blanks.duckdb")
    load_frame(con, frame, dataset="blanks", kind="records",
               roles={"received": "date", "service": "service", "reason": "reason", "channel": "channel"})
    ds = store.get_dataset(con, "blanks")
    page = _page(con, ds, Filters(), "month")
    assert figures.total_from(page) == 10
    volume = figures.volume_over_time(con, ds, Filters(), "month", split)
    assert volume["count"].sum() == 10
    if split in ("service", "reason"):
        assert volume.loc[volume["split"] == "(blank)", "count"].sum() == {"service": 2, "reason": 3}[split]
    single = figures.reason_pareto(con, ds, Filters())
    pd.testing.assert_frame_equal(figures.pareto_from(page).frame, single.frame, check_dtype=False)
    assert single.frame.set_index("reason").loc["(blank)", "count"] == 3
    classes = classification.classification_frame(con, ds)
    for by in (None, "service", "channel", "period"):
        pd.testing.assert_frame_equal(figures.failure_from(page, classes, by, "month",
                                                           figures.effective_span(con, ds, Filters()), True),
                                      figures.failure_share(con, ds, Filters(), by=by), check_dtype=False)
    by_channel = figures.failure_share(con, ds, Filters(), by="channel").set_index("group")
    assert by_channel.loc["(blank)", "total"] == 2
