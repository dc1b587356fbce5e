"""The one gate for every change the app makes to the store: may this user do it, do it, record it.

Pages call these functions, never the analysis write functions directly. Each one asks ``ui.auth`` who is using the
session (afresh: a hidden control is a courtesy, this check is the rule), refuses a viewer with one sentence and
records the refusal, makes the change through ``analysis``, and records who made it, what it was and the version of
the dataset it left, in the audit trail (``analysis.governance.audit``).

The record is written inside the change's own transaction, on its cursor (``analysis.store.committed_with``), so the
change and its record commit together: a full disk, a crash or a killed process leaves neither. A full disk and a clash
with another person's change each get their own sentence (``analysis.errors.known_failure``).

A viewer's browser is never shown an editor's controls; an editor's action arriving from a viewer's session was
forged, and is recorded as refused (``ui.forged``).

To add a kind of change: choose an action name in ``analysis.governance.audit``, decide in ``analysis.governance.access.VIEWER_CHANGES``
whether a viewer may make it, and wrap the write with :func:`perform` (or, for a write that records itself in its
own transaction, as the Workshop's do, with ``_workshop``). A control only editors are shown goes in
``ui.forged.EDITOR_CONTROLS``.
"""

from __future__ import annotations

import contextlib
import os
import threading
from datetime import datetime
from typing import Any, Callable, Iterator, TypeVar

import duckdb
import pandas as pd

from analysis import classification, interventions, lookups, store
from analysis.changes import network, origin, records
from analysis.governance import audit
from analysis.load import ingest
from analysis.workshop import notes, actions as session_actions, sessions
from analysis.workshop import removal as session_removal
from analysis.workshop import agenda_edits, stocktake

from analysis.governance.access import User, may_change
from analysis.errors import StocktakeError, known_failure
from analysis.formatting import format_count
from analysis.kpis import storage as kpi_settings
from analysis.savings import scenarios
from ui.auth import current_user

T = TypeVar("T")

# What each kind of change is called in a refusal: "Only editors can <this>."
REFUSAL_WORDS = {
    audit.LOAD: "load data", audit.REPLACE: "replace a dataset", audit.APPEND: "add rows to a dataset",
    audit.DELETE: "delete a dataset", audit.ROLES: "change the roles of a dataset's columns",
    audit.CLASSIFICATION: "change the failure and value classification", audit.TARGET: "set targets",
    audit.IMPROVEMENT: "change which way is better for a KPI", audit.TRAJECTORY: "set trajectories",
    audit.TRAJECTORY_CLEARED: "remove trajectories", audit.INTERVENTION_ADDED: "add interventions",
    audit.INTERVENTION_DELETED: "delete interventions", audit.SCENARIO_SAVED: "save scenarios",
    audit.SCENARIO_RENAMED: "rename scenarios", audit.SCENARIO_DELETED: "delete scenarios",
    audit.NOTE_ADDED: "add notes", audit.NOTE_DELETED: "delete notes",
    audit.LOOKUP_CHOSEN: "choose which lookup a dataset uses",
    audit.SESSION_CREATED: "start sessions", audit.SESSION_CHANGED: "change sessions",
    audit.SESSION_DELETED: "delete sessions", audit.AGENDA_ITEM_ADDED: "add views to a session",
    audit.AGENDA_ITEM_RENAMED: "rename agenda items", audit.AGENDA_QUESTION_CHANGED: "change the questions for the room",
    audit.AGENDA_REORDERED: "reorder agendas",
    audit.AGENDA_ITEM_REMOVED: "remove agenda items", audit.ACTION_ADDED: "record actions",
    audit.ACTIONS_EDITED: "edit actions", audit.CARDS_IMPORTED: "import practice cards",
    audit.CHANGE_EDITED: "edit changes",
}


def _who(user: User) -> str:
    return user.name or "a visitor who has not signed in"


@contextlib.contextmanager
def _said_plainly() -> Iterator[None]:
    """A full disk or a clash with another person's change, said as such (nothing was changed: one transaction)."""
    try:
        yield
    except duckdb.Error as exc:
        known = known_failure(exc)
        if known is None:
            raise
        raise known from None


