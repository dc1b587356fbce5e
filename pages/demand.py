"""Demand drivers page: what drives demand, how much of it is failure demand, and where it is heading.

Reads the filter bar and the page's own choices (all keyed ``dm_…`` and bound to the URL), asks
:mod:`analysis.demand` and :mod:`analysis.forecast` for small frames (cached per dataset version and filters), and
lays out each figure with a note on how it is calculated and a CSV download. Clicking a bar or heatmap cell drills
the rest of the page down to it, as a chip the link carries (:mod:`ui.drill`); a button clears the drill-down.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from analysis import classification, drill, filters, forecast, lookups, periods, store
from analysis.charts import demand as charts
from analysis.demand import change, figures, repeats, scan
from analysis.errors import StocktakeError
from analysis.filters import Filters
from analysis.formatting import format_count, format_percent
from analysis.roles import RECORD_ROLES
from ui import actions
from ui import drill as drill_ui
from ui.auth import can_edit, guard_page
from ui.charts import show_chart
from ui.links import page_link
from ui.connection import current_dataset, get_connection
from ui.exports import csv_download
from ui.filters import render_filter_sentence, render_filters
from ui.lookup_choice import render_lookup_choice
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


# ---- cached analysis ----------------------------------------------------------------------------------------------

_FUNCTIONS = {
    "coverage": figures.data_coverage, "options": figures.filter_options, "volume": figures.volume_over_time,
    "pareto": figures.reason_pareto, "failure": figures.failure_share, "repeat": repeats.repeat_demand,
    "has_times": figures.has_times, "dayhour": figures.day_hour_counts, "monthyear": figures.month_year_counts,
    "change": change.change_between, "rate": figures.rate_per_thousand,
    "forecast": forecast.demand_forecast, "classification": classification.classification_frame,
    "figures": scan.page_figures,
}


@st.cache_data(show_spinner=False, max_entries=1000)
def _cached(what: str, dataset: str, version: int, extra_version: int, _ds: store.Dataset, *args, **kwargs):
    """One analysis call, cached on the dataset's name and version (and a lookup's version where one is used)."""
    return _FUNCTIONS[what](get_connection(), _ds, *args, **kwargs)


def _run(what: str, ds: store.Dataset, *args, extra_version: int = 0, **kwargs):
    return _cached(what, ds.name, ds.version, extra_version, ds, *args, **kwargs)


@dataclass
class _Figures:
    """The one-scan figures for the page's filters (with every drill-down), and the split they were built with."""

    split: str
    value: scan.PageFigures


def _context(ds: store.Dataset) -> dict:
    """What the figures need besides the filters: the classification and the population lookup, with versions."""
    con = get_connection()
    cls_version = classification.classification_version(con, ds)
    choice = lookups.lookup_for(con, ds, lookups.POPULATION) if "area" in ds.roles else None
    population = choice.lookup if choice else None
    return {"cls_version": cls_version, "classes": _run("classification", ds, extra_version=cls_version)
            if "reason" in ds.roles else None, "population_choice": choice,
            "population": population, "population_version": population.version if population else 0}


def _coverage(ds: store.Dataset):
    """The dataset's first and last date (cached per version), passed to the calls that mark incomplete periods."""
    return _run("coverage", ds)


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


# ---- drill-down ---------------------------------------------------------------------------------------------------


def _apply_drill(chosen: Filters, split: str, exclude: str | None = None) -> tuple[Filters, list[str]]:
    """The filters narrowed by the drill-down chips, except those ``exclude``'s own clicks make (so the chart a click
    came from still shows every bar), and the words describing the chips."""
    target = DRILL_CHARTS[exclude][1] if exclude else None
    if target == "split":
        target = split or None
    chips = drill_ui.current_chips()
    return drill.apply_chips(chosen, chips, exclude_target=target), [drill.describe_chips(chips)] if chips else []


def _chart(chart, key: str | None = None, name: str | None = None):
    if key:
        return show_chart(chart, key=drill_ui.chart_key(key), on_select="rerun", selection_mode=DRILL_CHARTS[key][0],
                          name=key.removeprefix("dm_ch_"))
    return show_chart(chart, name=name)


# ---- sections -----------------------------------------------------------------------------------------------------


