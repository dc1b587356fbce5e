"""Sessions and their agendas in the store: created, listed, renamed, reordered, deleted; views and their links."""

from __future__ import annotations

from datetime import date

import pytest

from analysis import store
from analysis.workshop import agenda_edits, notes, actions as session_actions, removal as session_removal, sessions
from analysis.errors import StocktakeError
from analysis.workshop.sessions import View


@pytest.fixture
def con(tmp_path):
    connection = store.open_store(tmp_path / "s.duckdb")
    yield connection
    connection.close()


def volume_view(**state) -> View:
    return View("demand-drivers", "volume", {"dataset": ["demo_contacts"], "dm_grain": ["Week"]},
                {"dataset": "demo_contacts", "dm_grain": "week", **state})


def test_a_session_is_created_listed_and_found_by_title(con):
    first = sessions.create_session(con, "  Repairs   stocktake, June 2025 ", held_on="2025-06-18",
                                    dataset="demo_contacts", attendees="Asha Patel, Tom Reid\nAsha Patel;  Jo Lee ")
    second = sessions.create_session(con, "Waste review", held_on=date(2025, 9, 2))
    listed = sessions.list_sessions(con)
    assert [s.title for s in listed] == ["Waste review", "Repairs stocktake, June 2025"]
    found = sessions.find_session(con, "repairs stocktake, june 2025")
    assert found.id == first != second
    assert found.held_on == date(2025, 6, 18) and found.dataset == "demo_contacts"
    assert found.attendees == ("Asha Patel", "Tom Reid", "Jo Lee")


@pytest.mark.parametrize("title,held_on,attendees,message", [
    ("   ", None, None, "The session has no title"),
    ("x" * 121, None, None, "keep it under 120"),
    ("Fine", "18/06/2025", None, "'18/06/2025' is not a date"),
    ("Fine", None, "y" * 81, "longer than 80 characters"),
])
def test_unusable_sessions_are_refused(con, title, held_on, attendees, message):
    with pytest.raises(StocktakeError, match=message):
        sessions.create_session(con, title, held_on=held_on, attendees=attendees)
    assert sessions.list_sessions(con) == []


def test_titles_are_unique_ignoring_case(con):
    sessions.create_session(con, "Repairs stocktake")
    other = sessions.create_session(con, "Waste review")
    with pytest.raises(StocktakeError, match="already a session called 'REPAIRS STOCKTAKE'"):
        sessions.create_session(con, "REPAIRS STOCKTAKE")
    with pytest.raises(StocktakeError, match="already a session called 'repairs stocktake'"):
        sessions.update_session(con, other, title="repairs stocktake")
    assert [s.title for s in sessions.list_sessions(con)] == ["Waste review", "Repairs stocktake"]


def test_a_missing_session_is_named_with_the_ones_there_are(con):
    sessions.create_session(con, "Repairs stocktake")
    with pytest.raises(StocktakeError, match=r"There is no session called 'Nope'\. Sessions: 'Repairs stocktake'\."):
        sessions.find_session(con, "Nope")


def test_a_session_is_renamed_and_its_details_changed(con):
    sid = sessions.create_session(con, "Draft", attendees=["Asha"])
    changed = sessions.update_session(con, sid, title="Repairs stocktake", held_on="2025-06-18",
                                      attendees="Asha, Tom")
    assert (changed.title, changed.held_on, changed.attendees) == ("Repairs stocktake", date(2025, 6, 18),
                                                                   ("Asha", "Tom"))


def test_the_agenda_keeps_views_in_order_and_can_be_reordered_renamed_and_trimmed(con):
    sid = sessions.create_session(con, "Repairs stocktake")
    a = sessions.add_view(con, sid, volume_view(), "Contacts by week")
    b = sessions.add_view(con, sid, View("performance-trends", "spc", {}, {"pf_kpi": "volume"}), "Volume SPC")
    c = sessions.add_view(con, sid, volume_view(dm_service=["Housing repairs"]), "Repairs only")
    assert [i.title for i in sessions.agenda(con, sid)] == ["Contacts by week", "Volume SPC", "Repairs only"]
    agenda_edits.move_item(con, c, -1)
    assert [i.id for i in sessions.agenda(con, sid)] == [a, c, b]
    agenda_edits.move_item(con, a, -5)  # already first: stays
    agenda_edits.reorder(con, sid, [b, a, c])
    assert [(i.position, i.id) for i in sessions.agenda(con, sid)] == [(1, b), (2, a), (3, c)]
    agenda_edits.rename_item(con, c, "Housing repairs, week by week")
    session_removal.remove_item(con, a)
    items = sessions.agenda(con, sid)
    assert [(i.position, i.title) for i in items] == [(1, "Volume SPC"), (2, "Housing repairs, week by week")]
    assert items[1].view.state == {"dataset": "demo_contacts", "dm_grain": "week", "dm_service": ["Housing repairs"]}
    with pytest.raises(StocktakeError, match="The agenda changed"):
        agenda_edits.reorder(con, sid, [b])


