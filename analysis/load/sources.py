"""Step 2 of reading a file, sniff: the table inside an opened file, as DuckDB will read it (a :class:`Source`).

:func:`sniff_source` finds a text file's delimiter, its header line under any title rows and a totals row at the end
(from its first megabyte and pieces from across it: ``analysis.load.sniff``), a sheet's header row and its cells as
text, or a Parquet file's columns and types; cleans the headers; and refuses a table of more than ``MAX_COLUMNS``
columns at once. A :class:`Source` then says how to read every row (:meth:`Source.relation_sql`). A table with one
column per period is made long after this (``analysis.load.wide.make_long``); the plan is the next step
(``analysis.load.planning``).
"""

from __future__ import annotations

import gzip
import logging
import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import duckdb

from analysis.errors import StocktakeError
from analysis.load import encodings, workbook
from analysis.load.convert import raw_column
from analysis.load.detect import looks_like_excel_serial_dates
from analysis.load.files import OpenedFile
from analysis.load.sniff import HEAD_BYTES, TOTAL_ROW, sniff_table, spread_records, trailing_total
from analysis.store import quote_identifier

if TYPE_CHECKING:  # pandas is imported where it is used: the command line's load never needs it (half a second of CPU)
    import pandas as pd

log = logging.getLogger(__name__)

# Above this many columns a file is refused at once: a 5,000-column file is a report saved the wrong way round, and
# every page would be unusable with it. 2,000 columns load in a few seconds.
MAX_COLUMNS = 2_000
# Header names longer than this are shortened (the full name is kept in the load's notes).
MAX_NAME_LENGTH = 120
# DuckDB's longest line (its default); a longer one is a rejected line with its reason, not a failed load. Raising it
# raises DuckDB's read buffer with it, and the larger batches it reads made the commit's checkpoint rewrite the
# whole table (a second more at 1M rows).
MAX_LINE_BYTES = 2_097_152
# The name an Excel sheet's cells are registered under on the reading cursor (``analysis.load.planning``).
FRAME_NAME = "source_frame"


@dataclass(frozen=True)
class Source:
    """A table as Stocktake will read it. ``path`` is what DuckDB reads (a UTF-8 copy when one was needed)."""

    opened: OpenedFile = field(repr=False, compare=False)  # holds the copies made to read it, removed on close
    path: str
    source_name: str
    file_format: str  # "csv", "excel" or "parquet"
    names: list[str]  # cleaned column names, in file order
    source_types: list[str]  # DuckDB type of each column as the file gives it (VARCHAR but for Parquet)
    encoding: str | None = None
    compression: str | None = None
    delimiter: str | None = None
    skip: int = 0  # lines above the header (titles, blank lines)
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was guessed about the file, for the report
    total_line: str | None = None  # a totals row found at the end, left out of the data
    frame: pd.DataFrame | None = None  # Excel: the cells as text, registered on the reading cursor
    spread_rows: list[list[str]] = field(default_factory=list)  # CSV records from across the file
    size_bytes: int = 0
    raw_names: list[str] = field(default_factory=list)  # Parquet: the names as written in the file
    # A table with one column per period read as rows of Period and Value (analysis.load.wide): its layout, the CSV
    # reader's columns to turn into rows, and the sentence saying so.
    wide: object | None = None
    unpivot: object | None = None
    layout_notes: list[str] = field(default_factory=list)
    period_column: str | None = None  # the Period column a wide table's headers became

    def relation_sql(self, *, limit: int | None = None) -> tuple[str, list]:
        """The FROM item that reads every row (the first ``limit``), as columns ``c0``, ``c1``, … (text, or a Parquet
        file's own types), and its parameters. CSV lines DuckDB cannot read go to its reject tables on the same
        cursor, with their line numbers."""
        relation, params = self._reader()
        if limit:
            relation = f"(SELECT * FROM {relation} LIMIT {int(limit)})"
        return relation, params

    def _reader(self) -> tuple[str, list]:
        if self.file_format == "parquet":
            renamed = ", ".join(f"{quote_identifier(n)} AS {raw_column(i)}" for i, n in enumerate(self.raw_names))
            return f"(SELECT {renamed} FROM read_parquet(?))", [self.path]
        if self.file_format == "excel":
            return FRAME_NAME, []
        width = self.unpivot.width if self.unpivot is not None else len(self.names)
        columns = {f"c{i}": "VARCHAR" for i in range(width)}
        options = {"columns": columns, "header": True, "skip": self.skip, "delim": self.delimiter or ",",
                   "quote": '"', "escape": '"', "auto_detect": False, "ignore_errors": True, "store_rejects": True,
                   "null_padding": False,
                   "compression": self.compression or "none"}
        named = ", ".join(f"{key} = ?" for key in options)
        reader, params = f"read_csv(?, {named})", [self.path, *options.values()]
        if self.unpivot is None:
            return reader, params
        # One row per row and period with a value: the identity columns, the period's header (a bound list) and the
        # cell, unnested side by side.
        layout = self.unpivot
        kept = [f"c{i} AS c{k}" for k, i in enumerate(layout.identity)]
        k = len(layout.identity)
        cells = ", ".join(f"c{i}" for i, _ in layout.periods)
        select = ", ".join(kept + [f"unnest(?::VARCHAR[]) AS c{k}", f"unnest([{cells}]) AS c{k + 1}"])
        return (f"(SELECT * FROM (SELECT {select} FROM {reader}) WHERE nullif(trim(c{k + 1}), '') IS NOT NULL)",
                [[label for _, label in layout.periods], *params])


