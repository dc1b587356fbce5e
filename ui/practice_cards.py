"""Practice cards in the app: the card of the change opened (a download), the Network view beside the dataset in
use, and the import of cards (the Data page). Cards are built and checked in :mod:`analysis.changes.cards`; every
import goes through the gate (:mod:`ui.actions`)."""

from __future__ import annotations

import re

import streamlit as st

from analysis import store
from analysis.changes import cards, network
from analysis.changes import effect as fx
from analysis.changes.page import PREFIX
from analysis.errors import StocktakeError
from ui import actions, cache
from ui.auth import can_edit
from ui.connection import get_connection
from ui.figures import app_context
from ui.text import plain
from ui.uploads import uploaded_bytes

ORG_KEY = "_" + PREFIX + "org_type"  # private ("_"): not part of a saved view or its link
UPLOAD_KEY, IMPORT_KEY, OPEN_IMPORT_KEY = "dt_cards", "dt_cards_import", "dt_cards_open"
_IMPORTED = "_dt_cards_done"


def render_card_export(change_id: int, title: str) -> None:
    """A download of the change's practice card (built when clicked: it draws a chart per figure)."""
    row = st.container(horizontal=True, vertical_alignment="bottom")
    org = row.selectbox("Your organisation, as the card says it", cards.ORGANISATION_TYPES,
                        index=cards.ORGANISATION_TYPES.index("not stated"), key=ORG_KEY)

    def card() -> bytes:
        return cards.render_html(cards.build_payload(app_context(), change_id, org)).encode("utf-8")

    name = re.sub(r"[^A-Za-z0-9 _-]+", "", title).strip() or f"change {change_id}"
    row.download_button("Practice card (HTML)", data=card, file_name=f"{name} - practice card.html",
                        mime="text/html", key=f"_{PREFIX}card_{change_id}", icon=":material/share:",
                        on_click="ignore", help="One file to share with other services and councils: the change, "
                                                "its chart, its effect and evidence, and the data behind them as "
                                                "monthly aggregates (counts under 10 suppressed), readable offline.")


def _network_rows(dataset: store.Dataset) -> list[network.Beside]:
    ctx = app_context()
    return cache.remember("network", cache.data_key(dataset, (network.stamp(ctx.con),)), (),
                          lambda: network.network(ctx, dataset))


def render_network(dataset: store.Dataset) -> None:
    """Other organisations' changes (imported cards) beside the dataset in use."""
    st.subheader("Network: what others found")
    rows = _network_rows(dataset)
    if not rows:
        st.caption("No practice cards imported yet. Import cards other services and councils share on the Data page "
                   "(or `python -m analysis cards import FILE…`).")
        return
    st.caption(f"Each imported change beside your own baseline in '{plain(dataset.name)}'.")
    for b in rows:
        c, org, e = b.card["change"], b.card["organisation"], b.figure["effect"]
        with st.container(border=True):
            st.markdown(f"**{plain(c['title'])}**: {plain(c['service'] or 'every service')}, from {c['start']} "
                        f"· {plain(org['type'])}, {plain(org['size_band'])}")
            share = "" if e["share"] is None else f" ({e['share']:+.1%})"
            st.markdown(f"{plain(b.figure['label'])}: {fx.VERDICT_LABELS[e['verdict']]}{share}: "
                        f"{plain(e['evidence'])}.")
            st.markdown(plain(b.sentence()) if b.contacts_a_year is not None else "")
            if b.contacts_a_year is None:
                st.caption(plain(b.note))
            elif b.cost_source:
                st.caption(plain(b.cost_source[:1].upper() + b.cost_source[1:]) + ".")
            if b.savings_link:
                st.page_link("pages/savings.py", label="Open the Savings page with this lever set",
                             icon=":material/savings:", query_params=dict(b.savings_levers))
            elif b.contacts_a_year is not None:
                st.caption("The Savings page has no lever for this figure; its failure demand lever is set from "
                           "failure demand cards.")


def render_card_import() -> None:
    """The Data page's import of practice cards (editors only): every file checked first, then all or none."""
    if not can_edit():
        return
    done = st.session_state.pop(_IMPORTED, None)
    if done:
        (st.success if done[0] == "success" else st.error)(plain(done[1]))
    # A toggle, not an expander: an expander's uploader is on the page even when closed, and the page's one file
    # input is the data file's (a second would be a second "Browse files" for a keyboard or a script to land on).
    if st.toggle("Import practice cards (What works' Network view)", key=OPEN_IMPORT_KEY):
        files = st.file_uploader("Practice cards", type=["html", "htm"], accept_multiple_files=True, key=UPLOAD_KEY,
                                 help="HTML files exported from another Stocktake's What works page.")
        if st.button("Import the cards", key=IMPORT_KEY, disabled=not files, icon=":material/upload:"):
            try:
                named = []
                for f in files:
                    try:
                        named.append((f.name, cards.read_card(uploaded_bytes(f).decode("utf-8"), f.name)))
                    except UnicodeDecodeError:
                        raise cards.CardError(f"{f.name} is not a practice card (it is not an HTML text file).") \
                            from None
                added = actions.import_cards(get_connection(), named)
                st.session_state[_IMPORTED] = ("success", f"Imported {added} practice card{'s' if added != 1 else ''}"
                                               + (f" ({len(named) - added} already there)." if len(named) > added
                                                  else ".") + " See them on the What works page.")
            except StocktakeError as exc:
                st.session_state[_IMPORTED] = ("error", f"Nothing was imported. {exc}")
            st.rerun()


