"""Performance trends page: is performance really changing, or is this noise? KPIs on SPC charts, read the way NHS
England's "Making Data Count" reads them.

One KPI at a time on an XmR chart with its reading in words and the two MDC icons; the improvement direction, target
and trajectory (kept in the store); interventions (dated notes, kept in the store) drawn on the chart and usable as
points to recalculate the limits from; the summary matrix of every KPI x service (click a row to open its chart);
small multiples across areas or services; and a peer comparison when a benchmark dataset is loaded.

Every control is keyed ``pf_…`` and bound to the URL. The analysis is in the :mod:`analysis.kpis` package,
:mod:`analysis.spc` package and :mod:`analysis.interventions`; the charts and icons in :mod:`analysis.charts.spc`.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from analysis import classification, interventions, lookups, periods, store
from analysis.charts import spc as charts
from analysis.demand import figures
from analysis.errors import StocktakeError
from analysis.filters import Filters
from analysis.kpis import cube, definitions, peers, series, storage
from analysis.spc import reading, xmr
from ui import actions
from ui.auth import can_edit, guard_page
from ui.charts import show_chart
from ui.links import page_link
from ui.connection import current_dataset, get_connection
from ui.exports import csv_download
from ui.lookup_choice import render_lookup_choice
from ui.sections import figure, show_coverage
from ui.text import plain

guard_page()  # sign-in, even when Streamlit runs this file on its own (see ui.auth.guard_page)

BIND = "query-params"
MAX_SMALL_MULTIPLES = 20  # a council's wards fit; a file with hundreds of areas shows the 20 with the most data
ALL = definitions.ALL
RULE_LABELS = {"nhsr": "NHS-R (NHSRplotthedots)", "mdc": "Making Data Count tool"}
DIRECTION_LABELS = {"increase": "Higher is better", "decrease": "Lower is better", "neutral": "Neither"}
SPLIT_LABELS = {"service": "Service", "area": "Area", "channel": "Channel"}
MATRIX_KEY = "pf_matrix"


# ---- cached analysis ------------------------------------------------------------------------------------------------

@st.cache_data(show_spinner=False, max_entries=500)
def _series(db: str, name: str, version: int, cls_version: int, _ds: store.Dataset, kpi: str, grain: str,
            split: str | None, filters: Filters, within_days: int) -> pd.DataFrame:
    return series.kpi_series(get_connection(), _ds, kpi, grain=grain, split=split, filters=filters,
                           within_days=within_days)


@st.cache_data(show_spinner=False, max_entries=100)
def _matrix(db: str, name: str, version: int, cls_version: int, _ds: store.Dataset, grain: str, within_days: int,
            directions: tuple, targets: tuple, rules: str) -> pd.DataFrame:
    return series.summary_matrix(get_connection(), _ds, grain=grain, within_days=within_days,
                               directions=dict(directions), targets=dict(targets), rules=rules)


@st.cache_data(show_spinner=False, max_entries=100)
def _default_grain(db: str, name: str, version: int, _ds: store.Dataset) -> str:
    """Month, unless the data are too short for 13 months: then the grain that gives an SPC chart enough points."""
    first, last = figures.data_coverage(get_connection(), _ds)
    return periods.default_grain(first, last, definitions.DEFAULT_GRAIN)


@st.cache_data(show_spinner=False, max_entries=100)
def _kpi_grain(db: str, name: str, version: int, _ds: store.Dataset) -> str:
    """A KPI series' grain: as the loader recorded it, else as its period dates show it (8 first days of April:
    financial years)."""
    return definitions.dataset_grain(_ds, get_connection())


@st.cache_data(show_spinner=False, max_entries=100)
def _options(db: str, name: str, version: int, cls_version: int, _ds: store.Dataset, within_days: int):
    con = get_connection()
    options = definitions.available_kpis(con, _ds, within_days)
    values = {role: cube.split_values(con, _ds, role) for role in ("service", "area", "channel") if role in _ds.roles}
    return options, values


@st.cache_data(show_spinner=False, max_entries=100)
def _small_multiples(db: str, name: str, version: int, cls_version: int, _ds: store.Dataset, kpi: str, grain: str,
                     by: str, filters: Filters, within_days: int, improvement: str, rules: str, target: float | None,
                     notes: tuple, label: str, unit: str):
    """The small multiples chart (SPC per area or service), or None when no series has 2 points. Cached whole: the
    20 SPC runs and the chart build cost more than the data, which the cube already holds."""
    many = _series(db, name, version, cls_version, _ds, kpi, grain, by, filters, within_days)
    many = many[many["series"].isin(many.groupby("series")["value"].count().loc[lambda c: c >= 2].index)]
    if many.empty:
        return None, 0, 0
    # A borough file can have hundreds of wards: draw the ones with the most data (most periods, then the largest
    # total), so the room sees readable charts rather than hundreds of specks.
    ranking = many.groupby("series")["value"].agg(["count", "sum"]).sort_values(["count", "sum"], ascending=False)
    total_series = len(ranking)
    many = many[many["series"].isin(ranking.index[:MAX_SMALL_MULTIPLES])]
    frames = series.series_spc(many, improvement=improvement, rules=rules, target=target)
    scope = ", ".join(filters.services + filters.areas + filters.channels) or (
        "all services" if by == "area" else "all areas")
    notes_frame = pd.DataFrame({"day": pd.to_datetime([d for d, _ in notes]), "label": [l for _, l in notes]})
    chart = charts.build_small_multiples(
        frames, title=f"{label} by {SPLIT_LABELS[by].lower()}: {scope}", unit=unit, y_title=label,
        subtitle="Each chart has its own mean and limits; the scales differ.", interventions=notes_frame, grain=grain)
    return chart, min(total_series, MAX_SMALL_MULTIPLES), total_series


@st.cache_data(show_spinner=False, max_entries=50)
def _peer(db: str, name: str, version: int, _ds: store.Dataset, measure: str, own: str,
          improvement: str) -> pd.DataFrame:
    return peers.peer_comparison(get_connection(), _ds, measure, own, improvement=improvement)


# ---- helpers ----------------------------------------------------------------------------------------------------------

def _scale(unit: str) -> float:
    """Targets are typed as people read them: 95 for 95% when the KPI is a share (stored as 0.95)."""
    return 100.0 if unit == "share" else 1.0


def _load_settings(ds_name: str) -> None:
    """When the KPI or service changes, show that KPI's stored direction and target in the inputs."""
    kpi = st.session_state.get("pf_kpi")
    if not kpi:
        return
    series = st.session_state.get("pf_service") or ALL
    directions, targets = storage.kpi_settings(get_connection(), ds_name)
    default = definitions.RECORD_KPIS[kpi].improvement if kpi in definitions.RECORD_KPIS else "increase"
    st.session_state["pf_dir"] = directions.get(kpi, default)
    target = storage.target_for(targets, kpi, series)
    st.session_state["pf_target"] = None if target is None else round(target * _scale(definitions.kpi_unit(kpi)), 4)


