"""Periods written as text, as UK public data writes them: financial years, quarters, months and ISO weeks.

"2016-17", "2016/17", "FY 2016-17", "2019-20 Q1", "Q1 2019/20", "2019 Q1", "Apr 2019", "April 2019", "Apr-19",
"2019-04", "04/2019", "2019-W05". Each shape below is one regular expression with named parts; a value becomes the
first day of its period (financial years start on 1 April, so "2019-20 Q1" is 1 April 2019 and "2019-20 Q4" is
1 January 2020) and the column records its grain. The same shapes drive the Python parser (detection, tests) and the
SQL that converts every row inside DuckDB (:func:`period_sql`), so the two cannot disagree.

Grains use the vocabulary shared with ``analysis.periods``: "day", "week", "month", "quarter", "financial_year",
"year".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Sequence

DAY, WEEK, MONTH, QUARTER, FINANCIAL_YEAR, YEAR = "day", "week", "month", "quarter", "financial_year", "year"
GRAINS = (DAY, WEEK, MONTH, QUARTER, FINANCIAL_YEAR, YEAR)

# A financial year starts on 1 April (UK central and local government).
FINANCIAL_YEAR_START_MONTH = 4
# A period column needs this share of its filled values to be periods of one grain, as a date column does.
MIN_PERIOD_SHARE = 0.99

_MONTH_NAMES = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4, "may": 5,
    "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9,
    "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}
_MONTH = "(?P<month_name>" + "|".join(sorted(_MONTH_NAMES, key=len, reverse=True)) + ")"
_FY = r"(?:fy\s*)?(?P<year>(?:19|20)\d{2})\s*[-/]\s*(?P<next>\d{2}|(?:19|20)\d{2})"


@dataclass(frozen=True)
class PeriodShape:
    """One way of writing a period: a case-insensitive pattern over the trimmed value, and its grain."""

    name: str
    grain: str
    pattern: str


SHAPES: tuple[PeriodShape, ...] = (
    PeriodShape("financial_year", FINANCIAL_YEAR, rf"{_FY}"),
    PeriodShape("financial_quarter", QUARTER, rf"{_FY}\s*[-,]?\s*q(?P<quarter>[1-4])"),
    PeriodShape("quarter_of_financial_year", QUARTER, rf"q(?P<quarter>[1-4])\s*[-,]?\s*{_FY}"),
    PeriodShape("calendar_quarter", QUARTER, r"(?P<year>(?:19|20)\d{2})\s*[-/ ]?\s*q(?P<quarter>[1-4])"),
    PeriodShape("quarter_of_year", QUARTER, r"q(?P<quarter>[1-4])\s*[-/ ]?\s*(?P<year>(?:19|20)\d{2})"),
    PeriodShape("month_name_year", MONTH, rf"{_MONTH}\.?[\s\-/]*(?P<year>(?:19|20)\d{{2}})"),
    PeriodShape("month_name_short_year", MONTH, rf"{_MONTH}\.?[\s\-/]*(?P<short_year>\d{{2}})"),
    PeriodShape("year_month_name", MONTH, rf"(?P<year>(?:19|20)\d{{2}})[\s\-/]*{_MONTH}"),
    PeriodShape("year_month", MONTH, r"(?P<year>(?:19|20)\d{2})[-/](?P<month>0?[1-9]|1[0-2])"),
    PeriodShape("month_year", MONTH, r"(?P<month>0?[1-9]|1[0-2])[-/](?P<year>(?:19|20)\d{2})"),
    PeriodShape("iso_week", WEEK, r"(?P<year>(?:19|20)\d{2})-?w(?P<week>0?[1-9]|[1-4]\d|5[0-3])"),
)
_COMPILED = [(shape, re.compile(shape.pattern, re.IGNORECASE)) for shape in SHAPES]


def _full_year(short: str) -> int:
    # Two-digit years in public data are this century's unless they would be far in the future.
    value = int(short)
    return 2000 + value if value < 70 else 1900 + value


def _first_day(shape: PeriodShape, parts: dict[str, str | None]) -> date | None:
    year = int(parts["year"]) if parts.get("year") else _full_year(parts["short_year"] or "0")
    if shape.grain == FINANCIAL_YEAR or shape.name in ("financial_quarter", "quarter_of_financial_year"):
        following = parts["next"] or ""
        # "2016-17" and "2016/2017" name one financial year; "2016-18" is not a period.
        if int(following) != (year + 1) % (100 if len(following) == 2 else 10_000):
            return None
        if shape.grain == FINANCIAL_YEAR:
            return date(year, FINANCIAL_YEAR_START_MONTH, 1)
        month = FINANCIAL_YEAR_START_MONTH + 3 * (int(parts["quarter"]) - 1)
        return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)
    if shape.grain == QUARTER:
        return date(year, 1 + 3 * (int(parts["quarter"]) - 1), 1)
    if shape.grain == MONTH:
        month = int(parts["month"]) if parts.get("month") else _MONTH_NAMES[parts["month_name"].lower()]
        return date(year, month, 1)
    if shape.grain == WEEK:
        week = int(parts["week"])
        try:
            return date.fromisocalendar(year, week, 1)
        except ValueError:
            return None
    return None


def _parses(value: str) -> list[tuple[date, str, str]]:
    """Every reading of one value: (first day, grain, shape name) for each shape it fits, in ``SHAPES`` order."""
    text = value.strip()
    readings = []
    for shape, compiled in _COMPILED:
        match = compiled.fullmatch(text)
        if match:
            first = _first_day(shape, match.groupdict())
            if first is not None:
                readings.append((first, shape.grain, shape.name))
    return readings


def parse_period(value: str | None, grain: str | None = None) -> tuple[date, str, str] | None:
    """(first day, grain, shape name) of a period written as text, or None when the value is not one.

    A few values read two ways ("2011-12" is the financial year 2011-12 or December 2011); ``grain`` picks the
    reading, otherwise the first shape in ``SHAPES`` wins.
    """
    if value is None:
        return None
    readings = [r for r in _parses(value) if grain is None or r[1] == grain]
    return readings[0] if readings else None


def detect_period_shapes(values: Sequence[str]) -> tuple[str, list[str]] | None:
    """(grain, shape names) when at least ``MIN_PERIOD_SHARE`` of the distinct filled values are periods of one
    grain.

    Each value counts for every grain it can be read as, so December 2011 written "2011-12" does not stop a column
    of months being months. A column of other text is given up on as soon as too many values are not periods.
    """
    distinct = list(dict.fromkeys(v.strip() for v in values if v is not None and v.strip()))
    if not distinct:
        return None
    allowed_misses = int(len(distinct) * (1 - MIN_PERIOD_SHARE))
    shapes_by_grain: dict[str, set[str]] = {}
    counts: dict[str, int] = {}
    misses = 0
    for value in distinct:
        readings = _parses(value)
        if not readings:
            misses += 1
            if misses > allowed_misses:
                return None
        for grain in {g for _, g, _ in readings}:
            counts[grain] = counts.get(grain, 0) + 1
        for _, grain, shape in readings:
            shapes_by_grain.setdefault(grain, set()).add(shape)
    if not counts:
        return None
    order = [shape.name for shape in SHAPES]
    grain = max(counts, key=lambda g: (counts[g], -min(order.index(s) for s in shapes_by_grain[g])))
    if counts[grain] < len(distinct) * MIN_PERIOD_SHARE:
        return None
    return grain, sorted(shapes_by_grain[grain], key=order.index)


def _sql_year(shape: PeriodShape, parts: str) -> str:
    if "short_year" in shape.pattern:
        short = f"CAST({parts}['short_year'] AS INTEGER)"
        return f"(CASE WHEN {short} < 70 THEN 2000 + {short} ELSE 1900 + {short} END)"
    return f"CAST({parts}['year'] AS INTEGER)"


def _sql_month_name(parts: str) -> str:
    names = ", ".join(f"'{name}': {number}" for name, number in _MONTH_NAMES.items())
    return f"MAP {{{names}}}[lower({parts}['month_name'])]"


def _sql_first_day(shape: PeriodShape, parts: str) -> str:
    year = _sql_year(shape, parts)
    if shape.grain in (FINANCIAL_YEAR,) or shape.name in ("financial_quarter", "quarter_of_financial_year"):
        following = f"{parts}['next']"
        consecutive = (f"(CAST({following} AS INTEGER) = ({year} + 1) % "
                       f"(CASE WHEN length({following}) = 2 THEN 100 ELSE 10000 END))")
        if shape.grain == FINANCIAL_YEAR:
            first = f"make_date({year}, {FINANCIAL_YEAR_START_MONTH}, 1)"
        else:
            month = f"({FINANCIAL_YEAR_START_MONTH} + 3 * (CAST({parts}['quarter'] AS INTEGER) - 1))"
            first = f"make_date({year} + ({month} - 1) // 12, ({month} - 1) % 12 + 1, 1)"
        return f"(CASE WHEN {consecutive} THEN {first} END)"
    if shape.grain == QUARTER:
        return f"make_date({year}, 1 + 3 * (CAST({parts}['quarter'] AS INTEGER) - 1), 1)"
    if shape.grain == MONTH:
        month = f"CAST({parts}['month'] AS INTEGER)" if "(?P<month>" in shape.pattern else _sql_month_name(parts)
        return f"make_date({year}, {month}, 1)"
    # ISO week: the Monday of week 1 is the Monday on or before 4 January.
    jan4 = f"make_date({year}, 1, 4)"
    return (f"CAST({jan4} - INTERVAL (isodow({jan4}) - 1) DAY "
            f"+ INTERVAL (7 * (CAST({parts}['week'] AS INTEGER) - 1)) DAY AS DATE)")


def _duckdb_pattern(shape: PeriodShape) -> str:
    # DuckDB's RE2 names groups (?P<name>…) as Python does; (?i) makes the match case-insensitive.
    return "(?i)^(?:" + shape.pattern + ")$"


def period_sql(value_sql: str, shape_names: Sequence[str]) -> str:
    """SQL turning the trimmed text ``value_sql`` into the DATE of its period's first day (NULL when it is not one
    of ``shape_names``). Only fixed patterns from this module go into the SQL."""
    cases = []
    for shape in SHAPES:
        if shape.name not in shape_names:
            continue
        pattern = _duckdb_pattern(shape).replace("'", "''")
        groups = re.findall(r"\(\?P<(\w+)>", shape.pattern)
        group_list = ", ".join(f"'{g}'" for g in dict.fromkeys(groups))
        parts = f"regexp_extract({value_sql}, '{pattern}', [{group_list}])"
        cases.append(f"CASE WHEN regexp_full_match({value_sql}, '{pattern}') THEN {_sql_first_day(shape, parts)} END")
    if not cases:
        return "CAST(NULL AS DATE)"
    # The first shape that gives a day, as parse_period takes the first reading ('2019-04' fits the financial-year
    # pattern but is not a financial year).
    return cases[0] if len(cases) == 1 else f"coalesce({', '.join(cases)})"


def period_label(first_day: date, grain: str) -> str:
    """How a period is written back for people: '2016-17', 'Q1 2019-20', 'Apr 2019', 'w/c 04/02/2019'."""
    if grain == FINANCIAL_YEAR:
        return f"{first_day.year}-{(first_day.year + 1) % 100:02d}"
    if grain == QUARTER:
        fy = first_day.year if first_day.month >= FINANCIAL_YEAR_START_MONTH else first_day.year - 1
        quarter = ((first_day.month - FINANCIAL_YEAR_START_MONTH) % 12) // 3 + 1
        return f"Q{quarter} {fy}-{(fy + 1) % 100:02d}"
    if grain == MONTH:
        return first_day.strftime("%b %Y")
    if grain == WEEK:
        return "w/c " + first_day.strftime("%d/%m/%Y")
    if grain == YEAR:
        return str(first_day.year)
    return first_day.strftime("%d/%m/%Y")

