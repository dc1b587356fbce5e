"""The facilitator's questions of a stocktake agenda (:mod:`analysis.workshop.stocktake`), written from what each figure
found: "Records have run above their usual level since March 2025: what is driving the rise since March 2025?"

Each ``*_question(ctx, dataset, drawn)`` reads a figure's result as the registry worked it out (:mod:`analysis.registry`)
and ends in a question for the room. The dates of a change come from the SPC readings the Performance page makes: the
period in which the latest run of special-cause points began.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analysis import explore, periods, registry, store
from analysis.demand import readings
from analysis.formatting import format_count, format_money, format_percent
from analysis.kpis import definitions, series as kpi_series
from analysis.spc import reading as spc_reading

MIN_COUNT = 30  # below this a share or a change is too few to ask the room about (the Demand page's threshold)
SMALL_SAVING = 1_000  # £ a year: less is not a case for change on its own, and the question says so
MIN_POINTS = 12  # fewer complete periods than this and an SPC chart cannot tell change from noise (about 13 points)


# ---- reading what a figure found ----------------------------------------------------------------------------------

def quoted(value: Any) -> str:
    return f"'{value}'"


def current_run(frame: pd.DataFrame) -> tuple[str, int, pd.Timestamp] | None:
    """The latest point's special cause, if it has one: (point type, direction +1/-1, the period the run began)."""
    points = frame.dropna(subset=["value"]).sort_values("date")
    if points.empty:
        return None
    kinds = points["point_type"].to_numpy(dtype=object)
    sides = np.sign(points["special_cause_direction"].to_numpy(dtype=float))
    if kinds[-1] == spc_reading.COMMON_CAUSE or sides[-1] == 0:
        return None
    start = len(points) - 1
    while start > 0 and kinds[start - 1] == kinds[-1] and sides[start - 1] == sides[-1]:
        start -= 1
    return str(kinds[-1]), int(sides[-1]), pd.Timestamp(points["date"].iloc[start])


def kpi_spc(con, ds: store.Dataset, kpi: str, grain: str, improvement: str) -> pd.DataFrame:
    """A KPI's SPC chart over the whole dataset (the total series), as the Performance page starts it."""
    found = kpi_series.kpi_series(con, ds, kpi, grain=grain)
    found = found[found["series"] == definitions.ALL] if (found["series"] == definitions.ALL).any() else found
    return kpi_series.series_spc(found, improvement=improvement, unit=definitions.kpi_unit(kpi))


def latest_run(ctx: registry.Context, ds: store.Dataset, kpi: str, grain: str, improvement: str):
    """The KPI's latest special-cause run: (point type, direction, the period it began in words), or None."""
    frame = ctx.shared(kpi_spc, ds, kpi, grain, improvement)
    run = current_run(frame) if len(frame) else None
    return None if run is None else (run[0], run[1], periods.period_words(run[2], grain))


# ---- the questions, one per step, from what each figure found ------------------------------------------------------

def volume_question(ctx, ds, drawn: registry.Drawn) -> str:
    grain = drawn.inputs.grain
    run = latest_run(ctx, ds, "volume", grain, "neutral")
    if run is not None:
        _, side, since = run
        if side > 0:
            return (f"Records have run above their usual level since {since} (the SPC chart's signal): what is "
                    f"driving the rise since {since}?")
        return (f"Records have run below their usual level since {since}: what is behind the fall since {since}, "
                "and will it last?")
    frame = drawn.result
    done = frame.loc[~frame["incomplete"].astype(bool), "count"] if "incomplete" in frame else frame["count"]
    unit = periods.GRAIN_LABELS[grain].lower()
    if len(done) < MIN_POINTS:
        return (f"{format_count(int(frame['count'].sum()))} records over {len(frame):,} {unit}s: too few {unit}s to "
                "tell whether demand is changing. What makes it up, and is it what the service expects?")
    return (f"Records vary around {format_count(float(done.mean()))} a {unit} with no signal of change: is that the "
            "demand the service is set up for, and what makes it up?")


def periods_words(p) -> str:
    """'the 12 months to October 2025 against the 12 before', or the two periods' dates."""
    (a0, a1), (b0, b1) = p.first, p.second
    if (b1 - b0).days in range(363, 367) and (a1 - a0).days in range(363, 367) and (b0 - a1).days == 1:
        return f"in the 12 months to {b1:%B %Y} against the 12 before"
    return f"from {p.labels[0]} to {p.labels[1]}"