def _apply_matrix_selection(ds_name: str, matrix_keys: list[tuple[str, str]] | None) -> None:
    """A row clicked in the summary matrix opens its chart: set the KPI and service before the widgets are made."""
    state = st.session_state.get(MATRIX_KEY)
    rows = []
    try:
        rows = list(state["selection"]["rows"]) if state else []
    except (KeyError, TypeError):
        rows = []
    if not rows or not matrix_keys:
        return
    row = rows[0]
    if st.session_state.get("_pf_matrix_done") == (row, tuple(matrix_keys)):
        return
    st.session_state["_pf_matrix_done"] = (row, tuple(matrix_keys))
    if 0 <= row < len(matrix_keys):
        kpi, series = matrix_keys[row]
        st.session_state["pf_kpi"] = kpi
        st.session_state["pf_service"] = series
        for key in ("pf_area", "pf_channel"):
            if key in st.session_state:
                st.session_state[key] = ALL
        _load_settings(ds_name)


def _icons_html(summary: reading.SpcSummary, size: int = 56) -> str:
    variation = summary.variation if summary.points >= 2 else None
    v = charts.svg_data_uri(charts.variation_icon_svg(variation, summary.variation_side))
    a = charts.svg_data_uri(charts.assurance_icon_svg(summary.assurance))
    v_label = reading.VARIATION_LABELS.get(variation, "")
    if summary.variation_side and variation not in (None, xmr.COMMON_CAUSE):
        v_label += f" ({'higher' if summary.variation_side == 'high' else 'lower'})"
    a_label = reading.ASSURANCE_LABELS.get(summary.assurance, "")
    return (
        f'<div style="display:flex;gap:18px;align-items:center">'
        f'<figure style="margin:0;text-align:center"><img src="{v}" width="{size}" height="{size}" alt="{v_label}">'
        f'<figcaption style="font-size:0.8rem">{v_label}</figcaption></figure>'
        f'<figure style="margin:0;text-align:center"><img src="{a}" width="{size}" height="{size}" alt="{a_label}">'
        f'<figcaption style="font-size:0.8rem">{a_label}</figcaption></figure></div>'
    )


