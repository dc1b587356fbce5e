"""XmR charts read the way NHS England's "Making Data Count" (MDC) reads them, as a chain of small named steps.

Pure Python and pandas (no DuckDB, no Streamlit). :func:`xmr` takes a series of values (one per period) and returns
one row per point with the process mean, the process limits, the near-limit ("2 sigma") lines, the rule that fired
and the point's type. In the manner of NHSRplotthedots (``ptd_spc`` -> ``ptd_spc_standard`` ->
``ptd_calculate_point_type``), it runs:

1. :func:`validate_options`: the improvement direction, the rule set, the fixed-limits point count;
2. :func:`order_points`: the points with a value, in time order (missing values stay as rows with no statistics);
3. :func:`segment_ids`: a new segment from each rebase date (the limits are recalculated there);
4. :func:`segment_limits`: per segment, the mean and the average moving range ``|y_i - y_{i-1}|`` (with outlier
   screening, moving ranges of at least ``3.267 x AMR`` dropped and the AMR recomputed once), process limits
   ``mean +/- 2.66 x AMR`` and near-limit lines ``mean +/- (2/3 x 2.66) x AMR``; for counts (``lower_bound=0``) a
   lower limit below zero is set at zero, as Making Data Count's tools do for counts, and the point says so
   (``lpl_floored``);
5. :func:`special_causes`: the rules of :mod:`analysis.spc.rules`, in order of precedence (the first that fires names
   the point's special cause): outside the limits; a trend (7 points each strictly higher, or each strictly lower,
   than the one before: a tie breaks it); two of three (2 or 3 of 3 consecutive points between the near line and the
   limit on one side, with all 3 on that side of the mean); a shift (7 points on one side of the mean: a point
   exactly on the mean breaks it);
6. :func:`point_types`: a special cause is an improvement when its direction (side of the mean, or the trend's
   direction) is the improvement direction, a concern when it is the other, neutral when no direction is better;
7. :func:`in_input_order` and :func:`xmr_frame`: the columns back in input order, and the one frame builder that
   :func:`xmr` and the KPI small multiples (``analysis.kpis.series.series_spc``) share.

The calculations follow the NHS-R community's NHSRplotthedots R package (``R/ptd_spc_standard.R``,
``R/ptd_calculate_point_type.R``, ``R/ptd_add_short_group_warnings.R``, CRAN release 0.2), so that the same data give
the same numbers. The ``"mdc"`` rule set follows the MDC Excel and SQL tools (SQL v2.6a) where they differ: runs and
trends of 6 points, points beyond the limits count towards two of three (and the third point may be anywhere), and a
segment with fewer than 13 points gets no limits (so only the run rules can fire there and there is no assurance).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from analysis.errors import StocktakeError
from analysis.spc.rules import (LIMIT_FACTOR, NEAR_LIMIT_FACTOR, OUTSIDE_LIMITS, RULE_SETS, SHIFT, TREND,
                                TWO_OF_THREE, RuleSet, average_moving_range, describe_rule, shift_points,
                                trend_points, two_of_three_points)

SHORT_SEGMENT_POINTS = 13
"""Fewer points than this in a segment gives a warning: limits from so few points are trial limits that move as points
arrive. MDC advises at least 15-20 points and warns below 13; NHSRplotthedots warns below 12
(``ptd_add_short_group_warnings``). Stocktake follows the issue's 13."""

MIN_FIX_AFTER_N_POINTS = 12
"""``fix_after_n_points`` below this is refused: limits fixed from fewer points are not dependable."""

IMPROVEMENTS = ("increase", "decrease", "neutral")
DIRECTION = {"increase": 1, "decrease": -1, "neutral": 0}

COMMON_CAUSE = "common_cause"
IMPROVEMENT = "special_cause_improvement"
CONCERN = "special_cause_concern"
NEUTRAL = "special_cause_neutral"

_LIMIT_COLUMNS = ("mean", "lpl", "upl", "near_lpl", "near_upl")


