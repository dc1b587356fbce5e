"""Demand drivers page: what drives demand, how much of it is failure demand, and where it is heading.

The filter bar and the drill-down chips (keyed ``dm_…`` and bound to the URL, like every control here) are read into
one :class:`analysis.demand.page.DemandView`, by the same function that reads a saved view for presentation and the
pack; the page is then a list of sections, each drawing its declared figures (:mod:`analysis.demand.declared`) with
one call, :func:`ui.figures.show_figure`. A section with controls of its own is an ``st.fragment``: its control
reruns that section only. Clicking a bar or heatmap cell drills the whole page down to it, as a chip the link
carries (:mod:`ui.drill`).
"""

from __future__ import annotations

import streamlit as st

from analysis import classification, drill, lookups
from analysis.charts import demand as charts
from analysis.demand import change, choices, declared, explained, figures, readings
from analysis.demand import page as demand_page
from analysis.demand.page import (CHANGE_BY, CHANGE_BY_KEY, CHANGE_PERIOD_KEYS, HORIZON_KEY, REPEAT_BY_KEY,
                                  REPEAT_DAYS_KEY, SPLIT_KEY, SPLIT_LABELS, DemandView)
from analysis.formatting import format_count, format_percent
from analysis.reads import CLASSIFICATION
from analysis.registry import needs_sentence
from ui import drill as drill_ui
from ui.auth import guard_page
from ui.classification_editor import render_classification_editor
from ui.connection import current_dataset, dataset_version
from ui.figures import app_context, cached, chart_key, drawn_for, show_figure, show_headline
from ui.filters import render_filter_sentence, render_filters
from ui.links import page_link
from ui.lookup_choice import lookup_for, render_lookup_choice
from ui.sections import figure, show_coverage
from ui.text import plain

guard_page()  # sign-in, even when Streamlit runs this file on its own (see ui.auth.guard_page)

BIND = "query-params"
# Chart key -> (selection name, what a click drills into), for every figure whose clicks drill ("split" follows the
# volume chart's split choice).
DRILL_CHARTS = {chart_key(f): (f.drill.selection, f.drill.target) for f in demand_page.PAGE.figures.values()
                if f.drill}

coverage_of = cached()(figures.data_coverage)
filter_options = cached()(choices.filter_options)


# ---- sections -----------------------------------------------------------------------------------------------------


@st.fragment(key="demand_volume")
def volume_section(view: DemandView) -> None:
    st.subheader("Volume over time")
    st.columns([1, 3])[0].selectbox("Split by", [s for s in SPLIT_LABELS if not s or s in view.dataset.roles],
                                    key=SPLIT_KEY, bind=BIND, format_func=lambda s: SPLIT_LABELS[s])
    show_figure(declared.VOLUME, view)


def pareto_section(view: DemandView) -> None:
    st.subheader("Top reasons")
    show_figure(declared.PARETO, view, headline=True)


@st.fragment(key="demand_failure")
def failure_section(view: DemandView) -> None:
    st.subheader("Failure and value demand")
    ds = view.dataset
    if "reason" not in ds.roles:
        show_figure(declared.FAILURE_TREND, view)  # says which role it needs
        return
    with figure("failure and value demand"):
        classes = app_context().shared(classification.classification_frame, ds, reads=(CLASSIFICATION,))
        render_classification_editor(ds, classes, dataset_version(classification.classification_dataset_name(ds)))
        overall = drawn_for(declared.FAILURE_TREND, view)
        if overall.note:
            st.info(plain(overall.note), icon=":material/info:")
            return
        show_headline(overall, {"Failure demand": "Share of classified records that are failure demand.",
                                "Unclassified": "Share of records whose reason is not classified yet."})
        tabs = st.tabs(["By service", "By channel", "Over time"])
        for tab, shown in zip(tabs, (declared.FAILURE_SERVICE, declared.FAILURE_CHANNEL, declared.FAILURE_TREND)):
            with tab:
                show_figure(shown, view, how=False, drawn=overall if shown is overall.figure else None)
        with st.expander("How this is calculated"):
            st.markdown(explained.FAILURE)


