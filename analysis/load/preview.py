"""Looking before loading: the Data page's preview shows what a load of a file would do, writing nothing.

The preview (:func:`inspect_file`) takes the load's first steps on the same file (open, sniff, plan, read and convert:
``analysis.load.ingest``), so what the page shows is what the load does, but converts only the first
``PREVIEW_ROWS`` rows, and counts blanks, failures, case variants, spans and repeated ids where the load acts on them.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import duckdb

from analysis.errors import StocktakeError
from analysis.load import checks, files, planning, reading, sources, wide
from analysis.load.detect import ColumnProfile
from analysis.load.suggest import suggest_kind
from analysis.spend.vocabulary import looks_like_spending

if TYPE_CHECKING:  # pandas is imported where it is used: the command line's load never needs it (half a second of CPU)
    import pandas as pd

log = logging.getLogger(__name__)

PREVIEW_ROWS = 100_000
PREVIEW_TABLE = "preview_rows"  # a TEMP table on the preview's own cursor


@dataclass
class FilePreview:
    """A file as Stocktake read it, before anything is written: shown on the Data page before loading."""

    source_name: str
    file_format: str
    encoding: str | None
    delimiter: str | None
    sheet: str | None
    sheets: list[str]
    rows_read: int
    complete: bool  # False when only the first PREVIEW_ROWS rows were read
    date_order: str
    date_order_reason: str
    columns: list[ColumnProfile]
    sample: pd.DataFrame
    problems: list[str]
    malformed_rows: int = 0
    blank_rows: int = 0
    notes: list[str] = field(default_factory=list)  # what was guessed about the file (title rows, encoding…)
    wide: object | None = None  # analysis.load.wide.WideLayout when the table has one column per period
    reshaped: bool = False  # True when the preview (and the load) read it as rows of Period and Value
    layout_notes: list[str] = field(default_factory=list)
    repeated_ids: int = 0  # rows repeating a record id, and how many are exact copies (in the rows read)
    exact_duplicates: int = 0

    def column(self, name: str) -> ColumnProfile:
        return next(c for c in self.columns if c.name == name)


def inspect_file(
    con: duckdb.DuckDBPyConnection,
    path: str | os.PathLike,
    *,
    kind: str = "records",
    source_name: str | None = None,
    sheet: str | None = None,
    date_order: str | None = None,
    types: dict[str, str] | None = None,
    max_rows: int | None = PREVIEW_ROWS,
    reshape: bool = True,
) -> FilePreview:
    """Read a file (the first ``max_rows`` rows) and say how Stocktake would load it. Writes nothing.

    The load's first steps (open, sniff, plan, read and convert), then what the rows say, nothing removed. A table
    with one column per period is read as rows of Period and Value unless ``reshape`` is False; either way ``wide``
    says what was found, so the page can offer the other way."""
    with files.open_file(path, source_name, sheet=sheet) as opened:
        source = sources.sniff_source(opened)
        layout = wide.find_wide(source.names) if source.file_format in ("csv", "excel") else None
        if reshape:
            source = wide.make_long(source)
        cur = con.cursor()
        try:
            planned = planning.plan_read(cur, source, kind=kind, types=types, roles=None, date_order=date_order)
            try:
                converted = reading.read_rows(cur, planned, PREVIEW_TABLE, limit=max_rows, temporary=True)
            except duckdb.Error:
                log.warning("preview of %s failed", path, exc_info=True)
                raise StocktakeError(f"'{source.source_name}' could not be read as a table: check that it is a CSV, "
                                     "Excel or Parquet export with a header row.") from None
            counts = what_the_rows_say(cur, converted)
            return _preview(converted, counts, layout, max_rows)
        finally:
            try:
                cur.execute(f"DROP TABLE IF EXISTS {PREVIEW_TABLE}")
            except duckdb.Error:
                pass
            cur.close()


def kind_from_sample(columns: list[ColumnProfile]) -> str | None:
    """The kind guessed from a plan's sampled columns (planned as records), or None when only the preview's rows can
    tell: spending is told by its headers, records by a column of times or by having no dates; only dates that may
    all be periods need their grain, and so the rows."""
    dated = [c for c in columns if c.type in ("date", "timestamp")]
    if looks_like_spending(columns) or not dated or any(c.type == "timestamp" for c in dated):
        return suggest_kind(columns)
    return None


def guess_kind(con: duckdb.DuckDBPyConnection, path: str | os.PathLike, *, sheet: str | None = None,
               date_order: str | None = None, types: dict[str, str] | None = None, reshape: bool = True) -> str:
    """The kind the Data page guesses for a file (``suggest_kind`` over its preview's columns), reading the preview's
    rows only when the sampled types leave it open (:func:`kind_from_sample`). The command line's guess, without
    reading 100,000 rows for the usual contact export (a load asked to guess, ``ingest.load_file(kind=None)``, plans
    from its sample once and calls this only when the rows are needed)."""
    with files.open_file(path, None, sheet=sheet) as opened:
        source = sources.sniff_source(opened)
        if reshape:
            source = wide.make_long(source)
        cur = con.cursor()
        try:
            columns = planning.plan_read(cur, source, kind="records", types=types, roles=None,
                                         date_order=date_order).plan.columns
        finally:
            cur.close()
    return kind_from_sample(columns) or suggest_kind(inspect_file(con, path, kind="records", sheet=sheet,
                                                                  date_order=date_order, types=types,
                                                                  reshape=reshape).columns)


def what_the_rows_say(cur: duckdb.DuckDBPyConnection, converted: reading.Converted) -> checks.Counts:
    """The load's checks over the preview's rows (kept with their reasons), counted into the plan's columns: what
    the load will set apart or could leave out is counted, nothing is removed."""
    table, plan = converted.table, converted.planned.plan
    checks.date_grains(cur, table, plan)
    checks.case_variants(cur, table, plan, where=reading.NOT_BLANK_ROWS)
    result = checks.Counts(rows=converted.rows, blank_rows=converted.blank, rejected=converted.rejected,
                           missing_dates=converted.failures.get(-1, (0, []))[0],
                           reader_rejects=[(line, reason, text) for line, _, reason, text in converted.lines])
    result.warnings = checks.value_warnings(cur, table, plan, converted.counts)
    result.warnings += checks.set_spans_aside(cur, table, plan, False, {})
    result.warnings += checks.repeated_ids(cur, table, plan, False, {})
    return result


def _preview(converted: reading.Converted, counts: checks.Counts, layout, max_rows: int | None) -> FilePreview:
    import pandas as pd

    source, sample, plan = converted.planned.source, converted.planned.sample, converted.planned.plan
    rows_read = counts.rows + counts.blank_rows
    return FilePreview(
        source_name=source.source_name, file_format=source.file_format, encoding=source.encoding,
        delimiter=source.delimiter, sheet=source.sheet, sheets=source.sheets, rows_read=rows_read,
        complete=not max_rows or rows_read < max_rows, date_order=plan.date_order,
        date_order_reason=plan.date_order_reason, columns=plan.columns,
        sample=pd.DataFrame({name: sample[name][:20] for name in source.names}),
        problems=checks.problem_sentences(plan, counts, source), malformed_rows=len(counts.reader_rejects),
        blank_rows=counts.blank_rows, notes=list(source.notes), wide=layout, reshaped=source.wide is not None,
        layout_notes=list(source.layout_notes), repeated_ids=plan.repeated_ids,
        exact_duplicates=plan.exact_duplicates,
    )
