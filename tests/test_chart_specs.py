"""ui.chart_specs: a chart made once into a Vega-Lite dict with Arrow datasets, drawn the same as the Altair chart."""

from __future__ import annotations

import pandas as pd

from analysis.charts import demand as charts
from analysis.demand import figures
from analysis.filters import Filters
from tests.demand_store import con, ds  # noqa: F401 (fixtures)
from ui.chart_specs import inline_spec, vega_spec


def test_the_spec_carries_the_charts_data_as_arrow_and_gives_it_back_as_rows(con, ds):
    volume = figures.volume_over_time(con, ds, Filters(), "month", split="channel")
    chart = charts.build_volume_chart(volume, "Month", "Channel")
    validated = chart.to_dict()
    spec = vega_spec(chart)
    assert set(spec) == set(validated)
    assert spec["layer"] == validated["layer"]
    assert all(isinstance(rows, bytes) for rows in spec["datasets"].values())
    assert inline_spec(spec)["datasets"] == validated["datasets"]
    bars = next(pd.DataFrame(r) for r in inline_spec(spec)["datasets"].values() if "split" in r[0])
    assert bars.loc[bars["label"] == "Mar 2024", "count"].sum() == 4


def test_a_spec_without_arrow_data_is_given_back_as_it_is():
    spec = {"mark": "bar", "datasets": {"d": [{"x": 1}]}}
    assert inline_spec(spec) is spec
