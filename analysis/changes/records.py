"""Changes as first-class records: what a service changed, when, where, what it was meant to move, who owns it.

A change has a title, a start date (and an end date while it was rolled out), the dataset, service and area it
applies to (no service: every service), the figures it was meant to move and which way (:class:`Target`: a KPI or a
Demand figure, "decrease" or "increase"; :mod:`analysis.changes.targets`), an owner and a description, and, when it
came from a Workshop action marked done, that action and its session (the link is kept, so the change says where it
came from and opens that session).

They are the interventions of the Performance page grown up: the same table, ``stocktake_interventions``, with the
new fields added by :func:`ensure_tables` (a migration that keeps every intervention recorded before, as a change with
its title and date and no targets yet), and the figures each targets in ``stocktake_change_targets``. So every
change is drawn on the Performance charts of its service and offered there as a point to recalculate limits from,
as interventions were (``analysis.interventions`` reads the same rows).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date, datetime

import duckdb
import pandas as pd

from analysis import interventions, store
from analysis.errors import StocktakeError
from analysis.store import quote_identifier as q

CHANGES_TABLE = interventions.INTERVENTIONS_TABLE
TARGETS_TABLE = interventions.TARGETS_TABLE
MAX_TITLE = interventions.MAX_LABEL  # drawn on the charts as the intervention's label
MAX_TEXT = 2_000
MAX_NAME = 120
MAX_TARGETS = 8
DIRECTIONS = {"decrease": "down", "increase": "up"}

# The fields a change has beyond an intervention's (id, dataset, service, day, label, created_at): added in place.
_NEW_COLUMNS = {"day_end": "DATE", "area": "VARCHAR", "owner": "VARCHAR", "description": "VARCHAR",
                "action_id": "BIGINT", "session_id": "BIGINT", "came_from": "VARCHAR", "changed_at": "TIMESTAMP"}
_COLUMNS = ("id, dataset, service, area, day, day_end, label, owner, description, action_id, session_id, came_from, "
            "created_at, changed_at")
_MIGRATING = threading.Lock()


@dataclass(frozen=True)
class Target:
    """A figure a change was meant to move (a key of :mod:`analysis.changes.targets`) and which way."""

    figure: str
    wanted: str = "decrease"

    def __post_init__(self):
        if self.wanted not in DIRECTIONS:
            raise StocktakeError(f"'{self.wanted}' is not a way for a figure to move: use decrease or increase.")


@dataclass(frozen=True)
class Change:
    id: int
    dataset: str
    title: str
    start: date
    end: date | None = None  # the last day of a roll-out; None: made at once
    service: str | None = None  # None: every service
    area: str | None = None  # None: every area
    targets: tuple[Target, ...] = ()
    owner: str | None = None
    description: str | None = None
    action_id: int | None = None  # the Workshop action it came from
    session_id: int | None = None
    came_from: str | None = None  # that action and session in words, kept if either is removed later
    created_at: datetime | None = None
    changed_at: datetime | None = None

    @property
    def in_place(self) -> date:
        """The day the change was fully in place (the end of a roll-out, or its start)."""
        return self.end or self.start

    def when(self) -> str:
        """'1 June 2024', or '1 April to 30 June 2024' for a roll-out."""
        if self.end and self.end != self.start:
            return f"{self.start:%-d %B %Y} to {self.end:%-d %B %Y}"
        return f"{self.start:%-d %B %Y}"

    def scope(self) -> str:
        """Where it applies: 'Housing repairs, every area'."""
        return f"{self.service or 'every service'}, {self.area or 'every area'}"


@dataclass(frozen=True)
class Draft:
    """A change's fields before it is stored (checked by :func:`check`)."""

    dataset: str
    title: str
    start: date | str | None
    end: date | str | None = None
    service: str | None = None
    area: str | None = None
    targets: tuple[Target, ...] = ()
    owner: str | None = None
    description: str | None = None
    action_id: int | None = None
    session_id: int | None = None
    came_from: str | None = None
    guessed: tuple[str, ...] = field(default=(), compare=False)  # what a draft from an action guessed, in words


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """The changes table (interventions, migrated in place: nothing recorded before is lost) and the targets table.
    Idempotent and cheap when done: one look at the catalogue."""
    interventions.ensure_interventions_table(con)
    if _migrated(con):
        return
    with _MIGRATING:  # two sessions at once: the second finds it done
        if _migrated(con):
            return
        with store.transaction(con) as cur:
            for name, kind in _NEW_COLUMNS.items():
                cur.execute(f"ALTER TABLE {q(CHANGES_TABLE)} ADD COLUMN IF NOT EXISTS {q(name)} {kind}")
            cur.execute(f"""CREATE TABLE IF NOT EXISTS {q(TARGETS_TABLE)} (change_id BIGINT NOT NULL,
                            position INTEGER NOT NULL, figure VARCHAR NOT NULL, wanted VARCHAR NOT NULL)""")


