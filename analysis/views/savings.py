"""Savings scenarios views: the page's levers read back from a view's controls, and the waterfall (baseline cost to
scenario cost) or the projection over the years drawn with a reading."""

from __future__ import annotations

import re
from typing import Any, Mapping

import pandas as pd

from analysis import store
from analysis.charts import savings as charts
from analysis.errors import StocktakeError
from analysis.formatting import format_count, format_money
from analysis.savings import baseline, costs, model
from analysis.sessions import View
from analysis.views.catalogue import PAGES, SAVINGS_PAGE, Figure, strings, value

# The Savings page's defaults, for a control a view does not hold (the page's own widgets start from these).
BENCHMARK = "Socitm 2012 benchmark"
DEFAULTS = {"sv_fd_pct": 20, "sv_nshift": 1, "sv_sh1_pct": 10, "sv_ht_pct": 5, "sv_oneoff": 25_000.0, "sv_years": 3}
RAMP = (50.0, 100.0, 100.0, 100.0, 100.0)


def _slug(channel: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", channel.lower()).strip("_") or "x"


def levers_of(con, ds: store.Dataset, state: Mapping[str, Any]) -> tuple[baseline.Baseline, model.Levers, tuple]:
    """(baseline, levers, period) of a Savings view: the page's levers read from the view's controls."""
    periods = baseline.available_periods(con, ds.name)
    if not periods:
        raise StocktakeError(f"'{ds.name}' has no 12-month period to work savings out from.")
    by_key = {f"{start:%Y-%m}": (start, end) for start, end in periods}
    period = by_key.get(value(state, "sv_period"), periods[0])
    base = baseline.baseline(con, ds.name, *period)
    lookups = costs.unit_cost_lookups(con)
    preset = value(state, "sv_preset", next(iter(lookups), BENCHMARK))
    lookup = costs.read_unit_cost_lookup(con, preset) if preset in lookups else None
    channels = list(base.channels)
    mapped = {costs.canonical_channel(c) for c in channels}
    channels += [c for c in costs.SOCITM_2012 if c not in mapped and c not in channels]
    if lookup is not None:
        channels += [c for c in lookup["channel"].astype(str) if c not in channels]
    table = costs.unit_cost_table(channels, lookup, preset if lookup is not None else None).set_index("channel")
    unit_costs: dict[str, float] = {}
    for ch in channels:
        key = f"sv_uc_{_slug(ch)}"
        cost = state[key] if key in state else table.loc[ch, "unit_cost"]
        if cost is not None and not pd.isna(cost):
            unit_costs[ch] = float(cost)
    data_minutes = base.by_channel().set_index("channel")["avg_minutes"]
    minutes = {ch: float(value(state, f"sv_min_{_slug(ch)}", costs.default_minutes(ch))) for ch in channels
               if pd.isna(data_minutes.get(ch, float("nan")))}
    phone = next((c for c in channels if costs.canonical_channel(c) == "Phone"), channels[0])
    web = next((c for c in channels if costs.canonical_channel(c) == "Web"), channels[-1])
    shifts = []
    for i in range(1, int(value(state, "sv_nshift", DEFAULTS["sv_nshift"])) + 1):
        source, target = value(state, f"sv_sh{i}_from", phone), value(state, f"sv_sh{i}_to", web)
        share = float(value(state, f"sv_sh{i}_pct", DEFAULTS["sv_sh1_pct"] if i == 1 else 0))
        if source != target:
            shifts.append(model.ChannelShift(source, target, share))
    years = int(value(state, "sv_years", DEFAULTS["sv_years"]))
    levers = model.Levers(
        failure_pct=float(value(state, "sv_fd_pct", DEFAULTS["sv_fd_pct"])),
        failure_services=strings(state.get("sv_fd_services")), failure_reasons=strings(state.get("sv_fd_reasons")),
        shifts=tuple(shifts), handling_pct=float(value(state, "sv_ht_pct", DEFAULTS["sv_ht_pct"])),
        unit_costs=unit_costs, minutes_per_contact=minutes,
        fte_hour_cost=float(value(state, "sv_fte_cost", model.DEFAULT_FTE_HOUR_COST)),
        productive_hours=float(value(state, "sv_fte_hours", model.DEFAULT_PRODUCTIVE_HOURS)),
        one_off_cost=float(value(state, "sv_oneoff", DEFAULTS["sv_oneoff"])),
        ramp_up=tuple(float(value(state, f"sv_ramp{i + 1}", RAMP[i])) for i in range(years)), years=years)
    return base, levers, period


def draw(con, ds: store.Dataset, view: View) -> Figure:
    if view.figure not in PAGES[SAVINGS_PAGE].figures:
        raise StocktakeError(f"The Savings page has no figure '{view.figure}': add the view again from the page.")
    if ds.kind != "records" or not {"date", "channel"} <= set(ds.roles):
        raise StocktakeError(f"'{ds.name}' is not a records dataset with dates and channels: savings need one.")
    base, levers, period = levers_of(con, ds, view.state)
    result = model.compute(base, levers)
    net = float(result.projection["cumulative_net"].iloc[-1])
    moves = [f"{s.percent:,.0f}% moved from {s.from_channel} to {s.to_channel}" for s in levers.shifts]
    words = "; ".join([
        f"Baseline {baseline.period_label(*period)}: {format_count(base.total_contacts)} contacts",
        ", ".join([f"failure demand cut {levers.failure_pct:,.0f}%", *moves,
                   f"handling time cut {levers.handling_pct:,.0f}%",
                   f"one-off cost {format_money(levers.one_off_cost)}", f"{levers.years} years"])])
    headline = [("Annual saving at full effect", format_money(result.total_saving)),
                (f"Net saving over {levers.years} years", format_money(net)),
                ("Staff time released", f"{result.fte_released:,.1f} FTE")]
    if view.figure == "waterfall":
        spec = charts.waterfall_spec(result.waterfall)
        data = result.by_lever.drop(columns=[c for c in ("lever",) if c in result.by_lever]).rename(columns={
            "label": "Lever", "saving": "Saving (£ a year)", "contacts_avoided": "Contacts avoided",
            "contacts_moved": "Contacts moved", "minutes_saved": "Minutes saved"})
        sentence = model.explain(result)
    else:
        spec = charts.projection_spec(result.projection, result.payback_year)
        data = result.projection.rename(columns={
            "year": "Year", "ramp_pct": "Share of full effect (%)", "gross_saving": "Saving (£)",
            "one_off_cost": "One-off cost (£)", "net_saving": "Net saving (£)", "cumulative_net": "Cumulative net (£)"})
        sentence = (f"Net of the one-off cost, {format_money(net)} over {levers.years} years; "
                    + (f"pays back in year {result.payback_year}." if result.payback_year
                       else f"does not pay back within {levers.years} years."))
    return Figure(PAGES[SAVINGS_PAGE].figures[view.figure], spec, data, words, sentence, headline, ds.name,
                  view.figure)
