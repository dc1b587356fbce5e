"""The DuckDB store: one file on disk holding every dataset, and the catalogue that describes them.

Everything Stocktake knows lives in one DuckDB file (``data/stocktake.duckdb``, or ``$STOCKTAKE_DB``). Each loaded
dataset is one table ``ds_<name>``; the catalogue tables say what kind it is, where it came from, when it was loaded,
how many rows it has, its version (bumped on every load or role change, so caches keyed on it go stale) and the
role of each column.

Rules every module follows:
- every table or column name that enters SQL goes through :func:`quote_identifier`;
- every value is a bound parameter (``?``), never pasted into SQL;
- queries run on a fresh cursor of the process's one connection (:func:`query_df`), because DuckDB 2.0 refuses
  concurrent use of one connection ("connection is busy") and Streamlit serves each browser session on its own thread.

Three modules, whose names callers reach through this package (``store.get_dataset``, ``store.transaction``):
``connection`` (the file: where it is, opening it, who holds its lock), ``sql`` (running SQL: one cursor per query,
transactions, a change committed with its audit record) and ``catalogue`` (datasets, their columns, roles and
versions).
"""

from analysis.store.catalogue import (COLUMNS_TABLE, DATASETS_TABLE, VERSION_SEQUENCE, Column, Dataset,
                                      catalogue_stamp, dataset_exists, dataset_version, delete_dataset,
                                      drop_derived_tables, ensure_catalogue, get_dataset, list_datasets, next_version,
                                      rejects_table_for, set_roles, table_name_for, validate_dataset_name,
                                      write_catalogue_entry)
from analysis.store.connection import DEFAULT_DB_PATH, PROJECT_ROOT, default_db_path, open_store
from analysis.store.sql import (PendingRecord, committed_with, create_if_missing, execute, query_df, query_rows,
                                quote_identifier, recording_queries, background_work, settings_table_exists, table_exists,
                                transaction)

__all__ = [
    "COLUMNS_TABLE", "DATASETS_TABLE", "VERSION_SEQUENCE", "Column", "Dataset", "catalogue_stamp", "dataset_exists",
    "dataset_version", "delete_dataset", "drop_derived_tables", "ensure_catalogue", "get_dataset", "list_datasets",
    "next_version", "rejects_table_for", "set_roles", "table_name_for", "validate_dataset_name",
    "write_catalogue_entry", "DEFAULT_DB_PATH", "PROJECT_ROOT", "default_db_path", "open_store", "PendingRecord",
    "committed_with", "create_if_missing", "execute", "query_df", "query_rows", "quote_identifier",
    "recording_queries", "background_work", "settings_table_exists", "table_exists", "transaction",
]
