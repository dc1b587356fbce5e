"""Charts for the back of the room: a Vega-Lite spec rewritten with presentation sizes and a high-contrast palette.

Presentation mode is per browser session, and one Streamlit process serves every session, so nothing here is a
global Altair theme: :func:`for_presentation` returns a new spec whose own ``config`` carries the sizes (axis labels
18 px, axis titles 20 px, chart titles 28 px, legends 18 px, on a 1920 x 1080 screen) and whose explicit sizes and
colours are raised or swapped where a builder set them on a mark, axis or title (those win over ``config`` in
Vega-Lite). The colours keep their meanings: Making Data Count's blue is still improvement and orange concern, only
darker, so they survive a washed-out projector and read apart for colour-blind viewers (Okabe-Ito hues).
"""

from __future__ import annotations

import copy
from typing import Any

from analysis.charts import common

AXIS_LABEL_PX = 18
AXIS_TITLE_PX = 20
TITLE_PX = 28
SUBTITLE_PX = 20
LEGEND_PX = 18
TEXT_PX = 18
HEADLINE_PX = 56  # headline numbers (st.metric values) in presentation mode
MIN_HEIGHT = 480  # a figure alone on a 1080-pixel screen
LABEL_LIMIT_PX = 260
WRAP_AXIS_TITLE_CHARS = 22  # a longer title of a vertical axis is set on two lines: at 20 px it would be longer than
# the plot of a short window (1024 x 768) and run past its ends

INK = "#111111"
SOFT_INK = "#333333"

# Normal colour -> its presentation version: the same hue and meaning, with at least 3:1 contrast on white
# (WCAG's figure for graphics), most above 4.5:1.
PRESENTATION_COLOURS = {
    common.MDC_IMPROVEMENT: "#0063B0",  # blue: special cause improvement
    common.MDC_CONCERN: "#C75B00",  # orange: special cause concern
    common.MDC_COMMON: "#595959",  # grey: common cause (and the SPC line)
    common.MDC_NEUTRAL: "#361475",  # purple: special cause, neither better nor worse (already dark)
    common.ACCENT_ORANGE: "#B36B00",
    common.ACCENT_SKY: "#0072B2",
    common.ACCENT_PURPLE: "#490092",
    common.NEUTRAL_GREY: "#6E6E6E",
    common.NHS_BLUE: "#005EB8",
    common.DARK_GREY: "#2B3840",
    common.TARGET_RED: "#B3001B",
    "#F0E442": "#8C7A00",  # Okabe-Ito yellow is unreadable on a projector: a dark mustard keeps it apart
    "#56B4E9": "#0072B2",
    "#E69F00": "#B36B00",
}
PRESENTATION_CATEGORY = ["#0072B2", "#C75B00", "#009E73", "#CC79A7", "#000000", "#B36B00", "#56B4E9", "#8C7A00"]

_SWAPS = {k.lower(): v for k, v in PRESENTATION_COLOURS.items()}
_COLOUR_KEYS = {"color", "fill", "stroke", "labelColor", "titleColor", "subtitleColor"}

PRESENTATION_CONFIG: dict[str, Any] = {
    "axis": {"labelFontSize": AXIS_LABEL_PX, "titleFontSize": AXIS_TITLE_PX, "labelColor": INK, "titleColor": INK,
             "tickColor": SOFT_INK, "domainColor": SOFT_INK, "labelLimit": 360, "titlePadding": 12,
             # Vega places an axis title no further than maxExtent (200 px by default) from its axis: slanted labels
             # 260-360 px long at 18-36 px reach further, and the title was drawn over them (the Pareto at 4K).
             "maxExtent": 400},
    # Vega's default is a tick every 40 px: 50 of them up a chart the height of a 4K screen.
    "axisY": {"tickCount": 8},
    "legend": {"labelFontSize": LEGEND_PX, "titleFontSize": LEGEND_PX, "labelColor": INK, "titleColor": INK,
               "symbolSize": 220, "labelLimit": 480},
    "header": {"labelFontSize": AXIS_LABEL_PX, "titleFontSize": AXIS_TITLE_PX, "labelColor": INK},
    "title": {"fontSize": TITLE_PX, "subtitleFontSize": SUBTITLE_PX, "color": INK, "subtitleColor": SOFT_INK,
              "subtitlePadding": 8},
    "text": {"fontSize": TEXT_PX},
    "range": {"category": PRESENTATION_CATEGORY},
    "line": {"strokeWidth": 3},
    "circle": {"size": 140},
    "point": {"size": 140},
}


def _swap(value):
    if isinstance(value, str):
        return _SWAPS.get(value.lower(), value)
    return value