def _volume_section(ds, filters, base_filters, grain, split, figs):
    st.subheader("Volume over time")
    split = st.columns([1, 3])[0].selectbox("Split by", [s for s in SPLIT_LABELS if not s or s in ds.roles],
                                            key="dm_split", bind=BIND, format_func=lambda s: SPLIT_LABELS[s])
    f, _ = _apply_drill(base_filters, split, exclude="dm_ch_volume")
    if f == filters and split == figs.split:
        volume = figs.value.volume
    else:
        volume = _run("volume", ds, f, grain, split or None, coverage=_coverage(ds))
    if volume.empty:
        st.info("No records match these filters.")
        return
    grain_label = periods.GRAIN_LABELS[grain]
    _chart(charts.build_volume_chart(volume, grain_label, SPLIT_LABELS[split] if split else None), "dm_ch_volume")
    _how(f"Records counted per {grain_label.lower()} by the date received. Weeks start on Monday; financial years "
         "run 1 April to 31 March. A period is marked **incomplete** when the data (or the chosen dates) start or "
         "end inside it, so a low count there is not a fall in demand. With a split, the 8 largest groups are "
         "shown and the rest are added up as 'All other'. Click a bar to drill the page down to its group.")
    csv_download(volume, "demand_volume", "dm_dl_volume",
                 columns={"label": "Period", "split": SPLIT_LABELS[split] if split else "Group", "count": "Records",
                          "incomplete": "Incomplete period"})


def _pareto_section(ds, filters, base_filters, split, figs):
    st.subheader("Top reasons")
    if not _needs(ds, "reason", what="The top reasons chart"):
        return
    f, _ = _apply_drill(base_filters, split, exclude="dm_ch_pareto")
    pareto = figs.value.pareto if f == filters else _run("pareto", ds, f)
    if pareto.total == 0:
        st.info("No records match these filters.")
        return
    st.metric("Reasons making up 80% of demand", f"{pareto.reasons_for_share:,} of {len(pareto.frame):,}")
    # Enough bars to show every reason in the 80% and a few beyond it.
    top_n = min(max(25, pareto.reasons_for_share + 5), 40)
    _chart(charts.build_pareto_chart(pareto.frame, pareto.reasons_for_share, top_n=top_n), "dm_ch_pareto")
    _how("Reasons are ranked by number of records; the line is the running total as a share of all records. The "
         "count of reasons making up 80% is the fewest reasons whose records reach 80% of the total. Click a bar to "
         "drill down to that reason.")
    csv_download(pareto.frame, "demand_top_reasons", "dm_dl_pareto",
                 columns={"rank": "Rank", "reason": "Reason", "count": "Records", "share": "Share",
                          "cumulative_share": "Cumulative share", "in_core": "Among the reasons making 80%"})


def _classification_editor(ds, context):
    con = get_connection()
    cls_version = context["cls_version"]
    frame = context["classes"]
    with st.expander("Classify reasons as failure or value demand", expanded=False):
        st.caption("Failure demand is demand caused by a failure to do something or do it right for the customer "
                   "(chasing, repeat reports); value demand is what the service exists for. Changes are saved in "
                   f"the store as the lookup dataset '{classification.classification_dataset_name(ds)}'.")
        columns = {"reason": st.column_config.TextColumn("Reason", disabled=True),
                   "demand_type": st.column_config.SelectboxColumn(
                       "Demand type", options=list(classification.DEMAND_TYPES), required=True)}
        shown = frame
        if "service" in ds.roles:
            columns["service"] = st.column_config.TextColumn("Service", disabled=True)
        else:
            shown = frame[["reason", "demand_type"]]
        editor = can_edit()
        if not editor:
            st.caption("Only editors can change the classification.")
        # The key carries the stored version: after a save the editor starts again from what was saved.
        edited = st.data_editor(shown, column_config=columns, hide_index=True, width="stretch",
                                key=f"dm_cls_editor_{cls_version}", num_rows="fixed", disabled=not editor)
        if editor and st.button("Save classification", key="dm_cls_save", type="primary"):
            to_save = edited if "service" in edited.columns else edited.assign(service=None)
            try:
                actions.save_classification(con, ds, to_save)
                st.session_state["dm_cls_saved"] = len(to_save)
                st.rerun()
            except StocktakeError as exc:
                st.error(plain(exc))
        if st.session_state.pop("dm_cls_saved", None):
            st.success("Classification saved.")
        upload = st.file_uploader("Or load your own classification file (CSV or Excel with columns Reason, "
                                  "Demand type and optionally Service)", type=["csv", "xlsx", "xls"],
                                  key="dm_cls_upload") if editor else None
        if upload is not None and st.button("Apply this file", key="dm_cls_apply"):
            try:
                incoming = classification.read_classification_file(upload, filename=upload.name)
                merged = classification.merge_classification(frame, incoming)
                actions.save_classification(con, ds, merged, source=f"from the file {upload.name}")
                changed = int((merged["demand_type"].to_numpy() != frame["demand_type"].to_numpy()).sum())
                st.session_state["dm_cls_applied"] = changed
                st.rerun()
            except StocktakeError as exc:
                st.error(plain(exc))
        applied = st.session_state.pop("dm_cls_applied", None)
        if applied is not None:
            st.success(f"Your file was applied: {applied:,} reason{'' if applied == 1 else 's'} changed type.")
        csv_download(frame, f"{ds.name}_classification", "dm_dl_cls",
                     columns={"service": "Service", "reason": "Reason", "demand_type": "Demand type"},
                     label="Download the classification (CSV)")


