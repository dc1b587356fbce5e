"""Large records datasets for benchmarks, generated inside DuckDB so 10M rows take seconds, not minutes.

``ensure_bench_store(rows)`` returns a DuckDB file under bench/_work/ holding ``bench_contacts`` (same columns and
roles as the demo's ``demo_contacts``: services, reasons, channels and wards from the demo generator, dates spread
over 2022-04-01 .. 2025-11-14, customers who repeat) and the demo's lookups (``bench_contacts_classification``,
``bench_ward_population``, ``bench_channel_costs``). Built once per size and reused.

    .venv/bin/python -m bench.records 1000000 10000000   # build ahead of the benchmarks
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from analysis import store
from analysis.load import commit, ingest
from analysis.store import Column
from data import borough

WORK_DIR = Path(__file__).resolve().parent / "_work"
DATASET = "bench_contacts"


def bench_store_path(rows: int) -> Path:
    return WORK_DIR / f"bench_{rows}.duckdb"


def ensure_bench_store(rows: int) -> Path:
    """The path of a store with a ``bench_contacts`` dataset of exactly ``rows`` rows, building it if needed."""
    path = bench_store_path(rows)
    if path.exists():
        con = store.open_store(path)
        try:
            if store.dataset_exists(con, DATASET) and store.get_dataset(con, DATASET).row_count == rows:
                return path
        finally:
            con.close()
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    started = time.monotonic()
    con = store.open_store(path)
    try:
        _build(con, rows)
    finally:
        con.close()
    print(f"built {path.name}: {rows:,} rows in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return path


def _build(con, rows: int) -> None:
    classification = borough.build_classification()
    cur = con.cursor()
    try:
        cur.register("reason_list", classification)
        cur.execute("CREATE TEMP TABLE reasons AS SELECT row_number() OVER () - 1 AS i, service, reason FROM reason_list")
        n_reasons = len(classification)
        start = borough.START
        span_seconds = int((borough.END - borough.START).total_seconds()) + 86399
        wards = list(borough.WARDS)
        # hash(i + k) gives independent, repeatable pseudo-random draws per row for each attribute k.
        select_sql = f"""
            WITH base AS (
                SELECT i,
                       TIMESTAMP '{start:%Y-%m-%d}' + to_seconds(CAST(hash(i + 1) % {span_seconds} AS BIGINT)) AS received_at,
                       CAST(hash(i) % {n_reasons} AS BIGINT) AS reason_index
                FROM range({int(rows)}) AS t(i)
            )
            SELECT CAST(b.i + 1 AS BIGINT) AS contact_id,
                   b.received_at,
                   CASE WHEN b.received_at + to_seconds(CAST(hash(b.i + 4) % (40 * 86400) AS BIGINT))
                             <= TIMESTAMP '{borough.END:%Y-%m-%d} 23:59:59'
                        THEN b.received_at + to_seconds(CAST(hash(b.i + 4) % (40 * 86400) AS BIGINT)) END AS closed_at,
                   r.service, r.reason,
                   ?[1 + CAST(hash(b.i + 2) % 10 AS INTEGER) // 3] AS channel,
                   ?[1 + CAST(hash(b.i + 3) % {len(wards)} AS INTEGER)] AS ward,
                   CASE WHEN b.received_at + to_seconds(CAST(hash(b.i + 4) % (40 * 86400) AS BIGINT))
                             <= TIMESTAMP '{borough.END:%Y-%m-%d} 23:59:59' THEN 'Closed' ELSE 'Open' END AS status,
                   CAST(hash(b.i + 5) % 20000 AS DOUBLE) / 100 AS cost,
                   CAST(hash(b.i + 6) % 300 AS DOUBLE) / 10 AS handling_minutes,
                   'C' || lpad(CAST(hash(b.i + 7) % {max(rows // 3, 1)} AS VARCHAR), 8, '0') AS customer_id,
                   CASE WHEN r.service IN ('Housing repairs', 'Council tax')
                        THEN 'P' || lpad(CAST(hash(b.i + 7) % 41000 AS VARCHAR), 6, '0') END AS property_id
            FROM base AS b JOIN reasons AS r ON r.i = b.reason_index
            ORDER BY b.received_at
        """
        # 10 buckets // 3 -> slots 0-3: 30% each of phone, web and email, 10% face to face.
        channels = ["Phone", "Web", "Email", "Face to face"]
        columns = [Column(name, typ, borough.CONTACT_ROLES[name]) for name, typ in (
            ("contact_id", "integer"), ("received_at", "timestamp"), ("closed_at", "timestamp"), ("service", "text"),
            ("reason", "text"), ("channel", "text"), ("ward", "text"), ("status", "text"), ("cost", "number"),
            ("handling_minutes", "number"), ("customer_id", "text"), ("property_id", "text"))]
        commit.commit_table(con, dataset=DATASET, kind="records", source_file="bench/records.py",
                            select_sql=select_sql, params=[channels, wards], columns=columns, cursor=cur)
    finally:
        cur.close()
    roles = {"service": "service", "reason": "reason", "demand_type": "demand_type"}
    ingest.load_frame(con, classification, dataset=f"{DATASET}_classification", kind="lookup", roles=roles)
    ingest.load_frame(con, borough.build_population(), dataset="bench_ward_population", kind="lookup",
                      roles={"ward": "area", "population": "population"})
    ingest.load_frame(con, borough.CHANNEL_COSTS, dataset="bench_channel_costs", kind="lookup",
                      roles={"channel": "channel", "unit_cost": "unit_cost", "source": "source"})


if __name__ == "__main__":
    for size in [int(a) for a in sys.argv[1:]] or [1_000_000, 10_000_000]:
        print(ensure_bench_store(size))


def median_seconds(fn, runs: int) -> float:
    """Median wall time of ``fn(i)`` over ``runs`` calls (i = 0, 1, …), in seconds."""
    import statistics

    times = []
    for i in range(runs):
        started = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - started)
    return statistics.median(times)
