"""Spend page figures: spend by month or financial year (credits shown apart), by service, category and supplier (top
N, then "All other"), supplier concentration, and spend per contact by service (unit costs from the council's own
data). The SPC chart of monthly spend and the change between two periods use the Performance and Demand pages'
builders (``charts.spc.build_spc_chart``, ``charts.demand.build_change_waterfall``).

Each builder only lays out the small frame :mod:`analysis.spend` works out. Bars that drill down carry a named
``alt.selection_point`` (:data:`SELECTIONS`); the page turns a click into a chip ("Supplier: …").
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from analysis.charts.common import (ACCENT_ORANGE, DARK_GREY, DEFAULT_HEIGHT, MONEY_LABEL, NEUTRAL_GREY, NHS_BLUE,
                                    TARGET_RED, titled)
from analysis.filters import OTHER
from analysis.formatting import format_count, format_money, format_percent

PENCE_LABEL = "(datum.value < 0 ? '-£' : '£') + format(abs(datum.value), ',.2f')"  # MONEY_LABEL, to the penny
# Selection name -> the fields a click returns.
SELECTIONS = {"spend_service_pick": ("value",), "spend_category_pick": ("value",), "spend_supplier_pick": ("value",)}
PAYMENTS, CREDITS = "Payments", "Credits"
CURVE_POINTS = 400  # the concentration curve is thinned to this many points: a chart's data stays small


def _pick(name: str) -> alt.Parameter:
    return alt.selection_point(name=name, fields=list(SELECTIONS[name]), on="click", clear="dblclick")


def build_spend_by_period_chart(frame: pd.DataFrame, grain_label: str,
                                title: str = "Spend over time") -> alt.LayerChart:
    """Payments above the line and credits below it, per period, with the net spend marked on each bar."""
    long = pd.concat([frame.assign(kind=PAYMENTS, amount=frame["paid"], rows=frame["payments"]),
                      frame.assign(kind=CREDITS, amount=frame["credits"], rows=frame["credit_rows"])],
                     ignore_index=True)
    long = long[long["amount"] != 0].copy()
    long["amount_text"] = long["amount"].map(lambda v: format_money(v))
    long["net_text"] = long["net"].map(lambda v: format_money(v))
    long["rows_text"] = long["rows"].map(format_count)
    order = frame["label"].tolist()
    x = alt.X("label:N", sort=order, title=grain_label,
              axis=alt.Axis(labelAngle=-45 if len(order) > 12 else 0, labelOverlap=True))
    tooltip = [alt.Tooltip("label:N", title=grain_label), alt.Tooltip("kind:N", title="What"),
               alt.Tooltip("amount_text:N", title="Amount"), alt.Tooltip("rows_text:N", title="How many"),
               alt.Tooltip("net_text:N", title="Net spend in the period")]
    bars = alt.Chart(long).mark_bar().encode(
        x=x, y=alt.Y("amount:Q", title="Spend (£)", axis=alt.Axis(labelExpr=MONEY_LABEL)),
        color=alt.Color("kind:N", title=None, scale=alt.Scale(domain=[PAYMENTS, CREDITS],
                                                              range=[NHS_BLUE, ACCENT_ORANGE]),
                        legend=alt.Legend(orient="top")),
        tooltip=tooltip)
    net = frame.assign(net_text=frame["net"].map(lambda v: format_money(v)))
    ticks = alt.Chart(net).mark_tick(color=DARK_GREY, thickness=3, size=28).encode(
        x=x, y="net:Q", tooltip=[alt.Tooltip("label:N", title=grain_label),
                                 alt.Tooltip("net_text:N", title="Net spend")])
    zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color=DARK_GREY).encode(y="y:Q")
    chart = alt.layer(bars, ticks, zero).properties(height=DEFAULT_HEIGHT, width="container")
    return titled(chart, title, "Credits (negative amounts) are drawn below the line; the dark tick is the net spend")


def build_spend_bars(frame: pd.DataFrame, role_label: str, selection: str, title: str,
                     total: float | None = None) -> alt.LayerChart:
    """Net spend per service, category or supplier, largest first, 'All other' in grey at the end; a click drills
    the page down to the bar's value."""
    data = frame.copy()
    data["net_text"] = data["net"].map(lambda v: format_money(v))
    data["credits_text"] = data["credits"].map(lambda v: format_money(v) if v else "none")
    data["share_text"] = data["share"].map(lambda v: format_percent(v) if pd.notna(v) else "–")
    data["rows_text"] = (data["payments"] + data["credit_rows"]).map(format_count)
    data["group"] = np.where(data["value"] == OTHER, "All other", "Top")
    order = data["value"].tolist()
    pick = _pick(selection)
    y = alt.Y("value:N", sort=order, title=None, axis=alt.Axis(labelLimit=260))
    tooltip = [alt.Tooltip("value:N", title=role_label), alt.Tooltip("net_text:N", title="Net spend"),
               alt.Tooltip("share_text:N", title="Share of the total"), alt.Tooltip("credits_text:N", title="Credits"),
               alt.Tooltip("rows_text:N", title="Payments and credits")]
    # Room on the right for the largest bar's label.
    scale = alt.Scale(domain=[min(0.0, float(data["net"].min())), max(1.0, float(data["net"].max()) * 1.18)])
    bars = alt.Chart(data).mark_bar().encode(
        y=y, x=alt.X("net:Q", title="Net spend (£)", axis=alt.Axis(labelExpr=MONEY_LABEL), scale=scale),
        color=alt.Color("group:N", legend=None, scale=alt.Scale(domain=["Top", "All other"],
                                                                range=[NHS_BLUE, NEUTRAL_GREY])),
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.35)), tooltip=tooltip,
    ).add_params(pick)
    text = alt.Chart(data).mark_text(align="left", dx=4, color=DARK_GREY).encode(
        y=y, x=alt.X("net:Q", scale=scale), text="net_text:N")
    chart = alt.layer(bars, text).properties(height=max(160, 26 * len(data)), width="container")
    subtitle = f"Click a bar to see its payments. Total {format_money(total)}" if total is not None else \
        "Click a bar to see its payments"
    return titled(chart, title, subtitle)


