"""Spend page: what the council spends, on what and with whom, how it is changing, and what a contact costs.

The filter bar and the drill-down chips (keyed ``sp_…`` and bound to the URL) are read into one
:class:`analysis.spend.page.SpendView` by the same function that reads a saved view for presentation and the pack;
the page is then a list of sections, each drawing its declared figures (:mod:`analysis.spend.declared`) with one
call, :func:`ui.figures.show_figure`. Clicking a bar (a service, a category, a supplier) drills the page down to it,
as a chip the link carries, and the payments behind it are listed at the foot of the page.
"""

from __future__ import annotations

import streamlit as st

from analysis import drill
from analysis.charts import spend as charts
from analysis.registry import needs_sentence
from analysis.spend import declared, matching, scan
from analysis.spend import page as spend_page
from analysis.spend.page import CHANGE_BY, CHANGE_BY_KEY, CHANGE_PERIOD_KEYS, DRILL_KEY, SpendView
from ui import drill as drill_ui
from ui.auth import guard_page
from ui.connection import catalogue, current_dataset
from ui.figures import app_context, cached, chart_key, show_figure
from ui.links import page_link
from ui.sections import figure, show_coverage
from ui.spend_controls import render_pairing, render_payments, render_spend_filters
from ui.text import plain

guard_page()  # sign-in, even when Streamlit runs this file on its own (see ui.auth.guard_page)

BIND = "query-params"
# Chart key -> (selection name, the role a click drills into), for every figure whose clicks drill.
DRILL_CHARTS = {chart_key(f): (f.drill.selection, f.drill.target) for f in spend_page.PAGE.figures.values()
                if f.drill}

coverage_of = cached()(scan.coverage)
filter_options = cached()(scan.filter_options)


# ---- sections -----------------------------------------------------------------------------------------------------

def totals_section(view: SpendView) -> bool:
    """The period's net spend with the payments and the credits apart; False when no payment matches."""
    with figure("the total spend"):
        found = app_context().shared(scan.spend_scan, view.dataset, view.filters, scan.page_sets(view.dataset),
                                     spinner="Adding up the payments…")
        total = found.total
        if not total["payments"] and not total["credit_rows"]:
            st.warning("No payments match these filters. Widen the period or remove a filter.")
            return False
        helps = ("Payments less credits.", "Positive amounts.", "Negative amounts: refunds and corrections.")
        for column, (label, number), help_text in zip(st.columns(3), declared.totals_headline(total), helps):
            column.metric(label, number, help=help_text)
        return True
    return False


def over_time_section(view: SpendView) -> None:
    st.subheader("Spend over time")
    if not view.dated:
        st.info(plain(declared.no_dates_sentence(app_context(), view.dataset)), icon=":material/event_busy:")
        return
    show_figure(declared.OVER_TIME, view)
    show_figure(declared.SPC, view)


def split_section(view: SpendView) -> None:
    st.subheader("Where the money goes")
    shown = [f for f in (declared.BY_SERVICE, declared.BY_CATEGORY, declared.BY_SUPPLIER)
             if f.needs[0] in view.dataset.roles]
    if not shown:
        st.info(needs_sentence("Spend by service, category or supplier", ["service"], view.dataset.kind))
        return
    for tab, shown_figure in zip(st.tabs([f.title.removeprefix("Spend by ").capitalize() for f in shown]), shown):
        with tab:
            show_figure(shown_figure, view, headline=True)


def concentration_section(view: SpendView) -> None:
    st.subheader("Supplier concentration")
    show_figure(declared.CONCENTRATION, view, headline=True)


@st.fragment(key="spend_change")
def change_section(view: SpendView) -> None:
    st.subheader("What drove the change in spend")
    if not view.dated:
        st.info(plain(declared.no_dates_sentence(app_context(), view.dataset)), icon=":material/event_busy:")
        return
    inputs = declared.CHANGE.inputs(app_context(), view.dataset, view, {})  # the default periods
    first, last = spend_page.month_span(*view.coverage)  # payments are published by whole months
    cols = st.columns(5)
    span = dict(min_value=first, max_value=last, bind=BIND, format="DD/MM/YYYY")
    for col, label, start, key in zip(cols, ("First period from", "First period to", "Second period from",
                                             "Second period to"), (*inputs.first, *inputs.second), CHANGE_PERIOD_KEYS):
        col.date_input(label, value=min(max(start, first), last), key=key, **span)
    options = declared.change_options(view.dataset)
    if options:
        cols[4].selectbox("Split the change by", options, key=CHANGE_BY_KEY, bind=BIND, format_func=CHANGE_BY.get)
    show_figure(declared.CHANGE, view, headline=True)


