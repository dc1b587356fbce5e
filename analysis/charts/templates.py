"""Charts asked for again and again with new data, as Vega-Lite templates made once per shape, the data filled in:
one KPI's SPC chart and the demand forecast.

:func:`spc_template` gives what :func:`analysis.charts.spc.build_spc_chart` draws, as an unvalidated Vega-Lite dict
whose data is the dataset named :data:`SPC_DATA` (a frame, which ``make_spec`` turns into Arrow like any other).
The chart's layers, axis and legend depend on the data only through a few traits (which point types occur, whether
there is a target or a trajectory, the periods of a short series, the subtitle's warning), so the Altair chart is
built once per shape and kept as text; another KPI, service, period or rule set of the same shape only fills in the
data and the titles. Building the Altair chart was most of the cost of an SPC figure, asked for again by everyone in a
room who changes the KPI, the period or the rules. Interventions inside the chart's dates are a second dataset,
:data:`SPC_NOTES`. :func:`forecast_template` does the same for the Demand page's forecast (its shape: the grain and
the models shown). ``tests/test_charts_spc.py`` checks that each template and its builder give the same chart.
"""

from __future__ import annotations

import json
import threading

import altair as alt
import pandas as pd

from analysis.charts.common import DEFAULT_HEIGHT, titled
from analysis.charts.demand import forecast_frames, forecast_layers
from analysis.charts.spc import CHART_COLUMNS, POINT_COLOURS, chart_frame, intervention_notes
from analysis.charts.spc import _intervention_layers, _layers  # the builder's own parts: one way to draw the chart
from analysis.spc import xmr

SPC_DATA, SPC_NOTES = "spc", "spc_notes"
FORECAST_HISTORY, FORECAST_DATA = "forecast_history", "forecast"
_TEMPLATES: dict[tuple, str] = {}
_LIMIT = 256
_lock = threading.Lock()
_TITLE, _Y_TITLE, _SUBTITLE = "@@stocktake spc title@@", "@@stocktake spc y title@@", "@@stocktake spc subtitle@@"


def forecast_template(history: pd.DataFrame, forecast: pd.DataFrame, grain_label: str,
                      title: str = "Forecast") -> dict:
    """:func:`analysis.charts.demand.build_forecast_chart`'s chart as a Vega-Lite dict, its data the history and the
    forecasts in ``datasets[FORECAST_HISTORY]`` and ``datasets[FORECAST_DATA]``: made with Altair once per grain and
    set of models, the title and the data filled in (a new horizon, grain or filter asks for the forecast again)."""
    hist, fc = forecast_frames(history, forecast)
    models = fc["model"].unique().tolist()
    shape = ("forecast", grain_label, tuple(models))
    text = _TEMPLATES.get(shape)
    if text is None:
        chart = forecast_layers(alt.NamedData(name=FORECAST_HISTORY), alt.NamedData(name=FORECAST_DATA), models,
                                grain_label, _TITLE)
        text = _keep(shape, json.dumps(chart.to_dict(validate=False)))
    spec = json.loads(text.replace(json.dumps(_TITLE), json.dumps(title)))
    spec["datasets"] = {**(spec.get("datasets") or {}), FORECAST_HISTORY: hist, FORECAST_DATA: fc}
    return spec


def _keep(shape: tuple, text: str) -> str:
    with _lock:
        if len(_TEMPLATES) >= _LIMIT:
            _TEMPLATES.clear()
        _TEMPLATES[shape] = text
    return text


def spc_template(result: pd.DataFrame, *, title: str, unit: str = "number", y_title: str = "Value",
                 subtitle: str | None = None, interventions: pd.DataFrame | None = None,
                 show_near_lines: bool = False, height: int = DEFAULT_HEIGHT, grain: str = "month") -> dict:
    """:func:`analysis.charts.spc.build_spc_chart`'s chart (same arguments but ``format_value``) as a Vega-Lite
    dict, its data the frame in ``datasets[SPC_DATA]`` (and the interventions in ``datasets[SPC_NOTES]``). Made
    with Altair once per shape of chart (see the module's docstring)."""
    data = chart_frame(result, unit, None, grain)
    notes = intervention_notes(interventions, data["date"].min(), data["date"].max()) if len(data) else None
    lines = [subtitle] if subtitle else []
    if len(data) and data["short_segment"].any():
        short = result.attrs.get("short_segment_points", xmr.SHORT_SEGMENT_POINTS)
        lines.append(f"Warning: fewer than {short} points since the limits were last set, so they may still move. "
                     "Treat signals with care.")
    dated = pd.api.types.is_datetime64_any_dtype(data["date"])
    distinct = pd.to_datetime(data["date"]).dropna().unique() if dated and len(data) else []
    shape = (unit, show_near_lines, height, grain, bool(lines), dated,
             tuple(t for t in POINT_COLOURS if t in set(data["point_type"])),
             bool(data["target"].notna().any()),
             bool("trajectory" in data and data["trajectory"].notna().any()),
             tuple(sorted(distinct)) if 0 < len(distinct) <= 16 else None, len(data) == 0, notes is not None)
    text = _TEMPLATES.get(shape)
    if text is None:
        layers = _layers(data, unit, _Y_TITLE, show_near_lines, point_size=60, grain=grain)
        if notes is not None:
            layers += _intervention_layers(interventions, data["date"].min(), data["date"].max(),
                                           source=alt.NamedData(name=SPC_NOTES))
        chart = alt.layer(*layers, data=alt.NamedData(name=SPC_DATA)).properties(width="container", height=height)
        text = _keep(shape, json.dumps(titled(chart, _TITLE, [_SUBTITLE] if lines else None).to_dict(validate=False)))
    text = (text.replace(json.dumps(_TITLE), json.dumps(title)).replace(json.dumps(_Y_TITLE), json.dumps(y_title))
            .replace(json.dumps([_SUBTITLE]), json.dumps(lines)))
    spec = json.loads(text)
    spec["datasets"] = {**(spec.get("datasets") or {}), SPC_DATA: data[[c for c in CHART_COLUMNS if c in data]],
                        **({SPC_NOTES: notes} if notes is not None else {})}
    return spec
