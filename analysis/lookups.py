"""Lookups belong to datasets: which unit-cost, population or benchmark dataset applies to which dataset, and why.

A lookup applies to a dataset only when someone chose it for that dataset (remembered in the store, per dataset and
purpose) or when its keys match the dataset's own values: the share of the dataset's records whose channel (or area)
the lookup has, shown with the figure. The demo borough's lookups (made by ``python -m data.demo``: the fictional
Northbridge channel costs and ward populations) apply to the demo's own datasets only, never to anyone's real data,
chosen or not. Without a lookup the Savings page uses the published benchmark costs and says whose they are.

Benchmark (peer) datasets are a KPI series of organisations: they are compared on the Performance page of their own
dataset, and of a dataset they were chosen for, never on every dataset's page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

import duckdb

from analysis import store
from analysis.errors import StocktakeError
from analysis.formatting import format_percent
from analysis.roles import KPI, LOOKUP, SPEND
from analysis.store import quote_identifier as q

CHOICES_TABLE = "stocktake_lookup_choices"
DEMO_SOURCE = "demo borough generator (data/demo.py)"
"""The source file the demo generator writes into the catalogue: it marks the demo's datasets."""

UNIT_COST, POPULATION, BENCHMARK, SPENDING = "unit_cost", "population", "benchmark", "spending"
PURPOSES = {
    # purpose -> (the lookup's kind, the roles it needs, the role its keys are matched on, words for people)
    UNIT_COST: (LOOKUP, ("channel", "unit_cost"), "channel", "unit costs"),
    POPULATION: (LOOKUP, ("area", "population"), "area", "populations"),
    BENCHMARK: (KPI, ("area", "period", "value"), None, "peer comparison"),
    SPENDING: (SPEND, ("date", "amount", "service"), None, "spending"),  # matched by services' names: analysis.spend
}
MIN_MATCH = 0.5
"""A lookup nobody chose applies only when it has the keys of at least half of the dataset's records."""
NONE_CHOSEN = ""  # stored when the user chose no lookup: nothing applies, even one whose keys match


@dataclass(frozen=True)
class LookupChoice:
    """The lookup that applies to a dataset for one purpose (None: none does), how it came to apply
    ("chosen" or "matched"), and the share of the dataset's records whose key it has (None when not measured)."""

    lookup: store.Dataset | None
    how: str | None
    match_rate: float | None
    key_role: str | None = None

    def sentence(self) -> str:
        """Which lookup is used and why, with its match rate: 'Using 'ward populations' because its names match
        this dataset's: it has the area of 97.0% of the records.'"""
        if self.lookup is None:
            return ""
        rate = (f": it has the {self.key_role} of {format_percent(self.match_rate)} of the records"
                if self.match_rate is not None and self.key_role else "")
        if self.how == "chosen":
            return f"Using '{self.lookup.name}', chosen for this dataset{rate}."
        return f"Using '{self.lookup.name}' because its names match this dataset's{rate}."


def is_demo(dataset: store.Dataset) -> bool:
    return dataset.source_file == DEMO_SOURCE


def ensure_choices_table(con: duckdb.DuckDBPyConnection) -> None:
    store.execute(
        con,
        f"""CREATE TABLE IF NOT EXISTS {q(CHOICES_TABLE)} (
            dataset VARCHAR NOT NULL, purpose VARCHAR NOT NULL, lookup VARCHAR NOT NULL, chosen_at TIMESTAMP)""")


def _check_purpose(purpose: str) -> None:
    if purpose not in PURPOSES:
        raise StocktakeError(f"'{purpose}' is not a kind of lookup: use one of {', '.join(PURPOSES)}.")


def candidates(con: duckdb.DuckDBPyConnection, dataset: store.Dataset, purpose: str,
               catalogue: Sequence[store.Dataset] | None = None) -> list[store.Dataset]:
    """The datasets that could serve ``dataset`` for ``purpose``: of the right kind, with the roles it needs, and not
    the demo's unless ``dataset`` is the demo's too. By name. ``catalogue``: every dataset, when the caller has read
    them already."""
    _check_purpose(purpose)
    kind, needs, _, _ = PURPOSES[purpose]
    listed = store.list_datasets(con, kind) if catalogue is None else [d for d in catalogue if d.kind == kind]
    found = [d for d in listed if set(needs) <= set(d.roles) and d.name != dataset.name
             and (is_demo(dataset) or not is_demo(d))]
    return sorted(found, key=lambda d: d.name)


