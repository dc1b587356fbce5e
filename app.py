"""Stocktake: the entry point. Routes only: page config, navigation, the shared sidebar, run."""

from pathlib import Path

import streamlit as st

from ui.forged import record_forged
from ui.auth import sign_in_gate
from ui.connection import get_connection
from ui.sections import run_page
from ui.sidebar import render_sidebar

# The icon is an SVG of our own, which Streamlit puts into the page itself: a ":material/…:" icon would make every
# browser fetch it from a Google host (fonts.gstatic.com), a request leaving the council's network.
ICON = str(Path(__file__).resolve().parent / "ui" / "assets" / "stocktake.svg")
st.set_page_config(page_title="Stocktake", page_icon=ICON, layout="wide")
# With sign-in configured, a visitor who has not signed in sees only the sign-in button: no page, no dataset name.
user = sign_in_gate()
signed_in = user is not None
if signed_in and not user.is_editor:
    record_forged(get_connection(), user)  # an editor's control used from a viewer's session: refused, and recorded

pages = {
    "Stocktake": [
        # The default page is served at "/" (its url_path is not an address of its own: link to "/").
        st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True, url_path="home"),
    ],
    "Data": [
        st.Page("pages/data.py", title="Data", icon=":material/upload_file:", url_path="datasets"),
    ],
    "Explore": [
        st.Page("pages/demand.py", title="Demand drivers", icon=":material/call_received:", url_path="demand-drivers"),
        st.Page("pages/performance.py", title="Performance trends", icon=":material/monitoring:", url_path="performance-trends"),
        st.Page("pages/savings.py", title="Savings scenarios", icon=":material/savings:", url_path="savings-scenarios"),
        st.Page("pages/spend.py", title="Spend", icon=":material/payments:", url_path="council-spend"),
        st.Page("pages/what_works.py", title="What works", icon=":material/science:", url_path="what-works"),
    ],
    "Workshop": [
        st.Page("pages/workshop.py", title="Workshop", icon=":material/groups:", url_path="workshop-room"),
    ],
}

# Each url_path differs from its file's name on purpose: AppTest's switch_page runs a page whose url_path equals its
# file stem on its own, without this script, so the shared sidebar would vanish in tests (not in the browser).
# Navigation is set up even for a visitor who must sign in first (hidden, and no page is run), so Streamlit routes
# every URL through this script and never serves a file in pages/ on its own.
navigation = st.navigation(pages, position="sidebar" if signed_in else "hidden")
if not signed_in:
    st.stop()
render_sidebar(navigation.url_path)
run_page(navigation)  # a failure no figure caught is a sentence and a log reference, never a traceback
