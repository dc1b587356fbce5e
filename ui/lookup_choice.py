"""Which lookup a dataset uses (unit costs, populations, a benchmark), said on the page and chosen there by editors.

The choice is kept in the store per dataset (``analysis.lookups``), through the audited gate (``ui.actions``): a
viewer sees which lookup applies and why, an editor can also choose another, none, or go back to matching by names.
"""

from __future__ import annotations

import streamlit as st

from analysis import lookups, store
from analysis.errors import StocktakeError
from ui import actions
from ui.auth import can_edit
from ui.connection import catalogue, get_connection
from ui.figures import app_context
from ui.text import plain

AUTOMATIC = "__automatic__"
NONE = "__none__"

def lookup_for(dataset: store.Dataset, purpose: str) -> lookups.LookupChoice:
    """``analysis.lookups.lookup_for``, kept until the dataset, the choice or a candidate lookup changes (the figures
    that read a lookup find it the same way: ``ui.figures.AppContext.lookup``)."""
    return app_context().lookup(dataset, purpose)


def render_lookup_choice(dataset: store.Dataset, purpose: str, choice: lookups.LookupChoice | None) -> None:
    """The sentence saying which lookup applies (and its match rate); for editors, a picker to choose another."""
    if choice is not None and choice.lookup is not None:
        st.caption(plain(choice.sentence()))
    con = get_connection()
    offered = [d.name for d in lookups.candidates(con, dataset, purpose, catalogue())]
    if not offered or not can_edit():
        return
    words = lookups.PURPOSES[purpose][3]
    stored = lookups.stored_choice(con, dataset.name, purpose)
    options = [AUTOMATIC, *offered, NONE]
    current = AUTOMATIC if stored is None else (NONE if stored == lookups.NONE_CHOSEN else stored)
    labels = {AUTOMATIC: "The lookup whose names match (automatic)", NONE: f"None: use no {words} for this dataset"}
    picked = st.selectbox(
        f"Lookup for {words} with this dataset", options, index=options.index(current) if current in options else 0,
        key=f"lookup_{purpose}_{dataset.name}", format_func=lambda o: labels.get(o, f"'{o}'"),
        help="Kept for this dataset: a lookup applies only when it is chosen here or its names match the data's.")
    if picked != current:
        try:
            actions.choose_lookup(con, dataset.name, purpose, None if picked in (AUTOMATIC, NONE) else picked,
                                  automatic=picked == AUTOMATIC)
        except StocktakeError as exc:
            st.error(plain(exc))
        else:
            st.rerun()
