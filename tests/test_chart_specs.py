"""ui.chart_specs: a chart made once into a Vega-Lite dict with Arrow datasets, drawn the same as the Altair chart."""

from __future__ import annotations

import altair as alt
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
    assert len(spec["layer"]) == len(validated["layer"]) == 2
    assert all(isinstance(rows, bytes) for rows in spec["datasets"].values())
    # The same rows as Altair's own (under other names: a digest of the Arrow bytes, not of Altair's JSON).
    assert sorted(map(str, inline_spec(spec)["datasets"].values())) == sorted(map(str, validated["datasets"].values()))
    bars = next(pd.DataFrame(r) for r in inline_spec(spec)["datasets"].values() if "split" in r[0])
    assert bars.loc[bars["label"] == "Mar 2024", "count"].sum() == 4


def test_a_frame_goes_to_arrow_as_altair_would_write_it():
    frame = pd.DataFrame({"period": pd.to_datetime(["2024-01-01", None, "2024-03-01 10:30"], format="ISO8601"),
                          "value": [1.5, float("nan"), float("inf")], "group": pd.Categorical(["a", None, "b"]),
                          "count": [1, 2, 3]}, index=[7, 8, 9])
    chart = alt.Chart(frame).mark_point().encode(x="period:T", y="value:Q", color="group:N")
    spec = vega_spec(chart)
    (rows,) = inline_spec(spec)["datasets"].values()
    assert rows == [{"period": "2024-01-01T00:00:00", "value": 1.5, "group": "a", "count": 1},
                    {"period": "", "value": None, "group": None, "count": 2},
                    {"period": "2024-03-01T10:30:00", "value": None, "group": "b", "count": 3}]
    assert rows == next(iter(chart.to_dict()["datasets"].values()))


def test_charts_made_outside_vega_spec_keep_altairs_rows_and_no_row_limit():
    frame = pd.DataFrame({"x": range(6000)})
    spec = alt.Chart(frame).mark_tick().encode(x="x:Q").to_dict(validate=False)
    (rows,) = spec["datasets"].values()
    assert isinstance(rows, list) and len(rows) == 6000


def test_a_spec_without_arrow_data_is_given_back_as_it_is():
    spec = {"mark": "bar", "datasets": {"d": [{"x": 1}]}}
    assert inline_spec(spec) is spec


def test_a_spec_made_as_a_dict_with_rows_is_kept_with_its_rows_as_arrow():
    from analysis.charts import savings
    from ui.chart_specs import chart_spec

    waterfall = pd.DataFrame({"label": ["Baseline cost", "Failure demand removed", "Scenario cost"],
                              "start": [0.0, 100_000.0, 0.0], "end": [100_000.0, 80_000.0, 80_000.0],
                              "amount": [100_000.0, -20_000.0, 80_000.0], "kind": ["total", "lever", "total"]})
    made = savings.waterfall_spec(waterfall)
    spec = chart_spec(savings.waterfall_spec, waterfall)
    assert set(spec["datasets"]) == set(made["datasets"])
    assert all(isinstance(rows, bytes) for rows in spec["datasets"].values())
    assert inline_spec(spec)["datasets"] == made["datasets"]
    assert chart_spec(savings.waterfall_spec, waterfall) == spec  # made once
