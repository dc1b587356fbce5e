"""A chart builder's output as a Vega-Lite dict, made the same way wherever it is drawn: the app, the pack, the CLI.

:func:`make_spec` is the one way a chart becomes Vega-Lite. It runs the builder and ``to_dict(validate=False)``
inside one call that owns, for its duration only, the two Altair settings it needs (as Streamlit's own
``elements/vega_charts.py`` does with its data transformer: enabled inside a lock, as a context):

- **the data transformer**: each frame the chart holds becomes a named dataset kept as an Arrow table (written as
  Altair would write it: dates as ISO text read as local time, categories as text, NaN and infinity as null, no
  index), not Altair's JSON rows and their digest (2.6 times quicker). No row limit: Altair's default refuses 5,000
  rows (a guard for notebooks), and a day-grain small multiple has tens of thousands of points. Outside this call
  Altair's own transformer is untouched, so a builder called anywhere else behaves as Altair ships.
- **Altair's class table** (:func:`shared_class_table`): Altair 6 turns every encoding given as text or a dict
  (``y="count:Q"``, ``alt.condition``, ``alt.value``) into its class through the private ``_FromDict``, whose
  constructor hashes the JSON of every one of ~570 schema classes each time: a third to a half of building a chart.
  Inside the call one table per set of classes is shared. It is used only with the Altair versions it was checked
  on (:data:`CLASS_TABLE_ALTAIR`); with any other, the call uses Altair as shipped. Every builder is run both ways
  and compared by ``tests/test_chart_spec.py``.

Both are process-wide in Altair, so the call holds one lock while they are set: two sessions making charts at once
take turns (Python runs one of them at a time anyway), and nothing made outside the call sees either.

The spec's ``datasets`` hold Arrow tables (and, for a builder that returns rows, lists of rows). :func:`rows_spec`
turns them into JSON rows for plain Vega-Lite users (vl-convert, the pack, a JSON file); the app turns them into the
Arrow bytes Streamlit sends (``ui.charts``). Either way the chart's content is the same (tested).
"""

from __future__ import annotations

import hashlib
import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import altair as alt
import numpy as np
import pandas as pd
import pyarrow as pa
from altair.vegalite.data import default_data_transformer

CLASS_TABLE_ALTAIR = ("6.3.",)
"""Altair versions (prefixes) whose ``_FromDict`` the shared class table was checked against."""

_ALTAIR_GLOBALS = threading.RLock()  # held while the transformer and the class table are this module's
_TRANSFORMER = "stocktake_arrow"


def make_spec(build: Callable[..., Any], *args: Any, **kwargs: Any) -> dict[str, Any]:
    """``build(*args, **kwargs)`` (an Altair chart, or a Vega-Lite dict whose datasets are frames or rows) as an
    unvalidated Vega-Lite dict whose datasets are Arrow tables or rows. Every builder's output is checked against
    the schema by the tests, once, instead of on every draw."""
    frames: dict[str, pa.Table] = {}

    def to_arrow(data: Any) -> Any:
        if not isinstance(data, pd.DataFrame):
            return default_data_transformer(data, max_rows=None)
        table = frame_to_arrow(data)
        name = "data-" + _digest(table)
        frames[name] = table
        return {"name": name}

    with _ALTAIR_GLOBALS:
        alt.data_transformers.register(_TRANSFORMER, to_arrow)
        with alt.data_transformers.enable(_TRANSFORMER), shared_class_table():
            made = build(*args, **kwargs)
            spec = dict(made) if isinstance(made, dict) else made.to_dict(validate=False)
    datasets = {name: frame_to_arrow(rows) if isinstance(rows, pd.DataFrame) else rows
                for name, rows in (spec.get("datasets") or {}).items()}
    datasets.update(frames)
    if datasets:
        spec["datasets"] = datasets
    return spec


