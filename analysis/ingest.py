"""Loading: a file or a frame becomes a typed table in the store, atomically, with a report of what was rejected.

The commit step is shared by every way in (file from the Data page, file from the CLI, frame from the demo
generator): the new rows are written to a staging table and swapped in, with the catalogue, in one DuckDB
transaction, so a failure or a killed process leaves the previous version of the dataset exactly as it was.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
import re
from typing import Callable, Sequence

import duckdb
import pandas as pd

from analysis import store
from analysis.errors import StocktakeError
from analysis.roles import KINDS, ROLES_BY_KIND, role_clashes
from analysis.convert import ROW_COLUMN, converted_sql, fail_column, filled_sql
from analysis.detect import (  # noqa: F401  (the type names and date orders are part of ingest's interface)
    COLUMN_TYPES, DATE, DAY_FIRST, INTEGER, MAX_FAILURE_SHARE, MONTH_FIRST, NULL_TOKENS, NUMBER, TEXT, TIMESTAMP,
    TYPE_WORDS, decide_date_order, detect_column_type, resolve_date_formats, suggest_roles, type_from_duckdb,
)
from analysis.store import Column, quote_identifier

Progress = Callable[[float, str], None]

REPLACE = "replace"
APPEND = "append"

# Test hook: seconds to wait inside the load transaction just before COMMIT, so a test can kill the process there
# and check that the previous version survives. Never set in normal use.
_PAUSE_BEFORE_COMMIT_ENV = "STOCKTAKE_PAUSE_BEFORE_COMMIT"


@dataclass
class LoadReport:
    """What a load did, as the Data page shows it and the CLI prints it (``as_dict``)."""

    dataset: str
    kind: str
    table: str
    rows_loaded: int
    rows_rejected: int
    columns: list[Column]
    warnings: list[str] = field(default_factory=list)
    rejects: pd.DataFrame = field(default_factory=pd.DataFrame)  # row number, reason, raw values
    version: int = 0

    def as_dict(self) -> dict:
        return {
            "dataset": self.dataset,
            "kind": self.kind,
            "table": self.table,
            "rows_loaded": self.rows_loaded,
            "rows_rejected": self.rows_rejected,
            "columns": [{"name": c.name, "type": c.type, "role": c.role} for c in self.columns],
            "warnings": list(self.warnings),
        }


def _no_progress(fraction: float, message: str) -> None:
    pass


def column_type_of(dtype) -> str:
    """Stocktake's type name for a pandas dtype."""
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "timestamp"
    if pd.api.types.is_bool_dtype(dtype):
        return "text"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "number"
    return "text"


def _check_kind_and_roles(kind: str, roles: dict[str, str | None], column_names: Sequence[str]) -> None:
    if kind not in KINDS:
        raise StocktakeError(f"'{kind}' is not a dataset kind: use one of {', '.join(KINDS)}.")
    allowed = ROLES_BY_KIND[kind]
    for column, role in roles.items():
        if not role:
            continue
        if column not in column_names:
            raise StocktakeError(f"A role was given for column '{column}', but the data has no such column.")
        if role not in allowed:
            raise StocktakeError(f"'{role}' is not a role for a {kind} dataset: use one of {', '.join(allowed)}.")
    for first, other, role in role_clashes(roles)[:1]:
        raise StocktakeError(f"Columns '{first}' and '{other}' were both given the role '{role}': choose one.")


