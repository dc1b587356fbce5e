"""SPC on real data: England's A&E 4-hour performance, April 2016 to March 2019 (NHS England, via NHSRdatasets).

The expected figures are worked out here by hand with numpy, independently of analysis.spc, and the winters that
NHS England's own commentary called the worst (2017/18, and January 2017 and 2019) must come out as special causes.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analysis import store
from analysis.charts import spc as charts
from analysis.load.ingest import load_frame
from analysis.kpis import series
from analysis.spc import reading, xmr
from tests.conftest import real_data_file


@pytest.fixture(scope="module")
def ae() -> pd.DataFrame:
    return pd.read_csv(real_data_file("nhs_ae_attendances_2016_2019.csv"), parse_dates=["period"])


@pytest.fixture(scope="module")
def england(ae) -> pd.DataFrame:
    monthly = ae.groupby("period")[["attendances", "breaches"]].sum().sort_index()
    monthly["within_4h"] = 1 - monthly["breaches"] / monthly["attendances"]
    return monthly.reset_index()


def test_england_four_hour_performance_is_a_consistent_fail_with_winter_special_causes(england):
    assert len(england) == 36
    y = england["within_4h"].to_numpy()
    # By hand: mean, moving ranges, screening of those >= 3.267 x their mean, limits at 2.66 x the screened mean.
    mean = y.mean()
    mr = np.abs(np.diff(y))
    kept = mr[mr < 3.267 * mr.mean()]
    lpl, upl = mean - 2.66 * kept.mean(), mean + 2.66 * kept.mean()
    assert upl < 0.95  # the whole process sits below the 95% standard
    below = england.loc[y < lpl, "period"].dt.strftime("%Y-%m").tolist()
    assert below == ["2017-01", "2017-12", "2018-01", "2018-02", "2018-03", "2019-01", "2019-02"]
    assert all(pd.Timestamp(m).month in (12, 1, 2, 3) for m in below)  # every one a winter month

    r = xmr.xmr(y, dates=england["period"], improvement="increase", target=0.95)
    assert r["mean"].iloc[0] == pytest.approx(mean)
    assert r["lpl"].iloc[0] == pytest.approx(lpl) and r["upl"].iloc[0] == pytest.approx(upl)
    above = england.loc[y > upl, "period"].dt.strftime("%Y-%m").tolist()
    assert above == ["2016-08"]  # the summer of 2016, the best month of the three years
    outside = r[r["special_cause"] == "outside_limits"]
    assert outside["date"].dt.strftime("%Y-%m").tolist() == sorted(below + above)
    winters = outside[outside["date"].dt.strftime("%Y-%m").isin(below)]
    assert set(winters["point_type"]) == {"special_cause_concern"}
    assert outside.loc[outside["date"] == "2016-08-01", "point_type"].iloc[0] == "special_cause_improvement"
    s = reading.summarise(r)
    assert s.assurance == "consistent_fail"
    assert s.variation == "common_cause"  # March 2019 (86.6%) is back inside the limits
    # Percentages as people read them: 88.5% average, limits 86.0% to 90.9%.
    assert f"{mean:.1%}" == "88.5%" and f"{lpl:.1%}" == "86.0%" and f"{upl:.1%}" == "90.9%"


def test_england_series_through_a_kpi_dataset(england, tmp_path):
    con = store.open_store(tmp_path / "ae.duckdb")
    frame = pd.DataFrame({"period": england["period"], "measure": "Seen within 4 hours (%)",
                          "value": england["within_4h"] * 100, "target": 95.0})
    load_frame(con, frame, dataset="ae_england", kind="kpi",
               roles={"period": "period", "measure": "measure", "value": "value", "target": "target"})
    m = series.summary_matrix(con, store.get_dataset(con, "ae_england"))
    assert len(m) == 1
    row = m.iloc[0]
    assert row["points"] == 36 and row["target"] == 95.0 and row["assurance"] == "consistent_fail"
    assert row["latest_value"] == pytest.approx(england["within_4h"].iloc[-1] * 100)
    con.close()


def test_per_provider_small_multiples_render(ae):
    type1 = ae[ae["type"].astype(str) == "1"]
    by_org = type1.groupby(["org_code", "period"])[["attendances", "breaches"]].sum().reset_index()
    by_org["value"] = 1 - by_org["breaches"] / by_org["attendances"]
    complete = by_org.groupby("org_code")["period"].count()
    orgs = sorted(complete[complete == 36].index)[:8]
    frame = by_org[by_org["org_code"].isin(orgs)].rename(columns={"org_code": "series"})
    frame = frame.assign(target=0.95, n=frame["attendances"])[["series", "period", "value", "target", "n"]]
    charts_frame = series.series_spc(frame, improvement="increase", target=0.95)
    assert set(charts_frame["series"]) == set(orgs) and len(charts_frame) == 8 * 36
    # Each provider has its own limits.
    assert charts_frame.groupby("series")["upl"].first().nunique() == 8
    spec = json.loads(charts.build_small_multiples(charts_frame, title="Seen within 4 hours by provider",
                                                   unit="share").to_json())
    assert spec["facet"]["field"] == "series"
    assert {r["series"] for r in spec["datasets"][spec["data"]["name"]]} == set(orgs)
