"""Coverage: the span a dataset covers said in words, and figures that need a year scaled or declined (issue 8: a
five-day extract was presented as "January to December 2017")."""

from __future__ import annotations

from datetime import date

import pytest

from analysis import coverage, store
from analysis.coverage import Coverage
from analysis.demand import change
from analysis.load.ingest import load_frame
from analysis.overview import summarise_dataset
from analysis.savings import baseline
from tests.awkward_store import FIVE_DAYS_ROWS, five_day_frame


@pytest.mark.parametrize("days, words", [(0, "no days"), (1, "1 day"), (5, "5 days"), (59, "59 days"),
                                         (90, "3 months"), (365, "12 months"), (800, "2.2 years"),
                                         (3653, "10 years")])
def test_span_words(days, words):
    assert coverage.span_words(days) == words


@pytest.mark.parametrize("span, sentence", [
    (Coverage(date(2017, 12, 27), date(2017, 12, 31)), "Data from 27 December 2017 to 31 December 2017 (5 days)."),
    (Coverage(date(2009, 1, 1), date(2019, 1, 31)), "Data from 1 January 2009 to 31 January 2019 (10.1 years)."),
    (Coverage(date(2015, 4, 1), date(2022, 4, 1), "financial_year"), "Periods from 2015/16 to 2022/23 (8 years)."),
    (Coverage(date(2016, 4, 1), date(2019, 3, 1), "month"), "Periods from April 2016 to March 2019 (3 years)."),
    (Coverage(None, None), "This dataset has no usable dates, so figures over time cannot be worked out."),
])
def test_coverage_sentence(span, sentence):
    assert coverage.coverage_sentence(span) == sentence


@pytest.mark.parametrize("figure, days, can_scale, show, scale, note", [
    ("The annual saving", 365, True, True, 1.0, ""),
    ("The annual saving", 5, True, True, 73.0,
     "The annual saving is based on 5 days, scaled to a year: treat it as indicative."),
    ("The annual saving", 146, True, True, 2.5,
     "The annual saving is based on 5 months, scaled to a year: treat it as indicative."),
    ("Contacts in the last 12 complete months", 5, False, False, 1.0,
     "Contacts in the last 12 complete months needs 12 months of data; this dataset covers 5 days."),
    ("A year-on-year change", 200, False, False, 1.0,
     "A year-on-year change needs 12 months of data; this dataset covers 7 months."),
    ("The annual saving", 0, True, False, 1.0, "The annual saving needs 12 months of data, and this dataset has no dates."),
])
def test_year_figures_scale_or_decline(figure, days, can_scale, show, scale, note):
    result = coverage.year_figure(figure, days, can_scale=can_scale)
    assert (result.show, result.scale, result.note) == (show, pytest.approx(scale), note)


@pytest.fixture
def five_days(tmp_path):
    """The crafted five-day extract (27 to 31 December 2017, 100 contacts a day), as a typed dataset."""
    import pandas as pd

    frame = five_day_frame()
    frame["Created Date"] = pd.to_datetime(frame["Created Date"], format="%d/%m/%Y %H:%M")
    con = store.open_store(tmp_path / "five.duckdb")
    load_frame(con, frame[["Created Date", "Request Type", "Channel", "Council District"]], dataset="five_days",
               kind="records", roles={"Created Date": "date", "Request Type": "reason", "Channel": "channel",
                                      "Council District": "area"})
    yield con, store.get_dataset(con, "five_days")
    con.close()


def test_a_five_day_extract_on_every_figure_that_needs_a_year(five_days):
    con, ds = five_days
    span = coverage.dataset_coverage(con, ds)
    assert (span.first, span.last, span.days, span.covers_a_year) == (date(2017, 12, 27), date(2017, 12, 31), 5,
                                                                      False)
    # Overview: no "last 12 complete months" figure at all.
    summary = summarise_dataset(con, ds)
    assert summary.last_12_months is None and summary.months_label is None
    # Savings: the only period offered is 2017, and the five days are scaled to it, with the note to say so.
    (start, end), = baseline.available_periods(con, ds)
    base = baseline.baseline(con, ds, start, end)
    assert (base.covered_days, base.scale) == (5, pytest.approx(73.0))
    assert base.total_contacts == FIVE_DAYS_ROWS * 73
    assert base.coverage_note == "The baseline year is based on 5 days, scaled to a year: treat it as indicative."
    # Demand: the default comparison periods never overlap (issue 8 saw 27/12-27/12 against 27/12-31/12) and
    # cover every day (issue 18 saw the first day left out).
    (a_start, a_end), (b_start, b_end) = change.default_periods(span.first, span.last)
    assert ((a_start, a_end), (b_start, b_end)) == ((date(2017, 12, 27), date(2017, 12, 28)),
                                                    (date(2017, 12, 29), date(2017, 12, 31)))


def test_a_full_year_is_not_scaled(tmp_path):
    import pandas as pd

    con = store.open_store(tmp_path / "year.duckdb")
    days = pd.date_range("2023-01-01", "2023-12-31", freq="D")
    load_frame(con, pd.DataFrame({"received": days, "channel": "Phone"}), dataset="year", kind="records",
               roles={"received": "date", "channel": "channel"})
    (start, end), = baseline.available_periods(con, "year")
    base = baseline.baseline(con, "year", start, end)
    assert (base.total_contacts, base.scale, base.coverage_note) == (365, 1.0, "")
    con.close()
