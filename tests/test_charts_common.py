"""analysis.charts.common: titles and the UK locale every chart gets, and colours that keep their meaning."""

from __future__ import annotations

import altair as alt
import pandas as pd

from analysis.charts import common


def test_titled_sets_title_subtitle_and_uk_locale():
    chart = alt.Chart(pd.DataFrame({"x": [1], "y": [2]})).mark_point().encode(x="x:Q", y="y:Q")
    spec = common.titled(chart, "Contacts", "Faded bars are part periods").to_dict()
    assert spec["title"]["text"] == "Contacts" and spec["title"]["anchor"] == "start"
    assert spec["title"]["subtitle"] == "Faded bars are part periods"
    assert spec["usermeta"]["embedOptions"]["formatLocale"]["currency"] == ["£", ""]
    assert spec["usermeta"]["embedOptions"]["timeFormatLocale"]["date"] == "%d/%m/%Y"
    assert "subtitle" not in common.titled(chart, "Contacts").to_dict()["title"]


def test_a_chart_keeps_its_plot_height_and_fits_the_width():
    # Streamlit's default ("fit") squeezes titles, subtitles and legends into the height: a page chart sets its own.
    chart = alt.Chart(pd.DataFrame({"x": [1], "y": [2]})).mark_point().encode(x="x:Q", y="y:Q")
    assert common.titled(chart, "Contacts").to_dict()["autosize"] == {"type": "fit-x", "contains": "padding"}
    layered = alt.layer(chart, chart)
    assert common.titled(layered, "Contacts").to_dict()["autosize"]["type"] == "fit-x"
    # A facet chart is left to Streamlit, which sizes facets by their content.
    facet = chart.facet(column="x:N")
    assert "autosize" not in common.titled(facet, "Contacts").to_dict()


def test_spc_colours_are_used_only_for_spc():
    spc_colours = {common.MDC_IMPROVEMENT, common.MDC_CONCERN, common.MDC_COMMON, common.MDC_NEUTRAL}
    assert len(spc_colours) == 4
    others = {common.ACCENT_ORANGE, common.ACCENT_SKY, common.ACCENT_PURPLE, common.NHS_BLUE, common.TARGET_RED,
              *common.CATEGORY_PALETTE}
    assert not spc_colours & others
    assert len(set(common.CATEGORY_PALETTE)) == len(common.CATEGORY_PALETTE) == 8
