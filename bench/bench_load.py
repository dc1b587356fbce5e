"""Benchmark: loading a records CSV (UK dates, £ amounts) through Stocktake's loader, beside the pandas way.

The CSV is written from the benchmark store (bench/records.py) with dates as dd/mm/yyyy HH:MM and costs as £1,234.50,
as a council export would have them. Prints seconds for 1M and 10M rows, and for wide files (2,000 columns, which
load; 5,000, which are refused at once).

    .venv/bin/python -m bench.bench_load [ROWS ...]
"""

from __future__ import annotations

import sys
import time

import pandas as pd

from analysis import store
from analysis.load import ingest
from bench.records import WORK_DIR, ensure_bench_store


def export_csv(rows: int):
    path = WORK_DIR / f"export_{rows}.csv"
    if path.exists():
        return path
    con = store.open_store(ensure_bench_store(rows))
    try:
        store.execute(con, f"""
            COPY (SELECT contact_id AS "Contact ID", strftime(received_at, '%d/%m/%Y %H:%M') AS "Date Received",
                         service AS "Service", reason AS "Reason", channel AS "Channel", ward AS "Ward",
                         status AS "Status", '£' || format('{{:,.2f}}', cost) AS "Cost (£)",
                         handling_minutes AS "Handling Minutes", customer_id AS "Customer ID"
                  FROM ds_bench_contacts) TO '{path}' (HEADER, DELIMITER ',')""")
    finally:
        con.close()
    return path


def time_stocktake(path, rows: int) -> float:
    db = WORK_DIR / f"load_target_{rows}.duckdb"
    db.unlink(missing_ok=True)
    con = store.open_store(db)
    try:
        started = time.perf_counter()
        report = ingest.load_file(con, path, dataset="export")
        elapsed = time.perf_counter() - started
        assert report.rows_loaded == rows, report.as_dict()
    finally:
        con.close()
        db.unlink(missing_ok=True)
    return elapsed


def time_pandas(path, rows: int) -> float:
    started = time.perf_counter()
    frame = pd.read_csv(path, dtype=str)
    frame["Date Received"] = pd.to_datetime(frame["Date Received"], format="%d/%m/%Y %H:%M")
    frame["Cost (£)"] = pd.to_numeric(frame["Cost (£)"].str.replace("[£,]", "", regex=True))
    frame["Handling Minutes"] = pd.to_numeric(frame["Handling Minutes"])
    for column in ("Service", "Reason", "Channel", "Ward", "Status"):
        frame[column] = frame[column].str.strip()
    assert len(frame) == rows
    return time.perf_counter() - started


def time_wide(columns: int, rows: int) -> tuple[float, str]:
    """A file of ``columns`` whole-number columns: seconds to load it (or to refuse it), and what happened."""
    from analysis.errors import StocktakeError

    path = WORK_DIR / f"wide_{columns}x{rows}.csv"
    if not path.exists():
        with open(path, "w") as out:
            out.write(",".join(f"m{i}" for i in range(columns)) + "\n")
            for r in range(rows):
                out.write(",".join(str(i + r) for i in range(columns)) + "\n")
    db = WORK_DIR / "wide_target.duckdb"
    db.unlink(missing_ok=True)
    con = store.open_store(db)
    started = time.perf_counter()
    try:
        report = ingest.load_file(con, path, dataset="wide", kind="lookup")
        outcome = f"loaded {report.rows_loaded:,} rows"
    except StocktakeError as exc:
        outcome = f"refused: {str(exc)[:60]}…"
    finally:
        elapsed = time.perf_counter() - started
        con.close()
        db.unlink(missing_ok=True)
    return elapsed, outcome


def main(sizes: list[int]) -> None:
    for columns, rows in ((2_000, 1_000), (5_000, 1)):
        seconds, outcome = time_wide(columns, rows)
        print(f"{columns:,} columns x {rows:,} rows: {seconds:.2f} s ({outcome})")
    print(f"{'rows':>12} {'MB':>7} {'Stocktake load_file (s)':>24} {'pandas read+parse (s)':>22}")
    for rows in sizes:
        path = export_csv(rows)
        mb = path.stat().st_size / 1e6
        ours = time_stocktake(path, rows)
        theirs = time_pandas(path, rows)
        print(f"{rows:>12,} {mb:>7.0f} {ours:>24.1f} {theirs:>22.1f}")
    print("Stocktake's figure includes type detection, every-row checks, case-variant search, rejects and the "
          "atomic write to DuckDB; pandas' only reads and parses in memory (nothing stored).")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1_000_000, 10_000_000])
