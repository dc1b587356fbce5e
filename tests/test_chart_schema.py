"""Every chart builder's spec is valid Vega-Lite, checked here once against the schema Altair ships.

The pages draw unvalidated specs (``ui.chart_specs.vega_spec``: validating on every rerun cost a third of a cached
rerun), so this is where a builder that writes an invalid spec is caught. Each builder in ``analysis.charts`` is run
on the demo borough's own figures; a builder added without a case here fails :func:`test_every_builder_has_a_case`.
The specs are checked as the pages draw them (made through ``vega_spec`` and read back) and in presentation mode.
"""

from __future__ import annotations

import inspect
import json
from datetime import date

import altair as alt
import pandas as pd
import pytest
from altair.utils.schemapi import validate_jsonschema

from analysis import forecast, lookups, store
from analysis.charts import demand, overview, savings, spc
from analysis.demand import change, figures, repeats
from analysis.filters import Filters
from analysis.ingest import load_frame
from analysis.kpis import peers, series
from analysis.overview import summarise_dataset
from analysis.presentation import for_presentation
from analysis.savings import baseline, costs, model, scenarios
from analysis.spc import xmr
from ui.chart_specs import inline_spec, vega_spec

MODULES = (demand, overview, savings, spc)
SCHEMA = alt.vegalite.v6.schema.core.load_schema()


def _builders() -> set[str]:
    return {f"{m.__name__.rsplit('.', 1)[1]}.{name}" for m in MODULES for name, fn in inspect.getmembers(m, inspect.isfunction)
            if fn.__module__ == m.__name__ and (name.startswith("build_") or name.endswith("_spec"))}


@pytest.fixture(scope="module")
def cases(demo_store_template, tmp_path_factory):
    """Builder name -> the chart (or spec) it makes from the demo's figures."""
    path = tmp_path_factory.mktemp("schema") / "demo.duckdb"
    path.write_bytes(demo_store_template.read_bytes())
    con = store.open_store(path)
    ds = store.get_dataset(con, "demo_contacts")
    f = Filters()
    span = figures.data_coverage(con, ds)
    pareto = figures.reason_pareto(con, ds, f)
    repeat = repeats.repeat_demand(con, ds, f)
    before, after = change.default_periods(*span)
    water = change.waterfall_frame(change.change_between(con, ds, f, before, after, "reason"), top_n=10)
    population = lookups.lookup_for(con, ds, lookups.POPULATION).lookup
    predicted = forecast.demand_forecast(con, ds, f, "month", 6, coverage=span)
    start, end = baseline.available_periods(con, ds.name)[0]
    base = baseline.baseline(con, ds.name, start, end)
    levers = model.Levers(failure_pct=30, shifts=(model.ChannelShift("Phone", "Web", 20),), handling_pct=10,
                          unit_costs=dict(costs.SOCITM_2012), one_off_cost=10_000, years=4)
    result = model.compute(base, levers)
    other = model.compute(base, model.Levers(unit_costs=dict(costs.SOCITM_2012), failure_pct=10))
    pair = [("Bold", result), ("Cautious", other)]
    torn = model.tornado(base, levers)
    kpi = series.kpi_series(con, ds, "volume", grain="month")
    chart_result = xmr.xmr(kpi["value"].to_numpy(dtype=float), dates=kpi["period"], improvement="decrease")
    notes = pd.DataFrame({"day": [pd.Timestamp("2024-06-03")], "label": ["Online repairs tracking launched"]})
    many, _ = series.top_series(series.kpi_series(con, ds, "volume", grain="month", split="area"), 6)
    load_frame(con, pd.DataFrame({"period": [pd.Timestamp(f"2024-{m:02d}-01") for m in (1, 2, 3) for _ in range(4)],
                                  "area": ["Own", "P1", "P2", "P3"] * 3, "measure": ["Days to close"] * 12,
                                  "value": [10.0, 8.0, 12.0, 14.0, 9.0, 8.5, 11.0, 13.0, 7.0, 9.0, 12.0, 10.0]}),
               dataset="peer_days", kind="kpi",
               roles={"period": "period", "area": "area", "measure": "measure", "value": "value"})
    peer = peers.peer_comparison(con, store.get_dataset(con, "peer_days"), "Days to close", "Own",
                                 improvement="decrease")
    top = summarise_dataset(con, ds).top_values
    made = {
        "demand.build_volume_chart": demand.build_volume_chart(
            figures.volume_over_time(con, ds, f, "week", "channel", coverage=span), "Week", "Channel"),
        "demand.build_pareto_chart": demand.build_pareto_chart(pareto.frame, pareto.reasons_for_share),
        "demand.build_failure_share_chart": demand.build_failure_share_chart(
            figures.failure_share(con, ds, f, by="service"), "Service"),
        "demand.build_failure_trend_chart": demand.build_failure_trend_chart(
            figures.failure_share(con, ds, f, by="period", grain="month", coverage=span), "Month"),
        "demand.build_repeat_rate_chart": demand.build_repeat_rate_chart(repeat.by_reason, "Reason"),
        "demand.build_repeat_pairs_chart": demand.build_repeat_pairs_chart(repeat.pairs),
        "demand.build_day_hour_heatmap": demand.build_day_hour_heatmap(figures.day_hour_counts(con, ds, f)),
        "demand.build_month_year_heatmap": demand.build_month_year_heatmap(
            figures.month_year_counts(con, ds, f, coverage=span)),
        "demand.build_change_waterfall": demand.build_change_waterfall(water, "Reason"),
        "demand.build_rate_chart": demand.build_rate_chart(
            figures.rate_per_thousand(con, ds, f, population, coverage=span), "Area"),
        "demand.build_forecast_chart": demand.build_forecast_chart(predicted.history, predicted.forecast, "Month"),
        "overview.build_top_values_chart": overview.build_top_values_chart(
            top[next(iter(top))], title="Rows by service (top 8)", label="Service"),
        "savings.build_waterfall_chart": savings.build_waterfall_chart(result.waterfall),
        "savings.waterfall_spec": savings.waterfall_spec(result.waterfall),
        "savings.build_projection_chart": savings.build_projection_chart(result.projection, result.payback_year),
        "savings.projection_spec": savings.projection_spec(result.projection, result.payback_year),
        "savings.build_tornado_chart": savings.build_tornado_chart(torn),
        "savings.tornado_spec": savings.tornado_spec(torn),
        "savings.build_comparison_chart": savings.build_comparison_chart(scenarios.comparison_long(pair)),
        "savings.comparison_spec": savings.comparison_spec(scenarios.comparison_long(pair)),
        "savings.build_comparison_projection_chart": savings.build_comparison_projection_chart(
            scenarios.projections_long(pair)),
        "savings.comparison_projection_spec": savings.comparison_projection_spec(scenarios.projections_long(pair)),
        "spc.build_spc_chart": spc.build_spc_chart(chart_result, title="Contacts: all services", interventions=notes,
                                                   show_near_lines=True, grain="month"),
        "spc.build_small_multiples": spc.build_small_multiples(
            series.series_spc(many, improvement="decrease"), title="Contacts by area", interventions=notes),
        "spc.build_peer_chart": spc.build_peer_chart(peer, title="Days to close: Own and its comparators",
                                                     own_label="Own"),
        # With the nation's own line (a national total row or column), as issue 18 draws it.
        "spc.build_peer_chart (national)": spc.build_peer_chart(
            peer.assign(national=peer["comparator_median"] * 1.1), title="Days to close: Own and its comparators",
            own_label="Own", national_label="England"),
        "spc.build_span_chart": spc.build_span_chart(
            pd.DataFrame({"span": ["2009-11", "2010-12", "2010-14", "2012-15"], "value": [3.1, 2.9, 3.4, 3.0],
                          "n": [32, 32, 32, 32]}), title="C&L05a by multi-year span", y_title="C&L05a"),
    }
    con.close()
    return made


