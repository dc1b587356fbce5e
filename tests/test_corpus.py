"""Every file a council can produce: a corpus of awkward files, written by the tests, each with what it must do.

Each case either loads (with the rows, types and warnings it names) or stops with the exact sentence it names.
Never a traceback; after a failure the catalogue and every dataset are exactly as they were (checked on a store that
already holds two datasets, one of them the load's target).
"""

from __future__ import annotations

import gzip
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Callable

import pandas as pd
import pytest
import xlsxwriter

from analysis import store
from analysis.load import ingest
from analysis.errors import StocktakeError
from analysis.load.checks import TooManyRejects


@dataclass
class Case:
    name: str
    file_name: str
    content: Callable[[], bytes]
    rows: int | None = None  # rows loaded; None when the case expects a message
    types: dict[str, str] = field(default_factory=dict)  # expected types of these columns
    rejected: int = 0
    blank: int = 0
    message: str | None = None  # the exact sentence when the file cannot be loaded
    kind: str = "records"
    options: dict = field(default_factory=dict)
    check: Callable | None = None  # (table as a DataFrame, report) -> None, for values and warnings


def text(body: str, encoding: str = "utf-8") -> Callable[[], bytes]:
    return lambda: body.encode(encoding)


def workbook(build: Callable) -> Callable[[], bytes]:
    def make() -> bytes:
        buffer = io.BytesIO()
        book = xlsxwriter.Workbook(buffer, {"in_memory": True})
        build(book)
        book.close()
        return buffer.getvalue()
    return make


def zipped(members: dict[str, bytes]) -> Callable[[], bytes]:
    def make() -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in members.items():
                archive.writestr(name, data)
        return buffer.getvalue()
    return make


SIMPLE = "Ref,Opened,Cost (£)\n1,31/01/2024,£5.50\n2,01/02/2024,\"£1,200.00\"\n3,02/02/2024,(3.25)\n"
SIMPLE_TYPES = {"Ref": "integer", "Opened": "date", "Cost (£)": "number"}


def simple_values(frame: pd.DataFrame, report) -> None:
    assert frame["Opened"].tolist() == [pd.Timestamp(2024, 1, 31), pd.Timestamp(2024, 2, 1), pd.Timestamp(2024, 2, 2)]
    assert frame["Cost (£)"].tolist() == [5.5, 1200.0, -3.25]


def warns(*fragments: str) -> Callable:
    def check(frame, report) -> None:
        joined = " | ".join(report.warnings)
        for fragment in fragments:
            assert fragment in joined, joined
    return check


def both(*checks: Callable) -> Callable:
    def check(frame, report) -> None:
        for c in checks:
            c(frame, report)
    return check


def column_equals(column: str, values: list) -> Callable:
    def check(frame, report) -> None:
        assert frame[column].tolist() == values
    return check


def rejects_are(*pairs: tuple[str, str]) -> Callable:
    def check(frame, report) -> None:
        assert report.rejects[["row", "reason"]].values.tolist() == [list(p) for p in pairs]
    return check


# ----- Excel workbooks -------------------------------------------------------------------------------------------

def _merged_header(book):
    sheet = book.add_worksheet("Cases")
    sheet.write_row(0, 0, ["Ref", "Opened"])
    sheet.merge_range(0, 2, 0, 3, "Address")
    sheet.write_row(1, 0, [1, "2024-01-31", "1 High St", "Croydon"])
    sheet.write_row(2, 0, [2, "2024-02-01", "2 Low Rd", "Bromley"])


def _two_sheets(book):
    first = book.add_worksheet("Cases")
    first.write_row(0, 0, ["Ref", "Opened"])
    first.write_row(1, 0, [1, "31/01/2024"])
    second = book.add_worksheet("Wards")
    second.write_row(0, 0, ["Ward", "Population"])
    second.write_row(1, 0, ["Abbey", 12000])