def _failure_section(ds, filters, base_filters, grain, split, figs, context):
    st.subheader("Failure and value demand")
    if not _needs(ds, "reason", what="Failure demand"):
        return
    _classification_editor(ds, context)
    common = dict(classes=context["classes"], coverage=_coverage(ds), extra_version=context["cls_version"])

    def share(f, by=None):
        if f == filters and by in figs.value.failure:
            return figs.value.failure[by]
        return _run("failure", ds, f, by=by, grain=grain, **common)

    overall = share(filters)
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
                f, _ = _apply_drill(base_filters, split, exclude=f"dm_ch_fail_{by}")
                by_group = share(f, by)
                _chart(charts.build_failure_share_chart(by_group, by.capitalize(), f"Failure and value demand by {by}"),
                       f"dm_ch_fail_{by}")
                csv_download(by_group, f"failure_by_{by}", f"dm_dl_fail_{by}", columns=_FAILURE_COLUMNS)
    with tabs[2]:
        over_time = share(filters, "period")
        _chart(charts.build_failure_trend_chart(over_time, periods.GRAIN_LABELS[grain]), name="failure_over_time")
        csv_download(over_time, "failure_over_time", "dm_dl_fail_time",
                     columns={"label": "Period", **_FAILURE_COLUMNS, "incomplete": "Incomplete period"})
    _how("Each record takes the demand type of its service and reason from the classification above. The failure "
         "share is failure records ÷ (failure + value records): unclassified records are left out of the share "
         "and counted separately. Click a bar to drill down to that service or channel.")


_FAILURE_COLUMNS = {"group": "Group", "failure": "Failure records", "value": "Value records",
                    "unclassified": "Unclassified records", "total": "All records",
                    "failure_share": "Failure share of classified", "unclassified_share": "Unclassified share"}