def record(con: duckdb.DuckDBPyConnection, user: User, action: str, dataset: str | None, version: int | None,
           detail: str, outcome: str = audit.DONE) -> None:
    """One line of the audit trail on its own (a refusal; a change records itself in its own transaction)."""
    cur = con.cursor()
    try:
        with _said_plainly():
            audit.record_change(cur, user=_who(user), action=action, dataset=dataset, version=version,
                                detail=detail, outcome=outcome)
    finally:
        cur.close()


def check_allowed(con: duckdb.DuckDBPyConnection, action: str, dataset: str | None, what: str = "") -> User:
    """The user, if they may make this kind of change; otherwise the refusal is recorded and a StocktakeError raised.

    ``what`` says in the audit trail what they tried ("delete 'repairs 2024'").
    """
    user = current_user()
    if may_change(user, action):
        return user
    version = store.dataset_version(con, dataset) if dataset else None
    record(con, user, action, dataset, version or None, f"Refused: {what or action}", outcome=audit.REFUSED)
    words = REFUSAL_WORDS.get(action, "make this change")
    if user.signed_in:
        raise StocktakeError(f"Only editors can {words}: you are signed in as {user.name}, a viewer, so nothing was "
                             "changed. Ask an editor to do it, or to make you one.")
    raise StocktakeError(f"Only editors can {words}: sign in first. Nothing was changed.")


_IN_CATALOGUE = object()  # perform's default: record the version the catalogue holds once the change is made


def perform(con: duckdb.DuckDBPyConnection, action: str, dataset: str | None, change: Callable[[], T], *,
            detail: str, version: int | None | object = _IN_CATALOGUE, what: str = "") -> T:
    """Check, then make the change (``change()``) and record it in one transaction; returns what ``change`` returned.

    ``version`` is the dataset version to record; by default the dataset's version in the catalogue as the change
    leaves it (None when there is no dataset or it no longer exists). ``what`` says what was tried, for a refusal
    (by default ``detail``). A change that finds nothing to do records nothing.
    """
    user = check_allowed(con, action, dataset, what or detail)

    def write(cur: duckdb.DuckDBPyConnection) -> None:
        recorded = audit.catalogue_version(cur, dataset) if version is _IN_CATALOGUE else version
        audit.record_change(cur, user=_who(user), action=action, dataset=dataset, version=recorded, detail=detail)

    with _said_plainly(), store.committed_with(write):
        return change()


# ----- datasets --------------------------------------------------------------------------------------------------

# Loads running in this process (the store's one writer), by the table they write: a second load into the same name
# is told so at once instead of failing on DuckDB's write-write conflict after reading the whole file.
_loads_running: dict[str, tuple[str, datetime]] = {}
_loads_lock = threading.Lock()


@contextlib.contextmanager
def _one_load_per_dataset(name: str, user: User) -> Iterator[None]:
    key = store.table_name_for(name)
    with _loads_lock:
        running = _loads_running.get(key)
        if running is not None:
            who, since = running
            raise StocktakeError(
                f"Another load into '{name}' is in progress (started by {who} at {since:%H:%M}), so nothing was "
                "loaded: wait for it to finish, then load again (or choose another name).")
        _loads_running[key] = (_who(user), datetime.now())
    try:
        yield
    finally:
        with _loads_lock:
            _loads_running.pop(key, None)


def load_file(con: duckdb.DuckDBPyConnection, path: str | os.PathLike, *, dataset: str, mode: str = ingest.REPLACE,
              source_name: str | None = None, **options: Any) -> ingest.LoadReport:
    """``ingest.load_file`` for a user: a load, replace or append, checked and recorded (in the load's own
    transaction) with the new version, the rows loaded and the rows rejected."""
    name = (dataset or "").strip()
    source = source_name or os.path.basename(str(path))
    existing = store.get_dataset(con, name) if name and store.dataset_exists(con, name) else None
    action = audit.APPEND if mode == ingest.APPEND else (audit.REPLACE if existing else audit.LOAD)
    user = check_allowed(con, action, name, f"{action} '{name}' from {source}")
    write = audit.load_recorder(_who(user), action, name, source,
                                rows_before=existing.row_count if existing and mode == ingest.APPEND else 0)
    with _one_load_per_dataset(name, user), _said_plainly(), store.committed_with(write):
        return ingest.load_file(con, path, dataset=dataset, mode=mode, source_name=source_name, **options)


