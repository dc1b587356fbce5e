"""The SQL that turns a file's text columns into typed values, every row at once, inside DuckDB.

``converted_sql`` builds one query over the ``raw_upload`` table that gives, per row, each column converted to its
chosen type and a flag per column where a filled value would not convert (a rejected row). Only column names from
``quote_identifier`` and fixed SQL go into it; the user's values are never pasted in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from analysis.detect import (ALL_DATE_FORMATS, DATE, INTEGER, NULL_TOKENS, NUMBER, TEXT, TIMESTAMP,
                             resolve_date_formats)
from analysis.store import quote_identifier

if TYPE_CHECKING:
    from analysis.ingest import ColumnProfile

# Names of the helper columns in the layered conversion query; unlikely to clash with a header.
ROW_COLUMN = "__stocktake_row"


def fail_column(i: int) -> str:
    return f"__stocktake_fail_{i}"


def filled_sql(column: str) -> str:
    """The column's value trimmed, with blanks and null tokens ('n/a', '-', …) as NULL."""
    q = quote_identifier(column)
    tokens = ", ".join("'" + t.replace("'", "''") + "'" for t in NULL_TOKENS)
    return f"(CASE WHEN lower(trim({q})) IN ({tokens}) THEN NULL ELSE trim({q}) END)"


def _cleaned_number_sql(filled: str) -> str:
    """'£1,234.50' -> '1234.50', '(1,234)' -> '-1234', as text still."""
    stripped = f"replace(replace(replace({filled}, '£', ''), ',', ''), ' ', '')"
    return f"(CASE WHEN {stripped} LIKE '(%)' THEN '-' || trim({stripped}, '()') ELSE {stripped} END)"


def _typed_number_sql(cleaned: str, integer: bool) -> str:
    if integer:
        return f"(CASE WHEN regexp_full_match({cleaned}, '[-+]?\\d+') THEN TRY_CAST({cleaned} AS BIGINT) END)"
    # TRY_CAST alone would accept 'nan' and 'inf'.
    return f"(CASE WHEN isfinite(TRY_CAST({cleaned} AS DOUBLE)) THEN TRY_CAST({cleaned} AS DOUBLE) END)"


def _date_sql(filled: str, formats: Sequence[str], as_date: bool) -> str:
    fmt_list = "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in formats) + "]"
    parsed = f"try_strptime({filled}, {fmt_list})"
    return f"CAST({parsed} AS DATE)" if as_date else parsed


def converted_sql(columns: Sequence[ColumnProfile], date_order: str) -> str:
    """A query over ``raw_upload`` giving, per row: its position (``__stocktake_row``, from 0 in file order), each
    column converted to its chosen type under its own name, and a flag per column (``__stocktake_fail_<i>``) that is
    true where a filled value did not convert.

    Built in layers (filled text -> cleaned text -> typed value -> flags) so each expression is computed once per row:
    nesting them made the same 10M-row load several times slower.
    """
    filled, cleaned, typed, flags = [f"rowid AS {ROW_COLUMN}"], [ROW_COLUMN], [ROW_COLUMN], [ROW_COLUMN]
    for i, col in enumerate(columns):
        q = quote_identifier(col.name)
        f, c, v = f"__f{i}", f"__c{i}", f"__v{i}"
        if col.source_type != "VARCHAR":
            filled.append(f"{q} AS {f}")
            cleaned.append(f"{f}, {f} AS {c}")
            typed.append(f"{f}, CAST({c} AS VARCHAR) AS {v}" if col.type == TEXT else f"{f}, {c} AS {v}")
            flags.append(f"{v} AS {q}, false AS {fail_column(i)}")
            continue
        filled.append(f"{filled_sql(col.name)} AS {f}")
        if col.type in (NUMBER, INTEGER):
            cleaned.append(f"{f}, {_cleaned_number_sql(f)} AS {c}")
            typed.append(f"{f}, {_typed_number_sql(c, col.type == INTEGER)} AS {v}")
        elif col.type in (DATE, TIMESTAMP):
            formats = resolve_date_formats(col.date_formats or ALL_DATE_FORMATS, date_order)
            cleaned.append(f"{f}, {f} AS {c}")
            typed.append(f"{f}, {_date_sql(c, formats, col.type == DATE)} AS {v}")
        else:
            # Text keeps 'n/a' and '-' as written: only blanks become NULL.
            cleaned.append(f"{f}, NULLIF(trim({q}), '') AS {c}")
            typed.append(f"{f}, {c} AS {v}")
        fail = "false" if col.type == TEXT else f"({f} IS NOT NULL AND {v} IS NULL)"
        flags.append(f"{v} AS {q}, {fail} AS {fail_column(i)}")
    # The text layer needs the raw column, so carry raw text columns through the first layer too.
    raw_text = [quote_identifier(c.name) for c in columns if c.source_type == "VARCHAR" and c.type == TEXT]
    layer1 = f"SELECT {', '.join(filled + raw_text)} FROM raw_upload"
    layer2 = f"SELECT {', '.join(cleaned)} FROM ({layer1})"
    layer3 = f"SELECT {', '.join(typed)} FROM ({layer2})"
    return f"SELECT {', '.join(flags)} FROM ({layer3})"


