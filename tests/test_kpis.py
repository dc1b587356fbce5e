"""analysis.kpis on small hand-checked frames: every records KPI, KPI-series measures, settings, peer comparison."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis import kpis, store
from analysis.errors import StocktakeError
from analysis.filters import Filters
from analysis.ingest import load_frame

T = pd.Timestamp
NaT = pd.NaT

# id, received, closed, service, reason, channel, ward, cost, handling, customer
ROWS = [
    # Starts the data on 1 December, so December is the warm-up month of the closing-time KPIs and repeat %.
    (0, T("2023-12-01"), T("2023-12-02"), "A", "New request", "Phone", "W1", np.nan, np.nan, "c9"),
    (1, T("2024-01-01 09:00"), T("2024-01-03 09:00"), "A", "Chasing", "Phone", "W1", 10.0, 5.0, "c1"),
    (2, T("2024-01-10"), T("2024-01-20"), "A", "New request", "Web", "W1", 20.0, 10.0, "c1"),  # c1 9 days before
    (3, T("2024-01-15"), T("2024-02-14"), "B", "New request", "Phone", "W2", 30.0, 15.0, "c2"),
    (4, T("2024-01-31 23:00"), NaT, "B", "Chasing", "Phone", "W2", np.nan, 20.0, None),
    (5, T("2024-02-05"), T("2024-02-06"), "A", "Chasing", "Web", "W1", 40.0, 5.0, "c2"),  # c2 21 days before
    (6, T("2024-02-20"), T("2024-02-25"), "A", "New request", "Phone", "W2", 50.0, 10.0, "c3"),
    (7, T("2024-03-01"), T("2024-03-11"), "B", "New request", "Web", "W1", 60.0, 20.0, "c1"),  # c1 51 days: no
    (8, T("2024-03-31 12:00"), T("2024-04-02"), "B", "New request", "Web", "W2", 70.0, 30.0, "c3"),  # 40 days: no
]
ROLES = {"id": "record_id", "received": "date", "closed": "closed_date", "service": "service", "reason": "reason",
         "channel": "channel", "ward": "area", "cost": "cost", "handling": "handling_minutes", "customer": "customer_id"}
DEC, JAN, FEB, MAR = T("2023-12-01"), T("2024-01-01"), T("2024-02-01"), T("2024-03-01")


@pytest.fixture
def con(tmp_path):
    c = store.open_store(tmp_path / "t.duckdb")
    frame = pd.DataFrame(ROWS, columns=list(ROLES))
    load_frame(c, frame, dataset="t", kind="records", roles=ROLES)
    lookup = pd.DataFrame({"service": ["A", "A", "B", "B"], "reason": ["Chasing", "New request"] * 2,
                           "demand_type": ["failure", "value", "failure", "value"]})
    load_frame(c, lookup, dataset="t_classification", kind="lookup",
               roles={"service": "service", "reason": "reason", "demand_type": "demand_type"})
    yield c
    c.close()


def value(table, kpi, series, period):
    row = table[(table["kpi"] == kpi) & (table["series"] == series) & (table["period"] == period)]
    assert len(row) == 1, (kpi, series, period)
    return row["value"].iloc[0]


def test_received_kpis_by_service_with_total(con):
    ds = store.get_dataset(con, "t")
    table = kpis.record_kpi_table(con, ds, grain="month", split="service", within_days=5)
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
    table = kpis.record_kpi_table(con, ds, ["median_days_to_close", "p90_days_to_close", "closed_within_days"],
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
    by_area = kpis.record_kpi_table(con, ds, ["volume"], split="area", filters=Filters(channels="Web"))
    # Web: rows 2 (W1, 10 Jan), 5 (W1 Feb), 7 (W1 Mar), 8 (W2 Mar). The periods are the whole dataset's complete ones.
    assert sorted(by_area["period"].unique()) == [DEC, JAN, FEB, MAR]
    assert [value(by_area, "volume", "W1", p) for p in (JAN, FEB, MAR)] == [1, 1, 1]
    assert [value(by_area, "volume", "W2", p) for p in (JAN, FEB, MAR)] == [0, 0, 1]
    assert [value(by_area, "volume", "All", p) for p in (JAN, FEB, MAR)] == [1, 1, 2]


def test_one_series_for_a_chart(con):
    ds = store.get_dataset(con, "t")
    s = kpis.kpi_series(con, ds, "volume", filters=Filters(services="A"))
    assert list(s.columns) == ["series", "period", "value", "target", "n"]
    assert list(s["value"]) == [1.0, 2.0, 2.0, 0.0]
    assert s["target"].isna().all()


def test_missing_roles_are_explained(con, tmp_path):
    ds = store.get_dataset(con, "t")
    options = {o.key: o for o in kpis.available_kpis(con, ds, within_days=5)}
    assert options["closed_within_days"].label == "Closed within 5 days"
    assert all(o.missing is None for o in options.values())
    bare = pd.DataFrame({"when": pd.to_datetime(["2024-01-01", "2024-02-01"]), "what": ["x", "y"]})
    load_frame(con, bare, dataset="bare", kind="records", roles={"when": "date", "what": "reason"})
    bare_ds = store.get_dataset(con, "bare")
    options = {o.key: o for o in kpis.available_kpis(con, bare_ds)}
    assert options["volume"].missing is None
    assert "Date closed" in options["median_days_to_close"].missing
    assert "classify" in options["failure_demand_pct"].missing
    with pytest.raises(StocktakeError, match="Customer id"):
        kpis.record_kpi_table(con, bare_ds, ["repeat_pct"], split=None)
    with pytest.raises(StocktakeError, match="role 'Service', so KPIs cannot be split by it"):
        kpis.record_kpi_table(con, bare_ds, ["volume"], split="service")


def test_summary_matrix_every_kpi_and_service(con):
    ds = store.get_dataset(con, "t")
    m = kpis.summary_matrix(con, ds, within_days=5, targets={("cost_per_case", ""): 30.0},
                            directions={"volume": "increase"})
    assert len(m) == 8 * 3  # 8 KPIs x (All, A, B)
    assert set(m["series"]) == {"All", "A", "B"}
    row = m[(m["kpi"] == "cost_per_case") & (m["series"] == "All")].iloc[0]
    # 20, 45, 65: mean 43.33, moving ranges 25 and 20 -> limits 43.33 +/- 2.66 x 22.5; 30 is inside them.
    assert row["latest_value"] == 65.0 and row["target"] == 30.0
    assert row["mean"] == pytest.approx(130 / 3)
    assert row["upl"] == pytest.approx(130 / 3 + 2.66 * 22.5)
    assert row["assurance"] == "inconsistent" and row["variation"] == "common_cause"
    assert row["improvement"] == "decrease" and row["short_segment"]
    assert m[m["kpi"] == "volume"]["improvement"].eq("increase").all()
    assert m[m["kpi"] == "median_days_to_close"]["assurance"].isna().all()  # no target


def test_kpi_series_dataset(tmp_path):
    c = store.open_store(tmp_path / "k.duckdb")
    periods = pd.date_range("2023-01-01", periods=4, freq="MS")
    frame = pd.DataFrame({
        "period": list(periods) * 2,
        "service": ["Housing"] * 4 + ["Waste"] * 4,
        "measure": ["Satisfied (%)"] * 8,
        "value": [70.0, 72.0, 71.0, 90.0, 50.0, 52.0, 51.0, 53.0],
        "target": [80.0] * 8,
    })
    load_frame(c, frame, dataset="k", kind="kpi",
               roles={"period": "period", "service": "service", "measure": "measure", "value": "value",
                      "target": "target"})
    ds = store.get_dataset(c, "k")
    assert kpis.kpi_measures(c, ds) == ["Satisfied (%)"]
    assert kpis.kpi_unit("Satisfied (%)") == "percent_points"
    s = kpis.kpi_series(c, ds, "Satisfied (%)", filters=Filters(services="Housing"))
    assert list(s["value"]) == [70.0, 72.0, 71.0, 90.0] and list(s["target"]) == [80.0] * 4
    m = kpis.summary_matrix(c, ds)
    assert set(m["series"]) == {"Housing", "Waste"}
    waste = m[m["series"] == "Waste"].iloc[0]
    # 50, 52, 51, 53: mean 51.5, moving ranges 2, 1, 2 -> upl 51.5 + 2.66 x 5/3 = 55.93 < 80: consistent fail.
    assert waste["upl"] == pytest.approx(51.5 + 2.66 * 5 / 3)
    assert waste["target"] == 80.0 and waste["assurance"] == "consistent_fail"
    # A target entered on the page overrides the dataset's.
    m2 = kpis.summary_matrix(c, ds, targets={("Satisfied (%)", "Waste"): 40.0})
    assert m2[m2["series"] == "Waste"]["assurance"].iloc[0] == "consistent_pass"
    c.close()


def test_settings_are_stored(con):
    assert kpis.kpi_settings(con, "t") == ({}, {})
    kpis.set_improvement(con, "t", "volume", "decrease")
    kpis.set_target(con, "t", "cost_per_case", None, 30)
    kpis.set_target(con, "t", "cost_per_case", "A", 25)
    kpis.set_improvement(con, "t", "volume", "increase")
    directions, targets = kpis.kpi_settings(con, "t")
    assert directions == {"volume": "increase"}
    assert targets == {("cost_per_case", ""): 30.0, ("cost_per_case", "A"): 25.0}
    assert kpis.target_for(targets, "cost_per_case", "A") == 25.0
    assert kpis.target_for(targets, "cost_per_case", "B") == 30.0
    kpis.set_target(con, "t", "cost_per_case", "A", None)
    assert kpis.kpi_settings(con, "t")[1] == {("cost_per_case", ""): 30.0}
    with pytest.raises(StocktakeError, match="improvement direction"):
        kpis.set_improvement(con, "t", "volume", "up")


def test_trajectory_is_stored_and_interpolated(con):
    assert kpis.get_trajectory(con, "t", "volume", "A") is None
    kpis.set_trajectory(con, "t", "volume", None, "2024-01-01", 10.0, "2024-03-01", 30.0)
    traj = kpis.get_trajectory(con, "t", "volume", "A")  # falls back to the one for every series
    assert traj["start_value"] == 10.0 and traj["series"] == ""
    values = kpis.trajectory_values(traj, [T("2023-12-01"), JAN, FEB, MAR, T("2024-04-01")])
    # 31 of the 60 days from 1 Jan to 1 Mar have passed on 1 Feb.
    assert math.isnan(values.iloc[0]) and values.iloc[1] == 10.0 and values.iloc[3] == 30.0
    assert values.iloc[2] == pytest.approx(10 + 20 * 31 / 60)
    assert math.isnan(values.iloc[4])
    with pytest.raises(StocktakeError, match="before its end"):
        kpis.set_trajectory(con, "t", "volume", None, "2024-03-01", 1, "2024-01-01", 2)
    kpis.clear_trajectory(con, "t", "volume", None)
    assert kpis.get_trajectory(con, "t", "volume", "A") is None


def test_peer_comparison(tmp_path):
    c = store.open_store(tmp_path / "b.duckdb")
    areas = ["Own", "P1", "P2", "P3", "P4"]
    frame = pd.DataFrame({
        "period": [T("2024-01-01")] * 5 + [T("2024-02-01")] * 5,
        "area": areas * 2,
        "measure": ["Days to close"] * 10,
        "value": [10.0, 8.0, 12.0, 14.0, 6.0,   # Jan: lower is better; Own 10 ranks 3rd of 5
                  5.0, 8.0, 12.0, 14.0, 6.0],   # Feb: Own 5 is best
    })
    load_frame(c, frame, dataset="bench", kind="kpi",
               roles={"period": "period", "area": "area", "measure": "measure", "value": "value"})
    assert [d.name for d in kpis.benchmark_datasets(c)] == ["bench"]
    ds = store.get_dataset(c, "bench")
    p = kpis.peer_comparison(c, ds, "Days to close", "Own", improvement="decrease")
    jan, feb = p.iloc[0], p.iloc[1]
    assert jan["comparators"] == 4 and jan["comparator_median"] == 10.0  # median of 8, 12, 14, 6
    assert jan["rank"] == 3 and jan["of"] == 5 and jan["quartile"] == 3  # ceil(4 x 3 / 5)
    assert jan["distance_from_median"] == 0.0 and jan["better_than_median"] is None
    assert jan["comparator_q1"] == pytest.approx(7.5) and jan["comparator_q3"] == pytest.approx(12.5)
    assert feb["rank"] == 1 and feb["quartile"] == 1 and feb["distance_from_median"] == -5.0
    assert feb["better_than_median"] is True
    higher = kpis.peer_comparison(c, ds, "Days to close", "Own", improvement="increase")
    assert higher.iloc[1]["rank"] == 5 and higher.iloc[1]["quartile"] == 4
    with pytest.raises(StocktakeError, match="not an area"):
        kpis.peer_comparison(c, ds, "Days to close", "Nowhere")
    assert "league table" in kpis.PEER_CAUTION
    c.close()


def test_format_kpi_value():
    assert kpis.format_kpi_value(12345.0, "count") == "12,345"
    assert kpis.format_kpi_value(0.412, "share") == "41.2%"
    assert kpis.format_kpi_value(4.26, "days") == "4.3 days"
    assert kpis.format_kpi_value(1234.0, "money") == "£1,234"
    assert kpis.format_kpi_value(2.834, "money") == "£2.83"
    assert kpis.format_kpi_value(87.0, "percent_points") == "87.0%"
    assert kpis.format_kpi_value(float("nan"), "count") == "–"


def test_stored_cube_matches_the_live_queries_and_goes_stale_with_the_data(con):
    ds = store.get_dataset(con, "t")
    cube = kpis.kpi_cube(con, ds, within_days=5)
    assert set(cube["split"]) == {"", "service", "area", "channel", "service_area"}
    live = kpis.record_kpi_table(con, ds, split="area", within_days=5, include_total=False)
    from_cube = cube[cube["split"] == "area"].drop(columns=["split"])
    merged = live.merge(from_cube, on=["kpi", "series", "period"], suffixes=("_live", "_cube"))
    assert len(merged) == len(live) == len(from_cube)
    assert np.allclose(merged["value_live"], merged["value_cube"], equal_nan=True)
    # Read back from the store the second time, same figures.
    again = kpis.kpi_cube(con, ds, within_days=5)
    assert len(again) == len(cube)
    stored = store.query_rows(con, f"SELECT count(*) FROM {kpis.CUBE_TABLE}")[0][0]
    assert stored == len(cube) + 1  # and the marker row
    # The matrix from the cube equals the matrix from live queries.
    a = kpis.summary_matrix(con, ds, within_days=5)
    b = kpis.summary_matrix(con, ds, within_days=5, use_cube=False)
    pd.testing.assert_frame_equal(a.sort_values(["kpi", "series"]).reset_index(drop=True),
                                  b.sort_values(["kpi", "series"]).reset_index(drop=True))
    # One service's chart comes from the cube; a service + channel one from a live query; both right.
    assert list(kpis.kpi_series(con, ds, "volume", filters=Filters(services="A"))["value"]) == \
        [1.0, 2.0, 2.0, 0.0]
    both = kpis.kpi_series(con, ds, "volume", filters=Filters(services="A", channels="Web"))
    assert list(both["value"]) == [0.0, 1.0, 1.0, 0.0]
    # One service's areas (small multiples) come from the cube's service x area pairs, as a live query gives them.
    cubed = kpis.kpi_series(con, ds, "repeat_pct", split="area", filters=Filters(services="A"))
    live = kpis.kpi_series(con, ds, "repeat_pct", split="area", filters=Filters(services="A"), use_cube=False)
    pd.testing.assert_frame_equal(cubed.sort_values(["series", "period"]).reset_index(drop=True),
                                  live.sort_values(["series", "period"]).reset_index(drop=True), check_dtype=False)
    assert set(cubed["series"]) == {"W1", "W2"}
    per_service = kpis.kpi_series(con, ds, "volume", split="service", filters=Filters(areas="W2"))
    assert list(per_service[per_service["series"] == "B"]["value"]) == [0.0, 2.0, 0.0, 1.0]  # rows 3, 4, 8
    # Reloading the data bumps its version: the stored cube is rebuilt from the new rows.
    frame = pd.DataFrame(ROWS, columns=list(ROLES))
    frame.loc[frame["id"] == 6, "service"] = "B"
    load_frame(con, frame, dataset="t", kind="records", roles=ROLES)
    ds2 = store.get_dataset(con, "t")
    assert list(kpis.kpi_series(con, ds2, "volume", filters=Filters(services="A"))["value"]) == \
        [1.0, 2.0, 1.0, 0.0]
    versions = store.query_rows(con, f"SELECT DISTINCT source FROM {kpis.CUBE_TABLE}")
    assert len(versions) == 1