def test_a_view_keeps_its_link_without_presentation_params(con):
    sid = sessions.create_session(con, "S")
    view = View("demand-drivers", "volume",
                {"dataset": ["demo_contacts"], "dm_service": ["Housing repairs", "Parking"], "present": ["true"],
                 "item": ["2"]}, {"dm_from": date(2024, 4, 1)})
    item = sessions.get_item(con, sessions.add_view(con, sid, view, "Two services"))
    assert item.view.link() == ("/demand-drivers?dataset=demo_contacts&dm_service=Housing+repairs"
                                "&dm_service=Parking")
    assert item.view.state == {"dm_from": "2024-04-01"}
    assert View("performance-trends", "spc", {}, {"dataset": "demo_kpis"}).link() == \
        "/performance-trends?dataset=demo_kpis"


def test_view_state_keeps_the_pages_controls_only():
    state = sessions.view_state({
        "dataset": "demo_contacts", "dm_grain": "week", "dm_from": date(2024, 4, 1), "dm_service": ("Parking",),
        "dm_ch_volume": {"selection": {"volume_pick": []}}, "_dm_private": 1, "pf_kpi": "volume",
        "dm_cls_editor_3": {"edited_rows": {}}, "dm_horizon": 6, "dm_note": None,
    }, ("dm_",))
    assert state == {"dataset": "demo_contacts", "dm_from": "2024-04-01", "dm_grain": "week", "dm_horizon": 6,
                     "dm_note": None, "dm_service": ["Parking"]}


def test_deleting_a_session_deletes_its_agenda_notes_and_actions_only(con):
    keep = sessions.create_session(con, "Keep")
    gone = sessions.create_session(con, "Gone")
    for sid in (keep, gone):
        item = sessions.add_view(con, sid, volume_view(), "Volume")
        notes.add_note(con, sid, "A note", item_id=item)
        session_actions.add_action(con, sid, "An action", owner="Asha")
    session_removal.delete_session(con, gone)
    assert [s.title for s in sessions.list_sessions(con)] == ["Keep"]
    assert len(sessions.agenda(con, keep)) == 1 and sessions.agenda(con, gone) == []
    assert len(notes.list_notes(con, keep)) == 1 and notes.list_notes(con, gone).empty
    assert len(session_actions.list_actions(con, keep)) == 1 and session_actions.list_actions(con, gone).empty
    with pytest.raises(StocktakeError, match="That session no longer exists"):
        sessions.get_session(con, gone)


def test_workshop_changes_are_in_the_audit_trail_with_who_made_them_and_no_note_text(con):
    from analysis.governance import audit

    sid = sessions.create_session(con, "Repairs stocktake", dataset="demo_contacts", user="asha@council.gov.uk")
    item = sessions.add_view(con, sid, volume_view(), "Contacts by week", user="asha@council.gov.uk")
    note = notes.add_note(con, sid, "Mrs Example called four times", item_id=item, user="tom@council.gov.uk")
    action = session_actions.add_action(con, sid, "Call back", owner="Tom", user="tom@council.gov.uk")
    session_actions.set_status(con, action, "done", user="tom@council.gov.uk")
    notes.delete_note(con, note, user="tom@council.gov.uk")
    agenda_edits.move_item(con, item, 1, user="tom@council.gov.uk")  # already last: nothing to record
    sessions.create_session(con, "Made by the demo generator")  # no user: nobody's change, not recorded
    trail = audit.audit_trail(con).iloc[::-1]
    assert trail[["user_name", "action", "dataset"]].values.tolist() == [
        ["asha@council.gov.uk", "session created", "demo_contacts"],
        ["asha@council.gov.uk", "agenda item added", "demo_contacts"],
        ["tom@council.gov.uk", "note added", "demo_contacts"],
        ["tom@council.gov.uk", "action added", "demo_contacts"],
        ["tom@council.gov.uk", "action status", "demo_contacts"],
        ["tom@council.gov.uk", "note deleted", "demo_contacts"],
    ]
    assert trail["version"].isna().all()
    assert not trail["detail"].str.contains("Mrs Example").any()
    assert trail["detail"].tolist()[2] == f"Note {note} in the session 'Repairs stocktake', about 'Contacts by week'"


def test_a_failed_workshop_write_leaves_no_trace_in_the_trail(con):
    from analysis.governance import audit

    sid = sessions.create_session(con, "Repairs stocktake")
    before = len(audit.audit_trail(con))
    with pytest.raises(StocktakeError):
        sessions.create_session(con, "repairs STOCKTAKE")
    with pytest.raises(StocktakeError):
        session_actions.save_table(con, sid, __import__("pandas").DataFrame([{"id": None, "what": " ", "owner": "x",
                                                                               "due": None, "status": None}]))
    assert len(audit.audit_trail(con)) == before
