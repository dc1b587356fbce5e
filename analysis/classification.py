"""Failure and value demand: which reasons for contact are failure demand, kept as a lookup dataset in the store.

A records dataset ``X`` has its classification in the lookup dataset ``X_classification`` (roles ``service``,
``reason``, ``demand_type``). :func:`classification_frame` lists every service + reason seen in the records (or every
reason, when the records have no service role) with its demand type, ``'unclassified'`` where the lookup says
nothing. :func:`save_classification` writes an edited frame back atomically (through ``ingest.load_frame``), so the
editor on the Demand page survives restarts. :func:`read_classification_file` and :func:`merge_classification` let a
user bring their own classification file.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import BinaryIO

import duckdb
import pandas as pd

from analysis import store
from analysis.errors import StocktakeError
from analysis.load.ingest import load_frame
from analysis.store import quote_identifier

FAILURE = "failure"
VALUE = "value"
UNCLASSIFIED = "unclassified"
DEMAND_TYPES = (FAILURE, VALUE, UNCLASSIFIED)

# Spellings people use in their own files, mapped to the three types. Compared lower-cased and trimmed.
_SYNONYMS = {
    "failure": FAILURE,
    "failure demand": FAILURE,
    "f": FAILURE,
    "fail": FAILURE,
    "value": VALUE,
    "value demand": VALUE,
    "v": VALUE,
    "unclassified": UNCLASSIFIED,
    "not classified": UNCLASSIFIED,
    "unknown": UNCLASSIFIED,
    "": UNCLASSIFIED,
}

# Header spellings accepted in a user's classification file, per column we need.
_HEADER_SYNONYMS = {
    "service": ("service", "department", "service area"),
    "reason": ("reason", "reason for contact", "contact reason", "category"),
    "demand_type": ("demand_type", "demand type", "type", "classification", "class", "failure or value"),
}


def classification_dataset_name(dataset: store.Dataset | str) -> str:
    """The lookup dataset that holds a records dataset's classification: ``<name>_classification``."""
    name = dataset.name if isinstance(dataset, store.Dataset) else str(dataset)
    return f"{name}_classification"


def classification_version(con, dataset: store.Dataset | str) -> int:
    """The version of a records dataset's classification lookup (0 when it has none): part of every cache key for
    figures that use failure demand."""
    return store.dataset_version(con, classification_dataset_name(dataset))


def _require_reason(dataset: store.Dataset) -> str:
    reason = dataset.roles.get("reason")
    if not reason:
        raise StocktakeError(
            f"Dataset '{dataset.name}' has no column with the role 'Reason', so its demand cannot be classified. "
            "Give a column that role on the Data page."
        )
    return reason


def _stored_lookup(con: duckdb.DuckDBPyConnection, dataset: store.Dataset) -> pd.DataFrame | None:
    """The stored classification as (service?, reason, demand_type), or None when there is none usable."""
    name = classification_dataset_name(dataset)
    if not store.dataset_exists(con, name):
        return None
    lookup = store.get_dataset(con, name)
    roles = lookup.roles
    if "reason" not in roles or "demand_type" not in roles:
        return None
    select = [f"CAST({quote_identifier(roles['reason'])} AS VARCHAR) AS reason",
              f"CAST({quote_identifier(roles['demand_type'])} AS VARCHAR) AS demand_type"]
    if "service" in roles:
        select.insert(0, f"CAST({quote_identifier(roles['service'])} AS VARCHAR) AS service")
    frame = store.query_df(con, f"SELECT {', '.join(select)} FROM {quote_identifier(lookup.table)}")
    frame["demand_type"] = frame["demand_type"].map(_normalise_type_or_none)
    return frame