def _hidden_first_sheet(book):
    hidden = book.add_worksheet("Lookups")
    hidden.write_row(0, 0, ["code", "label"])
    hidden.write_row(1, 0, ["A", "Apple"])
    hidden.hide()
    shown = book.add_worksheet("Cases")
    shown.write_row(0, 0, ["Ref", "Opened", "Cost"])
    shown.write_row(1, 0, [1, "31/01/2024", 5])
    shown.write_row(2, 0, [2, "01/02/2024", 6])
    shown.activate()


def _formulas(book):
    sheet = book.add_worksheet("Costs")
    sheet.write_row(0, 0, ["Ref", "Opened", "Hours", "Rate", "Cost"])
    for i in range(3):
        row = i + 1
        sheet.write_row(row, 0, [row, f"0{row}/02/2024", row * 2, 10])
        # Excel keeps the last computed value beside the formula; that value is what is loaded.
        sheet.write_formula(row, 4, f"=C{row + 1}*D{row + 1}", None, row * 2 * 10)


def _serial_dates(book):
    sheet = book.add_worksheet("Cases")
    sheet.write_row(0, 0, ["Ref", "Date received", "Count"])
    for i, serial in enumerate([45292, 45293, 45322]):  # 01/01/2024, 02/01/2024, 31/01/2024
        sheet.write_row(i + 1, 0, [i + 1, serial, 7])


def _excel_title_rows(book):
    sheet = book.add_worksheet("Report")
    sheet.merge_range(0, 0, 0, 2, "Repairs report, January 2024")
    sheet.write(1, 0, "Run on 01/02/2024")
    sheet.write_row(3, 0, ["Ref", "Opened", "Cost"])
    sheet.write_row(4, 0, [1, "31/01/2024", 5])
    sheet.write_row(5, 0, [2, "30/01/2024", 6])


def _real_dates(book):
    sheet = book.add_worksheet("Cases")
    when = book.add_format({"num_format": "dd/mm/yyyy"})
    sheet.write_row(0, 0, ["Ref", "Opened"])
    sheet.write_row(1, 0, [1])
    sheet.write_datetime(1, 1, datetime(2024, 1, 31), when)
    sheet.write_row(2, 0, [2])
    sheet.write_datetime(2, 1, datetime(2024, 2, 1), when)


def _png() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def _invalid_byte_late() -> bytes:
    # Valid UTF-8 (and ASCII) for 2.5 MB, then one Windows-1252 byte in the last line, beyond the parts sampled.
    lines = ["Ref,Opened,Note"] + [f"{i},01/02/2024,ok" for i in range(1, 130_001)]
    body = "\n".join(lines).encode() + b"\n130001,01/02/2024,caf\xe9\n"
    return body


def _padded_late() -> bytes:
    # 2.6 MB of tidy ward names, then 'Oakley ' with a space: beyond the parts of the file the sample reads.
    lines = ["Ref,Opened,Ward"] + [f"{i},01/02/2024,{'Abbey' if i % 2 else 'Oakley'}" for i in range(1, 130_001)]
    return ("\n".join(lines) + "\n130001,01/02/2024,Oakley \n").encode()


def _many_columns(n: int, rows: int) -> Callable[[], bytes]:
    def make() -> bytes:
        header = ",".join(f"m{i}" for i in range(n))
        body = "\n".join(",".join(str(i + r) for i in range(n)) for r in range(rows))
        return f"{header}\n{body}\n".encode()
    return make


