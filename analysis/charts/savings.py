"""Savings page figures: waterfall from baseline to scenario cost, projection with payback, tornado, comparison.

Each builder takes the small frame that :mod:`analysis.savings` returns and never computes a saving itself. Money is
labelled with £ through a Vega expression (and pre-formatted tooltip text), so it reads as £1,234 whatever locale
the browser has.
"""

from __future__ import annotations

import json
from typing import Callable

import altair as alt
import pandas as pd

from analysis.charts.common import CATEGORY_PALETTE, DARK_GREY, DEFAULT_HEIGHT, MDC_COMMON, MDC_IMPROVEMENT, \
    MONEY_LABEL, NHS_BLUE, TARGET_RED, titled
from analysis.formatting import format_money

LEVER_COLOURS = {"Failure demand removed": CATEGORY_PALETTE[0], "Channel shift": CATEGORY_PALETTE[1],
                 "Handling time cut": CATEGORY_PALETTE[2]}


def _money_axis(title: str) -> alt.Axis:
    return alt.Axis(title=title, labelExpr=MONEY_LABEL)


# Charts redrawn on every lever move are defined on named datasets, so their Vega-Lite spec (slow to build and
# validate in Altair: ~50 ms a chart) is made once per shape and reused with the new rows: ``*_spec`` functions.
_TEMPLATES: dict[tuple, str] = {}
_TEMPLATE_LIMIT = 256


def _records(frame: pd.DataFrame) -> list[dict]:
    return json.loads(frame.to_json(orient="records", double_precision=10))


def _from_template(key: tuple, make: Callable[[], alt.TopLevelMixin], datasets: dict[str, list]) -> dict:
    """The chart ``make()`` builds, as a Vega-Lite dict carrying ``datasets``; built and validated once per key."""
    text = _TEMPLATES.get(key)
    if text is None:
        text = json.dumps(make().to_dict())
        if len(_TEMPLATES) >= _TEMPLATE_LIMIT:
            _TEMPLATES.clear()
        _TEMPLATES[key] = text
    spec = json.loads(text)
    spec["datasets"] = datasets
    return spec


def _waterfall_parts(waterfall: pd.DataFrame, title: str):
    data = waterfall.copy()
    data["low"] = data[["start", "end"]].min(axis=1)
    data["high"] = data[["start", "end"]].max(axis=1)
    data["amount_label"] = [
        format_money(a) if k != "lever" else (format_money(a) if a <= 0 else "+" + format_money(a))
        for a, k in zip(data["amount"], data["kind"])
    ]
    data["colour"] = ["Cost" if k != "lever" else ("Saving" if a <= 0 else "Extra cost")
                      for a, k in zip(data["amount"], data["kind"])]
    order = tuple(data["label"].tolist())
    data = data[["label", "low", "high", "amount_label", "colour"]]
    return ("waterfall", order, title), (lambda: _waterfall_chart(order, title)), {"waterfall": _records(data)}


def _waterfall_chart(order: tuple[str, ...], title: str) -> alt.LayerChart:
    base = alt.Chart(alt.Data(name="waterfall")).encode(
        x=alt.X("label:N", sort=list(order), title=None, axis=alt.Axis(labelAngle=0, labelLimit=160)),
    )
    bars = base.mark_bar(size=48).encode(
        y=alt.Y("low:Q", axis=_money_axis("Annual cost (£)")),
        y2="high:Q",
        color=alt.Color("colour:N", title=None,
                        # Costs in dark slate, not NHS blue: projected, NHS blue and the improvement blue darken
                        # to the same colour and a saving no longer reads apart from a cost.
                        scale=alt.Scale(domain=["Cost", "Saving", "Extra cost"],
                                        range=[DARK_GREY, MDC_IMPROVEMENT, TARGET_RED])),
        tooltip=[alt.Tooltip("label:N", title="Step"), alt.Tooltip("amount_label:N", title="Amount")],
    )
    text = base.mark_text(dy=-8, color=DARK_GREY, fontSize=11).encode(y="high:Q", text="amount_label:N")
    chart = alt.layer(bars, text).properties(height=DEFAULT_HEIGHT, width="container")
    return titled(chart, title, "Annual cost at full effect; each lever is applied after the ones to its left")


