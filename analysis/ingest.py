"""Loading: a file or a frame becomes a typed table in the store, atomically, with a report of what was rejected.

The commit step is shared by every way in (file from the Data page, file from the CLI, frame from the demo
generator): the new rows are written to a staging table and swapped in, with the catalogue, in one DuckDB
transaction, so a failure or a killed process leaves the previous version of the dataset exactly as it was.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable, Sequence

import duckdb
import pandas as pd

from analysis import store
from analysis.errors import StocktakeError
from analysis.roles import KINDS, ROLES_BY_KIND
from analysis.store import Column, quote_identifier

Progress = Callable[[float, str], None]

REPLACE = "replace"
APPEND = "append"

# Test hook: seconds to wait inside the load transaction just before COMMIT, so a test can kill the process there
# and check that the previous version survives. Never set in normal use.
_PAUSE_BEFORE_COMMIT_ENV = "STOCKTAKE_PAUSE_BEFORE_COMMIT"


@dataclass
class LoadReport:
    """What a load did, as the Data page shows it and the CLI prints it (``as_dict``)."""

    dataset: str
    kind: str
    table: str
    rows_loaded: int
    rows_rejected: int
    columns: list[Column]
    warnings: list[str] = field(default_factory=list)
    rejects: pd.DataFrame = field(default_factory=pd.DataFrame)  # row number, reason, raw values
    version: int = 0

    def as_dict(self) -> dict:
        return {
            "dataset": self.dataset,
            "kind": self.kind,
            "table": self.table,
            "rows_loaded": self.rows_loaded,
            "rows_rejected": self.rows_rejected,
            "columns": [{"name": c.name, "type": c.type, "role": c.role} for c in self.columns],
            "warnings": list(self.warnings),
        }


def _no_progress(fraction: float, message: str) -> None:
    pass


def column_type_of(dtype) -> str:
    """Stocktake's type name for a pandas dtype."""
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "timestamp"
    if pd.api.types.is_bool_dtype(dtype):
        return "text"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "number"
    return "text"


def _check_kind_and_roles(kind: str, roles: dict[str, str | None], column_names: Sequence[str]) -> None:
    if kind not in KINDS:
        raise StocktakeError(f"'{kind}' is not a dataset kind: use one of {', '.join(KINDS)}.")
    allowed = ROLES_BY_KIND[kind]
    seen: dict[str, str] = {}
    for column, role in roles.items():
        if not role:
            continue
        if column not in column_names:
            raise StocktakeError(f"A role was given for column '{column}', but the data has no such column.")
        if role not in allowed:
            raise StocktakeError(f"'{role}' is not a role for a {kind} dataset: use one of {', '.join(allowed)}.")
        if role in seen:
            raise StocktakeError(f"Columns '{seen[role]}' and '{column}' were both given the role '{role}': choose one.")
        seen[role] = column


