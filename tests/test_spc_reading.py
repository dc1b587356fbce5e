"""analysis.spc.reading: assurance against the limits, the summary behind the MDC icons, and the sentence."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.spc import reading, xmr
from tests.spc_data import ALTERNATING, DATES, RNORM_123, with_outlier


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
    s = reading.summarise(xmr.xmr(RNORM_123, dates=DATES, target=target, improvement=improvement))
    assert s.assurance == expected

def test_summary_figures_and_variation():
    s = reading.summarise(xmr.xmr(RNORM_123, dates=DATES, target=1.0))
    assert s.variation == "common_cause" and s.variation_side is None
    assert s.points == 20 and s.latest_value == pytest.approx(-0.47279141)
    assert s.latest_date == pd.Timestamp("2020-01-21") and s.target == 1.0
    s2 = reading.summarise(xmr.xmr(with_outlier()[:15]))
    assert s2.variation == "special_cause_improvement" and s2.variation_side == "high"

def test_reading_in_words():
    dates = pd.date_range("2022-04-01", periods=24, freq="MS")
    y = ALTERNATING + [0.5, 0.5, 0.5, 0.0] + [-1.5] * 3 + [-0.5] * 7
    r = xmr.xmr(y, dates=dates, improvement="decrease")
    text = reading.reading(r, format_value=lambda v: f"{v:.2f}")
    assert text == "Special cause improvement since June 2023: 10 points below the mean."
    calm = reading.reading(xmr.xmr(RNORM_123, dates=pd.date_range("2022-04-01", periods=20, freq="MS")),
                   format_value=lambda v: f"{v:.2f}")
    assert calm == ("Common cause variation since April 2022: no sign of change; the process averages 0.14 and will "
                    "vary between -3.01 and 3.29.")
    assert reading.reading(xmr.xmr([1.0])) == "Not enough points to read: an SPC chart needs at least 2."

def test_neutral_direction_gives_neutral_special_causes():
    r = xmr.xmr(with_outlier(), improvement="neutral")
    assert r.loc[14, "point_type"] == "special_cause_neutral"
    s = reading.summarise(r)
    assert s.assurance is None


def test_a_calm_latest_point_does_not_hide_earlier_special_causes():
    """A chart whose latest point is common cause but with points outside the limits earlier in the same segment is
    not "no sign of change" (the LFB contacts' chart had two points above the upper limit and said so)."""
    dates = pd.date_range("2009-01-01", periods=20, freq="MS")
    y = [10.0, 11, 9, 10, 12, 9, 10, 30, 11, 9, 10, 11, 9, 10, 32, 10, 11, 9, 10, 11]
    text = reading.reading(xmr.xmr(y, dates=dates), format_value=lambda v: f"{v:.1f}")
    assert text == ("Common cause variation at the latest point; since January 2009, 2 points above the upper limit "
                    "(August 2009, March 2010) and 7 points in a run below the mean (the latest July 2009). The "
                    "process averages 12.2 and would vary between 8.3 and 16.1 if nothing changed.")
    many = [100.0, 101, 99, 100, 102, 99, 100, 101, 99, 100] * 4
    for i, v in ((5, 150), (15, 50), (22, 150), (30, 150), (33, 150), (36, 150)):
        many[i] = v
    text = reading.reading(xmr.xmr(many, dates=pd.date_range("2009-01-01", periods=40, freq="MS")),
                           format_value=lambda v: f"{v:.1f}")
    assert text.startswith("Common cause variation at the latest point; since January 2009, 5 points above the upper "
                           "limit (the latest January 2012), 1 point below the lower limit (April 2010) and 22 more "
                           "by other rules. "), text
