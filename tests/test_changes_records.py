"""analysis.changes.records and .origin: changes as records in the store (interventions grown up), and a done
Workshop action made into one."""

from __future__ import annotations

from datetime import date

import pytest

from analysis import interventions, store
from analysis.changes import origin, records
from analysis.changes.records import Draft, Target
from analysis.errors import StocktakeError
from analysis.workshop import actions, sessions


@pytest.fixture
def con(tmp_path):
    c = store.open_store(tmp_path / "c.duckdb")
    yield c
    c.close()


def test_an_intervention_recorded_before_is_a_change_after_the_migration(con):
    old = interventions.add_intervention(con, "contacts", "Housing repairs", date(2024, 6, 1), "Online tracking")
    changes = records.list_changes(con)  # migrates the table in place
    assert [(c.id, c.title, c.start, c.service, c.targets) for c in changes] == [
        (old, "Online tracking", date(2024, 6, 1), "Housing repairs", ())]
    new = records.add_change(con, Draft("contacts", "Text reminders", "2024-09-01", "2024-10-31", "Parking", "North",
                                        (Target("demand:contacts", "decrease"), Target("kpi:repeat_rate", "decrease")),
                                        "A. Owner", "Reminders a day before"))
    # Both are drawn on the Performance charts as interventions: the same rows.
    assert list(interventions.list_interventions(con, "contacts")["id"]) == [old, new]
    change = records.get_change(con, new)
    assert change.end == date(2024, 10, 31) and change.in_place == date(2024, 10, 31)
    assert change.when() == "1 September 2024 to 31 October 2024"
    assert change.scope() == "Parking, North"
    assert change.targets == (Target("demand:contacts", "decrease"), Target("kpi:repeat_rate", "decrease"))
    assert records.add_change(con, Draft("contacts", "Text reminders", "2024-09-01", None, "Parking", "North")) == new
    # Deleting it as an intervention takes its targets too.
    assert interventions.delete_intervention(con, new)
    assert store.query_rows(con, f'SELECT count(*) FROM "{records.TARGETS_TABLE}"')[0][0] == 0


def test_update_keeps_origin_and_replaces_targets(con):
    cid = records.add_change(con, Draft("contacts", "Phone menu", "2024-01-01", targets=(Target("demand:contacts"),)))
    updated = records.update_change(con, cid, Draft("contacts", "New phone menu", "2024-02-01",
                                                    targets=(Target("demand:failure", "decrease"),), owner="B"))
    assert (updated.title, updated.start, updated.owner) == ("New phone menu", date(2024, 2, 1), "B")
    assert updated.targets == (Target("demand:failure", "decrease"),)
    assert records.delete_change(con, cid) and not records.delete_change(con, cid)
    with pytest.raises(StocktakeError, match="no change"):
        records.get_change(con, cid)


@pytest.mark.parametrize("draft, message", [
    (Draft("contacts", "", "2024-01-01"), "short title"),
    (Draft("contacts", "x" * 121, "2024-01-01"), "120 characters"),
    (Draft("contacts", "A", None), "day the change started"),
    (Draft("contacts", "A", "31/31/2024"), "is not a date"),
    (Draft("contacts", "A", "2024-03-01", "2024-02-01"), "before it starts"),
    (Draft("contacts", "A", "2024-03-01", targets=(Target("demand:contacts", "decrease"),
                                                   Target("demand:contacts", "increase"))), "both ways"),
    (Draft("", "A", "2024-03-01"), "Choose the dataset"),
])
def test_bad_drafts_are_refused_with_a_sentence(con, draft, message):
    with pytest.raises(StocktakeError, match=message):
        records.add_change(con, draft)
    assert records.list_changes(con) == []


def test_target_direction_is_checked():
    with pytest.raises(StocktakeError, match="decrease or increase"):
        Target("demand:contacts", "down")


def test_a_done_action_becomes_a_change_keeping_its_link(con):
    session = sessions.create_session(con, "Repairs stocktake", dataset="contacts")
    view = sessions.View("demand-drivers", "volume", {}, {"dataset": "contacts", "dm_service": ["Housing repairs"]})
    item = sessions.add_view(con, session, view, "Contacts by week")
    action = actions.add_action(con, session, "Launch online repairs tracking " + "so tenants see progress " * 8,
                                owner="Repairs lead", due="2024-05-31", item_id=item)
    with pytest.raises(StocktakeError, match="marked done"):
        origin.change_from_action(con, action)
    actions.set_status(con, action, actions.DONE)
    draft = origin.draft_from_action(con, action)
    assert draft.start == date(2024, 5, 31)  # due before it was marked done: the room's date
    assert any("was due" in g for g in draft.guessed)
    cid = origin.change_from_action(con, action)
    assert origin.change_from_action(con, action) == cid  # a second click makes no second change
    change = records.get_change(con, cid)
    assert (change.dataset, change.service, change.area, change.owner) == ("contacts", "Housing repairs", None,
                                                                          "Repairs lead")
    assert len(change.title) <= records.MAX_TITLE and change.title.endswith("…")
    assert change.description.startswith("Launch online repairs tracking")
    assert (change.action_id, change.session_id) == (action, session)
    assert change.came_from == f"Action {action} of the session 'Repairs stocktake', from 'Contacts by week'"
    assert records.change_for_action(con, action).id == cid