def _migrated(con: duckdb.DuckDBPyConnection) -> bool:
    found = store.query_rows(
        con, "SELECT count(*) FROM duckdb_columns() WHERE schema_name = 'main' AND table_name = ? AND column_name = ?",
        [CHANGES_TABLE, "changed_at"])[0][0]
    return bool(found) and store.table_exists(con, TARGETS_TABLE)


def _as_date(value, what: str) -> date | None:
    """A blank is no date (a roll-out with no end yet); anything else is read as interventions read a day."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return interventions.as_date(value, what)


def _text(value, limit: int, what: str) -> str | None:
    text = " ".join(str(value).split()) if value is not None and not pd.isna(value) else ""
    if len(text) > limit:
        raise StocktakeError(f"Keep the {what} to {limit:,} characters or fewer (it has {len(text):,}).")
    return text or None


def check(draft: Draft) -> Draft:
    """The draft's fields as they will be stored, or a StocktakeError saying which one to fix."""
    if not draft.dataset:
        raise StocktakeError("Choose the dataset the change is measured in.")
    title = _text(draft.title, MAX_TITLE, "title (it is drawn on the charts)")
    if not title:
        raise StocktakeError("Give the change a short title, e.g. 'Online repairs tracking launched'.")
    start = _as_date(draft.start, "day the change started")
    if start is None:
        raise StocktakeError("Give the day the change started (or went live).")
    end = _as_date(draft.end, "last day of the roll-out")
    if end is not None and end < start:
        raise StocktakeError(f"The roll-out ends ({end:%-d %B %Y}) before it starts ({start:%-d %B %Y}): swap the "
                             "dates.")
    targets = tuple(dict.fromkeys(draft.targets))  # each figure once, in the order given
    if len({t.figure for t in targets}) < len(targets):
        raise StocktakeError("A figure is targeted both ways: say once which way the change was meant to move it.")
    if len(targets) > MAX_TARGETS:
        raise StocktakeError(f"Choose at most {MAX_TARGETS} figures a change was meant to move.")
    description = draft.description.strip() if isinstance(draft.description, str) else None
    if description and len(description) > MAX_TEXT:
        raise StocktakeError(f"Keep the description to {MAX_TEXT:,} characters or fewer.")
    return Draft(draft.dataset, title, start, None if end == start else end,
                 _text(draft.service, MAX_NAME, "service"), _text(draft.area, MAX_NAME, "area"), targets,
                 _text(draft.owner, MAX_NAME, "owner"), description or None, draft.action_id, draft.session_id,
                 _text(draft.came_from, MAX_TEXT, "origin"), draft.guessed)


def _write_targets(cur, change_id: int, targets: tuple[Target, ...]) -> None:
    cur.execute(f"DELETE FROM {q(TARGETS_TABLE)} WHERE change_id = ?", [change_id])
    for position, target in enumerate(targets):
        cur.execute(f"INSERT INTO {q(TARGETS_TABLE)} VALUES (?, ?, ?, ?)",
                    [change_id, position, target.figure, target.wanted])


def add_change(con: duckdb.DuckDBPyConnection, draft: Draft) -> int:
    """Record a change and return its id. The same change twice (the same action, or the same dataset, scope, day
    and title) is kept once and its id returned, so a double click cannot duplicate it."""
    fields = check(draft)
    ensure_tables(con)
    if fields.action_id is not None:
        existing = store.query_rows(con, f"SELECT id FROM {q(CHANGES_TABLE)} WHERE action_id = ?", [fields.action_id])
    else:
        existing = store.query_rows(
            con, f"""SELECT id FROM {q(CHANGES_TABLE)} WHERE dataset = ? AND service IS NOT DISTINCT FROM ?
                     AND area IS NOT DISTINCT FROM ? AND day = ? AND label = ?""",
            [fields.dataset, fields.service, fields.area, fields.start, fields.title])
    if existing:
        return int(existing[0][0])
    now = datetime.now().replace(microsecond=0)
    with store.transaction(con) as cur:
        new_id = int(cur.execute(f"SELECT nextval('{interventions.INTERVENTION_SEQUENCE}')").fetchone()[0])
        cur.execute(f"INSERT INTO {q(CHANGES_TABLE)} ({_COLUMNS}) VALUES ({', '.join('?' * 14)})",
                    [new_id, fields.dataset, fields.service, fields.area, fields.start, fields.end, fields.title,
                     fields.owner, fields.description, fields.action_id, fields.session_id, fields.came_from, now,
                     now])
        _write_targets(cur, new_id, fields.targets)
    return new_id


