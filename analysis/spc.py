"""Statistical process control: XmR charts read the way NHS England's "Making Data Count" (MDC) reads them.

Pure Python and pandas (no DuckDB, no Streamlit). :func:`xmr` takes a series of values (one per period) and returns
one row per point with the process mean, the process limits, the near-limit ("2 sigma") lines, the rule that fired
and the point's type; :func:`summarise` gives the two MDC icons' meanings (variation and assurance) and
:func:`reading` one sentence for a manager.

The calculations follow the NHS-R community's NHSRplotthedots R package (``R/ptd_spc_standard.R``,
``R/ptd_calculate_point_type.R``, ``R/ptd_calculate_assurance_type.R``, ``R/ptd_add_short_group_warnings.R``,
CRAN release 0.2), so that the same data give the same numbers:

1. moving ranges ``|y_i - y_{i-1}|`` within a segment; their mean is the average moving range (AMR);
2. with outlier screening, moving ranges of at least ``3.267 x AMR`` are dropped and the AMR recomputed once;
3. process limits ``mean +/- 2.66 x AMR``; near-limit lines ``mean +/- (2/3 x 2.66) x AMR``;
4. rules, in order of precedence (the first that fires names the point's special cause):
   outside the limits; a trend (7 points each strictly higher, or each strictly lower, than the one before: a tie
   breaks it); two of three (2 or 3 of 3 consecutive points between the near line and the limit on one side, with
   all 3 on that side of the mean); a shift (7 points on one side of the mean: a point exactly on the mean breaks it);
5. a special cause is an improvement when its direction (side of the mean, or the trend's direction) is the
   improvement direction, a concern when it is the other, neutral when no direction is better;
6. assurance compares the target with the last segment's limits: a target beyond the limits on the good side is a
   consistent pass, beyond them on the bad side a consistent fail, otherwise inconsistent.

The ``"mdc"`` preset follows the MDC Excel and SQL tools (SQL v2.6a) where they differ: runs and trends of 6 points,
points beyond the limits count towards two of three (and the third point may be anywhere), and a segment with fewer
than 13 points gets no limits (so only the run rules can fire there and there is no assurance).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from analysis import periods
from analysis.errors import StocktakeError

# --- Constants -------------------------------------------------------------------------------------------------

LIMIT_FACTOR = 2.66
"""Process limits are mean +/- 2.66 x average moving range.

