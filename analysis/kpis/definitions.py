"""KPI definitions for the Performance page: what each KPI is, its label, unit and improvement direction, the roles
it needs, which KPIs a dataset can offer and how a KPI value is written for people.

The KPIs, computed in DuckDB from records or read from KPI-series datasets:

From a records dataset (one row per contact or case), per period (monthly by default) and per service (or area,
or channel), with the roles each needs:

- ``volume``: contacts received in the period (date);
- ``median_days_to_close`` and ``p90_days_to_close``: days from received to closed of the cases *closed* in the
  period (date, closed_date). Grouping by the closing period avoids the bias of open cases: the most recent months'
  received cases are mostly still open, and only the quick ones would count;
- ``closed_within_days``: of the cases closed in the period, the share closed within N days of being received;
- ``failure_demand_pct``: failure / (failure + value) among contacts received in the period whose reason is
  classified (reason, service; the classification lookup ``<dataset>_classification``, as on the Demand page);
- ``repeat_pct``: the share of contacts (with a customer id) from a customer who made any contact, for any service,
  in the 28 calendar days before (customer_id): the Demand page's repeat rate, from the same table and the same test
  (``analysis.demand.repeats.REPEAT_WINDOW_DAYS``, ``repeat_source``, ``is_repeat_sql``);
- ``cost_per_case``: mean cost of the contacts received in the period (cost);
- ``avg_handling_minutes``: mean handling minutes (handling_minutes).

Shares are fractions (0.412 is 41.2%). The closing-time KPIs and repeat % skip the periods that start in the
data's first 28 days (their warm-up: see ``WARM_UP_DAYS``). Only complete periods are kept: a first or last period
that the dataset (as a whole, whatever the filters) does not cover from its first to its last day is dropped, because
a half month of contacts would read as a fall in demand.

From a KPI-series dataset (period, measure, value, target, service/area): any measure, with its target column.

Where each part lives: records KPIs in DuckDB (``compute``), stored for every series once per version of the data
(``cube``), one KPI's series with its SPC chart and the summary matrix (``series``), directions, targets and
trajectories kept in the store (``storage``) and the peer comparison (``peers``).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np

from analysis import classification, periods, store
from analysis.demand import repeats
from analysis.errors import StocktakeError
from analysis.formatting import format_count, format_money, format_percent
from analysis.roles import KPI as KPI_KIND
from analysis.roles import RECORD_ROLES, RECORDS
from analysis.store import quote_identifier as q

DEFAULT_GRAIN = "month"
DEFAULT_WITHIN_DAYS = 20

WARM_UP_DAYS = 28
"""Periods starting within 28 days of the data's first day are left out of the days-to-close KPIs and repeat %:
cases closed then can only have been received since the start (closing times read short), and contacts then have no
history to repeat (repeats read low). 28 days is the repeat window and covers most cases' closing time."""
WARM_UP_KPIS = ("median_days_to_close", "p90_days_to_close", "closed_within_days", "repeat_pct")

SPLITS = ("service", "area", "channel")
PAIR_SPLIT = "service_area"  # series "<service>\x1f<area>": every service x area pair
PAIR_SEP = "\x1f"
ALL = "All"
BLANK = "(blank)"


@dataclass(frozen=True)
class KpiDef:
    """What a KPI is, how to show it and what it needs."""

    key: str
    label: str
    unit: str  # "count", "days", "share" (a fraction), "money", "minutes", "number"
    improvement: str  # the default direction: "increase", "decrease" or "neutral"
    needs: tuple[str, ...]  # roles
    basis: str  # "received" (period of the date) or "closed" (period of the closed date)
    description: str


RECORD_KPIS: dict[str, KpiDef] = {
    k.key: k
    for k in (
        KpiDef("volume", "Contacts received", "count", "neutral", ("date",), "received",
               "Contacts received in the period."),
        KpiDef("median_days_to_close", "Median days to close", "days", "decrease", ("date", "closed_date"), "closed",
               "Median days from received to closed, of the cases closed in the period."),
        KpiDef("p90_days_to_close", "90th percentile days to close", "days", "decrease", ("date", "closed_date"),
               "closed", "9 in 10 cases closed in the period took this many days or fewer."),
        KpiDef("closed_within_days", "Closed within {days} days", "share", "increase", ("date", "closed_date"),
               "closed", "Of the cases closed in the period, the share closed within {days} days of being received."),
        KpiDef("failure_demand_pct", "Failure demand", "share", "decrease", ("date", "reason"), "received",
               "Failure demand as a share of classified demand (failure + value), from the reason classification."),
        KpiDef("repeat_pct", "Repeat contacts", "share", "decrease", ("date", "customer_id"), "received",
               f"Contacts from a customer who made any contact in the {repeats.REPEAT_WINDOW_DAYS} calendar days "
               "before (10 January then 7 February is a repeat), as a share of contacts with a customer id: the "
               "Demand page's repeat rate, counted the same way."),
        KpiDef("cost_per_case", "Cost per case", "money", "decrease", ("date", "cost"), "received",
               "Mean cost of the contacts received in the period."),
        KpiDef("avg_handling_minutes", "Average handling minutes", "minutes", "decrease",
               ("date", "handling_minutes"), "received", "Mean handling time of the contacts received in the period."),
    )
}