def _normalise_type_or_none(value) -> str:
    """Stored values that are not one of the types count as unclassified (the stored data was edited elsewhere)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return UNCLASSIFIED
    return _SYNONYMS.get(str(value).strip().lower(), UNCLASSIFIED)


def classification_frame(con: duckdb.DuckDBPyConnection, dataset: store.Dataset) -> pd.DataFrame:
    """Every service + reason seen in the records, with its demand type ('failure', 'value' or 'unclassified').

    Columns: ``service``, ``reason``, ``demand_type``. When the records have no service role, ``service`` is empty
    (None) and there is one row per reason. A lookup without a service role classifies a reason in every service.
    Sorted by service then reason.
    """
    reason_col = _require_reason(dataset)
    service_col = dataset.roles.get("service")
    service_sql = f"CAST({quote_identifier(service_col)} AS VARCHAR)" if service_col else "CAST(NULL AS VARCHAR)"
    seen = store.query_df(
        con,
        f"""SELECT DISTINCT {service_sql} AS service, CAST({quote_identifier(reason_col)} AS VARCHAR) AS reason
            FROM {quote_identifier(dataset.table)}
            WHERE {quote_identifier(reason_col)} IS NOT NULL
            ORDER BY service NULLS FIRST, reason""",
    )
    seen["demand_type"] = UNCLASSIFIED
    lookup = _stored_lookup(con, dataset)
    if lookup is not None and not lookup.empty:
        seen = _apply(seen, lookup, by_service=service_col is not None)
    return seen[["service", "reason", "demand_type"]].reset_index(drop=True)


def _apply(target: pd.DataFrame, lookup: pd.DataFrame, *, by_service: bool) -> pd.DataFrame:
    """Set target's demand_type from lookup: by service + reason where both have a service, else by reason."""
    target = target.copy()
    lookup = lookup.copy()
    lookup["reason"] = lookup["reason"].astype("string")
    if by_service and "service" in lookup.columns and lookup["service"].notna().any():
        keyed = lookup.dropna(subset=["service"]).drop_duplicates(["service", "reason"], keep="last")
        mapping = {(s, r): t for s, r, t in zip(keyed["service"], keyed["reason"], keyed["demand_type"])}
        # Rows of the lookup without a service apply to the reason in every service.
        general = lookup[lookup["service"].isna()].drop_duplicates("reason", keep="last")
        general_map = dict(zip(general["reason"], general["demand_type"]))
        new = [
            mapping.get((s, r), general_map.get(r, t))
            for s, r, t in zip(target["service"], target["reason"], target["demand_type"])
        ]
    else:
        # No service to match on: a reason classified differently in two services takes the most common type.
        per_reason = (
            lookup.groupby("reason")["demand_type"]
            .agg(lambda s: s.value_counts().index[0])
            .to_dict()
        )
        new = [per_reason.get(r, t) for r, t in zip(target["reason"], target["demand_type"])]
    target["demand_type"] = new
    return target


def validate_classification(frame: pd.DataFrame, *, source: str = "The classification") -> pd.DataFrame:
    """Check a classification frame (reason[, service], demand_type) and return it with the types normalised.

    Headers are matched loosely ("Reason for contact", "Demand type"); values such as "Failure demand" or "V" are
    accepted; blank means unclassified. Anything else raises a StocktakeError naming the rows and values.
    """
    if frame is None or frame.empty:
        raise StocktakeError(f"{source} has no rows.")
    renamed = _rename_headers(frame, source)
    out = pd.DataFrame({"reason": renamed["reason"]})
    if "service" in renamed.columns:
        out.insert(0, "service", renamed["service"])
    else:
        out.insert(0, "service", pd.Series([None] * len(renamed), index=renamed.index, dtype="object"))
    out["demand_type"] = renamed["demand_type"]
    for col in ("service", "reason"):
        out[col] = pd.Series(
            [None if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v).strip() or None
             for v in out[col]],
            index=out.index, dtype=object,
        )
    missing_reason = out.index[out["reason"].isna()]
    if len(missing_reason):
        rows = ", ".join(str(i + 2) for i in list(missing_reason)[:5])
        raise StocktakeError(f"{source} has rows with no reason (row {rows}): every row needs a reason.")
    raw = out["demand_type"].map(lambda v: "" if v is None or (not isinstance(v, str) and pd.isna(v))
                                 else str(v).strip().lower())
    bad = ~raw.isin(list(_SYNONYMS))
    if bad.any():
        examples = []
        for idx in list(out.index[bad])[:5]:
            examples.append(f"row {idx + 2}: '{out.at[idx, 'demand_type']}'")
        raise StocktakeError(
            f"{source} has demand types that are not 'failure', 'value' or 'unclassified' "
            f"({bad.sum():,} rows; {'; '.join(examples)}). Correct them and load the file again."
        )
    out["demand_type"] = raw.map(_SYNONYMS)
    types_per_key = out.fillna({"service": ""}).groupby(["service", "reason"])["demand_type"].nunique()
    conflicting = types_per_key[types_per_key > 1]
    if len(conflicting):
        service, reason = conflicting.index[0]
        first = {"service": service or None, "reason": reason}
        where = f" in '{first['service']}'" if first["service"] else ""
        raise StocktakeError(
            f"{source} gives reason '{first['reason']}'{where} more than one demand type: keep one row per reason."
        )
    return out.drop_duplicates(["service", "reason"]).reset_index(drop=True)


