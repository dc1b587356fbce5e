"""The Spend page's own controls: its filter bar, the list of payments behind the figures, and the pairing of a
records dataset with the spending (the services matched, editable by editors and kept per pair).

Every control is keyed ``sp_…`` (``analysis.spend.page``: the keys a saved view reads back) and bound to the URL. A
change to the store (the records chosen for this spending, the services matched) goes through the audited gate,
``ui.actions.perform``, like every other change.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from analysis import lookups, store
from analysis.errors import StocktakeError
from analysis.formatting import format_count
from analysis.governance import audit
from analysis.spend import matching, scan
from analysis.spend.page import (FROM_KEY, GRAIN_KEY, GRAIN_LABELS, LIST_CONTROLS, RECORDS_KEY, TO_KEY, TOP_CHOICES,
                                 TOP_KEY, SpendView)
from analysis.spend.vocabulary import SPEND_ROLES
from ui import actions
from ui.auth import can_edit
from ui.connection import get_connection
from ui.exports import csv_download
from ui.figures import app_context, cached
from ui.text import plain

BIND = "query-params"
payments_of = cached(spinner="Finding the payments…")(scan.payments)


def _clamp(value, low, high):
    return None if value is None else min(max(value, low), high)


def render_spend_filters(dataset: store.Dataset, options: dict[str, list[str]],
                         coverage: tuple[date | None, date | None]) -> None:
    """The filter bar: the period and grain (where the payments have dates), how many bars, the list filters."""
    first, last = coverage
    with st.container(border=True):
        top = st.columns([1, 1, 2, 1] if first is not None else [1, 3])
        if first is not None:
            for key in (FROM_KEY, TO_KEY):  # a date in a link may lie outside the data: pulled inside it
                current = st.session_state.get(key)
                if isinstance(current, date) and _clamp(current, first, last) != current:
                    st.session_state[key] = _clamp(current, first, last)
            top[0].date_input("From", value=first, min_value=first, max_value=last, key=FROM_KEY, bind=BIND,
                              format="DD/MM/YYYY", help="First payment date included.")
            top[1].date_input("To", value=last, min_value=first, max_value=last, key=TO_KEY, bind=BIND,
                              format="DD/MM/YYYY", help="Last payment date included.")
            top[2].radio("Show spend by", list(GRAIN_LABELS), horizontal=True, key=GRAIN_KEY, bind=BIND,
                         format_func=GRAIN_LABELS.get, help="Financial years run April to March (2024/25).")
        top[-1 if first is not None else 0].selectbox("Bars before 'All other'", TOP_CHOICES,
                                                      index=TOP_CHOICES.index(10), key=TOP_KEY, bind=BIND)
        present = [r for r in LIST_CONTROLS if r in dataset.roles]
        for col, role in zip(st.columns(len(present)) if present else [], present):
            key, label = LIST_CONTROLS[role]
            values = options.get(role, [])
            current = st.session_state.get(key)
            if current and any(v not in values for v in current):
                st.session_state[key] = [v for v in current if v in values]
            col.multiselect(label, values, key=key, bind=BIND, placeholder=f"All {label.lower()}",
                            help=f"Only payments whose {SPEND_ROLES[role].lower()} is one of these.")


def render_payments(view: SpendView) -> None:
    """The payments behind what the page shows (the filters and the drill-down), largest first, with a download."""
    shown = payments_of(view.dataset, view.filters)
    total = app_context().shared(scan.spend_scan, view.dataset, view.filters, scan.page_sets(view.dataset))
    count = total.total["payments"] + total.total["credit_rows"]  # the page's own scan: no second count
    if not count:
        st.info("No payments match these filters.", icon=":material/info:")
        return
    st.caption(f"{format_count(count)} payments and credits match" + (
        f"; the {format_count(len(shown))} largest are listed and downloaded (narrow the filters, or drill down, "
        "for the rest)"
        if count > len(shown) else "") + ". Click a bar above to list the payments behind it.")
    amount = view.dataset.roles["amount"]
    # A payment's date is a day (a finance export may still write it with a time of 00:00).
    dates = {c.name: st.column_config.DatetimeColumn(c.name, format="DD/MM/YYYY" if c.type == "date" or c.role == "date"
                                                     else "DD/MM/YYYY HH:mm") for c in view.dataset.columns
             if c.type in ("date", "timestamp")}
    st.dataframe(shown, hide_index=True, width="stretch", height=320,
                 column_config={**dates, amount: st.column_config.NumberColumn(amount, format="£%,.2f")})
    csv_download(shown, "spend_payments", "sp_dl_payments")


# ---- unit costs: the records paired with this spending ------------------------------------------------------------

def render_pairing(view: SpendView, options: list[store.Dataset]) -> matching.Pair | None:
    """Choose the records dataset (kept for it when an editor chooses), and see or edit how the services match."""
    ds = view.dataset
    names = [d.name for d in options]
    if not names:
        return None
    if st.session_state.get(RECORDS_KEY) not in names:
        st.session_state.pop(RECORDS_KEY, None)
    chosen = st.selectbox("Records to work unit costs out with", names, key=RECORDS_KEY, bind=BIND,
                          help="A records dataset of the same services (contacts, requests or cases). Editors: the "
                               "choice is kept, so the Performance and Savings pages of those records use this "
                               "spending too.")
    records = next(d for d in options if d.name == chosen)
    con = get_connection()
    if can_edit() and lookups.stored_choice(con, records.name, matching.SPENDING) != ds.name:
        if st.button(f"Use '{ds.name}' as the spending of '{records.name}'", key="lookup_spending_keep",
                     help="Kept for those records: their Performance page offers spend per contact as a KPI and "
                          "their Savings page offers these unit costs."):
            _act(lambda: actions.choose_lookup(con, records.name, matching.SPENDING, ds.name))
    pair = matching.pair_for(app_context(), records, ds.name)
    if pair is None:
        return None
    st.caption(plain(pair.sentence()))
    with st.expander("Which spending service is which records service", expanded=not pair.edited):
        _mapping_editor(pair, app_context().shared(matching.services, records))
    return pair


def _mapping_editor(pair: matching.Pair, records_services: list[str]) -> None:
    frame = pair.frame().rename(columns={"spend_service": "Spending service", "records_service": "Records service",
                                         "similarity": "How alike"})
    frame["Records service"] = frame["Records service"].replace(matching.NOT_MATCHED, "(not matched)")
    editable = can_edit()
    edited = st.data_editor(
        frame, key=f"sp_map_{pair.records}_{pair.spend}", hide_index=True, width="stretch", disabled=not editable
        or ["Spending service", "How alike"],
        column_config={"Records service": st.column_config.SelectboxColumn(
            options=["(not matched)", *records_services], required=True),
            "How alike": st.column_config.ProgressColumn(min_value=0.0, max_value=1.0, format="%.2f")})
    if not editable:
        st.caption("Matched by name; editors can correct the matching.")
        return
    if st.button("Keep this matching", key="lookup_spending_map_save", type="primary"):
        mapping = {row["Spending service"]: "" if row["Records service"] == "(not matched)" else
                   row["Records service"] for row in edited.to_dict("records")}
        _act(lambda: actions.perform(
            get_connection(), audit.LOOKUP_CHOSEN, pair.records,
            lambda: matching.save_mapping(get_connection(), pair.records, pair.spend, mapping),
            detail=f"Spending '{pair.spend}': {sum(1 for v in mapping.values() if v)} of {len(mapping)} services "
                   "matched by hand"))


def _act(change) -> None:
    try:
        change()
    except StocktakeError as exc:
        st.error(plain(exc))
    else:
        st.rerun()

