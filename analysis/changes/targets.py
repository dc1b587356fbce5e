"""The figures a change can be meant to move, and their monthly series: a KPI of the Performance page, or a Demand
figure (a count of contacts).

A target is named by a key kept with the change (and written into a practice card):

- ``kpi:<key>``: a records KPI (``analysis.kpis.definitions.RECORD_KPIS``: median days to close, repeat contacts…) or
  a measure of a KPI-series dataset, its series exactly as the Performance page charts it (``kpi_series``, from the
  stored cube); "Contacts received" is the Demand figure below, so it is not offered twice;
- ``demand:contacts``: contacts received in the month; ``demand:failure``: those whose reason the Demand page's
  classification calls failure demand; ``demand:reason:<reason>``: those with one reason. Every count comes from the
  Demand page's one query (``analysis.demand.scan.counts``), by month, over the complete months of the data (a month
  with none is a 0, a part month at either end is left out).

:func:`by_service` gives a target's series for every service at once (and for all of them together), so a change in
one service is measured with the others as its controls, from one query.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from analysis import classification, periods, store
from analysis.demand import scan
from analysis.demand.figures import data_coverage
from analysis.errors import StocktakeError
from analysis.filters import Filters
from analysis.kpis import definitions
from analysis.kpis.series import kpi_series
from analysis.roles import KPI as KPI_KIND

ALL = definitions.ALL
KPI_PREFIX, DEMAND_PREFIX, REASON_PREFIX = "kpi:", "demand:", "demand:reason:"
CONTACTS, FAILURE = "demand:contacts", "demand:failure"
MAX_REASONS = 200  # reasons offered as targets: a file of free-text "reasons" is not a list to choose from
COLUMNS = ["period", "value", "n"]


@dataclass(frozen=True)
class TargetFigure:
    """A figure a change can target, as a dataset has it."""

    key: str
    label: str
    unit: str  # as ``definitions.kpi_unit``: "count", "days", "share", "money", "minutes", "number"…
    improvement: str  # the KPI's own better direction ("neutral" for counts: the change says which way it wanted)
    definition: str
    grain: str

    @property
    def is_count(self) -> bool:
        return self.unit == "count"

    @property
    def reason(self) -> str | None:
        return self.key.removeprefix(REASON_PREFIX) if self.key.startswith(REASON_PREFIX) else None


def reason_key(reason: str) -> str:
    return REASON_PREFIX + reason


def _demand(key: str) -> TargetFigure:
    if key == CONTACTS:
        return TargetFigure(key, "Contacts received", "count", "neutral",
                            "Contacts (records) received in the month, counted by the month of their date.", "month")
    if key == FAILURE:
        return TargetFigure(key, "Failure demand contacts", "count", "decrease",
                            "Contacts received in the month whose reason is classified as failure demand (demand "
                            "caused by a failure to do something or do it right for the customer).", "month")
    reason = key.removeprefix(REASON_PREFIX)
    return TargetFigure(key, f"Contacts about '{reason}'", "count", "neutral",
                        f"Contacts received in the month with the reason '{reason}'.", "month")


def describe(con: duckdb.DuckDBPyConnection, dataset: store.Dataset, key: str) -> TargetFigure:
    """What a target is in this dataset, or a StocktakeError saying why the dataset cannot show it."""
    if key.startswith(KPI_PREFIX):
        kpi = key.removeprefix(KPI_PREFIX)
        if dataset.kind == KPI_KIND:
            if kpi not in definitions.kpi_measures(con, dataset):
                raise StocktakeError(f"'{dataset.name}' has no measure '{kpi}'.")
            return TargetFigure(key, kpi, definitions.kpi_unit(kpi), "increase",
                                f"The measure '{kpi}' as published, one value per period.",
                                definitions.dataset_grain(dataset, con))
        found = definitions.RECORD_KPIS.get(kpi)
        if found is None or kpi == "volume":
            raise StocktakeError(f"'{kpi}' is not a KPI a change can target.")
        missing = [r for r in found.needs if r not in dataset.roles]
        if missing:
            raise StocktakeError(f"{definitions.kpi_label(kpi)} needs a column with the role "
                                 + " and ".join(f"'{r}'" for r in missing) + f": '{dataset.name}' has none.")
        return TargetFigure(key, definitions.kpi_label(kpi), found.unit, found.improvement,
                            found.description.format(days=definitions.DEFAULT_WITHIN_DAYS), "month")
    if not key.startswith(DEMAND_PREFIX) or key not in (CONTACTS, FAILURE) and not key.startswith(REASON_PREFIX):
        raise StocktakeError(f"'{key}' is not a figure a change can target.")
    if dataset.kind != "records" or "date" not in dataset.roles:
        raise StocktakeError(f"Demand figures need records with dates: '{dataset.name}' has none.")
    if key != CONTACTS and "reason" not in dataset.roles:
        raise StocktakeError(f"'{dataset.name}' has no column with the role 'Reason', so it cannot count contacts "
                             "by reason.")
    if key == FAILURE and not definitions.has_classification(con, dataset):
        raise StocktakeError("Failure demand needs the reasons classified as failure or value demand: classify them "
                             "on the Demand page.")
    return _demand(key)


def options(con: duckdb.DuckDBPyConnection, dataset: store.Dataset) -> list[TargetFigure]:
    """Every figure a change in this dataset can target: the Demand counts, then each reason, then the KPIs."""
    keys = [CONTACTS, FAILURE]
    if dataset.kind == "records" and "reason" in dataset.roles:
        keys += [reason_key(r) for r in reasons(con, dataset)]
    if dataset.kind == KPI_KIND:
        keys += [KPI_PREFIX + m for m in definitions.kpi_measures(con, dataset)]
    else:
        keys += [KPI_PREFIX + k for k in definitions.RECORD_KPIS if k != "volume"]
    found = []
    for key in keys:
        try:
            found.append(describe(con, dataset, key))
        except StocktakeError:
            continue
    return found


def reasons(con: duckdb.DuckDBPyConnection, dataset: store.Dataset) -> list[str]:
    """The dataset's reasons, most contacts first (at most :data:`MAX_REASONS`)."""
    column = store.quote_identifier(dataset.roles["reason"])
    rows = store.query_rows(con, f"SELECT CAST({column} AS VARCHAR), count(*) FROM {store.quote_identifier(dataset.table)} "
                                 f"WHERE {column} IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT {MAX_REASONS}")
    return [r[0] for r in rows]