def update_change(con: duckdb.DuckDBPyConnection, change_id: int, draft: Draft) -> Change:
    """Change a recorded change's fields (its origin stays as it was). Returns it as stored."""
    current = get_change(con, change_id)
    fields = check(draft)
    with store.transaction(con) as cur:
        cur.execute(f"""UPDATE {q(CHANGES_TABLE)} SET dataset = ?, service = ?, area = ?, day = ?, day_end = ?,
                        label = ?, owner = ?, description = ?, changed_at = ? WHERE id = ?""",
                    [fields.dataset, fields.service, fields.area, fields.start, fields.end, fields.title,
                     fields.owner, fields.description, datetime.now().replace(microsecond=0), current.id])
        _write_targets(cur, current.id, fields.targets)
    return get_change(con, current.id)


def delete_change(con: duckdb.DuckDBPyConnection, change_id: int) -> bool:
    """Delete a change and its targets. False when there was no such change."""
    ensure_tables(con)
    if not store.query_rows(con, f"SELECT 1 FROM {q(CHANGES_TABLE)} WHERE id = ?", [int(change_id)]):
        return False
    with store.transaction(con) as cur:
        cur.execute(f"DELETE FROM {q(TARGETS_TABLE)} WHERE change_id = ?", [int(change_id)])
        cur.execute(f"DELETE FROM {q(CHANGES_TABLE)} WHERE id = ?", [int(change_id)])
    return True


def _none(value):
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def _day(value) -> date | None:
    value = _none(value)
    return None if value is None else pd.Timestamp(value).date()


def list_changes(con: duckdb.DuckDBPyConnection, dataset: str | None = None) -> list[Change]:
    """Every change (of one dataset, with ``dataset``), newest first, with its targets."""
    ensure_tables(con)
    where, params = ("WHERE dataset = ?", [dataset]) if dataset else ("", [])
    rows = store.query_rows(con, f"SELECT {_COLUMNS} FROM {q(CHANGES_TABLE)} {where} ORDER BY day DESC, id DESC",
                            params)
    targets: dict[int, list[Target]] = {}
    for change_id, figure, wanted in store.query_rows(
            con, f"SELECT change_id, figure, wanted FROM {q(TARGETS_TABLE)} ORDER BY change_id, position"):
        targets.setdefault(int(change_id), []).append(Target(figure, wanted))
    out = []
    for (cid, ds, service, area, day, day_end, label, owner, description, action_id, session_id, came_from,
         created_at, changed_at) in rows:
        out.append(Change(int(cid), ds, label, _day(day), _day(day_end), _none(service), _none(area),
                          tuple(targets.get(int(cid), ())), _none(owner), _none(description),
                          None if _none(action_id) is None else int(action_id),
                          None if _none(session_id) is None else int(session_id), _none(came_from),
                          _none(created_at), _none(changed_at)))
    return out


def get_change(con: duckdb.DuckDBPyConnection, change_id: int) -> Change:
    found = next((c for c in list_changes(con) if c.id == int(change_id)), None)
    if found is None:
        raise StocktakeError(f"There is no change {change_id}: it may have been deleted. Choose another.")
    return found


def change_for_action(con: duckdb.DuckDBPyConnection, action_id: int) -> Change | None:
    """The change a Workshop action became, if it became one."""
    return next((c for c in list_changes(con) if c.action_id == int(action_id)), None)



def stamp(con: duckdb.DuckDBPyConnection) -> tuple:
    """Changes whenever a change or its targets do (a cache key's part)."""
    ensure_tables(con)
    return tuple(store.query_rows(
        con, f"""SELECT count(*), max(id), max(changed_at), (SELECT count(*) || '/' || coalesce(sum(hash(figure ||
                 wanted || change_id)), 0) FROM {q(TARGETS_TABLE)}) FROM {q(CHANGES_TABLE)}""")[0])
