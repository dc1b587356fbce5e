"""Step 3 of reading a file, plan: a sample of the table (its first rows, and pieces from across a large file)
decides each column's type, the date order, period grains and roles, and whether DuckDB's reader can type a column
itself.

The Data page's preview and the load make the same plan from the same file (:func:`plan_read`), so what the page
shows is what the load does. The next step reads every row that way (``analysis.load.reading``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import duckdb

from analysis.errors import StocktakeError
from analysis.load import period_text, sources
from analysis.load.convert import ReadPlan, raw_column
from analysis.load.detect import (COLUMN_TYPES, DATE, DETECT_VALUES, INTEGER, NUMBER, TEXT, TIMESTAMP, ColumnProfile,
                                  apply_periods, date_order_votes, decide_date_order, profile_sample,
                                  type_from_duckdb)
from analysis.load.sources import Source
from analysis.load.suggest import is_row_number, passed_over, suggest_roles
from analysis.roles import check_role_types, check_roles

log = logging.getLogger(__name__)

SAMPLE_ROWS = 10_000


@dataclass(frozen=True)
class Planned:
    """Step 3's result: the source, readable on the cursor it was planned on, its sample (column -> values as
    text) and the plan decided from it. The plan's column profiles are filled in with what the rows showed as the
    later steps count them."""

    source: Source
    sample: dict[str, list]
    plan: ReadPlan
    complete: bool = True  # the sample is the whole table


def plan_again(planned: Planned, *, kind: str, types: dict[str, str] | None, roles: dict[str, str | None] | None,
               date_order: str | None) -> Planned:
    """The plan decided again from the same sample for another kind (its roles differ): no second read of the file."""
    return replace(planned, plan=decide_plan(planned.source, planned.sample, planned.complete, kind=kind, types=types,
                                             roles=roles, date_order=date_order))


def read_sample(cur: duckdb.DuckDBPyConnection, source: Source) -> tuple[dict[str, list], bool]:
    """Each column's sampled values as text (the first SAMPLE_ROWS rows and, for a large CSV, records from across
    the file), and whether the sample is the whole file."""
    if source.file_format == "excel":
        frame = source.frame
        values = {name: frame[raw_column(i)].tolist() for i, name in enumerate(source.names)}
        return values, True
    relation, params = source.relation_sql(limit=SAMPLE_ROWS + 1)
    try:
        rows = cur.execute(f"SELECT * FROM {relation}", params).fetchall()
    except duckdb.Error:
        log.warning("could not read a sample of %s", source.path, exc_info=True)
        raise StocktakeError(f"'{source.source_name}' could not be read as a table: check that it is a CSV, Excel or "
                             "Parquet export with a header row.") from None
    complete = len(rows) <= SAMPLE_ROWS
    rows = rows[:SAMPLE_ROWS]
    if complete and source.total_line is not None and rows:
        rows = rows[:-1]  # the totals row is not data
    if not rows and source.file_format == "csv" and not _any_rejected_line(cur):
        raise StocktakeError(f"'{source.source_name}' has a header but no rows of data: there is nothing to load.")
    width = len(source.names)
    spread = [r for r in source.spread_rows if len(r) == width] if not complete else []
    as_text = (lambda v: v) if source.file_format == "csv" else (lambda v: None if v is None else str(v))
    values = {name: [as_text(r[i]) for r in rows] + [r[i] for r in spread] for i, name in enumerate(source.names)}
    return values, complete


def _any_rejected_line(cur) -> bool:
    return sources.has_reject_table(cur) and bool(cur.execute("SELECT count(*) FROM reject_errors").fetchone()[0])


def decide_plan(source: Source, sample: dict[str, list], complete: bool, *, kind: str, types: dict[str, str] | None,
              roles: dict[str, str | None] | None, date_order: str | None) -> ReadPlan:
    """Each column's type (detected, or as the user chose), the date order and the roles (suggested when ``roles``
    is None)."""
    types = dict(types or {})
    names = list(source.names)
    unknown = [n for n in list(types) + list(roles or {}) if n not in names]
    if unknown:
        raise StocktakeError(f"The file has no column called '{unknown[0]}'. Its columns are: {', '.join(names)}.")
    for name, chosen in types.items():
        if chosen not in COLUMN_TYPES:
            raise StocktakeError(f"'{chosen}' is not a column type for '{name}': use one of {', '.join(COLUMN_TYPES)}.")
    decimal_comma = source.delimiter == ";"
    per_column = max(50, min(500, DETECT_VALUES // max(len(names), 1)))
    columns: list[ColumnProfile] = []
    for i, name in enumerate(names):
        source_type = source.source_types[i] if source.source_types else "VARCHAR"
        values = sample[name]
        if source_type == "VARCHAR":
            col = profile_sample(name, values, decimal_comma=decimal_comma, complete=complete,
                                 detect_values=per_column)
        else:
            detected = type_from_duckdb(source_type)
            col = profile_sample(name, [None if v is None else str(v) for v in values], complete=complete)
            col.detected_type = col.type = detected
            col.date_formats, col.period_shapes, col.grain, col.notes = [], [], None, []
        col.source_type = source_type
        if name in types and types[name] != col.type:
            if source_type != "VARCHAR" and types[name] not in (TEXT, col.detected_type):
                raise StocktakeError(f"Column '{name}' is stored in the file as {source_type}; it can be read as "
                                     f"{col.detected_type} or text only.")
            col.type = types[name]
            if col.type != DATE or col.detected_type != DATE:
                col.period_shapes, col.grain = [], None
            if col.type in (DATE, TIMESTAMP) and source_type == "VARCHAR" and col.detected_type not in (DATE,
                                                                                                         TIMESTAMP):
                # A column made a date by hand may hold periods (201607, '2016-17'): read them as such, not as
                # dates that every row fails.
                found = period_text.detect_periods([v for v in values if v], header=name)
                if found:
                    detected = col.detected_type  # what the file showed stays what the page calls "detected"
                    apply_periods(col, found, next(v for v in values if v))
                    col.detected_type, col.type = detected, DATE
            if col.type in (NUMBER, INTEGER):
                col.decimal_comma = decimal_comma
        if name == getattr(source, "period_column", None) and name not in types and col.type != DATE:
            # The headers of a table with one column per period, made rows: periods of the layout's grain, even
            # when they are plain years (2019, 2020) that would otherwise be numbers.
            found = period_text.detect_periods([v for v in values if v], header=name) or (
                period_text.PeriodColumn("year", ["calendar_year"]) if source.wide.grain == "year" else None)
            if found:
                apply_periods(col, found, next(v for v in values if v))
        if col.type != DATE or not col.period_shapes:
            col.spans, col.span_examples = 0, []
        columns.append(col)
    taken = {n.lower() for n in names}
    for col in columns:
        col.row_number = is_row_number(col)
        col.span_column = None
        if col.spans:
            col.span_column = _free_name(f"{col.name} (multi-year span)", taken)

    open_dates = [c for c in columns if c.type in (DATE, TIMESTAMP) and c.source_type == "VARCHAR"
                  and not c.period_shapes and (any("{A}" in f for f in c.date_formats) or not c.date_formats)]
    day_votes = month_votes = 0
    for col in open_dates:
        d, m = date_order_votes([v for v in sample[col.name] if v])
        day_votes, month_votes = day_votes + d, month_votes + m
    order, order_reason = decide_date_order(day_votes, month_votes, date_order)

    chosen_roles = suggest_roles(kind, columns) if roles is None else {k: v for k, v in roles.items() if v}
    check_roles(kind, chosen_roles, names)
    check_role_types(kind, chosen_roles, {c.name: c.type for c in columns})
    for col in columns:
        col.role = chosen_roles.get(col.name)
    if roles is None:
        # Say why a column that looked like the date or the amount was not given that role.
        for name, note in passed_over(kind, columns).items():
            next(c for c in columns if c.name == name).notes.append(note)
    required = next((c.name for c in columns if c.role == "date"), None) if kind == "records" else None
    return ReadPlan(columns=columns, date_order=order, date_order_reason=order_reason, required_date=required)


def _free_name(name: str, taken: set[str]) -> str:
    """``name``, numbered when the file already has a column called that."""
    candidate, n = name, 2
    while candidate.lower() in taken:
        candidate, n = f"{name} ({n})", n + 1
    taken.add(candidate.lower())
    return candidate


def plan_read(cur: duckdb.DuckDBPyConnection, source: Source, *, kind: str, types: dict[str, str] | None,
              roles: dict[str, str | None] | None, date_order: str | None) -> Planned:
    """Step 3: make the source readable on ``cur``, read its sample, and decide every column's type from it."""
    if source.frame is not None:
        cur.register(sources.FRAME_NAME, source.frame)
    sample, complete = read_sample(cur, source)
    plan = decide_plan(source, sample, complete, kind=kind, types=types, roles=roles, date_order=date_order)
    return Planned(source, sample, plan, complete)