2.66 = 3 / d2 with d2 = 1.128, the bias-correction constant for ranges of subgroups of 2 (Wheeler & Chambers,
"Understanding Statistical Process Control", 1992, table A.2; Montgomery, "Introduction to Statistical Quality
Control", appendix VI). NHSRplotthedots ``R/ptd_spc_standard.R``: ``limit <- 2.66``.
"""

NEAR_LIMIT_FACTOR = 2 * LIMIT_FACTOR / 3
"""The near-limit ("2 sigma") lines are mean +/- (2/3 x 2.66) x average moving range = 1.7733 x AMR.

NHSRplotthedots ``R/ptd_spc_standard.R``: ``limitclose <- 2 * (limit / 3)``.
"""

OUTLIER_SCREEN_FACTOR = 3.267
"""A moving range of at least 3.267 x the average moving range is screened out before the limits are recomputed.

3.267 = D4 for subgroups of 2, the upper range limit factor (Wheeler & Chambers 1992, table A.2; Montgomery,
appendix VI). NHSRplotthedots ``R/ptd_spc_standard.R`` keeps ``mr < 3.267 * amr``.
"""

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
POINT_TYPES = (COMMON_CAUSE, IMPROVEMENT, CONCERN, NEUTRAL)

CONSISTENT_PASS = "consistent_pass"
CONSISTENT_FAIL = "consistent_fail"
INCONSISTENT = "inconsistent"

# The rules, as the ``special_cause`` column names them, in order of precedence.
OUTSIDE_LIMITS = "outside_limits"
TREND = "trend"
TWO_OF_THREE = "two_of_three"
SHIFT = "shift"
RULE_ORDER = (OUTSIDE_LIMITS, TREND, TWO_OF_THREE, SHIFT)


@dataclass(frozen=True)
class RuleSet:
    """Which variant of the special-cause rules to apply."""

    name: str
    shift_points: int = 7
    trend_points: int = 7
    outside_counts_in_two_of_three: bool = False
    two_of_three_needs_all_on_one_side: bool = True
    min_points_for_limits: int | None = None


RULE_SETS = {
    "nhsr": RuleSet("nhsr"),
    "mdc": RuleSet(
        "mdc", shift_points=6, trend_points=6, outside_counts_in_two_of_three=True,
        two_of_three_needs_all_on_one_side=False, min_points_for_limits=13,
    ),
}


# --- Options ---------------------------------------------------------------------------------------------------

def _rule_set(rules: str | RuleSet, run_length: int | None) -> RuleSet:
    if isinstance(rules, RuleSet):
        chosen = rules
    elif rules in RULE_SETS:
        chosen = RULE_SETS[rules]
    else:
        raise StocktakeError(f"'{rules}' is not a set of SPC rules: use 'nhsr' or 'mdc'.")
    if run_length is not None:
        if int(run_length) < 2:
            raise StocktakeError("A run or trend needs at least 2 points.")
        chosen = replace(chosen, shift_points=int(run_length), trend_points=int(run_length))
    return chosen


def _as_aligned(name: str, values: Any, n: int) -> np.ndarray:
    """A scalar or a sequence of n numbers as a float array of length n (None -> NaN)."""
    if values is None:
        return np.full(n, np.nan)
    if np.isscalar(values):
        return np.full(n, float(values))
    arr = _floats(values)
    if len(arr) != n:
        raise StocktakeError(f"The {name} has {len(arr)} values but the series has {n} points.")
    return arr


def _floats(values: Any) -> np.ndarray:
    """Numbers as a float array, None and text that is not a number as NaN (fast path for numeric input)."""
    try:
        return np.asarray(values, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        return pd.to_numeric(pd.Series(list(values), dtype="object"), errors="coerce").to_numpy(dtype=float)


# --- Rules, each one boolean (or sign) per point of a segment ---------------------------------------------------

def moving_ranges(y: np.ndarray) -> np.ndarray:
    """``|y_i - y_{i-1}|``, NaN for the first point."""
    mr = np.full(len(y), np.nan)
    if len(y) > 1:
        mr[1:] = np.abs(np.diff(y))
    return mr


def average_moving_range(y: np.ndarray, screen_outliers: bool = True) -> float:
    """The mean moving range, after dropping those of at least 3.267 x the mean once when screening."""
    mr = moving_ranges(y)[1:]
    mr = mr[~np.isnan(mr)]
    if len(mr) == 0:
        return np.nan
    amr = mr.mean()
    if screen_outliers:
        kept = mr[mr < OUTLIER_SCREEN_FACTOR * amr]
        amr = kept.mean() if len(kept) else np.nan
    return float(amr)


def _in_long_run(flags: np.ndarray, length: int) -> np.ndarray:
    """True for points inside a stretch of at least ``length`` consecutive True flags."""
    out = np.zeros(len(flags), dtype=bool)
    start = None
    for i, f in enumerate(list(flags) + [False]):
        if f and start is None:
            start = i
        elif not f and start is not None:
            if i - start >= length:
                out[start:i] = True
            start = None
    return out


def shift_points(relative_to_mean: np.ndarray, run: int = 7) -> np.ndarray:
    """Points in a run of ``run`` or more on one side of the mean. A point on the mean (sign 0) breaks a run."""
    above = _in_long_run(relative_to_mean > 0, run)
    below = _in_long_run(relative_to_mean < 0, run)
    return above | below


def trend_points(y: np.ndarray, run: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """Points in a run of ``run`` or more points each strictly higher (or lower) than the one before.

    Returns (flag per point, direction per point: +1 rising, -1 falling, 0 none). A tie breaks a trend. A point at
    the turn between a rising and a falling trend takes the direction of the trend that continues after it, as
    NHSRplotthedots does ("if a point is part of a trend either side, use right side").
    """
    n = len(y)
    if n < 2:
        return np.zeros(n, dtype=bool), np.zeros(n, dtype=int)
    steps = np.sign(np.diff(y))  # step i is from point i to point i+1
    rising = np.zeros(n, dtype=bool)
    falling = np.zeros(n, dtype=bool)
    # A trend of `run` points is `run - 1` consecutive steps of the same sign.
    for sign, target in ((1, rising), (-1, falling)):
        step_flags = _in_long_run(steps == sign, run - 1)
        for i in np.flatnonzero(step_flags):
            target[i] = target[i + 1] = True
    flag = rising | falling
    direction = np.zeros(n, dtype=int)
    for i in np.flatnonzero(flag):
        right = int(steps[i]) if i < n - 1 and flag[i + 1] and steps[i] != 0 else 0
        left = int(steps[i - 1]) if i > 0 else 0
        if right and ((right > 0 and rising[i]) or (right < 0 and falling[i])):
            direction[i] = right
        else:
            direction[i] = left if left else right
    return flag, direction


def two_of_three_points(
    y: np.ndarray, relative_to_mean: np.ndarray, near_lpl: float, near_upl: float, lpl: float, upl: float,
    *, outside_counts: bool = False, all_on_one_side: bool = True,
) -> np.ndarray:
    """Points beyond a near-limit line that are 2 (or 3) of 3 consecutive such points on the same side.

    NHSRplotthedots (``all_on_one_side=True``, ``outside_counts=False``): only points between the near line and the
    limit count, and all three points of the window must be on that side of the mean. MDC (``outside_counts=True``,
    ``all_on_one_side=False``): points beyond the limits count too, and the third point may be anywhere.
    """
    n = len(y)
    out = np.zeros(n, dtype=bool)
    if n < 3 or np.isnan(lpl):
        return out
    outside = (y > upl) | (y < lpl)
    high = y > near_upl
    low = y < near_lpl
    if not outside_counts:
        high &= ~outside
        low &= ~outside
    for start in range(n - 2):
        window = slice(start, start + 3)
        for side, near in ((1, high), (-1, low)):
            if near[window].sum() < 2:
                continue
            if all_on_one_side and not np.all(relative_to_mean[window] == side):
                continue
            out[start:start + 3] |= near[window]
    return out


# --- The chart -------------------------------------------------------------------------------------------------

def _segment_ids(positions_dates: Sequence | None, n: int, rebase_at: Iterable) -> np.ndarray:
    """Segment number per point (0, 1, 2...), a new segment starting at each rebase point.

    With dates, a rebase date starts a segment at the first point on or after it (so 2024-06-15 on a monthly
    series starts at July 2024's point unless a point falls on that day); without dates, rebase points are 0-based
    positions. Rebase points before the second point or after the last are ignored.
    """
    seg = np.zeros(n, dtype=int)
    starts: set[int] = set()
    for r in rebase_at or ():
        if r is None:
            continue
        if positions_dates is None:
            idx = int(r)
        else:
            when = pd.Timestamp(r)
            later = np.flatnonzero(np.asarray(positions_dates) >= np.datetime64(when.to_datetime64()))
            if len(later) == 0:
                continue
            idx = int(later[0])
        if 0 < idx < n:
            starts.add(idx)
    for idx in sorted(starts):
        seg[idx:] += 1
    return seg


def xmr(
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
) -> pd.DataFrame:
    """An XmR (individuals) chart of ``values``, one row per point in input order.

    ``dates`` (optional) orders the points and places rebase dates; ``improvement`` is "increase", "decrease" or
    "neutral"; ``target`` a number (or one per point); ``trajectory`` one number per point (NaN where none);
    ``rebase_at`` dates (or 0-based positions without ``dates``) where the limits are recalculated;
    ``fix_after_n_points`` (12 or more) fixes each segment's mean and limits from its first n points;
    ``rules`` is "nhsr" (NHSRplotthedots, the default) or "mdc"; ``run_length`` overrides the shift and trend length.

    Columns: date (when given), value, segment, mean, lpl, upl, near_lpl, near_upl, relative_to_mean,
    outside_limits, close_to_limits, special_cause (the rule that fired: "outside_limits", "trend", "two_of_three",
    "shift", or None), special_cause_detail (the same in words), special_cause_direction (+1 high/rising, -1
    low/falling, 0), point_type, target, trajectory, segment_points, short_segment.

    Missing values (NaN) stay as rows with no statistics and are left out of the calculations.
    """
    frame, attrs, rule_set = xmr_columns(
        values, dates=dates, improvement=improvement, target=target, trajectory=trajectory, rebase_at=rebase_at,
        fix_after_n_points=fix_after_n_points, screen_outliers=screen_outliers, rules=rules, run_length=run_length,
        short_segment_points=short_segment_points,
    )
    result = pd.DataFrame(frame)
    # Keep None (not NaN) for "no rule fired": pandas 3 would otherwise infer a string column.
    for name in ("special_cause", "point_type"):
        result[name] = pd.Series(frame[name], dtype=object)
    result["special_cause_detail"] = pd.Series([
        describe_rule(r, d, rule_set) if t is not None else None
        for r, d, t in zip(frame["special_cause"], frame["special_cause_direction"], frame["point_type"])
    ], dtype=object)
    result.attrs.update(attrs)
    return result


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
) -> tuple[dict[str, np.ndarray], dict[str, Any], RuleSet]:
    """:func:`xmr`'s columns as numpy arrays (no DataFrame), with the options and the rule set used.

    For callers that chart many series and only need the summary (the summary matrix): building a DataFrame per
    series costs more than the arithmetic.
    """
    if improvement not in DIRECTION:
        raise StocktakeError(f"'{improvement}' is not an improvement direction: use increase, decrease or neutral.")
    rule_set = _rule_set(rules, run_length)
    if fix_after_n_points is not None and int(fix_after_n_points) < MIN_FIX_AFTER_N_POINTS:
        raise StocktakeError(
            f"Limits can be fixed after {MIN_FIX_AFTER_N_POINTS} points or more, not {fix_after_n_points}."
        )
    y_in = _floats(values.to_numpy() if isinstance(values, pd.Series) else values)
    n = len(y_in)
    target_in = _as_aligned("target", target, n)
    trajectory_in = _as_aligned("trajectory", trajectory, n)

    if dates is not None:
        try:
            dates_np = np.asarray(dates, dtype="datetime64[ns]").reshape(-1)
        except (TypeError, ValueError):
            dates_np = pd.to_datetime(pd.Series(list(dates)), errors="coerce").to_numpy(dtype="datetime64[ns]")
        if len(dates_np) != n:
            raise StocktakeError(f"There are {len(dates_np)} dates for {n} values.")
        if np.isnat(dates_np).any():
            raise StocktakeError("Some points have no date: every point of a chart needs its period.")
        dates_in = dates_np
        order = np.argsort(dates_np, kind="stable")
    else:
        dates_in = None
        order = np.arange(n)

    # Work in time order on the points that have a value.
    y_sorted = y_in[order]
    present = ~np.isnan(y_sorted)
    idx_present = order[present]
    y = y_sorted[present]
    m = len(y)
    sorted_dates = dates_in[idx_present] if dates_in is not None else None
    if dates_in is None:
        # Rebase positions count every input point, missing or not: map each onto the first present point at or
        # after it.
        present_positions = np.flatnonzero(present)
        rebase_positions = []
        for r in rebase_at or ():
            if r is None:
                continue
            later = np.flatnonzero(present_positions >= int(r))
            if len(later):
                rebase_positions.append(int(later[0]))
        seg = _segment_ids(None, m, rebase_positions)
    else:
        seg = _segment_ids(sorted_dates, m, rebase_at)

    cols = {name: np.full(m, np.nan) for name in ("mean", "lpl", "upl", "near_lpl", "near_upl")}
    relative = np.zeros(m, dtype=int)
    outside = np.zeros(m, dtype=bool)
    close = np.zeros(m, dtype=bool)
    rule = np.array([None] * m, dtype=object)
    rule_dir = np.zeros(m, dtype=int)
    seg_points = np.zeros(m, dtype=int)

    for s in np.unique(seg) if m else []:
        at = np.flatnonzero(seg == s)
        ys = y[at]
        seg_points[at] = len(ys)
        base = ys if fix_after_n_points is None else ys[: int(fix_after_n_points)]
        mean = float(base.mean())
        amr = average_moving_range(base, screen_outliers)
        show_limits = rule_set.min_points_for_limits is None or len(ys) >= rule_set.min_points_for_limits
        if show_limits and not np.isnan(amr):
            lpl, upl = mean - LIMIT_FACTOR * amr, mean + LIMIT_FACTOR * amr
            nlpl, nupl = mean - NEAR_LIMIT_FACTOR * amr, mean + NEAR_LIMIT_FACTOR * amr
        else:
            lpl = upl = nlpl = nupl = np.nan
        cols["mean"][at] = mean
        cols["lpl"][at], cols["upl"][at] = lpl, upl
        cols["near_lpl"][at], cols["near_upl"][at] = nlpl, nupl
        rel = np.sign(ys - mean).astype(int)
        relative[at] = rel
        out_s = (ys > upl) | (ys < lpl) if not np.isnan(lpl) else np.zeros(len(ys), dtype=bool)
        outside[at] = out_s
        close[at] = (~out_s & ((ys < nlpl) | (ys > nupl))) if not np.isnan(lpl) else False

        trend_flag, trend_dir = trend_points(ys, rule_set.trend_points)
        two3 = two_of_three_points(
            ys, rel, nlpl, nupl, lpl, upl, outside_counts=rule_set.outside_counts_in_two_of_three,
            all_on_one_side=rule_set.two_of_three_needs_all_on_one_side,
        )
        shift = shift_points(rel, rule_set.shift_points)
        for k, i in enumerate(at):
            if out_s[k]:
                rule[i], rule_dir[i] = OUTSIDE_LIMITS, rel[k]
            elif trend_flag[k]:
                rule[i], rule_dir[i] = TREND, trend_dir[k]
            elif two3[k]:
                rule[i], rule_dir[i] = TWO_OF_THREE, 1 if ys[k] > mean else -1
            elif shift[k]:
                rule[i], rule_dir[i] = SHIFT, rel[k]

    direction = DIRECTION[improvement]
    point_type = np.array([COMMON_CAUSE] * m, dtype=object)
    for i in range(m):
        if rule[i] is None:
            continue
        if direction == 0:
            point_type[i] = NEUTRAL
        elif rule_dir[i] * direction > 0:
            point_type[i] = IMPROVEMENT
        else:
            point_type[i] = CONCERN

    # Scatter back to input order.
    def back(arr: np.ndarray, fill: Any, dtype=None) -> np.ndarray:
        full = np.array([fill] * n, dtype=dtype if dtype else arr.dtype)
        full[idx_present] = arr
        return full

    frame = {}
    if dates_in is not None:
        frame["date"] = dates_in
    frame["value"] = y_in
    frame["segment"] = back(seg, -1)
    for name in ("mean", "lpl", "upl", "near_lpl", "near_upl"):
        frame[name] = back(cols[name], np.nan)
    frame["relative_to_mean"] = back(relative, 0)
    frame["outside_limits"] = back(outside, False)
    frame["close_to_limits"] = back(close, False)
    frame["special_cause"] = back(rule, None, object)
    frame["special_cause_direction"] = back(rule_dir, 0)
    frame["point_type"] = back(point_type, None, object)
    frame["target"] = target_in
    frame["trajectory"] = trajectory_in
    frame["segment_points"] = back(seg_points, 0)
    frame["short_segment"] = frame["segment_points"] < short_segment_points
    attrs = {
        "improvement": improvement, "rules": rule_set.name, "shift_points": rule_set.shift_points,
        "trend_points": rule_set.trend_points, "screen_outliers": bool(screen_outliers),
        "fix_after_n_points": fix_after_n_points, "short_segment_points": short_segment_points,
    }
    return frame, attrs, rule_set


def describe_rule(rule: str | None, direction: int, rule_set: RuleSet | None = None) -> str:
    """The rule that fired, in words for a tooltip: 'Above the upper limit', 'Rising trend of 7 or more points'."""
    rs = rule_set or RULE_SETS["nhsr"]
    if rule is None:
        return "Common cause variation"
    high = direction > 0
    if rule == OUTSIDE_LIMITS:
        return "Above the upper process limit" if high else "Below the lower process limit"
    if rule == TREND:
        return f"{'Rising' if high else 'Falling'} trend of {rs.trend_points} or more points"
    if rule == TWO_OF_THREE:
        return f"2 of 3 points close to the {'upper' if high else 'lower'} limit"
    if rule == SHIFT:
        return f"{rs.shift_points} or more points {'above' if high else 'below'} the mean"
    return str(rule)


# --- Summary ---------------------------------------------------------------------------------------------------

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
        seg_start = points[points["segment"] == last["segment"]].iloc[0]
        since = f" since {periods.period_words(seg_start['date'], grain)}" if has_dates else ""
        if pd.isna(last["lpl"]):
            return f"Common cause variation{since}: no sign of change; the process averages {fmt(last['mean'])}."
        return (
            f"Common cause variation{since}: no sign of change; the process averages {fmt(last['mean'])} and will "
            f"vary between {fmt(last['lpl'])} and {fmt(last['upl'])}."
        )
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