# --- 1. Options ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class XmrOptions:
    """The choices behind a chart, checked."""

    improvement: str
    rule_set: RuleSet
    fix_after_n_points: int | None
    screen_outliers: bool
    short_segment_points: int
    lower_bound: float | None = None  # no limit below this (0 for counts); None: none

    def attrs(self) -> dict[str, Any]:
        """The options as the result frame's ``attrs`` carry them."""
        return {
            "improvement": self.improvement, "rules": self.rule_set.name, "shift_points": self.rule_set.shift_points,
            "trend_points": self.rule_set.trend_points, "screen_outliers": bool(self.screen_outliers),
            "fix_after_n_points": self.fix_after_n_points, "short_segment_points": self.short_segment_points,
            "lower_bound": self.lower_bound,
        }


def validate_options(improvement: str = "increase", rules: str | RuleSet = "nhsr", run_length: int | None = None,
                     fix_after_n_points: int | None = None, screen_outliers: bool = True,
                     short_segment_points: int = SHORT_SEGMENT_POINTS,
                     lower_bound: float | None = None) -> XmrOptions:
    """The options checked, each problem a StocktakeError saying what to choose instead."""
    if improvement not in DIRECTION:
        raise StocktakeError(f"'{improvement}' is not an improvement direction: use increase, decrease or neutral.")
    if isinstance(rules, RuleSet):
        rule_set = rules
    elif rules in RULE_SETS:
        rule_set = RULE_SETS[rules]
    else:
        raise StocktakeError(f"'{rules}' is not a set of SPC rules: use 'nhsr' or 'mdc'.")
    if run_length is not None:
        if int(run_length) < 2:
            raise StocktakeError("A run or trend needs at least 2 points.")
        rule_set = replace(rule_set, shift_points=int(run_length), trend_points=int(run_length))
    if fix_after_n_points is not None and int(fix_after_n_points) < MIN_FIX_AFTER_N_POINTS:
        raise StocktakeError(
            f"Limits can be fixed after {MIN_FIX_AFTER_N_POINTS} points or more, not {fix_after_n_points}."
        )
    return XmrOptions(improvement, rule_set, fix_after_n_points, screen_outliers, short_segment_points,
                      None if lower_bound is None else float(lower_bound))


# --- 2. The points in time order -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Points:
    """The input, and the points that have a value in time order with their position in the input."""

    values: np.ndarray  # as given, NaN where missing
    dates: np.ndarray | None  # as given (datetime64), or None
    target: np.ndarray  # one per input point, NaN where none
    trajectory: np.ndarray
    position: np.ndarray  # input position of each point with a value, in time order
    present: np.ndarray  # in time order over every input point: True where it has a value

    @property
    def y(self) -> np.ndarray:
        """The values with a value, in time order."""
        return self.values[self.position]

    @property
    def ordered_dates(self) -> np.ndarray | None:
        return None if self.dates is None else self.dates[self.position]


