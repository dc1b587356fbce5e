"""What works' forms: record a change (its dates, where it applies, what it was meant to move and which way), and
make a done Workshop action a change in one click. Every write goes through the gate (:mod:`ui.actions`)."""

from __future__ import annotations

import streamlit as st

from analysis import store
from analysis.changes import records, targets
from analysis.changes.records import Draft, Target
from analysis.errors import StocktakeError
from analysis.workshop import actions as session_actions
from ui import actions
from ui.auth import can_edit
from ui.connection import get_connection
from ui.figures import cached
from ui.text import plain

_FLASH = "_ww_flash"
target_options = cached()(targets.options)


def _services(con, dataset: store.Dataset) -> list[str]:
    if "service" not in dataset.roles:
        return []
    column = store.quote_identifier(dataset.roles["service"])
    return [r[0] for r in store.query_rows(
        con, f"SELECT DISTINCT CAST({column} AS VARCHAR) FROM {store.quote_identifier(dataset.table)} "
             f"WHERE {column} IS NOT NULL ORDER BY 1 LIMIT 500")]


services_of = cached()(_services)


def flash() -> None:
    """Say how the last write went (kept across the rerun it caused)."""
    done = st.session_state.pop(_FLASH, None)
    if done:
        (st.success if done[0] == "success" else st.error)(plain(done[1]))


def _fields(prefix: str, dataset: store.Dataset, change: records.Change | None) -> Draft | None:
    """A change's fields as a form (empty, or filled from ``change``); the draft when the form is submitted."""
    options = {f.key: f for f in target_options(dataset)}
    services = services_of(dataset)
    chosen_before = [t.figure for t in change.targets if t.figure in options] if change else []
    title = st.text_input("What changed", value=change.title if change else "", max_chars=records.MAX_TITLE,
                          placeholder="Online repairs tracking", key=f"{prefix}_title")
    when = st.columns(2)
    start = when[0].date_input("Started (or went live)", value=change.start if change else None, format="DD/MM/YYYY",
                               key=f"{prefix}_start")
    end = when[1].date_input("Roll-out finished (leave empty if at once)", value=change.end if change else None,
                             format="DD/MM/YYYY", key=f"{prefix}_end")
    where = st.columns(2)
    current = change.service if change and change.service in services else None
    service = where[0].selectbox("Service", services, index=services.index(current) if current else None,
                                 placeholder="Every service", disabled=not services, key=f"{prefix}_service")
    area = where[1].text_input("Area (leave empty for every area)", value=(change.area or "") if change else "",
                               max_chars=records.MAX_NAME, key=f"{prefix}_area")
    chosen = st.multiselect("Figures it was meant to move", list(options), default=chosen_before,
                            format_func=lambda k: options[k].label, key=f"{prefix}_targets")
    wanted_before = change.targets[0].wanted if change and change.targets else "decrease"
    wanted = st.radio("Which way", ["decrease", "increase"], index=["decrease", "increase"].index(wanted_before),
                      horizontal=True, format_func={"decrease": "Down", "increase": "Up"}.get, key=f"{prefix}_wanted")
    owner = st.text_input("Owner", value=(change.owner or "") if change else "", max_chars=records.MAX_NAME,
                          key=f"{prefix}_owner")
    description = st.text_area("Description", value=(change.description or "") if change else "",
                               max_chars=records.MAX_TEXT, key=f"{prefix}_description")
    label = "Save the change" if change else "Record the change"
    if not st.form_submit_button(label, type="primary", icon=":material/save:"):
        return None
    return Draft(dataset.name, title, start, end, service, area or None, tuple(Target(k, wanted) for k in chosen),
                 owner, description)


def render_record_form(dataset: store.Dataset) -> None:
    """The form that records a change measured in ``dataset`` (editors only)."""
    if not can_edit():
        return
    with st.expander("Record a change", icon=":material/add_circle:"):
        with st.form("ww_record", clear_on_submit=True, border=False):
            draft = _fields("_ww_new", dataset, None)
        if draft is not None:
            try:
                actions.add_change(get_connection(), draft)
                st.session_state[_FLASH] = ("success", f"Recorded '{(draft.title or '').strip()}'.")
            except StocktakeError as exc:
                st.session_state[_FLASH] = ("error", str(exc))
            st.rerun()


def render_edit_form(change: records.Change, dataset: store.Dataset | None, expanded: bool = False) -> None:
    """Edit a recorded change: its dates, where it applies, the figures it was meant to move (editors only)."""
    if not can_edit() or dataset is None:
        return
    label = "Choose what it was meant to move" if not change.targets else "Edit this change"
    with st.expander(label, expanded=expanded, icon=":material/edit:"):
        with st.form(f"ww_edit_{change.id}", border=False):
            draft = _fields(f"_ww_edit_{change.id}", dataset, change)
        if draft is not None:
            try:
                actions.update_change(get_connection(), change.id, draft)
                st.session_state[_FLASH] = ("success", f"Saved '{(draft.title or '').strip()}'.")
            except StocktakeError as exc:
                st.session_state[_FLASH] = ("error", str(exc))
            st.rerun()


def _make_change(action_id: int) -> None:
    con = get_connection()
    try:
        change_id = actions.change_from_action(con, action_id)
        change = records.get_change(con, change_id)
        st.session_state[_FLASH] = ("success", f"'{change.title}' is now change {change_id}, from {change.when()}: "
                                               "open What works to choose the figures it was meant to move.")
    except StocktakeError as exc:
        st.session_state[_FLASH] = ("error", str(exc))


def render_done_actions(listed) -> None:
    """Under a session's actions: each done action not yet a change, made one in a click (editors only)."""
    if not can_edit() or listed.empty:
        return
    flash()
    done = listed[listed["status"] == session_actions.DONE]
    con = get_connection()
    waiting = [(int(r.id), r.what) for r in done.itertuples() if records.change_for_action(con, int(r.id)) is None]
    if not waiting:
        return
    st.caption("Done actions can be recorded as changes, to measure what they did on the What works page.")
    for action_id, what in waiting[:10]:
        row = st.container(horizontal=True, vertical_alignment="center")
        row.markdown(plain(what))
        row.button("Make it a change", key=f"ws_change_{action_id}", icon=":material/science:",
                   on_click=_make_change, args=(action_id,))
