"""SPC charts, drawn by the app (Altair charts written here), and the other charts of the Performance page.

- :func:`build_spc_chart`: one KPI's XmR chart from :func:`analysis.spc.xmr.xmr`'s frame: the values joined by a grey
  line, points coloured by type, the mean and process limits per segment (broken at rebase points), optional near
  lines, target and trajectory lines, interventions as labelled vertical rules, and a tooltip naming the rule that
  fired.
- :func:`build_small_multiples`: the same chart, small, once per area or service; :func:`small_multiples_template`
  the same as a Vega-Lite dict made once per shape of chart, and its data.
- :func:`build_peer_chart`, :func:`build_span_chart`: a KPI against its comparators, and a measure published only
  for multi-year spans. The MDC icons are ``analysis.charts.spc_icons``.
"""

from __future__ import annotations

import json
from typing import Callable

import altair as alt
import pandas as pd

from analysis import periods
from analysis.charts.common import (DARK_GREY, DEFAULT_HEIGHT, MDC_COMMON, MDC_CONCERN, MDC_IMPROVEMENT,
                                    MDC_NEUTRAL, MONEY_LABEL, TARGET_RED, period_axis, title_properties, titled)
from analysis.kpis.definitions import format_kpi_value
from analysis.spc import xmr

# Point colours by type, as Making Data Count and NHSRplotthedots draw them (blue improvement, orange concern).
POINT_COLOURS = {
    xmr.COMMON_CAUSE: MDC_COMMON,
    xmr.IMPROVEMENT: MDC_IMPROVEMENT,
    xmr.CONCERN: MDC_CONCERN,
    xmr.NEUTRAL: MDC_NEUTRAL,
}
POINT_LABELS = {
    xmr.COMMON_CAUSE: "Common cause",
    xmr.IMPROVEMENT: "Special cause: improvement",
    xmr.CONCERN: "Special cause: concern",
    xmr.NEUTRAL: "Special cause: neither better nor worse",
}
LINE_GREY = "#7B7D7D"
TRAJECTORY_COLOUR = MDC_NEUTRAL


def _axis(unit: str, **options) -> alt.Axis:
    """A value axis for a KPI unit: shares as %, money as £1,234 (Streamlit draws charts without their locale, so
    '$,.0f' wrote dollars), days and minutes with one decimal, any other number with the decimals each tick needs."""
    if unit == "money":
        return alt.Axis(labelExpr=MONEY_LABEL, **options)
    formats = {"share": ".0%", "days": ",.1f", "minutes": ",.1f", "percent_points": ",.0f"}
    return alt.Axis(format=formats.get(unit, ",~f"), **options)


def _default_formatter(unit: str) -> Callable[[float], str]:
    return lambda v: format_kpi_value(v, unit)


def chart_frame(result: pd.DataFrame, unit: str = "number", format_value: Callable[[float], str] | None = None,
                grain: str = "month") -> pd.DataFrame:
    """xmr's frame with the text columns the tooltip shows (formatted for people) and a type label; ``grain`` says
    how a period is written ('January 2023' by month, '3 June 2024' by day)."""
    fmt = format_value or _default_formatter(unit)
    data = result.copy()
    if "date" not in data:
        data["date"] = pd.RangeIndex(len(data))
    data = data[data["value"].notna()].copy()
    # Each distinct date and number written once: small multiples repeat every date per series, a mean per segment.
    if pd.api.types.is_datetime64_any_dtype(data["date"]):
        data["period_label"] = _each_once(data["date"], lambda d: periods.period_words(d, grain))
    else:
        data["period_label"] = data["date"].astype(str)
    data["value_text"] = _each_once(data["value"], fmt)
    data["mean_text"] = _each_once(data["mean"], fmt)
    written: dict = {}  # each segment's limits written once, not once per point
    data["limits_text"] = [
        "not shown (too few points)" if pd.isna(lo) else
        written.get((lo, hi)) or written.setdefault((lo, hi), f"{fmt(lo)} to {fmt(hi)}")
        for lo, hi in zip(data["lpl"], data["upl"])
    ]
    data["type_label"] = data["point_type"].map(POINT_LABELS)
    data["rule_text"] = data["special_cause_detail"].fillna("Common cause variation")
    data["target_text"] = _each_once(data["target"], lambda v: fmt(v) if pd.notna(v) else "–")
    return data


def _each_once(values: pd.Series, write: Callable) -> list[str]:
    # Factorised, not iterated: iterating dates makes a Timestamp of every row.
    codes, distinct = pd.factorize(values)
    written = [write(v) for v in distinct]
    if (codes < 0).any():  # missing values are coded -1: the last entry
        written.append(write(values[codes < 0].iloc[0]))
    return [written[c] for c in codes]