# ---- the page -----------------------------------------------------------------------------------------------------------

st.title("Performance trends")
st.caption("Is performance really changing, or is this noise? Each KPI on a statistical process control (SPC) chart, "
           "read the way NHS England's Making Data Count reads them.")

ds = current_dataset()
if ds is None:
    st.info("No data loaded yet. Load a records file or a KPI series on the Data page, or build the demo.",
            icon=":material/info:")
    page_link("pages/data.py", label="Open the Data page", icon=":material/upload_file:")
    st.stop()
if ds.kind not in ("records", "kpi"):
    st.info(f"'{plain(ds.name)}' is a lookup. Choose a records or KPI dataset in the sidebar.", icon=":material/info:")
    st.stop()

con = get_connection()
show_coverage(ds)
if ds.kind == "kpi" and "period" in ds.roles:
    # A period column of text cannot be put in time order: say so once, plainly, instead of failing on every figure.
    with figure("this KPI series' periods", stop=True):
        definitions.check_period_column(con, ds)
# Cached results are keyed on the store file too: two stores (tests, benchmarks) can hold a dataset of the same name
# and version.
DB = str(store.default_db_path())
is_records = ds.kind == "records"
cls_version = classification.classification_version(con, ds) if is_records else 0

# Matrix clicks must land before the widgets they set are created.
_apply_matrix_selection(ds.name, st.session_state.get("_pf_matrix_keys"))

with st.sidebar:
    st.subheader("Chart settings")
    if is_records:
        grain = st.selectbox("Period", list(periods.GRAINS),
                             index=periods.GRAINS.index(_default_grain(DB, ds.name, ds.version, ds)),
                             key="pf_grain", bind=BIND, format_func=lambda g: periods.GRAIN_LABELS[g],
                             help="Months at first; a short extract starts at the grain that gives at least 13 "
                                  "periods, enough for an SPC chart's limits.")
        within_days = int(st.number_input("'Closed within' days", min_value=0, max_value=365,
                                          value=definitions.DEFAULT_WITHIN_DAYS, step=1, key="pf_days", bind=BIND,
                                          help="For the KPI 'Closed within N days'."))
    else:
        grain, within_days = _kpi_grain(DB, ds.name, ds.version, ds), definitions.DEFAULT_WITHIN_DAYS
    rules = st.radio("SPC rules", list(RULE_LABELS), key="pf_rules", bind=BIND, format_func=RULE_LABELS.get,
                     help="NHS-R: NHSRplotthedots (runs and trends of 7). Making Data Count tool: runs and trends of 6, "
                          "points beyond the limits count towards 'two of three', limits only from 13 points.")
    show_near = st.checkbox("Show the near-limit (2 sigma) lines", key="pf_near", bind=BIND)

with figure("the KPIs this dataset offers", stop=True):
    options, split_vals = _options(DB, ds.name, ds.version, cls_version, ds, within_days)
if not options:
    st.info(f"'{ds.name}' has no KPI to chart: a KPI series needs the roles Period and Value.", icon=":material/info:")
    page_link("pages/data.py", label="Open the Data page", icon=":material/upload_file:")
    st.stop()
by_key = {o.key: o for o in options}