@st.fragment(key="demand_repeats")
def repeat_section(view: DemandView) -> None:
    st.subheader("Repeat demand")
    ds = view.dataset
    id_roles = [r for r in declared.ID_ROLES if r in ds.roles]
    if not id_roles:
        st.info(needs_sentence("Repeat demand", ["customer_id"]), icon=":material/info:")
        page_link("pages/data.py", label="Open the Data page", icon=":material/upload_file:")
        return
    cols = st.columns(2)
    cols[0].number_input("Repeat window (days)", min_value=1, max_value=365, value=explained.REPEAT_WINDOW_DAYS,
                         step=1, key=REPEAT_DAYS_KEY, bind=BIND,
                         help="A contact is a repeat when the same customer made another contact this many days "
                              "before it, or fewer.")
    cols[1].radio("Same", id_roles, key=REPEAT_BY_KEY, bind=BIND, horizontal=True,
                  format_func=lambda r: {"customer_id": "customer", "property_id": "property"}[r])
    with figure("repeat demand"):
        lead = drawn_for(declared.REPEAT_PAIRS if "reason" in ds.roles else declared.REPEAT_CHANNEL, view)
        found = lead.result
        if found is None:
            st.info(plain(lead.note), icon=":material/info:")
            return
        show_headline(lead, {lead.headline[0][0]: f"{format_count(found.repeats)} repeats out of "
                                                  f"{format_count(found.contacts)} contacts with an id."})
        tabs = st.tabs(["By reason", "By channel", "Which reasons follow which"])
        for tab, shown in zip(tabs, (declared.REPEAT_REASON, declared.REPEAT_CHANNEL, declared.REPEAT_PAIRS)):
            with tab:
                show_figure(shown, view, how=False, drawn=lead if shown is lead.figure else None)
        with st.expander("How this is calculated"):
            st.markdown(lead.how)


def seasonality_section(view: DemandView) -> None:
    st.subheader("Seasonality")
    cols = st.columns(2)
    with cols[0]:
        show_figure(declared.DAY_HOUR, view, how=False)
    with cols[1]:
        show_figure(declared.SEASONALITY, view, how=False)
    with st.expander("How this is calculated"):
        st.markdown(explained.SEASONALITY)


@st.fragment(key="demand_change")
def change_section(view: DemandView) -> None:
    st.subheader("What changed between two periods")
    first, last = view.coverage
    inputs = declared.CHANGE.inputs(app_context(), view.dataset, view, {})  # the default periods
    cols = st.columns(5)
    span = dict(min_value=first, max_value=last, bind=BIND, format="DD/MM/YYYY")
    for col, label, start, key in zip(cols, ("First period from", "First period to", "Second period from",
                                             "Second period to"), (*inputs.first, *inputs.second), CHANGE_PERIOD_KEYS):
        col.date_input(label, value=start, key=key, **span)
    options = declared.change_options(view.dataset)
    if options:
        cols[4].selectbox("Split the change by", options, key=CHANGE_BY_KEY, bind=BIND,
                          format_func=lambda k: CHANGE_BY[k])
    with figure("the change between two periods"):
        drawn = drawn_for(declared.CHANGE, view)
        if drawn.result is not None:
            result, labels = drawn.result[0], drawn.inputs.labels
            m = st.columns(3)
            m[0].metric("First period", format_count(result.before_total), help=labels[0])
            m[1].metric("Second period", format_count(result.after_total), help=labels[1])
            relative = result.relative_change
            # A percentage from a base of a few records says nothing (13 -> 16,000 is +124,223%): not shown as one.
            few = result.too_few_to_compare
            m[2].metric("Change", f"{result.total_change:+,}",
                        delta=format_percent(relative) if relative is not None and not few else None,
                        delta_color="inverse", help=f"Too few to compare as a percentage: fewer than "
                                                    f"{change.MIN_BASE_RECORDS} records in the first period." if few else None)
            cautions = readings.change_cautions(result, drawn.inputs.days)
            if cautions:
                st.caption(plain(cautions))
        show_figure(declared.CHANGE, view, drawn=drawn)


