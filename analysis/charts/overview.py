"""Charts for the overview page."""

from __future__ import annotations

import altair as alt
import pandas as pd

from analysis.charts.common import COUNT_FORMAT, NHS_BLUE, label_axis, titled


def build_top_values_chart(frame: pd.DataFrame, *, title: str, label: str) -> alt.Chart:
    """Horizontal bars of the most common values of one column (frame: value, rows)."""
    data = frame.assign(value=frame["value"].fillna("(blank)").astype(str))
    chart = (
        alt.Chart(data)
        .mark_bar(color=NHS_BLUE)
        .encode(
            x=alt.X("rows:Q", title="Rows", axis=alt.Axis(format=COUNT_FORMAT)),
            y=alt.Y("value:N", title=label, sort="-x", axis=label_axis(220)),
            tooltip=[alt.Tooltip("value:N", title=label), alt.Tooltip("rows:Q", title="Rows", format=COUNT_FORMAT)],
        )
        .properties(height=alt.Step(22))
    )
    return titled(chart, title)