# The longest a y-axis title may run, in pixels, before it ends in "…": a KPI named at length ("Outcome, ASC Carer
# Quality of Life") drawn taller than the plot squashed the plot and pushed the chart's title out of sight. The chart's
# title carries the full name.
Y_TITLE_LIMIT_PX = 220
SMALL_Y_TITLE_LIMIT_PX = 110


def _y(unit: str, title: str, zero: bool = False, title_limit: int = Y_TITLE_LIMIT_PX) -> alt.Y:
    return alt.Y("value:Q", title=title, axis=_axis(unit, titleLimit=title_limit), scale=alt.Scale(zero=zero))


CHART_COLUMNS = ["date", "value", "segment", "mean", "lpl", "upl", "near_lpl", "near_upl", "target", "trajectory",
                 "point_type", "period_label", "value_text", "type_label", "rule_text", "mean_text", "limits_text",
                 "target_text"]


def _layers(data: pd.DataFrame, unit: str, y_title: str, show_near_lines: bool, point_size: int,
            values_only: bool = False, grain: str = "month") -> list[alt.Chart]:
    """The chart's layers, without data of their own: the caller gives the layer chart the data once (Altair would
    otherwise serialise the frame once per layer). ``values_only`` skips rows without a value (intervention rows in
    small multiples)."""
    base = alt.Chart().transform_filter("isValid(datum.value)") if values_only else alt.Chart()
    dates = data["date"] if pd.api.types.is_datetime64_any_dtype(data["date"]) else None
    x = alt.X("date:T", title="Period", axis=period_axis(grain, dates))
    line = base.mark_line(color=LINE_GREY, strokeWidth=1.5).encode(
        x=x, y=_y(unit, y_title, title_limit=SMALL_Y_TITLE_LIMIT_PX if values_only else Y_TITLE_LIMIT_PX))
    mean = base.mark_line(color="#000000", strokeWidth=1.2).encode(
        x=alt.X("date:T"), y=alt.Y("mean:Q"), detail=alt.Detail("segment:N"))
    lpl = base.mark_line(color=LINE_GREY, strokeDash=[6, 4], strokeWidth=1).encode(
        x=alt.X("date:T"), y=alt.Y("lpl:Q"), detail=alt.Detail("segment:N"))
    upl = base.mark_line(color=LINE_GREY, strokeDash=[6, 4], strokeWidth=1).encode(
        x=alt.X("date:T"), y=alt.Y("upl:Q"), detail=alt.Detail("segment:N"))
    layers = [line, lpl, upl, mean]
    if show_near_lines:
        for col in ("near_lpl", "near_upl"):
            layers.append(base.mark_line(color=LINE_GREY, strokeDash=[2, 3], strokeWidth=0.8, opacity=0.7).encode(
                x=alt.X("date:T"), y=alt.Y(f"{col}:Q"), detail=alt.Detail("segment:N")))
    if data["target"].notna().any():
        layers.append(base.transform_filter("isValid(datum.target)").mark_line(
            color=TARGET_RED, strokeDash=[8, 4], strokeWidth=1.5).encode(x=alt.X("date:T"), y=alt.Y("target:Q")))
    if "trajectory" in data and data["trajectory"].notna().any():
        layers.append(base.transform_filter("isValid(datum.trajectory)").mark_line(
            color=TRAJECTORY_COLOUR, strokeDash=[3, 3], strokeWidth=1.5).encode(
                x=alt.X("date:T"), y=alt.Y("trajectory:Q")))
    present = [t for t in POINT_COLOURS if t in set(data["point_type"])]
    points = base.mark_circle(size=point_size, opacity=1).encode(
        x=alt.X("date:T"),
        y=alt.Y("value:Q"),
        color=alt.Color(
            "point_type:N",
            title="Point",
            scale=alt.Scale(domain=present, range=[POINT_COLOURS[t] for t in present]),
            legend=alt.Legend(orient="bottom", labelExpr=_label_expr(), symbolType="circle", labelLimit=0),
        ),
        tooltip=[
            alt.Tooltip("period_label:N", title="Period"),
            alt.Tooltip("value_text:N", title="Value"),
            alt.Tooltip("type_label:N", title="Reading"),
            alt.Tooltip("rule_text:N", title="Rule"),
            alt.Tooltip("mean_text:N", title="Mean"),
            alt.Tooltip("limits_text:N", title="Process limits"),
            alt.Tooltip("target_text:N", title="Target"),
        ],
    )
    layers.append(points)
    return layers


