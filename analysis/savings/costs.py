"""Unit costs and handling minutes per channel: the Socitm 2012 benchmark, a unit-cost lookup dataset, and the
illustrative minutes used where the data has none."""

from __future__ import annotations

import re
from typing import Sequence

import duckdb
import pandas as pd

from analysis import store
from analysis.errors import StocktakeError
from analysis.store import quote_identifier

SOCITM_SOURCE = "Socitm Insight, channel value benchmarking (2012): average cost per transaction"
SOCITM_CAVEAT = (
    "The Socitm 2012 figures are national averages for simple transactions, not your costs: replace them with "
    "local figures (a unit-cost lookup dataset, or type them in) before relying on the totals."
)
# Canonical channel -> £ per contact (Socitm 2012 channel value benchmark).
SOCITM_2012 = {"Face to face": 8.62, "Phone": 2.83, "Web": 0.15}

# Spellings of channel names that mean one of the benchmark's channels. Compared lower-cased, punctuation as spaces.
_CHANNEL_SYNONYMS = {
    "Face to face": ("face to face", "f2f", "in person", "visit", "walk in", "reception", "counter"),
    "Phone": ("phone", "telephone", "call", "calls", "contact centre", "tel"),
    "Web": ("web", "online", "website", "self service", "portal", "app", "digital", "web form", "online form"),
}

# Minutes of staff time per contact used when the data has no handling minutes for a channel. Illustrative defaults
# a user is expected to replace; shown on the page as "entered" values.
DEFAULT_MINUTES = {"Face to face": 12.0, "Phone": 6.0, "Web": 2.0, "Email": 8.0}
FALLBACK_MINUTES = 5.0


def canonical_channel(name: str) -> str | None:
    """The Socitm benchmark channel a channel name means ('Telephone' -> 'Phone'), or None."""
    text = re.sub(r"[^a-z0-9]+", " ", str(name).lower()).strip()
    for canonical, words in _CHANNEL_SYNONYMS.items():
        if text in words or any(text.startswith(w + " ") or text.endswith(" " + w) for w in words):
            return canonical
    return None


def unit_cost_lookups(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Lookup datasets that can supply unit costs (roles channel and unit_cost): name -> version, by name."""
    return {d.name: d.version for d in sorted(store.list_datasets(con, kind="lookup"), key=lambda d: d.name)
            if {"channel", "unit_cost"} <= set(d.roles)}


def read_unit_cost_lookup(con: duckdb.DuckDBPyConnection, lookup: str) -> pd.DataFrame:
    """A unit-cost lookup as channel, unit_cost, source (source blank when the lookup has none)."""
    ds = store.get_dataset(con, lookup)
    roles = ds.roles
    if "channel" not in roles or "unit_cost" not in roles:
        raise StocktakeError(
            f"Dataset '{lookup}' cannot supply unit costs: it needs a column with the role 'Channel' and one with "
            "the role 'Unit cost (£)'. Set them on the Data page."
        )
    source = (
        f"CAST({quote_identifier(roles['source'])} AS VARCHAR)" if "source" in roles else "CAST(NULL AS VARCHAR)"
    )
    return store.query_df(
        con,
        f"""SELECT CAST({quote_identifier(roles['channel'])} AS VARCHAR) AS channel,
                   TRY_CAST({quote_identifier(roles['unit_cost'])} AS DOUBLE) AS unit_cost,
                   {source} AS source
            FROM {quote_identifier(ds.table)} WHERE {quote_identifier(roles['channel'])} IS NOT NULL""",
    )


def unit_cost_table(
    channels: Sequence[str], lookup: pd.DataFrame | None = None, lookup_name: str | None = None
) -> pd.DataFrame:
    """The unit cost of each channel and where it comes from: the lookup where it has the channel, else Socitm 2012.

    Columns: channel, unit_cost (NaN where nothing is known), source, note. A channel with no cost gets a note saying
    its contacts count as £0 until a figure is entered.
    """
    from_lookup: dict[str, tuple[float, str]] = {}
    if lookup is not None and not lookup.empty:
        for ch, cost, src in zip(lookup["channel"], lookup["unit_cost"], lookup["source"]):
            if cost is None or pd.isna(cost):
                continue
            label = str(src) if src is not None and not pd.isna(src) and str(src).strip() else ""
            where = f"lookup '{lookup_name}'" if lookup_name else "unit-cost lookup"
            from_lookup[str(ch).strip().lower()] = (float(cost), f"{label} ({where})" if label else where)
    rows = []
    for ch in channels:
        key = str(ch).strip().lower()
        canonical = canonical_channel(ch)
        if key in from_lookup:
            cost, src = from_lookup[key]
            rows.append((ch, cost, src, ""))
        elif canonical in SOCITM_2012:
            note = "" if canonical == ch else f"Costed as '{canonical}' in the benchmark."
            rows.append((ch, SOCITM_2012[canonical], SOCITM_SOURCE, note))
        else:
            rows.append((ch, float("nan"), "none", f"No unit cost for '{ch}': its contacts count as £0 until you "
                                                    "enter a local figure."))
    return pd.DataFrame(rows, columns=["channel", "unit_cost", "source", "note"])



def default_minutes(channel: str) -> float:
    """The illustrative handling minutes for a channel with no data ('Telephone' -> Phone's 6 minutes)."""
    if channel in DEFAULT_MINUTES:
        return DEFAULT_MINUTES[channel]
    return DEFAULT_MINUTES.get(canonical_channel(channel) or "", FALLBACK_MINUTES)


def channels_to_cost(data_channels: list[str], priced: list[str] | None = None) -> list[str]:
    """The channels the page asks a unit cost for: those in the data, any benchmark channel the data lacks (a shift
    may move contacts there) and any channel the chosen lookup prices (``priced``)."""
    channels = list(data_channels)
    mapped = {canonical_channel(c) for c in channels}
    channels += [c for c in SOCITM_2012 if c not in mapped and c not in channels]
    channels += [c for c in (priced or []) if c not in channels]
    return channels


def default_shift(channels: list[str]) -> tuple[str, str]:
    """The channel shift offered at first: from phone to web (by their usual names), else the first to the last."""
    phone = next((c for c in channels if canonical_channel(c) == "Phone"), channels[0])
    web = next((c for c in channels if canonical_channel(c) == "Web"), channels[-1])
    if web == phone:
        web = next(c for c in channels if c != phone) if len(channels) > 1 else phone
    return phone, web
