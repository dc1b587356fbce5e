"""Performance trends page: is performance really changing, or is this noise? KPIs on SPC charts, read the way NHS
England's "Making Data Count" reads them.

One KPI at a time on an XmR chart with its reading in words and the two MDC icons; the improvement direction, target
and trajectory (kept in the store); interventions (dated notes, kept in the store) drawn on the chart and usable as
points to recalculate the limits from; the summary matrix of every KPI x service (click a row to open its chart);
small multiples across areas or services; and a peer comparison when a benchmark dataset is loaded.

The controls (keyed ``pf_…`` and bound to the URL) are read into one :class:`analysis.kpis.page.PerformanceView` by
the function that reads a saved view for presentation and the pack; each section draws its declared figures
(:mod:`analysis.kpis.declared`) with :func:`ui.figures.show_figure`, and a section with controls of its own is an
``st.fragment``.
"""

from __future__ import annotations

import streamlit as st

from analysis import lookups, store
from analysis.charts import spc_icons
from analysis.errors import StocktakeError
from analysis.preparing import Preparing
from analysis.kpis import declared, definitions, explained, peers, series, storage
from analysis.kpis import page as performance_page, summary_declared
from analysis.kpis.explained import DIRECTION_LABELS, SPLIT_LABELS
from analysis.kpis.page import (ALL, BENCHMARK_DIRECTION_KEY, BENCHMARK_KEY, BENCHMARK_MEASURE_KEY, BENCHMARK_OWN_KEY,
                                DAYS_KEY, DIRECTION_KEY, KPI_KEY, REBASE_DATE_KEY, REBASE_KEY, SERIES_KEYS,
                                SMALL_MULTIPLES_BY_KEY, TARGET_KEY, WORKING_DAYS_KEY, PerformanceView)
from analysis.reads import CLASSIFICATION
from analysis.spc import xmr
from analysis.spend import kpi as spend_kpi
from ui import actions
from ui.auth import can_edit, guard_page
from ui.connection import current_dataset, get_connection
from ui.exports import csv_download
from ui.figures import app_context, cached, drawn_for, show_figure, show_headline
from ui.kpi_settings import (MATRIX_ROWS_KEY, apply_matrix_selection, load_settings, render_chart_settings,
                             render_intervention_forms, render_target_forms)
from ui.links import page_link
from ui.lookup_choice import lookup_for, render_lookup_choice
from ui.sections import figure, show_coverage
from ui.text import plain

guard_page()  # sign-in, even when Streamlit runs this file on its own (see ui.auth.guard_page)

BIND = "query-params"
MATRIX_KEY = "pf_matrix"

kpi_choices = cached(reads=(CLASSIFICATION,))(performance_page.kpi_choices)
default_grain = cached()(performance_page.default_grain)
period_column = cached()(definitions.check_period_column)
kpi_measures = cached()(definitions.kpi_measures)
organisations = cached()(peers.organisations)


@cached(reads=(CLASSIFICATION,), spinner="Working out every KPI…")
def summary(con, dataset: store.Dataset, grain: str, within_days: int, directions: tuple, targets: tuple,
            rules: str) -> tuple:
    """The summary matrix of every KPI x service (as declared for presentation and the pack: ``summary_declared``),
    and the same as the page's table (icons and words)."""
    matrix = summary_declared.matrix(con, dataset, grain, within_days, directions, targets, rules)
    return matrix, spc_icons.summary_table(matrix, grain)


# ---- sections -----------------------------------------------------------------------------------------------------


