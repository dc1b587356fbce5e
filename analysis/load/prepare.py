"""Work out, after a load, the tables the Explore pages would otherwise build on their first visit.

Repeat demand needs every contact ordered by customer, and the KPI summary needs every KPI for every service, area
and channel at every grain; on 10M rows together they take longer than the load itself. So the app builds them in the
background once a load has committed (:func:`prepare_in_background`), every page usable meanwhile and the progress in
the sidebar; a figure that needs one of them until then says how far it has got (``analysis.preparing``). The command
line leaves them to the app (or builds them at once with ``--prepare``). Nothing here is required: a page that finds
a table missing builds it itself, so a failure here is reported and the load still stands.
"""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from typing import Callable, Iterator

import duckdb

from analysis import preparing, store
from analysis.demand import repeats
from analysis.errors import StocktakeError
from analysis.kpis import cube
from analysis.kpis.cube import CUBE_GRAINS
from analysis.kpis.definitions import DEFAULT_GRAIN
from analysis.spend import scan as spend_scan

Progress = Callable[[float, str], None]
log = logging.getLogger(__name__)


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
    # Repeat demand first (the Demand page's figure waits for it, and the KPI summary's repeat % reads it), then the
    # month's KPI summary (the Performance page's default view), then every other grain a person can choose, in the
    # cube's order: a grain the cube refuses (the day, on ten years of a small file) stops the rest, as the page then
    # works them out itself. Each step's share of the progress bar is its share of the time measured at 2M rows (the
    # repeat table about 40%, the day 30%).
    id_roles = [role for role in ("customer_id", "property_id") if role in ds.roles]
    later = [g for g in CUBE_GRAINS if g != DEFAULT_GRAIN]
    steps = [("repeat", role) for role in id_roles] + [("cube", DEFAULT_GRAIN)] + [("cube", g) for g in later]
    weights = [_STEP_WEIGHTS.get(what if what == "repeat" else which, 1.0) for what, which in steps]
    done, cube_stopped = 0.0, False
    for (what, which), weight in zip(steps, weights):
        fraction = 0.05 + 0.95 * done / sum(weights)
        done += weight
        if what == "repeat":
            say(fraction, f"Preparing repeat demand by {which.replace('_id', '')}")
            try:
                if repeats.ensure_repeat_table(con, ds, which) is None:
                    notes.append(f"Repeat demand by {which.replace('_id', '')} will be worked out on the Demand page.")
            except (StocktakeError, duckdb.Error) as exc:
                notes.append(_note(f"Repeat demand by {which.replace('_id', '')} could not be prepared", exc))
            continue
        if cube_stopped:
            continue
        say(fraction, "Preparing the KPI summary" + ("" if which == DEFAULT_GRAIN else f" by {_GRAIN_WORDS[which]}"))
        try:
            cube.ensure_kpi_cube(con, ds, grain=which)
        except StocktakeError as exc:
            notes.append(f"The KPI summary will be worked out on the Performance page ({exc})")
            cube_stopped = True
        except duckdb.Error as exc:
            notes.append(_note("The KPI summary could not be prepared", exc))
            cube_stopped = True
    say(1.0, "Ready")
    return notes


# Rough shares of the preparation's time per step (CPU seconds measured at 2M rows: repeat table 3.5, the day's KPI
# summary 3.3, the week's 1.3, the month's 0.8, the others 0.3-0.5), so the progress bar moves as the time does.
_STEP_WEIGHTS = {"repeat": 3.5, "day": 3.3, "week": 1.3, "month": 0.8, "quarter": 0.6, "financial_year": 0.4,
                 "year": 0.3}

_GRAIN_WORDS = {"day": "day", "week": "week", "month": "month", "quarter": "quarter",
                "financial_year": "financial year", "year": "year"}


def is_prepared(con: duckdb.DuckDBPyConnection, ds: store.Dataset, grains: tuple[str, ...] = CUBE_GRAINS) -> bool:
    """Whether the derived tables of this dataset version (the KPI summary at ``grains``) are there already."""
    if not preparing.has_tables_to_prepare(ds.kind, ds.roles):
        return True
    for role in ("customer_id", "property_id"):
        if role in ds.roles and not store.query_rows(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?",
                                                     [repeats.repeat_table_name(ds, role)])[0][0]:
            return False
    return cube.built_grains(con, ds) >= set(grains)


def prepare_in_background(con: duckdb.DuckDBPyConnection, dataset: str,
                          grains: tuple[str, ...] = CUBE_GRAINS) -> preparing.Job | None:
    """Build the dataset's derived tables on a thread of their own; the job (its progress) or None when they are
    there already (the KPI summary at ``grains``: a store opened by the app checks the month's only, as a store
    prepared by older code has no other) or a job for this version has run or is running in this process."""
    ds = store.get_dataset(con, dataset)
    db = preparing.store_of(con)
    earlier = preparing.job_for(db, ds.name)
    if (earlier is not None and earlier.version == ds.version) or is_prepared(con, ds, grains):
        return None
    job = preparing.claim(db, ds.name, ds.version)
    if job is None:
        return None

    def progress(fraction: float, message: str) -> None:
        job.fraction, job.message = fraction, message

    def run() -> None:
        job.thread_id = threading.get_ident()
        cur = con.cursor()  # its own cursor: DuckDB refuses two threads on one
        try:
            with store.background_work(), _memory_capped(cur, db):
                job.notes = prepare_dataset(cur, dataset, progress=progress)
            for note in job.notes:
                log.info("Preparing '%s': %s", dataset, note)
        except Exception:  # noqa: BLE001 - a page that finds a table missing builds it itself
            log.exception("Preparing the derived tables of '%s' failed", dataset)
        finally:
            cur.close()
            job.done.set()

    threading.Thread(target=run, name=f"prepare {dataset}", daemon=True).start()
    return job


PREPARE_MEMORY_LIMIT = "600MB"
"""DuckDB's memory while derived tables are built behind a load; beyond it, DuckDB spills to disk beside the store.
DuckDB's limit is the store's, so the pages' queries meanwhile share it. Unbounded, the repeat table's window over 10M
contacts took 1.6 GB (the app's peak 2.0 GB); at 700 MB its CPU was unchanged, at 500 MB it rose by 30%."""

_capped_lock = threading.Lock()
_capped: dict[str, int] = {}  # store -> preparations running in it


@contextmanager
def _memory_capped(cur: duckdb.DuckDBPyConnection, db: str) -> Iterator[None]:
    """DuckDB's memory limit lowered to :data:`PREPARE_MEMORY_LIMIT` while any preparation in this store runs."""
    with _capped_lock:
        if not _capped.get(db):
            cur.execute(f"SET memory_limit = '{PREPARE_MEMORY_LIMIT}'")
        _capped[db] = _capped.get(db, 0) + 1
    try:
        yield
    finally:
        with _capped_lock:
            _capped[db] -= 1
            if not _capped[db]:
                cur.execute("RESET memory_limit")


def _note(what: str, exc: Exception) -> str:
    """A note fit for the Data page: a user's problem says itself; the engine's words go to the server log only."""
    if isinstance(exc, StocktakeError):
        return f"{what}: {exc}"
    logging.getLogger(__name__).warning("%s", what, exc_info=exc)
    return f"{what} in advance; the page will work it out when it is opened (the details are in the server log)."
