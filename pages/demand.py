"""Demand drivers page: what drives demand, how much of it is failure demand, and where it is heading.

The filter bar (keyed ``dm_…`` and bound to the URL, like every control here) and the drill-down chips make one
:class:`DemandView`; the page is then a list of sections, each a function of that view. A section with controls of its
own is an ``st.fragment``: its control reruns that section only. Figures come from :mod:`ui.demand_figures` (cached
per store file, dataset version and inputs) and charts from :func:`ui.chart_specs.chart_spec` (Vega-Lite made once per
figure), so a rerun whose inputs are unchanged works nothing out again. Clicking a bar or heatmap cell drills the
whole page down to it, as a chip the link carries (:mod:`ui.drill`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from analysis import classification, drill, forecast, lookups, periods, store
from analysis.charts import demand as charts
from analysis.demand import change, explained, figures, scan
from analysis.errors import StocktakeError
from analysis.filters import Filters
from analysis.formatting import format_count, format_percent
from analysis.roles import RECORD_ROLES
from ui import demand_figures as dm
from ui import drill as drill_ui
from ui.auth import guard_page
from ui.chart_specs import chart_spec
from ui.charts import show_chart
from ui.classification_editor import render_classification_editor
from ui.connection import current_dataset, dataset_version
from ui.exports import csv_download
from ui.filters import render_filter_sentence, render_filters
from ui.links import page_link
from ui.lookup_choice import lookup_for, render_lookup_choice
from ui.sections import figure, show_coverage
from ui.text import plain

guard_page()  # sign-in, even when Streamlit runs this file on its own (see ui.auth.guard_page)

BIND = "query-params"
SPLIT_LABELS = {"": "No split", "channel": "Channel", "service": "Service", "area": "Area", "reason": "Reason",
                "status": "Status"}
CHANGE_BY = {"reason": "Reason", "area": "Area", "channel": "Channel", "service": "Service"}
# Chart key -> (selection name, what a click drills into). "split" follows the volume chart's split choice.
DRILL_CHARTS = {
    "dm_ch_volume": ("volume_pick", "split"),
    "dm_ch_pareto": ("pareto_pick", "reason"),
    "dm_ch_fail_service": ("failure_pick", "service"),
    "dm_ch_fail_channel": ("failure_pick", "channel"),
    "dm_ch_repeat_reason": ("repeat_pick", "reason"),
    "dm_ch_rate": ("rate_pick", "area"),
    "dm_ch_dayhour": ("dayhour_pick", "dayhour"),
    "dm_ch_monthyear": ("monthyear_pick", "month"),
}


@dataclass(frozen=True, eq=False)
class DemandView:
    """What every section works from, read once at the top of a full run of the page."""

    dataset: store.Dataset
    coverage: tuple[date, date]
    bar: Filters  # the filter bar's choices
    chips: tuple[str, ...]  # the drill-down
    filters: Filters  # the filter bar narrowed by every chip
    grain: str
    split: str  # the volume chart's split ('' for none) when the page last ran whole
    classes: pd.DataFrame | None
    classes_version: int
    population_choice: lookups.LookupChoice | None
    figures: scan.PageFigures  # every count figure for ``filters``, from one scan

    @property
    def population(self) -> store.Dataset | None:
        return self.population_choice.lookup if self.population_choice else None

    def drilled_except(self, chart: str, split: str | None = None) -> Filters:
        """The filters narrowed by every chip except those ``chart``'s clicks make, so that chart keeps every bar."""
        target = DRILL_CHARTS[chart][1]
        if target == "split":
            target = (self.split if split is None else split) or None
        return drill.apply_chips(self.bar, self.chips, exclude_target=target)


def _needs(ds: store.Dataset, *roles: str, what: str = "This figure") -> bool:
    """True when the dataset has the roles; otherwise say which role is missing and link to the Data page."""
    missing = figures.missing_roles(ds, *roles)
    if missing:
        labels = " and ".join(f"'{RECORD_ROLES.get(r, r)}'" for r in missing)
        st.info(f"{what} needs a column with the role {labels}. Give a column that role on the Data page.",
                icon=":material/info:")
        page_link("pages/data.py", label="Open the Data page", icon=":material/upload_file:")
        return False
    return True


