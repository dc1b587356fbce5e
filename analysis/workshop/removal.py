"""Removing what a session holds: a session with its agenda, notes and actions, or one agenda item.

These two changes reach three modules' tables (:mod:`analysis.workshop.sessions` for sessions and agendas,
:mod:`analysis.workshop.notes`, :mod:`analysis.workshop.actions`), and the last two import the first: so they live here, above
all three, rather than in ``sessions`` with imports hidden inside functions (a circle that only ran at call time).
Each is one transaction, with its audit record when the caller says who made it.
"""

from __future__ import annotations

import duckdb

from analysis import store
from analysis.governance import audit
from analysis.workshop import notes, actions as session_actions, sessions
from analysis.store import quote_identifier as q

_DEPENDENT_TABLES = (notes.NOTES_TABLE, session_actions.ACTIONS_TABLE)


def _ensure_dependents(con: duckdb.DuckDBPyConnection) -> None:
    # The notes table of an older store is brought up to date here (it gains its session column) before rows are
    # deleted by session.
    notes.ensure_table(con)
    session_actions.ensure_table(con)


def delete_session(con: duckdb.DuckDBPyConnection, session_id: int, *, user: str | None = None) -> None:
    """Delete a session with its agenda, notes and actions, all together."""
    current = sessions.get_session(con, session_id)
    _ensure_dependents(con)
    with store.transaction(con) as cur:
        for table in _DEPENDENT_TABLES:
            cur.execute(f"DELETE FROM {q(table)} WHERE session_id = ?", [current.id])
        cur.execute(f"DELETE FROM {q(sessions.AGENDA_TABLE)} WHERE session_id = ?", [current.id])
        cur.execute(f"DELETE FROM {q(sessions.SESSIONS_TABLE)} WHERE id = ?", [current.id])
        sessions.audit_change(cur, user, audit.SESSION_DELETED, current.dataset, current.title)


def remove_item(con: duckdb.DuckDBPyConnection, item_id: int, *, user: str | None = None) -> None:
    """Remove an item from its agenda. Notes and actions about it stay in the session, no longer tied to a figure."""
    item = sessions.get_item(con, item_id)
    _ensure_dependents(con)
    agenda = q(sessions.AGENDA_TABLE)
    with store.transaction(con) as cur:
        for table in _DEPENDENT_TABLES:
            cur.execute(f"UPDATE {q(table)} SET item_id = NULL WHERE item_id = ?", [item.id])
        cur.execute(f"DELETE FROM {agenda} WHERE id = ?", [item.id])
        cur.execute(
            f"""UPDATE {agenda} SET position = ranked.position FROM (
                    SELECT id, row_number() OVER (ORDER BY position, id) AS position
                    FROM {agenda} WHERE session_id = ?) AS ranked
                WHERE {agenda}.id = ranked.id""", [item.session_id])
        sessions.touch(cur, item.session_id)
        sessions.audit_change(cur, user, audit.AGENDA_ITEM_REMOVED, item.view.dataset, item.title)
