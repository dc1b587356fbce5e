"""Loading: a file or a frame becomes a typed table in the store, atomically, with a report of what was rejected.

Every way in (a file from the Data page or the CLI, a frame from the demo generator) ends in one DuckDB transaction
that builds the new table as a staging table, swaps it in and writes the catalogue, so a failure or a killed process
leaves the previous version of every dataset exactly as it was.

A file is read once: the sample decides each column's type (``analysis.load.preview``), then one streaming
``CREATE TABLE … AS SELECT`` converts every column straight from DuckDB's reader (``analysis.load.convert``), with a
reason column that is NULL for good rows. The rows with a reason go to the rejects table; counts, case variants and
suspicious values are aggregates over the typed table (``analysis.load.checks``). When the whole file disagrees with its
sample (a Windows-1252 byte after the first megabyte, a column that is mostly not numbers after all) the load is
rolled back and read again with the corrected plan.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

import duckdb
import pandas as pd

from analysis import store
from analysis.load import checks, rejects, totals as totals_module, wide
from analysis.spend import checks as spend_checks
from analysis.load.convert import REASON_COLUMN, ReadPlan, load_select_sql, output_columns
from analysis.load.detect import (DATE, MAX_FAILURE_SHARE, MONTH_FIRST, TEXT, TIMESTAMP, TYPE_WORDS, date_order_votes,
                             looks_like_date)
from analysis.errors import StocktakeError, unexpected_failure
from analysis.load.preview import relation_for, sample_and_plan
from analysis.roles import KINDS, check_roles
from analysis.load.sources import Source, open_source
from analysis.store import Column, quote_identifier
from analysis.load.totals import TOTAL_ROLE

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]

REPLACE = "replace"
APPEND = "append"
# A load that would reject more than this share of the rows stops and asks first.
REJECT_SHARE_LIMIT = 0.5
REJECTS_SHOWN = 100_000
# Reads of a file whose later rows disagree with the sample (each read fixes what the last one found).
MAX_READS = 4


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
    rejects: pd.DataFrame = field(default_factory=pd.DataFrame)  # row number, reason, values
    version: int = 0
    rows_blank: int = 0  # rows with every value blank: skipped, not loaded and not rejected
    timings: dict[str, float] = field(default_factory=dict)  # seconds per step, for the benchmark
    # Rows read and converted but left out, as asked (what -> how many): exact duplicates, multi-year spans.
    rows_left_out: dict[str, int] = field(default_factory=dict)
    rows_total: int = 0  # rows marked as totals of the others (kept, left out of sums)
    notes: list[str] = field(default_factory=list)  # what was done to the file's layout (a wide table made long)

    def as_dict(self) -> dict:
        return {
            "dataset": self.dataset,
            "kind": self.kind,
            "table": self.table,
            "rows_loaded": self.rows_loaded,
            "rows_rejected": self.rows_rejected,
            "rows_blank": self.rows_blank,
            "rows_left_out": dict(self.rows_left_out),
            "rows_total": self.rows_total,
            "notes": list(self.notes),
            "columns": [{"name": c.name, "type": c.type, "role": c.role, "grain": c.grain} for c in self.columns],
            "warnings": list(self.warnings),
        }


class TooManyRejects(StocktakeError):
    """A load that would reject more than half the rows: nothing was written. Load again with
    ``accept_rejects=True`` to keep the rows that fit."""

    def __init__(self, message: str, rows_read: int, rows_rejected: int, first_reasons: list[str]):
        super().__init__(message)
        self.rows_read, self.rows_rejected, self.first_reasons = rows_read, rows_rejected, first_reasons


class _ReadAgain(Exception):
    """The whole file disagrees with its sample: roll back and read it again with the plan corrected."""

    def __init__(self, note: str | None = None):
        super().__init__(note)
        self.note = note


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


# ----- the atomic write, shared by every way in -----------------------------------------------------------------

def _existing_target(con, dataset: str, mode: str) -> store.Dataset | None:
    """The dataset being replaced or appended to (None for a new one); refuses a name that would share its table
    with another dataset, and an append to nothing."""
    table = store.table_name_for(dataset)
    existing = {d.name: d for d in store.list_datasets(con)}
    clash = [d for d in existing.values() if d.table == table and d.name != dataset]
    if clash:
        raise StocktakeError(
            f"The name '{dataset}' is too close to the existing dataset '{clash[0].name}': choose another name."
        )
    if mode == APPEND and dataset not in existing:
        raise StocktakeError(f"Cannot append to '{dataset}': there is no such dataset yet. Load it first.")
    return existing.get(dataset)


def _swap_in(cur, *, dataset: str, kind: str, source_file: str, staging: str, columns: list[Column], mode: str,
             existing: store.Dataset | None) -> tuple[int, int]:
    """Inside the caller's transaction: make ``staging`` the dataset's table (or add its rows) and write the
    catalogue. Returns (rows now in the dataset, catalogue version)."""
    table = store.table_name_for(dataset)
    if mode == APPEND:
        cur.execute(f"INSERT INTO {quote_identifier(table)} SELECT * FROM {quote_identifier(staging)}")
        cur.execute(f"DROP TABLE {quote_identifier(staging)}")
        # Roles may have been edited since the first load: keep them.
        columns = list(existing.columns)
    else:
        cur.execute(f"DROP TABLE IF EXISTS {quote_identifier(table)}")
        cur.execute(f"ALTER TABLE {quote_identifier(staging)} RENAME TO {quote_identifier(table)}")
    row_count = int(cur.execute(f"SELECT count(*) FROM {quote_identifier(table)}").fetchone()[0])
    version = store.write_catalogue_entry(cur, dataset=dataset, kind=kind, table=table, source_file=source_file,
                                          row_count=row_count, columns=columns)
    return row_count, version


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
) -> tuple[int, int]:
    """Write ``select_sql``'s rows as the dataset's table and update the catalogue, all in one transaction.

    ``select_sql`` must produce exactly ``columns`` in order. With ``mode="append"`` the rows are added to the
    existing table, whose columns must match. Returns (rows now in the dataset, catalogue version). Pass ``cursor``
    when the select reads TEMP tables or registered frames (they are visible only on the cursor that made them).
    """
    dataset = store.validate_dataset_name(dataset)
    existing = _existing_target(con, dataset, mode)
    if mode == APPEND:
        _check_append_columns(existing, columns)
    staging = f"{store.table_name_for(dataset)}__staging"
    with store.transaction(con, cursor) as cur:
        # Whatever was worked out from the old rows (rejects, repeat-demand tables) no longer describes the data.
        store.drop_derived_tables(cur, store.table_name_for(dataset))
        cur.execute(f"CREATE TABLE {quote_identifier(staging)} AS {select_sql}", params or [])
        return _swap_in(cur, dataset=dataset, kind=kind, source_file=source_file, staging=staging, columns=columns,
                        mode=mode, existing=existing)


def _check_append_columns(existing: store.Dataset, columns: list[Column]) -> None:
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
    check_roles(kind, roles, list(frame.columns))
    columns = [Column(str(name), column_type_of(frame[name].dtype), roles.get(name)) for name in frame.columns]
    cur = con.cursor()
    try:
        cur.register("incoming_frame", frame)
        select_list = ", ".join(quote_identifier(c.name) for c in columns)
        _, version = commit_table(
            con, dataset=dataset, kind=kind, source_file=source_file,
            select_sql=f"SELECT {select_list} FROM incoming_frame", params=None, columns=columns, mode=mode,
            cursor=cur,
        )
    finally:
        cur.close()
    ds = store.get_dataset(con, store.validate_dataset_name(dataset))
    return LoadReport(ds.name, kind, ds.table, len(frame), 0, list(ds.columns), version=version)


# ----- files -----------------------------------------------------------------------------------------------------

def load_file(
    con: duckdb.DuckDBPyConnection,
    path: str | os.PathLike,
    *,
    dataset: str,
    kind: str = "records",
    mode: str = REPLACE,
    source_name: str | None = None,
    sheet: str | None = None,
    date_order: str | None = None,
    types: dict[str, str] | None = None,
    roles: dict[str, str | None] | None = None,
    unify_case: bool | Sequence[str] = False,
    accept_rejects: bool = False,
    progress: Progress | None = None,
    single_years_only: bool = False,
    drop_duplicates: bool = False,
    reshape: bool = True,
) -> LoadReport:
    """Load a CSV/TSV, Excel or Parquet file as a dataset, atomically.

    ``types`` and ``roles`` override what was detected (column -> type / role; roles=None means use the suggested
    ones). ``unify_case`` True (or a list of columns) rewrites case-variant spellings to each group's most used one.
    Rows whose values do not convert, or (for records) that have no date, are rejected with a reason each; rows with
    every value blank are skipped and counted. A load that would reject more than half the rows raises
    :class:`TooManyRejects` and writes nothing, unless ``accept_rejects``.

    A period column's multi-year spans are set apart in a column of their own (``single_years_only`` leaves their
    rows out instead); rows that repeat a record id are counted (``drop_duplicates`` leaves out exact copies); rows
    that are totals of the others are marked (``analysis.load.totals``); a table with one column per period is turned into
    Period and Value rows unless ``reshape`` is False (``analysis.load.wide``).
    """
    say = progress or _no_progress
    dataset = store.validate_dataset_name(dataset)
    if kind not in KINDS:
        raise StocktakeError(f"'{kind}' is not a dataset kind: use one of {', '.join(KINDS)}.")
    if mode not in (REPLACE, APPEND):
        raise StocktakeError(f"'{mode}' is not a load mode: use replace or append.")
    timings: dict[str, float] = {}
    started = time.perf_counter()
    say(0.02, f"Looking at {source_name or os.path.basename(str(path))}")
    source = open_source(path, source_name, sheet=sheet)
    if reshape:
        wide.make_long(source)
    cur = con.cursor()
    try:
        _, plan = sample_and_plan(cur, source, kind=kind, types=types, roles=roles, date_order=date_order)
        existing = _existing_target(con, dataset, mode)
        if mode == APPEND:
            _check_append_columns(existing, [Column(n, t) for n, t, _, _ in output_columns(plan)])
        timings["decide types from a sample"] = time.perf_counter() - started
        notes: list[str] = []
        for _ in range(MAX_READS):
            try:
                return _load_once(con, cur, source, plan, dataset=dataset, kind=kind, mode=mode,
                                  existing=existing, forced=set(types or {}), roles_given=roles is not None,
                                  unify_case=unify_case, accept_rejects=accept_rejects, say=say, timings=timings,
                                  notes=notes, single_years_only=single_years_only,
                                  drop_duplicates=drop_duplicates)
            except _ReadAgain as again:
                if again.note:
                    notes.append(again.note)
        raise StocktakeError(f"'{source.source_name}' reads differently every time: save it again from the program "
                             "that made it and load the new copy.")
    except duckdb.Error:
        raise unexpected_failure(log, f"loading '{source.source_name}' (nothing was changed)") from None
    finally:
        for temp in ("reject_errors", "reject_scans"):
            try:
                cur.execute(f"DROP TABLE IF EXISTS {temp}")
            except duckdb.Error:
                pass
        cur.close()
        source.close()


def _load_once(con, cur, source: Source, plan: ReadPlan, *, dataset: str, kind: str, mode: str,
               existing: store.Dataset | None, forced: set[str], roles_given: bool, unify_case, accept_rejects: bool,
               say: Progress, timings: dict, notes: list[str], single_years_only: bool = False,
               drop_duplicates: bool = False) -> LoadReport:
    table = store.table_name_for(dataset)
    staging = f"{table}__staging"
    relation, params = relation_for(source)
    for temp in ("reject_errors", "reject_scans"):
        cur.execute(f"DROP TABLE IF EXISTS {temp}")
    lap = time.perf_counter()

    def timed(step: str) -> None:
        nonlocal lap
        now = time.perf_counter()
        timings[step] = timings.get(step, 0.0) + now - lap
        lap = now

    size = f"{source.size_bytes / 1e6:,.0f} MB" if source.size_bytes >= 1e6 else "the file"
    say(0.1, f"Reading, converting and checking every row of {size}")
    with store.transaction(con, cur):
        store.drop_derived_tables(cur, table)
        checks.create_converted(cur, staging, load_select_sql(plan, relation), params, plan)
        timed("read, convert and check every row")
        lines = checks.reader_rejects(cur, plan)
        total_rejected = False
        if source.total_line:
            # The totals row is left out, not rejected (the reader may have refused it for its shape).
            kept = [line for line in lines if (line[3] or "").strip() != source.total_line.strip()]
            total_rejected, lines = len(kept) < len(lines), kept
        _read_again_if_reader_disagrees(lines, source)
        if source.total_line and source.file_format == "csv" and not total_rejected:
            checks.drop_total_row(cur, staging)
        checks.settle(cur, staging, plan)
        say(0.6, "Counting and setting rejected rows aside")
        rows, blank, rejected, failures = checks.reason_summary(cur, staging, plan)
        counts = checks.column_counts(cur, staging, plan, where=checks.NOT_BLANK_ROWS)
        checks.apply_counts(plan, counts, failures)
        _read_again_if_columns_disagree(cur, staging, plan, forced)
        rows_read = rows + len(lines)
        rows_rejected = rejected + len(lines)
        first = rejects.first_reasons(cur, staging, plan, lines) if rows_rejected else []
        if rows_rejected >= rows_read:
            reason = f" (first reason: {first[0]})" if first else ""
            raise StocktakeError(f"Every row of '{source.source_name}' was rejected, so nothing was loaded{reason}. "
                                 "Check the column types and the date column, then try again.")
        if rows_rejected > rows_read * REJECT_SHARE_LIMIT and not accept_rejects:
            raise TooManyRejects(
                f"{rows_rejected:,} of the {rows_read:,} rows of '{source.source_name}' would be rejected, more than "
                f"half, so nothing was loaded (first reasons: {'; '.join(first)}). Check the column types and the "
                "date column; to keep the rows that fit, confirm the load.",
                rows_read, rows_rejected, first)
        rejects_table = store.rejects_table_for(table)
        if rows_rejected:
            rejects.write_rejects(cur, staging, rejects_table, plan, lines)
        if rejected or blank:
            cur.execute(f"DELETE FROM {quote_identifier(staging)} WHERE {REASON_COLUMN} IS NOT NULL")
        cur.execute(f"ALTER TABLE {quote_identifier(staging)} DROP COLUMN {REASON_COLUMN}")
        timed("set rejected rows aside")
        say(0.75, "Looking for spellings that differ only in case")
        checks.date_grains(cur, staging, plan)
        checks.case_variants(cur, staging, plan)
        # Fixes first, then the report: it describes the data as loaded (after merges), not as first read.
        unified = checks.unify_case(cur, staging, plan, unify_case)
        left_out: dict[str, int] = {}
        after = checks.set_spans_aside(cur, staging, plan, single_years_only, left_out)
        after += checks.repeated_ids(cur, staging, plan, drop_duplicates, left_out)
        ids = checks.check_suggested_ids(cur, staging, plan) if not roles_given else []
        columns = [Column(n, t, r, g) for n, t, r, g in output_columns(plan)
                   if n not in checks.dropped_columns(plan)]
        known = {c.name: c.distinct_values for c in plan.columns if c.distinct_values is not None}
        totals = _mark_totals(cur, staging, columns, kind, existing if mode == APPEND else None, known)
        if totals.column:
            columns.append(Column(totals.column, TEXT, TOTAL_ROLE))
        counted = checks.Counts(rows, blank, rejected, missing_dates=failures.get(-1, (0, []))[0])
        warnings = _warnings(plan, kind, notes, source, counted, lines)
        warnings += checks.value_warnings(cur, staging, plan, counts)
        warnings += unified + after + totals.sentences + ids + spend_checks.load_checks(
            cur, staging, plan, output_columns(plan), kind, existing if mode == APPEND else None, source.source_name)
        timed("counts, case variants and checks")
        say(0.9, "Writing to the database")
        _, version = _swap_in(cur, dataset=dataset, kind=kind, source_file=source.source_name, staging=staging,
                              columns=columns, mode=mode, existing=existing)
        timed("swap in and catalogue")
    timed("commit")
    shown = (cur.execute(f"SELECT * FROM {quote_identifier(rejects_table)} LIMIT {REJECTS_SHOWN}").df()
             if rows_rejected else pd.DataFrame(columns=["row", "reason"]))
    say(1.0, "Loaded")
    final_columns = list(store.get_dataset(con, dataset).columns) if mode == APPEND else columns
    return LoadReport(dataset, kind, table, rows - rejected - sum(left_out.values()), rows_rejected, final_columns,
                      warnings, shown, version, rows_blank=blank, timings=dict(timings), rows_left_out=left_out,
                      rows_total=totals.rows, notes=list(source.layout_notes))


def _mark_totals(cur, staging: str, columns: list[Column], kind: str, existing: store.Dataset | None,
                 known: dict[str, list[str]]) -> totals_module.TotalsFound:
    """Mark the total rows; an append keeps the dataset's own marker column (added empty when nothing is found, so
    the rows line up), and marks nothing in a dataset loaded without one."""
    if existing is not None:
        marker = existing.roles.get(TOTAL_ROLE)
        if not marker:
            return totals_module.TotalsFound()
        found = totals_module.mark_totals(cur, staging, [(c.name, c.type, c.role) for c in columns], kind=kind,
                                          known_values=known)
        if found.column is None:
            cur.execute(f"ALTER TABLE {quote_identifier(staging)} ADD COLUMN {quote_identifier(marker)} VARCHAR")
        elif found.column != marker:
            cur.execute(f"ALTER TABLE {quote_identifier(staging)} RENAME COLUMN {quote_identifier(found.column)} "
                        f"TO {quote_identifier(marker)}")
        found.column = None  # the catalogue keeps the dataset's own columns
        return found
    return totals_module.mark_totals(cur, staging, [(c.name, c.type, c.role) for c in columns], kind=kind,
                                     known_values=known)


def _read_again_if_reader_disagrees(lines, source: Source) -> None:
    """Bytes that are not UTF-8 after the sampled parts: read the file again as Windows-1252."""
    if source.encoding == "utf-8" and any("ENCODING" in kind or "UNICODE" in kind for _, kind, _, _ in lines):
        source.read_as_cp1252()
        raise _ReadAgain()  # the source notes which lines were Windows-1252


def _read_again_if_columns_disagree(cur, staging: str, plan: ReadPlan, forced: set[str]) -> None:
    """A column typed from its sample whose values mostly do not convert after all stays text; dates that only fail
    because they are month-first (when nothing in the sample settled the order) are read month-first."""
    again = None
    for col in plan.columns:
        if not col.failures or col.name in forced:
            continue
        if col.type in (DATE, TIMESTAMP) and "Nothing in the dates settles" in plan.date_order_reason \
                and any("{A}" in f for f in col.date_formats):
            day_first, month_first = date_order_votes(rejects.failed_values(cur, staging, plan, col.name))
            if month_first and not day_first:
                plan.date_order = MONTH_FIRST
                plan.date_order_reason = (f"Dates read month-first (US): {month_first:,} values such as 12/31 only "
                                          "make sense that way.")
                raise _ReadAgain()
        failed = col.failures
        if col.type in (DATE, TIMESTAMP) and not col.period_shapes:
            # Impossible dates written as dates (29/02/2023, or month-first among day-first) are rejected rows;
            # only values that are not dates at all say the column is not one.
            failed = sum(1 for v in rejects.failed_values(cur, staging, plan, col.name) if not looks_like_date(v))
        if failed > col.non_blank * MAX_FAILURE_SHARE:
            col.notes.append(f"looked like {TYPE_WORDS[col.type]} but {col.failures:,} of {col.non_blank:,} values "
                             "are not: kept as text")
            col.type, col.date_formats, col.period_shapes, col.grain = TEXT, [], [], None
            col.spans, col.span_column = 0, None
            again = _ReadAgain()
    if again:
        raise again


def _warnings(plan: ReadPlan, kind: str, notes: list[str], source: Source, counts: checks.Counts, lines) -> list[str]:
    warnings = list(source.notes) + list(notes)
    if any(c.type in (DATE, TIMESTAMP) and c.source_type == "VARCHAR" and any("{A}" in f for f in c.date_formats)
           for c in plan.columns):
        warnings.insert(0, plan.date_order_reason)
    counts.reader_rejects = [(line, reason, text) for line, _, reason, text in lines]
    warnings += checks.problem_sentences(plan, counts, source)
    if kind == "records" and plan.required_date is None:
        warnings.append("No column has the date role: the Explore pages need one. Set it on the Data page.")
    return warnings


def rejected_rows(con: duckdb.DuckDBPyConnection, dataset: str) -> pd.DataFrame:
    """The rows rejected by a dataset's last load (empty if none), for download."""
    ds = store.get_dataset(con, dataset)
    table = store.rejects_table_for(ds.table)
    exists = store.query_rows(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [table])[0][0]
    if not exists:
        return pd.DataFrame(columns=["row", "reason"])
    return store.query_df(con, f"SELECT * FROM {quote_identifier(table)}")
