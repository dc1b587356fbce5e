"""The catalogue: every dataset in the store, its kind, source, row count, version and columns (name, type, role,
period grain); dataset names checked and turned into table names; roles set; datasets deleted with what was worked
out from them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Sequence

import duckdb

from analysis.errors import StocktakeError
from analysis.roles import KINDS, ROLES_BY_KIND, check_role_types
from analysis.store.sql import query_rows, quote_identifier, transaction

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
