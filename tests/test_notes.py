"""Session notes in the store."""

from __future__ import annotations

from datetime import datetime

import pytest

from analysis import notes, store
from analysis.errors import StocktakeError


def test_notes_are_kept_per_dataset_in_order_and_survive_a_reopen(tmp_path):
    path = tmp_path / "s.duckdb"
    con = store.open_store(path)
    first = notes.add_note(con, "demo_contacts", "  Chasing calls halved after June  ", topic="Demand",
                           link="http://localhost:8501/demand-drivers?dataset=demo_contacts",
                           written_at=datetime(2026, 11, 25, 10, 0))
    notes.add_note(con, "demo_contacts", "Check the winter dip", written_at=datetime(2026, 11, 25, 10, 5))
    notes.add_note(con, "other", "Not this one")
    con.close()

    con = store.open_store(path)
    listed = notes.list_notes(con, "demo_contacts")
    assert listed["note"].tolist() == ["Chasing calls halved after June", "Check the winter dip"]
    assert listed["topic"].tolist()[0] == "Demand" and listed["link"].isna().tolist() == [False, True]
    assert notes.notes_markdown("demo_contacts", listed) == (
        "# Stocktake session notes: demo_contacts\n\n"
        "## 25 November 2026, 10:00: Demand\n\nChasing calls halved after June\n\n"
        "View: http://localhost:8501/demand-drivers?dataset=demo_contacts\n\n"
        "## 25 November 2026, 10:05\n\nCheck the winter dip\n"
    )
    notes.delete_note(con, first)
    assert notes.list_notes(con, "demo_contacts")["note"].tolist() == ["Check the winter dip"]
    con.close()


@pytest.mark.parametrize("text,message", [("   ", "The note is empty"), ("x" * 2001, "keep it under 2,000")])
def test_unusable_notes_are_refused(tmp_path, text, message):
    con = store.open_store(tmp_path / "s.duckdb")
    with pytest.raises(StocktakeError, match=message):
        notes.add_note(con, "d", text)
    assert notes.list_notes(con, "d").empty