def build_waterfall_chart(waterfall: pd.DataFrame, title: str = "From baseline cost to scenario cost") -> alt.LayerChart:
    """Bars: baseline cost, each lever's saving stepping down, scenario cost.

    Frame from ``analysis.savings.model.waterfall_frame``."""
    _, make, datasets = _waterfall_parts(waterfall, title)
    return make().properties(datasets=datasets)


def waterfall_spec(waterfall: pd.DataFrame, title: str = "From baseline cost to scenario cost") -> dict:
    """:func:`build_waterfall_chart` as a Vega-Lite dict, from a cached template (for ``st.vega_lite_chart``)."""
    return _from_template(*_waterfall_parts(waterfall, title))


def _projection_parts(projection: pd.DataFrame, payback_year: int | None, title: str):
    data = projection.copy()
    data["year_label"] = [f"Year {y}" for y in data["year"]]
    for col in ("gross_saving", "one_off_cost", "net_saving", "cumulative_net"):
        data[f"{col}_text"] = data[col].map(format_money)
    data["ramp_text"] = data["ramp_pct"].map(lambda v: f"{v:,.0f}%")
    order = tuple(data["year_label"].tolist())
    pay = data[data["year"] == payback_year].assign(label=f"Pays back in year {payback_year}") \
        if payback_year is not None else data.iloc[0:0].assign(label="")
    datasets = {"projection": _records(data), "payback": _records(pay), "zero": [{"y": 0}]}
    key = ("projection", order, payback_year, title)
    return key, (lambda: _projection_chart(order, payback_year, title)), datasets


def _projection_chart(order: tuple[str, ...], payback_year: int | None, title: str) -> alt.LayerChart:
    tooltip = [alt.Tooltip("year_label:N", title="Year"), alt.Tooltip("ramp_text:N", title="Share of full effect"),
               alt.Tooltip("gross_saving_text:N", title="Saving"), alt.Tooltip("one_off_cost_text:N",
                                                                                 title="One-off cost"),
               alt.Tooltip("net_saving_text:N", title="Net this year"),
               alt.Tooltip("cumulative_net_text:N", title="Cumulative net")]
    x = alt.X("year_label:N", sort=list(order), title="Year after the change", axis=alt.Axis(labelAngle=0))
    values = alt.Data(name="projection")
    bars = alt.Chart(values).mark_bar(color=MDC_IMPROVEMENT, opacity=0.85, size=40).encode(
        x=x, y=alt.Y("net_saving:Q", axis=_money_axis("Saving (£)")), tooltip=tooltip)
    line = alt.Chart(values).mark_line(color=NHS_BLUE, point=alt.OverlayMarkDef(color=NHS_BLUE, size=60)).encode(
        x=x, y="cumulative_net:Q", tooltip=tooltip)
    zero = alt.Chart(alt.Data(name="zero")).mark_rule(color=DARK_GREY).encode(y="y:Q")
    layers = [bars, zero, line]
    if payback_year is not None:
        pay = alt.Data(name="payback")
        layers.append(alt.Chart(pay).mark_point(shape="diamond", size=220, filled=True, color=TARGET_RED).encode(
            x=x, y="cumulative_net:Q", tooltip=tooltip))
        layers.append(alt.Chart(pay).mark_text(dy=-16, color=TARGET_RED, fontWeight="bold").encode(
            x=x, y="cumulative_net:Q", text="label:N"))
        subtitle = f"Bars: net saving each year; line: running total. Pays back in year {payback_year}."
    else:
        subtitle = "Bars: net saving each year; line: running total. Does not pay back within the projection."
    chart = alt.layer(*layers).properties(height=DEFAULT_HEIGHT, width="container")
    return titled(chart, title, subtitle)


def build_projection_chart(projection: pd.DataFrame, payback_year: int | None,
                           title: str = "Savings over the years, net of the one-off cost") -> alt.LayerChart:
    """Bars: net saving each year (ramp-up and one-off cost included); line: cumulative net; payback year marked."""
    _, make, datasets = _projection_parts(projection, payback_year, title)
    return make().properties(datasets=datasets)