def commit_table(
    con: duckdb.DuckDBPyConnection,
    *,
    dataset: str,
    kind: str,
    source_file: str,
    select_sql: str,
    params: Sequence | None,
    columns: list[Column],
    mode: str = REPLACE,
    rejects_sql: str | None = None,
    cursor: duckdb.DuckDBPyConnection | None = None,
) -> tuple[int, int]:
    """Write ``select_sql``'s rows as the dataset's table and update the catalogue, all in one transaction.

    ``select_sql`` must produce exactly ``columns`` in order. With ``mode="append"`` the rows are added to the
    existing table, whose columns must match. ``rejects_sql``, if given, produces the rejected rows, kept in the
    dataset's rejects table for download. Returns (rows now in the dataset, catalogue version).

    Pass ``cursor`` when the select reads TEMP tables or registered frames (they are visible only on the cursor that
    made them).
    """
    dataset = store.validate_dataset_name(dataset)
    table = store.table_name_for(dataset)
    staging = f"{table}__staging"
    existing = {d.name: d for d in store.list_datasets(con)}
    clash = [d for d in existing.values() if d.table == table and d.name != dataset]
    if clash:
        raise StocktakeError(
            f"The name '{dataset}' is too close to the existing dataset '{clash[0].name}': choose another name."
        )
    if mode == APPEND:
        if dataset not in existing:
            raise StocktakeError(f"Cannot append to '{dataset}': there is no such dataset yet. Load it first.")
        _check_append_columns(existing[dataset], columns)
    with store.transaction(con, cursor) as cur:
        if mode == APPEND:
            cur.execute(f"INSERT INTO {quote_identifier(table)} {select_sql}", params or [])
        else:
            cur.execute(f"DROP TABLE IF EXISTS {quote_identifier(staging)}")
            cur.execute(f"CREATE TABLE {quote_identifier(staging)} AS {select_sql}", params or [])
            cur.execute(f"DROP TABLE IF EXISTS {quote_identifier(table)}")
            cur.execute(f"ALTER TABLE {quote_identifier(staging)} RENAME TO {quote_identifier(table)}")
        # Whatever was worked out from the old rows (rejects, repeat-demand tables) no longer describes the data.
        store.drop_derived_tables(cur, table)
        rejects_table = store.rejects_table_for(table)
        if rejects_sql:
            cur.execute(f"CREATE TABLE {quote_identifier(rejects_table)} AS {rejects_sql}")
        row_count = int(cur.execute(f"SELECT count(*) FROM {quote_identifier(table)}").fetchone()[0])
        if mode == APPEND:
            # Roles may have been edited since the first load: keep them.
            roles = existing[dataset].roles
            by_role = {name: role for role, name in roles.items()}
            columns = [Column(c.name, c.type, by_role.get(c.name)) for c in existing[dataset].columns]
        version = store.write_catalogue_entry(
            cur, dataset=dataset, kind=kind, table=table, source_file=source_file, row_count=row_count,
            columns=columns,
        )
        pause = float(os.environ.get(_PAUSE_BEFORE_COMMIT_ENV, "0") or 0)
        if pause:
            import time

            time.sleep(pause)
    return row_count, version


def _check_append_columns(existing: store.Dataset, columns: list[Column]) -> None:
    old = [(c.name, c.type) for c in existing.columns]
    new = [(c.name, c.type) for c in columns]
    if old == new:
        return
    old_names = [n for n, _ in old]
    new_names = [n for n, _ in new]
    missing = [n for n in old_names if n not in new_names]
    extra = [n for n in new_names if n not in old_names]
    problems = []
    if missing:
        problems.append("missing " + ", ".join(f"'{n}'" for n in missing))
    if extra:
        problems.append("not in the dataset: " + ", ".join(f"'{n}'" for n in extra))
    retyped = [f"'{n}' ({dict(old)[n]} in the dataset, {t} in the file)" for n, t in new if n in dict(old) and dict(old)[n] != t]
    if retyped:
        problems.append("different types: " + ", ".join(retyped))
    if not problems and old_names != new_names:
        problems.append("the same columns in a different order")
    raise StocktakeError(
        f"Cannot append to '{existing.name}': the columns do not match ({'; '.join(problems)}). "
        "Load it as a new dataset, or use --replace."
    )


def load_frame(
    con: duckdb.DuckDBPyConnection,
    frame: pd.DataFrame,
    *,
    dataset: str,
    kind: str,
    roles: dict[str, str | None] | None = None,
    source_file: str = "(generated)",
    mode: str = REPLACE,
) -> LoadReport:
    """Load an already typed DataFrame as a dataset (the demo generator and tests use this).

    ``roles`` maps column name -> role. Dates should be datetime64 columns; they are stored as TIMESTAMP.
    """
    roles = roles or {}
    _check_kind_and_roles(kind, roles, list(frame.columns))
    columns = [Column(str(name), column_type_of(frame[name].dtype), roles.get(name)) for name in frame.columns]
    cur = con.cursor()
    try:
        cur.register("incoming_frame", frame)
        select_list = ", ".join(quote_identifier(c.name) for c in columns)
        rows, version = commit_table(
            con, dataset=dataset, kind=kind, source_file=source_file,
            select_sql=f"SELECT {select_list} FROM incoming_frame", params=None, columns=columns, mode=mode,
            cursor=cur,
        )
    finally:
        cur.close()
    ds = store.get_dataset(con, store.validate_dataset_name(dataset))
    return LoadReport(ds.name, kind, ds.table, len(frame), 0, list(ds.columns), version=version)


# ---------------------------------------------------------------------------------------------------------------
# Files: read as text, decide each column's type from the data, convert in DuckDB, reject what does not convert.
# ---------------------------------------------------------------------------------------------------------------

