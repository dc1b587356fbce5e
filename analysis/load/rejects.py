"""Rows that do not fit: their reasons as sentences, the rejects table kept for download, the first few reasons.

A row's reasons travel through the load as a compact list in the reason column (``analysis.load.convert``); here they are
written out for people: "row 3: 'Cost': 'lots' is not a number". Lines DuckDB's reader could not read at all come
from its reject table (``analysis.load.reading.reader_rejects``) and are listed by line number.
"""

from __future__ import annotations

from analysis.load.convert import (BLANK_ROW, REASON_COLUMN, ReadPlan, converts_itself, expected_words, failed_value_sql,
                              reason_text_sql)
from analysis.store import quote_identifier


def failed_values(cur, staging: str, plan: ReadPlan, name: str, limit: int = 1000) -> list[str]:
    position = [c.name for c in plan.columns].index(name)
    rows = cur.execute(
        f"""SELECT f.value FROM (SELECT unnest({failed_value_sql(REASON_COLUMN)}) AS f FROM {quote_identifier(staging)}
            WHERE {REASON_COLUMN} IS NOT NULL AND {REASON_COLUMN} <> ?) WHERE f.col = ? LIMIT {int(limit)}""",
        [BLANK_ROW, position]).fetchall()
    return [r[0] for r in rows]


def _reason_params(plan: ReadPlan) -> list:
    date_name = plan.required_date or ""
    return [f"'{date_name}' is blank: every record needs a date", [c.name for c in plan.columns],
            expected_words(plan)]


def first_reasons(cur, staging: str, plan: ReadPlan, lines, n: int = 3) -> list[str]:
    """The first few reasons rows were rejected: lines the reader could not read, then values that did not fit."""
    rows = cur.execute(
        f"""SELECT rowid - (SELECT min(rowid) FROM {quote_identifier(staging)}) + 1, {reason_text_sql(REASON_COLUMN)}
            FROM {quote_identifier(staging)} WHERE {REASON_COLUMN} IS NOT NULL AND {REASON_COLUMN} <> ?
            ORDER BY rowid LIMIT {n}""",
        _reason_params(plan) + [BLANK_ROW]).fetchall()
    reasons = [reason for _, _, reason, _ in lines] + [f"row {row}: {reason}" for row, reason in rows]
    return reasons[:n]


def write_rejects(cur, staging: str, rejects_table: str, plan: ReadPlan, lines) -> None:
    """The rejected rows, for download: where (row N of the data, or line N of the file), why, and the values."""
    # A value that did not convert is NULL in its typed column: the rejects show it as written (from the reason), not
    # as a blank ("None").
    failed = failed_value_sql(REASON_COLUMN)
    values = ", ".join(
        (f"coalesce(CAST({quote_identifier(c.name)} AS VARCHAR), list_filter({failed}, lambda f: f.col = {i})[1].value)"
         if converts_itself(c) else f"CAST({quote_identifier(c.name)} AS VARCHAR)") + f" AS {quote_identifier(c.name)}"
        for i, c in enumerate(plan.columns))
    cur.execute(
        f"""CREATE TABLE {quote_identifier(rejects_table)} AS
            SELECT 'row ' || (rowid - (SELECT min(rowid) FROM {quote_identifier(staging)}) + 1) AS "row",
                   {reason_text_sql(REASON_COLUMN)} AS reason, {values}
            FROM {quote_identifier(staging)} WHERE {REASON_COLUMN} IS NOT NULL AND {REASON_COLUMN} <> ?
            ORDER BY rowid""",
        _reason_params(plan) + [BLANK_ROW])
    if lines:
        cur.execute(f"""INSERT INTO {quote_identifier(rejects_table)} ("row", reason)
                        SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[])""",
                    [[f"line {line}" for line, _, _, _ in lines], [reason for _, _, reason, _ in lines]])