@st.fragment(key="performance_chart")
def spc_section(view: PerformanceView) -> None:
    """The chart of the KPI, with the points to recalculate its limits from (its own controls)."""
    notes = performance_page.notes(app_context(), view.dataset, view.service)
    note_options = {f"{row.day.date().isoformat()}|{row.id}": row for row in notes.itertuples()}
    # A URL or an earlier choice may name interventions of another service: keep only those offered here.
    if REBASE_KEY in st.session_state:
        st.session_state[REBASE_KEY] = [k for k in st.session_state[REBASE_KEY] if k in note_options]
    d2, d3 = st.columns([2, 3])
    d2.multiselect("Recalculate limits at", list(note_options), key=REBASE_KEY, bind=BIND,
                   format_func=lambda k: f"{note_options[k].day.strftime('%d %b %Y')}: {note_options[k].label}",
                   help="Choose interventions after which the process may have changed: the mean and limits are "
                        "worked out afresh from each.", placeholder="No interventions chosen")
    d3.date_input("…or from this date", value=None, key=REBASE_DATE_KEY, bind=BIND, format="DD/MM/YYYY",
                  help="Recalculate the mean and limits from the first period on or after this date.")
    if view.grain == "day" and not view.option.missing:
        with figure(f"the series of {view.option.label}"):
            if series.closed_at_weekends(_series(view)):
                st.checkbox("Working days only (Monday to Friday)", value=True, key=WORKING_DAYS_KEY, bind=BIND,
                            help="Every Saturday and Sunday in these data has none: a service closed at weekends. "
                                 "Weekend zeros would pull the mean down and widen the limits.")
    with figure(f"the SPC chart of {view.option.label}"):
        drawn = drawn_for(declared.SPC, view)
        if drawn.note:
            spans = drawn_for(declared.SPANS, view) if view.dataset.kind == "kpi" else None
            if spans is not None and not spans.note:
                # Published only as multi-year spans: charted on their own axis, never with single years.
                st.info(plain(spans.reading), icon=":material/info:")
                show_figure(declared.SPANS, view, drawn=spans)
                return
            st.info(plain(drawn.note), icon=":material/info:")
            return
        summary_ = drawn.result.summary
        st.markdown(f"**{drawn.result.variation}**")
        if drawn.result.working_days_only:
            st.caption("Working days only: every Saturday and Sunday in these data has none, so weekends are left out "
                       "of the chart and its limits. Untick the box above to show every day.")
        icons, numbers = st.columns([3, 10])
        icons.html(spc_icons.icons_html(summary_))
        with numbers:
            show_headline(drawn, {"Lower limit": "The process limits: points between them vary by chance alone."
                                  + (" Set at zero: the limit worked out was below zero, and a count cannot be "
                                     "negative." if summary_.lpl_floored else ""),
                                  "Target": "Set one under 'Target and trajectory' below."
                                  if summary_.target is None else None})
        if summary_.short_segment:
            st.warning(f"Only {summary_.segment_points} points since the limits were last set: with fewer than "
                       f"{xmr.SHORT_SEGMENT_POINTS} the limits may still move, so treat signals with care.",
                       icon=":material/warning:")
        show_figure(declared.SPC, view, drawn=drawn)


def _series(view: PerformanceView):
    try:  # while the KPI summary is prepared behind a load, none (the figures say how far it has got)
        return app_context().shared(declared.kpi_series, view.dataset, view.kpi, view.grain, None, view.filters,
                                    view.within_days, reads=(CLASSIFICATION,))
    except Preparing:
        return series.empty_series()


@st.fragment(key="performance_target")
def target_section(view: PerformanceView) -> None:
    with st.expander("Target and trajectory", icon=":material/flag:"):
        render_target_forms(view.dataset, view.option, view.series_name, _series(view)["period"])


@st.fragment(key="performance_interventions")
def interventions_section(view: PerformanceView) -> None:
    with st.expander("Interventions", icon=":material/event_note:"):
        render_intervention_forms(view.dataset, view.service,
                                  performance_page.notes(app_context(), view.dataset, view.service).copy())


def summary_section(view: PerformanceView) -> None:
    """Every KPI for every service; a row clicked opens its chart (a whole-page rerun: it changes the KPI)."""
    st.header("Summary of every KPI", divider="gray")
    st.caption("The Making Data Count summary: each KPI for each service, its latest value, target, variation and "
               "assurance. Click a row to open its chart above. Click a column header to sort.")
    with figure("the summary of every KPI"):
        matrix, table = summary(view.dataset, view.grain, view.within_days, view.directions, view.targets, view.rules)
        if not len(matrix):
            return
        if matrix.attrs.get("repeat_pending"):  # left out while its table is built behind a load (progress: sidebar)
            st.caption("Repeat % is being prepared for the data just loaded: it joins this summary when it is ready.")
        st.session_state[MATRIX_ROWS_KEY] = list(zip(matrix["kpi"], matrix["series"]))
        st.dataframe(table, key=MATRIX_KEY, on_select="rerun", selection_mode="single-row", hide_index=True,
                     row_height=44, column_config={
                         "variation_icon": st.column_config.ImageColumn("Variation", width="small"),
                         "assurance_icon": st.column_config.ImageColumn("Assurance", width="small"),
                         "kpi": "KPI", "series": "Service", "latest_period": "Latest period",
                         "latest": "Latest value", "target": "Target", "variation": "Variation (words)",
                         "assurance": "Assurance (words)", "points": st.column_config.NumberColumn("Points", format="%d")})
        csv_download(matrix, "kpi_summary", key="pf_dl_matrix", columns=explained.SUMMARY_COLUMNS)


