"""Running SQL on the store: names quoted by the one helper, one cursor per query, transactions, and a change
committed together with its audit record (:func:`committed_with`)."""

from __future__ import annotations

import threading
import weakref
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

import duckdb

if TYPE_CHECKING:  # a load from the command line never makes a frame: pandas costs half a second to import
    import pandas as pd


def quote_identifier(name: str) -> str:
    """Quote a table or column name for DuckDB: double any double quote and wrap in double quotes.

    The only way a name enters SQL anywhere in Stocktake, so a header like ``IncidentNotionalCost(£)`` or
    ``Robert"); DROP TABLE`` is always just a name.
    """
    return '"' + str(name).replace('"', '""') + '"'


# Lists that every query run through this module is appended to, while a recording_queries() block is open.
_recordings: list[list[str]] = []
# Set on a thread doing background work (a large load's derived tables, the next agenda item's figure): its queries
# are not what a rerun asked for, so a recording leaves them out whichever thread started it.
_background = threading.local()


@contextmanager
def background_work() -> Iterator[None]:
    """Mark the queries run on this thread, while the block runs, as background work (not recorded)."""
    _background.on = True
    try:
        yield
    finally:
        _background.on = False


@contextmanager
def recording_queries() -> Iterator[list[str]]:
    """The SQL of every query run through this module (any thread but background work's) while the block runs: how the tests see which
    figures a rerun worked out again, and which it took from the cache."""
    seen: list[str] = []
    _recordings.append(seen)
    try:
        yield seen
    finally:
        _recordings.remove(seen)


def _record(sql: str) -> None:
    if getattr(_background, "on", False):
        return
    for seen in _recordings:
        seen.append(sql)


def query_df(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | dict | None = None) -> pd.DataFrame:
    """Run one query on its own cursor and return the whole result as a DataFrame."""
    _record(sql)
    cur = con.cursor()
    try:
        return cur.execute(sql, params or []).df()
    finally:
        cur.close()


def query_rows(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | dict | None = None) -> list[tuple]:
    """Run one query on its own cursor and return all rows as tuples."""
    _record(sql)
    cur = con.cursor()
    try:
        return cur.execute(sql, params or []).fetchall()
    finally:
        cur.close()


def execute(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | dict | None = None) -> None:
    """Run one statement on its own cursor (for writes outside a load's transaction).

    Inside :func:`committed_with` only ``CREATE`` statements (a settings table made on first use) may run this way: a
    change's writes belong in its one :func:`transaction`, with its audit record."""
    _record(sql)
    if _pending.get() is not None and not sql.lstrip().upper().startswith("CREATE"):
        raise RuntimeError("A recorded change wrote outside its transaction: use store.transaction for every write, "
                           f"so the change and its audit record commit together ({sql.split()[0]} …).")
    cur = con.cursor()
    try:
        cur.execute(sql, params or [])
        cur.fetchall() if cur.description else None
    finally:
        cur.close()
        _wrote()


# Held while a settings table is created (see create_if_missing).
_CREATING = threading.Lock()


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(query_rows(con, "SELECT 1 FROM duckdb_tables() WHERE table_name = ? AND schema_name = 'main' "
                                "AND NOT temporary", [table]))


# What each connection is known to hold of the settings tables (targets, interventions, lookup choices, scenarios…).
# They are made on first use and nothing drops them (a dataset's delete drops its own table and ``<table>__…`` only),
# so one seen is not asked for again; one found missing is not asked for again until this process writes to the store
# (every creation is a write through :func:`execute` or :func:`transaction`, and a DuckDB file has one writing
# process). A catalogue query per table on every rerun was a tenth of the Performance page's cached rerun. Weak, so a
# closed store's connection is forgotten.
_SETTINGS_SEEN: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_WRITES = threading.Lock()
_write_generation = 0


def _wrote() -> None:
    """A write through this module has ended (committed or not): tables found missing may be there now."""
    global _write_generation
    with _WRITES:
        _write_generation += 1


class _Seen:
    def __init__(self) -> None:
        self.present: set[str] = set()
        self.missing: set[str] = set()
        self.missing_at = -1  # the write generation the missing ones were found in


