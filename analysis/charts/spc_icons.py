"""The Making Data Count icons, drawn as SVG here (not downloaded): variation (common or special cause, higher or
lower) and assurance (consistently passing, failing, or at random against the target), as images in the
Performance page's summary table and beside its chart.
"""

from __future__ import annotations

import base64

import pandas as pd

from analysis import periods
from analysis.charts.common import MDC_COMMON, MDC_CONCERN, MDC_IMPROVEMENT
from analysis.charts.spc import POINT_COLOURS
from analysis.kpis.definitions import ALL, format_kpi_value
from analysis.spc import reading, xmr

_ICON_SIZE = 40


def _circle(colour: str) -> str:
    return (f'<circle cx="20" cy="20" r="17" fill="white" stroke="{colour}" stroke-width="3"/>')


def _dots(ys: list[float], colours: list[str]) -> str:
    xs = [9, 14, 19, 24, 29, 34][: len(ys)]
    start = 20 - (xs[len(ys) - 1] - xs[0]) / 2 - xs[0]
    return "".join(
        f'<circle cx="{x + start:.1f}" cy="{y:.1f}" r="2.2" fill="{c}"/>' for x, y, c in zip(xs, ys, colours)
    )


def variation_icon_svg(variation: str | None, side: str | None = None) -> str:
    """The MDC variation icon as SVG: a ring in the type's colour, dots showing the pattern, and H or L for a
    special cause high or low. None (too few points) gives a dashed grey ring with '–'."""
    variation = variation if isinstance(variation, str) else None
    side = side if isinstance(side, str) else None
    if variation is None:
        body = ('<circle cx="20" cy="20" r="17" fill="white" stroke="#7B7D7D" stroke-width="2" stroke-dasharray="4 3"/>'
                '<text x="20" y="25" font-family="Arial,sans-serif" font-size="14" text-anchor="middle" '
                'fill="#7B7D7D">–</text>')
        return _svg(body, "Not enough data")
    colour = POINT_COLOURS.get(variation, MDC_COMMON)
    if variation == xmr.COMMON_CAUSE:
        ys = [22, 18, 23, 19, 22]
        body = _circle(colour) + _dots(ys, [colour] * 5)
        return _svg(body, reading.VARIATION_LABELS[variation])
    high = side == "high"
    ys = [24, 22, 20, 16, 12] if high else [14, 16, 18, 22, 26]
    grey = MDC_COMMON
    body = (_circle(colour) + _dots(ys, [grey, grey, colour, colour, colour])
            + f'<text x="{11 if high else 29}" y="{31 if high else 14}" font-family="Arial,sans-serif" '
              f'font-size="10" font-weight="bold" text-anchor="middle" fill="{colour}">{"H" if high else "L"}</text>')
    label = f"{reading.VARIATION_LABELS[variation]} ({'higher' if high else 'lower'})"
    return _svg(body, label)


def assurance_icon_svg(assurance: str | None) -> str:
    """The MDC assurance icon as SVG: P (consistently passing, improvement colour), F (consistently failing,
    concern colour), ? (will pass and fail at random, grey); an empty dashed ring without a target."""
    assurance = assurance if isinstance(assurance, str) else None
    if assurance is None:
        body = ('<circle cx="20" cy="20" r="17" fill="white" stroke="#7B7D7D" stroke-width="2" '
                'stroke-dasharray="4 3"/>')
        return _svg(body, reading.ASSURANCE_LABELS[None])
    colour, letter = {
        reading.CONSISTENT_PASS: (MDC_IMPROVEMENT, "P"),
        reading.CONSISTENT_FAIL: (MDC_CONCERN, "F"),
        reading.INCONSISTENT: (MDC_COMMON, "?"),
    }[assurance]
    body = (_circle(colour)
            + '<line x1="8" y1="12" x2="32" y2="12" stroke="#7B7D7D" stroke-width="1.2" stroke-dasharray="2 2"/>'
            + f'<text x="20" y="29" font-family="Arial,sans-serif" font-size="16" font-weight="bold" '
              f'text-anchor="middle" fill="{colour}">{letter}</text>')
    return _svg(body, reading.ASSURANCE_LABELS[assurance])


def _svg(body: str, label: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{_ICON_SIZE}" height="{_ICON_SIZE}" viewBox="0 0 40 40" '
            f'role="img" aria-label="{label}"><title>{label}</title>{body}</svg>')


def svg_data_uri(svg: str) -> str:
    """An SVG as a ``data:`` URI, for ``st.column_config.ImageColumn`` or an ``<img src>``."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def icons_html(summary: reading.SpcSummary, size: int = 56) -> str:
    """The two MDC icons of one chart (variation and assurance), side by side with their words, as HTML for
    ``st.html`` (the icons are SVG written here; the words are fixed labels, never data)."""
    variation = summary.variation if summary.points >= 2 else None
    v = svg_data_uri(variation_icon_svg(variation, summary.variation_side))
    a = svg_data_uri(assurance_icon_svg(summary.assurance))
    v_label = reading.VARIATION_LABELS.get(variation, "")
    if summary.variation_side and variation not in (None, xmr.COMMON_CAUSE):
        v_label += f" ({'higher' if summary.variation_side == 'high' else 'lower'})"
    a_label = reading.ASSURANCE_LABELS.get(summary.assurance, "")
    return (
        f'<div style="display:flex;gap:18px;align-items:center">'
        f'<figure style="margin:0;text-align:center"><img src="{v}" width="{size}" height="{size}" alt="{v_label}">'
        f'<figcaption style="font-size:0.8rem">{v_label}</figcaption></figure>'
        f'<figure style="margin:0;text-align:center"><img src="{a}" width="{size}" height="{size}" alt="{a_label}">'
        f'<figcaption style="font-size:0.8rem">{a_label}</figcaption></figure></div>'
    )


def summary_table(matrix: pd.DataFrame, grain: str, all_label: str = "All services") -> pd.DataFrame:
    """The summary matrix (``analysis.kpis.series.summary_matrix``) as the page shows it: the two icons as images,
    values formatted by their unit, the readings in words."""
    return pd.DataFrame({
        "variation_icon": [svg_data_uri(variation_icon_svg(v, s)) for v, s in
                           zip(matrix["variation"], matrix["variation_side"])],
        "assurance_icon": [svg_data_uri(assurance_icon_svg(a)) for a in matrix["assurance"]],
        "kpi": matrix["kpi_label"],
        "series": [all_label if s == ALL else s for s in matrix["series"]],
        "latest_period": [periods.period_label(p, grain) if pd.notna(p) else "–" for p in matrix["latest_period"]],
        "latest": [format_kpi_value(v, u) for v, u in zip(matrix["latest_value"], matrix["unit"])],
        "target": [format_kpi_value(v, u) if pd.notna(v) else "–" for v, u in zip(matrix["target"], matrix["unit"])],
        "variation": [reading.VARIATION_LABELS.get(v if isinstance(v, str) else None, "") for v in matrix["variation"]],
        "assurance": [reading.ASSURANCE_LABELS.get(a if isinstance(a, str) else None, "") for a in matrix["assurance"]],
        "points": matrix["points"],
    })