def _how(text: str) -> None:
    with st.expander("How this is calculated"):
        st.markdown(text)


def _drill_chart(spec: dict, chart: str) -> None:
    """A chart whose clicks drill the page down. Clicked inside a fragment, only the fragment would rerun: the whole
    page reruns instead, so the click becomes a chip that every figure applies."""
    event = show_chart(spec, key=drill_ui.chart_key(chart), on_select="rerun", selection_mode=DRILL_CHARTS[chart][0],
                       name=chart.removeprefix("dm_ch_"))
    if drill_ui.clicked(event, DRILL_CHARTS[chart][0]):
        st.rerun(scope="app")


# ---- sections -----------------------------------------------------------------------------------------------------


@st.fragment(key="demand_volume")
def volume_section(view: DemandView) -> None:
    st.subheader("Volume over time")
    ds = view.dataset
    split = st.columns([1, 3])[0].selectbox("Split by", [s for s in SPLIT_LABELS if not s or s in ds.roles],
                                            key="dm_split", bind=BIND, format_func=lambda s: SPLIT_LABELS[s])
    with figure("the volume over time"):
        f = view.drilled_except("dm_ch_volume", split)
        volume = view.figures.volume if (f, split) == (view.filters, view.split) else \
            dm.volume(ds, f, view.grain, split or None, coverage=view.coverage)
        if volume.empty:
            st.info("No records match these filters.")
            return
        grain_label = periods.GRAIN_LABELS[view.grain]
        _drill_chart(chart_spec(charts.build_volume_chart, volume, grain_label, SPLIT_LABELS[split] if split else None),
                     "dm_ch_volume")
        _how(explained.VOLUME.format(grain=grain_label.lower()))
        csv_download(volume, "demand_volume", "dm_dl_volume", columns={
            "label": "Period", "split": SPLIT_LABELS[split] if split else "Group", "count": "Records",
            "incomplete": "Incomplete period"})


def pareto_section(view: DemandView) -> None:
    st.subheader("Top reasons")
    if not _needs(view.dataset, "reason", what="The top reasons chart"):
        return
    f = view.drilled_except("dm_ch_pareto")
    pareto = view.figures.pareto if f == view.filters else dm.pareto(view.dataset, f)
    if pareto.total == 0:
        st.info("No records match these filters.")
        return
    st.metric("Reasons making up 80% of demand", f"{pareto.reasons_for_share:,} of {len(pareto.frame):,}")
    top_n = min(max(25, pareto.reasons_for_share + 5), 40)  # every reason in the 80% and a few beyond it
    _drill_chart(chart_spec(charts.build_pareto_chart, pareto.frame, pareto.reasons_for_share, top_n=top_n),
                 "dm_ch_pareto")
    _how(explained.PARETO)
    csv_download(pareto.frame, "demand_top_reasons", "dm_dl_pareto", columns=explained.PARETO_COLUMNS)


@st.fragment(key="demand_failure")
def failure_section(view: DemandView) -> None:
    st.subheader("Failure and value demand")
    ds = view.dataset
    if not _needs(ds, "reason", what="Failure demand"):
        return
    with figure("failure and value demand"):
        render_classification_editor(ds, view.classes, view.classes_version)

        def share(f: Filters, by: str | None = None) -> pd.DataFrame:
            if f == view.filters and by in view.figures.failure:
                return view.figures.failure[by]
            return dm.failure(ds, f, by=by, grain=view.grain, classes=view.classes, coverage=view.coverage,
                              also=(view.classes_version,))

        overall = share(view.filters)
        row = overall.iloc[0] if len(overall) else None
        cols = st.columns(3)
        cols[0].metric("Failure demand", format_percent(row["failure_share"]) if row is not None else "–",
                       help="Share of classified records that are failure demand.")
        cols[1].metric("Failure records", format_count(row["failure"]) if row is not None else "–")
        cols[2].metric("Unclassified", format_percent(row["unclassified_share"]) if row is not None else "–",
                       help="Share of records whose reason is not classified yet.")
        if row is not None and row["failure"] + row["value"] == 0:
            st.info("No reason is classified yet: classify reasons above to see failure demand.")
            return
        tabs = st.tabs(["By service", "By channel", "Over time"])
        for tab, by in zip(tabs, ("service", "channel")):
            with tab:
                if _needs(ds, by, what=f"Failure demand by {by}"):
                    by_group = share(view.drilled_except(f"dm_ch_fail_{by}"), by)
                    _drill_chart(chart_spec(charts.build_failure_share_chart, by_group, by.capitalize(),
                                            f"Failure and value demand by {by}"), f"dm_ch_fail_{by}")
                    csv_download(by_group, f"failure_by_{by}", f"dm_dl_fail_{by}", columns=explained.FAILURE_COLUMNS)
        with tabs[2]:
            over_time = share(view.filters, "period")
            show_chart(chart_spec(charts.build_failure_trend_chart, over_time, periods.GRAIN_LABELS[view.grain]),
                       name="failure_over_time")
            csv_download(over_time, "failure_over_time", "dm_dl_fail_time", columns={
                "label": "Period", **explained.FAILURE_COLUMNS, "incomplete": "Incomplete period"})
        _how(explained.FAILURE)


