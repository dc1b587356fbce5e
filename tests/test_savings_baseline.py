"""analysis.savings.baseline: one aggregate query over a 12-month period of a small store."""

from __future__ import annotations

from datetime import date

import pytest

from analysis import store
from analysis.errors import StocktakeError
from analysis.savings import baseline, costs
from tests.savings_store import small_store  # noqa: F401 (the small_store fixture)


def test_baseline_counts_failure_and_minutes_in_the_period(small_store):
    con, _ = small_store
    assert baseline.latest_full_year(con, "calls") == (date(2024, 1, 1), date(2025, 1, 1))
    base = baseline.baseline(con, "calls", date(2024, 1, 1), date(2025, 1, 1))
    cells = base.cells.set_index(["service", "channel"])
    assert base.total_contacts == 12
    assert cells.loc[("A", "Phone"), "contacts"] == 6
    assert cells.loc[("A", "Phone"), "failure_contacts"] == 4
    assert cells.loc[("A", "Phone"), "minutes_sum"] == pytest.approx(42.0)
    assert cells.loc[("A", "Web"), "minutes_n"] == 0
    assert cells.loc[("B", "Phone"), "failure_contacts"] == 1
    assert cells.loc[("B", "Email"), "contacts"] == 1
    assert base.failure_reasons == ["Chasing"]
    assert base.has_minutes and base.has_classification
    by_channel = base.by_channel().set_index("channel")
    assert by_channel.loc["Phone", "avg_minutes"] == pytest.approx((42 + 24) / 9)
    assert list(costs.unit_cost_lookups(con)) == ["calls_costs"]


def test_baseline_names_the_missing_role(small_store):
    con, _ = small_store
    store.set_roles(con, "calls", {"channel": None})
    with pytest.raises(StocktakeError, match="role 'Channel'"):
        baseline.baseline(con, "calls", date(2024, 1, 1), date(2025, 1, 1))