def _repeat_section(ds, base_filters, split):
    st.subheader("Repeat demand")
    id_roles = [r for r in ("customer_id", "property_id") if r in ds.roles]
    if not id_roles:
        _needs(ds, "customer_id", what="Repeat demand")
        return
    cols = st.columns(2)
    window = cols[0].number_input("Repeat window (days)", min_value=1, max_value=365, value=repeats.REPEAT_WINDOW_DAYS,
                                  step=1,
                                  key="dm_repeat_days", bind=BIND,
                                  help="A contact is a repeat when the same customer made another contact this "
                                       "many days before it, or fewer.")
    by = cols[1].radio("Same", id_roles, key="dm_repeat_by", bind=BIND, horizontal=True,
                       format_func=lambda r: {"customer_id": "customer", "property_id": "property"}[r])
    f, _ = _apply_drill(base_filters, split, exclude="dm_ch_repeat_reason")
    # The first time for a version of the data, each customer's contacts are put in time order and kept (seconds on
    # millions of rows); after that every filter is a quick count.
    with st.spinner("Putting each customer's contacts in time order (once for this version of the data)…",
                    show_time=True):
        result = _run("repeat", ds, f, int(window), by)
    if result.contacts == 0:
        st.info("No records with a customer (or property) id match these filters.")
        return
    st.metric(f"Repeat rate within {int(window)} days", format_percent(result.rate),
              help=f"{format_count(result.repeats)} repeats out of {format_count(result.contacts)} contacts with an id.")
    tabs = st.tabs(["By reason", "By channel", "Which reasons follow which"])
    with tabs[0]:
        if not result.by_reason.empty:
            _chart(charts.build_repeat_rate_chart(result.by_reason, "Reason", title="Repeat rate by reason"),
                   "dm_ch_repeat_reason")
            csv_download(result.by_reason, "repeat_by_reason", "dm_dl_rep_reason", columns=_REPEAT_COLUMNS)
        else:
            _needs(ds, "reason", what="Repeats by reason")
    with tabs[1]:
        if not result.by_channel.empty:
            _chart(charts.build_repeat_rate_chart(result.by_channel, "Channel", title="Repeat rate by channel"),
                   name="repeat_by_channel")
            csv_download(result.by_channel, "repeat_by_channel", "dm_dl_rep_channel", columns=_REPEAT_COLUMNS)
        else:
            _needs(ds, "channel", what="Repeats by channel")
    with tabs[2]:
        if not result.pairs.empty:
            _chart(charts.build_repeat_pairs_chart(result.pairs), name="repeat_pairs")
            csv_download(result.pairs, "repeat_pairs", "dm_dl_rep_pairs",
                         columns={"previous_reason": "Previous reason", "reason": "Repeat reason",
                                  "count": "Repeats", "share_of_repeats": "Share of all repeats"})
        else:
            st.caption("No repeats to pair up.")
    _how(f"Each {'customer' if by == 'customer_id' else 'property'}'s contacts are put in time order (all services "
         "and reasons, including contacts before the chosen period). A contact is a repeat when the previous one "
         f"was {int(window)} calendar days or fewer before it (10 January then 7 February is within 28 days, "
         "whatever the times of day). Contacts without an id are left out. The pairs are the previous contact's "
         "reason and the repeat's reason. The Performance page's 'Repeat contacts' KPI counts repeats the same way, "
         f"with a {repeats.REPEAT_WINDOW_DAYS}-day window.")


_REPEAT_COLUMNS = {"reason": "Reason", "channel": "Channel", "contacts": "Contacts", "repeats": "Repeats",
                   "repeat_rate": "Repeat rate"}


def _seasonality_section(ds, filters, base_filters, split, figs):
    st.subheader("Seasonality")
    cols = st.columns(2)
    with cols[0]:
        if _run("has_times", ds):
            f, _ = _apply_drill(base_filters, split, exclude="dm_ch_dayhour")
            grid = figs.value.day_hour if f == filters else _run("dayhour", ds, f)
            _chart(charts.build_day_hour_heatmap(grid), "dm_ch_dayhour")
            csv_download(grid, "day_hour", "dm_dl_dayhour",
                         columns={"day": "Day", "hour": "Hour starting", "count": "Records"})
        else:
            st.info("The dates have no times of day, so there is no day × hour view.")
    with cols[1]:
        f, _ = _apply_drill(base_filters, split, exclude="dm_ch_monthyear")
        months = figs.value.month_year if f == filters else _run("monthyear", ds, f, coverage=_coverage(ds))
        _chart(charts.build_month_year_heatmap(months), "dm_ch_monthyear")
        csv_download(months, "month_year", "dm_dl_monthyear",
                     columns={"year": "Year", "month": "Month", "count": "Records", "incomplete": "Incomplete month"})
    _how("Records counted by day of the week and hour the contact was received, and by calendar month and year. "
         "Click a cell to drill the page down to it.")


