"""Performance trends page: is performance really changing, or is this noise? KPIs on SPC charts, read the way NHS
England's "Making Data Count" reads them.

One KPI at a time on an XmR chart with its reading in words and the two MDC icons; the improvement direction, target
and trajectory (kept in the store); interventions (dated notes, kept in the store) drawn on the chart and usable as
points to recalculate the limits from; the summary matrix of every KPI x service (click a row to open its chart);
small multiples across areas or services; and a peer comparison when a benchmark dataset is loaded.

The chart settings and the KPI choice make one :class:`PerformanceView`; the page is then a list of sections, each a
function of that view, and a section with controls of its own is an ``st.fragment``. Every control is keyed ``pf_…``
and bound to the URL. Figures come from :mod:`ui.performance_figures` (cached per store file, dataset version and
inputs); charts from :func:`ui.chart_specs.chart_spec`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from analysis import classification, interventions, lookups, periods, store
from analysis.charts import spc as charts
from analysis.errors import StocktakeError
from analysis.filters import Filters
from analysis.kpis import definitions, explained, peers, storage
from analysis.kpis import series as series_module
from analysis.kpis.explained import DIRECTION_LABELS, RULE_LABELS, SPLIT_LABELS
from analysis.spc import reading, xmr
from ui import actions
from ui import performance_figures as pf
from ui.auth import can_edit, guard_page
from ui.chart_specs import chart_spec
from ui.charts import show_chart
from ui.connection import current_dataset, dataset_version, get_connection, once_per_run
from ui.exports import csv_download
from ui.kpi_settings import apply_matrix_selection, load_settings, render_intervention_forms, render_target_forms
from ui.links import page_link
from ui.lookup_choice import lookup_for, render_lookup_choice
from ui.sections import figure, show_coverage
from ui.text import plain

guard_page()  # sign-in, even when Streamlit runs this file on its own (see ui.auth.guard_page)

BIND = "query-params"
ALL = definitions.ALL
MATRIX_KEY = "pf_matrix"


@dataclass(frozen=True, eq=False)
class PerformanceView:
    """What every section works from: the dataset, the chart settings, the KPI and series chosen, and what is stored
    for them (direction, targets, interventions)."""

    dataset: store.Dataset
    classes_version: int
    grain: str
    within_days: int
    rules: str
    show_near: bool
    option: definitions.KpiOption
    service: str
    area: str
    channel: str
    improvement: str
    directions: dict
    targets: dict
    split_values: dict

    @property
    def kpi(self) -> str:
        return self.option.key

    @property
    def filters(self) -> Filters:
        return Filters.for_roles({role: None if value == ALL else value for role, value in
                                  (("service", self.service), ("area", self.area), ("channel", self.channel))})

    @property
    def series_name(self) -> str:
        return self.service if self.service != ALL else ALL

    @property
    def stored_target(self) -> float | None:
        return storage.target_for(self.targets, self.kpi, self.series_name)

    @property
    def title(self) -> str:
        return definitions.series_title(self.option.label, self.dataset, self.service, self.area, self.channel)

    def notes(self, service: str | None = None) -> pd.DataFrame:
        """The interventions shown on this service's charts (every service's with ``ALL``)."""
        service = self.service if service is None else service
        # Read once per run (the chart, the small multiples and the interventions form all show them).
        return once_per_run(("interventions", str(store.default_db_path()), self.dataset.name, service),
                            lambda: interventions.list_interventions(get_connection(), self.dataset.name,
                                                                     None if service == ALL else service)).copy()

    def series(self, filters: Filters | None = None, split: str | None = None) -> pd.DataFrame:
        return pf.kpi_series(self.dataset, self.kpi, grain=self.grain, split=split,
                             filters=self.filters if filters is None else filters, within_days=self.within_days,
                             also=(self.classes_version,))


# ---- sections -----------------------------------------------------------------------------------------------------


@st.fragment(key="performance_chart")
def spc_section(view: PerformanceView) -> None:
    """The chart of the KPI, with the points to recalculate its limits from (its own controls)."""
    notes = view.notes()
    note_options = {f"{row.day.date().isoformat()}|{row.id}": row for row in notes.itertuples()}
    # A URL or an earlier choice may name interventions of another service: keep only those offered here.
    if "pf_rebase" in st.session_state:
        st.session_state["pf_rebase"] = [k for k in st.session_state["pf_rebase"] if k in note_options]
    d2, d3 = st.columns([2, 3])
    rebase_notes = d2.multiselect(
        "Recalculate limits at", list(note_options), key="pf_rebase", bind=BIND,
        format_func=lambda k: f"{note_options[k].day.strftime('%d %b %Y')}: {note_options[k].label}",
        help="Choose interventions after which the process may have changed: the mean and limits are worked out "
             "afresh from each.", placeholder="No interventions chosen")
    rebase_day = d3.date_input("…or from this date", value=None, key="pf_rebase_date", bind=BIND, format="DD/MM/YYYY",
                               help="Recalculate the mean and limits from the first period on or after this date.")
    rebase_at = [note_options[k].day for k in rebase_notes if k in note_options]
    if rebase_day:
        rebase_at.append(pd.Timestamp(rebase_day))
    with figure(f"the series of {view.option.label}", stop=True):
        values = view.series()
    if view.grain == "day" and series_module.closed_at_weekends(values):
        # Weekend zeros of a service closed at weekends would pull the mean down and widen the limits.
        if st.checkbox("Working days only (Monday to Friday)", value=True, key="pf_working_days", bind=BIND,
                       help="Every Saturday and Sunday in these data has none: a service closed at weekends."):
            values = series_module.working_days_only(values)
            st.caption("Working days only: every Saturday and Sunday in these data has none, so weekends are left "
                       "out of the chart and its limits. Untick to show every day.")
    points = int(values["value"].notna().sum())
    if points < 2:
        spans = pf.span_series(view.dataset, view.kpi, view.filters) if view.dataset.kind == "kpi" else None
        if spans is not None and len(spans):
            # Published only as multi-year spans: charted on their own axis, never with single years.
            st.info(f"{plain(view.option.label)} is published as multi-year spans ({len(spans)}, such as "
                    f"'{plain(spans['span'].iloc[0])}'), not single years: they are charted on their own, in order "
                    "of the spans, with no SPC limits (the spans overlap).", icon=":material/info:")
            with figure(f"the spans of {view.option.label}"):
                show_chart(chart_spec(charts.build_span_chart, spans,
                                      title=f"{view.option.label} by multi-year span: "
                                            f"{definitions.series_scope(view.dataset, view.service, view.area)}",
                                      unit=view.option.unit, y_title=view.option.label),
                           key="pf_span_chart", name=f"spans_{view.kpi}")
            return
        st.info(f"{plain(view.title)} has {points} period{'s' if points != 1 else ''} with a value: an SPC chart needs "
                "at least 2. Choose another KPI, service or a shorter period.", icon=":material/info:")
        return
    with figure(f"the SPC chart of {view.option.label}"):
        trajectory = storage.get_trajectory(get_connection(), view.dataset.name, view.kpi, view.series_name)
        result = xmr.xmr(values["value"].to_numpy(dtype=float), dates=values["period"], improvement=view.improvement,
                         # A target saved on this page wins; otherwise a KPI series' own target column, point by point.
                         target=view.stored_target if view.stored_target is not None else
                         values["target"].to_numpy(dtype=float),
                         trajectory=storage.trajectory_values(trajectory, values["period"]).to_numpy(dtype=float)
                         if trajectory else None, rebase_at=rebase_at, rules=view.rules,
                         # A count cannot be negative: its lower limit is never below zero (and the page says so).
                         lower_bound=definitions.lower_bound_for(view.option.unit, values["value"]))
        summary = reading.summarise(result, view.improvement)
        fmt = lambda v: definitions.format_kpi_value(v, view.option.unit)  # noqa: E731
        st.markdown(f"**{reading.reading(result, view.improvement, fmt, view.grain)}**")
        i1, m1, m2, m3, m4, m5 = st.columns([3, 2, 2, 2, 2, 2])
        i1.html(charts.icons_html(summary))
        latest = periods.period_label(summary.latest_date, view.grain) if summary.latest_date is not None else ""
        m1.metric(f"Latest ({latest})", fmt(summary.latest_value))
        m2.metric("Mean", fmt(summary.mean))
        m3.metric("Lower limit", "–" if summary.lpl is None else fmt(summary.lpl),
                  help="The process limits: points between them vary by chance alone."
                       + (" Set at zero: the limit worked out was below zero, and a count cannot be negative."
                          if summary.lpl_floored else ""))
        m4.metric("Upper limit", "–" if summary.upl is None else fmt(summary.upl))
        m5.metric("Target", fmt(summary.target) if summary.target is not None else "–",
                  help="Set one under 'Target and trajectory' below." if summary.target is None else None)
        if summary.short_segment:
            st.warning(f"Only {summary.segment_points} points since the limits were last set: with fewer than "
                       f"{xmr.SHORT_SEGMENT_POINTS} the limits may still move, so treat signals with care.",
                       icon=":material/warning:")
        subtitle = f"{RULE_LABELS[view.rules]} rules; {DIRECTION_LABELS[view.improvement].lower()}"
        if summary.lpl_floored:
            subtitle += "; lower limit set at zero (a count cannot be negative)"
        show_chart(chart_spec(charts.build_spc_chart, result, title=view.title, unit=view.option.unit,
                              y_title=view.option.label, grain=view.grain, interventions=notes,
                              show_near_lines=view.show_near, subtitle=subtitle),
                   key="pf_chart", name=f"spc_{view.kpi}_{view.series_name}")
        csv_download(result, f"spc_{view.kpi}_{view.series_name}", key="pf_dl_chart", columns=explained.SPC_COLUMNS)
        with st.expander("How to read this chart"):
            st.markdown(explained.how_to_read(result.attrs["trend_points"], result.attrs["shift_points"]))


@st.fragment(key="performance_target")
def target_section(view: PerformanceView) -> None:
    with st.expander("Target and trajectory", icon=":material/flag:"):
        render_target_forms(view.dataset, view.option, view.series_name, view.series()["period"])


@st.fragment(key="performance_interventions")
def interventions_section(view: PerformanceView) -> None:
    with st.expander("Interventions", icon=":material/event_note:"):
        render_intervention_forms(view.dataset, view.service, view.notes())


def summary_section(view: PerformanceView) -> None:
    """Every KPI for every service; a row clicked opens its chart (a whole-page rerun: it changes the KPI)."""
    st.header("Summary of every KPI", divider="gray")
    st.caption("The Making Data Count summary: each KPI for each service, its latest value, target, variation and "
               "assurance. Click a row to open its chart above. Click a column header to sort.")
    with figure("the summary of every KPI"):
        found = pf.summary(view.dataset, view.grain, view.within_days, tuple(sorted(view.directions.items())),
                           tuple(sorted(view.targets.items())), view.rules, also=(view.classes_version,))
        if not len(found.matrix):
            return
        st.session_state["_pf_matrix_keys"] = list(zip(found.matrix["kpi"], found.matrix["series"]))
        st.dataframe(found.table, key=MATRIX_KEY, on_select="rerun", selection_mode="single-row", hide_index=True,
                     row_height=44, column_config={
                         "variation_icon": st.column_config.ImageColumn("Variation", width="small"),
                         "assurance_icon": st.column_config.ImageColumn("Assurance", width="small"),
                         "kpi": "KPI", "series": "Service", "latest_period": "Latest period",
                         "latest": "Latest value", "target": "Target", "variation": "Variation (words)",
                         "assurance": "Assurance (words)", "points": st.column_config.NumberColumn("Points", format="%d")})
        csv_download(found.matrix, "kpi_summary", key="pf_dl_matrix", columns=explained.SUMMARY_COLUMNS)


@st.fragment(key="performance_small_multiples")
def small_multiples_section(view: PerformanceView) -> None:
    compare_roles = [r for r in ("area", "service") if view.split_values.get(r)]
    if not compare_roles:
        return
    st.header("Compare across areas or services", divider="gray")
    by = st.radio("One small chart per", compare_roles, key="pf_sm_by", bind=BIND, horizontal=True,
                  format_func=SPLIT_LABELS.get)
    with figure("the small charts by area or service"):
        filters = view.filters.without(by)
        notes = view.notes(filters.services[0] if filters.services else ALL)
        found = pf.small_multiples(view.dataset, view.kpi, view.grain, by, filters, view.within_days, view.improvement,
                                   view.rules, view.stored_target if by == "area" else None,
                                   notes[["day", "label"]], view.option.label, view.option.unit,
                                   also=(view.classes_version,))
        if found.spec is None:
            st.info("No area or service has 2 or more periods with a value.", icon=":material/info:")
            return
        if found.shown < found.total:
            st.caption(f"Showing the {found.shown} of {found.total:,} with the most data. Choose a service above to "
                       "narrow the comparison.")
        show_chart(found.spec, key="pf_sm_chart", name=f"small_multiples_{view.kpi}")


@st.fragment(key="performance_peers")
def peer_section(view: PerformanceView) -> None:
    """Compare with other organisations: only with this dataset's own benchmarks (itself, when it is a benchmark, or
    the one chosen for it), never every benchmark in the store on every dataset's page."""
    st.header("Peer comparison", divider="gray")
    with figure("the peer comparison"):
        ds = view.dataset
        choice = lookup_for(ds, lookups.BENCHMARK)  # cached: choosing by names is a scan of the records
        benchmarks = peers.benchmarks_for(get_connection(), ds, choice)
        if not peers.is_benchmark(ds):
            render_lookup_choice(ds, lookups.BENCHMARK, choice)
        if not benchmarks:
            st.caption("To compare with other organisations, load a benchmark dataset on the Data page (a KPI series "
                       "with the roles Period, Area: your organisation and each comparator, Measure and Value) and "
                       "open it here, or choose it for this dataset above.")
            return
        names = [b.name for b in benchmarks]
        p1, p2, p3 = st.columns(3)
        if st.session_state.get("pf_bm") not in names:
            st.session_state.pop("pf_bm", None)
        bench = benchmarks[names.index(p1.selectbox("Benchmark dataset", names, key="pf_bm", bind=BIND))]
        pf.period_column(bench)
        bench_grain = pf.kpi_grain(bench)
        measure = p2.selectbox("Measure", pf.kpi_measures(bench), key="pf_bm_measure", bind=BIND)
        areas = pf.organisations(bench)
        if not areas:
            st.info(f"'{plain(bench.name)}' has no organisations named in its Area column.", icon=":material/info:")
            return
        own = p3.selectbox("Your organisation", areas, key="pf_bm_own", bind=BIND)
        better = st.radio("Which way is better for this measure?", list(DIRECTION_LABELS), key="pf_bm_dir",
                          bind=BIND, format_func=DIRECTION_LABELS.get, horizontal=True)
        st.warning(peers.PEER_CAUTION, icon=":material/balance:")
        peer = pf.peer_comparison(bench, measure, own, improvement=better)
        if not len(peer):
            st.info(f"No period has values for both {plain(own)} and its comparators.", icon=":material/info:")
            return
        last = peer.iloc[-1]
        unit = definitions.kpi_unit(measure)
        f = lambda v: definitions.format_kpi_value(v, unit)  # noqa: E731
        q1, q2, q3, q4 = st.columns(4)
        q1.metric(f"Rank in {periods.period_words(last['period'], bench_grain)}",
                  f"{int(last['rank'])} of {int(last['of'])}", help="1 is the best, by the direction chosen above.")
        q2.metric("Quartile", f"{int(last['quartile'])} of 4", help="1 is the best quarter.")
        q3.metric("Distance from the comparators' median", f"{last['distance_from_median']:+,.1f}",
                  help=f"Your value {f(last['own_value'])}; their median {f(last['comparator_median'])}.")
        q4.metric("Median of all organisations", f(last["median_all"]),
                  help=f"The median of all {int(last['of'])} organisations with a value, yours included: the median "
                       "benchmarking publishers such as Oflog print.")
        national_label = peer.attrs.get("national_label")
        if national_label and pd.notna(last.get("national")):
            st.caption(f"{plain(national_label)}: {f(last['national'])} in "
                       f"{periods.period_words(last['period'], bench_grain)} (the national figure the data carry, "
                       "drawn as the dotted line; it is not one of the comparators).")
        show_chart(chart_spec(charts.build_peer_chart, peer, title=f"{measure}: {own} and its comparators",
                              own_label=own, unit=unit, y_title=measure, grain=bench_grain,
                              national_label=national_label),
                   key="pf_peer_chart", name=f"peers_{measure}")


