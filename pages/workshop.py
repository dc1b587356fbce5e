"""Workshop: run a stocktake session, from the first figure to the pack everyone takes away.

Choose or start a session; its agenda is the views added from the Explore pages ("Add this view to the session" in
their sidebar), in the order the facilitator sets. Presentation mode shows the agenda one figure per screen, with
next and previous; the address carries the session, the mode and the position (``?session=3&present=true&item=2``),
so a link opens the same screen. Notes and actions are recorded against the session and its figures; the pack is
one HTML file with every figure, its filters, its reading, the notes and the actions.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis import explore
from analysis.workshop import notes, pack, actions as session_actions, sessions
from analysis.errors import StocktakeError
from analysis.exports import to_csv_bytes, to_xlsx_bytes
from ui import actions
from ui.change_forms import render_done_actions
from ui import present_screen, session_forms as forms
from ui.auth import can_edit, guard_page
from ui.links import public_url
from ui.connection import get_connection
from ui.exports import XLSX_MIME
from ui.presentation import PRESENT_KEY, presenting
from ui.stocktake_start import start_button
from ui.text import plain, plain_lines

guard_page()  # sign-in, even when Streamlit runs this file on its own (see ui.auth.guard_page)

SESSION_PARAM = forms.SESSION_PARAM
ITEM_PARAM = forms.ITEM_PARAM
PICK_KEY = "ws_session"
STATUS_OPTIONS = list(session_actions.STATUS_LABELS.values())


# ---- the session in the address -----------------------------------------------------------------------------------

def _param_int(name: str) -> int | None:
    try:
        return int(st.query_params.get(name, ""))
    except ValueError:
        return None


def _write(change, done: str) -> None:
    """Make a change through the gate (ui.actions), say how it went on the next run, and rerun."""
    try:
        change()
        forms.flash("success", done)
    except StocktakeError as exc:
        forms.flash("error", str(exc))
    st.rerun()


def _app_link(link: str) -> bool:
    """An address inside this app (``/demand-drivers?…``), safe to put in a Markdown link."""
    return link.startswith("/") and not link.startswith("//") and not any(c in link for c in " ()[]<>\"'")


def _move(item_id: int, steps: int) -> None:
    try:
        actions.move_item(get_connection(), item_id, steps)
    except StocktakeError as exc:
        forms.flash("error", str(exc))


def _picked() -> None:
    forms.choose(st.session_state[PICK_KEY])


def _present_from(session_id: int, position: int) -> None:
    forms.choose(session_id, position)
    st.session_state[PRESENT_KEY] = True


# ---- the session, to prepare and follow up --------------------------------------------------------------------------

def _agenda_tab(session: sessions.Session, items: list[sessions.AgendaItem]) -> None:
    con = get_connection()
    editor = can_edit()
    if not items:
        st.info("The agenda is empty. Open an Explore page (Demand drivers, Performance trends), set it up as the "
                "room should see it, and click 'Add this view to the session' in the sidebar.")
        return
    for item in items:
        with st.container(border=True):
            head, up, down, present, more = st.columns([7, 0.7, 0.7, 1.5, 1.3], vertical_alignment="center")
            label = explore.figure_label(item.view.page, item.view.figure)
            page = explore.page_title(item.view.page)
            head.markdown(f"**{item.position}. {plain(item.title)}**  \n:gray[{plain(page)}: {plain(label)}] · "
                          f"[Open the view]({item.view.link()})"
                          + (f"  \n:blue[Question for the room:] {plain(item.question)}" if item.question else ""))
            # Icon-only: the words would not fit beside the title; the tooltip says what each does.
            up.button("", key=f"ws_up_{item.id}", icon=":material/arrow_upward:", help="Move up",
                      disabled=item.position == 1, on_click=_move, args=(item.id, -1))
            down.button("", key=f"ws_down_{item.id}", icon=":material/arrow_downward:", help="Move down",
                        disabled=item.position == len(items), on_click=_move, args=(item.id, 1))
            present.button("Present", key=f"ws_from_{item.id}", icon=":material/slideshow:",
                           on_click=_present_from, args=(session.id, item.position))
            # Its form is made only while it is open: made on every run, the five controls of every item were most
            # of the Workshop page's elements, sent again after each note or action.
            edit = more.popover("Edit", icon=":material/edit:", key=f"ws_edit_{item.id}", on_change="rerun")
            if not edit.open:
                continue
            with edit:
                new_title = st.text_input("Title", value=item.title, key=f"ws_title_{item.id}",
                                          max_chars=sessions.MAX_TITLE)
                if st.button("Rename", key=f"ws_rename_{item.id}"):
                    _write(lambda: actions.rename_item(con, item.id, new_title), "Renamed.")
                # The question frames what the room discusses: an editor rewords it (the server checks again).
                question = st.text_area("Question for the room", value=item.question, key=f"ws_question_{item.id}",
                                        max_chars=sessions.MAX_QUESTION, disabled=not editor, height=90,
                                        help=None if editor else "Only editors can change the questions.")
                if st.button("Save the question", key=f"ws_ask_{item.id}", disabled=not editor):
                    _write(lambda: actions.set_question(con, item.id, question),
                           "Question saved." if question.strip() else "Question removed.")
                if st.button("Remove from the agenda", key=f"ws_remove_{item.id}", icon=":material/delete:"):
                    _write(lambda: actions.remove_item(con, item.id), f"Removed '{item.title}' from the agenda.")


def _notes_tab(session: sessions.Session, items: list[sessions.AgendaItem], listed: pd.DataFrame) -> None:
    forms.note_form(session, items, None, "ws")
    if listed.empty:
        st.caption("No notes yet.")
    for row in listed.itertuples():
        with st.container(border=True):
            head, remove = st.columns([8, 1])
            about = f" · about {int(row.position)}. {plain(row.figure)}" if isinstance(row.figure, str) else ""
            head.markdown(f"**{pd.Timestamp(row.written_at):%d %b %Y %H:%M}**{about}  \n{plain_lines(row.note)}")
            if isinstance(row.link, str) and row.link:
                # A figure's view is an address in this app; a link typed into an older note is shown as text.
                head.markdown(f"[Open the view]({row.link})" if _app_link(row.link) else f"View: {plain(row.link)}")
            if remove.button("Delete", key=f"ws_delete_note_{row.id}"):
                forms.stay_on("notes")
                _write(lambda: actions.delete_note(get_connection(), row.id), "Note deleted.")


def _actions_tab(session: sessions.Session, items: list[sessions.AgendaItem], listed: pd.DataFrame) -> None:
    with st.expander("Record an action", expanded=listed.empty, icon=":material/add_task:"):
        forms.action_form(session, items, None, "ws")
    if listed.empty:
        st.caption("No actions yet.")
        return
    overdue = int(listed["overdue"].sum())
    if overdue:
        st.warning(f"{overdue:,} open action{'s are' if overdue != 1 else ' is'} overdue: shown first.",
                   icon=":material/schedule:")
    shown = listed.assign(status=listed["status"].map(session_actions.STATUS_LABELS))
    # The key changes after every save, so the table starts again from what was saved.
    editor_key = f"ws_actions_{session.id}_{st.session_state.get('_ws_actions_saved', 0)}"
    edited = st.data_editor(
        shown[["id", "what", "owner", "due", "status", "overdue", "figure"]], key=editor_key, hide_index=True,
        num_rows="dynamic", width="stretch",
        column_config={
            "id": None,
            "what": st.column_config.TextColumn("Action", required=True, max_chars=session_actions.MAX_WHAT,
                                                width="large"),
            "owner": st.column_config.TextColumn("Owner", max_chars=session_actions.MAX_OWNER),
            "due": st.column_config.DateColumn("Due", format="DD/MM/YYYY"),
            "status": st.column_config.SelectboxColumn("Status", options=STATUS_OPTIONS, required=True),
            "overdue": st.column_config.CheckboxColumn("Overdue", disabled=True),
            "figure": st.column_config.TextColumn("Figure", disabled=True),
        })
    if st.button("Save the changes to the actions", key="ws_actions_save", type="primary", icon=":material/save:"):
        forms.stay_on("actions")
        try:
            saved = actions.save_actions(get_connection(), session.id, edited)
            forms.flash("success", saved.sentence())
            st.session_state["_ws_actions_saved"] = st.session_state.get("_ws_actions_saved", 0) + 1
        except StocktakeError as exc:
            forms.flash("error", str(exc))
        st.rerun()
    render_done_actions(listed)  # What works: a done action made a change in one click
    export = session_actions.export_frame(listed)
    row = st.container(horizontal=True)
    name = pack.pack_filename(session).removesuffix(" - pack.html") + " - actions"
    row.download_button("Actions (CSV)", data=lambda: to_csv_bytes(export), file_name=f"{name}.csv", mime="text/csv",
                        key="ws_actions_csv", icon=":material/download:", on_click="ignore")
    row.download_button("Actions (Excel)", data=lambda: to_xlsx_bytes({"Actions": export}), file_name=f"{name}.xlsx",
                        mime=XLSX_MIME, key="ws_actions_xlsx", icon=":material/download:", on_click="ignore")


def _session_page(session: sessions.Session) -> None:
    con = get_connection()
    items = sessions.agenda(con, session.id)
    listed_notes = notes.list_notes(con, session.id)
    listed_actions = session_actions.list_actions(con, session.id)
    present_screen.prepare(session, items[:1])  # so that Present finds its first figure ready
    st.subheader(plain(session.title))
    held = f"{session.held_on:%-d %B %Y}" if session.held_on else "no date yet"
    st.caption(f"Held {held} · mainly about {plain(session.dataset or 'no dataset')} · "
               f"{plain(', '.join(session.attendees) or 'no attendees listed')}")
    buttons = st.container(horizontal=True)
    buttons.button("Present", key="ws_present", type="primary", icon=":material/slideshow:", disabled=not items,
                   on_click=_present_from, args=(session.id, 1),
                   help="One figure per screen, large, with next and previous. The address carries the position.")
    # The pack draws every figure (seconds): only when the button is clicked.
    buttons.download_button("Download the pack (HTML)", data=lambda: pack.build_pack(
                                con, session.id, public_url=public_url()).encode("utf-8"),
                            file_name=pack.pack_filename(session), mime="text/html", key="ws_pack",
                            icon=":material/download:", on_click="ignore",
                            help="One file with every figure, its filters and reading, the notes and the actions. "
                                 "Prints to A4 from a browser.")
    overdue = int(listed_actions["overdue"].sum()) if len(listed_actions) else 0
    labels = {"agenda": f"Agenda ({len(items)})", "notes": f"Notes ({len(listed_notes)})",
              "actions": f"Actions ({len(listed_actions)}{f', {overdue} overdue' if overdue else ''})",
              "details": "Session details"}
    # After a form is sent the page stays on the form's tab (forms.stay_on), though its count has changed.
    agenda_tab, notes_tab, actions_tab, details_tab = st.tabs(
        list(labels.values()), default=labels.get(st.session_state.pop(forms.TAB_KEY, None)))
    with agenda_tab:
        _agenda_tab(session, items)
    with notes_tab:
        _notes_tab(session, items, listed_notes)
    with actions_tab:
        _actions_tab(session, items, listed_actions)
    with details_tab:
        forms.details_form(session)


# ---- the page ----------------------------------------------------------------------------------------------------

def main() -> None:
    con = get_connection()
    listed = sessions.list_sessions(con)
    by_id = {s.id: s for s in listed}
    wanted = _param_int(SESSION_PARAM)
    session = by_id.get(wanted) if wanted in by_id else None
    if presenting() and session is not None:
        present_screen.present(session)
        return
    st.title("Workshop")
    st.caption("For a facilitator running a stocktake with the room: the figures in order, presentation mode, notes "
               "and actions, and the pack everyone takes away.")
    forms.show_flash()
    if wanted is not None and session is None:
        st.warning("The session in this link no longer exists: choose another.")
    if session is None and listed and wanted is None:
        session = listed[0]
    top = st.columns([3, 1], vertical_alignment="bottom")
    if listed:
        if session is not None and st.session_state.get(PICK_KEY) != session.id:
            st.session_state[PICK_KEY] = session.id
        top[0].selectbox("Session", list(by_id), key=PICK_KEY, on_change=_picked,
                         # A select box's options are plain text (never Markdown): the title as typed.
                         format_func=lambda i: by_id[i].title + (f" ({by_id[i].held_on:%d/%m/%Y})"
                                                                 if by_id[i].held_on else ""))
    with top[1].popover("New session", icon=":material/add:", width="stretch"):
        forms.new_session_form()
    start_button("ws_stocktake", primary=not listed)  # the standard agenda for the dataset in use, in one click
    if session is None:
        st.info("No session yet. Start one with 'New session', or add a view from an Explore page: the first view "
                "starts a session for today.")
        return
    _session_page(session)


try:
    main()
except StocktakeError as exc:
    st.error(plain(exc))
