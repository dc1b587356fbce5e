"""The Demand page's filter bar: period, grain and the list filters, bound to the URL.

Every widget has a ``dm_`` key (``analysis.demand.page``: the keys a saved view reads back) and
``bind="query-params"``, so a view can be shared as a link and opening the link restores it. The page reads the
filters from the widgets' values with ``analysis.demand.page.read_view``, as presentation mode reads a saved view;
they are written above the figures as a plain sentence (``analysis.filters.describe``).
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from analysis import filters, periods
from analysis.demand import figures
from analysis.demand.page import FROM_KEY, GRAIN_KEY, LIST_CONTROLS, TO_KEY
from analysis.filters import Filters
from analysis.roles import RECORD_ROLES


def _clamp(value, low, high):
    if value is None:
        return None
    return min(max(value, low), high)


def render_filters(dataset, options: dict[str, list[str]], coverage: tuple[date | None, date | None]) -> None:
    """Draw the filter bar.

    ``options`` maps role -> values the list filter offers (``choices.filter_options``); ``coverage`` is the first
    and last date in the dataset, the default period. A date in the URL outside the data is pulled back inside it.
    """
    first, last = coverage
    with st.container(border=True):
        top = st.columns([1, 1, 2])
        # A value restored from the URL may lie outside the data (a link to an older load): clamp it first.
        for key in (FROM_KEY, TO_KEY):
            current = st.session_state.get(key)
            if first and last and isinstance(current, date) and _clamp(current, first, last) != current:
                st.session_state[key] = _clamp(current, first, last)
        start = top[0].date_input("From", value=first, min_value=first, max_value=last, key=FROM_KEY,
                                  bind="query-params", format="DD/MM/YYYY",
                                  help="First day of the period analysed (inclusive).")
        end = top[1].date_input("To", value=last, min_value=first, max_value=last, key=TO_KEY,
                                bind="query-params", format="DD/MM/YYYY",
                                help="Last day of the period analysed (inclusive).")
        top[2].radio("Show counts by", list(figures.GRAINS), index=2, horizontal=True, key=GRAIN_KEY,
                     bind="query-params", format_func=lambda g: periods.GRAIN_LABELS[g],
                     help="Financial years run April to March and are labelled 2024/25.")
        present = [r for r in LIST_CONTROLS if r in dataset.roles]
        if present:
            cols = st.columns(len(present))
            for col, role in zip(cols, present):
                key, label = LIST_CONTROLS[role]
                values = options.get(role, [])
                # Drop values from the URL that this dataset does not have, rather than failing.
                current = st.session_state.get(key)
                if current and any(v not in values for v in current):
                    st.session_state[key] = [v for v in current if v in values]
                col.multiselect(label, values, key=key, bind="query-params", placeholder=f"All {label.lower()}",
                                help=f"Only records whose {RECORD_ROLES[role].lower()} is one of these.")
    if start and end and start > end:
        st.warning("The 'From' date is after the 'To' date, so they have been swapped.")


def render_filter_sentence(active: Filters, drill_sentence: str | None = None) -> None:
    """The active filters as a sentence above the figures, with the drill-down (if any) after it."""
    text = f"**Showing:** {filters.describe(active)}"
    if drill_sentence:
        text += f"  \n**Drilled down to:** {drill_sentence}"
    st.markdown(text)
