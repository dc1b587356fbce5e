"""A saved view -> the figure it shows, for presentation mode and the stocktake pack (no Streamlit here)."""

from __future__ import annotations

import duckdb

from analysis.errors import StocktakeError
from analysis.sessions import View
from analysis.views import demand, performance, savings
from analysis.views.catalogue import DEMAND_PAGE, PERFORMANCE_PAGE, SAVINGS_PAGE, Figure, dataset_of

_DRAWERS = {DEMAND_PAGE: demand.draw, PERFORMANCE_PAGE: performance.draw, SAVINGS_PAGE: savings.draw}


def draw_view(con: duckdb.DuckDBPyConnection, view: View, *, dataset: str | None = None) -> Figure:
    """The figure a saved view shows. ``dataset`` is used when the view does not name one (the session's)."""
    drawer = _DRAWERS.get(view.page)
    if drawer is None:
        raise StocktakeError(f"Views of the page '{view.page}' cannot be drawn here: open the view's link instead.")
    return drawer(con, dataset_of(con, view, dataset), view)
