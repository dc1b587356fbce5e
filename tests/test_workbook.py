"""Excel through calamine: sheets (hidden ones last), cells as text, Excel day numbers as dates."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
import xlsxwriter

from analysis.load import workbook
from analysis.errors import StocktakeError


def test_visible_sheets_come_first(tmp_path):
    path = tmp_path / "book.xlsx"
    book = xlsxwriter.Workbook(path)
    hidden = book.add_worksheet("Hidden")
    hidden.write_row(0, 0, ["code"])
    hidden.hide()
    cases = book.add_worksheet("Cases")
    cases.write_row(0, 0, ["Ref", "Cost"])
    cases.write_row(1, 0, [1, 5])
    cases.activate()
    book.add_worksheet("Wards")
    book.close()
    assert workbook.list_sheets(path) == ["Cases", "Wards", "Hidden"]
    read = workbook.read_sheet(str(path), "book.xlsx", None)
    assert (read.sheet, read.rows) == ("Cases", [["Ref", "Cost"], [1.0, 5.0]])
    assert read.notes == ["The first sheet of the workbook ('Hidden') is hidden: read the sheet 'Cases'."]


def test_read_sheet_names_a_missing_sheet(tmp_path):
    path = tmp_path / "book.xlsx"
    book = xlsxwriter.Workbook(path)
    book.add_worksheet("Cases").write_row(0, 0, ["Ref", "Cost"])
    book.close()
    with pytest.raises(StocktakeError, match="'book.xlsx' has no sheet called 'Nope'. Its sheets are: Cases."):
        workbook.read_sheet(str(path), "book.xlsx", "Nope")


@pytest.mark.parametrize("value,text", [
    (None, None), ("", None), (3.0, "3"), (2.5, "2.5"), (True, "TRUE"), (datetime(2024, 1, 31, 9, 5), "2024-01-31 09:05:00"),
    (date(2024, 1, 31), "2024-01-31"), (time(9, 5), "09:05:00"), ("Abbey", "Abbey"),
])
def test_cell_text(value, text):
    assert workbook.cell_text(value) == text


@pytest.mark.parametrize("serial,text", [
    (45292, "2024-01-01"), (45292.5, "2024-01-01 12:00:00"), (1, "1899-12-31"), (None, None),
])
def test_serial_to_text(serial, text):
    assert workbook.serial_to_text(serial) == text
