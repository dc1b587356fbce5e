"""Charts as Vega-Lite dicts made once, so a rerun that draws the same chart again does no Altair work.

On every rerun, ``st.altair_chart`` turns the Altair object into a dict and validates it against the Vega-Lite JSON
schema (a third of a cached rerun of the Demand page), and ``st.vega_lite_chart`` turns each dataset in the spec into
Arrow bytes. :func:`vega_spec` does both once, for a result that is then cached with the figure (``ui.cache``):

- the spec is made with ``to_dict(validate=False)``: every chart builder's spec is checked against the schema by the
  tests instead, once (``tests/test_chart_specs.py``);
- each named dataset is stored as the Arrow bytes Streamlit would make of it (Streamlit's own conversion), so drawing
  the spec only copies bytes into the message.

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
from typing import Any, Callable

import altair as alt
import pyarrow as pa
import streamlit as st
from streamlit import dataframe_util

# Altair's default refuses to inline more than 5,000 rows (a guard for notebooks); st.altair_chart never applied it,
# and a day-grain small multiple has tens of thousands of points. Set once for the process: every chart is made here.
alt.data_transformers.disable_max_rows()


def vega_spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """The chart's Vega-Lite dict, unvalidated, with its datasets as Arrow IPC bytes ready for ``st.vega_lite_chart``."""
    spec = chart.to_dict(validate=False)
    datasets = spec.get("datasets")
    if datasets:
        spec["datasets"] = {name: dataframe_util.convert_anything_to_arrow_bytes(rows)
                            for name, rows in datasets.items()}
    return spec


def chart_spec(build: Callable[..., alt.TopLevelMixin], *inputs: Any, **options: Any) -> dict[str, Any]:
    """``vega_spec(build(*inputs, **options))``, made once per builder and inputs (see the module's docstring)."""
    key = content_key(f"{build.__module__}.{build.__qualname__}", inputs, options)
    if key is None:  # an input that cannot be pickled (a lambda): build it every time
        return vega_spec(build(*inputs, **options))
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
def _cached_spec(key: str, _build: Callable[..., alt.TopLevelMixin], _inputs: tuple, _options: dict) -> dict:
    # A resource, not a copy per call (st.cache_data would unpickle it each time): callers only read it.
    return vega_spec(_build(*_inputs, **_options))


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
