"""Presentation mode: a projector in a room of thirty people, read from the back row.

A toggle in the sidebar, bound to the URL (``?present=true``), so a facilitator can share a link that opens in
presentation mode. When it is on, the page's text is larger, headline numbers are at least 48 px, the sidebar, the
page menu and Streamlit's header are hidden (a "Leave presentation mode" button stays at the top of the page), and
every chart drawn through :mod:`ui.charts` gets presentation sizes and colours in its own spec.
"""

from __future__ import annotations

import streamlit as st

from analysis.workshop.presentation import HEADLINE_PX

PRESENT_KEY = "present"

_PRESENTATION_CSS = f"""
<style>
  /* Bigger text everywhere, so the back row can read figures and labels. */
  html {{ font-size: 20px; }}
  [data-testid="stMetricValue"] {{ font-size: {HEADLINE_PX}px; line-height: 1.15; }}
  [data-testid="stMetricLabel"] p {{ font-size: 22px; }}
  [data-testid="stMainBlockContainer"] {{ padding-top: 1rem; max-width: 100%; }}
  /* One figure per screen: no sidebar, page menu or header competing with it. */
  header[data-testid="stHeader"], section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
  [data-testid="stSidebarNav"], [data-testid="stToolbar"], [data-testid="stDecoration"] {{ display: none; }}
</style>
"""


def presenting() -> bool:
    """True when this browser session is in presentation mode."""
    return bool(st.session_state.get(PRESENT_KEY))


def _leave() -> None:
    st.session_state[PRESENT_KEY] = False


def render_presentation_toggle() -> bool:
    with st.sidebar:
        on = st.toggle("Presentation mode", key=PRESENT_KEY, bind="query-params",
                       help="Large text and charts for a projector, without the sidebar. The link carries it, so "
                            "share it as it is.")
    if on:
        st.html(_PRESENTATION_CSS)
        # The sidebar (and its toggle) is hidden, so the way out is on the page itself.
        st.button("Leave presentation mode", key="present_leave", on_click=_leave, type="tertiary",
                  icon=":material/close_fullscreen:")
    return on
