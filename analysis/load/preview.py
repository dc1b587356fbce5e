"""Looking before loading: the Data page's preview shows what a load of a file would do, writing nothing.

The preview (:func:`inspect_file`) and the load (``ingest.load_file``) make the same plan from the same file
(``analysis.load.planning``), so what the page shows is what the load does. The preview then converts the first
``PREVIEW_ROWS`` rows to count blanks, failures and case variants; the load counts them over every row.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from analysis.errors import StocktakeError
from analysis.load import checks, planning, reading, sources, wide
from analysis.load.convert import load_select_sql
from analysis.load.detect import ColumnProfile

log = logging.getLogger(__name__)

PREVIEW_ROWS = 100_000


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

    A table with one column per period is read as rows of Period and Value unless ``reshape`` is False; either way
    ``wide`` says what was found, so the page can offer the other way."""
    source = sources.open_source(path, source_name, sheet=sheet)
    layout = wide.find_wide(source.names) if source.file_format in ("csv", "excel") else None
    if reshape:
        wide.make_long(source)
    cur = con.cursor()
    try:
        sample, plan = planning.sample_and_plan(cur, source, kind=kind, types=types, roles=None, date_order=date_order)
        relation, params = planning.relation_for(source, limit=max_rows)
        cur.execute("DROP TABLE IF EXISTS reject_errors")
        cur.execute("DROP TABLE IF EXISTS reject_scans")
        try:
            reading.create_converted(cur, "preview_rows", load_select_sql(plan, relation), params, plan, temporary=True)
        except duckdb.Error:
            log.warning("preview of %s failed", path, exc_info=True)
            raise StocktakeError(f"'{source.source_name}' could not be read as a table: check that it is a CSV, "
                                 "Excel or Parquet export with a header row.") from None
        if source.total_line and source.file_format == "csv":
            rejected_total = any((line[3] or "").strip() == source.total_line.strip()
                                 for line in reading.reader_rejects(cur, plan))
            last_read = not max_rows or cur.execute("SELECT count(*) FROM preview_rows").fetchone()[0] < max_rows
            if last_read and not rejected_total:
                reading.drop_total_row(cur, "preview_rows")
        counts = checks.preview_counts(cur, "preview_rows", plan, source)
        first_rows = pd.DataFrame({name: sample[name][:20] for name in source.names})
        rows_read = counts.rows + counts.blank_rows
        return FilePreview(
            source_name=source.source_name, file_format=source.file_format, encoding=source.encoding,
            delimiter=source.delimiter, sheet=source.sheet, sheets=source.sheets, rows_read=rows_read,
            complete=not max_rows or rows_read < max_rows, date_order=plan.date_order,
            date_order_reason=plan.date_order_reason, columns=plan.columns, sample=first_rows,
            problems=checks.problem_sentences(plan, counts, source), malformed_rows=len(counts.reader_rejects),
            blank_rows=counts.blank_rows, notes=list(source.notes), wide=layout, reshaped=source.wide is not None,
            layout_notes=list(source.layout_notes), repeated_ids=plan.repeated_ids,
            exact_duplicates=plan.exact_duplicates,
        )
    finally:
        try:
            cur.execute("DROP TABLE IF EXISTS preview_rows")
        except duckdb.Error:
            pass
        cur.close()
        source.close()
