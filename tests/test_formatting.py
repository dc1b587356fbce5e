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


@pytest.mark.parametrize("text, expected", [
    ("£5,234,567", "£5.2m"), ("-£523,400", "-£523k"), ("£1,000,000", "£1m"), ("£12,345,678", "£12.3m"),
    ("1,234,567,890", "1.2bn"), ("999,999", "1m"), ("91.87%", "91.9%"), ("91.9%", "91.9%"), ("+5.0%", "+5.0%"),
    ("70,166", "70,166"), ("£99,999", "£99,999"), ("£2.83", "£2.83"), ("1.6 FTE", "1.6 FTE"),
    ("1,234,567 FTE", "1.2m FTE"), ("–", "–"), ("4 of 6", "4 of 6"), ("1,234,567 of 2,000,000", "1,234,567 of 2,000,000"),
    ("MASE 1.2", "MASE 1.2"),
])
def test_compact_shortens_a_figure_as_a_person_says_it(text, expected):
    assert formatting.compact(text) == expected
