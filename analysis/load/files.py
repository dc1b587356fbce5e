"""Step 1 of reading a file, open: what the file really is, and where its bytes can be read as UTF-8 text.

Councils' exports arrive as whatever their systems write: gzip saved as ``.csv``, a workbook named ``.csv``, a CSV
inside a zip, "Unicode text" (UTF-16) from Excel, Windows-1252, or a PNG, a PDF or the web page that links to the data.
:func:`open_file` looks at the first bytes (never the whole file, so a 10M-row file opens at once) and either returns
an :class:`OpenedFile` or raises a StocktakeError with one plain sentence. Text DuckDB cannot read directly (UTF-16,
Windows-1252, a CSV inside a zip) is rewritten once as UTF-8 into the private upload folder (``analysis.load.uploads``:
0700, beside the store; the encodings themselves: ``analysis.load.encodings``); closing the opened file removes the
copies. The next step, ``analysis.load.sources.sniff_source``, finds the table inside.
"""

from __future__ import annotations

import gzip
import os
import zipfile
from dataclasses import dataclass, field

from analysis.errors import StocktakeError
from analysis.load import encodings, uploads, workbook
from analysis.load.sniff import HEAD_BYTES, is_json, spread_chunks

CSV_SUFFIXES = {".csv", ".tsv", ".txt", ".tab"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
PARQUET_SUFFIXES = {".parquet", ".pq"}

_MAGIC = [
    (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"), (b"{\\rtf", "a Word (RTF) document"),
]


@dataclass
class OpenedFile:
    """A file a user brought, opened: what it is and what to read. Use it as a context manager (``with
    open_file(...) as opened``): the UTF-8 copies made to read it are removed when it closes."""

    path: str  # what is read: the file itself, or a UTF-8 copy of its text
    source_name: str
    file_format: str  # "csv", "excel" or "parquet"
    size_bytes: int
    encoding: str | None = None
    compression: str | None = None
    head: bytes = b""  # CSV: the first HEAD_BYTES of its text as read from ``path`` (decompressed)
    sheet: workbook.SheetRows | None = None  # Excel: the chosen sheet's rows
    notes: list[str] = field(default_factory=list)  # what was found about the file, for the report
    temp_paths: list[str] = field(default_factory=list)  # copies made to read it, removed on close

    def close(self) -> None:
        for temp in self.temp_paths:
            try:
                os.unlink(temp)
            except OSError:
                pass
        self.temp_paths.clear()

    def __enter__(self) -> OpenedFile:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def file_format_of(path: str | os.PathLike, source_name: str | None = None) -> str:
    """'csv', 'excel' or 'parquet' from the file's name (the content may still say otherwise: see open_file)."""
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


def _refuse(base: str, what: str, advice: str) -> StocktakeError:
    return StocktakeError(f"'{base}' is {what}, not a table of data: {advice}")


def _kind_of_bytes(head: bytes) -> str | None:
    """A name for content that is clearly not a table (an image, a PDF), or None."""
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    return None


def open_file(path: str | os.PathLike, source_name: str | None = None, *, sheet: str | None = None) -> OpenedFile:
    """Look at a file and say what it is; a file that is not a table gets one plain sentence."""
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
        return OpenedFile(path=path, source_name=base, file_format="parquet", size_bytes=size)
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


def _open_excel(path: str, base: str, sheet: str | None) -> OpenedFile:
    sheet_read = workbook.read_sheet(path, base, sheet)
    return OpenedFile(path=path, source_name=base, file_format="excel", size_bytes=os.path.getsize(path),
                      sheet=sheet_read, notes=list(sheet_read.notes))


def _open_zip(path: str, base: str, sheet: str | None) -> OpenedFile:
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
    try:
        opened = _open_text(target, base, head, os.path.getsize(target), None)
    except BaseException:
        os.unlink(target)
        raise
    opened.temp_paths.append(target)
    opened.notes.insert(0, f"Read '{os.path.basename(inner.filename)}' from inside the zip archive.")
    return opened


def _open_text(path: str, base: str, head: bytes, size: int, compression: str | None) -> OpenedFile:
    """A text file: refused when it is a web page, JSON or binary; otherwise its encoding, and a UTF-8 copy when
    DuckDB cannot read it as it is (UTF-16, Windows-1252, NUL bytes)."""
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
    return OpenedFile(path=read_path, source_name=base, file_format="csv", size_bytes=size, encoding=encoding,
                      compression=compression, head=head, notes=notes, temp_paths=temp_paths)
