"""Actions a stocktake session agrees: what, who owns it, when it is due and whether it is open, done or dropped.

Actions belong to a session (:mod:`analysis.workshop.sessions`) and, when they came out of one figure, to that agenda item.
The Workshop page edits them in a table; :func:`save_table` takes the edited table back, checks every row and writes
the additions, changes and removals in one transaction. Lists put overdue actions (open, due before today) first,
so the next session starts with what slipped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import pandas as pd

from analysis import store
from analysis.governance import audit
from analysis.workshop import sessions
from analysis.errors import StocktakeError
from analysis.store import quote_identifier as q

ACTIONS_TABLE = "stocktake_actions"
ACTION_SEQUENCE = "stocktake_action_seq"
OPEN, DONE, DROPPED = "open", "done", "dropped"
STATUSES = (OPEN, DONE, DROPPED)
STATUS_LABELS = {OPEN: "Open", DONE: "Done", DROPPED: "Dropped"}
MAX_WHAT = 500
MAX_OWNER = 80

# The table the Workshop page edits, and the headers of the CSV and Excel exports.
EDITABLE_COLUMNS = ["what", "owner", "due", "status"]
EXPORT_HEADERS = {"what": "Action", "owner": "Owner", "due": "Due", "status": "Status", "overdue": "Overdue",
                  "figure": "Figure"}


def ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    """Create the actions table if this store has none yet. Idempotent."""
    sessions.ensure_tables(con)
    if sessions.known_ready(con, "actions"):
        return
    store.create_if_missing(
        con, ACTIONS_TABLE,
        f"CREATE SEQUENCE IF NOT EXISTS {q(ACTION_SEQUENCE)}",
        f"""CREATE TABLE IF NOT EXISTS {q(ACTIONS_TABLE)} (
            id BIGINT NOT NULL, session_id BIGINT NOT NULL, item_id BIGINT, what VARCHAR NOT NULL,
            owner VARCHAR, due DATE, status VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL,
            changed_at TIMESTAMP NOT NULL)""")
    sessions.mark_ready(con, "actions")


@dataclass(frozen=True)
class ActionFields:
    """One action's fields, checked."""

    what: str
    owner: str | None
    due: date | None
    status: str


def _missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _as_due(value, where: str) -> date | None:
    if _missing(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, pd.Timestamp):
        return value.date()
    text = str(value).strip()
    for reader in (date.fromisoformat, lambda t: datetime.strptime(t, "%d/%m/%Y").date()):
        try:
            return reader(text)
        except ValueError:
            continue
    raise StocktakeError(f"{where}: '{text}' is not a due date. Write it as 31/07/2025.")


def _as_status(value, where: str) -> str:
    if _missing(value):
        return OPEN
    text = str(value).strip().lower()
    if text not in STATUSES:
        raise StocktakeError(f"{where}: the status '{value}' is not one of Open, Done or Dropped.")
    return text


def check_action(what, owner=None, due=None, status=OPEN, where: str = "The action") -> ActionFields:
    """The fields of an action as stored, or a StocktakeError saying which field is wrong and how to fix it."""
    text = "" if _missing(what) else " ".join(str(what).split())
    if not text:
        raise StocktakeError(f"{where} does not say what is to be done: write the action, e.g. 'Check the fall in "
                             "chasing calls held through the winter'.")
    if len(text) > MAX_WHAT:
        raise StocktakeError(f"{where} is {len(text):,} characters long: keep it under {MAX_WHAT}.")
    who = None if _missing(owner) else " ".join(str(owner).split())
    if who and len(who) > MAX_OWNER:
        raise StocktakeError(f"{where}: the owner '{who[:30]}…' is longer than {MAX_OWNER} characters.")
    return ActionFields(text, who, _as_due(due, where), _as_status(status, where))


def add_action(con: duckdb.DuckDBPyConnection, session_id: int, what: str, *, owner: str | None = None,
               due: date | str | None = None, status: str = OPEN, item_id: int | None = None,
               user: str | None = None) -> int:
    """Record an action in a session (from one of its figures when ``item_id`` is given) and return its id."""
    fields = check_action(what, owner, due, status)
    ensure_table(con)
    session = sessions.get_session(con, session_id)
    if item_id is not None and sessions.get_item(con, item_id).session_id != session.id:
        raise StocktakeError("That figure is on another session's agenda: choose one of this session's figures.")
    with store.transaction(con) as cur:
        action_id = _insert(cur, session.id, item_id, fields)
        sessions.audit_change(cur, user, audit.ACTION_ADDED, session.dataset,
                              f"Action {action_id} in the session '{session.title}'")
    return action_id


