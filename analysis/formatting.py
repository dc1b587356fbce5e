"""Numbers written for people: 12,345; £1,234; 41.2%; +5.0%. (Periods are written by ``analysis.periods``.)

Pages and charts format through these so every figure in the app reads the same way.
"""

from __future__ import annotations

import math

import pandas as pd


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT


def format_count(value, decimals: int = 0) -> str:
    """12345 -> '12,345'; a missing value -> '–'."""
    if _missing(value):
        return "–"
    return f"{value:,.{decimals}f}"


def format_money(value, decimals: int = 0) -> str:
    """1234.5 -> '£1,235'; -1234 -> '-£1,234'; decimals=2 for unit costs ('£2.83')."""
    if _missing(value):
        return "–"
    sign = "-" if value < 0 else ""
    return f"{sign}£{abs(value):,.{decimals}f}"


def format_percent(fraction, decimals: int = 1) -> str:
    """A fraction as a percentage: 0.412 -> '41.2%'."""
    if _missing(fraction):
        return "–"
    return f"{fraction * 100:,.{decimals}f}%"


def format_signed_percent(fraction, decimals: int = 1) -> str:
    """A change as a signed percentage: 0.05 -> '+5.0%'."""
    if _missing(fraction):
        return "–"
    return f"{fraction * 100:+,.{decimals}f}%"