def _area_filters(area: str | None) -> Filters:
    return Filters(areas=(area,)) if area else Filters()


def _kpi_by_service(con, dataset: store.Dataset, kpi: str, area: str | None) -> dict[str, pd.DataFrame]:
    grain = definitions.dataset_grain(dataset, con) if dataset.kind == KPI_KIND else "month"
    filters = _area_filters(area)
    out = {ALL: kpi_series(con, dataset, kpi, grain=grain, filters=filters)[COLUMNS]}
    if "service" in dataset.roles:
        many = kpi_series(con, dataset, kpi, grain=grain, split="service", filters=filters)
        for name, group in many.groupby("series", sort=True):
            out[str(name)] = group[COLUMNS].reset_index(drop=True)
    return out


def _complete(frame: pd.DataFrame, months: pd.DatetimeIndex) -> pd.DataFrame:
    """Counts on every complete month (0 where there were none), nothing outside them."""
    counts = frame.groupby("period")["count"].sum()
    counts.index = pd.to_datetime(counts.index)
    values = counts.reindex(months, fill_value=0).to_numpy(dtype=float)
    return pd.DataFrame({"period": months, "value": values, "n": values.astype("int64")})


def _demand_by_service(con, dataset: store.Dataset, key: str, area: str | None) -> dict[str, pd.DataFrame]:
    first, last = data_coverage(con, dataset)
    months = periods.complete_periods(first, last, "month") if first is not None else pd.DatetimeIndex([])
    rows = scan.counts(con, dataset, _area_filters(area), "month", ("period_reasons",)).part("period_reasons")
    if key == FAILURE:
        classes = classification.classification_frame(con, dataset)
        failing = classes[classes["demand_type"] == "failure"]
        on = ["service", "reason"] if "service" in dataset.roles else ["reason"]
        rows = rows.merge(failing[on].astype(object), on=on, how="inner")
    elif key.startswith(REASON_PREFIX):
        rows = rows[rows["reason"] == key.removeprefix(REASON_PREFIX)]
    out = {ALL: _complete(rows, months)}
    if "service" in dataset.roles:
        for name in sorted(rows["service"].dropna().unique()):
            out[str(name)] = _complete(rows[rows["service"] == name], months)
    return out


def by_service(con: duckdb.DuckDBPyConnection, dataset: store.Dataset, key: str,
               area: str | None = None) -> dict[str, pd.DataFrame]:
    """The target's series (``period``, ``value``, ``n``: the records behind each value) for all services together
    (:data:`ALL`) and for each service, within one area when ``area`` is given."""
    describe(con, dataset, key)
    if key.startswith(KPI_PREFIX):
        return _kpi_by_service(con, dataset, key.removeprefix(KPI_PREFIX), area)
    return _demand_by_service(con, dataset, key, area)


def lower_bound(figure: TargetFigure, values) -> float | None:
    """0 for counts (an SPC limit never below zero), as the Performance page floors them."""
    return definitions.lower_bound_for(figure.unit, np.asarray(values, dtype=float))


def format_value(value, unit: str) -> str:
    return definitions.format_kpi_value(value, unit)
