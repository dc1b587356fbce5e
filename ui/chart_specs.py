"""Charts as Vega-Lite dicts made once, so a rerun that draws the same chart again does no Altair work.

On every rerun, ``st.altair_chart`` turns the Altair object into a dict and validates it against the Vega-Lite JSON
schema (a third of a cached rerun of the Demand page), and ``st.vega_lite_chart`` turns each dataset in the spec into
Arrow bytes. :func:`vega_spec` does both once, for a result that is then cached with the figure (``ui.cache``):

- the spec is made with ``to_dict(validate=False)``: every chart builder's spec is checked against the schema by the
  tests instead, once (``tests/test_chart_specs.py``);
- each named dataset is stored as the Arrow bytes Streamlit would make of it (Streamlit's own conversion), so drawing
  the spec only copies bytes into the message.

:func:`inline_spec` gives the spec back with its data as JSON rows, for what needs plain Vega-Lite (an image export).
"""

from __future__ import annotations

from typing import Any

import altair as alt
import pyarrow as pa
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
