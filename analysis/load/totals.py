"""Totals inside the data: rows that are the sum (or the whole) of other rows, as published tables carry them.

Public tables put their own totals among the rows: a country's code or name in the area column (``S92000003``
Scotland, ``E92000001`` England), "All delay reasons" or "Total" in a category, an age band that is the sum of the
others ("18plus" = "18-74" + "75plus"), often flagged in a qualifier column ("d" = derived, as Public Health Scotland
writes it). Counted as one more area or reason they double every sum, join peer groups and inflate counts of areas.

:func:`mark_totals` finds them after a load has typed every row, and writes the reason for each total row into one
text column of the dataset (``Total row``, empty for ordinary rows) with the role ``total``. Every figure then leaves
those rows out through the one filter (``analysis.filters.where_clauses`` adds ``"Total row" IS NULL``), and so do
the counts of areas and the peer groups; a national total becomes the comparator line of the peer chart
(:func:`national_series`). The user can take the role off on the Data page to count them in again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Sequence

import duckdb

from analysis import store
from analysis.store import quote_identifier as q

if TYPE_CHECKING:  # pandas is imported where it is used: the command line's load never needs it (half a second of CPU)
    import pandas as pd

TOTAL_ROLE = "total"
TOTAL_COLUMN = "Total row"
REASONS_JOINED = "; "
NATIONAL = "national total"

# ONS codes of the nations and the UK, and their names, highest level first (level 0: the UK).
NATIONAL_CODES = {
    "K02000001": ("United Kingdom", 0), "K03000001": ("Great Britain", 1), "K04000001": ("England and Wales", 2),
    "E92000001": ("England", 3), "W92000004": ("Wales", 3), "S92000003": ("Scotland", 3),
    "N92000002": ("Northern Ireland", 3),
}
NATIONAL_NAMES = {
    "united kingdom": 0, "uk": 0, "great britain": 1, "gb": 1, "england and wales": 2, "england & wales": 2,
    "england": 3, "wales": 3, "scotland": 3, "northern ireland": 3, "national": 0, "national total": 0,
}
SUB_NATIONAL = 4
# Ids are no categories: never looked at for totals.
_ID_ROLES = {"record_id", "customer_id", "property_id"}

# "Total", "Grand total", "All", "Overall"; "All …" when what follows is a kind of category ("All delay reasons",
# "All ages"), not a place ("All Saints" is a ward).
_TOTAL_WORDS = re.compile(r"^(grand\s+)?totals?$|^all$|^overall$|^total\s*[:(-]|^all\s*[-:(]", re.IGNORECASE)
_ALL_KINDS = ("reasons", "ages", "age groups", "areas", "authorities", "councils", "wards", "boroughs", "regions",
              "trusts", "boards", "providers", "organisations", "organizations", "types", "categories", "services",
              "channels", "groups", "sexes", "genders", "ethnicities", "ethnic groups", "levels", "sectors", "causes",
              "conditions", "specialties", "specialities", "departments", "people", "persons", "patients", "staff",
              "sources", "methods", "outcomes", "locations", "settings", "places", "partnerships", "hscps",
              "local authorities", "health boards", "nations", "countries", "cases", "incidents", "requests")
# A qualifier column ('ReasonForDelayQF', 'Age qualifier') and the flag that marks a derived (total) row.
_QUALIFIER_HEADER = re.compile(r"(qf|qualifier|flag)$", re.IGNORECASE)
DERIVED_FLAG = "d"
# A category is tested for "its value is the sum of the others" when it has this many distinct values or fewer.
SUM_CHECK_MAX_DISTINCT = 200
# ... and is the sum of the rest in at least this share of the groups (published figures are rounded).
SUM_CHECK_SHARE = 0.9
SUM_CHECK_MIN_GROUPS = 2
# Tables larger than this are not tested for sums (a records file rarely holds its own subtotals).
SUM_CHECK_MAX_ROWS = 2_000_000


@dataclass
class TotalsFound:
    """What :func:`mark_totals` found: rows marked, and a sentence per kind of total."""

    column: str | None = None  # the marker column added, None when nothing was found
    rows: int = 0
    sentences: list[str] = field(default_factory=list)
    national: list[tuple[str, str]] = field(default_factory=list)  # (column, value) of national totals


def national_level(value: str) -> int:
    """0 for the UK, 1 Great Britain, 2 England and Wales, 3 a nation; SUB_NATIONAL for anything else."""
    text = str(value).strip()
    if text.upper() in NATIONAL_CODES:
        return NATIONAL_CODES[text.upper()][1]
    return NATIONAL_NAMES.get(text.lower(), SUB_NATIONAL)


def is_total_word(value: str) -> bool:
    """'Total', 'Grand total', 'All', 'All delay reasons', 'All ages': a category that is every other one."""
    text = re.sub(r"\s+", " ", str(value).strip())
    if _TOTAL_WORDS.search(text):
        return True
    lower = text.lower()
    if lower.startswith("all "):
        rest = lower[4:]
        return any(rest == kind or rest.endswith(" " + kind) for kind in _ALL_KINDS)
    return False


def national_values(values: Sequence[str]) -> list[str]:
    """The values of a column that are the nation (or the UK) above the others: those at its highest level, when
    other values sit below it. A column of nations alone ('England', 'Scotland', 'Wales') has none."""
    levels = {v: national_level(v) for v in values if v is not None and str(v).strip()}
    if len(levels) < 2:
        return []
    top = min(levels.values())
    if top == SUB_NATIONAL or all(level == top for level in levels.values()):
        return []
    return [v for v, level in levels.items() if level == top]


def _free_name(name: str, taken: Sequence[str]) -> str:
    lower = {t.lower() for t in taken}
    candidate, n = name, 2
    while candidate.lower() in lower:
        candidate, n = f"{name} ({n})", n + 1
    return candidate


def mark_totals(cur: duckdb.DuckDBPyConnection, table: str, columns: Sequence[tuple[str, str, str | None]], *,
                kind: str, known_values: dict[str, list[str]] | None = None) -> TotalsFound:
    """Find the total rows of a freshly typed table and mark them in a new text column (the reason for each).

    ``columns`` are (name, type, role). Looked at: text columns with a role (area, service, reason, channel, measure,
    status) or few distinct values, for national codes and names and for "Total"/"All …"; qualifier columns for
    the derived flag; and in a KPI series (with a value and a period) every category with few values for one whose
    value is the sum of the others in each period. Runs inside the load's transaction, on its cursor.
    """
    found = TotalsFound()
    t = q(table)
    known_values = known_values or {}
    text_columns = [(name, role) for name, typ, role in columns if typ == "text" and role not in ("total",)]
    if kind != "kpi":
        # Records: only the categories with a role, and qualifier columns (a records file rarely holds totals, and a
        # scan of every text column of 10M rows costs a second).
        text_columns = [(n, r) for n, r in text_columns
                        if (r and r not in _ID_ROLES) or _QUALIFIER_HEADER.search(re.sub(r"[^A-Za-z]", "", n))]
    if not text_columns:
        return found
    unknown = [n for n, _ in text_columns if n not in known_values]
    rows_in_table = int(cur.execute(f"SELECT count(*) FROM {t}").fetchone()[0])
    counted = cur.execute("SELECT " + ", ".join(f"approx_count_distinct({q(n)})" for n in unknown)
                          + f" FROM {t}").fetchone() if unknown else []
    distinct = dict(zip(unknown, counted))
    distinct.update({n: len(v) for n, v in known_values.items()})
    counted = [distinct[n] for n, _ in text_columns]
    # A qualifier column may hold one flag and blanks; a category needs two values or more.
    small = [(n, r) for (n, r), d in zip(text_columns, counted)
             if (2 if not _QUALIFIER_HEADER.search(re.sub(r"[^A-Za-z]", "", n)) else 1)
             <= int(d or 0) <= SUM_CHECK_MAX_DISTINCT * 5]
    conditions: list[tuple[str, list, str]] = []  # (SQL condition, params, reason written into the marker)
    for name, role in small:
        is_qualifier = bool(_QUALIFIER_HEADER.search(re.sub(r"[^A-Za-z]", "", name)))
        if kind == "records" and role is None and not is_qualifier:
            continue
        values = known_values.get(name)
        if values is None:
            values = [r[0] for r in cur.execute(
                f"SELECT DISTINCT CAST({q(name)} AS VARCHAR) FROM {t} WHERE {q(name)} IS NOT NULL LIMIT 1001"
            ).fetchall()]
        if is_qualifier:
            if any(str(v).strip().lower() == DERIVED_FLAG for v in values):
                conditions.append((f"lower(trim({q(name)})) = ?", [DERIVED_FLAG],
                                   f"flagged '{DERIVED_FLAG}' (derived) in '{name}'"))
            continue
        nationals = national_values(values)
        for value in nationals:
            label = NATIONAL_CODES.get(str(value).strip().upper(), (str(value).strip(),))[0]
            shown = value if label == value else f"{value} ({label})"
            conditions.append((f"{q(name)} = ?", [value], f"{NATIONAL}: '{shown}' in '{name}'"))
            found.national.append((name, value))
        if len(values) >= 3:
            for value in values:
                if value not in nationals and is_total_word(value):
                    conditions.append((f"{q(name)} = ?", [value], f"'{value}' in '{name}' is every other one"))
    if not conditions and kind != "kpi":
        return found
    marker = _free_name(TOTAL_COLUMN, [n for n, _, _ in columns])
    cur.execute(f"ALTER TABLE {t} ADD COLUMN {q(marker)} VARCHAR")
    # Every reason a row is a total, joined: Scotland's "All reasons" row is a national total and a reasons total,
    # so the national line can use the nation's ordinary rows only.
    add = f"CASE WHEN {q(marker)} IS NULL THEN ? ELSE {q(marker)} || '{REASONS_JOINED}' || ? END"
    for condition, params, reason in conditions:
        cur.execute(f"UPDATE {t} SET {q(marker)} = {add} WHERE {condition}", [reason, reason, *params])
    if kind == "kpi" and rows_in_table <= SUM_CHECK_MAX_ROWS:
        for condition in _sums_of_the_others(cur, t, marker, columns, small):
            cur.execute(f"UPDATE {t} SET {q(marker)} = {add} WHERE {condition[0]}",
                        [condition[2], condition[2], *condition[1]])
            conditions.append(condition)
    marked = int(cur.execute(f"SELECT count({q(marker)}) FROM {t}").fetchone()[0])
    if not marked:
        cur.execute(f"ALTER TABLE {t} DROP COLUMN {q(marker)}")
        found.national = []
        return found
    found.column, found.rows = marker, marked
    counted = cur.execute("SELECT " + ", ".join(f"count_if(contains({q(marker)}, ?))" for _ in conditions)
                          + f" FROM {t}", [reason for _, _, reason in conditions]).fetchone() if conditions else []
    by_reason = {reason: n for (_, _, reason), n in zip(conditions, counted)}
    parts = [f"{reason} ({int(by_reason.get(reason, 0)):,} rows)" for _, _, reason in conditions
             if by_reason.get(reason)]
    found.sentences.append(
        f"{marked:,} rows are totals of the others, not one more category: " + "; ".join(parts[:6])
        + ("; …" if len(parts) > 6 else "") + f". They are kept, marked in the column '{marker}', and left out of "
        "sums, counts of areas and peer groups (a national total is drawn as the comparator line on peer charts). "
        f"Take the role off '{marker}' on the Data page to count them in.")
    return found


def mark_for_load(cur, staging: str, columns: Sequence, kind: str, appended_to: store.Dataset | None,
                  known: dict[str, list[str]]) -> TotalsFound:
    """Mark the total rows of a load's staging table (``columns``: its ``store.Column``s). An append keeps the
    dataset's own marker column (added empty when nothing is found, so the rows line up), and marks nothing in a
    dataset loaded without one."""
    described = [(c.name, c.type, c.role) for c in columns]
    if appended_to is None:
        return mark_totals(cur, staging, described, kind=kind, known_values=known)
    marker = appended_to.roles.get(TOTAL_ROLE)
    if not marker:
        return TotalsFound()
    found = mark_totals(cur, staging, described, kind=kind, known_values=known)
    if found.column is None:
        cur.execute(f"ALTER TABLE {q(staging)} ADD COLUMN {q(marker)} VARCHAR")
    elif found.column != marker:
        cur.execute(f"ALTER TABLE {q(staging)} RENAME COLUMN {q(found.column)} TO {q(marker)}")
    found.column = None  # the catalogue keeps the dataset's own columns
    return found


def _sums_of_the_others(cur, t: str, marker: str, columns, small) -> list[tuple[str, list, str]]:
    """Categories whose value is the sum of the other categories' values in (almost) every group of the other
    dimensions: '18plus' beside '18-74' and '75plus'. Looked for among the rows not already marked."""
    by_role = {role: name for name, _, role in columns if role}
    value = by_role.get("value")
    period = by_role.get("period")
    if not value or not period:
        return []
    dims = [n for n, _ in small]
    found = []
    for name in [n for n, r in small if r != "measure"]:
        others = [q(d) for d in dims if d != name] + [q(period)]
        keys = ", ".join(others)
        rows = cur.execute(f"""
            WITH v AS (SELECT {keys}, CAST({q(name)} AS VARCHAR) AS c, sum(CAST({q(value)} AS DOUBLE)) AS v
                       FROM {t} WHERE {q(marker)} IS NULL AND {q(name)} IS NOT NULL AND {q(value)} IS NOT NULL
                       GROUP BY ALL),
                 s AS (SELECT {keys}, sum(v) AS s, count(*) AS k FROM v GROUP BY ALL)
            SELECT c, count(*) AS groups,
                   count_if(k >= 3 AND abs(2 * v - s) <= greatest(1e-9, 0.01 * abs(s), 1.0)) AS matched
            FROM v JOIN s USING ({keys}) GROUP BY c""").fetchall()
        if len(rows) < 3:
            continue
        totals = [c for c, groups, matched in rows
                  if groups >= SUM_CHECK_MIN_GROUPS and matched >= SUM_CHECK_SHARE * groups]
        # One category can be the sum of the rest; two cannot both be (unless every value is zero).
        if len(totals) == 1:
            found.append((f"CAST({q(name)} AS VARCHAR) = ?", [totals[0]],
                          f"'{totals[0]}' in '{name}' is the sum of the others"))
    return found


def exclusion_sql(roles: dict, alias: str | None = None) -> str | None:
    """The condition that leaves total rows out (None when the dataset marks none)."""
    column = roles.get(TOTAL_ROLE)
    if not column:
        return None
    return f"{alias + '.' if alias else ''}{q(column)} IS NULL"


def national_series(con: duckdb.DuckDBPyConnection, dataset: store.Dataset, measure: str | None) -> pd.DataFrame:
    """The national comparator of a KPI series per period (``period``, ``national``): the value of its national
    total rows (a country's code or name in the area column), or else its national value column (role 'national',
    such as LGBF's ``Scotland_Indicator_Real``). Empty when it has neither."""
    import pandas as pd

    roles = dataset.roles
    period, area = roles.get("period"), roles.get("area")
    if not period:
        return pd.DataFrame(columns=["period", "national"])
    conds, params = [f"{q(period)} IS NOT NULL"], []
    if measure is not None and "measure" in roles:
        conds.append(f"CAST({q(roles['measure'])} AS VARCHAR) = ?")
        params.append(measure)
    marker = roles.get(TOTAL_ROLE)
    if marker and area and "value" in roles:
        frame = store.query_df(
            con, f"""SELECT CAST({q(period)} AS DATE) AS period, CAST({q(area)} AS VARCHAR) AS area,
                            avg(CAST({q(roles['value'])} AS DOUBLE)) AS national
                     FROM {q(dataset.table)} WHERE {' AND '.join(conds)} AND starts_with({q(marker)}, ?)
                     AND NOT contains({q(marker)}, ?) GROUP BY 1, 2 ORDER BY 1""",
            params + [NATIONAL, REASONS_JOINED])
        if len(frame):
            # One nation: its name labels the line.
            code = str(frame["area"].iloc[0])
            frame = frame[frame["area"] == code]
            label = NATIONAL_CODES.get(code.strip().upper(), (code,))[0]
            return frame[["period", "national"]].assign(period=lambda f: pd.to_datetime(f["period"])) \
                .reset_index(drop=True).pipe(_labelled, label)
    if "national" in roles:
        column = roles["national"]
        exclude = exclusion_sql(roles)
        frame = store.query_df(
            con, f"""SELECT CAST({q(period)} AS DATE) AS period, avg(CAST({q(column)} AS DOUBLE)) AS national
                     FROM {q(dataset.table)} WHERE {' AND '.join(conds + ([exclude] if exclude else []))}
                     AND {q(column)} IS NOT NULL GROUP BY 1 ORDER BY 1""", params)
        frame["period"] = pd.to_datetime(frame["period"])
        return _labelled(frame, _nation_named_in(column))
    return pd.DataFrame(columns=["period", "national"])


def _nation_named_in(header: str) -> str:
    """'Scotland' for 'Scotland_Indicator_Real'; the header itself when it names no nation."""
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", header).replace("_", " ").lower().split()
    for size in (3, 2, 1):
        for i in range(len(words) - size + 1):
            phrase = " ".join(words[i:i + size])
            if phrase in NATIONAL_NAMES and phrase not in ("national", "national total"):
                return "UK" if phrase == "uk" else phrase.title().replace(" And ", " and ")
    return header


def _labelled(frame: pd.DataFrame, label: str) -> pd.DataFrame:
    frame.attrs["label"] = label
    return frame
