"""The SQL that turns a file's columns into typed values, every row at once, inside DuckDB.

:func:`load_select_sql` builds one query over the file's reader (``read_csv``, ``read_parquet`` or a registered
Excel frame) that gives, per row, each column converted to its chosen type under its own name, plus one helper column
``__stocktake_reason``: NULL for a good row, otherwise a compact list of what failed (which columns, with the value as
written; a missing date; a blank row). The load streams this straight into the new table, so every row is read and
converted once; the few rows with a reason are then moved to the rejects table (:func:`reason_text_sql` writes their
reasons as sentences).

Columns whose sample is plain (``12``, ``3.5``, one date format) are typed by DuckDB's CSV reader itself, which is
quicker; a value the reader cannot convert becomes a rejected line that the loader sees (and then reads that column as
text and converts it here instead). Only column names from ``quote_identifier`` and fixed SQL go into the query; the
user's values are never pasted in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from analysis import period_text
from analysis.detect import (ALL_DATE_FORMATS, DATE, INTEGER, NULL_TOKENS, NUMBER, TEXT, TIMESTAMP, TYPE_WORDS,
                             ColumnProfile, resolve_date_formats)
from analysis.store import quote_identifier

REASON_COLUMN = "__stocktake_reason"
# The reason list's separators: ASCII unit and record separators, which exported text does not contain.
_ITEM, _PART = "chr(31)", "chr(30)"
MISSING_DATE, BLANK_ROW = "-1", "-2"


@dataclass
class ReadPlan:
    """How each column is read and converted: the decisions of one load, shared by the preview and the load."""

    columns: list[ColumnProfile]
    read_types: list[str]  # DuckDB type the reader gives each column (VARCHAR: converted by Stocktake)
    date_order: str
    date_order_reason: str
    date_format: str | None = None  # the reader's own date format, for the columns it types itself
    timestamp_format: str | None = None
    required_date: str | None = None  # a records file's date column: a row without a date is rejected


def raw_column(i: int) -> str:
    """The reader's name for the i-th column (headers are cleaned by Stocktake, not by the reader)."""
    return f"c{i}"


def filled_sql(raw: str) -> str:
    """The value trimmed, with blanks and null tokens ('n/a', '-', …) as NULL."""
    tokens = ", ".join("'" + t.replace("'", "''") + "'" for t in NULL_TOKENS)
    return f"(CASE WHEN lower(trim({raw})) IN ({tokens}) THEN NULL ELSE trim({raw}) END)"


def text_sql(raw: str) -> str:
    """Text as written, trimmed only where it needs it (trimming every value costs more than looking at its ends);
    only blanks become NULL: text keeps 'n/a' and '-' as written."""
    return f"(CASE WHEN starts_with({raw}, ' ') OR ends_with({raw}, ' ') THEN NULLIF(trim({raw}), '') ELSE {raw} END)"


def cleaned_number_sql(filled: str, decimal_comma: bool = False) -> str:
    """'£1,234.50' -> '1234.50', '(1,234)' -> '-1234' (with ``decimal_comma``, '1.234,5' -> '1234.5'), still text."""
    if decimal_comma:
        stripped = f"replace(replace(replace(replace(replace({filled}, '£', ''), '€', ''), '.', ''), ',', '.'), ' ', '')"
    else:
        stripped = f"replace(replace(replace({filled}, '£', ''), ',', ''), ' ', '')"
    return f"(CASE WHEN {stripped} LIKE '(%)' THEN '-' || trim({stripped}, '()') ELSE {stripped} END)"


def typed_number_sql(cleaned: str, integer: bool) -> str:
    if integer:
        return f"(CASE WHEN regexp_full_match({cleaned}, '[-+]?\\d+') THEN TRY_CAST({cleaned} AS BIGINT) END)"
    # TRY_CAST alone would accept 'nan' and 'inf'.
    return f"(CASE WHEN isfinite(TRY_CAST({cleaned} AS DOUBLE)) THEN TRY_CAST({cleaned} AS DOUBLE) END)"


def date_sql(filled: str, formats: Sequence[str], as_date: bool) -> str:
    fmt_list = "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in formats) + "]"
    parsed = f"try_strptime({filled}, {fmt_list})"
    return f"CAST({parsed} AS DATE)" if as_date else parsed


def converts_itself(col: ColumnProfile, read_type: str) -> bool:
    """True when Stocktake converts this column from text (so a value can fail and make a rejected row)."""
    return col.source_type == "VARCHAR" and read_type == "VARCHAR" and col.type != TEXT


def _typed_sql(col: ColumnProfile, raw: str, read_type: str, order: str) -> tuple[str | None, str]:
    """(filled text or None, typed value) for one column, both as SQL over the reader's column ``raw``."""
    if col.source_type != "VARCHAR":
        return None, (f"CAST({raw} AS VARCHAR)" if col.type == TEXT else raw)
    if read_type != "VARCHAR":
        return None, (f"CAST({raw} AS DATE)" if col.type == DATE and read_type == "TIMESTAMP" else raw)
    if col.type == TEXT:
        return None, text_sql(raw)
    filled = filled_sql(raw)
    return filled, ""


