"""Charts drawn outside the figure registry, made once per builder and inputs (the Overview's charts).

Figures declared in :mod:`analysis.registry` are made and kept with the figure (``ui.figures``); this keeps the few
other charts the same way: :func:`chart_spec` makes the spec with :func:`analysis.charts.spec.make_spec` (the one
way a chart becomes Vega-Lite) and keeps it, with its data as the Arrow bytes Streamlit sends, per builder and content.
"""

from __future__ import annotations

from typing import Any, Callable

import pyarrow as pa
import streamlit as st
from streamlit import dataframe_util

from analysis.charts.spec import make_spec
from analysis.registry import digest


def arrow_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` with every dataset as the Arrow IPC bytes Streamlit sends (tables and rows alike)."""
    datasets = spec.get("datasets")
    if not datasets:
        return spec
    return {**spec, "datasets": {
        name: rows if isinstance(rows, bytes) else
        dataframe_util.convert_arrow_table_to_arrow_bytes(rows) if isinstance(rows, pa.Table) else
        dataframe_util.convert_anything_to_arrow_bytes(rows) for name, rows in datasets.items()}}


def chart_spec(build: Callable[..., Any], *inputs: Any, **options: Any) -> dict[str, Any]:
    """``make_spec(build, *inputs, **options)`` with Arrow bytes, made once per builder and inputs."""
    key = digest((f"{build.__module__}.{build.__qualname__}", inputs, options))
    # A shallow copy: Streamlit moves the data out of the spec's top level; nothing changes what lies below it.
    return dict(_kept_spec(key, build, inputs, options))


@st.cache_resource(show_spinner=False, max_entries=200)
def _kept_spec(key: str, _build: Callable[..., Any], _inputs: tuple, _options: dict) -> dict:
    return arrow_spec(make_spec(_build, *_inputs, **_options))
