"""The figure registry: every figure Stocktake draws is declared once, and drawn from that declaration everywhere.

A :class:`Figure` says, in one place, everything about one figure: its key and title, the roles it needs, what it
reads besides its dataset's table (:class:`Read`: the reason classification, a population lookup…; the cache key is
derived from these), how its inputs are read from the page's controls (``inputs``), how it is worked out
(``compute``, the one path: the Demand page's shared scan and a figure drawn alone run the same code), its chart,
the data behind it with the headings people read (``table``, ``columns``), the drill-down its clicks make, its
reading in a sentence, its headline numbers and its "how this is calculated".

A :class:`Page` is an Explore page as a saved view knows it: its address, the prefix of its controls' keys, and
``read``, which turns those controls' values (the page's ``st.session_state``, or a saved view's state) into the
page's view: the filters, grain and choices every figure of the page starts from. The page itself calls the same
``read`` after drawing its controls, so the page, presentation mode and the pack cannot disagree.

:func:`draw` turns a figure, a dataset and its inputs into a :class:`Drawn`: the chart as Vega-Lite
(:func:`analysis.charts.spec.make_spec`), the data, the reading. It is worked out through a :class:`Context`,
which gives the store, other datasets' versions, the lookup that applies and shared intermediate results
(``ctx.shared``: the Demand page's one scan, the repeat table, a KPI series). Here a context only remembers within
itself (the pack, the CLI, tests); the app's context (``ui.figures``) keeps every result in the one cache, keyed by
the store file, the dataset's version, the stamps of what the figure reads and its inputs.

To add a figure: declare it beside its page's others (``analysis/demand/declared.py`` and so on) with
:func:`register`, and add its case to ``tests/test_registry.py``. See the README's worked example.
"""

from __future__ import annotations

import hashlib
import pickle
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Hashable, Mapping

import duckdb
import pandas as pd

from analysis import lookups, store
from analysis.charts.spec import make_spec
from analysis.errors import StocktakeError
from analysis.preparing import Preparing, Waiting
from analysis.roles import RECORD_ROLES, ROLES_BY_KIND

Inputs = Any
Result = Any
View = Any


class NotShown(StocktakeError):
    """A figure with nothing to show for these inputs ("No records match these filters."): a sentence in its place
    (an information note on a page, a line in the pack), not a failure."""


@dataclass(frozen=True)
class Read:
    """Something a figure reads besides its own dataset's table. ``stamp(ctx, dataset)`` changes whenever what is
    read changes (a version, a choice), and is part of the figure's cache key."""

    name: str
    stamp: Callable[["Context", store.Dataset], Hashable]


@dataclass(frozen=True)
class Drill:
    """What a click on a figure's chart drills the page down to: a role ('reason', …), 'split' (the role the chart
    is split by), 'dayhour' or 'month'; ``selection`` is the name of the chart's Altair selection."""

    target: str
    selection: str


@dataclass(eq=False)
class Page:
    """An Explore page, as saved views and presentation know it (its figures are added by :func:`register`)."""

    key: str  # the page's url_path: saved views name their page by it
    title: str
    prefix: str  # every control of the page is keyed with it ("dm_")
    read: Callable[["Context", store.Dataset, Mapping[str, Any]], View]  # controls' values -> the page's view
    words: Callable[[View], str]  # the view's filters in words, for the pack and presentation
    url_params: Callable[[Mapping[str, Any]], dict[str, list[str]]]  # controls' values -> the link's parameters
    default_title: Callable[[str, Mapping[str, Any]], str] = lambda title, state: title  # the agenda's title
    figures: dict[str, "Figure"] = field(default_factory=dict)

    def offered(self, dataset: store.Dataset | None) -> dict[str, "Figure"]:
        """The figures that can show something for ``dataset`` (every figure when there is none)."""
        return {k: f for k, f in self.figures.items() if dataset is None or f.offered(dataset)}

    def figure(self, key: str) -> "Figure":
        if key not in self.figures:
            raise StocktakeError(f"The {self.title} page has no figure '{key}': add the view again from the page.")
        return self.figures[key]


