"""SPC special-cause rules and the constants behind the limits: each rule is one boolean (or sign) per point.

After statprocon and NHSRplotthedots: every statistic is a series aligned to the input, each rule a small function,
constants named with their source. :mod:`analysis.spc.xmr` applies them segment by segment.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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


# The rules, as the ``special_cause`` column names them, in order of precedence.
OUTSIDE_LIMITS = "outside_limits"
TREND = "trend"
TWO_OF_THREE = "two_of_three"
SHIFT = "shift"


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
    flags = np.asarray(flags, dtype=bool)
    out = np.zeros(len(flags), dtype=bool)
    # Where each stretch of True starts and ends (one past its last point), from the steps of the padded flags.
    steps = np.diff(np.concatenate(([False], flags, [False])).astype(np.int8))
    for start, end in zip(np.flatnonzero(steps == 1), np.flatnonzero(steps == -1)):
        if end - start >= length:
            out[start:end] = True
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
    # Every window of 3 at once (window w is points w, w+1, w+2): the summary matrix runs this for every KPI and
    # service, and a loop over windows was a tenth of a change of grain on the Performance page.
    side_of_mean = np.asarray(relative_to_mean)
    for side, near in ((1, high), (-1, low)):
        qualifies = (near[:-2].astype(int) + near[1:-1] + near[2:]) >= 2
        if all_on_one_side:
            same = side_of_mean == side
            qualifies &= same[:-2] & same[1:-1] & same[2:]
        for offset in range(3):
            out[offset:n - 2 + offset] |= qualifies & near[offset:n - 2 + offset]
    return out



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
