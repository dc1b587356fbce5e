"""analysis.charts.spc: the SPC chart's layers, colours and tooltip, small multiples."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analysis.spc import xmr
from analysis.charts import spc as charts
from analysis.charts.common import MDC_COMMON, MDC_CONCERN, MDC_IMPROVEMENT

DATES = pd.date_range("2023-01-01", periods=20, freq="MS")
VALUES = [10, 12] * 5 + [20] * 10  # a shift up after 10 months


def spec_of(chart) -> dict:
    return json.loads(chart.to_json())


def test_chart_has_points_coloured_by_type_limits_target_and_interventions():
    r = xmr.xmr(VALUES, dates=DATES, improvement="increase", target=15.0, rebase_at=[DATES[10]])
    notes = pd.DataFrame({"day": [DATES[10], pd.Timestamp("2030-01-01")], "label": ["New form", "Outside"]})
    chart = charts.build_spc_chart(r, title="Contacts", unit="count", y_title="Contacts", interventions=notes,
                                   show_near_lines=True)
    spec = spec_of(chart)
    assert spec["title"]["text"] == "Contacts"
    layers = spec["layer"]
    marks = [l["mark"]["type"] if isinstance(l["mark"], dict) else l["mark"] for l in layers]
    # value line, lpl, upl, mean, 2 near lines, target, points, intervention rule + label
    assert marks.count("circle") == 1 and marks.count("rule") == 1 and marks.count("text") == 1
    target = [l for l in layers if l.get("encoding", {}).get("y", {}).get("field") == "target"]
    assert target and target[0]["mark"]["color"] == "#DA291C"
    points = [l for l in layers if (l["mark"]["type"] if isinstance(l["mark"], dict) else l["mark"]) == "circle"][0]
    scale = points["encoding"]["color"]["scale"]
    assert dict(zip(scale["domain"], scale["range"])) == {"common_cause": MDC_COMMON}
    # Legend labels whole ("Special cause: neither better nor worse"), a long y-axis title cut before it outgrows the plot.
    assert points["encoding"]["color"]["legend"]["labelLimit"] == 0
    line = [l for l in layers if l.get("encoding", {}).get("y", {}).get("title") == "Contacts"][0]
    assert line["encoding"]["y"]["axis"]["titleLimit"] == charts.Y_TITLE_LIMIT_PX
    tips = [t["title"] for t in points["encoding"]["tooltip"]]
    assert tips == ["Period", "Value", "Reading", "Rule", "Mean", "Process limits", "Target"]
    # Only the intervention inside the chart's dates is drawn.
    rule = [l for l in layers if (l["mark"]["type"] if isinstance(l["mark"], dict) else l["mark"]) == "rule"][0]
    assert spec["datasets"][rule["data"]["name"]][0]["label"] == "New form"
    assert len(spec["datasets"][rule["data"]["name"]]) == 1
    # 10 points per segment: fewer than 13, so the chart warns.
    # On a line of its own (a list of lines), after the caller's subtitle.
    assert spec["title"]["subtitle"][-1].startswith("Warning: fewer than 13 points")


def test_special_causes_get_their_colours_and_rule_in_the_tooltip():
    r = xmr.xmr(VALUES, dates=DATES, improvement="decrease")
    data = charts.chart_frame(r, "count")
    assert set(data["point_type"]) == {"special_cause_improvement", "special_cause_concern"}
    assert data.loc[19, "rule_text"] == "Above the upper process limit"
    assert data.loc[0, "rule_text"] == "Below the lower process limit"
    assert data.loc[19, "value_text"] == "20" and data.loc[0, "period_label"] == "January 2023"
    spec = spec_of(charts.build_spc_chart(r, title="t", unit="count"))
    points = [l for l in spec["layer"] if (l["mark"]["type"] if isinstance(l["mark"], dict) else l["mark"]) == "circle"]
    scale = points[0]["encoding"]["color"]["scale"]
    assert dict(zip(scale["domain"], scale["range"])) == {
        "special_cause_improvement": MDC_IMPROVEMENT, "special_cause_concern": MDC_CONCERN}


def test_small_multiples_facet_by_series():
    parts = []
    for name in ("East", "West"):
        part = xmr.xmr(VALUES, dates=DATES)
        part.insert(0, "series", name)
        parts.append(part)
    notes = pd.DataFrame({"day": [DATES[10]], "label": ["New form"]})
    spec = spec_of(charts.build_small_multiples(pd.concat(parts, ignore_index=True), title="By area", unit="count",
                                                interventions=notes))
    assert spec["facet"]["field"] == "series" and spec["columns"] == 3
    rows = spec["datasets"][spec["data"]["name"]]
    assert {row["series"] for row in rows} == {"East", "West"}
    # The intervention is one extra row per small chart, drawn as a rule.
    assert [r["series"] for r in rows if r.get("note_label") == "New form"] == ["East", "West"]
    assert any(l["mark"]["type"] == "rule" for l in spec["spec"]["layer"])


def test_trajectory_line_is_drawn_when_given():
    trajectory = [float("nan")] * 10 + [12.0 + i for i in range(10)]
    r = xmr.xmr(VALUES, dates=DATES, trajectory=trajectory)
    spec = spec_of(charts.build_spc_chart(r, title="t", unit="count"))
    lines = [l for l in spec["layer"] if l.get("encoding", {}).get("y", {}).get("field") == "trajectory"]
    assert len(lines) == 1 and lines[0]["mark"]["color"] == charts.TRAJECTORY_COLOUR
    without = spec_of(charts.build_spc_chart(xmr.xmr(VALUES, dates=DATES), title="t", unit="count"))
    assert not [l for l in without["layer"] if l.get("encoding", {}).get("y", {}).get("field") == "trajectory"]


@pytest.mark.parametrize("grain, starts, label", [
    ("month", ["2024-01-01", "2024-02-01", "2024-03-01"], {"format": "%b %Y"}),
    ("day", [f"2017-12-{d}" for d in range(27, 32)], {"format": "%-d %b %Y"}),
    ("financial_year", [f"{y}-04-01" for y in range(2015, 2023)],
     {"labelExpr": "year(datum.value) + '/' + slice('' + (year(datum.value) + 1), 2)"}),
])
def test_a_short_series_has_one_tick_per_period_written_by_its_grain(grain, starts, label):
    """Three months gave "Jan 2024" twice on the axis: Vega-Lite put ticks between the periods."""
    from analysis.spc import xmr as xmr_module

    dates = pd.to_datetime(starts)
    result = xmr_module.xmr(np.arange(len(dates), dtype=float) + 1, dates=dates)
    spec = charts.build_spc_chart(result, title="t", grain=grain).to_dict()
    axis = spec["layer"][0]["encoding"]["x"]["axis"]
    assert [(v["year"], v["month"], v["date"]) for v in axis["values"]] == [(d.year, d.month, d.day) for d in dates]
    assert {k: axis[k] for k in label} == label and "tickCount" not in axis


def test_a_long_series_keeps_automatic_ticks():
    from analysis.spc import xmr as xmr_module

    dates = pd.date_range("2016-04-01", periods=36, freq="MS")
    spec = charts.build_spc_chart(xmr_module.xmr(np.arange(36, dtype=float), dates=dates), title="t").to_dict()
    axis = spec["layer"][0]["encoding"]["x"]["axis"]
    assert "values" not in axis and axis["format"] == "%b %Y" and axis["tickCount"] == 8


def test_the_small_multiples_template_draws_the_same_chart_as_the_builder():
    """small_multiples_template keeps the chart's Vega-Lite per shape and fills in the data: for every shape the page
    meets (interventions or not, a target or not, a short series with a tick per period, shared scales), the spec and
    data drawn are the builder's own, and a second KPI of the same shape reuses the template."""
    from analysis.kpis import series
    from tests.test_chart_schema import _named_by_content
    from analysis.charts.spec import make_spec, rows_spec

    def vega_spec(chart):
        return make_spec(lambda: chart)

    def with_frames(template, frames):
        return make_spec(lambda: {**template, "datasets": {**(template.get("datasets") or {}), **frames}})

    inline_spec = rows_spec

    rng = np.random.default_rng(3)
    periods_ = pd.date_range("2023-01-01", periods=30, freq="MS")
    many = pd.DataFrame({"series": np.repeat(["North", "South", "East"], 30), "period": np.tile(periods_, 3),
                         "value": rng.normal(100, 10, 90).round(1), "n": 50})
    many.loc[many.index[-3:], "value"] = [160.0, 170.0, 180.0]  # a special cause in one series
    notes = pd.DataFrame({"day": [pd.Timestamp("2024-02-10")], "label": ["New triage"]})
    short = many[many["period"] >= periods_[-10]]
    cases = [dict(frame=series.series_spc(many, improvement="decrease"), interventions=notes, subtitle="Own scales"),
             dict(frame=series.series_spc(many, improvement="increase", target=120.0)),
             dict(frame=series.series_spc(short, improvement="neutral"), independent_y=False, grain="month"),
             dict(frame=series.series_spc(many, improvement="decrease", rules="mdc"), unit="share")]
    for case in cases:
        frame = case.pop("frame")
        built = inline_spec(vega_spec(charts.build_small_multiples(frame, title="Contacts by area", **case)))
        template, data = charts.small_multiples_template(frame, title="Contacts by area", **case)
        drawn = inline_spec(with_frames(template, {charts.SMALL_MULTIPLES_DATA: data}))
        assert _named_by_content(drawn) == _named_by_content(built)
    kept = len(charts._SMALL_MULTIPLES_TEMPLATES)
    again = many.assign(value=many["value"] * 1.01)
    frame = series.series_spc(again, improvement="decrease")
    template, data = charts.small_multiples_template(frame, title="Failure demand by area", y_title="Failure demand",
                                                     interventions=notes, subtitle="Own scales")
    assert len(charts._SMALL_MULTIPLES_TEMPLATES) == kept  # same shape, other KPI and values: the template is reused
    built = inline_spec(vega_spec(charts.build_small_multiples(
        frame, title="Failure demand by area", y_title="Failure demand", interventions=notes, subtitle="Own scales")))
    assert _named_by_content(inline_spec(with_frames(template, {charts.SMALL_MULTIPLES_DATA: data}))) == \
        _named_by_content(built)


