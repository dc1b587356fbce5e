"""Import, in the background, what the Explore pages need that nothing has imported yet.

statsmodels (the Demand page's forecast) takes seconds to import, and Altair and the chart builders most of a
second: paid by the first person to open those pages after the server started, with the room watching. The first
run of any page starts one background thread (once per process) that imports them while that person is still on the
Overview. Nothing depends on it: a page that needs a module before the thread is done imports it itself (Python's
import lock makes the two wait for each other, never import twice).
"""

from __future__ import annotations

import importlib
import logging
import threading

import streamlit as st

MODULES = (
    "statsmodels.tsa.exponential_smoothing.ets",
    "altair",
    "analysis.charts.demand",
    "analysis.charts.spc",
    "analysis.charts.spc_icons",
    "analysis.charts.savings",
    "analysis.forecast",
    "analysis.demand.scan",
    "analysis.kpis.series",
    "analysis.savings.model",
    "analysis.explore",  # every page's figure declarations
)


def _import_all() -> None:
    for name in MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a module that cannot be imported here fails where it is used, plainly
            logging.getLogger("stocktake").warning("Could not import %s ahead of time", name, exc_info=True)


@st.cache_resource(show_spinner=False)
def start_warm_up() -> threading.Thread:
    """Start the background imports, once per process."""
    thread = threading.Thread(target=_import_all, name="stocktake-warm-up", daemon=True)
    thread.start()
    return thread
