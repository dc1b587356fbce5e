"""analysis.kpis.compute on hand-checked cases: every records KPI, its periods, filters, splits and missing roles."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis import store
from analysis.errors import StocktakeError
from analysis.filters import Filters
from analysis.load.ingest import load_frame
from analysis.kpis import compute, definitions
from tests.kpi_store import DEC, FEB, JAN, MAR, ROLES, ROWS, con, value  # noqa: F401 (the con fixture)

def test_received_kpis_by_service_with_total(con):
    ds = store.get_dataset(con, "t")
    table = compute.record_kpi_table(con, ds, grain="month", split="service", within_days=5)
    assert sorted(table["period"].unique()) == [DEC, JAN, FEB, MAR]  # April (row 8's closing) is not complete
    assert value(table, "volume", "All", DEC) == 1
    # Volume: All 4, 2, 2; A 2, 2, 0 (a month with no records counts 0); B 2, 0, 2.
    assert [value(table, "volume", "All", p) for p in (JAN, FEB, MAR)] == [4, 2, 2]
    assert [value(table, "volume", "A", p) for p in (JAN, FEB, MAR)] == [2, 2, 0]
    assert [value(table, "volume", "B", p) for p in (JAN, FEB, MAR)] == [2, 0, 2]
    # Failure demand: Jan rows 1 (A chasing) and 4 (B chasing) of 4 classified.
    assert [value(table, "failure_demand_pct", "All", p) for p in (JAN, FEB, MAR)] == [0.5, 0.5, 0.0]
    assert math.isnan(value(table, "failure_demand_pct", "A", MAR))
    # Repeat: Jan row 2 of the 3 with a customer (row 4 has none); Feb row 5 of 2; Mar none of 2.
    assert value(table, "repeat_pct", "All", JAN) == pytest.approx(1 / 3)
    assert value(table, "repeat_pct", "All", FEB) == 0.5
    assert value(table, "repeat_pct", "All", MAR) == 0.0
    assert math.isnan(value(table, "repeat_pct", "All", DEC))  # warm-up: no history to repeat yet
    # Row 5 repeats c2's contact with service B: the previous contact may be for any service.
    assert value(table, "repeat_pct", "A", FEB) == 0.5
    # Cost per case ignores the missing cost of row 4; handling includes it.
    assert [value(table, "cost_per_case", "All", p) for p in (JAN, FEB, MAR)] == [20.0, 45.0, 65.0]
    n = table[(table["kpi"] == "cost_per_case") & (table["series"] == "All") & (table["period"] == JAN)]["n"]
    assert n.iloc[0] == 3
    assert value(table, "avg_handling_minutes", "All", JAN) == 12.5
    assert value(table, "avg_handling_minutes", "B", MAR) == 25.0

def test_closed_kpis_group_by_closing_month(con):
    ds = store.get_dataset(con, "t")
    table = compute.record_kpi_table(con, ds, ["median_days_to_close", "p90_days_to_close", "closed_within_days"],
                                  split="service", within_days=5)
    # Closed in Jan: 2 and 10 days. Feb: 30 (row 3), 1, 5. Mar: 10. (Row 8 closed in April: not a complete month.)
    assert value(table, "median_days_to_close", "All", JAN) == 6.0
    assert value(table, "p90_days_to_close", "All", JAN) == pytest.approx(9.2)
    assert value(table, "median_days_to_close", "All", FEB) == 5.0
    assert value(table, "p90_days_to_close", "All", FEB) == pytest.approx(25.0)
    assert value(table, "closed_within_days", "All", JAN) == 0.5
    assert value(table, "closed_within_days", "All", FEB) == pytest.approx(2 / 3)  # 5 days counts as within 5
    assert value(table, "median_days_to_close", "B", FEB) == 30.0
    assert math.isnan(value(table, "median_days_to_close", "B", JAN))
    # December is the warm-up month: row 0's 1 day is left out.
    assert math.isnan(value(table, "median_days_to_close", "All", DEC))
    # Pandas gives the same median and 90th percentile.
    frame = pd.DataFrame(ROWS, columns=list(ROLES)).dropna(subset=["closed"])
    frame["days"] = (frame["closed"] - frame["received"]) / pd.Timedelta(days=1)
    feb = frame[frame["closed"].dt.month == 2]["days"]
    assert feb.quantile(0.9) == pytest.approx(value(table, "p90_days_to_close", "All", FEB))

def test_filters_and_other_splits(con):
    ds = store.get_dataset(con, "t")
    by_area = compute.record_kpi_table(con, ds, ["volume"], split="area", filters=Filters(channels="Web"))
    # Web: rows 2 (W1, 10 Jan), 5 (W1 Feb), 7 (W1 Mar), 8 (W2 Mar). The periods are the whole dataset's complete ones.
    assert sorted(by_area["period"].unique()) == [DEC, JAN, FEB, MAR]
    assert [value(by_area, "volume", "W1", p) for p in (JAN, FEB, MAR)] == [1, 1, 1]
    assert [value(by_area, "volume", "W2", p) for p in (JAN, FEB, MAR)] == [0, 0, 1]
    assert [value(by_area, "volume", "All", p) for p in (JAN, FEB, MAR)] == [1, 1, 2]

def test_missing_roles_are_explained(con, tmp_path):
    ds = store.get_dataset(con, "t")
    options = {o.key: o for o in definitions.available_kpis(con, ds, within_days=5)}
    assert options["closed_within_days"].label == "Closed within 5 days"
    assert all(o.missing is None for o in options.values())
    bare = pd.DataFrame({"when": pd.to_datetime(["2024-01-01", "2024-02-01"]), "what": ["x", "y"]})
    load_frame(con, bare, dataset="bare", kind="records", roles={"when": "date", "what": "reason"})
    bare_ds = store.get_dataset(con, "bare")
    options = {o.key: o for o in definitions.available_kpis(con, bare_ds)}
    assert options["volume"].missing is None
    assert "Date closed" in options["median_days_to_close"].missing
    assert "classify" in options["failure_demand_pct"].missing
    with pytest.raises(StocktakeError, match="Customer id"):
        compute.record_kpi_table(con, bare_ds, ["repeat_pct"], split=None)
    with pytest.raises(StocktakeError, match="role 'Service', so KPIs cannot be split by it"):
        compute.record_kpi_table(con, bare_ds, ["volume"], split="service")
