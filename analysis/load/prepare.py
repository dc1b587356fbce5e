"""Work out, right after a load, the tables the Explore pages would otherwise build on their first visit.

Repeat demand needs every contact ordered by customer, and the KPI summary needs every KPI for every service, area
and channel; on 10M rows each takes seconds to tens of seconds. Doing it while the user is already watching a load's
progress bar keeps the first visit to the Demand and Performance pages quick. Nothing here is required: a page that
finds a table missing builds it itself, so a failure here is reported and the load still stands.
"""

from __future__ import annotations

import logging
from typing import Callable

import duckdb

from analysis import store
from analysis.demand import repeats
from analysis.errors import StocktakeError
from analysis.kpis import cube
from analysis.spend import scan as spend_scan

Progress = Callable[[float, str], None]


def prepare_dataset(con: duckdb.DuckDBPyConnection, dataset: str, progress: Progress | None = None) -> list[str]:
    """Build the derived tables for a records dataset. Returns notes about anything that could not be prepared."""
    say = progress or (lambda fraction, message: None)
    ds = store.get_dataset(con, dataset)
    if ds.kind == "spend":  # the Spend page's sums with no filter, kept: its first view of 10M payments is read back
        try:
            spend_scan.keep_scan(con, ds)
        except (StocktakeError, duckdb.Error) as exc:
            return [_note("The Spend page's totals could not be prepared", exc)]
        return []
    if ds.kind != "records" or "date" not in ds.roles:
        return []
    notes: list[str] = []
    id_roles = [role for role in ("customer_id", "property_id") if role in ds.roles]
    for i, role in enumerate(id_roles):
        say(0.1 + 0.4 * i / max(len(id_roles), 1), f"Preparing repeat demand by {role.replace('_id', '')}")
        try:
            if repeats.ensure_repeat_table(con, ds, role) is None:
                notes.append(f"Repeat demand by {role.replace('_id', '')} will be worked out on the Demand page.")
        except (StocktakeError, duckdb.Error) as exc:
            notes.append(_note(f"Repeat demand by {role.replace('_id', '')} could not be prepared", exc))
    say(0.5, "Preparing the KPI summary")
    try:
        cube.kpi_cube(con, ds)
    except StocktakeError as exc:
        notes.append(f"The KPI summary will be worked out on the Performance page ({exc})")
    except duckdb.Error as exc:
        notes.append(_note("The KPI summary could not be prepared", exc))
    say(1.0, "Ready")
    return notes


def _note(what: str, exc: Exception) -> str:
    """A note fit for the Data page: a user's problem says itself; the engine's words go to the server log only."""
    if isinstance(exc, StocktakeError):
        return f"{what}: {exc}"
    logging.getLogger(__name__).warning("%s", what, exc_info=exc)
    return f"{what} in advance; the page will work it out when it is opened (the details are in the server log)."