@dataclass(frozen=True, eq=False)
class Figure:
    """One figure, declared once (see the module's docstring). Functions take the figure's inputs, ``p``, which
    ``inputs`` reads from the page's view and controls: small, picklable values (filters, a grain, a frame of
    interventions), because they are the rest of the cache key."""

    page: Page
    key: str
    title: str
    inputs: Callable[["Context", store.Dataset, View, Mapping[str, Any]], Inputs]
    compute: Callable[["Context", store.Dataset, Inputs], Result]
    chart: Callable[[Result, Inputs], Any] | None
    reading: Callable[[Result, Inputs], str]
    columns: Mapping[str, str] | Callable[[Inputs], Mapping[str, str]] = field(default_factory=dict)
    table: Callable[[Result], pd.DataFrame] = lambda result: result
    headline: Callable[[Result, Inputs], list[tuple[str, str]]] = lambda result, p: []
    how: str | Callable[[Result, Inputs], str] = ""
    how_title: str = "How this is calculated"
    needs: tuple[str, ...] = ()  # roles the dataset must have
    reads: tuple[Read, ...] = ()
    drill: Drill | None = None
    words: Callable[[View, Inputs], str] | None = None  # the filters in words, when not the page's
    spinner: str | None = None  # said in the app while the figure is worked out (for the slow ones)
    # Whether the figure can show anything for a dataset (a chart of multi-year spans: only where the loader set spans
    # apart); a figure not offered is left out of "Add this view to the session".
    offered: Callable[[store.Dataset], bool] = lambda dataset: True

    @property
    def name(self) -> str:
        """The figure's name across pages: '<page>/<key>'."""
        return f"{self.page.key}/{self.key}"

    def headings(self, inputs: Inputs) -> Mapping[str, str]:
        return self.columns(inputs) if callable(self.columns) else self.columns


@dataclass(frozen=True, eq=False)
class Drawn:
    """A figure worked out and drawn: everything a page, presentation mode or the pack shows of it.

    ``note`` is set instead of a chart when the figure has nothing to show (:class:`NotShown`); ``filters`` is the
    view's filters in words (filled in by :func:`with_words`, not cached: two views may share a figure)."""

    figure: Figure
    dataset: str
    inputs: Inputs
    result: Result = None
    spec: dict | None = None
    table: pd.DataFrame | None = None
    reading: str = ""
    headline: tuple[tuple[str, str], ...] = ()
    how: str = ""
    note: str | None = None
    filters: str = ""
    waiting: Waiting | None = None  # set with ``note`` while a table it reads is built behind a load (its progress)

    @property
    def title(self) -> str:
        return self.figure.title

    @property
    def data(self) -> pd.DataFrame:
        """The data behind the figure under the headings people read (the download's and the pack's)."""
        if self.table is None:
            return pd.DataFrame()
        columns = self.figure.headings(self.inputs)
        if not columns:
            return self.table
        return self.table[[c for c in columns if c in self.table.columns]].rename(columns=dict(columns))


def with_words(drawn: Drawn, words: str) -> Drawn:
    return replace(drawn, filters=words)


# ---- registering and finding figures -------------------------------------------------------------------------------

def register(figure: Figure) -> Figure:
    """Add a figure to its page (its key must be new there) and return it, so a declaration reads
    ``VOLUME = register(Figure(...))``."""
    if figure.key in figure.page.figures:
        raise ValueError(f"{figure.page.title} declares the figure '{figure.key}' twice")
    figure.page.figures[figure.key] = figure
    return figure


def missing_roles(figure: Figure, dataset: store.Dataset) -> list[str]:
    return [r for r in figure.needs if r not in dataset.roles]


def needs_sentence(what: str, missing: list[str], kind: str = "records") -> str:
    labels = " and ".join(f"'{ROLES_BY_KIND.get(kind, RECORD_ROLES).get(r) or RECORD_ROLES.get(r, r)}'" for r in missing)
    return f"{what} needs a column with the role {labels}. Give a column that role on the Data page."


# ---- working a figure out ------------------------------------------------------------------------------------------

