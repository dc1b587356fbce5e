"""Deciding what a column of text holds: numbers, dates (and which way round), or text; and what it is for.

Pure Python on a sample of a column's values: ``ingest`` then checks the decision on every row in DuckDB. The rules
are written for council exports: '£1,234.50' and '(1,234)' are numbers, '007' is a code, 31/12/2017 settles that
dates are day-first, and a column of '00:00:00' holds no dates at all.
"""

from __future__ import annotations

import re as _re  # short alias: the patterns below use it a lot
from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:
    from analysis.ingest import ColumnProfile

TEXT, NUMBER, INTEGER, DATE, TIMESTAMP = "text", "number", "integer", "date", "timestamp"
COLUMN_TYPES = (TEXT, NUMBER, INTEGER, DATE, TIMESTAMP)
DAY_FIRST, MONTH_FIRST = "day-first", "month-first"

# Written in spreadsheets for "no value"; read as blank in number and date columns.
NULL_TOKENS = ("", "n/a", "na", "null", "none", "-", "--", "#n/a", "nan", "nil")
# A column is given a number or date type when at most this share of its filled values fail to convert; the
# failures are then rejected rows, each with its reason. More failures than that and the column stays text.
MAX_FAILURE_SHARE = 0.01

TYPE_WORDS = {NUMBER: "a number", INTEGER: "a whole number", DATE: "a date", TIMESTAMP: "a date and time"}

# Used when a user forces a text column to be a date: try every common shape.
ALL_DATE_FORMATS = [
    "%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S",
    "{A}/{B}/%Y", "{A}/{B}/%Y %H:%M", "{A}/{B}/%Y %H:%M:%S", "{A}/{B}/%y", "{A}-{B}-%Y", "{A}.{B}.%Y",
    "{A}/{B}/%Y %I:%M %p", "{A}/{B}/%Y %I:%M:%S %p", "%d %b %Y", "%d-%b-%Y", "%d %B %Y",
]

_NUMBER = _re.compile(r"^\(?[-+]?\(?£?[-+]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?\)?$")
_INTEGER_TEXT = _re.compile(r"^[-+]?\d+$")
_ISO = _re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?$")
_NUMERIC_DATE = _re.compile(
    r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s?([AaPp][Mm]))?)?$"
)
_NAMED_MONTH_DATE = _re.compile(r"^(\d{1,2})([ -])([A-Za-z]{3,9})\2(\d{4}|\d{2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_TIME_ONLY = _re.compile(r"^\d{1,2}:\d{2}(:\d{2})?(\.\d+)?(\s?[AaPp][Mm])?$")


def _is_null_token(value: str) -> bool:
    return value.strip().lower() in NULL_TOKENS


def _date_shape(value: str) -> tuple[str, str] | None:
    """The strptime format of one date-like value, with '{D}'/'{M}' left open for a numeric day/month, and whether
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


def _midnight(value: str) -> bool:
    """True when a date-time value's time is exactly midnight ('… 00:00', '… 00:00:00', '… 12:00 AM')."""
    return bool(_re.search(r"[ T,](0?0:00(:00(\.0+)?)?|12:00(:00)?\s?[Aa][Mm])$", value))


def detect_column_type(values: Sequence[str]) -> tuple[str, list[str], list[str]]:
    """Decide a column's type from a sample of its filled values.

    Returns (type, date formats with '{A}'/'{B}' for an undecided day/month order, notes). Numbers allow '£',
    thousands commas and '(1,234)' for negatives; a value with a leading zero ('007') keeps the column as text, since
    it is a code. Dates need 99% of values to share date shapes.
    """
    filled = [v.strip() for v in values if v is not None and not _is_null_token(v)]
    if not filled:
        return TEXT, [], ["no values"]
    notes: list[str] = []
    number_like = [v for v in filled if _NUMBER.match(v) and any(ch.isdigit() for ch in v)]
    leading_zero = any(_re.match(r"^0\d", v) for v in number_like)
    if len(number_like) >= len(filled) * (1 - MAX_FAILURE_SHARE) and not leading_zero:
        integer = all(_INTEGER_TEXT.match(v.replace(",", "").replace("£", "").strip("()")) for v in number_like)
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


def resolve_date_formats(formats: Sequence[str], order: str) -> list[str]:
    """Fill the open day/month slots of detected formats for the chosen order, adding 2- and 4-digit-year twins."""
    day, month = ("%d", "%m") if order == DAY_FIRST else ("%m", "%d")
    resolved: list[str] = []
    for fmt in formats:
        filled = fmt.replace("{A}", day).replace("{B}", month)
        for candidate in (filled,):
            if candidate not in resolved:
                resolved.append(candidate)
    return resolved


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


def suggest_roles(kind: str, columns: Sequence[ColumnProfile]) -> dict[str, str]:
    """Column -> suggested role, from header words and the column's type.

    Roles are tried in order, and for each role its words from most to least specific, so 'IncidentNotionalCost(£)'
    wins the cost role over 'HourlyNotionalCost(£)'. Each role goes to at most one column and each column gets at
    most one role.
    """
    from analysis.roles import DATE_ROLES, NUMBER_ROLES, ROLE_HINTS

    def fits(role: str, col: ColumnProfile) -> bool:
        if role in DATE_ROLES:
            return col.type in (DATE, TIMESTAMP)
        if role in NUMBER_ROLES:
            return col.type in (NUMBER, INTEGER)
        return col.type not in (DATE, TIMESTAMP)

    headers = {c.name: _re.sub(r"[^a-z0-9£]+", " ", c.name.lower()).strip() for c in columns}
    suggested: dict[str, str] = {}
    for role, words in ROLE_HINTS.get(kind, []):
        for word in words:
            match = next(
                (c for c in columns if c.name not in suggested and fits(role, c) and (
                    _re.search(r"(^|\s)" + _re.escape(word) + r"($|\s)", headers[c.name])
                    or (len(word) > 4 and word in headers[c.name].replace(" ", "")))),
                None,
            )
            if match is not None:
                suggested[match.name] = role
                break
    return suggested


