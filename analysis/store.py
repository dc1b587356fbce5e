"""The DuckDB store: one file on disk holding every dataset, and the catalogue that describes them.

Everything Stocktake knows lives in one DuckDB file (``data/stocktake.duckdb``, or ``$STOCKTAKE_DB``). Each loaded
dataset is one table ``ds_<name>``; the catalogue tables say what kind it is, where it came from, when it was loaded,
how many rows it has, its version (bumped on every load or role change, so caches keyed on it go stale) and the
role of each column.

Rules every module follows:
- every table or column name that enters SQL goes through :func:`quote_identifier`;
- every value is a bound parameter (``?``), never pasted into SQL;
- queries run on a fresh cursor of the process's one connection (:func:`query_df`), because DuckDB 2.0 refuses
  concurrent use of one connection ("connection is busy") and Streamlit serves each browser session on its own thread.
"""

from __future__ import annotations

import functools
import os
from contextvars import ContextVar
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import duckdb
import pandas as pd

from analysis.errors import StocktakeError
from analysis.roles import KINDS, ROLES_BY_KIND, check_role_types

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_PATH = PROJECT_ROOT / "data" / "stocktake.duckdb"

DATASETS_TABLE = "stocktake_datasets"
COLUMNS_TABLE = "stocktake_columns"
VERSION_SEQUENCE = "stocktake_version_seq"

_DATASET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _\-]{0,59}$")


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # "date", "timestamp", "number", "integer" or "text"
    role: str | None = None
    # For a date column holding periods: "day", "week", "month", "quarter", "financial_year" or "year" (each value is
    # the period's first day); None when not known.
    grain: str | None = None


@dataclass(frozen=True)
class Dataset:
    """One catalogue entry."""

    name: str
    kind: str
    table: str
    source_file: str
    loaded_at: datetime
    row_count: int
    version: int
    columns: tuple[Column, ...] = field(default_factory=tuple)

    @property
    def roles(self) -> dict[str, str]:
        """Role -> column name, for the columns that have a role."""
        return {c.role: c.name for c in self.columns if c.role}

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise StocktakeError(f"Dataset '{self.name}' has no column '{name}'.")

    def as_dict(self) -> dict[str, Any]:
        """The catalogue entry as the CLI's --json prints it."""
        return {
            "dataset": self.name,
            "kind": self.kind,
            "table": self.table,
            "source_file": self.source_file,
            "loaded_at": self.loaded_at.isoformat(timespec="seconds") if self.loaded_at else None,
            "rows": self.row_count,
            "version": self.version,
            "columns": [{"name": c.name, "type": c.type, "role": c.role, "grain": c.grain} for c in self.columns],
        }


def quote_identifier(name: str) -> str:
    """Quote a table or column name for DuckDB: double any double quote and wrap in double quotes.

    The only way a name enters SQL anywhere in Stocktake, so a header like ``IncidentNotionalCost(£)`` or
    ``Robert"); DROP TABLE`` is always just a name.
    """
    return '"' + str(name).replace('"', '""') + '"'


def default_db_path() -> Path:
    """``$STOCKTAKE_DB`` if set, else ``data/stocktake.duckdb`` in the project."""
    env = os.environ.get("STOCKTAKE_DB")
    return _resolved(env) if env else DEFAULT_DB_PATH


@functools.lru_cache(maxsize=64)
def _resolved(path: str) -> Path:
    # Every cached figure's key names the store file: resolving the path (a system call per part of it) on each of
    # a page run's dozens of calls was 2% of the server's CPU with a room of people.
    return Path(path).expanduser().resolve()


