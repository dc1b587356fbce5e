"""Loading: a file or a frame becomes a typed table in the store, atomically, with a report of what was done.

A file is read in six steps, each a function of the one before, as :func:`load_file` shows:

1. open (``files.open_file``): what the file really is, its text as UTF-8 -> ``OpenedFile``;
2. sniff (``sources.sniff_source``): the table inside (delimiter, header, sheet, totals row; made long when it has one
   column per period: ``wide.make_long``) -> ``Source``;
3. plan (``planning.plan_read``): a sample decides each column's type, the date order and the roles -> ``Planned``;
4. read and convert (``reading.read_rows``): one streaming ``CREATE TABLE … AS SELECT`` converts every row straight
   from DuckDB's reader into a staging table, with a reason column that is NULL for good rows -> ``Converted``;
5. check (``checks.check_rows``): rejected rows set aside, case variants, spans, repeated ids and totals found, the
   fixes asked for made, the warnings written -> ``Checked``;
6. swap in (``commit.swap_in``): the staging table becomes the dataset's table, the catalogue is written -> ``Swapped``.

Steps 4 to 6 are one DuckDB transaction, so a failure or a killed process leaves the previous version of every
dataset exactly as it was. When the rows disagree with the sample (a Windows-1252 byte after the first megabyte, a
column that is mostly not numbers after all) step 4 says so (``reading.ReadAgain``) and steps 4 to 6 run again with
the corrected plan. The Data page's preview takes steps 1 to 4 on the first rows (``analysis.load.preview``). A frame
(the demo generator, a saved lookup) goes straight to the atomic write (:func:`load_frame`).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Sequence

import duckdb

from analysis import store
from analysis.errors import StocktakeError, unexpected_failure
from analysis.load import checks, commit, files, planning, reading, sources, wide
from analysis.load.convert import output_columns
from analysis.load.request import APPEND, REPLACE, LoadRequest, Progress, checked_request
from analysis.roles import RECORDS, check_roles
from analysis.store import Column, quote_identifier

if TYPE_CHECKING:  # pandas is imported where a frame is made: a load without rejects makes none, and the
    import pandas as pd  # command line's load then never pays the half second pandas takes to import

log = logging.getLogger(__name__)

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
    rejects_found: pd.DataFrame | None = None  # row number, reason, values (None: no rows were rejected)
    version: int = 0
    rows_blank: int = 0  # rows with every value blank: skipped, not loaded and not rejected
    timings: dict[str, float] = field(default_factory=dict)  # seconds per step, for the benchmark
    # Rows read and converted but left out, as asked (what -> how many): exact duplicates, multi-year spans.
    rows_left_out: dict[str, int] = field(default_factory=dict)
    rows_total: int = 0  # rows marked as totals of the others (kept, left out of sums)
    notes: list[str] = field(default_factory=list)  # what was done to the file's layout (a wide table made long)

    @property
    def rejects(self) -> pd.DataFrame:
        """The rejected rows shown (row number, reason, values): an empty frame when there were none."""
        if self.rejects_found is None:
            import pandas as pd

            return pd.DataFrame(columns=["row", "reason"])
        return self.rejects_found

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


def _no_progress(fraction: float, message: str) -> None:
    pass


def column_type_of(dtype) -> str:
    """Stocktake's type name for a pandas dtype."""
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "timestamp"
    if pd.api.types.is_bool_dtype(dtype):
        return "text"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "number"
    return "text"


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
        _, version = commit.commit_table(
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
    kind: str | None = "records",
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
    :class:`~analysis.load.checks.TooManyRejects` and writes nothing, unless ``accept_rejects``.

    A period column's multi-year spans are set apart in a column of their own (``single_years_only`` leaves their
    rows out instead); rows that repeat a record id are counted (``drop_duplicates`` leaves out exact copies); rows
    that are totals of the others are marked (``analysis.load.totals``); a table with one column per period is turned
    into Period and Value rows unless ``reshape`` is False (``analysis.load.wide``).

    ``kind`` None: the kind the Data page would guess (``preview.guess_kind``), decided from the same sample the load
    is planned from, so the file is sampled once; the report's ``kind`` says which.
    """
    guess = kind is None
    request = checked_request(dataset, kind=kind or RECORDS, mode=mode, types=types, roles=roles,
                              date_order=date_order, unify_case=unify_case, accept_rejects=accept_rejects,
                              reshape=reshape, single_years_only=single_years_only, drop_duplicates=drop_duplicates)
    say = progress or _no_progress
    timings: dict[str, float] = {}
    started = time.perf_counter()
    say(0.02, f"Looking at {source_name or os.path.basename(str(path))}")
    with files.open_file(path, source_name, sheet=sheet) as opened:
        source = sources.sniff_source(opened)
        if request.reshape:
            source = wide.make_long(source)
        cur = con.cursor()
        try:
            planned = planning.plan_read(cur, source, kind=request.kind, types=request.types,
                                         roles=None if guess else request.roles, date_order=request.date_order)
            if guess:
                request, planned = _guessed(con, path, sheet, request, planned)
            target = commit.target_for(con, request.dataset, request.mode,
                                       [Column(n, t) for n, t, _, _ in output_columns(planned.plan)])
            timings["open, sniff and plan from a sample"] = time.perf_counter() - started
            for _ in range(MAX_READS):
                try:
                    return _read_check_and_swap_in(con, cur, planned, target, request, say, timings)
                except reading.ReadAgain as again:
                    planned = again.planned
            raise StocktakeError(f"'{source.source_name}' reads differently every time: save it again from the "
                                 "program that made it and load the new copy.")
        except duckdb.Error:
            raise unexpected_failure(log, f"loading '{source.source_name}' (nothing was changed)") from None
        finally:
            for temp in ("reject_errors", "reject_scans"):
                try:
                    cur.execute(f"DROP TABLE IF EXISTS {temp}")
                except duckdb.Error:
                    pass
            cur.close()


def _guessed(con, path, sheet: str | None, request: LoadRequest,
             planned: planning.Planned) -> tuple[LoadRequest, planning.Planned]:
    """The request and plan for the kind guessed from the plan's sample (planned as records, with suggested roles)."""
    from analysis.load import preview  # the preview module reads rows for the rare guess that needs them

    kind = preview.kind_from_sample(planned.plan.columns) or preview.guess_kind(
        con, path, sheet=sheet, date_order=request.date_order, types=request.types or None, reshape=request.reshape)
    if kind == request.kind and request.roles is None:
        return request, planned
    request = dataclasses.replace(request, kind=kind)
    return request, planning.plan_again(planned, kind=kind, types=request.types, roles=request.roles,
                                        date_order=request.date_order)


