"""Actions a session agrees: recorded, listed overdue first, edited as a table, exported."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analysis import exports, store
from analysis.workshop import actions as session_actions, sessions
from analysis.errors import StocktakeError
from analysis.workshop.sessions import View

TODAY = date(2025, 8, 1)


@pytest.fixture
def con(tmp_path):
    connection = store.open_store(tmp_path / "s.duckdb")
    yield connection
    connection.close()


@pytest.fixture
def session_id(con):
    return sessions.create_session(con, "Repairs stocktake", dataset="demo_contacts")


def test_overdue_actions_come_first_then_open_then_done_then_dropped(con, session_id):
    add = lambda what, **kw: session_actions.add_action(con, session_id, what, **kw)  # noqa: E731
    add("Done already", due="2025-07-01", status="done")
    add("Open, later", due="2025-09-30")
    add("Overdue, newer", due="2025-07-31", owner="Tom")
    add("Dropped", status="dropped")
    add("Open, no date")
    add("Overdue, older", due=date(2025, 7, 15), owner="Asha")
    listed = session_actions.list_actions(con, session_id, today=TODAY)
    assert listed["what"].tolist() == ["Overdue, older", "Overdue, newer", "Open, later", "Open, no date",
                                       "Done already", "Dropped"]
    assert listed["overdue"].tolist() == [True, True, False, False, False, False]
    assert listed["due"].tolist()[:2] == [date(2025, 7, 15), date(2025, 7, 31)]


@pytest.mark.parametrize("what,owner,due,status,message", [
    ("  ", None, None, "open", "does not say what is to be done"),
    ("x" * 501, None, None, "open", "keep it under 500"),
    ("Fine", "o" * 81, None, "open", "longer than 80 characters"),
    ("Fine", None, "next week", "open", "'next week' is not a due date"),
    ("Fine", None, None, "parked", "the status 'parked' is not one of Open, Done or Dropped"),
])
def test_unusable_actions_are_refused(con, session_id, what, owner, due, status, message):
    with pytest.raises(StocktakeError, match=message):
        session_actions.add_action(con, session_id, what, owner=owner, due=due, status=status)
    assert session_actions.list_actions(con, session_id).empty


def test_an_action_from_a_figure_carries_its_title_and_its_status_changes(con, session_id):
    item = sessions.add_view(con, session_id, View("demand-drivers", "volume"), "Contacts by week")
    action = session_actions.add_action(con, session_id, "Ask why web rose", owner="Jo", due="31/08/2025",
                                        item_id=item)
    session_actions.set_status(con, action, "Done")
    listed = session_actions.list_actions(con, session_id, today=TODAY)
    assert listed[["what", "owner", "due", "status", "figure"]].values.tolist() == [
        ["Ask why web rose", "Jo", date(2025, 8, 31), "done", "Contacts by week"]]


def test_the_edited_table_is_saved_whole_or_not_at_all(con, session_id):
    keep = session_actions.add_action(con, session_id, "Check chasing", owner="Asha", due="2025-07-15")
    gone = session_actions.add_action(con, session_id, "Old idea")
    table = session_actions.list_actions(con, session_id, today=TODAY)
    edited = table[table["id"] != gone].copy()
    edited.loc[edited["id"] == keep, "status"] = "Done"
    edited = pd.concat([edited, pd.DataFrame([{"id": None, "what": "New: cost the web form", "owner": "Tom",
                                               "due": date(2025, 9, 1), "status": None},
                                              {"id": None, "what": None, "owner": None, "due": None,
                                               "status": None}])], ignore_index=True)
    saved = session_actions.save_table(con, session_id, edited)
    assert saved.sentence() == "Actions saved: 1 added, 1 changed, 1 removed."
    listed = session_actions.list_actions(con, session_id, today=TODAY)
    assert listed[["what", "status"]].values.tolist() == [["New: cost the web form", "open"],
                                                          ["Check chasing", "done"]]
    # A wrong row (the second) changes nothing, and the message names it.
    bad = listed.copy()
    bad.loc[0, "status"] = "done"
    bad.loc[1, "what"] = " "
    with pytest.raises(StocktakeError, match="Action 2 does not say what is to be done"):
        session_actions.save_table(con, session_id, bad)
    assert session_actions.list_actions(con, session_id, today=TODAY)["status"].tolist() == ["open", "done"]
    assert session_actions.save_table(con, session_id, listed).sentence() == "No action was changed."


def test_actions_export_to_csv_and_excel_with_peoples_headers(con, session_id):
    session_actions.add_action(con, session_id, "=HYPERLINK(\"x\") check", owner="Asha", due="2025-07-15")
    session_actions.add_action(con, session_id, "Cost the £ saving", status="done")
    frame = session_actions.export_frame(session_actions.list_actions(con, session_id, today=TODAY))
    assert list(frame.columns) == ["Action", "Owner", "Due", "Status", "Overdue", "Figure"]
    csv = exports.to_csv_bytes(frame).decode("utf-8-sig").splitlines()
    assert csv[0] == "Action,Owner,Due,Status,Overdue,Figure"
    assert csv[1].startswith("\"'=HYPERLINK(\"\"x\"\") check\",Asha,2025-07-15,Open,Yes,")
    assert csv[2] == "Cost the £ saving,,,Done,No,"
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(__import__("io").BytesIO(exports.to_xlsx_bytes({"Actions": frame})))
    rows = book.get_sheet_by_name("Actions").to_python()
    assert rows[0] == ["Action", "Owner", "Due", "Status", "Overdue", "Figure"]
    assert rows[2][0] == "Cost the £ saving" and rows[1][3] == "Open"