def _label_expr() -> str:
    parts = " : ".join(f"datum.label == '{k}' ? '{v}'" for k, v in POINT_LABELS.items())
    return f"{parts} : datum.label"


def intervention_notes(interventions: pd.DataFrame | None, first, last) -> pd.DataFrame | None:
    """The interventions drawn on a chart from ``first`` to ``last`` (None: none), with their dates written."""
    if interventions is None or interventions.empty:
        return None
    notes = interventions.copy()
    notes["day"] = pd.to_datetime(notes["day"])
    notes = notes[(notes["day"] >= pd.Timestamp(first)) & (notes["day"] <= pd.Timestamp(last))]
    if notes.empty:
        return None
    notes["day_label"] = notes["day"].dt.strftime("%d %B %Y")
    return notes


def _intervention_layers(interventions: pd.DataFrame | None, first, last, source=None) -> list[alt.Chart]:
    """The interventions' rules and labels, drawing ``source`` (the notes themselves by default, or a named dataset
    holding them: the SPC template's)."""
    notes = intervention_notes(interventions, first, last)
    if notes is None:
        return []
    notes = notes if source is None else source
    rule = alt.Chart(notes).mark_rule(color=DARK_GREY, strokeDash=[4, 3], strokeWidth=1.2).encode(
        x=alt.X("day:T"),
        tooltip=[alt.Tooltip("label:N", title="Intervention"), alt.Tooltip("day_label:N", title="Date")])
    text = alt.Chart(notes).mark_text(align="left", baseline="top", dx=4, dy=4, fontSize=11, color=DARK_GREY).encode(
        x=alt.X("day:T"), y=alt.value(0), text=alt.Text("label:N"))
    return [rule, text]


def build_spc_chart(
    result: pd.DataFrame,
    *,
    title: str,
    unit: str = "number",
    y_title: str = "Value",
    subtitle: str | None = None,
    interventions: pd.DataFrame | None = None,
    show_near_lines: bool = False,
    format_value: Callable[[float], str] | None = None,
    height: int = DEFAULT_HEIGHT,
    grain: str = "month",
) -> alt.LayerChart:
    """An XmR chart of one KPI from ``xmr.xmr``'s frame (which must have a ``date`` column).

    ``interventions``: a frame with ``day`` and ``label`` (``analysis.interventions.list_interventions``); those
    inside the chart's dates are drawn. A segment of fewer than 13 points adds a warning line to the subtitle.
    """
    data = chart_frame(result, unit, format_value, grain)
    lines = [subtitle] if subtitle else []
    short = result.attrs.get("short_segment_points", xmr.SHORT_SEGMENT_POINTS)
    if len(data) and data["short_segment"].any():
        lines.append(f"Warning: fewer than {short} points since the limits were last set, so they may still move. "
                     "Treat signals with care.")
    layers = _layers(data, unit, y_title, show_near_lines, point_size=60, grain=grain)
    if len(data):
        layers += _intervention_layers(interventions, data["date"].min(), data["date"].max())
    chart = alt.layer(*layers, data=data[[c for c in CHART_COLUMNS if c in data]]).properties(
        width="container", height=height)
    # A list, not text joined by newlines: Vega-Lite draws each item of a list on its own line, and one long line
    # runs past the chart's width and clips the title above it.
    return titled(chart, title, lines or None)


def build_small_multiples(
    frame: pd.DataFrame,
    *,
    title: str,
    unit: str = "number",
    y_title: str = "Value",
    columns: int = 3,
    independent_y: bool = True,
    subtitle: str | None = None,
    format_value: Callable[[float], str] | None = None,
    interventions: pd.DataFrame | None = None,
    grain: str = "month",
) -> alt.FacetChart:
    """Small SPC charts of one KPI, one per ``series`` (area or service), from
    ``analysis.kpis.series.series_spc``'s frame.

    ``interventions`` (``day``, ``label``) are drawn as vertical rules in every small chart (a facet has one dataset,
    so they travel as extra rows with a ``note_day`` and no value)."""
    data = _small_multiples_data(frame, unit, format_value, grain, interventions)
    return _small_multiples_chart(data, data, title, unit, y_title, columns, independent_y, subtitle, grain)


SMALL_MULTIPLES_DATA = "small_multiples"
_SMALL_MULTIPLES_TEMPLATES: dict[tuple, str] = {}
_TEMPLATE_LIMIT = 256
_TITLE_SLOT, _Y_TITLE_SLOT = "@@stocktake small multiples title@@", "@@stocktake small multiples y title@@"