def _read_check_and_swap_in(con, cur, planned: planning.Planned, target: commit.Target, request: LoadRequest,
                            say: Progress, timings: dict[str, float]) -> LoadReport:
    """Steps 4 to 6, in one transaction: every row read and converted, checked, and swapped in."""
    lap = time.perf_counter()

    def timed(step: str) -> None:
        nonlocal lap
        now = time.perf_counter()
        timings[step] = timings.get(step, 0.0) + now - lap
        lap = now

    source = planned.source
    size = f"{source.size_bytes / 1e6:,.0f} MB" if source.size_bytes >= 1e6 else "the file"
    say(0.1, f"Reading, converting and checking every row of {size}")
    with store.transaction(con, cur):
        # Whatever was worked out from the old rows (rejects, repeat-demand tables) no longer describes the data.
        store.drop_derived_tables(cur, target.table)
        converted = reading.read_rows(cur, planned, target.staging)
        reading.check_agreement(cur, converted, request.forced)
        timed("read and convert every row")
        say(0.6, "Counting and setting rejected rows aside")
        checked = checks.check_rows(cur, converted, target, request, say)
        timed("check the rows")
        say(0.9, "Writing to the database")
        swapped = commit.swap_in(cur, target, kind=request.kind, source_file=source.source_name,
                                 columns=checked.columns)
        timed("swap in and catalogue")
    timed("commit")
    return _report(con, cur, target, request, checked, swapped, timings, say)


def _report(con, cur, target: commit.Target, request: LoadRequest, checked: checks.Checked, swapped: commit.Swapped,
            timings: dict[str, float], say: Progress) -> LoadReport:
    converted = checked.converted
    shown = (cur.execute(f"SELECT * FROM {quote_identifier(target.rejects_table)} LIMIT {REJECTS_SHOWN}").df()
             if checked.rows_rejected else None)
    say(1.0, "Loaded")
    columns = list(store.get_dataset(con, target.dataset).columns) if request.mode == APPEND else checked.columns
    loaded = converted.rows - converted.rejected - sum(checked.rows_left_out.values())
    return LoadReport(target.dataset, request.kind, target.table, loaded, checked.rows_rejected, columns,
                      checked.warnings, shown, swapped.version, rows_blank=converted.blank, timings=dict(timings),
                      rows_left_out=checked.rows_left_out, rows_total=checked.rows_total,
                      notes=list(converted.planned.source.layout_notes))


def rejected_rows(con: duckdb.DuckDBPyConnection, dataset: str) -> pd.DataFrame:
    """The rows rejected by a dataset's last load (empty if none), for download."""
    ds = store.get_dataset(con, dataset)
    table = store.rejects_table_for(ds.table)
    exists = store.query_rows(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [table])[0][0]
    if not exists:
        import pandas as pd

        return pd.DataFrame(columns=["row", "reason"])
    return store.query_df(con, f"SELECT * FROM {quote_identifier(table)}")