@st.fragment(key="demand_repeats")
def repeat_section(view: DemandView) -> None:
    st.subheader("Repeat demand")
    ds = view.dataset
    id_roles = [r for r in ("customer_id", "property_id") if r in ds.roles]
    if not id_roles:
        _needs(ds, "customer_id", what="Repeat demand")
        return
    cols = st.columns(2)
    window = int(cols[0].number_input("Repeat window (days)", min_value=1, max_value=365,
                                      value=explained.REPEAT_WINDOW_DAYS, step=1, key="dm_repeat_days", bind=BIND,
                                      help="A contact is a repeat when the same customer made another contact this "
                                           "many days before it, or fewer."))
    by = cols[1].radio("Same", id_roles, key="dm_repeat_by", bind=BIND, horizontal=True,
                       format_func=lambda r: {"customer_id": "customer", "property_id": "property"}[r])
    with figure("repeat demand"):
        result = dm.repeat_demand(ds, view.drilled_except("dm_ch_repeat_reason"), window, by)
        if result.contacts == 0:
            st.info("No records with a customer (or property) id match these filters.")
            return
        st.metric(f"Repeat rate within {window} days", format_percent(result.rate),
                  help=f"{format_count(result.repeats)} repeats out of {format_count(result.contacts)} contacts "
                       "with an id.")
        tabs = st.tabs(["By reason", "By channel", "Which reasons follow which"])
        with tabs[0]:
            if _needs(ds, "reason", what="Repeats by reason") and not result.by_reason.empty:
                _drill_chart(chart_spec(charts.build_repeat_rate_chart, result.by_reason, "Reason",
                                        title="Repeat rate by reason"), "dm_ch_repeat_reason")
                csv_download(result.by_reason, "repeat_by_reason", "dm_dl_rep_reason",
                             columns=explained.REPEAT_COLUMNS)
        with tabs[1]:
            if _needs(ds, "channel", what="Repeats by channel") and not result.by_channel.empty:
                show_chart(chart_spec(charts.build_repeat_rate_chart, result.by_channel, "Channel",
                                      title="Repeat rate by channel"), name="repeat_by_channel")
                csv_download(result.by_channel, "repeat_by_channel", "dm_dl_rep_channel",
                             columns=explained.REPEAT_COLUMNS)
        with tabs[2]:
            if result.pairs.empty:
                st.caption("No repeats to pair up.")
            else:
                show_chart(chart_spec(charts.build_repeat_pairs_chart, result.pairs), name="repeat_pairs")
                csv_download(result.pairs, "repeat_pairs", "dm_dl_rep_pairs", columns=explained.PAIR_COLUMNS)
        _how(explained.repeats(by, window))


def seasonality_section(view: DemandView) -> None:
    st.subheader("Seasonality")
    ds = view.dataset
    cols = st.columns(2)
    with cols[0]:
        if dm.has_times(ds):
            f = view.drilled_except("dm_ch_dayhour")
            grid = view.figures.day_hour if f == view.filters else dm.day_hour(ds, f)
            _drill_chart(chart_spec(charts.build_day_hour_heatmap, grid), "dm_ch_dayhour")
            csv_download(grid, "day_hour", "dm_dl_dayhour",
                         columns={"day": "Day", "hour": "Hour starting", "count": "Records"})
        else:
            st.info("The dates have no times of day, so there is no day × hour view.")
    with cols[1]:
        f = view.drilled_except("dm_ch_monthyear")
        months = view.figures.month_year if f == view.filters else dm.month_year(ds, f, coverage=view.coverage)
        _drill_chart(chart_spec(charts.build_month_year_heatmap, months), "dm_ch_monthyear")
        csv_download(months, "month_year", "dm_dl_monthyear",
                     columns={"year": "Year", "month": "Month", "count": "Records", "incomplete": "Incomplete month"})
    _how(explained.SEASONALITY)