# ---- page ---------------------------------------------------------------------------------------------------------


def chart_settings(ds: store.Dataset) -> tuple[str, int, str, bool]:
    """The sidebar's settings: grain, 'closed within' days, SPC rules, near-limit lines."""
    with st.sidebar:
        st.subheader("Chart settings")
        if ds.kind == "records":
            grain = st.selectbox("Period", list(periods.GRAINS), index=periods.GRAINS.index(pf.default_grain(ds)),
                                 key="pf_grain", bind=BIND, format_func=lambda g: periods.GRAIN_LABELS[g],
                                 help="Months at first; a short extract starts at the grain that gives at least 13 "
                                      "periods, enough for an SPC chart's limits.")
            within_days = int(st.number_input("'Closed within' days", min_value=0, max_value=365,
                                              value=definitions.DEFAULT_WITHIN_DAYS, step=1, key="pf_days",
                                              bind=BIND, help="For the KPI 'Closed within N days'."))
        else:
            grain, within_days = pf.kpi_grain(ds), definitions.DEFAULT_WITHIN_DAYS
        rules = st.radio("SPC rules", list(RULE_LABELS), key="pf_rules", bind=BIND, format_func=RULE_LABELS.get,
                         help="NHS-R: NHSRplotthedots (runs and trends of 7). Making Data Count tool: runs and trends "
                              "of 6, points beyond the limits count towards 'two of three', limits only from 13 "
                              "points.")
        show_near = st.checkbox("Show the near-limit (2 sigma) lines", key="pf_near", bind=BIND)
    return grain, within_days, rules, show_near


