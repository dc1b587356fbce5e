"""Stocktake sessions: the workshop a facilitator runs, kept in the store with its agenda of saved views.

A session has a title (unique), the day it is held, the dataset it is mainly about, the people in the room and an
agenda: an ordered list of saved views, each with the title the facilitator gives it. A saved view is what a link
to an Explore page carries (the page's ``url_path`` and its query parameters, exactly as the URL held them), the
value of every control on the page at the time (so the figure can be drawn again outside the page, for the pack
and presentation mode: :mod:`analysis.explore`), and which of the page's figures it is about.

Notes and actions recorded in the session live in :mod:`analysis.workshop.notes` and :mod:`analysis.workshop.actions`, keyed
on the session's id (and an agenda item's id when they are about one figure); both import this module, so deleting a
session or removing an agenda item, which changes them too, is in :mod:`analysis.workshop.removal`, above all three.

Every write runs in one transaction and, when :mod:`analysis.governance.audit` is present, records who made it.
"""

from __future__ import annotations

import json
import weakref
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Mapping
from urllib.parse import urlencode

import duckdb

from analysis import store
from analysis.governance import audit
from analysis.errors import StocktakeError
from analysis.store import quote_identifier as q

SESSIONS_TABLE = "stocktake_sessions"
AGENDA_TABLE = "stocktake_agenda"
SESSION_SEQUENCE = "stocktake_session_seq"
AGENDA_SEQUENCE = "stocktake_agenda_seq"
MAX_TITLE = 120
MAX_ATTENDEES = 60
MAX_ATTENDEE_NAME = 80
MAX_ITEMS = 40
MAX_QUESTION = 400  # a stocktake's own questions are under 250 characters

# Query parameters that say how a view is being shown, not what it shows: never part of a saved view.
PRESENTATION_PARAMS = ("present", "session", "item")
HOME_PAGE = "home"


@dataclass(frozen=True)
class View:
    """One figure of one page, as the room saw it.

    ``params``: the page's query parameters as the URL carried them (``{"dm_grain": ["Week"]}``), for the link;
    ``state``: every control's value (``{"dm_grain": "week", "dm_from": "2024-04-01"}``), to draw the figure again;
    ``figure``: which of the page's figures (its key in ``analysis.explore.PAGES``).
    """

    page: str
    figure: str
    params: Mapping[str, list[str]] = field(default_factory=dict)
    state: Mapping[str, Any] = field(default_factory=dict)

    @property
    def dataset(self) -> str | None:
        value = self.state.get("dataset") or (self.params.get("dataset") or [None])[-1]
        return str(value) if value else None

    def link(self) -> str:
        """The view's address relative to the app (``/demand-drivers?dataset=…``): opening it restores the view."""
        pairs = [(key, value) for key, values in self.params.items() if key not in PRESENTATION_PARAMS
                 for value in values]
        if self.dataset and "dataset" not in self.params:
            pairs.insert(0, ("dataset", self.dataset))
        query = urlencode(pairs)
        path = "" if self.page == HOME_PAGE else self.page  # the Overview is served at "/", not at its url_path
        return f"/{path}" + (f"?{query}" if query else "")


@dataclass(frozen=True)
class AgendaItem:
    id: int
    session_id: int
    position: int  # 1, 2, 3… in agenda order
    title: str
    view: View
    question: str = ""  # the facilitator's question beside the figure (a stocktake agenda writes one from the data)


@dataclass(frozen=True)
class Session:
    id: int
    title: str
    held_on: date | None
    dataset: str | None
    attendees: tuple[str, ...]
    created_at: datetime
    changed_at: datetime


def tables_exist(con: duckdb.DuckDBPyConnection, *names: str) -> bool:
    """True when the store has all these tables (so a read-only store that has them can be read)."""
    rows = store.query_rows(con, "SELECT table_name FROM duckdb_tables() WHERE NOT temporary AND schema_name = 'main' "
                                 "AND table_name IN (SELECT unnest(?))", [list(names)])
    return len(rows) == len(set(names))


# The connections on which a group of the Workshop's tables is known to be in place ("sessions", "notes",
# "actions"): nothing drops them, so they are checked once per connection, not by two catalogue queries on every call
# (a third of the CPU of recording an action, py-spy). Weak, so a closed store's connection is forgotten.
_READY: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def known_ready(con, group: str) -> bool:
    try:
        return group in _READY.get(con, ())
    except TypeError:  # not weakly referable: checked every time, as before
        return False