def rows_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` with every dataset as JSON rows (for vl-convert, the pack and any plain Vega-Lite user)."""
    datasets = spec.get("datasets")
    if not datasets or all(isinstance(rows, list) for rows in datasets.values()):
        return spec
    return {**spec, "datasets": {name: rows if isinstance(rows, list) else arrow_rows(rows)
                                 for name, rows in datasets.items()}}


def arrow_rows(data: pa.Table | bytes) -> list[dict]:
    """An Arrow table (or Streamlit's Arrow IPC bytes of one) as JSON rows."""
    table = pa.ipc.open_stream(data).read_all() if isinstance(data, (bytes, bytearray)) else data
    # Streamlit's bytes carry the pandas index as a column: not part of the chart's data.
    keep = [c for c in table.column_names if not c.startswith("__index_level_")]
    return table.select(keep).to_pylist()


def frame_to_arrow(frame: pd.DataFrame) -> pa.Table:
    """``frame`` as the Arrow table of what Altair would have written for it (``sanitize_pandas_dataframe``): dates
    as full ISO text (JavaScript reads it as local time, as Vega-Lite shows dates), categories as text, NaN and
    infinity as null; the index dropped."""
    columns = {}
    for name, column in frame.items():
        if not isinstance(name, str):
            raise ValueError(f"Chart data has a column name that is not text: {name!r}")
        dtype = column.dtype
        if isinstance(dtype, pd.CategoricalDtype):
            column = column.astype(object).where(column.notna(), None)
        elif pd.api.types.is_datetime64_any_dtype(dtype):
            column = _iso_text(column)
        elif pd.api.types.is_float_dtype(dtype) and not isinstance(dtype, pd.ArrowDtype):
            column = column.where(np.isfinite(column.to_numpy(dtype=float, na_value=np.nan)), np.nan)
        columns[name] = column.reset_index(drop=True)
    return pa.Table.from_pandas(pd.DataFrame(columns, index=pd.RangeIndex(len(frame))), preserve_index=False)


def _iso_text(column: pd.Series) -> pd.Series:
    """``Timestamp.isoformat()`` of each value ('' for a missing one), as Altair writes dates."""
    if column.dt.tz is None and (column.dropna().dt.microsecond == 0).all() and \
            (column.dropna().dt.nanosecond == 0).all():
        return column.dt.strftime("%Y-%m-%dT%H:%M:%S").fillna("").astype(object)
    return column.map(lambda value: "" if pd.isna(value) else value.isoformat()).astype(object)


def _digest(table: pa.Table) -> str:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return hashlib.md5(sink.getvalue().to_pybytes()).hexdigest()


# ---- Altair's class table, shared inside make_spec -----------------------------------------------------------------

_class_tables: dict[tuple, dict] = {}  # one per set of wrapper classes; written only under _ALTAIR_GLOBALS


def class_table_applies(version: str | None = None) -> bool:
    """Whether the shared class table is used with this Altair (its version is one it was checked on)."""
    return (version or alt.__version__).startswith(CLASS_TABLE_ALTAIR)


@contextmanager
def shared_class_table(enabled: bool | None = None) -> Iterator[bool]:
    """Inside the block (and the lock), Altair's ``_FromDict`` builds its table of schema classes once per set of
    classes instead of on every encoding; outside it Altair is as shipped. Yields whether it is in use: not with an
    Altair version it was not checked on, nor when ``enabled`` is False (the tests' other way round)."""
    from altair.utils import schemapi

    use = class_table_applies() if enabled is None else enabled
    if not use:
        yield False
        return
    with _ALTAIR_GLOBALS:
        shipped = schemapi._FromDict.__init__
        if getattr(shipped, "stocktake_shared", False):  # a make_spec inside another: already in place
            yield True
            return

        def shared(self, wrapper_classes, /) -> None:
            classes = tuple(wrapper_classes)
            table = _class_tables.get(classes)
            if table is None:
                shipped(self, classes)
                _class_tables[classes] = self.class_dict
            else:
                self.class_dict = table

        shared.stocktake_shared = True
        schemapi._FromDict.__init__ = shared
        try:
            yield True
        finally:
            schemapi._FromDict.__init__ = shipped
