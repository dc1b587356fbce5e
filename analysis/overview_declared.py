"""The Overview's figures, declared once (see :mod:`analysis.registry`): the rows by service, channel, area, reason,
measure, expenditure category or supplier (the top 8 of each), as the Overview draws them.

Declared here, they can be added to a session from the Overview, presented and packed like any Explore figure. Each
starts from the Overview's one summary of the dataset (:func:`analysis.overview.summarise_dataset`), worked out once
per dataset version and shared by every figure drawn from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import pandas as pd

from analysis import store
from analysis.charts.overview import build_top_values_chart
from analysis.formatting import format_count, format_percent
from analysis.overview import SUMMARY_ROLES, summarise_dataset
from analysis.registry import Context, Figure, NotShown, Page, register

PAGE_KEY = "home"  # the Overview's url_path; it is served at "/" (sessions.View.link)
PREFIX = "ov_"
TOP_N = 8


@dataclass(frozen=True)
class OverviewView:
    dataset: store.Dataset

    def words(self) -> str:
        return "Every row of the dataset (rows marked as totals of the others set apart)"


def read_view(ctx: Context, ds: store.Dataset, state: Mapping[str, Any]) -> OverviewView:
    return OverviewView(ds)


PAGE = Page(PAGE_KEY, "Overview", PREFIX, read_view, OverviewView.words, lambda state: {})


def label(role: str) -> str:
    return role.replace("_", " ").capitalize()


def _top_values(role: str):
    def compute(ctx: Context, ds: store.Dataset, p: Any) -> tuple[pd.DataFrame, int, int]:
        summary = ctx.shared(summarise_dataset, ds)
        frame = summary.top_values.get(role)
        if frame is None or frame.empty:
            raise NotShown(f"No {label(role).lower()} to count: the column is empty.")
        return frame, summary.distinct.get(role, len(frame)), summary.rows - summary.total_rows
    return compute


def _reading(role: str):
    def reading(result: tuple[pd.DataFrame, int, int], p: Any) -> str:
        frame, distinct, rows = result
        top = frame.iloc[0]
        value = "(blank)" if pd.isna(top["value"]) else str(top["value"])
        share = f" ({format_percent(top['rows'] / rows)} of {format_count(rows)})" if rows else ""
        return (f"{value} is the commonest {label(role).lower()}: {format_count(int(top['rows']))} rows{share}; "
                f"{format_count(distinct)} {label(role).lower()} values in all.")
    return reading


for _role in dict.fromkeys(r for roles in SUMMARY_ROLES.values() for r in roles):
    register(Figure(
        PAGE, f"rows_by_{_role}", f"Rows by {_role.replace('_', ' ')} (top {TOP_N})",
        inputs=lambda ctx, ds, view, state: None,
        compute=_top_values(_role),
        chart=lambda result, p, role=_role: build_top_values_chart(
            result[0], title=f"Rows by {role.replace('_', ' ')} (top {TOP_N})", label=label(role)),
        table=lambda result: result[0], columns={"value": label(_role), "rows": "Rows"},
        reading=_reading(_role),
        headline=lambda result, p, role=_role: [(f"{label(role)} values", format_count(result[1]))],
        needs=(_role,),
        offered=lambda ds, role=_role: role in SUMMARY_ROLES.get(ds.kind, ()) and role in ds.roles))
