"""Deciding what a column of text holds: numbers, dates (and which way round), periods, or text.

Pure Python on a sample of a column's values: the loader then converts and checks every row inside DuckDB. The rules
are written for council exports: '£1,234.50', '(1,234)' and '1,234.56 CR' are numbers, '007' is a code, 31/12/2017 settles that
dates are day-first, '2016-17' is a financial year, and a column of '00:00:00' holds no dates at all.

:class:`ColumnProfile` is what the loader knows about one column, from detection to the load report.
"""

from __future__ import annotations

import re as _re  # short alias: the patterns below use it a lot
from collections import Counter
from dataclasses import dataclass, field
from typing import Sequence

from analysis.load import period_text

TEXT, NUMBER, INTEGER, DATE, TIMESTAMP = "text", "number", "integer", "date", "timestamp"
COLUMN_TYPES = (TEXT, NUMBER, INTEGER, DATE, TIMESTAMP)
DAY_FIRST, MONTH_FIRST = "day-first", "month-first"

# Written in spreadsheets for "no value"; read as blank in number and date columns.
NULL_TOKENS = ("", "n/a", "na", "null", "none", "-", "--", "#n/a", "nan", "nil",
               # How published statistics mark a figure not available, suppressed or not applicable (ONS, PHS, NHS).
               "..", ":", "x", "[c]", "[x]", "[z]", "[u]", "[w]", "[low]", "*")
# Distinct values a file's types are decided on, shared among its columns (at least 50 each, at most 500), evenly
# spread over those sampled.
DETECT_VALUES = 200_000
# A column is given a number or date type when at most this share of its filled values fail to convert; the
# failures are then rejected rows, each with its reason. More failures than that and the column stays text.
MAX_FAILURE_SHARE = 0.01

TYPE_WORDS = {TEXT: "text", NUMBER: "a number", INTEGER: "a whole number", DATE: "a date",
              TIMESTAMP: "a date and time"}

# Used when a user forces a text column to be a date: try every common shape.
ALL_DATE_FORMATS = [
    "%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S",
    "{A}/{B}/%Y", "{A}/{B}/%Y %H:%M", "{A}/{B}/%Y %H:%M:%S", "{A}/{B}/%y", "{A}-{B}-%Y", "{A}.{B}.%Y",
    "{A}/{B}/%Y %I:%M %p", "{A}/{B}/%Y %I:%M:%S %p", "%d %b %Y", "%d-%b-%Y", "%d %B %Y",
]

# Excel stores dates as days since 30 December 1899; these bound 1950-01-01 .. 2100-01-01, so that a column of
# serial numbers whose header says it holds dates can be read as dates without mistaking counts for them.
EXCEL_SERIAL_MIN, EXCEL_SERIAL_MAX = 18_264, 73_051