CSV_SUFFIXES = {".csv", ".tsv", ".txt", ".tab"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
PARQUET_SUFFIXES = {".parquet", ".pq"}

PREVIEW_ROWS = 100_000
SAMPLE_VALUES = 5_000
CASE_VARIANT_MAX_DISTINCT = 5_000
REJECTS_SHOWN = 100_000


@dataclass
class ColumnProfile:
    """What was found in one column of a file."""

    name: str
    detected_type: str
    type: str
    role: str | None = None
    non_blank: int = 0
    blank: int = 0
    failures: int = 0
    failure_examples: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    date_formats: list[str] = field(default_factory=list)
    case_variants: list[list[tuple[str, int]]] = field(default_factory=list)  # groups of (spelling, count)
    notes: list[str] = field(default_factory=list)
    source_type: str = "VARCHAR"  # DuckDB type as read (Parquet columns arrive typed)


@dataclass
class FilePreview:
    """A file as Stocktake read it, before anything is written: shown on the Data page before loading."""

    source_name: str
    file_format: str
    encoding: str | None
    delimiter: str | None
    sheet: str | None
    sheets: list[str]
    rows_read: int
    complete: bool  # False when only the first PREVIEW_ROWS rows were read
    date_order: str
    date_order_reason: str
    columns: list[ColumnProfile]
    sample: pd.DataFrame
    problems: list[str]
    malformed_rows: int = 0

    def column(self, name: str) -> ColumnProfile:
        return next(c for c in self.columns if c.name == name)


# ----- reading -------------------------------------------------------------------------------------------------

def file_format_of(path: str | os.PathLike, source_name: str | None = None) -> str:
    suffix = os.path.splitext(str(source_name or path))[1].lower()
    if suffix in CSV_SUFFIXES:
        return "csv"
    if suffix in EXCEL_SUFFIXES:
        return "excel"
    if suffix in PARQUET_SUFFIXES:
        return "parquet"
    raise StocktakeError(
        f"'{os.path.basename(str(source_name or path))}' is not a file type Stocktake reads: use CSV, TSV, "
        "Excel (.xlsx) or Parquet."
    )


def detect_encoding(path: str | os.PathLike) -> str:
    """'utf-8' when the whole file is valid UTF-8 (with or without BOM), else 'cp1252' (Windows exports with £)."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as handle:
        while chunk := handle.read(8 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                return "cp1252"
    return "utf-8"


def _transcode_to_utf8(path: str | os.PathLike) -> str:
    """Write a UTF-8 copy of a cp1252 file (DuckDB reads UTF-8). Bytes cp1252 leaves undefined are read as latin-1."""
    import codecs
    import tempfile

    def fallback(error: UnicodeDecodeError):
        return error.object[error.start:error.end].decode("latin-1"), error.end

    codecs.register_error("stocktake_latin1", fallback)
    handle, target = tempfile.mkstemp(suffix=".csv", prefix="stocktake-utf8-")
    with open(path, "rb") as source, os.fdopen(handle, "wb") as out:
        decoder = codecs.getincrementaldecoder("cp1252")(errors="stocktake_latin1")
        while chunk := source.read(8 << 20):
            out.write(decoder.decode(chunk).encode("utf-8"))
        out.write(decoder.decode(b"", final=True).encode("utf-8"))
    return target


def clean_headers(names: Sequence[str]) -> list[str]:
    """Trim headers, collapse inner spaces, name blank ones 'column_N' and number repeats ('Date (2)')."""
    import re

    cleaned: list[str] = []
    seen: set[str] = set()
    for position, raw in enumerate(names, start=1):
        name = re.sub(r"\s+", " ", str(raw or "").replace("\ufeff", "")).strip() or f"column_{position}"
        base, n = name, 2
        while name.lower() in seen:
            name = f"{base} ({n})"
            n += 1
        seen.add(name.lower())
        cleaned.append(name)
    return cleaned


def list_sheets(path: str | os.PathLike) -> list[str]:
    from python_calamine import CalamineWorkbook

    try:
        return list(CalamineWorkbook.from_path(str(path)).sheet_names)
    except Exception as exc:  # calamine raises its own error types for broken workbooks
        raise StocktakeError(f"'{os.path.basename(str(path))}' could not be opened as an Excel workbook ({exc}).") from None


def _read_raw(
    cur: duckdb.DuckDBPyConnection, path: str, source_name: str, *, sheet: str | None, limit: int | None
) -> dict:
    """Read the file into the TEMP table ``raw_upload`` on this cursor, all columns as text (Parquet keeps its
    types), in file order. Returns facts about the read (format, encoding, delimiter, sheet names, malformed rows)."""
    fmt = file_format_of(path, source_name)
    base = os.path.basename(source_name)
    info: dict = {"format": fmt, "encoding": None, "delimiter": None, "sheet": None, "sheets": [], "malformed": []}
    limit_sql = f" LIMIT {int(limit)}" if limit else ""
    if not os.path.exists(path):
        raise StocktakeError(f"There is no file at '{path}': check the name and folder.")
    if os.path.getsize(path) == 0:
        raise StocktakeError(f"'{base}' is empty: there is nothing to load.")
    cur.execute("DROP TABLE IF EXISTS raw_upload")
    if fmt == "csv":
        encoding = detect_encoding(path)
        info["encoding"] = encoding
        read_path = path if encoding == "utf-8" else _transcode_to_utf8(path)
        try:
            try:
                cur.execute(
                    f"""CREATE TEMP TABLE raw_upload AS SELECT * FROM read_csv(?, all_varchar = true, header = true,
                        ignore_errors = true, store_rejects = true, null_padding = false){limit_sql}""",
                    [read_path],
                )
            except duckdb.Error as exc:
                raise StocktakeError(
                    f"'{base}' could not be read as a delimited text file: {str(exc).splitlines()[0]}. "
                    "Check that it is a CSV or TSV export with a header row."
                ) from None
            try:
                info["delimiter"] = cur.execute(
                    "SELECT Delimiter FROM sniff_csv(?, sample_size = 20480)", [read_path]
                ).fetchone()[0]
            except duckdb.Error:
                info["delimiter"] = None
            try:
                header_row = cur.execute(
                    "SELECT * FROM read_csv(?, all_varchar = true, header = false, delim = ?) LIMIT 1",
                    [read_path, info["delimiter"] or ","],
                ).fetchone()
                info["written_header"] = [h if h is not None else "" for h in header_row] if header_row else None
            except duckdb.Error:
                info["written_header"] = None
            info["malformed"] = cur.execute(
                "SELECT line, error_type, error_message FROM reject_errors ORDER BY line"
            ).fetchall()
        finally:
            if read_path != path:
                os.unlink(read_path)
    elif fmt == "excel":
        sheets = list_sheets(path)
        info["sheets"] = sheets
        chosen = sheet or (sheets[0] if sheets else None)
        if chosen not in sheets:
            raise StocktakeError(f"'{base}' has no sheet called '{sheet}'. Its sheets are: {', '.join(sheets)}.")
        info["sheet"] = chosen
        try:
            frame = pd.read_excel(path, sheet_name=chosen, engine="calamine", dtype=object, nrows=limit)
        except Exception as exc:
            raise StocktakeError(f"Sheet '{chosen}' of '{base}' could not be read ({exc}).") from None
        if frame.shape[1] == 0:
            raise StocktakeError(f"Sheet '{chosen}' of '{base}' is empty: there is nothing to load.")
        frame = frame.map(_excel_cell_to_text).astype("str").where(frame.notna(), None)
        frame.columns = [str(c) for c in frame.columns]
        cur.register("excel_frame", frame)
        cur.execute("CREATE TEMP TABLE raw_upload AS SELECT * FROM excel_frame")
        cur.unregister("excel_frame")
    else:
        try:
            cur.execute(f"CREATE TEMP TABLE raw_upload AS SELECT * FROM read_parquet(?){limit_sql}", [path])
        except duckdb.Error as exc:
            raise StocktakeError(f"'{base}' could not be read as a Parquet file: {str(exc).splitlines()[0]}.") from None
    described = cur.execute("DESCRIBE raw_upload").fetchall()
    original = [row[0] for row in described]
    # DuckDB renames blank and repeated CSV headers ('column1', 'Ref_1'): clean the header as written instead.
    written = info.get("written_header")
    to_clean = written if written and len(written) == len(original) else original
    cleaned = clean_headers(to_clean)
    if original != cleaned:
        renames = ", ".join(f"{quote_identifier(o)} AS {quote_identifier(c)}" for o, c in zip(original, cleaned))
        cur.execute(f"CREATE OR REPLACE TEMP TABLE raw_upload AS SELECT {renames} FROM raw_upload")
    info["source_types"] = {c: row[1] for c, row in zip(cleaned, described)}
    info["rows"] = int(cur.execute("SELECT count(*) FROM raw_upload").fetchone()[0])
    if info["rows"] == 0:
        raise StocktakeError(f"'{base}' has a header but no rows of data: there is nothing to load.")
    return info


def _excel_cell_to_text(value):
    """Excel cells arrive typed: write dates as ISO text and whole numbers without '.0', so one parser serves all."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp) or hasattr(value, "isoformat"):
        try:
            return pd.Timestamp(value).isoformat(sep=" ")
        except (TypeError, ValueError):
            return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _date_order_evidence(cur, columns: list[ColumnProfile]) -> tuple[int, int]:
    """Across date columns with an open day/month order: how many values can only be day-first (first number > 12)
    and how many only month-first (second number > 12)."""
    open_cols = [c for c in columns if c.type in (DATE, TIMESTAMP) and c.source_type == "VARCHAR"
                 and any("{A}" in f for f in (c.date_formats or []))]
    if not open_cols:
        return 0, 0
    parts = []
    for c in open_cols:
        f = filled_sql(c.name)
        parts.append(f"count(*) FILTER (WHERE TRY_CAST(regexp_extract({f}, '^(\\d{{1,2}})[/.-]', 1) AS INTEGER) > 12)")
        parts.append(f"count(*) FILTER (WHERE TRY_CAST(regexp_extract({f}, '^\\d{{1,2}}[/.-](\\d{{1,2}})[/.-]', 1) AS INTEGER) > 12)")
    row = cur.execute(f"SELECT {', '.join(parts)} FROM raw_upload").fetchone()
    return int(sum(row[0::2])), int(sum(row[1::2]))


def _profile_columns(
    cur,
    info: dict,
    *,
    kind: str,
    types: dict[str, str] | None,
    roles: dict[str, str | None] | None,
    date_order: str | None,
    find_case_variants: bool = True,
) -> tuple[list[ColumnProfile], str, str]:
    """Detect each column's type (from a sample), then check every row in DuckDB: blanks, values that will not
    convert, date order evidence, case variants. Returns (columns, date order, why that order)."""
    types = dict(types or {})
    names = list(info["source_types"])
    unknown = [n for n in list(types) + list((roles or {})) if n not in names]
    if unknown:
        raise StocktakeError(f"The file has no column called '{unknown[0]}'. Its columns are: {', '.join(names)}.")
    bad_types = {n: t for n, t in types.items() if t not in COLUMN_TYPES}
    if bad_types:
        n, t = next(iter(bad_types.items()))
        raise StocktakeError(f"'{t}' is not a column type for '{n}': use one of {', '.join(COLUMN_TYPES)}.")

    sample = cur.execute(
        f"SELECT * FROM (SELECT * FROM raw_upload LIMIT {int(SAMPLE_VALUES)}) UNION ALL "
        f"SELECT * FROM (SELECT * FROM raw_upload USING SAMPLE reservoir({int(SAMPLE_VALUES)} ROWS) REPEATABLE (7))"
    ).df()
    columns: list[ColumnProfile] = []
    for name in names:
        source_type = info["source_types"][name]
        if source_type == "VARCHAR":
            # Distinct values are enough to see the shapes, and far fewer to test in Python.
            values = list(dict.fromkeys(v for v in sample[name].tolist() if isinstance(v, str)))
            detected, formats, notes = detect_column_type(values)
        else:
            detected, formats, notes = type_from_duckdb(source_type), [], []
        chosen = types.get(name, detected)
        if source_type != "VARCHAR" and chosen not in (TEXT, detected):
            raise StocktakeError(
                f"Column '{name}' is stored in the file as {source_type}; it can be read as {detected} or text only."
            )
        examples = [str(v) for v in sample[name].dropna().astype(str).unique()[:3]]
        columns.append(ColumnProfile(name=name, detected_type=detected, type=chosen, date_formats=formats,
                                     notes=notes, examples=examples, source_type=source_type))

    day_votes, month_votes = _date_order_evidence(cur, columns)
    order, order_reason = decide_date_order(day_votes, month_votes, date_order)

    # Convert every row once, into a TEMP table that the checks below and the load itself read.
    cur.execute(f"CREATE OR REPLACE TEMP TABLE converted_upload AS {converted_sql(columns, order)}")
    _count_values(cur, columns)

    # An automatically typed column with too many values that do not convert stays text; a type the user chose
    # is kept, and its failures become rejected rows.
    downgraded = False
    for col in columns:
        if col.failures and col.name not in types and col.failures > col.non_blank * MAX_FAILURE_SHARE:
            col.notes.append(
                f"looked like {TYPE_WORDS[col.type]} but {col.failures:,} of {col.non_blank:,} values are not: kept as text"
            )
            col.type, col.failures, downgraded = TEXT, 0, True
    if downgraded:
        cur.execute(f"CREATE OR REPLACE TEMP TABLE converted_upload AS {converted_sql(columns, order)}")
        _count_values(cur, columns)
    for i, col in enumerate(columns):
        if col.failures:
            col.failure_examples = [
                r[0] for r in cur.execute(
                    f"""SELECT DISTINCT r.{quote_identifier(col.name)} FROM converted_upload AS c
                        JOIN raw_upload AS r ON r.rowid = c.{ROW_COLUMN} WHERE c.{fail_column(i)} LIMIT 3"""
                ).fetchall()
            ]
    for col in columns:
        # Detection saw distinct sample values; say how many values there really are.
        col.notes = [re.sub(r"^no usable dates: all [\d,]+ values", f"no usable dates: all {col.non_blank:,} values", n)
                     for n in col.notes]
        if col.type in (DATE, TIMESTAMP) and col.non_blank == 0:
            col.notes.append("no usable dates: every value is blank")

    suggested = suggest_roles(kind, columns) if roles is None else {}
    chosen_roles = dict(suggested) if roles is None else {k: v for k, v in roles.items() if v}
    _check_kind_and_roles(kind, chosen_roles, names)
    for col in columns:
        col.role = chosen_roles.get(col.name)

    if find_case_variants:
        for col in columns:
            if col.type == TEXT and col.source_type == "VARCHAR" and 0 < col._distinct <= CASE_VARIANT_MAX_DISTINCT:  # type: ignore[attr-defined]
                col.case_variants = _case_variants(cur, col.name)
    return columns, order, order_reason


def _count_values(cur, columns: list[ColumnProfile]) -> None:
    """Filled values, conversion failures and (for text) approximate distinct values per column, in one scan of
    ``converted_upload``."""
    aggregates = []
    for i, col in enumerate(columns):
        q, fail = quote_identifier(col.name), fail_column(i)
        aggregates.append(f"count({q}) + count_if({fail})")
        aggregates.append(f"count_if({fail})")
        aggregates.append(f"approx_count_distinct({q})" if col.type == TEXT else "0")
    stats = cur.execute(f"SELECT count(*), {', '.join(aggregates)} FROM converted_upload").fetchone()
    total = int(stats[0])
    for i, col in enumerate(columns):
        col.non_blank = int(stats[1 + 3 * i])
        col.blank = total - col.non_blank
        col.failures = int(stats[2 + 3 * i])
        col._distinct = int(stats[3 + 3 * i])  # type: ignore[attr-defined]


def _case_variants(cur, column: str) -> list[list[tuple[str, int]]]:
    """Groups of spellings that differ only in upper/lower case ('CROYDON' and 'Croydon'), most used first."""
    # Values in converted_upload are already trimmed. Grouping by value alone is the cheap part; spellings are
    # grouped by their lower case in Python (at most CASE_VARIANT_MAX_DISTINCT of them).
    q = quote_identifier(column)
    rows = cur.execute(f"SELECT {q}, count(*) FROM converted_upload WHERE {q} IS NOT NULL GROUP BY {q}").fetchall()
    groups: dict[str, list[tuple[str, int]]] = {}
    for value, n in rows:
        groups.setdefault(value.lower(), []).append((value, int(n)))
    return [sorted(g, key=lambda vn: (-vn[1], vn[0])) for _, g in sorted(groups.items()) if len(g) > 1]


def _case_map(col: ColumnProfile) -> tuple[list[str], list[str]]:
    """Each variant spelling -> the group's most used spelling."""
    variants, canonical = [], []
    for group in col.case_variants:
        keep = group[0][0]
        for value, _ in group[1:]:
            variants.append(value)
            canonical.append(keep)
    return variants, canonical


def _problem_sentences(columns: Sequence[ColumnProfile], info: dict, base: str) -> list[str]:
    problems = []
    if info.get("malformed"):
        n = len(info["malformed"])
        line, _, message = info["malformed"][0]
        problems.append(f"{n:,} line(s) of '{base}' could not be read and will be rejected "
                        f"(first: line {line}, {message.lower()}).")
    for col in columns:
        for note in col.notes:
            if note != "no values":
                problems.append(f"Column '{col.name}': {note}.")
        if col.failures:
            examples = ", ".join(f"'{e}'" for e in col.failure_examples)
            problems.append(f"Column '{col.name}': {col.failures:,} value(s) are not {TYPE_WORDS[col.type]} "
                            f"(for example {examples}); those rows will be rejected.")
        for group in col.case_variants[:5]:
            spelled = " and ".join(f"'{v}' ({n:,})" for v, n in group)
            problems.append(f"Column '{col.name}': {spelled} differ only in case.")
        if len(col.case_variants) > 5:
            problems.append(f"Column '{col.name}': {len(col.case_variants) - 5} more groups of case variants.")
    return problems


# ----- the two entry points: look, then load -------------------------------------------------------------------

def inspect_file(
    con: duckdb.DuckDBPyConnection,
    path: str | os.PathLike,
    *,
    kind: str = "records",
    source_name: str | None = None,
    sheet: str | None = None,
    date_order: str | None = None,
    types: dict[str, str] | None = None,
    max_rows: int | None = PREVIEW_ROWS,
) -> FilePreview:
    """Read a file (the first ``max_rows`` rows) and say how Stocktake would load it. Writes nothing."""
    path = str(path)
    source_name = source_name or os.path.basename(path)
    cur = con.cursor()
    try:
        info = _read_raw(cur, path, source_name, sheet=sheet, limit=max_rows)
        columns, order, reason = _profile_columns(cur, info, kind=kind, types=types, roles=None, date_order=date_order)
        sample = cur.execute("SELECT * FROM raw_upload LIMIT 20").df()
        complete = not max_rows or info["rows"] < max_rows
        return FilePreview(
            source_name=source_name, file_format=info["format"], encoding=info["encoding"],
            delimiter=info["delimiter"], sheet=info["sheet"], sheets=info["sheets"], rows_read=info["rows"],
            complete=complete, date_order=order, date_order_reason=reason, columns=columns, sample=sample,
            problems=_problem_sentences(columns, info, source_name), malformed_rows=len(info["malformed"]),
        )
    finally:
        cur.execute("DROP TABLE IF EXISTS raw_upload")
        cur.execute("DROP TABLE IF EXISTS converted_upload")
        cur.close()


def load_file(
    con: duckdb.DuckDBPyConnection,
    path: str | os.PathLike,
    *,
    dataset: str,
    kind: str = "records",
    mode: str = REPLACE,
    source_name: str | None = None,
    sheet: str | None = None,
    date_order: str | None = None,
    types: dict[str, str] | None = None,
    roles: dict[str, str | None] | None = None,
    unify_case: bool | Sequence[str] = False,
    progress: Progress | None = None,
) -> LoadReport:
    """Load a CSV/TSV, Excel or Parquet file as a dataset, atomically.

    ``types`` and ``roles`` override what was detected (column -> type / role; roles=None means use the suggested
    ones). ``unify_case`` True (or a list of columns) rewrites case-variant spellings to each group's most used one.
    Rows whose values do not convert, or (for records) that have no date, are rejected with a reason each.
    """
    say = progress or _no_progress
    path = str(path)
    source_name = source_name or os.path.basename(path)
    dataset = store.validate_dataset_name(dataset)
    if kind not in KINDS:
        raise StocktakeError(f"'{kind}' is not a dataset kind: use one of {', '.join(KINDS)}.")
    if mode not in (REPLACE, APPEND):
        raise StocktakeError(f"'{mode}' is not a load mode: use replace or append.")
    cur = con.cursor()
    try:
        say(0.05, f"Reading {source_name}")
        info = _read_raw(cur, path, source_name, sheet=sheet, limit=None)
        say(0.35, f"Converting and checking {info['rows']:,} rows")
        columns, order, order_reason = _profile_columns(
            cur, info, kind=kind, types=types, roles=roles, date_order=date_order
        )
        warnings = _problem_sentences(columns, info, source_name)
        if any(c.type in (DATE, TIMESTAMP) and c.source_type == "VARCHAR" and any("{A}" in f for f in c.date_formats)
               for c in columns):
            warnings.insert(0, order_reason)
        role_of = {c.name: c.role for c in columns}
        if kind == "records" and "date" not in role_of.values():
            warnings.append("No column has the date role: the Explore pages need one. Set it on the Data page.")


        unify = {c.name for c in columns} if unify_case is True else set(unify_case or [])
        select_parts, params = [], []
        for col in columns:
            expr = quote_identifier(col.name)
            if col.name in unify and col.case_variants:
                variants, canonical = _case_map(col)
                # A small lookup held in a list pair and bound as parameters; map_from_entries is built once.
                expr = f"coalesce(map_from_entries(list_zip(?::VARCHAR[], ?::VARCHAR[]))[{expr}], {expr})"
                params += [variants, canonical]
            select_parts.append(f"{expr} AS {quote_identifier(col.name)}")
        unified = [c.name for c in columns if c.name in unify and c.case_variants]
        if unified:
            warnings.append("Case variants unified (each to its most used spelling) in: "
                            + ", ".join(f"'{n}'" for n in unified) + ".")

        # Why each rejected row was rejected: one clause per column that can fail, and a records row needs a date.
        fail_flags, reason_parts, reason_params = [], [], []
        for i, col in enumerate(columns):
            if col.type != TEXT and col.source_type == "VARCHAR":
                fail_flags.append(f"c.{fail_column(i)}")
                reason_parts.append(f"CASE WHEN c.{fail_column(i)} THEN ? || r.{quote_identifier(col.name)} || ? END")
                reason_params += [f"'{col.name}': '", f"' is not {TYPE_WORDS[col.type]}"]
        date_column = next((c for c in columns if c.role == "date"), None)
        if kind == "records" and date_column is not None:
            blank = f"(c.{quote_identifier(date_column.name)} IS NULL AND NOT c.{fail_column(columns.index(date_column))})"
            fail_flags.append(blank)
            reason_parts.append(f"CASE WHEN {blank} THEN ? END")
            reason_params.append(f"'{date_column.name}' is blank: every record needs a date")
        rejected = " OR ".join(fail_flags) or "false"
        # No ORDER BY: DuckDB keeps insertion order on a plain scan, so rows stay in file order without a sort.
        select_sql = f"SELECT {', '.join(select_parts)} FROM converted_upload AS c WHERE NOT ({rejected})"

        raw_list = ", ".join(f"CAST(r.{quote_identifier(c.name)} AS VARCHAR) AS {quote_identifier(c.name)}"
                             for c in columns)
        null_list = ", ".join(f"NULL::VARCHAR AS {quote_identifier(c.name)}" for c in columns)
        cur.execute('CREATE OR REPLACE TEMP TABLE rejected_rows AS SELECT \'\' AS "row", \'\' AS reason, '
                    f"{null_list} LIMIT 0")
        for line, _, message in info["malformed"]:
            cur.execute("INSERT INTO rejected_rows (\"row\", reason) VALUES (?, ?)",
                        [f"line {line}", f"line {line} of the file could not be read: {message}"])
        if fail_flags:
            cur.execute(
                f"""INSERT INTO rejected_rows SELECT 'row ' || (c.{ROW_COLUMN} + 1), concat_ws('; ', {', '.join(reason_parts)}),
                    {raw_list} FROM converted_upload AS c JOIN raw_upload AS r ON r.rowid = c.{ROW_COLUMN}
                    WHERE {rejected} ORDER BY c.{ROW_COLUMN}""",
                reason_params,
            )
        rows_rejected = int(cur.execute("SELECT count(*) FROM rejected_rows").fetchone()[0])
        if rows_rejected == info["rows"] + len(info["malformed"]):
            first = cur.execute("SELECT reason FROM rejected_rows LIMIT 1").fetchone()[0]
            raise StocktakeError(
                f"Every row of '{source_name}' was rejected, so nothing was loaded (first reason: {first}). "
                "Check the column types and the date column, then try again."
            )

        say(0.7, "Writing to the database")
        final_columns = [Column(c.name, c.type, c.role) for c in columns]
        rows_now, version = commit_table(
            con, dataset=dataset, kind=kind, source_file=source_name, select_sql=select_sql, params=params,
            columns=final_columns, mode=mode, rejects_sql="SELECT * FROM rejected_rows", cursor=cur,
        )
        rejects = cur.execute(f"SELECT * FROM rejected_rows LIMIT {REJECTS_SHOWN}").df()
        say(1.0, "Loaded")
        rows_loaded = info["rows"] - (rows_rejected - len(info["malformed"]))
        return LoadReport(dataset, kind, store.table_name_for(dataset), rows_loaded, rows_rejected, final_columns,
                          warnings, rejects, version)
    finally:
        for temp in ("raw_upload", "rejected_rows", "converted_upload"):
            try:
                cur.execute(f"DROP TABLE IF EXISTS {temp}")
            except duckdb.Error:
                pass
        cur.close()


def rejected_rows(con: duckdb.DuckDBPyConnection, dataset: str) -> pd.DataFrame:
    """The rows rejected by a dataset's last load (empty if none), for download."""
    ds = store.get_dataset(con, dataset)
    table = store.rejects_table_for(ds.table)
    exists = store.query_rows(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [table])[0][0]
    if not exists:
        return pd.DataFrame(columns=["row", "reason"])
    return store.query_df(con, f"SELECT * FROM {quote_identifier(table)}")
