"""Demand drivers page figures: volume over time, Pareto of reasons, failure share, repeats, seasonality heatmaps,
change waterfall, rate per 1,000 residents and forecast.

Each builder takes the small frame (or result) that :mod:`analysis.demand` / :mod:`analysis.forecast` returns and
only lays it out. Bars and heatmap cells that drill down carry a named ``alt.selection_point``; the page reads the
clicked values from ``event["selection"][<name>]``. The selection names and the fields they carry are listed in
:data:`SELECTIONS`.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from analysis.charts.common import (ACCENT_ORANGE, ACCENT_PURPLE, ACCENT_SKY, CATEGORY_PALETTE, COUNT_FORMAT,
                                    DARK_GREY, DEFAULT_HEIGHT, MONEY_LABEL, NEUTRAL_GREY, NHS_BLUE, TARGET_RED,
                                    label_axis, titled)
from analysis.formatting import format_count, format_money, format_percent

# Selection name -> the fields a click returns.
SELECTIONS = {
    "volume_pick": ("split",),
    "pareto_pick": ("reason",),
    "failure_pick": ("group",),
    "rate_pick": ("area",),
    "repeat_pick": ("category",),
    "dayhour_pick": ("day_number", "hour"),
    "monthyear_pick": ("year", "month_number"),
}
DEMAND_COLOURS = {"Failure": TARGET_RED, "Value": NHS_BLUE, "Unclassified": NEUTRAL_GREY}


def _pick(name: str) -> alt.Parameter:
    return alt.selection_point(name=name, fields=list(SELECTIONS[name]), on="click", clear="dblclick")


def _highlight(selection, selected=1.0, other=0.35):
    return alt.condition(selection, alt.value(selected), alt.value(other))


# ------------------------------------------------------------------------------------------------- volume


def build_volume_chart(volume: pd.DataFrame, grain_label: str, split_label: str | None = None,
                       title: str = "Volume over time") -> alt.LayerChart:
    """Stacked bars per period (split by ``split_label`` when given); incomplete periods faded and labelled."""
    data = volume.copy()
    data["count_text"] = data["count"].map(format_count)
    data["status"] = data["incomplete"].map({True: "Incomplete period", False: "Complete"})
    totals = data.groupby(["period", "label", "incomplete"], as_index=False)["count"].sum()
    totals["count_text"] = totals["count"].map(format_count)
    order = totals.sort_values("period")["label"].tolist()
    many = len(order) > 60
    x = alt.X("label:N", sort=order, title=grain_label,
              axis=alt.Axis(labelAngle=-45 if len(order) > 12 else 0, labelOverlap=True))
    if many:
        x = alt.X("period:T", title=grain_label, axis=alt.Axis(format="%b %Y", labelAngle=0))
    pick = _pick("volume_pick")
    tooltip = [alt.Tooltip("label:N", title=grain_label), alt.Tooltip("count_text:N", title="Records"),
               alt.Tooltip("status:N", title="Period")]
    if split_label:
        tooltip.insert(1, alt.Tooltip("split:N", title=split_label))
    colour = (alt.Color("split:N", title=split_label, scale=alt.Scale(range=CATEGORY_PALETTE),
                        sort=alt.EncodingSortField("count", op="sum", order="descending"))
              if split_label else alt.value(NHS_BLUE))
    bars = alt.Chart(data).mark_bar().encode(
        # Not sum(count): an aggregate would drop the 'incomplete' field the fading needs. One row per bar segment.
        x=x, y=alt.Y("count:Q", stack="zero", title="Records", axis=alt.Axis(format=COUNT_FORMAT, tickMinStep=1)),
        color=colour,
        opacity=alt.condition(alt.datum.incomplete, alt.value(0.35), alt.value(1.0)),
        strokeDash=alt.condition(alt.datum.incomplete, alt.value([4, 2]), alt.value([1, 0])),
        stroke=alt.condition(alt.datum.incomplete, alt.value(DARK_GREY), alt.value(None)),
        tooltip=tooltip,
    ).add_params(pick)
    # Right-aligned so the label over the last bar stays inside the chart.
    marks = alt.Chart(totals[totals["incomplete"]]).mark_text(dy=-8, dx=6, align="right", color=DARK_GREY,
                                                             fontStyle="italic").encode(
        x=x, y="count:Q", text=alt.value("incomplete"),
        tooltip=[alt.Tooltip("label:N", title=grain_label), alt.Tooltip("count_text:N", title="Records so far")],
    )
    chart = alt.layer(bars, marks).properties(height=DEFAULT_HEIGHT, width="container")
    subtitle = "Faded bars marked 'incomplete' are part periods, not falls in demand"
    if split_label:
        subtitle = f"Split by {split_label.lower()}. " + subtitle
    return titled(chart, title, subtitle)


# ------------------------------------------------------------------------------------------------- Pareto


def build_pareto_chart(pareto_frame: pd.DataFrame, reasons_for_share: int, share: float = 0.8, top_n: int = 25,
                       title: str = "Top reasons for contact") -> alt.LayerChart:
    """Bars of records per reason (largest first) and the cumulative share as a line, with the 80% rule."""
    data = pareto_frame.head(top_n).copy()
    data["count_text"] = data["count"].map(format_count)
    data["share_text"] = data["share"].map(format_percent)
    data["cumulative_text"] = data["cumulative_share"].map(format_percent)
    data["group"] = data["in_core"].map({True: f"Among the {reasons_for_share} making {share:.0%}",
                                         False: "The rest"})
    order = data["reason"].tolist()
    x = alt.X("reason:N", sort=order, title="Reason for contact",
              axis=alt.Axis(labelAngle=-45, labelLimit=150, labelOverlap=False))
    tooltip = [alt.Tooltip("reason:N", title="Reason"), alt.Tooltip("count_text:N", title="Records"),
               alt.Tooltip("share_text:N", title="Share"), alt.Tooltip("cumulative_text:N", title="Cumulative")]
    pick = _pick("pareto_pick")
    bars = alt.Chart(data).mark_bar().encode(
        x=x, y=alt.Y("count:Q", title="Records", axis=alt.Axis(format=COUNT_FORMAT, tickMinStep=1)),
        color=alt.Color("group:N", title=None, scale=alt.Scale(range=[NHS_BLUE, NEUTRAL_GREY]),
                        legend=alt.Legend(orient="top")),
        opacity=_highlight(pick), tooltip=tooltip,
    ).add_params(pick)
    line = alt.Chart(data).mark_line(color=ACCENT_ORANGE, point=True, strokeWidth=2).encode(
        x=x, y=alt.Y("cumulative_share:Q", title="Cumulative share",
                     axis=alt.Axis(format=".0%"), scale=alt.Scale(domain=[0, 1])),
        tooltip=tooltip,
    )
    rule = alt.Chart(pd.DataFrame({"y": [share], "text": [f"{share:.0%}"]})).mark_rule(
        color=TARGET_RED, strokeDash=[6, 4]).encode(y=alt.Y("y:Q", scale=alt.Scale(domain=[0, 1])))
    right = alt.layer(line, rule)
    # Taller than the default: the slanted reason labels take ~110 px of the height.
    chart = alt.layer(bars, right).resolve_scale(y="independent").properties(height=DEFAULT_HEIGHT + 140,
                                                                            width="container")
    subtitle = (f"{reasons_for_share:,} reason{'s' if reasons_for_share != 1 else ''} make up {share:.0%} of demand"
                + (f"; the top {top_n} are shown" if len(pareto_frame) > top_n else ""))
    return titled(chart, title, subtitle)


# ------------------------------------------------------------------------------------------------- failure demand


def _long_types(frame: pd.DataFrame) -> pd.DataFrame:
    long = frame.melt(id_vars=["group", "total"], value_vars=["failure", "value", "unclassified"],
                      var_name="type", value_name="count")
    long["type"] = long["type"].str.capitalize()
    long["share"] = long["count"] / long["total"].where(long["total"] > 0)
    long["count_text"] = long["count"].map(format_count)
    long["share_text"] = long["share"].map(format_percent)
    return long


def build_failure_share_chart(frame: pd.DataFrame, by_label: str | None,
                              title: str = "Failure and value demand") -> alt.Chart:
    """100% stacked horizontal bars per group (service, channel…): failure, value, unclassified."""
    long = _long_types(frame)
    order = frame["group"].tolist()
    pick = _pick("failure_pick")
    chart = alt.Chart(long).mark_bar().encode(
        y=alt.Y("group:N", sort=order, title=by_label or None, axis=label_axis(200, labelOverlap=False)),
        x=alt.X("count:Q", stack="normalize", title="Share of records", axis=alt.Axis(format=".0%")),
        color=alt.Color("type:N", title="Demand type", scale=alt.Scale(domain=list(DEMAND_COLOURS),
                                                                      range=list(DEMAND_COLOURS.values()))),
        order=alt.Order("type:N", sort="ascending"),
        opacity=_highlight(pick),
        tooltip=[alt.Tooltip("group:N", title=by_label or "Group"), alt.Tooltip("type:N", title="Type"),
                 alt.Tooltip("count_text:N", title="Records"), alt.Tooltip("share_text:N", title="Share")],
    ).add_params(pick).properties(height=max(80, 32 * len(order)), width="container")
    return titled(chart, title)


def build_failure_trend_chart(frame: pd.DataFrame, grain_label: str,
                              title: str = "Failure demand over time") -> alt.LayerChart:
    """Line of the failure share of classified records per period; incomplete periods as hollow points."""
    data = frame.copy()
    data["share_text"] = data["failure_share"].map(format_percent)
    data["failure_text"] = data["failure"].map(format_count)
    data["status"] = data["incomplete"].map({True: "Incomplete period", False: "Complete"})
    order = data["label"].tolist()
    x = alt.X("label:N", sort=order, title=grain_label, axis=alt.Axis(labelAngle=-45 if len(order) > 12 else 0,
                                                                       labelOverlap=True))
    tooltip = [alt.Tooltip("label:N", title=grain_label), alt.Tooltip("share_text:N", title="Failure share"),
               alt.Tooltip("failure_text:N", title="Failure records"), alt.Tooltip("status:N", title="Period")]
    line = alt.Chart(data).mark_line(color=TARGET_RED).encode(
        x=x, y=alt.Y("failure_share:Q", title="Failure share of classified records", axis=alt.Axis(format=".0%")),
        tooltip=tooltip)
    points = alt.Chart(data).mark_point(size=50, color=TARGET_RED, filled=True).encode(
        x=x, y="failure_share:Q", fill=alt.condition(alt.datum.incomplete, alt.value("white"), alt.value(TARGET_RED)),
        tooltip=tooltip)
    chart = alt.layer(line, points).properties(height=DEFAULT_HEIGHT, width="container")
    return titled(chart, title, "Hollow points are incomplete periods")


# ------------------------------------------------------------------------------------------------- repeats


def build_repeat_rate_chart(frame: pd.DataFrame, category_label: str, top_n: int = 15,
                            title: str = "Repeat rate") -> alt.Chart:
    """Horizontal bars of the repeat rate per category (largest number of repeats first)."""
    data = frame.head(top_n).rename(columns={frame.columns[0]: "category"}).copy()
    data["rate_text"] = data["repeat_rate"].map(format_percent)
    data["repeats_text"] = data["repeats"].map(format_count)
    data["contacts_text"] = data["contacts"].map(format_count)
    pick = _pick("repeat_pick")
    chart = alt.Chart(data).mark_bar(color=ACCENT_SKY).encode(
        y=alt.Y("category:N", sort=data["category"].tolist(), title=category_label,
                axis=label_axis(200, labelOverlap=False)),
        x=alt.X("repeat_rate:Q", title="Repeat rate", axis=alt.Axis(format=".0%")),
        opacity=_highlight(pick),
        tooltip=[alt.Tooltip("category:N", title=category_label), alt.Tooltip("rate_text:N", title="Repeat rate"),
                 alt.Tooltip("repeats_text:N", title="Repeats"), alt.Tooltip("contacts_text:N", title="Contacts")],
    ).add_params(pick).properties(height=max(80, 26 * len(data)), width="container")
    return titled(chart, title)


def build_repeat_pairs_chart(pairs: pd.DataFrame, title: str = "Which reasons follow which") -> alt.Chart:
    """Horizontal bars: the commonest (previous reason → next reason) pairs among repeat contacts."""
    data = pairs.copy()
    data["pair"] = data["previous_reason"].astype(str) + " → " + data["reason"].astype(str)
    data["count_text"] = data["count"].map(format_count)
    data["share_text"] = data["share_of_repeats"].map(format_percent)
    chart = alt.Chart(data).mark_bar(color=ACCENT_PURPLE).encode(
        y=alt.Y("pair:N", sort=data["pair"].tolist(), title="Previous reason → repeat reason",
                axis=label_axis(320, labelOverlap=False)),
        x=alt.X("count:Q", title="Repeat contacts", axis=alt.Axis(format=COUNT_FORMAT)),
        tooltip=[alt.Tooltip("pair:N", title="Pair"), alt.Tooltip("count_text:N", title="Repeats"),
                 alt.Tooltip("share_text:N", title="Share of all repeats")],
    ).properties(height=max(80, 26 * len(data)), width="container")
    return titled(chart, title)




# ------------------------------------------------------------------------------------------------- seasonality


def build_day_hour_heatmap(frame: pd.DataFrame, title: str = "When contacts arrive: day of week × hour") -> alt.Chart:
    data = frame.copy()
    data["count_text"] = data["count"].map(format_count)
    data["hour_label"] = data["hour"].map(lambda h: f"{h:02d}:00")
    pick = _pick("dayhour_pick")
    chart = alt.Chart(data).mark_rect().encode(
        x=alt.X("hour_label:O", title="Hour of day", axis=alt.Axis(labelAngle=0, labelOverlap=True)),
        y=alt.Y("day:N", sort=["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
                title="Day of week", axis=alt.Axis(labelOverlap=False)),
        color=alt.Color("count:Q", title="Records", scale=alt.Scale(scheme="blues"),
                        legend=alt.Legend(format=COUNT_FORMAT)),
        opacity=_highlight(pick, 1.0, 0.4),
        tooltip=[alt.Tooltip("day:N", title="Day"), alt.Tooltip("hour_label:N", title="Hour starting"),
                 alt.Tooltip("count_text:N", title="Records")],
    ).add_params(pick).properties(height=300, width="container")
    return titled(chart, title)


def build_month_year_heatmap(frame: pd.DataFrame, title: str = "Seasonality: month × year") -> alt.Chart:
    data = frame.copy()
    data["count_text"] = data["count"].map(format_count)
    data["status"] = data["incomplete"].map({True: "Incomplete month", False: "Complete"})
    pick = _pick("monthyear_pick")
    chart = alt.Chart(data).mark_rect().encode(
        x=alt.X("month:N", sort=["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
                title="Month", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("year:O", title="Year", axis=alt.Axis(labelOverlap=False)),
        color=alt.Color("count:Q", title="Records", scale=alt.Scale(scheme="blues"),
                        legend=alt.Legend(format=COUNT_FORMAT)),
        opacity=_highlight(pick, 1.0, 0.4),
        strokeDash=alt.condition(alt.datum.incomplete, alt.value([3, 2]), alt.value([1, 0])),
        stroke=alt.condition(alt.datum.incomplete, alt.value(DARK_GREY), alt.value(None)),
        tooltip=[alt.Tooltip("month:N", title="Month"), alt.Tooltip("year:O", title="Year"),
                 alt.Tooltip("count_text:N", title="Records"), alt.Tooltip("status:N", title="Month")],
    ).add_params(pick).properties(height=max(300, 36 * data["year"].nunique() + 120), width="container")
    return titled(chart, title, "Outlined cells are incomplete months")


# ------------------------------------------------------------------------------------------------- change waterfall


def build_change_waterfall(waterfall: pd.DataFrame, by_label: str,
                           title: str = "What changed between the two periods", measure: str = "Records",
                           money: bool = False) -> alt.LayerChart:
    """Bars: first period's total, each category's contribution stepping up or down, second period's total.
    ``measure``: what is counted; ``money``: pounds (the Spend page's change in spend)."""
    data = waterfall.copy()
    data["low"] = data[["start", "end"]].min(axis=1)
    data["high"] = data[["start", "end"]].max(axis=1)
    data["value_text"] = [(format_money(v) if money else format_count(v)) if k == "total"
                          else (("+" if v >= 0 else "-") + format_money(abs(v)) if money else f"{v:+,.0f}")
                          for v, k in zip(data["value"], data["kind"])]
    data["colour"] = data["kind"].map({"total": "Total", "increase": "Increase", "decrease": "Decrease"})
    order = data["step"].tolist()
    x = alt.X("step:N", sort=order, title=by_label, axis=alt.Axis(labelAngle=-35, labelLimit=150, labelOverlap=False))
    # The axis does not start at zero: changes of a few hundred on totals of 100,000 would be invisible. The total
    # bars are cut at the bottom (clip) and say so in the subtitle.
    levels = pd.concat([data["start"].where(data["kind"] != "total"), data["end"]]).dropna()
    low, high = float(levels.min()), float(levels.max())
    pad = max((high - low) * 0.15, 1.0)
    scale = alt.Scale(domain=[max(0.0, low - pad), high + pad], zero=False, nice=False)
    bars = alt.Chart(data).mark_bar(size=36, clip=True).encode(
        x=x, y=alt.Y("low:Q", title=measure, axis=alt.Axis(labelExpr=MONEY_LABEL) if money else
                     alt.Axis(format=COUNT_FORMAT), scale=scale), y2="high:Q",
        color=alt.Color("colour:N", title=None, scale=alt.Scale(domain=["Total", "Increase", "Decrease"],
                                                                 range=[NHS_BLUE, TARGET_RED, ACCENT_ORANGE])),
        tooltip=[alt.Tooltip("step:N", title=by_label), alt.Tooltip("value_text:N", title=f"{measure} / change")],
    )
    text = alt.Chart(data).mark_text(dy=-8, color=DARK_GREY, clip=True).encode(
        x=x, y=alt.Y("high:Q", scale=scale), text="value_text:N")
    chart = alt.layer(bars, text).properties(height=DEFAULT_HEIGHT + 100, width="container")
    return titled(chart, title, "Contributions add up exactly to the total change. The axis does not start at "
                                "zero, so the total bars are cut off at the bottom")


# ------------------------------------------------------------------------------------------------- rate per 1,000


def build_rate_chart(frame: pd.DataFrame, area_label: str = "Area", top_n: int = 40,
                     title: str = "Records per 1,000 residents") -> alt.Chart:
    data = frame.dropna(subset=["rate_per_1000"]).head(top_n).copy()
    data["rate_text"] = data["rate_per_1000"].map(lambda v: format_count(v, 1))
    data["annual_text"] = data["annual_rate_per_1000"].map(lambda v: format_count(v, 1))
    data["count_text"] = data["count"].map(format_count)
    data["population_text"] = data["population"].map(format_count)
    pick = _pick("rate_pick")
    chart = alt.Chart(data).mark_bar(color=NHS_BLUE).encode(
        y=alt.Y("area:N", sort=data["area"].tolist(), title=area_label,
                axis=label_axis(200, labelOverlap=False)),
        x=alt.X("rate_per_1000:Q", title="Records per 1,000 residents in the period", axis=alt.Axis(format=",.0f")),
        opacity=_highlight(pick),
        tooltip=[alt.Tooltip("area:N", title=area_label), alt.Tooltip("rate_text:N", title="Per 1,000 residents"),
                 alt.Tooltip("annual_text:N", title="Per 1,000 a year"), alt.Tooltip("count_text:N", title="Records"),
                 alt.Tooltip("population_text:N", title="Residents")],
    ).add_params(pick).properties(height=max(80, 24 * len(data)), width="container")
    return titled(chart, title)


# ------------------------------------------------------------------------------------------------- forecast


def build_forecast_chart(history: pd.DataFrame, forecast: pd.DataFrame, grain_label: str,
                         title: str = "Forecast") -> alt.LayerChart:
    """Actual history as a line; each model's forecast as a dashed line with 80% and 95% bands."""
    hist, fc = forecast_frames(history, forecast)
    return forecast_layers(hist, fc, fc["model"].unique().tolist(), grain_label, title)


def forecast_frames(history: pd.DataFrame, forecast: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The forecast chart's two datasets: the history and the forecasts, with the numbers written for the tooltip."""
    hist = history.assign(series="Actual", value_text=history["value"].map(format_count))
    fc = forecast.copy()
    for col in ("mean", "lo80", "hi80", "lo95", "hi95"):
        fc[f"{col}_text"] = fc[col].map(format_count)
    return hist, fc


def forecast_layers(hist, fc, models: list[str], grain_label: str, title: str) -> alt.LayerChart:
    """The forecast chart drawing ``hist`` and ``fc`` (frames, or named datasets: the template's)."""
    colours = dict(zip(models, [ACCENT_ORANGE, ACCENT_SKY]))
    x = alt.X("period:T", title=grain_label, axis=alt.Axis(format="%b %Y"))
    tip = [alt.Tooltip("model:N", title="Model"), alt.Tooltip("label:N", title=grain_label),
           alt.Tooltip("mean_text:N", title="Forecast"), alt.Tooltip("lo80_text:N", title="80% from"),
           alt.Tooltip("hi80_text:N", title="80% to"), alt.Tooltip("lo95_text:N", title="95% from"),
           alt.Tooltip("hi95_text:N", title="95% to")]
    colour = alt.Color("model:N", title="Forecast", scale=alt.Scale(domain=models, range=[colours[m] for m in models]),
                       legend=alt.Legend(orient="top", labelLimit=300))
    band95 = alt.Chart(fc).mark_area(opacity=0.15).encode(x=x, y="lo95:Q", y2="hi95:Q", color=colour, tooltip=tip)
    band80 = alt.Chart(fc).mark_area(opacity=0.3).encode(x=x, y="lo80:Q", y2="hi80:Q", color=colour, tooltip=tip)
    lines = alt.Chart(fc).mark_line(strokeDash=[6, 3], point=True).encode(
        x=x, y=alt.Y("mean:Q", title="Records", axis=alt.Axis(format=COUNT_FORMAT)), color=colour, tooltip=tip)
    actual = alt.Chart(hist).mark_line(color=DARK_GREY, point=alt.OverlayMarkDef(size=20, color=DARK_GREY)).encode(
        x=x, y=alt.Y("value:Q", title="Records"),
        tooltip=[alt.Tooltip("label:N", title=grain_label), alt.Tooltip("value_text:N", title="Actual records")])
    chart = alt.layer(band95, band80, actual, lines).properties(height=DEFAULT_HEIGHT, width="container")
    return titled(chart, title, "Shaded bands: 80% (darker) and 95% prediction intervals")
