"""The Making Data Count summary of every KPI as a chart: one row per KPI and series, its latest value and target, and
its variation and assurance in words coloured as the MDC icons colour them, so the summary can be presented and
packed like any other figure (the Performance page shows the same rows as a table with the icons)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from analysis.charts.common import MDC_COMMON, MDC_CONCERN, MDC_IMPROVEMENT, MDC_NEUTRAL, titled

COLUMNS = ["Latest", "Target", "Variation", "Assurance"]
TONES = {"improvement": MDC_IMPROVEMENT, "concern": MDC_CONCERN, "neutral": MDC_NEUTRAL, "plain": "#111111",
         "common": MDC_COMMON}
ROW_PX = 26
COLUMN_PX = 190  # "Neither better nor worse" and "11,980 (Oct 2025)" at 13 px, with room to spare


def build_kpi_summary_chart(rows: pd.DataFrame, *, title: str, subtitle: str | None = None) -> alt.Chart:
    """``rows``: row (the KPI and series in words), latest, target, variation, assurance (words) and
    variation_tone / assurance_tone (keys of :data:`TONES`)."""
    order = list(dict.fromkeys(rows["row"]))
    cells = pd.concat([
        pd.DataFrame({"row": rows["row"], "column": "Latest", "text": rows["latest"], "tone": "plain"}),
        pd.DataFrame({"row": rows["row"], "column": "Target", "text": rows["target"], "tone": "plain"}),
        pd.DataFrame({"row": rows["row"], "column": "Variation", "text": rows["variation"],
                      "tone": rows["variation_tone"]}),
        pd.DataFrame({"row": rows["row"], "column": "Assurance", "text": rows["assurance"],
                      "tone": rows["assurance_tone"]}),
    ], ignore_index=True)
    tones = [t for t in TONES if t in set(cells["tone"])]
    chart = alt.Chart(cells).mark_text(align="left", dx=8 - COLUMN_PX / 2, fontSize=13).encode(
        y=alt.Y("row:N", sort=order, title=None, axis=alt.Axis(labelLimit=340, domain=False, ticks=False)),
        x=alt.X("column:N", sort=COLUMNS, title=None,
                axis=alt.Axis(orient="top", labelAngle=0, domain=False, ticks=False, labelFontWeight="bold",
                              labelAlign="left", labelPadding=4, labelOffset=8 - COLUMN_PX / 2)),
        text=alt.Text("text:N"),
        color=alt.Color("tone:N", legend=None, scale=alt.Scale(domain=tones, range=[TONES[t] for t in tones])),
        tooltip=[alt.Tooltip("row:N", title="KPI"), alt.Tooltip("column:N", title="Column"),
                 alt.Tooltip("text:N", title="Value")],
    ).properties(height=alt.Step(ROW_PX), width=alt.Step(COLUMN_PX))
    return titled(chart, title, subtitle)
