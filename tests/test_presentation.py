"""Charts for the back of the room: presentation sizes and colours in each spec, never a process-wide theme."""

from __future__ import annotations

import altair as alt
import pandas as pd

from analysis.workshop import presentation
from analysis.charts import common
from analysis.charts import spc as spc_charts
from analysis.spc import xmr


def _spc_spec() -> dict:
    values = [70, 72, 69, 71, 70, 73, 68, 71, 70, 72, 69, 71, 70, 72, 69, 95]  # common cause, then one far above
    result = xmr.xmr(values, dates=pd.date_range("2024-01-01", periods=len(values), freq="MS"), target=75,
                     improvement="increase")
    notes = pd.DataFrame({"day": [pd.Timestamp("2024-11-01")], "label": ["New form"]})
    return spc_charts.build_spc_chart(result, title="Satisfaction", unit="number", interventions=notes).to_dict(
        validate=False)


def _walk(node, found):
    if isinstance(node, dict):
        for key, value in node.items():
            found.append((key, value))
            _walk(value, found)
    elif isinstance(node, list):
        for value in node:
            _walk(value, found)
    return found


def test_the_spec_carries_presentation_sizes_in_its_own_config():
    spec = presentation.for_presentation(_spc_spec())
    config = spec["config"]
    assert config["axis"]["labelFontSize"] >= 18 and config["axis"]["titleFontSize"] >= 18
    assert config["title"]["fontSize"] >= 24 and config["legend"]["labelFontSize"] >= 18
    assert spec["usermeta"]["embedOptions"]["renderer"] == "svg"
    assert spec["height"] >= presentation.MIN_HEIGHT


def test_sizes_a_builder_set_itself_are_raised_and_colours_swapped_keeping_their_meaning():
    original = _spc_spec()
    spec = presentation.for_presentation(original)
    assert original["title"]["fontSize"] == 16 and spec["title"]["fontSize"] == presentation.TITLE_PX
    sizes = [v for k, v in _walk(spec, []) if k == "fontSize"]
    assert sizes and min(sizes) >= presentation.TEXT_PX  # the intervention label was 11 px
    ranges = [v for k, v in _walk(spec, []) if k == "range"]
    point_colours = next(r for r in ranges if isinstance(r, list) and presentation.PRESENTATION_COLOURS[
        common.MDC_IMPROVEMENT] in r)
    assert common.MDC_IMPROVEMENT not in point_colours
    # The same point types keep the same order: blue is still improvement, grey common cause.
    domain = next(v for k, v in _walk(spec, []) if k == "domain" and isinstance(v, list) and xmr.IMPROVEMENT in v)
    assert point_colours[domain.index(xmr.IMPROVEMENT)] == "#0063B0"
    assert point_colours[domain.index(xmr.COMMON_CAUSE)] == "#595959"


def test_the_data_is_untouched_and_the_original_spec_unchanged():
    original = _spc_spec()
    before = repr(original)
    spec = presentation.for_presentation(original)
    assert repr(original) == before
    assert spec["datasets"] == original["datasets"]


def test_it_is_not_a_global_theme():
    presentation.for_presentation(_spc_spec())
    chart = alt.Chart(pd.DataFrame({"a": [1]})).mark_bar().encode(x="a:Q").to_dict(validate=False)
    assert "axis" not in chart.get("config", {})
    assert alt.theme.active in ("default", None) or alt.theme.active != "presentation"


def test_a_presented_chart_fits_its_whole_self_in_the_height_it_is_given():
    from analysis.workshop.presentation import for_presentation

    spec = {"mark": "point", "height": 320, "autosize": {"type": "fit-x", "contains": "padding"}}
    presented = for_presentation(spec, min_height=560)
    assert presented["autosize"] == {"type": "fit", "contains": "padding"} and presented["height"] == 560
    assert spec["autosize"]["type"] == "fit-x"  # the page's own spec is untouched