class Context:
    """What figures are worked out with: the store, and how other datasets, lookups and shared results are found.

    This one asks the store every time and remembers shared results only within itself (one pack, one CLI run);
    ``ui.figures.AppContext`` answers from the app's catalogue and keeps results in the one cache."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con
        self._memo: dict[str, Any] = {}

    def dataset(self, name: str) -> store.Dataset:
        return store.get_dataset(self.con, name)

    def datasets(self) -> list[store.Dataset]:
        """Every dataset in the store."""
        return store.list_datasets(self.con)

    def version(self, name: str) -> int:
        """A dataset's version, 0 when there is none (an optional lookup such as the reason classification)."""
        return store.dataset_version(self.con, name)

    def lookup(self, dataset: store.Dataset, purpose: str) -> lookups.LookupChoice:
        return self.once(("lookup", dataset.name, dataset.version, purpose),
                         lambda: lookups.lookup_for(self.con, dataset, purpose))

    def once(self, key: Hashable, read: Callable[[], Any]) -> Any:
        """``read()``, remembered for this context's life (in the app: for one run of the page)."""
        memo_key = digest(("once", key))
        if memo_key not in self._memo:
            self._memo[memo_key] = read()
        return self._memo[memo_key]

    def stamps(self, dataset: store.Dataset, reads: tuple[Read, ...]) -> tuple:
        return tuple((read.name, read.stamp(self, dataset)) for read in reads)

    def shared(self, fn: Callable[..., Any], dataset: store.Dataset, *args: Any, reads: tuple[Read, ...] = (),
               spinner: str | None = None) -> Any:
        """``fn(con, dataset, *args)``, worked out once per dataset version, stamps of ``reads`` and arguments: a
        result several figures start from. Callers must not change what they get (it is shared). ``spinner``: what
        the app says while it is worked out."""
        key = digest((f"{fn.__module__}.{fn.__qualname__}", dataset.name, dataset.version,
                      self.stamps(dataset, reads), args))
        if key not in self._memo:
            self._memo[key] = fn(self.con, dataset, *args)
        return self._memo[key]

    def derived(self, what: str, dataset: store.Dataset, inputs: Any, compute: Callable[[], Any],
                reads: tuple[Read, ...] = ()) -> Any:
        """``compute()``, a result worked out from other shared results (a scenario's outcome from its baseline),
        kept like :meth:`shared` under ``what`` and ``inputs``."""
        key = digest((what, dataset.name, dataset.version, self.stamps(dataset, reads), inputs))
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def drawn(self, figure: Figure, dataset: store.Dataset, inputs: Inputs) -> Drawn:
        """The figure drawn for these inputs (the app's context keeps it in the one cache)."""
        return draw(self, figure, dataset, inputs)


def digest(value: Any) -> str:
    """A key for ``value`` by its content (pickled: frames by their values, types and ``attrs``)."""
    return hashlib.md5(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)).hexdigest()


def draw(ctx: Context, figure: Figure, dataset: store.Dataset, inputs: Inputs) -> Drawn:
    """Work the figure out and draw it. A figure with nothing to show comes back with its ``note`` set."""
    missing = missing_roles(figure, dataset)
    if missing:
        return Drawn(figure, dataset.name, inputs, note=needs_sentence(figure.title, missing, dataset.kind))
    try:
        result = figure.compute(ctx, dataset, inputs)
    except (NotShown, Preparing) as exc:
        return Drawn(figure, dataset.name, inputs, note=str(exc), waiting=getattr(exc, "waiting", None))
    spec = make_spec(figure.chart, result, inputs) if figure.chart is not None else None
    how = figure.how(result, inputs) if callable(figure.how) else figure.how
    return Drawn(figure, dataset.name, inputs, result, spec, figure.table(result), figure.reading(result, inputs),
                 tuple(figure.headline(result, inputs)), how)


def draw_view(ctx: Context, figure: Figure, dataset: store.Dataset, state: Mapping[str, Any]) -> Drawn:
    """A figure as a page's controls (``state``) show it, with the filters in words."""
    view = figure.page.read(ctx, dataset, state)
    inputs = figure.inputs(ctx, dataset, view, state)
    drawn = ctx.drawn(figure, dataset, inputs)
    words = figure.words(view, inputs) if figure.words else figure.page.words(view)
    return with_words(drawn, words)