def test_the_spc_template_draws_the_same_chart_as_the_builder():
    """spc_template keeps the SPC chart's Vega-Lite per shape and fills in the data and titles: for every shape the
    pages meet (near lines, a target, a rebased short segment with its warning, a short series with a tick per
    period, interventions) the chart is the builder's own, and another KPI of the
    same shape reuses the template."""
    from analysis.charts import templates
    from analysis.charts.spec import make_spec, rows_spec
    from tests.test_chart_schema import _named_by_content

    r = xmr.xmr(VALUES, dates=DATES, improvement="increase", target=15.0, rebase_at=[DATES[14]])
    notes = pd.DataFrame({"day": [DATES[10]], "label": ["New form"]})
    cases = [dict(result=r, show_near_lines=True, subtitle="Higher is better"),
             dict(result=xmr.xmr(VALUES, dates=DATES, improvement="decrease"), unit="share"),
             dict(result=xmr.xmr(VALUES[:9], dates=DATES[:9], improvement="neutral"), grain="month"),
             dict(result=r, interventions=notes),
             dict(result=xmr.xmr(VALUES, dates=pd.date_range("2024-01-01", periods=20, freq="D")), grain="day")]
    for case in cases:
        result = case.pop("result")
        built = rows_spec(make_spec(lambda: charts.build_spc_chart(result, title="Contacts", y_title="Contacts",
                                                                     **case)))
        drawn = rows_spec(make_spec(lambda: templates.spc_template(result, title="Contacts", y_title="Contacts",
                                                                       **case)))
        assert _named_by_content(drawn) == _named_by_content(built), case
    kept = len(templates._TEMPLATES)
    other = xmr.xmr([v * 3 for v in VALUES], dates=DATES, improvement="increase", target=45.0, rebase_at=[DATES[14]])
    drawn = rows_spec(make_spec(lambda: templates.spc_template(other, title="Days to close", y_title="Days",
                                                                   show_near_lines=True, subtitle="Lower is better")))
    assert len(templates._TEMPLATES) == kept  # same shape, another KPI: the template is reused
    built = rows_spec(make_spec(lambda: charts.build_spc_chart(other, title="Days to close", y_title="Days",
                                                                 show_near_lines=True, subtitle="Lower is better")))
    assert _named_by_content(drawn) == _named_by_content(built)
    assert drawn["title"]["text"] == "Days to close" and drawn["title"]["subtitle"][0] == "Lower is better"