def performance_view(ds: store.Dataset) -> PerformanceView | None:
    """Draw the settings, the KPI choice and the direction, and gather what the sections share (None: stop)."""
    con = get_connection()
    classes_version = dataset_version(classification.classification_dataset_name(ds)) if ds.kind == "records" else 0
    # Matrix clicks must land before the widgets they set are created.
    apply_matrix_selection(ds.name, MATRIX_KEY)
    grain, within_days, rules, show_near = chart_settings(ds)
    with figure("the KPIs this dataset offers", stop=True):
        choices = pf.kpi_choices(ds, within_days, also=(classes_version,))
    if not choices.options:
        st.info(f"'{plain(ds.name)}' has no KPI to chart: a KPI series needs the roles Period and Value.",
                icon=":material/info:")
        page_link("pages/data.py", label="Open the Data page", icon=":material/upload_file:")
        return None
    by_key = {o.key: o for o in choices.options}
    values = choices.split_values
    c1, c2, c3, c4 = st.columns([3, 2, 2, 2])
    kpi = c1.selectbox("KPI", list(by_key), key="pf_kpi", bind=BIND, format_func=lambda k: by_key[k].label,
                       on_change=load_settings, args=(ds.name,))
    chosen = {"service": ALL, "area": ALL, "channel": ALL}
    for col, role, everything in ((c2, "service", "All services"), (c3, "area", "All areas"),
                                  (c4, "channel", "All channels")):
        # A KPI series has no channel; its areas (councils, trusts) are offered so a manager can pick their own.
        if values.get(role) and (role != "channel" or ds.kind == "records"):
            chosen[role] = col.selectbox(role.capitalize(), [ALL] + values[role], key=f"pf_{role}", bind=BIND,
                                         format_func=lambda s, e=everything: e if s == ALL else s,
                                         **({"on_change": load_settings, "args": (ds.name,)} if role == "service"
                                            else {}))
    option = by_key[kpi]
    if kpi in definitions.RECORD_KPIS:
        # What the figure counts, in words: the repeat KPI says it uses the Demand page's definition.
        st.caption(definitions.RECORD_KPIS[kpi].description.format(days=within_days))
    if option.missing:
        st.info(option.missing, icon=":material/info:")
        page_link("pages/data.py", label="Open the Data page", icon=":material/upload_file:")
        if kpi == "failure_demand_pct":
            page_link("pages/demand.py", label="Classify reasons on the Demand page", icon=":material/call_received:")
        return None
    directions, targets = storage.kpi_settings(con, ds.name)
    stored_direction = directions.get(kpi, option.improvement)
    # The stored direction and target are the inputs' starting values (a URL that names them wins).
    if "pf_dir" not in st.session_state:
        st.session_state["pf_dir"] = stored_direction
    if "pf_target" not in st.session_state:
        target = storage.target_for(targets, kpi, chosen["service"])
        st.session_state["pf_target"] = None if target is None else round(
            target * explained.target_scale(option.unit), 4)
    # The direction changes the chart, the small multiples and (once saved) the summary: the whole page reruns.
    improvement = st.radio("Which way is better?", list(DIRECTION_LABELS), key="pf_dir", bind=BIND,
                           format_func=DIRECTION_LABELS.get, horizontal=True,
                           on_change=_save_direction if can_edit() else None, args=(ds.name,),
                           help="Kept for this KPI: it decides whether a signal is an improvement or a concern.")
    if improvement not in DIRECTION_LABELS:
        improvement = stored_direction
    return PerformanceView(ds, classes_version, grain, within_days, rules, show_near, option, chosen["service"],
                           chosen["area"], chosen["channel"], improvement, directions, targets, values)


def _save_direction(dataset: str) -> None:
    try:
        actions.set_improvement(get_connection(), dataset, st.session_state["pf_kpi"], st.session_state["pf_dir"])
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
        st.info(f"'{plain(ds.name)}' is a lookup. Choose a records or KPI dataset in the sidebar.",
                icon=":material/info:")
        return
    show_coverage(ds)
    if ds.kind == "kpi" and "period" in ds.roles:
        # A period column of text cannot be put in time order: say so once, plainly, instead of failing on every figure.
        with figure("this KPI series' periods", stop=True):
            pf.period_column(ds)
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