def _rename_headers(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    lower = {str(c).strip().lower().replace("_", " "): c for c in frame.columns}
    mapping = {}
    for wanted, spellings in _HEADER_SYNONYMS.items():
        for spelling in spellings:
            key = spelling.replace("_", " ")
            if key in lower:
                mapping[lower[key]] = wanted
                break
    found = set(mapping.values())
    for needed in ("reason", "demand_type"):
        if needed not in found:
            label = "Reason" if needed == "reason" else "Demand type"
            raise StocktakeError(
                f"{source} has no '{label}' column (its columns are: {', '.join(map(str, frame.columns))}). "
                "A classification file needs the columns Reason and Demand type, and optionally Service."
            )
    return frame.rename(columns=mapping)


def read_classification_file(source: str | os.PathLike | BinaryIO, filename: str | None = None) -> pd.DataFrame:
    """Read a user's classification file (CSV or Excel) and return it validated (see :func:`validate_classification`).

    ``source`` is a path or an uploaded file object; ``filename`` tells the format of a file object.
    """
    name = filename or (str(source) if isinstance(source, (str, os.PathLike)) else getattr(source, "name", "file"))
    label = f"The file '{Path(name).name}'"
    suffix = Path(name).suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
            frame = pd.read_excel(source, engine="calamine", dtype=str)
        else:
            data = source
            if hasattr(source, "read"):
                raw = source.read()
                data = io.BytesIO(raw if isinstance(raw, bytes) else raw.encode("utf-8"))
            frame = pd.read_csv(data, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except StocktakeError:
        raise
    except Exception as exc:  # a broken file is the user's problem to fix, in words they understand
        raise StocktakeError(f"{label} could not be read as a CSV or Excel file: {exc}") from None
    return validate_classification(frame, source=label)


def changed_types(before: pd.DataFrame, after: pd.DataFrame) -> int:
    """How many reasons have another demand type in ``after`` than in ``before`` (the same rows, in the same order)."""
    return int((after["demand_type"].to_numpy() != before["demand_type"].to_numpy()).sum())


def merge_classification(current: pd.DataFrame, incoming: pd.DataFrame) -> pd.DataFrame:
    """Apply a validated classification (e.g. from a user's file) on top of the current one.

    Only rows of ``current`` (the service + reason pairs seen in the records) are kept; a row of ``incoming`` with
    no service classifies that reason in every service. Rows ``incoming`` says nothing about keep their type.
    """
    by_service = "service" in current.columns and current["service"].notna().any()
    return _apply(current, incoming, by_service=by_service)[["service", "reason", "demand_type"]]


def save_classification(con: duckdb.DuckDBPyConnection, dataset: store.Dataset, frame: pd.DataFrame) -> int:
    """Write a classification frame (service, reason, demand_type) as the lookup dataset ``<name>_classification``.

    Replaces the whole lookup in one transaction (``ingest.load_frame``), so a failure leaves the previous one.
    Returns the lookup's new version.
    """
    clean = validate_classification(frame, source="The classification")
    has_service = dataset.roles.get("service") is not None and clean["service"].notna().any()
    columns = ["service", "reason", "demand_type"] if has_service else ["reason", "demand_type"]
    out = clean[columns].astype("string").astype(object)
    roles = {c: c for c in columns}
    report = load_frame(
        con, out.reset_index(drop=True), dataset=classification_dataset_name(dataset), kind="lookup", roles=roles,
        source_file=f"(classification of {dataset.name})",
    )
    return report.version


def classified_reasons_sql(con: duckdb.DuckDBPyConnection, dataset: store.Dataset,
                           frame: pd.DataFrame | None = None) -> tuple[str, list]:
    """A SQL fragment ``(VALUES (?, ?, ?), …)`` of (service, reason, demand_type) for joining in DuckDB queries.

    Returned with its bound parameters. Used by demand queries that split counts by demand type. ``frame`` is the
    :func:`classification_frame` when the caller has it already.
    """
    frame = classification_frame(con, dataset) if frame is None else frame
    if frame.empty:
        return "(SELECT CAST(NULL AS VARCHAR) AS service, CAST(NULL AS VARCHAR) AS reason, " \
               "CAST(NULL AS VARCHAR) AS demand_type WHERE false)", []
    values = ", ".join(["(?, ?, ?)"] * len(frame))
    params: list = []
    for s, r, t in zip(frame["service"], frame["reason"], frame["demand_type"]):
        params.extend([None if s is None or (not isinstance(s, str) and pd.isna(s)) else s, r, t])
    return f"(SELECT * FROM (VALUES {values}) AS v(service, reason, demand_type))", params