# ---- choice of KPI and series ----------------------------------------------------------------------------------------
c1, c2, c3, c4 = st.columns([3, 2, 2, 2])
kpi = c1.selectbox("KPI", list(by_key), key="pf_kpi", bind=BIND, format_func=lambda k: by_key[k].label,
                   on_change=_load_settings, args=(ds.name,))
services = split_vals.get("service", [])
service = ALL
if services:
    service = c2.selectbox("Service", [ALL] + services, key="pf_service", bind=BIND,
                           format_func=lambda s: "All services" if s == ALL else s,
                           on_change=_load_settings, args=(ds.name,))
area = channel = ALL
if is_records and split_vals.get("area"):
    area = c3.selectbox("Area", [ALL] + split_vals["area"], key="pf_area", bind=BIND,
                        format_func=lambda s: "All areas" if s == ALL else s)
if is_records and split_vals.get("channel"):
    channel = c4.selectbox("Channel", [ALL] + split_vals["channel"], key="pf_channel", bind=BIND,
                           format_func=lambda s: "All channels" if s == ALL else s)

option = by_key[kpi]
if kpi in definitions.RECORD_KPIS:
    # What the figure counts, in words: the repeat KPI says it uses the Demand page's definition.
    st.caption(definitions.RECORD_KPIS[kpi].description.format(days=within_days))
if option.missing:
    st.info(option.missing, icon=":material/info:")
    page_link("pages/data.py", label="Open the Data page", icon=":material/upload_file:")
    if kpi == "failure_demand_pct":
        page_link("pages/demand.py", label="Classify reasons on the Demand page", icon=":material/call_received:")
    st.stop()

directions, targets = storage.kpi_settings(con, ds.name)
stored_direction = directions.get(kpi, option.improvement)
series_name = service if service != ALL else ALL
stored_target = storage.target_for(targets, kpi, series_name)
scale = _scale(option.unit)

# The stored direction and target are the inputs' starting values (a URL that names them wins).
if "pf_dir" not in st.session_state:
    st.session_state["pf_dir"] = stored_direction
if "pf_target" not in st.session_state:
    st.session_state["pf_target"] = None if stored_target is None else round(stored_target * scale, 4)


def _save_direction() -> None:
    try:
        actions.set_improvement(get_connection(), ds.name, st.session_state["pf_kpi"], st.session_state["pf_dir"])
    except StocktakeError as exc:
        st.toast(plain(exc), icon=":material/block:")


# A viewer may try another direction, target or trajectory on the chart; only an editor's choices are kept.
editor = can_edit()


d1, d2, d3 = st.columns([2, 2, 3])
improvement = d1.radio("Which way is better?", list(DIRECTION_LABELS), key="pf_dir", bind=BIND,
                       format_func=DIRECTION_LABELS.get, horizontal=True, on_change=_save_direction if editor else None,
                       help="Kept for this KPI: it decides whether a signal is an improvement or a concern.")
if improvement not in DIRECTION_LABELS:
    improvement = stored_direction

# ---- interventions and rebase points ---------------------------------------------------------------------------------
notes = interventions.list_interventions(con, ds.name, service if service != ALL else None)
note_options = {f"{row.day.date().isoformat()}|{row.id}": row for row in notes.itertuples()}
# A URL or an earlier choice may name interventions of another service: keep only those offered here.
if "pf_rebase" in st.session_state:
    st.session_state["pf_rebase"] = [k for k in st.session_state["pf_rebase"] if k in note_options]
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

# ---- the chart -----------------------------------------------------------------------------------------------------------
filters = Filters.for_roles({role: None if value == ALL else value
                             for role, value in (("service", service), ("area", area), ("channel", channel))})
with figure(f"the series of {option.label}", stop=True), st.spinner("Working out the KPI…"):
    kpi_values = _series(DB, ds.name, ds.version, cls_version, ds, kpi, grain, None, filters, within_days)

trajectory = storage.get_trajectory(con, ds.name, kpi, series_name)
traj_values = storage.trajectory_values(trajectory, kpi_values["period"]) if trajectory else None
# A target saved on this page wins; otherwise a KPI series' own target column is used, point by point.
target_value = stored_target

