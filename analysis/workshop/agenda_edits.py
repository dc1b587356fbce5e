"""Changing a session's agenda in place: an item's title and its question for the room, and the items' order.

Each change is one transaction with its audit record (``sessions.audit_change``), made through the app's gate
(``ui.actions``: who may make it) or the CLI.
"""

from __future__ import annotations

import duckdb

from analysis import store
from analysis.errors import StocktakeError
from analysis.governance import audit
from analysis.workshop.sessions import AGENDA_TABLE, agenda, audit_change, clean_question, clean_title, get_item, \
    get_session, touch
from analysis.store import quote_identifier as q


def rename_item(con: duckdb.DuckDBPyConnection, item_id: int, title: str, *, user: str | None = None) -> None:
    item = get_item(con, item_id)
    title = clean_title(title, "agenda item")
    with store.transaction(con) as cur:
        cur.execute(f"UPDATE {q(AGENDA_TABLE)} SET title = ? WHERE id = ?", [title, item.id])
        touch(cur, item.session_id)
        audit_change(cur, user, audit.AGENDA_ITEM_RENAMED, item.view.dataset, f"'{item.title}' renamed '{title}'")


def set_question(con: duckdb.DuckDBPyConnection, item_id: int, question: str, *, user: str | None = None) -> None:
    """Reword (or, blank, remove) the question for the room beside an agenda item."""
    item = get_item(con, item_id)
    question = clean_question(question)
    with store.transaction(con) as cur:
        cur.execute(f"UPDATE {q(AGENDA_TABLE)} SET question = ? WHERE id = ?", [question or None, item.id])
        touch(cur, item.session_id)
        audit_change(cur, user, audit.AGENDA_QUESTION_CHANGED, item.view.dataset,
                     f"'{item.title}': " + (f"the question is now '{question}'" if question else "question removed"))


def reorder(con: duckdb.DuckDBPyConnection, session_id: int, item_ids: list[int], *, user: str | None = None) -> None:
    """Put a session's agenda in this order. ``item_ids`` must name every item of the session once."""
    current = agenda(con, session_id)
    wanted = [int(i) for i in item_ids]
    if sorted(wanted) != sorted(i.id for i in current):
        raise StocktakeError("The agenda changed while you were reordering it: look at it again and retry.")
    title = get_session(con, session_id).title
    with store.transaction(con) as cur:
        for position, item_id in enumerate(wanted, start=1):
            cur.execute(f"UPDATE {q(AGENDA_TABLE)} SET position = ? WHERE id = ?", [position, item_id])
        touch(cur, session_id)
        audit_change(cur, user, audit.AGENDA_REORDERED, None, title)


def move_item(con: duckdb.DuckDBPyConnection, item_id: int, steps: int, *, user: str | None = None) -> None:
    """Move an agenda item up (negative ``steps``) or down; it stops at either end."""
    item = get_item(con, item_id)
    order = [i.id for i in agenda(con, item.session_id)]
    index = order.index(item.id)
    target = min(max(index + steps, 0), len(order) - 1)
    if target == index:
        return
    order.insert(target, order.pop(index))
    reorder(con, item.session_id, order, user=user)
