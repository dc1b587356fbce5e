"""Session notes in the store: against a session and one of its figures, and notes from before sessions kept."""

from __future__ import annotations

from datetime import datetime

import pytest

from analysis import store
from analysis.workshop import notes, sessions
from analysis.errors import StocktakeError
from analysis.workshop.sessions import View


def test_notes_are_kept_per_session_in_order_with_their_figures_view_and_survive_a_reopen(tmp_path):
    path = tmp_path / "s.duckdb"
    con = store.open_store(path)
    sid = sessions.create_session(con, "Repairs stocktake", dataset="demo_contacts")
    other = sessions.create_session(con, "Other")
    item = sessions.add_view(con, sid, View("demand-drivers", "volume", {"dm_grain": ["Week"]},
                                            {"dataset": "demo_contacts", "dm_grain": "week"}), "Contacts by week")
    first = notes.add_note(con, sid, "  Chasing calls halved after June  ", item_id=item,
                           written_at=datetime(2025, 6, 18, 10, 0))
    notes.add_note(con, sid, "Check the winter dip", link="/demand-drivers?dm_grain=Month",
                   written_at=datetime(2025, 6, 18, 10, 5))
    notes.add_note(con, other, "Not this one")
    con.close()

    con = store.open_store(path)
    listed = notes.list_notes(con, sid)
    assert listed["note"].tolist() == ["Chasing calls halved after June", "Check the winter dip"]
    assert listed["figure"].tolist()[0] == "Contacts by week" and listed["figure"].isna().tolist() == [False, True]
    assert listed["link"].tolist() == ["/demand-drivers?dataset=demo_contacts&dm_grain=Week",
                                       "/demand-drivers?dm_grain=Month"]
    notes.delete_note(con, first)
    assert notes.list_notes(con, sid)["note"].tolist() == ["Check the winter dip"]
    con.close()


@pytest.mark.parametrize("text,message", [("   ", "The note is empty"), ("x" * 2001, "keep it under 2,000")])
def test_unusable_notes_are_refused(tmp_path, text, message):
    con = store.open_store(tmp_path / "s.duckdb")
    sid = sessions.create_session(con, "S")
    with pytest.raises(StocktakeError, match=message):
        notes.add_note(con, sid, text)
    assert notes.list_notes(con, sid).empty


def test_a_note_cannot_name_another_sessions_figure(tmp_path):
    con = store.open_store(tmp_path / "s.duckdb")
    a, b = sessions.create_session(con, "A"), sessions.create_session(con, "B")
    item = sessions.add_view(con, b, View("demand-drivers", "volume"), "B's figure")
    with pytest.raises(StocktakeError, match="on another session's agenda"):
        notes.add_note(con, a, "About B", item_id=item)


def test_notes_from_before_sessions_move_into_a_session_per_dataset(tmp_path):
    con = store.open_store(tmp_path / "old.duckdb")
    # The table as stores made before sessions have it, with two datasets' notes.
    store.execute(con, "CREATE SEQUENCE stocktake_note_id_seq START 3")
    store.execute(con, """CREATE TABLE stocktake_notes (id BIGINT NOT NULL, dataset VARCHAR NOT NULL,
                          written_at TIMESTAMP NOT NULL, topic VARCHAR, note VARCHAR NOT NULL, link VARCHAR)""")
    store.execute(con, """INSERT INTO stocktake_notes VALUES
        (1, 'demo_contacts', '2025-03-02 10:00', 'Demand', 'Winter peak as usual', '/demand-drivers'),
        (2, 'demo_kpis', '2025-03-01 09:00', NULL, 'Satisfaction flat', NULL)""")
    listed = sessions.list_sessions(con)  # nothing moved yet: only the notes module knows the old table
    assert listed == []
    notes.ensure_table(con)
    by_title = {s.title: s for s in sessions.list_sessions(con)}
    assert set(by_title) == {"Earlier notes: demo_contacts", "Earlier notes: demo_kpis"}
    moved = notes.list_notes(con, by_title["Earlier notes: demo_contacts"].id)
    assert moved[["topic", "note", "link"]].values.tolist() == [["Demand", "Winter peak as usual", "/demand-drivers"]]
    assert str(by_title["Earlier notes: demo_kpis"].held_on) == "2025-03-01"
    new = notes.add_note(con, by_title["Earlier notes: demo_kpis"].id, "Still flat")
    assert new == 3
    notes.ensure_table(con)  # a second look changes nothing
    assert len(sessions.list_sessions(con)) == 2