def settings_table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """:func:`table_exists` for a settings table that nothing drops, remembered for the connection (see above)."""
    try:
        seen = _SETTINGS_SEEN.get(con)
    except TypeError:  # not weakly referable: asked every time
        return table_exists(con, table)
    if seen is not None and (table in seen.present or (seen.missing_at == _write_generation and table in seen.missing)):
        return table in seen.present
    generation = _write_generation  # before the query: a write that ends while it runs makes the answer stale
    found = table_exists(con, table)
    seen = _SETTINGS_SEEN.setdefault(con, _Seen())
    if found:
        seen.present.add(table)
    else:
        if seen.missing_at != generation:
            seen.missing, seen.missing_at = set(), generation
        seen.missing.add(table)
    return found


def create_if_missing(con: duckdb.DuckDBPyConnection, table: str, *statements: str) -> None:
    """Run ``statements`` (``CREATE … IF NOT EXISTS``, the last one creating ``table``) unless ``table`` is there.

    Pages create their settings tables the first time they read them. Two sessions served at once may both find the
    table missing, and DuckDB refuses the second creation as a write-write conflict on the catalogue; so creations
    in this process take turns (a DuckDB file has one writing process), and the second finds the table made. Checking
    first also keeps a plain read from writing to the catalogue on every rerun.
    """
    if settings_table_exists(con, table):
        return
    with _CREATING:
        if settings_table_exists(con, table):
            return
        for sql in statements:
            execute(con, sql)


@contextmanager
def transaction(
    con: duckdb.DuckDBPyConnection, cursor: duckdb.DuckDBPyConnection | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor inside BEGIN ... COMMIT: everything written through it lands together or not at all.

    Rolls back on any exception, a KeyboardInterrupt included; a killed process leaves no partial write either,
    because DuckDB only makes a transaction durable at COMMIT. Pass ``cursor`` when the writes read TEMP tables or
    registered frames, which only the cursor that made them can see; it is left open for the caller.
    """
    pending = _pending.get()
    if pending is not None and pending.committed:
        raise RuntimeError("A recorded change must be one transaction, and this one has committed already: make the "
                           "change's writes in one store.transaction block.")
    if pending is not None and pending.depth:
        raise RuntimeError("A recorded change opened a second transaction inside its first: it would commit apart "
                           "from the change's audit record.")
    outermost = pending is not None
    cur = cursor or con.cursor()
    if pending is not None:
        pending.depth += 1
    try:
        cur.execute("BEGIN TRANSACTION")
        yield cur
        if outermost:
            pending.write(cur)  # the change's audit record, in the change's own transaction
        cur.execute("COMMIT")
        if outermost:
            pending.committed = True
    except BaseException:
        try:
            cur.execute("ROLLBACK")
        except duckdb.Error:
            pass
        raise
    finally:
        if pending is not None:
            pending.depth -= 1
        if cursor is None:
            cur.close()
        _wrote()


class PendingRecord:
    """A record waiting for the change it describes (see :func:`committed_with`)."""

    def __init__(self, write: Callable[[duckdb.DuckDBPyConnection], None]) -> None:
        self.write = write
        self.depth = 0
        self.committed = False


_pending: ContextVar[PendingRecord | None] = ContextVar("stocktake_pending_record", default=None)


@contextmanager
def committed_with(write: Callable[[duckdb.DuckDBPyConnection], None]) -> Iterator[PendingRecord]:
    """Make the change run inside this block commit together with ``write(cur)`` (its audit record).

    The first :func:`transaction` opened in the block, on whatever cursor (a load's own, with its TEMP tables), runs
    ``write`` on that cursor just before its COMMIT, so the change and its record land together or not at all: a
    full disk or a crash leaves neither. A transaction that rolls back (a load that reads the file again) leaves the
    record waiting for the next. The block refuses a second committed transaction and writes outside a transaction
    (``RuntimeError``: a programming error, which the tests of every change would show). ``committed`` on the
    returned object says whether the change wrote anything (a change with nothing to do records nothing).
    Blocks do not nest; each thread (each browser session) has its own.
    """
    if _pending.get() is not None:
        raise RuntimeError("committed_with blocks do not nest: one change, one record.")
    pending = PendingRecord(write)
    token = _pending.set(pending)
    try:
        yield pending
    finally:
        _pending.reset(token)
