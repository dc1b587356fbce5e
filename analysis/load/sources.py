"""Opening a file a user brought: what it really is, how its text is written, where its header is.

Councils' exports arrive as whatever their systems write: UTF-8 or Windows-1252, "Unicode text" (UTF-16, tab
separated) from Excel, gzip saved as ``.csv``, a workbook named ``.csv``, title rows above the header, a totals row at
the bottom. :func:`open_source` looks at the first bytes and lines (never the whole file, so a 10M-row file opens at
once), and either returns a :class:`Source` that says how DuckDB should read the file, or raises a StocktakeError with
one plain sentence. Files that DuckDB cannot read directly (UTF-16, Windows-1252, a CSV inside a zip) are rewritten
once as UTF-8 into the private upload folder (``analysis.load.uploads``: 0700, beside the store), and :meth:`Source.close`
removes the copy (the encodings themselves: ``analysis.load.encodings``).
"""

from __future__ import annotations

import gzip
import logging
import os
import re
import zipfile
from dataclasses import dataclass, field

import pandas as pd

from analysis.load import encodings, uploads, workbook
from analysis.load.sniff import (HEAD_BYTES, TOTAL_ROW, is_json, sniff_table, spread_chunks, spread_records,
                            trailing_total)
from analysis.load.detect import looks_like_excel_serial_dates
from analysis.errors import StocktakeError

log = logging.getLogger(__name__)