@st.fragment(key="performance_small_multiples")
def small_multiples_section(view: PerformanceView) -> None:
    roles = declared.compare_roles(view)
    if not roles:
        return
    st.header("Compare across areas or services", divider="gray")
    st.radio("One small chart per", roles, key=SMALL_MULTIPLES_BY_KEY, bind=BIND, horizontal=True,
             format_func=SPLIT_LABELS.get)
    drawn = show_figure(declared.SMALL_MULTIPLES, view, how=False)
    if drawn is not None and drawn.result is not None and drawn.result.shown < drawn.result.total:
        st.caption(f"Showing the {drawn.result.shown} of {drawn.result.total:,} with the most data. Choose a service "
                   "above to narrow the comparison.")


@st.fragment(key="performance_peers")
def peer_section(view: PerformanceView) -> None:
    """Compare with other organisations: only with this dataset's own benchmarks (itself, when it is a benchmark, or
    the one chosen for it), never every benchmark in the store on every dataset's page."""
    st.header("Peer comparison", divider="gray")
    with figure("the peer comparison"):
        ds = view.dataset
        if not peers.is_benchmark(ds):
            render_lookup_choice(ds, lookups.BENCHMARK, lookup_for(ds, lookups.BENCHMARK))
        found = declared.benchmarks(app_context(), ds)
        if found:
            names = [b.name for b in found]
            p1, p2, p3 = st.columns(3)
            if st.session_state.get(BENCHMARK_KEY) not in names:
                st.session_state.pop(BENCHMARK_KEY, None)
            bench = found[names.index(p1.selectbox("Benchmark dataset", names, key=BENCHMARK_KEY, bind=BIND))]
            p2.selectbox("Measure", kpi_measures(bench), key=BENCHMARK_MEASURE_KEY, bind=BIND)
            areas = organisations(bench)
            if areas:
                p3.selectbox("Your organisation", areas, key=BENCHMARK_OWN_KEY, bind=BIND)
            st.radio("Which way is better for this measure?", list(DIRECTION_LABELS), key=BENCHMARK_DIRECTION_KEY,
                     bind=BIND, format_func=DIRECTION_LABELS.get, horizontal=True)
            st.warning(peers.PEER_CAUTION, icon=":material/balance:")
        drawn = drawn_for(declared.PEERS, view)
        if drawn.result is not None and declared.national_caption(drawn.result, drawn.inputs):
            st.caption(plain(declared.national_caption(drawn.result, drawn.inputs)))
        show_figure(declared.PEERS, view, drawn=drawn, headline=True, how=False)


# ---- page ---------------------------------------------------------------------------------------------------------


