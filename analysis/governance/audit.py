"""The audit trail: who changed what in the store, when, and which version of the dataset it left behind.

Information governance asks three questions of a tool that holds personal data: who can see it, who can change it,
and who did. This module answers the third. Every change to the store made from the app or the CLI (a load, a
replace, an append, a delete, a role edit, the failure/value classification, a target, an intervention, a scenario,
a workshop note or action) is recorded as one row of ``stocktake_audit``, in the same DuckDB file as the data, so a
copy of the store carries its own history. A change the app refused (a viewer trying to delete) is recorded too, with
the outcome ``refused``.

The trail is append-only: nothing here updates or deletes a row, and deleting a dataset keeps its history.
``detail`` describes the change in words (a file name, a row count, the columns whose roles changed, a target); it
never carries values from the records or the text of a note, so the trail itself holds no one's personal data.

A change and its record commit together: the record is written on the cursor of the transaction that makes the change
(``analysis.store.committed_with``, used by the app's gate ``ui.actions`` and the CLI; the Workshop's writes call
:func:`record_change` in their own transaction), so a full disk or a crash leaves neither. Refusals are recorded on a
cursor of their own: they change nothing else.
"""

from __future__ import annotations

import getpass
from datetime import datetime
from typing import TYPE_CHECKING, Callable

import duckdb

if TYPE_CHECKING:  # imported where a frame is made: a load from the command line makes none
    import pandas as pd

from analysis import store
from analysis.errors import StocktakeError
from analysis.formatting import format_count
from analysis.store import quote_identifier as q

AUDIT_TABLE = "stocktake_audit"
AUDIT_SEQUENCE = "stocktake_audit_seq"

# Who made a change when no one is signed in: the app on a laptop, or sign-in not configured.
LOCAL_USER = "local user"

DONE = "done"
REFUSED = "refused"
OUTCOMES = (DONE, REFUSED)

# The actions Stocktake records. Any short text is accepted (a new kind of change should not need this list
# edited first); these are the names the app and the CLI use, so the trail reads the same everywhere.
LOAD = "load"
REPLACE = "replace"
APPEND = "append"
DELETE = "delete"
ROLES = "roles"
CLASSIFICATION = "classification"
TARGET = "target"
IMPROVEMENT = "improvement direction"
TRAJECTORY = "trajectory"
TRAJECTORY_CLEARED = "trajectory cleared"
INTERVENTION_ADDED = "intervention added"
INTERVENTION_DELETED = "intervention deleted"
SCENARIO_SAVED = "scenario saved"
SCENARIO_RENAMED = "scenario renamed"
SCENARIO_DELETED = "scenario deleted"
NOTE_ADDED = "note added"
NOTE_DELETED = "note deleted"
DEMO_BUILT = "demo built"
LOOKUP_CHOSEN = "lookup chosen"
CARDS_IMPORTED = "practice cards imported"  # What works' Network view (analysis.changes.network)
CHANGE_EDITED = "change edited"  # What works: a change's dates, scope or targets (analysis.changes.records)
# The Workshop's changes (sessions, their agendas, notes and actions): they change no dataset.
SESSION_CREATED = "session created"
SESSION_CHANGED = "session changed"
SESSION_DELETED = "session deleted"
AGENDA_ITEM_ADDED = "agenda item added"
AGENDA_ITEM_RENAMED = "agenda item renamed"
# Rewording the question a room is asked beside a figure frames the discussion: an editor's change, so it is not in
# WORKSHOP_CHANGES (which viewers may make, analysis.governance.access).
AGENDA_QUESTION_CHANGED = "agenda question changed"
AGENDA_REORDERED = "agenda reordered"
AGENDA_ITEM_REMOVED = "agenda item removed"
ACTION_ADDED = "action added"
ACTION_STATUS = "action status"
ACTIONS_EDITED = "actions edited"
WORKSHOP_CHANGES = (SESSION_CREATED, SESSION_CHANGED, SESSION_DELETED, AGENDA_ITEM_ADDED, AGENDA_ITEM_RENAMED,
                    AGENDA_REORDERED, AGENDA_ITEM_REMOVED, NOTE_ADDED, NOTE_DELETED, ACTION_ADDED, ACTION_STATUS,
                    ACTIONS_EDITED)

MAX_USER = 254  # the longest email address there can be
MAX_ACTION = 60
MAX_DETAIL = 1_000

TRAIL_COLUMNS = ["id", "changed_at", "user_name", "action", "dataset", "version", "outcome", "detail"]