def mark_ready(con, group: str) -> None:
    try:
        _READY.setdefault(con, set()).add(group)
    except TypeError:
        pass


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the session tables if this store has none yet, or add the question column to an older agenda."""
    if known_ready(con, "sessions"):
        return
    _ensure_tables(con)
    mark_ready(con, "sessions")


def _ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    if tables_exist(con, SESSIONS_TABLE, AGENDA_TABLE):
        if not store.query_rows(con, "SELECT 1 FROM information_schema.columns WHERE table_schema = 'main' AND "
                                     "table_name = ? AND column_name = 'question'", [AGENDA_TABLE]):
            with store.transaction(con) as cur:
                cur.execute(f"ALTER TABLE {q(AGENDA_TABLE)} ADD COLUMN IF NOT EXISTS question VARCHAR")
        return
    store.create_if_missing(
        con, AGENDA_TABLE,
        f"CREATE SEQUENCE IF NOT EXISTS {q(SESSION_SEQUENCE)}",
        f"CREATE SEQUENCE IF NOT EXISTS {q(AGENDA_SEQUENCE)}",
        f"""CREATE TABLE IF NOT EXISTS {q(SESSIONS_TABLE)} (
            id BIGINT NOT NULL, title VARCHAR NOT NULL, held_on DATE, dataset VARCHAR, attendees VARCHAR[],
            created_at TIMESTAMP NOT NULL, changed_at TIMESTAMP NOT NULL)""",
        f"""CREATE TABLE IF NOT EXISTS {q(AGENDA_TABLE)} (
            id BIGINT NOT NULL, session_id BIGINT NOT NULL, position INTEGER NOT NULL, title VARCHAR NOT NULL,
            page VARCHAR NOT NULL, figure VARCHAR NOT NULL, params VARCHAR NOT NULL, state VARCHAR NOT NULL,
            added_at TIMESTAMP NOT NULL, question VARCHAR)""")


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


def audit_change(cur, user: str | None, action: str, dataset: str | None, detail: str) -> None:
    """Record a workshop change in the audit trail, in the caller's transaction (it lands with the change or not at
    all), when the caller says who made it: the app's gate (``ui.actions``) and the CLI always do; the demo generator
    and tests, which are nobody's change, do not. Workshop changes leave every dataset's version as it was."""
    if user:
        audit.record_change(cur, user=user, action=action, dataset=dataset, version=None, detail=detail)


# ---- validation -------------------------------------------------------------------------------------------------

def clean_title(title: str, what: str = "session") -> str:
    """A title as stored: trimmed, one line, 1 to MAX_TITLE characters."""
    text = " ".join((title or "").split())
    if not text:
        raise StocktakeError(f"The {what} has no title: give it one, e.g. 'Repairs stocktake, June 2025'.")
    if len(text) > MAX_TITLE:
        raise StocktakeError(f"The {what} title is {len(text):,} characters long: keep it under {MAX_TITLE}.")
    return text


def clean_question(question: str) -> str:
    """A question for the room as stored: one line, at most MAX_QUESTION characters ('' for none)."""
    text = " ".join((question or "").split())
    if len(text) > MAX_QUESTION:
        raise StocktakeError(f"The question is {len(text):,} characters long; keep it under {MAX_QUESTION:,} so the "
                             "room can read it beside the figure.")
    return text


def parse_attendees(text: str | list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    """Attendees typed one a line or separated by commas or semicolons, blanks and repeats dropped, order kept."""
    if text is None:
        return ()
    parts = text if isinstance(text, (list, tuple)) else str(text).replace(";", "\n").replace(",", "\n").split("\n")
    names = tuple(dict.fromkeys(" ".join(str(p).split()) for p in parts if str(p).strip()))
    if len(names) > MAX_ATTENDEES:
        raise StocktakeError(f"{len(names):,} attendees is more than a session can list: keep it to {MAX_ATTENDEES}.")
    for name in names:
        if len(name) > MAX_ATTENDEE_NAME:
            raise StocktakeError(f"The attendee '{name[:30]}…' is longer than {MAX_ATTENDEE_NAME} characters: "
                                 "write a name, or a name and a role.")
    return names


def _as_day(value) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise StocktakeError(f"'{value}' is not a date: give the day of the session, e.g. 2025-06-18.") from None


def title_taken(cur, title: str, other_than: int | None = None) -> bool:
    rows = cur.execute(f"SELECT id FROM {q(SESSIONS_TABLE)} WHERE lower(title) = lower(?)", [title]).fetchall()
    return any(r[0] != other_than for r in rows)


# ---- sessions -----------------------------------------------------------------------------------------------------

def create_session(con: duckdb.DuckDBPyConnection, title: str, *, held_on: date | str | None = None,
                   dataset: str | None = None, attendees=None, user: str | None = None) -> int:
    """Create a session and return its id. Titles are unique (ignoring case), so a session can be named."""
    ensure_tables(con)
    with store.transaction(con) as cur:
        return insert_session(cur, title, held_on=held_on, dataset=dataset, attendees=attendees, user=user)


def insert_session(cur, title: str, *, held_on: date | str | None = None, dataset: str | None = None,
                   attendees=None, user: str | None = None) -> int:
    """:func:`create_session`'s writes, in the caller's transaction (the tables made first: ``ensure_tables``)."""
    title, names, day = clean_title(title), parse_attendees(attendees), _as_day(held_on)
    if title_taken(cur, title):
        raise StocktakeError(f"There is already a session called '{title}': choose another title.")
    session_id = int(cur.execute(f"SELECT nextval('{SESSION_SEQUENCE}')").fetchone()[0])
    now = _now()
    cur.execute(f"INSERT INTO {q(SESSIONS_TABLE)} VALUES (?, ?, ?, ?, ?, ?, ?)",
                [session_id, title, day, dataset or None, list(names), now, now])
    audit_change(cur, user, audit.SESSION_CREATED, dataset, title)
    return session_id


def _session_from_row(row) -> Session:
    sid, title, held_on, dataset, attendees, created, changed = row
    return Session(int(sid), title, held_on, dataset, tuple(attendees or ()), created, changed)


_SESSION_COLUMNS = "id, title, held_on, dataset, attendees, created_at, changed_at"


def list_sessions(con: duckdb.DuckDBPyConnection) -> list[Session]:
    """Every session, the most recently held (then created) first."""
    ensure_tables(con)
    rows = store.query_rows(
        con, f"SELECT {_SESSION_COLUMNS} FROM {q(SESSIONS_TABLE)} "
             "ORDER BY held_on DESC NULLS LAST, created_at DESC, id DESC")
    return [_session_from_row(r) for r in rows]


def get_session(con: duckdb.DuckDBPyConnection, session_id: int) -> Session:
    ensure_tables(con)
    rows = store.query_rows(con, f"SELECT {_SESSION_COLUMNS} FROM {q(SESSIONS_TABLE)} WHERE id = ?", [int(session_id)])
    if not rows:
        raise StocktakeError("That session no longer exists: it may have been deleted. Choose another.")
    return _session_from_row(rows[0])


def find_session(con: duckdb.DuckDBPyConnection, title: str) -> Session:
    """The session with this title (ignoring case and extra spaces), or an error naming the sessions there are."""
    ensure_tables(con)
    wanted = " ".join((title or "").split())
    rows = store.query_rows(con, f"SELECT {_SESSION_COLUMNS} FROM {q(SESSIONS_TABLE)} WHERE lower(title) = lower(?)",
                            [wanted])
    if rows:
        return _session_from_row(rows[0])
    known = [s.title for s in list_sessions(con)]
    listed = "; ".join(f"'{t}'" for t in known[:10]) if known else "none yet"
    raise StocktakeError(f"There is no session called '{wanted}'. Sessions: {listed}.")


def update_session(con: duckdb.DuckDBPyConnection, session_id: int, *, title: str | None = None,
                   held_on: date | str | None = None, dataset: str | None = None, attendees=None,
                   user: str | None = None) -> Session:
    """Rename a session or change its day, dataset or attendees (arguments left as None are kept)."""
    current = get_session(con, session_id)
    new_title = clean_title(title) if title is not None else current.title
    new_day = _as_day(held_on) if held_on is not None else current.held_on
    new_dataset = (dataset or None) if dataset is not None else current.dataset
    new_attendees = parse_attendees(attendees) if attendees is not None else current.attendees
    with store.transaction(con) as cur:
        if new_title != current.title and title_taken(cur, new_title, other_than=current.id):
            raise StocktakeError(f"There is already a session called '{new_title}': choose another title.")
        cur.execute(
            f"UPDATE {q(SESSIONS_TABLE)} SET title = ?, held_on = ?, dataset = ?, attendees = ?, changed_at = ? "
            "WHERE id = ?", [new_title, new_day, new_dataset, list(new_attendees), _now(), current.id])
        detail = current.title if new_title == current.title else f"'{current.title}' renamed '{new_title}'"
        audit_change(cur, user, audit.SESSION_CHANGED, new_dataset, detail)
    return get_session(con, session_id)


def touch(cur, session_id: int) -> None:
    """Mark a session as changed now (inside the caller's transaction)."""
    cur.execute(f"UPDATE {q(SESSIONS_TABLE)} SET changed_at = ? WHERE id = ?", [_now(), int(session_id)])


# ---- agenda -------------------------------------------------------------------------------------------------------

def _json_value(value):
    """A control's value in JSON: dates as ISO text, tuples as lists; anything else that JSON cannot hold is None."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    return None


def view_state(values: Mapping[str, Any], prefixes: tuple[str, ...]) -> dict[str, Any]:
    """The controls' values worth keeping in a view: keys with one of ``prefixes`` (and the dataset), holding text,
    numbers, booleans, dates or lists of them. Chart selections, editors' changes and the page's private keys
    (``_…``) are left out: they are not what the view shows."""
    kept: dict[str, Any] = {}
    for key, value in values.items():
        if not isinstance(key, str) or key.startswith("_"):
            continue
        if key != "dataset" and not key.startswith(prefixes):
            continue
        if isinstance(value, (list, tuple)) and not all(
                v is None or isinstance(v, (str, bool, int, float, date)) for v in value):
            continue
        if value is not None and not isinstance(value, (str, bool, int, float, date, list, tuple)):
            continue
        kept[key] = _json_value(value)
    return dict(sorted(kept.items()))


def _clean_params(params: Mapping[str, Any] | None) -> dict[str, list[str]]:
    cleaned: dict[str, list[str]] = {}
    for key, values in (params or {}).items():
        if key in PRESENTATION_PARAMS:
            continue
        items = values if isinstance(values, (list, tuple)) else [values]
        cleaned[str(key)] = [str(v) for v in items]
    return cleaned


def add_view(con: duckdb.DuckDBPyConnection, session_id: int, view: View, title: str, *, question: str = "",
             user: str | None = None) -> int:
    """Add a view at the end of a session's agenda (with the facilitator's question, if any): the item's id."""
    session = get_session(con, session_id)
    with store.transaction(con) as cur:
        return insert_item(cur, session, view, title, question=question, user=user)