def open_store(path: str | os.PathLike | None = None, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the Stocktake database file and make sure the catalogue exists.

    A DuckDB file has one writer process. When another process holds it (usually the running app), this raises a
    StocktakeError that says so and what to do, instead of DuckDB's lock message.
    """
    db_path = Path(path).expanduser().resolve() if path else default_db_path()
    if read_only and not db_path.exists():
        raise StocktakeError(f"There is no Stocktake database at {db_path}. Load a file or run 'python -m data.demo'.")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(db_path), read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise StocktakeError(
                f"The Stocktake database is open in another program{_lock_holder(str(exc))}, probably the running app "
                "or a load from the command line. A DuckDB file has one writer: stop the other program and try again, "
                "or load the file from the app's Data page."
            ) from None
        raise StocktakeError(f"Could not open the Stocktake database {db_path}: {exc}") from None
    if not read_only:
        ensure_catalogue(con)
    return con


def _lock_holder(message: str) -> str:
    """' (python3.11)': the program DuckDB says holds the lock, by its name only. The sentence may reach a page, so it
    carries neither the store's path nor a process number (they tell a visitor how the server is laid out)."""
    held = re.search(r"lock is held in (.+?)(?: \(PID \d+\))?(?: by user|\. See|$)", message)
    program = os.path.basename(held.group(1).strip().strip('"')) if held else ""
    return f" ({program})" if program else ""


def ensure_catalogue(con: duckdb.DuckDBPyConnection) -> None:
    """Create the catalogue tables if this is a new file. Idempotent."""
    cur = con.cursor()
    try:
        cur.execute(f"CREATE SEQUENCE IF NOT EXISTS {quote_identifier(VERSION_SEQUENCE)}")
        cur.execute(
            f"""CREATE TABLE IF NOT EXISTS {quote_identifier(DATASETS_TABLE)} (
                dataset VARCHAR NOT NULL, kind VARCHAR NOT NULL, table_name VARCHAR NOT NULL,
                source_file VARCHAR, loaded_at TIMESTAMP, row_count BIGINT, version BIGINT)"""
        )
        cur.execute(
            f"""CREATE TABLE IF NOT EXISTS {quote_identifier(COLUMNS_TABLE)} (
                dataset VARCHAR NOT NULL, position INTEGER NOT NULL, name VARCHAR NOT NULL,
                type VARCHAR NOT NULL, role VARCHAR, grain VARCHAR)"""
        )
        # Stores made before periods had grains.
        cur.execute(f"ALTER TABLE {quote_identifier(COLUMNS_TABLE)} ADD COLUMN IF NOT EXISTS grain VARCHAR")
    finally:
        cur.close()


# Lists that every query run through this module is appended to, while a recording_queries() block is open.
_recordings: list[list[str]] = []


@contextmanager
def recording_queries() -> Iterator[list[str]]:
    """The SQL of every query run through this module (any thread) while the block runs: how the tests see which
    figures a rerun worked out again, and which it took from the cache."""
    seen: list[str] = []
    _recordings.append(seen)
    try:
        yield seen
    finally:
        _recordings.remove(seen)


def _record(sql: str) -> None:
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


# Held while a settings table is created (see create_if_missing).
_CREATING = threading.Lock()


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(query_rows(con, "SELECT 1 FROM duckdb_tables() WHERE table_name = ? AND schema_name = 'main' "
                                "AND NOT temporary", [table]))


def create_if_missing(con: duckdb.DuckDBPyConnection, table: str, *statements: str) -> None:
    """Run ``statements`` (``CREATE … IF NOT EXISTS``, the last one creating ``table``) unless ``table`` is there.

    Pages create their settings tables the first time they read them. Two sessions served at once may both find the
    table missing, and DuckDB refuses the second creation as a write-write conflict on the catalogue; so creations
    in this process take turns (a DuckDB file has one writing process), and the second finds the table made. Checking
    first also keeps a plain read from writing to the catalogue on every rerun.
    """
    if table_exists(con, table):
        return
    with _CREATING:
        if table_exists(con, table):
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


def validate_dataset_name(name: str) -> str:
    """Check a dataset name a user typed and return it trimmed."""
    name = (name or "").strip()
    if not _DATASET_NAME.match(name):
        raise StocktakeError(
            f"'{name}' cannot be used as a dataset name: use 1 to 60 letters, digits, spaces, '-' or '_', "
            "starting with a letter or digit."
        )
    return name


def table_name_for(dataset: str) -> str:
    """The table that holds a dataset: ``ds_`` and the name in lower case with runs of other characters as ``_``."""
    return "ds_" + re.sub(r"[^a-z0-9]+", "_", dataset.lower()).strip("_")


def next_version(cur: duckdb.DuckDBPyConnection) -> int:
    return int(cur.execute(f"SELECT nextval('{VERSION_SEQUENCE}')").fetchone()[0])


def list_datasets(con: duckdb.DuckDBPyConnection, kind: str | None = None) -> list[Dataset]:
    """Every catalogue entry (optionally of one kind), newest load first."""
    where, params = ("WHERE kind = ?", [kind]) if kind else ("", [])
    entries = query_rows(
        con,
        f"""SELECT dataset, kind, table_name, source_file, loaded_at, row_count, version
            FROM {quote_identifier(DATASETS_TABLE)} {where} ORDER BY loaded_at DESC, dataset""",
        params,
    )
    # A store opened read-only may predate the grain column (ensure_catalogue adds it when a store is opened to write).
    has_grain = query_rows(con, "SELECT count(*) FROM duckdb_columns() WHERE table_name = ? AND column_name = 'grain'",
                           [COLUMNS_TABLE])[0][0]
    columns = query_rows(
        con,
        f"SELECT dataset, name, type, role, {'grain' if has_grain else 'NULL'} FROM {quote_identifier(COLUMNS_TABLE)} "
        "ORDER BY dataset, position",
    )
    by_dataset: dict[str, list[Column]] = {}
    for dataset, name, type_, role, grain in columns:
        by_dataset.setdefault(dataset, []).append(Column(name, type_, role, grain))
    return [
        Dataset(d, k, t, s, l, int(r or 0), int(v or 0), tuple(by_dataset.get(d, [])))
        for d, k, t, s, l, r, v in entries
    ]


def catalogue_stamp(con: duckdb.DuckDBPyConnection) -> tuple[int, int, int]:
    """A fingerprint of the catalogue that changes with every load, role change and delete (each gives a dataset a
    new version from the sequence, or removes one): one small query, so a reader can keep the catalogue until then."""
    count, total, newest = query_rows(
        con, f"SELECT count(*), coalesce(sum(version), 0), coalesce(max(version), 0) FROM {quote_identifier(DATASETS_TABLE)}")[0]
    return int(count), int(total), int(newest)


def get_dataset(con: duckdb.DuckDBPyConnection, name: str) -> Dataset:
    """The catalogue entry for one dataset, or a StocktakeError naming what exists."""
    for ds in list_datasets(con):
        if ds.name == name:
            return ds
    known = ", ".join(d.name for d in list_datasets(con)) or "none yet"
    raise StocktakeError(f"There is no dataset called '{name}'. Datasets loaded: {known}.")


def dataset_version(con: duckdb.DuckDBPyConnection, name: str) -> int:
    """A dataset's version, or 0 when there is no such dataset (a cache key for optional lookups)."""
    rows = query_rows(con, f"SELECT version FROM {quote_identifier(DATASETS_TABLE)} WHERE dataset = ?", [name])
    return int(rows[0][0] or 0) if rows else 0


def dataset_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    rows = query_rows(con, f"SELECT 1 FROM {quote_identifier(DATASETS_TABLE)} WHERE dataset = ?", [name])
    return bool(rows)


def write_catalogue_entry(
    cur: duckdb.DuckDBPyConnection,
    *,
    dataset: str,
    kind: str,
    table: str,
    source_file: str,
    row_count: int,
    columns: Sequence[Column],
) -> int:
    """Replace a dataset's catalogue rows. Runs on the caller's cursor, inside the caller's transaction."""
    if kind not in KINDS:
        raise StocktakeError(f"'{kind}' is not a dataset kind: use one of {', '.join(KINDS)}.")
    version = next_version(cur)
    cur.execute(f"DELETE FROM {quote_identifier(DATASETS_TABLE)} WHERE dataset = ?", [dataset])
    cur.execute(f"DELETE FROM {quote_identifier(COLUMNS_TABLE)} WHERE dataset = ?", [dataset])
    cur.execute(
        f"INSERT INTO {quote_identifier(DATASETS_TABLE)} VALUES (?, ?, ?, ?, ?, ?, ?)",
        [dataset, kind, table, source_file, datetime.now().replace(microsecond=0), int(row_count), version],
    )
    if columns:
        cur.execute(
            f"""INSERT INTO {quote_identifier(COLUMNS_TABLE)} (dataset, position, name, type, role, grain)
                SELECT ?, unnest(range(?)), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]),
                       unnest(?::VARCHAR[])""",
            [dataset, len(columns), [c.name for c in columns], [c.type for c in columns], [c.role for c in columns],
             [c.grain for c in columns]],
        )
    return version


def set_roles(con: duckdb.DuckDBPyConnection, dataset: str, roles: dict[str, str | None]) -> Dataset:
    """Set the role of some columns (column name -> role or None). A role held by another column moves here.

    Bumps the dataset's version so cached results built on the old roles are not reused.
    """
    ds = get_dataset(con, dataset)
    allowed = ROLES_BY_KIND[ds.kind]
    names = {c.name for c in ds.columns}
    for column, role in roles.items():
        if column not in names:
            raise StocktakeError(f"Dataset '{dataset}' has no column '{column}'.")
        if role and role not in allowed:
            raise StocktakeError(f"'{role}' is not a role for a {ds.kind} dataset: use one of {', '.join(allowed)}.")
    # A number as the date (a grid mis-click) would leave every page with "no usable dates": refused, with why.
    check_role_types(ds.kind, roles, {c.name: c.type for c in ds.columns})
    with transaction(con) as cur:
        for column, role in roles.items():
            if role:
                cur.execute(
                    f"UPDATE {quote_identifier(COLUMNS_TABLE)} SET role = NULL WHERE dataset = ? AND role = ? AND name <> ?",
                    [dataset, role, column],
                )
            cur.execute(
                f"UPDATE {quote_identifier(COLUMNS_TABLE)} SET role = ? WHERE dataset = ? AND name = ?",
                [role or None, dataset, column],
            )
        cur.execute(
            f"UPDATE {quote_identifier(DATASETS_TABLE)} SET version = ? WHERE dataset = ?", [next_version(cur), dataset]
        )
    return get_dataset(con, dataset)


def drop_derived_tables(cur: duckdb.DuckDBPyConnection, table: str) -> None:
    """Drop the tables worked out from a dataset's table (named ``<table>__…``: rejects, repeat-demand tables).

    They describe one version of the data, so they go whenever the table is replaced or deleted. Runs on the
    caller's cursor, inside its transaction.
    """
    derived = cur.execute(
        "SELECT table_name FROM duckdb_tables() WHERE starts_with(table_name, ?) AND NOT temporary", [f"{table}__"]
    ).fetchall()
    for (name,) in derived:
        cur.execute(f"DROP TABLE IF EXISTS {quote_identifier(name)}")


def delete_dataset(con: duckdb.DuckDBPyConnection, dataset: str) -> None:
    """Drop a dataset's table, the tables derived from it and its catalogue rows, in one transaction."""
    ds = get_dataset(con, dataset)
    with transaction(con) as cur:
        cur.execute(f"DROP TABLE IF EXISTS {quote_identifier(ds.table)}")
        drop_derived_tables(cur, ds.table)
        cur.execute(f"DELETE FROM {quote_identifier(DATASETS_TABLE)} WHERE dataset = ?", [dataset])
        cur.execute(f"DELETE FROM {quote_identifier(COLUMNS_TABLE)} WHERE dataset = ?", [dataset])


def rejects_table_for(table: str) -> str:
    """The table that keeps the rows rejected by a dataset's last load, for the download on the Data page."""
    return f"{table}__rejects"
