"""What the rows say once they are typed: counts, failures, rejected lines, case variants, suspicious values.

Run as aggregates over the typed table (the load's staging table, or the preview's first rows): one scan for the
counts, a small query over the few rows that carry a reason, one GROUP BY per low-cardinality text column for the
case variants. Also the sentences that describe them, for the Data page's "Problems found" and the load report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Sequence

import duckdb

from analysis import periods
from analysis.load.convert import (BLANK_ROW, MISSING_DATE, REASON_COLUMN, ReadPlan, careful_sql, converts_itself,
                              failed_value_sql, run_without_optimizer)
from analysis.load.detect import DATE, TEXT, TIMESTAMP, TYPE_WORDS
from analysis.load.sources import MAX_LINE_BYTES, Source
from analysis.store import quote_identifier

# Case variants are looked for in text columns with at most this many distinct values (a borough, a reason), not in
# free text or ids.
CASE_VARIANT_MAX_DISTINCT = 5_000
# A date column with more distinct dates than this is daily: its grain is not worked out from every date.
GRAIN_DATES = 5_000
# Above this many rows, repeated record ids are counted over every row only when the sample shows some.
REPEATS_EXACT_MAX_ROWS = 2_000_000
# Dates of a date role outside these years are reported: placeholders such as 01/01/1900 are common.
EARLIEST_PLAUSIBLE_YEAR = 1950
LATEST_PLAUSIBLE_YEARS_AHEAD = 5


@dataclass
class Counts:
    """What one pass over the typed rows found."""

    rows: int = 0  # rows read into the table, blank rows excluded
    blank_rows: int = 0
    rejected: int = 0  # rows with a reason (values that do not convert, a missing date)
    missing_dates: int = 0  # records without a date (rejected)
    reader_rejects: list[tuple[int, str, str]] = field(default_factory=list)  # (line, reason, line as written)
    warnings: list[str] = field(default_factory=list)


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


def date_grains(cur: duckdb.DuckDBPyConnection, table: str, plan: ReadPlan) -> None:
    """The grain of each date column whose values are not periods written as text (those know theirs), as
    ``periods.infer_grain`` reads it from the distinct dates: a KPI series dated 2019-04-01, 2019-07-01, … is
    quarterly. More distinct dates than a few thousand are days."""
    for col in plan.columns:
        if col.type != DATE or col.period_shapes:
            continue
        rows = cur.execute(f"SELECT DISTINCT {quote_identifier(col.name)} FROM {quote_identifier(table)} "
                           f"WHERE {quote_identifier(col.name)} IS NOT NULL LIMIT {GRAIN_DATES + 1}").fetchall()
        if len(rows) > GRAIN_DATES:
            col.grain = "day"
        elif rows:
            col.grain = periods.infer_grain([r[0] for r in rows])


def case_variants(cur: duckdb.DuckDBPyConnection, table: str, plan: ReadPlan, *, where: str = "") -> None:
    """Groups of spellings that differ only in case ('CROYDON' and 'Croydon'), most used first, for the text columns
    whose sample shows few distinct values. One GROUP BY per such column, all in one query.

    The same spellings show any value with spaces around it that the sample did not (so the conversion did not trim
    that column): those few rows are trimmed here, in place, before the spellings are compared.
    """
    candidates = [c for c in plan.columns if c.type == TEXT and c.source_type == "VARCHAR" and c.sample_filled
                  and c.sample_distinct <= CASE_VARIANT_MAX_DISTINCT
                  and (c.sample_complete or c.sample_distinct <= c.sample_filled // 2)]
    if not candidates:
        return
    q = quote_identifier(table)
    parts = [f"(SELECT {i} AS col, {quote_identifier(c.name)} AS value, count(*) AS n FROM {q} {where} "
             f"GROUP BY 2 HAVING value IS NOT NULL LIMIT {CASE_VARIANT_MAX_DISTINCT + 1})"
             for i, c in enumerate(candidates)]
    found = cur.execute(" UNION ALL ".join(parts)).fetchall()
    by_column: dict[int, list[tuple[str, int]]] = {}
    for col, value, n in found:
        by_column.setdefault(int(col), []).append((str(value), int(n)))
    for i, col in enumerate(candidates):
        spellings = by_column.get(i, [])
        if len(spellings) > CASE_VARIANT_MAX_DISTINCT:
            continue
        padded = [value for value, _ in spellings if value != value.strip()]
        if padded:
            c = quote_identifier(col.name)
            cur.execute(f"UPDATE {q} SET {c} = NULLIF(trim({c}), '') WHERE list_contains(?::VARCHAR[], {c})",
                        [padded])
            merged: dict[str, int] = {}
            for value, n in spellings:
                if value.strip():
                    merged[value.strip()] = merged.get(value.strip(), 0) + n
            spellings = list(merged.items())
        col.distinct_values = [value for value, _ in spellings]
        groups: dict[str, list[tuple[str, int]]] = {}
        for value, n in spellings:
            groups.setdefault(value.lower(), []).append((value, n))
        col.case_variants = [sorted(g, key=lambda vn: (-vn[1], vn[0])) for _, g in sorted(groups.items())
                             if len(g) > 1]


def case_map(groups: list[list[tuple[str, int]]]) -> tuple[list[str], list[str]]:
    """Each variant spelling -> its group's most used spelling."""
    variants, canonical = [], []
    for group in groups:
        for value, _ in group[1:]:
            variants.append(value)
            canonical.append(group[0][0])
    return variants, canonical