_NUMBER = _re.compile(r"^\(?[-+]?\(?£?[-+]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?\)?(\s?[CcDd][Rr])?$")
_CREDIT_MARK = _re.compile(r"\s?[CcDd][Rr]$")  # '1,234.56 CR' is a credit (negative), '1,234.56 DR' a debit
_NUMBER_DECIMAL_COMMA = _re.compile(r"^\(?[-+]?\(?[£€]?[-+]?(\d{1,3}(\.\d{3})+|\d+)?(,\d+)?\)?$")
_INTEGER_TEXT = _re.compile(r"^[-+]?\d+$")
_ISO = _re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?$")
_NUMERIC_DATE = _re.compile(
    r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s?([AaPp][Mm]))?)?$"
)
_NAMED_MONTH_DATE = _re.compile(r"^(\d{1,2})([ -])([A-Za-z]{3,9})\2(\d{4}|\d{2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_TIME_ONLY = _re.compile(r"^\d{1,2}:\d{2}(:\d{2})?(\.\d+)?(\s?[AaPp][Mm])?$")


@dataclass
class ColumnProfile:
    """What was found in one column of a file, from the sample's decision to the counts over every row."""

    name: str
    detected_type: str
    type: str
    role: str | None = None
    non_blank: int = 0
    blank: int = 0
    failures: int = 0
    failure_examples: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    date_formats: list[str] = field(default_factory=list)
    case_variants: list[list[tuple[str, int]]] = field(default_factory=list)  # groups of (spelling, count)
    notes: list[str] = field(default_factory=list)
    source_type: str = "VARCHAR"  # DuckDB type as the file gives it (Parquet columns arrive typed)
    grain: str | None = None  # a period column's grain (period_text vocabulary)
    period_shapes: list[str] = field(default_factory=list)  # how its periods are written (period_text.SHAPES)
    decimal_comma: bool = False  # numbers written 1.234,56 (European exports)
    excel_serial: bool = False  # dates stored as Excel day numbers
    padded: bool = False  # some sampled values have spaces around them
    marks: str = ""  # which of '£', ',', '(' and '€' the sampled numbers are written with
    # The sample's values, for role suggestions: how many filled, how many distinct, the most common one's share,
    # and whether the column is complete (the whole file was sampled).
    sample_filled: int = 0
    sample_distinct: int = 0
    sample_top_share: float = 0.0
    sample_complete: bool = False
    sample_values: list[str] = field(default_factory=list)  # up to 50 distinct values, most common first
    # A period column with multi-year spans among its single periods ('2010-14' among '2010-11'): how many distinct
    # spans the sample shows, a few of them, and the column the load sets them apart in (named by the plan).
    spans: int = 0
    span_examples: list[str] = field(default_factory=list)
    span_column: str | None = None
    span_rows: int = 0  # rows holding a span, counted over the rows read
    row_number: bool = False  # a column that numbers the rows (an index a program wrote): not data of its own
    # Every distinct value of a low-cardinality text column over the rows read (the case-variant check counts them);
    # None when not counted. The totals check reads them instead of scanning the column again.
    distinct_values: list[str] | None = None


def is_null_token(value: str) -> bool:
    return value.strip().lower() in NULL_TOKENS


def _date_shape(value: str) -> tuple[str, str] | None:
    """The strptime format of one date-like value, with '{A}'/'{B}' left open for a numeric day/month, and whether
    it carries a time: returns (format, kind) where kind is 'date' or 'timestamp', or None if it is not a date."""
    m = _ISO.match(value)
    if m:
        sep = "T" if "T" in value else " "
        if m.group(4) is None:
            return "%Y-%m-%d", "date"
        fmt = f"%Y-%m-%d{sep}%H:%M" + (":%S" if m.group(6) else "") + (".%f" if m.group(7) else "")
        return fmt, "timestamp"
    m = _NUMERIC_DATE.match(value)
    if m:
        sep = m.group(2)
        year = "%Y" if len(m.group(4)) == 4 else "%y"
        fmt = f"{{A}}{sep}{{B}}{sep}{year}"
        if m.group(5) is None:
            return fmt, "date"
        between = value[len(m.group(1)) + len(m.group(3)) + len(m.group(4)) + 2:].split(m.group(5))[0]
        hour = "%I" if m.group(8) else "%H"
        fmt += f"{between}{hour}:%M" + (":%S" if m.group(7) else "")
        if m.group(8):
            fmt += (" " if " " + m.group(8) in value else "") + "%p"
        return fmt, "timestamp"
    m = _NAMED_MONTH_DATE.match(value)
    if m:
        month = "%b" if len(m.group(3)) == 3 else "%B"
        fmt = f"%d{m.group(2)}{month}{m.group(2)}" + ("%Y" if len(m.group(4)) == 4 else "%y")
        if m.group(5) is None:
            return fmt, "date"
        return fmt + " %H:%M" + (":%S" if m.group(7) else ""), "timestamp"
    return None


def looks_like_date(value: str | None) -> bool:
    """True when a value is written as a date, whether or not that date exists ('29/02/2023' does)."""
    return bool(value) and _date_shape(value.strip()) is not None


def _midnight(value: str) -> bool:
    """True when a date-time value's time is exactly midnight ('… 00:00', '… 00:00:00', '… 12:00 AM')."""
    return bool(_re.search(r"[ T,](0?0:00(:00(\.0+)?)?|12:00(:00)?\s?[Aa][Mm])$", value))


def _writes_decimal_commas(number_like: Sequence[str]) -> bool:
    """True when numbers are written the European way: a comma before the decimals ('12,5', '1.234,56')."""
    european = [v for v in number_like if _NUMBER_DECIMAL_COMMA.match(v)]
    if len(european) < len(number_like) or not any("," in v for v in european):
        return False
    # '1,234' alone reads both ways: UK thousands win unless a comma is followed by other than three digits, or a
    # dot groups thousands.
    return any(_re.search(r",\d{1,2}\)?$|,\d{4,}\)?$", v) or _re.search(r"\d\.\d{3}(\D|$)", v) for v in european)


def detect_column_type(values: Sequence[str], *, decimal_comma: bool = False) -> tuple[str, list[str], list[str]]:
    """Decide a column's type from a sample of its filled values.

    Returns (type, date formats with '{A}'/'{B}' for an undecided day/month order, notes). Numbers allow '£',
    thousands commas and '(1,234)' for negatives; with ``decimal_comma`` (a ';'-separated file) numbers may also be
    written '1.234,56' as European exports do (see :func:`number_uses_decimal_comma`). A value with a leading zero
    ('007') keeps the column as text, since it is a code. Dates need 99% of values to share date shapes.
    """
    filled = [v.strip() for v in values if v is not None and not is_null_token(v)]
    if not filled:
        return TEXT, [], ["no values"]
    notes: list[str] = []
    european_like = ([v for v in filled if _NUMBER_DECIMAL_COMMA.match(v) and any(ch.isdigit() for ch in v)]
                     if decimal_comma else [])
    european = decimal_comma and _writes_decimal_commas(european_like)
    pattern = _NUMBER_DECIMAL_COMMA if european else _NUMBER
    number_like = european_like if european else [v for v in filled if pattern.match(v)
                                                   and any(ch.isdigit() for ch in v)]
    leading_zero = any(_re.match(r"^0\d", v) for v in number_like)
    if len(number_like) >= len(filled) * (1 - MAX_FAILURE_SHARE) and not leading_zero:
        thousands = "." if european else ","
        integer = all(_INTEGER_TEXT.match(_CREDIT_MARK.sub("", v).replace(thousands, "").replace("£", "")
                                          .replace("€", "").strip("()"))
                      for v in number_like)
        return (INTEGER if integer else NUMBER), [], notes
    if leading_zero and len(number_like) == len(filled):
        notes.append("numbers with leading zeros: kept as text codes")
    shapes: dict[tuple[str, str], int] = {}
    for v in filled:
        shape = _date_shape(v)
        if shape:
            shapes[shape] = shapes.get(shape, 0) + 1
    dated = sum(shapes.values())
    if dated >= len(filled) * (1 - MAX_FAILURE_SHARE):
        formats = sorted({fmt for fmt, _ in shapes})
        any_time = any(kind == "timestamp" for _, kind in shapes) and not all(
            _midnight(v) for v in filled if (_date_shape(v) or ("", ""))[1] == "timestamp"
        )
        return (TIMESTAMP if any_time else DATE), formats, notes
    if all(_TIME_ONLY.match(v) for v in filled):
        distinct = sorted(set(filled))
        if all(_re.fullmatch(r"0?0:00(:00(\.0+)?)?", v) for v in distinct):
            notes.append(f"no usable dates: all {len(filled):,} values are '{distinct[0]}'")
        else:
            notes.append("times of day without dates: kept as text")
    return TEXT, [], notes


_PERIOD_WORDS = {"financial_year": "financial years", "quarter": "quarters", "month": "months", "week": "weeks",
                 "year": "years", "day": "days", "academic_year": "academic years"}
# A header that says a column of whole numbers such as 201607 holds months.
_TIME_HEADER = _re.compile(r"month|period|date|year|time|yyyymm|when|(^|[^a-z])mon([^a-z]|$)", _re.IGNORECASE)
# Whole numbers read as months only when the header says so or there are at least this many distinct values (a
# column of ids that all happen to read as yyyymm is then vanishingly unlikely).
COMPACT_MONTHS_MIN_DISTINCT = 6


def compact_months(name: str, values: Sequence[str]) -> bool:
    """True when a column of whole numbers holds months written yyyymm (201607), as Public Health Scotland and much
    NHS data write them."""
    filled = [v.strip() for v in values if v is not None and v.strip()]
    if not filled or not all(_re.fullmatch(r"(19[5-9]\d|20\d\d)(0[1-9]|1[0-2])", v) for v in filled):
        return False
    return bool(_TIME_HEADER.search(name)) or len(set(filled)) >= COMPACT_MONTHS_MIN_DISTINCT


def apply_periods(profile: "ColumnProfile", found: "period_text.PeriodColumn", example: str) -> None:
    """Make a profile a period column: a DATE of each period's first day, its grain and shapes, and the note saying
    so (and how many multi-year spans are set apart)."""
    profile.detected_type = profile.type = DATE
    profile.grain, profile.period_shapes = found.grain, list(found.shapes)
    profile.spans, profile.span_examples = found.spans, list(found.span_examples)
    starts = ""
    if "financial" in " ".join(profile.period_shapes) or found.grain == "financial_year":
        starts = " (financial years start on 1 April)"
    elif found.grain == "academic_year":
        starts = " (academic years start on 1 September)"
    note = f"{_PERIOD_WORDS[profile.grain]} such as '{example}': read as the date each one starts{starts}"
    if found.spans:
        such = ", ".join(f"'{v}'" for v in found.span_examples)
        note += (f"; multi-year spans such as {such} are set apart in a column of their own, never mixed with "
                 "single years")
    profile.notes = [note]


def profile_sample(name: str, values: Sequence[str | None], *, decimal_comma: bool = False,
                   complete: bool = False, detect_values: int = 500) -> ColumnProfile:
    """A column's profile from a sample of its values as text: the detected type, formats or period shapes, notes,
    and the value statistics role suggestions use. Works on distinct values (a sample of 15,000 rows often holds a
    few dozen), with their counts."""
    written = Counter(v for v in values if v is not None)
    counts: Counter = Counter()
    for value, n in written.items():
        stripped = value.strip()
        if stripped:
            counts[stripped] += n
    distinct = list(counts)
    filled = sum(counts.values())
    # Shapes show in a few hundred values; a wide file of ids would otherwise test millions in Python. Every row is
    # converted and checked afterwards, and a column that does not fit its type after all is read again as text.
    shown = distinct[::max(1, len(distinct) // detect_values)][:detect_values]
    detected, formats, notes = detect_column_type(shown, decimal_comma=decimal_comma)
    notes = [_re.sub(r"all [\d,]+ values", f"all {filled:,} values", n) for n in notes]
    profile = ColumnProfile(name=name, detected_type=detected, type=detected, date_formats=formats, notes=notes,
                            decimal_comma=detected in (NUMBER, INTEGER) and decimal_comma
                            and number_uses_decimal_comma(shown))
    if detected == TEXT and shown:
        found = period_text.detect_periods(shown, counts, header=name)
        if found:
            single = next((v for v in shown if period_text.parse_span(v) is None), shown[0])
            apply_periods(profile, found, single)
    elif detected == INTEGER and compact_months(name, shown):
        apply_periods(profile, period_text.PeriodColumn("month", ["year_month_compact"]), shown[0])
    profile.sample_filled = filled
    profile.sample_distinct = len(distinct)
    profile.sample_top_share = (counts.most_common(1)[0][1] / filled) if filled else 0.0
    profile.sample_complete = complete
    profile.sample_values = [v for v, _ in counts.most_common(50)]
    profile.examples = distinct[:3]
    profile.padded = any(v != v.strip() and v.strip() for v in written)
    if detected in (NUMBER, INTEGER):
        profile.marks = "".join(mark for mark in "£,(€" if any(mark in v for v in shown)) \
            + ("C" if any(_CREDIT_MARK.search(v) for v in shown) else "")
    return profile


def looks_like_excel_serial_dates(name: str, values: Sequence) -> bool:
    """A numeric Excel column whose header says date and whose values are all plausible Excel day numbers."""
    if not _re.search(r"date|day|when|(^|[^a-z])dt([^a-z]|$)", name.lower()):
        return False
    numbers = [v for v in values if v is not None]
    return bool(numbers) and all(isinstance(v, (int, float)) and EXCEL_SERIAL_MIN <= v <= EXCEL_SERIAL_MAX
                                 for v in numbers)


def number_uses_decimal_comma(values: Sequence[str]) -> bool:
    """True when a column of numbers is written with decimal commas ('12,5'), as a ';'-separated export may be."""
    filled = [v.strip() for v in values if v is not None and not is_null_token(v)]
    return _writes_decimal_commas([v for v in filled if any(ch.isdigit() for ch in v)])


def resolve_date_formats(formats: Sequence[str], order: str) -> list[str]:
    """Fill the open day/month slots of detected formats for the chosen order."""
    day, month = ("%d", "%m") if order == DAY_FIRST else ("%m", "%d")
    resolved: list[str] = []
    for fmt in formats:
        filled = fmt.replace("{A}", day).replace("{B}", month)
        if filled not in resolved:
            resolved.append(filled)
    return resolved


def date_order_votes(values: Sequence[str | None]) -> tuple[int, int]:
    """How many values can only be day-first (first number > 12) and how many only month-first (second > 12)."""
    day_first = month_first = 0
    for value, n in Counter(v for v in values if v).items():
        m = _NUMERIC_DATE.match(value.strip())
        if m:
            first, second = int(m.group(1)), int(m.group(3))
            day_first += n * (first > 12 >= second)
            month_first += n * (second > 12 >= first)
    return day_first, month_first


def _values(n: int) -> str:
    return f"{n:,} value" if n == 1 else f"{n:,} values"


def decide_date_order(day_first_values: int, month_first_values: int, requested: str | None) -> tuple[str, str]:
    """Day-first or month-first, and the sentence that says why."""
    if requested in (DAY_FIRST, MONTH_FIRST):
        return requested, f"Dates read {requested}, as you chose."
    if day_first_values and not month_first_values:
        return DAY_FIRST, (f"Dates read day-first (UK): {_values(day_first_values)} such as 31/12 only make sense "
                           "that way.")
    if month_first_values and not day_first_values:
        return MONTH_FIRST, (f"Dates read month-first (US): {_values(month_first_values)} such as 12/31 only make "
                             "sense that way.")
    if day_first_values and month_first_values:
        return DAY_FIRST, (f"Dates are mixed: {day_first_values:,} values only make sense day-first and "
                           f"{month_first_values:,} only month-first. Read day-first; the others are rejected.")
    return DAY_FIRST, "Nothing in the dates settles day-first or month-first, so they are read day-first (UK)."


_SOURCE_TYPE_MAP = {"DATE": DATE, "BOOLEAN": TEXT}


def type_from_duckdb(source_type: str) -> str:
    t = source_type.upper()
    if t.startswith("TIMESTAMP"):
        return TIMESTAMP
    if t in _SOURCE_TYPE_MAP:
        return _SOURCE_TYPE_MAP[t]
    if any(t.startswith(p) for p in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
                                      "UINTEGER", "UBIGINT")):
        return INTEGER
    if any(t.startswith(p) for p in ("FLOAT", "DOUBLE", "DECIMAL", "REAL")):
        return NUMBER
    return TEXT
