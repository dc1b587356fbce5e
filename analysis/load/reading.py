"""Reading every row: the conversion query run into a table, DuckDB's rejected lines in plain words, the values the
quick way could not convert settled the careful way, and the counts of one pass (rows, blanks, failures per column).

Shared by the load (over every row, into the staging table) and the Data page's preview (over its first rows, into a
TEMP table); what the typed rows then say is ``analysis.load.checks``.
"""

from __future__ import annotations

import re

import duckdb

from analysis.load.convert import (BLANK_ROW, MISSING_DATE, REASON_COLUMN, ReadPlan, careful_sql, failed_value_sql,
                                   run_without_optimizer)
from analysis.load.detect import DATE, TIMESTAMP, TYPE_WORDS
from analysis.load.sources import MAX_LINE_BYTES
from analysis.store import quote_identifier


def reader_rejects(cur: duckdb.DuckDBPyConnection, plan: ReadPlan) -> list[tuple[int, str, str, str | None]]:
    """Lines DuckDB's reader could not read, from its reject table on this cursor: (line, error type, plain reason,
    line as written)."""
    # Only CSV reads make the reject table; a failed query would abort the caller's transaction, so look first.
    if not has_reject_table(cur):
        return []
    rows = cur.execute("SELECT line, error_type, column_name, csv_line, error_message FROM reject_errors "
                       "ORDER BY line").fetchall()
    names = {f"c{i}": c.name for i, c in enumerate(plan.columns)}
    words = {f"c{i}": TYPE_WORDS[c.type] for i, c in enumerate(plan.columns)}
    out = []
    for line, error_type, column, csv_line, message in rows:
        out.append((int(line), str(error_type), _line_reason(int(line), str(error_type), names.get(column),
                                                             words.get(column), message or ""), csv_line))
    return out


def create_converted(cur: duckdb.DuckDBPyConnection, table: str, select_sql: str, params: list, plan: ReadPlan, *,
                     temporary: bool = False) -> None:
    """Create ``table`` from the conversion query, planned without the optimizer for a very wide file."""
    wide = run_without_optimizer(plan)
    if wide:
        cur.execute("PRAGMA disable_optimizer")
    try:
        kind = "OR REPLACE TEMP TABLE" if temporary else "TABLE"
        cur.execute(f"CREATE {kind} {quote_identifier(table)} AS {select_sql}", params)
    finally:
        if wide:
            try:
                cur.execute("PRAGMA enable_optimizer")
            except duckdb.Error:  # the cursor's transaction failed with the query; the cursor is not used again
                pass


def settle(cur: duckdb.DuckDBPyConnection, table: str, plan: ReadPlan) -> None:
    """Values written but not converted the quick way ('12 000', ' 31/01/2024 ', '1.5' in whole numbers): convert
    them the careful way where they can be, in place, and take them off their rows' reasons. Few rows, if any."""
    q = quote_identifier(table)
    found = cur.execute(f"SELECT count(*) FROM {q} WHERE contains({REASON_COLUMN}, chr(30))").fetchone()[0]
    if not found:
        return
    cur.execute(f"""CREATE OR REPLACE TEMP TABLE unsettled AS
                    SELECT rowid AS row_id, {REASON_COLUMN} AS reason, unnest({failed_value_sql(REASON_COLUMN)}) AS f
                    FROM {q} WHERE contains({REASON_COLUMN}, chr(30))""")
    changed = False
    for (i,) in cur.execute("SELECT DISTINCT f.col FROM unsettled ORDER BY 1").fetchall():
        col = plan.columns[i]
        careful = careful_sql(col, "f.value", plan.date_order)
        converted = cur.execute(f"SELECT count(*) FROM unsettled WHERE f.col = ? AND {careful} IS NOT NULL",
                                [i]).fetchone()[0]
        if converted:
            cur.execute(f"""UPDATE {q} SET {quote_identifier(col.name)} = s.v
                            FROM (SELECT row_id, {careful} AS v FROM unsettled WHERE f.col = ?) AS s
                            WHERE {q}.rowid = s.row_id AND s.v IS NOT NULL""", [i])
            cur.execute(f"DELETE FROM unsettled WHERE f.col = ? AND {careful} IS NOT NULL", [i])
            changed = True
    if changed:
        # Each affected row's reason again: what is still unsettled, and a missing date if it had one.
        cur.execute(f"""UPDATE {q} SET {REASON_COLUMN} = s.reason FROM (
                            SELECT row_id, nullif(concat_ws(chr(31),
                                       string_agg(CASE WHEN f.value IS NOT NULL OR f.col IS NOT NULL
                                                       THEN f.col || chr(30) || f.value END, chr(31)),
                                       CASE WHEN list_contains(string_split(any_value(reason), chr(31)), ?)
                                            THEN ? END), '') AS reason
                            FROM unsettled GROUP BY row_id) AS s
                        WHERE {q}.rowid = s.row_id""", [MISSING_DATE, MISSING_DATE])
        cur.execute(f"""UPDATE {q} SET {REASON_COLUMN} = CASE WHEN list_contains(string_split({REASON_COLUMN},
                            chr(31)), ?) THEN ? END
                        WHERE contains({REASON_COLUMN}, chr(30)) AND rowid NOT IN (SELECT row_id FROM unsettled)""",
                    [MISSING_DATE, MISSING_DATE])
    cur.execute("DROP TABLE unsettled")


