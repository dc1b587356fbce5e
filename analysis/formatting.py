"""Numbers written for people: 12,345; £1,234; 41.2%; +5.0%. (Periods are written by ``analysis.periods``.)

Pages and charts format through these so every figure in the app reads the same way.
"""

from __future__ import annotations

import math
import re
import sys


def _missing(value) -> bool:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    # pandas' missing values exist only once pandas is imported; not importing it here spares the command line's
    # load half a second.
    pd = sys.modules.get("pandas")
    return pd is not None and (value is pd.NA or value is pd.NaT)


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


_NUMBER = re.compile(r"(?P<sign>[+-]?)(?P<pound>£?)(?P<digits>\d[\d,]*(?:\.\d+)?)(?P<rest>.*)", re.DOTALL)


def compact(text: str) -> str:
    """A formatted figure shortened as a person says it, for a headline on a projected screen: '£5,234,567' ->
    '£5.2m', '-£523,400' -> '-£523k', '91.87%' -> '91.9%', '1,234,567 FTE' -> '1.2m FTE'. Up to 99,999 a number is
    left as written ('70,166'): it reads in full. Text that does not start with a number is returned as it is."""
    found = _NUMBER.fullmatch(text.strip()) if isinstance(text, str) else None
    if not found or any(ch.isdigit() for ch in found["rest"]):
        return text
    value = float(found["digits"].replace(",", ""))
    rest = found["rest"]
    if rest.startswith("%") and "." in found["digits"]:
        digits = f"{value:,.1f}"
    elif value >= 999_950_000:
        digits = f"{value / 1e9:.1f}".removesuffix(".0") + "bn"
    elif value >= 999_500:
        digits = f"{value / 1e6:.1f}".removesuffix(".0") + "m"
    elif value >= 100_000:
        digits = f"{value / 1e3:.0f}k"
    else:
        return text
    return f"{found['sign']}{found['pound']}{digits}{rest}"
