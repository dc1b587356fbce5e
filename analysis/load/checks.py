"""Step 5 of a load, check: what the rows say once they are typed, and the fixes asked for, before they are swapped in.

The checks are aggregates over the typed table (the load's staging table, or the preview's first rows): one GROUP BY
per low-cardinality text column for the case variants, the date grains, dates far in the past or future, multi-year
spans, repeated record ids; with the sentences that describe them, for the Data page's "Problems found" and the load
report. :func:`check_rows` is the load's step: the rejected rows set aside (a load that would reject most of them
stops first), the checks run, the fixes made (case variants unified, spans or copies left out), total rows marked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Sequence

import duckdb

from analysis.errors import StocktakeError
from analysis.load import reading, rejects
from analysis.load.commit import Target
from analysis.load.convert import REASON_COLUMN, ReadPlan, converts_itself, output_columns
from analysis.load.detect import DATE, TEXT, TIMESTAMP, TYPE_WORDS
from analysis.load.request import LoadRequest, Progress
from analysis.load.sources import Source
from analysis.load.totals import TOTAL_ROLE, mark_for_load
from analysis.spend import checks as spend_checks
from analysis.store import Column, quote_identifier

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
# A load that would reject more than this share of the rows stops and asks first.
REJECT_SHARE_LIMIT = 0.5


@dataclass
class Counts:
    """What one pass over the typed rows found."""

    rows: int = 0  # rows read into the table, blank rows excluded
    blank_rows: int = 0
    rejected: int = 0  # rows with a reason (values that do not convert, a missing date)
    missing_dates: int = 0  # records without a date (rejected)
    reader_rejects: list[tuple[int, str, str]] = field(default_factory=list)  # (line, reason, line as written)
    warnings: list[str] = field(default_factory=list)


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
            from analysis import periods  # here: periods imports pandas, which a load of times never needs

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
        from analysis.periods import GRAIN_UNITS

        grain = GRAIN_UNITS.get(col.grain, "periods")
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


# ----- step 5 of a load: the rows checked before they are swapped in -----------------------------------------------

class TooManyRejects(StocktakeError):
    """A load that would reject more than half the rows: nothing was written. Load again with
    ``accept_rejects=True`` to keep the rows that fit."""

    def __init__(self, message: str, rows_read: int, rows_rejected: int, first_reasons: list[str]):
        super().__init__(message)
        self.rows_read, self.rows_rejected, self.first_reasons = rows_read, rows_rejected, first_reasons


@dataclass(frozen=True)
class Checked:
    """Step 5's result: the staging table as it will be swapped in (rejected rows set aside, fixes made), its
    columns, and what the load says about its rows."""

    converted: reading.Converted
    columns: list[Column]
    warnings: list[str]
    rows_rejected: int  # rows and unreadable lines set aside in the rejects table
    rows_left_out: dict[str, int]  # read and converted but left out, as asked (exact duplicates, multi-year spans)
    rows_total: int  # rows marked as totals of the others


def check_rows(cur: duckdb.DuckDBPyConnection, converted: reading.Converted, target: Target, request: LoadRequest,
               say: Progress) -> Checked:
    """Set the rejected rows aside (refusing a load that would reject every row, or more than half unless
    accepted), then look at what the rows say, make the fixes asked for, mark total rows and write the warnings."""
    source, plan, staging = converted.planned.source, converted.planned.plan, converted.table
    lines = converted.lines
    rows_read = converted.rows + len(lines)
    rows_rejected = converted.rejected + len(lines)
    first = rejects.first_reasons(cur, staging, plan, lines) if rows_rejected else []
    if rows_rejected >= rows_read:
        reason = f" (first reason: {first[0]})" if first else ""
        raise StocktakeError(f"Every row of '{source.source_name}' was rejected, so nothing was loaded{reason}. "
                             "Check the column types and the date column, then try again.")
    if rows_rejected > rows_read * REJECT_SHARE_LIMIT and not request.accept_rejects:
        raise TooManyRejects(
            f"{rows_rejected:,} of the {rows_read:,} rows of '{source.source_name}' would be rejected, more than "
            f"half, so nothing was loaded (first reasons: {'; '.join(first)}). Check the column types and the "
            "date column; to keep the rows that fit, confirm the load.",
            rows_read, rows_rejected, first)
    if rows_rejected:
        rejects.write_rejects(cur, staging, target.rejects_table, plan, lines)
    if converted.rejected or converted.blank:
        cur.execute(f"DELETE FROM {quote_identifier(staging)} WHERE {REASON_COLUMN} IS NOT NULL")
    cur.execute(f"ALTER TABLE {quote_identifier(staging)} DROP COLUMN {REASON_COLUMN}")
    say(0.75, "Looking for spellings that differ only in case")
    date_grains(cur, staging, plan)
    case_variants(cur, staging, plan)
    # Fixes first, then the report: it describes the data as loaded (after merges), not as first read.
    unified = unify_case(cur, staging, plan, request.unify_case)
    left_out: dict[str, int] = {}
    after = set_spans_aside(cur, staging, plan, request.single_years_only, left_out)
    after += repeated_ids(cur, staging, plan, request.drop_duplicates, left_out)
    ids = check_suggested_ids(cur, staging, plan) if not request.roles_given else []
    columns = [Column(n, t, r, g) for n, t, r, g in output_columns(plan) if n not in dropped_columns(plan)]
    known = {c.name: c.distinct_values for c in plan.columns if c.distinct_values is not None}
    totals = mark_for_load(cur, staging, columns, request.kind, target.appended_to, known)
    if totals.column:
        columns.append(Column(totals.column, TEXT, TOTAL_ROLE))
    counted = Counts(converted.rows, converted.blank, converted.rejected,
                     missing_dates=converted.failures.get(-1, (0, []))[0],
                     reader_rejects=[(line, reason, text) for line, _, reason, text in lines])
    warnings = list(source.notes)
    if any(c.type in (DATE, TIMESTAMP) and c.source_type == "VARCHAR" and any("{A}" in f for f in c.date_formats)
           for c in plan.columns):
        warnings.insert(0, plan.date_order_reason)
    warnings += problem_sentences(plan, counted, source)
    if request.kind == "records" and plan.required_date is None:
        warnings.append("No column has the date role: the Explore pages need one. Set it on the Data page.")
    warnings += value_warnings(cur, staging, plan, converted.counts)
    warnings += unified + after + totals.sentences + ids
    # A payments file's own checks: credits beyond the spend, dates outside the file's month, a month loaded twice.
    warnings += spend_checks.load_checks(cur, staging, plan, output_columns(plan), request.kind, target.appended_to,
                                         source.source_name)
    return Checked(converted, columns, warnings, rows_rejected, left_out, totals.rows)
