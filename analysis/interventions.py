"""Interventions: dated notes of what a service changed ("Online repairs tracking launched", 2024-06-01).

They are drawn as labelled vertical lines on every Performance chart of their service (a note with no service shows
on every chart of the dataset), and the page offers them as points to recalculate SPC limits from (rebase points).
Stored in the Stocktake database in ``stocktake_interventions`` so they survive restarts; the table is created on
first use. An intervention is a change with only a title and a date: :mod:`analysis.changes.records` adds a change's
other fields (roll-out, area, targets, owner, description) to the same table, so both read the same rows.
"""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pandas as pd

from analysis import store
from analysis.errors import StocktakeError
from analysis.store import quote_identifier as q

INTERVENTIONS_TABLE = "stocktake_interventions"
INTERVENTION_SEQUENCE = "stocktake_intervention_seq"
TARGETS_TABLE = "stocktake_change_targets"  # what a change targets (analysis.changes.records), deleted with it
MAX_LABEL = 120
COLUMNS = ["id", "dataset", "service", "day", "label"]


def ensure_interventions_table(con: duckdb.DuckDBPyConnection) -> None:
    """Create the interventions table and its id sequence if this store has none. Idempotent."""
    store.create_if_missing(
        con, INTERVENTIONS_TABLE, f"CREATE SEQUENCE IF NOT EXISTS {q(INTERVENTION_SEQUENCE)}",
        f"""CREATE TABLE IF NOT EXISTS {q(INTERVENTIONS_TABLE)} (
            id BIGINT NOT NULL, dataset VARCHAR NOT NULL, service VARCHAR, day DATE NOT NULL,
            label VARCHAR NOT NULL, created_at TIMESTAMP)""",
    )


def _table_exists(con: duckdb.DuckDBPyConnection) -> bool:
    # duckdb_tables(), not information_schema.tables: the view costs twice as much; and asked of the store only until
    # it is there (the Performance page asks on every run).
    return store.settings_table_exists(con, INTERVENTIONS_TABLE)


def as_date(day, what: str = "day the change happened") -> date:
    """``day`` as a date, or a sentence naming ``what`` was wanted (changes' dates are read the same way)."""
    try:
        value = pd.Timestamp(day)
    except (ValueError, TypeError):
        value = pd.NaT
    if pd.isna(value):
        raise StocktakeError(f"'{day}' is not a date: give the {what}, e.g. 2024-06-01.")
    return value.date()


def add_intervention(
    con: duckdb.DuckDBPyConnection, dataset: str, service: str | None, day: date | datetime | str, label: str
) -> int:
    """Record an intervention and return its id.

    ``service`` None (or '') puts it on every chart of the dataset. The same dataset, service, day and label twice
    is kept once (the existing id is returned), so a demo builder or a double click cannot duplicate it.
    """
    label = (label or "").strip()
    if not label:
        raise StocktakeError("Give the intervention a short description, e.g. 'New online repairs form'.")
    if len(label) > MAX_LABEL:
        raise StocktakeError(f"Keep the description to {MAX_LABEL} characters or fewer (it is drawn on the chart).")
    if not dataset:
        raise StocktakeError("Choose the dataset the intervention belongs to.")
    service = (service or "").strip() or None
    day = as_date(day)
    ensure_interventions_table(con)
    existing = store.query_rows(
        con,
        f"""SELECT id FROM {q(INTERVENTIONS_TABLE)}
            WHERE dataset = ? AND service IS NOT DISTINCT FROM ? AND day = ? AND label = ?""",
        [dataset, service, day, label],
    )
    if existing:
        return int(existing[0][0])
    with store.transaction(con) as cur:  # one transaction: the change and its audit record commit together
        new_id = int(cur.execute(f"SELECT nextval('{INTERVENTION_SEQUENCE}')").fetchone()[0])
        # Columns named: the table has grown into the changes table (analysis.changes.records adds its fields).
        cur.execute(f"INSERT INTO {q(INTERVENTIONS_TABLE)} (id, dataset, service, day, label, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    [new_id, dataset, service, day, label, datetime.now().replace(microsecond=0)])
    return new_id


def list_interventions(con: duckdb.DuckDBPyConnection, dataset: str, service: str | None = None) -> pd.DataFrame:
    """A dataset's interventions, oldest first: columns id, dataset, service, day (Timestamp), label.

    With ``service``, only those for that service and those for every service (no service of their own).
    """
    if not _table_exists(con):
        return pd.DataFrame({c: pd.Series(dtype="object") for c in COLUMNS}).assign(
            day=pd.Series(dtype="datetime64[us]"))
    where, params = "dataset = ?", [dataset]
    if service:
        where += " AND (service = ? OR service IS NULL)"
        params.append(service)
    frame = store.query_df(
        con,
        f"SELECT id, dataset, service, day, label FROM {q(INTERVENTIONS_TABLE)} WHERE {where} ORDER BY day, id",
        params,
    )
    frame["day"] = pd.to_datetime(frame["day"])
    frame["id"] = frame["id"].astype("int64")
    frame["service"] = frame["service"].astype(object).where(frame["service"].notna(), None)
    return frame


def delete_intervention(con: duckdb.DuckDBPyConnection, intervention_id: int) -> bool:
    """Delete one intervention by id. Returns False when there was no such intervention."""
    if not _table_exists(con):
        return False
    found = store.query_rows(con, f"SELECT 1 FROM {q(INTERVENTIONS_TABLE)} WHERE id = ?", [int(intervention_id)])
    if not found:
        return False
    with store.transaction(con) as cur:
        if store.settings_table_exists(con, TARGETS_TABLE):  # the figures a change targets go with it
            cur.execute(f"DELETE FROM {q(TARGETS_TABLE)} WHERE change_id = ?", [int(intervention_id)])
        cur.execute(f"DELETE FROM {q(INTERVENTIONS_TABLE)} WHERE id = ?", [int(intervention_id)])
    return True