@st.fragment(key="demand_change")
def change_section(view: DemandView) -> None:
    st.subheader("What changed between two periods")
    first, last = view.coverage
    (a_start, a_end), (b_start, b_end) = change.default_periods(first, last)
    cols = st.columns(5)
    span = dict(min_value=first, max_value=last, bind=BIND, format="DD/MM/YYYY")
    a = (cols[0].date_input("First period from", value=a_start, key="dm_a_from", **span),
         cols[1].date_input("First period to", value=a_end, key="dm_a_to", **span))
    b = (cols[2].date_input("Second period from", value=b_start, key="dm_b_from", **span),
         cols[3].date_input("Second period to", value=b_end, key="dm_b_to", **span))
    options = [k for k in CHANGE_BY if k in view.dataset.roles]
    if not options:
        _needs(view.dataset, "reason", what="The change breakdown")
        return
    by = cols[4].selectbox("Split the change by", options, key="dm_change_by", bind=BIND,
                           format_func=lambda k: CHANGE_BY[k])
    with figure("the change between two periods"):
        result, water = dm.change_between(view.dataset, view.filters, a, b, by)
        labels = [f"{start:%d %b %Y} – {end:%d %b %Y}" for start, end in (a, b)]
        m = st.columns(3)
        m[0].metric("First period", format_count(result.before_total), help=labels[0])
        m[1].metric("Second period", format_count(result.after_total), help=labels[1])
        relative = result.relative_change
        # A percentage from a base of a few records says nothing (13 -> 16,000 is +124,223%): not shown as one.
        m[2].metric("Change", f"{result.total_change:+,}",
                    delta=format_percent(relative) if relative is not None and not result.too_few_to_compare
                    else None, delta_color="inverse",
                    help=f"Too few to compare as a percentage: the first period has {result.before_total:,} records "
                         f"(fewer than {change.MIN_BASE_RECORDS})." if result.too_few_to_compare else None)
        if result.too_few_to_compare:
            st.caption(f"Too few to compare: the first period has {format_count(result.before_total)} records, fewer "
                       f"than {change.MIN_BASE_RECORDS}, so the change is not given as a percentage.")
        lengths = [change.period_days(p) if all(p) else 0 for p in (a, b)]
        if all(lengths) and lengths[0] != lengths[1]:
            st.caption(f"The periods differ in length ({lengths[0]:,} days against {lengths[1]:,}): compare the "
                       f"records per day ({result.before_total / lengths[0]:,.1f} against "
                       f"{result.after_total / lengths[1]:,.1f}).")
        show_chart(chart_spec(charts.build_change_waterfall, water, CHANGE_BY[by]), name="change_between_periods")
        _how(explained.change(labels, CHANGE_BY[by]))
        csv_download(result.contributions, "change_between_periods", "dm_dl_change", columns={
            "category": CHANGE_BY[by], "before": "First period", "after": "Second period", "change": "Change",
            "share_of_change": "Share of total change"})


@st.fragment(key="demand_rates")
def rate_section(view: DemandView) -> None:
    st.subheader("Records per 1,000 residents")
    if not _needs(view.dataset, "area", what="Rates per resident"):
        return
    render_lookup_choice(view.dataset, lookups.POPULATION, view.population_choice)
    population = view.population
    if population is None:
        st.info(explained.NO_POPULATION)
        page_link("pages/data.py", label="Open the Data page", icon=":material/upload_file:")
        return
    with figure("records per 1,000 residents"):
        f = view.drilled_except("dm_ch_rate")
        rates = view.figures.rate if f == view.filters and view.figures.rate is not None else \
            dm.rate(view.dataset, f, population, coverage=view.coverage, also=(population.version,))
        _drill_chart(chart_spec(charts.build_rate_chart, rates, RECORD_ROLES["area"].split(" (")[0]), "dm_ch_rate")
        unmatched = rates["population"].isna().sum()
        if unmatched:
            st.caption(f"{unmatched:,} areas have no population in '{plain(population.name)}' and are not shown.")
        _how(explained.rate(plain(population.name)))
        csv_download(rates, "rate_per_1000", "dm_dl_rate", columns=explained.RATE_COLUMNS)


