"""Charts as files: a Vega-Lite spec drawn to SVG or PNG by vl-convert, in this process, with no browser and no
internet, for the download buttons under each chart and for the stocktake pack.

Drawing is slow the first time in a process (about 1.6 s for the first PNG while vl-convert starts its JavaScript
engine, about 0.2 s after), so the bytes are kept per spec: the same chart asked for twice is drawn once. Nothing
here runs unless a user asks for a file.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import threading
from collections import OrderedDict

from analysis.charts.common import UK_FORMAT_LOCALE, UK_TIME_LOCALE

EXPORT_WIDTH = 900  # a chart sized to its container in the app has no container here
PNG_SCALE = 2  # twice the pixels, so a slide or a printed page stays sharp
MAX_CACHED = 64

_cache: OrderedDict[tuple[str, str], bytes] = OrderedDict()
_lock = threading.Lock()
_convert_lock = threading.Lock()  # one drawing at a time: vl-convert's engine is shared by the process


def static_spec(spec: dict, width: int = EXPORT_WIDTH) -> dict:
    """A copy of the spec that can be drawn outside the browser: ``"container"`` widths become ``width`` pixels
    (in the spec and any sub-chart) and the app's embedding options are dropped."""
    def fix(node):
        if isinstance(node, list):
            return [fix(v) for v in node]
        if not isinstance(node, dict):
            return node
        out = {}
        for key, value in node.items():
            if key in ("datasets", "data"):
                out[key] = value
            elif key == "width" and value == "container":
                out[key] = width
            elif key == "height" and value == "container":
                out[key] = 360
            else:
                out[key] = fix(value)
        return out

    body = fix(copy.deepcopy({k: v for k, v in spec.items() if k not in ("datasets", "data", "usermeta")}))
    for key in ("datasets", "data"):
        if key in spec:
            body[key] = spec[key]
    return body


def spec_key(spec: dict) -> str:
    """A fingerprint of a spec: two specs with the same key draw the same picture."""
    text = json.dumps(spec, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _cached(kind: str, spec: dict, draw) -> bytes:
    key = (kind, spec_key(spec))
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    with _convert_lock:
        data = draw(static_spec(spec))
    with _lock:
        _cache[key] = data
        while len(_cache) > MAX_CACHED:
            _cache.popitem(last=False)
    return data


def _options() -> dict:
    # Data is always inline: no URL may be fetched while drawing.
    return {"format_locale": UK_FORMAT_LOCALE, "time_format_locale": UK_TIME_LOCALE, "allowed_base_urls": []}


def svg_bytes(spec: dict) -> bytes:
    """The chart as an SVG file (UTF-8)."""
    import vl_convert

    return _cached("svg", spec, lambda s: vl_convert.vegalite_to_svg(s, **_options()).encode("utf-8"))


def png_bytes(spec: dict, scale: float = PNG_SCALE) -> bytes:
    """The chart as a PNG file, ``scale`` times the chart's size in pixels."""
    import vl_convert

    return _cached(f"png@{scale}", spec, lambda s: bytes(vl_convert.vegalite_to_png(s, scale=scale, **_options())))


_NAMESPACES = re.compile(r'\s+xmlns(:\w+)?="[^"]*"')


_IDS = re.compile(r'(\bid="|url\(#|href="#)([^")]+)')


def inline_svg(spec: dict, id_prefix: str = "") -> str:
    """The chart as SVG markup to put inside an HTML page beside other charts.

    HTML gives ``<svg>`` its namespace itself, so the namespace declarations (the only addresses in vl-convert's
    SVG) are left out; element ids (clip paths, gradients) get ``id_prefix`` so two charts on one page cannot
    borrow each other's."""
    text = _NAMESPACES.sub("", svg_bytes(spec).decode("utf-8"), count=2)
    if id_prefix:
        text = _IDS.sub(lambda m: f"{m.group(1)}{id_prefix}{m.group(2)}", text)
    return text


def cached_count() -> int:
    """How many drawings are kept (for tests and the benchmark)."""
    with _lock:
        return len(_cache)
