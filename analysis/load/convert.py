"""The SQL that turns a file's columns into typed values, every row at once, inside DuckDB.

:func:`load_select_sql` builds one query over the file's reader (``read_csv``, ``read_parquet`` or a registered
Excel frame) that gives, per row, each column converted to its chosen type under its own name, plus one helper column
``__stocktake_reason``: NULL for a good row, otherwise a compact list of what failed (which columns, with the value as
written; a missing date; a blank row). The load streams this straight into the new table, so every row is read and
converted once; the few rows with a reason are then moved to the rejects table (:func:`reason_text_sql` writes their
reasons as sentences).

Each value is converted as written, the quick way ('£1,234.50', '(1,234)', ' 12 '); the rare value that does not
convert so (a null token such as 'n/a', '12 000', a date with spaces around it) is settled afterwards, row by row,
the careful way (:func:`careful_sql`, run by ``analysis.load.reading.settle``). Keeping the per-row query small matters:
it is what every one of 10M rows goes through, and DuckDB plans a large expression per column slowly (a 2,000-column
file would take minutes).

The reader gives every column as text: converting it here costs no more than DuckDB's own typed reading (measured),
and keeps one set of rules (DuckDB's reader would read '1.5' in a whole-number column as 2). Only column names from
``quote_identifier`` and fixed SQL go into the query; the user's values are never pasted in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

from analysis.load import period_text
from analysis.load.detect import (ALL_DATE_FORMATS, DATE, INTEGER, NULL_TOKENS, NUMBER, TEXT, TIMESTAMP, TYPE_WORDS,
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
    date_order: str
    date_order_reason: str
    required_date: str | None = None  # a records file's date column: a row without a date is rejected
    # What the rows showed once typed: rows repeating a record id, and how many of them are exact copies.
    repeated_ids: int = 0
    exact_duplicates: int = 0
    dropped: set = field(default_factory=set)  # output columns left out after all (spans with single years only)


def output_columns(plan: ReadPlan) -> list[tuple[str, str, str | None, str | None]]:
    """(name, type, role, grain) of every column the conversion gives, in order: the file's columns, each period
    column with multi-year spans followed by the column its spans are set apart in (text, grain 'span')."""
    out = []
    for col in plan.columns:
        out.append((col.name, col.type, col.role, col.grain))
        if col.span_column and converts_itself(col):
            out.append((col.span_column, TEXT, None, period_text.SPAN))
    return out


def raw_column(i: int) -> str:
    """The reader's name for the i-th column (headers are cleaned by Stocktake, not by the reader)."""
    return f"c{i}"


# Blank or a null token, whatever the case and spaces around it. One pattern, not an IN list: DuckDB takes about 5 ms
# to plan each IN list of ten strings, which is 20 seconds for a 2,000-column file.
NULL_TOKEN_PATTERN = r"\s*(" + "|".join(re.escape(t) for t in NULL_TOKENS if t) + r")?\s*"
_WHOLE_NUMBER = r"^[-+]?\d+$"
_NUMBER = r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$"


def is_token_sql(raw: str) -> str:
    """True where a value is blank or a null token ('n/a', '-', …): blank in a number or date column, not a failure."""
    return f"regexp_full_match({raw}, '{NULL_TOKEN_PATTERN}', 'i')"


def text_sql(raw: str) -> str:
    """Text trimmed, blanks as NULL; text keeps 'n/a' and '-' as written. Only for columns whose sample had values
    with spaces around them: trimming every value of every column costs more than the rest of the conversion."""
    return f"(CASE WHEN starts_with({raw}, ' ') OR ends_with({raw}, ' ') THEN NULLIF(trim({raw}), '') ELSE {raw} END)"


def _number_text(raw: str, decimal_comma: bool, marks: str = "£,(€C") -> str:
    """'£1,234.50' -> '1234.50', '(1,234)' and '1,234 CR' -> '-1234' (with ``decimal_comma``, '1.234,5' -> '1234.5'),
    still text. Only the marks given are taken out: the quick way takes out those the sample was written with."""
    if "C" in marks:  # a credit written after the number, as finance systems do ('DR', a debit, is positive)
        raw = (rf"(CASE WHEN regexp_matches({raw}, '\s*[Cc][Rr]\s*$') THEN '-' || "
               rf"regexp_replace({raw}, '\s*[Cc][Rr]\s*$', '') ELSE regexp_replace({raw}, '\s*[Dd][Rr]\s*$', '') END)")
    if "£" in marks:
        raw = f"replace({raw}, '£', '')"
    if decimal_comma:
        raw = f"replace(replace(replace({raw}, '€', ''), '.', ''), ',', '.')"
    elif "," in marks:
        raw = f"replace({raw}, ',', '')"
    if "(" in marks:
        raw = f"replace(replace({raw}, '(', '-'), ')', '')"
    return raw