@st.fragment(key="demand_rates")
def rate_section(view: DemandView) -> None:
    st.subheader("Records per 1,000 residents")
    if "area" in view.dataset.roles:
        render_lookup_choice(view.dataset, lookups.POPULATION, lookup_for(view.dataset, lookups.POPULATION))
    drawn = show_figure(declared.RATE, view)
    if drawn is None or drawn.result is None:
        if drawn is not None and drawn.note == explained.NO_POPULATION:
            page_link("pages/data.py", label="Open the Data page", icon=":material/upload_file:")
        return
    unmatched = drawn.result.frame["population"].isna().sum()
    if unmatched:
        st.caption(f"{unmatched:,} areas have no population in '{plain(drawn.result.population)}' and are not shown.")


@st.fragment(key="demand_forecast")
def forecast_section(view: DemandView) -> None:
    st.subheader("Forecast")
    st.slider("Periods ahead", 3, 12, 6, key=HORIZON_KEY, bind=BIND)
    with figure("the forecast"):
        drawn = drawn_for(declared.FORECAST, view)
        if drawn.result is not None:
            for message in drawn.result.messages:
                st.info(message)
            st.markdown("**Accuracy on past data (MASE)**: below 1 is better than 'same period last season'.")
        show_figure(declared.FORECAST, view, headline=True, drawn=drawn)


# ---- page ---------------------------------------------------------------------------------------------------------


def demand_view(ds) -> DemandView | None:
    """Draw the filter bar and the drill-down chips, and read the view every section works from (None: nothing to
    show)."""
    show_coverage(ds)
    coverage = coverage_of(ds)
    if coverage[0] is None:
        st.info(f"'{plain(ds.name)}' has no records with a date.")
        return None
    render_filters(ds, filter_options(ds), coverage)
    drill_ui.absorb_clicks(DRILL_CHARTS, demand_page.chosen_split(ds, st.session_state), charts.SELECTIONS)
    chips = drill_ui.render_chips()
    view = demand_page.read_view(app_context(), ds, st.session_state)
    render_filter_sentence(view.bar, drill.describe_chips(chips) if chips else None)
    if chips:
        st.button("Clear the drill-down", key="dm_clear", on_click=drill_ui.clear_chips,
                  icon=":material/filter_alt_off:")
    return view


def main() -> None:
    st.title("Demand drivers")
    st.caption("What drives demand for the service, how much of it is failure demand, and where it is heading.")
    ds = current_dataset()
    if ds is None:
        st.info("No dataset is loaded yet. Load your records on the Data page, or build the demo.")
        page_link("pages/data.py", label="Open the Data page", icon=":material/upload_file:")
        return
    if ds.kind != "records":
        st.info(f"'{plain(ds.name)}' is a {ds.kind} dataset. The Demand page works on records (one row per contact, "
                "request or case): pick a records dataset in the sidebar.")
        return
    if "date" not in ds.roles:
        st.info(needs_sentence("The Demand page", ["date"]), icon=":material/info:")
        page_link("pages/data.py", label="Open the Data page", icon=":material/upload_file:")
        return
    view = demand_view(ds)
    if view is None:
        return
    total = declared.page_total(app_context(), view)
    st.metric("Records", format_count(total))
    if total == 0:
        st.warning("No records match these filters. Widen the period or remove a filter.")
        return
    # Each figure fails on its own (ui.figures.show_figure): one sentence in its place, and the rest is still drawn.
    volume_section(view)
    pareto_section(view)
    failure_section(view)
    repeat_section(view)
    seasonality_section(view)
    change_section(view)
    rate_section(view)
    forecast_section(view)


with figure("the Demand page"):
    main()
