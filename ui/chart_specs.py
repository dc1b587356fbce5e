"""Charts as Streamlit draws them: Vega-Lite with its data as Arrow bytes, and the few charts drawn outside the
figure registry (the Overview's), made once per builder and inputs.

Figures declared in :mod:`analysis.registry` are made and kept with the figure (``ui.figures``); :func:`chart_spec`
keeps the other charts in the same cache (``ui.cache``), made with :func:`analysis.charts.spec.make_spec` (the one way
a chart becomes Vega-Lite), per builder and content.
"""

from __future__ import annotations

from typing import Any, Callable

import pyarrow as pa
from streamlit import dataframe_util

from analysis.charts.spec import make_spec
from ui import cache


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
    kept = cache.remember(f"chart {build.__module__}.{build.__qualname__}", (), (inputs, options),
                          lambda: arrow_spec(make_spec(build, *inputs, **options)))
    # A shallow copy: Streamlit moves the data out of the spec's top level; nothing changes what lies below it.
    return dict(kept)