def performance_view(ds: store.Dataset) -> PerformanceView | None:
    """Draw the settings, the KPI choice and the direction, and read the view the sections share (None: stop)."""
    # Matrix clicks must land before the widgets they set are created.
    apply_matrix_selection(ds.name, MATRIX_KEY)
    render_chart_settings(ds, default_grain(ds) if ds.kind == "records" else None)
    within_days = int(st.session_state.get(DAYS_KEY) or definitions.DEFAULT_WITHIN_DAYS) \
        if ds.kind == "records" else definitions.DEFAULT_WITHIN_DAYS
    with figure("the KPIs this dataset offers", stop=True):
        choices = kpi_choices(ds, within_days)
    if not choices.options:
        st.info(f"'{plain(ds.name)}' has no KPI to chart: a KPI series needs the roles Period and Value.",
                icon=":material/info:")
        page_link("pages/data.py", label="Open the Data page", icon=":material/upload_file:")
        return None
    spending = tuple(spend_kpi.kpi_options(app_context(), ds)) if ds.kind == "records" else ()  # cost per outcome
    by_key = {o.key: o for o in choices.options + spending}
    values = choices.split_values
    c1, c2, c3, c4 = st.columns([3, 2, 2, 2])
    kpi = c1.selectbox("KPI", list(by_key), key=KPI_KEY, bind=BIND, format_func=lambda k: by_key[k].label,
                       on_change=load_settings, args=(ds.name,))
    for col, role, everything in ((c2, "service", "All services"), (c3, "area", "All areas"),
                                  (c4, "channel", "All channels")):
        # A KPI series has no channel; its areas (councils, trusts) are offered so a manager can pick their own.
        if values.get(role) and (role != "channel" or ds.kind == "records"):
            col.selectbox(role.capitalize(), [ALL] + values[role], key=SERIES_KEYS[role], bind=BIND,
                          format_func=lambda s, e=everything: e if s == ALL else s,
                          **({"on_change": load_settings, "args": (ds.name,)} if role == "service" else {}))
    option = by_key[kpi]
    if kpi in definitions.RECORD_KPIS or kpi in definitions.SPEND_KPIS:
        # What the figure counts, in words: the repeat KPI says it uses the Demand page's definition.
        st.caption({**definitions.RECORD_KPIS, **definitions.SPEND_KPIS}[kpi].description.format(days=within_days))
    if option.missing:
        st.info(option.missing, icon=":material/info:")
        page_link("pages/data.py", label="Open the Data page", icon=":material/upload_file:")
        if kpi == "failure_demand_pct":
            page_link("pages/demand.py", label="Classify reasons on the Demand page", icon=":material/call_received:")
        return None
    directions, targets = performance_page.settings(app_context(), ds)
    # The stored direction and target are the inputs' starting values (a URL that names them wins).
    if DIRECTION_KEY not in st.session_state:
        st.session_state[DIRECTION_KEY] = directions.get(kpi, option.improvement)
    if TARGET_KEY not in st.session_state:
        target = storage.target_for(targets, kpi, st.session_state.get(SERIES_KEYS["service"]) or ALL)
        st.session_state[TARGET_KEY] = None if target is None else round(
            target * explained.target_scale(option.unit), 4)
    # The direction changes the chart, the small multiples and (once saved) the summary: the whole page reruns.
    st.radio("Which way is better?", list(DIRECTION_LABELS), key=DIRECTION_KEY, bind=BIND,
             format_func=DIRECTION_LABELS.get, horizontal=True, on_change=_save_direction if can_edit() else None,
             args=(ds.name,),
             help="Kept for this KPI: it decides whether a signal is an improvement or a concern.")
    return performance_page.read_view(app_context(), ds, st.session_state)


def _save_direction(dataset: str) -> None:
    try:
        actions.set_improvement(get_connection(), dataset, st.session_state[KPI_KEY], st.session_state[DIRECTION_KEY])
    except StocktakeError as exc:
        st.toast(plain(exc), icon=":material/block:")


def main() -> None:
    st.title("Performance trends")
    st.caption("Is performance really changing, or is this noise? Each KPI on a statistical process control (SPC) "
               "chart, read the way NHS England's Making Data Count reads them.")
    ds = current_dataset()
    if ds is None:
        st.info("No data loaded yet. Load a records file or a KPI series on the Data page, or build the demo.",
                icon=":material/info:")
        page_link("pages/data.py", label="Open the Data page", icon=":material/upload_file:")
        return
    if ds.kind not in ("records", "kpi"):
        st.info(f"'{plain(ds.name)}' is {'spending: open it on the Spend page, or' if ds.kind == 'spend' else 'a lookup.'}"
                " Choose a records or KPI dataset in the sidebar.", icon=":material/info:")
        return
    show_coverage(ds)
    if ds.kind == "kpi" and "period" in ds.roles:
        # A period column of text cannot be put in time order: say so once, plainly, instead of failing on every figure.
        with figure("this KPI series' periods", stop=True):
            period_column(ds)
    view = performance_view(ds)
    if view is None:
        return
    spc_section(view)
    target_section(view)
    interventions_section(view)
    summary_section(view)
    small_multiples_section(view)
    peer_section(view)


with figure("the Performance page"):
    main()
