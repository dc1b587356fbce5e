"""Session notes: what the room said or agreed, kept in the store against a session and, often, one of its figures.

A note belongs to a session (:mod:`analysis.workshop.sessions`) and, when it is about a figure, to that agenda item: the
item's saved view is the note's view, so anyone reading the pack can open exactly what the room was looking at.
A note taken outside an agenda item can still carry a link to a view.

Stores made before sessions existed kept notes per dataset only; the first time this module opens such a store it
moves those notes into one session per dataset ("Earlier notes: <dataset>"), so nothing written is lost.
"""

from __future__ import annotations

import json
from datetime import datetime

import duckdb
import pandas as pd

from analysis import store
from analysis.governance import audit
from analysis.workshop import sessions
from analysis.errors import StocktakeError
from analysis.store import quote_identifier as q

NOTES_TABLE = "stocktake_notes"
NOTE_SEQUENCE = "stocktake_note_id_seq"
MAX_NOTE = 2_000
EARLIER_NOTES_TITLE = "Earlier notes: {dataset}"


def ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    """Create the notes table, or bring an older one up to date (session and figure columns). Idempotent."""
    sessions.ensure_tables(con)
    if sessions.known_ready(con, "notes"):
        return
    if sessions.tables_exist(con, NOTES_TABLE) and _has_session_column(con):
        sessions.mark_ready(con, "notes")
        return
    store.create_if_missing(
        con, NOTES_TABLE,
        f"CREATE SEQUENCE IF NOT EXISTS {q(NOTE_SEQUENCE)}",
        f"""CREATE TABLE IF NOT EXISTS {q(NOTES_TABLE)} (
            id BIGINT NOT NULL, dataset VARCHAR, written_at TIMESTAMP NOT NULL, topic VARCHAR,
            note VARCHAR NOT NULL, link VARCHAR, session_id BIGINT, item_id BIGINT)""")
    if not _has_session_column(con):  # a notes table from before sessions
        _migrate_dataset_notes(con)
    sessions.mark_ready(con, "notes")


