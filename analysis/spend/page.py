"""The Spend page as its figures see it: its controls' keys, and their values read into a :class:`SpendView`.

The page draws its controls (the filter bar, the drill-down chips, each section's own) and then reads the view with
:func:`read_view` from ``st.session_state``; a saved view (the Workshop, the pack) is read by the same function from
the values it kept. The whole period is no filter at all, so payments without a date (a file whose dates are all
'00:00:00') still count in every total; a narrower period keeps the dated payments in it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, Mapping

import pandas as pd

from analysis import drill, filters, periods, store
from analysis.errors import StocktakeError
from analysis.filters import Filters
from analysis.registry import Context, Page
from analysis.spend import scan
from analysis.spend.vocabulary import SPEND, SPEND_ROLES
from analysis.state import day, strings, url_params, value

PAGE_KEY = "council-spend"
PREFIX = "sp_"
# Every control's key, written once: the page's widgets are drawn under them and the figures read them back.
FROM_KEY, TO_KEY, GRAIN_KEY, TOP_KEY, DRILL_KEY = "sp_from", "sp_to", "sp_grain", "sp_top", "sp_drill"
CHANGE_BY_KEY, RECORDS_KEY = "sp_change_by", "sp_records"
CHANGE_PERIOD_KEYS = ("sp_a_from", "sp_a_to", "sp_b_from", "sp_b_to")
LIST_CONTROLS = {"service": ("sp_service", "Services"), "category": ("sp_category", "Categories"),
                 "supplier": ("sp_supplier", "Suppliers")}
GRAIN_LABELS = {"month": "Month", "financial_year": "Financial year"}
CHANGE_BY = {"service": "Service", "category": "Category", "supplier": "Supplier"}
DEFAULT_TOP = 10
TOP_CHOICES = (5, 10, 15, 20, 30)


@dataclass(frozen=True)
class SpendView:
    """What every figure of the page starts from: the dates the payments cover, the filter bar, the drill-down, the
    grain and how many bars before "All other"."""

    dataset: store.Dataset
    coverage: tuple[date | None, date | None]
    bar: Filters
    chips: tuple[str, ...]
    grain: str
    top_n: int

    @property
    def filters(self) -> Filters:
        """The filter bar narrowed by every chip."""
        return drill.apply_chips(self.bar, self.chips)

    def filters_for(self, target: str | None) -> Filters:
        """The filters without the chips a chart drilling into ``target`` makes, so that chart keeps every bar."""
        return drill.apply_chips(self.bar, self.chips, exclude_target=target or None)

    @property
    def dated(self) -> bool:
        return self.coverage[0] is not None

    def bar_words(self) -> str:
        """The filter bar in words: "Parking Services, category ‘Legal fees’, April 2024 – March 2025"."""
        shown = filters.describe(self.bar, with_dates=False, everything="All payments")
        span = periods.describe_span(self.bar.start or self.coverage[0], self.bar.end or self.coverage[1]) \
            if self.dated else "no usable payment dates"
        return f"{shown}, {span}"

    def words(self) -> str:
        drilled = drill.describe_chips(self.chips)
        return self.bar_words() + (f"; drilled down to {drilled}" if drilled else "")


def bar_filters(state: Mapping[str, Any], coverage: tuple[date | None, date | None]) -> Filters:
    """The filter bar's filters. Dates outside the data are pulled inside it, a start after the end is swapped, and
    the whole period is no date filter at all (payments without a date count)."""
    first, last = coverage
    chosen = Filters.for_roles({role: strings(state.get(key)) for role, (key, _) in LIST_CONTROLS.items()})
    if first is None or last is None:
        return chosen
    start = min(max(day(state.get(FROM_KEY)) or first, first), last)
    end = min(max(day(state.get(TO_KEY)) or last, first), last)
    if start > end:
        start, end = end, start
    return replace(chosen, start=None if start == first else start, end=None if end == last else end)


def read_view(ctx: Context, ds: store.Dataset, state: Mapping[str, Any]) -> SpendView:
    if ds.kind != SPEND or "amount" not in ds.roles:
        raise StocktakeError(f"'{ds.name}' is not a spending dataset with amounts: the Spend page needs one (load "
                             "payments on the Data page as 'Spending').")
    coverage = ctx.shared(scan.coverage, ds)
    chips = tuple(c for c in strings(state.get(DRILL_KEY)) if drill.parse_chip(c))
    grain = value(state, GRAIN_KEY, "month")
    top = int(value(state, TOP_KEY, DEFAULT_TOP))
    return SpendView(ds, coverage, bar_filters(state, coverage), chips, grain if grain in GRAIN_LABELS else "month",
                     min(max(top, 3), 50))


def month_span(first: date, last: date) -> tuple[date, date]:
    """The whole months the payments fall in: payments are published by calendar month, and a month whose last
    payment run was on the 27th is still the whole month."""
    start = first.replace(day=1)
    end = (pd.Timestamp(last).to_period("M").end_time).date()
    return start, end


def default_change_periods(first: date, last: date) -> tuple[tuple[date, date], tuple[date, date]]:
    """The two periods compared before the user chooses: the last 12 months against the 12 before when the payments
    cover 24 months, else the last month against the month before (one month only: that month with itself)."""
    start, end = month_span(first, last)
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    length = 12 if months >= 24 else 1
    second_start = (pd.Timestamp(end.replace(day=1)) - pd.DateOffset(months=length - 1)).date()
    if months < 2:
        return (start, end), (start, end)
    first_start = (pd.Timestamp(second_start) - pd.DateOffset(months=length)).date()
    return (first_start, second_start - timedelta(days=1)), (second_start, end)


def role_label(role: str) -> str:
    return SPEND_ROLES.get(role, role)


def default_title(figure_title: str, state: Mapping[str, Any]) -> str:
    """A facilitator's title to start from: the figure, and the services it is narrowed to."""
    services = strings(state.get(LIST_CONTROLS["service"][0]))
    return f"{figure_title}: {' and '.join(services)}" if 0 < len(services) <= 2 else figure_title


def link_params(state: Mapping[str, Any]) -> dict[str, list[str]]:
    """The query parameters the page's controls write (radios and selects write their labels)."""
    return url_params(state, {GRAIN_KEY: lambda g, s: GRAIN_LABELS.get(g, str(g)),
                              CHANGE_BY_KEY: lambda v, s: CHANGE_BY.get(v, str(v))})


PAGE = Page(PAGE_KEY, "Spend", PREFIX, read_view, SpendView.words, link_params, default_title=default_title)
