"""What the web server does once when it starts (``serve.py``'s lifespan), before anyone is served."""

from __future__ import annotations

import logging

from analysis import store, uploads
from ui import gate

log = logging.getLogger("stocktake")


def start_up() -> None:
    """Empty the private upload folder (no load runs yet: whatever is there was left by a crash or a kill) and read
    the sign-outs from the store, so the gate's first request reads no table."""
    removed = uploads.sweep()
    if removed:
        log.info("Removed %s file(s) left in the private upload folder by an earlier run", removed)
    try:
        gate.ensure_sign_outs_loaded(str(store.default_db_path()))
    except Exception:  # noqa: BLE001 - read again on the first request; a store that cannot open says so there
        log.exception("Could not read the sign-outs from the store at start-up")