def insert_item(cur, session: Session, view: View, title: str, *, question: str = "", user: str | None = None) -> int:
    """:func:`add_view`'s writes, in the caller's transaction."""
    title, question = clean_title(title, "agenda item"), clean_question(question)
    if not view.page or not view.figure:
        raise StocktakeError("This page has no figure that can be added to a session.")
    count = int(cur.execute(f"SELECT count(*) FROM {q(AGENDA_TABLE)} WHERE session_id = ?", [session.id]).fetchone()[0])
    if count >= MAX_ITEMS:
        raise StocktakeError(f"'{session.title}' already has {MAX_ITEMS} items: a room will not get through "
                             "more. Remove one first.")
    item_id = int(cur.execute(f"SELECT nextval('{AGENDA_SEQUENCE}')").fetchone()[0])
    cur.execute(
        f"INSERT INTO {q(AGENDA_TABLE)} ({_ITEM_COLUMNS}, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [item_id, session.id, count + 1, title, view.page, view.figure,
         json.dumps(_clean_params(view.params), ensure_ascii=False),
         json.dumps({k: _json_value(v) for k, v in view.state.items()}, ensure_ascii=False), question or None, _now()])
    touch(cur, session.id)
    audit_change(cur, user, audit.AGENDA_ITEM_ADDED, view.dataset or session.dataset, f"{session.title}: {title}")
    return item_id


def _item_from_row(row) -> AgendaItem:
    item_id, session_id, position, title, page, figure, params, state, question = row
    return AgendaItem(int(item_id), int(session_id), int(position), title,
                      View(page, figure, json.loads(params), json.loads(state)), question or "")


_ITEM_COLUMNS = "id, session_id, position, title, page, figure, params, state, question"


def agenda(con: duckdb.DuckDBPyConnection, session_id: int) -> list[AgendaItem]:
    """A session's agenda in order."""
    ensure_tables(con)
    rows = store.query_rows(con, f"SELECT {_ITEM_COLUMNS} FROM {q(AGENDA_TABLE)} WHERE session_id = ? "
                                 "ORDER BY position, id", [int(session_id)])
    return [_item_from_row(r) for r in rows]


def get_item(con: duckdb.DuckDBPyConnection, item_id: int) -> AgendaItem:
    ensure_tables(con)
    rows = store.query_rows(con, f"SELECT {_ITEM_COLUMNS} FROM {q(AGENDA_TABLE)} WHERE id = ?", [int(item_id)])
    if not rows:
        raise StocktakeError("That agenda item no longer exists: it may have been removed.")
    return _item_from_row(rows[0])