def commit_table(
    con: duckdb.DuckDBPyConnection,
    *,
    dataset: str,
    kind: str,
    source_file: str,
    select_sql: str,
    params: Sequence | None,
    columns: list[Column],
    mode: str = REPLACE,
    rejects_sql: str | None = None,
    cursor: duckdb.DuckDBPyConnection | None = None,
) -> tuple[int, int]:
    """Write ``select_sql``'s rows as the dataset's table and update the catalogue, all in one transaction.

    ``select_sql`` must produce exactly ``columns`` in order. With ``mode="append"`` the rows are added to the
    existing table, whose columns must match. ``rejects_sql``, if given, produces the rejected rows, kept in the
    dataset's rejects table for download. Returns (rows now in the dataset, catalogue version).

    Pass ``cursor`` when the select reads TEMP tables or registered frames (they are visible only on the cursor that
    made them).
    """
    dataset = store.validate_dataset_name(dataset)
    table = store.table_name_for(dataset)
    staging = f"{table}__staging"
    cur = cursor or con.cursor()
    existing = {d.name: d for d in store.list_datasets(con)}
    clash = [d for d in existing.values() if d.table == table and d.name != dataset]
    if clash:
        raise StocktakeError(
            f"The name '{dataset}' is too close to the existing dataset '{clash[0].name}': choose another name."
        )
    if mode == APPEND:
        if dataset not in existing:
            raise StocktakeError(f"Cannot append to '{dataset}': there is no such dataset yet. Load it first.")
        _check_append_columns(existing[dataset], columns)
    try:
        cur.execute("BEGIN TRANSACTION")
        if mode == APPEND:
            cur.execute(f"INSERT INTO {quote_identifier(table)} {select_sql}", params or [])
        else:
            cur.execute(f"DROP TABLE IF EXISTS {quote_identifier(staging)}")
            cur.execute(f"CREATE TABLE {quote_identifier(staging)} AS {select_sql}", params or [])
            cur.execute(f"DROP TABLE IF EXISTS {quote_identifier(table)}")
            cur.execute(f"ALTER TABLE {quote_identifier(staging)} RENAME TO {quote_identifier(table)}")
        rejects_table = store.rejects_table_for(table)
        cur.execute(f"DROP TABLE IF EXISTS {quote_identifier(rejects_table)}")
        if rejects_sql:
            cur.execute(f"CREATE TABLE {quote_identifier(rejects_table)} AS {rejects_sql}")
        row_count = int(cur.execute(f"SELECT count(*) FROM {quote_identifier(table)}").fetchone()[0])
        if mode == APPEND:
            # Roles may have been edited since the first load: keep them.
            roles = existing[dataset].roles
            by_role = {name: role for role, name in roles.items()}
            columns = [Column(c.name, c.type, by_role.get(c.name)) for c in existing[dataset].columns]
        version = store.write_catalogue_entry(
            cur, dataset=dataset, kind=kind, table=table, source_file=source_file, row_count=row_count,
            columns=columns,
        )
        pause = float(os.environ.get(_PAUSE_BEFORE_COMMIT_ENV, "0") or 0)
        if pause:
            import time

            time.sleep(pause)
        cur.execute("COMMIT")
    except BaseException:
        # BaseException: a KeyboardInterrupt mid-load must roll back too.
        try:
            cur.execute("ROLLBACK")
        except duckdb.Error:
            pass
        raise
    finally:
        if cursor is None:
            cur.close()
    return row_count, version


def _check_append_columns(existing: store.Dataset, columns: list[Column]) -> None:
    old = [(c.name, c.type) for c in existing.columns]
    new = [(c.name, c.type) for c in columns]
    if old == new:
        return
    old_names = [n for n, _ in old]
    new_names = [n for n, _ in new]
    missing = [n for n in old_names if n not in new_names]
    extra = [n for n in new_names if n not in old_names]
    problems = []
    if missing:
        problems.append("missing " + ", ".join(f"'{n}'" for n in missing))
    if extra:
        problems.append("not in the dataset: " + ", ".join(f"'{n}'" for n in extra))
    retyped = [f"'{n}' ({dict(old)[n]} in the dataset, {t} in the file)" for n, t in new if n in dict(old) and dict(old)[n] != t]
    if retyped:
        problems.append("different types: " + ", ".join(retyped))
    if not problems and old_names != new_names:
        problems.append("the same columns in a different order")
    raise StocktakeError(
        f"Cannot append to '{existing.name}': the columns do not match ({'; '.join(problems)}). "
        "Load it as a new dataset, or use --replace."
    )


def load_frame(
    con: duckdb.DuckDBPyConnection,
    frame: pd.DataFrame,
    *,
    dataset: str,
    kind: str,
    roles: dict[str, str | None] | None = None,
    source_file: str = "(generated)",
    mode: str = REPLACE,
) -> LoadReport:
    """Load an already typed DataFrame as a dataset (the demo generator and tests use this).

    ``roles`` maps column name -> role. Dates should be datetime64 columns; they are stored as TIMESTAMP.
    """
    roles = roles or {}
    _check_kind_and_roles(kind, roles, list(frame.columns))
    columns = [Column(str(name), column_type_of(frame[name].dtype), roles.get(name)) for name in frame.columns]
    cur = con.cursor()
    try:
        cur.register("incoming_frame", frame)
        select_list = ", ".join(quote_identifier(c.name) for c in columns)
        rows, version = commit_table(
            con, dataset=dataset, kind=kind, source_file=source_file,
            select_sql=f"SELECT {select_list} FROM incoming_frame", params=None, columns=columns, mode=mode,
            cursor=cur,
        )
    finally:
        cur.close()
    ds = store.get_dataset(con, store.validate_dataset_name(dataset))
    return LoadReport(ds.name, kind, ds.table, len(frame), 0, list(ds.columns), version=version)
