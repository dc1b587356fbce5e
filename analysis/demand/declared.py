"""Every figure of the Demand drivers page, declared once (see :mod:`analysis.registry`).

The count figures (volume, top reasons, failure and value demand, day × hour, month × year, rates) all start from
the page's one scan (:func:`page_counts`): drawn together on the page they share it, drawn alone in presentation
mode or the pack each runs it, the same code either way. The others start from their own analysis (repeats, the
change between two periods, the forecast). Each figure's inputs are read from the page's view and controls.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from analysis import classification, forecast, lookups, periods, store
from analysis.charts import demand as charts
from analysis.charts.templates import forecast_template
from analysis.demand import change, choices, explained, figures, readings, repeats, scan
from analysis.demand.page import (CHANGE_BY, CHANGE_BY_KEY, CHANGE_PERIOD_KEYS, HORIZON_KEY, PAGE, REPEAT_BY_KEY,
                                  REPEAT_DAYS_KEY, SPLIT_LABELS, DemandView, chosen_split)
from analysis.errors import StocktakeError
from analysis.filters import Filters
from analysis.formatting import format_count, format_percent
from analysis.reads import CLASSIFICATION, POPULATION
from analysis.registry import Context, Drill, Figure, NotShown, needs_sentence, register
from analysis.state import day, value

NO_RECORDS = "No records match these filters."
REPEAT_SPINNER = "Putting each customer's contacts in time order (once for this version of the data)…"
ID_ROLES = ("customer_id", "property_id")


@dataclass(frozen=True)
class Counted:
    """The inputs of a count figure: the filters it is drawn with, the page's grain and the data's dates."""

    filters: Filters
    grain: str
    coverage: tuple[date, date]
    split: str = ""

    @property
    def span(self):
        return figures.span_of(self.filters, self.coverage)

    @property
    def grain_label(self) -> str:
        return periods.GRAIN_LABELS[self.grain]


GRAIN_FREE = "month"
"""The grain a count figure that does not show periods reads its counts at (the page's default, whose scan is there
from the page's first visit): its sums are the same at every grain, so the page's grain is left out of its key."""


def counted(target: str | None, *, by_period: bool = True):
    """Inputs for a count figure whose chart drills into ``target`` (it keeps every bar of its own: None for all).
    ``by_period`` False: the figure shows no periods (reasons, services, day × hour, month × year, areas), so a
    change of the page's grain is not a new key for it: one chart built again per person who changes it, not six."""
    if by_period:
        return lambda ctx, ds, view, state: Counted(view.filters_for(target), view.grain, view.coverage)
    return lambda ctx, ds, view, state: Counted(view.filters_for(target), GRAIN_FREE, view.coverage)


PERIOD_SETS = ("period_reasons",)
"""What a scan at any grain but :data:`GRAIN_FREE` holds: only the figures that show periods read it (volume,
failure demand over time, the forecast), so a change of grain on 10M records is one grouping, not five."""


def page_counts(ctx: Context, ds: store.Dataset, filters: Filters, grain: str) -> scan.Counts:
    """The page's one scan for these filters, shared by every count figure drawn with them (at another grain than
    :data:`GRAIN_FREE`, the periods only: see :data:`PERIOD_SETS`)."""
    sets = scan.page_sets(ds, grain) if grain == GRAIN_FREE else PERIOD_SETS
    return ctx.shared(scan.counts, ds, filters, grain, sets)


def page_total(ctx: Context, view: DemandView) -> int:
    """Records the page's filters keep (the page's headline), summed once from the page's scan (the same at every
    grain)."""
    return ctx.derived("demand total", view.dataset, (view.filters,), lambda: figures.total_from(
        page_counts(ctx, view.dataset, view.filters, GRAIN_FREE)))


# ---- volume and top reasons ---------------------------------------------------------------------------------------

def _volume(ctx, ds, p: Counted) -> pd.DataFrame:
    extra = scan.split_set(p.split)
    found = ctx.shared(scan.counts, ds, p.filters, p.grain, (extra,)) if extra else \
        page_counts(ctx, ds, p.filters, p.grain)
    frame = figures.volume_from(found, p.grain, p.split or None, 8, p.span)
    if frame.empty:
        raise NotShown(NO_RECORDS)
    return frame


VOLUME = register(Figure(
    PAGE, "volume", "Volume over time",
    inputs=lambda ctx, ds, view, state: Counted(view.filters_for(chosen_split(ds, state)), view.grain,
                                                view.coverage, chosen_split(ds, state)),
    compute=_volume,
    chart=lambda frame, p: charts.build_volume_chart(frame, p.grain_label, SPLIT_LABELS[p.split] if p.split else None),
    columns=lambda p: {"label": "Period", "split": SPLIT_LABELS[p.split] if p.split else "Group",
                       "count": "Records", "incomplete": "Incomplete period"},
    reading=lambda frame, p: readings.volume(frame, p.grain),
    headline=lambda frame, p: [("Records", format_count(int(frame["count"].sum())))],
    how=lambda frame, p: explained.VOLUME.format(grain=p.grain_label.lower()),
    needs=("date",), drill=Drill("split", "volume_pick")))


def _pareto(ctx, ds, p: Counted) -> figures.Pareto:
    found = figures.pareto_from(page_counts(ctx, ds, p.filters, p.grain))
    if found.total == 0:
        raise NotShown(NO_RECORDS)
    return found


PARETO = register(Figure(
    PAGE, "pareto", "Top reasons", counted("reason", by_period=False), _pareto,
    # Every reason in the 80% and a few beyond it, between 25 and 40 bars.
    chart=lambda found, p: charts.build_pareto_chart(found.frame, found.reasons_for_share,
                                                     top_n=min(max(25, found.reasons_for_share + 5), 40)),
    table=lambda found: found.frame, columns=explained.PARETO_COLUMNS, reading=lambda found, p: readings.pareto(found),
    headline=lambda found, p: [("Reasons making up 80% of demand",
                                f"{found.reasons_for_share:,} of {len(found.frame):,}")],
    how=explained.PARETO, needs=("reason",), drill=Drill("reason", "pareto_pick")))


# ---- failure and value demand -------------------------------------------------------------------------------------

def _failure(by: str | None):
    def compute(ctx, ds, p: Counted) -> pd.DataFrame:
        classes = ctx.shared(classification.classification_frame, ds, reads=(CLASSIFICATION,))
        frame = figures.failure_from(page_counts(ctx, ds, p.filters, p.grain), classes, by, p.grain, p.span,
                                     "service" in ds.roles)
        if frame.empty:
            raise NotShown(NO_RECORDS)
        if int(frame["failure"].sum() + frame["value"].sum()) == 0:
            raise NotShown("No reason is classified as failure or value demand yet: classify reasons on the Demand "
                           "page.")
        return frame
    return compute


def _failure_headline(frame: pd.DataFrame, p) -> list[tuple[str, str]]:
    share, failures, unclassified = readings.failure_overall(frame)
    return [("Failure demand", format_percent(share)), ("Failure records", format_count(failures)),
            ("Unclassified", format_percent(unclassified))]


for _by in ("service", "channel"):
    register(Figure(
        PAGE, f"failure_{_by}", f"Failure and value demand by {_by}", counted(_by, by_period=False), _failure(_by),
        chart=lambda frame, p, by=_by: charts.build_failure_share_chart(frame, by.capitalize(),
                                                                        f"Failure and value demand by {by}"),
        columns=explained.FAILURE_COLUMNS, reading=lambda frame, p, by=_by: readings.failure(frame, by, p.grain),
        headline=_failure_headline, how=explained.FAILURE, needs=("reason", _by), reads=(CLASSIFICATION,),
        drill=Drill(_by, "failure_pick")))

FAILURE_SERVICE, FAILURE_CHANNEL = PAGE.figures["failure_service"], PAGE.figures["failure_channel"]

FAILURE_TREND = register(Figure(
    PAGE, "failure_trend", "Failure demand over time", counted(None), _failure("period"),
    chart=lambda frame, p: charts.build_failure_trend_chart(frame, p.grain_label),
    columns={"label": "Period", **explained.FAILURE_COLUMNS, "incomplete": "Incomplete period"},
    reading=lambda frame, p: readings.failure(frame, "period", p.grain), headline=_failure_headline,
    how=explained.FAILURE, needs=("reason",), reads=(CLASSIFICATION,)))


# ---- repeat demand ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Repeats:
    filters: Filters
    window: int
    by: str


def _repeat_inputs(ctx, ds, view: DemandView, state) -> Repeats:
    ids = [r for r in ID_ROLES if r in ds.roles]
    by = value(state, REPEAT_BY_KEY, ids[0] if ids else "customer_id")
    window = int(value(state, REPEAT_DAYS_KEY, explained.REPEAT_WINDOW_DAYS))
    # Every repeat figure is drawn from one result, the one the 'by reason' chart (whose clicks drill) keeps whole.
    return Repeats(view.filters_for("reason"), min(max(window, 1), 365), by if by in ids else (ids or [by])[0])


def _repeats(part: str):
    def compute(ctx, ds, p: Repeats) -> repeats.RepeatDemand:
        if not any(r in ds.roles for r in ID_ROLES):
            raise NotShown(needs_sentence("Repeat demand", ["customer_id"]))
        found = ctx.shared(repeats.repeat_demand, ds, p.filters, p.window, p.by)
        if found.contacts == 0:
            raise NotShown("No records with a customer (or property) id match these filters.")
        if getattr(found, part).empty:
            raise NotShown("No repeats to pair up." if part == "pairs" else "No repeats to show.")
        return found
    return compute


def _repeat_headline(found: repeats.RepeatDemand, p: Repeats) -> list[tuple[str, str]]:
    return [(f"Repeat rate within {p.window} days", format_percent(found.rate))]


for _key, _part, _label, _needs in (("repeat_reason", "by_reason", "Reason", ("reason",)),
                                     ("repeat_channel", "by_channel", "Channel", ("channel",))):
    register(Figure(
        PAGE, _key, f"Repeat rate by {_label.lower()}", _repeat_inputs, _repeats(_part),
        chart=lambda found, p, part=_part, label=_label: charts.build_repeat_rate_chart(
            getattr(found, part), label, title=f"Repeat rate by {label.lower()}"),
        table=lambda found, part=_part: getattr(found, part), columns=explained.REPEAT_COLUMNS,
        reading=lambda found, p, part=_part, label=_label: readings.repeat_rates(found, getattr(found, part),
                                                                                 label.lower()),
        headline=_repeat_headline, how=lambda found, p: explained.repeats(p.by, p.window), needs=_needs,
        drill=Drill("reason", "repeat_pick") if _key == "repeat_reason" else None, spinner=REPEAT_SPINNER))

REPEAT_REASON, REPEAT_CHANNEL = PAGE.figures["repeat_reason"], PAGE.figures["repeat_channel"]

REPEAT_PAIRS = register(Figure(
    PAGE, "repeat_pairs", "Which reasons follow which", _repeat_inputs, _repeats("pairs"),
    chart=lambda found, p: charts.build_repeat_pairs_chart(found.pairs), table=lambda found: found.pairs,
    columns=explained.PAIR_COLUMNS, reading=lambda found, p: readings.repeat_pairs(found.pairs),
    headline=_repeat_headline, how=lambda found, p: explained.repeats(p.by, p.window), needs=("reason",),
    spinner=REPEAT_SPINNER))


# ---- seasonality --------------------------------------------------------------------------------------------------

def _day_hour(ctx, ds, p: Counted) -> pd.DataFrame:
    if not ctx.shared(choices.has_times, ds):
        raise NotShown("The dates have no times of day, so there is no day × hour view.")
    grid = figures.day_hour_frame(page_counts(ctx, ds, p.filters, p.grain).part("day_hour"))
    if int(grid["count"].sum()) == 0:
        raise NotShown(NO_RECORDS)
    return grid


DAY_HOUR = register(Figure(
    PAGE, "day_hour", "When contacts arrive: day × hour", counted("dayhour", by_period=False), _day_hour,
    chart=lambda grid, p: charts.build_day_hour_heatmap(grid),
    columns={"day": "Day", "hour": "Hour starting", "count": "Records"}, reading=lambda grid, p: readings.day_hour(grid),
    how=explained.SEASONALITY, needs=("date",), drill=Drill("dayhour", "dayhour_pick")))


def _month_year(ctx, ds, p: Counted) -> pd.DataFrame:
    months = figures.month_year_from(page_counts(ctx, ds, p.filters, p.grain), p.span)
    if months.empty:
        raise NotShown(NO_RECORDS)
    return months


SEASONALITY = register(Figure(
    PAGE, "seasonality", "Seasonality: month × year", counted("month", by_period=False), _month_year,
    chart=lambda months, p: charts.build_month_year_heatmap(months),
    columns={"year": "Year", "month": "Month", "count": "Records", "incomplete": "Incomplete month"},
    reading=lambda months, p: readings.seasonality(months), how=explained.SEASONALITY, needs=("date",),
    drill=Drill("month", "monthyear_pick")))


# ---- the change between two periods -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Between:
    filters: Filters
    first: tuple[date, date]
    second: tuple[date, date]
    by: str

    @property
    def labels(self) -> list[str]:
        return [f"{start:%d %b %Y} – {end:%d %b %Y}" for start, end in (self.first, self.second)]

    @property
    def days(self) -> tuple[int, int]:
        """Each period's length in days (0 for a period without both ends)."""
        return tuple(change.period_days(p) if all(p) else 0 for p in (self.first, self.second))


def change_options(ds: store.Dataset) -> list[str]:
    return [k for k in CHANGE_BY if k in ds.roles]


def _change_inputs(ctx, ds, view: DemandView, state) -> Between:
    (a_start, a_end), (b_start, b_end) = change.default_periods(*view.coverage)
    pick = lambda key, default: day(state.get(key)) or default  # noqa: E731
    options = change_options(ds)
    by = value(state, CHANGE_BY_KEY, options[0] if options else "reason")
    a_from, a_to, b_from, b_to = CHANGE_PERIOD_KEYS
    return Between(view.filters, (pick(a_from, a_start), pick(a_to, a_end)), (pick(b_from, b_start), pick(b_to, b_end)),
                   by if by in options else (options or ["reason"])[0])


def _change(ctx, ds, p: Between):
    if not change_options(ds):
        raise NotShown(needs_sentence("The change breakdown", ["reason"]))
    result = change.change_between(ctx.con, ds, p.filters, p.first, p.second, p.by)
    return result, change.waterfall_frame(result, top_n=10, before_label="First period", after_label="Second period")


CHANGE = register(Figure(
    PAGE, "change", "What changed between two periods", _change_inputs, _change,
    chart=lambda found, p: charts.build_change_waterfall(found[1], CHANGE_BY[p.by]),
    table=lambda found: found[0].contributions,
    columns=lambda p: {"category": CHANGE_BY[p.by], "before": "First period", "after": "Second period",
                       "change": "Change", "share_of_change": "Share of total change"},
    reading=lambda found, p: readings.change(found[0], CHANGE_BY[p.by], p.days),
    headline=lambda found, p: [("First period", format_count(found[0].before_total)),
                               ("Second period", format_count(found[0].after_total)),
                               ("Change", f"{found[0].total_change:+,}")],
    how=lambda found, p: explained.change(p.labels, CHANGE_BY[p.by]), needs=("date",)))


# ---- rates per resident and the forecast --------------------------------------------------------------------------

@dataclass(frozen=True)
class Rates:
    frame: pd.DataFrame
    population: str  # the lookup's name


def _rate(ctx, ds, p: Counted) -> Rates:
    population = ctx.lookup(ds, lookups.POPULATION).lookup
    if population is None:
        raise NotShown(explained.NO_POPULATION)
    residents = ctx.shared(figures.population_by_area, population)
    frame = figures.rate_from(page_counts(ctx, ds, p.filters, p.grain), residents, p.span)
    if frame["rate_per_1000"].notna().sum() == 0:
        raise NotShown(f"No area of '{ds.name}' has a population in '{population.name}'.")
    return Rates(frame, population.name)


RATE = register(Figure(
    PAGE, "rate", "Records per 1,000 residents", counted("area", by_period=False), _rate,
    chart=lambda found, p: charts.build_rate_chart(found.frame, "Area"), table=lambda found: found.frame,
    columns=explained.RATE_COLUMNS, reading=lambda found, p: readings.rate(found.frame),
    how=lambda found, p: explained.rate(found.population), needs=("area",), reads=(POPULATION,),
    drill=Drill("area", "rate_pick")))


@dataclass(frozen=True)
class Ahead:
    filters: Filters
    grain: str
    coverage: tuple[date, date]
    horizon: int


def _forecast(ctx, ds, p: Ahead) -> forecast.ForecastResult:
    volume = figures.volume_from(page_counts(ctx, ds, p.filters, p.grain), p.grain, None, 8,
                                 figures.span_of(p.filters, p.coverage))
    try:
        return forecast.demand_forecast(ctx.con, ds, p.filters, p.grain, p.horizon, coverage=p.coverage,
                                        volume=volume)
    except StocktakeError as exc:  # too little history: a note, not a failure
        raise NotShown(str(exc)) from None


FORECAST = register(Figure(
    PAGE, "forecast", "Forecast",
    inputs=lambda ctx, ds, view, state: Ahead(view.filters, view.grain, view.coverage,
                                              min(max(int(value(state, HORIZON_KEY, 6)), 3), 12)),
    compute=_forecast,
    chart=lambda found, p: forecast_template(
        found.history, found.forecast, periods.GRAIN_LABELS[p.grain],
        title=f"Forecast of the next {p.horizon} {periods.GRAIN_UNITS[p.grain]}"),
    table=lambda found: found.forecast, columns=explained.FORECAST_COLUMNS,
    reading=lambda found, p: readings.forecasted(found, p.grain),
    headline=lambda found, p: [(f"MASE, {m}", "–" if pd.isna(found.mase(m)) else f"{found.mase(m):.2f}")
                               for m in found.accuracy["model"]],
    how=explained.FORECAST, needs=("date",), spinner="Fitting the forecast…"))
