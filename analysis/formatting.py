"""Numbers and periods written for people: 12,345; £1,234; 41.2%; 2024/25.

Pages and charts format through these so every figure in the app reads the same way.
"""

from __future__ import annotations

import math
from datetime import date, datetime

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


def financial_year_label(day: date | datetime | pd.Timestamp) -> str:
    """UK financial year (April to March) of a date: 2024-04-01 -> '2024/25', 2025-03-31 -> '2024/25'."""
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def format_month(day: date | datetime | pd.Timestamp) -> str:
    """2024-06-01 -> 'June 2024'."""
    return pd.Timestamp(day).strftime("%B %Y")
