"""One way for every figure on every page to fail: a plain sentence in its place, and the rest of the page still drawn.

A problem the user can fix (``StocktakeError``) is shown as its sentence. Anything else is the software's fault: the
traceback goes to the server log under a short reference number, and the page says only
"Something went wrong working out <figure>: the details are in the server log (reference 123456)", never the
engine's words, a temporary path or a table name. Streamlit's own control flow (``st.stop``, ``st.rerun``) passes
through untouched: those are ``BaseException``s, not errors.

Use it around each figure (a chart, a table, a group of metrics)::

    with figure("the monthly volume"):
        volume = ...
        st.altair_chart(...)

Code after the ``with`` block runs whatever happened inside it, so nothing after it may rely on a name the block
assigns unless it was given a value before the block.
"""

from __future__ import annotations

import logging
import secrets
from contextlib import contextmanager
from typing import Iterator

import streamlit as st

from analysis import coverage, store
from analysis.errors import StocktakeError
from analysis.kpis import definitions
from analysis.preparing import Preparing
from ui import cache
from ui.connection import get_connection
from ui.text import plain

logger = logging.getLogger("stocktake")


def new_reference() -> str:
    """A six-digit number to find a failure in the server log by (not a secret: only a pointer)."""
    return str(100_000 + secrets.randbelow(900_000))


def failure_sentence(what: str, reference: str) -> str:
    return f"Something went wrong working out {what}: the details are in the server log (reference {reference})."


def report_failure(what: str, exc: BaseException) -> str:
    """Log an unexpected failure with its traceback and return the sentence shown in its place."""
    reference = new_reference()
    logger.error("Failed working out %s (reference %s)", what, reference, exc_info=exc)
    return failure_sentence(what, reference)


@contextmanager
def figure(what: str, *, stop: bool = False) -> Iterator[None]:
    """Run one figure's work; on failure show one sentence where the figure would be and carry on with the page.

    ``what`` names the figure as a person would ("the summary of every KPI"). ``stop=True`` ends the page after the
    message: for the figures everything below depends on (the page's own dataset, its main series).
    """
    try:
        yield
    except Preparing as exc:  # a table being built behind a load: how far it has got, not a failure
        st.info(plain(exc), icon=":material/hourglass_top:")
        if stop:
            st.stop()
    except StocktakeError as exc:
        st.error(plain(exc), icon=":material/error:")
        if stop:
            st.stop()
    except Exception as exc:  # noqa: BLE001 - the point: no failure of one figure takes the page down
        st.error(report_failure(what, exc), icon=":material/error:")
        if stop:
            st.stop()


def run_page(page) -> None:
    """Run a navigation page; anything a figure did not catch becomes the same sentence instead of a traceback."""
    with figure("this page"):
        page.run()


def dataset_coverage(dataset: store.Dataset) -> coverage.Coverage:
    """The dataset's span, kept in the one cache (``ui.cache``) per store file and dataset version."""
    def work_out() -> coverage.Coverage:
        con = get_connection()
        grain = definitions.dataset_grain(dataset, con) if dataset.kind == "kpi" else None
        return coverage.dataset_coverage(con, dataset, grain)

    return cache.remember("coverage", cache.data_key(dataset), (), work_out)


def show_coverage(dataset: store.Dataset) -> coverage.Coverage | None:
    """Say at the top of a page which dates the data cover ('Data from 27 December 2017 to 31 December 2017 (5
    days).'), and return the span (None when it could not be worked out: the sentence says so instead)."""
    with figure("the dates this dataset covers"):
        span = dataset_coverage(dataset)
        st.caption(f":material/date_range: {coverage.coverage_sentence(span)}")
        return span
    return None
