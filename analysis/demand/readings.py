"""Each Demand figure in a sentence: what the room should read from it, written from its own frame.

Shown under the figure's title in presentation mode and in the pack. A reading says what the numbers say, never
more: complete periods only where periods are compared, and the latest period against the same one a season before.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from analysis import forecast, periods
from analysis.demand import figures, repeats
from analysis.demand.change import MIN_BASE_RECORDS, ChangeDecomposition
from analysis.formatting import format_count, format_percent


def complete(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[~frame["incomplete"].astype(bool)] if "incomplete" in frame else frame


def volume(frame: pd.DataFrame, grain: str) -> str:
    """The total, the busiest complete period, the latest against a season before."""
    totals = frame.groupby(["period", "incomplete"], as_index=False)["count"].sum().sort_values("period")
    done = complete(totals)
    unit = periods.GRAIN_LABELS[grain].lower().replace("_", " ")
    sentence = f"{format_count(totals['count'].sum())} records"
    if done.empty:
        return sentence + f"; no complete {unit} in the period."
    busiest = done.loc[done["count"].idxmax()]
    sentence += (f"; the busiest {unit} was {periods.period_words(busiest['period'], grain)} "
                 f"({format_count(busiest['count'])})")
    season = periods.SEASON_LENGTH.get(grain, 0)
    if season > 1 and len(done) > season:
        latest, year_before = done.iloc[-1], done.iloc[-1 - season]
        if year_before["count"]:
            change = latest["count"] / year_before["count"] - 1
            sentence += (f"; {periods.period_words(latest['period'], grain)}: {format_count(latest['count'])}, "
                         f"{format_percent(abs(change))} {'more' if change > 0 else 'fewer'} than "
                         f"{periods.period_words(year_before['period'], grain)}")
    return sentence + "."


def pareto(found: figures.Pareto) -> str:
    top = found.frame.iloc[0]
    return (f"{found.reasons_for_share:,} of {len(found.frame):,} reasons make up 80% of these records; the most "
            f"common is ‘{top['reason']}’ ({format_percent(top['share'])}).")


def failure_overall(frame: pd.DataFrame) -> tuple[float, int, float]:
    """(failure share of classified records, failure records, unclassified share) over a failure frame's rows."""
    failure, value, unclassified = (int(frame[c].sum()) for c in ("failure", "value", "unclassified"))
    total = failure + value + unclassified
    share = failure / (failure + value) if failure + value else float("nan")
    return share, failure, unclassified / total if total else float("nan")


def failure(frame: pd.DataFrame, by: str | None, grain: str) -> str:
    share = format_percent(failure_overall(frame)[0])
    if by in ("service", "channel"):
        top = frame.dropna(subset=["failure_share"]).sort_values("failure_share", ascending=False).iloc[0]
        return (f"Failure demand is {share} of classified records; the highest share is in {top['group']} "
                f"({format_percent(top['failure_share'])}).")
    done = complete(frame).dropna(subset=["failure_share"])
    sentence = f"Failure demand is {share} of classified records over the period"
    if len(done) >= 2:
        first, last = done.iloc[0], done.iloc[-1]
        sentence += (f"; {format_percent(first['failure_share'])} in {periods.period_words(first['period'], grain)}"
                     f", {format_percent(last['failure_share'])} in {periods.period_words(last['period'], grain)}")
    return sentence + "."


def repeat_rates(found: repeats.RepeatDemand, frame: pd.DataFrame, what: str) -> str:
    sentence = (f"{format_percent(found.rate)} of contacts with an id came within {found.window_days} days of the "
                f"same {'customer' if found.by == 'customer_id' else 'property'}'s previous contact")
    known = frame.dropna(subset=["repeat_rate"]).sort_values("repeat_rate", ascending=False)
    if len(known):
        top = known.iloc[0]
        sentence += f"; the highest rate is for the {what} {top.iloc[0]} ({format_percent(top['repeat_rate'])})"
    return sentence + "."