def test_the_forecast_template_draws_the_same_chart_as_the_builder():
    """forecast_template keeps the forecast chart's Vega-Lite per grain and set of models and fills in the data and
    title: the chart is the builder's own, and another horizon or series reuses the template."""
    from analysis import forecast
    from analysis.charts import demand, templates
    from analysis.charts.spec import make_spec, rows_spec
    from tests.test_chart_schema import _named_by_content

    months = pd.date_range("2021-01-01", periods=48, freq="MS")
    rng = np.random.default_rng(5)
    history = pd.DataFrame({"period": months, "value": (1000 + 80 * np.sin(np.arange(48) * np.pi / 6)
                                                         + rng.normal(0, 20, 48)).round()})
    for horizon, scale in ((6, 1.0), (12, 1.3)):
        found = forecast.forecast_series(history.assign(value=history["value"] * scale), "month", horizon)
        hist = found.history
        built = rows_spec(make_spec(lambda: demand.build_forecast_chart(hist, found.forecast, "Month",
                                                                          title=f"Forecast of the next {horizon}")))
        kept = len(templates._TEMPLATES)
        drawn = rows_spec(make_spec(lambda: templates.forecast_template(hist, found.forecast, "Month",
                                                                         title=f"Forecast of the next {horizon}")))
        assert _named_by_content(drawn) == _named_by_content(built)
        assert drawn["title"]["text"] == f"Forecast of the next {horizon}"
    assert len(templates._TEMPLATES) == kept  # the second horizon reused the first one's template