def test_every_builder_has_a_case(cases):
    assert _builders() == {name.split(" (")[0] for name in cases}, "add a case for each new chart builder"


@pytest.mark.parametrize("name", sorted(_builders()) + ["spc.build_peer_chart (national)"])
def test_the_spec_the_pages_draw_is_valid_vega_lite(cases, name):
    chart = cases[name]
    spec = inline_spec(vega_spec(chart)) if isinstance(chart, alt.TopLevelMixin) else chart
    assert spec["title"]["text"], "every chart has a title"
    validate_jsonschema(spec, SCHEMA)  # raises a ValidationError naming the offending part
    validate_jsonschema(for_presentation(spec), SCHEMA)


def _no_nan(value):
    # Altair leaves NaN in a text column's rows (not valid JSON); the drawn spec has null there, as it always had.
    if isinstance(value, dict):
        return {k: _no_nan(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_no_nan(v) for v in value]
    return None if isinstance(value, float) and value != value else value


def _named_by_content(spec: dict) -> dict:
    """``spec`` with each dataset's name replaced by its rows (names are digests, made differently by Altair and by
    ``vega_spec``; what matters is which data each part of the chart draws)."""
    spec = _no_nan(spec)
    text = json.dumps(spec, sort_keys=True, default=str)
    for name, rows in spec.get("datasets", {}).items():
        text = text.replace(json.dumps(name), json.dumps(json.dumps(rows, sort_keys=True, default=str)))
    return json.loads(text)


@pytest.mark.parametrize("name", sorted(n for n in _builders() if n.split(".")[1].startswith("build_")))
def test_the_spec_the_pages_draw_is_altairs_own_data_and_all(cases, name):
    # vega_spec turns the chart's frames into Arrow itself (not through Altair's rows): every row, type and date
    # must come out as Altair writes it, or the chart would draw differently.
    chart = cases[name]
    drawn, altairs = inline_spec(vega_spec(chart)), chart.to_dict()
    assert drawn["datasets"], "the chart has data"
    assert _named_by_content(drawn) == _named_by_content(altairs)


def test_an_invalid_spec_is_caught():
    # The check above can fail: a mark Vega-Lite does not know is refused.
    with pytest.raises(Exception, match="sparkle|is not one of|is not valid"):
        validate_jsonschema({"mark": "sparkle", "data": {"values": [{"x": date(2024, 1, 1).isoformat()}]}}, SCHEMA)
