"""What works: every change recorded in the store, measured the Making Data Count way.

The list (``ui.what_works``) shows each change and each figure it was meant to move, with its verdict, evidence and
effect and a small SPC chart rebased at the change; the filters (service, figure, verdict; keyed ``ww_…`` and bound to
the URL) narrow it. Opening a change draws its declared figure (:mod:`analysis.changes.declared`) with the one call
every page uses, so the sidebar's "Add this view to the session" adds it and the pack draws it.
"""

from __future__ import annotations

import streamlit as st

from analysis.changes import declared
from analysis.changes.page import FIGURE_KEY, OPEN_KEY, PAGE, SERVICE_KEY, VERDICT_KEY
from ui.auth import guard_page
from ui.change_forms import flash, render_record_form
from ui.connection import current_dataset
from ui.figures import app_context, show_figure
from ui.links import page_link
from ui.practice_cards import render_card_export, render_network
from ui.sections import figure
from ui.text import plain
from ui.what_works import measured_all, render_list

guard_page()  # sign-in, even when Streamlit runs this file on its own (see ui.auth.guard_page)
BIND = "query-params"

st.title("What works")
st.caption("Every change a service made, measured on the figures it was meant to move: the months after it against "
           "the months before, read with the same SPC rules as every chart here (not p-values).")

dataset = current_dataset()
if dataset is None:
    st.info("There is no data yet. Load a file on the Data page, or build the demo data with `python -m data.demo`.")
    page_link("pages/data.py", label="Go to the Data page", icon=":material/upload_file:")
    st.stop()

flash()
render_record_form(dataset)

measured = []
with figure("the changes and their effects"):
    measured = measured_all()

if not measured:
    st.info("No changes recorded yet. Record one above, or mark a Workshop action done and make it a change "
            "(Workshop page, Actions tab).", icon=":material/science:")
    render_network(dataset)
    st.stop()

# ---- filters ------------------------------------------------------------------------------------------------------
services = sorted({m.change.service or "Every service" for m in measured})
figures = sorted({m.figure.label for m in measured if m.figure is not None})
verdicts = list(dict.fromkeys(m.verdict_label for m in measured))
for key, values in ((SERVICE_KEY, services), (FIGURE_KEY, figures), (VERDICT_KEY, verdicts)):
    current = st.session_state.get(key)
    if current and any(v not in values for v in current):  # a link's value this store does not have
        st.session_state[key] = [v for v in current if v in values]
cols = st.columns(3)
cols[0].multiselect("Services", services, key=SERVICE_KEY, bind=BIND, placeholder="All services")
cols[1].multiselect("Figures", figures, key=FIGURE_KEY, bind=BIND, placeholder="All figures")
cols[2].multiselect("Verdicts", verdicts, key=VERDICT_KEY, bind=BIND, placeholder="All verdicts")
chosen = {k: set(st.session_state.get(k) or ()) for k in (SERVICE_KEY, FIGURE_KEY, VERDICT_KEY)}
shown = [m for m in measured
         if (not chosen[SERVICE_KEY] or (m.change.service or "Every service") in chosen[SERVICE_KEY])
         and (not chosen[FIGURE_KEY] or (m.figure is not None and m.figure.label in chosen[FIGURE_KEY]))
         and (not chosen[VERDICT_KEY] or m.verdict_label in chosen[VERDICT_KEY])]

# ---- the change opened --------------------------------------------------------------------------------------------
labels = {m.key: f"{m.change.title} ({m.change.scope()}): {m.figure.label}" for m in measured if m.effect is not None}
# The address carries the change's key ("1:demand:failure"), not its label (which a rename would change), so the
# control is not bound to the URL: the key is read from it and written back by hand.
if OPEN_KEY not in st.session_state and st.query_params.get(OPEN_KEY):
    st.session_state[OPEN_KEY] = st.query_params[OPEN_KEY]
if st.session_state.get(OPEN_KEY) and st.session_state[OPEN_KEY] not in labels:
    st.session_state[OPEN_KEY] = None  # a link's change that is no longer recorded
st.selectbox("Change opened", list(labels), key=OPEN_KEY, format_func=lambda k: plain(labels[k]),
             index=None, placeholder="Open a change from the list below")
if st.session_state.get(OPEN_KEY):
    st.query_params[OPEN_KEY] = st.session_state[OPEN_KEY]
elif OPEN_KEY in st.query_params:
    del st.query_params[OPEN_KEY]
if st.session_state.get(OPEN_KEY):
    view = PAGE.read(app_context(), dataset, st.session_state)
    show_figure(declared.CHANGE, view, headline=True)
    opened_id = int(st.session_state[OPEN_KEY].split(":")[0])
    render_card_export(opened_id, next(m.change.title for m in measured if m.change.id == opened_id))
    st.caption("Add this change to a session with the sidebar's 'Add this view to the session'.")

st.subheader(f"Changes ({len(shown)} of {len(measured)})")
render_list(shown)

st.divider()
render_network(dataset)