def delete_dataset(con: duckdb.DuckDBPyConnection, dataset: str) -> None:
    """``store.delete_dataset`` for a user. The trail keeps the version that was deleted and its row count."""
    ds = store.get_dataset(con, dataset)
    perform(con, audit.DELETE, ds.name, lambda: store.delete_dataset(con, ds.name), version=ds.version,
            detail=f"Deleted version {ds.version} with its {format_count(ds.row_count)} rows",
            what=f"delete '{ds.name}'")


def set_roles(con: duckdb.DuckDBPyConnection, dataset: str, roles: dict[str, str | None]) -> store.Dataset:
    """``store.set_roles`` for a user, recorded with the column names and their new roles."""
    detail = "; ".join(f"'{column}' set to {role or 'no role'}" for column, role in roles.items())
    return perform(con, audit.ROLES, dataset, lambda: store.set_roles(con, dataset, roles), detail=f"Roles: {detail}")


def save_classification(con: duckdb.DuckDBPyConnection, dataset: store.Dataset, frame: pd.DataFrame,
                        *, source: str = "edited on the Demand page") -> int:
    """``classification.save_classification`` for a user; records the counts of each demand type, not the reasons."""
    counts = frame["demand_type"].astype(str).value_counts()
    detail = (f"Classification {source}: {format_count(len(frame))} reasons ("
              + ", ".join(f"{format_count(n)} {kind}" for kind, n in counts.sort_index().items()) + ")")
    return perform(con, audit.CLASSIFICATION, dataset.name,
                   lambda: classification.save_classification(con, dataset, frame), detail=detail)


def choose_lookup(con: duckdb.DuckDBPyConnection, dataset: str, purpose: str, lookup: str | None,
                  *, automatic: bool = False) -> None:
    """``lookups.choose_lookup`` for a user (``automatic``: forget the choice and match by names again)."""
    words = lookups.PURPOSES[purpose][3] if purpose in lookups.PURPOSES else purpose
    if automatic:
        perform(con, audit.LOOKUP_CHOSEN, dataset, lambda: lookups.forget_choice(con, dataset, purpose),
                detail=f"{words.capitalize()}: matched by names again")
        return
    perform(con, audit.LOOKUP_CHOSEN, dataset, lambda: lookups.choose_lookup(con, dataset, purpose, lookup),
            detail=f"{words.capitalize()}: " + (f"'{lookup}' chosen" if lookup else "none"))


# ----- KPI settings, interventions ----------------------------------------------------------------------------------


def set_improvement(con: duckdb.DuckDBPyConnection, dataset: str, kpi: str, improvement: str) -> None:
    better = {"increase": "higher is better", "decrease": "lower is better"}.get(improvement, "neither way is better")
    perform(con, audit.IMPROVEMENT, dataset, lambda: kpi_settings.set_improvement(con, dataset, kpi, improvement),
            detail=f"{kpi}: {better}")


def set_target(con: duckdb.DuckDBPyConnection, dataset: str, kpi: str, series: str | None,
               target: float | None) -> None:
    where = f"for {series}" if series else "for every series"
    what = "removed" if target is None else f"set to {target:g}"
    perform(con, audit.TARGET, dataset, lambda: kpi_settings.set_target(con, dataset, kpi, series, target),
            detail=f"{kpi} target {where} {what}")


def set_trajectory(con: duckdb.DuckDBPyConnection, dataset: str, kpi: str, series: str | None,
                   start_period, start_value: float, end_period, end_value: float) -> None:
    perform(con, audit.TRAJECTORY, dataset,
            lambda: kpi_settings.set_trajectory(con, dataset, kpi, series, start_period, start_value, end_period, end_value),
            detail=f"{kpi} trajectory for {series or 'every series'}: {start_value:g} on {start_period} to "
                   f"{end_value:g} on {end_period}")


def clear_trajectory(con: duckdb.DuckDBPyConnection, dataset: str, kpi: str, series: str | None) -> None:
    perform(con, audit.TRAJECTORY_CLEARED, dataset, lambda: kpi_settings.clear_trajectory(con, dataset, kpi, series),
            detail=f"{kpi} trajectory for {series or 'every series'} removed")