def payments_section(view: SpendView) -> None:
    st.subheader("The payments behind the figures")
    with figure("the list of payments"):
        render_payments(view)


@st.fragment(key="spend_unit_costs")
def unit_cost_section(view: SpendView) -> None:
    st.subheader("Spend per contact: unit costs from your own data")
    ds = view.dataset
    if not {"date", "service"} <= set(ds.roles):
        st.info(needs_sentence("Spend per contact", [r for r in ("date", "service") if r not in ds.roles], ds.kind))
        return
    with figure("the records paired with this spending"):
        options = matching.records_for(app_context(), ds)
        if not options:
            st.info("Load the contact records of the same services (a records dataset with dates and services) to "
                    "work out what a contact costs: spend per contact, by service and month.", icon=":material/info:")
            page_link("pages/data.py", label="Open the Data page", icon=":material/upload_file:")
            return
        pair = render_pairing(view, options)
    drawn = show_figure(declared.UNIT_COSTS, view, headline=True)
    if drawn is not None and drawn.result is not None:
        st.caption(f":material/info: {plain(drawn.result.sentence())}")  # the months in common, what was left out
    if drawn is not None and drawn.result is not None and pair is not None:
        serves = matching.pair_for(app_context(), app_context().dataset(pair.records))  # what those records use
        if serves is not None and serves.spend == ds.name:
            st.caption(f"'{plain(pair.records)}' offers Spend per contact as a KPI on its Performance page, and these "
                       "unit costs on its Savings page.")
        else:
            st.caption(f"Keep '{plain(ds.name)}' as the spending of '{plain(pair.records)}' (the button above), and "
                       "its Performance page offers Spend per contact as a KPI, its Savings page these unit costs.")


# ---- page ---------------------------------------------------------------------------------------------------------

def spend_view(ds) -> SpendView | None:
    """Draw the filter bar and the drill-down chips, and read the view every section works from."""
    show_coverage(ds)
    coverage = coverage_of(ds)
    render_spend_filters(ds, filter_options(ds), coverage)
    drill_ui.absorb_clicks(DRILL_CHARTS, "", charts.SELECTIONS, key=DRILL_KEY)
    chips = drill_ui.render_chips(key=DRILL_KEY)
    view = spend_page.read_view(app_context(), ds, st.session_state)
    st.markdown(f"**Showing:** {plain(view.bar_words())}"
                + (f"  \n**Drilled down to:** {plain(drill.describe_chips(chips))}" if chips else ""))
    if chips:
        st.button("Clear the drill-down", key="sp_clear", on_click=drill_ui.clear_chips, args=(DRILL_KEY,),
                  icon=":material/filter_alt_off:")
    return view


def main() -> None:
    st.title("Spend")
    st.caption("What the council spends, on what and with whom, how it is changing, and what a contact costs.")
    ds = current_dataset()
    if ds is None or ds.kind != "spend":
        spending = [d.name for d in catalogue() if d.kind == "spend"]
        st.info((f"'{plain(ds.name)}' is not spending. " if ds is not None else "")
                + (f"Choose a spending dataset in the sidebar ({', '.join(plain(n) for n in spending)})."
                   if spending else "Load your payments (the Transparency Code's 'spend over £500' file, or a "
                                    "finance export) on the Data page as 'Spending'."), icon=":material/info:")
        page_link("pages/data.py", label="Open the Data page", icon=":material/upload_file:")
        return
    if "amount" not in ds.roles:
        st.info(needs_sentence("The Spend page", ["amount"], ds.kind), icon=":material/info:")
        page_link("pages/data.py", label="Open the Data page", icon=":material/upload_file:")
        return
    view = spend_view(ds)
    if view is None or not totals_section(view):
        return
    # Each figure fails on its own (ui.figures.show_figure): one sentence in its place, and the rest is still drawn.
    over_time_section(view)
    split_section(view)
    concentration_section(view)
    change_section(view)
    payments_section(view)
    unit_cost_section(view)


with figure("the Spend page"):
    main()