def _insert(cur, session_id: int, item_id: int | None, fields: ActionFields) -> int:
    action_id = int(cur.execute(f"SELECT nextval('{ACTION_SEQUENCE}')").fetchone()[0])
    now = datetime.now().replace(microsecond=0)
    cur.execute(f"INSERT INTO {q(ACTIONS_TABLE)} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [action_id, session_id, item_id, fields.what, fields.owner, fields.due, fields.status, now, now])
    return action_id


LIST_COLUMNS = ["id", "what", "owner", "due", "status", "overdue", "item_id", "figure"]


def list_actions(con: duckdb.DuckDBPyConnection, session_id: int, today: date | None = None) -> pd.DataFrame:
    """A session's actions: overdue first (earliest due first), then the other open ones by due date, then done,
    then dropped. Columns: id, what, owner, due (date or None), status, overdue, item_id, figure (the agenda
    item's title)."""
    ensure_table(con)
    today = today or date.today()
    frame = store.query_df(
        con,
        f"""SELECT x.id, x.what, x.owner, x.due, x.status, (x.status = ? AND x.due < ?) AS overdue, x.item_id,
                   a.title AS figure
            FROM {q(ACTIONS_TABLE)} AS x LEFT JOIN {q(sessions.AGENDA_TABLE)} AS a ON a.id = x.item_id
            WHERE x.session_id = ?
            ORDER BY coalesce(x.status = ? AND x.due < ?, false) DESC,
                     CASE x.status WHEN ? THEN 0 WHEN ? THEN 1 ELSE 2 END, x.due NULLS LAST, x.id""",
        [OPEN, today, int(session_id), OPEN, today, OPEN, DONE],
    )
    frame["overdue"] = frame["overdue"].fillna(False).astype(bool)
    frame["due"] = pd.Series([None if pd.isna(d) else pd.Timestamp(d).date() for d in frame["due"]],
                             index=frame.index, dtype=object)
    return frame[LIST_COLUMNS]


def set_status(con: duckdb.DuckDBPyConnection, action_id: int, status: str, *, user: str | None = None) -> None:
    new_status = _as_status(status, "The action")
    ensure_table(con)
    with store.transaction(con) as cur:
        rows = cur.execute(
            f"""SELECT s.title, s.dataset FROM {q(ACTIONS_TABLE)} AS x
                JOIN {q(sessions.SESSIONS_TABLE)} AS s ON s.id = x.session_id WHERE x.id = ?""",
            [int(action_id)]).fetchall()
        if not rows:
            raise StocktakeError("That action no longer exists: it may have been removed.")
        cur.execute(f"UPDATE {q(ACTIONS_TABLE)} SET status = ?, changed_at = ? WHERE id = ?",
                    [new_status, datetime.now().replace(microsecond=0), int(action_id)])
        sessions.audit_change(cur, user, audit.ACTION_STATUS, rows[0][1], f"Action {int(action_id)} in the session "
                                                                       f"'{rows[0][0]}' set to {STATUS_LABELS[new_status]}")


@dataclass(frozen=True)
class SavedTable:
    added: int
    changed: int
    removed: int

    def sentence(self) -> str:
        parts = [f"{n:,} {word}" for n, word in ((self.added, "added"), (self.changed, "changed"),
                                                  (self.removed, "removed")) if n]
        return ("Actions saved: " + ", ".join(parts) + ".") if parts else "No action was changed."


def save_table(con: duckdb.DuckDBPyConnection, session_id: int, edited: pd.DataFrame, *,
               user: str | None = None) -> SavedTable:
    """Write back the actions table as the user edited it: rows with an ``id`` are updated when they changed, rows
    without one are added, and actions missing from the table are removed. Every row is checked first; a wrong row
    changes nothing and the message names it (row numbers as the table shows them, from 1)."""
    ensure_table(con)
    session = sessions.get_session(con, session_id)
    current = {int(r[0]): r[1:] for r in store.query_rows(
        con, f"SELECT id, what, owner, due, status FROM {q(ACTIONS_TABLE)} WHERE session_id = ?", [session.id])}
    checked: list[tuple[int | None, ActionFields]] = []
    for number, row in enumerate(edited.to_dict("records"), start=1):
        if all(_missing(row.get(c)) for c in EDITABLE_COLUMNS):
            continue  # an empty row the editor added and the user left blank
        fields = check_action(row.get("what"), row.get("owner"), row.get("due"), row.get("status"),
                              where=f"Action {number}")
        raw_id = row.get("id")
        action_id = None if _missing(raw_id) else int(raw_id)
        if action_id is not None and action_id not in current:
            raise StocktakeError(f"Action {number} was removed by someone else meanwhile: reload the page.")
        checked.append((action_id, fields))
    kept = {i for i, _ in checked if i is not None}
    added = changed = 0
    now = datetime.now().replace(microsecond=0)
    with store.transaction(con) as cur:
        for action_id, fields in checked:
            if action_id is None:
                _insert(cur, session.id, None, fields)
                added += 1
            elif tuple(current[action_id]) != (fields.what, fields.owner, fields.due, fields.status):
                cur.execute(f"UPDATE {q(ACTIONS_TABLE)} SET what = ?, owner = ?, due = ?, status = ?, changed_at = ? "
                            "WHERE id = ?", [fields.what, fields.owner, fields.due, fields.status, now, action_id])
                changed += 1
        removed = [i for i in current if i not in kept]
        for action_id in removed:
            cur.execute(f"DELETE FROM {q(ACTIONS_TABLE)} WHERE id = ?", [action_id])
        result = SavedTable(added, changed, len(removed))
        if added or changed or removed:
            sessions.audit_change(cur, user, audit.ACTIONS_EDITED, session.dataset, f"{session.title}: {result.sentence()}")
    return result


def export_frame(actions: pd.DataFrame) -> pd.DataFrame:
    """The actions with headers people read, for CSV and Excel: Action, Owner, Due, Status, Overdue, Figure."""
    out = pd.DataFrame({
        "what": actions["what"],
        "owner": actions["owner"],
        "due": [None if _missing(d) else pd.Timestamp(d) for d in actions["due"]],
        "status": actions["status"].map(STATUS_LABELS),
        "overdue": actions["overdue"].map({True: "Yes", False: "No"}),
        "figure": actions["figure"],
    })
    return out.rename(columns=EXPORT_HEADERS).reset_index(drop=True)
