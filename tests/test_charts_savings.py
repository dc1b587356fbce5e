"""analysis.charts.savings: chart specs from cached templates equal the Altair charts, with titles."""

from __future__ import annotations

import json
from dataclasses import replace

import pandas as pd
import pytest

from analysis.charts import savings as charts
from analysis.savings import baseline, costs, model, scenarios, sensitivity
from analysis.savings.model import ChannelShift, Levers


@pytest.fixture(scope="module")


def results():
    cells = pd.DataFrame({"service": ["R"] * 3, "channel": ["Phone", "Web", "Face to face"],
                          "contacts": [10_000, 4_000, 1_000], "failure_contacts": [5_000, 1_000, 300]})
    base = baseline.baseline_from_frame(cells)
    a = Levers(failure_pct=30, shifts=(ChannelShift("Phone", "Web", 20),), handling_pct=10,
               unit_costs=dict(costs.SOCITM_2012), one_off_cost=10_000, ramp_up=(25, 75, 100), years=4)
    b = Levers(shifts=(ChannelShift("Phone", "Web", 20),), unit_costs=dict(costs.SOCITM_2012), years=4)
    return base, a, model.compute(base, a), model.compute(base, b)


def _axes(node):
    """Every axis object in a Vega-Lite spec."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "axis" and isinstance(value, dict):
                yield value
            else:
                yield from _axes(value)
    elif isinstance(node, list):
        for item in node:
            yield from _axes(item)


def _cases(results):
    base, levers, ra, rb = results
    both = [("Bold", ra), ("Shift only", rb)]
    return [
        (charts.build_waterfall_chart, charts.waterfall_spec, (ra.waterfall,), "From baseline cost to scenario cost"),
        (charts.build_projection_chart, charts.projection_spec, (ra.projection, ra.payback_year),
         "Savings over the years, net of the one-off cost"),
        (charts.build_projection_chart, charts.projection_spec, (rb.projection, None),
         "Savings over the years, net of the one-off cost"),
        (charts.build_tornado_chart, charts.tornado_spec, (sensitivity.tornado(base, levers),), "Which inputs matter most"),
        (charts.build_comparison_chart, charts.comparison_spec, (scenarios.comparison_long(both),),
         "Scenarios side by side"),
        (charts.build_comparison_projection_chart, charts.comparison_projection_spec,
         (scenarios.projections_long(both),), "Cumulative net saving by scenario"),
    ]


def test_spec_from_template_equals_the_altair_chart_and_has_titles(results):
    for build, spec, args, title in _cases(results):
        altair_dict = build(*args).to_dict()
        fast = spec(*args)
        assert json.dumps(fast, sort_keys=True) == json.dumps(altair_dict, sort_keys=True), build.__name__
        assert fast["title"]["text"] == title
        axes = list(_axes(fast))
        assert any(a.get("labelExpr") == charts.MONEY_LABEL for a in axes), build.__name__  # £ on the money axis
        assert any(isinstance(a.get("title"), str) and a["title"] for a in axes), build.__name__


def test_the_waterfall_keeps_cost_saving_and_extra_cost_apart_on_a_projector_too(results):
    from analysis.workshop.presentation import for_presentation

    spec = charts.waterfall_spec(results[2].waterfall)
    for shown in (spec, for_presentation(spec)):
        scale = next(layer["encoding"]["color"]["scale"] for layer in shown["layer"] if "color" in layer["encoding"])
        assert scale["domain"] == ["Cost", "Saving", "Extra cost"], scale
        rgb = [tuple(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c in scale["range"]]
        # NHS blue and the improvement blue were 9 apart once darkened for a projector: one colour to a room
        gaps = [sum((a - b) ** 2 for a, b in zip(rgb[i], rgb[j])) ** 0.5 for i in range(3) for j in range(i + 1, 3)]
        assert min(gaps) > 100, (scale["range"], gaps)


def test_template_is_reused_with_new_rows(results):
    base, levers, ra, _ = results
    first = charts.waterfall_spec(ra.waterfall)
    other = model.compute(base, Levers(failure_pct=60, unit_costs=dict(costs.SOCITM_2012)))
    second = charts.waterfall_spec(other.waterfall)
    assert first["layer"] == second["layer"]
    labels = [r["amount_label"] for r in second["datasets"]["waterfall"]]
    # Baseline £37,520 (10,000 × 2.83 + 4,000 × 0.15 + 1,000 × 8.62); 60% of failure demand removed:
    # 3,000 × 2.83 + 600 × 0.15 + 180 × 8.62 = £10,131.60.
    assert labels == ["£37,520", "-£10,132", "£0", "£0", "£27,388"]
    assert second["datasets"]["waterfall"][1]["colour"] == "Saving"


def test_projection_marks_the_payback_year(results):
    _, _, ra, rb = results
    spec = charts.projection_spec(ra.projection, ra.payback_year)
    assert spec["datasets"]["payback"][0]["label"] == f"Pays back in year {ra.payback_year}"
    assert "Pays back in year" in spec["title"]["subtitle"]
    none = charts.projection_spec(rb.projection, None)
    assert none["datasets"]["payback"] == []
    assert "Does not pay back" in none["title"]["subtitle"] or rb.payback_year == 1


def test_tornado_keeps_its_order_in_the_data_so_the_template_survives_a_reorder(results):
    base, levers, _, _ = results
    low = sensitivity.tornado(base, replace(levers, failure_pct=5))
    high = sensitivity.tornado(base, replace(levers, failure_pct=90))
    assert low["input"].tolist() != high["input"].tolist()  # the lever reorders the inputs
    a, b = charts.tornado_spec(low), charts.tornado_spec(high)
    assert a["layer"] == b["layer"]
    ranked = sorted({(r["rank"], r["input"]) for r in b["datasets"]["tornado"]})
    assert [name for _, name in ranked] == high["input"].tolist()
