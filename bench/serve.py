"""What the browser and sessions benchmarks share: the stores they run on and the app served on loopback.

- :func:`demo_store`: the demo borough (``python -m data.demo``'s datasets), built once into ``bench/_work/``.
- :func:`prepared_records_store`: the ``bench.records`` store of N rows (and ``bench.payments``' N payments) with the
  tables a load prepares (repeat table, KPI cube, the Spend page's scan) already built, as a user's store would be
  after loading the files on the Data page.
- :func:`spend_dataset`: the payments dataset of a store (``demo_payments`` or ``bench_payments``).
- :func:`served_app`: ``python -m ui.launch`` (what ``./run.sh`` runs) on a private copy of a store, on a free
  loopback port, until the block ends; its process id is given so the caller can read the server's CPU time.

Nothing here times anything; the benchmarks do.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from analysis import store
from bench.records import WORK_DIR

REPO_ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-dev-shm-usage", "--disable-component-update", "--no-first-run", "--disable-sync"]
START_TIMEOUT_S = 90


def demo_store() -> Path:
    """The demo borough in ``bench/_work/demo.duckdb`` (built the first time, ~10 s), as ``./run.sh`` builds it."""
    from data.demo import RECORDS_DATASET, build_demo

    path = WORK_DIR / "demo.duckdb"
    if path.exists() and _has(path, "demo_payments"):  # a demo built before its payments is built again
        _prepare_if_stale(path, RECORDS_DATASET)
        return path
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    building = path.with_suffix(".building")
    building.unlink(missing_ok=True)
    con = store.open_store(building)
    try:
        build_demo(con)
    finally:
        con.close()
    building.rename(path)
    return path


def _prepare_if_stale(path: Path, dataset: str) -> None:
    """Prepare ``dataset`` again where code changed what its derived tables hold (the KPI cube's format): else the room
    measured would be building them on its first visits, which no room after a load does."""
    from analysis.load.prepare import is_prepared, prepare_dataset

    con = store.open_store(path)
    try:
        if not is_prepared(con, store.get_dataset(con, dataset)):
            print(f"preparing {dataset} in {path.name} again (its derived tables are from older code)", file=sys.stderr)
            prepare_dataset(con, dataset)
    finally:
        con.close()


def _has(path: Path, dataset: str) -> bool:
    con = store.open_store(path)
    try:
        return store.dataset_exists(con, dataset)
    finally:
        con.close()


def prepared_records_store(rows: int) -> Path:
    """``bench.records``' store of ``rows`` rows, with as many payments (``bench.payments``), its repeat tables and
    KPI cube prepared (once; ~2 min at 10M)."""
    from analysis.load.prepare import prepare_dataset
    from bench.payments import ensure_spend_store
    from bench.records import DATASET

    source = ensure_spend_store(rows)
    path = WORK_DIR / f"bench_{rows}_prepared.duckdb"
    if path.exists() and path.stat().st_mtime >= source.stat().st_mtime:
        _prepare_if_stale(path, DATASET)
        return path
    building = path.with_suffix(".building")
    shutil.copyfile(source, building)
    con = store.open_store(building)
    try:
        prepare_dataset(con, DATASET)
    finally:
        con.close()
    building.rename(path)
    return path


def spend_dataset(size: str) -> str:
    """The spending dataset the Spend page is measured on, in the store :func:`store_for` gives."""
    return "demo_payments" if size == "demo" else "bench_payments"


def records_dataset(size: str) -> str:
    return "demo_contacts" if size == "demo" else "bench_contacts"


def store_for(size: str) -> Path:
    """``demo`` or a row count such as ``10000000`` -> the store to serve."""
    return demo_store() if size == "demo" else prepared_records_store(int(size))


def private_copy(path: Path, folder: Path) -> Path:
    """A copy of ``path`` in ``folder`` that only one server opens (a DuckDB file has one writer process)."""
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / "stocktake.duckdb"
    shutil.copyfile(path, copy)
    return copy


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    pid: int
    log_path: Path

    def cpu_seconds(self) -> float:
        """User + system CPU time the server process has used so far (from /proc)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks


@contextlib.contextmanager
def served_app(db: Path, log_path: Path, extra_env: dict[str, str] | None = None) -> Iterator[Server]:
    """The app served by ``python -m ui.launch`` on ``db`` at a free loopback port; stopped when the block ends."""
    port = free_port()
    env = {**os.environ, "STOCKTAKE_DB": str(db), **(extra_env or {})}
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "ui.launch", "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + START_TIMEOUT_S
        try:
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the app did not start: " + log_path.read_text()[-2000:])
                time.sleep(0.2)
            yield Server(url, process.pid, log_path)
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def load_average() -> float:
    """The machine's one-minute load average (other engineers share these cores: noted beside every figure)."""
    return os.getloadavg()[0]