def change_question(ctx, ds, drawn: registry.Drawn) -> str:
    found = drawn.result[0]
    by = explore.figure("demand-drivers", "change").headings(drawn.inputs).get("category", "group").lower()
    rows = found.contributions
    if found.before_total < MIN_COUNT or rows.empty:
        return "Too few records in the first period to compare: which reasons make up the demand now?"
    top = rows.iloc[0]
    moved = f"{format_count(abs(int(top['change'])))} {'more' if top['change'] > 0 else 'fewer'}"
    when = periods_words(drawn.inputs)
    relative = found.relative_change
    if relative is not None and abs(relative) < 0.02:
        return f"Records hardly changed {when}, but the {by} {quoted(top['category'])} had {moved}: why?"
    rose = found.total_change > 0
    total = (f"Records {'rose' if rose else 'fell'} by {format_count(abs(found.total_change))}"
             + (f" ({format_percent(abs(relative))})" if relative is not None else "") + f" {when}")
    if (top["change"] > 0) == rose:
        return f"{total}, most of all the {by} {quoted(top['category'])} ({moved}): what is driving it?"
    return f"{total}, but the {by} {quoted(top['category'])} had {moved}: what happened there?"


def pareto_question(ctx, ds, drawn: registry.Drawn) -> str:
    found = drawn.result
    top = found.frame.iloc[0]
    return (f"{format_count(found.reasons_for_share)} of {format_count(len(found.frame))} reasons make up 80% of "
            f"records, led by {quoted(top['reason'])} ({format_percent(top['share'])}). Which of these could the "
            "service prevent, or put right the first time?")


def failure_question(ctx, ds, drawn: registry.Drawn) -> str:
    frame = drawn.result
    share, _, unclassified = readings.failure_overall(frame)
    question = f"Failure demand is {format_percent(share)} of classified contacts"
    ranked = frame.dropna(subset=["failure_share"]).sort_values("failure_share", ascending=False)
    if "group" in ranked and len(ranked):
        question += f", highest in {quoted(ranked.iloc[0]['group'])} ({format_percent(ranked.iloc[0]['failure_share'])})"
    question += ": what is the service failing to do, or do right, for these customers?"
    if unclassified == unclassified and unclassified > 0.2:
        question += f" ({format_percent(unclassified)} of contacts have reasons not yet classified.)"
    return question


def repeat_question(ctx, ds, drawn: registry.Drawn) -> str:
    found = drawn.result
    frame = found.by_reason[found.by_reason["contacts"] >= MIN_COUNT].sort_values("repeats", ascending=False)
    question = (f"{format_percent(found.rate)} of contacts came within {found.window_days} days of an earlier one "
                "from the same customer")
    if len(frame):
        top = frame.iloc[0]
        question += f", most often about {quoted(top['reason'])} ({format_percent(top['repeat_rate'])} of them repeats)"
    return question + ". Why do people have to come back?"


def kpi_question(label: str, unit: str, kind: str, side: int, since: str, latest: float) -> str:
    value = definitions.format_kpi_value(latest, unit)
    where = "above" if side > 0 else "below"
    if kind == spc_reading.IMPROVEMENT:
        return (f"{label} has run {where} its usual level since {since} (latest {value}), an improvement: what "
                "changed, and how do we keep it?")
    if kind == spc_reading.CONCERN:
        return (f"{label} has run {where} its usual level since {since} (latest {value}), the wrong way: what "
                "changed, and what should we do about it?")
    return f"{label} has moved {where} its usual level since {since} (latest {value}): is that the change we expected?"


def savings_question(ctx, ds, drawn: registry.Drawn) -> str:
    result = drawn.result
    parts = drawn.filters.split("; ")
    assumed = f" with the page's starting levers ({parts[1]})" if len(parts) >= 3 else ""
    if result.notes:  # what the figure could not price or had to assume: said before anyone quotes the number
        assumed += f", with {len(result.notes)} note{'s' if len(result.notes) != 1 else ''} under the figure to check"
    saving = format_money(result.total_saving)
    if result.total_saving < SMALL_SAVING:
        question = (f"The starting scenario would save only {saving} a year{assumed}: is there a change worth making "
                    "here, and what would it cost?")
    else:
        levers = result.by_lever.sort_values("saving", ascending=False)
        question = f"The starting scenario saves {saving} a year at full effect{assumed}"
        if len(levers) and levers.iloc[0]["saving"] > 0:
            question += f", most of it from {levers.iloc[0]['label'].lower()}"
        question += ": which lever is within our reach, and what would it take?"
    return question


def unit_cost_question(ctx, ds, drawn: registry.Drawn) -> str:
    costs = drawn.result
    priced = costs.by_service.dropna(subset=["unit_cost"]).sort_values("unit_cost", ascending=False)
    top = priced.iloc[0]
    overall = priced["spend"].sum() / priced["contacts"].sum()
    return (f"Spend per contact is {format_money(overall, 2)} over the matched services (an upper bound), "
            f"{format_money(top['unit_cost'], 2)} in {quoted(top['service'])}: where would fewer contacts free "
            "the most money?")


def spend_spc_question(ctx, ds, drawn: registry.Drawn) -> str:
    run = current_run(drawn.result)
    if run is None:
        return "Monthly spend varies with no signal of change: which services make up most of it?"
    since = periods.period_words(run[2], "month")
    return (f"Monthly spend has run {'above' if run[1] > 0 else 'below'} its usual level since {since}: what changed "
            f"in {since}?")
