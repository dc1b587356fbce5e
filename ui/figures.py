"""Figures on a page: the one generic call that draws any registered figure, and the app's context for working
figures out through the one cache.

:func:`show_figure` draws a declared figure (:mod:`analysis.registry`) for a page's view: it reads the figure's
inputs from the view and the page's controls, gets the figure from the cache (worked out once per store file,
dataset version, stamps of what it reads and inputs), draws its chart (with the drill-down its clicks make, when it
has one), its "Download data" menu and its "how this is calculated". A figure with nothing to show says so in a
sentence; one that fails says so in its place and the rest of the page is drawn (:func:`ui.sections.figure`).

:class:`AppContext` is the registry's context in the app: other datasets' versions from the catalogue read once per
run, the lookup that applies kept until the choice or a candidate changes, and every result in :mod:`ui.cache`.
Presentation mode and the Workshop draw saved views through it too, so a figure on a page and the same figure
presented are one cache entry.
"""

from __future__ import annotations

import functools
import re
from dataclasses import replace
from typing import Any, Callable, Hashable, Mapping

import streamlit as st

from analysis import lookups, registry, store
from analysis.errors import StocktakeError
from analysis.registry import Drawn, Figure, Read
from ui import cache
from ui import drill as drill_ui
from ui.chart_specs import arrow_spec
from ui.charts import show_chart
from ui.connection import catalogue, dataset_version, get_connection, once_per_run
from ui.exports import csv_download
from ui.links import page_link
from ui.sections import figure as failing_alone
from ui.text import plain


class AppContext(registry.Context):
    """The registry's context in the app (one per run of a page: see :func:`app_context`)."""

    def dataset(self, name: str) -> store.Dataset:
        found = next((d for d in catalogue() if d.name == name), None)
        if found is None:
            raise StocktakeError(f"The dataset '{name}' is no longer loaded.")
        return found

    def datasets(self) -> list[store.Dataset]:
        return list(catalogue())

    def version(self, name: str) -> int:
        return dataset_version(name)

    def once(self, key: Hashable, read: Callable[[], Any]) -> Any:
        return once_per_run(("figures", key), read)

    def lookup(self, dataset: store.Dataset, purpose: str) -> lookups.LookupChoice:
        """Kept until the dataset, the choice or a candidate lookup changes: measuring how well each candidate's
        names match is a scan of the records (a third of a second at 10M rows)."""
        stamp = self.once(("lookup stamp", str(store.default_db_path()), dataset.name, purpose), lambda: (
            lookups.stored_choice(self.con, dataset.name, purpose),
            tuple((d.name, d.version) for d in catalogue() if d.kind != "records")))  # every possible candidate
        return cache.remember(f"lookup {purpose}", cache.data_key(dataset, stamp), (),
                              lambda: lookups.lookup_for(self.con, dataset, purpose))

    def shared(self, fn: Callable[..., Any], dataset: store.Dataset, *args: Any, reads: tuple[Read, ...] = (),
               spinner: str | None = None) -> Any:
        return cache.remember(f"{fn.__module__}.{fn.__qualname__}", cache.data_key(dataset, self.stamps(dataset, reads)),
                              args, lambda: fn(self.con, dataset, *args), spinner)

    def derived(self, what: str, dataset: store.Dataset, inputs: Any, compute: Callable[[], Any],
                reads: tuple[Read, ...] = ()) -> Any:
        return cache.remember(what, cache.data_key(dataset, self.stamps(dataset, reads)), inputs, compute)

    def drawn(self, figure: Figure, dataset: store.Dataset, inputs: Any) -> Drawn:
        drawn = cache.remember(figure.name, cache.data_key(dataset, self.stamps(dataset, figure.reads)), inputs,
                               lambda: drawable(registry.draw(self, figure, dataset, inputs)), figure.spinner)
        if drawn.waiting is not None:  # kept while a table is built behind a load: its progress as it is now
            return replace(drawn, note=drawn.waiting.sentence())
        return drawn


def app_context() -> AppContext:
    """This run's context (its ``once`` memo lasts the run)."""
    return once_per_run(("app context", str(store.default_db_path())), lambda: AppContext(get_connection()))