def _floats(values: Any) -> np.ndarray:
    """Numbers as a float array, None and text that is not a number as NaN (fast path for numeric input)."""
    try:
        return np.asarray(values, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        return pd.to_numeric(pd.Series(list(values), dtype="object"), errors="coerce").to_numpy(dtype=float)


def _aligned(name: str, values: Any, n: int) -> np.ndarray:
    """A scalar or a sequence of n numbers as a float array of length n (None -> NaN)."""
    if values is None:
        return np.full(n, np.nan)
    if np.isscalar(values):
        return np.full(n, float(values))
    arr = _floats(values)
    if len(arr) != n:
        raise StocktakeError(f"The {name} has {len(arr)} values but the series has {n} points.")
    return arr


def _dates(dates: Sequence, n: int) -> np.ndarray:
    try:
        out = np.asarray(dates, dtype="datetime64[ns]").reshape(-1)
    except (TypeError, ValueError):
        out = pd.to_datetime(pd.Series(list(dates)), errors="coerce").to_numpy(dtype="datetime64[ns]")
    if len(out) != n:
        raise StocktakeError(f"There are {len(out)} dates for {n} values.")
    if np.isnat(out).any():
        raise StocktakeError("Some points have no date: every point of a chart needs its period.")
    return out


def order_points(values: Any, dates: Sequence | None = None, target: Any = None,
                 trajectory: Any = None) -> Points:
    """The points in time order (input order without dates); those with no value are kept aside, not dropped."""
    y = _floats(values.to_numpy() if isinstance(values, pd.Series) else values)
    n = len(y)
    dates_in = _dates(dates, n) if dates is not None else None
    order = np.argsort(dates_in, kind="stable") if dates_in is not None else np.arange(n)
    present = ~np.isnan(y[order])
    return Points(y, dates_in, _aligned("target", target, n), _aligned("trajectory", trajectory, n),
                  order[present], present)


# --- 3. Segments -----------------------------------------------------------------------------------------------

def segment_ids(points: Points, rebase_at: Iterable = ()) -> np.ndarray:
    """Segment number (0, 1, 2...) of each point with a value, a new segment starting at each rebase point.

    With dates, a rebase date starts a segment at the first point on or after it (so 2024-06-15 on a monthly series
    starts at July 2024's point unless a point falls on that day); without dates, rebase points are 0-based input
    positions, each moved to the first point with a value at or after it. Rebase points before the second point or
    after the last are ignored.
    """
    m = len(points.position)
    starts: set[int] = set()
    ordered_dates = points.ordered_dates
    present_positions = np.flatnonzero(points.present)
    for r in rebase_at or ():
        if r is None:
            continue
        if ordered_dates is None:
            later = np.flatnonzero(present_positions >= int(r))
        else:
            later = np.flatnonzero(ordered_dates >= np.datetime64(pd.Timestamp(r).to_datetime64()))
        if len(later) and 0 < int(later[0]) < m:
            starts.add(int(later[0]))
    seg = np.zeros(m, dtype=int)
    for idx in sorted(starts):
        seg[idx:] += 1
    return seg


# --- 4. Limits -------------------------------------------------------------------------------------------------

def segment_limits(y: np.ndarray, seg: np.ndarray, options: XmrOptions) -> dict[str, np.ndarray]:
    """Per point: its segment's mean, process limits and near-limit lines (NaN where a segment has none), and how
    many points its segment has. ``fix_after_n_points`` takes the mean and limits from a segment's first n points."""
    m = len(y)
    limits = {name: np.full(m, np.nan) for name in _LIMIT_COLUMNS}
    limits["segment_points"] = np.zeros(m, dtype=int)
    limits["lpl_floored"] = np.zeros(m, dtype=bool)
    for s in np.unique(seg) if m else []:
        at = np.flatnonzero(seg == s)
        ys = y[at]
        base = ys if options.fix_after_n_points is None else ys[: int(options.fix_after_n_points)]
        mean = float(base.mean())
        amr = average_moving_range(base, options.screen_outliers)
        minimum = options.rule_set.min_points_for_limits
        limits["mean"][at] = mean
        limits["segment_points"][at] = len(ys)
        if (minimum is None or len(ys) >= minimum) and not np.isnan(amr):
            limits["lpl"][at], limits["upl"][at] = mean - LIMIT_FACTOR * amr, mean + LIMIT_FACTOR * amr
            limits["near_lpl"][at] = mean - NEAR_LIMIT_FACTOR * amr
            limits["near_upl"][at] = mean + NEAR_LIMIT_FACTOR * amr
            bound = options.lower_bound
            if bound is not None and mean - LIMIT_FACTOR * amr < bound:
                # A count cannot fall below zero: the limit is set there (MDC's tools do the same for counts).
                limits["lpl"][at] = bound
                limits["near_lpl"][at] = max(bound, mean - NEAR_LIMIT_FACTOR * amr)
                limits["lpl_floored"][at] = True
    return limits


# --- 5. Special causes -----------------------------------------------------------------------------------------

def special_causes(y: np.ndarray, seg: np.ndarray, limits: dict[str, np.ndarray],
                   rule_set: RuleSet) -> dict[str, np.ndarray]:
    """Per point: its side of the mean, whether it is outside or close to the limits, the rule that fired first
    (None for none) and that rule's direction (+1 high or rising, -1 low or falling)."""
    m = len(y)
    out = {"relative_to_mean": np.sign(y - limits["mean"]).astype(int) if m else np.zeros(0, dtype=int),
           "outside_limits": np.zeros(m, dtype=bool), "close_to_limits": np.zeros(m, dtype=bool),
           "special_cause": np.array([None] * m, dtype=object),
           "special_cause_direction": np.zeros(m, dtype=int)}
    for s in np.unique(seg) if m else []:
        at = np.flatnonzero(seg == s)
        ys, rel = y[at], out["relative_to_mean"][at]
        mean, lpl, upl = limits["mean"][at[0]], limits["lpl"][at[0]], limits["upl"][at[0]]
        near_lpl, near_upl = limits["near_lpl"][at[0]], limits["near_upl"][at[0]]
        has_limits = not np.isnan(lpl)
        outside = (ys > upl) | (ys < lpl) if has_limits else np.zeros(len(ys), dtype=bool)
        out["outside_limits"][at] = outside
        out["close_to_limits"][at] = (~outside & ((ys < near_lpl) | (ys > near_upl))) if has_limits else False
        trend, trend_direction = trend_points(ys, rule_set.trend_points)
        two_of_three = two_of_three_points(
            ys, rel, near_lpl, near_upl, lpl, upl, outside_counts=rule_set.outside_counts_in_two_of_three,
            all_on_one_side=rule_set.two_of_three_needs_all_on_one_side)
        shift = shift_points(rel, rule_set.shift_points)
        # In order of precedence: the first rule that fires names the point's special cause.
        fired = [(outside, OUTSIDE_LIMITS, rel), (trend, TREND, trend_direction),
                 (two_of_three, TWO_OF_THREE, np.where(ys > mean, 1, -1)), (shift, SHIFT, rel)]
        for k, i in enumerate(at):
            for flags, rule, direction in fired:
                if flags[k]:
                    out["special_cause"][i], out["special_cause_direction"][i] = rule, direction[k]
                    break
    return out


# --- 6. Point types --------------------------------------------------------------------------------------------

def point_types(special_cause: np.ndarray, direction: np.ndarray, improvement: str) -> np.ndarray:
    """Common cause where no rule fired; else improvement or concern by the rule's direction against the better
    direction, neutral when neither direction is better."""
    better = DIRECTION[improvement]
    fired = np.array([r is not None for r in special_cause], dtype=bool)
    kinds = np.where(better == 0, NEUTRAL, np.where(direction * better > 0, IMPROVEMENT, CONCERN))
    return np.where(fired, kinds, COMMON_CAUSE).astype(object)


# --- 7. Back in input order, and the frame -----------------------------------------------------------------------

def in_input_order(points: Points, seg: np.ndarray, limits: dict[str, np.ndarray],
                   causes: dict[str, np.ndarray], types: np.ndarray, options: XmrOptions) -> dict[str, np.ndarray]:
    """Every column, one value per input point in input order; points with no value get no statistics."""
    n = len(points.values)

    def back(arr: np.ndarray, fill: Any, dtype=None) -> np.ndarray:
        full = np.array([fill] * n, dtype=dtype if dtype else arr.dtype)
        full[points.position] = arr
        return full

    columns: dict[str, np.ndarray] = {}
    if points.dates is not None:
        columns["date"] = points.dates
    columns["value"] = points.values
    columns["segment"] = back(seg, -1)
    for name in _LIMIT_COLUMNS:
        columns[name] = back(limits[name], np.nan)
    columns["relative_to_mean"] = back(causes["relative_to_mean"], 0)
    columns["outside_limits"] = back(causes["outside_limits"], False)
    columns["close_to_limits"] = back(causes["close_to_limits"], False)
    columns["special_cause"] = back(causes["special_cause"], None, object)
    columns["special_cause_direction"] = back(causes["special_cause_direction"], 0)
    columns["point_type"] = back(types, None, object)
    columns["target"] = points.target
    columns["trajectory"] = points.trajectory
    columns["segment_points"] = back(limits["segment_points"], 0)
    columns["short_segment"] = columns["segment_points"] < options.short_segment_points
    columns["lpl_floored"] = back(limits["lpl_floored"], False)
    return columns


def xmr_columns(
    values: Sequence[float] | pd.Series | np.ndarray,
    *,
    dates: Sequence | None = None,
    improvement: str = "increase",
    target: float | Sequence[float] | None = None,
    trajectory: Sequence[float] | None = None,
    rebase_at: Iterable = (),
    fix_after_n_points: int | None = None,
    screen_outliers: bool = True,
    rules: str | RuleSet = "nhsr",
    run_length: int | None = None,
    short_segment_points: int = SHORT_SEGMENT_POINTS,
    lower_bound: float | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, Any], RuleSet]:
    """The chart's columns as numpy arrays (no DataFrame), with the options (as ``attrs``) and the rule set used:
    the steps above, one after the other. For callers that chart many series and stack them (building a DataFrame
    per series costs more than the arithmetic)."""
    options = validate_options(improvement, rules, run_length, fix_after_n_points, screen_outliers,
                               short_segment_points, lower_bound)
    points = order_points(values, dates, target, trajectory)
    y = points.y
    seg = segment_ids(points, rebase_at)
    limits = segment_limits(y, seg, options)
    causes = special_causes(y, seg, limits, options.rule_set)
    types = point_types(causes["special_cause"], causes["special_cause_direction"], options.improvement)
    return in_input_order(points, seg, limits, causes, types, options), options.attrs(), options.rule_set


