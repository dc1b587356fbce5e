"""analysis.spc.xmr against NHSRplotthedots' own published results (the answer key), each rule at its edge as the
chart applies it, rebasing, fixed limits, missing values and options refused in words."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.errors import StocktakeError
from analysis.spc import reading, xmr
from tests.spc_data import ALTERNATING, DATES, RNORM_123, SMALL, ZIGZAG, with_outlier


def test_limits_match_nhsrplotthedots():
    r = xmr.xmr(RNORM_123, dates=DATES)
    assert r["mean"].iloc[0] == pytest.approx(0.1416238, abs=1e-6)
    assert r["lpl"].iloc[0] == pytest.approx(-3.01138, abs=1e-5)
    assert r["upl"].iloc[0] == pytest.approx(3.294627, abs=1e-6)
    assert r["mean"].nunique() == 1 and r["lpl"].nunique() == 1
    assert list(r["relative_to_mean"].iloc[:15]) == [-1, -1, 1, -1, -1, 1, 1, -1, -1, -1, 1, 1, 1, -1, -1]
    assert not r["outside_limits"].any()
    # Only y[18] = -1.9666 lies beyond a near line (-1.9604); alone, it is not two of three.
    assert list(np.flatnonzero(r["close_to_limits"])) == [17]
    assert set(r["point_type"]) == {"common_cause"}

def test_outlier_screening_matches_nhsrplotthedots():
    r = xmr.xmr(with_outlier(), dates=DATES)
    assert r["mean"].iloc[0] == pytest.approx(0.6694159, abs=1e-6)
    assert r["lpl"].iloc[0] == pytest.approx(-2.383666, abs=1e-6)
    assert r["upl"].iloc[0] == pytest.approx(3.722497, abs=1e-6)
    assert list(r["relative_to_mean"].iloc[:14]) == [-1, -1, 1, -1, -1, 1, -1, -1, -1, -1, 1, -1, -1, -1]
    # 10 is far above the screened limits.
    assert r.loc[14, "special_cause"] == "outside_limits"
    assert r.loc[14, "point_type"] == "special_cause_improvement"

def test_without_screening_matches_nhsrplotthedots():
    r = xmr.xmr(with_outlier(), dates=DATES, screen_outliers=False)
    assert r["mean"].iloc[0] == pytest.approx(0.6694159, abs=1e-6)
    assert r["lpl"].iloc[0] == pytest.approx(-4.596625, abs=1e-6)
    assert r["upl"].iloc[0] == pytest.approx(5.935457, abs=1e-6)

def test_near_lines_are_two_thirds_of_the_way_to_the_limits():
    r = xmr.xmr(RNORM_123)
    mean, upl, nupl, nlpl = r.loc[0, ["mean", "upl", "near_upl", "near_lpl"]]
    assert nupl - mean == pytest.approx((upl - mean) * 2 / 3)
    assert mean - nlpl == pytest.approx((upl - mean) * 2 / 3)
    assert nupl == pytest.approx(2.243626, abs=1e-6)

def test_columns_and_input_order_kept_when_dates_are_shuffled():
    shuffled = list(reversed(range(20)))
    r = xmr.xmr([RNORM_123[i] for i in shuffled], dates=[DATES[i] for i in shuffled])
    assert list(r["value"]) == [RNORM_123[i] for i in shuffled]
    assert r["mean"].iloc[0] == pytest.approx(0.1416238, abs=1e-6)
    for col in ("value", "mean", "lpl", "upl", "near_lpl", "near_upl", "outside_limits", "special_cause",
                "point_type"):
        assert col in r.columns

def test_shift_of_7_points_fires_and_6_does_not():
    run7 = ALTERNATING + [0.5] * 7 + [-1, 1, -1, -1, 1, -1, -1.5]  # sums to 0: mean exactly 0
    run6 = ALTERNATING + [0.5] * 6 + [-1, 1, -1, -1, 1, -1, -1]
    r7, r6 = xmr.xmr(run7), xmr.xmr(run6)
    assert r7.loc[0, "mean"] == 0 and r6.loc[0, "mean"] == 0
    assert list(r7["special_cause"].iloc[10:17]) == ["shift"] * 7
    assert r7["special_cause"].iloc[:10].isna().all() and r7["special_cause"].iloc[17:].isna().all()
    assert set(r7["point_type"].iloc[10:17]) == {"special_cause_improvement"}
    assert r6["special_cause"].isna().all()
    # The MDC preset's runs of 6 do catch it.
    assert list(xmr.xmr(run6, rules="mdc")["special_cause"].iloc[10:16]) == ["shift"] * 6
    # And the run length can be set either way.
    assert list(xmr.xmr(run6, run_length=6)["special_cause"].iloc[10:16]) == ["shift"] * 6

def test_a_point_on_the_mean_breaks_a_shift():
    broken = ALTERNATING + [0.5, 0.5, 0.5, 0.0, 0.5, 0.5, 0.5] + [-1, 1, -1, -1, 1, -1, -1]
    r = xmr.xmr(broken)
    assert r.loc[0, "mean"] == 0.0
    assert r.loc[13, "relative_to_mean"] == 0
    assert r["special_cause"].isna().all()

def test_trend_of_7_fires_and_6_does_not():
    t7 = ZIGZAG + [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8] + [0, 1] * 3
    t6 = ZIGZAG + [0.2, 0.3, 0.4, 0.5, 0.6, 0.7] + [0, 1] * 3
    r7 = xmr.xmr(t7, improvement="decrease")
    assert list(r7["special_cause"].iloc[10:17]) == ["trend"] * 7
    assert r7.loc[9, "special_cause"] is None and r7.loc[17, "special_cause"] is None
    # A rising trend is a concern when lower is better, even for the points below the mean (NHSRplotthedots 0.2).
    assert r7.loc[10, "value"] < r7.loc[10, "mean"]
    assert set(r7["point_type"].iloc[10:17]) == {"special_cause_concern"}
    assert r7.loc[10, "special_cause_detail"] == "Rising trend of 7 or more points"
    assert xmr.xmr(t6)["special_cause"].isna().all()
    assert list(xmr.xmr(t6, rules="mdc")["special_cause"].iloc[10:16]) == ["trend"] * 6

def test_a_tie_breaks_a_trend():
    tied = ZIGZAG + [0.2, 0.3, 0.4, 0.4, 0.6, 0.7, 0.8] + [0, 1] * 3
    assert xmr.xmr(tied)["special_cause"].isna().all()

def test_falling_trend_is_an_improvement_when_lower_is_better():
    down = ZIGZAG + [0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2] + [1, 0] * 3
    r = xmr.xmr(down, improvement="decrease")
    # The 1.0 before 0.8 starts the fall too: 8 points.
    assert list(r["special_cause"].iloc[9:17]) == ["trend"] * 8
    assert set(r["point_type"].iloc[9:17]) == {"special_cause_improvement"}
    assert set(r["special_cause_direction"].iloc[9:17]) == {-1}

def test_two_of_three_near_the_upper_limit():
    r = xmr.xmr(SMALL + [0.5, 0.05, 0.55])
    nupl, upl = r.loc[0, "near_upl"], r.loc[0, "upl"]
    assert nupl < 0.5 < upl and nupl < 0.55 < upl and 0.05 < nupl
    assert list(r["special_cause"].iloc[20:]) == ["two_of_three", None, "two_of_three"]
    assert r.loc[20, "special_cause_detail"] == "2 of 3 points close to the upper limit"

def test_two_of_three_needs_all_three_on_one_side_of_the_mean_in_nhsr_but_not_mdc():
    y = SMALL + [0.5, -0.05, 0.55]
    r = xmr.xmr(y)
    assert r.loc[21, "value"] < r.loc[21, "mean"]
    assert r["special_cause"].isna().all()
    assert list(xmr.xmr(y, rules="mdc")["special_cause"].iloc[20:]) == ["two_of_three", None, "two_of_three"]

def test_a_point_beyond_the_limits_does_not_count_towards_two_of_three_in_nhsr_but_does_in_mdc():
    y = SMALL + [0.5, 0.05, 1.2]
    r = xmr.xmr(y)
    assert r.loc[20, "near_upl"] < 0.5 < r.loc[20, "upl"] < 1.2
    assert list(r["special_cause"].iloc[20:]) == [None, None, "outside_limits"]
    assert list(xmr.xmr(y, rules="mdc")["special_cause"].iloc[20:]) == ["two_of_three", None, "outside_limits"]

def test_outside_limits_takes_precedence_over_a_shift():
    y = ALTERNATING + [0.5] * 6 + [9.0] + [-1, 1, -1, -1, 1, -1, -1]
    r = xmr.xmr(y)
    assert r.loc[16, "special_cause"] == "outside_limits"
    assert list(r["special_cause"].iloc[10:16]) == ["shift"] * 6

def test_rebase_recalculates_limits_in_each_segment():
    y = [10, 12] * 10 + [20, 22] * 10
    dates = pd.date_range("2022-01-01", periods=40, freq="MS")
    whole = xmr.xmr(y, dates=dates)
    split = xmr.xmr(y, dates=dates, rebase_at=[pd.Timestamp("2023-08-15")])  # mid-month: next point starts it
    assert whole["segment"].nunique() == 1
    assert list(split["segment"].iloc[[18, 19, 20]]) == [0, 0, 1]  # 2023-07, 2023-08 in the first; 2023-09 starts
    assert split.loc[0, "mean"] == pytest.approx(11.0)
    assert split.loc[0, "upl"] == pytest.approx(11 + 2.66 * 2)
    assert split.loc[39, "mean"] == pytest.approx(21.0)
    assert split.loc[39, "lpl"] == pytest.approx(21 - 2.66 * 2)
    assert split["special_cause"].isna().all()
    assert whole["special_cause"].notna().all()  # one set of limits over both levels: every point is special
    # Positions work without dates.
    assert list(xmr.xmr(y, rebase_at=[20])["segment"].iloc[[19, 20]]) == [0, 1]

def test_fix_after_n_points_uses_only_the_first_n():
    y = [10, 12] * 6 + [30, 40, 30, 40]
    r = xmr.xmr(y, fix_after_n_points=12)
    assert r.loc[15, "mean"] == pytest.approx(11.0)
    assert r.loc[15, "upl"] == pytest.approx(11 + 2.66 * 2)
    assert r.loc[15, "special_cause"] == "outside_limits"
    with pytest.raises(StocktakeError, match="12 points or more"):
        xmr.xmr(y, fix_after_n_points=11)

def test_short_segment_flag_below_13_points():
    assert xmr.xmr(RNORM_123[:12])["short_segment"].all()
    assert not xmr.xmr(RNORM_123[:13])["short_segment"].any()
    mixed = xmr.xmr(RNORM_123, rebase_at=[15])
    assert list(mixed["short_segment"].iloc[[0, 15]]) == [False, True]

def test_mdc_preset_shows_no_limits_below_13_points():
    r = xmr.xmr(RNORM_123[:12], rules="mdc", target=0.0)
    assert r["lpl"].isna().all() and not r["mean"].isna().any()
    assert reading.summarise(r).assurance is None
    assert not xmr.xmr(RNORM_123[:13], rules="mdc")["lpl"].isna().any()

def test_missing_values_stay_as_rows_and_are_left_out():
    y = list(RNORM_123)
    y.insert(5, None)
    r = xmr.xmr(y)
    assert len(r) == 21 and pd.isna(r.loc[5, "mean"]) and r.loc[5, "point_type"] is None
    assert r.loc[0, "mean"] == pytest.approx(0.1416238, abs=1e-6)

def test_bad_options_are_refused_in_words():
    with pytest.raises(StocktakeError, match="improvement direction"):
        xmr.xmr([1, 2, 3], improvement="up")
    with pytest.raises(StocktakeError, match="nhsr"):
        xmr.xmr([1, 2, 3], rules="western")
    with pytest.raises(StocktakeError, match="3 points"):
        xmr.xmr([1, 2, 3], trajectory=[1, 2])


# --- The steps on their own ----------------------------------------------------------------------------------

def test_validate_options_resolves_the_rule_set():
    options = xmr.validate_options("decrease", "mdc", run_length=8)
    assert (options.rule_set.name, options.rule_set.shift_points, options.rule_set.trend_points) == ("mdc", 8, 8)
    assert options.rule_set.min_points_for_limits == 13
    assert options.attrs()["improvement"] == "decrease"


def test_order_points_and_segment_ids():
    points = xmr.order_points([3.0, np.nan, 1.0, 2.0], dates=pd.to_datetime(["2024-04-01", "2024-02-01",
                                                                              "2024-01-01", "2024-03-01"]))
    assert list(points.y) == [1.0, 2.0, 3.0]  # time order, the missing February left aside
    assert list(points.position) == [2, 3, 0]
    assert list(xmr.segment_ids(points, [pd.Timestamp("2024-02-15")])) == [0, 1, 1]
    assert list(xmr.segment_ids(points, [pd.Timestamp("2023-01-01"), pd.Timestamp("2025-01-01")])) == [0, 0, 0]
    no_dates = xmr.order_points([1.0, np.nan, 2.0, 3.0])
    assert list(xmr.segment_ids(no_dates, [1])) == [0, 1, 1]  # position 1 is missing: the next point starts it


def test_segment_limits_and_point_types():
    options = xmr.validate_options()
    y = np.array([1.0, 3.0, 2.0, 10.0, 12.0, 11.0])
    limits = xmr.segment_limits(y, np.array([0, 0, 0, 1, 1, 1]), options)
    assert list(limits["mean"]) == [2.0] * 3 + [11.0] * 3
    assert limits["upl"][0] == pytest.approx(2.0 + 2.66 * 1.5)
    assert list(limits["segment_points"]) == [3] * 6
    kinds = xmr.point_types(np.array([None, "shift", "trend"], dtype=object), np.array([0, 1, -1]), "decrease")
    assert list(kinds) == [xmr.COMMON_CAUSE, xmr.CONCERN, xmr.IMPROVEMENT]
    assert list(xmr.point_types(np.array(["shift"], dtype=object), np.array([1]), "neutral")) == [xmr.NEUTRAL]


def test_one_frame_builder_for_one_series_and_for_stacked_series():
    """The KPI small multiples stack xmr_columns and build the frame with the same xmr_frame as xmr itself."""
    columns, attrs, rule_set = xmr.xmr_columns(RNORM_123, dates=DATES)
    single = xmr.xmr(RNORM_123, dates=DATES)
    pd.testing.assert_frame_equal(xmr.xmr_frame(columns, attrs, rule_set), single)
    assert single.attrs["rules"] == "nhsr" and single["special_cause_detail"].iloc[0] == "Common cause variation"


def test_a_count_s_lower_limit_is_set_at_zero_and_said():
    """Issue 18: a daily count whose limits worked out as -5 and 13 reads 0 and 13, and the reading says why."""
    from analysis.spc import reading

    counts = [1, 0, 3, 0, 12, 2, 0, 1, 5, 0, 2, 1, 0, 9]
    plain = xmr.xmr(counts)
    assert plain["lpl"].iloc[0] < 0 and not plain["lpl_floored"].any()
    floored = xmr.xmr(counts, lower_bound=0)
    assert (floored["lpl"] == 0).all() and floored["lpl_floored"].all()
    assert (floored["near_lpl"] >= 0).all()
    # The mean and the upper limit are the same numbers: only what cannot happen is taken away.
    assert floored["upl"].iloc[0] == pytest.approx(plain["upl"].iloc[0])
    assert floored["mean"].iloc[0] == pytest.approx(plain["mean"].iloc[0])
    assert floored.attrs["lower_bound"] == 0
    sentence = reading.reading(floored, "neutral")
    assert sentence.endswith("will vary between 0 and 13.6 (the lower limit is set at zero: a count cannot be "
                             "negative).")
    assert reading.summarise(floored).lpl_floored


def test_a_lower_limit_above_zero_is_left_alone():
    floored = xmr.xmr([50, 52, 49, 51, 50, 53, 48, 50, 51, 49, 52, 50, 51], lower_bound=0)
    assert (floored["lpl"] > 40).all() and not floored["lpl_floored"].any()


@pytest.mark.parametrize("unit,values,bound", [
    ("count", [3.0, 5.0], 0.0),
    ("number", [12_765.0, 13_001.0, 0.0], 0.0),  # whole numbers of at least zero: attendances, bed days
    ("number", [0.41, 0.39], None),  # a rate
    ("number", [-2.0, 3.0], None),  # a change can be negative
    ("share", [1.0, 0.0], None),
    ("percent_points", [95.0, 96.0], 0.0),
])
def test_lower_bound_for(unit, values, bound):
    from analysis.kpis.definitions import lower_bound_for

    assert lower_bound_for(unit, values) == bound