def _change_section(ds, filters, coverage):
    st.subheader("What changed between two periods")
    first, last = coverage
    (a_start, a_end), (b_start, b_end) = change.default_periods(first, last)
    cols = st.columns(5)
    span = dict(min_value=first, max_value=last, bind=BIND, format="DD/MM/YYYY")
    a_from = cols[0].date_input("First period from", value=a_start, key="dm_a_from", **span)
    a_to = cols[1].date_input("First period to", value=a_end, key="dm_a_to", **span)
    b_from = cols[2].date_input("Second period from", value=b_start, key="dm_b_from", **span)
    b_to = cols[3].date_input("Second period to", value=b_end, key="dm_b_to", **span)
    options = [k for k in CHANGE_BY if k in ds.roles]
    if not options:
        _needs(ds, "reason", what="The change breakdown")
        return
    by = cols[4].selectbox("Split the change by", options, key="dm_change_by", bind=BIND,
                           format_func=lambda k: CHANGE_BY[k])
    try:
        result = _run("change", ds, filters, (a_from, a_to), (b_from, b_to), by)
    except StocktakeError as exc:
        st.error(plain(exc))
        return
    a_label = f"{a_from:%d %b %Y} – {a_to:%d %b %Y}"
    b_label = f"{b_from:%d %b %Y} – {b_to:%d %b %Y}"
    m = st.columns(3)
    m[0].metric("First period", format_count(result.before_total), help=a_label)
    m[1].metric("Second period", format_count(result.after_total), help=b_label)
    rel = result.total_change / result.before_total if result.before_total else None
    m[2].metric("Change", f"{result.total_change:+,}", delta=format_percent(rel) if rel is not None else None,
                delta_color="inverse")
    water = change.waterfall_frame(result, top_n=10, before_label="First period", after_label="Second period")
    _chart(charts.build_change_waterfall(water, CHANGE_BY[by]), name="change_between_periods")
    _how(f"Records counted in each period ({a_label}; {b_label}) for each {CHANGE_BY[by].lower()}. Each "
         "contribution is that group's own change (second minus first), so the contributions add up exactly to the "
         "total change. The 10 largest changes are shown, the rest added up as 'All other'. Periods of different "
         "lengths are compared as they are: choose periods of equal length.")
    csv_download(result.contributions, "change_between_periods", "dm_dl_change",
                 columns={"category": CHANGE_BY[by], "before": "First period", "after": "Second period",
                          "change": "Change", "share_of_change": "Share of total change"})


def _rate_section(ds, filters, base_filters, split, figs, context):
    st.subheader("Records per 1,000 residents")
    if not _needs(ds, "area", what="Rates per resident"):
        return
    population = context["population"]
    render_lookup_choice(ds, lookups.POPULATION, context["population_choice"])
    if population is None:
        st.info("No population lookup applies to this dataset: load one (a lookup dataset with 'Area' and "
                "'Population' columns) whose area names match this dataset's, or choose one above, to see records "
                "per 1,000 residents by area.")
        page_link("pages/data.py", label="Open the Data page", icon=":material/upload_file:")
        return
    f, _ = _apply_drill(base_filters, split, exclude="dm_ch_rate")
    if f == filters and figs.value.rate is not None:
        rates = figs.value.rate
    else:
        rates = _run("rate", ds, f, population, coverage=_coverage(ds), extra_version=population.version)
    _chart(charts.build_rate_chart(rates, RECORD_ROLES["area"].split(" (")[0]), "dm_ch_rate")
    unmatched = rates["population"].isna().sum()
    if unmatched:
        st.caption(f"{unmatched:,} areas have no population in '{population.name}' and are not shown.")
    _how(f"Records in the chosen period for each area ÷ the area's population in '{population.name}' × 1,000. "
         "Area names are matched ignoring capitals and spaces. The yearly rate divides by the years the period "
         "spans. Click a bar to drill down to that area.")
    csv_download(rates, "rate_per_1000", "dm_dl_rate",
                 columns={"area": "Area", "count": "Records", "population": "Population",
                          "rate_per_1000": "Per 1,000 residents", "annual_rate_per_1000": "Per 1,000 a year"})


