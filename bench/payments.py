"""Large spending datasets for benchmarks, generated inside DuckDB as ``bench.records`` generates contacts.

``add_payments(path, rows)`` adds ``bench_payments`` (the demo ledger's services and categories, 20,000 suppliers
whose spend is skewed as a council's is, dates over 2022-04-01 .. 2025-09-30, 2% credits, capital and revenue, a
transaction id each) to a benchmark store, once per size. ``ensure_spend_store(rows)`` is the ``bench.records`` store
of that size with the payments added (the Spend page's unit costs then pair them with ``bench_contacts``).

    .venv/bin/python -m bench.payments 1000000 10000000   # build ahead of the benchmarks
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from analysis import store
from analysis.load import commit
from analysis.load.prepare import prepare_dataset
from analysis.spend import scan as spend_scan
from analysis.store import Column
from bench.records import ensure_bench_store
from data import demo_spend

DATASET = "bench_payments"
SUPPLIERS = 20_000
COLUMNS = (("Payment Date", "timestamp", "date"), ("Service Area", "text", "service"),
           ("Expenditure Category", "text", "category"), ("Supplier Name", "text", "supplier"),
           ("Amount", "number", "amount"), ("Capital or Revenue", "text", "capital_revenue"),
           ("Transaction Number", "text", "transaction_id"))


def has_payments(path: Path, rows: int) -> bool:
    con = store.open_store(path)
    try:
        if not (store.dataset_exists(con, DATASET) and store.get_dataset(con, DATASET).row_count == rows):
            return False
        if spend_scan.kept_scan(con, store.get_dataset(con, DATASET)) is None:
            prepare_dataset(con, DATASET)  # a store built before the scan was kept
        return True
    finally:
        con.close()


def add_payments(path: Path, rows: int) -> None:
    """``bench_payments`` of exactly ``rows`` rows in the store at ``path`` (nothing done when it is there)."""
    if has_payments(path, rows):
        return
    started = time.monotonic()
    pairs = [(service, category) for service, (_, _, categories) in demo_spend.LEDGER.items() for category in categories]
    start, end = demo_spend.START, demo_spend.END
    days = (end - start).days + 1
    con = store.open_store(path)
    cur = con.cursor()
    try:
        # hash(i + k): independent, repeatable draws per row. Suppliers: the fifth power of a uniform draw puts most of the
        # spend with the first few hundred, as a council's top suppliers take most of its spend.
        select_sql = f"""
            SELECT TIMESTAMP '{start:%Y-%m-%d}' + to_days(CAST(hash(i + 1) % {days} AS INTEGER)) AS "Payment Date",
                   (?[1 + CAST(hash(i + 2) % {len(pairs)} AS INTEGER)]).service AS "Service Area",
                   (?[1 + CAST(hash(i + 2) % {len(pairs)} AS INTEGER)]).category AS "Expenditure Category",
                   'Supplier ' || lpad(CAST(CAST(pow(CAST(hash(i + 3) % 1000000 AS DOUBLE) / 1e6, 5) * {SUPPLIERS}
                                                 AS INTEGER) AS VARCHAR), 5, '0') AS "Supplier Name",
                   round((CASE WHEN hash(i + 4) % 50 = 0 THEN -0.3 ELSE 1 END)
                         * (500 + pow(CAST(hash(i + 5) % 1000000 AS DOUBLE) / 1e6, 10) * 200000), 2) AS "Amount",
                   CASE WHEN hash(i + 6) % 10 = 0 THEN 'Capital' ELSE 'Revenue' END AS "Capital or Revenue",
                   'BP' || CAST(i AS VARCHAR) AS "Transaction Number"
            FROM range({int(rows)}) AS t(i) ORDER BY 1"""
        structs = [{"service": s, "category": c} for s, c in pairs]
        commit.commit_table(con, dataset=DATASET, kind="spend", source_file="bench/payments.py",
                            select_sql=select_sql, params=[structs, structs],
                            columns=[Column(n, t, r) for n, t, r in COLUMNS], cursor=cur)
        prepare_dataset(con, DATASET)  # as a load does: the page's sums with no filter kept
    finally:
        cur.close()
        con.close()
    print(f"added {DATASET} to {path.name}: {rows:,} rows in {time.monotonic() - started:.1f} s", file=sys.stderr)


def ensure_spend_store(rows: int) -> Path:
    """The ``bench.records`` store of ``rows`` contacts with ``rows`` payments added."""
    path = ensure_bench_store(rows)
    add_payments(path, rows)
    return path


if __name__ == "__main__":
    for size in [int(a) for a in sys.argv[1:]] or [1_000_000, 10_000_000]:
        print(ensure_spend_store(size))