where = ", ".join(filter(None, [service if service != ALL else "all services",
                                area if area != ALL else None, channel if channel != ALL else None]))
title = f"{option.label}: {where}"
points = int(kpi_values["value"].notna().sum())
if points < 2:
    st.info(f"{plain(title)} has {points} period{'s' if points != 1 else ''} with a value: an SPC chart needs at least 2. "
            "Choose another KPI, service or a shorter period.", icon=":material/info:")
    result = None
else:
    result = None
    with figure(f"the SPC limits of {option.label}"):
        result = xmr.xmr(kpi_values["value"].to_numpy(dtype=float), dates=kpi_values["period"], improvement=improvement,
                         target=target_value if target_value is not None else kpi_values["target"].to_numpy(dtype=float),
                         trajectory=None if traj_values is None else traj_values.to_numpy(dtype=float),
                         rebase_at=rebase_at, rules=rules)


def _show_chart(result) -> None:
    summary = reading.summarise(result, improvement)
    fmt = lambda v: definitions.format_kpi_value(v, option.unit)  # noqa: E731
    st.markdown(f"**{reading.reading(result, improvement, fmt, grain)}**")
    i1, m1, m2, m3, m4, m5 = st.columns([3, 2, 2, 2, 2, 2])
    i1.html(_icons_html(summary))
    latest = periods.period_label(summary.latest_date, grain) if summary.latest_date is not None else ""
    m1.metric(f"Latest ({latest})", fmt(summary.latest_value))
    m2.metric("Mean", fmt(summary.mean))
    m3.metric("Lower limit", "–" if summary.lpl is None else fmt(summary.lpl),
              help="The process limits: points between them vary by chance alone.")
    m4.metric("Upper limit", "–" if summary.upl is None else fmt(summary.upl))
    m5.metric("Target", fmt(summary.target) if summary.target is not None else "–",
              help="Set one under 'Target and trajectory' below." if summary.target is None else None)
    if summary.short_segment:
        st.warning(f"Only {summary.segment_points} points since the limits were last set: with fewer than "
                   f"{xmr.SHORT_SEGMENT_POINTS} the limits may still move, so treat signals with care.",
                   icon=":material/warning:")
    chart_notes = interventions.list_interventions(con, ds.name, service if service != ALL else None)
    chart = charts.build_spc_chart(result, title=title, unit=option.unit, y_title=option.label, grain=grain,
                                   interventions=chart_notes, show_near_lines=show_near,
                                   subtitle=f"{RULE_LABELS[rules]} rules; {DIRECTION_LABELS[improvement].lower()}")
    show_chart(chart, key="pf_chart", name=f"spc_{kpi}_{series_name}")
    csv_download(result, f"spc_{kpi}_{series_name}", key="pf_dl_chart",
                 columns={"date": "Period", "value": "Value", "mean": "Mean", "lpl": "Lower process limit",
                          "upl": "Upper process limit", "near_lpl": "Lower near limit",
                          "near_upl": "Upper near limit", "special_cause_detail": "Rule", "point_type": "Reading",
                          "target": "Target", "trajectory": "Trajectory"})
    with st.expander("How to read this chart"):
        st.markdown(
            "- The **black line** is the mean; the **dashed grey lines** are the process limits (mean ± 2.66 × the "
            "average moving range). Points inside them vary by chance alone (*common cause*).\n"
            "- A point is a **special cause** when it is outside the limits, part of a run of "
            f"{result.attrs['trend_points']} rising or falling points, two of three points near a limit, or part of "
            f"{result.attrs['shift_points']} points on one side of the mean. Coloured points show which way it "
            "went: improvement or concern, according to which way is better.\n"
            "- **Assurance** compares the target with the limits: a target outside them will consistently be met "
            "or missed; a target between them will be met some months and missed others, by chance.\n"
            "- Hover over a point to see the rule that fired.")


if result is not None:
    with figure(f"the SPC chart of {option.label}"):
        _show_chart(result)

