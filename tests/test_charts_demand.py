"""analysis.charts.demand: every Demand page chart built from the analysis' own frames on a small store, valid
Vega-Lite (Altair checks the spec against the schema in ``to_dict``), titled, with the data the page shows."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from analysis.charts import demand as charts
from analysis.demand import change, figures, repeats
from analysis.filters import Filters
from tests.demand_store import con, ds  # noqa: F401 (fixtures)


def spec_of(chart) -> dict:
    spec = chart.to_dict()  # validates against the Vega-Lite schema
    assert spec["title"]["text"], "every chart has a title"
    return spec


def datasets(spec: dict) -> list[pd.DataFrame]:
    return [pd.DataFrame(rows) for rows in spec.get("datasets", {}).values()]


def test_volume_chart_marks_incomplete_periods(con, ds):
    volume = figures.volume_over_time(con, ds, Filters(), "month", split="channel")
    spec = spec_of(charts.build_volume_chart(volume, "Month", "Channel"))
    rows = pd.concat(datasets(spec))
    assert set(rows.loc[rows["label"] == "Mar 2024", "status"].dropna()) == {"Incomplete period"}
    assert set(rows.loc[rows["label"] == "Feb 2024", "status"].dropna()) == {"Complete"}
    assert "incomplete" in spec["title"]["subtitle"]


def test_pareto_failure_and_trend_charts(con, ds):
    pareto = figures.reason_pareto(con, ds, Filters())
    spec = spec_of(charts.build_pareto_chart(pareto.frame, pareto.reasons_for_share))
    groups = set(pd.concat(datasets(spec))["group"].dropna())
    assert groups == {f"Among the {pareto.reasons_for_share} making 80%", "The rest"}
    by_service = figures.failure_share(con, ds, Filters(), by="service")
    spec_of(charts.build_failure_share_chart(by_service, "Service", "Failure and value demand by service"))
    by_month = figures.failure_share(con, ds, Filters(), by="period", grain="month")
    spec_of(charts.build_failure_trend_chart(by_month, "Month"))


def test_repeat_charts(con, ds):
    result = repeats.repeat_demand(con, ds, Filters())
    spec = spec_of(charts.build_repeat_rate_chart(result.by_reason, "Reason", title="Repeat rate by reason"))
    assert spec["title"]["text"] == "Repeat rate by reason"
    spec_of(charts.build_repeat_pairs_chart(result.pairs))


def test_heatmaps_have_every_cell(con, ds):
    grid = figures.day_hour_counts(con, ds, Filters())
    rows = pd.concat(datasets(spec_of(charts.build_day_hour_heatmap(grid))))
    assert len(rows) == 168
    months = figures.month_year_counts(con, ds, Filters())
    spec_of(charts.build_month_year_heatmap(months))


def test_change_waterfall_steps_add_up(con, ds):
    result = change.change_between(con, ds, Filters(), before=(date(2024, 1, 1), date(2024, 1, 31)),
                                   after=(date(2024, 3, 1), date(2024, 3, 31)), by="reason")
    water = change.waterfall_frame(result, before_label="January", after_label="March")
    rows = pd.concat(datasets(spec_of(charts.build_change_waterfall(water, "Reason"))))
    assert rows["step"].iloc[0] == "January" and rows["step"].iloc[-1] == "March"


def test_forecast_chart():
    periods = pd.date_range("2023-01-01", periods=12, freq="MS")
    history = pd.DataFrame({"period": periods, "label": [f"{p:%b %Y}" for p in periods],
                            "value": np.arange(12) * 10.0})
    future = pd.date_range("2024-01-01", periods=3, freq="MS")
    forecast = pd.DataFrame({"model": "Seasonal naive", "period": future, "label": [f"{p:%b %Y}" for p in future],
                             "step": [1, 2, 3], "mean": 100.0, "lo80": 90.0, "hi80": 110.0, "lo95": 80.0,
                             "hi95": 120.0})
    spec = spec_of(charts.build_forecast_chart(history, forecast, "Month", title="Forecast of the next 3 months"))
    assert spec["title"]["text"] == "Forecast of the next 3 months"


def test_rate_chart_leaves_out_areas_without_population():
    rates = pd.DataFrame({"area": ["North", "South"], "count": [10, 4], "population": [2000.0, np.nan],
                          "rate_per_1000": [5.0, np.nan], "annual_rate_per_1000": [2.5, np.nan]})
    rows = pd.concat(datasets(spec_of(charts.build_rate_chart(rates))))
    assert rows["area"].tolist() == ["North"]


@pytest.mark.parametrize("name", sorted(charts.SELECTIONS))
def test_every_drill_down_selection_names_a_field(name):
    assert charts.SELECTIONS[name][0]


def test_the_pairs_charts_axis_title_is_drawn_beyond_its_longest_label():
    """Rendered by Vega (vl-convert), "Previous reason → repeat reason" sits left of the widest pair, not over it:
    Vega places an axis title no further than the axis's maxExtent (200 px by default) from the axis, and pairs of
    two long reasons are up to 320 px wide."""
    import re

    import vl_convert as vlc

    long_pair = ("Housing benefit change of circumstances", "Council tax reduction appeal about a bill")
    pairs = pd.DataFrame({"previous_reason": [long_pair[0], "Missed bin"], "reason": [long_pair[1], "Missed bin"],
                          "count": [40, 10], "share_of_repeats": [0.8, 0.2]})
    spec = charts.build_repeat_pairs_chart(pairs).to_dict()
    spec.update(width=600, autosize={"type": "pad"})
    svg = vlc.vegalite_to_svg(spec)
    y_axis = svg[svg.index('aria-label="Y-axis titled'):]
    title_x = float(re.search(r'role-axis-title.*?translate\(([\d.\-]+),', y_axis, re.S).group(1))
    # The axis's labels are right-aligned at the axis: the widest is as wide as its label limit allows.
    assert title_x < -320, title_x