def projection_spec(projection: pd.DataFrame, payback_year: int | None,
                    title: str = "Savings over the years, net of the one-off cost") -> dict:
    """:func:`build_projection_chart` as a Vega-Lite dict, from a cached template."""
    return _from_template(*_projection_parts(projection, payback_year, title))


def _tornado_parts(tornado: pd.DataFrame, spread: float, title: str):
    lower, higher = f"Input {spread:.0%} lower", f"Input {spread:.0%} higher"
    base_saving = float(tornado["base_saving"].iloc[0]) if not tornado.empty else 0.0
    rows = []
    for rank, r in enumerate(tornado.itertuples(index=False)):
        for end, saving, value in ((lower, r.saving_low, r.low_value), (higher, r.saving_high, r.high_value)):
            rows.append({"input": r.input, "rank": rank, "end": end, "x": base_saving, "x2": float(saving),
                         "saving_text": format_money(saving), "value_text": _value_text(value, r.unit)})
    datasets = {"tornado": rows, "base": [{"x": base_saving, "text": format_money(base_saving)}]}
    # The inputs' order travels in the data (rank), so moving a lever that reorders them reuses the template.
    n_inputs = len(tornado)
    key = ("tornado", n_inputs, lower, higher, title)
    return key, (lambda: _tornado_chart(n_inputs, lower, higher, spread, title)), datasets


def _tornado_chart(n_inputs: int, lower: str, higher: str, spread: float, title: str) -> alt.LayerChart:
    bars = alt.Chart(alt.Data(name="tornado")).mark_bar(height=18).encode(
        y=alt.Y("input:N", sort=alt.EncodingSortField(field="rank", op="min", order="ascending"), title=None,
                axis=alt.Axis(labelLimit=240)),
        x=alt.X("x:Q", axis=_money_axis("Annual saving (£)"), scale=alt.Scale(zero=False)),
        x2="x2:Q",
        color=alt.Color("end:N", title=None, scale=alt.Scale(domain=[lower, higher],
                                                             range=[NHS_BLUE, MDC_IMPROVEMENT])),
        tooltip=[alt.Tooltip("input:N", title="Input"), alt.Tooltip("end:N", title="Moved"),
                 alt.Tooltip("value_text:N", title="Input value"), alt.Tooltip("saving_text:N",
                                                                              title="Annual saving")],
    )
    rule = alt.Chart(alt.Data(name="base")).mark_rule(color=DARK_GREY, strokeDash=[4, 3]).encode(
        x="x:Q", tooltip=[alt.Tooltip("text:N", title="Saving with the inputs as set")])
    chart = alt.layer(bars, rule).properties(height=max(120, 34 * max(1, n_inputs)), width="container")
    return titled(chart, title, f"Annual saving when one input moves {spread:.0%} down or up; dashed line: as set")


def build_tornado_chart(tornado: pd.DataFrame, spread: float = 0.25,
                        title: str = "Which inputs matter most") -> alt.LayerChart:
    """Horizontal bars of the annual saving when each input is moved down and up by ``spread``, widest first."""
    _, make, datasets = _tornado_parts(tornado, spread, title)
    return make().properties(datasets=datasets)


def tornado_spec(tornado: pd.DataFrame, spread: float = 0.25, title: str = "Which inputs matter most") -> dict:
    """:func:`build_tornado_chart` as a Vega-Lite dict, from a cached template."""
    return _from_template(*_tornado_parts(tornado, spread, title))


def _value_text(value: float, unit: str) -> str:
    if unit == "£":
        return format_money(value, 2)
    if unit == "%":
        return f"{value:,.1f}%"
    return f"{value:,.2f}×"


def _comparison_parts(comparison: pd.DataFrame, title: str):
    data = comparison.copy()
    data["saving_text"] = data["saving"].map(format_money)
    totals = data.groupby("scenario", as_index=False, sort=False)["saving"].sum()
    totals["total_text"] = totals["saving"].map(format_money)
    order = tuple(totals["scenario"].tolist())
    datasets = {"comparison": _records(data), "totals": _records(totals)}
    return ("comparison", order, title), (lambda: _comparison_chart(order, title)), datasets