# ---- target, trajectory, interventions ------------------------------------------------------------------------------
with st.expander("Target and trajectory", icon=":material/flag:"):
    unit_hint = " (as a percentage, e.g. 95)" if option.unit == "share" else ""
    t1, t2, t3 = st.columns([2, 2, 2])
    t1.number_input(f"Target{unit_hint}", key="pf_target", bind=BIND, step=1.0, format="%.2f")
    every = t2.checkbox("Same target for every service", key="pf_t_all", bind=BIND,
                        help="A service with a target of its own keeps it.")
    if editor and t3.button("Save target", key="pf_t_save", icon=":material/save:"):
        typed = st.session_state.get("pf_target")
        try:
            actions.set_target(con, ds.name, kpi, None if every else series_name,
                               None if typed is None else typed / scale)
        except StocktakeError as exc:
            st.error(plain(exc))
        else:
            st.rerun()
    st.caption("Leave the target empty and save to remove it." if editor else
               "Try a target on the chart here; only editors can save one.")
    st.markdown("**Trajectory**: where the KPI should be, on a straight line between two points in time.")
    r1, r2, r3, r4 = st.columns(4)
    first_period = kpi_values["period"].min() if len(kpi_values) else pd.Timestamp(date.today())
    last_period = kpi_values["period"].max() if len(kpi_values) else pd.Timestamp(date.today())
    tr_from = r1.date_input("From", value=first_period.date(), key="pf_tr_from", bind=BIND, format="DD/MM/YYYY")
    tr_from_v = r2.number_input(f"Value then{unit_hint}", value=None, key="pf_tr_from_v", bind=BIND, format="%.2f")
    tr_to = r3.date_input("To", value=last_period.date(), key="pf_tr_to", bind=BIND, format="DD/MM/YYYY")
    tr_to_v = r4.number_input(f"Value then{unit_hint}", value=None, key="pf_tr_to_v", bind=BIND, format="%.2f")
    b1, b2 = st.columns([1, 3])
    if editor and b1.button("Save trajectory", key="pf_tr_save", icon=":material/save:"):
        if tr_from_v is None or tr_to_v is None:
            st.error("Give the trajectory's value at both ends.")
        else:
            try:
                actions.set_trajectory(con, ds.name, kpi, series_name, tr_from, tr_from_v / scale, tr_to,
                                       tr_to_v / scale)
                st.rerun()
            except StocktakeError as exc:
                st.error(plain(exc))
    if editor and trajectory and b2.button("Remove the trajectory", key="pf_tr_clear", icon=":material/delete:"):
        try:
            actions.clear_trajectory(con, ds.name, kpi, trajectory["series"] or None)
        except StocktakeError as exc:
            st.error(plain(exc))
        else:
            st.rerun()

with st.expander("Interventions", icon=":material/event_note:"):
    st.caption("Dated notes of what changed (a new form, a restructure). They show on every chart of their service, "
               "and can be used above to recalculate the limits.")
    if len(notes):
        shown = notes.assign(day=notes["day"].dt.strftime("%d %b %Y"),
                             service=notes["service"].fillna("Every service"))
        st.dataframe(shown[["day", "service", "label"]], hide_index=True,
                     column_config={"day": "Date", "service": "Service", "label": "What changed"})
    else:
        st.write("No interventions recorded for this service yet.")
    if not editor:
        st.caption("Only editors can add or delete interventions.")
    else:
        n1, n2, n3 = st.columns([2, 4, 2])
        new_day = n1.date_input("Date", value=None, key="pf_iv_date", bind=BIND, format="DD/MM/YYYY")
        new_label = n2.text_input("What changed", key="pf_iv_label", bind=BIND, max_chars=interventions.MAX_LABEL,
                                  placeholder="e.g. New online repairs form")
        for_all = n3.checkbox(
            "Every service", key="pf_iv_all", bind=BIND,
            help="Show it on the charts of every service (always so when 'All services' is chosen).")
        if st.button("Add the intervention", key="pf_iv_add", icon=":material/add:"):
            if new_day is None:
                st.error("Choose the date the change happened.")
            else:
                try:
                    actions.add_intervention(con, ds.name, None if for_all or service == ALL else service, new_day,
                                             new_label)
                    st.rerun()
                except StocktakeError as exc:
                    st.error(plain(exc))
        if len(notes):
            x1, x2 = st.columns([4, 2])
            labels = {int(r.id): f"{r.day.strftime('%d %b %Y')}: {r.label}" for r in notes.itertuples()}
            to_delete = x1.selectbox("Delete an intervention", list(labels), key="pf_iv_del", bind=BIND,
                                     format_func=labels.get)
            if x2.button("Delete", key="pf_iv_delete", icon=":material/delete:"):
                try:
                    actions.delete_intervention(con, ds.name, to_delete, labels[to_delete])
                except StocktakeError as exc:
                    st.error(plain(exc))
                else:
                    st.rerun()

