"""Session notes: what a workshop agreed, kept in the store beside the data it was about.

A note belongs to a dataset and records when it was written, which page it was about and, optionally, the link to
the view on screen at the time (every view is a URL), so a room's conclusions can be traced back to the figures.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd

from analysis import store
from analysis.errors import StocktakeError
from analysis.store import quote_identifier

NOTES_TABLE = "stocktake_notes"
MAX_NOTE = 2_000


def _ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    store.execute(con, "CREATE SEQUENCE IF NOT EXISTS stocktake_note_id_seq")
    store.execute(
        con,
        f"""CREATE TABLE IF NOT EXISTS {quote_identifier(NOTES_TABLE)} (
            id BIGINT NOT NULL, dataset VARCHAR NOT NULL, written_at TIMESTAMP NOT NULL, topic VARCHAR,
            note VARCHAR NOT NULL, link VARCHAR)""",
    )


def add_note(con: duckdb.DuckDBPyConnection, dataset: str, note: str, *, topic: str | None = None,
             link: str | None = None, written_at: datetime | None = None) -> int:
    """Store a note and return its id. Blank notes and notes longer than MAX_NOTE characters are refused."""
    text = (note or "").strip()
    if not text:
        raise StocktakeError("The note is empty: write what the room agreed, then add it.")
    if len(text) > MAX_NOTE:
        raise StocktakeError(f"The note is {len(text):,} characters long; keep it under {MAX_NOTE:,}.")
    _ensure_table(con)
    note_id = store.query_rows(con, "SELECT nextval('stocktake_note_id_seq')")[0][0]
    store.execute(
        con,
        f"INSERT INTO {quote_identifier(NOTES_TABLE)} VALUES (?, ?, ?, ?, ?, ?)",
        [note_id, dataset, written_at or datetime.now().replace(microsecond=0), (topic or "").strip() or None, text,
         (link or "").strip() or None],
    )
    return int(note_id)


def list_notes(con: duckdb.DuckDBPyConnection, dataset: str) -> pd.DataFrame:
    """The dataset's notes, oldest first: id, written_at, topic, note, link."""
    _ensure_table(con)
    return store.query_df(
        con,
        f"""SELECT id, written_at, topic, note, link FROM {quote_identifier(NOTES_TABLE)}
            WHERE dataset = ? ORDER BY written_at, id""",
        [dataset],
    )


def delete_note(con: duckdb.DuckDBPyConnection, note_id: int) -> None:
    _ensure_table(con)
    store.execute(con, f"DELETE FROM {quote_identifier(NOTES_TABLE)} WHERE id = ?", [int(note_id)])


def notes_markdown(dataset: str, notes: pd.DataFrame) -> str:
    """The notes as a Markdown record of the session, for circulating after the workshop."""
    lines = [f"# Stocktake session notes: {dataset}", ""]
    if notes.empty:
        lines.append("No notes were taken.")
    for row in notes.itertuples():
        heading = f"## {pd.Timestamp(row.written_at):%d %B %Y, %H:%M}"
        if isinstance(row.topic, str) and row.topic:
            heading += f": {row.topic}"
        lines += [heading, "", row.note, ""]
        if isinstance(row.link, str) and row.link:
            lines += [f"View: {row.link}", ""]
    return "\n".join(lines).rstrip() + "\n"