def cli_user() -> str:
    """Who the CLI records: ``cli:`` and the operating-system account running it (``cli:alice``), or
    :data:`LOCAL_USER` when the system cannot say (no login name, e.g. in a bare container)."""
    try:
        name = getpass.getuser().strip()
    except (OSError, KeyError, ImportError):
        name = ""
    return f"cli:{name}" if name else LOCAL_USER


def ensure_audit_table(con: duckdb.DuckDBPyConnection) -> None:
    """Create the audit table and its id sequence if this store has none. Idempotent; runs on what it is given."""
    con.execute(f"CREATE SEQUENCE IF NOT EXISTS {q(AUDIT_SEQUENCE)}")
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS {q(AUDIT_TABLE)} (
            id BIGINT NOT NULL, changed_at TIMESTAMP NOT NULL, user_name VARCHAR NOT NULL, action VARCHAR NOT NULL,
            dataset VARCHAR, version BIGINT, outcome VARCHAR NOT NULL, detail VARCHAR NOT NULL)"""
    )


def _table_exists(con: duckdb.DuckDBPyConnection) -> bool:
    cur = con.cursor()
    try:
        rows = cur.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_name = ? AND table_schema = 'main'", [AUDIT_TABLE]
        ).fetchall()
    finally:
        cur.close()
    return bool(rows)


def _one_line(text: str | None) -> str:
    # A detail may quote a file name or a label a user typed: newlines would make the CSV and the table misleading.
    return " ".join(str(text or "").split())


def record_change(
    con_or_cursor: duckdb.DuckDBPyConnection,
    *,
    user: str,
    action: str,
    dataset: str | None,
    version: int | None,
    detail: str = "",
    outcome: str = DONE,
    changed_at: datetime | None = None,
) -> None:
    """Add one row to the audit trail.

    ``user`` is who did it (an email address, ``cli:<os user>`` or :data:`LOCAL_USER`); ``action`` what kind of
    change (one of the constants above, e.g. :data:`DELETE`); ``dataset`` and ``version`` the dataset it touched and
    the version it left (for a delete, the version deleted; None when there is none); ``detail`` one sentence in
    words, never values from the records; ``outcome`` :data:`DONE` or :data:`REFUSED`.

    Runs on ``con_or_cursor`` itself: pass the cursor of the transaction that made the change, so the record lands
    with it or not at all, or a cursor of your own.
    """
    user = _one_line(user)
    action = _one_line(action)
    if not user:
        raise StocktakeError("A change must say who made it: the audit trail has no user for it.")
    if not action:
        raise StocktakeError("A change must say what it was: the audit trail has no action for it.")
    if outcome not in OUTCOMES:
        raise StocktakeError(f"'{outcome}' is not an audit outcome: use one of {', '.join(OUTCOMES)}.")
    detail = _one_line(detail)
    if len(detail) > MAX_DETAIL:
        detail = detail[: MAX_DETAIL - 1] + "…"
    ensure_audit_table(con_or_cursor)
    con_or_cursor.execute(
        f"""INSERT INTO {q(AUDIT_TABLE)} ({', '.join(q(c) for c in TRAIL_COLUMNS)})
            VALUES (nextval('{AUDIT_SEQUENCE}'), ?, ?, ?, ?, ?, ?, ?)""",
        [
            changed_at or datetime.now().replace(microsecond=0),
            user[:MAX_USER],
            action[:MAX_ACTION],
            dataset,
            None if version is None else int(version),
            outcome,
            detail,
        ],
    )


def catalogue_version(cur: duckdb.DuckDBPyConnection, dataset: str | None) -> int | None:
    """A dataset's version as the transaction on ``cur`` sees it (None without a dataset, or when it is gone): the
    version a change leaves, read before the change commits, for the record that commits with it."""
    if not dataset:
        return None
    rows = cur.execute(f"SELECT version FROM {q(store.DATASETS_TABLE)} WHERE dataset = ?", [dataset]).fetchall()
    return int(rows[0][0]) if rows and rows[0][0] is not None else None


def load_recorder(user: str, action: str, dataset: str, source: str, *, rows_before: int = 0,
                  suffix: str = "") -> Callable[[duckdb.DuckDBPyConnection], None]:
    """The audit record of a load, to be written inside the load's own transaction
    (``store.committed_with(load_recorder(...))`` around ``ingest.load_file``): the rows the load leaves in the dataset
    (less those there before, for an append), the rows it set aside, the dataset's kind and new version, as that
    transaction sees them. ``suffix`` ends the detail (", from the command line")."""
    def write(cur: duckdb.DuckDBPyConnection) -> None:
        row = cur.execute(f"SELECT row_count, version, kind FROM {q(store.DATASETS_TABLE)} WHERE dataset = ?",
                          [dataset]).fetchone()
        rows, version, kind = (int(row[0] or 0), int(row[1]), row[2]) if row else (0, None, "?")
        rejects = store.rejects_table_for(store.table_name_for(dataset))
        kept = cur.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND NOT temporary",
                           [rejects]).fetchone()[0]
        rejected = int(cur.execute(f"SELECT count(*) FROM {q(rejects)}").fetchone()[0]) if kept else 0
        record_change(cur, user=user, action=action, dataset=dataset, version=version,
                      detail=f"{source}: {format_count(rows - rows_before)} rows loaded, {format_count(rejected)} "
                             f"rejected ({kind}){suffix}")
    return write


def audit_trail(
    con: duckdb.DuckDBPyConnection,
    *,
    dataset: str | None = None,
    user: str | None = None,
    since: datetime | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """The trail, newest first (ties by the order recorded): id, changed_at, user_name, action, dataset, version,
    outcome, detail. Optionally only one dataset's changes, one user's, those since a time, or the newest ``limit``.

    A store that has never recorded a change gives an empty frame with those columns (and is not written to, so
    this works on a read-only store).
    """
    import pandas as pd

    if not _table_exists(con):
        return pd.DataFrame({c: pd.Series(dtype="object") for c in TRAIL_COLUMNS})
    where, params = [], []
    if dataset is not None:
        where.append(f"{q('dataset')} = ?")
        params.append(dataset)
    if user is not None:
        where.append(f"{q('user_name')} = ?")
        params.append(user)
    if since is not None:
        where.append(f"{q('changed_at')} >= ?")
        params.append(since)
    sql = (f"SELECT {', '.join(q(c) for c in TRAIL_COLUMNS)} FROM {q(AUDIT_TABLE)}"
           + (f" WHERE {' AND '.join(where)}" if where else "")
           + f" ORDER BY {q('changed_at')} DESC, {q('id')} DESC")
    if limit is not None:
        sql += " LIMIT ?"
        params.append(int(limit))
    cur = con.cursor()
    try:
        trail = cur.execute(sql, params).df()
    finally:
        cur.close()
    trail["version"] = trail["version"].astype("Int64")
    return trail


def trail_summary(con: duckdb.DuckDBPyConnection) -> tuple[int, list[str]]:
    """How many changes the trail holds, and the datasets it names (sorted): for a page's heading and picker,
    without reading the whole trail."""
    if not _table_exists(con):
        return 0, []
    cur = con.cursor()
    try:
        total = int(cur.execute(f"SELECT count(*) FROM {q(AUDIT_TABLE)}").fetchone()[0])
        names = [r[0] for r in cur.execute(
            f"SELECT DISTINCT {q('dataset')} FROM {q(AUDIT_TABLE)} WHERE {q('dataset')} IS NOT NULL ORDER BY 1"
        ).fetchall()]
    finally:
        cur.close()
    return total, names


def count_changes(con: duckdb.DuckDBPyConnection, *, dataset: str | None = None) -> int:
    """The number of changes recorded (for one dataset, if given)."""
    if not _table_exists(con):
        return 0
    where, params = (f" WHERE {q('dataset')} = ?", [dataset]) if dataset is not None else ("", [])
    cur = con.cursor()
    try:
        return int(cur.execute(f"SELECT count(*) FROM {q(AUDIT_TABLE)}{where}", params).fetchone()[0])
    finally:
        cur.close()


def trail_for_people(trail: pd.DataFrame) -> pd.DataFrame:
    """The trail with headers people read (When, Who, Action, Dataset, Version, Outcome, Detail), for the Data page
    and its CSV download (``analysis.exports.to_csv_bytes`` makes that safe to open in a spreadsheet)."""
    import pandas as pd

    return pd.DataFrame({
        "When": pd.to_datetime(trail["changed_at"]),
        "Who": trail["user_name"].astype(object),
        "Action": trail["action"].astype(object),
        "Dataset": trail["dataset"].astype(object),
        "Version": trail["version"],
        "Outcome": trail["outcome"].astype(object),
        "Detail": trail["detail"].astype(object),
    })
