"""The Explore pages and every figure they declare, in one index: what a saved view can show, and how it is drawn.

A saved view (:class:`analysis.workshop.sessions.View`) names its page by its address and its figure by its key; this module
finds both among the pages' declarations (:mod:`analysis.demand.declared`, :mod:`analysis.kpis.declared`,
:mod:`analysis.savings.declared`, :mod:`analysis.spend.declared`, :mod:`analysis.changes.declared` and the
Overview's :mod:`analysis.overview_declared`) and draws the figure as the page would, from the controls' values the view kept.
Every figure a page draws is here, so every one can be added to a session, presented and packed. A new Explore page
is one more import in :data:`PAGES`.
"""

from __future__ import annotations

from typing import Any, Mapping

from analysis import store
from analysis.changes import declared as what_works
from analysis.demand import declared as demand
from analysis import overview_declared as overview
from analysis.kpis import declared as performance
from analysis.kpis import summary_declared  # noqa: F401  (registers the summary of every KPI on the page)
from analysis.errors import StocktakeError
from analysis.registry import Context, Drawn, Figure, Page, draw_view
from analysis.savings import declared as savings
from analysis.spend import declared as spend
from analysis.workshop.sessions import View

PAGES: dict[str, Page] = {page.key: page for page in (overview.PAGE, demand.PAGE, performance.PAGE, savings.PAGE,
                                                       spend.PAGE, what_works.PAGE)}


def page(key: str) -> Page:
    if key not in PAGES:
        raise StocktakeError(f"Views of the page '{key}' cannot be drawn here: open the view's link instead.")
    return PAGES[key]


def figure(page_key: str, figure_key: str) -> Figure:
    return page(page_key).figure(figure_key)


def figure_label(page_key: str, figure_key: str) -> str:
    """The figure's name as the page calls it ('Volume over time')."""
    found = PAGES.get(page_key)
    return found.figures[figure_key].title if found and figure_key in found.figures else figure_key


def page_title(page_key: str) -> str:
    return PAGES[page_key].title if page_key in PAGES else page_key


def default_title(page_key: str, figure_key: str, state: Mapping[str, Any]) -> str:
    """A facilitator's title to start from: the figure, and what it is narrowed to."""
    label = figure_label(page_key, figure_key)
    return PAGES[page_key].default_title(label, state) if page_key in PAGES else label


def url_params(page_key: str, state: Mapping[str, Any]) -> dict[str, list[str]]:
    """The query parameters the page's widgets write for these controls (see ``analysis.state.url_params``)."""
    return page(page_key).url_params(state)


def dataset_of(ctx: Context, view: View, fallback: str | None) -> store.Dataset:
    """The dataset a view shows (the session's when the view names none), or why it cannot be shown."""
    name = view.dataset or fallback
    if not name:
        raise StocktakeError("This view does not say which dataset it shows: add it again from its page.")
    try:
        return ctx.dataset(name)
    except StocktakeError:
        raise StocktakeError(f"The dataset '{name}' this view shows is no longer loaded: load it again, or remove "
                             "the view from the agenda.") from None


def draw_saved(ctx: Context, view: View, *, dataset: str | None = None) -> Drawn:
    """The figure a saved view shows, drawn as its page draws it. ``dataset`` is used when the view names none (the
    session's). A view that cannot be drawn (its dataset gone, a role removed) raises a sentence saying why; a figure
    with nothing to show comes back with its ``note`` set."""
    found = figure(view.page, view.figure)
    return draw_view(ctx, found, dataset_of(ctx, view, dataset), view.state)