def thin_curve(curve: pd.DataFrame, points: int = CURVE_POINTS) -> pd.DataFrame:
    """The concentration curve with at most ``points`` rows: every supplier of the first 100, then evenly spaced,
    always with the last."""
    if len(curve) <= points:
        return curve
    head = np.arange(min(100, len(curve)))
    rest = np.linspace(100, len(curve) - 1, points - len(head)).round().astype(int)
    return curve.iloc[np.unique(np.concatenate([head, rest]))]


def build_concentration_chart(curve: pd.DataFrame, top_n: int, top_share: float, core: int,
                              title: str = "How concentrated is spend among suppliers?") -> alt.LayerChart:
    """The cumulative share of spend against suppliers ranked largest first, with the 80% line and the top N."""
    data = thin_curve(curve).copy()
    data["share_text"] = data["cumulative_share"].map(format_percent)
    data["net_text"] = data["net"].map(lambda v: format_money(v))
    tooltip = [alt.Tooltip("rank:Q", title="Suppliers (largest first)"), alt.Tooltip("supplier:N", title="Supplier"),
               alt.Tooltip("net_text:N", title="Its spend"), alt.Tooltip("share_text:N", title="Cumulative share")]
    x = alt.X("rank:Q", title="Suppliers, largest first", axis=alt.Axis(format=",.0f", tickMinStep=1),
              scale=alt.Scale(domain=[1, max(2, int(curve["rank"].max()))]))
    line = alt.Chart(data).mark_line(color=NHS_BLUE, strokeWidth=2.5, interpolate="step-after").encode(
        x=x, y=alt.Y("cumulative_share:Q", title="Share of spend", axis=alt.Axis(format=".0%"),
                     scale=alt.Scale(domain=[0, 1])), tooltip=tooltip)
    marks = pd.DataFrame({"rank": [min(top_n, len(curve)), core], "share": [top_share, 0.8],
                          "label": [f"Top {min(top_n, len(curve))}: {format_percent(top_share)}",
                                    f"{format_count(core)} suppliers make 80%"]})
    points = alt.Chart(marks).mark_point(filled=True, size=90, color=TARGET_RED).encode(
        x="rank:Q", y="share:Q", tooltip=[alt.Tooltip("label:N", title="")])
    labels = alt.Chart(marks).mark_text(align="left", dx=8, dy=12, color=DARK_GREY).encode(
        x="rank:Q", y="share:Q", text="label:N")
    rule = alt.Chart(pd.DataFrame({"y": [0.8]})).mark_rule(color=TARGET_RED, strokeDash=[6, 4]).encode(y="y:Q")
    chart = alt.layer(line, rule, points, labels).properties(height=DEFAULT_HEIGHT, width="container")
    return titled(chart, title, f"{format_count(len(curve))} suppliers paid more than they refunded")


def build_unit_cost_chart(frame: pd.DataFrame, title: str = "Spend per contact, by service") -> alt.LayerChart:
    """Spend per contact for each matched service over the months both datasets cover, largest first."""
    data = frame.dropna(subset=["unit_cost"]).copy()
    data["cost_text"] = data["unit_cost"].map(lambda v: format_money(v, 2))
    data["spend_text"] = data["spend"].map(lambda v: format_money(v))
    data["contacts_text"] = data["contacts"].map(format_count)
    order = data.sort_values("unit_cost", ascending=False)["service"].tolist()
    y = alt.Y("service:N", sort=order, title=None, axis=alt.Axis(labelLimit=260))
    tooltip = [alt.Tooltip("service:N", title="Service (records)"),
               alt.Tooltip("spend_service:N", title="Service (spending)"),
               alt.Tooltip("cost_text:N", title="Spend per contact"), alt.Tooltip("spend_text:N", title="Spend"),
               alt.Tooltip("contacts_text:N", title="Contacts")]
    scale = alt.Scale(domain=[0.0, max(1.0, float(data["unit_cost"].max()) * 1.18)])
    pence = float(data["unit_cost"].max()) < 50  # pennies matter on an axis of a few pounds, not of hundreds
    bars = alt.Chart(data).mark_bar(color=NHS_BLUE).encode(
        y=y, x=alt.X("unit_cost:Q", title="Spend per contact (£)",
                     axis=alt.Axis(labelExpr=PENCE_LABEL if pence else MONEY_LABEL), scale=scale),
        tooltip=tooltip)
    text = alt.Chart(data).mark_text(align="left", dx=4, color=DARK_GREY).encode(
        y=y, x=alt.X("unit_cost:Q", scale=scale), text="cost_text:N")
    chart = alt.layer(bars, text).properties(height=max(160, 30 * len(data)), width="container")
    return titled(chart, title, "Spend includes more than handling contacts: read each bar as an upper bound")