def _forecast_section(ds, filters, grain, figs):
    st.subheader("Forecast")
    horizon = st.slider("Periods ahead", 3, 12, 6, key="dm_horizon", bind=BIND)
    try:
        volume = figs.value.volume if not figs.split else _run("volume", ds, filters, grain, None,
                                                                 coverage=_coverage(ds))
        result = _run("forecast", ds, filters, grain, int(horizon), coverage=_coverage(ds), volume=volume)
    except StocktakeError as exc:
        st.info(plain(exc))
        return
    for message in result.messages:
        st.info(message)
    left, right = st.columns([3, 1])
    with left:
        _chart(charts.build_forecast_chart(result.history, result.forecast, periods.GRAIN_LABELS[grain],
                                           title=f"Forecast of the next {int(horizon)} "
                                                 f"{periods.GRAIN_UNITS[grain]}"), name="forecast")
    with right:
        st.markdown("**Accuracy on past data (MASE)**")
        for model in result.accuracy["model"]:
            mase = result.mase(model)
            st.metric(model, "–" if pd.isna(mase) else f"{mase:.2f}")
        ets, naive = result.mase(forecast.ETS), result.mase(forecast.SEASONAL_NAIVE)
        if not pd.isna(ets) and not pd.isna(naive):
            st.caption("ETS did better than the baseline." if ets < naive else
                       "ETS did no better than the simple baseline: trust the baseline.")
    _how("Complete periods only (a part period at either end is left out). **Seasonal naive**: each period is "
         "forecast as the same period one season earlier (same month last year, same weekday last week). **ETS**: "
         "exponential smoothing with a damped trend and seasonality (statsmodels). Bands are 80% and 95% "
         "prediction intervals. **MASE**: the average error forecasting the last periods from earlier data, "
         "divided by the typical error of 'same period last season'; below 1 is better than that yardstick.")
    csv_download(result.forecast, "forecast", "dm_dl_forecast",
                 columns={"model": "Model", "label": "Period", "mean": "Forecast", "lo80": "80% from",
                          "hi80": "80% to", "lo95": "95% from", "hi95": "95% to"})


# ---- page ---------------------------------------------------------------------------------------------------------


def main() -> None:
    st.title("Demand drivers")
    st.caption("What drives demand for the service, how much of it is failure demand, and where it is heading.")
    ds = current_dataset()
    if ds is None:
        st.info("No dataset is loaded yet. Load your records on the Data page, or build the demo.")
        page_link("pages/data.py", label="Open the Data page", icon=":material/upload_file:")
        return
    if ds.kind != "records":
        st.info(f"'{ds.name}' is a {ds.kind} dataset. The Demand page works on records (one row per contact, "
                "request or case): pick a records dataset in the sidebar.")
        return
    if not _needs(ds, "date", what="The Demand page"):
        return
    show_coverage(ds)
    coverage = _run("coverage", ds)
    if coverage[0] is None:
        st.info(f"'{plain(ds.name)}' has no records with a date.")
        return
    options = _run("options", ds)
    base_filters, grain = render_filters(ds, options, coverage)
    split = st.session_state.get("dm_split") or ""
    drill_ui.absorb_clicks(DRILL_CHARTS, split, charts.SELECTIONS)
    chips = drill_ui.render_chips()
    filters, drill_words = _apply_drill(base_filters, split)
    render_filter_sentence(base_filters, "; ".join(drill_words) if drill_words else None)
    if chips:
        st.button("Clear the drill-down", key="dm_clear", on_click=drill_ui.clear_chips,
                  icon=":material/filter_alt_off:")
    context = _context(ds)
    figs = _Figures(split, _run("figures", ds, filters, grain, split or None, classes=context["classes"],
                                coverage=coverage, population=context["population"],
                                extra_version=(context["cls_version"], context["population_version"])))
    total = figs.value.total
    st.metric("Records", format_count(total))
    if total == 0:
        st.warning("No records match these filters. Widen the period or remove a filter.")
        return
    # Each section fails on its own: one sentence in its place, and the rest of the page is still drawn.
    with figure("the volume over time"):
        _volume_section(ds, filters, base_filters, grain, split, figs)
    with figure("the top reasons"):
        _pareto_section(ds, filters, base_filters, split, figs)
    with figure("failure and value demand"):
        _failure_section(ds, filters, base_filters, grain, split, figs, context)
    with figure("repeat demand"):
        _repeat_section(ds, base_filters, split)
    with figure("the seasonality charts"):
        _seasonality_section(ds, filters, base_filters, split, figs)
    with figure("the change between two periods"):
        _change_section(ds, filters, coverage)
    with figure("records per 1,000 residents"):
        _rate_section(ds, filters, base_filters, split, figs, context)
    with figure("the forecast"):
        _forecast_section(ds, filters, grain, figs)


with figure("the Demand page"):
    main()
