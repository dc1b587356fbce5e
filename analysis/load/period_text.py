"""Periods written as text, as UK public data writes them: financial years, academic years, quarters, months, ISO
weeks, and multi-year spans.

"2016-17", "2016/17", "FY 2016-17", "AY 2016/17", "2019-20 Q1", "Q1 2019/20", "2019 Q1", "Apr 2019", "April 2019",
"Apr-19", "Jul-16", "2019-04", "2019/04", "04/2019", "201607" (Public Health Scotland and much NHS data, as text or a
whole number), "2016M07" (ONS), "2019-W05". Each shape below is one regular expression with named parts; a value
becomes the first day of its period (financial years start on 1 April, so "2019-20 Q1" is 1 April 2019 and "2019-20
Q4" is 1 January 2020; academic years on 1 September) and the column records its grain. The same shapes drive the
Python parser (detection, tests) and the SQL that converts every row inside DuckDB (:func:`period_sql`), so the two
cannot disagree.

A multi-year span ("2010-14", "2012/13 to 2014/15": a figure over several years, as benchmarking files publish beside
single years) is not a period of any grain: :func:`parse_span` reads it, :func:`span_sql` finds it in SQL, and a
column of single years with a few spans keeps its grain while the loader sets the spans apart (see
:func:`detect_periods`). A span is never put on one time axis with single years.

Grains use the vocabulary shared with ``analysis.periods``: "day", "week", "month", "quarter", "financial_year",
"academic_year", "year".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Mapping, Sequence

DAY, WEEK, MONTH, QUARTER, FINANCIAL_YEAR, YEAR = "day", "week", "month", "quarter", "financial_year", "year"
ACADEMIC_YEAR = "academic_year"
GRAINS = (DAY, WEEK, MONTH, QUARTER, FINANCIAL_YEAR, YEAR, ACADEMIC_YEAR)
# The grain recorded for a column of multi-year spans set apart from a period column (never a period grain).
SPAN = "span"

# A financial year starts on 1 April (UK central and local government); an academic year on 1 September.
FINANCIAL_YEAR_START_MONTH = 4
ACADEMIC_YEAR_START_MONTH = 9
# Header words that say a column's "2016/17" values are academic years, not financial years.
ACADEMIC_HEADER = re.compile(r"academic|school\s*year|\bay\b", re.IGNORECASE)
# A period column needs this share of its filled values to be periods of one grain, as a date column does.
MIN_PERIOD_SHARE = 0.99

_MONTH_NAMES = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4, "may": 5,
    "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9,
    "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}
_MONTH = "(?P<month_name>" + "|".join(sorted(_MONTH_NAMES, key=len, reverse=True)) + ")"
_FY = r"(?:fy\s*)?(?P<year>(?:19|20)\d{2})\s*[-/]\s*(?P<next>\d{2}|(?:19|20)\d{2})"
_AY = r"(?P<year>(?:19|20)\d{2})\s*[-/]\s*(?P<next>\d{2}|(?:19|20)\d{2})"


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
    # 201607: Public Health Scotland and NHS extracts, as text or as a whole number.
    PeriodShape("year_month_compact", MONTH, r"(?P<year>(?:19|20)\d{2})(?P<month>0[1-9]|1[0-2])"),
    # 2016M07: ONS time series.
    PeriodShape("year_m_month", MONTH, r"(?P<year>(?:19|20)\d{2})\s*m\s*(?P<month>0?[1-9]|1[0-2])"),
    PeriodShape("iso_week", WEEK, r"(?P<year>(?:19|20)\d{2})-?w(?P<week>0?[1-9]|[1-4]\d|5[0-3])"),
    # Academic years: said so ("AY 2016/17"), or written as financial years are in a column whose header says so.
    PeriodShape("academic_year", ACADEMIC_YEAR, rf"(?:ay|academic\s*year)\s*{_AY}"),
    PeriodShape("academic_year_plain", ACADEMIC_YEAR, _AY),
    # A plain year: only where the file says the values are years (the headers of a table with one column per year);
    # a column of 2019, 2020 is otherwise a column of numbers.
    PeriodShape("calendar_year", YEAR, r"(?P<year>(?:19|20)\d{2})"),
)
EXPLICIT_ONLY = {"calendar_year"}
_COMPILED = [(shape, re.compile(shape.pattern, re.IGNORECASE)) for shape in SHAPES]

# A span longer than this is not one (a pair of years written that way is something else).
MAX_SPAN_YEARS = 10
# Multi-year spans: '2010-14' (financial years 2010-11 to 2013-14, as LGBF writes them), '2009/2012', and
# '2012/13 to 2014/15'.
_SPAN_PATTERN = r"(?P<year>(?:19|20)\d{2})\s*[-/–]\s*(?P<end>\d{2}|(?:19|20)\d{2})"
_SPAN_TO_PATTERN = (r"(?:fy\s*)?(?P<year>(?:19|20)\d{2})\s*[-/]\s*\d{2,4}\s*(?:to|-|–)\s*"
                    r"(?:fy\s*)?(?P<last>(?:19|20)\d{2})\s*[-/]\s*\d{2,4}")
_SPAN = re.compile(_SPAN_PATTERN, re.IGNORECASE)
_SPAN_TO = re.compile(_SPAN_TO_PATTERN, re.IGNORECASE)


def _full_year(short: str) -> int:
    # Two-digit years in public data are this century's unless they would be far in the future.
    value = int(short)
    return 2000 + value if value < 70 else 1900 + value


def _first_day(shape: PeriodShape, parts: dict[str, str | None]) -> date | None:
    year = int(parts["year"]) if parts.get("year") else _full_year(parts["short_year"] or "0")
    if shape.grain in (FINANCIAL_YEAR, ACADEMIC_YEAR) or shape.name in ("financial_quarter",
                                                                          "quarter_of_financial_year"):
        following = parts["next"] or ""
        # "2016-17" and "2016/2017" name one financial year; "2016-18" is not a period (it is a span).
        if int(following) != (year + 1) % (100 if len(following) == 2 else 10_000):
            return None
        if shape.grain == FINANCIAL_YEAR:
            return date(year, FINANCIAL_YEAR_START_MONTH, 1)
        if shape.grain == ACADEMIC_YEAR:
            return date(year, ACADEMIC_YEAR_START_MONTH, 1)
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
        if shape.name in EXPLICIT_ONLY:
            continue
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


@dataclass(frozen=True)
class PeriodColumn:
    """What a column of text holds when it holds periods: the grain, how its periods are written, and the multi-year
    spans among them (set apart by the loader: ``spans`` distinct values, such as ``span_examples``)."""

    grain: str
    shapes: list[str]
    spans: int = 0
    span_examples: tuple[str, ...] = ()


def _span_years(value: str) -> tuple[int, int] | None:
    text = value.strip()
    match = _SPAN_TO.fullmatch(text)
    if match:
        first, last = int(match["year"]), int(match["last"])
        return (first, last + 1) if first < last < first + MAX_SPAN_YEARS else None
    match = _SPAN.fullmatch(text)
    if not match:
        return None
    first, end_text = int(match["year"]), match["end"]
    end = int(end_text) if len(end_text) == 4 else (first // 100) * 100 + int(end_text)
    if len(end_text) == 2 and end < first:
        end += 100
    # '2016-17' is one year (a financial or academic year); a span runs over two or more, and no more than
    # MAX_SPAN_YEARS ('2016-07' is July 2016, not 2016 to 2107).
    return (first, end) if first + 1 < end <= first + MAX_SPAN_YEARS else None


def parse_span(value: str | None) -> tuple[int, int] | None:
    """(first year, year it ends) of a multi-year span: '2010-14' -> (2010, 2014), '2012/13 to 2014/15' ->
    (2012, 2015); None when the value is not one ('2016-17' is a single year)."""
    return None if value is None else _span_years(value)


def span_first_day(value: str, grain: str = FINANCIAL_YEAR) -> date | None:
    """The first day of a span, in the years of the column it sits in (1 April for financial years)."""
    years = parse_span(value)
    if years is None:
        return None
    month = {FINANCIAL_YEAR: FINANCIAL_YEAR_START_MONTH, ACADEMIC_YEAR: ACADEMIC_YEAR_START_MONTH}.get(grain, 1)
    return date(years[0], month, 1)


def detect_periods(values: Sequence[str], counts: Mapping[str, int] | None = None,
                   header: str | None = None) -> PeriodColumn | None:
    """The periods a column of text holds, or None when it does not hold periods.

    At least ``MIN_PERIOD_SHARE`` of the distinct filled values must be periods of one grain, or multi-year spans
    when the column is mostly (by rows, ``counts``; else by distinct values) single periods of that grain: LGBF's
    ``Year`` holds 31,562 rows of financial years and 3,904 of spans such as '2010-14'. Each value counts for every
    grain it can be read as, so December 2011 written "2011-12" does not stop a column of months being months; a
    header naming academic years ('Academic year') reads '2016/17' as an academic year. A column of other text is
    given up on as soon as too many values are not periods.
    """
    distinct = list(dict.fromkeys(v.strip() for v in values if v is not None and v.strip()))
    if not distinct:
        return None
    weight = {v: 1 for v in distinct}
    if counts:
        weight = {v: 0 for v in distinct}
        for value, n in counts.items():
            if value is not None and value.strip() in weight:
                weight[value.strip()] += n
    academic = bool(header and ACADEMIC_HEADER.search(header))
    allowed_misses = int(len(distinct) * (1 - MIN_PERIOD_SHARE))
    shapes_by_grain: dict[str, set[str]] = {}
    grains_of: dict[str, set[str]] = {}
    spans: list[str] = []
    misses = 0
    for value in distinct:
        readings = _parses(value)
        if not academic:
            readings = [r for r in readings if r[2] != "academic_year_plain"]
        span = _span_years(value) is not None
        if span:
            spans.append(value)
        if not readings and not span:
            misses += 1
            if misses > allowed_misses:
                return None
        grains_of[value] = {g for _, g, _ in readings}
        for _, grain, shape in readings:
            shapes_by_grain.setdefault(grain, set()).add(shape)
    if not shapes_by_grain:
        return None
    order = [shape.name for shape in SHAPES]
    preference = [ACADEMIC_YEAR, FINANCIAL_YEAR] if academic else [FINANCIAL_YEAR, ACADEMIC_YEAR]

    def standing(grain: str) -> tuple:
        covered = [v for v in distinct if grain in grains_of[v]]
        set_apart = [v for v in spans if grain not in grains_of[v]]
        rows_in, rows_apart = sum(weight[v] for v in covered), sum(weight[v] for v in set_apart)
        # Spans count only beside a column of years that is mostly this grain, by rows.
        yearly = grain in (FINANCIAL_YEAR, ACADEMIC_YEAR, YEAR)
        usable = len(covered) + (len(set_apart) if yearly and rows_in >= rows_apart else 0)
        rank = preference.index(grain) if grain in preference else -1
        return usable, len(covered), -rank, -min(order.index(s) for s in shapes_by_grain[grain])

    grain = max(shapes_by_grain, key=standing)
    usable, covered, _, _ = standing(grain)
    if usable < len(distinct) * MIN_PERIOD_SHARE:
        return None
    apart = [v for v in spans if grain not in grains_of[v]] if covered < usable else []
    shapes = sorted(shapes_by_grain[grain], key=order.index)
    return PeriodColumn(grain, shapes, len(apart), tuple(apart[:3]))


def detect_period_shapes(values: Sequence[str]) -> tuple[str, list[str]] | None:
    """(grain, shape names) when at least ``MIN_PERIOD_SHARE`` of the distinct filled values are periods of one
    grain, with no spans among them (:func:`detect_periods` says more)."""
    found = detect_periods(values)
    if found is None or found.spans:
        return None
    return found.grain, found.shapes


# A plain year as a header ('2019'): published tables put years in columns; a value of 2019 is a number, not a period.
_HEADER_YEAR = re.compile(r"(?P<year>(?:19|20)\d{2})")


def parse_header_period(header: str) -> tuple[date, str] | None:
    """(first day, grain) of a column header that names a period ('2012-13', 'Q1 2019/20', 'Apr 2019', '2019'), as
    published tables with one column per period write them; None otherwise."""
    text = str(header or "").strip()
    match = _HEADER_YEAR.fullmatch(text)
    if match:
        return date(int(match["year"]), 1, 1), YEAR
    parsed = parse_period(text)
    return None if parsed is None else (parsed[0], parsed[1])


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
    if shape.grain in (FINANCIAL_YEAR, ACADEMIC_YEAR) or shape.name in ("financial_quarter",
                                                                          "quarter_of_financial_year"):
        following = f"{parts}['next']"
        consecutive = (f"(CAST({following} AS INTEGER) = ({year} + 1) % "
                       f"(CASE WHEN length({following}) = 2 THEN 100 ELSE 10000 END))")
        if shape.grain == FINANCIAL_YEAR:
            first = f"make_date({year}, {FINANCIAL_YEAR_START_MONTH}, 1)"
        elif shape.grain == ACADEMIC_YEAR:
            first = f"make_date({year}, {ACADEMIC_YEAR_START_MONTH}, 1)"
        else:
            month = f"({FINANCIAL_YEAR_START_MONTH} + 3 * (CAST({parts}['quarter'] AS INTEGER) - 1))"
            first = f"make_date({year} + ({month} - 1) // 12, ({month} - 1) % 12 + 1, 1)"
        return f"(CASE WHEN {consecutive} THEN {first} END)"
    if shape.grain == QUARTER:
        return f"make_date({year}, 1 + 3 * (CAST({parts}['quarter'] AS INTEGER) - 1), 1)"
    if shape.grain == YEAR:
        return f"make_date({year}, 1, 1)"
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


def span_sql(value_sql: str) -> str:
    """SQL that is true where the trimmed text ``value_sql`` is a multi-year span (as :func:`parse_span` reads it)."""
    to = "(?i)^(?:" + _SPAN_TO_PATTERN + ")$"
    plain = "(?i)^(?:" + _SPAN_PATTERN + ")$"
    to_parts = f"regexp_extract({value_sql}, '{to}', ['year', 'last'])"
    parts = f"regexp_extract({value_sql}, '{plain}', ['year', 'end'])"
    first, end = f"CAST({parts}['year'] AS INTEGER)", f"{parts}['end']"
    end_year = (f"(CASE WHEN length({end}) = 4 THEN CAST({end} AS INTEGER) ELSE {first} // 100 * 100 + "
                f"CAST({end} AS INTEGER) + CASE WHEN {first} // 100 * 100 + CAST({end} AS INTEGER) < {first} "
                "THEN 100 ELSE 0 END END)")
    to_first, to_last = f"CAST({to_parts}['year'] AS INTEGER)", f"CAST({to_parts}['last'] AS INTEGER)"
    return (f"(CASE WHEN regexp_full_match({value_sql}, '{to}') THEN "
            f"{to_last} > {to_first} AND {to_last} < {to_first} + {MAX_SPAN_YEARS} "
            f"WHEN regexp_full_match({value_sql}, '{plain}') THEN {end_year} > {first} + 1 "
            f"AND {end_year} <= {first} + {MAX_SPAN_YEARS} ELSE false END)")


def period_label(first_day: date, grain: str) -> str:
    """How a period is written back for people: '2016-17', 'AY 2016/17', 'Q1 2019-20', 'Apr 2019',
    'w/c 04/02/2019'."""
    if grain == FINANCIAL_YEAR:
        return f"{first_day.year}-{(first_day.year + 1) % 100:02d}"
    if grain == ACADEMIC_YEAR:
        return f"AY {first_day.year}/{(first_day.year + 1) % 100:02d}"
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

