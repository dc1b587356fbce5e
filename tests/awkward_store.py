"""Deliberately awkward datasets, loaded from CSV files the way a user's exports arrive, for the page-walking tests.

Each one is the kind of file that broke a page before (issue 8): dates without times, a KPI series whose period
column is text, five days of records, blank rows, one area and one reason, a role column that is blank throughout,
a single row, an annual series of 8 points. ``build_awkward_store`` writes them all into one DuckDB file.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd

from analysis import store
from analysis.load.ingest import load_file, load_frame

# Dataset name -> (kind, roles by column). The pages are walked over every one of these.
AWKWARD = {
    "dates_only": "records",
    "kpi_text_period": "kpi",
    "five_days": "records",
    "blank_rows": "records",
    "one_area_one_reason": "records",
    "blank_channel": "records",
    "one_row": "records",
    "annual_8": "kpi",
}

FIVE_DAYS_FIRST = datetime(2017, 12, 27)
FIVE_DAYS_ROWS = 500


def five_day_frame() -> pd.DataFrame:
    """500 contacts over 27 to 31 December 2017 (a city's five-day 311 extract), 100 a day, timestamps."""
    rows = []
    for i in range(FIVE_DAYS_ROWS):
        received = FIVE_DAYS_FIRST + timedelta(days=i // 100, minutes=7 * (i % 100))
        rows.append({
            "Created Date": received.strftime("%d/%m/%Y %H:%M"),
            "Closed Date": (received + timedelta(hours=5 + i % 30)).strftime("%d/%m/%Y %H:%M"),
            "Request Type": ["Noise", "Street light", "Pothole", "Missed bin"][i % 4],
            "Channel": ["Phone", "Online", "App"][i % 3],
            "Council District": f"District {1 + i % 5}",
            "Agency": ["Highways", "Waste"][i % 2],
            "Caller": f"c{i % 180}",
        })
    return pd.DataFrame(rows)


def _write(folder: Path, name: str, frame: pd.DataFrame, *, blank_lines_after: int = 0) -> Path:
    path = folder / f"{name}.csv"
    text = frame.to_csv(index=False)
    if blank_lines_after:
        lines = text.splitlines()
        # Blank records in the middle and at the end, as exports from spreadsheets have them.
        blank = "," * (len(frame.columns) - 1)
        lines = lines[:5] + [blank] * blank_lines_after + lines[5:] + [blank, ""]
        text = "\n".join(lines)
    path.write_text(text, encoding="utf-8")
    return path


def build_awkward_store(path: Path, folder: Path) -> None:
    """Load every awkward dataset into the store at ``path`` (CSV files are written to ``folder``)."""
    folder.mkdir(parents=True, exist_ok=True)
    con = store.open_store(path)
    try:
        # Dates with no times (DATE columns): days to close and repeats use date arithmetic, not intervals.
        days = pd.DataFrame({
            "Received": [(date(2023, 1, 1) + timedelta(days=3 * i)).isoformat() for i in range(200)],
            "Closed": [(date(2023, 1, 1) + timedelta(days=3 * i + i % 9)).isoformat() for i in range(200)],
            "Service": ["Housing", "Waste"] * 100,
            "Reason": ["Repair", "Chasing", "Missed bin", "New bin"] * 50,
            "Channel": ["Phone", "Web"] * 100,
            "Ward": ["North", "South", "East", "West"] * 50,
            "Customer": [f"c{i % 60}" for i in range(200)],
            "Cost": [12.5 + i % 7 for i in range(200)],
        })
        load_file(con, _write(folder, "dates_only", days), dataset="dates_only", kind="records",
                  roles={"Received": "date", "Closed": "closed_date", "Service": "service", "Reason": "reason",
                         "Channel": "channel", "Ward": "area", "Customer": "customer_id", "Cost": "cost"})

        # A KPI series whose period column is text (a loader that did not recognise "2016-17").
        years = [f"{y}-{str(y + 1)[2:]}" for y in range(2015, 2023)]
        text_periods = pd.DataFrame({
            "Financial year": [y for y in years for _ in range(3)],
            "Council": ["Ashford", "Brent", "Camden"] * len(years),
            "Measure": "Carer quality of life",
            "Value": [7.0 + 0.1 * i for i in range(3 * len(years))],
        })
        load_file(con, _write(folder, "kpi_text_period", text_periods), dataset="kpi_text_period", kind="kpi",
                  types={"Financial year": "text"},
                  roles={"Council": "area", "Measure": "measure", "Value": "value"})
        # Today's loader refuses the period role on text (issue 18); a store written by an older one still has it.
        con.execute(f"UPDATE {store.COLUMNS_TABLE} SET role = 'period' WHERE dataset = ? AND name = ?",
                    ["kpi_text_period", "Financial year"])

        load_file(con, _write(folder, "five_days", five_day_frame()), dataset="five_days", kind="records",
                  roles={"Created Date": "date", "Closed Date": "closed_date", "Request Type": "reason",
                         "Channel": "channel", "Council District": "area", "Agency": "service",
                         "Caller": "customer_id"})

        blank_rows = pd.DataFrame({
            "Date": [(date(2024, 1, 1) + timedelta(days=i)).strftime("%d/%m/%Y") for i in range(120)],
            "Reason": ["Pothole", "Flooding", "Litter"] * 40,
            "Area": ["North", "South"] * 60,
        })
        load_file(con, _write(folder, "blank_rows", blank_rows, blank_lines_after=3), dataset="blank_rows",
                  kind="records", roles={"Date": "date", "Reason": "reason", "Area": "area"})

        one = pd.DataFrame({
            "Date": [(date(2022, 4, 1) + timedelta(days=2 * i)).isoformat() for i in range(400)],
            "Reason": "Missed bin", "Area": "Northbridge", "Channel": ["Phone", "Web"] * 200,
        })
        load_file(con, _write(folder, "one_area_one_reason", one), dataset="one_area_one_reason", kind="records",
                  roles={"Date": "date", "Reason": "reason", "Area": "area", "Channel": "channel"})

        blank_channel = pd.DataFrame({
            "Date": [(date(2023, 6, 1) + timedelta(days=i)).isoformat() for i in range(300)],
            "Reason": ["Noise", "Litter", "Graffiti"] * 100,
            "Channel": [""] * 300,
            "Customer": [""] * 300,
        })
        load_file(con, _write(folder, "blank_channel", blank_channel), dataset="blank_channel", kind="records",
                  types={"Channel": "text", "Customer": "text"},
                  roles={"Date": "date", "Reason": "reason", "Channel": "channel", "Customer": "customer_id"})

        one_row = pd.DataFrame({"Date": ["03/05/2024 10:15"], "Reason": ["Pothole"], "Channel": ["Phone"],
                                "Area": ["North"], "Cost": ["£12.50"]})
        load_file(con, _write(folder, "one_row", one_row), dataset="one_row", kind="records",
                  roles={"Date": "date", "Reason": "reason", "Channel": "channel", "Area": "area", "Cost": "cost"})

        # An annual series of 8 points, periods as the first day of each financial year (DATE).
        annual = pd.DataFrame({
            "period": pd.to_datetime([f"{y}-04-01" for y in range(2015, 2023)]),
            "measure": "Delayed transfers per 100,000",
            "value": [11.2, 12.4, 14.1, 10.3, 9.8, 6.1, 7.7, 8.0],
        })
        load_frame(con, annual, dataset="annual_8", kind="kpi",
                   roles={"period": "period", "measure": "measure", "value": "value"})
    finally:
        con.close()