def _has_session_column(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(store.query_rows(
        con, "SELECT 1 FROM information_schema.columns WHERE table_name = ? AND table_schema = 'main' "
             "AND column_name = 'session_id'", [NOTES_TABLE]))


def _migrate_dataset_notes(con: duckdb.DuckDBPyConnection) -> None:
    """Give a store's notes from before sessions a session each per dataset, in one transaction."""
    with store.transaction(con) as cur:
        cur.execute(f"ALTER TABLE {q(NOTES_TABLE)} ALTER COLUMN dataset DROP NOT NULL")
        cur.execute(f"ALTER TABLE {q(NOTES_TABLE)} ADD COLUMN IF NOT EXISTS session_id BIGINT")
        cur.execute(f"ALTER TABLE {q(NOTES_TABLE)} ADD COLUMN IF NOT EXISTS item_id BIGINT")
        loose = cur.execute(
            f"SELECT dataset, min(written_at) FROM {q(NOTES_TABLE)} GROUP BY dataset ORDER BY dataset").fetchall()
        for dataset, first in loose:
            title = sessions.clean_title(EARLIER_NOTES_TITLE.format(dataset=dataset or "no dataset")[:sessions.MAX_TITLE])
            n = 2
            while sessions.title_taken(cur, title):
                title = f"{EARLIER_NOTES_TITLE.format(dataset=dataset)[:sessions.MAX_TITLE - 6]} ({n})"
                n += 1
            session_id = int(cur.execute(f"SELECT nextval('{sessions.SESSION_SEQUENCE}')").fetchone()[0])
            cur.execute(f"INSERT INTO {q(sessions.SESSIONS_TABLE)} VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [session_id, title, first.date() if first else None, dataset, [], first, first])
            cur.execute(f"UPDATE {q(NOTES_TABLE)} SET session_id = ? WHERE dataset IS NOT DISTINCT FROM ?",
                        [session_id, dataset])


def clean_note(note: str) -> str:
    text = (note or "").strip()
    if not text:
        raise StocktakeError("The note is empty: write what the room said or agreed, then add it.")
    if len(text) > MAX_NOTE:
        raise StocktakeError(f"The note is {len(text):,} characters long; keep it under {MAX_NOTE:,}.")
    return text


def add_note(con: duckdb.DuckDBPyConnection, session_id: int, note: str, *, item_id: int | None = None,
             topic: str | None = None, link: str | None = None, written_at: datetime | None = None,
             user: str | None = None) -> int:
    """Store a note in a session (about one of its agenda items when ``item_id`` is given) and return its id.

    Blank notes and notes longer than MAX_NOTE characters are refused."""
    text = clean_note(note)
    ensure_table(con)
    session = sessions.get_session(con, session_id)
    item = sessions.get_item(con, item_id) if item_id is not None else None
    if item is not None and item.session_id != session.id:
        raise StocktakeError("That figure is on another session's agenda: choose one of this session's figures.")
    with store.transaction(con) as cur:
        return insert_note(cur, session, text, item=item, topic=topic, link=link, written_at=written_at, user=user)


def insert_note(cur, session: sessions.Session, note: str, *, item: sessions.AgendaItem | None = None,
                topic: str | None = None, link: str | None = None, written_at: datetime | None = None,
                user: str | None = None) -> int:
    """:func:`add_note`'s writes, in the caller's transaction (the table made first: ``ensure_table``)."""
    text = clean_note(note)
    dataset = (item.view.dataset if item else None) or session.dataset
    note_id = int(cur.execute(f"SELECT nextval('{NOTE_SEQUENCE}')").fetchone()[0])
    cur.execute(
        f"INSERT INTO {q(NOTES_TABLE)} (id, dataset, written_at, topic, note, link, session_id, item_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [note_id, dataset, written_at or datetime.now().replace(microsecond=0), (topic or "").strip() or None,
         text, (link or "").strip() or None, session.id, item.id if item else None])
    sessions.audit_change(cur, user, audit.NOTE_ADDED, dataset, f"Note {note_id} in the session '{session.title}'"
                          + (f", about '{item.title}'" if item else ""))
    return note_id


NOTE_COLUMNS = ["id", "written_at", "item_id", "figure", "position", "topic", "note", "link"]


def list_notes(con: duckdb.DuckDBPyConnection, session_id: int) -> pd.DataFrame:
    """A session's notes, oldest first: id, written_at, item_id, figure (the agenda item's title), position, topic,
    note, link (the figure's view for a note about a figure, else the link written with the note)."""
    ensure_table(con)
    frame = store.query_df(
        con,
        f"""SELECT n.id, n.written_at, n.item_id, a.title AS figure, a.position, n.topic, n.note, n.link,
                   a.page, a.figure AS figure_key, a.params, a.state
            FROM {q(NOTES_TABLE)} AS n LEFT JOIN {q(sessions.AGENDA_TABLE)} AS a ON a.id = n.item_id
            WHERE n.session_id = ? ORDER BY n.written_at, n.id""",
        [int(session_id)],
    )
    links = []
    for row in frame.itertuples():
        if isinstance(row.page, str):
            links.append(sessions.View(row.page, row.figure_key, json.loads(row.params), json.loads(row.state)).link())
        else:
            links.append(row.link if isinstance(row.link, str) else None)
    frame["link"] = pd.Series(links, index=frame.index, dtype=object)
    return frame[NOTE_COLUMNS]


def delete_note(con: duckdb.DuckDBPyConnection, note_id: int, *, user: str | None = None) -> None:
    ensure_table(con)
    with store.transaction(con) as cur:
        rows = cur.execute(f"SELECT dataset, session_id FROM {q(NOTES_TABLE)} WHERE id = ?", [int(note_id)]).fetchall()
        cur.execute(f"DELETE FROM {q(NOTES_TABLE)} WHERE id = ?", [int(note_id)])
        if rows:
            # The note's words stay out of the trail: they may name people; the trail says which note went.
            sessions.audit_change(cur, user, audit.NOTE_DELETED, rows[0][0],
                                  f"Note {int(note_id)} of session {rows[0][1]}")
