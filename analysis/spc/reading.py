"""What an XmR chart says, for people: the two Making Data Count icons (variation and assurance) and one sentence.

NHSRplotthedots ``ptd_calculate_assurance_type``; the variation is the last point's type.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np
import pandas as pd

from analysis import periods
from analysis.spc.rules import OUTSIDE_LIMITS, SHIFT, TREND, TWO_OF_THREE
from analysis.spc.xmr import COMMON_CAUSE, CONCERN, IMPROVEMENT, NEUTRAL

CONSISTENT_PASS = "consistent_pass"
CONSISTENT_FAIL = "consistent_fail"
INCONSISTENT = "inconsistent"


@dataclass(frozen=True)
class SpcSummary:
    """What the two MDC icons say about a chart, and the figures behind them."""

    variation: str | None  # the last point's type, None with no points
    variation_side: str | None  # "high" or "low" for a special cause, else None (chooses the icon's arrow)
    assurance: str | None  # consistent_pass, consistent_fail, inconsistent; None without target/direction/limits
    points: int
    latest_value: float | None
    latest_date: pd.Timestamp | None
    target: float | None
    mean: float | None
    lpl: float | None
    upl: float | None
    segment_points: int
    short_segment: bool
    lpl_floored: bool = False  # the lower limit was set at zero (a count)


def assurance_type(target: float | None, lpl: float | None, upl: float | None, improvement: str) -> str | None:
    """MDC assurance: where the target sits against the limits, given which direction is better.

    NHSRplotthedots ``ptd_calculate_assurance_type``: target above the upper limit is a consistent fail when higher
    is better (the process cannot reach it) and a consistent pass when lower is better; below the lower limit the
    reverse; otherwise inconsistent (the process will sometimes pass and sometimes fail).
    """
    if target is None or improvement == "neutral" or any(
        v is None or (isinstance(v, float) and np.isnan(v)) for v in (target, lpl, upl)
    ):
        return None
    increasing = improvement == "increase"
    if target > upl:
        return CONSISTENT_FAIL if increasing else CONSISTENT_PASS
    if target < lpl:
        return CONSISTENT_PASS if increasing else CONSISTENT_FAIL
    return INCONSISTENT


def summarise(result: pd.DataFrame | Mapping[str, np.ndarray], improvement: str | None = None) -> SpcSummary:
    """Variation (the last point's type) and assurance (target against the last segment's limits) of a chart.

    Takes :func:`xmr`'s frame or :func:`xmr_columns`' arrays.
    """
    attrs = getattr(result, "attrs", {})
    improvement = improvement or attrs.get("improvement", "increase")
    value = np.asarray(result["value"], dtype=float)
    present = np.flatnonzero(~np.isnan(value))
    if len(present) == 0:
        return SpcSummary(None, None, None, 0, None, None, None, None, None, None, 0, True)
    has_dates = "date" in result
    if has_dates:
        dates = np.asarray(result["date"], dtype="datetime64[ns]")[present]
        last_i = present[np.argsort(dates, kind="stable")[-1]]
    else:
        last_i = present[-1]

    def at(name):
        return np.asarray(result[name], dtype=object if name == "point_type" else None)[last_i]

    def num(name):
        v = float(at(name))
        return None if np.isnan(v) else v

    variation = at("point_type")
    side = None
    if variation != COMMON_CAUSE:
        side = "high" if at("special_cause_direction") > 0 else "low"
    target, lpl, upl = num("target"), num("lpl"), num("upl")
    return SpcSummary(
        variation=variation,
        variation_side=side,
        assurance=assurance_type(target, lpl, upl, improvement),
        points=len(present),
        latest_value=float(value[last_i]),
        latest_date=pd.Timestamp(at("date")) if has_dates else None,
        target=target,
        mean=num("mean"),
        lpl=lpl,
        upl=upl,
        segment_points=int(at("segment_points")),
        short_segment=bool(at("short_segment")),
        lpl_floored=bool(at("lpl_floored")) if "lpl_floored" in result else False,
    )


VARIATION_LABELS = {
    COMMON_CAUSE: "Common cause variation",
    IMPROVEMENT: "Special cause improvement",
    CONCERN: "Special cause concern",
    NEUTRAL: "Special cause (neither better nor worse)",
    None: "Not enough data",
}
ASSURANCE_LABELS = {
    CONSISTENT_PASS: "Consistently passing the target",
    CONSISTENT_FAIL: "Consistently failing the target",
    INCONSISTENT: "Will pass and fail the target at random",
    None: "No target",
}


def reading(
    result: pd.DataFrame, improvement: str | None = None, format_value: Callable[[float], str] | None = None,
    grain: str = "month",
) -> str:
    """One sentence a manager can read: what the chart says now, and since when.

    "Special cause improvement since June 2024: 9 points below the mean." / "Common cause variation since
    April 2022: no sign of change; the process averages 41.2% and will vary between 30.1% and 52.3%."
    """
    fmt = format_value or (lambda v: f"{v:,.3g}")
    improvement = improvement or result.attrs.get("improvement", "increase")
    points = result.dropna(subset=["value"])
    if "date" in points:
        points = points.sort_values("date", kind="stable")
    if len(points) < 2:
        return "Not enough points to read: an SPC chart needs at least 2."
    summary = summarise(result, improvement)
    last = points.iloc[-1]
    has_dates = "date" in points
    # The run of points of the same type that ends at the last point.
    types = points["point_type"].to_list()
    start = len(types) - 1
    while start > 0 and types[start - 1] == types[-1] and points["segment"].iloc[start - 1] == last["segment"]:
        start -= 1
    if summary.variation == COMMON_CAUSE:
        segment = points[points["segment"] == last["segment"]]
        since = f" since {periods.period_words(segment['date'].iloc[0], grain)}" if has_dates else ""
        floored = " (the lower limit is set at zero: a count cannot be negative)" \
            if bool(last.get("lpl_floored", False)) else ""
        limits = "" if pd.isna(last["lpl"]) else f"vary between {fmt(last['lpl'])} and {fmt(last['upl'])}{floored}"
        earlier = _earlier_special_causes(segment, grain if has_dates else None)
        if earlier:
            # The icon follows the latest point, as Making Data Count's do; the sentence must not call a period
            # with points outside the limits "no sign of change".
            when = f"since {since[len(' since '):]}" if since else "earlier"
            return (
                f"Common cause variation at the latest point; {when}, {earlier}. The process averages "
                f"{fmt(last['mean'])}{' and would ' + limits + ' if nothing changed' if limits else ''}."
            )
        return f"Common cause variation{since}: no sign of change; the process averages {fmt(last['mean'])}{' and will ' + limits if limits else ''}."
    run = len(types) - start
    since = f" since {periods.period_words(points['date'].iloc[start], grain)}" if has_dates else ""
    label = VARIATION_LABELS[summary.variation]
    rule = last["special_cause"]
    high = last["special_cause_direction"] > 0
    if rule == OUTSIDE_LIMITS:
        detail = f"the latest point ({fmt(last['value'])}) is {'above the upper' if high else 'below the lower'} limit"
    elif rule == TREND:
        detail = f"{run} points {'rising' if high else 'falling'} in a row"
    elif rule == TWO_OF_THREE:
        detail = f"2 of the last 3 points are close to the {'upper' if high else 'lower'} limit"
    else:
        detail = f"{run} points {'above' if high else 'below'} the mean"
    return f"{label}{since}: {detail}."


_PRECEDENCE = (OUTSIDE_LIMITS, TWO_OF_THREE, TREND, SHIFT)  # the most telling first
_CAUSE_WORDS = {  # (rule, high) -> how a person says which points were special
    (OUTSIDE_LIMITS, True): "above the upper limit", (OUTSIDE_LIMITS, False): "below the lower limit",
    (TREND, True): "in a rising run", (TREND, False): "in a falling run",
    (TWO_OF_THREE, True): "near the upper limit", (TWO_OF_THREE, False): "near the lower limit",
}


def _earlier_special_causes(segment: pd.DataFrame, grain: str | None) -> str:
    """The special-cause points of the latest segment, counted by rule and side, the most telling first: "2 points
    above the upper limit (March 2015, July 2018) and 1 point in a falling run (May 2019)". Empty when every point was common cause."""
    special = segment[segment["point_type"] != COMMON_CAUSE]
    if special.empty:
        return ""
    parts = []
    groups = special.groupby([special["special_cause"], special["special_cause_direction"] > 0], sort=False)
    for (rule, high), group in sorted(groups, key=lambda g: _PRECEDENCE.index(g[0][0])):
        words = _CAUSE_WORDS.get((rule, high), "in a run above the mean" if high else "in a run below the mean")
        n = len(group)
        part = f"{n} {'point' if n == 1 else 'points'} {words}"
        if grain is not None:
            when = [periods.period_words(d, grain) for d in group["date"]]
            part += f" ({', '.join(when)})" if n <= 2 else f" (the latest {when[-1]})"
        parts.append((part, n))
    # A room reads two kinds of signal; the rest are counted (a ten-year chart can show six).
    shown = [part for part, _ in parts[:2]]
    rest = sum(n for _, n in parts[2:])
    if rest:
        shown.append(f"{rest} more by other rules")
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
