"""The Savings page's figures, each worked out once per store file, dataset version and inputs (``ui.cache``): the
12-month periods, the baseline of one period, a cost lookup, and a scenario's outcome and sensitivity for one set of
levers (so moving a lever back to a value seen before costs nothing)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from analysis import store
from analysis.savings import baseline, costs, model
from ui.cache import by_dataset


@by_dataset(64)
def available_periods(con, dataset: store.Dataset) -> list[tuple[date, date]]:
    return baseline.available_periods(con, dataset.name)


@by_dataset(64, spinner="Counting contacts in the baseline period…")
def baseline_for(con, dataset: store.Dataset, start: date, end: date) -> baseline.Baseline:
    return baseline.baseline(con, dataset.name, start, end)


@by_dataset(32)
def cost_lookup(con, lookup: store.Dataset) -> pd.DataFrame:
    return costs.read_unit_cost_lookup(con, lookup.name)


@by_dataset(500)
def outcome(con, dataset: store.Dataset, start: date, end: date, levers: model.Levers) -> model.ScenarioResult:
    return model.compute(baseline_for(dataset, start, end), levers)


@by_dataset(500)
def sensitivity(con, dataset: store.Dataset, start: date, end: date, levers: model.Levers,
                spread: float) -> pd.DataFrame:
    return model.tornado(baseline_for(dataset, start, end), levers, spread=spread)
