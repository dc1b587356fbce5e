"""Files written the way councils and health boards publish them (issue 18), made by the tests themselves: a payments
file whose 'Effective Date' never changes and whose VAT column is all zeros, and a published workbook with one column
per financial year, a derived 'Change' column, an empty first sheet and formula cells with their cached values."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import xlsxwriter

PAYMENT_FIRST, PAYMENT_LAST = date(2020, 2, 3), date(2020, 6, 26)
WIDE_YEARS = ["2012-13", "2013-14", "2014-15", "2015-16", "2016-17", "2017-18"]
WIDE_COUNCILS = ["Aberdeen City", "Angus", "Dundee City", "Fife", "Highland", "Moray"]


def payments_frame(rows: int = 420) -> pd.DataFrame:
    """Payments over £500 from 3 February to 26 June 2020, as written in the file (text, UK dates)."""
    rng = random.Random(18)
    days = (PAYMENT_LAST - PAYMENT_FIRST).days
    paid = [PAYMENT_FIRST + timedelta(days=rng.randint(1, days - 1)) for _ in range(rows - 2)]
    paid += [PAYMENT_FIRST, PAYMENT_LAST]
    return pd.DataFrame({
        "Body": "Northbridge Council",
        "Service Area": [rng.choice(["Housing", "Waste", "Parks", "Finance"]) for _ in paid],
        "Expenditure Category": [rng.choice(["Repairs", "Fuel", "IT", "Agency staff"]) for _ in paid],
        "Effective Date": "30/06/2020",  # the day the file was made, on every row
        "Payment Date": [d.strftime("%d/%m/%Y") for d in paid],
        "Transaction Number": [f"T{100000 + i}" for i in range(len(paid))],
        "Irrecoverable VAT Amount": "0.00",
        "Amount": [f"{rng.uniform(500, 25_000):.2f}" for _ in paid],
        "Supplier Name": [rng.choice(["ACME LTD", "BUILDCO", "FIXIT SERVICES"]) for _ in paid],
    })


def write_payments(folder: Path) -> Path:
    path = folder / "payments over 500 feb-jun 2020.csv"
    payments_frame().to_csv(path, index=False)
    return path


def wide_values() -> dict[str, list[int]]:
    """Each council's value per financial year (whole numbers, some missing as a published table leaves them)."""
    rng = random.Random(7)
    values = {council: [rng.randint(100, 900) for _ in WIDE_YEARS] for council in WIDE_COUNCILS}
    values["Moray"][0] = None  # not published for the first year
    return values


def write_wide_workbook(folder: Path) -> Path:
    """'LA, Population, 2012-13 … 2017-18, Change in one year, Per 1,000' on the second sheet (the first is empty),
    the last two columns Excel formulas with their cached values."""
    path = folder / "council kpi by year.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("Notes")  # empty, as a cover sheet left blank
    sheet = book.add_worksheet("Table 1")
    sheet.write_row(0, 0, ["LA", "Population"] + WIDE_YEARS + ["Change in one year", "Per 1,000"])
    for row, (council, values) in enumerate(wide_values().items(), start=1):
        population = 90_000 + 7_000 * row
        sheet.write(row, 0, council)
        sheet.write(row, 1, population)
        for k, value in enumerate(values):
            if value is not None:
                sheet.write(row, 2 + k, value)
        last, before = values[-1], values[-2]
        sheet.write_formula(row, 8, f"=H{row + 1}-G{row + 1}", None, last - before)
        sheet.write_formula(row, 9, f"=H{row + 1}/B{row + 1}*1000", None, last / population * 1000)
    book.close()
    return path


def wide_long() -> pd.DataFrame:
    """The workbook as rows of (LA, Period first day, Value), worked out here independently of the loader."""
    rows = []
    for council, values in wide_values().items():
        for year, value in zip(WIDE_YEARS, values):
            if value is not None:
                rows.append((council, pd.Timestamp(int(year[:4]), 4, 1), value))
    return pd.DataFrame(rows, columns=["LA", "Period", "Value"])
