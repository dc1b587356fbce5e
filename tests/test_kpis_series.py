"""analysis.kpis.series: one KPI's series for a chart, KPI-series datasets and the summary matrix."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import store
from analysis.filters import Filters
from analysis.load.ingest import load_frame
from analysis.kpis import definitions, series
from tests.kpi_store import con  # noqa: F401 (the con fixture)

def test_one_series_for_a_chart(con):
    ds = store.get_dataset(con, "t")
    s = series.kpi_series(con, ds, "volume", filters=Filters(services="A"))
    assert list(s.columns) == ["series", "period", "value", "target", "n"]
    assert list(s["value"]) == [1.0, 2.0, 2.0, 0.0]
    assert s["target"].isna().all()

def test_summary_matrix_every_kpi_and_service(con):
    ds = store.get_dataset(con, "t")
    m = series.summary_matrix(con, ds, within_days=5, targets={("cost_per_case", ""): 30.0},
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
    assert definitions.kpi_measures(c, ds) == ["Satisfied (%)"]
    assert definitions.kpi_unit("Satisfied (%)") == "percent_points"
    s = series.kpi_series(c, ds, "Satisfied (%)", filters=Filters(services="Housing"))
    assert list(s["value"]) == [70.0, 72.0, 71.0, 90.0] and list(s["target"]) == [80.0] * 4
    m = series.summary_matrix(c, ds)
    assert set(m["series"]) == {"Housing", "Waste"}
    waste = m[m["series"] == "Waste"].iloc[0]
    # 50, 52, 51, 53: mean 51.5, moving ranges 2, 1, 2 -> upl 51.5 + 2.66 x 5/3 = 55.93 < 80: consistent fail.
    assert waste["upl"] == pytest.approx(51.5 + 2.66 * 5 / 3)
    assert waste["target"] == 80.0 and waste["assurance"] == "consistent_fail"
    # A target entered on the page overrides the dataset's.
    m2 = series.summary_matrix(c, ds, targets={("Satisfied (%)", "Waste"): 40.0})
    assert m2[m2["series"] == "Waste"]["assurance"].iloc[0] == "consistent_pass"
    c.close()
