"""NHSRplotthedots' own test data, shared by the SPC tests: R's set.seed(123); rnorm(20)."""

from __future__ import annotations

import pandas as pd

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


# Series with no signal of their own, padded onto the runs and trends the rule tests build.
ALTERNATING = [1, -1] * 5
ZIGZAG = [0, 1] * 5
SMALL = [0.1, -0.1] * 10