def _when(value) -> str:
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def value_warnings(cur: duckdb.DuckDBPyConnection, table: str, plan: ReadPlan, counts: dict) -> list[str]:
    """Sentences about values that load but look wrong: dates of a date role far in the past or future, records
    closed before they were received, negative handling times."""
    warnings = []
    latest = date.today().year + LATEST_PLAUSIBLE_YEARS_AHEAD
    by_role = {c.role: c for c in plan.columns if c.role}
    for col in plan.columns:
        entry = counts.get(col.name, {})
        first, last = entry.get("first"), entry.get("last")
        if col.role in ("date", "closed_date", "period") and first is not None:
            if first.year < EARLIEST_PLAUSIBLE_YEAR or last.year > latest:
                warnings.append(f"Column '{col.name}': dates run from {_when(first)} to {_when(last)}. Check the "
                                "earliest and latest: placeholders such as 01/01/1900 or 31/12/2999 are common.")
    q = quote_identifier(table)
    if "date" in by_role and "closed_date" in by_role:
        opened, closed = quote_identifier(by_role["date"].name), quote_identifier(by_role["closed_date"].name)
        n = cur.execute(f"SELECT count_if({closed} < {opened}) FROM {q}").fetchone()[0]
        if n:
            warnings.append(f"{n:,} record(s) were closed before they were received ('{by_role['closed_date'].name}' "
                            f"before '{by_role['date'].name}'): their time to close is negative. Check those dates.")
    if "handling_minutes" in by_role:
        c = quote_identifier(by_role["handling_minutes"].name)
        n = cur.execute(f"SELECT count_if({c} < 0) FROM {q}").fetchone()[0]
        if n:
            warnings.append(f"Column '{by_role['handling_minutes'].name}': {n:,} negative handling time(s).")
    return warnings


def problem_sentences(plan: ReadPlan, counts: Counts, source: Source) -> list[str]:
    """Everything worth telling the user before (or after) a load, one sentence each."""
    problems = list(counts.warnings)
    base = source.source_name
    if counts.reader_rejects:
        n = len(counts.reader_rejects)
        problems.append(f"{n:,} line(s) of '{base}' could not be read and will be rejected (first: "
                        f"{counts.reader_rejects[0][1]}).")
    if counts.blank_rows:
        problems.append(f"{counts.blank_rows:,} row(s) have every value blank: they are skipped, not loaded.")
    if source.total_line:
        problems.append(f"The last row is a totals row ('{source.total_line[:80]}'): it is not loaded.")
    if counts.missing_dates and plan.required_date:
        problems.append(f"{counts.missing_dates:,} record(s) have no '{plan.required_date}': they will be rejected "
                        "(every record needs a date).")
    for i, col in enumerate(plan.columns):
        for note in col.notes:
            if note != "no values":
                problems.append(f"Column '{col.name}': {note}.")
        if col.non_blank == 0 and col.type == TEXT and "no values" in col.notes:
            problems.append(f"Column '{col.name}': every value is blank.")
        if col.type in (DATE, TIMESTAMP) and col.non_blank == 0 and col.failures == 0:
            problems.append(f"Column '{col.name}': no usable dates: every value is blank.")
        if col.failures and converts_itself(col):
            examples = ", ".join(f"'{e}'" for e in col.failure_examples)
            problems.append(f"Column '{col.name}': {col.failures:,} value(s) are not {TYPE_WORDS[col.type]} "
                            f"(for example {examples}); those rows will be rejected.")
        for group in col.case_variants[:5]:
            spelled = " and ".join(f"'{v}' ({n:,})" for v, n in group)
            problems.append(f"Column '{col.name}': {spelled} differ only in case.")
        if len(col.case_variants) > 5:
            problems.append(f"Column '{col.name}': {len(col.case_variants) - 5} more groups of case variants.")
    return problems


