"""analysis.spc.rules: the published constants and each rule on its own, table-driven at its edges."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.spc import rules


def test_constants_are_the_published_ones():
    assert rules.LIMIT_FACTOR == 2.66
    assert rules.OUTLIER_SCREEN_FACTOR == 3.267
    assert rules.NEAR_LIMIT_FACTOR == pytest.approx(1.773333, abs=1e-6)

def test_trend_points_helper_edges():
    flag, direction = rules.trend_points(np.array([1, 2, 3, 4, 5, 6, 7], dtype=float))
    assert flag.all() and set(direction) == {1}
    flag, _ = rules.trend_points(np.array([1, 2, 3, 4, 5, 6], dtype=float))
    assert not flag.any()
    flag, _ = rules.trend_points(np.array([1, 2, 3, 3, 4, 5, 6], dtype=float))
    assert not flag.any()
    # NHSRplotthedots test: c(2, 1:7, 3) -> the 1..7 points only.
    flag, _ = rules.trend_points(np.array([2, 1, 2, 3, 4, 5, 6, 7, 3], dtype=float))
    assert list(flag) == [False, True, True, True, True, True, True, True, False]
    # A peak between a 7-point rise and a 7-point fall takes the fall's direction (the one that follows it).
    flag, direction = rules.trend_points(np.array([1, 2, 3, 4, 5, 6, 7, 6, 5, 4, 3, 2, 1], dtype=float))
    assert flag.all()
    assert direction[6] == -1 and direction[5] == 1 and direction[7] == -1


def test_moving_ranges_and_average_with_screening():
    y = np.array([1.0, 3.0, 2.0, 2.0, 12.0])
    assert np.isnan(rules.moving_ranges(y)[0])
    assert list(rules.moving_ranges(y)[1:]) == [2.0, 1.0, 0.0, 10.0]
    assert rules.average_moving_range(y, screen_outliers=False) == 3.25
    # 10 is under 3.267 x 3.25 = 10.6, so it is kept; a larger jump is screened out and the mean taken again.
    assert rules.average_moving_range(y) == 3.25
    jump = np.array([1.0, 3.0, 2.0, 2.0, 40.0])
    assert rules.average_moving_range(jump) == 1.0  # (2 + 1 + 0) / 3 after dropping 38


@pytest.mark.parametrize(
    "relative, run, expected",
    [
        ([1] * 7, 7, [True] * 7),
        ([1] * 6, 7, [False] * 6),
        ([1, 1, 1, 0, 1, 1, 1, 1], 7, [False] * 8),  # a point on the mean breaks the run
        ([-1] * 6 + [1], 6, [True] * 6 + [False]),
    ],
)
def test_shift_points(relative, run, expected):
    assert list(rules.shift_points(np.array(relative), run)) == expected


@pytest.mark.parametrize(
    "y, outside_counts, all_on_one_side, expected",
    [
        # Points between the near line (1.5) and the limit (3) count; all three on the high side of the mean.
        ([2.0, 2.0, 0.5], False, True, [True, True, False]),
        ([2.0, -0.5, 2.0], False, True, [False, False, False]),  # the middle point is below the mean
        ([2.0, -0.5, 2.0], False, False, [True, False, True]),  # MDC: the third point may be anywhere
        ([2.0, 4.0, 0.5], False, True, [False, False, False]),  # beyond the limit does not count (NHS-R)
        ([2.0, 4.0, 0.5], True, False, [True, True, False]),  # it does in MDC
    ],
)
def test_two_of_three_points(y, outside_counts, all_on_one_side, expected):
    y = np.array(y)
    got = rules.two_of_three_points(y, np.sign(y).astype(int), -1.5, 1.5, -3.0, 3.0,
                                    outside_counts=outside_counts, all_on_one_side=all_on_one_side)
    assert list(got) == expected


@pytest.mark.parametrize(
    "rule, direction, words",
    [(None, 0, "Common cause variation"), (rules.OUTSIDE_LIMITS, 1, "Above the upper process limit"),
     (rules.OUTSIDE_LIMITS, -1, "Below the lower process limit"), (rules.TREND, -1, "Falling trend of 7 or more points"),
     (rules.TWO_OF_THREE, 1, "2 of 3 points close to the upper limit"),
     (rules.SHIFT, -1, "7 or more points below the mean")],
)
def test_describe_rule(rule, direction, words):
    assert rules.describe_rule(rule, direction) == words
    if rule == rules.SHIFT:
        assert rules.describe_rule(rule, direction, rules.RULE_SETS["mdc"]) == "6 or more points below the mean"