def xmr_frame(columns: dict[str, np.ndarray], attrs: dict[str, Any], rule_set: RuleSet) -> pd.DataFrame:
    """The result frame from :func:`xmr_columns`' arrays (one series, or several stacked with a ``series`` column),
    with the rule that fired in words."""
    frame = pd.DataFrame(columns)
    # Keep None (not NaN) for "no rule fired": pandas 3 would otherwise infer a string column.
    for name in ("special_cause", "point_type"):
        frame[name] = pd.Series(columns[name], dtype=object)
    frame["special_cause_detail"] = pd.Series([
        describe_rule(r, d, rule_set) if t is not None else None
        for r, d, t in zip(columns["special_cause"], columns["special_cause_direction"], columns["point_type"])
    ], dtype=object)
    frame.attrs.update(attrs)
    return frame


def xmr(values: Sequence[float] | pd.Series | np.ndarray, **options: Any) -> pd.DataFrame:
    """An XmR (individuals) chart of ``values``, one row per point in input order.

    The options (those of :func:`xmr_columns`): ``dates`` orders the points and places rebase dates;
    ``improvement`` is "increase", "decrease" or "neutral"; ``target`` a number (or one per point); ``trajectory``
    one number per point (NaN where none); ``rebase_at`` dates (or 0-based positions without ``dates``) where the
    limits are recalculated; ``fix_after_n_points`` (12 or more) fixes each segment's mean and limits from its first
    n points; ``screen_outliers``; ``rules`` is "nhsr" (NHSRplotthedots, the default) or "mdc"; ``run_length``
    overrides the shift and trend length; ``short_segment_points`` is where the short-segment warning starts;
    ``lower_bound`` (0 for counts) is where a lower limit below it is set.

    Columns: date (when given), value, segment, mean, lpl, upl, near_lpl, near_upl, relative_to_mean,
    outside_limits, close_to_limits, special_cause (the rule that fired: "outside_limits", "trend", "two_of_three",
    "shift", or None), special_cause_direction (+1 high/rising, -1 low/falling, 0), point_type, target, trajectory,
    segment_points, short_segment, lpl_floored (the lower limit was set at ``lower_bound``), special_cause_detail
    (the rule in words).

    Missing values (NaN) stay as rows with no statistics and are left out of the calculations.
    """
    return xmr_frame(*xmr_columns(values, **options))
