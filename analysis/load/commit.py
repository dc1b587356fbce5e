"""Step 6 of a load, swap in, and the atomic write every way in ends with: the new rows built as a staging table,
swapped in, and the catalogue written, in one DuckDB transaction, so a failure or a killed process leaves the previous
version of every dataset exactly as it was. An append adds the rows to the dataset's table instead, once its columns
are checked to match (:func:`target_for`, before a file's rows are read).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple, Sequence

import duckdb

from analysis import store
from analysis.errors import StocktakeError
from analysis.load.request import APPEND, REPLACE
from analysis.load.totals import TOTAL_ROLE
from analysis.store import Column, quote_identifier


@dataclass(frozen=True)
class Target:
    """The dataset a load writes: its table, the staging table the new rows are built in, and the dataset as it is
    (None for a new one)."""

    dataset: str
    mode: str
    existing: store.Dataset | None

    @property
    def table(self) -> str:
        return store.table_name_for(self.dataset)

    @property
    def staging(self) -> str:
        return f"{self.table}__staging"

    @property
    def rejects_table(self) -> str:
        return store.rejects_table_for(self.table)

    @property
    def appended_to(self) -> store.Dataset | None:
        """The dataset the rows are added to (None for a replace or a new dataset)."""
        return self.existing if self.mode == APPEND else None


class Swapped(NamedTuple):
    """Step 6's result: the rows now in the dataset, and the catalogue's version of it."""

    rows: int
    version: int


def target_for(con, dataset: str, mode: str, columns: list[Column]) -> Target:
    """The dataset being replaced or appended to; refuses a name that would share its table with another dataset,
    an append to nothing, and an append whose ``columns`` (names and types, in order) do not match."""
    table = store.table_name_for(dataset)
    existing = {d.name: d for d in store.list_datasets(con)}
    clash = [d for d in existing.values() if d.table == table and d.name != dataset]
    if clash:
        raise StocktakeError(
            f"The name '{dataset}' is too close to the existing dataset '{clash[0].name}': choose another name."
        )
    if mode == APPEND and dataset not in existing:
        raise StocktakeError(f"Cannot append to '{dataset}': there is no such dataset yet. Load it first.")
    target = Target(dataset, mode, existing.get(dataset))
    if mode == APPEND:
        check_append_columns(target.existing, columns)
    return target


def swap_in(cur, target: Target, *, kind: str, source_file: str, columns: list[Column]) -> Swapped:
    """Step 6, inside the caller's transaction: make the staging table the dataset's table (or add its rows) and
    write the catalogue."""
    table, staging = quote_identifier(target.table), quote_identifier(target.staging)
    if target.mode == APPEND:
        cur.execute(f"INSERT INTO {table} SELECT * FROM {staging}")
        cur.execute(f"DROP TABLE {staging}")
        # Roles may have been edited since the first load: keep them.
        columns = list(target.existing.columns)
    else:
        cur.execute(f"DROP TABLE IF EXISTS {table}")
        cur.execute(f"ALTER TABLE {staging} RENAME TO {table}")
    row_count = int(cur.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    version = store.write_catalogue_entry(cur, dataset=target.dataset, kind=kind, table=target.table,
                                          source_file=source_file, row_count=row_count, columns=columns)
    return Swapped(row_count, version)


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
    cursor: duckdb.DuckDBPyConnection | None = None,
) -> Swapped:
    """Write ``select_sql``'s rows as the dataset's table and update the catalogue, all in one transaction.

    ``select_sql`` must produce exactly ``columns`` in order. With ``mode="append"`` the rows are added to the
    existing table, whose columns must match. Returns (rows now in the dataset, catalogue version). Pass ``cursor``
    when the select reads TEMP tables or registered frames (they are visible only on the cursor that made them).
    """
    target = target_for(con, store.validate_dataset_name(dataset), mode, columns)
    with store.transaction(con, cursor) as cur:
        # Whatever was worked out from the old rows (rejects, repeat-demand tables) no longer describes the data.
        store.drop_derived_tables(cur, target.table)
        cur.execute(f"CREATE TABLE {quote_identifier(target.staging)} AS {select_sql}", params or [])
        return swap_in(cur, target, kind=kind, source_file=source_file, columns=columns)


def check_append_columns(existing: store.Dataset, columns: list[Column]) -> None:
    # The marker of total rows is the loader's own column: an append marks the new rows in it.
    old = [(c.name, c.type) for c in existing.columns if c.role != TOTAL_ROLE]
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
    retyped = [f"'{n}' ({dict(old)[n]} in the dataset, {t} in the file)" for n, t in new
               if n in dict(old) and dict(old)[n] != t]
    if retyped:
        problems.append("different types: " + ", ".join(retyped))
    if not problems and old_names != new_names:
        problems.append("the same columns in a different order")
    raise StocktakeError(
        f"Cannot append to '{existing.name}': the columns do not match ({'; '.join(problems)}). "
        "Load it as a new dataset, or use --replace."
    )