@st.fragment(key="demand_forecast")
def forecast_section(view: DemandView) -> None:
    st.subheader("Forecast")
    horizon = int(st.slider("Periods ahead", 3, 12, 6, key="dm_horizon", bind=BIND))
    with figure("the forecast"):
        volume = view.figures.volume if not view.split else dm.volume(view.dataset, view.filters, view.grain, None,
                                                                      coverage=view.coverage)
        try:
            result = dm.demand_forecast(view.dataset, view.filters, view.grain, horizon, coverage=view.coverage,
                                        volume=volume)
        except StocktakeError as exc:  # too little history: a note, not a failure
            st.info(plain(exc))
            return
        for message in result.messages:
            st.info(message)
        left, right = st.columns([3, 1])
        with left:
            show_chart(chart_spec(charts.build_forecast_chart, result.history, result.forecast,
                                  periods.GRAIN_LABELS[view.grain],
                                  title=f"Forecast of the next {horizon} {periods.GRAIN_UNITS[view.grain]}"),
                       name="forecast")
        with right:
            st.markdown("**Accuracy on past data (MASE)**")
            for model in result.accuracy["model"]:
                mase = result.mase(model)
                st.metric(model, "–" if pd.isna(mase) else f"{mase:.2f}")
            verdict = forecast.verdict(result)
            if verdict:
                st.caption(verdict)
        _how(explained.FORECAST)
        csv_download(result.forecast, "forecast", "dm_dl_forecast", columns=explained.FORECAST_COLUMNS)


# ---- page ---------------------------------------------------------------------------------------------------------


def demand_view(ds: store.Dataset) -> DemandView | None:
    """Draw the filter bar and the drill-down chips, and work out what the sections share (None: nothing to show)."""
    show_coverage(ds)
    coverage = dm.coverage(ds)
    if coverage[0] is None:
        st.info(f"'{plain(ds.name)}' has no records with a date.")
        return None
    bar, grain = render_filters(ds, dm.filter_options(ds), coverage)
    split = st.session_state.get("dm_split") or ""
    drill_ui.absorb_clicks(DRILL_CHARTS, split, charts.SELECTIONS)
    chips = tuple(drill_ui.render_chips())
    filters = drill.apply_chips(bar, chips)
    render_filter_sentence(bar, drill.describe_chips(chips) if chips else None)
    if chips:
        st.button("Clear the drill-down", key="dm_clear", on_click=drill_ui.clear_chips,
                  icon=":material/filter_alt_off:")
    classes_version = dataset_version(classification.classification_dataset_name(ds))
    classes = dm.classes(ds, also=(classes_version,)) if "reason" in ds.roles else None
    choice = lookup_for(ds, lookups.POPULATION) if "area" in ds.roles else None
    population = choice.lookup if choice else None
    counts = dm.page_figures(ds, filters, grain, split or None, classes=classes, coverage=coverage,
                             population=population,
                             also=(classes_version, population.version if population else 0))
    return DemandView(ds, coverage, bar, chips, filters, grain, split, classes, classes_version, choice, counts)


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
    if not _needs(ds, "date", what="The Demand page"):
        return
    view = demand_view(ds)
    if view is None:
        return
    st.metric("Records", format_count(view.figures.total))
    if view.figures.total == 0:
        st.warning("No records match these filters. Widen the period or remove a filter.")
        return
    # Each section fails on its own (ui.sections.figure): one sentence in its place, and the rest is still drawn.
    volume_section(view)
    with figure("the top reasons"):
        pareto_section(view)
    failure_section(view)
    repeat_section(view)
    with figure("the seasonality charts"):
        seasonality_section(view)
    change_section(view)
    rate_section(view)
    forecast_section(view)


with figure("the Demand page"):
    main()
