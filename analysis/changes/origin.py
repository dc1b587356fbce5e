"""A Workshop action marked done, made into a change in one click, keeping its link.

The change takes the action's words as its title (its first 120 characters; the whole text as the description when
longer), its owner, the session's dataset, and the day it was marked done as the day it started (the due date when it
was due earlier: the room agreed that date). Where the action came out of a figure whose view was filtered to one
service (or one area), the change applies there. What was guessed is said (``Draft.guessed``), so the page can ask
the person to check it; the action and its session stay linked (``action_id``, ``session_id``, and ``came_from`` in
words, kept if the session is later removed).
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from analysis import store
from analysis.changes import records
from analysis.errors import StocktakeError
from analysis.state import strings
from analysis.store import quote_identifier as q
from analysis.workshop import actions, sessions


def _one(state: dict, ending: str) -> str | None:
    """The single value of a filter control (``dm_service``, ``pf_service``…) when the view chose exactly one."""
    for key, value in state.items():
        if key.endswith(ending):
            chosen = strings(value)
            if len(chosen) == 1:
                return chosen[0]
    return None


def draft_from_action(con: duckdb.DuckDBPyConnection, action_id: int) -> records.Draft:
    """The change a done action becomes, before it is stored (the page shows it to check)."""
    actions.ensure_table(con)
    rows = store.query_rows(
        con, f"""SELECT x.what, x.owner, x.due, x.status, x.changed_at, x.item_id, s.id, s.title, s.dataset
                 FROM {q(actions.ACTIONS_TABLE)} AS x JOIN {q(sessions.SESSIONS_TABLE)} AS s ON s.id = x.session_id
                 WHERE x.id = ?""", [int(action_id)])
    if not rows:
        raise StocktakeError("That action no longer exists: it may have been removed.")
    what, owner, due, status, changed_at, item_id, session_id, session_title, dataset = rows[0]
    if status != actions.DONE:
        raise StocktakeError("Only an action marked done can become a change: mark it done first.")
    guessed = []
    item = None
    if item_id is not None:
        try:
            item = sessions.get_item(con, int(item_id))
        except StocktakeError:
            item = None
    dataset = dataset or (item.view.dataset if item is not None else None)
    if not dataset:
        raise StocktakeError(f"The session '{session_title}' has no dataset: choose one for the session first, so "
                             "the change can be measured in it.")
    done_on = pd.Timestamp(changed_at).date() if changed_at is not None else date.today()
    due_on = pd.Timestamp(due).date() if due is not None and not pd.isna(due) else None
    start = due_on if due_on is not None and due_on < done_on else done_on
    guessed.append(f"the start date ({start:%-d %B %Y}) is the day the action was "
                   + ("due" if start == due_on else "marked done") + ": set the day the change went live")
    state = dict(item.view.state) if item is not None else {}
    service, area = _one(state, "service"), _one(state, "area")
    guessed.append(f"it applies to {service or 'every service'}, {area or 'every area'}"
                   + (" (from the figure the action came from)" if service or area else ""))
    guessed.append("no figures to measure yet: choose what it was meant to move")
    text = " ".join(str(what).split())
    title = text if len(text) <= records.MAX_TITLE else text[: records.MAX_TITLE - 1].rstrip() + "…"
    came_from = f"Action {int(action_id)} of the session '{session_title}'" + (
        f", from '{item.title}'" if item is not None else "")
    return records.Draft(dataset, title, start, None, service, area, (), owner, text if text != title else None,
                         int(action_id), int(session_id), came_from, tuple(guessed))


def change_from_action(con: duckdb.DuckDBPyConnection, action_id: int) -> int:
    """Make a done action a change (one click) and return the change's id; the same action twice gives the same
    change."""
    existing = records.change_for_action(con, action_id)
    if existing is not None:
        return existing.id
    return records.add_change(con, draft_from_action(con, action_id))