def stored_choice(con: duckdb.DuckDBPyConnection, dataset: str, purpose: str) -> str | None:
    """The lookup chosen for ``dataset`` (NONE_CHOSEN when the user chose none), or None when nobody has chosen."""
    if not store.settings_table_exists(con, CHOICES_TABLE):
        return None
    rows = store.query_rows(con, f"SELECT lookup FROM {q(CHOICES_TABLE)} WHERE dataset = ? AND purpose = ?",
                            [dataset, purpose])
    return rows[0][0] if rows else None


def choose_lookup(con: duckdb.DuckDBPyConnection, dataset: str, purpose: str, lookup: str | None) -> None:
    """Remember ``lookup`` for ``dataset`` and ``purpose`` (None: use none, even one whose names match)."""
    _check_purpose(purpose)
    ds = store.get_dataset(con, dataset)
    if lookup:
        allowed = {d.name for d in candidates(con, ds, purpose)}
        if lookup not in allowed:
            raise StocktakeError(f"'{lookup}' cannot supply {PURPOSES[purpose][3]} for '{dataset}': choose one of "
                                 "the lookups offered.")
    ensure_choices_table(con)
    with store.transaction(con) as cur:
        cur.execute(f"DELETE FROM {q(CHOICES_TABLE)} WHERE dataset = ? AND purpose = ?", [dataset, purpose])
        cur.execute(f"INSERT INTO {q(CHOICES_TABLE)} VALUES (?, ?, ?, ?)",
                    [dataset, purpose, lookup or NONE_CHOSEN, datetime.now().replace(microsecond=0)])


def forget_choice(con: duckdb.DuckDBPyConnection, dataset: str, purpose: str) -> None:
    """Go back to matching by names for ``dataset`` and ``purpose``."""
    _check_purpose(purpose)
    ensure_choices_table(con)
    with store.transaction(con) as cur:  # one transaction: the change and its audit record commit together
        cur.execute(f"DELETE FROM {q(CHOICES_TABLE)} WHERE dataset = ? AND purpose = ?", [dataset, purpose])


def match_rate(con: duckdb.DuckDBPyConnection, dataset: store.Dataset, lookup: store.Dataset, role: str) -> float:
    """The share of ``dataset``'s records with a ``role`` value that ``lookup`` has (ignoring capitals and spaces)."""
    column, key = dataset.roles.get(role), lookup.roles.get(role)
    if not column or not key:
        return 0.0
    matched, total = store.query_rows(
        con,
        f"""WITH keys AS (SELECT DISTINCT lower(trim(CAST({q(key)} AS VARCHAR))) AS k FROM {q(lookup.table)})
            SELECT count(*) FILTER (WHERE keys.k IS NOT NULL), count(*)
            FROM {q(dataset.table)} AS d LEFT JOIN keys ON keys.k = lower(trim(CAST(d.{q(column)} AS VARCHAR)))
            WHERE nullif(trim(CAST(d.{q(column)} AS VARCHAR)), '') IS NOT NULL""")[0]
    return (matched / total) if total else 0.0


def lookup_for(con: duckdb.DuckDBPyConnection, dataset: store.Dataset, purpose: str) -> LookupChoice:
    """The lookup that applies to ``dataset`` for ``purpose``: the one chosen for it (if it still exists and may
    serve it), else the best-matching one with at least MIN_MATCH of the records' keys, else none."""
    _check_purpose(purpose)
    offered = {d.name: d for d in candidates(con, dataset, purpose)}
    key_role = PURPOSES[purpose][2]
    chosen = stored_choice(con, dataset.name, purpose)
    if chosen == NONE_CHOSEN:
        return LookupChoice(None, "chosen", None)
    if chosen in offered:
        lookup = offered[chosen]
        rate = match_rate(con, dataset, lookup, key_role) if key_role else None
        return LookupChoice(lookup, "chosen", rate, key_role)
    if key_role is None or key_role not in dataset.roles:
        return LookupChoice(None, None, None)
    rated = [(match_rate(con, dataset, d, key_role), d.name) for d in offered.values()]
    rated = [(rate, name) for rate, name in rated if rate >= MIN_MATCH]
    if not rated:
        return LookupChoice(None, None, None)
    rate, name = sorted(rated, key=lambda pair: (-pair[0], pair[1]))[0]
    return LookupChoice(offered[name], "matched", rate, key_role)