# Cost per outcome, from the spending paired with a records dataset (analysis.spend.kpi): offered only where there is
# some, worked out from the unit costs rather than the KPI cube.
SPEND_KPIS: dict[str, KpiDef] = {
    k.key: k
    for k in (
        KpiDef("spend_per_contact", "Spend per contact", "money", "decrease", ("date", "service"), "received",
               "Net spend of the matched services in the month divided by the contacts they received in it (an upper "
               "bound: the spend pays for more than handling contacts)."),
        KpiDef("spend_per_closed", "Spend per case closed", "money", "decrease", ("date", "service", "closed_date"),
               "closed", "Net spend of the matched services in the month divided by the cases they closed in it."),
    )
}


def dataset_grain(dataset: store.Dataset, con: duckdb.DuckDBPyConnection | None = None) -> str:
    """The grain of a KPI-series dataset's periods: as the loader recorded it for its period column; else, given a
    connection, as the period dates themselves show it (first days of April a year apart: financial years); else
    month. Records datasets are summarised by month unless the page asks for another grain."""
    column = dataset.roles.get("period")
    grain = getattr(dataset.column(column), "grain", None) if column else None
    if grain in periods.KNOWN_GRAINS:
        return grain
    if con is not None and column and dataset.column(column).type in ("date", "timestamp"):
        rows = store.query_rows(con, f"SELECT DISTINCT CAST({q(column)} AS DATE) FROM {q(dataset.table)} "
                                     f"WHERE {q(column)} IS NOT NULL ORDER BY 1 LIMIT 5000")
        grain = periods.infer_grain([r[0] for r in rows])
    return grain if grain in periods.KNOWN_GRAINS else DEFAULT_GRAIN


def series_scope(dataset: store.Dataset, service: str = ALL, area: str = ALL, channel: str = ALL) -> str:
    """What a KPI chart covers, in words ("Housing repairs, North ward"; "" when there is nothing to say).

    A KPI series of many areas (councils, trusts) with no area chosen is the plain average of their values each
    period, and the words say so: "all services" would let a room read 152 councils' mean as one council's figure.
    """
    chosen = {"service": service, "area": area, "channel": channel}
    parts = []
    if service != ALL:
        parts.append(service)
    elif "service" in dataset.roles or dataset.kind == "records":
        parts.append("all services")
    parts += [chosen[role] for role in ("area", "channel") if chosen[role] != ALL]
    if dataset.kind == "kpi" and area == ALL and "area" in dataset.roles:
        parts.append("average of every area's value")
    return ", ".join(parts)


def series_title(label: str, dataset: store.Dataset, service: str = ALL, area: str = ALL, channel: str = ALL) -> str:
    """A KPI chart's title: the KPI and what it covers (see :func:`series_scope`)."""
    scope = series_scope(dataset, service, area, channel)
    return f"{label}: {scope}" if scope else label


def check_period_column(con: duckdb.DuckDBPyConnection, dataset: store.Dataset) -> str:
    """The KPI series' period column, when it holds dates; else a StocktakeError saying what it holds (text, or
    numbers such as 201607) and what to do: such values cannot be put in time order by the engine."""
    column = dataset.roles.get("period")
    if not column:
        raise StocktakeError(f"Dataset '{dataset.name}' has no column with the role 'Period': set it on the Data page.")
    held = dataset.column(column).type
    if held in ("date", "timestamp"):
        return column
    example = store.query_rows(
        con, f"SELECT CAST({q(column)} AS VARCHAR) FROM {q(dataset.table)} WHERE {q(column)} IS NOT NULL LIMIT 1")
    such_as = f" such as '{example[0][0]}'" if example else ""
    what = "numbers" if held in ("integer", "number") else "text"
    raise StocktakeError(
        f"The period column '{column}' of '{dataset.name}' holds {what}{such_as}, not periods Stocktake can put in "
        "time order: load the file again so its periods (financial years, quarters, months such as 201607) are read "
        "as dates, or give the role 'Period' to a date column on the Data page.")


