"""analysis.demand.change: what changed between two periods, in contributions that add up exactly."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from analysis.demand import change
from analysis.filters import Filters
from tests.demand_store import con, ds  # noqa: F401 (fixtures)


def test_change_contributions_add_up_exactly(con, ds):
    result = change.change_between(con, ds, Filters(), before=(date(2024, 1, 1), date(2024, 1, 31)),
                                   after=(date(2024, 3, 1), date(2024, 3, 31)), by="reason")
    assert (result.before_total, result.after_total, result.total_change) == (2, 4, 2)
    table = result.contributions.set_index("category")
    assert table.loc["Missed bin", ["before", "after", "change"]].tolist() == [0, 2, 2]
    assert table.loc["Chasing", "change"] == -1
    assert int(result.contributions["change"].sum()) == result.total_change
    assert result.contributions["category"].iloc[0] == "Missed bin"  # largest change first
    water = change.waterfall_frame(result, top_n=2, before_label="Jan", after_label="Mar")
    assert water["step"].tolist() == ["Jan", "Missed bin", "Chasing", "All other", "Mar"]
    assert water["end"].tolist() == [2, 4, 3, 4, 4]
    assert water.iloc[-2]["end"] == result.after_total

def test_decompose_change_exact_with_many_categories():

    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"category": [f"r{i}" for i in range(300)],
                          "before": rng.integers(0, 10_000, 300), "after": rng.integers(0, 10_000, 300)})
    result = change.decompose_change(frame)
    assert int(result.contributions["change"].sum()) == result.after_total - result.before_total
    assert result.contributions["share_of_change"].sum() == pytest.approx(1.0)


@pytest.mark.parametrize(
    "first, last, before, after",
    [
        # Three and a half years: the last 12 complete months against the 12 before.
        (date(2022, 4, 1), date(2025, 11, 14), (date(2023, 11, 1), date(2024, 10, 31)),
         (date(2024, 11, 1), date(2025, 10, 31))),
        # Five days (issue 8 found 27/12-27/12 against 27/12-31/12; issue 18 found the first day left out): every
        # day in one period or the other, no overlap: two days against three.
        (date(2017, 12, 27), date(2017, 12, 31), (date(2017, 12, 27), date(2017, 12, 28)),
         (date(2017, 12, 29), date(2017, 12, 31))),
        (date(2017, 12, 27), date(2017, 12, 30), (date(2017, 12, 27), date(2017, 12, 28)),
         (date(2017, 12, 29), date(2017, 12, 30))),
        # Eighteen whole months: nine against nine, every day covered.
        (date(2024, 1, 1), date(2025, 6, 30), (date(2024, 1, 1), date(2024, 9, 30)),
         (date(2024, 10, 1), date(2025, 6, 30))),
        (date(2024, 1, 1), date(2024, 1, 1), (date(2024, 1, 1), date(2024, 1, 1)), (date(2024, 1, 1), date(2024, 1, 1))),
    ],
)
def test_default_periods_never_overlap_and_cover_every_day(first, last, before, after):
    got_before, got_after = change.default_periods(first, last)
    assert (got_before, got_after) == (before, after)
    if first < last:
        assert got_before[1] < got_after[0]
        if (last - first).days < 700:
            # Every day of the data in one period or the other; lengths differ by a day at most (or a month's).
            assert got_before[0] == first and got_after[1] == last
            assert (got_after[0] - got_before[1]).days == 1
            assert abs(change.period_days(got_before) - change.period_days(got_after)) <= 31


@pytest.mark.parametrize("before,flagged", [(13, True), (29, True), (30, False), (500, False)])
def test_a_change_from_fewer_than_30_records_is_too_few_to_compare(before, flagged):
    result = change.decompose_change(pd.DataFrame({"category": ["a"], "before": [before], "after": [before * 100]}))
    assert result.too_few_to_compare is flagged
    assert result.relative_change == pytest.approx(99.0)
