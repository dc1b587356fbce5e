"""Demand drivers views: the page's filters and drill-down read back from a view's controls, and its figures drawn
with their readings (volume, top reasons, failure demand by service and over time, seasonality, rates per 1,000)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any, Mapping

import pandas as pd

from analysis import drill, filters, periods, store
from analysis.charts import demand as charts
from analysis.demand import figures
from analysis.errors import StocktakeError
from analysis.filters import Filters
from analysis.formatting import format_count, format_percent
from analysis.roles import RECORD_ROLES
from analysis.sessions import View
from analysis.views.catalogue import DEMAND_SPLIT_LABELS, Figure, day, strings, value

LIST_KEYS = {"service": "dm_service", "reason": "dm_reason", "channel": "dm_channel", "area": "dm_area",
             "status": "dm_status"}
# Figure -> the drill target its clicks make on the page, whose chips it leaves out (it still shows every bar).
FIGURE_TARGETS = {"volume": "split", "pareto": "reason", "failure_service": "service", "seasonality": "month",
                  "rate": "area"}


def bar_filters(state: Mapping[str, Any], coverage: tuple[date | None, date | None]) -> Filters:
    """The filter bar's filters from a view's controls; a period left out is the data's whole period, and dates
    outside the data are pulled inside it, as the page does."""
    first, last = coverage

    def clamp(d):
        if d is None or first is None or last is None:
            return d
        return min(max(d, first), last)

    start = clamp(day(state.get("dm_from"))) or first
    end = clamp(day(state.get("dm_to"))) or last
    if start and end and start > end:
        start, end = end, start
    chosen = Filters.for_roles({role: strings(state.get(key)) for role, key in LIST_KEYS.items()})
    return replace(chosen, start=start, end=end)


def drilled(chosen: Filters, state: Mapping[str, Any], figure: str) -> tuple[Filters, str]:
    """The filters with the view's drill-down chips, as the page applies them to this figure, and their words."""
    chips = [c for c in strings(state.get("dm_drill")) if drill.parse_chip(c)]
    target = FIGURE_TARGETS.get(figure)
    if target == "split":
        target = value(state, "dm_split") or None
    return drill.apply_chips(chosen, chips, exclude_target=target), drill.describe_chips(chips)


def _grain(state) -> str:
    grain = value(state, "dm_grain", "month")
    return grain if grain in figures.GRAINS else "month"


