"""The Demand page's figures, each worked out once per store file, dataset version and inputs (``ui.cache``).

Every name here is the analysis function of the same job, cached: call it with the dataset first and without the
connection (``volume(ds, filters, "month", None, coverage=span)``), and with ``also=`` the versions of anything else
it reads (the classification, a population lookup). A rerun whose inputs have not changed runs no query.
"""

from __future__ import annotations

import pandas as pd

from analysis import classification, forecast
from analysis.demand import change, figures, repeats, scan
from ui.cache import by_dataset

REPEAT_SPINNER = "Putting each customer's contacts in time order (once for this version of the data)…"

coverage = by_dataset(32)(figures.data_coverage)
filter_options = by_dataset(32)(figures.filter_options)
has_times = by_dataset(32)(figures.has_times)
classes = by_dataset(32)(classification.classification_frame)
page_figures = by_dataset(200)(scan.page_figures)
volume = by_dataset()(figures.volume_over_time)
pareto = by_dataset()(figures.reason_pareto)
failure = by_dataset()(figures.failure_share)
repeat_demand = by_dataset(spinner=REPEAT_SPINNER)(repeats.repeat_demand)
day_hour = by_dataset()(figures.day_hour_counts)
month_year = by_dataset()(figures.month_year_counts)


@by_dataset()
def change_between(con, dataset, filters, before, after, by) -> tuple[change.ChangeDecomposition, pd.DataFrame]:
    """The change between two periods and its waterfall (the 10 largest changes, the rest as 'All other')."""
    result = change.change_between(con, dataset, filters, before, after, by)
    return result, change.waterfall_frame(result, top_n=10, before_label="First period", after_label="Second period")


rate = by_dataset()(figures.rate_per_thousand)
demand_forecast = by_dataset(spinner="Fitting the forecast…")(forecast.demand_forecast)