def read_as_cp1252(source: Source) -> Source:
    """The same table read line by line: each line as UTF-8 where it is, else as Windows-1252 (its sampled parts
    were UTF-8, but not all of it is). The copy is kept by the opened file; a note says which lines were not UTF-8."""
    origin, compressed = source.path, source.compression
    opener = (lambda: gzip.open(origin, "rb")) if compressed else (lambda: open(origin, "rb"))
    path, lines = encodings.transcode_by_line(opener)
    source.opened.temp_paths.append(path)
    return replace(source, path=path, compression=None, encoding=lines.encoding,
                   notes=[*source.notes, lines.note(source.source_name)])


def has_reject_table(cur: duckdb.DuckDBPyConnection) -> bool:
    """Whether a CSV read on ``cur`` left DuckDB's table of the lines it could not read."""
    return bool(cur.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = 'reject_errors'")
                .fetchone()[0])


def sniff_source(opened: OpenedFile) -> Source:
    """The table inside an opened file; a file with no table in it (blank lines only, no line breaks, too many
    columns, a header and no rows) gets one plain sentence."""
    if opened.file_format == "excel":
        return _sniff_sheet(opened)
    if opened.file_format == "parquet":
        return _sniff_parquet(opened)
    return _sniff_text(opened)


def clean_headers(names: list[str]) -> tuple[list[str], list[str]]:
    """Trim headers, collapse inner spaces, name blank ones 'column_N', number repeats ('Date (2)') and shorten
    very long ones. Returns (names, notes about what was changed)."""
    cleaned: list[str] = []
    notes: list[str] = []
    seen: set[str] = set()
    for position, raw in enumerate(names, start=1):
        name = re.sub(r"\s+", " ", str(raw or "").replace("\ufeff", "").replace("\x00", "")).strip()
        if len(name) > MAX_NAME_LENGTH:
            notes.append(f"The header of column {position} is {len(name):,} characters long: shortened to its first "
                         f"{MAX_NAME_LENGTH}.")
            name = name[:MAX_NAME_LENGTH].rstrip() + "…"
        name = name or f"column_{position}"
        base, n = name, 2
        while name.lower() in seen:
            name = f"{base} ({n})"
            n += 1
        seen.add(name.lower())
        cleaned.append(name)
    blank = [str(i) for i, raw in enumerate(names, start=1) if not str(raw or "").strip()]
    if blank:
        notes.append(f"Column(s) {', '.join(blank[:10])} have no header: named column_N.")
    return cleaned, notes


def _sniff_text(opened: OpenedFile) -> Source:
    """A text file's delimiter, header line (title rows above it skipped), totals row and records from across it."""
    head, base = opened.head, opened.source_name
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    if len(head) == HEAD_BYTES:
        if "\n" not in text and "\r" not in text:
            raise StocktakeError(f"'{base}' has no line break in its first megabyte, so it is not a table with one "
                                 "row per line: check that it is a CSV export.")
        text = text[: max(text.rfind("\n"), text.rfind("\r")) + 1]  # drop a partial last line
    sniffed = sniff_table(text)
    if sniffed is None:
        raise StocktakeError(f"'{base}' has only blank lines: there is nothing to load.")
    delimiter, skip, header = sniffed
    if len(header) > MAX_COLUMNS:
        raise StocktakeError(
            f"'{base}' has {len(header):,} columns; Stocktake reads at most {MAX_COLUMNS:,}. If each row of the "
            "report is a column (saved the wrong way round), transpose it in Excel first; otherwise remove the "
            "columns you do not need."
        )
    names, name_notes = clean_headers(header)
    notes = list(opened.notes)
    if skip:
        notes.append(f"The first {skip} line(s) above the header (titles, notes or blank lines) were skipped.")
    notes += name_notes
    total_line, spread_rows = None, []
    if not opened.compression:
        total_line = trailing_total(opened.path)
        spread_rows = spread_records(opened.path, delimiter, len(names), total_line)
    return Source(opened=opened, path=opened.path, source_name=base, file_format="csv", names=names,
                  source_types=["VARCHAR"] * len(names), encoding=opened.encoding, compression=opened.compression,
                  delimiter=delimiter, skip=skip, notes=notes, total_line=total_line, spread_rows=spread_rows,
                  size_bytes=opened.size_bytes)