def _complete(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[~frame["incomplete"].astype(bool)] if "incomplete" in frame else frame


def _require(ds: store.Dataset, role: str, what: str) -> None:
    if figures.missing_roles(ds, role):
        raise StocktakeError(f"{what} needs a column with the role '{RECORD_ROLES.get(role, role)}' in '{ds.name}': "
                             "give a column that role on the Data page.")


def volume_reading(volume: pd.DataFrame, grain: str) -> str:
    """The volume chart in a sentence: the total, the busiest complete period, the latest against a season before."""
    totals = volume.groupby(["period", "incomplete"], as_index=False)["count"].sum().sort_values("period")
    complete = _complete(totals)
    unit = periods.GRAIN_LABELS[grain].lower().replace("_", " ")
    sentence = f"{format_count(totals['count'].sum())} records"
    if complete.empty:
        return sentence + f"; no complete {unit} in the period."
    busiest = complete.loc[complete["count"].idxmax()]
    sentence += (f"; the busiest {unit} was {periods.period_words(busiest['period'], grain)} "
                 f"({format_count(busiest['count'])})")
    season = periods.SEASON_LENGTH.get(grain, 0)
    if season > 1 and len(complete) > season:
        latest, year_before = complete.iloc[-1], complete.iloc[-1 - season]
        if year_before["count"]:
            change = latest["count"] / year_before["count"] - 1
            sentence += (f"; {periods.period_words(latest['period'], grain)}: {format_count(latest['count'])}, "
                         f"{format_percent(abs(change))} {'more' if change > 0 else 'fewer'} than "
                         f"{periods.period_words(year_before['period'], grain)}")
    return sentence + "."


def draw(con, ds: store.Dataset, view: View) -> Figure:
    if ds.kind != "records" or "date" not in ds.roles:
        raise StocktakeError(f"'{ds.name}' is not a records dataset with dates: the Demand page's figures need one.")
    state, key = view.state, view.figure
    coverage = figures.data_coverage(con, ds)
    chosen = bar_filters(state, coverage)
    active, drill_words = drilled(chosen, state, key)
    grain = _grain(state)
    words = filters.describe(chosen) + (f"; drilled down to {drill_words}" if drill_words else "")
    drawer = _FIGURES.get(key)
    if drawer is None:
        raise StocktakeError(f"The Demand page has no figure '{key}': add the view again from the page.")
    return drawer(con, ds, state, active, grain, coverage, words)


def _volume(con, ds, state, active, grain, coverage, words) -> Figure:
    split = value(state, "dm_split", "")
    split = split if split in ds.roles and split in DEMAND_SPLIT_LABELS else ""
    volume = figures.volume_over_time(con, ds, active, grain, split or None, coverage=coverage)
    if volume.empty:
        raise StocktakeError("No records match this view's filters.")
    chart = charts.build_volume_chart(volume, periods.GRAIN_LABELS[grain], DEMAND_SPLIT_LABELS[split] if split else None)
    data = volume.rename(columns={"label": "Period", "split": DEMAND_SPLIT_LABELS.get(split, "Group"),
                                  "count": "Records", "incomplete": "Incomplete period"}).drop(columns="period")
    return Figure("Volume over time", chart.to_dict(validate=False), data, words, volume_reading(volume, grain),
                  [("Records", format_count(int(volume["count"].sum())))], ds.name, "volume")


def _pareto(con, ds, state, active, grain, coverage, words) -> Figure:
    _require(ds, "reason", "The top reasons chart")
    pareto = figures.reason_pareto(con, ds, active)
    if pareto.total == 0:
        raise StocktakeError("No records match this view's filters.")
    top = pareto.frame.iloc[0]
    reading = (f"{pareto.reasons_for_share:,} of {len(pareto.frame):,} reasons make up 80% of these records; the "
               f"most common is ‘{top['reason']}’ ({format_percent(top['share'])}).")
    top_n = min(max(25, pareto.reasons_for_share + 5), 40)
    chart = charts.build_pareto_chart(pareto.frame, pareto.reasons_for_share, top_n=top_n)
    data = pareto.frame.rename(columns={"rank": "Rank", "reason": "Reason", "count": "Records", "share": "Share",
                                        "cumulative_share": "Cumulative share",
                                        "in_core": "Among the reasons making 80%"})
    return Figure("Top reasons", chart.to_dict(validate=False), data, words, reading,
                  [("Reasons making up 80%", f"{pareto.reasons_for_share:,} of {len(pareto.frame):,}")], ds.name,
                  "pareto")


def _failure(con, ds, state, active, grain, coverage, words, by: str) -> Figure:
    _require(ds, "reason", "Failure demand")
    if by == "service":
        _require(ds, "service", "Failure demand by service")
    overall = figures.failure_share(con, ds, active, coverage=coverage)
    frame = figures.failure_share(con, ds, active, by=by, grain=grain, coverage=coverage)
    row = overall.iloc[0] if len(overall) else None
    if row is None or row["failure"] + row["value"] == 0:
        raise StocktakeError("No reason is classified as failure or value demand yet: classify reasons on the Demand "
                             "page.")
    share_text = format_percent(row["failure_share"])
    if by == "service":
        top = frame.dropna(subset=["failure_share"]).sort_values("failure_share", ascending=False).iloc[0]
        reading = (f"Failure demand is {share_text} of classified records; the highest share is in {top['group']} "
                   f"({format_percent(top['failure_share'])}).")
        chart = charts.build_failure_share_chart(frame, "Service", "Failure and value demand by service")
        title, key = "Failure and value demand by service", "failure_service"
    else:
        complete = _complete(frame).dropna(subset=["failure_share"])
        reading = f"Failure demand is {share_text} of classified records over the period"
        if len(complete) >= 2:
            first, last = complete.iloc[0], complete.iloc[-1]
            reading += (f"; {format_percent(first['failure_share'])} in {periods.period_words(first['period'], grain)}"
                        f", {format_percent(last['failure_share'])} in {periods.period_words(last['period'], grain)}")
        reading += "."
        chart = charts.build_failure_trend_chart(frame, periods.GRAIN_LABELS[grain])
        title, key = "Failure demand over time", "failure_trend"
    data = frame.drop(columns=[c for c in ("period",) if c in frame]).rename(columns={
        "group": "Group", "label": "Period", "failure": "Failure records", "value": "Value records",
        "unclassified": "Unclassified records", "total": "All records",
        "failure_share": "Failure share of classified", "unclassified_share": "Unclassified share",
        "incomplete": "Incomplete period"})
    return Figure(title, chart.to_dict(validate=False), data, words, reading,
                  [("Failure demand", share_text), ("Failure records", format_count(int(row["failure"])))], ds.name,
                  key)


def _seasonality(con, ds, state, active, grain, coverage, words) -> Figure:
    months = figures.month_year_counts(con, ds, active, coverage=coverage)
    complete = _complete(months)
    if complete.empty:
        raise StocktakeError("No complete month matches this view's filters.")
    mean = complete.groupby("month_number", as_index=False)["count"].mean()
    busiest, quietest = mean.loc[mean["count"].idxmax()], mean.loc[mean["count"].idxmin()]
    name = lambda m: date(2000, int(m), 1).strftime("%B")  # noqa: E731
    reading = (f"On average over complete months, {name(busiest['month_number'])} is the busiest "
               f"({format_count(busiest['count'])} records) and {name(quietest['month_number'])} the quietest "
               f"({format_count(quietest['count'])}).")
    chart = charts.build_month_year_heatmap(months)
    data = months.rename(columns={"year": "Year", "month": "Month", "count": "Records",
                                  "incomplete": "Incomplete month"}).drop(columns="month_number")
    return Figure("Seasonality: month × year", chart.to_dict(validate=False), data, words, reading, [], ds.name,
                  "seasonality")


def _rate(con, ds, state, active, grain, coverage, words) -> Figure:
    _require(ds, "area", "Rates per resident")
    population = figures.find_population_lookup(con, ds)
    rates = figures.rate_per_thousand(con, ds, active, population, coverage=coverage) if population else None
    if rates is None:
        raise StocktakeError("Rates per 1,000 residents need a population lookup (a lookup dataset with 'Area' and "
                             "'Population' columns): load one on the Data page.")
    known = rates.dropna(subset=["rate_per_1000"])
    if known.empty:
        raise StocktakeError(f"No area of '{ds.name}' has a population in '{population.name}'.")
    high, low = known.iloc[0], known.iloc[-1]
    reading = (f"{high['area']} has the most records per 1,000 residents ({high['rate_per_1000']:,.1f}); "
               f"{low['area']} the fewest ({low['rate_per_1000']:,.1f}).")
    chart = charts.build_rate_chart(rates, "Area")
    data = rates.rename(columns={"area": "Area", "count": "Records", "population": "Population",
                                 "rate_per_1000": "Per 1,000 residents", "annual_rate_per_1000": "Per 1,000 a year"})
    return Figure("Records per 1,000 residents", chart.to_dict(validate=False), data, words, reading, [], ds.name,
                  "rate")


_FIGURES = {
    "volume": _volume, "pareto": _pareto, "seasonality": _seasonality, "rate": _rate,
    "failure_service": lambda *a: _failure(*a, by="service"),
    "failure_trend": lambda *a: _failure(*a, by="period"),
}
