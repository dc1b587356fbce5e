"""analysis.formatting: numbers as people read them (table-driven)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis import formatting


@pytest.mark.parametrize(
    "function, value, expected",
    [
        (formatting.format_count, 12345, "12,345"),
        (formatting.format_count, 1234.56, "1,235"),
        (formatting.format_money, 1234.5, "£1,234"),  # Python rounds half to even: 1,234.5 -> 1,234
        (formatting.format_money, -1234, "-£1,234"),
        (formatting.format_percent, 0.412, "41.2%"),
        (formatting.format_signed_percent, 0.05, "+5.0%"),
        (formatting.format_signed_percent, -0.125, "-12.5%"),
        (formatting.format_count, None, "–"),
        (formatting.format_money, math.nan, "–"),
        (formatting.format_percent, pd.NA, "–"),
    ],
)
def test_formats(function, value, expected):
    assert function(value) == expected


def test_decimals():
    assert formatting.format_money(2.834, 2) == "£2.83"
    assert formatting.format_count(1234.56, 1) == "1,234.6"
    assert formatting.format_percent(0.41234, 2) == "41.23%"
