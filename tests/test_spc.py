"""analysis.spc against NHSRplotthedots' own published results, and each rule at its edge."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import spc
from analysis.errors import StocktakeError
from analysis.spc import reading, summarise, xmr

# R: set.seed(123); rnorm(20) -- NHSRplotthedots' test data (tests/testthat/test-ptd_spc_standard.R).
RNORM_123 = [
    -0.56047565, -0.23017749, 1.55870831, 0.07050839, 0.12928774, 1.71506499, 0.46091621, -1.26506123,
    -0.68685285, -0.44566197, 1.22408180, 0.35981383, 0.40077145, 0.11068272, -0.55584113, 1.78691314,
    0.49785048, -1.96661716, 0.70135590, -0.47279141,
]
DATES = pd.date_range("2020-01-02", periods=20, freq="D")


def with_outlier() -> list[float]:
    y = list(RNORM_123)
    y[14] = 10.0  # R's y[15] <- 10
    return y


# --- The answer key: tests/testthat/_snaps/ptd_spc_standard.md ------------------------------------------------

def test_constants_are_the_published_ones():
    assert spc.LIMIT_FACTOR == 2.66
    assert spc.OUTLIER_SCREEN_FACTOR == 3.267
    assert spc.NEAR_LIMIT_FACTOR == pytest.approx(1.773333, abs=1e-6)


def test_limits_match_nhsrplotthedots():
    r = xmr(RNORM_123, dates=DATES)
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
    r = xmr(with_outlier(), dates=DATES)
    assert r["mean"].iloc[0] == pytest.approx(0.6694159, abs=1e-6)
    assert r["lpl"].iloc[0] == pytest.approx(-2.383666, abs=1e-6)
    assert r["upl"].iloc[0] == pytest.approx(3.722497, abs=1e-6)
    assert list(r["relative_to_mean"].iloc[:14]) == [-1, -1, 1, -1, -1, 1, -1, -1, -1, -1, 1, -1, -1, -1]
    # 10 is far above the screened limits.
    assert r.loc[14, "special_cause"] == "outside_limits"
    assert r.loc[14, "point_type"] == "special_cause_improvement"


def test_without_screening_matches_nhsrplotthedots():
    r = xmr(with_outlier(), dates=DATES, screen_outliers=False)
    assert r["mean"].iloc[0] == pytest.approx(0.6694159, abs=1e-6)
    assert r["lpl"].iloc[0] == pytest.approx(-4.596625, abs=1e-6)
    assert r["upl"].iloc[0] == pytest.approx(5.935457, abs=1e-6)


def test_near_lines_are_two_thirds_of_the_way_to_the_limits():
    r = xmr(RNORM_123)
    mean, upl, nupl, nlpl = r.loc[0, ["mean", "upl", "near_upl", "near_lpl"]]
    assert nupl - mean == pytest.approx((upl - mean) * 2 / 3)
    assert mean - nlpl == pytest.approx((upl - mean) * 2 / 3)
    assert nupl == pytest.approx(2.243626, abs=1e-6)


def test_columns_and_input_order_kept_when_dates_are_shuffled():
    shuffled = list(reversed(range(20)))
    r = xmr([RNORM_123[i] for i in shuffled], dates=[DATES[i] for i in shuffled])
    assert list(r["value"]) == [RNORM_123[i] for i in shuffled]
    assert r["mean"].iloc[0] == pytest.approx(0.1416238, abs=1e-6)
    for col in ("value", "mean", "lpl", "upl", "near_lpl", "near_upl", "outside_limits", "special_cause",
                "point_type"):
        assert col in r.columns


# --- Shift: 7 points on one side of the mean -----------------------------------------------------------------

ALTERNATING = [1, -1] * 5


def test_shift_of_7_points_fires_and_6_does_not():
    run7 = ALTERNATING + [0.5] * 7 + [-1, 1, -1, -1, 1, -1, -1.5]  # sums to 0: mean exactly 0
    run6 = ALTERNATING + [0.5] * 6 + [-1, 1, -1, -1, 1, -1, -1]
    r7, r6 = xmr(run7), xmr(run6)
    assert r7.loc[0, "mean"] == 0 and r6.loc[0, "mean"] == 0
    assert list(r7["special_cause"].iloc[10:17]) == ["shift"] * 7
    assert r7["special_cause"].iloc[:10].isna().all() and r7["special_cause"].iloc[17:].isna().all()
    assert set(r7["point_type"].iloc[10:17]) == {"special_cause_improvement"}
    assert r6["special_cause"].isna().all()
    # The MDC preset's runs of 6 do catch it.
    assert list(xmr(run6, rules="mdc")["special_cause"].iloc[10:16]) == ["shift"] * 6
    # And the run length can be set either way.
    assert list(xmr(run6, run_length=6)["special_cause"].iloc[10:16]) == ["shift"] * 6


def test_a_point_on_the_mean_breaks_a_shift():
    broken = ALTERNATING + [0.5, 0.5, 0.5, 0.0, 0.5, 0.5, 0.5] + [-1, 1, -1, -1, 1, -1, -1]
    r = xmr(broken)
    assert r.loc[0, "mean"] == 0.0
    assert r.loc[13, "relative_to_mean"] == 0
    assert r["special_cause"].isna().all()


# --- Trend: 7 points each higher (or lower) than the one before ------------------------------------------------

ZIGZAG = [0, 1] * 5


def test_trend_of_7_fires_and_6_does_not():
    t7 = ZIGZAG + [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8] + [0, 1] * 3
    t6 = ZIGZAG + [0.2, 0.3, 0.4, 0.5, 0.6, 0.7] + [0, 1] * 3
    r7 = xmr(t7, improvement="decrease")
    assert list(r7["special_cause"].iloc[10:17]) == ["trend"] * 7
    assert r7.loc[9, "special_cause"] is None and r7.loc[17, "special_cause"] is None
    # A rising trend is a concern when lower is better, even for the points below the mean (NHSRplotthedots 0.2).
    assert r7.loc[10, "value"] < r7.loc[10, "mean"]
    assert set(r7["point_type"].iloc[10:17]) == {"special_cause_concern"}
    assert r7.loc[10, "special_cause_detail"] == "Rising trend of 7 or more points"
    assert xmr(t6)["special_cause"].isna().all()
    assert list(xmr(t6, rules="mdc")["special_cause"].iloc[10:16]) == ["trend"] * 6


def test_a_tie_breaks_a_trend():
    tied = ZIGZAG + [0.2, 0.3, 0.4, 0.4, 0.6, 0.7, 0.8] + [0, 1] * 3
    assert xmr(tied)["special_cause"].isna().all()


def test_falling_trend_is_an_improvement_when_lower_is_better():
    down = ZIGZAG + [0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2] + [1, 0] * 3
    r = xmr(down, improvement="decrease")
    # The 1.0 before 0.8 starts the fall too: 8 points.
    assert list(r["special_cause"].iloc[9:17]) == ["trend"] * 8
    assert set(r["point_type"].iloc[9:17]) == {"special_cause_improvement"}
    assert set(r["special_cause_direction"].iloc[9:17]) == {-1}


def test_trend_points_helper_edges():
    flag, direction = spc.trend_points(np.array([1, 2, 3, 4, 5, 6, 7], dtype=float))
    assert flag.all() and set(direction) == {1}
    flag, _ = spc.trend_points(np.array([1, 2, 3, 4, 5, 6], dtype=float))
    assert not flag.any()
    flag, _ = spc.trend_points(np.array([1, 2, 3, 3, 4, 5, 6], dtype=float))
    assert not flag.any()
    # NHSRplotthedots test: c(2, 1:7, 3) -> the 1..7 points only.
    flag, _ = spc.trend_points(np.array([2, 1, 2, 3, 4, 5, 6, 7, 3], dtype=float))
    assert list(flag) == [False, True, True, True, True, True, True, True, False]
    # A peak between a 7-point rise and a 7-point fall takes the fall's direction (the one that follows it).
    flag, direction = spc.trend_points(np.array([1, 2, 3, 4, 5, 6, 7, 6, 5, 4, 3, 2, 1], dtype=float))
    assert flag.all()
    assert direction[6] == -1 and direction[5] == 1 and direction[7] == -1


# --- Two of three close to a limit -----------------------------------------------------------------------------

SMALL = [0.1, -0.1] * 10


def test_two_of_three_near_the_upper_limit():
    r = xmr(SMALL + [0.5, 0.05, 0.55])
    nupl, upl = r.loc[0, "near_upl"], r.loc[0, "upl"]
    assert nupl < 0.5 < upl and nupl < 0.55 < upl and 0.05 < nupl
    assert list(r["special_cause"].iloc[20:]) == ["two_of_three", None, "two_of_three"]
    assert r.loc[20, "special_cause_detail"] == "2 of 3 points close to the upper limit"


def test_two_of_three_needs_all_three_on_one_side_of_the_mean_in_nhsr_but_not_mdc():
    y = SMALL + [0.5, -0.05, 0.55]
    r = xmr(y)
    assert r.loc[21, "value"] < r.loc[21, "mean"]
    assert r["special_cause"].isna().all()
    assert list(xmr(y, rules="mdc")["special_cause"].iloc[20:]) == ["two_of_three", None, "two_of_three"]


def test_a_point_beyond_the_limits_does_not_count_towards_two_of_three_in_nhsr_but_does_in_mdc():
    y = SMALL + [0.5, 0.05, 1.2]
    r = xmr(y)
    assert r.loc[20, "near_upl"] < 0.5 < r.loc[20, "upl"] < 1.2
    assert list(r["special_cause"].iloc[20:]) == [None, None, "outside_limits"]
    assert list(xmr(y, rules="mdc")["special_cause"].iloc[20:]) == ["two_of_three", None, "outside_limits"]


def test_outside_limits_takes_precedence_over_a_shift():
    y = ALTERNATING + [0.5] * 6 + [9.0] + [-1, 1, -1, -1, 1, -1, -1]
    r = xmr(y)
    assert r.loc[16, "special_cause"] == "outside_limits"
    assert list(r["special_cause"].iloc[10:16]) == ["shift"] * 6


# --- Direction, rebasing, fixing, short segments, missing values ------------------------------------------------

def test_neutral_direction_gives_neutral_special_causes():
    r = xmr(with_outlier(), improvement="neutral")
    assert r.loc[14, "point_type"] == "special_cause_neutral"
    s = summarise(r)
    assert s.assurance is None


def test_rebase_recalculates_limits_in_each_segment():
    y = [10, 12] * 10 + [20, 22] * 10
    dates = pd.date_range("2022-01-01", periods=40, freq="MS")
    whole = xmr(y, dates=dates)
    split = xmr(y, dates=dates, rebase_at=[pd.Timestamp("2023-08-15")])  # mid-month: next point starts it
    assert whole["segment"].nunique() == 1
    assert list(split["segment"].iloc[[18, 19, 20]]) == [0, 0, 1]  # 2023-07, 2023-08 in the first; 2023-09 starts
    assert split.loc[0, "mean"] == pytest.approx(11.0)
    assert split.loc[0, "upl"] == pytest.approx(11 + 2.66 * 2)
    assert split.loc[39, "mean"] == pytest.approx(21.0)
    assert split.loc[39, "lpl"] == pytest.approx(21 - 2.66 * 2)
    assert split["special_cause"].isna().all()
    assert whole["special_cause"].notna().all()  # one set of limits over both levels: every point is special
    # Positions work without dates.
    assert list(xmr(y, rebase_at=[20])["segment"].iloc[[19, 20]]) == [0, 1]


def test_fix_after_n_points_uses_only_the_first_n():
    y = [10, 12] * 6 + [30, 40, 30, 40]
    r = xmr(y, fix_after_n_points=12)
    assert r.loc[15, "mean"] == pytest.approx(11.0)
    assert r.loc[15, "upl"] == pytest.approx(11 + 2.66 * 2)
    assert r.loc[15, "special_cause"] == "outside_limits"
    with pytest.raises(StocktakeError, match="12 points or more"):
        xmr(y, fix_after_n_points=11)


def test_short_segment_flag_below_13_points():
    assert xmr(RNORM_123[:12])["short_segment"].all()
    assert not xmr(RNORM_123[:13])["short_segment"].any()
    mixed = xmr(RNORM_123, rebase_at=[15])
    assert list(mixed["short_segment"].iloc[[0, 15]]) == [False, True]


def test_mdc_preset_shows_no_limits_below_13_points():
    r = xmr(RNORM_123[:12], rules="mdc", target=0.0)
    assert r["lpl"].isna().all() and not r["mean"].isna().any()
    assert summarise(r).assurance is None
    assert not xmr(RNORM_123[:13], rules="mdc")["lpl"].isna().any()


def test_missing_values_stay_as_rows_and_are_left_out():
    y = list(RNORM_123)
    y.insert(5, None)
    r = xmr(y)
    assert len(r) == 21 and pd.isna(r.loc[5, "mean"]) and r.loc[5, "point_type"] is None
    assert r.loc[0, "mean"] == pytest.approx(0.1416238, abs=1e-6)


def test_bad_options_are_refused_in_words():
    with pytest.raises(StocktakeError, match="improvement direction"):
        xmr([1, 2, 3], improvement="up")
    with pytest.raises(StocktakeError, match="nhsr"):
        xmr([1, 2, 3], rules="western")
    with pytest.raises(StocktakeError, match="3 points"):
        xmr([1, 2, 3], trajectory=[1, 2])


# --- Summary: variation and assurance ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    "target, improvement, expected",
    [
        (4.0, "increase", "consistent_fail"),  # above upl 3.29 and higher is better
        (4.0, "decrease", "consistent_pass"),
        (-4.0, "increase", "consistent_pass"),  # below lpl -3.01
        (-4.0, "decrease", "consistent_fail"),
        (0.5, "increase", "inconsistent"),
        (0.5, "neutral", None),
        (None, "increase", None),
    ],
)
def test_assurance(target, improvement, expected):
    s = summarise(xmr(RNORM_123, dates=DATES, target=target, improvement=improvement))
    assert s.assurance == expected


def test_summary_figures_and_variation():
    s = summarise(xmr(RNORM_123, dates=DATES, target=1.0))
    assert s.variation == "common_cause" and s.variation_side is None
    assert s.points == 20 and s.latest_value == pytest.approx(-0.47279141)
    assert s.latest_date == pd.Timestamp("2020-01-21") and s.target == 1.0
    s2 = summarise(xmr(with_outlier()[:15]))
    assert s2.variation == "special_cause_improvement" and s2.variation_side == "high"


def test_reading_in_words():
    dates = pd.date_range("2022-04-01", periods=24, freq="MS")
    y = ALTERNATING + [0.5, 0.5, 0.5, 0.0] + [-1.5] * 3 + [-0.5] * 7
    r = xmr(y, dates=dates, improvement="decrease")
    text = reading(r, format_value=lambda v: f"{v:.2f}")
    assert text == "Special cause improvement since June 2023: 10 points below the mean."
    calm = reading(xmr(RNORM_123, dates=pd.date_range("2022-04-01", periods=20, freq="MS")),
                   format_value=lambda v: f"{v:.2f}")
    assert calm == ("Common cause variation since April 2022: no sign of change; the process averages 0.14 and will "
                    "vary between -3.01 and 3.29.")
    assert reading(xmr([1.0])) == "Not enough points to read: an SPC chart needs at least 2."