def _sniff_parquet(opened: OpenedFile) -> Source:
    """A Parquet file's columns, with the names and types written in it (its schema, read by DuckDB)."""
    try:
        with duckdb.connect() as probe:
            described = probe.execute("DESCRIBE SELECT * FROM read_parquet(?)", [opened.path]).fetchall()
    except duckdb.Error:
        log.warning("could not read %s as Parquet", opened.path, exc_info=True)
        raise StocktakeError(f"'{opened.source_name}' could not be read as a Parquet file: it may be damaged. "
                             "Save the data again, or as CSV, and load that.") from None
    raw = [row[0] for row in described]
    names, notes = clean_headers(raw)
    return Source(opened=opened, path=opened.path, source_name=opened.source_name, file_format="parquet",
                  names=names, source_types=[row[1] for row in described], notes=list(opened.notes) + notes,
                  size_bytes=opened.size_bytes, raw_names=raw)


def _sniff_sheet(opened: OpenedFile) -> Source:
    """A sheet's header row (title rows above it skipped, merged header cells named), its totals row, and its cells
    as text (Excel day numbers as dates)."""
    import pandas as pd

    sheet_read, base = opened.sheet, opened.source_name
    rows, notes = sheet_read.rows, list(opened.notes)
    header_index = _excel_header_index(rows)
    header = [workbook.cell_text(c) or "" for c in rows[header_index]]
    # A header cell merged across several columns names each of them ('Address', 'Address (2)').
    for (start_row, start_col), (end_row, end_col) in sheet_read.merged:
        if start_row <= header_index <= end_row and start_col < len(header):
            for col in range(start_col + 1, min(end_col, len(header) - 1) + 1):
                if not header[col]:
                    header[col] = header[start_col]
    if header_index:
        notes.append(f"The first {header_index} row(s) above the header (titles or notes) were skipped.")
    chosen = sheet_read.sheet
    if len(header) > MAX_COLUMNS:
        raise StocktakeError(f"Sheet '{chosen}' of '{base}' has {len(header):,} columns; Stocktake reads at most "
                             f"{MAX_COLUMNS:,}. Remove the columns you do not need, or transpose a report saved the "
                             "wrong way round.")
    names, name_notes = clean_headers(header)
    notes += name_notes
    body = rows[header_index + 1:]
    total_line = None
    if len(body) > 1 and TOTAL_ROW.match(str(body[-1][0] or "")):
        total_line = ", ".join(workbook.cell_text(c) or "" for c in body[-1]).rstrip(", ")
        body = body[:-1]
    columns = {}
    for i, name in enumerate(names):
        values = [r[i] for r in body]
        if looks_like_excel_serial_dates(name, values):
            columns[f"c{i}"] = [workbook.serial_to_text(v) for v in values]
            example = next(v for v in values if v is not None)
            notes.append(f"Column '{name}' holds Excel day numbers (such as {int(example):,}): read as dates.")
        else:
            columns[f"c{i}"] = [workbook.cell_text(v) for v in values]
    frame = pd.DataFrame(columns, dtype=object)
    if frame.empty:
        raise StocktakeError(f"Sheet '{chosen}' of '{base}' has a header but no rows of data: there is nothing to "
                             "load.")
    return Source(opened=opened, path=opened.path, source_name=base, file_format="excel", names=names,
                  source_types=["VARCHAR"] * len(names), sheet=chosen, sheets=sheet_read.sheets, notes=notes,
                  total_line=total_line, frame=frame, size_bytes=opened.size_bytes)


def _excel_header_index(rows: list[list]) -> int:
    """The first row as wide as the table with most cells filled: rows above it are titles."""
    widths = [sum(1 for c in r if c not in (None, "")) for r in rows[:50]]
    data_width = max(set(widths[len(widths) // 5:] or widths), key=lambda w: (widths.count(w), w))
    for i, w in enumerate(widths):
        if w >= max(1, data_width // 2, min(data_width, 2)):
            return i
    return 0