CASES = [
    # ----- encodings -----
    Case("utf-8 without a BOM", "plain.csv", text(SIMPLE), rows=3, types=SIMPLE_TYPES, check=simple_values),
    Case("utf-8 with a BOM", "bom.csv", text("\ufeff" + SIMPLE), rows=3, types=SIMPLE_TYPES, check=simple_values),
    Case("Windows-1252 with £", "win.csv", text("Service,Cost (£)\r\nCafé repairs,£12.50\r\n", "cp1252"), rows=1,
         types={"Service": "text", "Cost (£)": "number"},
         check=both(column_equals("Service", ["Café repairs"]), column_equals("Cost (£)", [12.5]))),
    Case("UTF-16 LE with a BOM, tab separated (Excel 'Unicode text')", "unicode.txt",
         text("\ufeffRef\tOpened\tCost (£)\r\n1\t31/01/2024\t£5\r\n2\t01/02/2024\t£7.50\r\n", "utf-16-le"), rows=2,
         types={"Ref": "integer", "Opened": "date", "Cost (£)": "number"},
         check=column_equals("Cost (£)", [5.0, 7.5])),
    Case("UTF-16 BE with a BOM, tab separated", "unicode_be.txt",
         text("\ufeffRef\tWard\r\n1\tSt Anne’s\r\n2\tAbbey\r\n", "utf-16-be"), rows=2, kind="lookup",
         types={"Ref": "integer", "Ward": "text"}, check=column_equals("Ward", ["St Anne’s", "Abbey"])),
    Case("an invalid byte in the first lines", "bad_byte.csv", lambda: b"Ref,Note\n1,caf\xe9\n2,ok\n", rows=2,
         kind="lookup", types={"Note": "text"}, check=column_equals("Note", ["café", "ok"])),
    Case("an invalid byte after the sampled parts: read again as Windows-1252", "late_bad_byte.csv",
         _invalid_byte_late, rows=130_001, types={"Note": "text"},
         check=warns("is not all UTF-8: read as Windows-1252")),
    Case("a value with a space after it, beyond the sampled parts", "late_space.csv", _padded_late, rows=130_001,
         check=lambda frame, report: (sorted(frame["Ward"].unique()) == ["Abbey", "Oakley"]
                                      or pytest.fail(str(frame["Ward"].unique())))),
    Case("NUL bytes inside values", "nul.csv", lambda: b"Ref,Note\n1,ab\x00c\n2,ok\n", rows=2, kind="lookup",
         check=both(column_equals("Note", ["abc", "ok"]), warns("NUL bytes"))),
    # ----- compression and wrong types -----
    Case("a .csv.gz", "cases.csv.gz", lambda: gzip.compress(SIMPLE.encode()), rows=3, types=SIMPLE_TYPES,
         check=simple_values),
    Case("gzip saved as .csv", "cases.csv", lambda: gzip.compress(SIMPLE.encode()), rows=3, types=SIMPLE_TYPES,
         check=simple_values),
    Case("a zip holding one CSV", "cases.csv", zipped({"export/cases.csv": SIMPLE.encode()}), rows=3,
         types=SIMPLE_TYPES, check=warns("Read 'cases.csv' from inside the zip archive.")),
    Case("a zip holding several files", "bundle.csv",
         zipped({"a.csv": b"x\n1\n", "b.csv": b"y\n2\n", "readme.txt": b"hello"}),
         message="'bundle.csv' is a zip archive (a.csv, b.csv, readme.txt): unzip it and load the CSV or Excel "
                 "file inside."),
    Case("a PNG named .csv", "chart.csv", _png,
         message="'chart.csv' is a PNG image, not a table of data: export the data itself from the system as CSV or "
                 "Excel and load that file."),
    Case("a PDF named .csv", "report.csv", lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
         message="'report.csv' is a PDF document, not a table of data: export the data itself from the system as "
                 "CSV or Excel and load that file."),
    Case("an HTML page saved as .csv", "download.csv",
         text("<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>Please sign in</body></html>\n"),
         message="'download.csv' is a web page (HTML), not a table of data: download the data file itself, not the "
                 "page that links to it."),
    Case("JSON saved as .csv", "api.csv", text('[{"ref": 1, "opened": "2024-01-31"}, {"ref": 2}]\n'),
         message="'api.csv' is JSON, not a table of data: export the data as CSV or Excel, or convert the JSON to a "
                 "table first."),
    Case("an empty file", "empty.csv", lambda: b"", message="'empty.csv' is empty: there is nothing to load."),
    Case("a header with no rows", "header.csv", text("Ref,Opened,Cost\n"),
         message="'header.csv' has a header but no rows of data: there is nothing to load."),
    Case("only blank lines", "blank.csv", text("\n\r\n  \n\n"),
         message="'blank.csv' has only blank lines: there is nothing to load."),
    Case("an Excel workbook named .csv", "cases.csv", workbook(_two_sheets), rows=1,
         types={"Ref": "integer", "Opened": "date"}),
    Case("a broken .xlsx", "broken.xlsx", lambda: b"PK\x03\x04" + b"\x00" * 60 + b"not really a workbook",
         message="'broken.xlsx' is a damaged zip file (or a damaged Excel workbook): open it again in the program "
                 "that made it and save a fresh copy."),
    Case("a .xlsx that is not a workbook at all", "notes.xlsx", text("just some text\n"),
         message="'notes.xlsx' could not be opened as an Excel workbook: it may be damaged or saved in another "
                 "format. Open it in Excel, save it as .xlsx (or CSV) and load that."),
    # ----- shape -----
    Case("title rows above the header", "titled.csv",
         text("Repairs report\nRun on 01/02/2024 by J Smith\n\n" + SIMPLE), rows=3, types=SIMPLE_TYPES,
         check=both(simple_values, warns("The first 3 line(s) above the header"))),
    Case("a totals row at the bottom", "totals.csv", text(SIMPLE + 'Total,,"£1,201.75"\n'), rows=3,
         types=SIMPLE_TYPES, check=both(simple_values, warns("The last row is a totals row"))),
    Case("ragged rows", "ragged.csv", text("Ref,Opened,Cost\n1,31/01/2024,5\n2,01/02/2024\n3,02/02/2024,7,extra\n"
                                           "4,03/02/2024,8\n"), rows=2, rejected=2,
         check=rejects_are(("line 3", "line 3 has fewer values than the header has columns (2 where the header "
                                      "has 3)"),
                           ("line 4", "line 4 has more values than the header has columns (4 where the header "
                                      "has 3)"))),
    Case("a quote never closed, on the last line", "unclosed.csv",
         text('Ref,Opened,Note\n1,31/01/2024,fine\n2,01/02/2024,"never closed\n'), rows=1, rejected=1,
         check=rejects_are(("line 3", 'line 3 opens a quote (") that is never closed, so it and the lines after it '
                                      "could not be read"))),
    Case("a quote never closed, early on", "unclosed_early.csv",
         text('Ref,Opened,Note\n1,31/01/2024,"never closed\n2,01/02/2024,x\n3,02/02/2024,y\n'),
         message="Every row of 'unclosed_early.csv' was rejected, so nothing was loaded (first reason: line 2 opens "
                 "a quote (\") that is never closed, so it and the lines after it could not be read). Check the "
                 "column types and the date column, then try again."),
    Case("quoted newlines", "newlines.csv", text('Ref,Opened,Note\n1,31/01/2024,"two\nlines"\n2,01/02/2024,one\n'),
         rows=2, check=column_equals("Note", ["two\nlines", "one"])),
    Case("duplicate and blank headers", "headers.csv", text('Ref,,Ref,"Say ""hi""",\n1,2,3,4,5\n'), rows=1,
         kind="lookup", check=lambda frame, report: (
             list(frame.columns) == ["Ref", "column_2", "Ref (2)", 'Say "hi"', "column_5"]
             or pytest.fail(str(list(frame.columns))))),
    Case("a header of 2,000 characters", "long_header.csv", text("Ref," + "Very long " * 200 + "\n1,x\n"), rows=1,
         kind="lookup", check=warns("The header of column 2 is 1,999 characters long: shortened to its first 120.")),
    Case("a single line of 10 MB", "one_line.csv", lambda: b"x" * 10_000_000,
         message="'one_line.csv' has no line break in its first megabyte, so it is not a table with one row per "
                 "line: check that it is a CSV export."),
    Case("a 10 MB value in one row", "huge_value.csv",
         lambda: b"Ref,Opened,Note\n1,31/01/2024,ok\n2,01/02/2024," + b"y" * 10_000_000 + b"\n3,02/02/2024,ok\n",
         rows=2, rejected=1,
         check=rejects_are(("line 3", "line 3 is longer than 2 MB, too long to be a row of data"))),
    Case("2,000 columns", "wide.csv", _many_columns(2_000, 20), rows=20, kind="lookup",
         types={"m0": "integer", "m1999": "integer"}),
    Case("5,000 columns in one row (a report the wrong way round)", "transposed.csv", _many_columns(5_000, 1),
         message="'transposed.csv' has 5,000 columns; Stocktake reads at most 2,000. If each row of the report is a "
                 "column (saved the wrong way round), transpose it in Excel first; otherwise remove the columns you "
                 "do not need."),
    Case("blank rows and a blank last line", "blank_rows.csv", text("Ref,Opened,Area\n1,31/01/2024,Abbey\n,,\n"
                                                                   "2,01/02/2024,Oakley\n , ,\n,,\n"),
         rows=2, blank=3, check=column_equals("Area", ["Abbey", "Oakley"])),
    # ----- values -----
    Case("dates all 00:00:00", "midnight.csv", text("Ref,Paid Date,Amount\n1,00:00:00,5\n2,00:00:00,6\n"), rows=2,
         kind="lookup", types={"Paid Date": "text"},
         check=warns("Column 'Paid Date': no usable dates: all 2 values are '00:00:00'.")),
    Case("day-first and month-first mixed", "mixed.csv",
         text("Ref,Opened\n1,31/01/2024\n2,13/02/2024\n3,01/03/2024\n4,12/31/2024\n"), rows=3, rejected=1,
         check=both(warns("Dates are mixed: 2 values only make sense day-first and 1 only month-first"),
                    rejects_are(("row 4", "'Opened': '12/31/2024' is not a date (dates here are read day-first)")))),
    Case("dates in 1900 and 2999", "placeholders.csv",
         text("Ref,Opened\n1,01/01/1900\n2,15/06/2023\n3,31/12/2999\n"), rows=3, types={"Opened": "date"},
         check=warns("Column 'Opened': dates run from 01/01/1900 to 31/12/2999")),
    Case("29 February in a non-leap year", "feb29.csv", text("Ref,Opened\n1,28/02/2023\n2,29/02/2023\n3,01/03/2023\n"),
         rows=2, rejected=1, types={"Opened": "date"},
         check=rejects_are(("row 2", "'Opened': '29/02/2023' is not a date (dates here are read day-first)"))),
    Case("negative durations", "closed_early.csv",
         text("Ref,Date received,Date closed\n1,31/01/2024,02/02/2024\n2,05/02/2024,01/02/2024\n"), rows=2,
         check=warns("1 record(s) were closed before they were received ('Date closed' before 'Date received')")),
    Case("decimal commas with ; separators (European export)", "europe.csv",
         text("Ref;Opened;Amount\n1;31/01/2024;1.234,56\n2;01/02/2024;12,5\n3;02/02/2024;-7\n"), rows=3,
         types={"Amount": "number"}, check=column_equals("Amount", [1234.56, 12.5, -7.0])),
    Case("£ with thousands commas and brackets", "money.csv",
         text('Ref,Opened,Cost\n1,31/01/2024,"£1,234.50"\n2,01/02/2024,"(£2,000)"\n3,02/02/2024,n/a\n'), rows=3,
         types={"Cost": "number"},
         check=lambda frame, report: frame["Cost"].tolist()[:2] == [1234.5, -2000.0] or pytest.fail(str(frame))),
    Case("a column with every value blank", "empty_column.csv", text("Ref,Opened,Notes\n1,31/01/2024,\n2,01/02/2024,\n"),
         rows=2, types={"Notes": "text"}, check=warns("Column 'Notes': every value is blank.")),
    Case("numbers in a text column", "codes.csv",
         text("Ref,Opened,Outcome\n1,31/01/2024,Fixed\n2,01/02/2024,42\n3,02/02/2024,Referred\n"), rows=3,
         types={"Outcome": "text"}, check=column_equals("Outcome", ["Fixed", "42", "Referred"])),
    Case("a rare value only the careful way reads ('12 000')", "spaced.csv",
         text("Ref,Opened,Cost\n" + "".join(f"{i},31/01/2024,{i}\n" for i in range(1, 200)) + "200,31/01/2024,12 000\n"),
         rows=200, types={"Cost": "integer"},
         check=lambda frame, report: frame["Cost"].tolist()[-2:] == [199, 12000] or pytest.fail(str(frame.tail()))),
    Case("a decimal among whole numbers is rejected, not rounded", "whole.csv",
         text("Ref,Opened,Pumps\n" + "".join(f"{i},31/01/2024,{i % 5}\n" for i in range(1, 200)) + "200,31/01/2024,1.5\n"),
         rows=199, rejected=1, types={"Pumps": "integer"}, options={"types": {"Pumps": "integer"}},
         check=rejects_are(("row 200", "'Pumps': '1.5' is not a whole number"))),
    Case("codes with leading zeros", "zeros.csv", text("Code,N\n007,1\n012,2\n"), rows=2, kind="lookup",
         types={"Code": "text", "N": "integer"}, check=column_equals("Code", ["007", "012"])),
    Case("most rows rejected: the load stops and says why", "mostly_bad.csv",
         text("Ref,Opened,Cost\n1,31/01/2024,5\n2,,6\n3,,7\n4,,8\n"),
         message="3 of the 4 rows of 'mostly_bad.csv' would be rejected, more than half, so nothing was loaded "
                 "(first reasons: row 2: 'Opened' is blank: every record needs a date; row 3: 'Opened' is blank: "
                 "every record needs a date; row 4: 'Opened' is blank: every record needs a date). Check the column "
                 "types and the date column; to keep the rows that fit, confirm the load."),
    Case("most rows rejected, confirmed", "mostly_bad.csv", text("Ref,Opened,Cost\n1,31/01/2024,5\n2,,6\n3,,7\n"),
         rows=1, rejected=2, options={"accept_rejects": True}),
    # ----- periods -----
    Case("financial years", "kpi_fy.csv",
         text("Financial year,Measure,Value\n2016-17,Delays,5\n2017/18,Delays,6\nFY 2018-19,Delays,7\n"), rows=3,
         kind="kpi", types={"Financial year": "date"},
         check=both(column_equals("Financial year", [pd.Timestamp(2016, 4, 1), pd.Timestamp(2017, 4, 1),
                                                     pd.Timestamp(2018, 4, 1)]),
                    lambda frame, report: report.columns[0].grain == "financial_year" or pytest.fail("grain"))),
    Case("quarters of financial years", "kpi_q.csv",
         text("Period,Value\n2019-20 Q1,5\n2019-20 Q4,6\nQ2 2020/21,7\n"), rows=3, kind="kpi",
         check=column_equals("Period", [pd.Timestamp(2019, 4, 1), pd.Timestamp(2020, 1, 1), pd.Timestamp(2020, 7, 1)])),
    Case("months written as words", "kpi_m.csv", text("Month,Value\nApr 2019,5\nMay-19,6\nJune 2019,7\n"), rows=3,
         kind="kpi", check=column_equals("Month", [pd.Timestamp(2019, 4, 1), pd.Timestamp(2019, 5, 1),
                                                   pd.Timestamp(2019, 6, 1)])),
    # ----- Excel -----
    Case("Excel: merged header cells", "merged.xlsx", workbook(_merged_header), rows=2, kind="lookup",
         check=lambda frame, report: (list(frame.columns) == ["Ref", "Opened", "Address", "Address (2)"]
                                      or pytest.fail(str(list(frame.columns))))),
    Case("Excel: two sheets (the first is read)", "two.xlsx", workbook(_two_sheets), rows=1,
         types={"Ref": "integer", "Opened": "date"}),
    Case("Excel: a hidden first sheet", "hidden.xlsx", workbook(_hidden_first_sheet), rows=2,
         types={"Ref": "integer", "Opened": "date", "Cost": "integer"},
         check=warns("The first sheet of the workbook ('Lookups') is hidden: read the sheet 'Cases'.")),
    Case("Excel: formulas", "formulas.xlsx", workbook(_formulas), rows=3, types={"Cost": "integer"},
         check=column_equals("Cost", [20, 40, 60])),
    Case("Excel: dates stored as numbers", "serials.xlsx", workbook(_serial_dates), rows=3,
         types={"Date received": "date", "Count": "integer"},
         check=both(column_equals("Date received", [pd.Timestamp(2024, 1, 1), pd.Timestamp(2024, 1, 2),
                                                    pd.Timestamp(2024, 1, 31)]),
                    warns("Column 'Date received' holds Excel day numbers (such as 45,292): read as dates."))),
    Case("Excel: dates formatted as dates", "dates.xlsx", workbook(_real_dates), rows=2, types={"Opened": "date"},
         check=column_equals("Opened", [pd.Timestamp(2024, 1, 31), pd.Timestamp(2024, 2, 1)])),
    Case("Excel: title rows above the header", "titled.xlsx", workbook(_excel_title_rows), rows=2,
         types={"Ref": "integer", "Opened": "date", "Cost": "integer"},
         check=warns("The first 2 row(s) above the header")),
]