def preview_counts(cur: duckdb.DuckDBPyConnection, table: str, plan: ReadPlan, source: Source) -> Counts:
    """Counts over the preview's rows (kept with their reasons), written into the plan's columns."""
    settle(cur, table, plan)
    rows, blank, rejected, failures = reason_summary(cur, table, plan)
    counts = column_counts(cur, table, plan, where=NOT_BLANK_ROWS)
    apply_counts(plan, counts, failures)
    date_grains(cur, table, plan)
    case_variants(cur, table, plan, where=NOT_BLANK_ROWS)
    lines = [line for line in reader_rejects(cur, plan)
             if not source.total_line or (line[3] or "").strip() != source.total_line.strip()]
    result = Counts(rows=rows, blank_rows=blank, rejected=rejected, missing_dates=failures.get(-1, (0, []))[0],
                    reader_rejects=[(line, reason, text) for line, _, reason, text in lines])
    result.warnings = value_warnings(cur, table, plan, counts)
    # What the load will set apart or could leave out, counted over the rows read (nothing is removed here).
    result.warnings += set_spans_aside(cur, table, plan, False, {})
    result.warnings += repeated_ids(cur, table, plan, False, {})
    return result


def drop_total_row(cur, staging: str) -> None:
    """The last row that is not blank: the totals row the file ends with (``sniff.trailing_total`` found it)."""
    q = quote_identifier(staging)
    cur.execute(f"""DELETE FROM {q} WHERE rowid = (SELECT max(rowid) FROM {q}
                                                  WHERE coalesce({REASON_COLUMN}, '') <> '{BLANK_ROW}')""")


def unify_case(cur, staging: str, plan: ReadPlan, columns: bool | Sequence[str]) -> list[str]:
    """Rewrite each case variant to its group's most used spelling, in the columns asked for (True: all)."""
    unify = {c.name for c in plan.columns} if columns is True else set(columns or [])
    unified = []
    for col in plan.columns:
        if col.name in unify and col.case_variants:
            variants, canonical = case_map(col.case_variants)
            q = quote_identifier(col.name)
            cur.execute(f"""UPDATE {quote_identifier(staging)}
                            SET {q} = map_from_entries(list_zip(?::VARCHAR[], ?::VARCHAR[]))[{q}]
                            WHERE list_contains(?::VARCHAR[], {q})""", [variants, canonical, variants])
            unified.append(col.name)
            col.case_variants = []
    if not unified:
        return []
    return ["Case variants unified (each to its most used spelling) in: " + ", ".join(f"'{n}'" for n in unified) + "."]


def set_spans_aside(cur, table: str, plan: ReadPlan, single_years_only: bool, left_out: dict) -> list[str]:
    """Count the multi-year spans each period column set apart in its span column ('2010-14' among '2010-11'), and
    say so; with ``single_years_only`` leave their rows out (counted in ``left_out``) and the span column with them."""
    sentences = []
    q = quote_identifier(table)
    for col in plan.columns:
        if not col.span_column or not converts_itself(col) or col.span_column in plan.dropped:
            continue
        s = quote_identifier(col.span_column)
        n, distinct, examples = cur.execute(
            f"SELECT count({s}), count(DISTINCT {s}), list(DISTINCT {s} ORDER BY {s})[:3] FROM {q}").fetchone()
        col.span_rows = int(n)
        grain = periods.GRAIN_UNITS.get(col.grain, "periods")
        such = ", ".join(f"'{e}'" for e in examples or [])
        if single_years_only or not n:
            cur.execute(f"DELETE FROM {q} WHERE {s} IS NOT NULL")
            cur.execute(f"ALTER TABLE {q} DROP COLUMN {s}")
            plan.dropped.add(col.span_column)
            if n:
                left_out["multi-year spans"] = left_out.get("multi-year spans", 0) + int(n)
                sentences.append(f"{int(n):,} rows of multi-year spans in '{col.name}' (such as {such}) were left "
                                 f"out, as asked: only single {grain} are loaded.")
            continue
        sentences.append(
            f"Column '{col.name}': {int(n):,} rows hold multi-year spans ({int(distinct):,} different, such as {such}), "
            f"not single {grain}. They are set apart in the column '{col.span_column}' with no period of their own, "
            "so no chart mixes them with single years; to load the single years only, choose 'single years only' "
            "(command line: --single-years-only).")
    return sentences