def quick_sql(col: ColumnProfile, raw: str, order: str) -> str:
    """The value converted as written, the way the sample writes it: right for nearly every row, and cheap. NULL
    where it does not convert so (the careful way then settles it)."""
    if col.type in (NUMBER, INTEGER):
        text = _number_text(raw, col.decimal_comma, col.marks)
        if col.type == INTEGER:
            # DuckDB casts '1.5' to 2 and reads '0x1F' and '1_000': such values are settled the careful way.
            return (f"(CASE WHEN contains({raw}, '.') OR contains({raw}, 'x') OR contains({raw}, '_') THEN NULL "
                    f"ELSE TRY_CAST({text} AS BIGINT) END)")
        # TRY_CAST alone would accept 'nan' and 'inf': the next layer keeps finite numbers only.
        return f"TRY_CAST({text} AS DOUBLE)"
    if col.period_shapes:
        return period_text.period_sql(f"trim({raw})", col.period_shapes)
    formats = _with_date_only(resolve_date_formats(col.date_formats or ALL_DATE_FORMATS, order), col.type)
    return date_sql(raw, formats, col.type == DATE)


def careful_sql(col: ColumnProfile, raw: str, order: str) -> str:
    """The value converted every way the column allows, for the few the quick way could not read: trimmed, inner
    spaces and signs in brackets allowed, whole numbers strictly whole. Written so no part repeats another."""
    if col.type in (NUMBER, INTEGER):
        text = f"replace({_number_text(f'trim({raw})', col.decimal_comma)}, ' ', '')"
        if col.type == INTEGER:
            return f"TRY_CAST(nullif(regexp_extract({text}, '{_WHOLE_NUMBER}'), '') AS BIGINT)"
        return f"TRY_CAST(nullif(regexp_extract({text}, '{_NUMBER}'), '') AS DOUBLE)"
    if col.period_shapes:
        return period_text.period_sql(f"trim({raw})", col.period_shapes)
    formats = _with_date_only(resolve_date_formats(col.date_formats or ALL_DATE_FORMATS, order), col.type)
    return date_sql(f"trim({raw})", formats, col.type == DATE)


def _with_date_only(formats: list[str], column_type: str) -> list[str]:
    """A date-and-time column's formats with each one's date alone added after them: a date without a time in such
    a column (an Excel cell typed as a date among date-times) is midnight of that day, not a rejected row."""
    if column_type != TIMESTAMP:
        return formats
    out = list(formats)
    for fmt in formats:
        cut = min((fmt.find(p) for p in ("%H", "%I") if p in fmt), default=-1)
        if cut > 0:
            date_only = fmt[:cut].rstrip(" T,")
            if date_only and date_only not in out:
                out.append(date_only)
    return out


def date_sql(text: str, formats: Sequence[str], as_date: bool) -> str:
    fmt_list = "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in formats) + "]"
    parsed = f"try_strptime({text}, {fmt_list})"
    return f"CAST({parsed} AS DATE)" if as_date else parsed


def converts_itself(col: ColumnProfile) -> bool:
    """True when Stocktake converts this column from text (so a value can fail and make a rejected row)."""
    return col.source_type == "VARCHAR" and col.type != TEXT


# Above this many columns the conversion query is planned without DuckDB's optimizer: it has little to do for one
# projection over one scan, and on a 2,000-column file it took most of a minute.
WIDE_COLUMNS = 300


def run_without_optimizer(plan: ReadPlan) -> bool:
    return len(plan.columns) > WIDE_COLUMNS


def _joined(operator: str, terms: list[str], empty: str) -> str:
    """Terms joined by AND or OR, in one flat chain (DuckDB makes it one n-ary conjunction)."""
    return "(" + f" {operator} ".join(terms) + ")" if terms else empty


