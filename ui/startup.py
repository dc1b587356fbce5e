"""What the web server does once when it starts (``serve.py``'s lifespan), before anyone is served."""

from __future__ import annotations

import logging

from analysis import store
from analysis.load import uploads
from ui import gate

log = logging.getLogger("stocktake")


def start_up() -> None:
    """Read the sign-outs from the store (so the gate's first request reads no table), then empty the private upload
    folder: no load runs yet, so whatever is there was left by a crash or a kill.

    When the store cannot be opened (another program, a command-line load, holds it) the folder is left alone: its
    files may be that load's. The sign-outs are then read on the first request that needs them."""
    try:
        gate.ensure_sign_outs_loaded(str(store.default_db_path()))
    except Exception:  # noqa: BLE001 - the first page says why the store cannot be opened
        log.exception("Could not read the store at start-up: the private upload folder was not emptied")
        return
    removed = uploads.sweep()
    if removed:
        log.info("Removed %s file(s) left in the private upload folder by an earlier run", removed)
