"""The Demand drivers page as its figures see it: its controls' keys, and their values read into a :class:`DemandView`.

The page draws its controls (the filter bar, the drill-down chips, each section's own) and then reads the view with
:func:`read_view` from ``st.session_state``; a saved view is read by the same function from the values it kept. A
control a saved view does not hold takes the page's default, as the page does when a link leaves it out; dates
outside the data are pulled inside it, as the page's date pickers do.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Mapping

from analysis import drill, filters, periods, store
from analysis.demand import figures
from analysis.errors import StocktakeError
from analysis.filters import Filters
from analysis.registry import Context, Page
from analysis.state import day, strings, url_params, value

PAGE_KEY = "demand-drivers"
PREFIX = "dm_"
# Every control's key, written once: the page's widgets are drawn under them and the figures read them back.
FROM_KEY, TO_KEY, GRAIN_KEY, SPLIT_KEY, DRILL_KEY = "dm_from", "dm_to", "dm_grain", "dm_split", "dm_drill"
REPEAT_DAYS_KEY, REPEAT_BY_KEY, HORIZON_KEY, CHANGE_BY_KEY = "dm_repeat_days", "dm_repeat_by", "dm_horizon", "dm_change_by"
CHANGE_PERIOD_KEYS = ("dm_a_from", "dm_a_to", "dm_b_from", "dm_b_to")  # first period from, to; second from, to
# Role -> (control key, plural label) of the filter bar's list filters, in the order the bar shows them.
LIST_CONTROLS = {
    "service": ("dm_service", "Services"),
    "reason": ("dm_reason", "Reasons"),
    "channel": ("dm_channel", "Channels"),
    "area": ("dm_area", "Areas"),
    "status": ("dm_status", "Status"),
}
SPLIT_LABELS = {"": "No split", "channel": "Channel", "service": "Service", "area": "Area", "reason": "Reason",
                "status": "Status"}
CHANGE_BY = {"reason": "Reason", "area": "Area", "channel": "Channel", "service": "Service"}
DEFAULT_GRAIN = "month"


@dataclass(frozen=True)
class DemandView:
    """What every figure of the page starts from: the dataset's dates, the filter bar, the drill-down and the grain."""

    dataset: store.Dataset
    coverage: tuple[date, date]
    bar: Filters  # the filter bar's choices
    chips: tuple[str, ...]  # the drill-down
    grain: str

    @property
    def filters(self) -> Filters:
        """The filter bar narrowed by every chip."""
        return drill.apply_chips(self.bar, self.chips)

    def filters_for(self, target: str | None) -> Filters:
        """The filters narrowed by every chip except those a chart drilling into ``target`` makes, so that chart
        keeps every bar (None: every chip)."""
        return drill.apply_chips(self.bar, self.chips, exclude_target=target or None)

    def words(self) -> str:
        drilled = drill.describe_chips(self.chips)
        return filters.describe(self.bar) + (f"; drilled down to {drilled}" if drilled else "")


def bar_filters(state: Mapping[str, Any], coverage: tuple[date | None, date | None]) -> Filters:
    """The filter bar's filters from the controls; a period left out is the data's whole period, dates outside the
    data are pulled inside it, and a start after the end is swapped (the page says so)."""
    first, last = coverage

    def clamp(d):
        if d is None or first is None or last is None:
            return d
        return min(max(d, first), last)

    start = clamp(day(state.get(FROM_KEY))) or first
    end = clamp(day(state.get(TO_KEY))) or last
    if start and end and start > end:
        start, end = end, start
    chosen = Filters.for_roles({role: strings(state.get(key)) for role, (key, _) in LIST_CONTROLS.items()})
    return replace(chosen, start=start, end=end)


def read_view(ctx: Context, ds: store.Dataset, state: Mapping[str, Any]) -> DemandView:
    if ds.kind != "records" or "date" not in ds.roles:
        raise StocktakeError(f"'{ds.name}' is not a records dataset with dates: the Demand page's figures need one.")
    coverage = ctx.shared(figures.data_coverage, ds)
    if coverage[0] is None:
        raise StocktakeError(f"'{ds.name}' has no records with a date.")
    chips = tuple(c for c in strings(state.get(DRILL_KEY)) if drill.parse_chip(c))
    grain = value(state, GRAIN_KEY, DEFAULT_GRAIN)
    return DemandView(ds, coverage, bar_filters(state, coverage), chips,
                      grain if grain in figures.GRAINS else DEFAULT_GRAIN)


def chosen_split(ds: store.Dataset, state: Mapping[str, Any]) -> str:
    """The volume chart's split ('' for none): one the dataset has."""
    split = value(state, SPLIT_KEY, "")
    return split if split in ds.roles and split in SPLIT_LABELS else ""


def default_title(figure_title: str, state: Mapping[str, Any]) -> str:
    """A facilitator's title to start from: the figure, and the services it is narrowed to."""
    services = strings(state.get(LIST_CONTROLS["service"][0]))
    return f"{figure_title}: {' and '.join(services)}" if 0 < len(services) <= 2 else figure_title


def link_params(state: Mapping[str, Any]) -> dict[str, list[str]]:
    """The query parameters the page's controls write (radios and selects write their labels)."""
    return url_params(state, {GRAIN_KEY: lambda g, s: periods.GRAIN_LABELS.get(g, str(g)),
                              SPLIT_KEY: lambda v, s: SPLIT_LABELS.get(v, str(v))})


PAGE = Page(PAGE_KEY, "Demand drivers", PREFIX, read_view, DemandView.words, link_params,
            default_title=default_title)