def _comparison_chart(order: tuple[str, ...], title: str) -> alt.LayerChart:
    bars = alt.Chart(alt.Data(name="comparison")).mark_bar(size=50).encode(
        x=alt.X("scenario:N", sort=list(order), title="Scenario", axis=alt.Axis(labelAngle=0, labelLimit=200)),
        y=alt.Y("sum(saving):Q", axis=_money_axis("Annual saving at full effect (£)")),
        color=alt.Color("lever:N", title="Lever", scale=alt.Scale(domain=list(LEVER_COLOURS),
                                                                  range=list(LEVER_COLOURS.values()))),
        order=alt.Order("lever:N"),
        tooltip=[alt.Tooltip("scenario:N", title="Scenario"), alt.Tooltip("lever:N", title="Lever"),
                 alt.Tooltip("saving_text:N", title="Annual saving")],
    )
    text = alt.Chart(alt.Data(name="totals")).mark_text(dy=-8, color=DARK_GREY, fontWeight="bold").encode(
        x=alt.X("scenario:N", sort=list(order)), y="saving:Q", text="total_text:N")
    chart = alt.layer(bars, text).properties(height=DEFAULT_HEIGHT, width="container")
    return titled(chart, title, "Annual saving by lever; the total is written above each bar")


def build_comparison_chart(comparison: pd.DataFrame, title: str = "Scenarios side by side") -> alt.LayerChart:
    """Stacked bars of annual saving by lever for each scenario.

    Frame from ``analysis.savings.scenarios.comparison_long``."""
    _, make, datasets = _comparison_parts(comparison, title)
    return make().properties(datasets=datasets)


def comparison_spec(comparison: pd.DataFrame, title: str = "Scenarios side by side") -> dict:
    """:func:`build_comparison_chart` as a Vega-Lite dict, from a cached template."""
    return _from_template(*_comparison_parts(comparison, title))


def _comparison_projection_parts(projections: pd.DataFrame, title: str):
    data = projections.copy()
    data["year_label"] = [f"Year {y}" for y in data["year"]]
    data["cumulative_text"] = data["cumulative_net"].map(format_money)
    order = tuple(sorted(data["year_label"].unique(), key=lambda s: int(s.split()[1])))
    datasets = {"projections": _records(data[["scenario", "year_label", "cumulative_net", "cumulative_text"]]),
                "zero": [{"y": 0}]}
    return ("comparison_projection", order, title), (lambda: _comparison_projection_chart(order, title)), datasets


def _comparison_projection_chart(order: tuple[str, ...], title: str) -> alt.LayerChart:
    line = alt.Chart(alt.Data(name="projections")).mark_line(point=True).encode(
        x=alt.X("year_label:N", sort=list(order), title="Year after the change", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("cumulative_net:Q", axis=_money_axis("Cumulative net saving (£)")),
        color=alt.Color("scenario:N", title="Scenario", scale=alt.Scale(range=CATEGORY_PALETTE)),
        tooltip=[alt.Tooltip("scenario:N", title="Scenario"), alt.Tooltip("year_label:N", title="Year"),
                 alt.Tooltip("cumulative_text:N", title="Cumulative net")],
    )
    zero = alt.Chart(alt.Data(name="zero")).mark_rule(color=MDC_COMMON).encode(y="y:Q")
    chart = alt.layer(zero, line).properties(height=DEFAULT_HEIGHT, width="container")
    return titled(chart, title, "Below the grey line the change has not yet paid for itself")


def build_comparison_projection_chart(projections: pd.DataFrame,
                                      title: str = "Cumulative net saving by scenario") -> alt.LayerChart:
    """Lines of cumulative net saving per scenario.

    Frame from ``analysis.savings.scenarios.projections_long``."""
    _, make, datasets = _comparison_projection_parts(projections, title)
    return make().properties(datasets=datasets)


def comparison_projection_spec(projections: pd.DataFrame, title: str = "Cumulative net saving by scenario") -> dict:
    """:func:`build_comparison_projection_chart` as a Vega-Lite dict, from a cached template."""
    return _from_template(*_comparison_projection_parts(projections, title))
