""""Start a stocktake from this dataset": the standard agenda, with a question beside each figure, in one click.

On the Workshop page and the Overview. The click works the agenda out from the dataset in use
(:mod:`analysis.workshop.stocktake`: every figure drawn through the one cache, so presenting it afterwards is quick),
makes it a session held today, and opens that session on the Workshop page, saying what is on it and what was left
out and why.
"""

from __future__ import annotations

import streamlit as st

from analysis.errors import StocktakeError
from ui import actions
from ui import session_forms as forms
from ui.auth import can_edit
from ui.connection import current_dataset, get_connection
from ui.figures import app_context
from ui.text import plain

LABEL = "Start a stocktake from this dataset"
WORKSHOP = "pages/workshop.py"


def start_button(key: str, *, where=None, primary: bool = False) -> None:
    """The button; ``where`` is a column or container (the page by default)."""
    dataset = current_dataset()
    place = where or st
    editor = can_edit()  # a viewer sees it greyed, with why (the server checks again when it is used)
    clicked = place.button(
        LABEL, key=key, icon=":material/flag:", type="primary" if primary else "secondary",
        disabled=dataset is None or not editor,
        help=("Only editors can start a session. " if not editor else "") + "A session for today with the standard agenda: volume and what drives it, failure and repeat demand, "
             "the KPIs that are changing, what a change would save and spend, each figure with a question for the "
             "room written from the data. Figures this dataset cannot show are left out, and the session says why.")
    if not clicked or dataset is None:
        return
    try:
        with place.spinner(f"Building the agenda for {dataset.name}: drawing each figure and writing its question…"):
            session_id, agenda = actions.start_stocktake(get_connection(), app_context(), dataset)
    except StocktakeError as exc:
        place.error(plain(exc))
        return
    said = (f"Started a stocktake of {dataset.name}: {len(agenda.items)} figures, each with a question for the room.")
    if agenda.left_out:
        said += " Left out: " + agenda.left_out_sentence().replace("\n", " ")
    forms.flash("success", said)
    st.switch_page(WORKSHOP, query_params={forms.SESSION_PARAM: str(session_id)})
