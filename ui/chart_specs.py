"""Charts as Vega-Lite dicts made once, so a rerun that draws the same chart again does no Altair work.

On every rerun, ``st.altair_chart`` turns the Altair object into a dict and validates it against the Vega-Lite JSON
schema (a third of a cached rerun of the Demand page), and ``st.vega_lite_chart`` turns each dataset in the spec into
Arrow bytes. :func:`vega_spec` does both once, for a result that is then cached with the figure (``ui.cache``):

- the spec is made with ``to_dict(validate=False)``: every chart builder's spec is checked against the schema by the
  tests instead, once (``tests/test_chart_specs.py``);
- each named dataset is stored as the Arrow bytes Streamlit would make of it (Streamlit's own conversion), so drawing
  the spec only copies bytes into the message. A chart's frames go to Arrow directly (:func:`_frame_to_arrow`), not
  through Altair's JSON rows: Altair turning each frame into a list of dicts, and hashing their JSON to name it, was
  most of the cost of making a spec (a tenth of the server's CPU with thirty people at once, ``bench.sessions``).
  The columns are what Altair would have written (dates as ISO text read as local time, categories as text, no NaN
  or infinity), so the chart draws the same.

:func:`chart_spec` is what pages call: ``chart_spec(build_volume_chart, volume, "Month")`` makes the spec once per
builder and inputs and keeps it for the process. The inputs are the small frames the cached figures (``ui.cache``)
return and a few words and numbers, so the key is their content (:func:`content_key`: the frames' values, types and
``attrs``, which the SPC charts read). The same inputs, whichever store, dataset or session they came from, draw the
same chart.

:func:`inline_spec` gives the spec back with its data as JSON rows, for what needs plain Vega-Lite (an image export).
"""

from __future__ import annotations

import hashlib
import pickle
import threading
from typing import Any, Callable

import altair as alt
import numpy as np
import pandas as pd
import pyarrow as pa
import streamlit as st
from altair.vegalite.data import default_data_transformer
from streamlit import dataframe_util

_making = threading.local()  # .frames: the Arrow datasets of the spec this thread is making (None: not making one)


def _frames_as_arrow(data: Any) -> Any:
    """Altair's data transformer for the whole process: inside :func:`vega_spec`, a frame becomes a named Arrow
    dataset; anywhere else (the Workshop's saved figures, the tests), Altair's own rows.

    Altair's own transformer refuses more than 5,000 rows (a guard for notebooks); st.altair_chart never applied it,
    and a day-grain small multiple has tens of thousands of points: no limit here either."""
    frames = getattr(_making, "frames", None)
    if frames is None or not isinstance(data, pd.DataFrame):
        return default_data_transformer(data, max_rows=None)
    arrow = dataframe_util.convert_arrow_table_to_arrow_bytes(_frame_to_arrow(data))
    name = "data-" + hashlib.md5(arrow).hexdigest()
    frames[name] = arrow
    return {"name": name}


# Registered and enabled once for the process (a transformer is process-wide state in Altair; this one reads the
# thread it runs on, so sessions making charts at once do not see each other's).
alt.data_transformers.register("stocktake", _frames_as_arrow)
alt.data_transformers.enable("stocktake")


def _frame_to_arrow(frame: pd.DataFrame) -> pa.Table:
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


def vega_spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """The chart's Vega-Lite dict, unvalidated, with its datasets as Arrow IPC bytes for ``st.vega_lite_chart``."""
    frames: dict[str, bytes] = {}
    _making.frames = frames
    try:
        spec = chart.to_dict(validate=False)
    finally:
        _making.frames = None
    # Data given to a chart as rows (alt.Data(values=...)) is still consolidated by Altair into rows.
    datasets = {name: dataframe_util.convert_anything_to_arrow_bytes(rows)
                for name, rows in (spec.get("datasets") or {}).items()}
    datasets.update(frames)
    if datasets:
        spec["datasets"] = datasets
    return spec


def with_frames(spec: dict[str, Any], frames: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """A Vega-Lite dict that names its datasets (a template such as ``analysis.charts.spc.small_multiples_template``)
    with each named frame as Arrow, written as Altair would write it."""
    out = dict(spec)
    out["datasets"] = {**(spec.get("datasets") or {}), **{
        name: dataframe_util.convert_arrow_table_to_arrow_bytes(_frame_to_arrow(frame))
        for name, frame in frames.items()}}
    return out


def chart_spec(build: Callable[..., alt.TopLevelMixin | dict], *inputs: Any, **options: Any) -> dict[str, Any]:
    """``vega_spec(build(*inputs, **options))``, made once per builder and inputs (see the module's docstring).

    ``build`` may also return a Vega-Lite dict whose datasets are rows (the Savings page's ``*_spec`` functions):
    its rows are turned into Arrow once here, not by Streamlit on every draw."""
    key = content_key(f"{build.__module__}.{build.__qualname__}", inputs, options)
    if key is None:  # an input that cannot be pickled (a lambda): build it every time
        return _drawable(build(*inputs, **options))
    # A shallow copy: Streamlit moves the data out of the spec's top level; nothing changes what lies below it.
    return dict(_cached_spec(key, build, inputs, options))


def content_key(*parts: Any) -> str | None:
    """A digest of ``parts`` by their content (None when one cannot be pickled).

    Pickling a small frame and hashing the bytes takes a tenth of a millisecond, ten times less than Streamlit's own
    hashing of the same frame; it covers the values, types, index and ``attrs``. Equal content laid out differently
    in memory may give other bytes: that costs a second build, never a wrong chart.
    """
    try:
        return hashlib.md5(pickle.dumps(parts, protocol=pickle.HIGHEST_PROTOCOL)).hexdigest()
    except (pickle.PicklingError, TypeError, AttributeError):
        return None


@st.cache_resource(show_spinner=False, max_entries=1000)
def _cached_spec(key: str, _build: Callable[..., alt.TopLevelMixin | dict], _inputs: tuple, _options: dict) -> dict:
    # A resource, not a copy per call (st.cache_data would unpickle it each time): callers only read it.
    return _drawable(_build(*_inputs, **_options))


def _drawable(made: alt.TopLevelMixin | dict) -> dict[str, Any]:
    if not isinstance(made, dict):
        return vega_spec(made)
    spec = dict(made)
    if spec.get("datasets"):
        spec["datasets"] = {name: rows if isinstance(rows, bytes) else
                            dataframe_util.convert_anything_to_arrow_bytes(rows)
                            for name, rows in spec["datasets"].items()}
    return spec


def inline_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` with every Arrow dataset turned back into JSON rows (for vl-convert and other plain Vega-Lite users)."""
    datasets = spec.get("datasets")
    if not datasets or not any(isinstance(rows, bytes) for rows in datasets.values()):
        return spec
    out = dict(spec)
    out["datasets"] = {name: _rows(rows) if isinstance(rows, bytes) else rows for name, rows in datasets.items()}
    return out


def _rows(arrow_bytes: bytes) -> list[dict]:
    table = pa.ipc.open_stream(arrow_bytes).read_all()
    # Streamlit's bytes carry the pandas index as a column: not part of the chart's data.
    keep = [c for c in table.column_names if not c.startswith("__index_level_")]
    frame = table.select(keep).to_pandas()
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
