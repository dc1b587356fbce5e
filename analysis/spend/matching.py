"""Which spending goes with which records: a records dataset paired with a spending dataset, and their services
matched by name ("Housing Repairs and Maintenance" in the ledger is "Housing repairs" in the contact records).

The pair is chosen once, per records dataset, and kept as a lookup choice (``analysis.lookups``, purpose
:data:`SPENDING`: a spending dataset serves a records dataset as a unit-cost lookup serves it); with none chosen, the
spending dataset whose services match the records' best serves it (never the demo's for someone's real data, or the
other way). The services are matched by :func:`similarity` and shown as an editable mapping; an edited mapping is kept
per pair (:data:`MAP_TABLE`), and a spending service a person left unmatched stays unmatched.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pandas as pd

from analysis import lookups, store
from analysis.demand.scan import label_sql
from analysis.registry import Context, Read
from analysis.spend.vocabulary import SPEND
from analysis.store import quote_identifier as q

SPENDING = lookups.SPENDING  # the lookup purpose: a spending dataset chosen for a records dataset
MAP_TABLE = "stocktake_spend_service_map"
MIN_SIMILARITY = 0.6
"""Services at least this alike (0 to 1) are matched; below it a spending service is left unmatched."""
MIN_PAIR_SHARE = 0.5
"""A spending dataset nobody chose serves a records dataset when it matches at least half of the records' services."""
NOT_MATCHED = ""  # a spending service a person left unmatched
# Words that say nothing about which service is meant ("Parking Services" is "Parking").
STOP_WORDS = {"and", "the", "of", "for", "service", "services", "dept", "department", "team", "unit", "division",
              "directorate", "council", "general"}


def _tokens(name: str) -> set[str]:
    words = re.sub(r"[^a-z0-9]+", " ", str(name).lower().replace("&", " and ")).split()
    kept = {w for w in words if w not in STOP_WORDS}
    return kept or set(words)


def similarity(a: str, b: str) -> float:
    """How alike two service names are, 0 to 1: the larger of their spelling's likeness and the share of the shorter
    name's words the other has ('Parking' and 'Parking Services': 0.95; 'Council tax' and 'Revenues - Council Tax':
    0.95), so a ledger's longer names still match."""
    ta, tb = _tokens(a), _tokens(b)
    spelled = difflib.SequenceMatcher(None, " ".join(sorted(ta)), " ".join(sorted(tb))).ratio()
    shared = len(ta & tb) / min(len(ta), len(tb)) if ta and tb else 0.0
    return round(max(spelled, 0.95 * shared), 3)


def suggest_mapping(records_services: list[str], spend_services: list[str]) -> pd.DataFrame:
    """Each spending service and the records service most like it (``NOT_MATCHED`` below :data:`MIN_SIMILARITY`):
    spend_service, records_service, similarity. Several ledger services may go to one records service."""
    rows = []
    for spent in spend_services:
        scored = sorted(((similarity(spent, r), r) for r in records_services), key=lambda p: (-p[0], p[1]))
        best = scored[0] if scored else (0.0, NOT_MATCHED)
        rows.append((spent, best[1] if best[0] >= MIN_SIMILARITY else NOT_MATCHED, best[0]))
    return pd.DataFrame(rows, columns=["spend_service", "records_service", "similarity"])


def services(con, dataset: store.Dataset) -> list[str]:
    """A dataset's services as its figures label them, by name."""
    column = dataset.roles.get("service")
    if not column:
        return []
    rows = store.query_rows(con, f"SELECT DISTINCT {label_sql(column)} FROM {q(dataset.table)} ORDER BY 1")
    return [r[0] for r in rows]


# ---- the mapping kept per pair -------------------------------------------------------------------------------------

def _ensure_table(con) -> None:
    store.execute(con, f"""CREATE TABLE IF NOT EXISTS {q(MAP_TABLE)} (records VARCHAR NOT NULL, spend VARCHAR NOT NULL,
                               spend_service VARCHAR NOT NULL, records_service VARCHAR NOT NULL, saved_at TIMESTAMP)""")


def stored_mapping(con, records: str, spend: str) -> dict[str, str]:
    """The mapping a person saved for this pair: spending service -> records service (NOT_MATCHED: left unmatched)."""
    if not store.query_rows(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [MAP_TABLE])[0][0]:
        return {}
    rows = store.query_rows(con, f"SELECT spend_service, records_service FROM {q(MAP_TABLE)} WHERE records = ? AND "
                                 "spend = ? ORDER BY spend_service", [records, spend])
    return dict(rows)


def save_mapping(con, records: str, spend: str, mapping: dict[str, str]) -> None:
    """Keep the mapping for this pair, replacing the one kept before (in one transaction)."""
    _ensure_table(con)
    now = datetime.now().replace(microsecond=0)
    with store.transaction(con) as cur:
        cur.execute(f"DELETE FROM {q(MAP_TABLE)} WHERE records = ? AND spend = ?", [records, spend])
        for spent, matched in sorted(mapping.items()):
            cur.execute(f"INSERT INTO {q(MAP_TABLE)} VALUES (?, ?, ?, ?, ?)",
                        [records, spend, spent, matched or NOT_MATCHED, now])