CSV_SUFFIXES = {".csv", ".tsv", ".txt", ".tab"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
PARQUET_SUFFIXES = {".parquet", ".pq"}

# Above this many columns a file is refused at once: a 5,000-column file is a report saved the wrong way round, and
# every page would be unusable with it. 2,000 columns load in a few seconds.
MAX_COLUMNS = 2_000
# Header names longer than this are shortened (the full name is kept in the load's notes).
MAX_NAME_LENGTH = 120
# DuckDB's longest line (its default); a longer one is a rejected line with its reason, not a failed load. Raising it
# raises DuckDB's read buffer with it, and the larger batches it reads made the commit's checkpoint rewrite the
# whole table (a second more at 1M rows).
MAX_LINE_BYTES = 2_097_152

_MAGIC = [
    (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"), (b"{\\rtf", "a Word (RTF) document"),
]


@dataclass
class Source:
    """A file as Stocktake will read it. ``path`` is what DuckDB reads (a UTF-8 copy when one was needed)."""

    path: str
    source_name: str
    file_format: str  # "csv", "excel" or "parquet"
    names: list[str]  # cleaned column names, in file order
    encoding: str | None = None
    compression: str | None = None
    delimiter: str | None = None
    skip: int = 0  # lines above the header (titles, blank lines)
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was guessed about the file, for the report
    total_line: str | None = None  # a totals row found at the end, left out of the data
    frame: pd.DataFrame | None = None  # Excel: the cells as text, registered on the loading cursor
    spread_rows: list[list[str]] = field(default_factory=list)  # CSV records from across the file
    temp_paths: list[str] = field(default_factory=list)
    size_bytes: int = 0
    source_types: list[str] = field(default_factory=list)  # DuckDB type of each column as the file gives it
    raw_names: list[str] = field(default_factory=list)  # Parquet: the names as written in the file
    # A table with one column per period read as rows of Period and Value (analysis.load.wide): its layout, the CSV
    # reader's columns to turn into rows, and the sentence saying so.
    wide: object | None = None
    unpivot: object | None = None
    layout_notes: list[str] = field(default_factory=list)
    period_column: str | None = None  # the Period column a wide table's headers became

    def read_as_cp1252(self) -> None:
        """Read the file line by line from now on: each line as UTF-8 where it is, else as Windows-1252 (its sampled
        parts were UTF-8, but not all of it is). Adds a note saying which lines were not UTF-8."""
        origin, compressed = self.path, self.compression
        opener = (lambda: gzip.open(origin, "rb")) if compressed else (lambda: open(origin, "rb"))
        self.path, lines = encodings.transcode_by_line(opener)
        self.temp_paths.append(self.path)
        self.compression = None
        self.encoding = lines.encoding
        self.notes.append(lines.note(self.source_name))

    def close(self) -> None:
        for temp in self.temp_paths:
            try:
                os.unlink(temp)
            except OSError:
                pass
        self.temp_paths = []

    def relation_sql(self, *, frame_name: str = "source_frame") -> tuple[str, list]:
        """The FROM item that reads every row, every column as text (``c0``, ``c1``, …), and its parameters. CSV
        lines DuckDB cannot read go to its reject tables on the same cursor, with their line numbers."""
        if self.file_format == "excel":
            return frame_name, []
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


def file_format_of(path: str | os.PathLike, source_name: str | None = None) -> str:
    """'csv', 'excel' or 'parquet' from the file's name (the content may still say otherwise: see open_source)."""
    name = str(source_name or path)
    stem, suffix = os.path.splitext(name.lower())
    if suffix == ".gz":
        suffix = os.path.splitext(stem)[1] or ".csv"
    if suffix in CSV_SUFFIXES:
        return "csv"
    if suffix in EXCEL_SUFFIXES:
        return "excel"
    if suffix in PARQUET_SUFFIXES:
        return "parquet"
    raise StocktakeError(
        f"'{os.path.basename(name)}' is not a file type Stocktake reads: use CSV, TSV, Excel (.xlsx) or Parquet."
    )


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


# ----- what the file is ------------------------------------------------------------------------------------------

def _refuse(base: str, what: str, advice: str) -> StocktakeError:
    return StocktakeError(f"'{base}' is {what}, not a table of data: {advice}")


def _kind_of_bytes(head: bytes) -> str | None:
    """A name for content that is clearly not a table (an image, a PDF), or None."""
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    return None



def open_source(path: str | os.PathLike, source_name: str | None = None, *, sheet: str | None = None) -> Source:
    """Look at a file and say how to read it; a file that is not a table gets one plain sentence."""
    path = str(path)
    base = os.path.basename(source_name or path)
    if not os.path.exists(path):
        raise StocktakeError(f"There is no file at '{path}': check the name and folder.")
    size = os.path.getsize(path)
    if size == 0:
        raise StocktakeError(f"'{base}' is empty: there is nothing to load.")
    with open(path, "rb") as handle:
        head = handle.read(HEAD_BYTES)
    named_format = file_format_of(path, base)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _open_zip(path, base, sheet)
    if head.startswith(b"\xd0\xcf\x11\xe0"):  # the old binary Excel format (.xls)
        return _open_excel(path, base, sheet)
    if head.startswith(b"PAR1"):
        return Source(path=path, source_name=base, file_format="parquet", names=[], size_bytes=size)
    if named_format == "excel":
        raise StocktakeError(f"'{base}' could not be opened as an Excel workbook: it may be damaged or saved in "
                             "another format. Open it in Excel, save it as .xlsx (or CSV) and load that.")
    if named_format == "parquet":
        raise StocktakeError(f"'{base}' is not a Parquet file: check the file, or save the data as CSV.")
    what = _kind_of_bytes(head)
    if what:
        raise _refuse(base, what, "export the data itself from the system as CSV or Excel and load that file.")
    compression = None
    if head.startswith(b"\x1f\x8b"):
        compression = "gzip"
        with gzip.open(path, "rb") as handle:
            try:
                head = handle.read(HEAD_BYTES)
            except (OSError, EOFError):
                raise StocktakeError(f"'{base}' is a damaged gzip file: compress the CSV again, or load it "
                                     "uncompressed.") from None
        if not head:
            raise StocktakeError(f"'{base}' is empty: there is nothing to load.")
    return _open_text(path, base, head, size, compression)


def _open_zip(path: str, base: str, sheet: str | None) -> Source:
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir() and not m.filename.startswith("__MACOSX")]
            names = [m.filename for m in members]
            if "xl/workbook.xml" in names or "content.xml" in names and "mimetype" in names:
                return _open_excel(path, base, sheet)
            tables = [m for m in members if os.path.splitext(m.filename.lower())[1] in CSV_SUFFIXES]
            if len(tables) != 1:
                listed = ", ".join(os.path.basename(n) for n in names[:5]) + ("…" if len(names) > 5 else "")
                raise StocktakeError(f"'{base}' is a zip archive ({listed or 'empty'}): unzip it and load the CSV or "
                                     "Excel file inside.")
            inner = tables[0]
            handle, target = uploads.private_file("stocktake-unzipped-", ".csv")
            with archive.open(inner) as member, os.fdopen(handle, "wb") as out:
                while chunk := member.read(8 << 20):
                    out.write(chunk)
    except zipfile.BadZipFile:
        raise StocktakeError(f"'{base}' is a damaged zip file (or a damaged Excel workbook): open it again in the "
                             "program that made it and save a fresh copy.") from None
    with open(target, "rb") as unzipped:
        head = unzipped.read(HEAD_BYTES)
    source = _open_text(target, base, head, os.path.getsize(target), None)
    source.temp_paths.append(target)
    source.notes.insert(0, f"Read '{os.path.basename(inner.filename)}' from inside the zip archive.")
    return source


def _open_text(path: str, base: str, head: bytes, size: int, compression: str | None) -> Source:
    notes: list[str] = []
    temp_paths: list[str] = []
    utf16 = encodings.utf16_of(head)
    opener = (lambda: gzip.open(path, "rb")) if compression else (lambda: open(path, "rb"))
    if utf16:
        read_path = encodings.transcode(opener, utf16)
        encoding, compression = utf16, None
        temp_paths.append(read_path)
        with open(read_path, "rb") as handle:
            head = handle.read(HEAD_BYTES)
    else:
        encoding = "utf-8"
        read_path = path
        nul_count = head.count(0)
        if head.lstrip(b"\xef\xbb\xbf\r\n\t ").startswith((b"<!DOCTYPE", b"<!doctype", b"<html", b"<HTML", b"<?xml")):
            raise _refuse(base, "a web page (HTML)", "download the data file itself, not the page that links to it.")
        text_start = head.lstrip(b"\xef\xbb\xbf\r\n\t ")[:1]
        if text_start in (b"{", b"[") and is_json(head):
            raise _refuse(base, "JSON", "export the data as CSV or Excel, or convert the JSON to a table first.")
        control = sum(1 for b in head[:65536] if b < 9 or 13 < b < 32)
        if control > max(len(head[:65536]) * 0.05, 0) and nul_count < len(head) * 0.3:
            raise _refuse(base, "a binary file", "export the data from the system as CSV or Excel and load that.")
        chunks = [head] + spread_chunks(path, size) if not compression else [head]
        if not all(encodings.is_valid_utf8(chunk) for chunk in chunks):
            encoding = "cp1252"
        if encoding != "utf-8" or nul_count:
            if encoding == "cp1252":
                read_path, lines = encodings.transcode_by_line(opener, drop_nul=bool(nul_count))
                encoding = lines.encoding
                if lines.mixed:
                    notes.append(lines.note(base))
            else:
                read_path = encodings.transcode(opener, encoding, drop_nul=bool(nul_count))
            compression = None
            temp_paths.append(read_path)
            if nul_count:
                notes.append("The file holds NUL bytes (a sign of a damaged export): they were removed.")
            with open(read_path, "rb") as handle:
                head = handle.read(HEAD_BYTES)
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    if len(head) == HEAD_BYTES:
        if "\n" not in text and "\r" not in text:
            for temp in temp_paths:
                os.unlink(temp)
            raise StocktakeError(f"'{base}' has no line break in its first megabyte, so it is not a table with one "
                                 "row per line: check that it is a CSV export.")
        text = text[: max(text.rfind("\n"), text.rfind("\r")) + 1]  # drop a partial last line
    sniffed = sniff_table(text)
    if sniffed is None:
        for temp in temp_paths:
            os.unlink(temp)
        raise StocktakeError(f"'{base}' has only blank lines: there is nothing to load.")
    delimiter, skip, header = sniffed
    if len(header) > MAX_COLUMNS:
        for temp in temp_paths:
            os.unlink(temp)
        raise StocktakeError(
            f"'{base}' has {len(header):,} columns; Stocktake reads at most {MAX_COLUMNS:,}. If each row of the "
            "report is a column (saved the wrong way round), transpose it in Excel first; otherwise remove the "
            "columns you do not need."
        )
    names, name_notes = clean_headers(header)
    if skip:
        notes.append(f"The first {skip} line(s) above the header (titles, notes or blank lines) were skipped.")
    notes += name_notes
    source = Source(path=read_path, source_name=base, file_format="csv", names=names, encoding=encoding,
                    compression=compression, delimiter=delimiter, skip=skip, notes=notes, temp_paths=temp_paths,
                    size_bytes=size)
    if not compression:
        source.total_line = trailing_total(read_path)
        source.spread_rows = spread_records(read_path, delimiter, len(names), source.total_line)
    return source


# ----- Excel -----------------------------------------------------------------------------------------------------

def _open_excel(path: str, base: str, sheet: str | None) -> Source:
    sheet_read = workbook.read_sheet(path, base, sheet)
    rows, notes = sheet_read.rows, list(sheet_read.notes)
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
    return Source(path=path, source_name=base, file_format="excel", names=names, sheet=chosen,
                  sheets=sheet_read.sheets, notes=notes, total_line=total_line, frame=frame,
                  size_bytes=os.path.getsize(path))


def _excel_header_index(rows: list[list]) -> int:
    """The first row as wide as the table with most cells filled: rows above it are titles."""
    widths = [sum(1 for c in r if c not in (None, "")) for r in rows[:50]]
    data_width = max(set(widths[len(widths) // 5:] or widths), key=lambda w: (widths.count(w), w))
    for i, w in enumerate(widths):
        if w >= max(1, data_width // 2, min(data_width, 2)):
            return i
    return 0