# ---- summary matrix -----------------------------------------------------------------------------------------------------
st.header("Summary of every KPI", divider="gray")
st.caption("The Making Data Count summary: each KPI for each service, its latest value, target, variation and "
           "assurance. Click a row to open its chart above. Click a column header to sort.")
matrix = None
with figure("the summary of every KPI"), st.spinner("Working out every KPI…"):
    matrix = _matrix(DB, ds.name, ds.version, cls_version, ds, grain, within_days,
                     tuple(sorted(directions.items())), tuple(sorted(targets.items())), rules)


def _show_matrix(matrix) -> None:
    table = pd.DataFrame({
        "variation_icon": [charts.svg_data_uri(charts.variation_icon_svg(v, s)) for v, s in
                           zip(matrix["variation"], matrix["variation_side"])],
        "assurance_icon": [charts.svg_data_uri(charts.assurance_icon_svg(a)) for a in matrix["assurance"]],
        "kpi": matrix["kpi_label"],
        "series": ["All services" if s == ALL else s for s in matrix["series"]],
        "latest_period": [periods.period_label(p, grain) if pd.notna(p) else "–" for p in matrix["latest_period"]],
        "latest": [definitions.format_kpi_value(v, u) for v, u in zip(matrix["latest_value"], matrix["unit"])],
        "target": [definitions.format_kpi_value(v, u) if pd.notna(v) else "–" for v, u in zip(matrix["target"],
                                                                                        matrix["unit"])],
        "variation": [reading.VARIATION_LABELS.get(v if isinstance(v, str) else None, "") for v in matrix["variation"]],
        "assurance": [reading.ASSURANCE_LABELS.get(a if isinstance(a, str) else None, "") for a in matrix["assurance"]],
        "points": matrix["points"],
    })
    st.session_state["_pf_matrix_keys"] = list(zip(matrix["kpi"], matrix["series"]))
    st.dataframe(
        table, key=MATRIX_KEY, on_select="rerun", selection_mode="single-row", hide_index=True,
        column_config={
            "variation_icon": st.column_config.ImageColumn("Variation", width="small"),
            "assurance_icon": st.column_config.ImageColumn("Assurance", width="small"),
            "kpi": "KPI", "series": "Service", "latest_period": "Latest period", "latest": "Latest value",
            "target": "Target", "variation": "Variation (words)", "assurance": "Assurance (words)",
            "points": st.column_config.NumberColumn("Points", format="%d"),
        },
        row_height=44,
    )
    csv_download(matrix, "kpi_summary", key="pf_dl_matrix",
                 columns={"kpi_label": "KPI", "series": "Service", "latest_period": "Latest period",
                          "latest_value": "Latest value", "target": "Target", "mean": "Mean",
                          "lpl": "Lower process limit", "upl": "Upper process limit", "variation": "Variation",
                          "assurance": "Assurance", "points": "Points"})


if matrix is not None and len(matrix):
    with figure("the summary of every KPI"):
        _show_matrix(matrix)

