"""analysis.interventions: dated notes per dataset and service, kept in the store."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analysis import interventions, store
from analysis.errors import StocktakeError


@pytest.fixture
def con(tmp_path):
    c = store.open_store(tmp_path / "i.duckdb")
    yield c
    c.close()


def test_add_list_delete(con):
    assert interventions.list_interventions(con, "demo_contacts").empty
    first = interventions.add_intervention(con, "demo_contacts", "Housing repairs", date(2024, 6, 1),
                                           "Online repairs tracking launched")
    again = interventions.add_intervention(con, "demo_contacts", "Housing repairs", date(2024, 6, 1),
                                           "Online repairs tracking launched")
    assert again == first  # the same note twice is kept once
    everywhere = interventions.add_intervention(con, "demo_contacts", None, "2023-04-01", "New phone menu")
    other = interventions.add_intervention(con, "demo_contacts", "Parking", "2024-01-15", "Permit portal")
    interventions.add_intervention(con, "other_dataset", "Housing repairs", "2024-01-01", "Elsewhere")

    all_notes = interventions.list_interventions(con, "demo_contacts")
    assert list(all_notes["label"]) == ["New phone menu", "Permit portal", "Online repairs tracking launched"]
    assert all_notes["day"].iloc[2] == pd.Timestamp("2024-06-01")
    housing = interventions.list_interventions(con, "demo_contacts", "Housing repairs")
    # Its own note and the one for every service, not Parking's.
    assert list(housing["id"]) == [everywhere, first]
    assert housing["service"].iloc[0] is None

    assert interventions.delete_intervention(con, other) is True
    assert interventions.delete_intervention(con, other) is False
    assert len(interventions.list_interventions(con, "demo_contacts")) == 2


def test_survives_reopening(tmp_path):
    path = tmp_path / "keep.duckdb"
    c = store.open_store(path)
    interventions.add_intervention(c, "d", "S", "2024-06-01", "Change")
    c.close()
    c = store.open_store(path)
    assert list(interventions.list_interventions(c, "d")["label"]) == ["Change"]
    c.close()


def test_bad_input_is_explained(con):
    with pytest.raises(StocktakeError, match="short description"):
        interventions.add_intervention(con, "d", "S", "2024-06-01", "  ")
    with pytest.raises(StocktakeError, match="not a date"):
        interventions.add_intervention(con, "d", "S", "next Tuesday", "Change")
    with pytest.raises(StocktakeError, match="120 characters"):
        interventions.add_intervention(con, "d", "S", "2024-06-01", "x" * 121)
