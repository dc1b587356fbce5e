"""Import, in the background from the server's start, what the pages need, so no visitor pays for it.

A page's modules are imported when someone first opens it: pandas, Altair, DuckDB, every ``analysis`` and ``ui``
module the pages import, statsmodels (the Demand page's forecast, seconds on its own), and Altair's reading of the
Vega-Lite schema on the first chart. The first person to open a presentation link after a start waited 3.9 s for
it (2.5-2.9 s of server CPU, ``bench.browser --workshop``'s ``link_first``). ``serve.py`` starts this thread as the
server starts (the health check is not held up: the thread only imports); the first run of any page starts it too,
for an app run without ``serve.py`` (``streamlit run app.py``, AppTest). Nothing depends on it: a page that needs a
module before the thread is done imports it itself (Python's import lock makes the two wait for each other, never
import twice).

The pages' modules are read from ``app.py``'s and ``pages/*.py``'s own ``import`` lines (``ast``), so a page that
gains an import is warmed without a list to keep in step; :data:`MODULES` adds what they import only inside functions.
"""

from __future__ import annotations

import ast
import importlib
import logging
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger("stocktake")

# Imported by the pages only inside functions (so an AppTest of another page does not pay for them).
MODULES = (
    "statsmodels.tsa.exponential_smoothing.ets",
    "altair",
    "analysis.charts.demand",
    "analysis.charts.spc",
    "analysis.charts.spc_icons",
    "analysis.charts.savings",
    "analysis.forecast",
    "analysis.demand.scan",
    "analysis.kpis.series",
    "analysis.savings.model",
    "analysis.explore",  # every page's figure declarations
)

_lock = threading.Lock()
_thread: threading.Thread | None = None


def page_imports(root: Path = ROOT) -> dict[str, list[str]]:
    """The modules ``app.py`` and ``pages/*.py`` import at their top level, each with the names taken from it."""
    found: dict[str, list[str]] = {}
    for path in [root / "app.py", *sorted((root / "pages").glob("*.py"))]:
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    found.setdefault(alias.name, [])
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.setdefault(node.module, []).extend(alias.name for alias in node.names)
    return found


def _import(name: str, taken: list[str] = ()) -> None:
    module = importlib.import_module(name)
    for part in taken:  # ``from ui import present_screen``: a module of its own, which the ``from`` imports
        if not hasattr(module, part):
            importlib.import_module(f"{name}.{part}")


def _vega_lite_schema() -> None:
    """Altair loads and compiles the Vega-Lite schema on the first chart it validates: done here instead."""
    import altair as alt
    import pandas as pd

    alt.Chart(pd.DataFrame({"x": [1]})).mark_bar().encode(x="x:Q").to_dict()


def _streamlit_first_element() -> None:
    """Streamlit's first element of a process checks whether it runs in a REPL with ``inspect.stack()``, which on the
    page's deep stack maps every loaded module's file (~0.2 s of the first link's CPU, py-spy). Checked here, on a
    shallow stack, it is cheap and done once for the process; it prints nothing under a running server."""
    from streamlit import delta_generator

    check = getattr(delta_generator, "_maybe_print_use_warning", None)  # private: skipped if a later Streamlit drops it
    if check is not None:
        check()


def _import_all() -> None:
    started = time.perf_counter()
    for name, taken in [*page_imports().items(), *((m, []) for m in MODULES)]:
        try:
            _import(name, taken)
        except Exception:  # noqa: BLE001 - a module that cannot be imported here fails where it is used, plainly
            log.warning("Could not import %s ahead of time", name, exc_info=True)
    try:
        _vega_lite_schema()
    except Exception:  # noqa: BLE001 - the first chart then does it, as before
        log.warning("Could not load the Vega-Lite schema ahead of time", exc_info=True)
    try:
        _streamlit_first_element()
    except Exception:  # noqa: BLE001 - the first element then does it, as before
        log.warning("Could not make Streamlit's first-element check ahead of time", exc_info=True)
    log.info("Imported the pages' modules ahead of the first visitor in %.1f s", time.perf_counter() - started)


def start_warm_up() -> threading.Thread:
    """Start the background imports, once per process."""
    global _thread
    with _lock:
        if _thread is None:
            _thread = threading.Thread(target=_import_all, name="stocktake-warm-up", daemon=True)
            _thread.start()
        return _thread
