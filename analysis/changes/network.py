"""The network: practice cards imported from other services and councils, kept in the store, and each beside your
own baseline for the same figure.

Importing (the Data page, or ``python -m analysis cards import FILE…``) checks every file first
(:func:`analysis.changes.cards.read_card`) and stores them all in one transaction, or none: one bad file refuses the
lot, with its sentence. The same card twice is kept once (by its content).

For each imported figure with a signal, :func:`beside` works out what the same relative effect would mean here: your
baseline is the figure's mean over your latest 12 complete periods (in the card's service when your data have one of
that name, else every service, and said); the same share of it, over a year, is "-N contacts a year" for a count, and
at your own cost of a contact (the Savings page's unit costs) "£M a year". For failure demand the Savings page has the
matching lever, so the row carries the link that opens it with that lever set (and the other levers off).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

import duckdb
import pandas as pd

from analysis import store
from analysis.changes import cards, measure, targets
from analysis.changes import effect as fx
from analysis.errors import StocktakeError
from analysis.registry import Context
from analysis.savings import page as savings_page
from analysis.store import quote_identifier as q

CARDS_TABLE = "stocktake_cards"
BASELINE_PERIODS = 12


def ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    store.create_if_missing(con, CARDS_TABLE, f"""CREATE TABLE IF NOT EXISTS {q(CARDS_TABLE)} (
        digest VARCHAR NOT NULL, source_name VARCHAR, imported_at TIMESTAMP NOT NULL, payload VARCHAR NOT NULL)""")


def _digest(payload: dict) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode("utf-8")).hexdigest()


def read_files(paths) -> list[tuple[str, dict]]:
    """Every file read and checked, as (its name, its card); the first that fails raises its sentence."""
    found = []
    for path in paths:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            raise cards.CardError(f"{path.name} could not be read as a practice card (an HTML file exported from "
                                  "Stocktake).") from None
        try:
            found.append((path.name, cards.read_card(text, path.name)))
        except cards.CardError as exc:
            raise cards.CardError(str(exc) if str(exc).startswith(path.name) else f"{path.name}: {exc}") from None
    return found


def import_cards(con: duckdb.DuckDBPyConnection, named: list[tuple[str, dict]]) -> int:
    """Store checked cards (all or none); returns how many were new."""
    ensure_table(con)
    for name, payload in named:
        cards.check(payload)
    added = 0
    with store.transaction(con) as cur:
        for name, payload in named:
            digest = _digest(payload)
            if cur.execute(f"SELECT 1 FROM {q(CARDS_TABLE)} WHERE digest = ?", [digest]).fetchall():
                continue
            cur.execute(f"INSERT INTO {q(CARDS_TABLE)} VALUES (?, ?, ?, ?)",
                        [digest, name, datetime.now().replace(microsecond=0), json.dumps(payload)])
            added += 1
    return added


def list_cards(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, dict]]:
    """Imported cards, newest first: (digest, file name, card)."""
    ensure_table(con)
    rows = store.query_rows(con, f"SELECT digest, source_name, payload FROM {q(CARDS_TABLE)} "
                                 "ORDER BY imported_at DESC, digest")
    return [(d, n, json.loads(p)) for d, n, p in rows]


def stamp(con: duckdb.DuckDBPyConnection) -> tuple:
    ensure_table(con)
    return tuple(store.query_rows(con, f"SELECT count(*), max(imported_at) FROM {q(CARDS_TABLE)}")[0])


@dataclass(frozen=True)
class Beside:
    """One imported figure beside your own baseline."""

    card: dict
    figure: dict
    scope: str  # where your baseline comes from: 'Housing repairs' or 'every service'
    baseline: float | None  # your mean per period over the latest 12 complete periods
    note: str = ""  # why there is no "if you saw the same relative effect"
    contacts_a_year: float | None = None
    pounds_a_year: float | None = None
    cost_source: str | None = None
    savings_link: str | None = None
    savings_levers: tuple[tuple[str, str], ...] = ()  # the Savings page's controls the link sets

    def sentence(self) -> str:
        if self.contacts_a_year is None:
            return self.note
        words = f"If you saw the same relative effect: {self.contacts_a_year:+,.0f} contacts a year"
        if self.pounds_a_year is not None:
            words += f", {'-' if self.pounds_a_year < 0 else '+'}£{abs(self.pounds_a_year):,.0f} a year"
        return words + f" (on your {self.scope} baseline of {self.baseline:,.0f} a {self.figure['grain']})."


def beside(ctx: Context, ds: store.Dataset, card: dict, figure: dict) -> Beside:
    """What a card's figure would mean in ``ds`` (see the module's docstring)."""
    e = figure["effect"]
    try:
        mine = targets.describe(ctx.con, ds, figure["key"])
        every = ctx.shared(targets.by_service, ds, figure["key"], None)
    except StocktakeError as exc:
        return Beside(card, figure, "", None, note=f"Not comparable with '{ds.name}': {exc}")
    service = card["change"]["service"]
    scope = service if service and service in every else "every service"
    series = every[service if scope == service else targets.ALL]["value"].dropna()
    if len(series) < BASELINE_PERIODS:
        return Beside(card, figure, scope, None, note=f"Your data have {len(series)} complete periods of "
                                                      f"{mine.label.lower()}: {BASELINE_PERIODS} are needed for a baseline.")
    baseline = float(series.tail(BASELINE_PERIODS).mean())
    out = Beside(card, figure, scope, baseline)
    if e["verdict"] in fx.SIGNALS and e["share"] is None:
        return Beside(card, figure, scope, baseline, note="Their card gives no effect to carry over: some of its "
                                                            "months were under 10 and suppressed.")
    if e["verdict"] not in fx.SIGNALS:
        return Beside(card, figure, scope, baseline, note="Their change showed no signal beyond ordinary variation, "
                                                            "so there is no effect to carry over.")
    if not mine.is_count:
        moved = baseline * (1 + e["share"])
        return Beside(card, figure, scope, baseline, note=(
            f"If you saw the same relative effect ({e['share']:+.1%}), your {mine.label.lower()} would go from "
            f"{targets.format_value(baseline, mine.unit)} to {targets.format_value(moved, mine.unit)}."))
    contacts = baseline * e["share"] * measure.PERIODS_A_YEAR.get(mine.grain, 12)
    cost, source = measure.cost_per_contact(ctx, ds, service if scope == service else None)
    link, levers = None, {}
    if figure["key"] == targets.FAILURE and e["share"] < 0:
        levers = {"dataset": ds.name, savings_page.FAILURE_PCT_KEY: round(-e["share"] * 100),
                  savings_page.SHIFT_COUNT_KEY: 0, savings_page.HANDLING_PCT_KEY: 0}
        if scope == service:
            levers[savings_page.FAILURE_SERVICES_KEY] = service
        link = f"/{savings_page.PAGE_KEY}?{urlencode(levers)}"
    return Beside(out.card, figure, scope, baseline, contacts_a_year=contacts,
                  pounds_a_year=None if cost is None else contacts * cost, cost_source=source, savings_link=link,
                  savings_levers=tuple((k, str(v)) for k, v in levers.items()), note=source or "")


def network(ctx: Context, ds: store.Dataset) -> list[Beside]:
    """Every imported card's every figure, beside ``ds``."""
    return [beside(ctx, ds, card, figure) for _, _, card in list_cards(ctx.con) for figure in card["figures"]]


def frame(rows: list[Beside]) -> pd.DataFrame:
    """The network as a table (the page's download and the test's check)."""
    return pd.DataFrame([{"change": b.card["change"]["title"], "organisation": b.card["organisation"]["type"],
                          "size": b.card["organisation"]["size_band"], "figure": b.figure["label"],
                          "verdict": fx.VERDICT_LABELS[b.figure["effect"]["verdict"]],
                          "share": b.figure["effect"]["share"], "your_baseline": b.baseline,
                          "contacts_a_year": b.contacts_a_year, "pounds_a_year": b.pounds_a_year,
                          "what_it_means_here": b.sentence()} for b in rows])
