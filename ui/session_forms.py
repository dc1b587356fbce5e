"""The Workshop page's forms: a new session, a session's details, a note and an action (in the session and while
presenting), and the one-line messages they leave for the next run."""

from __future__ import annotations

from datetime import date

import streamlit as st

from analysis.workshop import notes, actions as session_actions, sessions
from analysis.errors import StocktakeError
from ui import actions
from ui.connection import analysable_datasets, current_dataset, get_connection
from ui.text import plain

SESSION_PARAM = "session"
ITEM_PARAM = "item"
_FLASH_KEY = "_ws_flash"
TAB_KEY = "_ws_tab"  # the session page's tab a form was sent from: its label changes with its count, so it is chosen
# again by name on the next run (a tab whose label changed is otherwise a new tab, and the first one is shown)


def choose(session_id: int, item: int | None = None) -> None:
    """Put a session (and a position in its agenda) in the address: the link opens the same screen."""
    st.query_params[SESSION_PARAM] = str(session_id)
    if item is not None:
        st.query_params[ITEM_PARAM] = str(item)
    elif ITEM_PARAM in st.query_params:
        del st.query_params[ITEM_PARAM]


def flash(kind: str, message: str) -> None:
    """A message for the next run to show ("success" or "error"): forms rerun after they write."""
    st.session_state[_FLASH_KEY] = (kind, message)


def stay_on(tab: str) -> None:
    """Show the session page's ``tab`` ("agenda", "notes", "actions", "details") on the next run."""
    st.session_state[TAB_KEY] = tab


def show_flash() -> None:
    message = st.session_state.pop(_FLASH_KEY, None)
    if message:
        (st.success if message[0] == "success" else st.error)(plain(message[1]))


def _add_note(session_id: int, item_id: int | None, key: str) -> None:
    """The note form's submit: written before the page runs, so the run that follows shows it (one run, not two)."""
    values = st.session_state
    about = item_id if item_id is not None else values.get(f"{key}_note_about")
    if item_id is None:
        stay_on("notes")
    try:
        actions.add_note(get_connection(), session_id, values.get(f"{key}_note_text", ""), item_id=about)
        flash("success", "Note added.")
    except StocktakeError as exc:
        flash("error", str(exc))


def note_form(session: sessions.Session, items: list[sessions.AgendaItem], item: sessions.AgendaItem | None,
              key: str) -> None:
    with st.form(f"{key}_note", clear_on_submit=True, border=False):
        if item is None:
            options = [None] + [i.id for i in items]
            titles = {i.id: f"{i.position}. {plain(i.title)}" for i in items}
            st.selectbox("About", options, format_func=lambda i: titles.get(i, "The whole session"),
                         key=f"{key}_note_about")
        st.text_area("What did the room say or agree?", max_chars=notes.MAX_NOTE, key=f"{key}_note_text",
                     placeholder="e.g. Chasing calls fell after the online form: check the fall held.")
        st.form_submit_button("Add the note", type="primary", icon=":material/note_add:", on_click=_add_note,
                              args=(session.id, item.id if item else None, key))


def _record_action(session_id: int, item_id: int | None, key: str) -> None:
    """The action form's submit, written before the page runs (as :func:`_add_note`)."""
    values = st.session_state
    about = item_id if item_id is not None else values.get(f"{key}_action_about")
    if item_id is None:
        stay_on("actions")
    try:
        actions.add_action(get_connection(), session_id, values.get(f"{key}_action_what", ""),
                           owner=values.get(f"{key}_action_owner", ""), due=values.get(f"{key}_action_due"),
                           item_id=about)
        flash("success", "Action recorded.")
    except StocktakeError as exc:
        flash("error", str(exc))


def action_form(session: sessions.Session, items: list[sessions.AgendaItem], item: sessions.AgendaItem | None,
                key: str) -> None:
    with st.form(f"{key}_action", clear_on_submit=True, border=False):
        st.text_input("Action", max_chars=session_actions.MAX_WHAT, key=f"{key}_action_what",
                      placeholder="What is to be done")
        left, middle, right = st.columns(3)
        left.text_input("Owner", max_chars=session_actions.MAX_OWNER, key=f"{key}_action_owner")
        middle.date_input("Due", value=None, format="DD/MM/YYYY", key=f"{key}_action_due")
        if item is None:
            titles = {i.id: f"{i.position}. {plain(i.title)}" for i in items}
            right.selectbox("From", [None] + [i.id for i in items], key=f"{key}_action_about",
                            format_func=lambda i: titles.get(i, "The whole session"))
        st.form_submit_button("Record the action", type="primary", icon=":material/add_task:",
                              on_click=_record_action, args=(session.id, item.id if item else None, key))


def new_session_form() -> None:
    datasets = [d.name for d in analysable_datasets()]
    in_use = current_dataset()
    with st.form("ws_new", clear_on_submit=True, border=False):
        title = st.text_input("Title", max_chars=sessions.MAX_TITLE, key="ws_new_title",
                              placeholder="e.g. Repairs stocktake, June 2025")
        left, right = st.columns(2)
        held_on = left.date_input("Held on", value=date.today(), format="DD/MM/YYYY", key="ws_new_day")
        dataset = right.selectbox("Mainly about", datasets or [None], key="ws_new_dataset",
                                  index=datasets.index(in_use.name) if in_use and in_use.name in datasets else 0)
        attendees = st.text_area("Attendees (one a line, or separated by commas)", key="ws_new_people", height=90)
        if st.form_submit_button("Start the session", type="primary", icon=":material/add:"):
            try:
                new_id = actions.create_session(get_connection(), title, held_on=held_on, dataset=dataset,
                                                attendees=attendees)
            except StocktakeError as exc:
                flash("error", str(exc))
            else:
                choose(new_id)
                flash("success", "Session started. Add views to its agenda from the Explore pages.")
            st.rerun()


def details_form(session: sessions.Session) -> None:
    names = [d.name for d in analysable_datasets()]
    if session.dataset and session.dataset not in names:
        names.append(session.dataset)
    with st.form(f"ws_details_{session.id}", border=False):
        title = st.text_input("Title", value=session.title, max_chars=sessions.MAX_TITLE)
        left, right = st.columns(2)
        held_on = left.date_input("Held on", value=session.held_on, format="DD/MM/YYYY")
        dataset = right.selectbox("Mainly about", names or [None],
                                  index=names.index(session.dataset) if session.dataset in names else 0)
        attendees = st.text_area("Attendees (one a line)", value="\n".join(session.attendees), height=120)
        if st.form_submit_button("Save the session's details", icon=":material/save:"):
            stay_on("details")
            try:
                actions.update_session(get_connection(), session.id, title=title, held_on=held_on or "",
                                       dataset=dataset or "", attendees=attendees)
                flash("success", "Saved.")
            except StocktakeError as exc:
                flash("error", str(exc))
            st.rerun()
    with st.expander("Delete this session", icon=":material/delete:"):
        st.caption("Deletes the session with its agenda, notes and actions. The data is not touched.")
        sure = st.checkbox(f"Yes, delete '{plain(session.title)}'", key=f"ws_sure_{session.id}")
        if st.button("Delete the session", key=f"ws_delete_{session.id}", disabled=not sure):
            try:
                actions.delete_session(get_connection(), session.id)
            except StocktakeError as exc:
                flash("error", str(exc))
            else:
                del st.query_params[SESSION_PARAM]
                flash("success", f"Deleted '{session.title}'.")
            st.rerun()