def small_multiples_template(
    frame: pd.DataFrame,
    *,
    title: str,
    unit: str = "number",
    y_title: str = "Value",
    columns: int = 3,
    independent_y: bool = True,
    subtitle: str | None = None,
    interventions: pd.DataFrame | None = None,
    grain: str = "month",
) -> tuple[dict, pd.DataFrame]:
    """:func:`build_small_multiples` as an unvalidated Vega-Lite dict whose data is the dataset named
    ``SMALL_MULTIPLES_DATA``, and that data: (spec, frame).

    The chart's shape (its layers, axis, legend and titles) depends on the data only through a few traits (which
    point types occur, whether there is a target, a trajectory or an intervention, the periods of a short series), so
    it is built with Altair once per shape and kept as text; another KPI, rule set or direction of the same shape
    only fills in the data. Building the Altair chart was most of the small multiples' cost, and they are asked for
    again on every change of KPI, grain, rules or direction. The tests check that the two give the same chart.
    """
    data = _small_multiples_data(frame, unit, None, grain, interventions)
    dates = data["date"] if len(data) and pd.api.types.is_datetime64_any_dtype(data["date"]) else None
    distinct = pd.to_datetime(pd.Series(dates)).dropna().unique() if dates is not None else []
    shape = (unit, columns, independent_y, subtitle, grain,
             tuple(t for t in POINT_COLOURS if t in set(data["point_type"].dropna())) if len(data) else (),
             bool(len(data) and data["target"].notna().any()),
             bool(len(data) and "trajectory" in data and data["trajectory"].notna().any()),
             "note_day" in data,
             tuple(sorted(distinct)) if 0 < len(distinct) <= 16 else None, dates is None)
    text = _SMALL_MULTIPLES_TEMPLATES.get(shape)
    if text is None:
        # The titles (the KPI's name, the scope) are written in afterwards, so one template serves every KPI.
        chart = _small_multiples_chart(data, alt.NamedData(name=SMALL_MULTIPLES_DATA), _TITLE_SLOT, unit,
                                       _Y_TITLE_SLOT, columns, independent_y, subtitle, grain)
        text = json.dumps(chart.to_dict(validate=False))
        if len(_SMALL_MULTIPLES_TEMPLATES) >= _TEMPLATE_LIMIT:
            _SMALL_MULTIPLES_TEMPLATES.clear()
        _SMALL_MULTIPLES_TEMPLATES[shape] = text
    text = text.replace(json.dumps(_TITLE_SLOT), json.dumps(title)).replace(json.dumps(_Y_TITLE_SLOT),
                                                                            json.dumps(y_title))
    return json.loads(text), data


def _small_multiples_data(frame: pd.DataFrame, unit: str, format_value: Callable[[float], str] | None, grain: str,
                          interventions: pd.DataFrame | None) -> pd.DataFrame:
    data = chart_frame(frame, unit, format_value, grain)
    data = data[[c for c in ["series"] + CHART_COLUMNS if c in data]]
    if interventions is not None and len(interventions) and len(data):
        notes = interventions.assign(day=pd.to_datetime(interventions["day"]))
        notes = notes[(notes["day"] >= data["date"].min()) & (notes["day"] <= data["date"].max())]
        if len(notes):
            rows = pd.DataFrame([{"series": s_, "note_day": d, "note_label": lbl}
                                 for s_ in data["series"].unique() for d, lbl in zip(notes["day"], notes["label"])])
            data = pd.concat([data, rows], ignore_index=True)
    return data


def _small_multiples_chart(data: pd.DataFrame, source, title: str, unit: str, y_title: str, columns: int,
                           independent_y: bool, subtitle: str | None, grain: str) -> alt.FacetChart:
    """The chart of ``data`` (its shape read from it), drawing ``source`` (the frame itself, or a named dataset)."""
    layers = _layers(data, unit, y_title, False, point_size=18, values_only=True, grain=grain)
    if "note_day" in data:
        layers.append(alt.Chart().transform_filter("isValid(datum.note_day)").mark_rule(
            color=DARK_GREY, strokeDash=[4, 3], strokeWidth=1).encode(
            x=alt.X("note_day:T"), tooltip=[alt.Tooltip("note_label:N", title="Intervention")]))
    # Made in one piece: .properties(), .facet(), .resolve_scale() and a title each copy the whole chart (a third of
    # the time to build it).
    return alt.FacetChart(
        data=source, spec=alt.LayerChart(layer=layers, width=210, height=120),
        facet=alt.Facet("series:N", title=None, header=alt.Header(labelFontSize=12, labelFontWeight="bold")),
        columns=columns, **title_properties(title, subtitle),
        **({"resolve": alt.Resolve(scale=alt.ScaleResolveMap(y="independent"))} if independent_y else {}))