def add_intervention(con: duckdb.DuckDBPyConnection, dataset: str, service: str | None, day, label: str) -> int:
    return perform(con, audit.INTERVENTION_ADDED, dataset,
                   lambda: interventions.add_intervention(con, dataset, service, day, label),
                   detail=f"'{(label or '').strip()}' on {day} for {service or 'every service'}")


def delete_intervention(con: duckdb.DuckDBPyConnection, dataset: str, intervention_id: int, label: str = "") -> bool:
    return perform(con, audit.INTERVENTION_DELETED, dataset,
                   lambda: interventions.delete_intervention(con, intervention_id),
                   detail=f"Intervention {int(intervention_id)} deleted" + (f" ('{label}')" if label else ""))


def add_change(con: duckdb.DuckDBPyConnection, draft) -> int:
    """Record a change (What works): an intervention with its targets, so it is recorded as one."""
    return perform(con, audit.INTERVENTION_ADDED, draft.dataset, lambda: records.add_change(con, draft),
                   detail=f"Change '{(draft.title or '').strip()}' on {draft.start} for {draft.service or 'every service'}")


def change_from_action(con: duckdb.DuckDBPyConnection, action_id: int) -> int:
    """A done Workshop action made into a change, keeping its link."""
    draft = origin.draft_from_action(con, action_id)
    return perform(con, audit.INTERVENTION_ADDED, draft.dataset, lambda: origin.change_from_action(con, action_id),
                   detail=f"Change from action {int(action_id)}: '{draft.title}' on {draft.start}")


def update_change(con: duckdb.DuckDBPyConnection, change_id: int, draft) -> records.Change:
    return perform(con, audit.CHANGE_EDITED, draft.dataset, lambda: records.update_change(con, change_id, draft),
                   detail=f"Change {int(change_id)} ('{(draft.title or '').strip()}') edited")


def import_cards(con: duckdb.DuckDBPyConnection, named: list[tuple[str, dict]]) -> int:
    """Practice cards (checked already) into the Network view."""
    return perform(con, audit.CARDS_IMPORTED, None, lambda: network.import_cards(con, named),
                   detail=f"{len(named)} card{'s' if len(named) != 1 else ''}: "
                          + ", ".join(name for name, _ in named)[:300])


# ----- scenarios, notes --------------------------------------------------------------------------------------------


def save_scenario(con: duckdb.DuckDBPyConnection, name: str, dataset: store.Dataset, period_start, period_end,
                  levers, *, overwrite: bool = False):
    return perform(con, audit.SCENARIO_SAVED, dataset.name,
                   lambda: scenarios.save_scenario(con, name, dataset, period_start, period_end, levers,
                                                 overwrite=overwrite),
                   detail=f"'{(name or '').strip()}'" + (" (replacing one of the same name)" if overwrite else ""))


def rename_scenario(con: duckdb.DuckDBPyConnection, dataset: str, old: str, new: str) -> None:
    perform(con, audit.SCENARIO_RENAMED, dataset, lambda: scenarios.rename_scenario(con, dataset, old, new),
            detail=f"'{old}' renamed to '{(new or '').strip()}'")


def delete_scenario(con: duckdb.DuckDBPyConnection, dataset: str, name: str) -> None:
    perform(con, audit.SCENARIO_DELETED, dataset, lambda: scenarios.delete_scenario(con, dataset, name),
            detail=f"'{name}'")


# ----- the Workshop: sessions, their agendas, notes and actions --------------------------------------------------
# These writes record themselves, in the transaction that makes the change (analysis.workshop.sessions.audit_change), so the
# gate only checks the user and hands the analysis their name. A note's words never reach the trail: a room may
# write a name into a note.


def _workshop(con: duckdb.DuckDBPyConnection, action: str, dataset: str | None, what: str,
              change: Callable[[str], T]) -> T:
    user = check_allowed(con, action, dataset, what)
    with _said_plainly():
        return change(_who(user))


def _session_dataset(con: duckdb.DuckDBPyConnection, session_id: int) -> str | None:
    return sessions.get_session(con, session_id).dataset


