"""The Performance page's figures, each worked out once per store file, dataset version and inputs (``ui.cache``).

Call them with the dataset first and without the connection, and with ``also=`` the classification's version where a
KPI reads it (failure demand): ``kpi_series(ds, "volume", grain="month", …, also=(cls_version,))``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis import periods, store
from analysis.charts import spc as charts
from analysis.demand import figures
from analysis.filters import Filters
from analysis.kpis import cube, definitions, explained, peers, series
from ui.cache import by_dataset
from ui.chart_specs import with_frames

MAX_SMALL_MULTIPLES = 20  # a council's wards fit; a file with hundreds of areas shows the 20 with the most data

kpi_series = by_dataset(500, spinner="Working out the KPI…")(series.kpi_series)
peer_comparison = by_dataset(50)(peers.peer_comparison)
kpi_measures = by_dataset(50)(definitions.kpi_measures)
organisations = by_dataset(50)(peers.organisations)
period_column = by_dataset(50)(definitions.check_period_column)
span_series = by_dataset(50)(series.span_series)


@by_dataset(100)
def default_grain(con, dataset: store.Dataset) -> str:
    """Month, unless the data are too short for 13 months: then the grain that gives an SPC chart enough points."""
    first, last = figures.data_coverage(con, dataset)
    return periods.default_grain(first, last, definitions.DEFAULT_GRAIN)


@by_dataset(100)
def kpi_grain(con, dataset: store.Dataset) -> str:
    """A KPI series' grain: as the loader recorded it, else as its period dates show it."""
    return definitions.dataset_grain(dataset, con)


@dataclass(frozen=True)
class KpiChoices:
    """The KPIs a dataset offers and the values of each split (service, area, channel) it has."""

    options: tuple[definitions.KpiOption, ...]
    split_values: dict[str, list[str]]


@by_dataset(100)
def kpi_choices(con, dataset: store.Dataset, within_days: int) -> KpiChoices:
    options = definitions.available_kpis(con, dataset, within_days)
    values = {role: cube.split_values(con, dataset, role) for role in ("service", "area", "channel")
              if role in dataset.roles}
    return KpiChoices(tuple(options), values)


@dataclass(frozen=True)
class Summary:
    """The summary matrix of every KPI x service, and the same as the page's table (icons and words)."""

    matrix: pd.DataFrame
    table: pd.DataFrame


@by_dataset(100, spinner="Working out every KPI…")
def summary(con, dataset: store.Dataset, grain: str, within_days: int, directions: tuple, targets: tuple,
            rules: str) -> Summary:
    matrix = series.summary_matrix(con, dataset, grain=grain, within_days=within_days, directions=dict(directions),
                                   targets=dict(targets), rules=rules)
    return Summary(matrix, charts.summary_table(matrix, grain))


@dataclass(frozen=True)
class SmallMultiples:
    """The small SPC charts of one KPI per area or service (``spec`` None: no series has 2 values), and how many of
    how many series they show."""

    spec: dict | None
    shown: int
    total: int


@by_dataset(100)
def small_multiples(con, dataset: store.Dataset, kpi: str, grain: str, by: str, filters: Filters, within_days: int,
                    improvement: str, rules: str, target: float | None, notes: pd.DataFrame, label: str,
                    unit: str) -> SmallMultiples:
    """Kept whole: the twenty SPC runs and the chart cost more than the series, which the KPI cube already holds."""
    many = series.kpi_series(con, dataset, kpi, grain=grain, split=by, filters=filters, within_days=within_days)
    many, total = series.top_series(many, MAX_SMALL_MULTIPLES)
    if many.empty:
        return SmallMultiples(None, 0, 0)
    frames = series.series_spc(many, improvement=improvement, rules=rules, target=target, unit=unit)
    scope = ", ".join(filters.services + filters.areas + filters.channels) or (
        "all services" if by == "area" else "all areas")
    # The chart's Vega-Lite is kept per shape of chart and only the data is filled in (most of the cost was Altair).
    template, data = charts.small_multiples_template(
        frames, title=f"{label} by {explained.SPLIT_LABELS[by].lower()}: {scope}", unit=unit, y_title=label,
        subtitle="Each chart has its own mean and limits; the scales differ.", interventions=notes, grain=grain)
    return SmallMultiples(with_frames(template, {charts.SMALL_MULTIPLES_DATA: data}),
                          min(total, MAX_SMALL_MULTIPLES), total)