def _deep_merge(base: dict, extra: dict) -> dict:
    out = dict(base)
    for key, value in extra.items():
        out[key] = _deep_merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def _restyle(node, parent_key: str | None = None, in_colour: bool = False):
    """Raise explicit sizes and swap explicit colours, everywhere in the spec (layers, facets, encodings).
    ``in_colour``: inside a colour channel (``"color": {"value": …, "condition": {…}}``), whose values are colours."""
    if isinstance(node, list):
        return [_restyle(v, parent_key, in_colour) for v in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key in ("datasets", "data"):  # the figures themselves: never touched
            out[key] = value
        elif key in _COLOUR_KEYS and isinstance(value, str):
            out[key] = _swap(value)
        elif in_colour and key == "value" and isinstance(value, str):
            out[key] = _swap(value)
        elif key == "range" and isinstance(value, list):
            out[key] = [_swap(v) for v in value]
        elif key == "labelFontSize" and isinstance(value, (int, float)):
            out[key] = max(value, AXIS_LABEL_PX)
        elif key == "titleFontSize" and isinstance(value, (int, float)):
            out[key] = max(value, AXIS_TITLE_PX)
        elif key == "subtitleFontSize" and isinstance(value, (int, float)):
            out[key] = max(value, SUBTITLE_PX)
        elif key == "labelLimit" and isinstance(value, (int, float)) and value:
            out[key] = max(value, LABEL_LIMIT_PX)  # larger labels need more room before they are cut short
        elif key == "fontSize" and isinstance(value, (int, float)):
            out[key] = max(value, TITLE_PX if parent_key == "title" else TEXT_PX)
        elif key in ("y", "y2") and parent_key == "encoding" and isinstance(value, dict):
            out[key] = _wrap_axis_title(_restyle(value, key, in_colour))
        else:
            out[key] = _restyle(value, key, in_colour or key in _COLOUR_KEYS)
    return out


def two_lines(title: str) -> str | list[str]:
    """A long axis title as two lines broken at the space nearest its middle ('Failure share of classified
    records' -> ['Failure share of', 'classified records']); a short one as it is."""
    if len(title) <= WRAP_AXIS_TITLE_CHARS or " " not in title:
        return title
    middle = len(title) / 2
    cut = min((i for i, ch in enumerate(title) if ch == " "), key=lambda i: abs(i - middle))
    return [title[:cut], title[cut + 1:]]


def _wrap_axis_title(channel: dict) -> dict:
    """A vertical channel's title (on the channel or on its axis) on two lines when it is long."""
    if isinstance(channel.get("title"), str):
        channel = {**channel, "title": two_lines(channel["title"])}
    axis = channel.get("axis")
    if isinstance(axis, dict) and isinstance(axis.get("title"), str):
        channel = {**channel, "axis": {**axis, "title": two_lines(axis["title"])}}
    return channel


# Enlarging for a screen larger than 1920 x 1080 (a 4K screen at 100%): the chart's text sizes are multiplied by the
# window's size over 1920 x 1080, the smaller of the two ratios, between 1 and 2, worked out by Vega in the browser
# (the server does not know the window). In the spec, not by CSS zoom, which makes Streamlit size Vega twice over.
SCALE_SIGNAL = "present_scale"
SCALE_EXPR = ("windowSize() ? clamp(min(windowSize()[0] / 1920, windowSize()[1] / 1080), 1, 2) : 1")
_SCALED_KEYS = {"labelFontSize", "titleFontSize", "subtitleFontSize", "fontSize", "labelLimit", "titleLimit",
                "titlePadding", "subtitlePadding", "strokeWidth", "maxExtent"}
_AREA_KEYS = {"symbolSize"}  # areas grow with the square of the scale


def _window_scaled(node, parent_key: str | None = None):
    """Every text size (the room its labels get, line widths and point areas) in the spec as an expression of
    :data:`SCALE_SIGNAL`."""
    if isinstance(node, list):
        return [_window_scaled(v, parent_key) for v in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        number = isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0
        if key in ("datasets", "data"):
            out[key] = value
        elif (number and key in _SCALED_KEYS) or (key in ("dx", "dy") and isinstance(value, (int, float))
                                                   and not isinstance(value, bool)):  # a label's offset from its mark
            out[key] = {"expr": f"{value} * {SCALE_SIGNAL}"}
        elif number and (key in _AREA_KEYS or (key == "size" and parent_key in ("circle", "point"))):
            out[key] = {"expr": f"{value} * {SCALE_SIGNAL} * {SCALE_SIGNAL}"}
        else:
            out[key] = _window_scaled(value, key)
    return out


def for_presentation(spec: dict, *, min_height: int = MIN_HEIGHT, window_scale: bool = False) -> dict:
    """A copy of a Vega-Lite spec (``chart.to_dict()``) drawn for a room: presentation sizes and colours in its own
    config, explicit sizes raised, explicit colours swapped, a single chart at least ``min_height`` tall, and the
    SVG renderer (so text stays sharp when a projector scales it, and a test can measure it). ``window_scale``: its
    text enlarged with a window larger than 1920 x 1080 (the presentation screen)."""
    out = _restyle(copy.deepcopy({k: v for k, v in spec.items() if k not in ("datasets", "data")}))
    for key in ("datasets", "data"):
        if key in spec:
            out[key] = spec[key]
    out["config"] = _deep_merge(out.get("config") or {}, PRESENTATION_CONFIG)
    if isinstance(out.get("height"), (int, float)) and out["height"] < min_height:
        out["height"] = min_height
    if (out.get("autosize") or {}).get("type") == "fit-x":
        # On a page the height is the plot's own (the page scrolls); on a projected screen the whole chart, titles,
        # axes and legend included, must fit the height it is given, under the reading and headline numbers.
        out["autosize"] = {**out["autosize"], "type": "fit"}
    usermeta = dict(out.get("usermeta") or {})
    usermeta["embedOptions"] = {**(usermeta.get("embedOptions") or {}), "renderer": "svg"}
    out["usermeta"] = usermeta
    if window_scale:
        out = _window_scaled(out)
        out["params"] = [*(out.get("params") or []), {"name": SCALE_SIGNAL, "expr": SCALE_EXPR}]
    return out
