"""Charts as files: PNG of the chart's size, SVG that parses, drawn once per spec, and SVG fit to put in a page."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import altair as alt
import pandas as pd
import pytest
from PIL import Image

from analysis.workshop import chart_export
from analysis.charts.common import titled


@pytest.fixture(scope="module")
def spec() -> dict:
    frame = pd.DataFrame({"channel": ["Phone", "Web", "Email"], "cost": [2.83, 0.15, 1.5]})
    chart = alt.Chart(frame).mark_bar().encode(x=alt.X("channel:N", title="Channel"),
                                               y=alt.Y("cost:Q", title="£ per contact", axis=alt.Axis(format="$.2f")))
    return titled(chart.properties(width="container", height=300), "Cost per contact (£)").to_dict(validate=False)


def _svg_size(svg: bytes) -> tuple[int, int]:
    root = ET.fromstring(svg)
    return int(float(root.get("width"))), int(float(root.get("height")))


def test_an_svg_export_parses_as_xml_and_keeps_pounds(spec):
    svg = chart_export.svg_bytes(spec)
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    width, height = _svg_size(svg)
    # The app's container width becomes the export width; the chart's own height stays.
    assert width >= chart_export.EXPORT_WIDTH and 300 < height < 420
    text = svg.decode("utf-8")
    assert "Cost per contact (£)" in text and "£2.83" in text


def test_a_png_export_decodes_to_an_image_of_the_charts_size(spec):
    png = chart_export.png_bytes(spec)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    width, height = _svg_size(chart_export.svg_bytes(spec))
    assert image.size == (width * chart_export.PNG_SCALE, height * chart_export.PNG_SCALE)
    assert Image.open(io.BytesIO(chart_export.png_bytes(spec, scale=1))).size == (width, height)


def test_a_second_export_of_the_same_chart_is_not_drawn_again(spec):
    first = chart_export.png_bytes(spec)
    count = chart_export.cached_count()
    again = chart_export.png_bytes(dict(spec))  # an equal spec, not the same object
    assert again is first and chart_export.cached_count() == count
    changed = {**spec, "height": 200}
    assert chart_export.png_bytes(changed) is not first and chart_export.cached_count() == count + 1


def test_static_spec_gives_container_widths_a_size_and_leaves_the_original_alone(spec):
    layered = {"layer": [{"mark": "bar", "width": "container"}], "width": "container", "usermeta": {"x": 1},
               "datasets": {"d": [{"a": 1}]}}
    fixed = chart_export.static_spec(layered, width=640)
    assert fixed["width"] == 640 and fixed["layer"][0]["width"] == 640 and "usermeta" not in fixed
    assert fixed["datasets"] is layered["datasets"] and layered["width"] == "container"


def test_inline_svg_has_no_address_and_ids_of_its_own(spec):
    inline = chart_export.inline_svg(spec, id_prefix="f1-")
    assert inline.startswith("<svg") and not re.search(r"https?://", inline)
    ids = re.findall(r'\bid="([^"]+)"', inline)
    assert all(i.startswith("f1-") for i in ids)
    assert all(ref.startswith("f1-") for ref in re.findall(r"url\(#([^)]+)\)", inline))