def repeat_pairs(pairs: pd.DataFrame) -> str:
    top = pairs.iloc[0]
    return (f"The commonest repeat is ‘{top['reason']}’ after ‘{top['previous_reason']}’: "
            f"{format_count(top['count'])} repeats ({format_percent(top['share_of_repeats'])} of all).")


def day_hour(grid: pd.DataFrame) -> str:
    busiest = grid.loc[grid["count"].idxmax()]
    by_day = grid.groupby("day", sort=False)["count"].sum()
    return (f"The busiest hour is {busiest['day']} {int(busiest['hour']):02d}:00–{int(busiest['hour']) + 1:02d}:00 "
            f"({format_count(busiest['count'])} records); the busiest day is {by_day.idxmax()} "
            f"({format_count(by_day.max())}).")


def seasonality(months: pd.DataFrame) -> str:
    done = complete(months)
    if done.empty:
        return "No complete month in the period, so no month can be compared with another."
    mean = done.groupby("month_number", as_index=False)["count"].mean()
    busiest, quietest = mean.loc[mean["count"].idxmax()], mean.loc[mean["count"].idxmin()]
    name = lambda m: date(2000, int(m), 1).strftime("%B")  # noqa: E731
    return (f"On average over complete months, {name(busiest['month_number'])} is the busiest "
            f"({format_count(busiest['count'])} records) and {name(quietest['month_number'])} the quietest "
            f"({format_count(quietest['count'])}).")


def change(result: ChangeDecomposition, by_label: str, days: tuple[int, int] | None = None) -> str:
    """The change in a sentence. A percentage from a base of a few records says nothing (13 -> 16,000 is +124,223%):
    below ``MIN_BASE_RECORDS`` it is left out and said; periods of different lengths are compared per day too."""
    relative = result.relative_change
    shown = relative is not None and not result.too_few_to_compare
    sentence = (f"{format_count(result.before_total)} records in the first period, "
                f"{format_count(result.after_total)} in the second: {result.total_change:+,}"
                + (f" ({format_percent(relative)})" if shown else ""))
    if len(result.contributions):
        top = result.contributions.iloc[0]
        sentence += f"; the largest change is in the {by_label.lower()} {top['category']} ({int(top['change']):+,})"
    return " ".join(filter(None, [sentence + ".", change_cautions(result, days)]))


def change_cautions(result: ChangeDecomposition, days: tuple[int, int] | None = None) -> str:
    """What to bear in mind when reading a change ('' for nothing): too few records to give a percentage, periods of
    different lengths."""
    words = []
    if result.too_few_to_compare:
        words.append(f"Too few to compare: the first period has {format_count(result.before_total)} records, fewer "
                     f"than {MIN_BASE_RECORDS}, so the change is not given as a percentage.")
    if days and all(days) and days[0] != days[1]:
        words.append(f"The periods differ in length ({days[0]:,} days against {days[1]:,}): the records per day are "
                     f"{result.before_total / days[0]:,.1f} against {result.after_total / days[1]:,.1f}.")
    return " ".join(words)


def rate(rates: pd.DataFrame) -> str:
    known = rates.dropna(subset=["rate_per_1000"])
    high, low = known.iloc[0], known.iloc[-1]
    return (f"{high['area']} has the most records per 1,000 residents ({high['rate_per_1000']:,.1f}); "
            f"{low['area']} the fewest ({low['rate_per_1000']:,.1f}).")


def forecasted(result: forecast.ForecastResult, grain: str) -> str:
    first = result.forecast.sort_values(["step", "model"]).groupby("model", sort=False).first()
    parts = [f"{model} {format_count(row['mean'])}" for model, row in first.iterrows()]
    label = first["label"].iloc[0] if len(first) else ""
    sentence = f"Forecast for {label}: " + "; ".join(parts) + "."
    verdict = forecast.verdict(result)
    return f"{sentence} {verdict}" if verdict else sentence
