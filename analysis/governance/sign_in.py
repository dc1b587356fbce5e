"""How long a sign-in lasts, and signing out that ends it everywhere.

Streamlit's ``st.login`` keeps the person in a signed cookie that lives 30 days, and ``st.logout`` only clears that
cookie in the browser that asked: another tab kept its session, and a copy of the cookie kept working. An
information-governance review expects the opposite, so Stocktake keeps two rules of its own, checked by the web
server's gate (``ui.gate``, on every request for a file, an upload or the metrics) and by ``ui.auth`` (on every run of
every page, in every session):

- a sign-in is current for ``[stocktake] sign_in_hours`` (8 by default) from the moment the cookie was signed;
- signing out records, in the store, when that person signed out; any sign-in made before then (another tab, another
  device, a copied cookie) is over. The record is kept per person, so a later sign-in works again.

The records live in the DuckDB file beside the data (``stocktake_sign_outs``), so a restart keeps them; the app
process is the store's one writer, and :class:`SignOuts` mirrors them in memory so the checks on every request and
every run read no table. Times are seconds since the epoch (UTC): a cookie's signing time is one.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Mapping

import duckdb

from analysis import store
from analysis.store import quote_identifier as q

SIGN_OUTS_TABLE = "stocktake_sign_outs"

CURRENT = "current"
EXPIRED = "expired"
SIGNED_OUT = "signed out"
UNKNOWN = "unknown"  # no time to judge the sign-in by: treated as not signed in


def ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    store.create_if_missing(
        con, SIGN_OUTS_TABLE,
        f"CREATE TABLE IF NOT EXISTS {q(SIGN_OUTS_TABLE)} (user_name VARCHAR NOT NULL, signed_out_at DOUBLE NOT NULL)",
    )


def read_sign_outs(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    """Each person's latest sign-out (name as the audit trail records it -> seconds since the epoch)."""
    if not store.table_exists(con, SIGN_OUTS_TABLE):
        return {}
    rows = store.query_rows(con, f"SELECT user_name, max(signed_out_at) FROM {q(SIGN_OUTS_TABLE)} GROUP BY 1")
    return {name: float(at) for name, at in rows}


def record_sign_out(con: duckdb.DuckDBPyConnection, user: str, at: float | None = None) -> float:
    """Keep ``user``'s sign-out (now, unless ``at``) in the store and return its time."""
    at = time.time() if at is None else float(at)
    ensure_table(con)
    with store.transaction(con) as cur:
        cur.execute(f"DELETE FROM {q(SIGN_OUTS_TABLE)} WHERE user_name = ?", [user])
        cur.execute(f"INSERT INTO {q(SIGN_OUTS_TABLE)} VALUES (?, ?)", [user, at])
    return at


def sign_in_state(user: str, signed_in_at: float | None, *, hours: float, signed_out_at: float | None,
                  now: float | None = None) -> str:
    """Whether a sign-in made at ``signed_in_at`` (seconds since the epoch) is still :data:`CURRENT`, or
    :data:`EXPIRED` (older than ``hours``), :data:`SIGNED_OUT` (made before the person's last sign-out) or
    :data:`UNKNOWN` (no time given).

    Cookie times are whole seconds: a sign-in signed in the same second as the sign-out counts as before it (the
    way round that never lets an old cookie through; a new sign-in takes the provider's round trip, seconds).
    """
    if signed_in_at is None or not user:
        return UNKNOWN
    now = time.time() if now is None else now
    if signed_out_at is not None and signed_in_at <= math.floor(signed_out_at):
        return SIGNED_OUT
    if now - signed_in_at > hours * 3600:
        return EXPIRED
    return CURRENT


@dataclass
class SignOuts:
    """The store's sign-outs, mirrored in memory for one process (the app's): read on every request and every run,
    written when someone signs out. ``load`` once at start-up; ``record`` writes the store and the mirror."""

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._by_user: dict[str, float] = {}
        self._loaded_from: str | None = None

    def load(self, con: duckdb.DuckDBPyConnection, source: str) -> None:
        found = read_sign_outs(con)
        with self._lock:
            if self._loaded_from in (None, source):  # keep a sign-out noted meanwhile that the read missed
                found = {**found, **{u: t for u, t in self._by_user.items() if t > found.get(u, 0)}}
            self._by_user = found
            self._loaded_from = source

    def loaded_from(self) -> str | None:
        return self._loaded_from

    def record(self, con: duckdb.DuckDBPyConnection, user: str, at: float | None = None) -> float:
        """Note the sign-out here first (it takes effect in this process even if the store cannot be written), then
        keep it in the store (it survives a restart)."""
        at = time.time() if at is None else float(at)
        self.note(user, at)
        return record_sign_out(con, user, at)

    def note(self, user: str, at: float) -> None:
        with self._lock:
            self._by_user[user] = max(at, self._by_user.get(user, 0.0))

    def signed_out_at(self, user: str) -> float | None:
        return self._by_user.get(user)

    def as_dict(self) -> Mapping[str, float]:
        with self._lock:
            return dict(self._by_user)


def when(seconds: float) -> datetime:
    """A time in seconds since the epoch as a local date and time (for sentences)."""
    return datetime.fromtimestamp(seconds, tz=timezone.utc).astimezone().replace(tzinfo=None)
