"""The store's file: where it is (``$STOCKTAKE_DB`` or ``data/stocktake.duckdb``), opening it with its catalogue
made, and a plain sentence when another program holds its lock."""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

import duckdb

from analysis.errors import StocktakeError
from analysis.store.catalogue import ensure_catalogue

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DB_PATH = PROJECT_ROOT / "data" / "stocktake.duckdb"


def default_db_path() -> Path:
    """``$STOCKTAKE_DB`` if set, else ``data/stocktake.duckdb`` in the project."""
    env = os.environ.get("STOCKTAKE_DB")
    return _resolved(env) if env else DEFAULT_DB_PATH


@functools.lru_cache(maxsize=64)
def _resolved(path: str) -> Path:
    # Every cached figure's key names the store file: resolving the path (a system call per part of it) on each of
    # a page run's dozens of calls was 2% of the server's CPU with a room of people.
    return Path(path).expanduser().resolve()


def open_store(path: str | os.PathLike | None = None, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the Stocktake database file and make sure the catalogue exists.

    A DuckDB file has one writer process. When another process holds it (usually the running app), this raises a
    StocktakeError that says so and what to do, instead of DuckDB's lock message.
    """
    db_path = Path(path).expanduser().resolve() if path else default_db_path()
    if read_only and not db_path.exists():
        raise StocktakeError(f"There is no Stocktake database at {db_path}. Load a file or run 'python -m data.demo'.")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(db_path), read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise StocktakeError(
                f"The Stocktake database is open in another program{_lock_holder(str(exc))}, probably the running app "
                "or a load from the command line. A DuckDB file has one writer: stop the other program and try again, "
                "or load the file from the app's Data page."
            ) from None
        raise StocktakeError(f"Could not open the Stocktake database {db_path}: {exc}") from None
    if not read_only:
        ensure_catalogue(con)
    return con


def _lock_holder(message: str) -> str:
    """' (python3.11)': the program DuckDB says holds the lock, by its name only. The sentence may reach a page, so it
    carries neither the store's path nor a process number (they tell a visitor how the server is laid out)."""
    held = re.search(r"lock is held in (.+?)(?: \(PID \d+\))?(?: by user|\. See|$)", message)
    program = os.path.basename(held.group(1).strip().strip('"')) if held else ""
    return f" ({program})" if program else ""
