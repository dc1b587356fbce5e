"""Every chart builder with inputs from the demo borough's own figures, for the tests that check every builder: its spec
is valid Vega-Lite (``test_chart_schema.py``), and the same with Altair's class table shared or as shipped
(``test_chart_spec.py``). A builder added without a case here fails ``test_every_builder_has_a_case``."""

from __future__ import annotations

import inspect
from functools import partial
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from analysis import forecast, lookups, store
from analysis.charts import demand, overview, savings, spc, spend
from analysis.demand import change, figures, repeats
from analysis.filters import Filters
from analysis.load.ingest import load_frame
from analysis.kpis import peers, series
from analysis.overview import summarise_dataset
from analysis.savings import baseline, costs, model, scenarios, sensitivity
from analysis.spc import xmr
from analysis.spend import scan as spend_scan
from analysis.spend import unit_costs

MODULES = (demand, overview, savings, spc, spend)


# Cases beside a builder's own: the builder's name, then a variant in brackets.
VARIANTS = ("spc.build_peer_chart (national)", "demand.build_change_waterfall (money)")


def builders() -> set[str]:
    """Every builder: a function of a charts module named build_* or *_spec."""
    return {f"{m.__name__.rsplit('.', 1)[1]}.{name}" for m in MODULES
            for name, fn in inspect.getmembers(m, inspect.isfunction)
            if fn.__module__ == m.__name__ and (name.startswith("build_") or name.endswith("_spec"))}


def builder_cases(path: Path) -> dict[str, Callable[[], Any]]:
    """Builder name -> the builder with its inputs (call it to make the chart or spec), from a copy of the demo store
    at ``path`` (a benchmark dataset is loaded into it)."""
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
    torn = sensitivity.tornado(base, levers)
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
    payments = store.get_dataset(con, "demo_payments")
    scanned = spend_scan.spend_scan(con, payments, f, spend_scan.page_sets(payments))
    c = spend_scan.concentration(scanned)
    spent = change.waterfall_frame(spend_scan.change_between(
        con, payments, f, (pd.Timestamp("2024-08-01").date(), pd.Timestamp("2024-08-31").date()),
        (pd.Timestamp("2024-09-01").date(), pd.Timestamp("2024-09-30").date()), "supplier"))
    matched = {"Housing Repairs & Maintenance": "Housing repairs", "Parking Services": "Parking"}
    priced = unit_costs.work_out(unit_costs.monthly_spend(scanned), unit_costs.monthly_contacts(con, ds), matched)
    made = {
        "demand.build_volume_chart": partial(
            demand.build_volume_chart, figures.volume_over_time(con, ds, f, "week", "channel", coverage=span), "Week",
            "Channel"),
        "demand.build_pareto_chart": partial(demand.build_pareto_chart, pareto.frame, pareto.reasons_for_share),
        "demand.build_failure_share_chart": partial(
            demand.build_failure_share_chart, figures.failure_share(con, ds, f, by="service"), "Service"),
        "demand.build_failure_trend_chart": partial(
            demand.build_failure_trend_chart, figures.failure_share(con, ds, f, by="period", grain="month",
                                                                    coverage=span), "Month"),
        "demand.build_repeat_rate_chart": partial(demand.build_repeat_rate_chart, repeat.by_reason, "Reason"),
        "demand.build_repeat_pairs_chart": partial(demand.build_repeat_pairs_chart, repeat.pairs),
        "demand.build_day_hour_heatmap": partial(demand.build_day_hour_heatmap, figures.day_hour_counts(con, ds, f)),
        "demand.build_month_year_heatmap": partial(
            demand.build_month_year_heatmap, figures.month_year_counts(con, ds, f, coverage=span)),
        "demand.build_change_waterfall": partial(demand.build_change_waterfall, water, "Reason"),
        "demand.build_rate_chart": partial(
            demand.build_rate_chart, figures.rate_per_thousand(con, ds, f, population, coverage=span), "Area"),
        "demand.build_forecast_chart": partial(demand.build_forecast_chart, predicted.history, predicted.forecast,
                                               "Month"),
        "overview.build_top_values_chart": partial(
            overview.build_top_values_chart, top[next(iter(top))], title="Rows by service (top 8)", label="Service"),
        "savings.build_waterfall_chart": partial(savings.build_waterfall_chart, result.waterfall),
        "savings.waterfall_spec": partial(savings.waterfall_spec, result.waterfall),
        "savings.build_projection_chart": partial(savings.build_projection_chart, result.projection,
                                                  result.payback_year),
        "savings.projection_spec": partial(savings.projection_spec, result.projection, result.payback_year),
        "savings.build_tornado_chart": partial(savings.build_tornado_chart, torn),
        "savings.tornado_spec": partial(savings.tornado_spec, torn),
        "savings.build_comparison_chart": partial(savings.build_comparison_chart, scenarios.comparison_long(pair)),
        "savings.comparison_spec": partial(savings.comparison_spec, scenarios.comparison_long(pair)),
        "savings.build_comparison_projection_chart": partial(savings.build_comparison_projection_chart,
                                                             scenarios.projections_long(pair)),
        "savings.comparison_projection_spec": partial(savings.comparison_projection_spec,
                                                      scenarios.projections_long(pair)),
        "spc.build_spc_chart": partial(spc.build_spc_chart, chart_result, title="Contacts: all services",
                                       interventions=notes, show_near_lines=True, grain="month"),
        "spc.build_small_multiples": partial(spc.build_small_multiples, series.series_spc(many, improvement="decrease"),
                                             title="Contacts by area", interventions=notes),
        "spc.build_peer_chart": partial(spc.build_peer_chart, peer, title="Days to close: Own and its comparators",
                                        own_label="Own"),
        # With the nation's own line (a national total row or column), as issue 18 draws it.
        "spc.build_peer_chart (national)": partial(
            spc.build_peer_chart, peer.assign(national=peer["comparator_median"] * 1.1),
            title="Days to close: Own and its comparators", own_label="Own", national_label="England"),
        "spc.build_span_chart": partial(
            spc.build_span_chart, pd.DataFrame({"span": ["2009-11", "2010-12", "2010-14", "2012-15"],
                                                "value": [3.1, 2.9, 3.4, 3.0], "n": [32, 32, 32, 32]}),
            title="C&L05a by multi-year span", y_title="C&L05a"),
        "spend.build_spend_by_period_chart": partial(spend.build_spend_by_period_chart,
                                                     spend_scan.by_period(scanned, "month"), "Month"),
        "spend.build_spend_bars": partial(spend.build_spend_bars, spend_scan.by_role(scanned, "supplier", 10),
                                          "Supplier", "spend_supplier_pick", "Spend by supplier", total=1.0),
        "spend.build_concentration_chart": partial(spend.build_concentration_chart, c.curve, c.top_n, c.top_share,
                                                   c.core),
        "spend.build_unit_cost_chart": partial(spend.build_unit_cost_chart, priced.by_service),
        "demand.build_change_waterfall (money)": partial(demand.build_change_waterfall, spent, "Supplier",
                                                         measure="Spend (£)", money=True),
    }
    con.close()
    return made
