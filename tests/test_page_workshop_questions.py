"""AppTest: a facilitator's question for the room is reworded in the room (the Workshop page's agenda, Edit), by an
editor only, through the gate (ui.actions) and into the audit trail with the change."""

from __future__ import annotations

from analysis import store
from analysis.governance import audit
from analysis.workshop import sessions
from data.demo import DEMO_SESSION_TITLE
from tests.conftest import page_ok
from tests.test_page_auth import SECRETS, VIEWER, open_as, signed_in_now, trail


def _agenda(path) -> list[sessions.AgendaItem]:
    con = store.open_store(path)
    try:
        return sessions.agenda(con, sessions.find_session(con, DEMO_SESSION_TITLE).id)
    finally:
        con.close()


def test_an_editor_rewords_a_question_and_the_trail_says_what_it_now_asks(demo_store, open_app):
    first = _agenda(demo_store)[0]
    session_id = first.session_id
    at = open_app("pages/workshop.py", query_params={"session": str(session_id)})
    assert not [t for t in at.text_area if t.key == f"ws_question_{first.id}"]  # made only when Edit is opened
    at.session_state[f"ws_edit_{first.id}"] = True
    at.run()
    asked = "What drove the rise in repairs since March, and is it the weather?"
    at.text_area(key=f"ws_question_{first.id}").input(asked)
    at.button(key=f"ws_ask_{first.id}").click().run()
    page_ok(at)
    assert at.success[0].value == "Question saved."
    assert _agenda(demo_store)[0].question == asked
    # Shown beside the figure on the agenda, and so on the presentation screen and in the pack (one column).
    assert any(asked in m.value for m in at.markdown)
    row = trail(demo_store).iloc[0]
    assert row["action"] == audit.AGENDA_QUESTION_CHANGED and row["outcome"] != audit.REFUSED
    assert row["detail"] == f"'{first.title}': the question is now '{asked}'"
    # A blank question removes it.
    at.text_area(key=f"ws_question_{first.id}").input("  ")
    at.button(key=f"ws_ask_{first.id}").click().run()
    assert at.success[0].value == "Question removed." and _agenda(demo_store)[0].question == ""
    # Too long for the room to read: refused with a sentence, nothing changed.
    at.text_area(key=f"ws_question_{first.id}").input("Why? " * 100)
    at.button(key=f"ws_ask_{first.id}").click().run()
    page_ok(at, expected_errors=("The question is",))
    assert _agenda(demo_store)[0].question == ""


def _forged_question(item_id: int) -> None:
    import streamlit as st

    from analysis.errors import StocktakeError
    from ui import actions
    from ui.connection import get_connection

    try:
        actions.set_question(get_connection(), item_id, "Whose fault is this?")
        st.success("went through")
    except StocktakeError as exc:
        st.error(str(exc))


def test_a_viewer_cannot_reword_a_question_and_a_forged_attempt_is_refused_and_recorded(demo_store):
    from streamlit.testing.v1 import AppTest

    first = _agenda(demo_store)[0]
    at = open_as(VIEWER, "pages/workshop.py")
    at.session_state[f"ws_edit_{first.id}"] = True
    at.run()
    page_ok(at)
    assert at.text_area(key=f"ws_question_{first.id}").disabled
    assert at.button(key=f"ws_ask_{first.id}").disabled
    forged = AppTest.from_function(_forged_question, args=(first.id,), default_timeout=60)
    forged.secrets.update(SECRETS)
    forged.user = signed_in_now(VIEWER)
    forged.run()
    assert [e.value for e in forged.error] == [
        "Only editors can change the questions for the room: you are signed in as cat@council.gov.uk, a viewer, so "
        "nothing was changed. Ask an editor to do it, or to make you one."]
    assert _agenda(demo_store)[0].question == first.question
    row = trail(demo_store).iloc[0]
    assert (row["user_name"], row["action"], row["outcome"]) == (
        "cat@council.gov.uk", audit.AGENDA_QUESTION_CHANGED, audit.REFUSED)