def dropped_columns(plan: ReadPlan) -> set:
    return set(plan.dropped)


def repeated_ids(cur, table: str, plan: ReadPlan, drop_duplicates: bool, left_out: dict) -> list[str]:
    """Rows that repeat a record id already used by another row, and how many of them are exact copies of an earlier
    row (every value the same); with ``drop_duplicates`` the copies are left out (counted in ``left_out``)."""
    id_column = next((c for c in plan.columns if c.role in ("record_id", "transaction_id")), None)  # or a payment's
    if id_column is None:
        return []
    q, c = quote_identifier(table), quote_identifier(id_column.name)
    if id_column.sample_distinct >= id_column.sample_filled and not id_column.sample_complete:
        # A large file whose sample repeats no id: counting every id again is a hash of millions of values (3 s at
        # 10M rows, a third of the load). Checked over every row when the file is small or the sample shows repeats.
        rows = cur.execute(f"SELECT count(*) FROM {q}").fetchone()[0]
        if rows > REPEATS_EXACT_MAX_ROWS:
            plan.repeated_ids = plan.exact_duplicates = 0
            return []
    repeats = cur.execute(f"""SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM {q}
                              WHERE {c} IS NOT NULL GROUP BY {c} HAVING count(*) > 1)""").fetchone()[0]
    plan.repeated_ids = int(repeats)
    if not repeats:
        plan.exact_duplicates = 0
        return []
    names = [r[0] for r in cur.execute(f"SELECT column_name FROM (DESCRIBE {q})").fetchall()
             if r[0] != REASON_COLUMN]
    every = ", ".join(quote_identifier(n) for n in names)
    # Blank rows (every value missing) are not copies of one another: only rows with an id are compared.
    exact = cur.execute(f"""SELECT count(*) - (SELECT count(*) FROM (SELECT DISTINCT {every} FROM {q}
                                                                      WHERE {c} IS NOT NULL))
                            FROM {q} WHERE {c} IS NOT NULL""").fetchone()[0]
    plan.exact_duplicates = int(exact)
    said = (f"{int(repeats):,} rows repeat a value of '{id_column.name}' (the {id_column.role.replace('_', ' ')}) "
            f"that an earlier row has; {int(exact):,} of them are exact copies of an earlier row.")
    if drop_duplicates and exact:
        cur.execute(f"""DELETE FROM {q} WHERE {c} IS NOT NULL AND rowid NOT IN (
                            SELECT min(rowid) FROM {q} WHERE {c} IS NOT NULL GROUP BY {every})""")
        left_out["exact duplicates"] = left_out.get("exact duplicates", 0) + int(exact)
        kept = int(repeats) - int(exact)
        return [said + f" The {int(exact):,} copies were left out, as asked"
                + (f"; the other {kept:,} differ from the first and are kept." if kept else ".")]
    if exact:
        return [said + " They are loaded as they are; choose 'drop exact duplicates' (command line: "
                "--drop-duplicates) to leave the copies out."]
    return [said + " None is an exact copy, so all are loaded: check whether the id is really unique."]


def check_suggested_ids(cur, staging: str, plan: ReadPlan) -> list[str]:
    """A suggested customer or property id whose values are almost all different over every row is not one."""
    warnings = []
    for col in plan.columns:
        if col.role in ("customer_id", "property_id") and not col.sample_complete:
            q = quote_identifier(col.name)
            distinct, filled = cur.execute(
                f"SELECT approx_count_distinct({q}), count({q}) FROM {quote_identifier(staging)}").fetchone()
            if filled and distinct >= filled * 0.95:
                warnings.append(f"Column '{col.name}' was not given the role {col.role.replace('_', ' ')}: almost "
                                "every value is different, so nobody repeats. Set it on the Data page if it is one.")
                col.role = None
    return warnings