def test_a_long_vertical_axis_title_is_set_on_two_lines():
    from analysis.workshop.presentation import for_presentation, two_lines

    assert two_lines("Failure share of classified records") == ["Failure share of", "classified records"]
    assert two_lines("Records") == "Records"
    spec = {"mark": "line", "encoding": {
        "x": {"field": "month", "type": "temporal", "title": "Month of the year in which it was received"},
        "y": {"field": "share", "type": "quantitative", "axis": {"title": "Failure share of classified records"}}}}
    drawn = for_presentation(spec)
    assert drawn["encoding"]["y"]["axis"]["title"] == ["Failure share of", "classified records"]
    assert drawn["encoding"]["x"]["title"] == spec["encoding"]["x"]["title"]  # a horizontal title has the width


def test_on_the_presentation_screen_every_text_size_grows_with_a_window_larger_than_1920_by_1080():
    import altair as alt
    import pandas as pd
    from altair.utils.schemapi import validate_jsonschema
    from altair.vegalite.v6.schema import load_schema

    from analysis.workshop import presentation

    chart = alt.Chart(pd.DataFrame({"x": ["a", "b"], "y": [1, 2]})).mark_text(dy=-8, fontSize=12).encode(
        x=alt.X("x:N", axis=alt.Axis(labelFontSize=12, labelLimit=150)), y="y:Q", text="y:Q").properties(title="T")
    plain = presentation.for_presentation(chart.to_dict())
    scaled = presentation.for_presentation(chart.to_dict(), window_scale=True)
    assert "params" not in plain and plain["config"]["axis"]["labelFontSize"] == presentation.AXIS_LABEL_PX
    signal = presentation.SCALE_SIGNAL
    assert {"name": signal, "expr": presentation.SCALE_EXPR} in scaled["params"]
    assert scaled["config"]["axis"]["labelFontSize"] == {"expr": f"{presentation.AXIS_LABEL_PX} * {signal}"}
    assert scaled["encoding"]["x"]["axis"]["labelFontSize"] == {"expr": f"18 * {signal}"}  # raised to 18, then scaled
    assert scaled["encoding"]["x"]["axis"]["labelLimit"] == {"expr": f"{presentation.LABEL_LIMIT_PX} * {signal}"}
    assert scaled["mark"]["dy"] == {"expr": f"-8 * {signal}"}
    assert scaled["datasets"] == plain["datasets"]  # the figures themselves are never touched
    validate_jsonschema(scaled, load_schema())  # Vega-Lite takes an expression for each of them


def test_a_slanted_axis_title_is_drawn_below_its_labels_at_4k():
    """Vega puts an axis title no further than the axis's maxExtent from the axis (200 px by default); the Pareto's
    slanted reasons at 4K reach ~390 px and the title was drawn over them. Rendered by Vega (vl-convert) at the
    scale a 3840 x 2160 window gives, the title sits below the lowest label."""
    import re

    import vl_convert as vlc

    from analysis.charts.demand import build_pareto_chart

    reasons = ["Housing benefit change of circumstances", "Missed bin collection", "Planning application status"]
    frame = pd.DataFrame({"reason": reasons, "count": [300, 200, 100]})
    frame["share"] = frame["count"] / 600
    frame["cumulative_share"] = frame["share"].cumsum()
    frame["in_core"] = frame["cumulative_share"] <= 0.8
    spec = presentation.for_presentation(build_pareto_chart(frame, 2).to_dict(), window_scale=True)
    spec["params"] = [{**p, "expr": "2"} if p["name"] == presentation.SCALE_SIGNAL else p for p in spec["params"]]
    spec.update(width=1800, height=1200, autosize={"type": "pad"})
    svg = vlc.vegalite_to_svg(spec)
    # The x axis group: its labels' y offsets (rotated about their anchors) and its title's.
    x_axis = svg[svg.index('aria-label="X-axis titled'):]
    x_axis = x_axis[:x_axis.index('aria-label="Y-axis') if 'aria-label="Y-axis' in x_axis else len(x_axis)]
    title_y = float(re.search(r'role-axis-title.*?translate\([\d.\-]+,([\d.\-]+)\)', x_axis, re.S).group(1))
    label_limit = 260 * 2  # the Pareto's labelLimit raised for presentation, at scale 2
    lowest_label = label_limit * 0.7071 + 36 * 0.7071  # a label cut at its limit, slanted at 45 degrees, 36 px font
    assert title_y > lowest_label, (title_y, lowest_label)
