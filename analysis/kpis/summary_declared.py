"""The Performance page's summary of every KPI, declared once (see :mod:`analysis.registry`): every KPI for every
service, its latest value, target, variation and assurance (the Making Data Count summary).

The page shows it as a table with the MDC icons, a row clicked opening its chart; presentation mode and the pack draw
it as a chart of the same rows (:mod:`analysis.charts.kpi_summary`). Both start from one result, worked out once per
dataset version, the settings and the stamps of what it reads.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis import periods, store
from analysis.charts.kpi_summary import build_kpi_summary_chart
from analysis.formatting import format_count
from analysis.kpis import explained, series
from analysis.kpis.definitions import ALL, format_kpi_value
from analysis.kpis.page import PAGE, PerformanceView
from analysis.reads import CLASSIFICATION
from analysis.registry import Context, Figure, NotShown, register
from analysis.spc import reading

ALL_LABEL = "All services"
# Short words, so each fits its column of the chart (the page's table and the download keep MDC's full labels).
_VARIATION_WORDS = {reading.COMMON_CAUSE: "Common cause", reading.IMPROVEMENT: "Improvement",
                    reading.CONCERN: "Concern", reading.NEUTRAL: "Neither better nor worse"}
_ASSURANCE_WORDS = {reading.CONSISTENT_PASS: "Passing the target", reading.CONSISTENT_FAIL: "Failing the target",
                    reading.INCONSISTENT: "Hit and miss"}
_VARIATION_TONES = {reading.IMPROVEMENT: "improvement", reading.CONCERN: "concern", reading.NEUTRAL: "neutral"}
_ASSURANCE_TONES = {reading.CONSISTENT_PASS: "improvement", reading.CONSISTENT_FAIL: "concern"}


@dataclass(frozen=True)
class Summary:
    grain: str
    within_days: int
    directions: tuple
    targets: tuple
    rules: str


def matrix(con, dataset: store.Dataset, grain: str, within_days: int, directions: tuple, targets: tuple,
           rules: str) -> pd.DataFrame:
    """``series.summary_matrix`` with its options in order, for ``ctx.shared``."""
    return series.summary_matrix(con, dataset, grain=grain, within_days=within_days, directions=dict(directions),
                                 targets=dict(targets), rules=rules)


def _inputs(ctx: Context, ds: store.Dataset, view: PerformanceView, state) -> Summary:
    return Summary(view.grain, view.within_days, view.directions, view.targets, view.rules)


def _compute(ctx: Context, ds: store.Dataset, p: Summary) -> pd.DataFrame:
    found = ctx.shared(matrix, ds, p.grain, p.within_days, p.directions, p.targets, p.rules, reads=(CLASSIFICATION,))
    if found.empty:
        raise NotShown("No KPI can be worked out from this dataset yet: see what each needs above.")
    return found


def chart_rows(found: pd.DataFrame, grain: str) -> pd.DataFrame:
    """The matrix in words, a row per KPI and series, for the chart."""
    def when(p) -> str:
        return f" ({periods.period_label(p, grain)})" if pd.notna(p) else ""
    return pd.DataFrame({
        "row": [f"{k} · {ALL_LABEL if s == ALL else s}" for k, s in zip(found["kpi_label"], found["series"])],
        "latest": [format_kpi_value(v, u) + when(p) for v, u, p in
                   zip(found["latest_value"], found["unit"], found["latest_period"])],
        "target": [format_kpi_value(v, u) if pd.notna(v) else "–" for v, u in zip(found["target"], found["unit"])],
        "variation": [_VARIATION_WORDS.get(v, "Not enough data") for v in found["variation"]],
        "assurance": [_ASSURANCE_WORDS.get(a, "No target") for a in found["assurance"]],
        "variation_tone": [_VARIATION_TONES.get(v, "common") for v in found["variation"]],
        "assurance_tone": [_ASSURANCE_TONES.get(a, "common") for a in found["assurance"]],
    })


def _counts(found: pd.DataFrame) -> tuple[int, int, int]:
    return (len(found), int((found["variation"] == reading.CONCERN).sum()),
            int((found["variation"] == reading.IMPROVEMENT).sum()))


def _reading(found: pd.DataFrame, p: Summary) -> str:
    n, concerns, improvements = _counts(found)
    failing = int((found["assurance"] == reading.CONSISTENT_FAIL).sum())
    sentence = (f"Of {format_count(n)} KPI series, {format_count(concerns)} show special cause concern and "
                f"{format_count(improvements)} special cause improvement at their latest point")
    return sentence + (f"; {format_count(failing)} consistently fail their target." if failing else ".")


SUMMARY = register(Figure(
    PAGE, "summary", "Summary of every KPI", _inputs, _compute,
    chart=lambda found, p: build_kpi_summary_chart(
        chart_rows(found, p.grain), title="Summary of every KPI",
        subtitle="Latest value, target, and what the SPC chart says (Making Data Count)"),
    columns=explained.SUMMARY_COLUMNS, reading=_reading,
    headline=lambda found, p: [("KPI series", format_count(_counts(found)[0])),
                               ("Special cause concern", format_count(_counts(found)[1])),
                               ("Special cause improvement", format_count(_counts(found)[2]))],
    reads=(CLASSIFICATION,), offered=lambda ds: ds.kind in ("records", "kpi")))