# ---- small multiples ------------------------------------------------------------------------------------------------
compare_roles = [r for r in ("area", "service") if split_vals.get(r)]
if compare_roles:
    st.header("Compare across areas or services", divider="gray")
    by = st.radio("One small chart per", compare_roles, key="pf_sm_by", bind=BIND, horizontal=True,
                  format_func=SPLIT_LABELS.get)
    sm_filters = filters.without(by)
    sm_notes = interventions.list_interventions(con, ds.name, sm_filters.services[0] if sm_filters.services else None)
    with figure("the small charts by area or service"):
        sm_chart, shown, total = _small_multiples(
            DB, ds.name, ds.version, cls_version, ds, kpi, grain, by, sm_filters, within_days,
            improvement, rules, stored_target if by == "area" else None,
            tuple(zip(sm_notes["day"].astype(str), sm_notes["label"])), option.label, option.unit)
        if sm_chart is None:
            st.info("No area or service has 2 or more periods with a value.", icon=":material/info:")
        else:
            if shown < total:
                st.caption(f"Showing the {shown} of {total:,} with the most data. Choose a service above to narrow "
                           "the comparison.")
            show_chart(sm_chart, key="pf_sm_chart", name=f"small_multiples_{kpi}")

# ---- peer comparison ------------------------------------------------------------------------------------------------


def _peer_section() -> None:
    """Compare with other organisations: only with this dataset's own benchmarks (itself, when it is a benchmark, or
    the one chosen for it), never every benchmark in the store on every dataset's page."""
    benchmarks = peers.benchmarks_for(con, ds)
    if not peers.is_benchmark(ds):
        render_lookup_choice(ds, lookups.BENCHMARK, lookups.lookup_for(con, ds, lookups.BENCHMARK))
    if not benchmarks:
        st.caption("To compare with other organisations, load a benchmark dataset on the Data page (a KPI series "
                   "with the roles Period, Area: your organisation and each comparator, Measure and Value) and open "
                   "it here, or choose it for this dataset above.")
        return
    names = [b.name for b in benchmarks]
    p1, p2, p3 = st.columns(3)
    if st.session_state.get("pf_bm") not in names:
        st.session_state.pop("pf_bm", None)
    bench_name = p1.selectbox("Benchmark dataset", names, key="pf_bm", bind=BIND)
    bench = next(b for b in benchmarks if b.name == bench_name)
    definitions.check_period_column(con, bench)
    bench_grain = _kpi_grain(DB, bench.name, bench.version, bench)
    measures = definitions.kpi_measures(con, bench)
    measure = p2.selectbox("Measure", measures, key="pf_bm_measure", bind=BIND)
    areas = peers.organisations(con, bench)
    if not areas:
        st.info(f"'{plain(bench.name)}' has no organisations named in its Area column.", icon=":material/info:")
        return
    own = p3.selectbox("Your organisation", areas, key="pf_bm_own", bind=BIND)
    better = st.radio("Which way is better for this measure?", list(DIRECTION_LABELS), key="pf_bm_dir", bind=BIND,
                      format_func=DIRECTION_LABELS.get, horizontal=True)
    st.warning(peers.PEER_CAUTION, icon=":material/balance:")
    peer = _peer(DB, bench.name, bench.version, bench, measure, own, better)
    if not len(peer):
        st.info(f"No period has values for both {plain(own)} and its comparators.", icon=":material/info:")
        return
    last = peer.iloc[-1]
    unit = definitions.kpi_unit(measure)
    f = lambda v: definitions.format_kpi_value(v, unit)  # noqa: E731
    q1, q2, q3, q4 = st.columns(4)
    q1.metric(f"Rank in {periods.period_words(last['period'], bench_grain)}", f"{int(last['rank'])} of {int(last['of'])}",
              help="1 is the best, by the direction chosen above.")
    q2.metric("Quartile", f"{int(last['quartile'])} of 4", help="1 is the best quarter.")
    q3.metric("Distance from the comparators' median", f"{last['distance_from_median']:+,.1f}",
              help=f"Your value {f(last['own_value'])}; their median {f(last['comparator_median'])}.")
    q4.metric("Median of all organisations", f(last["median_all"]),
              help=f"The median of all {int(last['of'])} organisations with a value, yours included: the median "
                   "benchmarking publishers such as Oflog print.")
    show_chart(charts.build_peer_chart(peer, title=f"{measure}: {own} and its comparators", own_label=own,
                                       unit=unit, y_title=measure, grain=bench_grain),
               key="pf_peer_chart", name=f"peers_{measure}")


st.header("Peer comparison", divider="gray")
with figure("the peer comparison"):
    _peer_section()
