"""The What works page as its figures see it: its controls' keys, and their values read into a
:class:`WhatWorksView`.

The page lists every change recorded in the store, across datasets, each measured (:mod:`analysis.changes.measure`);
the filters narrow the list by service, figure and verdict; the change opened (``OPEN_KEY``: "<change id>:<figure
key>") is the one figure a saved view, presentation and the pack draw (:mod:`analysis.changes.declared`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from analysis import store
from analysis.filters import join_words
from analysis.registry import Context, Page
from analysis.state import strings, url_params

PAGE_KEY = "what-works"
PREFIX = "ww_"
# Every control's key, written once: the page's widgets are drawn under them and the figures read them back.
OPEN_KEY, SERVICE_KEY, FIGURE_KEY, VERDICT_KEY = "ww_change", "ww_service", "ww_figure", "ww_verdict"


@dataclass(frozen=True)
class WhatWorksView:
    """The dataset in use (a saved view's), the change opened and the list's filters."""

    dataset: store.Dataset
    opened: str | None
    services: tuple[str, ...] = ()
    figures: tuple[str, ...] = ()
    verdicts: tuple[str, ...] = ()

    def words(self) -> str:
        parts = [f"{what} {join_words(chosen)}" for what, chosen in
                 (("services", self.services), ("figures", self.figures), ("verdicts", self.verdicts)) if chosen]
        return "; ".join(parts) if parts else "Every change"


def read_view(ctx: Context, ds: store.Dataset, state: Mapping[str, Any]) -> WhatWorksView:
    opened = state.get(OPEN_KEY)
    return WhatWorksView(ds, str(opened) if opened else None, strings(state.get(SERVICE_KEY)),
                         strings(state.get(FIGURE_KEY)), strings(state.get(VERDICT_KEY)))


def default_title(figure_title: str, state: Mapping[str, Any]) -> str:
    return f"{figure_title}: change {str(state[OPEN_KEY]).split(':')[0]}" if state.get(OPEN_KEY) else figure_title


PAGE = Page(PAGE_KEY, "What works", PREFIX, read_view, WhatWorksView.words, lambda state: url_params(state, {}),
            default_title=default_title)