def build_span_chart(frame: pd.DataFrame, *, title: str, unit: str = "number", y_title: str = "Value") -> alt.Chart:
    """A measure's values per multi-year span ('2010-14', '2012-15'), in order of the spans, on an axis of their own:
    spans cover several years and overlap, so they are never put on a time axis with single years.

    ``frame`` is ``analysis.kpis.series.span_series``'.
    """
    f = _default_formatter(unit)
    data = frame.copy()
    data["value_text"] = [f(v) for v in data["value"]]
    chart = alt.Chart(data).mark_line(color="#005EB8", point=True).encode(
        x=alt.X("span:O", title="Multi-year span", sort=list(data["span"]), axis=alt.Axis(labelAngle=0)),
        y=alt.Y("value:Q", title=y_title, axis=_axis(unit, titleLimit=Y_TITLE_LIMIT_PX),
                scale=alt.Scale(zero=False)),
        tooltip=[alt.Tooltip("span:N", title="Span"), alt.Tooltip("value_text:N", title=y_title)],
    ).properties(width="container", height=280)
    return titled(chart, title, "Each point covers several years and the spans overlap: read it as a published "
                                "series of its own, not as years")


# The nation's line on a peer chart: NHS purple, apart from the blue of your own line and the grey of the others.
NATIONAL_COLOUR = "#330072"


def build_peer_chart(frame: pd.DataFrame, *, title: str, own_label: str, unit: str = "number",
                     y_title: str = "Value", grain: str = "month",
                     national_label: str | None = None) -> alt.LayerChart:
    """Your value over time against the comparators' median and middle half (25th to 75th percentile), and the
    nation's own figure as a line when the frame has one (``national``, named ``national_label``).

    ``frame`` is ``analysis.kpis.peers.peer_comparison``'s.
    """
    f = _default_formatter(unit)
    data = frame.copy()
    data["period_label"] = [periods.period_words(p, grain) for p in data["period"]]
    data["own_text"] = [f(v) for v in data["own_value"]]
    data["median_text"] = [f(v) for v in data["comparator_median"]]
    data["rank_text"] = [f"{r} of {n} (quartile {qt})" for r, n, qt in zip(data["rank"], data["of"], data["quartile"])]
    tooltip = [alt.Tooltip("period_label:N", title="Period"), alt.Tooltip("own_text:N", title=own_label),
               alt.Tooltip("median_text:N", title="Comparators' median"), alt.Tooltip("rank_text:N", title="Rank")]
    base = alt.Chart(data)
    x = alt.X("period:T", title="Period", axis=period_axis(grain, data["period"]))
    band = base.mark_area(color=MDC_COMMON, opacity=0.3).encode(
        x=x, y=alt.Y("comparator_q1:Q", title=y_title, axis=_axis(unit, titleLimit=Y_TITLE_LIMIT_PX),
                     scale=alt.Scale(zero=False)),
        y2=alt.Y2("comparator_q3:Q"))
    median = base.mark_line(color=DARK_GREY, strokeDash=[5, 3]).encode(
        x=alt.X("period:T"), y=alt.Y("comparator_median:Q"), tooltip=tooltip)
    own = base.mark_line(color="#005EB8", strokeWidth=2.5, point=True).encode(
        x=alt.X("period:T"), y=alt.Y("own_value:Q"), tooltip=tooltip)
    layers = [band, median, own]
    subtitle = f"{own_label} (blue line) against the comparators' median (dashed) and their middle half (grey band)"
    if "national" in data and data["national"].notna().any():
        # The nation's own figure, where the data carry it (a total row or a national column): what publishers draw.
        national_label = national_label or "National"
        data["national_text"] = [f(v) if pd.notna(v) else "–" for v in data["national"]]
        layers.append(alt.Chart(data).mark_line(color=NATIONAL_COLOUR, strokeWidth=2,
                                                strokeDash=[2, 2]).encode(
            x=alt.X("period:T"), y=alt.Y("national:Q"),
            tooltip=[alt.Tooltip("period_label:N", title="Period"),
                     alt.Tooltip("national_text:N", title=national_label)]))
        subtitle += f"; {national_label} (purple dotted line)"
    chart = alt.layer(*layers).properties(width="container", height=280)
    return titled(chart, title, subtitle)
