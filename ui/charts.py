"""Drawing a chart on a page: the one helper every page draws its charts through.

- In presentation mode (this browser session's toggle, never a process-wide theme: one Streamlit process serves
  every session) the chart's spec is redrawn for the back of the room (:func:`analysis.workshop.presentation.for_presentation`:
  sizes in the spec's own config, a high-contrast palette, the SVG renderer).
- Under each chart, a "Download" menu gives the chart as PNG and SVG. The files are drawn only when a button is
  clicked (Streamlit's deferred downloads: the callable runs on the click, with no rerun), and kept per chart spec
  (:mod:`analysis.workshop.chart_export`), so a rerun costs no drawing and a second download is instant.
"""

from __future__ import annotations

import re
from typing import Any

import altair as alt
import streamlit as st

from analysis.workshop import chart_export
from analysis.workshop.presentation import for_presentation
from analysis.charts.spec import make_spec, rows_spec
from ui.chart_specs import arrow_spec
from ui.presentation import presenting

Chart = alt.TopLevelMixin | dict


def _spec(chart: Chart) -> dict:
    # Unvalidated (the builders' specs are checked against the Vega-Lite schema by the tests, once; checking them on
    # every draw cost a third of a rerun), with the data as Arrow bytes. A dict is already a spec: a kept one, of which
    # Streamlit gets a shallow copy (it moves the data out of the spec's top level).
    return dict(arrow_spec(chart)) if isinstance(chart, dict) else arrow_spec(make_spec(lambda: chart))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", (text or "").lower()).strip("_") or "chart"


def show_chart(chart: Chart, *, key: str | None = None, on_select: str = "ignore",
               selection_mode: str | None = None, name: str | None = None, downloads: bool = True,
               height: int | str | None = None) -> Any:
    """Draw an Altair chart (or a Vega-Lite dict) and its download menu; return the selection event when
    ``on_select="rerun"``. ``key`` or ``name`` must tell the chart apart from the page's others: the download
    buttons are named after it (``name`` also names the files). ``height``: in presentation mode, the chart's least
    height in pixels, or ``"stretch"`` to fill the height its container leaves it (the presentation screen)."""
    if not (key or name):
        raise ValueError("show_chart needs a key or a name, unique on the page")
    select = dict(on_select=on_select, selection_mode=selection_mode) if on_select != "ignore" else {}
    spec = _spec(chart)
    stretch = height == "stretch"
    if presenting():
        spec_height = {"min_height": height} if isinstance(height, int) else {"min_height": 0} if stretch else {}
        drawn = for_presentation(spec, **spec_height, window_scale=stretch)  # stretch: the presentation screen
    else:
        drawn = spec
    event = st.vega_lite_chart(spec=drawn, key=key, width="stretch", **select,
                               **({"height": "stretch"} if stretch else {}))
    if downloads:
        chart_downloads(spec, name=name, key=key)
    return event


def chart_downloads(chart: Chart, *, name: str | None = None, key: str | None = None) -> None:
    """A "Download chart" menu with the chart as PNG and SVG, drawn only when asked.

    The menu's buttons are made only while it is open (a popover with ``on_change="rerun"``: opening it reruns the
    chart's section, which then draws them). Made on every rerun, the two buttons of each of a page's charts were a
    tenth of a cached rerun of the Demand page."""
    base = _slug(name) if name else None
    # Named by the caller, not from the chart's title: reading the title would serialise the chart on every rerun.
    stem = base or _slug(key)
    widget = key or f"chart_{stem}"
    menu = st.popover("Download chart", icon=":material/image:", type="tertiary", key=f"{widget}_menu",
                      on_change="rerun")
    if not menu.open:
        return
    with menu:
        # vl-convert reads plain Vega-Lite: the data goes back to JSON rows, only when a file is asked for.
        def png() -> bytes:
            return chart_export.png_bytes(rows_spec(_spec(chart)))

        def svg() -> bytes:
            return chart_export.svg_bytes(rows_spec(_spec(chart)))

        st.download_button("PNG image", data=png, file_name=f"{stem}.png", mime="image/png", key=f"{widget}_png",
                           icon=":material/download:")
        st.download_button("SVG image", data=svg, file_name=f"{stem}.svg", mime="image/svg+xml",
                           key=f"{widget}_svg", icon=":material/download:")
