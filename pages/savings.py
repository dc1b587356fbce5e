"""Savings scenarios page: what a change would save, from the service's own demand and cost data.

The baseline period, the unit costs and the levers (drawn by :mod:`ui.savings_levers`, every input keyed ``sv_…`` and
bound to the URL) are read into one :class:`analysis.savings.page.SavingsView` by the function that reads a saved view
for presentation and the pack; the page is then a list of sections drawing the declared figures
(:mod:`analysis.savings.declared`) with :func:`ui.figures.show_figure`, and a section with controls of its own (the
sensitivity spread, the saved scenarios, the comparison) is an ``st.fragment``. The baseline is one cached aggregate
per dataset version and period, and a scenario's outcome is cached per set of levers, so moving a lever is arithmetic
only, once. The charts come as Vega-Lite dicts from cached templates (``charts.*_spec``).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from analysis import coverage, exports, lookups, store
from analysis.formatting import format_count, format_money
from analysis.savings import baseline, costs, declared, model, scenarios
from analysis.savings import page as savings_page
from analysis.savings.declared import CURRENT
from analysis.savings.page import COMPARE_KEY, PERIOD_KEY, SOCITM, SPREAD_KEY, SavingsView, source_words
from ui import actions
from ui.auth import guard_page
from ui.connection import current_dataset, get_connection
from ui.figures import app_context, cached, drawn_for, show_figure
from ui.links import page_link
from ui.lookup_choice import lookup_for
from ui.savings_levers import (FLASH_KEY, PICK_KEY, RENAME_KEY, delete_scenario, load_scenario, prune, rename_scenario,
                               render_costs, render_levers)
from ui.sections import figure, show_coverage
from ui.text import plain

guard_page()  # sign-in, even when Streamlit runs this file on its own (see ui.auth.guard_page)

BIND = "query-params"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

available_periods = cached()(savings_page.available_periods)


def _link_to_data_page() -> None:
    try:
        page_link("pages/data.py", label="Go to the Data page", icon=":material/upload_file:")
    except StreamlitAPIException:  # the Data page is not in this app's navigation
        st.caption("Open the Data page from the menu.")


# ---- sections -----------------------------------------------------------------------------------------------------


def outcome_section(view: SavingsView) -> None:
    st.subheader("What this scenario saves")
    with figure("the saving", stop=True):
        drawn = drawn_for(declared.WATERFALL, view)
        if drawn.note:
            st.info(plain(drawn.note), icon=":material/info:")
            return
        result = drawn.result
    st.info(model.ORDER_OF_APPLICATION, icon=":material/format_list_numbered:")
    years = view.levers.years
    m = st.columns(3)
    m[0].metric("Annual saving at full effect", format_money(result.total_saving),
                help=f"Baseline cost {format_money(result.baseline_cost)} a year; scenario cost "
                     f"{format_money(result.scenario_cost)}.")
    m[1].metric(f"Net saving over {years} years", format_money(float(result.projection["cumulative_net"].iloc[-1])),
                delta=(f"Pays back in year {result.payback_year}" if result.payback_year else
                       f"Does not pay back in {years} years"),
                delta_color="normal" if result.payback_year else "inverse")
    m[2].metric("Staff time released", f"{result.fte_released:,.1f} FTE",
                help=f"{format_count(result.minutes_saved / 60)} hours a year at "
                     f"{format_count(view.levers.productive_hours)} productive hours per FTE.")
    m = st.columns(3)
    m[0].metric("Contacts avoided a year", f"{format_count(result.contacts_avoided)} contacts")
    m[1].metric("Contacts moved to other channels", f"{format_count(result.contacts_moved)} contacts")
    m[2].metric("Scenario cost a year", format_money(result.scenario_cost),
                help=f"Baseline cost {format_money(result.baseline_cost)} a year, from contacts × cost per contact.")
    st.markdown(model.explain(result))
    preset = view.preset
    st.caption(f"Baseline: {format_count(view.base.total_contacts)} contacts to '{plain(view.dataset.name)}' from "
               f"{baseline.period_label(view.start, view.end)}"
               + (f", scaled up from the {view.base.covered_days} days the data cover." if view.base.coverage_note
                  else ".")
               + (f" Unit costs: {plain(costs.SOCITM_SOURCE)}." if preset == SOCITM else
                  f" Unit costs: {plain(source_words(preset))}."))
    for i in view.same_channel_shifts:
        st.warning(f"Shift {i} moves contacts from a channel to itself, so it is left out: choose two channels.")
    for note in dict.fromkeys(result.notes):
        st.caption(f":material/info: {plain(note)}")
    c1, c2 = st.columns(2)
    with c1:
        show_figure(declared.WATERFALL, view, how=False, drawn=drawn)
    with c2:
        show_figure(declared.PROJECTION, view, how=False)
    with st.expander("Year by year", expanded=False):
        st.dataframe(scenarios.year_by_year(result.projection), hide_index=True, width="stretch")


@st.fragment(key="savings_sensitivity")
def sensitivity_section(view: SavingsView) -> None:
    st.subheader("How sure is it?")
    st.slider("Move each input down and up by (%)", 5, 50, value=25, step=5, key=SPREAD_KEY, bind=BIND)
    drawn = show_figure(declared.SENSITIVITY, view, how=False)
    if drawn is not None and drawn.result is not None:
        st.caption(plain(drawn.reading))


@st.fragment(key="savings_saved")
def saved_section(view: SavingsView) -> None:
    st.subheader("Saved scenarios")
    flash = st.session_state.pop(FLASH_KEY, None)
    if flash:
        (st.success if flash[0] == "success" else st.error)(flash[1])
    ds, con = view.dataset, get_connection()
    s1, s2 = st.columns([3, 1], vertical_alignment="bottom")
    save_name = s1.text_input("Name this scenario", key="sv_save_name", bind=BIND, max_chars=80,
                              placeholder="e.g. Online tracking, cautious")
    replace_it = s2.checkbox("Replace one of the same name", key="sv_replace", bind=BIND)
    if st.button("Save scenario", key="sv_save_btn", type="primary"):
        with figure("saving the scenario"):
            actions.save_scenario(con, save_name, ds, view.start, view.end, view.levers, overwrite=replace_it)
            st.session_state[FLASH_KEY] = ("success", f"Saved '{plain(save_name.strip())}' for {plain(ds.name)} "
                                                       f"({baseline.period_label(view.start, view.end)}).")
            st.rerun(scope="app")  # the comparison below offers it too
    with figure("the saved scenarios"):
        saved = saved_scenarios(ds)
        names = saved["name"].tolist()
        if not names:
            st.caption(f"No scenarios saved for {plain(ds.name)} yet. Scenarios are kept in the Stocktake database, "
                       "tied to the dataset they were built on.")
            return
        st.dataframe(scenarios.saved_list_for_people(saved, ds.version), hide_index=True, width="stretch")
        prune(PICK_KEY, names)
        p1, p2, p3, p4 = st.columns([3, 1, 1, 3], vertical_alignment="bottom")
        p1.selectbox("Scenario", names, key=PICK_KEY, bind=BIND)
        # Loading sets the levers above, and deleting or renaming changes the comparison below: the whole page reruns.
        loaded = p2.button("Load", key="sv_load_btn", on_click=load_scenario,
                           args=(ds, list(view.periods), list(view.channels)), help="Set the levers to this scenario's.")
        deleted = p3.button("Delete", key="sv_delete_btn", on_click=delete_scenario, args=(ds,))
        with p4:
            r1, r2 = st.columns([3, 1], vertical_alignment="bottom")
            r1.text_input("New name", key=RENAME_KEY, bind=BIND, max_chars=80)
            renamed = r2.button("Rename", key="sv_rename_btn", on_click=rename_scenario, args=(ds,))
        if loaded or deleted or renamed:
            st.rerun(scope="app")


def saved_scenarios(ds: store.Dataset) -> pd.DataFrame:
    """The dataset's saved scenarios, read once per run (the saved list and the comparison both show them; saving,
    renaming or deleting one reruns the page)."""
    return declared.saved(app_context(), ds).copy()


@st.fragment(key="savings_compare")
def compare_section(view: SavingsView) -> None:
    st.subheader("Compare scenarios")
    names = saved_scenarios(view.dataset)["name"].tolist()
    options = names + [CURRENT]
    prune(COMPARE_KEY, options)
    chosen = st.multiselect("Scenarios to compare (two to four)", options, default=[], key=COMPARE_KEY, bind=BIND,
                            max_selections=4, placeholder="Choose saved scenarios")
    if len(chosen) < 2:
        st.caption("Choose two to four scenarios to see them side by side, with a download of the comparison.")
        return
    with figure("the comparison of scenarios"):
        drawn = drawn_for(declared.COMPARISON, view)
        if drawn.note:
            st.info(plain(drawn.note), icon=":material/info:")
            return
        table = drawn.table
        shown = scenarios.comparison_for_people(table)
        st.dataframe(shown, width="stretch", height=35 * (len(shown) + 1) + 3)
        c1, c2 = st.columns(2)
        with c1:
            show_figure(declared.COMPARISON, view, how=False, drawn=drawn)
        with c2:
            show_figure(declared.COMPARISON_PROJECTION, view, how=False)
        inputs = pd.DataFrame([{"Scenario": name, "Baseline period": baseline.period_label(start, end),
                                "Inputs": levers.to_json()} for name, start, end, levers in drawn.inputs.scenarios])
        proj = drawn_for(declared.COMPARISON_PROJECTION, view).data
        d1, d2 = st.columns(2)
        d1.download_button("Download comparison (CSV)", lambda: exports.to_csv_bytes(table),
                           file_name="savings_comparison.csv", mime="text/csv", key="sv_dl_csv", on_click="ignore")
        d2.download_button("Download comparison (Excel)", lambda: exports.to_xlsx_bytes(
            {"Comparison": table, "Projection": proj, "Inputs": inputs}),
            file_name="savings_comparison.xlsx", key="sv_dl_xlsx", on_click="ignore", mime=XLSX)


# ---- page ---------------------------------------------------------------------------------------------------------


def savings_view(ds: store.Dataset) -> SavingsView:
    """Draw the baseline period, the unit costs and the levers, and read the view the sections share."""
    span = show_coverage(ds)
    with figure("the 12-month periods this dataset covers", stop=True):
        periods = {savings_page.month_key(s): (s, e) for s, e in available_periods(ds)}
        if not periods:
            st.info(f"'{plain(ds.name)}' has no 12-month period to work savings out from.")
            st.stop()
    latest = next(iter(periods))
    prune(PERIOD_KEY, list(periods))
    period_key = st.selectbox(
        "Baseline period (12 months)", list(periods), index=0, key=PERIOD_KEY, bind=BIND,
        format_func=lambda k: baseline.period_label(*periods[k]) + (
            f" (the data cover only {coverage.span_words(span.days)} of it)" if span is not None
            and not span.covers_a_year else " (latest full 12 months)" if k == latest else ""),
        help="The contacts the savings are worked out from. The latest full 12 months is chosen at first.")
    with figure("the baseline of contacts", stop=True):
        base = savings_page.base_of(app_context(), ds, *periods[period_key])
    if base.coverage_note:
        # Less than a year of data: every annual figure below is the covered days scaled up, and says so.
        st.warning(base.coverage_note, icon=":material/date_range:")
    # Only lookups that may serve this dataset (never the demo's costs for real data); the one chosen for it, or
    # whose channel names match its own, is the starting choice; otherwise the published benchmark, named as such.
    render_levers(base, render_costs(ds, base, lookup_for(ds, lookups.UNIT_COST)))
    return savings_page.read_view(app_context(), ds, st.session_state)


def main() -> None:
    st.title("Savings scenarios")
    st.caption("What would a change save? Set the levers below: the page works out the saving from your own contacts "
               "in a 12-month period, the cost per contact of each channel and the time each contact takes.")
    ds = current_dataset()
    if ds is None:
        st.info("Load a records dataset first: savings are worked out from your own contacts.")
        _link_to_data_page()
        return
    if ds.kind != "records":
        st.info(f"'{plain(ds.name)}' is {'spending' if ds.kind == 'spend' else 'a KPI dataset'}. Savings are worked "
                "out from case-level records: pick a records dataset in the sidebar"
                + (" (spending paired with it gives its unit costs)." if ds.kind == "spend" else "."))
        return
    missing = [label for role, label in (("date", "Date or time received"), ("channel", "Channel"))
               if role not in ds.roles]
    if missing:
        st.warning(f"The Savings page needs columns with the role{'s' if len(missing) > 1 else ''} "
                   f"{' and '.join(repr(m) for m in missing)} in '{plain(ds.name)}'. Set them on the Data page.")
        _link_to_data_page()
        return
    view = savings_view(ds)
    outcome_section(view)
    sensitivity_section(view)
    saved_section(view)
    compare_section(view)


with figure("the Savings page"):
    main()