def drawable(drawn: Drawn) -> Drawn:
    """The figure with its chart's datasets as the Arrow bytes Streamlit sends (made once, kept with the figure)."""
    if not drawn.spec or not drawn.spec.get("datasets"):
        return drawn
    return replace(drawn, spec=arrow_spec(drawn.spec))


def cached(*, reads: tuple[Read, ...] = (), spinner: str | None = None):
    """Keep ``fn(con, dataset, *inputs)`` in the one cache (a result a page reads besides its figures: the dates a
    dataset covers, its filter choices); call it as ``fn(dataset, *inputs)``. ``reads`` as a figure's."""
    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def call(dataset: store.Dataset, *inputs: Any) -> Any:
            return app_context().shared(fn, dataset, *inputs, reads=reads, spinner=spinner)

        call.uncached = fn  # the function itself, for tests and benchmarks
        return call
    return wrap


def chart_key(figure: Figure) -> str:
    """The key a figure's chart is drawn under ('dm_ch_pareto'); a drilling chart's changes after each click."""
    return f"{figure.page.prefix}ch_{figure.key}"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def drawn_for(figure: Figure, view: Any, state: Mapping[str, Any] | None = None) -> Drawn:
    """A declared figure for a page's ``view`` and controls (the session's by default), from the cache, not drawn:
    for a page that lays out some of it itself (headline numbers above tabs)."""
    ctx = app_context()
    inputs = figure.inputs(ctx, view.dataset, view, st.session_state if state is None else state)
    return ctx.drawn(figure, view.dataset, inputs)


def show_figure(figure: Figure, view: Any, *, state: Mapping[str, Any] | None = None, headline: bool = False,
                how: bool = True, drawn: Drawn | None = None) -> Drawn | None:
    """Draw a declared figure for a page's ``view`` (which carries the dataset) and the page's controls (``state``,
    the session's by default); return it (None when it could not be drawn), for the page to lay out more of it.

    ``headline``: its headline numbers above the chart. ``how``: its "how this is calculated" below. ``drawn``: the
    figure as :func:`drawn_for` gave it already this run (its inputs are not read again)."""
    dataset = view.dataset
    missing = registry.missing_roles(figure, dataset)
    if missing:
        st.info(registry.needs_sentence(figure.title, missing, dataset.kind), icon=":material/info:")
        page_link("pages/data.py", label="Open the Data page", icon=":material/upload_file:")
        return None
    with failing_alone(figure.title[0].lower() + figure.title[1:]):
        drawn = drawn or drawn_for(figure, view, state)
        if drawn.note:
            st.info(plain(drawn.note), icon=":material/info:")
            return drawn
        if headline:
            show_headline(drawn)
        if drawn.spec is not None:
            _chart(figure, drawn)
        if how and drawn.how:
            with st.expander(figure.how_title):
                st.markdown(drawn.how)
        stem = _slug(f"{figure.page.title.split()[0]} {figure.key}")
        csv_download(drawn.table, stem, f"{figure.page.prefix}dl_{figure.key}",
                     columns=dict(figure.headings(drawn.inputs)))
        return drawn
    return None


def show_headline(drawn: Drawn, helps: Mapping[str, str] | None = None) -> None:
    """A figure's headline numbers as metrics in a row."""
    if not drawn.headline:
        return
    for column, (label, number) in zip(st.columns(len(drawn.headline)), drawn.headline):
        column.metric(label, number, help=(helps or {}).get(label))


def _chart(figure: Figure, drawn: Drawn) -> None:
    key = chart_key(figure)
    if figure.drill is None:
        show_chart(drawn.spec, name=figure.key, key=key)
        return
    # Clicked inside a fragment, only the fragment would rerun: the whole page reruns instead, so the click becomes a
    # chip that every figure applies (ui.drill).
    event = show_chart(drawn.spec, key=drill_ui.chart_key(key), on_select="rerun",
                       selection_mode=figure.drill.selection, name=figure.key)
    if drill_ui.clicked(event, figure.drill.selection):
        st.rerun(scope="app")
