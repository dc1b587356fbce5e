"""Presentation mode: larger type and less chrome for a projector in a room of thirty people.

A toggle in the sidebar, bound to the URL (``?present=true``), so a facilitator can share a link that opens in
presentation mode.
"""

from __future__ import annotations

import streamlit as st

PRESENT_KEY = "present"

_PRESENTATION_CSS = """
<style>
  /* Bigger text everywhere, so the back row can read figures and labels. */
  html { font-size: 20px; }
  [data-testid="stMetricValue"] { font-size: 3rem; }
  [data-testid="stMainBlockContainer"] { padding-top: 1.5rem; max-width: 100%; }
  header[data-testid="stHeader"] { display: none; }
</style>
"""


def render_presentation_toggle() -> bool:
    with st.sidebar:
        on = st.toggle("Presentation mode", key=PRESENT_KEY, bind="query-params",
                       help="Larger text for a projector. The link carries it, so share it as it is.")
    if on:
        st.html(_PRESENTATION_CSS)
    return on
