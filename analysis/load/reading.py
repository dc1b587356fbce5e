"""Step 4 of reading a file, read and convert: every row read once and converted the way the plan says, into a table
whose reason column is empty for good rows; what that one pass counted (rows, blanks, failures per column), and the
lines DuckDB's reader could not read, in plain words.

Shared by the load (over every row, into the staging table) and the Data page's preview (over its first rows, into a
TEMP table). The values the quick way could not convert are settled the careful way here. What the typed rows then say
is the next step (``analysis.load.checks``). When the whole file disagrees with its sample (a Windows-1252 byte after
the first megabyte, a column that is mostly not numbers after all), :func:`check_agreement` says to read it again with
the plan corrected (:class:`ReadAgain`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import duckdb

from analysis.load import rejects, sources
from analysis.load.convert import (BLANK_ROW, MISSING_DATE, REASON_COLUMN, ReadPlan, careful_sql, failed_value_sql,
                                   load_select_sql, run_without_optimizer)
from analysis.load.detect import (DATE, MAX_FAILURE_SHARE, MONTH_FIRST, TEXT, TIMESTAMP, TYPE_WORDS, date_order_votes,
                                  looks_like_date)
from analysis.load.planning import Planned
from analysis.load.sources import MAX_LINE_BYTES
from analysis.store import quote_identifier


def reader_rejects(cur: duckdb.DuckDBPyConnection, plan: ReadPlan) -> list[tuple[int, str, str, str | None]]:
    """Lines DuckDB's reader could not read, from its reject table on this cursor: (line, error type, plain reason,
    line as written)."""
    # Only CSV reads make the reject table; a failed query would abort the caller's transaction, so look first.
    if not sources.has_reject_table(cur):
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


@dataclass(frozen=True)
class Converted:
    """Step 4's result: every row read into ``table`` with its reason, and what that one pass counted."""

    planned: Planned
    table: str
    rows: int  # rows read into the table, blank rows excluded
    blank: int  # rows with every value blank
    rejected: int  # rows with a reason (values that do not convert, a missing date)
    failures: dict  # column position -> (failures, first values); -1: records without a date
    counts: dict  # per column: filled values and, for dates, their range (column_counts)
    lines: list  # lines the reader could not read: (line, error type, reason, line as written)


def read_rows(cur: duckdb.DuckDBPyConnection, planned: Planned, table: str, *, limit: int | None = None,
              temporary: bool = False) -> Converted:
    """Read every row (the first ``limit``) into ``table`` as the plan says; leave out the file's totals row, settle
    what the quick way could not convert, and count."""
    source, plan = planned.source, planned.plan
    relation, params = source.relation_sql(limit=limit)
    for temp in ("reject_errors", "reject_scans"):
        cur.execute(f"DROP TABLE IF EXISTS {temp}")
    create_converted(cur, table, load_select_sql(plan, relation), params, plan, temporary=temporary)
    lines = reader_rejects(cur, plan)
    if source.total_line:
        # The totals row is left out, not rejected (the reader may have refused it for its shape).
        kept = [line for line in lines if (line[3] or "").strip() != source.total_line.strip()]
        total_rejected, lines = len(kept) < len(lines), kept
        if source.file_format == "csv" and not total_rejected and _read_to_the_end(cur, table, limit):
            drop_total_row(cur, table)
    settle(cur, table, plan)
    rows, blank, rejected, failures = reason_summary(cur, table, plan)
    counts = column_counts(cur, table, plan, where=NOT_BLANK_ROWS)
    apply_counts(plan, counts, failures)
    return Converted(planned, table, rows, blank, rejected, failures, counts, lines)


def _read_to_the_end(cur: duckdb.DuckDBPyConnection, table: str, limit: int | None) -> bool:
    """Whether the read reached the file's last row (a preview reads only its first ``limit``)."""
    return not limit or cur.execute(f"SELECT count(*) FROM {quote_identifier(table)}").fetchone()[0] < limit


class ReadAgain(Exception):
    """The whole file disagrees with its sample: roll back and read it again as ``planned`` (corrected) says."""

    def __init__(self, planned: Planned):
        super().__init__()
        self.planned = planned


def check_agreement(cur: duckdb.DuckDBPyConnection, converted: Converted, forced: set[str]) -> None:
    """Raise :class:`ReadAgain` when the rows disagree with the sample the plan was made from: bytes that are not
    UTF-8 after the sampled parts (read again as Windows-1252), or a column typed from its sample whose values mostly
    do not convert after all (kept as text) or are month-first dates (read month-first). Columns whose type the user
    chose (``forced``) are left as chosen."""
    planned = converted.planned
    source = planned.source
    if source.encoding == "utf-8" and any("ENCODING" in kind or "UNICODE" in kind for _, kind, _, _ in converted.lines):
        raise ReadAgain(replace(planned, source=sources.read_as_cp1252(source)))
    plan, again = planned.plan, False
    for col in plan.columns:
        if not col.failures or col.name in forced:
            continue
        if col.type in (DATE, TIMESTAMP) and "Nothing in the dates settles" in plan.date_order_reason \
                and any("{A}" in f for f in col.date_formats):
            day_first, month_first = date_order_votes(rejects.failed_values(cur, converted.table, plan, col.name))
            if month_first and not day_first:
                plan.date_order = MONTH_FIRST
                plan.date_order_reason = (f"Dates read month-first (US): {month_first:,} values such as 12/31 only "
                                          "make sense that way.")
                raise ReadAgain(planned)
        failed = col.failures
        if col.type in (DATE, TIMESTAMP) and not col.period_shapes:
            # Impossible dates written as dates (29/02/2023, or month-first among day-first) are rejected rows;
            # only values that are not dates at all say the column is not one.
            failed = sum(1 for v in rejects.failed_values(cur, converted.table, plan, col.name)
                         if not looks_like_date(v))
        if failed > col.non_blank * MAX_FAILURE_SHARE:
            col.notes.append(f"looked like {TYPE_WORDS[col.type]} but {col.failures:,} of {col.non_blank:,} values "
                             "are not: kept as text")
            col.type, col.date_formats, col.period_shapes, col.grain = TEXT, [], [], None
            col.spans, col.span_column = 0, None
            again = True
    if again:
        raise ReadAgain(planned)