@dataclass(frozen=True)
class Pair:
    """A records dataset and the spending that goes with it, with the services matched: ``mapping`` is
    ((spending service, records service or NOT_MATCHED, similarity), …); ``how`` is 'chosen' or 'matched' (the
    pair), ``edited`` whether a person saved the mapping."""

    records: str
    records_version: int
    spend: str
    spend_version: int
    mapping: tuple[tuple[str, str, float], ...]
    how: str
    edited: bool

    @property
    def matched(self) -> dict[str, str]:
        return {s: r for s, r, _ in self.mapping if r != NOT_MATCHED}

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(list(self.mapping), columns=["spend_service", "records_service", "similarity"])

    def sentence(self) -> str:
        matched = sorted(set(self.matched.values()))
        return (f"{len(self.matched)} of the {len(self.mapping)} services of '{self.spend}' are matched to "
                f"{len(matched)} services of '{self.records}'"
                + (" (as an editor kept them)." if self.edited else " (by their names: check them below)."))


def mapping_for(ctx: Context, records: store.Dataset, spend: store.Dataset) -> tuple[tuple, bool]:
    """The services of a pair matched: the kept mapping where a person saved one, the suggestion elsewhere."""
    kept = ctx.once(("spend map", str(store.default_db_path()), records.name, spend.name),
                    lambda: stored_mapping(ctx.con, records.name, spend.name))
    suggested = ctx.derived("spend map suggested", spend, (records.name, records.version), lambda: suggest_mapping(
        ctx.shared(services, records), ctx.shared(services, spend)))
    rows = []
    for spent, matched, score in suggested.itertuples(index=False):
        rows.append((spent, kept.get(spent, matched), float(score)))
    return tuple(rows), bool(kept)


def _matches_enough(ctx: Context, records: store.Dataset, spend: store.Dataset) -> float:
    mapping, _ = mapping_for(ctx, records, spend)
    wanted = ctx.shared(services, records)
    found = {r for _, r, _ in mapping if r != NOT_MATCHED}
    return len(found) / len(wanted) if wanted else 0.0


def pair_for(ctx: Context, records: store.Dataset, spend_name: str | None = None) -> Pair | None:
    """The spending that goes with a records dataset: ``spend_name`` when given (the Spend page's choice), else the
    one chosen for it, else the best-matching (at least half its services); None when none does."""
    if records.kind != "records" or "service" not in records.roles:
        return None
    offered = {d.name: d for d in lookups.candidates(ctx.con, records, SPENDING, ctx.datasets())}
    how = "chosen"
    if spend_name is None:
        choice = ctx.lookup(records, SPENDING)
        if choice.how == "chosen":
            spend_name = choice.lookup.name if choice.lookup is not None else None
            if spend_name is None:
                return None  # "none" was chosen: nothing serves it, even spending whose services match
        else:
            rated = sorted(((_matches_enough(ctx, records, d), d.name) for d in offered.values()),
                           key=lambda p: (-p[0], p[1]))
            if not rated or rated[0][0] < MIN_PAIR_SHARE:
                return None
            spend_name, how = rated[0][1], "matched"
    spend = offered.get(spend_name)
    if spend is None:
        return None
    mapping, edited = mapping_for(ctx, records, spend)
    return Pair(records.name, records.version, spend.name, spend.version, mapping, how, edited)


def records_for(ctx: Context, spend: store.Dataset) -> list[store.Dataset]:
    """The records datasets a spending dataset may be paired with (the demo's only with the demo's), those that chose
    it first, then by how many of their services it matches."""
    found = [d for d in ctx.datasets() if d.kind == "records" and "service" in d.roles and "date" in d.roles
             and spend.name in {c.name for c in lookups.candidates(ctx.con, d, SPENDING, [spend])}]
    chose = {d.name for d in found if ctx.lookup(d, SPENDING).lookup is not None
             and ctx.lookup(d, SPENDING).lookup.name == spend.name}
    return sorted(found, key=lambda d: (d.name not in chose, -_matches_enough(ctx, d, spend), d.name))


def _pair_stamp(ctx: Context, dataset: store.Dataset):
    if dataset.kind != "records":
        return None
    found = ctx.once(("spend pair", str(store.default_db_path()), dataset.name, dataset.version),
                     lambda: pair_for(ctx, dataset))
    return None if found is None else (found.spend, found.spend_version, found.mapping)


SPENDING_READ = Read("spending", _pair_stamp)
"""The spending paired with a records dataset (chosen or matched by services), its version and its mapping."""


def is_spend(dataset: store.Dataset | None) -> bool:
    return dataset is not None and dataset.kind == SPEND


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    _ensure_table(con)