def has_reject_table(cur: duckdb.DuckDBPyConnection) -> bool:
    return bool(cur.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = 'reject_errors'")
                .fetchone()[0])


def _line_reason(line: int, error_type: str, column: str | None, word: str | None, message: str) -> str:
    kind = error_type.upper()
    counts = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", message)
    if kind == "TOO MANY COLUMNS":
        detail = f" ({counts.group(2)} where the header has {counts.group(1)})" if counts else ""
        return f"line {line} has more values than the header has columns{detail}"
    if kind == "MISSING COLUMNS":
        detail = f" ({counts.group(2)} where the header has {counts.group(1)})" if counts else ""
        return f"line {line} has fewer values than the header has columns{detail}"
    if "QUOTE" in kind:
        return (f"line {line} opens a quote (\") that is never closed, so it and the lines after it could not be "
                "read")
    if kind == "LINE SIZE OVER MAXIMUM":
        return f"line {line} is longer than {MAX_LINE_BYTES / 1_048_576:.0f} MB, too long to be a row of data"
    if kind == "INVALID ENCODING" or "UNICODE" in kind:
        return f"line {line} holds bytes that are not text in any encoding Stocktake knows"
    if kind == "CAST" and column:
        value = re.search(r'Could not convert string "(.*)" to', message)
        shown = f"'{value.group(1)}'" if value else "its value"
        return f"line {line}: '{column}': {shown} is not {word}"
    return f"line {line} could not be read"


def reason_summary(cur: duckdb.DuckDBPyConnection, table: str, plan: ReadPlan) -> tuple[int, int, int, dict]:
    """(rows, blank rows, rejected rows, {column position: (failures, first 3 values)}) of a table with a reason
    column; records without a date are under the position -1. The failures are read from the few rows that have a
    reason."""
    q = quote_identifier(table)
    rows, with_reason, blank, missing = cur.execute(
        f"""SELECT count(*), count({REASON_COLUMN}), coalesce(count_if({REASON_COLUMN} = ?), 0),
                   coalesce(count_if(list_contains(string_split({REASON_COLUMN}, chr(31)), ?)), 0) FROM {q}""",
        [BLANK_ROW, MISSING_DATE],
    ).fetchone()
    failures: dict[int, tuple[int, list[str]]] = {}
    if with_reason - blank:
        found = cur.execute(
            f"""SELECT f.col, count(*), list(DISTINCT f.value ORDER BY f.value)[:3] FROM (
                    SELECT unnest({failed_value_sql(REASON_COLUMN)}) AS f FROM {q}
                    WHERE {REASON_COLUMN} IS NOT NULL AND {REASON_COLUMN} <> ?)
                GROUP BY f.col""", [BLANK_ROW]).fetchall()
        failures = {int(col): (int(n), list(examples)) for col, n, examples in found}
    if missing:
        failures[-1] = (int(missing), [])
    return int(rows) - int(blank), int(blank), int(with_reason) - int(blank), failures


def column_counts(cur: duckdb.DuckDBPyConnection, table: str, plan: ReadPlan, *, where: str) -> dict:
    """Per column: filled values, and for dates their range. One scan, over the rows ``where`` (a WHERE clause, or
    '') picks."""
    q = quote_identifier(table)
    parts = []
    for col in plan.columns:
        c = quote_identifier(col.name)
        parts.append(f"count({c})")
        if col.type in (DATE, TIMESTAMP):
            parts += [f"min({c})", f"max({c})"]
    row = cur.execute(f"SELECT count(*), {', '.join(parts)} FROM {q} {where}").fetchone()
    total, out, k = int(row[0]), {}, 1
    for col in plan.columns:
        entry = {"filled": int(row[k])}
        k += 1
        if col.type in (DATE, TIMESTAMP):
            entry.update(first=row[k], last=row[k + 1])
            k += 2
        out[col.name] = entry
    out["__rows__"] = total
    return out


NOT_BLANK_ROWS = f"WHERE coalesce({REASON_COLUMN}, '') <> '{BLANK_ROW}'"


def apply_counts(plan: ReadPlan, counts: dict, failures: dict) -> None:
    """Write counts into the plan's column profiles (filled, blank, failures with examples, grain)."""
    total = counts["__rows__"]
    for i, col in enumerate(plan.columns):
        entry = counts[col.name]
        n_fail, examples = failures.get(i, (0, []))
        col.non_blank = entry["filled"] + n_fail
        col.blank = total - col.non_blank
        col.failures, col.failure_examples = n_fail, examples
        # Detection counted the sample's values; say how many there are in the rows read.
        col.notes = [re.sub(r"^no usable dates: all [\d,]+ values", f"no usable dates: all {col.non_blank:,} values", n)
                     for n in col.notes]


def drop_total_row(cur, staging: str) -> None:
    """The last row that is not blank: the totals row the file ends with (``sniff.trailing_total`` found it)."""
    q = quote_identifier(staging)
    cur.execute(f"""DELETE FROM {q} WHERE rowid = (SELECT max(rowid) FROM {q}
                                                  WHERE coalesce({REASON_COLUMN}, '') <> '{BLANK_ROW}')""")
