"""Exports a user downloads: CSV and XLSX of small result tables, safe to open in a spreadsheet.

Cells hold values, never formulas. Any text that a spreadsheet could read as a formula (starting with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return: OWASP's "CSV injection" list) gets a leading apostrophe, so a scenario
named ``=HYPERLINK(...)`` is shown as that text and never run.
"""

from __future__ import annotations

import io
import math
from typing import Mapping

import pandas as pd
import xlsxwriter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Text that starts like a formula gets a leading apostrophe; every other value is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of the frame with every text cell (and column name) neutralised."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col].dtype):
            out[col] = out[col].map(neutralise).astype(object)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV (with a byte-order mark so Excel reads £ correctly), text neutralised."""
    return neutralise_frame(frame).to_csv(index=False).encode("utf-8-sig")


def _sheet_name(name: str, used: set[str]) -> str:
    clean = "".join("_" if ch in '[]:*?/\\' else ch for ch in str(name)).strip("'")[:31] or "Sheet"
    candidate, n = clean, 2
    while candidate.lower() in used:
        suffix = f" ({n})"
        candidate, n = clean[: 31 - len(suffix)] + suffix, n + 1
    used.add(candidate.lower())
    return candidate


def _is_missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def to_xlsx_bytes(sheets: Mapping[str, pd.DataFrame], money_columns: Mapping[str, tuple[str, ...]] | None = None) -> bytes:
    """An XLSX workbook, one sheet per frame: values only (strings written as strings, never formulas).

    Columns whose name contains '£' (or listed in ``money_columns`` for a sheet) get a £#,##0 format; other numbers
    #,##0.## . Column widths fit the headers.
    """
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                     "strings_to_numbers": False})
    header = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    money = book.add_format({"num_format": "£#,##0"})
    number = book.add_format({"num_format": "#,##0.##"})
    date_fmt = book.add_format({"num_format": "dd/mm/yyyy"})
    used: set[str] = set()
    for name, frame in sheets.items():
        sheet = book.add_worksheet(_sheet_name(name, used))
        extra_money = set((money_columns or {}).get(name, ()))
        for c, col in enumerate(frame.columns):
            sheet.write_string(0, c, str(neutralise(str(col))), header)
            is_money = "£" in str(col) or col in extra_money
            sheet.set_column(c, c, max(12, min(40, len(str(col)) + 2)))
            for r, value in enumerate(frame[col].tolist(), start=1):
                if _is_missing(value):
                    continue
                if isinstance(value, bool):
                    sheet.write_boolean(r, c, value)
                elif isinstance(value, (int, float)) and not isinstance(value, bool):
                    sheet.write_number(r, c, float(value), money if is_money else number)
                elif isinstance(value, (pd.Timestamp,)) or hasattr(value, "isoformat") and not isinstance(value, str):
                    sheet.write_datetime(r, c, pd.Timestamp(value).to_pydatetime(), date_fmt)
                else:
                    try:
                        as_float = float(value) if hasattr(value, "__float__") and not isinstance(value, str) else None
                    except (TypeError, ValueError):
                        as_float = None
                    if as_float is not None:
                        sheet.write_number(r, c, as_float, money if is_money else number)
                    else:
                        sheet.write_string(r, c, str(neutralise(str(value))))
        sheet.freeze_panes(1, 0)
    book.close()
    return buf.getvalue()