def load_select_sql(plan: ReadPlan, relation: str) -> str:
    """One query over ``relation`` (the reader, columns ``c0``, ``c1``, … as text) giving every column typed, under
    its own name, and the reason column. In small layers (value -> usable value -> what to say -> reason), each
    expression once per row; the null-token test and the reason are worked out only where a value did not convert.
    """
    converted = {i for i, c in enumerate(plan.columns) if converts_itself(c)}
    first, second, third, outer = [], [], [], []
    items, blanks, tokens_or_null = [], [], []
    for i, col in enumerate(plan.columns):
        raw = raw_column(i)
        if col.source_type != "VARCHAR":  # Parquet keeps its types
            first.append(f"{f'CAST({raw} AS VARCHAR)' if col.type == TEXT else raw} AS v{i}")
            second.append(f"v{i}")
            third.append(f"v{i}")
        elif i not in converted:
            first.append(f"{text_sql(raw) if col.padded else raw} AS v{i}")
            second.append(f"v{i}")
            third.append(f"v{i}")
        else:
            first.append(f"{raw} AS r{i}, {quick_sql(col, raw, plan.date_order)} AS q{i}")
            second.append(f"r{i}, " + (f"CASE WHEN isfinite(q{i}) THEN q{i} END AS v{i}" if col.type == NUMBER
                                       else f"q{i} AS v{i}"))
            # What to say about a value written but not converted: nothing for a null token (it is a blank), nor for
            # a multi-year span in a period column (set apart in its own column, below).
            span = (f" WHEN {period_text.span_sql(f'trim(r{i})')} THEN NULL" if col.span_column else "")
            third.append(f"v{i}, r{i}, CASE WHEN v{i} IS NULL AND r{i} IS NOT NULL THEN CASE WHEN "
                         f"{is_token_sql(f'r{i}')} THEN NULL{span} ELSE '{i}' || {_PART} || r{i} END END AS x{i}")
            items.append(f"x{i}")
            if not col.row_number:
                tokens_or_null.append(f"(r{i} IS NULL OR {is_token_sql(f'r{i}')})")
        # A row whose only value is its row number (a file's last line holding just its index) is blank.
        if not col.row_number:
            blanks.append(f"v{i} IS NULL")
        outer.append(f"v{i} AS {quote_identifier(col.name)}")
        if col.span_column and i in converted:
            outer.append(f"CASE WHEN v{i} IS NULL AND r{i} IS NOT NULL AND {period_text.span_sql(f'trim(r{i})')} "
                         f"THEN trim(r{i}) END AS {quote_identifier(col.span_column)}")
    layer1 = f"SELECT {', '.join(first)} FROM {relation}"
    layer2 = f"SELECT {', '.join(second)} FROM ({layer1})"
    layer3 = f"SELECT {', '.join(third)} FROM ({layer2})"
    # A row is blank when nothing converted and nothing was written but blanks and null tokens (looked at only in
    # rows where nothing converted).
    blank_row = (f"CASE WHEN {_joined('AND', blanks, 'true')} THEN {_joined('AND', tokens_or_null, 'true')} "
                 "ELSE false END")
    said = [f"{x} IS NOT NULL" for x in items]
    payload = list(items)
    if plan.required_date is not None:
        d = [c.name for c in plan.columns].index(plan.required_date)
        missing = f"(v{d} IS NULL" + (f" AND x{d} IS NULL)" if d in converted else ")")
        said.append(missing)
        payload.append(f"CASE WHEN {missing} THEN '{MISSING_DATE}' END")
    reason = (f"CASE WHEN {blank_row} THEN '{BLANK_ROW}' WHEN {_joined('OR', said, 'false')} "
              f"THEN concat_ws({_ITEM}, {', '.join(payload) or 'NULL'}) END")
    return f"SELECT {', '.join(outer)}, {reason} AS {REASON_COLUMN} FROM ({layer3})"


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


def failed_value_sql(payload: str) -> str:
    """SQL giving each failure of a reason list as a struct (column position, value as written)."""
    return (f"list_transform(list_filter(string_split({payload}, {_ITEM}), lambda item: item <> '{MISSING_DATE}'), "
            f"lambda item: {{'col': CAST(split_part(item, {_PART}, 1) AS INTEGER), "
            f"'value': split_part(item, {_PART}, 2)}})")
