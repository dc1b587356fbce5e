"""The Performance page's stored settings for a KPI: its direction and target shown when it is chosen, a summary row
clicked to open its chart, and the forms that save a target, a trajectory or an intervention (through the audited
gate, ``ui.actions``; a viewer may try a target on the chart but not save it)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from analysis import interventions, periods, store
from analysis.errors import StocktakeError
from analysis.kpis import definitions, explained, storage
from analysis.kpis.explained import RULE_LABELS
from analysis.kpis.page import (DAYS_KEY, DIRECTION_KEY, GRAIN_KEY, KPI_KEY, NEAR_KEY, RULES_KEY, SERIES_KEYS,
                                TARGET_KEY)
from ui import actions
from ui.auth import can_edit
from ui.connection import get_connection
from ui.text import plain

BIND = "query-params"
ALL = definitions.ALL
# (kpi, series) of each row of the summary table as the page drew it, and the row whose choice was last applied.
MATRIX_ROWS_KEY, MATRIX_DONE_KEY = "_pf_matrix_keys", "_pf_matrix_done"


def load_settings(dataset: str) -> None:
    """When the KPI or service changes, show that KPI's stored direction and target in the inputs."""
    kpi = st.session_state.get(KPI_KEY)
    if not kpi:
        return
    series = st.session_state.get(SERIES_KEYS["service"]) or ALL
    directions, targets = storage.kpi_settings(get_connection(), dataset)
    default = definitions.RECORD_KPIS[kpi].improvement if kpi in definitions.RECORD_KPIS else "increase"
    st.session_state[DIRECTION_KEY] = directions.get(kpi, default)
    target = storage.target_for(targets, kpi, series)
    st.session_state[TARGET_KEY] = None if target is None else round(
        target * explained.target_scale(definitions.kpi_unit(kpi)), 4)


def apply_matrix_selection(dataset: str, matrix_key: str) -> None:
    """A row clicked in the summary matrix opens its chart: set the KPI and service before the widgets are made."""
    matrix_keys = st.session_state.get(MATRIX_ROWS_KEY)
    state = st.session_state.get(matrix_key)
    try:
        rows = list(state["selection"]["rows"]) if state else []
    except (KeyError, TypeError):
        rows = []
    if not rows or not matrix_keys:
        return
    row = rows[0]
    if st.session_state.get(MATRIX_DONE_KEY) == (row, tuple(matrix_keys)):
        return
    st.session_state[MATRIX_DONE_KEY] = (row, tuple(matrix_keys))
    if 0 <= row < len(matrix_keys):
        kpi, series = matrix_keys[row]
        st.session_state[KPI_KEY] = kpi
        st.session_state[SERIES_KEYS["service"]] = series
        for key in (SERIES_KEYS["area"], SERIES_KEYS["channel"]):
            if key in st.session_state:
                st.session_state[key] = ALL
        load_settings(dataset)


def render_target_forms(ds: store.Dataset, option: definitions.KpiOption, series_name: str,
                        periods: pd.Series) -> None:
    """The target (for this series or every service) and the trajectory, with save buttons for editors."""
    con, editor, kpi = get_connection(), can_edit(), option.key
    scale = explained.target_scale(option.unit)
    unit_hint = " (as a percentage, e.g. 95)" if option.unit == "share" else ""
    t1, t2, t3 = st.columns([2, 2, 2])
    t1.number_input(f"Target{unit_hint}", key=TARGET_KEY, bind=BIND, step=1.0, format="%.2f")
    every = t2.checkbox("Same target for every service", key="pf_t_all", bind=BIND,
                        help="A service with a target of its own keeps it.")
    if editor and t3.button("Save target", key="pf_t_save", icon=":material/save:"):
        typed = st.session_state.get(TARGET_KEY)
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
    first_period = periods.min() if len(periods) else pd.Timestamp(date.today())
    last_period = periods.max() if len(periods) else pd.Timestamp(date.today())
    tr_from = r1.date_input("From", value=first_period.date(), key="pf_tr_from", bind=BIND, format="DD/MM/YYYY")
    tr_from_v = r2.number_input(f"Value then{unit_hint}", value=None, key="pf_tr_from_v", bind=BIND, format="%.2f")
    tr_to = r3.date_input("To", value=last_period.date(), key="pf_tr_to", bind=BIND, format="DD/MM/YYYY")
    tr_to_v = r4.number_input(f"Value then{unit_hint}", value=None, key="pf_tr_to_v", bind=BIND, format="%.2f")
    trajectory = storage.get_trajectory(con, ds.name, kpi, series_name)
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


def render_intervention_forms(ds: store.Dataset, service: str, notes: pd.DataFrame) -> None:
    """The interventions of this service in a table; for editors, forms to add one or delete one."""
    con = get_connection()
    st.caption("Dated notes of what changed (a new form, a restructure). They show on every chart of their service, "
               "and can be used above to recalculate the limits.")
    if len(notes):
        shown = notes.assign(day=notes["day"].dt.strftime("%d %b %Y"),
                             service=notes["service"].fillna("Every service"))
        st.dataframe(shown[["day", "service", "label"]], hide_index=True,
                     column_config={"day": "Date", "service": "Service", "label": "What changed"})
    else:
        st.write("No interventions recorded for this service yet.")
    if not can_edit():
        st.caption("Only editors can add or delete interventions.")
        return
    n1, n2, n3 = st.columns([2, 4, 2])
    new_day = n1.date_input("Date", value=None, key="pf_iv_date", bind=BIND, format="DD/MM/YYYY")
    new_label = n2.text_input("What changed", key="pf_iv_label", bind=BIND, max_chars=interventions.MAX_LABEL,
                              placeholder="e.g. New online repairs form")
    for_all = n3.checkbox("Every service", key="pf_iv_all", bind=BIND,
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


def render_chart_settings(ds: store.Dataset, grain: str | None) -> None:
    """The Performance page's sidebar settings: grain (``grain``: the records' default), 'closed within' days, SPC
    rules, near-limit lines."""
    with st.sidebar:
        st.subheader("Chart settings")
        if ds.kind == "records":
            st.selectbox("Period", list(periods.GRAINS), index=periods.GRAINS.index(grain), key=GRAIN_KEY,
                         bind="query-params", format_func=lambda g: periods.GRAIN_LABELS[g],
                         help="Months at first; a short extract starts at the grain that gives at least 13 periods, "
                              "enough for an SPC chart's limits.")
            st.number_input("'Closed within' days", min_value=0, max_value=365, value=definitions.DEFAULT_WITHIN_DAYS,
                            step=1, key=DAYS_KEY, bind="query-params", help="For the KPI 'Closed within N days'.")
        st.radio("SPC rules", list(RULE_LABELS), key=RULES_KEY, bind="query-params", format_func=RULE_LABELS.get,
                 help="NHS-R: NHSRplotthedots (runs and trends of 7). Making Data Count tool: runs and trends of 6, "
                      "points beyond the limits count towards 'two of three', limits only from 13 points.")
        st.checkbox("Show the near-limit (2 sigma) lines", key=NEAR_KEY, bind="query-params")