@pytest.fixture
def con(tmp_path):
    connection = store.open_store(tmp_path / "store.duckdb")
    seed = tmp_path / "seed.csv"
    seed.write_text("Ref,Opened,Cost\n1,31/01/2024,5\n2,01/02/2024,6\n")
    ingest.load_file(connection, seed, dataset="target")
    ingest.load_file(connection, seed, dataset="other")
    yield connection
    connection.close()


def snapshot(con) -> tuple:
    """The catalogue and every table's rows, to compare before and after a failed load."""
    datasets = store.list_datasets(con)
    tables = store.query_rows(con, "SELECT table_name FROM duckdb_tables() WHERE NOT temporary ORDER BY 1")
    contents = {name: store.query_df(con, f"SELECT * FROM {store.quote_identifier(name)}").to_dict("list")
                for (name,) in tables}
    return datasets, contents


def test_the_corpus_has_every_kind_of_file():
    assert len(CASES) >= 40
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_awkward_file(con, tmp_path, case: Case):
    path = tmp_path / case.file_name
    path.write_bytes(case.content())
    if case.message is not None:
        before = snapshot(con)
        with pytest.raises(StocktakeError) as raised:
            ingest.load_file(con, path, dataset="target", kind=case.kind, **case.options)
        assert str(raised.value) == case.message
        assert snapshot(con) == before
        return
    report = ingest.load_file(con, path, dataset="new", kind=case.kind, **case.options)
    assert (report.rows_loaded, report.rows_rejected, report.rows_blank) == (case.rows, case.rejected, case.blank), \
        report.as_dict()
    ds = store.get_dataset(con, "new")
    assert ds.row_count == case.rows
    assert {c.name: c.type for c in ds.columns if c.name in case.types} == case.types
    frame = store.query_df(con, f"SELECT * FROM {store.quote_identifier(ds.table)}")
    if case.check:
        case.check(frame, report)


def test_too_many_rejects_carries_the_counts(con, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("Ref,Opened\n1,31/01/2024\n2,\n3,\n")
    with pytest.raises(TooManyRejects) as raised:
        ingest.load_file(con, path, dataset="target")
    assert (raised.value.rows_read, raised.value.rows_rejected) == (3, 2)
    assert raised.value.first_reasons[0] == "row 2: 'Opened' is blank: every record needs a date"
    assert store.get_dataset(con, "target").row_count == 2


def test_a_dataset_made_in_one_session_reads_back_the_same_in_another(con, tmp_path):
    # The preview and the load make the same decisions from the same file.
    from analysis.load.preview import inspect_file

    path = tmp_path / "cases.csv"
    path.write_text(SIMPLE)
    preview = inspect_file(con, path)
    report = ingest.load_file(con, path, dataset="new")
    assert [(c.name, c.type) for c in preview.columns] == [(c.name, c.type) for c in report.columns]
    assert date(2024, 1, 31) == store.query_rows(con, "SELECT min(Opened) FROM ds_new")[0][0]
