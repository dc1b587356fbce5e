"""analysis.changes.effect: a change's effect read the Making Data Count way, on crafted series with values worked
out by hand, and in agreement with the XmR chain checked against NHSRplotthedots (analysis.spc.xmr)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.changes import effect as fx
from analysis.spc import xmr

BEFORE = [100.0, 104.0] * 6  # 12 months: mean 102, every moving range 4, so limits 102 +/- 2.66 x 4
MONTHS = pd.date_range("2023-04-01", periods=21, freq="MS")  # April 2023 to December 2024


def test_a_known_step_is_a_sustained_shift_with_the_hand_worked_effect():
    after = [90.0, 94.0] * 4 + [90.0]  # 9 months from April 2024: five 90s and four 94s, mean 826 / 9
    e = fx.measure(MONTHS, BEFORE + after, "2024-04-01", wanted="decrease")
    assert (e.points_before, e.points_rollout, e.points_after) == (12, 0, 9)
    assert e.before_mean == pytest.approx(102.0)
    assert (e.before_lpl, e.before_upl) == (pytest.approx(102 - 10.64), pytest.approx(102 + 10.64))
    assert e.after_mean == pytest.approx(826 / 9)
    # Every moving range of the after segment is 4 too.
    assert (e.after_lpl, e.after_upl) == (pytest.approx(826 / 9 - 10.64), pytest.approx(826 / 9 + 10.64))
    assert e.effect == pytest.approx(826 / 9 - 102)  # -10.22
    assert e.share == pytest.approx((826 / 9 - 102) / 102)  # -10.0%
    assert (e.verdict, e.evidence, e.direction, e.run_length) == (fx.IMPROVED, fx.SHIFT, -1, 9)
    assert e.run_start == pd.Timestamp("2024-04-01")
    assert e.outside == 5  # the five 90s are below 91.36
    assert e.sentence() == ("sustained shift: 9 months in a row below the old mean since April 2024; 5 of the 9 "
                            "months since the change outside the old limits")
    # The same step, when the change was meant to raise the figure, moved the wrong way.
    assert fx.measure(MONTHS, BEFORE + after, "2024-04-01", wanted="increase").verdict == fx.WORSENED


def test_the_step_agrees_with_the_xmr_chain_with_limits_fixed_on_the_baseline():
    after = [90.0, 94.0] * 4 + [90.0]
    chart = xmr.xmr(BEFORE + after, dates=MONTHS, improvement="decrease", fix_after_n_points=12)
    e = fx.measure(MONTHS, BEFORE + after, "2024-04-01", wanted="decrease")
    assert chart["mean"].iloc[-1] == pytest.approx(e.before_mean)
    assert chart["lpl"].iloc[-1] == pytest.approx(e.before_lpl)
    tail = chart.iloc[12:]
    # Every after point is a special cause (outside the limits, or in the run of 9), every one an improvement.
    assert set(tail["point_type"]) == {xmr.IMPROVEMENT}
    assert int(tail["outside_limits"].sum()) == e.outside
    assert not chart.iloc[:12]["special_cause"].notna().any()


def test_a_point_outside_the_old_limits_without_a_run():
    after = [104.0, 100.0, 104.0, 85.0, 104.0, 100.0, 104.0, 100.0]  # one month below 91.36, no run of 7
    e = fx.measure(MONTHS[:20], BEFORE + after, "2024-04-01", wanted="decrease")
    assert (e.verdict, e.evidence, e.outside, e.direction) == (fx.IMPROVED, fx.OUTSIDE, 1, -1)
    assert e.sentence() == "points outside the old limits: 1 of the 8 months since the change below the lower limit"
    assert e.after_mean == pytest.approx(np.mean(after))


def test_noise_only_is_no_change():
    after = [104.0, 100.0] * 4  # 8 months alternating about the old mean: no run, nothing outside
    e = fx.measure(MONTHS[:20], BEFORE + after, "2024-04-01", wanted="decrease")
    assert e.verdict == fx.NO_CHANGE and e.effect == pytest.approx(0.0)
    assert e.sentence() == ("no change distinguishable from ordinary variation: 8 months since the change, none "
                            "outside the old limits and no run of 7 on one side of the old mean")


def test_a_change_too_recent_to_judge():
    after = [97.0, 99.0, 97.0, 99.0]  # below the mean, but only 4 points: a shift needs 7
    e = fx.measure(MONTHS[:16], BEFORE + after, "2024-04-01", wanted="decrease")
    assert e.verdict == fx.TOO_EARLY
    assert e.sentence() == "no signal yet: 4 points since the change, 7 needed for a shift"
    assert e.effect == pytest.approx(-4.0)


def test_a_roll_out_leaves_its_months_out_of_both_segments():
    values = BEFORE + [95.0, 93.0, 91.0] + [90.0, 94.0] * 3 + [90.0]
    months = pd.date_range("2023-04-01", periods=22, freq="MS")
    e = fx.measure(months, values, "2024-04-15", "2024-06-30", wanted="decrease")
    # April (started mid-month) to June are the roll-out; the after segment starts in July 2024.
    assert (e.points_before, e.points_rollout, e.points_after) == (12, 3, 7)
    assert e.run_start == pd.Timestamp("2024-07-01") and e.run_length == 7
    cut = fx.split(months, "2024-04-15", "2024-06-30", "month")
    assert cut.rebase_at == (pd.Timestamp("2024-04-01"), pd.Timestamp("2024-07-01"))


def test_too_little_before_sets_no_baseline():
    e = fx.measure(MONTHS[:15], BEFORE[:6] + [90.0] * 9, "2023-10-01", wanted="decrease")
    assert e.verdict == fx.NO_BASELINE
    assert e.sentence() == "too few points before the change to set a baseline: 6, 12 needed"


def test_counts_floor_the_old_lower_limit_at_zero():
    e = fx.measure(MONTHS[:16], [2.0, 9.0] * 6 + [1.0, 1.0, 1.0, 1.0], "2024-04-01", wanted="decrease",
                   lower_bound=0.0)
    assert e.before_lpl == 0.0 and e.lpl_floored  # 5.5 - 2.66 x 7 is below zero


def test_a_control_that_moved_too_is_flagged():
    after = [90.0, 94.0] * 4 + [90.0]
    own = fx.measure(MONTHS, BEFORE + after, "2024-04-01", wanted="decrease")
    moved = fx.measure(MONTHS, [v * 2 for v in BEFORE + after], "2024-04-01", wanted="decrease")
    still = fx.measure(MONTHS, BEFORE + [104.0, 100.0] * 4 + [104.0], "2024-04-01", wanted="decrease")
    short = fx.measure(MONTHS[9:], (BEFORE + after)[9:], "2024-04-01", wanted="decrease")  # no baseline: not judged
    assert fx.moved_alike(own, {"B": moved, "C": still, "D": short}) == (["B"], 2)
    assert fx.confounded(own, {"B": moved, "C": still, "D": short})  # 1 of 2 judged: half
    assert not fx.confounded(own, {"C": still})
    # No signal of its own: nothing to confound.
    assert fx.moved_alike(still, {"B": moved}) == ([], 1)
