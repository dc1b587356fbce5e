"""Reading Excel workbooks with calamine (DuckDB's excel extension needs the internet): sheets, cells, merged cells.

Cells arrive typed (numbers, dates, text); :func:`cell_text` writes each as text so that a sheet goes through the same
type detection as a CSV, and :func:`serial_to_text` turns an Excel day number (45292) into its date.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from analysis.errors import StocktakeError

log = logging.getLogger(__name__)

# Excel counts days from 30 December 1899 (its 1900 leap-year bug included).
EXCEL_EPOCH = date(1899, 12, 30)


@dataclass
class SheetRows:
    """One sheet's non-empty rows (padded to one width), its merged ranges, and what was noticed."""

    sheet: str
    sheets: list[str]
    rows: list[list]
    merged: list = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _damaged(base: str) -> StocktakeError:
    return StocktakeError(f"'{base}' could not be opened as an Excel workbook: it may be damaged or saved in "
                          "another format. Open it in Excel, save it as .xlsx (or CSV) and load that.")


def list_sheets(path: str | os.PathLike, source_name: str | None = None) -> list[str]:
    """The workbook's sheets, visible ones first (a hidden first sheet is not the default)."""
    from python_calamine import CalamineWorkbook

    base = os.path.basename(source_name or str(path))
    try:
        metadata = list(CalamineWorkbook.from_path(str(path)).sheets_metadata)
    except Exception:  # calamine raises its own error types for broken workbooks
        log.warning("calamine could not open %s", path, exc_info=True)
        raise _damaged(base) from None
    visible = [m.name for m in metadata if "hidden" not in str(m.visible).lower()]
    return visible + [m.name for m in metadata if m.name not in visible]


def _filled_cells(book, name: str) -> int:
    try:
        rows = book.get_sheet_by_name(name).to_python(skip_empty_area=True)
    except Exception:  # a sheet calamine cannot read is no candidate
        return 0
    return sum(1 for row in rows for cell in row if cell not in (None, ""))


def sheet_with_data(path: str | os.PathLike, source_name: str | None = None) -> str | None:
    """The sheet a workbook's data are on: of the visible sheets (hidden ones if none is visible), the one with
    the most filled cells, so a 'Notes' or 'Contents' sheet before the table, or an empty first sheet, is passed
    over. None when every sheet is empty."""
    from python_calamine import CalamineWorkbook

    sheets = list_sheets(path, source_name)
    try:
        book = CalamineWorkbook.from_path(str(path))
        visible = [m.name for m in book.sheets_metadata if "hidden" not in str(m.visible).lower()]
    except Exception:
        raise _damaged(os.path.basename(source_name or str(path))) from None
    filled = {name: _filled_cells(book, name) for name in (visible or sheets)}
    best = max(filled, key=lambda name: (filled[name], -sheets.index(name)), default=None)
    return best if best is not None and filled[best] else None


def read_sheet(path: str, base: str, sheet: str | None) -> SheetRows:
    """The rows of ``sheet`` (by default the one with the data: :func:`sheet_with_data`), with empty rows dropped."""
    from python_calamine import CalamineWorkbook

    sheets = list_sheets(path, base)
    if not sheets:
        raise StocktakeError(f"'{base}' has no sheets: there is nothing to load.")
    notes = []
    chosen = sheet
    if chosen is None:
        chosen = sheet_with_data(path, base)
        if chosen is None:
            raise StocktakeError(f"Every sheet of '{base}' is empty: there is nothing to load.")
        if chosen != sheets[0]:
            notes.append(f"Read the sheet '{chosen}', the one with the data (the workbook's first sheet, "
                         f"'{sheets[0]}', holds less or nothing). Choose another sheet if this is not the one.")
    if chosen not in sheets:
        raise StocktakeError(f"'{base}' has no sheet called '{sheet}'. Its sheets are: {', '.join(sheets)}.")
    try:
        book = CalamineWorkbook.from_path(path)
        worksheet = book.get_sheet_by_name(chosen)
        rows = worksheet.to_python(skip_empty_area=False)
        merged = list(worksheet.merged_cell_ranges or [])
        first_sheet = book.sheet_names[0]
    except Exception:
        log.warning("calamine could not read sheet %r of %s", chosen, path, exc_info=True)
        raise StocktakeError(f"Sheet '{chosen}' of '{base}' could not be read: it may be damaged. Open it in Excel, "
                             "save it again and load that.") from None
    if sheet is None and chosen != first_sheet and first_sheet not in sheets[:1]:
        notes.append(f"The first sheet of the workbook ('{first_sheet}') is hidden: read the sheet '{chosen}'.")
    rows = [list(r) for r in rows if any(c not in (None, "") for c in r)]
    if not rows:
        raise StocktakeError(f"Sheet '{chosen}' of '{base}' is empty: there is nothing to load.")
    width = max(len(r) for r in rows)
    rows = [r + [None] * (width - len(r)) for r in rows]
    return SheetRows(chosen, sheets, rows, merged, notes)


def cell_text(value) -> str | None:
    """A cell as text: dates as ISO text, whole numbers without '.0', so one parser serves CSV and Excel."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def serial_to_text(value) -> str | None:
    """An Excel day number as ISO date text ('45292' -> '2024-01-01'), with its time of day when it has one."""
    if value is None or value == "":
        return None
    whole = int(value)
    day = EXCEL_EPOCH + timedelta(days=whole)
    if float(value) == whole:
        return day.isoformat()
    seconds = round((float(value) - whole) * 86400)
    return (datetime.combine(day, time()) + timedelta(seconds=seconds)).isoformat(sep=" ")
