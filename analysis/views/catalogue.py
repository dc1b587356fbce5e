"""What each Explore page can save in a session's agenda, and what a saved view becomes.

A saved view (:class:`analysis.sessions.View`) holds a page's ``url_path``, one of the page's figures and every
control's value. This module lists the pages and their figures, reads the controls back (a control the view does not
hold takes the page's default, as the page itself does when a link leaves it out), writes the link's query
parameters the way the page's widgets write them, and gives a facilitator a title to start from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Mapping

import pandas as pd

from analysis import periods, store
from analysis.errors import StocktakeError
from analysis.kpis import definitions
from analysis.sessions import View

DEMAND_PAGE = "demand-drivers"
PERFORMANCE_PAGE = "performance-trends"
SAVINGS_PAGE = "savings-scenarios"


@dataclass(frozen=True)
class PageViews:
    """What can be saved from one Explore page: its title, the prefix of its controls' keys and its figures."""

    title: str
    prefix: str
    figures: dict[str, str]  # figure key -> label, the first being the page's main figure


PAGES: dict[str, PageViews] = {
    DEMAND_PAGE: PageViews("Demand drivers", "dm_", {
        "volume": "Volume over time",
        "pareto": "Top reasons",
        "failure_service": "Failure and value demand by service",
        "failure_trend": "Failure demand over time",
        "seasonality": "Seasonality: month × year",
        "rate": "Records per 1,000 residents",
    }),
    PERFORMANCE_PAGE: PageViews("Performance trends", "pf_", {
        "spc": "The KPI's SPC chart",
    }),
    SAVINGS_PAGE: PageViews("Savings scenarios", "sv_", {
        "waterfall": "From baseline cost to scenario cost",
        "projection": "Savings over the years",
    }),
}

# Labels the pages' widgets show (and so write into the URL) for some values.
DEMAND_SPLIT_LABELS = {"channel": "Channel", "service": "Service", "area": "Area", "reason": "Reason",
                       "status": "Status"}
PERFORMANCE_RULE_LABELS = {"nhsr": "NHS-R (NHSRplotthedots)", "mdc": "Making Data Count tool"}
PERFORMANCE_DIRECTION_LABELS = {"increase": "Higher is better", "decrease": "Lower is better", "neutral": "Neither"}


@dataclass
class Figure:
    """One figure, ready to show: the chart as a Vega-Lite spec, the data behind it (headers for people), the
    filters in words, the reading in a sentence and a few headline numbers (label, value as text)."""

    title: str
    spec: dict
    data: pd.DataFrame
    filters: str
    reading: str
    headline: list[tuple[str, str]] = field(default_factory=list)
    dataset: str = ""
    kind: str = ""  # the figure's key ("spc", "volume", …)


# ---- reading a view's controls ------------------------------------------------------------------------------------

def value(state: Mapping[str, Any], key: str, default=None):
    """A control's value, or ``default`` when the view does not hold it (or holds nothing)."""
    held = state.get(key)
    return default if held is None or held == "" else held


def day(held) -> date | None:
    if held in (None, ""):
        return None
    if isinstance(held, date):
        return held
    try:
        return date.fromisoformat(str(held)[:10])
    except ValueError:
        return None


def strings(held) -> tuple[str, ...]:
    if held in (None, ""):
        return ()
    if isinstance(held, (list, tuple)):
        return tuple(str(v) for v in held)
    return (str(held),)


def dataset_of(con, view: View, fallback: str | None) -> store.Dataset:
    """The dataset a view shows (the session's when the view names none), or why it cannot be shown."""
    name = view.dataset or fallback
    if not name:
        raise StocktakeError("This view does not say which dataset it shows: add it again from its page.")
    try:
        return store.get_dataset(con, name)
    except StocktakeError:
        raise StocktakeError(f"The dataset '{name}' this view shows is no longer loaded: load it again, or remove "
                             "the view from the agenda.") from None


# ---- names, titles and links ----------------------------------------------------------------------------------------

def figure_label(page: str, figure: str) -> str:
    """The figure's name as the page calls it ('Volume over time')."""
    views = PAGES.get(page)
    return views.figures.get(figure, figure) if views else figure


def page_title(page: str) -> str:
    return PAGES[page].title if page in PAGES else page


def default_title(page: str, figure: str, state: Mapping[str, Any]) -> str:
    """A facilitator's title to start from: the figure, and what it is narrowed to."""
    label = figure_label(page, figure)
    if page == DEMAND_PAGE:
        services = strings(state.get("dm_service"))
        if 0 < len(services) <= 2:
            return f"{label}: {' and '.join(services)}"
    if page == PERFORMANCE_PAGE:
        kpi = value(state, "pf_kpi")
        narrowed = [held for held in (value(state, "pf_service", definitions.ALL), value(state, "pf_area", definitions.ALL))
                    if held != definitions.ALL]
        if kpi:
            name = definitions.kpi_label(kpi, int(value(state, "pf_days", definitions.DEFAULT_WITHIN_DAYS)))
            return name + (f": {', '.join(narrowed)}" if narrowed else "")
    return label


def url_params(page: str, state: Mapping[str, Any]) -> dict[str, list[str]]:
    """The query parameters a view's page writes for these controls (labels where the widget shows labels), so a
    view made outside the page (the demo's session) or in a test has the link the page would have given.

    ``False`` is left out: buttons keep ``False`` in the session's state too, and every checkbox here is off by
    default, so leaving it out opens the same view."""
    params: dict[str, list[str]] = {}
    if state.get("dataset"):
        params["dataset"] = [str(state["dataset"])]
    for key, held in state.items():
        if held is None or held is False or held in ("", []) or key == "dataset":
            continue
        if page == DEMAND_PAGE and key == "dm_grain":
            params[key] = [periods.GRAIN_LABELS.get(held, str(held))]
        elif page == DEMAND_PAGE and key == "dm_split":
            params[key] = [DEMAND_SPLIT_LABELS.get(held, str(held))]
        elif page == PERFORMANCE_PAGE and key == "pf_grain":
            params[key] = [periods.GRAIN_LABELS.get(held, str(held))]
        elif page == PERFORMANCE_PAGE and key == "pf_kpi":
            params[key] = [definitions.kpi_label(held, int(value(state, "pf_days", definitions.DEFAULT_WITHIN_DAYS)))]
        elif page == PERFORMANCE_PAGE and key == "pf_dir":
            params[key] = [PERFORMANCE_DIRECTION_LABELS.get(held, str(held))]
        elif page == PERFORMANCE_PAGE and key == "pf_rules":
            params[key] = [PERFORMANCE_RULE_LABELS.get(held, str(held))]
        elif page == PERFORMANCE_PAGE and key == "pf_service" and held == definitions.ALL:
            continue
        elif isinstance(held, bool):
            params[key] = [str(held).lower()]
        elif isinstance(held, (list, tuple)):
            params[key] = [str(v) for v in held]
        else:
            params[key] = [str(held)]
    return params