def _converted_sql(col: ColumnProfile, filled: str, order: str) -> str:
    if col.type in (NUMBER, INTEGER):
        return typed_number_sql(cleaned_number_sql(filled, col.decimal_comma), col.type == INTEGER)
    if col.period_shapes:
        return period_text.period_sql(filled, col.period_shapes)
    formats = resolve_date_formats(col.date_formats or ALL_DATE_FORMATS, order)
    return date_sql(filled, formats, col.type == DATE)


def load_select_sql(plan: ReadPlan, relation: str) -> str:
    """One query over ``relation`` (the reader) giving every column typed, under its own name, and the reason
    column. Layered (filled text -> typed value -> reason) so each expression is computed once per row."""
    inner, middle, outer = [], [], []
    fail_flags, payload, nulls = [], [], []
    for i, (col, read_type) in enumerate(zip(plan.columns, plan.read_types)):
        raw = raw_column(i)
        filled, typed = _typed_sql(col, raw, read_type, plan.date_order)
        if filled is None:
            inner.append(f"{typed} AS v{i}")
            middle.append(f"v{i}")
        else:
            inner.append(f"{filled} AS f{i}")
            middle.append(f"f{i}, {_converted_sql(col, f'f{i}', plan.date_order)} AS v{i}")
            flag = f"(f{i} IS NOT NULL AND v{i} IS NULL)"
            fail_flags.append(flag)
            payload.append(f"CASE WHEN {flag} THEN '{i}' || {_PART} || f{i} END")
            nulls.append(f"f{i} IS NULL")
        nulls.append(f"v{i} IS NULL")
        outer.append(f"v{i} AS {quote_identifier(col.name)}")
    blank_row = "(" + " AND ".join(nulls) + ")"
    conditions = list(fail_flags)
    if plan.required_date is not None:
        i = [c.name for c in plan.columns].index(plan.required_date)
        has_filled = any(c.startswith(f"f{i} ") for c in nulls)
        missing = f"(v{i} IS NULL" + (f" AND f{i} IS NULL)" if has_filled else ")")
        conditions.append(missing)
        payload.append(f"CASE WHEN {missing} THEN '{MISSING_DATE}' END")
    conditions.append(blank_row)
    reason = (f"CASE WHEN {blank_row} THEN '{BLANK_ROW}' WHEN {' OR '.join(conditions)} "
              f"THEN concat_ws({_ITEM}, {', '.join(payload) or 'NULL'}) END")
    layer1 = f"SELECT {', '.join(inner)} FROM {relation}"
    layer2 = f"SELECT {', '.join(middle)} FROM ({layer1})"
    return f"SELECT {', '.join(outer)}, {reason} AS {REASON_COLUMN} FROM ({layer2})"


def expected_words(plan: ReadPlan) -> list[str]:
    """What each column's values should be, as the rejects' sentences say it ('a date (read day-first)')."""
    words = []
    for col in plan.columns:
        word = TYPE_WORDS[col.type]
        if col.period_shapes:
            word = "a period (such as 2016-17, Q1 2019-20 or Apr 2019)"
        elif col.type in (DATE, TIMESTAMP) and any("{A}" in f for f in col.date_formats):
            word += f" (dates here are read {plan.date_order})"
        words.append(word)
    return words


def reason_text_sql(payload: str) -> str:
    """SQL writing a reason list as sentences ("'Cost': 'lots' is not a number; …"). Binds three parameters, in
    order: the missing-date sentence, the column names (VARCHAR[]) and what each should be (VARCHAR[])."""
    position = f"CAST(split_part(item, {_PART}, 1) AS INTEGER) + 1"
    sentence = (f"CASE WHEN item = '{MISSING_DATE}' THEN ? ELSE '''' || list_extract(?::VARCHAR[], {position}) || "
                f"''': ''' || split_part(item, {_PART}, 2) || ''' is not ' || "
                f"list_extract(?::VARCHAR[], {position}) END")
    return f"array_to_string(list_transform(string_split({payload}, {_ITEM}), lambda item: {sentence}), '; ')"


def failed_columns_sql(payload: str) -> str:
    """SQL listing the positions (from 0) of the columns a reason list names (the missing date is not one)."""
    return (f"list_transform(list_filter(string_split({payload}, {_ITEM}), lambda item: item <> '{MISSING_DATE}'), "
            f"lambda item: CAST(split_part(item, {_PART}, 1) AS INTEGER))")


def failed_value_sql(payload: str) -> str:
    """SQL giving each failure of a reason list as a struct (column position, value as written)."""
    return (f"list_transform(list_filter(string_split({payload}, {_ITEM}), lambda item: item <> '{MISSING_DATE}'), "
            f"lambda item: {{'col': CAST(split_part(item, {_PART}, 1) AS INTEGER), "
            f"'value': split_part(item, {_PART}, 2)}})")
