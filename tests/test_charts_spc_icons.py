"""analysis.charts.spc_icons: the MDC icons as SVG, with the right letter and colour."""

from __future__ import annotations

import base64

from analysis.charts import spc_icons
from analysis.charts.common import MDC_CONCERN, MDC_IMPROVEMENT


def test_icons_are_svg_with_the_right_letter_and_colour():
    pass_icon = spc_icons.assurance_icon_svg("consistent_pass")
    assert pass_icon.startswith("<svg") and ">P</text>" in pass_icon and MDC_IMPROVEMENT in pass_icon
    fail_icon = spc_icons.assurance_icon_svg("consistent_fail")
    assert ">F</text>" in fail_icon and MDC_CONCERN in fail_icon
    assert ">?</text>" in spc_icons.assurance_icon_svg("inconsistent")
    assert "No target" in spc_icons.assurance_icon_svg(None)
    high = spc_icons.variation_icon_svg("special_cause_concern", "high")
    assert ">H</text>" in high and MDC_CONCERN in high and "higher" in high
    assert ">L</text>" in spc_icons.variation_icon_svg("special_cause_improvement", "low")
    assert "Common cause" in spc_icons.variation_icon_svg("common_cause")
    uri = spc_icons.svg_data_uri(pass_icon)
    assert uri.startswith("data:image/svg+xml;base64,")
    assert base64.b64decode(uri.split(",", 1)[1]).decode() == pass_icon