def create_session(con: duckdb.DuckDBPyConnection, title: str, **details: Any) -> int:
    return _workshop(con, audit.SESSION_CREATED, details.get("dataset"), f"start the session '{title}'",
                     lambda user: sessions.create_session(con, title, user=user, **details))


def start_stocktake(con: duckdb.DuckDBPyConnection, ctx: Any, dataset: store.Dataset) -> tuple[int, stocktake.Agenda]:
    """The standard agenda for ``dataset`` made a session (checked first: the agenda takes seconds to draw)."""
    def change(user: str) -> tuple[int, stocktake.Agenda]:
        agenda = stocktake.plan(ctx, dataset)
        return stocktake.start(con, agenda, user=user), agenda
    return _workshop(con, audit.SESSION_CREATED, dataset.name, f"start a stocktake of '{dataset.name}'", change)


def update_session(con: duckdb.DuckDBPyConnection, session_id: int, **details: Any) -> sessions.Session:
    return _workshop(con, audit.SESSION_CHANGED, _session_dataset(con, session_id), f"change session {session_id}",
                     lambda user: sessions.update_session(con, session_id, user=user, **details))


def delete_session(con: duckdb.DuckDBPyConnection, session_id: int) -> None:
    _workshop(con, audit.SESSION_DELETED, _session_dataset(con, session_id), f"delete session {session_id}",
              lambda user: session_removal.delete_session(con, session_id, user=user))


def add_view(con: duckdb.DuckDBPyConnection, session_id: int, view: sessions.View, title: str) -> int:
    return _workshop(con, audit.AGENDA_ITEM_ADDED, view.dataset, f"add '{title}' to session {session_id}",
                     lambda user: sessions.add_view(con, session_id, view, title, user=user))


def rename_item(con: duckdb.DuckDBPyConnection, item_id: int, title: str) -> None:
    _workshop(con, audit.AGENDA_ITEM_RENAMED, None, f"rename agenda item {item_id}",
              lambda user: agenda_edits.rename_item(con, item_id, title, user=user))


def set_question(con: duckdb.DuckDBPyConnection, item_id: int, question: str) -> None:
    _workshop(con, audit.AGENDA_QUESTION_CHANGED, sessions.get_item(con, item_id).view.dataset,
              f"change the question of agenda item {item_id}",
              lambda user: agenda_edits.set_question(con, item_id, question, user=user))


def move_item(con: duckdb.DuckDBPyConnection, item_id: int, steps: int) -> None:
    _workshop(con, audit.AGENDA_REORDERED, None, f"move agenda item {item_id}",
              lambda user: agenda_edits.move_item(con, item_id, steps, user=user))


def remove_item(con: duckdb.DuckDBPyConnection, item_id: int) -> None:
    _workshop(con, audit.AGENDA_ITEM_REMOVED, None, f"remove agenda item {item_id}",
              lambda user: session_removal.remove_item(con, item_id, user=user))


def add_note(con: duckdb.DuckDBPyConnection, session_id: int, note: str, **options: Any) -> int:
    return _workshop(con, audit.NOTE_ADDED, _session_dataset(con, session_id), f"add a note to session {session_id}",
                     lambda user: notes.add_note(con, session_id, note, user=user, **options))


def delete_note(con: duckdb.DuckDBPyConnection, note_id: int) -> None:
    _workshop(con, audit.NOTE_DELETED, None, f"delete note {note_id}",
              lambda user: notes.delete_note(con, note_id, user=user))


def add_action(con: duckdb.DuckDBPyConnection, session_id: int, what: str, **fields: Any) -> int:
    return _workshop(con, audit.ACTION_ADDED, _session_dataset(con, session_id),
                     f"add an action to session {session_id}",
                     lambda user: session_actions.add_action(con, session_id, what, user=user, **fields))


def save_actions(con: duckdb.DuckDBPyConnection, session_id: int, edited: pd.DataFrame) -> session_actions.SavedTable:
    return _workshop(con, audit.ACTIONS_EDITED, _session_dataset(con, session_id),
                     f"edit the actions of session {session_id}",
                     lambda user: session_actions.save_table(con, session_id, edited, user=user))
