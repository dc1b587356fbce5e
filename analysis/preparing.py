"""Which datasets are having their derived tables prepared in the background, and how far each has got.

A load ends when its rows are in; the tables the Explore pages read besides (repeat demand in customer order, the KPI
summary for every grain) take as long again on 10M rows, so they are built behind it (``analysis.load.prepare``) while
every page can be used. A figure that needs one of them while it is being built says so with its progress
(:class:`Preparing`) instead of working it out a second time alongside. The state is this process's own: a store
loaded by the command line is prepared by the app the first time it opens it.

Leaf module (threading only), so the readers of the derived tables can ask it without an import circle.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from analysis.errors import StocktakeError


BACKGROUND_ROWS = 200_000
"""Records datasets from this size up are prepared in the background: below it the derived tables take about a second
at most, and are built before the load is reported (a page then never shows them being prepared)."""


def has_tables_to_prepare(kind: str, roles: dict) -> bool:
    """Whether a dataset of this kind and roles has derived tables built after its load (repeat demand and the KPI
    summary need records with a date). A load drops every table derived from the old rows, so a dataset just loaded
    that has some to build has none built yet."""
    return kind == "records" and "date" in roles


@dataclass(frozen=True)
class Waiting:
    """What a figure is waiting for (``what``: "Repeat demand") and whose job builds it: kept with a cached figure so its
    sentence is written afresh, with the progress as it is now, each time the figure is shown."""

    what: str
    db: str
    dataset: str
    version: int

    def sentence(self) -> str:
        job = _jobs.get((self.db, self.dataset))
        if job is None or job.version != self.version:  # forgotten (tests) or superseded by a newer load
            return (f"{self.what} is being prepared for the data just loaded; it appears here when it is ready, and "
                    "every other figure can be used meanwhile.")
        return job.sentence(self.what)


class Preparing(StocktakeError):
    """A derived table is being built in the background: a sentence with its progress, not a failure."""

    def __init__(self, job: "Job", what: str):
        super().__init__(job.sentence(what))
        self.waiting = Waiting(what, job.db, job.dataset, job.version)


@dataclass
class Job:
    """One dataset version's derived tables being built."""

    db: str
    dataset: str
    version: int
    fraction: float = 0.0
    message: str = "Starting"
    notes: list[str] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)
    thread_id: int | None = None

    @property
    def running(self) -> bool:
        return not self.done.is_set()

    def sentence(self, what: str) -> str:
        step = self.message[:1].lower() + self.message[1:]
        return (f"{what} is being prepared for the data just loaded ({self.fraction:.0%}: {step}); "
                "it appears here when it is ready, and every other figure can be used meanwhile.")


_lock = threading.Lock()
_jobs: dict[tuple[str, str], Job] = {}


def claim(db: str, dataset: str, version: int) -> Job | None:
    """Register a job for this dataset version, or None when one is running or has run for it already."""
    with _lock:
        job = _jobs.get((db, dataset))
        if job is not None and job.version == version:
            return None
        job = _jobs[(db, dataset)] = Job(db, dataset, version)
        return job


def job_for(db: str, dataset: str) -> Job | None:
    """The latest job for the dataset in this store (running or done), if any."""
    return _jobs.get((db, dataset))


def running(db: str, dataset: str, version: int) -> Job | None:
    """The job building this dataset version's tables, when it is still running on another thread than this one."""
    job = _jobs.get((db, dataset))
    if job is None or job.version != version or not job.running or job.thread_id == threading.get_ident():
        return None
    return job


def in_progress(db: str, dataset: str, version: int) -> bool:
    """Whether this dataset version's tables are being built (part of a cached figure's key, so a figure that said
    so is worked out again once they are built)."""
    job = _jobs.get((db, dataset))
    return job is not None and job.version == version and job.running


def busy() -> list[Job]:
    """Every job still running, in any store."""
    with _lock:
        return [job for job in _jobs.values() if job.running]


def forget() -> None:
    """Forget every job (tests)."""
    with _lock:
        _jobs.clear()


def store_of(con) -> str:
    """The store file a connection has open (as ``store.open_store`` resolved it): the first part of a job's key."""
    cur = con.cursor()
    try:
        return str(cur.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()")
                   .fetchone()[0])
    finally:
        cur.close()