def kpi_label(key: str, within_days: int = DEFAULT_WITHIN_DAYS) -> str:
    """The label of a records KPI (with its N days filled in), or the measure name of a KPI-series measure."""
    kpi = RECORD_KPIS.get(key) or SPEND_KPIS.get(key)
    return kpi.label.format(days=within_days) if kpi else key


def kpi_unit(key: str) -> str:
    """How a KPI's values are formatted: a records KPI's unit, or 'percent_points' for a measure named with '%'."""
    kpi = RECORD_KPIS.get(key) or SPEND_KPIS.get(key)
    if kpi:
        return kpi.unit
    return "percent_points" if "%" in key else "number"


def lower_bound_for(unit: str, values) -> float | None:
    """0 when a KPI's values are counts (contacts received; a measure whose values are all whole numbers of at least
    zero, such as attendances or bed days), so an SPC chart's lower limit is never below zero; None otherwise."""
    if unit == "count":
        return 0.0
    if unit in ("share", "money", "days", "minutes"):
        return None
    numbers = np.asarray(values, dtype=float)
    numbers = numbers[np.isfinite(numbers)]
    if len(numbers) and (numbers >= 0).all() and (numbers == np.round(numbers)).all():
        return 0.0
    return None


def format_kpi_value(value, unit: str) -> str:
    """A KPI value for people: 12,345; 4.5 days; 41.2%; £1,234; 6.3 minutes."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "–"
    if unit == "count":
        return format_count(value)
    if unit == "days":
        return f"{value:,.1f} days"
    if unit == "share":
        return format_percent(value)
    if unit == "money":
        return format_money(value, 2 if abs(value) < 100 else 0)
    if unit == "minutes":
        return f"{value:,.1f} min"
    if unit == "percent_points":
        return f"{value:,.1f}%"
    return f"{value:,.2f}" if abs(value) < 100 else format_count(value)


# --- What can be charted ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class KpiOption:
    key: str
    label: str
    unit: str
    improvement: str
    missing: str | None  # why it cannot be computed (a sentence), or None


def has_classification(con: duckdb.DuckDBPyConnection, dataset: store.Dataset) -> bool:
    name = classification.classification_dataset_name(dataset)
    if not store.dataset_exists(con, name):
        return False
    roles = store.get_dataset(con, name).roles
    return "reason" in roles and "demand_type" in roles


def available_kpis(
    con: duckdb.DuckDBPyConnection, dataset: store.Dataset, within_days: int = DEFAULT_WITHIN_DAYS
) -> list[KpiOption]:
    """Every KPI the page can offer for a dataset, with the reason it cannot be computed when a role is missing."""
    if dataset.kind == KPI_KIND:
        return [KpiOption(m, m, kpi_unit(m), "increase", None) for m in kpi_measures(con, dataset)]
    if dataset.kind != RECORDS:
        return []
    roles = dataset.roles
    options = []
    for kpi in RECORD_KPIS.values():
        lacking = [r for r in kpi.needs if r not in roles]
        missing = None
        if lacking:
            missing = (f"{kpi_label(kpi.key, within_days)} needs a column with the role "
                       + " and ".join(f"'{RECORD_ROLES.get(r, r)}'" for r in lacking) + ". Set it on the Data page.")
        elif kpi.key == "failure_demand_pct" and not has_classification(con, dataset):
            missing = ("Failure demand needs the reasons classified as failure or value demand: classify them on the "
                       "Demand page.")
        options.append(KpiOption(kpi.key, kpi_label(kpi.key, within_days), kpi.unit, kpi.improvement, missing))
    return options


def kpi_measures(con: duckdb.DuckDBPyConnection, dataset: store.Dataset) -> list[str]:
    """The measures of a KPI-series dataset (one series each), sorted."""
    measure = dataset.roles.get("measure")
    if not measure:
        # One measure: the value column's own name ("attendances"), which says more than "Value".
        return [dataset.roles["value"]] if "value" in dataset.roles else []
    rows = store.query_rows(
        con, f"SELECT DISTINCT CAST({q(measure)} AS VARCHAR) FROM {q(dataset.table)} WHERE {q(measure)} IS NOT NULL "
             "ORDER BY 1")
    return [r[0] for r in rows]



def label_sql(expr: str) -> str:
    return f"coalesce(CAST({expr} AS VARCHAR), '{BLANK}')"
